import Foundation

/// Advisories loaded from a directory of OSV records (`*.json`, unpacked by `--update-db`,
/// or `*.zip` exports read in place), indexed by ecosystem and package name.
public struct AdvisoryDatabase: Sendable {
    public private(set) var advisories: [Advisory] = []
    /// Records marked withdrawn: read, never matched.
    public private(set) var withdrawnCount = 0
    /// Records that did not parse: file:line:column and why.
    public private(set) var problems: [String] = []
    public var metadata: AdvisoryDatabaseMetadata?
    /// ecosystem → package name → (advisory, affected entry) indexes.
    private var index: [String: [String: [(Int, Int)]]] = [:]

    public init() {}

    public init(advisories: [Advisory]) {
        for advisory in advisories { add(advisory) }
    }

    public mutating func add(_ advisory: Advisory) {
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
    /// `problems` and skipped, so one bad file cannot hide the rest.
    public static func load(directory: URL) throws(InventoryError) -> AdvisoryDatabase {
        var database = AdvisoryDatabase()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .localFile(path: directory.path, reason: "no advisory database here (create one with `scan --update-db \(directory.path)`)")
        }
        guard let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey]) else {
            throw .localFile(path: directory.path, reason: "cannot list the directory")
        }
        var files: [URL] = []
        for case let url as URL in enumerator where url.pathExtension == "json" || url.pathExtension == "zip" {
            if url.lastPathComponent == AdvisoryDatabaseMetadata.fileName { continue }
            files.append(url)
        }
        files.sort { $0.path < $1.path }
        for url in files {
            let relative = String(url.path.dropFirst(directory.path.count)).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            if url.pathExtension == "zip" {
                let archive = try ZipArchive(contentsOf: url)
                for member in archive.members where member.name.hasSuffix(".json") {
                    let name = "\(relative)!\(member.name)"
                    do { database.add(try OSVParser.parse(try archive.contents(of: member), file: name)) } catch {
                        database.problems.append(error.description)
                    }
                }
                continue
            }
            let data: Data
            do { data = try Data(contentsOf: url) } catch {
                database.problems.append("\(relative): cannot read: \(error.localizedDescription)")
                continue
            }
            do { database.add(try OSVParser.parse(data, file: relative)) } catch { database.problems.append(error.description) }
        }
        database.metadata = AdvisoryDatabaseMetadata.read(from: directory)
        return database
    }
}
