import Foundation
import OCIDistribution
import SystemSupport

/// What to build: one image from a Dockerfile, with resolved build args and labels.
package struct BuildRequest: Sendable, Equatable {
    /// Catalogue type, for messages.
    package let type: String
    package let dockerfile: URL
    package let context: URL
    /// Resolved build args in a stable order.
    package let buildArguments: [(key: String, value: String)]
    package let labels: [(key: String, value: String)]
    /// Local name for the built image (`oubliette-base:v1.2.3`); never pushed under this name.
    package let localName: String
    /// Directory to write the OCI image layout into; it must not exist yet.
    package let outputDirectory: URL
    /// The tag inside the OCI layout (`org.opencontainers.image.ref.name`).
    package let layoutTag: String
    /// Where the image will be pushed; only used by builders that can only push.
    package let destination: ImageReference
    /// Build every step afresh (`--no-cache`).
    package var noCache = false
    /// Build for this one platform (`--platform OS/ARCH[/VARIANT]`); nil builds for the
    /// builder's default (the host). Steps that run commands need the platform's CPU (or
    /// emulation); FROM/COPY/LABEL/ENV do not.
    package var platform: Platform?
    /// Stamp the image and its new layers' files with this time instead of now, so the same
    /// inputs build the same digests (releases pass the commit time). Builders without such
    /// an option ignore it.
    package var timestamp: Date?
    /// The parent this image is built `FROM`, pinned by digest (the `BASE_IMAGE` build arg).
    /// buildah and podman write it into the manifest's `org.opencontainers.image.base.*`
    /// annotations, but take the digest from their local store: for a parent they built
    /// themselves that is their own local manifest's digest, not the registry's, so a warm
    /// store would build another digest than a cold one. They are given this one instead.
    package var pinnedBase: ImageReference?

    package init(
        type: String, dockerfile: URL, context: URL, buildArguments: [(key: String, value: String)],
        labels: [(key: String, value: String)], localName: String, outputDirectory: URL, layoutTag: String, destination: ImageReference
    ) {
        self.type = type
        self.dockerfile = dockerfile
        self.context = context
        self.buildArguments = buildArguments
        self.labels = labels
        self.localName = localName
        self.outputDirectory = outputDirectory
        self.layoutTag = layoutTag
        self.destination = destination
    }

    /// The flags every Dockerfile builder (docker, buildah, podman) spells the same way:
    /// `--no-cache`, `--platform P`, `--build-arg K=V…`, `--label K=V…`.
    package var commonFlags: [String] {
        var flags = noCache ? ["--no-cache"] : []
        if let platform { flags += ["--platform", platform.description] }
        for (key, value) in buildArguments { flags += ["--build-arg", "\(key)=\(value)"] }
        for (key, value) in labels { flags += ["--label", "\(key)=\(value)"] }
        return flags
    }

    /// How log lines name this build: the type, and the platform when one was asked for.
    package var logLabel: String { platform.map { "\(type) \($0)" } ?? type }

    /// `--annotation` flags naming `pinnedBase` as the manifest's base (buildah, podman).
    package var baseAnnotationFlags: [String] {
        guard let pinnedBase, let digest = pinnedBase.digest else { return [] }
        return [
            "--annotation", "org.opencontainers.image.base.name=\(pinnedBase)",
            "--annotation", "org.opencontainers.image.base.digest=\(digest)",
        ]
    }

    package static func == (lhs: BuildRequest, rhs: BuildRequest) -> Bool {
        lhs.type == rhs.type && lhs.dockerfile == rhs.dockerfile && lhs.context == rhs.context
            && lhs.buildArguments.elementsEqual(rhs.buildArguments, by: ==) && lhs.labels.elementsEqual(rhs.labels, by: ==)
            && lhs.localName == rhs.localName && lhs.outputDirectory == rhs.outputDirectory && lhs.layoutTag == rhs.layoutTag
            && lhs.destination == rhs.destination && lhs.noCache == rhs.noCache && lhs.platform == rhs.platform
            && lhs.timestamp == rhs.timestamp && lhs.pinnedBase == rhs.pinnedBase
    }
}

/// What a builder hands back.
package enum BuiltImage: Sendable, Equatable {
    /// An OCI image layout directory; the registry client pushes it (skip-existing blobs,
    /// cross-repository mounts, counters).
    case ociLayout(directory: URL, tag: String)
    /// The builder could not export and pushed `BuildRequest.destination` itself (legacy
    /// `docker build` without OCI `docker save`); the publisher only adds the other tags.
    case pushedByBuilder(ImageReference)
}

/// The seam between the release logic and whatever builds images on this machine.
package protocol ImageBuilder: Sendable {
    /// Short name shown in logs (`buildah`, `docker buildx`, …).
    var name: String { get }
    func build(_ request: BuildRequest) async throws -> BuiltImage
    /// Whether builds of different platforms share no local image names, so they may pull
    /// the same FROM tag at the same time.
    var buildsPlatformsIndependently: Bool { get }
    /// Whether builds of several platforms can each yield their own manifest for one tag;
    /// the publisher refuses a multi-platform image to a builder that cannot.
    var exportsPlatformManifests: Bool { get }
}

extension ImageBuilder {
    package var buildsPlatformsIndependently: Bool { false }
    package var exportsPlatformManifests: Bool { true }
}

/// A builder that can leave its result in the local container engine, for oubliette's
/// `image_source: build` (release-tool pushes to a registry instead).
package protocol EngineImageBuilder: Sendable {
    /// Builds `request` and stores it in the engine as `request.localName`.
    func buildIntoEngine(_ request: BuildRequest) async throws
}

package enum BuilderError: Error, Equatable, Sendable, DescribedError {
    case toolNotFound(tool: String)
    case noBuilderFound(tried: [String])
    case unknownBuilder(String, known: [String])
    case commandFailed(image: String, command: String, status: Int32, output: String)
    case launchFailed(command: String, reason: String)

    package var description: String {
        switch self {
        case let .toolNotFound(tool):
            return "'\(tool)' is not on PATH; install it or choose another --builder"
        case let .noBuilderFound(tried):
            return "no image builder found (tried \(tried.joined(separator: ", "))); install buildah or docker, or pass --builder"
        case let .unknownBuilder(name, known):
            return "unknown builder '\(name)'; choose one of \(known.joined(separator: ", "))"
        case let .commandFailed(image, command, status, output):
            let tail = output.split(separator: "\n", omittingEmptySubsequences: false).suffix(15).joined(separator: "\n")
            return "building image '\(image)' failed: `\(command)` exited with status \(status)\(tail.isEmpty ? "" : ":\n\(tail)")"
        case let .launchFailed(command, reason):
            return "could not run `\(command)`: \(reason)"
        }
    }

}
