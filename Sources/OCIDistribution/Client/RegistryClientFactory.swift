import AsyncHTTPClient
import Foundation
import Logging

/// Hands out registry clients that share one set of settings (credentials, plain-HTTP
/// registries, retries, HTTP client), one client per registry and purpose, so a process
/// asks each registry for a token once.
package actor RegistryClientFactory {
    /// What a client is for, which decides how patiently it waits.
    package enum Purpose: Sendable, Hashable {
        /// Pulls and pushes: retried with backoff, generous deadlines.
        case transfer
        /// Checks that only inform (update available? version label?): one attempt and a
        /// short deadline, so an offline machine answers at once.
        case quickCheck
    }

    package nonisolated let credentials: any CredentialSource
    package nonisolated let insecureRegistries: Set<String>
    package nonisolated let retryPolicy: RetryPolicy
    package nonisolated let sleeper: any Sleeper
    package nonisolated let httpClient: HTTPClient
    package nonisolated let clientID: String
    package nonisolated let quickCheckTimeout: Duration
    /// How transfer clients upload blobs (monolithic limit, chunk size).
    package nonisolated let uploadPolicy: UploadPolicy
    private var clients: [Key: RegistryClient] = [:]

    private struct Key: Hashable {
        let registry: String
        let purpose: Purpose
    }

    package init(
        credentials: any CredentialSource = ChainedCredentials.standard, insecureRegistries: some Sequence<String> = [],
        retryPolicy: RetryPolicy = .default, sleeper: any Sleeper = ContinuousSleeper(),
        httpClient: HTTPClient = .failFast, clientID: String = "oci-distribution-swift",
        quickCheckTimeout: Duration = .seconds(3), uploadPolicy: UploadPolicy = .default
    ) {
        self.uploadPolicy = uploadPolicy
        self.credentials = credentials
        self.insecureRegistries = Set(insecureRegistries)
        self.retryPolicy = retryPolicy
        self.sleeper = sleeper
        self.httpClient = httpClient
        self.clientID = clientID
        self.quickCheckTimeout = quickCheckTimeout
    }

    package nonisolated func security(for registry: String) -> TransportSecurity {
        .forRegistry(registry, insecureRegistries: insecureRegistries)
    }

    package func client(for registry: String, purpose: Purpose = .transfer) -> RegistryClient {
        let key = Key(registry: registry, purpose: purpose)
        if let existing = clients[key] { return existing }
        let made: RegistryClient
        switch purpose {
        case .transfer:
            made = RegistryClient(
                registry: registry, credentials: credentials, security: security(for: registry),
                retryPolicy: retryPolicy, sleeper: sleeper, httpClient: httpClient, uploadPolicy: uploadPolicy, clientID: clientID)
        case .quickCheck:
            made = RegistryClient(
                registry: registry, credentials: credentials, security: security(for: registry),
                retryPolicy: .none, sleeper: sleeper, httpClient: httpClient,
                requestTimeout: quickCheckTimeout, clientID: clientID)
        }
        clients[key] = made
        return made
    }
}
