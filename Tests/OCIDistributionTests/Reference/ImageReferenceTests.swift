import OCIDistribution
import Testing

private let hex64 = String(repeating: "a1", count: 32)
private let digest = "sha256:\(hex64)"
/// Fullwidth digits and letters, which Character.isHexDigit accepts.
private let fullwidthHex = String(repeating: "\u{FF10}\u{FF41}", count: 32)
private let longHost = (1...5).map { _ in String(repeating: "h", count: 60) }.joined(separator: ".") + ":5000"
private let path255 = String(repeating: "p", count: 127) + "/" + String(repeating: "q", count: 127)

@Suite("ImageReference parsing and normalization")
struct ImageReferenceTests {
    struct Valid: CustomTestStringConvertible, Sendable {
        let input: String
        let registry: String
        let repository: String
        let tag: String?
        let digest: String?
        let canonical: String
        var testDescription: String { input }
    }

    static let valid: [Valid] = [
        .init(
            input: "ubuntu", registry: "docker.io", repository: "library/ubuntu", tag: "latest", digest: nil,
            canonical: "docker.io/library/ubuntu:latest"),
        .init(
            input: "ubuntu:22.04", registry: "docker.io", repository: "library/ubuntu", tag: "22.04", digest: nil,
            canonical: "docker.io/library/ubuntu:22.04"),
        .init(
            input: "docker.io/ubuntu", registry: "docker.io", repository: "library/ubuntu", tag: "latest", digest: nil,
            canonical: "docker.io/library/ubuntu:latest"),
        .init(
            input: "index.docker.io/library/ubuntu:1", registry: "docker.io", repository: "library/ubuntu", tag: "1", digest: nil,
            canonical: "docker.io/library/ubuntu:1"),
        // Only index.docker.io is an alias; the real host is kept as written (distribution's normalize.go).
        .init(
            input: "registry-1.docker.io/foo/bar", registry: "registry-1.docker.io", repository: "foo/bar", tag: "latest",
            digest: nil, canonical: "registry-1.docker.io/foo/bar:latest"),
        .init(
            input: "registry-1.docker.io/x", registry: "registry-1.docker.io", repository: "x", tag: "latest", digest: nil,
            canonical: "registry-1.docker.io/x:latest"),
        .init(
            input: "index.docker.io/x", registry: "docker.io", repository: "library/x", tag: "latest", digest: nil,
            canonical: "docker.io/library/x:latest"),
        // The 255 limit is on the path; a long host does not count against it.
        .init(
            input: "\(longHost)/\(path255)", registry: longHost, repository: path255, tag: "latest", digest: nil,
            canonical: "\(longHost)/\(path255):latest"),
        .init(
            input: "ghcr.io/\(String(repeating: "a", count: 250))", registry: "ghcr.io",
            repository: String(repeating: "a", count: 250), tag: "latest", digest: nil,
            canonical: "ghcr.io/\(String(repeating: "a", count: 250)):latest"),
        .init(
            input: String(repeating: "b", count: 247), registry: "docker.io", repository: "library/" + String(repeating: "b", count: 247),
            tag: "latest", digest: nil, canonical: "docker.io/library/\(String(repeating: "b", count: 247)):latest"),
        // Only a bare 64-hex name is ambiguous with an image ID; qualified or tagged ones are names.
        .init(
            input: "docker.io/library/\(hex64)", registry: "docker.io", repository: "library/\(hex64)", tag: "latest",
            digest: nil, canonical: "docker.io/library/\(hex64):latest"),
        .init(
            input: "\(hex64):1", registry: "docker.io", repository: "library/\(hex64)", tag: "1",
            digest: nil, canonical: "docker.io/library/\(hex64):1"),
        .init(
            input: String(hex64.dropLast()), registry: "docker.io", repository: "library/\(hex64.dropLast())", tag: "latest",
            digest: nil, canonical: "docker.io/library/\(hex64.dropLast()):latest"),
        .init(
            input: "foo/bar", registry: "docker.io", repository: "foo/bar", tag: "latest", digest: nil,
            canonical: "docker.io/foo/bar:latest"),
        .init(
            input: "foo/bar/baz:v1", registry: "docker.io", repository: "foo/bar/baz", tag: "v1", digest: nil,
            canonical: "docker.io/foo/bar/baz:v1"),
        .init(
            input: "ghcr.io/hyphagroup/oubliette-base", registry: "ghcr.io", repository: "hyphagroup/oubliette-base",
            tag: "latest", digest: nil, canonical: "ghcr.io/hyphagroup/oubliette-base:latest"),
        .init(
            input: "ghcr.io/hyphagroup/oubliette-dev:v1.2.3", registry: "ghcr.io", repository: "hyphagroup/oubliette-dev",
            tag: "v1.2.3", digest: nil, canonical: "ghcr.io/hyphagroup/oubliette-dev:v1.2.3"),
        .init(
            input: "localhost/foo", registry: "localhost", repository: "foo", tag: "latest", digest: nil,
            canonical: "localhost/foo:latest"),
        .init(
            input: "localhost:5000/foo:1", registry: "localhost:5000", repository: "foo", tag: "1", digest: nil,
            canonical: "localhost:5000/foo:1"),
        .init(
            input: "127.0.0.1:5000/fixtures/busybox:1", registry: "127.0.0.1:5000", repository: "fixtures/busybox", tag: "1",
            digest: nil, canonical: "127.0.0.1:5000/fixtures/busybox:1"),
        .init(
            input: "[::1]:5000/foo", registry: "[::1]:5000", repository: "foo", tag: "latest", digest: nil,
            canonical: "[::1]:5000/foo:latest"),
        .init(
            input: "myhost:443/a/b", registry: "myhost:443", repository: "a/b", tag: "latest", digest: nil,
            canonical: "myhost:443/a/b:latest"),
        .init(
            input: "oubliette-base:latest", registry: "docker.io", repository: "library/oubliette-base", tag: "latest",
            digest: nil, canonical: "docker.io/library/oubliette-base:latest"),
        .init(
            input: "a.b-c.example.com/x_y/z__w:tag", registry: "a.b-c.example.com", repository: "x_y/z__w", tag: "tag",
            digest: nil, canonical: "a.b-c.example.com/x_y/z__w:tag"),
        .init(
            input: "foo/a--b.c_d", registry: "docker.io", repository: "foo/a--b.c_d", tag: "latest", digest: nil,
            canonical: "docker.io/foo/a--b.c_d:latest"),
        .init(
            input: "ubuntu@\(digest)", registry: "docker.io", repository: "library/ubuntu", tag: nil, digest: digest,
            canonical: "docker.io/library/ubuntu@\(digest)"),
        .init(
            input: "ubuntu:22.04@\(digest)", registry: "docker.io", repository: "library/ubuntu", tag: "22.04", digest: digest,
            canonical: "docker.io/library/ubuntu:22.04@\(digest)"),
        .init(
            input: "localhost:5000/foo@\(digest)", registry: "localhost:5000", repository: "foo", tag: nil, digest: digest,
            canonical: "localhost:5000/foo@\(digest)"),
        .init(
            input: "foo:Tag_With.Mixed-Case", registry: "docker.io", repository: "library/foo", tag: "Tag_With.Mixed-Case",
            digest: nil, canonical: "docker.io/library/foo:Tag_With.Mixed-Case"),
        .init(
            input: "foo:_underscore", registry: "docker.io", repository: "library/foo", tag: "_underscore", digest: nil,
            canonical: "docker.io/library/foo:_underscore"),
        .init(
            input: "foo:\(String(repeating: "t", count: 128))", registry: "docker.io", repository: "library/foo",
            tag: String(repeating: "t", count: 128), digest: nil,
            canonical: "docker.io/library/foo:\(String(repeating: "t", count: 128))"),
        .init(
            input: "Example.COM/foo", registry: "Example.COM", repository: "foo", tag: "latest", digest: nil,
            canonical: "Example.COM/foo:latest"),
        .init(
            input: "0.0.0.0:1/x", registry: "0.0.0.0:1", repository: "x", tag: "latest", digest: nil,
            canonical: "0.0.0.0:1/x:latest"),
    ]

