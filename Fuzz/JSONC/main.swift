// libFuzzer harness for the one JSON parser (SystemSupport's JSONCParser) in both modes: any
// byte string must parse or throw a positioned error, never trap; where both modes accept
// a document they read the same tree.
// Built by scripts/fuzz together with the parser's source files (not through SwiftPM).
import Foundation
import SystemSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONC(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let jsonc = parse { () throws(JSONCSyntaxError) in try JSONCParser.parse(text, file: "fuzz.jsonc") }
    let strict = parse { () throws(JSONCSyntaxError) in try JSONCParser.parse(Data(text.utf8), file: "fuzz.json", mode: .strict) }
    // What JSONC adds (comments, trailing commas) strict mode refuses, and what strict mode
    // adds (a byte-order mark, a duplicate key's last value) JSONC refuses: no document
    // both accept can differ.
    if let jsonc, let strict { precondition(jsonc == strict, "the modes read '\(text)' differently") }
    return 0
}

private func parse(_ body: () throws(JSONCSyntaxError) -> JSONCValue) -> JSONCValue? {
    do {
        let value = try body()
        // Walk the result so a malformed tree (not only the parse) would be caught.
        _ = count(value)
        return value
    } catch {
        // Every error must carry a position inside the document.
        precondition(error.location.line >= 1 && error.location.column >= 1, "bad location \(error.location)")
        _ = error.description
        return nil
    }
}

private func count(_ value: JSONCValue) -> Int {
    switch value.kind {
    case .null, .bool, .number, .string: return 1
    case let .array(elements): return elements.reduce(1) { $0 + count($1) }
    case let .object(members): return members.reduce(1) { $0 + count($1.value) }
    }
}
