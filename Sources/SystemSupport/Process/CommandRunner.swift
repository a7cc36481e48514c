import Foundation

/// Runs a short-lived command and collects its output: the seam where a runtime adapter is
/// tested against a recorder. ``ProcessRunner`` is the implementation.
package protocol CommandRunner: Sendable {
    /// Runs the request and waits for the child to exit. Throws ``ProcessError`` when it
    /// cannot be started or does not finish within its deadline; a non-zero exit is returned,
    /// not thrown.
    func run(_ request: ProcessRequest) async throws -> CommandOutput
}

/// What a finished command printed and how it exited.
package struct CommandOutput: Sendable, Equatable {
    package var exitCode: Int32
    package var stdout: Data
    package var stderr: Data

    package init(exitCode: Int32, stdout: Data = Data(), stderr: Data = Data()) {
        self.exitCode = exitCode
        self.stdout = stdout
        self.stderr = stderr
    }

    package var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    package var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    /// stdout then stderr, for error messages that quote what a tool said.
    package var combinedText: String { String(decoding: stdout + stderr, as: UTF8.self) }
}

/// Finds executables the way a shell does.
package enum ExecutableLocator {
    /// `name` itself when it contains a `/` and is executable; otherwise the first executable
    /// `PATH` entry named `name`.
    package static func find(_ name: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        let fileManager = FileManager.default
        if name.contains("/") {
            return fileManager.isExecutableFile(atPath: name) ? name : nil
        }
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(name)"
            var isDirectory: ObjCBool = false
            if fileManager.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
                fileManager.isExecutableFile(atPath: candidate)
            {
                return candidate
            }
        }
        return nil
    }
}
