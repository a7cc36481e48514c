import Foundation
import OCIDistribution

// The JSON Apple's `container` CLI prints (`--format json`, `inspect`). Only the fields used
// here are decoded, and most are optional because the shapes have shifted between releases.

/// An entry of `container image list --format json`.
struct AppleImageDescription: Decodable {
    var reference: String
    var descriptor: AppleDescriptor
}

struct AppleDescriptor: Decodable {
    var mediaType: String?
    var digest: String
    var size: Int64?
}

/// An entry of `container image inspect`.
struct AppleImageDetail: Decodable {
    var name: String
    var index: AppleDescriptor
    var variants: [Variant]?

    struct Variant: Decodable {
        var platform: Platform?
        var config: ImageConfig?
        var size: Int64?
    }

    struct Platform: Decodable {
        var os: String?
        var architecture: String?
        var variant: String?
    }

    /// The OCI image configuration.
    struct ImageConfig: Decodable {
        var created: String?
        var config: Inner?

        struct Inner: Decodable {
            var Labels: [String: String]?
        }
    }
}

/// An entry of `container list --format json` and `container inspect`.
struct AppleContainerSnapshot: Decodable {
    var status: AppleContainerStatus
    var configuration: Configuration

    struct Configuration: Decodable {
        var id: String
        var image: AppleImageDescription
        var labels: [String: String]?
        var metadata: Metadata?
    }

    struct Metadata: Decodable {
        var createdAt: AppleDate?
    }
}

/// Older releases print the state as a bare string (`"running"`); newer ones as an object
/// with a `state` field.
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

/// Swift's default `JSONEncoder` writes `Date` as seconds since 2001-01-01; accept that or RFC 3339.
struct AppleDate: Decodable {
    var date: Date?

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let seconds = try? container.decode(Double.self) {
            date = Date(timeIntervalSinceReferenceDate: seconds)
        } else if let text = try? container.decode(String.self) {
            date = RFC3339.date(text)
        } else {
            date = nil
        }
    }
}
