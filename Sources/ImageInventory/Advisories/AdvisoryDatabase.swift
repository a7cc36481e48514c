import Foundation

/// Advisories loaded from a directory of OSV records (`*.json` files, and `*.zip` exports
/// as `--update-db` keeps them, read in place), indexed by ecosystem and package name.
package struct AdvisoryDatabase: Sendable {
    package private(set) var advisories: [Advisory] = []
    /// Records marked withdrawn: read, never matched.
    package private(set) var withdrawnCount = 0
    /// Records not parsed because they name none of the packages asked for.
    package private(set) var skippedCount = 0
    /// Records that did not parse: file:line:column and why.
    package private(set) var problems: [String] = []
    package var metadata: AdvisoryDatabaseMetadata?
    /// Every record found: loaded, withdrawn, skipped by name or unreadable. Zero means the
    /// database is empty, not that the image is clean.
    package var recordCount: Int { advisories.count + withdrawnCount + skippedCount + problems.count }
    /// ecosystem → package name → (advisory, affected entry) indexes.
    private var index: [String: [String: [(Int, Int)]]] = [:]

    package init() {}

    package init(advisories: [Advisory]) {
        for advisory in advisories { add(advisory) }
    }

    package mutating func add(_ advisory: Advisory) {
        if advisory.withdrawn != nil {
            withdrawnCount += 1
            return
        }
        let position = advisories.count
        advisories.append(advisory)
        for (offset, affected) in advisory.affected.enumerated() {
            index[affected.ecosystem, default: [:]][affected.name, default: []].append((position, offset))
        }
    }

    /// Entries for `name` in `ecosystem`, including records filed under the bare family
    /// (`Debian` applies to every Debian release).
    func entries(ecosystem: String, name: String) -> [(Advisory, Advisory.Affected)] {
        var keys = [ecosystem]
        if let family = ecosystem.split(separator: ":").first, String(family) != ecosystem { keys.append(String(family)) }
        return keys.flatMap { key in
            (index[key]?[name] ?? []).map { (advisories[$0.0], advisories[$0.0].affected[$0.1]) }
        }
    }

    /// Loads every record under `directory`. A record that does not parse is listed in
    /// `problems` and skipped, so one bad file cannot hide the rest. Files are parsed on all
    /// cores; the result does not depend on the order they finish in.
    ///
    /// With `packageNames`, a record is parsed only when one of its `"name"` members names
    /// one of those packages (a byte scan, no JSON tree): a scan needs the records of the
    /// image's packages, and parsing all of a 50 000-record database is most of its time.
    /// `skippedCount` counts the records left unparsed.
    package static func load(directory: URL, packageNames: Set<String>? = nil) throws(InventoryError) -> AdvisoryDatabase {
        var database = AdvisoryDatabase()
        let root = directory.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .localFile(path: root, reason: "no advisory database here (create one with `scan --update-db \(root)`)")
        }
        // Path strings, not URLs: URL.path decoding dominated loading 50 000 records.
        guard let enumerator = FileManager.default.enumerator(atPath: root) else {
            throw .localFile(path: root, reason: "cannot list the directory")
        }
        var relatives: [String] = []
        var archives: [String] = []
        while let relative = enumerator.nextObject() as? String {
            if relative.hasSuffix(".json") && relative != AdvisoryDatabaseMetadata.fileName {
                relatives.append(relative)
            } else if relative.hasSuffix(".zip") {
                archives.append(relative)
            }
        }
        let files = relatives.sorted()
        let results = ParsedRecords(count: files.count)
        let chunks = max(1, min(files.count, ProcessInfo.processInfo.activeProcessorCount * 4))
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            var index = chunk
            while index < files.count {
                let relative = files[index]
                let result: Result<Advisory, InventoryError>
                if let data = FileManager.default.contents(atPath: root + "/" + relative) {
                    if let packageNames, !Self.mentions(data, anyOf: packageNames) {
                        index += chunks
                        continue
                    }
                    do throws(InventoryError) { result = .success(try OSVParser.parse(data, file: relative)) } catch { result = .failure(error) }
                } else {
                    result = .failure(.localFile(path: relative, reason: "cannot read"))
                }
                results.set(index, result)
                index += chunks
            }
        }
        for result in results.all() {
            switch result {
            case let .success(advisory): database.add(advisory)
            case let .failure(error): database.problems.append(error.description)
            case nil: database.skippedCount += 1
            }
        }
        for relative in archives.sorted() {
            // An export read in place: one mapped file instead of a file per record.
            let archive = try ZipArchive(contentsOf: URL(fileURLWithPath: root + "/" + relative))
            let members = archive.members.filter { $0.name.hasSuffix(".json") }
            let parsed = ParsedRecords(count: members.count)
            let lanes = max(1, min(members.count, ProcessInfo.processInfo.activeProcessorCount * 4))
            DispatchQueue.concurrentPerform(iterations: lanes) { lane in
                var index = lane
                while index < members.count {
                    let name = "\(relative)!\(members[index].name)"
                    do throws(InventoryError) {
                        let data = try archive.contents(of: members[index])
                        if packageNames.map({ Self.mentions(data, anyOf: $0) }) ?? true {
                            parsed.set(index, .success(try OSVParser.parse(data, file: name)))
                        }
                    } catch {
                        parsed.set(index, .failure(error))
                    }
                    index += lanes
                }
            }
            for result in parsed.all() {
                switch result {
                case let .success(advisory): database.add(advisory)
                case let .failure(error): database.problems.append(error.description)
                case nil: database.skippedCount += 1
                }
            }
        }
        database.metadata = AdvisoryDatabaseMetadata.read(from: directory)
        return database
    }
}

extension AdvisoryDatabase {
    /// Whether a `"name"` member of the record's JSON has one of `names` as its string value.
    /// Escaped names are taken as a match (the full parse decides).
    static func mentions(_ data: Data, anyOf names: Set<String>) -> Bool {
        data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) -> Bool in
            let bytes = buffer.bindMemory(to: UInt8.self)
            let key: [UInt8] = Array("\"name\"".utf8)
            func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
            var index = 0
            let count = bytes.count
            while index + key.count <= count {
                guard bytes[index] == 0x22, bytes[index + 1] == key[1], bytes[index + 2] == key[2], bytes[index + 3] == key[3],
                    bytes[index + 4] == key[4], bytes[index + 5] == 0x22
                else {
                    index += 1
                    continue
                }
                var cursor = index + key.count
                index = cursor
                while cursor < count, isSpace(bytes[cursor]) { cursor += 1 }
                guard cursor < count, bytes[cursor] == UInt8(ascii: ":") else { continue }
                cursor += 1
                while cursor < count, isSpace(bytes[cursor]) { cursor += 1 }
                guard cursor < count, bytes[cursor] == 0x22 else { continue }
                let start = cursor + 1
                var end = start
                while end < count, bytes[end] != 0x22 {
                    if bytes[end] == UInt8(ascii: "\\") { return true }
                    end += 1
                }
                guard end < count else { return false }
                if names.contains(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)) { return true }
                index = end
            }
            return false
        }
    }
}

/// Results of the parallel parse, one slot per file, behind a lock.
private final class ParsedRecords: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<Advisory, InventoryError>?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ result: Result<Advisory, InventoryError>) { lock.withLock { slots[index] = result } }

    func all() -> [Result<Advisory, InventoryError>?] { lock.withLock { slots } }
}
