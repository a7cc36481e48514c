// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "oubliette",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "OublietteCore", targets: ["OublietteCore"]),
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
    ],
    targets: [
        // libgit2 from the system (Debian: libgit2-dev). The shim header exists because a
        // bare `header "git2.h"` is resolved beside the module map, not on the include path.
        .systemLibrary(
            name: "CLibGit2",
            path: "Sources/CLibGit2",
            pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"]), .brew(["libgit2"])]
        ),
        .target(
            name: "OublietteCore",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Release logic (git versions, tag rules, build plans, workflow generation), kept
        // out of OublietteCore so the server does not link libgit2.
        .target(
            name: "ReleaseKit",
            dependencies: [
                "OublietteCore",
                "CLibGit2",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // The MCP server (tools over JSON-RPC) lives beside the core so it is testable
        // without a process; the executable only starts it.
        .target(
            name: "OublietteServer",
            dependencies: [
                "OublietteCore",
                .product(name: "MCP", package: "swift-sdk"),
                // The HTTP transport's listener (the SDK translates requests; we serve them).
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "oubliette",
            dependencies: [
                "OublietteCore",
                "OublietteServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "ReleaseTool",
            dependencies: [
                "ReleaseKit",
                "OublietteCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "OublietteCoreTests",
            dependencies: [
                "OublietteCore",
                // In-process fake HTTP servers for fault injection.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "ReleaseKitTests",
            dependencies: ["ReleaseKit", "OublietteCore", .product(name: "Yams", package: "Yams")]
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["OublietteCore", "ReleaseKit", "OublietteServer", .product(name: "MCP", package: "swift-sdk")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
