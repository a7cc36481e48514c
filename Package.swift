// swift-tools-version: 6.1
import Foundation
import PackageDescription

// Stamped into both executables (see the CBuildVersion target). An unstamped build is a
// development build, which the image version check treats as compatible with every image.
let buildEnvironment = ProcessInfo.processInfo.environment
let buildCommit = buildEnvironment["OUBLIETTE_GIT_COMMIT"].flatMap { $0.isEmpty ? nil : String($0.prefix(12)) } ?? ""
let buildVersion =
    buildEnvironment["OUBLIETTE_VERSION"].flatMap { $0.isEmpty ? nil : $0 }
    ?? (buildCommit.isEmpty ? "0.0.0-dev" : "0.0.0-dev+\(buildCommit)")

let package = Package(
    name: "oubliette",
    platforms: [.macOS(.v14)],
    // Only the two executables: the targets share their API with `package` access, so
    // nothing is `public` for a consumer outside this package to depend on.
    products: [
        .executable(name: "oubliette", targets: ["oubliette"]),
        .executable(name: "release-tool", targets: ["ReleaseTool"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/swift-server/async-http-client", exact: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "4.5.2"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", exact: "0.12.1"),
        .package(url: "https://github.com/apple/swift-certificates", exact: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", exact: "1.7.4"),
    ],
    targets: [
        // Process, file and error plumbing every other target shares: the one subprocess
        // runner, atomic files and the state store's lock, the error-description convention.
        .target(
            name: "SystemSupport",
            dependencies: ["CSpawn", .product(name: "Logging", package: "swift-log")]
        ),
        // One libc function Swift's Glibc module hides (posix_spawn's chdir action).
        .target(name: "CSpawn"),
        // The OCI distribution side, with no Oubliette concept in it: image references and
        // digests, media types and manifest/index/config models, the registry client (auth,
        // transfer, retries, listing), credentials, OCI layouts and image copy.
        .target(
            name: "OCIDistribution",
            dependencies: [
                "SystemSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Image builders (buildah, podman, docker) behind one seam, used by release-tool's
        // publish and by oubliette's local builds (`image_source: build`).
        .target(
            name: "ImageBuilders",
            dependencies: ["SystemSupport", "OCIDistribution"]
        ),
        // The version stamped at build time: OUBLIETTE_VERSION and OUBLIETTE_GIT_COMMIT in the
        // environment of `swift build` (scripts/build-release sets them from the git tag).
        // A C target because only C settings can carry a value into the build.
        .target(
            name: "CBuildVersion",
            cSettings: [
                .define("OUBLIETTE_BUILD_VERSION", to: "\"\(buildVersion)\""),
                .define("OUBLIETTE_BUILD_COMMIT", to: "\"\(buildCommit)\""),
            ]
        ),
        // libgit2 from the system (Debian: libgit2-dev). The shim header exists because a
        // bare `header "git2.h"` is resolved beside the module map, not on the include path.
        .systemLibrary(
            name: "CLibGit2",
            path: "Sources/CLibGit2",
            pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"]), .brew(["libgit2"])]
        ),
        // libsodium from the system (Debian: libsodium-dev): scrypt and nacl secretbox for
        // cosign's encrypted key files (swift-crypto has no public scrypt). Only release-tool
        // links it (CosignKeyFiles); oubliette verifies with public keys and does not.
        .systemLibrary(
            name: "CSodium",
            path: "Sources/CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"]), .brew(["libsodium"])]
        ),
        // Cosign-compatible signing with no Oubliette concept in it: key files, simple-signing
        // payloads, signature and attestation storage in a registry, DSSE/in-toto/SLSA, and
        // verification with errors naming the failed check — by key, or keylessly by identity
        // from the Sigstore bundles beside an image (referrers, cosign's .sig/.att tags).
        .target(
            name: "ImageSigning",
            dependencies: [
                "SystemSupport",
                "OCIDistribution",
                "SigstoreVerification",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Sigstore bundles verified offline with no Oubliette concept in it: bundle and
        // trusted-root models, Fulcio chains at the log's time, SCTs, Rekor inclusion proofs,
        // checkpoints and promises, DSSE/in-toto, identity policy. Ships the public-good root.
        .target(
            name: "SigstoreVerification",
            dependencies: [
                "SystemSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            exclude: ["Resources/trusted_root.ORIGIN.md"],
            resources: [.copy("Resources/trusted_root.json")]
        ),
        // Reading and writing cosign's encrypted private key files (scrypt + secretbox).
        .target(
            name: "CosignKeyFiles",
            dependencies: ["ImageSigning", "SystemSupport", "CSodium", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // What both sides agree on about images: the catalogue (containers/*.jsonc), the
        // version stamp and the credential chain the catalogue's registries are reached with.
        // release-tool links this, not OublietteCore, so it carries no engine or project code.
        .target(
            name: "ImageCatalogue",
            dependencies: ["SystemSupport", "OCIDistribution", "CBuildVersion"]
        ),
        // The container engines behind one protocol: the Docker Engine API client and Apple's
        // `container` CLI adapter with their wire types; selection takes its clients injected.
        .target(
            name: "ContainerRuntimes",
            dependencies: [
                "SystemSupport",
                "OCIDistribution",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // Drawing on a terminal, kept apart as apple/container keeps TerminalProgress: the
        // pull/transfer progress renderer and the text table, pure functions of their input.
        .target(
            name: "TerminalProgress",
            dependencies: ["OCIDistribution", "SystemSupport"]
        ),
        // The product domain oubliette runs: config, images, projects, lifecycle, self-update,
        // and the composition root (OublietteServices).
        .target(
            name: "OublietteCore",
            dependencies: [
                "SystemSupport",
                "OCIDistribution",
                "ImageBuilders",
                "ImageCatalogue",
                "ContainerRuntimes",
                "ImageSigning",
                // self-update verifies the release archives' Sigstore bundles.
                "SigstoreVerification",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // Release logic (git versions, tag rules, build plans, publishing, workflow
        // generation), kept apart so the server does not link libgit2 and release-tool does
        // not link the engines, projects or self-update (it reads only ImageCatalogue).
        .target(
            name: "ReleaseKit",
            dependencies: [
                "SystemSupport",
                "OCIDistribution",
                "ImageBuilders",
                "ImageCatalogue",
                "TerminalProgress",
                "CLibGit2",
                "ImageSigning",
                "ImageInventory",
                "CosignKeyFiles",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // The MCP server (tools over JSON-RPC) lives beside the core so it is testable
        // without a process; the executable only starts it.
        .target(
            name: "OublietteServer",
            dependencies: [
                "OublietteCore",
                "ImageCatalogue",
                "OCIDistribution",
                "SystemSupport",
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Logging", package: "swift-log"),
                // The HTTP transport's listener (the SDK translates requests; we serve them).
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // What both command-line tools share: the output helper, logging options, progress
        // and version flags.
        .target(
            name: "CommandSupport",
            dependencies: [
                "SystemSupport",
                "OCIDistribution",
                "TerminalProgress",
                "ImageBuilders",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // oubliette's commands, one file per verb; the executable is only an entry point.
        .target(
            name: "OublietteCommands",
            dependencies: [
                "CommandSupport",
                "OublietteCore",
                "ImageCatalogue",
                "ContainerRuntimes",
                "TerminalProgress",
                "OublietteServer",
                "OCIDistribution",
                "ImageBuilders",
                "SystemSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // release-tool's commands.
        .target(
            name: "ReleaseToolCommands",
            dependencies: [
                "CommandSupport",
                "ReleaseKit",
                "ImageCatalogue",
                "TerminalProgress",
                "OCIDistribution",
                "SystemSupport",
                "ImageBuilders",
                "ImageInventory",
                "ImageSigning",
                "CosignKeyFiles",
                "SigstoreVerification",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // zlib and zstd from the system (Debian: zlib1g-dev, libzstd-dev), for layer and zip streams.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"]), .brew(["zstd"])]),
        // What is inside an image, with no Oubliette concept: layers read as streams (whiteouts
        // applied), OS and package databases, SBOMs (SPDX, CycloneDX), version orderings, OSV
        // advisories and matching (SARIF).
        .target(
            name: "ImageInventory",
            dependencies: [
                "SystemSupport", "OCIDistribution", "CZlib", "CZstd",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(name: "oubliette", dependencies: ["OublietteCommands"]),
        .executableTarget(name: "ReleaseTool", dependencies: ["ReleaseToolCommands"]),
        .testTarget(
            name: "SystemSupportTests",
            // Logging and TestSupport's LogRecorder: the runner's and the state file's diagnostics.
            dependencies: ["SystemSupport", "TestSupport", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "ImageInventoryTests",
            dependencies: [
                "ImageInventory", "OCIDistribution", "SystemSupport", "CZlib", "CZstd",
                .product(name: "Crypto", package: "swift-crypto"),
                // The fake HTTP server that serves the advisory-export fixture zip.
                "TestSupport",
            ]
        ),
        .testTarget(
            name: "SigstoreVerificationTests",
            dependencies: ["SigstoreVerification", "SigstoreTestSupport", "SystemSupport", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // A Sigstore instance made up by the tests (Fulcio CA, CT log, Rekor log, trusted root)
        // issuing bundles that ours and independent verifiers accept; no network, no services.
        .target(
            name: "SigstoreTestSupport",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            path: "Tests/SigstoreTestSupport"
        ),
        .testTarget(
            name: "ImageSigningTests",
            dependencies: [
                "ImageSigning", "CosignKeyFiles", "OCIDistribution", "SystemSupport", "TestSupport", "SigstoreVerification", "SigstoreTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // What the test targets share (as apple/container's ContainerTestSupport): the one
        // in-process fake HTTP server and the fault-injecting registry on it, the container CLI
        // stand-in, and the small helpers (recording sleeper, scoped fixtures).
        .target(
            name: "TestSupport",
            dependencies: [
                "OCIDistribution",
                "ContainerRuntimes",
                "SystemSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "OCIDistributionTests",
            dependencies: [
                "OCIDistribution", "SystemSupport", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                // The streaming download's tests fetch from the fake server themselves.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                // The registry client's request log, recorded by TestSupport's LogRecorder.
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "OublietteCoreTests",
            dependencies: [
                "OublietteCore",
                "ImageCatalogue",
                "ContainerRuntimes",
                "SigstoreVerification",
                "SigstoreTestSupport",
                "ImageSigning",
                "TestSupport",
                "OCIDistribution",
                "SystemSupport",
            ]
        ),
        // The catalogue's parsing and order; one test checks its consumer (OublietteConfig)
        // picks a third image up with no code change, hence OublietteCore.
        .testTarget(
            name: "ImageCatalogueTests",
            dependencies: ["ImageCatalogue", "OCIDistribution", "OublietteCore"]
        ),
        .testTarget(
            name: "ContainerRuntimesTests",
            dependencies: [
                "ContainerRuntimes", "OCIDistribution", "SystemSupport", "TestSupport",
                // The fake Docker daemon's response delays (TimeAmount).
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "ImageBuildersTests", dependencies: ["ImageBuilders", "OCIDistribution"]),
        .testTarget(name: "TestSupportTests", dependencies: ["TestSupport"]),
        .testTarget(name: "TerminalProgressTests", dependencies: ["TerminalProgress", "OCIDistribution"]),
        .testTarget(
            name: "ReleaseKitTests",
            dependencies: [
                "ReleaseKit", "ImageCatalogue", "OCIDistribution", "ImageBuilders", "ImageSigning", "SystemSupport", "TestSupport",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "OublietteCore", "ImageCatalogue", "ContainerRuntimes", "OCIDistribution", "ImageBuilders", "SystemSupport", "ReleaseKit",
                "OublietteServer", "ImageInventory",
                "ImageSigning", "CosignKeyFiles", "SigstoreVerification", "SigstoreTestSupport", "TestSupport",
                .product(name: "MCP", package: "swift-sdk"),
                // Parses the generated workflows the CI execution tests run.
                .product(name: "Yams", package: "Yams"),
                // The recording proxy's request and body types.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
