import Foundation
import OCIDistribution
import SigstoreVerification
import SystemSupport

/// One keyless signature or attestation found beside an image, not yet verified.
package struct DiscoveredBundle: Sendable {
    package enum Kind: String, Sendable, Codable, Equatable {
        /// A Sigstore bundle in an OCI referrer (`actions/attest` `push-to-registry`, cosign 3).
        case referrer
        /// A keyless layer of cosign's `sha256-<hex>.sig` (simple-signing payload).
        case cosignSignature = "cosign-signature"
        /// A keyless layer of cosign's `sha256-<hex>.att` (DSSE in-toto statement).
        case cosignAttestation = "cosign-attestation"
    }

    package var kind: Kind
    /// Where it was found, for messages: `referrer sha256:…` or `tag sha256-….sig`.
    package var source: String
    package var bundle: SigstoreBundle
    /// For `.cosignSignature`: the signed simple-signing payload (its claims are checked after
    /// the signature verifies).
    package var payload: Data?
}

/// Finds the Sigstore bundles for an image digest without pulling the image: OCI referrers
/// (the referrers API, or the `sha256-<hex>` tag-schema index on registries without it),
/// then cosign's `.sig` and `.att` tags. Every read is bounded by `Limits`.
package struct ImageBundleDiscovery: Sendable {
    package struct Limits: Sendable, Equatable {
        /// Referrer manifests read (those of a Sigstore bundle artifactType only).
        package var referrers: Int
        /// Bundle layers read from one referrer manifest.
        package var layersPerReferrer: Int
        /// Largest bundle blob read (real ones are a few kilobytes).
        package var bundleBytes: Int64
        /// All bundle bytes read for one image together.
        package var totalBytes: Int64

        package init(referrers: Int = 32, layersPerReferrer: Int = 4, bundleBytes: Int64 = 1 << 20, totalBytes: Int64 = 8 << 20) {
            self.referrers = referrers
            self.layersPerReferrer = layersPerReferrer
            self.bundleBytes = bundleBytes
            self.totalBytes = totalBytes
        }
    }

    /// Media types (and referrer artifactTypes) of Sigstore bundles: protobuf-specs' v0.1–v0.3
    /// and the parameterless form registries that refuse parameters get.
    package static let bundleMediaTypes: Set<String> = [
        "application/vnd.dev.sigstore.bundle.v0.3+json",
        "application/vnd.dev.sigstore.bundle+json;version=0.3",
        "application/vnd.dev.sigstore.bundle+json;version=0.2",
        "application/vnd.dev.sigstore.bundle+json;version=0.1",
        "application/vnd.dev.sigstore.bundle+json",
    ]

    package let client: RegistryClient
    package var limits: Limits

    package init(client: RegistryClient, limits: Limits = Limits()) {
        self.client = client
        self.limits = limits
    }

    /// What a search found, and what could not be read (each with its reason).
    package struct Found: Sendable {
        package var bundles: [DiscoveredBundle] = []
        /// Each place looked at, with what was there (for "nothing found" messages).
        package var searched: [String] = []
        /// Places that could not be read (registry errors, garbage, budgets).
        package var problems: [String] = []
    }

    package func find(repository: RepositoryName, digest: Digest) async -> Found {
        var found = Found()
        var budget = limits.totalBytes
        await findReferrers(repository: repository, digest: digest, into: &found, budget: &budget)
        await findCosign(repository: repository, digest: digest, into: &found)
        return found
    }

    private func findReferrers(repository: RepositoryName, digest: Digest, into found: inout Found, budget: inout Int64) async {
        let descriptors: [Descriptor]
        do { descriptors = try await client.referrers(repository: repository, digest: digest) } catch {
            found.problems.append("referrers of \(digest) (API or tag \(digest.algorithm)-\(digest.encoded)): \(describe(error))")
            return
        }
        let bundles = descriptors.filter { $0.artifactType.map(Self.bundleMediaTypes.contains) ?? false }
        found.searched.append("referrers of \(digest): \(descriptors.count) referrer(s), \(bundles.count) Sigstore bundle(s)")
        if bundles.count > limits.referrers {
            found.problems.append("\(bundles.count) bundle referrers, only the first \(limits.referrers) read")
        }
        for descriptor in bundles.prefix(limits.referrers) {
            let source = "referrer \(descriptor.digest)"
            do {
                let manifest = try await client.manifest(repository: repository, reference: .digest(descriptor.digest)).imageManifest()
                // A tag-schema index can be written by anyone who may push: its entries must
                // still name this image as their subject.
                if let subject = manifest.subject, subject.digest != digest {
                    found.problems.append("\(source): its subject is \(subject.digest), not \(digest)")
                    continue
                }
                let layers = manifest.layers.filter { Self.bundleMediaTypes.contains($0.mediaType) }
                for layer in layers.prefix(limits.layersPerReferrer) {
                    guard layer.size >= 0, layer.size <= limits.bundleBytes else {
                        found.problems.append("\(source): bundle layer \(layer.digest) is \(layer.size) bytes (limit \(limits.bundleBytes))")
                        continue
                    }
                    guard layer.size <= budget else {
                        found.problems.append("\(source): the \(limits.totalBytes)-byte budget for this image's bundles is spent")
                        return
                    }
                    let data = try await client.blob(repository: repository, digest: layer.digest)
                    budget -= Int64(data.count)
                    do {
                        found.bundles.append(DiscoveredBundle(kind: .referrer, source: source, bundle: try SigstoreBundle(json: data)))
                    } catch {
                        found.problems.append("\(source): \(error.description)")
                    }
                }
            } catch {
                found.problems.append("\(source): \(describe(error))")
            }
        }
    }

    private func findCosign(repository: RepositoryName, digest: Digest, into found: inout Found) async {
        let store = CosignManifestStore(client: client)
        for (tag, mediaType, kind) in [
            (CosignTag.signature(for: digest), SimpleSigningPayload.mediaType, DiscoveredBundle.Kind.cosignSignature),
            (CosignTag.attestation(for: digest), CosignAnnotations.dsseMediaType, .cosignAttestation),
        ] {
            let contents: CosignManifestStore.Contents
            do { contents = try await store.read(repository: repository, tag: tag, mediaTypes: [mediaType]) } catch let CosignStorageError.garbage(_, _, reason)
            {
                found.problems.append("tag \(tag): \(reason)")
                continue
            } catch {
                found.problems.append("tag \(tag): \(describe(error))")
                continue
            }
            guard case let .layers(layers) = contents else {
                found.searched.append("tag \(tag): absent")
                continue
            }
            let keyless = layers.filter { CosignLegacySignature.isKeyless($0.descriptor.annotations ?? [:]) }
            found.searched.append("tag \(tag): \(layers.count) layer(s), \(keyless.count) keyless")
            for layer in keyless {
                let annotations = layer.descriptor.annotations ?? [:]
                let source = "tag \(tag) layer \(layer.descriptor.digest)"
                do {
                    let content: CosignLegacySignature.Content =
                        kind == .cosignSignature
                        ? .message(payload: layer.payload, signature: annotations[CosignLegacySignature.signatureAnnotation] ?? "")
                        : .dsseEnvelope(layer.payload)
                    let bundle = try CosignLegacySignature.bundle(content: content, annotations: annotations)
                    found.bundles.append(
                        DiscoveredBundle(kind: kind, source: source, bundle: bundle, payload: kind == .cosignSignature ? layer.payload : nil))
                } catch {
                    found.problems.append("\(source): \(error.description)")
                }
            }
        }
    }
}
