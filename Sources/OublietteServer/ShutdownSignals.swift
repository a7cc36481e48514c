import Foundation
import Synchronization
import SystemSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Turns SIGINT and SIGTERM into a callback so `serve` stops cleanly instead of dying.
///
/// The handlers are installed with `sigaction` before ``install()`` returns, process-wide,
/// so a signal sent any time after that is never lost. (A dispatch signal source installs
/// its handler later, on libdispatch's manager thread; a SIGTERM in between was dropped.)
/// The handler only writes the signal number to a pipe (async-signal-safe); a dedicated
/// thread reads it and runs the callback outside signal context.
package final class ShutdownSignals: Sendable {
    /// The signals that stop the server.
    package static let handled: [Int32] = [SIGINT, SIGTERM]

    /// The self-pipe, created once per process before any handler can run. Immutable after
    /// initialisation, so the handler reads it without locks.
    private static let wakePipe: WakePipe? = WakePipe()
    /// One instance per process: the handlers and the pipe are process-wide.
    private static let shared: Result<ShutdownSignals, ShutdownSignalsError> = Result(catching: { () throws(ShutdownSignalsError) in try ShutdownSignals() })

    private struct State {
        var received: [Int32] = []
        var callback: (@Sendable (Int32) -> Void)?
    }

    private let state = Mutex(State())

    /// Installs the handlers (once per process) and returns the process's instance.
    package static func install() throws(ShutdownSignalsError) -> ShutdownSignals {
        try shared.get()
    }

    private init() throws(ShutdownSignalsError) {
        guard let pipe = Self.wakePipe else { throw .pipeFailed(String(cString: strerror(errno))) }
        // The reader exists before the first handler, so no byte waits unread.
        let reader = Thread { [self] in readLoop(pipe.read) }
        reader.name = "oubliette-shutdown-signals"
        reader.start()
        for number in Self.handled {
            var action = sigaction()
            #if canImport(Glibc)
                action.__sigaction_handler.sa_handler = { number in ShutdownSignals.notify(number) }
            #else
                action.__sigaction_u.__sa_handler = { number in ShutdownSignals.notify(number) }
            #endif
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            guard sigaction(number, &action, nil) == 0 else { throw .installFailed(number, String(cString: strerror(errno))) }
        }
    }

    /// Runs `callback` for every handled signal from now on, and at once for any that
    /// arrived before it was set (so the serving task may be created after ``install()``).
    package func onSignal(_ callback: @escaping @Sendable (Int32) -> Void) {
        let pending = state.withLock { state in
            state.callback = callback
            return state.received
        }
        for number in pending { callback(number) }
    }

    /// Signal context: only async-signal-safe calls (write) and errno preserved.
    private static func notify(_ number: Int32) {
        let saved = errno
        if let descriptor = wakePipe?.write {
            var byte = UInt8(truncatingIfNeeded: number)
            _ = write(descriptor, &byte, 1)
        }
        errno = saved
    }

    private func readLoop(_ descriptor: Int32) {
        var byte: UInt8 = 0
        while true {
            let count = read(descriptor, &byte, 1)
            if count == 1 {
                let number = Int32(byte)
                let callback = state.withLock { state in
                    if state.callback == nil { state.received.append(number) }
                    return state.callback
                }
                callback?(number)
            } else if count < 0, errno == EINTR {
                continue
            } else {
                return
            }
        }
    }
}

/// The pipe behind ``ShutdownSignals``: both ends close-on-exec (children never hold it),
/// the write end non-blocking so the handler can never stall.
private struct WakePipe: Sendable {
    let read: Int32
    let write: Int32

    init?() {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { return nil }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        _ = fcntl(ends[1], F_SETFL, fcntl(ends[1], F_GETFL) | O_NONBLOCK)
        read = ends[0]
        write = ends[1]
    }
}

/// Why SIGINT/SIGTERM handling could not be set up.
package enum ShutdownSignalsError: Error, DescribedError {
    case pipeFailed(String)
    case installFailed(Int32, String)

    package var description: String {
        switch self {
        case let .pipeFailed(reason):
            "cannot create the pipe for SIGINT/SIGTERM handling: \(reason); raise the open-file limit (ulimit -n)"
        case let .installFailed(number, reason):
            "cannot install the handler for signal \(number): \(reason)"
        }
    }
}
