import Foundation

/// When and how long to wait before retrying a request.
///
/// Only network errors, 5xx and 429 are retried; 401/403/404 and other 4xx never are.
/// `Retry-After` (seconds or HTTP date) wins over the backoff schedule, capped by
/// `maximumRetryAfter` so a hostile header cannot park us for hours.
package struct RetryPolicy: Sendable, Equatable {
    /// Delays before retry 1, 2, 3…; its count is the number of retries after the first try.
    package var backoff: [Duration]
    package var maximumRetryAfter: Duration

    package init(backoff: [Duration], maximumRetryAfter: Duration = .seconds(60)) {
        self.backoff = backoff
        self.maximumRetryAfter = maximumRetryAfter
    }

    /// 1 s, 2 s, 4 s: three retries.
    package static let `default` = RetryPolicy(backoff: [.seconds(1), .seconds(2), .seconds(4)])
    package static let none = RetryPolicy(backoff: [])

    static func isRetryable(status: Int) -> Bool {
        status == 429 || (500...599).contains(status)
    }

    /// The delay before retry number `retry` (0-based), honouring a `Retry-After` header value.
    func delay(beforeRetry retry: Int, retryAfter: String?, now: Date = Date()) -> Duration {
        if let retryAfter, let parsed = Self.parseRetryAfter(retryAfter, now: now) {
            return min(parsed, maximumRetryAfter)
        }
        return backoff[min(retry, backoff.count - 1)]
    }

    static func parseRetryAfter(_ value: String, now: Date) -> Duration? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(trimmed), seconds >= 0 { return .seconds(seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: trimmed) else { return nil }
        let interval = max(0, date.timeIntervalSince(now))
        return .milliseconds(Int64(interval * 1000))
    }
}
