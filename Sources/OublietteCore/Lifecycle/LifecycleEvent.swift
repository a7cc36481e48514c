import OCIDistribution
/// Progress of a refresh, update or rollback, free of presentation.
package enum LifecycleEvent: Sendable, Equatable {
    /// A step users see as a line: `Refreshing …`, `Pulling …`, `Restarting P's container (…)...`, `Done.`
    case step(String)
    /// A pull's progress for `image`.
    case pull(image: String, PullEvent)
    /// Something skipped or not done, with the reason.
    case warning(String)
}
