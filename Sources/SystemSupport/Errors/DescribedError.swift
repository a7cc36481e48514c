import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The error convention of this package: every error type states its user-facing text once,
/// in `description`, and `LocalizedError` (what `localizedDescription` and most printers use)
/// answers with the same text.
package protocol DescribedError: LocalizedError, CustomStringConvertible {}

extension DescribedError {
    package var errorDescription: String? { description }
}

/// The text to show a person for any error: ours say what to do; Foundation's file errors
/// become what happened to the file ("no such file or directory", "is a directory"), never
/// "The operation could not be completed. (NSCocoaErrorDomain error 256.)" or an NSError dump.
package func describe(_ error: any Error) -> String {
    if let described = error as? any DescribedError { return described.description }
    // Before FileProblem: a DecodingError bridges to NSCocoaErrorDomain too.
    if let decoding = error as? DecodingError { return describe(decoding) }
    if let text = FileProblem.phrase(error) { return text }
    if let localized = (error as? LocalizedError)?.errorDescription { return localized }
    return String(describing: error)
}

/// Where a JSON document is wrong and how ("missing field 'name' in images[2]"), not Swift's
/// `keyNotFound(CodingKeys(stringValue: …))` dump.
package func describe(_ error: DecodingError) -> String {
    func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }
    switch error {
    case let .keyNotFound(key, context):
        let at = path(context.codingPath)
        return "missing field '\(key.stringValue)'\(at.isEmpty ? "" : " in \(at)")"
    case let .typeMismatch(_, context), let .valueNotFound(_, context):
        return "\(path(context.codingPath)): \(context.debugDescription)"
    case let .dataCorrupted(context):
        let at = path(context.codingPath)
        let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
        return (at.isEmpty ? "" : "\(at): ") + (underlying ?? context.debugDescription)
    @unknown default:
        return "the document does not have the expected structure"
    }
}

/// What a Foundation file operation's error means, in a few words (callers name the file).
package enum FileProblem {
    /// The phrase for a Cocoa or POSIX error, or nil for any other error.
    package static func phrase(_ error: any Error) -> String? {
        if error is DecodingError || error is EncodingError { return nil }
        let error = error as NSError
        if error.domain == NSPOSIXErrorDomain { return posix(Int32(error.code)) }
        // Only the file range of Cocoa's codes (0…1023) is about files.
        guard error.domain == NSCocoaErrorDomain, (0...1023).contains(error.code) else { return nil }
        // The POSIX cause says most ("is a directory", "permission denied").
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return posix(Int32(underlying.code))
        }
        switch CocoaError.Code(rawValue: error.code) {
        case .fileNoSuchFile, .fileReadNoSuchFile: return "no such file or directory"
        case .fileReadNoPermission, .fileWriteNoPermission: return "permission denied"
        case .fileWriteOutOfSpace: return "no space left on the device"
        case .fileWriteVolumeReadOnly: return "the file system is read-only"
        case .fileWriteFileExists: return "a file with that name is in the way; move or remove it"
        case .fileReadCorruptFile: return "the file's contents are not in the expected format"
        case .fileReadInapplicableStringEncoding: return "the file is not valid UTF-8 text"
        case .fileReadTooLarge: return "the file is too large to read"
        default:
            // corelibs Foundation often gives no cause: look at the path it names.
            if let path = (error.userInfo[NSFilePathErrorKey] as? String) ?? (error.userInfo[NSURLErrorKey] as? URL)?.path,
                let cause = cause(at: path)
            {
                return cause
            }
            return "the file could not be read or written"
        }
    }

    /// What stands in the way at `path`: a directory where a file should be, a file where a
    /// parent directory should be, or missing permissions.
    static func cause(at path: String) -> String? {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue { return "it is a directory, not a file" }
            if !FileManager.default.isReadableFile(atPath: path) { return "permission denied for this user" }
            return nil
        }
        var parent = URL(fileURLWithPath: path).deletingLastPathComponent()
        while parent.path != "/" && !parent.path.isEmpty {
            if FileManager.default.fileExists(atPath: parent.path, isDirectory: &isDirectory) {
                return isDirectory.boolValue ? "no such file or directory" : "\(parent.path) is a file, not a directory"
            }
            parent = parent.deletingLastPathComponent()
        }
        return "no such file or directory"
    }

    private static func posix(_ code: Int32) -> String {
        String(cString: strerror(code)).lowercased()
    }
}
