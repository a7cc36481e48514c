import OCIDistribution

/// Records requested sleeps instead of sleeping.
public actor RecordingSleeper: Sleeper {
    public private(set) var slept: [Duration] = []
    public init() {}
    public func sleep(for duration: Duration) async throws { slept.append(duration) }
}
