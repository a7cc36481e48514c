// libFuzzer harness for DpkgStatusParser (and the control-paragraph splitter under it):
// any bytes must parse or throw a positioned error, never trap.
// Built by scripts/fuzz together with the parser's source files (not through SwiftPM).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDpkgStatus(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        let packages = try DpkgStatusParser.parse(text, file: "status")
        // Every package has what the parser promises.
        for package in packages { precondition(!package.name.isEmpty && !package.version.isEmpty && package.databaseLine >= 1) }
    } catch {
        guard case let .malformed(_, at, _) = error else { preconditionFailure("unexpected error \(error)") }
        precondition(at.line >= 1 && at.column >= 1, "bad position \(at)")
        _ = error.description
    }
    return 0
}
