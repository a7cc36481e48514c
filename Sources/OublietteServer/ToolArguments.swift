import MCP

/// A tool call the server refuses before doing anything: unknown tool or bad arguments.
enum ToolCallError: Error, Equatable, CustomStringConvertible {
    case unknownTool(String, known: [String])
    case missingArgument(tool: String, name: String)
    case wrongType(tool: String, name: String, expected: String)
    case unexpectedArgument(tool: String, name: String, allowed: [String])

    var description: String {
        switch self {
        case let .unknownTool(name, known):
            return "unknown tool '\(name)'; available tools: \(known.joined(separator: ", "))"
        case let .missingArgument(tool, name):
            return "\(tool) needs the argument '\(name)'"
        case let .wrongType(tool, name, expected):
            return "\(tool): argument '\(name)' must be \(expected)"
        case let .unexpectedArgument(tool, name, allowed):
            let list = allowed.isEmpty ? "it takes no arguments" : "allowed: \(allowed.joined(separator: ", "))"
            return "\(tool): unknown argument '\(name)'; \(list)"
        }
    }
}

/// Typed access to a call's arguments, checked against what the tool accepts.
struct ToolArguments {
    let tool: String
    let values: [String: Value]

    init(tool: String, values: [String: Value]?, allowed: [String]) throws(ToolCallError) {
        self.tool = tool
        self.values = values ?? [:]
        for key in self.values.keys.sorted() where !allowed.contains(key) {
            throw .unexpectedArgument(tool: tool, name: key, allowed: allowed)
        }
    }

    func string(_ name: String) throws(ToolCallError) -> String {
        guard let value = try optionalString(name) else { throw .missingArgument(tool: tool, name: name) }
        return value
    }

    func optionalString(_ name: String) throws(ToolCallError) -> String? {
        guard let value = values[name], value != .null else { return nil }
        guard let text = value.stringValue else { throw .wrongType(tool: tool, name: name, expected: "a string") }
        return text
    }
}
