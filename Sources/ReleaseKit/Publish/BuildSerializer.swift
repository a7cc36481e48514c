/// Lets one build at a time through, in arrival order (an actor alone would not: it is
/// re-entered at every await inside the build).
///
/// Why: the platforms' root images build `FROM` the same tag (an index such as
/// `debian:bookworm-slim`), and two builders pulling that tag for different platforms into
/// one local store at once move the tag's local name between the two pulled images, so one
/// build fails with "image not known" (seen with buildah 1.28). Children are built FROM
/// their parent by digest and need no such care.
actor BuildSerializer {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        await acquire()
        do {
            let value = try await body()
            release()
            return value
        } catch {
            release()
            throw error
        }
    }

    private func acquire() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    private func release() {
        if waiters.isEmpty { busy = false } else { waiters.removeFirst().resume() }
    }
}
