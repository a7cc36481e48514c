import Foundation

/// One step of an image pull, free of any presentation: a UI decides how to draw it.
package struct PullEvent: Sendable, Equatable, Codable {
    /// The layer (short digest) the event is about; `nil` for whole-image messages such as
    /// `Digest: sha256:…` or `Status: Downloaded newer image for …`. Docker's opening
    /// `Pulling from …` event carries the tag here instead.
    package var layer: String?
    /// The engine's status word(s): `Pulling fs layer`, `Downloading`, `Extracting`, `Pull complete`, …
    package var status: String
    /// Bytes done so far for this layer and step, when the engine says.
    package var current: Int64?
    /// Total bytes for this layer and step, when the engine says.
    package var total: Int64?

    package init(layer: String? = nil, status: String, current: Int64? = nil, total: Int64? = nil) {
        self.layer = layer
        self.status = status
        self.current = current
        self.total = total
    }

    /// `current / total` in 0...1 when both are known and `total` is positive.
    package var fraction: Double? {
        guard let current, let total, total > 0 else { return nil }
        return min(1, max(0, Double(current) / Double(total)))
    }
}
