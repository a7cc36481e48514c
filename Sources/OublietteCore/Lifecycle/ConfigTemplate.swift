import Foundation
import ImageCatalogue

/// The commented `oubliette.jsonc` that `oubliette init` writes: every key with its default
/// and a comment saying what it does, `containers` filled from the catalogue.
package enum ConfigTemplate {
    package static func render(catalogue: ImageCatalogue, devMode: Bool = false, imageSource: ImageSource = .prebuilt) -> String {
        let defaults = OublietteConfig(catalogue: catalogue, devMode: devMode)
        let entries = catalogue.entries.compactMap { entry -> String? in
            guard let image = defaults.containers[entry.type] else { return nil }
            return "    // \(entry.summary)\n    \(quoted(entry.type)): \(quoted(image.reference.description)),"
        }.joined(separator: "\n")
        return """
            // oubliette.jsonc — written by `oubliette init`. JSON with comments and trailing commas.
            // `oubliette config check` validates this file; `oubliette config show` prints what is in effect.
            {
              // Container type → image reference. Projects pick a type; its image runs their container.
              // Add a line to offer another type (build custom images FROM the base image).
              "containers": {
            \(entries)
              },

              // How images are obtained: "prebuilt" pulls the published images (default);
              // "build" builds them locally from the catalogue's Dockerfiles, base first.
              "image_source": \(quoted(imageSource.rawValue)),

              // For "build" (and `update --rebuild-image`): the checkout holding
              // containers/<type>/Dockerfile, so builds work from any directory (default: the
              // current directory; --source-dir overrides it). Relative to this file.
              // "source_dir": "~/src/oubliette",

              // When `oubliette status` asks the registry whether a newer image exists:
              // "always", "once" (at most once a day, default) or "never".
              "update_check": "once",

              // Container engine: "auto" (Apple's `container` on macOS when installed, else Docker),
              // "docker" or "apple".
              "runtime": "auto",

              // Registries reached over plain HTTP. localhost and 127.0.0.0/8 always are.
              "insecure_registries": [],

              // Registries tried in order when a pull from an image's own registry fails.
              "registry_mirrors": [],

              // Verify each image's signature before pulling it (see docs/SIGNING.md): by the
              // publisher's cosign public keys, or keylessly by signer identities, e.g.
              // { "issuer": "https://token.actions.githubusercontent.com", "subject_pattern": "…",
              //   "repository": "owner/name", "ref": "refs/tags/v*" }; any one may match.
              // Without "mode", keys or identities mean "enforce"; the shipped images are always
              // enforced by this project's release workflow identity ("mode": "warn" or "off"
              // relaxes that; "trusted_root" names another Sigstore trusted_root.json).
              "verify": { "keys": [], "identities": [] },
            }

            """
    }

    private static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
