import AsyncHTTPClient
import Foundation

/// Where the Docker daemon listens, parsed from `DOCKER_HOST`.
package enum DockerEndpoint: Sendable, Equatable, CustomStringConvertible {
    case unix(path: String)
    case tcp(host: String, port: Int)

    package static let defaultSocketPath = "/var/run/docker.sock"

    /// `unix:///path`, `tcp://host:port` (plain HTTP; TLS endpoints are not supported yet),
    /// or a bare absolute socket path.
    package init(parsing value: String) throws(RuntimeError) {
        if value.hasPrefix("unix://") {
            let path = String(value.dropFirst("unix://".count))
            guard path.hasPrefix("/") else { throw .invalidDockerHost(value, reason: "the socket path must be absolute") }
            self = .unix(path: path)
        } else if value.hasPrefix("/") {
            self = .unix(path: value)
        } else if value.hasPrefix("tcp://") || value.hasPrefix("http://") {
            let rest = value.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
            // ["tcp:", "", "host:port", ...]
            guard rest.count >= 3 else { throw .invalidDockerHost(value, reason: "missing host") }
            let authority = String(rest[2])
            guard let colon = authority.lastIndex(of: ":"), let port = Int(authority[authority.index(after: colon)...]),
                (1...65535).contains(port)
            else {
                throw .invalidDockerHost(value, reason: "expected HOST:PORT after tcp://")
            }
            let host = String(authority[..<colon])
            guard !host.isEmpty else { throw .invalidDockerHost(value, reason: "missing host") }
            self = .tcp(host: host, port: port)
        } else {
            throw .invalidDockerHost(value, reason: "unsupported scheme")
        }
    }

    /// The endpoint named by `DOCKER_HOST`, else the default socket.
    package static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws(RuntimeError) -> DockerEndpoint {
        guard let value = environment["DOCKER_HOST"], !value.isEmpty else { return .unix(path: defaultSocketPath) }
        return try DockerEndpoint(parsing: value)
    }

    /// The URL AsyncHTTPClient needs for `uri` (path plus query) on this endpoint.
    func url(_ uri: String) -> URL? {
        switch self {
        case let .unix(path):
            return URL(httpURLWithSocketPath: path, uri: uri)
        case let .tcp(host, port):
            let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
            return URL(string: "http://\(bracketed):\(port)\(uri)")
        }
    }

    package var description: String {
        switch self {
        case let .unix(path): "unix://\(path)"
        case let .tcp(host, port): "tcp://\(host):\(port)"
        }
    }
}
