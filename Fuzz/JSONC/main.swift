// libFuzzer harness for JSONCParser: any byte string must parse or throw, never trap.
// Built by scripts/fuzz together with the parser's source files (not through SwiftPM).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONC(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        let value = try JSONCParser.parse(text, file: "fuzz.jsonc")
        // Walk the result so a malformed tree (not only the parse) would be caught.
        _ = count(value)
    } catch {
        // Every error must carry a position inside the document.
        precondition(error.location.line >= 1 && error.location.column >= 1, "bad location \(error.location)")
        _ = error.description
    }
    return 0
}

private func count(_ value: JSONCValue) -> Int {
    switch value.kind {
    case .null, .bool, .number, .string: return 1
    case let .array(elements): return elements.reduce(1) { $0 + count($1) }
    case let .object(members): return members.reduce(1) { $0 + count($1.value) }
    }
}
