import Foundation
import OCIDistribution
import Testing

@testable import OublietteCore

@Suite("verify policy in oubliette.jsonc")
struct VerifyPolicyTests {
    func config(_ text: String, devMode: Bool = false) throws(ConfigError) -> OublietteConfig {
        try OublietteConfig(parsing: text, file: "/etc/oubliette/oubliette.jsonc", catalogue: .shipped, devMode: devMode)
    }

    @Test("global mode and keys, overridden per container type; relative keys are relative to the file")
    func effective() throws {
        let parsed = try config(
            #"{ "verify": { "mode": "enforce", "keys": ["keys/a.pub", "/abs/b.pub"], "containers": { "dev": { "mode": "warn" }, "base": { "keys": ["c.pub"] } } } }"#
        )
        #expect(parsed.verify.effective(for: "custom").mode == .enforce)
        #expect(parsed.verify.effective(for: "custom").keys == ["/etc/oubliette/keys/a.pub", "/abs/b.pub"])
        #expect(parsed.verify.effective(for: "dev").mode == .warn)
        #expect(parsed.verify.effective(for: "base").keys == ["/etc/oubliette/c.pub"])
    }

    @Test("no verify section means off; keys without a mode mean enforce")
    func defaults() throws {
        #expect(try config("{}").verify.effective(for: "base").mode == .off)
        #expect(try config(#"{ "verify": { "keys": ["k.pub"] } }"#).verify.effective(for: "base").mode == .enforce)
    }

    @Test("bad values are refused with file:line:column")
    func errors() throws {
        do {
            _ = try config("{\n  \"verify\": { \"mode\": \"strict\" }\n}")
            Issue.record("accepted")
        } catch { #expect(error.description.contains("oubliette.jsonc:2:"), "\(error)") }
        do {
            _ = try config(#"{ "verify": { "mode": "enforce", "keys": [] } }"#)
            Issue.record("accepted enforce without keys")
        } catch { #expect(error.description.contains("verify.keys"), "\(error)") }
        // "enforce" with no key anywhere: for every type, or for one type that has none to inherit.
        for text in [#"{ "verify": { "mode": "enforce" } }"#, #"{ "verify": { "containers": { "dev": { "mode": "enforce" } } } }"#] {
            do {
                _ = try config(text)
                Issue.record("accepted enforce without keys: \(text)")
            } catch { #expect(error.description.contains(".keys\" is \"(none)\""), "\(error)") }
        }
        // A type's enforce rule may take the global keys.
        let inherited = try config(#"{ "verify": { "keys": ["k.pub"], "mode": "warn", "containers": { "dev": { "mode": "enforce" } } } }"#)
        #expect(inherited.verify.effective(for: "dev").mode == .enforce)
        do {
            _ = try config(#"{ "verify": { "kyes": [] } }"#)
            Issue.record("accepted")
        } catch { #expect(error.description.contains("did you mean \"keys\""), "\(error)") }
    }

    @Test("registry pulls are checked in dev mode and with image_source: build too; off checks nothing (no registry is asked)")
    func onlyLocalBuildsAreExempt() async throws {
        let registries = RegistryClientFactory(credentials: ChainedCredentials([]), insecureRegistries: [String]())
        let text = #"{ "verify": { "keys": ["/nonexistent.pub"] } }"#
        let reference = try ImageReference(parsing: "127.0.0.1:1/never/contacted:1")
        var build = try config(text)
        build.imageSource = .build
        for checked in [try config(text, devMode: true), build] {
            await #expect(throws: SignatureCheckError.self) {
                _ = try await ImageSignatureCheck(config: checked, registries: registries, warn: { _ in }).check(type: "base", reference: reference)
            }
        }
        let off = try await ImageSignatureCheck(config: try config("{}"), registries: registries, warn: { _ in }).check(type: "base", reference: reference)
        #expect(off.status == .off)
    }

    @Test("an empty key list for one type under a global enforce is an error at its line:column, not a silent off")
    func emptyTypeKeysUnderEnforce() throws {
        let text = "{\n  \"verify\": {\n    \"keys\": [\"/k.pub\"],\n    \"containers\": { \"dev\": { \"keys\": [] } }\n  }\n}"
        do {
            _ = try config(text)
            Issue.record("accepted an empty key list under enforce")
        } catch {
            #expect(error.description.contains("oubliette.jsonc:4:38"), "\(error)")
            #expect(error.description.contains("verify.containers.dev.keys"), "\(error)")
            #expect(error.description.contains("\"mode\": \"off\""), "\(error)")
        }
        // Saying it is meant stays allowed, and so is an empty list when nothing enforces.
        let off = try config(#"{ "verify": { "keys": ["/k.pub"], "containers": { "dev": { "mode": "off", "keys": [] } } } }"#)
        #expect(off.verify.effective(for: "dev").mode == .off)
        _ = try config(#"{ "verify": { "mode": "warn", "keys": ["/k.pub"], "containers": { "dev": { "keys": [] } } } }"#)
    }

    @Test("enforce with an unreadable key refuses, naming the image and the key")
    func enforceRefuses() async throws {
        let registries = RegistryClientFactory(credentials: ChainedCredentials([]), insecureRegistries: [String]())
        let reference = try ImageReference(parsing: "127.0.0.1:1/never/contacted:1")
        let check = ImageSignatureCheck(config: try config(#"{ "verify": { "keys": ["/nonexistent.pub"] } }"#), registries: registries, warn: { _ in })
        do {
            _ = try await check.check(type: "base", reference: reference)
            Issue.record("accepted")
        } catch {
            #expect(error.description.contains("refusing to pull 127.0.0.1:1/never/contacted:1"), "\(error)")
            #expect(error.description.contains("/nonexistent.pub"), "\(error)")
        }
    }
}
