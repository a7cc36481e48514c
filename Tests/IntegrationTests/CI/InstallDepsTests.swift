import Foundation
import Testing

/// scripts/install-deps on the distributions CI runs it on: Debian (this machine) and
/// Ubuntu noble (the swift:6.3-noble image of ci.yml and GitLab), whose archive has no arm64
/// packages. The apt sources logic runs against fake os-release files and apt directories;
/// the download itself runs for real against this machine's own configuration.
@Suite("scripts/install-deps on Debian and Ubuntu")
struct InstallDepsTests {
    static let script = WorkflowTestBench.repositoryRoot.appendingPathComponent("scripts/install-deps").path

    static let noble = """
        PRETTY_NAME="Ubuntu 24.04.3 LTS"
        NAME="Ubuntu"
        VERSION_ID="24.04"
        VERSION_CODENAME=noble
        ID=ubuntu
        ID_LIKE=debian
        UBUNTU_CODENAME=noble

        """
    /// What the noble images ship: deb822 sources on the amd64-only archive.
    static let ubuntuSources = """
        Types: deb
        URIs: http://archive.ubuntu.com/ubuntu/
        Suites: noble noble-updates noble-backports
        Components: main universe restricted multiverse
        Signed-By: /usr/share/keyrings/ubuntu-archive-keyring.gpg

        Types: deb
        URIs: http://security.ubuntu.com/ubuntu/
        Suites: noble-security
        Components: main universe restricted multiverse
        Signed-By: /usr/share/keyrings/ubuntu-archive-keyring.gpg

        """
    static let bookworm = """
        PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
        NAME="Debian GNU/Linux"
        VERSION_ID="12"
        VERSION_CODENAME=bookworm
        ID=debian

        """

    /// A fake /etc: os-release plus `files` (paths relative to the apt directory).
    func fakeSystem(osRelease: String, apt files: [String: String]) throws -> [String: String] {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("install-deps-\(UUID().uuidString)")
        let apt = root.appendingPathComponent("apt")
        try FileManager.default.createDirectory(at: apt.appendingPathComponent("sources.list.d"), withIntermediateDirectories: true)
        try Data(osRelease.utf8).write(to: root.appendingPathComponent("os-release"))
        for (path, text) in files { try Data(text.utf8).write(to: apt.appendingPathComponent(path)) }
        return ["OUBLIETTE_OS_RELEASE": root.appendingPathComponent("os-release").path, "OUBLIETTE_APT_DIR": apt.path]
    }

    func arm64Source(osRelease: String, apt files: [String: String]) async throws -> ToolResult {
        try await ToolRunner.run(
            "/bin/bash", [Self.script, "--print-arm64-source"], environment: try fakeSystem(osRelease: osRelease, apt: files), check: false)
    }

    @Test("Ubuntu noble: arm64 comes from the ports archive, never from archive.ubuntu.com (which 404s)")
    func ubuntuNoble() async throws {
        let result = try await arm64Source(osRelease: Self.noble, apt: ["sources.list.d/ubuntu.sources": Self.ubuntuSources])
        #expect(result.succeeded, "\(result.stderr)")
        #expect(
            result.stdout
                == "deb [arch=arm64 signed-by=/usr/share/keyrings/ubuntu-archive-keyring.gpg] http://ports.ubuntu.com/ubuntu-ports noble main universe\n")
        // An arm64 machine's own ports mirror is kept.
        let ports = Self.ubuntuSources.replacingOccurrences(of: "http://archive.ubuntu.com/ubuntu/", with: "http://mirror.example/ubuntu-ports/")
        let onArm = try await arm64Source(osRelease: Self.noble, apt: ["sources.list.d/ubuntu.sources": ports])
        #expect(onArm.stdout.contains(" http://mirror.example/ubuntu-ports noble main universe"), "\(onArm.stdout)")
    }

    @Test("Debian: arm64 comes from the machine's configured mirror (deb822 or one-line sources), deb.debian.org otherwise")
    func debian() async throws {
        let deb822 = """
            Types: deb
            URIs: http://mirror.example/debian-security
            Suites: bookworm-security
            Components: main

            Types: deb
            URIs: http://mirror.example/debian
            Suites: bookworm bookworm-updates
            Components: main

            """
        let fromSources = try await arm64Source(osRelease: Self.bookworm, apt: ["sources.list.d/debian.sources": deb822])
        #expect(
            fromSources.stdout
                == "deb [arch=arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://mirror.example/debian bookworm main\n",
            "\(fromSources.stdout)\(fromSources.stderr)")
        let oneLine = "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://old.example/debian/ bookworm main contrib\n"
        let fromList = try await arm64Source(osRelease: Self.bookworm, apt: ["sources.list": oneLine])
        #expect(fromList.stdout.contains("] http://old.example/debian bookworm main"), "\(fromList.stdout)\(fromList.stderr)")
        let nothing = try await arm64Source(osRelease: Self.bookworm, apt: [:])
        #expect(nothing.stdout.contains("] http://deb.debian.org/debian bookworm main"), "\(nothing.stdout)")
    }

    @Test("an unknown distribution or an os-release without a codename is refused with the reason")
    func unknown() async throws {
        let fedora = try await arm64Source(osRelease: "ID=fedora\nVERSION_CODENAME=\"\"\nVERSION_ID=41\n", apt: [:])
        #expect(!fedora.succeeded && fedora.stderr.contains("VERSION_CODENAME"), "\(fedora.stderr)")
        let alpine = try await arm64Source(osRelease: "ID=alpine\nVERSION_CODENAME=edge\n", apt: [:])
        #expect(!alpine.succeeded && alpine.stderr.contains("ID=alpine"), "\(alpine.stderr)")
    }

    @Test(
        "the arm64 busybox downloads with a private apt configuration, leaving dpkg's architectures alone",
        .enabled(if: FileManager.default.fileExists(atPath: "/etc/os-release")), .timeLimit(.minutes(3)))
    func realDownload() async throws {
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("install-deps-cache-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: cache) }
        let architectures = try await ToolRunner.run("dpkg", ["--print-foreign-architectures"]).stdout
        // Only the fixture step: every package is already installed where this test runs.
        let result = try await ToolRunner.run("/bin/bash", [Self.script], environment: ["OUBLIETTE_CACHE_DIR": cache.path], check: false, timeout: 150)
        #expect(result.succeeded, "\(result.stderr)")
        let busybox = cache.appendingPathComponent("busybox-arm64/bin/busybox").path
        let kind = try await ToolRunner.run("file", ["-b", busybox]).stdout
        #expect(kind.contains("ARM aarch64") && kind.contains("statically linked"), "\(kind)")
        #expect(try await ToolRunner.run("dpkg", ["--print-foreign-architectures"]).stdout == architectures)
    }
}
