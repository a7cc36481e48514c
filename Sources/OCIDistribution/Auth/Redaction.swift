import Foundation

/// Scrubs secrets from text that may end up in logs or error messages: Authorization header
/// values, bearer/basic credentials, token-like JSON fields and sensitive query parameters.
package enum Redaction {
    package static let placeholder = "<redacted>"

    private static let patterns: [NSRegularExpression] = {
        let sources = [
            #"(?i)(authorization\s*[:=]\s*)("?)[^\s",}]+(\s+[^\s",}]+)?"#,
            #"(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]+"#,
            #"(?i)("(?:token|access_token|refresh_token|identitytoken|password|auth|secret)"\s*:\s*")[^"]*"#,
            #"(?i)([?&](?:token|access_token|refresh_token|password|_state)=)[^&\s"]+"#,
        ]
        return sources.compactMap { try? NSRegularExpression(pattern: $0) }
    }()

    package static func redact(_ text: String) -> String {
        var result = text
        for (i, regex) in patterns.enumerated() {
            let range = NSRange(result.startIndex..., in: result)
            let template: String
            switch i {
            case 0: template = "$1$2" + placeholder
            case 1: template = "$1$2" + placeholder
            default: template = "$1" + placeholder
            }
            result = regex.stringByReplacingMatches(in: result, range: range, withTemplate: template)
        }
        return result
    }

    /// Also removes the exact secret strings given (passwords, tokens we hold).
    package static func redact(_ text: String, secrets: [String]) -> String {
        var result = text
        for secret in secrets where secret.count >= 4 {
            result = result.replacingOccurrences(of: secret, with: placeholder)
        }
        return redact(result)
    }
}
