import ArgumentParser
import Foundation
import SystemSupport

/// A man(7) page generated from the command tree itself (ArgumentParser's help dump), so it
/// cannot drift from `--help`: `oubliette --generate-manual > oubliette.1`. One page per tool,
/// every subcommand a subsection.
package enum ManualPage {
    /// The part of ArgumentParser's `--experimental-dump-help` JSON a page needs.
    struct Dump: Decodable {
        let command: Command
    }

    struct Command: Decodable {
        let commandName: String
        let abstract: String?
        let discussion: String?
        let shouldDisplay: Bool?
        let arguments: [Argument]?
        let subcommands: [Command]?
    }

    struct Argument: Decodable {
        struct Name: Decodable {
            let kind: String
            let name: String
        }

        let kind: String
        let names: [Name]?
        let valueName: String?
        let abstract: String?
        let discussion: String?
        let shouldDisplay: Bool?
        let isOptional: Bool?
        let isRepeating: Bool?
        let defaultValue: String?
    }

    /// The page for `root`, titled with `version`.
    package static func render<Root: ParsableCommand>(_ root: Root.Type, version: String) throws -> String {
        let dump = try JSONCoding.decode(Dump.self, from: Data(root._dumpHelp().utf8))
        return render(dump.command, version: version, exitStatus: ExitStatus.helpText)
    }

    static func render(_ root: Command, version: String, exitStatus: String) -> String {
        var page = [
            ".TH \(root.commandName.uppercased()) 1 \"\" \"\(escaped(root.commandName)) \(escaped(version))\" \"User Commands\"",
            ".SH NAME",
            "\(escaped(root.commandName)) \\- \(escaped(root.abstract ?? ""))",
            ".SH SYNOPSIS",
            ".B \(escaped(root.commandName))",
            "\\fIcommand\\fR [\\fIoptions\\fR]",
        ]
        if let discussion = root.discussion, !discussion.isEmpty {
            page += [".SH DESCRIPTION"] + paragraphs(discussion)
        }
        page += options(root.arguments ?? [], header: ".SH OPTIONS")
        page.append(".SH COMMANDS")
        for command in visible(root.subcommands) {
            page += section(command, path: [root.commandName])
        }
        page += [".SH EXIT STATUS"] + paragraphs(exitStatus)
        return page.joined(separator: "\n") + "\n"
    }

    private static func visible(_ commands: [Command]?) -> [Command] {
        (commands ?? []).filter { $0.shouldDisplay != false && $0.commandName != "help" }
    }

    private static func section(_ command: Command, path: [String]) -> [String] {
        let full = path + [command.commandName]
        var lines = [".SS \"\(escaped(full.joined(separator: " ")))\""]
        if let abstract = command.abstract, !abstract.isEmpty { lines += paragraphs(abstract) }
        if let discussion = command.discussion, !discussion.isEmpty { lines += paragraphs(discussion) }
        lines += options(command.arguments ?? [], header: nil)
        for child in visible(command.subcommands) { lines += section(child, path: full) }
        return lines
    }

    private static func options(_ arguments: [Argument], header: String?) -> [String] {
        let shown = arguments.filter { $0.shouldDisplay != false }
        guard !shown.isEmpty else { return [] }
        var lines = header.map { [$0] } ?? []
        for argument in shown {
            lines.append(".TP")
            lines.append(label(argument))
            let text = [argument.abstract, argument.discussion, argument.defaultValue.map { "(default: \($0))" }]
                .compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
            lines.append(text.isEmpty ? "\\&" : escaped(text))
        }
        return lines
    }

    /// `\fB\-\-to\fR \fIversion\fR`, `\fIproject\-id\fR`.
    private static func label(_ argument: Argument) -> String {
        let value = argument.valueName.map { "\\fI\(escaped("<\($0)>"))\\fR" } ?? ""
        guard argument.kind != "positional", let names = argument.names, !names.isEmpty else { return value }
        let spelled = names.map { name -> String in
            let dashes = name.kind == "long" ? "--" : name.kind == "short" ? "-" : "-"
            return "\\fB\(escaped(dashes + name.name))\\fR"
        }.joined(separator: ", ")
        return argument.kind == "option" ? "\(spelled) \(value)" : spelled
    }

    /// Text as man paragraphs: blank lines separate them.
    private static func paragraphs(_ text: String) -> [String] {
        text.components(separatedBy: "\n\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
            .flatMap { [".PP", escaped($0.replacingOccurrences(of: "\n", with: " "))] }
    }

    /// roff escapes: backslashes, hyphens as minus signs (so `--yes` can be searched and
    /// copied), and a line never starting with a control character.
    static func escaped(_ text: String) -> String {
        var body = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": body += "\\e"
            case "-": body += "\\-"
            // troff reads bytes: anything beyond ASCII (…, –, →) is named by its code point.
            case _ where !scalar.isASCII: body += "\\[u" + String(format: "%04X", scalar.value) + "]"
            default: body.unicodeScalars.append(scalar)
            }
        }
        return body.hasPrefix(".") || body.hasPrefix("'") ? "\\&" + body : body
    }
}
