import Foundation
import OCIDistribution
import SystemSupport

/// A catalogue together with the directory its Dockerfile and context paths are relative to.
package struct LoadedCatalogue: Sendable {
    package let catalogue: ImageCatalogue
    package let root: URL
    /// Where it came from, for messages: "shipped" or the file path.
    package let origin: String

    package init(catalogue: ImageCatalogue, root: URL, origin: String) {
        self.catalogue = catalogue
        self.root = root
        self.origin = origin
    }

    /// The shipped catalogue (paths relative to `root`, the repository checkout) or a
    /// catalogue file (paths relative to the file's directory).
    package static func load(path: String?, root: URL? = nil) throws(CatalogueError) -> LoadedCatalogue {
        let workingDirectory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        guard let path else {
            return LoadedCatalogue(catalogue: .shipped, root: root ?? workingDirectory, origin: "shipped")
        }
        let url = URL(fileURLWithPath: path, relativeTo: workingDirectory).standardizedFileURL
        return LoadedCatalogue(
            catalogue: try ImageCatalogue(contentsOf: url),
            root: url.deletingLastPathComponent(),
            origin: url.path
        )
    }

    package func dockerfileURL(for entry: ImageCatalogue.Entry) -> URL {
        root.appendingPathComponent(entry.dockerfile)
    }

    package func contextURL(for entry: ImageCatalogue.Entry) -> URL {
        root.appendingPathComponent(entry.context)
    }
}

extension ImageCatalogue {
    /// Reads a catalogue file:
    /// `{ "images": [ { "type": "base", "repository": "…", "parent": null, "summary": "…" } ] }`.
    /// `dockerfile` defaults to `<type>/Dockerfile` and `context` to `<type>`, relative to the file.
    /// `platforms` (`["linux/amd64", "linux/arm64"]` when absent) narrows what is published.
    package init(contentsOf url: URL) throws(CatalogueError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw .unreadable(path: url.path, reason: "no such file; pass --catalogue with the path of a catalogue file (e.g. images/catalogue.jsonc)")
        }
        if isDirectory.boolValue {
            throw .unreadable(
                path: url.path, reason: "it is a directory; pass --catalogue with the catalogue file inside it (e.g. \(url.path)/catalogue.jsonc)")
        }
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw .unreadable(path: url.path, reason: "\(describe(error)); check the file's permissions")
        }
        let document: JSONCValue
        do { document = try JSONCParser.parse(text, file: url.path) } catch {
            throw .invalidFile(path: url.path, reason: "\(error.location): \(error.message)")
        }
        func fail(_ value: JSONCValue, _ message: String) -> CatalogueError {
            .invalidFile(path: url.path, reason: "\(value.location): \(message)")
        }
        guard let top = document.members else { throw fail(document, "expected an object with an \"images\" array") }
        guard let imagesMember = top.first(where: { $0.key == "images" }) else {
            throw fail(document, "missing \"images\" array")
        }
        if let unknown = top.first(where: { $0.key != "images" }) {
            throw .invalidFile(path: url.path, reason: "\(unknown.keyLocation): unknown key \"\(unknown.key)\" (expected \"images\")")
        }
        guard let images = imagesMember.value.arrayValue else { throw fail(imagesMember.value, "\"images\" must be an array") }

        let allowed = ["type", "repository", "parent", "dockerfile", "context", "summary", "platforms"]
        var entries: [Entry] = []
        for image in images {
            guard let members = image.members else { throw fail(image, "each image must be an object") }
            var fields: [String: String] = [:]
            var platforms: [Platform]?
            for member in members {
                guard allowed.contains(member.key) else {
                    let hint = KeySuggestion.nearest(to: member.key, among: allowed).map { " (did you mean \"\($0)\"?)" } ?? ""
                    throw .invalidFile(path: url.path, reason: "\(member.keyLocation): unknown key \"\(member.key)\"\(hint)")
                }
                if case .null = member.value.kind { continue }
                if member.key == "platforms" {
                    platforms = try Self.parsePlatforms(member.value, path: url.path)
                    continue
                }
                guard let string = member.value.stringValue else {
                    throw fail(member.value, "\"\(member.key)\" must be a string, found \(member.value.typeName)")
                }
                fields[member.key] = string
            }
            guard let type = fields["type"], let repository = fields["repository"] else {
                throw fail(image, "each image needs \"type\" and \"repository\"")
            }
            entries.append(
                Entry(
                    type: type, repository: repository,
                    dockerfile: fields["dockerfile"] ?? "\(type)/Dockerfile",
                    context: fields["context"] ?? type,
                    parent: fields["parent"],
                    summary: fields["summary"] ?? type,
                    platforms: platforms ?? Entry.defaultPlatforms
                ))
        }
        try self.init(entries: entries)
    }

    /// `"platforms": ["linux/amd64", "linux/arm64/v8"]`, each `OS/ARCH[/VARIANT]`.
    private static func parsePlatforms(_ value: JSONCValue, path: String) throws(CatalogueError) -> [Platform] {
        guard let items = value.arrayValue else {
            throw .invalidFile(path: path, reason: "\(value.location): \"platforms\" must be an array of \"OS/ARCH\" strings, found \(value.typeName)")
        }
        var platforms: [Platform] = []
        for item in items {
            guard let text = item.stringValue else {
                throw .invalidFile(path: path, reason: "\(item.location): each platform must be a string like \"linux/arm64\", found \(item.typeName)")
            }
            do { platforms.append(try Platform(parsing: text)) } catch {
                throw .invalidFile(path: path, reason: "\(item.location): \(error.description)")
            }
        }
        return platforms
    }
}
