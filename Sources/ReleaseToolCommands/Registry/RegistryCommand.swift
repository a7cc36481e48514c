import ArgumentParser

/// `release-tool registry …`: copy, list, inspect, tag and delete images without a daemon.
struct RegistryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry",
        abstract: "Talk to OCI registries directly: copy, tags, inspect, tag, delete.",
        discussion: """
            Locations are written as skopeo writes them: docker://REGISTRY/REPO[:TAG|@DIGEST] for a \
            registry, oci:DIRECTORY[:TAG] for an OCI image layout. Credentials come from \
            OUBLIETTE_REGISTRY_TOKEN or OUBLIETTE_REGISTRY_USER/PASSWORD for the one registry \
            OUBLIETTE_REGISTRY_HOST names (without it they are sent nowhere), then docker's \
            config.json ($DOCKER_CONFIG), including credential helpers. Plain HTTP is used only for localhost/127.0.0.0/8 and registries \
            named with --insecure-registry.
            """,
        subcommands: [
            RegistryCopy.self, RegistryTags.self, RegistryInspect.self,
            RegistryTag.self, RegistryDelete.self,
        ]
    )
}
