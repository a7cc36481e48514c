import Foundation
import SystemSupport
import Testing

/// Each configuration's exact bytes for one small value: digests of manifests, signatures,
/// SBOMs and state files are computed over these, so any change must fail here first.
@Suite("JSON coding factory")
struct JSONCodingTests {
    /// Unsorted keys, a slash, a camelCase name, a Date and Data: every option shows.
    struct Sample: Codable, Equatable {
        var zebraName = "application/vnd.oci"
        var alpha = 1
        var when = Date(timeIntervalSince1970: 0)
        var blob = Data([1, 2, 3])
        var nested = ["b": 2, "a": 1]
    }

    @Test func canonicalBytes() throws {
        let text = try JSONCoding.text(Sample(), as: .canonical)
        #expect(text == #"{"alpha":1,"blob":"AQID","nested":{"a":1,"b":2},"when":-978307200,"zebraName":"application/vnd.oci"}"#)
    }

    @Test func canonicalEscapingSlashesBytes() throws {
        let text = try JSONCoding.text(Sample(), as: .canonicalEscapingSlashes)
        #expect(text == #"{"alpha":1,"blob":"AQID","nested":{"a":1,"b":2},"when":-978307200,"zebraName":"application\/vnd.oci"}"#)
    }

    static let prettyText = """
        {
          "alpha" : 1,
          "blob" : "AQID",
          "nested" : {
            "a" : 1,
            "b" : 2
          },
          "when" : "1970-01-01T00:00:00Z",
          "zebraName" : "application/vnd.oci"
        }
        """

    @Test func prettyBytes() throws {
        #expect(try JSONCoding.text(Sample(), as: .pretty) == Self.prettyText)
    }

    @Test func stateBytes() throws {
        #expect(try JSONCoding.text(Sample(), as: .state) == Self.prettyText)
    }

    @Test func reportBytes() throws {
        let expected = """
            {
              "alpha" : 1,
              "blob" : "AQID",
              "nested" : {
                "a" : 1,
                "b" : 2
              },
              "when" : "1970-01-01T00:00:00Z",
              "zebra_name" : "application/vnd.oci"
            }
            """
        #expect(try JSONCoding.text(Sample(), as: .report) == expected)
    }

    @Test func encodeAndTextAgree() throws {
        for encoding in JSONCoding.Encoding.allCases {
            let data = try JSONCoding.encode(Sample(), as: encoding)
            #expect(String(decoding: data, as: UTF8.self) == (try JSONCoding.text(Sample(), as: encoding)))
            #expect(data == (try JSONCoding.encoder(encoding).encode(Sample())))
        }
    }

    @Test func standardDecodingReadsCanonicalBytes() throws {
        let data = try JSONCoding.encode(Sample(), as: .canonical)
        #expect(try JSONCoding.decode(Sample.self, from: data) == Sample())
        #expect(try JSONCoding.decoder().decode(Sample.self, from: data) == Sample())
        // ISO 8601 text is not a date to the standard decoder.
        #expect(throws: DecodingError.self) { try JSONCoding.decode(Sample.self, from: Data(Self.prettyText.utf8)) }
    }

    @Test func stateDecodingReadsStateBytes() throws {
        let data = try JSONCoding.encode(Sample(), as: .state)
        #expect(try JSONCoding.decode(Sample.self, from: data, as: .state) == Sample())
        #expect(try JSONCoding.decoder(.state).decode(Sample.self, from: data) == Sample())
        #expect(throws: DecodingError.self) {
            try JSONCoding.decode(Sample.self, from: JSONCoding.encode(Sample(), as: .canonical), as: .state)
        }
    }
}
