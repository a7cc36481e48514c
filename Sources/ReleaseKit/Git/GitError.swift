import Foundation
import SystemSupport

package enum GitError: Error, Equatable, Sendable, DescribedError {
    case notARepository(path: String, reason: String)
    case bareRepository(path: String)
    case noCommits(path: String)
    case operationFailed(operation: String, path: String, code: Int32, message: String)

    package var description: String {
        switch self {
        case let .notARepository(path, reason):
            return "\(path) is not inside a git repository (\(reason)); run from a checkout or pass --repo PATH"
        case let .bareRepository(path):
            return "\(path) is a bare git repository; release-tool needs a working tree to build from"
        case let .noCommits(path):
            return "the git repository at \(path) has no commits yet; commit and tag before releasing"
        case let .operationFailed(operation, path, code, message):
            return "git \(operation) failed in \(path) (libgit2 error \(code)): \(message)"
        }
    }

}
