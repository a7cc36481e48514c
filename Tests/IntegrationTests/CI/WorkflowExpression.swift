import Foundation

/// The subset of GitHub Actions expressions the generated workflows use: contexts
/// (`github.ref_name`, `matrix.arch`, `steps.x.outputs.y`, …), string/boolean literals,
/// `==`, `!=`, `!`, `&&`, `||` (returning an operand, as GitHub does), parentheses and
/// `always()`. Anything else is an error, so a workflow using more cannot pass unnoticed.
struct WorkflowExpression {
    enum Value: Equatable {
        case string(String)
        case bool(Bool)
        case null

        var truthy: Bool {
            switch self {
            case let .string(text): return !text.isEmpty
            case let .bool(value): return value
            case .null: return false
            }
        }

        var text: String {
            switch self {
            case let .string(text): return text
            case let .bool(value): return value ? "true" : "false"
            case .null: return ""
            }
        }
    }

    struct Failure: Error, CustomStringConvertible {
        let expression: String
        let problem: String
        var description: String { "cannot evaluate `\(expression)`: \(problem)" }
    }

    /// Context lookup: a dotted path such as `needs.publish.outputs.base-ref`; nil = null.
    let lookup: (String) -> String?

    func evaluate(_ source: String) throws -> Value {
        var parser = Parser(tokens: try tokenize(source), source: source, lookup: lookup)
        let value = try parser.or()
        guard parser.position == parser.tokens.count else { throw Failure(expression: source, problem: "unexpected \(parser.tokens[parser.position])") }
        return value
    }

    /// Replaces every `${{ … }}` in `text` with its value.
    func interpolate(_ text: String) throws -> String {
        var result = ""
        var rest = Substring(text)
        while let open = rest.range(of: "${{") {
            result += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw Failure(expression: text, problem: "unterminated ${{")
            }
            result += try evaluate(String(rest[open.upperBound..<close.lowerBound])).text
            rest = rest[close.upperBound...]
        }
        return result + rest
    }

    enum Token: Equatable, CustomStringConvertible {
        case string(String), word(String), op(String)
        var description: String {
            switch self {
            case let .string(text): return "'\(text)'"
            case let .word(text), let .op(text): return text
            }
        }
    }

    private func tokenize(_ source: String) throws -> [Token] {
        var tokens: [Token] = []
        let characters = Array(source)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if character.isWhitespace { index += 1; continue }
            if character == "'" {
                var text = ""
                index += 1
                while index < characters.count {
                    if characters[index] == "'" {
                        if index + 1 < characters.count, characters[index + 1] == "'" { text.append("'"); index += 2; continue }
                        break
                    }
                    text.append(characters[index]); index += 1
                }
                guard index < characters.count else { throw Failure(expression: source, problem: "unterminated string") }
                index += 1
                tokens.append(.string(text))
                continue
            }
            let two = index + 1 < characters.count ? String(characters[index...index + 1]) : ""
            if ["==", "!=", "&&", "||"].contains(two) { tokens.append(.op(two)); index += 2; continue }
            if "!()".contains(character) { tokens.append(.op(String(character))); index += 1; continue }
            if character.isLetter || character == "_" {
                var word = ""
                while index < characters.count, characters[index].isLetter || characters[index].isNumber || "_-.".contains(characters[index]) {
                    word.append(characters[index]); index += 1
                }
                tokens.append(.word(word))
                continue
            }
            throw Failure(expression: source, problem: "unsupported character '\(character)'")
        }
        return tokens
    }

    private struct Parser {
        let tokens: [Token]
        let source: String
        let lookup: (String) -> String?
        var position = 0

        mutating func next() -> Token? {
            guard position < tokens.count else { return nil }
            defer { position += 1 }
            return tokens[position]
        }

        func peek() -> Token? { position < tokens.count ? tokens[position] : nil }

        mutating func or() throws -> Value {
            var left = try and()
            while peek() == .op("||") {
                position += 1
                let right = try and()
                left = left.truthy ? left : right
            }
            return left
        }

        mutating func and() throws -> Value {
            var left = try unary()
            while peek() == .op("&&") {
                position += 1
                let right = try unary()
                left = left.truthy ? right : left
            }
            return left
        }

        mutating func unary() throws -> Value {
            if peek() == .op("!") {
                position += 1
                return .bool(!(try unary()).truthy)
            }
            return try comparison()
        }

        mutating func comparison() throws -> Value {
            let left = try primary()
            guard let token = peek(), token == .op("==") || token == .op("!=") else { return left }
            position += 1
            let right = try primary()
            // GitHub compares loosely; the workflows compare strings (null counts as '').
            let equal = left.text == right.text
            return .bool(token == .op("==") ? equal : !equal)
        }

        mutating func primary() throws -> Value {
            guard let token = next() else { throw Failure(expression: source, problem: "unexpected end") }
            switch token {
            case let .string(text): return .string(text)
            case .op("("):
                let value = try or()
                guard next() == .op(")") else { throw Failure(expression: source, problem: "missing )") }
                return value
            case .word("true"): return .bool(true)
            case .word("false"): return .bool(false)
            case .word("null"): return .null
            case .word("always"):
                guard next() == .op("("), next() == .op(")") else { throw Failure(expression: source, problem: "always takes no arguments") }
                return .bool(true)
            case let .word(path):
                guard peek() != .op("(") else { throw Failure(expression: source, problem: "function \(path)() is not supported here") }
                return lookup(path).map { .string($0) } ?? .null
            default:
                throw Failure(expression: source, problem: "unexpected \(token)")
            }
        }
    }
}
