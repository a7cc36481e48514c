import Foundation
import OCIDistribution

/// One layer of a cosign `.sig` / `.att` manifest: the payload bytes and its annotations.
package struct SignedLayer: Sendable, Equatable {
    package var mediaType: String
    package var payload: Data
    package var annotations: [String: String]

    package init(mediaType: String, payload: Data, annotations: [String: String]) {
        self.mediaType = mediaType
        self.payload = payload
        self.annotations = annotations
    }

    package var descriptor: Descriptor {
        Descriptor(mediaType: mediaType, digest: Digest.sha256(of: payload), size: Int64(payload.count), annotations: annotations)
    }
}
