// libFuzzer harness for the CVSS vector scorers (v3.x and v4.0): any text must score within
// 0...10 or answer nil, never trap.
// Built by scripts/fuzz together with the scorers' source files (not through SwiftPM).
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCVSS(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let score = CVSSVector.score(text) {
        precondition((0...10).contains(score), "score \(score) out of range for \(text)")
    }
    return 0
}
