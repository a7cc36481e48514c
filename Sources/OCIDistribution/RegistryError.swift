import Foundation
import SystemSupport

/// A registry operation failed. Texts name the registry, repository or digest and say what to
/// do; they never contain credentials or tokens (see `Redaction`).
package enum RegistryError: Error, Equatable, Sendable, DescribedError {
    /// The registry refused our credentials (or we had none) after the auth handshake.
    /// `hint` says how to provide credentials (from the credential source).
    case unauthorized(registry: String, request: String, hadCredentials: Bool, hint: String?)
    /// Authenticated, but not allowed (HTTP 403).
    case denied(registry: String, request: String, detail: String)
    /// HTTP 404 where the caller needed the thing to exist.
    case notFound(registry: String, what: String)
    /// Any other unexpected status; `detail` is the registry's error message, redacted.
    case unexpectedStatus(registry: String, request: String, status: Int, detail: String)
    /// Retries used up on 5xx/429/network errors.
    case retriesExhausted(registry: String, request: String, attempts: Int, lastProblem: String)
    /// Could not reach the registry at all (DNS, refused, TLS, reset…).
    case transport(registry: String, request: String, reason: String)
    case digestMismatch(what: String, expected: String, actual: String)
    case sizeMismatch(what: String, expected: Int64, actual: Int64)
    case invalidManifest(digest: String, reason: String)
    case unsupportedMediaType(String, context: String)
    /// A manifest body's own `mediaType` field disagrees with the Content-Type we would send.
    case mediaTypeMismatch(declared: String, requested: String)
    case authenticationFailed(registry: String, realm: String, reason: String)
    case credentialHelperFailed(helper: String, registry: String, reason: String)
    case invalidCredentialsFile(path: String, reason: String)
    case wrongRegistry(expected: String, got: String)
    case localFile(path: String, reason: String)
    case protocolViolation(registry: String, request: String, reason: String)
    /// The registry's answer went past a limit we keep so a hostile peer cannot exhaust us.
    case limitExceeded(registry: String, request: String, limit: String)

    package var description: String {
        switch self {
        case let .unauthorized(registry, request, hadCredentials, hint):
            let how = hint ?? "run `docker login \(registry)`"
            let advice =
                hadCredentials
                ? "the credentials were rejected; check them (\(how))"
                : "no credentials found for \(registry); \(how)"
            return "\(registry): \(request): unauthorized (401); \(advice)"
        case let .denied(registry, request, detail):
            return "\(registry): \(request): access denied (403)\(detail.isEmpty ? "" : ": \(detail)"); the account lacks permission for this repository"
        case let .notFound(registry, what):
            return "\(registry): \(what) not found (404)"
        case let .unexpectedStatus(registry, request, status, detail):
            return
                "\(registry): \(request): unexpected HTTP \(status)\(detail.isEmpty ? "" : ": \(detail)"); check the registry address and the registry's status, and report it to its operator if it persists"
        case let .retriesExhausted(registry, request, attempts, lastProblem):
            return
                "\(registry): \(request): gave up after \(attempts) attempts; last problem: \(lastProblem). The registry may be overloaded or down; try again later"
        case let .transport(registry, request, reason):
            return
                "\(registry): \(request): cannot reach the registry: \(reason). Check the host name, port and whether it speaks HTTPS (a plain-HTTP registry must be listed as insecure)"
        case let .digestMismatch(what, expected, actual):
            return
                "\(what): content digest is \(actual) but \(expected) was expected; the data was corrupted or the registry served the wrong content (nothing was kept)"
        case let .sizeMismatch(what, expected, actual):
            return
                "\(what): got \(actual) bytes but the descriptor says \(expected); the registry served other content than its manifest describes (nothing was kept); try again, and report it to the registry's operator if it persists"
        case let .invalidManifest(digest, reason):
            return
                "manifest \(digest) is not valid JSON of the expected shape: \(reason); the stored manifest is damaged or not an OCI/Docker v2 manifest; push the image again"
        case let .unsupportedMediaType(mediaType, context):
            return
                "\(context): media type '\(mediaType)' is not supported (expected one of \(MediaType.acceptedManifestTypes.joined(separator: ", "))); push the image in an OCI or Docker v2 format, or use a tool that handles this type"
        case let .mediaTypeMismatch(declared, requested):
            return "manifest body declares mediaType '\(declared)' but it would be pushed as '\(requested)'; push it with its own media type"
        case let .authenticationFailed(registry, realm, reason):
            return "\(registry): getting a token from \(realm) failed: \(reason); check the registry address and that its token service is reachable over HTTPS"
        case let .credentialHelperFailed(helper, registry, reason):
            return "credential helper \(helper) failed for \(registry): \(reason); check that it is on PATH and logged in"
        case let .invalidCredentialsFile(path, reason):
            return "\(path): \(reason); fix or remove the file (or point DOCKER_CONFIG elsewhere)"
        case let .wrongRegistry(expected, got):
            return "this client talks to \(expected) but the reference names \(got); use a client for \(got)"
        case let .localFile(path, reason):
            return "\(path): \(reason)"
        case let .protocolViolation(registry, request, reason):
            return
                "\(registry): \(request): the registry broke the distribution protocol: \(reason); it is not a compatible OCI distribution registry (report it to its operator, or use another registry)"
        case let .limitExceeded(registry, request, limit):
            return "\(registry): \(request): stopped after \(limit), the most this client reads; the registry's answer is larger than any real one should be"
        }
    }

    /// Whether this failure is a missing thing (for callers that treat 404 as "absent").
    package var isNotFound: Bool {
        if case .notFound = self { return true }
        return false
    }
}
