import Foundation
import OCIDistribution

/// An in-toto Statement v1 (`https://in-toto.io/Statement/v1`) about one or more digests.
/// The predicate is kept as raw JSON so any predicate type (SLSA, SPDX, CycloneDX…) fits.
package struct InTotoStatement: Sendable, Equatable {
    package static let type = "https://in-toto.io/Statement/v1"

    package struct Subject: Sendable, Equatable, Codable {
        package var name: String
        package var digest: [String: String]
        package init(name: String, digest: Digest) {
            self.name = name
            self.digest = [digest.algorithm: digest.encoded]
        }
    }

    package var subject: [Subject]
    package var predicateType: String
    /// The predicate's JSON bytes (an object).
    package var predicate: Data

    package init(subject: [Subject], predicateType: String, predicate: Data) {
        self.subject = subject
        self.predicateType = predicateType
        self.predicate = predicate
    }

    package init<P: Encodable>(subject: [Subject], predicateType: String, predicate: P) throws {
        self.init(subject: subject, predicateType: predicateType, predicate: try RegistryJSON.encode(predicate))
    }

    /// Compact JSON, keys in a fixed order.
    package func encoded() throws -> Data {
        let subjects = try RegistryJSON.encode(subject)
        var bytes = Data("{\"_type\":\"\(Self.type)\",\"subject\":".utf8)
        bytes.append(subjects)
        bytes.append(Data(",\"predicateType\":".utf8))
        bytes.append(try RegistryJSON.encode(predicateType))
        bytes.append(Data(",\"predicate\":".utf8))
        bytes.append(predicate)
        bytes.append(Data("}".utf8))
        return bytes
    }

    package static func decode(_ data: Data) throws(AttestationDecodeError) -> InTotoStatement {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw AttestationDecodeError(reason: "the payload is not a JSON object")
        }
        guard let type = object["_type"] as? String, type.hasPrefix("https://in-toto.io/Statement/") else {
            throw AttestationDecodeError(reason: "the payload is not an in-toto statement (_type missing or unknown)")
        }
        guard let predicateType = object["predicateType"] as? String else { throw AttestationDecodeError(reason: "predicateType missing") }
        guard let subjects = object["subject"] as? [[String: Any]] else { throw AttestationDecodeError(reason: "subject missing") }
        var parsed: [Subject] = []
        for entry in subjects {
            guard let name = entry["name"] as? String, let digests = entry["digest"] as? [String: String],
                let hex = digests["sha256"], let digest = try? Digest("sha256:\(hex)")
            else { continue }
            parsed.append(Subject(name: name, digest: digest))
        }
        let predicate =
            object["predicate"].flatMap { try? JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys, .fragmentsAllowed]) } ?? Data("null".utf8)
        return InTotoStatement(subject: parsed, predicateType: predicateType, predicate: predicate)
    }
}

package struct AttestationDecodeError: Error, Equatable, Sendable {
    package let reason: String
}
