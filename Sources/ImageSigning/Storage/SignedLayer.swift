import Foundation
import OCIDistribution

/// One layer of a cosign `.sig` / `.att` manifest: the payload bytes and its annotations.
public struct SignedLayer: Sendable, Equatable {
    public var mediaType: String
    public var payload: Data
    public var annotations: [String: String]

    public init(mediaType: String, payload: Data, annotations: [String: String]) {
        self.mediaType = mediaType
        self.payload = payload
        self.annotations = annotations
    }

    public var descriptor: Descriptor {
        Descriptor(mediaType: mediaType, digest: Digest.sha256(of: payload), size: Int64(payload.count), annotations: annotations)
    }
}
