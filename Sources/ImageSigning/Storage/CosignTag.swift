import OCIDistribution

/// cosign's tag-based discovery: `sha256:abc…` → `sha256-abc….sig` / `.att` / `.sbom`.
public enum CosignTag {
    public static func signature(for digest: Digest) -> String { "\(digest.algorithm)-\(digest.encoded).sig" }
    public static func attestation(for digest: Digest) -> String { "\(digest.algorithm)-\(digest.encoded).att" }
}
