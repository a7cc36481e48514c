import OCIDistribution

/// Records requested sleeps instead of sleeping.
package actor RecordingSleeper: Sleeper {
    package private(set) var slept: [Duration] = []
    package init() {}
    package func sleep(for duration: Duration) async throws { slept.append(duration) }
}
