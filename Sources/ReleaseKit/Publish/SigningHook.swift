import Foundation
import OCIDistribution

/// Signs each index (the signer also signs each platform manifest and attaches provenance);
/// without a signer it reports the image as not signed, with the fix.
struct SigningHook: PostIndexHook {
    let signer: (any Signer)?
    let log: @Sendable (String) -> Void

    func run(after index: PushedIndex) async throws -> SignatureStatus? {
        guard let signer else {
            log("\(index.image.type): NOT signed (no signer: pass --sign --key FILE or --key-env VAR)")
            return .skipped(reason: "no signer configured (--sign not given)")
        }
        var parents: [String: Digest] = [:]
        for platform in index.platforms { if let parent = platform.parentDigest { parents[platform.platform.description] = parent } }
        var labels = Self.literalLabels(index.image)
        if let parentIndex = index.parentIndex { labels["org.opencontainers.image.base.digest"] = parentIndex.description }
        let subject = SigningSubject(
            type: index.image.type, reference: index.reference, tags: index.image.tags, labels: labels, version: index.version,
            builder: index.builder, parentDigests: parents)
        let status = try await signer.sign(subject)
        log("\(index.image.type): \(status)")
        return status
    }

    /// The labels that are the same on every platform (the base digest differs per platform
    /// and travels in ``SigningSubject/parentDigests``).
    static func literalLabels(_ image: PlannedImage) -> [String: String] {
        var labels: [String: String] = [:]
        for setting in image.labels { if case let .literal(value) = setting.value { labels[setting.key] = value } }
        return labels
    }
}
