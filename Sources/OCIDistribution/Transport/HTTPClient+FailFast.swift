import AsyncHTTPClient

extension HTTPClient {
    /// The client registry and engine calls use unless given one. Unlike `HTTPClient.shared`
    /// it does not retry failed connection attempts internally: those retries last until the
    /// request deadline, so an unreachable registry or a stopped Docker took minutes to
    /// report. Our own retry policies decide what is worth retrying. Lives for the process.
    package static let failFast: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(5)
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()
}
