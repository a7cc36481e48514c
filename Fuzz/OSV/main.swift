// libFuzzer harness for the OSV record parser (and the positioned JSON parser under it):
// any bytes must parse or throw a positioned error, never trap.
// Built by scripts/fuzz together with the parser's source files (not through SwiftPM).
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(UnsafeBufferPointer(start: data, count: size))
    do {
        let advisory = try OSVParser.parse(bytes, file: "record.json")
        _ = advisory.affected.reduce(0) { $0 + $1.ranges.count + $1.versions.count }
    } catch {
        guard case let .malformed(_, at, _) = error else { preconditionFailure("unexpected error \(error)") }
        precondition(at.line >= 1 && at.column >= 1, "bad position \(at)")
        _ = error.description
    }
    return 0
}
