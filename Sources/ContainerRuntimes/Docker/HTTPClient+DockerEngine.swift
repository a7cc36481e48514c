import AsyncHTTPClient
import NIOCore

extension HTTPClient {
    /// Most engine calls in flight at once (AsyncHTTPClient's default is 8 per host). One
    /// `serve` process runs a pull stream, container creates and starts for many sessions at
    /// once; the Docker CLI's Go client puts no limit on them, and dockerd serves each
    /// connection on its own.
    package static let dockerEngineConnections = 64
    /// How long a call may wait to connect, and so (AsyncHTTPClient times both with one clock)
    /// for a free pooled connection. A missing socket or a refused connection still fails at
    /// once: connection attempts are not retried.
    package static let dockerEngineWait: TimeAmount = .seconds(30)

    /// The client Docker engine calls use unless given one; lives for the process. Like
    /// `failFast` (no internal connection retries), with room for a busy engine: with 8
    /// connections and a 5 s wait, twenty concurrent MCP calls failed as "Docker is not running".
    package static let dockerEngine: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = dockerEngineConnections
        configuration.timeout.connect = dockerEngineWait
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()
}
