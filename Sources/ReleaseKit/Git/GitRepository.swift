import CLibGit2
import Foundation

/// A libgit2 repository handle. Not `Sendable`: open it, read what you need into a
/// `RepositoryState`, and let it go; libgit2 objects must not be shared across threads.
package final class GitRepository {
    private let handle: OpaquePointer
    private let path: String

    /// Opens the repository containing `path`, searching parent directories.
    package init(discoveringFrom path: String) throws(GitError) {
        LibGit2.ready
        var repository: OpaquePointer?
        let code = git_repository_open_ext(&repository, path, 0, nil)
        guard code == 0, let repository else {
            throw .notARepository(path: path, reason: LibGit2.lastErrorMessage())
        }
        handle = repository
        self.path = path
        guard git_repository_is_bare(handle) == 0 else { throw .bareRepository(path: path) }
    }

    deinit { git_repository_free(handle) }

    package var workingDirectory: String {
        guard let workdir = git_repository_workdir(handle) else { return path }
        let text = String(cString: workdir)
        return text.count > 1 && text.hasSuffix("/") ? String(text.dropLast()) : text
    }

    package func state() throws(GitError) -> RepositoryState {
        let head = try headCommit()
        return RepositoryState(
            workingDirectory: workingDirectory,
            headCommit: head.sha,
            commitTime: head.time,
            tags: try tags(),
            dirtyPaths: try dirtyPaths(),
            originURL: remoteURL(named: "origin")
        )
    }

    /// HEAD's commit sha and committer time.
    package func headCommit() throws(GitError) -> (sha: String, time: Date) {
        var object: OpaquePointer?
        let code = git_revparse_single(&object, handle, "HEAD")
        guard code == 0, let object else {
            if code == GIT_ENOTFOUND.rawValue || code == GIT_EUNBORNBRANCH.rawValue {
                throw .noCommits(path: workingDirectory)
            }
            throw failure("rev-parse HEAD", code)
        }
        defer { git_object_free(object) }
        let commit = try peelToCommit(object, what: "HEAD")
        defer { git_object_free(commit) }
        let seconds = git_commit_time(commit)
        return (Self.hex(git_object_id(commit)), Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    /// All tags with the commit each points at. Tags pointing at trees or blobs are skipped.
    package func tags() throws(GitError) -> [GitTag] {
        var names = git_strarray()
        let code = git_tag_list(&names, handle)
        guard code == 0 else { throw failure("tag list", code) }
        defer { git_strarray_dispose(&names) }
        var result: [GitTag] = []
        for index in 0..<names.count {
            guard let raw = names.strings[index] else { continue }
            let name = String(cString: raw)
            var object: OpaquePointer?
            guard git_revparse_single(&object, handle, "refs/tags/\(name)") == 0, let object else { continue }
            defer { git_object_free(object) }
            var commit: OpaquePointer?
            guard git_object_peel(&commit, object, GIT_OBJECT_COMMIT) == 0, let commit else { continue }
            defer { git_object_free(commit) }
            result.append(GitTag(name: name, commit: Self.hex(git_object_id(commit))))
        }
        return result.sorted { $0.name < $1.name }
    }

    /// Paths that differ from HEAD in the index or working tree, including untracked files
    /// that are not ignored (a stray file could end up in a build context).
    package func dirtyPaths() throws(GitError) -> [String] {
        var options = git_status_options()
        git_status_options_init(&options, UInt32(GIT_STATUS_OPTIONS_VERSION))
        options.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR
        options.flags =
            GIT_STATUS_OPT_INCLUDE_UNTRACKED.rawValue | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS.rawValue
            | GIT_STATUS_OPT_EXCLUDE_SUBMODULES.rawValue
        var list: OpaquePointer?
        let code = git_status_list_new(&list, handle, &options)
        guard code == 0, let list else { throw failure("status", code) }
        defer { git_status_list_free(list) }
        var paths: [String] = []
        for index in 0..<git_status_list_entrycount(list) {
            guard let entry = git_status_byindex(list, index)?.pointee, entry.status != GIT_STATUS_CURRENT else { continue }
            let delta = entry.index_to_workdir ?? entry.head_to_index
            if let file = delta?.pointee.new_file.path ?? delta?.pointee.old_file.path {
                paths.append(String(cString: file))
            }
        }
        return paths.sorted()
    }

    package func remoteURL(named name: String) -> String? {
        var remote: OpaquePointer?
        guard git_remote_lookup(&remote, handle, name) == 0, let remote else { return nil }
        defer { git_remote_free(remote) }
        return git_remote_url(remote).map { String(cString: $0) }
    }

    // MARK: Helpers

    private func peelToCommit(_ object: OpaquePointer, what: String) throws(GitError) -> OpaquePointer {
        var commit: OpaquePointer?
        let code = git_object_peel(&commit, object, GIT_OBJECT_COMMIT)
        guard code == 0, let commit else { throw failure("peel \(what) to a commit", code) }
        return commit
    }

    private func failure(_ operation: String, _ code: Int32) -> GitError {
        .operationFailed(operation: operation, path: workingDirectory, code: code, message: LibGit2.lastErrorMessage())
    }

    private static func hex(_ oid: UnsafePointer<git_oid>?) -> String {
        guard let oid else { return "" }
        var buffer = [CChar](repeating: 0, count: Int(GIT_OID_HEXSZ) + 1)
        git_oid_tostr(&buffer, buffer.count, oid)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
