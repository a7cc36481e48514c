import ArgumentParser
import Foundation

/// The one way both tools ask a person something. A question is asked only when stdin and
/// stderr are both terminals; every question has a flag that answers it for scripts, and
/// without a terminal nothing waits for input.
package struct Prompt: Sendable {
    /// Where the answer comes from: a line of stdin by default; tests inject answers.
    package typealias ReadLine = @Sendable () -> String?

    package let isInteractive: Bool
    private let read: ReadLine

    package init(isInteractive: Bool = Prompt.terminalAttached, read: @escaping ReadLine = { Swift.readLine(strippingNewline: true) }) {
        self.isInteractive = isInteractive
        self.read = read
    }

    /// True when a person can answer: stdin to type on and stderr to see the question.
    package static var terminalAttached: Bool {
        isatty(STDIN_FILENO) == 1 && isatty(STDERR_FILENO) == 1
    }

    /// Asks `question` (`… [y/N]`) and returns the answer; nil when there is no terminal.
    /// An empty answer, or end of input, is `defaultAnswer`.
    package func yesOrNo(_ question: String, default defaultAnswer: Bool) -> Bool? {
        guard isInteractive else { return nil }
        while true {
            Output.standardError("\(question) \(defaultAnswer ? "[Y/n]" : "[y/N]") ")
            guard let line = read() else {
                Output.standardError("\n")
                return defaultAnswer
            }
            switch line.trimmingCharacters(in: .whitespaces).lowercased() {
            case "": return defaultAnswer
            case "y", "yes": return true
            case "n", "no": return false
            default: Output.diagnostic("please answer y or n")
            }
        }
    }

    /// Asks to choose one of `choices` (numbered; Enter takes the first); nil without a terminal.
    package func choose(_ question: String, _ choices: [(value: String, explanation: String)]) -> String? {
        guard isInteractive, let first = choices.first else { return nil }
        Output.diagnostic(question)
        for (index, choice) in choices.enumerated() {
            Output.diagnostic("  \(index + 1)) \(choice.value)\(index == 0 ? " (default)" : ""): \(choice.explanation)")
        }
        while true {
            Output.standardError("Choose 1-\(choices.count) or a name [\(first.value)]: ")
            guard let line = read() else {
                Output.standardError("\n")
                return first.value
            }
            let answer = line.trimmingCharacters(in: .whitespaces).lowercased()
            if answer.isEmpty { return first.value }
            if let number = Int(answer), (1...choices.count).contains(number) { return choices[number - 1].value }
            if let named = choices.first(where: { $0.value.lowercased() == answer }) { return named.value }
            Output.diagnostic("please answer 1-\(choices.count) or one of: \(choices.map(\.value).joined(separator: ", "))")
        }
    }

    /// Goes on only with consent: `assumeYes` (the `--yes` flag), or "y" on a terminal.
    /// Otherwise prints why nothing was done and throws exit status 4
    /// (``ExitStatus/declined``): without a terminal the message names the flag.
    package func confirm(_ question: String, assumeYes: Bool, flag: String = "--yes") throws {
        if assumeYes { return }
        switch yesOrNo(question, default: false) {
        case true?:
            return
        case false?:
            Output.error("nothing was done (answered no)")
        case nil:
            Output.error(
                "\(question.trimmingCharacters(in: CharacterSet(charactersIn: "? "))): no terminal to ask on, so nothing was done; pass \(flag) to go ahead")
        }
        throw ExitStatus.declined
    }
}
