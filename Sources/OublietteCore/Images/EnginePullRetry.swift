/// Decides whether an engine pull that failed is worth trying again, by the same rule the
/// registry client follows: network errors, 5xx and 429 yes; 401/403/404 and other refusals no.
///
/// The engine reports a registry's answer only as text, so this reads the message for the
/// phrases dockerd and Apple's `container` use; anything unrecognised is not retried.
package enum EnginePullRetry {
    static let transientMarkers = [
        "connection refused", "connection reset", "i/o timeout", "timeout", "timed out", "unexpected eof",
        "no route to host", "network is unreachable", "temporary failure", "toomanyrequests", "too many requests",
        " 429", " 500", " 502", " 503", " 504", "internal server error", "bad gateway", "service unavailable",
        "gateway timeout",
    ]
    static let permanentMarkers = [
        "unauthorized", "denied", "forbidden", "not found", "manifest unknown", "name unknown", " 401", " 403", " 404",
    ]

    /// The transient cause a message names (`connection refused`, `503`), for a short retry
    /// notice; nil when it names none.
    package static func transientCause(_ message: String) -> String? {
        let text = message.lowercased()
        return transientMarkers.first(where: text.contains)?.trimmingCharacters(in: .whitespaces)
    }

    /// True when the message says the image or tag does not exist (not a network problem).
    package static func isNotFound(_ message: String) -> Bool {
        let text = message.lowercased()
        return ["not found", "manifest unknown", "name unknown", " 404"].contains(where: text.contains)
            && !["unauthorized", "denied", "forbidden"].contains(where: text.contains)
    }

    package static func isTransient(_ message: String) -> Bool {
        let text = message.lowercased()
        if permanentMarkers.contains(where: text.contains) { return false }
        return transientMarkers.contains(where: text.contains)
    }
}
