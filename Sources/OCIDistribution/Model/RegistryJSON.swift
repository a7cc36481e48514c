import Foundation
import SystemSupport

/// Deterministic JSON for manifests, indexes and configs we create ourselves.
///
/// Digests are taken over exact bytes, so the same value must always encode to the same
/// bytes: keys sorted, slashes not escaped (`application/vnd…`, not `application\/vnd…`).
package enum RegistryJSON {
    package static func encode<T: Encodable>(_ value: T) throws -> Data {
        try JSONCoding.encode(value, as: .canonical)
    }

    package static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        try JSONCoding.decode(type, from: data)
    }
}
