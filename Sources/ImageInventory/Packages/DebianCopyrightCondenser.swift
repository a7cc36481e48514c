import Foundation

/// Reads a `usr/share/doc/PKG/copyright` file as it streams out of a layer and keeps only
/// what ``DebianCopyright/license(_:file:)`` looks at: the `Format` line and each paragraph's
/// first `License` line, deduplicated. ``finish()`` gives that as a small DEP-5 text with the
/// same licence result, so an image's copyright files cost a few KiB, not their size.
///
/// Bounded whatever the input: one line of at most ``maximumLineBytes`` is held (the rest of
/// a longer line is skipped), and at most ``maximumLicenses`` distinct names are kept.
final class DebianCopyrightCondenser: ContentCondenser {
    static let maximumLineBytes = 4096
    static let maximumLicenses = 256

    private var line: [UInt8] = []
    private var lineTooLong = false
    private var lineNumber = 0
    /// nil until the first line is read; false for a file not in the DEP-5 format.
    private var isDEP5: Bool?
    private var format: String?
    private var formatSpecification: String?
    private var tooManyLicenses = false
    private var headerLicense: String?
    private var paragraphIndex = 0
    private var paragraphHasFiles = false
    private var paragraphLicense: String?
    private var paragraphHasFields = false
    private var names: [String] = []

    func feed(_ bytes: UnsafeRawBufferPointer) {
        guard isDEP5 != false else { return }
        var start = 0
        while start < bytes.count {
            guard let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) else {
                append(bytes[start...])
                return
            }
            append(bytes[start..<newline])
            if isDEP5 == false { return }
            endLine()
            if isDEP5 == false { return }
            start = newline + 1
        }
    }

    func finish() -> Data {
        if isDEP5 != false, !line.isEmpty || lineTooLong { endLine() }
        endParagraph()
        guard isDEP5 == true else { return Data() }
        // `Format` wins over `Format-Specification`, as in DebianCopyright.
        var text = "Format: \(format ?? formatSpecification ?? "")\n"
        if let headerLicense { text += "License: \(headerLicense)\n" }
        for name in names { text += "\nFiles: *\nLicense: \(name)\n" }
        // A result is complete or not given: past the cap the licence is unknown (a parse error).
        if tooManyLicenses { text += "\nthis file names more than \(Self.maximumLicenses) licenses, not read further\n" }
        return Data(text.utf8)
    }

    private func append(_ part: Slice<UnsafeRawBufferPointer>) {
        let room = Self.maximumLineBytes - line.count
        if part.count > room { lineTooLong = true }
        line.append(contentsOf: part.prefix(max(0, room)))
        // Told apart from a DEP-5 file by its first bytes: the rest is not even scanned.
        if lineNumber == 0, line.count >= Self.longestFormatPrefix.count,
            !line.starts(with: "Format:".utf8), !line.starts(with: Self.longestFormatPrefix.utf8)
        {
            isDEP5 = false
        }
    }

    private static let longestFormatPrefix = "Format-Specification:"

    private func endLine() {
        defer {
            line.removeAll(keepingCapacity: true)
            lineTooLong = false
        }
        lineNumber += 1
        var text = String(decoding: line, as: UTF8.self)
        if text.hasSuffix("\r") { text.removeLast() }
        if lineNumber == 1 {
            guard text.hasPrefix("Format:") || text.hasPrefix("Format-Specification:") else {
                isDEP5 = false
                return
            }
            isDEP5 = true
        }
        if text.allSatisfy({ $0 == " " || $0 == "\t" }) {
            endParagraph()
            return
        }
        // Comments and continuation lines carry nothing the licence result reads.
        guard let first = text.first, first != "#", first != " ", first != "\t", let colon = text.firstIndex(of: ":") else { return }
        paragraphHasFields = true
        let name = text[..<colon]
        let value = text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        if name.caseInsensitiveCompare("Files") == .orderedSame {
            paragraphHasFiles = true
        } else if name.caseInsensitiveCompare("License") == .orderedSame, paragraphLicense == nil {
            paragraphLicense = value
        } else if paragraphIndex == 0, name.caseInsensitiveCompare("Format") == .orderedSame {
            if format == nil { format = value }
        } else if paragraphIndex == 0, name.caseInsensitiveCompare("Format-Specification") == .orderedSame {
            if formatSpecification == nil { formatSpecification = value }
        }
    }

    private func endParagraph() {
        guard paragraphHasFields else { return }
        if paragraphIndex == 0 { headerLicense = paragraphLicense }
        if paragraphHasFiles, let license = paragraphLicense, !license.isEmpty, !names.contains(license) {
            if names.count < Self.maximumLicenses { names.append(license) } else { tooManyLicenses = true }
        }
        paragraphIndex += 1
        paragraphHasFiles = false
        paragraphLicense = nil
        paragraphHasFields = false
    }
}
