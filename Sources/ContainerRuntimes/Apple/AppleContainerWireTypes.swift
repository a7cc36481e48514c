import Foundation
import OCIDistribution

// The JSON Apple's `container` CLI prints, per CLI generation. Read against apple/container's
// source (tags 1.2.2 = 0190097d06df0b9065f4c2d2c7873c649d81d493 and 0.12.3 =
// f9899013fd43dd058fdf89709eed0b0861bfd931); only the fields used here are decoded.

// MARK: 1.x

/// An entry of `image list --format json` and `image inspect` since 1.0.0
/// (`ContainerResource/Image/ImageResource.swift`): `{id, configuration, variants}`.
struct AppleImageResource: Decodable {
    var configuration: Configuration
    var variants: [AppleImageVariant]

    struct Configuration: Decodable {
        /// The normalized reference, e.g. `docker.io/library/alpine:3.20`.
        var name: String
        /// The descriptor of what the reference points at (usually an index).
        var descriptor: AppleDescriptor
        /// Earliest variant creation time; the Unix epoch when none was recorded.
        var creationDate: AppleDate?
    }
}

// MARK: 0.x (0.12)

/// An entry of `image list --format json` in 0.12 (`ImageList.PrintableImage`).
struct AppleLegacyImageListEntry: Decodable {
    var reference: String
    var descriptor: AppleDescriptor
}

/// An entry of `image inspect` in 0.12 (`ContainerResource/Image/ImageDetail.swift`).
struct AppleLegacyImageDetail: Decodable {
    var name: String
    var index: AppleDescriptor
    var variants: [AppleImageVariant]?
}

// MARK: Shared pieces

/// `ContainerizationOCI.Descriptor`.
struct AppleDescriptor: Decodable {
    var mediaType: String?
    var digest: String
    var size: Int64?
}

/// One platform of an image: `ImageResource.Variant` (1.x) or `ImageDetail.Variants` (0.12).
struct AppleImageVariant: Decodable {
    var platform: ApplePlatform?
    var config: ImageConfig?

    /// `ContainerizationOCI.Image`, the OCI image configuration.
    struct ImageConfig: Decodable {
        var created: String?
        var config: Inner?

        struct Inner: Decodable {
            var Labels: [String: String]?
        }
    }
}

/// `ContainerizationOCI.Platform`: `{os, architecture, variant?}`.
struct ApplePlatform: Decodable, Equatable {
    var os: String?
    var architecture: String?
    var variant: String?

    /// `os/architecture[/variant]`.
    var description: String {
        [os ?? "unknown", architecture ?? "unknown", variant].compactMap { $0 }.joined(separator: "/")
    }

    /// Attestation manifests are listed with platform `unknown/unknown`.
    var isAttestation: Bool { os == "unknown" || architecture == "unknown" }
}

/// One image as this adapter uses it, whichever CLI generation printed it.
struct AppleImage {
    var name: String
    var digest: String
    var variants: [AppleImageVariant]
    var created: Date?

    init(_ resource: AppleImageResource) {
        name = resource.configuration.name
        digest = resource.configuration.descriptor.digest
        variants = resource.variants
        created = resource.configuration.creationDate?.date
    }

    init(_ entry: AppleLegacyImageListEntry) {
        name = entry.reference
        digest = entry.descriptor.digest
        variants = []
        created = nil
    }

    init(_ detail: AppleLegacyImageDetail) {
        name = detail.name
        digest = detail.index.digest
        variants = detail.variants ?? []
        created = nil
    }

    /// Real platforms (attestations left out), as `os/arch[/variant]`.
    var platforms: [String] {
        variants.compactMap(\.platform).filter { !$0.isAttestation }.map(\.description)
    }

    /// The variant a container on Apple silicon runs: linux/arm64 first, else the first real one.
    var preferredVariant: AppleImageVariant? {
        let real = variants.filter { !($0.platform?.isAttestation ?? true) }
        return real.first { $0.platform?.os == "linux" && $0.platform?.architecture == "arm64" } ?? real.first
    }
}

/// An entry of `container list --format json` and `container inspect`.
///
/// 1.x prints `ManagedContainer` (`ContainerResource/Container/ManagedContainer.swift`):
/// `{id, configuration, status: {state, networks, startedDate}}`. 0.12 prints
/// `PrintableContainer` (`ContainerCommands/Container/ContainerList.swift`):
/// `{status: "running", configuration, networks, startedDate}`.
struct AppleContainerSnapshot: Decodable {
    var status: AppleContainerStatus
    var configuration: Configuration

    /// `ContainerResource/Container/ContainerConfiguration.swift`.
    struct Configuration: Decodable {
        var id: String
        var image: Image
        var labels: [String: String]?
        /// Since 1.0.0, ISO-8601; absent in 0.12.
        var creationDate: AppleDate?

        struct Image: Decodable {
            var reference: String
        }
    }
}

/// 0.12 prints the state as a bare string (`"running"`); 1.x as an object with a `state` field.
struct AppleContainerStatus: Decodable {
    var state: String

    init(from decoder: any Decoder) throws {
        if let single = try? decoder.singleValueContainer(), let text = try? single.decode(String.self) {
            state = text
            return
        }
        let keyed = try decoder.container(keyedBy: CodingKeys.self)
        state = try keyed.decode(String.self, forKey: .state)
    }

    private enum CodingKeys: String, CodingKey { case state }
}

/// The CLI's JSON dates: ISO-8601 since 1.0.0 (`JSONOptions.compact`/`.pretty`), Swift's
/// default seconds-since-2001 in 0.12 (`.deferredToDate`). The Unix epoch is the CLI's
/// placeholder for "not recorded" and reads as nil.
struct AppleDate: Decodable {
    var date: Date?

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        var decoded: Date?
        if let seconds = try? container.decode(Double.self) {
            decoded = Date(timeIntervalSinceReferenceDate: seconds)
        } else if let text = try? container.decode(String.self) {
            decoded = RFC3339.date(text)
        }
        date = decoded.flatMap { $0.timeIntervalSince1970 == 0 ? nil : $0 }
    }
}
