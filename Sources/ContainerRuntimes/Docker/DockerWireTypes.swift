import Foundation

// The subset of Docker Engine API JSON this client reads and writes (API 1.40–1.43).

struct DockerVersionResponse: Decodable {
    var Version: String
    var ApiVersion: String
    var MinAPIVersion: String?
    var Os: String?
    var Arch: String?
}

struct DockerErrorResponse: Decodable {
    var message: String
}

struct DockerImageInspectResponse: Decodable {
    var Id: String
    var RepoTags: [String]?
    var RepoDigests: [String]?
    var Created: String?
    var Config: Config?

    struct Config: Decodable {
        var Labels: [String: String]?
    }
}

struct DockerContainerCreateRequest: Encodable {
    var Image: String
    var Cmd: [String]?
    var Env: [String]?
    var Labels: [String: String]
    var HostConfig: HostConfig

    struct HostConfig: Encodable {
        var Binds: [String]?
        var NetworkMode: String?
    }
}

struct DockerContainerCreateResponse: Decodable {
    var Id: String
}

struct DockerContainerSummary: Decodable {
    var Id: String
    var Names: [String]?
    var Image: String
    var State: String?
    var Status: String?
    var Labels: [String: String]?
    /// Seconds since 1970.
    var Created: Int64?
}

struct DockerContainerInspectResponse: Decodable {
    var Id: String
    var Name: String?
    var Created: String?
    var State: State?
    var Config: Config?

    struct State: Decodable {
        var Status: String?
        var ExitCode: Int?
        var StartedAt: String?
        var FinishedAt: String?
    }

    struct Config: Decodable {
        var Image: String?
        var Labels: [String: String]?
    }
}

/// Parses RFC 3339 timestamps with any number of fractional digits (Docker writes
/// nanoseconds, which ISO8601DateFormatter does not accept everywhere).
enum RFC3339 {
    static func date(_ text: String) -> Date? {
        var base = Substring(text)
        var fraction = 0.0
        if let dot = text.firstIndex(of: ".") {
            let afterDot = text[text.index(after: dot)...]
            let digits = afterDot.prefix(while: \.isNumber)
            let zone = afterDot.dropFirst(digits.count)
            fraction = Double("0." + digits) ?? 0
            base = text[..<dot] + zone
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        guard let whole = formatter.date(from: String(base)) else { return nil }
        // Docker's zero time means "never".
        if whole.timeIntervalSince1970 < 0 { return nil }
        return whole.addingTimeInterval(fraction)
    }
}