    @Test("valid references normalize", arguments: valid)
    func parsesValid(_ case_: Valid) throws {
        let reference = try ImageReference(parsing: case_.input)
        #expect(reference.registry == case_.registry)
        #expect(reference.repository == case_.repository)
        #expect(reference.tag == case_.tag)
        #expect(reference.digest?.description == case_.digest)
        #expect(reference.description == case_.canonical)
        // Canonical form is a fixed point.
        #expect(try ImageReference(parsing: reference.description) == reference)
    }

    struct Invalid: CustomTestStringConvertible, Sendable {
        let input: String
        /// A fragment the error message must contain, naming the wrong part.
        let mentions: String
        var testDescription: String { input }
    }

    static let invalid: [Invalid] = [
        .init(input: "", mentions: "empty"),
        .init(input: "Ubuntu", mentions: "must be lowercase"),
        .init(input: "foo/Bar", mentions: "'foo/Bar' must be lowercase"),
        .init(input: "ghcr.io/HyphaGroup/x", mentions: "must be lowercase"),
        .init(input: "foo//bar", mentions: "empty path component"),
        .init(input: "foo/", mentions: "empty path component"),
        .init(input: "/foo", mentions: "empty path component"),
        .init(input: "ghcr.io/", mentions: "empty path component"),
        .init(input: "foo:", mentions: "tag ''"),
        .init(input: "foo:-bad", mentions: "tag '-bad'"),
        .init(input: "foo:.bad", mentions: "tag '.bad'"),
        .init(input: "foo:\(String(repeating: "t", count: 129))", mentions: "tag '"),
        .init(input: "foo@sha256:abc", mentions: "needs 64 hex digits"),
        .init(input: "foo@sha256:\(String(repeating: "A", count: 64))", mentions: "lowercase"),
        .init(input: "foo@md5:\(hex64)", mentions: "unsupported algorithm 'md5'"),
        .init(input: "foo@\(hex64)", mentions: "expected ALGORITHM:HEX"),
        .init(input: "foo;rm -rf /", mentions: "contains ';'"),
        .init(input: "foo$(id)", mentions: "contains '$'"),
        .init(input: "foo`id`", mentions: "contains '`'"),
        .init(input: "foo bar", mentions: "contains ' '"),
        .init(input: "foo|bar", mentions: "contains '|'"),
        .init(input: "foo&&bar", mentions: "contains '&'"),
        .init(input: "-foo", mentions: "path component '-foo'"),
        .init(input: "foo-", mentions: "path component 'foo-'"),
        .init(input: "foo/_bar", mentions: "path component '_bar'"),
        .init(input: "foo/a___b", mentions: "path component 'a___b'"),
        .init(input: "foo/a..b", mentions: "path component 'a..b'"),
        .init(input: "host:99999/foo", mentions: "registry 'host:99999'"),
        .init(input: "-host.io/foo", mentions: "registry '-host.io'"),
        .init(input: "host..io/foo", mentions: "registry 'host..io'"),
        .init(input: "[::1/foo", mentions: "registry '[::1'"),
        .init(input: "ghcr.io/\(String(repeating: "a", count: 256))", mentions: "repository path (without the registry) is 256 characters; the limit is 255"),
        .init(
            input: "ghcr.io/\(String(repeating: "a", count: 200))/\(String(repeating: "b", count: 55))",
            mentions: "is 256 characters"),
        // library/ counts, as in distribution (it parses the normalized docker.io/library/NAME).
        .init(input: String(repeating: "b", count: 248), mentions: "is 256 characters"),
        .init(input: hex64, mentions: "64 hex digits, which engines read as an image ID"),
        .init(input: String(repeating: "0", count: 64), mentions: "read as an image ID"),
        .init(input: "foo@sha256:\(fullwidthHex)", mentions: "contains '０'"),
        .init(input: "foo@sha256:\(String(repeating: "g", count: 64))", mentions: "lowercase ASCII 0-9a-f"),
        .init(input: "[::１]:5000/foo", mentions: "contains '１'"),
        .init(input: "föö", mentions: "contains 'ö'"),
    ]

