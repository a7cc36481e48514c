import Foundation

/// The package's one place that sets up `JSONEncoder` and `JSONDecoder`: a named
/// configuration per kind of output, as swift-package-manager has one encoder factory.
///
/// Digests are computed over the bytes these write (manifests, signing payloads, SBOMs,
/// state files), so a configuration's options never change; a new need gets a new
/// configuration. Every call returns a fresh coder, so nothing is shared between threads.
package enum JSONCoding {
    /// How a value is written.
    package enum Encoding: Sendable, CaseIterable {
        /// Sorted keys, compact, slashes not escaped (`application/vnd…`, not
        /// `application\/vnd…`), Foundation's default date and data strategies: the bytes
        /// digests are computed over (manifests, indexes, configs, signing payloads, DSSE
        /// envelopes) and one-line messages (JSON-RPC replies, progress lines).
        case canonical
        /// `canonical` with Foundation's default `\/` escaping of slashes, for the one body
        /// that has always been sent so (the Docker engine's create-container request).
        case canonicalEscapingSlashes
        /// Sorted keys, pretty printed, slashes not escaped, ISO 8601 dates: documents for
        /// people and standard documents whose keys a standard fixes (SARIF, SPDX, CycloneDX).
        case pretty
        /// `pretty` with snake_case keys (`blobs_uploaded`): every `--json` report of ours.
        /// Dictionary keys are data and stay as they are.
        case report
        /// What the JSON state store writes (and what reads it back expects): sorted, pretty,
        /// slashes not escaped, ISO 8601 dates. The same options as `pretty` today, named apart
        /// so stored files never change when what people read does.
        case state
    }

    /// How a document is read.
    package enum Decoding: Sendable, CaseIterable {
        /// Foundation's defaults: documents from registries, engines, Sigstore, key files.
        case standard
        /// ISO 8601 dates: reads what ``Encoding/state`` writes.
        case state
    }

    package static func encoder(_ encoding: Encoding) -> JSONEncoder {
        let encoder = JSONEncoder()
        switch encoding {
        case .canonical:
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        case .canonicalEscapingSlashes:
            encoder.outputFormatting = [.sortedKeys]
        case .pretty, .state:
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
        case .report:
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            encoder.keyEncodingStrategy = .convertToSnakeCase
        }
        return encoder
    }

    package static func decoder(_ decoding: Decoding = .standard) -> JSONDecoder {
        let decoder = JSONDecoder()
        switch decoding {
        case .standard:
            break
        case .state:
            decoder.dateDecodingStrategy = .iso8601
        }
        return decoder
    }

    package static func encode<T: Encodable>(_ value: T, as encoding: Encoding) throws -> Data {
        try encoder(encoding).encode(value)
    }

    /// `value` encoded as UTF-8 text (JSON is always valid UTF-8).
    package static func text<T: Encodable>(_ value: T, as encoding: Encoding) throws -> String {
        String(decoding: try encode(value, as: encoding), as: UTF8.self)
    }

    package static func decode<T: Decodable>(_ type: T.Type, from data: Data, as decoding: Decoding = .standard) throws -> T {
        try decoder(decoding).decode(type, from: data)
    }
}
