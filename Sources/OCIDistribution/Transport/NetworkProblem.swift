import AsyncHTTPClient
import Foundation
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A short phrase for why a request got no answer ("connection refused", "no connection
/// within 5 s"), for messages that name the URL or registry and the fix. NIO's and
/// AsyncHTTPClient's own texts (`connect(descriptor:addr:size:): Connection refused (errno:
/// 111)`, `NIOConnectionError(host: …)`) are for developers and never reach a user.
package enum NetworkProblem {
    package static func phrase(_ error: any Error, connectTimeout: Duration? = nil, answerTimeout: Duration? = nil) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout:
                return "no connection" + (connectTimeout.map { " within \(seconds($0))" } ?? " in time")
            case .readTimeout:
                return "the server accepted the connection but sent nothing" + (answerTimeout.map { " for \(seconds($0))" } ?? " in time")
            case .deadlineExceeded:
                return "the request did not finish in time"
            case .remoteConnectionClosed:
                return "the server closed the connection"
            case .cancelled:
                return "the request was cancelled"
            case .invalidURL, .emptyHost, .emptyScheme:
                return "the URL is not a valid http(s) URL"
            default:
                break
            }
        }
        if let text = systemText(in: error, depth: 0) { return text }
        if let channel = error as? ChannelError {
            switch channel {
            case .connectTimeout: return "no connection" + (connectTimeout.map { " within \(seconds($0))" } ?? " in time")
            case .ioOnClosedChannel, .alreadyClosed, .eof: return "the connection closed"
            default: break
            }
        }
        let raw = String(describing: error) + " " + String(reflecting: error)
        if raw.contains("dnsAError") || raw.contains("dnsAAAAError") || raw.contains("unknown(host") || raw.contains("UnknownHost")
            || raw.contains("DNS error")
        {
            return "the host name does not resolve"
        }
        if raw.contains("CERTIFICATE_VERIFY_FAILED") || raw.lowercased().contains("certificate") {
            return "the server's TLS certificate is not trusted by this system (a proxy, or a self-signed certificate?)"
        }
        if raw.lowercased().contains("handshake") || raw.contains("NIOSSL") || raw.contains("BoringSSL") {
            return "the TLS handshake failed (does the server speak HTTPS on this port?)"
        }
        return "the connection failed"
    }

    private static func seconds(_ duration: Duration) -> String {
        let value = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return value.rounded() == value ? "\(Int(value)) s" : String(format: "%.1f s", value)
    }

    /// The system's text for the first errno inside `error` (NIO wraps connect failures in
    /// `NIOConnectionError` → `SingleConnectionFailure` → `IOError`), lowercased.
    private static func systemText(in value: Any, depth: Int) -> String? {
        if let io = value as? IOError { return String(cString: strerror(io.errnoCode)).lowercased() }
        guard depth < 5 else { return nil }
        for child in Mirror(reflecting: value).children {
            if let text = systemText(in: child.value, depth: depth + 1) { return text }
        }
        return nil
    }
}
