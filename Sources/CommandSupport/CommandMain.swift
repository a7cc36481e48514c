import ArgumentParser
import Foundation

/// The entry point both tools share: ArgumentParser parses and runs the command, and its
/// messages are brought to the one convention of ``ExitStatus``: usage errors exit 2 (not
/// ArgumentParser's 64), every error line starts with `error:`, and a mistyped command gets
/// "did you mean `status`?".
package enum CommandMain {
    package static func run<Root: AsyncParsableCommand>(_ root: Root.Type, arguments: [String]? = nil) async -> Never {
        let arguments = arguments ?? Array(CommandLine.arguments.dropFirst())
        // Beside ArgumentParser's --generate-completion-script: the man page, from the same tree.
        if arguments == ["--generate-manual"] {
            do {
                Output.standardOutput(try ManualPage.render(Root.self, version: Root.configuration.version))
                exit(ExitStatus.success.rawValue)
            } catch {
                Output.error("cannot generate the manual page: \(error)")
                exit(ExitStatus.failure.rawValue)
            }
        }
        do {
            var command = try Root.parseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            exit(ExitStatus.success.rawValue)
        } catch {
            let code = Root.exitCode(for: error)
            var text = Root.fullMessage(for: error)
            if code == .success {
                if !text.isEmpty { Output.line(text) }
                exit(0)
            }
            if code == .validationFailure {
                text = errorPrefixed(text)
                if let suggestion = suggestion(for: arguments, root: Root.self) {
                    text = text.replacingFirstLine { "\($0); did you mean `\(suggestion)`?" }
                }
                Output.diagnostic(text)
                exit(ExitStatus.usage.rawValue)
            }
            if !text.isEmpty { Output.diagnostic(errorPrefixed(text)) }
            exit(code.rawValue)
        }
    }

    /// ArgumentParser writes `Error: …`; both tools write `error: …`.
    static func errorPrefixed(_ text: String) -> String {
        if text.hasPrefix("Error: ") { return "error: " + text.dropFirst("Error: ".count) }
        return text
    }

    /// `oubliette status` for `oubliette stauts`: walks the words naming subcommands and, at
    /// the first that names none, picks the closest subcommand name (edit distance ≤ 2, or
    /// a unique prefix).
    package static func suggestion(for arguments: [String], root: any ParsableCommand.Type) -> String? {
        var command = root
        var path = [root._commandName]
        for word in arguments where !word.hasPrefix("-") {
            let children = command.configuration.subcommands
            if children.isEmpty { return nil }
            if let child = children.first(where: { $0._commandName == word || $0.configuration.aliases.contains(word) }) {
                command = child
                path.append(word)
                continue
            }
            let names = children.map { $0._commandName }
            let prefixed = names.filter { $0.hasPrefix(word) }
            let close = names.map { ($0, editDistance($0, word)) }.filter { $0.1 <= 2 }.min { $0.1 < $1.1 }?.0
            guard let name = close ?? (prefixed.count == 1 ? prefixed[0] : nil) else { return nil }
            return (path + [name]).joined(separator: " ")
        }
        return nil
    }

    /// Optimal-string-alignment distance: insertions, deletions, substitutions and swapped
    /// neighbours (`stauts`) each count one.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var d = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}

extension String {
    fileprivate func replacingFirstLine(_ transform: (Substring) -> String) -> String {
        guard let newline = firstIndex(of: "\n") else { return transform(self[...]) }
        return transform(self[..<newline]) + self[newline...]
    }
}
