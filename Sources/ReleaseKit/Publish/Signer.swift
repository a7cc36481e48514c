import Foundation
import ImageBuilders
import OCIDistribution
import OublietteCore

/// Signs a pushed image. A seam because the signing tool (cosign) is not available
/// everywhere; when no signer is configured the publisher reports the skip explicitly.
public protocol Signer: Sendable {
    var name: String { get }
    /// Signs `reference` (always pinned by digest).
    func sign(_ reference: ImageReference) async throws
}

/// `cosign sign --yes REF@DIGEST` (keyless in CI via the OIDC token, or COSIGN_KEY etc. from
/// the environment, as cosign itself decides).
public struct CosignSigner: Signer {
    public let runner: BuildToolRunner
    public var name: String { "cosign" }

    /// Fails unless `cosign` is on PATH: asking for signatures and silently not getting
    /// them would be worse than stopping.
    public init(runner: BuildToolRunner = BuildToolRunner()) throws(BuilderError) {
        guard BuildToolRunner.which("cosign") != nil else { throw .toolNotFound(tool: "cosign") }
        self.runner = runner
    }

    public func sign(_ reference: ImageReference) async throws {
        _ = try await runner.check(image: reference.name, "cosign", ["sign", "--yes", reference.description])
    }
}

/// What happened about signing one image; always part of the report.
public enum SignatureStatus: Sendable, Equatable, Codable, CustomStringConvertible {
    case signed(by: String)
    case skipped(reason: String)

    public var description: String {
        switch self {
        case let .signed(by): return "signed with \(by)"
        case let .skipped(reason): return "NOT signed (\(reason))"
        }
    }
}
