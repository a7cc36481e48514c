import Foundation
import MCP

/// DNS-rebinding protection for a loopback listener: `Host` must name a loopback host
/// (421 otherwise) and `Origin`, when sent, an `http://` loopback origin (403 otherwise).
///
/// "Loopback" is exactly what `--listen` accepts without `--allow-remote`
/// (``HTTPListenAddress/isLoopback``: 127.0.0.0/8, ::1, localhost), so a server bound to
/// 127.0.0.2 answers requests addressed to it. (The SDK's `OriginValidator.localhost()`
/// knows only 127.0.0.1, localhost and [::1].) A rebinding attack's Host is the attacker's
/// name, which no loopback literal matches.
struct LoopbackOriginValidator: HTTPRequestValidator {
    func validate(_ request: HTTPRequest, context: HTTPValidationContext) -> HTTPResponse? {
        if let host = request.header(HTTPHeaderName.host), !Self.isLoopback(authority: host) {
            return .error(
                statusCode: 421,
                .invalidRequest(
                    "Misdirected Request: Host '\(host)' is not a loopback address; "
                        + "address the server as 127.0.0.1, localhost or [::1]"),
                sessionID: context.sessionID)
        }
        if let origin = request.header(HTTPHeaderName.origin) {
            let authority = origin.hasPrefix("http://") ? String(origin.dropFirst("http://".count)) : nil
            guard let authority, !authority.contains("/"), Self.isLoopback(authority: authority) else {
                return .error(
                    statusCode: 403,
                    .invalidRequest("Forbidden: Origin '\(origin)' is not a loopback origin"),
                    sessionID: context.sessionID)
            }
        }
        return nil
    }

    /// Whether `authority` (`host`, `host:port`, `[v6]` or `[v6]:port`) names a loopback host.
    static func isLoopback(authority: String) -> Bool {
        let host: Substring
        let rest: Substring
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return false }
            host = authority[authority.index(after: authority.startIndex)..<close]
            rest = authority[authority.index(after: close)...]
        } else if let colon = authority.firstIndex(of: ":") {
            host = authority[..<colon]
            rest = authority[colon...]
        } else {
            host = Substring(authority)
            rest = ""
        }
        if !rest.isEmpty {
            let port = rest.dropFirst()
            guard rest.first == ":", !port.isEmpty, port.allSatisfy(\.isASCII), port.allSatisfy(\.isNumber),
                let number = Int(port), (0...65535).contains(number)
            else { return false }
        }
        guard !host.isEmpty else { return false }
        return HTTPListenAddress(host: String(host), port: 0).isLoopback
    }
}