    @Test("invalid references name the wrong part", arguments: invalid)
    func rejectsInvalid(_ case_: Invalid) {
        do {
            let parsed = try ImageReference(parsing: case_.input)
            Issue.record("expected '\(case_.input)' to be rejected, got \(parsed)")
        } catch {
            #expect(error.description.contains(case_.mentions), "message was: \(error.description)")
        }
    }

    @Test(
        "Digest accepts only ASCII lowercase hex",
        arguments: [
            "sha256:\(fullwidthHex)",
            "sha256:\(String(repeating: "\u{FF11}", count: 64))",
            "sha256:\(String(hex64.dropLast()))\u{0663}",
            "sha256:\(String(hex64.dropLast()))G",
            "sha512:\(String(repeating: "\u{FF46}", count: 128))",
        ])
    func digestRejectsNonASCIIHex(_ text: String) {
        #expect(throws: ImageReferenceError.self) { try Digest(text) }
    }

    @Test func digestAcceptsASCIIHexOfTheRightLength() throws {
        #expect(try Digest("sha256:\(hex64)").encoded == hex64)
        #expect(try Digest("sha512:\(hex64)\(hex64)").algorithm == "sha512")
        do {
            _ = try Digest("sha256:abc")
            Issue.record("expected a length error")
        } catch {
            #expect(error.description.contains("needs 64 hex digits, got 3"))
        }
    }

    @Test func familiarNameIsDockerStyle() throws {
        #expect(try ImageReference(parsing: "ubuntu").familiarDescription == "ubuntu:latest")
        #expect(try ImageReference(parsing: "foo/bar:1").familiarDescription == "foo/bar:1")
        #expect(try ImageReference(parsing: "ghcr.io/a/b:2").familiarDescription == "ghcr.io/a/b:2")
    }

    @Test func manifestReferencePrefersDigest() throws {
        #expect(try ImageReference(parsing: "a/b:1").manifestReference == "1")
        #expect(try ImageReference(parsing: "a/b:1@\(digest)").manifestReference == .digest(try Digest(digest)))
    }

    @Test func withTagValidatesAndDropsDigest() throws {
        let pinned = try ImageReference(parsing: "ghcr.io/a/b:1@\(digest)")
        #expect(try pinned.withTag("v2").description == "ghcr.io/a/b:v2")
        #expect(throws: ImageReferenceError.self) { try pinned.withTag("bad tag") }
    }

    @Test func digestOfBytesMatchesKnownVector() {
        // sha256("abc") from FIPS 180-2.
        #expect(
            Digest.sha256(of: Array("abc".utf8)).description
                == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
