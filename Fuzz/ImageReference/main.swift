// libFuzzer harness for ImageReference(parsing:) and Digest: any input must parse or
// throw, never trap; a parsed reference's canonical form must parse back to itself.
// Built by scripts/fuzz together with the parser's source files (not through SwiftPM).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImageReference(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let reference = try? ImageReference(parsing: text) {
        // Canonical form is a fixed point; anything else would be a normalization bug.
        guard let again = try? ImageReference(parsing: reference.description), again == reference else {
            preconditionFailure("'\(text)' -> '\(reference)' does not parse back to itself")
        }
        precondition(reference.repository.utf8.count <= ImageReference.maximumRepositoryLength)
        _ = reference.familiarDescription
        _ = reference.manifestReference
    }
    if let digest = try? Digest(text) {
        precondition(
            digest.encoded.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) },
            "non-ASCII-hex digest accepted: \(text)")
    }
    _ = ImageReference.isValidTag(text)
    return 0
}
