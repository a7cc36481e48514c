import OCIDistribution

/// cosign's tag-based discovery: `sha256:abc…` → `sha256-abc….sig` / `.att` / `.sbom`.
package enum CosignTag {
    package static func signature(for digest: Digest) -> String { "\(digest.algorithm)-\(digest.encoded).sig" }
    package static func attestation(for digest: Digest) -> String { "\(digest.algorithm)-\(digest.encoded).att" }
}
