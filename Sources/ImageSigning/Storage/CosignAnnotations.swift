/// Annotation keys and media types cosign uses on its signature and attestation manifests.
package enum CosignAnnotations {
    /// Base64 signature of the layer's payload (simple signing) on a `.sig` layer.
    package static let signature = "dev.cosignproject.cosign/signature"
    /// The in-toto predicate type on an `.att` layer.
    package static let predicateType = "predicateType"
    package static let dsseMediaType = "application/vnd.dsse.envelope.v1+json"
    /// artifactType of the OCI 1.1 referrer copies (cosign's experimental OCI 1.1 mode).
    package static let signatureArtifactType = "application/vnd.dev.cosign.artifact.sig.v1+json"
    package static let attestationArtifactType = "application/vnd.dev.cosign.artifact.att.v1+json"
}
