import SystemSupport

extension Platform {
    /// Parses `os/arch[/variant]` (`linux/arm64`, `linux/arm/v7`), as `--platform` flags spell it.
    package init(parsing text: String) throws(PlatformError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard (2...3).contains(parts.count), parts.allSatisfy(Self.isValidComponent) else { throw .invalid(text) }
        self.init(architecture: parts[1], os: parts[0], variant: parts.count == 3 ? parts[2] : nil)
    }

    /// The platform images run as on this machine: always linux (containers on macOS run in a
    /// Linux VM), with this binary's CPU architecture in OCI spelling.
    package static var host: Platform {
        #if arch(arm64)
            Platform(architecture: "arm64", os: "linux")
        #elseif arch(x86_64)
            Platform(architecture: "amd64", os: "linux")
        #else
            Platform(architecture: "unknown", os: "linux")
        #endif
    }

    /// Whether an index entry for `self` serves a request for `wanted`: same os and
    /// architecture, and the same variant when `wanted` names one. arm64's `v8` is its only
    /// variant, so an entry without one satisfies a request for `linux/arm64/v8` too.
    package func satisfies(_ wanted: Platform) -> Bool {
        guard os == wanted.os, architecture == wanted.architecture else { return false }
        guard let wantedVariant = wanted.variant else { return true }
        if architecture == "arm64", wantedVariant == "v8", variant == nil { return true }
        return variant == wantedVariant
    }

    /// Whether the platform is a placeholder (buildx's attestation manifests use unknown/unknown).
    package var isUnknown: Bool { os == "unknown" || architecture == "unknown" }

    private static func isValidComponent(_ part: String) -> Bool {
        !part.isEmpty && part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == ".") }
    }
}

extension ImageIndex {
    /// The first image manifest entry whose platform serves `wanted` (nested indexes and
    /// attestation entries are not image manifests and are skipped).
    package func manifest(for wanted: Platform) -> Descriptor? {
        manifests.first { entry in
            MediaType.isManifest(entry.mediaType) && (entry.platform?.satisfies(wanted) ?? false)
        }
    }

    /// The real platforms the index offers, in index order (attestation placeholders left out).
    package var platforms: [Platform] {
        manifests.compactMap(\.platform).filter { !$0.isUnknown }
    }
}

package enum PlatformError: Error, Equatable, Sendable, DescribedError {
    case invalid(String)
    case notInIndex(wanted: String, reference: String, available: [String])

    package var description: String {
        switch self {
        case let .invalid(text):
            return "'\(text)' is not a platform; write OS/ARCH[/VARIANT], e.g. linux/amd64 or linux/arm64"
        case let .notInIndex(wanted, reference, available):
            let has = available.isEmpty ? "no platform entries" : available.joined(separator: ", ")
            return "\(reference) has no \(wanted) image (it has \(has)); pick one of those with --platform"
        }
    }
}
