import Foundation
import SystemSupport

/// Credentials from docker's `config.json` (`$DOCKER_CONFIG/config.json`, else
/// `~/.docker/config.json`): `credHelpers` per registry, then `credsStore`, then `auths`
/// (base64 `user:password` or an `identitytoken`). Helpers run as `docker-credential-<name> get`.
package struct DockerConfigCredentials: CredentialSource {
    package let configFile: URL
    /// Runs a credential helper; replaceable so tests need no binary on PATH.
    let helperRunner: @Sendable (_ helper: String, _ serverURL: String) async throws -> HelperOutput?

    package struct HelperOutput: Sendable, Equatable, Decodable {
        package var username: String
        package var secret: String
        enum CodingKeys: String, CodingKey { case username = "Username", secret = "Secret" }
        package init(username: String, secret: String) {
            self.username = username
            self.secret = secret
        }
    }

    package init(configFile: URL? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.init(configFile: configFile, environment: environment, helperTimeout: Self.helperTimeout)
    }

    /// Helpers are looked up on `environment`'s `PATH` (the one the caller handed in, not
    /// necessarily this process's) and killed after `helperTimeout`.
    init(configFile: URL?, environment: [String: String], helperTimeout: Duration) {
        let path = environment["PATH"]
        self.init(
            configFile: configFile, environment: environment,
            helperRunner: { helper, serverURL in
                try await Self.runHelper(helper, serverURL: serverURL, path: path, timeout: helperTimeout)
            })
    }

    init(
        configFile: URL?, environment: [String: String],
        helperRunner: @escaping @Sendable (_ helper: String, _ serverURL: String) async throws -> HelperOutput?
    ) {
        if let configFile {
            self.configFile = configFile
        } else if let dir = environment["DOCKER_CONFIG"], !dir.isEmpty {
            self.configFile = URL(fileURLWithPath: dir).appendingPathComponent("config.json")
        } else {
            let home = environment["HOME"].map { URL(fileURLWithPath: $0) } ?? FileManager.default.homeDirectoryForCurrentUser
            self.configFile = home.appendingPathComponent(".docker/config.json")
        }
        self.helperRunner = helperRunner
    }

    struct ConfigFile: Decodable {
        struct Auth: Decodable {
            var auth: String?
            var username: String?
            var password: String?
            var identitytoken: String?
        }
        var auths: [String: Auth]?
        var credHelpers: [String: String]?
        var credsStore: String?
    }

    package func setupHint(for registry: String) -> String? {
        "run `docker login \(registry)`"
    }

    package func credentials(for registry: String) async throws -> RegistryCredentials? {
        guard let data = try? Data(contentsOf: configFile) else { return nil }
        let config: ConfigFile
        do { config = try JSONCoding.decode(ConfigFile.self, from: data) } catch {
            throw RegistryError.invalidCredentialsFile(path: configFile.path, reason: "not valid docker config JSON (\(describe(error)))")
        }
        let host = RegistryHost.normalize(registry)
        // Docker Hub's credentials live under the legacy v1 URL.
        let serverURL = host == ImageReference.dockerHub ? "https://index.docker.io/v1/" : host

        if let helper = config.credHelpers?.first(where: { RegistryHost.matches($0.key, host) })?.value {
            return try await fromHelper(helper, serverURL: serverURL, registry: host)
        }
        if let auth = config.auths?.first(where: { RegistryHost.matches($0.key, host) })?.value,
            let credentials = try decode(auth, registry: host)
        {
            return credentials
        }
        if let store = config.credsStore, !store.isEmpty {
            return try await fromHelper(store, serverURL: serverURL, registry: host)
        }
        return nil
    }

    private func fromHelper(_ helper: String, serverURL: String, registry: String) async throws -> RegistryCredentials? {
        guard let output = try await helperRunner(helper, serverURL) else { return nil }
        // Docker's convention: the user name "<token>" marks an identity (refresh) token.
        if output.username == "<token>" { return .identityToken(output.secret) }
        return .basic(username: output.username, password: output.secret)
    }

    private func decode(_ auth: ConfigFile.Auth, registry: String) throws -> RegistryCredentials? {
        if let token = auth.identitytoken, !token.isEmpty { return .identityToken(token) }
        if let encoded = auth.auth, !encoded.isEmpty {
            guard let data = Data(base64Encoded: encoded), let text = String(data: data, encoding: .utf8),
                let colon = text.firstIndex(of: ":")
            else {
                throw RegistryError.invalidCredentialsFile(path: configFile.path, reason: "auths[\"\(registry)\"].auth is not base64 of user:password")
            }
            return .basic(username: String(text[..<colon]), password: String(text[text.index(after: colon)...]))
        }
        if let user = auth.username, let password = auth.password { return .basic(username: user, password: password) }
        return nil
    }

    /// Runs `docker-credential-<helper> get` with the server URL on stdin, through the shared
    /// process runner with a deadline: a helper waiting on a keychain prompt must not hang
    /// the command. Exit status non-zero with "credentials not found" means no credentials.
    static func runHelper(_ helper: String, serverURL: String, path: String?, timeout: Duration) async throws -> HelperOutput? {
        let name = "docker-credential-\(helper)"
        let output: CommandOutput
        let environment: ProcessEnvironment = path.map { .inherit(adding: ["PATH": $0]) } ?? .inherit
        do {
            output = try await ProcessRunner().run(
                ProcessRequest(
                    name, ["get"], environment: environment, input: Data(serverURL.utf8),
                    timeout: timeout))
        } catch .executableNotFound {
            throw RegistryError.credentialHelperFailed(helper: name, registry: serverURL, reason: "not found on PATH")
        } catch {
            throw RegistryError.credentialHelperFailed(helper: name, registry: serverURL, reason: error.description)
        }
        let message = output.combinedText.trimmingCharacters(in: .whitespacesAndNewlines)
        guard output.exitCode == 0 else {
            if message.lowercased().contains("credentials not found") { return nil }
            throw RegistryError.credentialHelperFailed(
                helper: name, registry: serverURL,
                reason: "exit \(output.exitCode): \(Redaction.redact(message))")
        }
        do { return try JSONCoding.decode(HelperOutput.self, from: output.stdout) } catch {
            throw RegistryError.credentialHelperFailed(helper: name, registry: serverURL, reason: "its output is not the expected JSON")
        }
    }

    /// How long a credential helper may take.
    static let helperTimeout = Duration.seconds(30)
}
