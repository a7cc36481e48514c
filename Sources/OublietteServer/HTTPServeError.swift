import Foundation
import OCIDistribution
import SystemSupport

/// Why the MCP server could not be served over HTTP.
package enum HTTPServeError: Error, DescribedError {
    case invalidAddress(String)
    case notLoopback(String)
    case bindFailed(String, String)

    package var description: String {
        switch self {
        case let .invalidAddress(text):
            "listen address '\(text)' is not HOST:PORT (e.g. 127.0.0.1:8765 or [::1]:8765, port 0-65535)"
        case let .notLoopback(address):
            "listen address \(address) is reachable from other machines; use a loopback address "
                + "(127.0.0.1, ::1, localhost) or pass --allow-remote if that is really intended"
        case let .bindFailed(address, reason):
            "could not listen on \(address): \(reason); pick a free port with --listen"
        }
    }

}
