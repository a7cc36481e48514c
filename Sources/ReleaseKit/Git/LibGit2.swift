import CLibGit2

/// Process-wide libgit2 initialisation. `git_libgit2_init` is reference counted and must
/// run before any other call; a lazily initialised static `let` runs it exactly once,
/// thread-safely, and the library stays initialised for the life of the process.
enum LibGit2 {
    static let ready: Void = {
        _ = git_libgit2_init()
    }()

    /// The message libgit2 recorded for the last failing call on this thread.
    static func lastErrorMessage() -> String {
        guard let error = git_error_last(), let message = error.pointee.message else { return "unknown libgit2 error" }
        return String(cString: message)
    }
}
