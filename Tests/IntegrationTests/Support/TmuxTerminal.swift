import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A real terminal for tests: one command in a detached tmux session of a given size, on a
/// tmux server of its own (`-L`), read back with `capture-pane` and typed into with `send-keys`.
struct TmuxTerminal {
    enum Failure: Error, CustomStringConvertible {
        case timedOut(waitingFor: String, screen: String)
        case noServerPID(printed: String)

        var description: String {
            switch self {
            case let .timedOut(text, screen): "the terminal never showed '\(text)'; it shows:\n\(screen)"
            case let .noServerPID(printed):
                "tmux printed '\(printed)' for its server's process ID; is /usr/bin/tmux a real tmux (3.x)?"
            }
        }
    }

    let server: String
    let columns: Int
    /// The tmux server's process, so ``close()`` can end it with a signal (what `kill-server`
    /// does) instead of running tmux: it is called from `defer`, which cannot await.
    let serverPID: pid_t

    static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") }

    /// Starts `arguments` with `environment` in a `columns`×`rows` terminal. When the command
    /// ends, the pane shows `[exit N]` and stays open so its last screen can be read.
    static func start(
        _ arguments: [String], environment: [String: String], columns: Int, rows: Int = 30
    ) async throws -> TmuxTerminal {
        let server = "oubliette-test-\(UUID().uuidString.prefix(8))"
        let assignments = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\(quoted($0.value))" }
        let command =
            "env TERM=xterm COLUMNS= \(assignments.joined(separator: " ")) \(arguments.map(quoted).joined(separator: " "));"
            + " echo \"[exit $?]\"; sleep 600"
        try await tmux(server, ["-f", "/dev/null", "new-session", "-d", "-s", "t", "-x", "\(columns)", "-y", "\(rows)", command])
        let pid = try await tmux(server, ["display-message", "-p", "#{pid}"]).trimmedStdout
        guard let serverPID = pid_t(pid) else { throw Failure.noServerPID(printed: pid) }
        return TmuxTerminal(server: server, columns: columns, serverPID: serverPID)
    }

    static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    @discardableResult
    func tmux(_ arguments: [String]) async throws -> ToolResult {
        try await Self.tmux(server, arguments)
    }

    @discardableResult
    private static func tmux(_ server: String, _ arguments: [String]) async throws -> ToolResult {
        try await ToolRunner.run("tmux", ["-L", server] + arguments, timeout: 30)
    }

    /// The visible screen, one string per row (trailing blanks trimmed).
    func screen() async throws -> [String] {
        try await tmux(["capture-pane", "-p", "-t", "t"]).stdout.split(separator: "\n", omittingEmptySubsequences: false)
            .map { String($0).replacingOccurrences(of: #"\s+$"#, with: "", options: .regularExpression) }
    }

    /// Waits until the screen shows `text` (across row breaks; trailing blanks do not
    /// count); returns the screen.
    @discardableResult
    func waitFor(_ text: String, seconds: Double = 60) async throws -> [String] {
        let deadline = Date().addingTimeInterval(seconds)
        let wanted = text.trimmingCharacters(in: .whitespaces)
        while true {
            let rows = try await screen()
            if rows.joined(separator: " ").contains(wanted) || rows.joined().contains(wanted) { return rows }
            if Date() > deadline { throw Failure.timedOut(waitingFor: text, screen: rows.joined(separator: "\n")) }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Waits for the command to end and returns its exit status and last screen.
    func exitStatus(seconds: Double = 120) async throws -> (status: Int, screen: [String]) {
        let rows = try await waitFor("[exit ", seconds: seconds)
        let line = rows.last { $0.hasPrefix("[exit ") } ?? ""
        return (Int(line.dropFirst("[exit ".count).dropLast()) ?? -1, rows)
    }

    /// Types `text` and Enter.
    func type(_ text: String) async throws {
        if !text.isEmpty { try await tmux(["send-keys", "-t", "t", "-l", text]) }
        try await tmux(["send-keys", "-t", "t", "Enter"])
    }

    /// Ends the tmux server and the command in it (SIGTERM is how `kill-server` ends it too).
    func close() {
        kill(serverPID, SIGTERM)
    }
}
