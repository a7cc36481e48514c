import ArgumentParser
import Foundation
import OublietteCore

struct ImageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "Make sure the images of the configured container types are present.",
        subcommands: [Pull.self]
    )

    struct Pull: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pull the images of the given container types (all configured types when none) if missing.",
            discussion: """
                Images already present are not pulled again. With OUBLIETTE_DEV=1 nothing is pulled: a \
                missing image is an error that prints the command to build it. Exits 1 if any type fails.
                """
        )

        @Argument(help: "Container types (see `oubliette config show`).")
        var types: [String] = []

        @Option(help: "Progress display: auto (bars on a terminal, plain lines otherwise), tty, plain or json.")
        var progress: ProgressOption = .auto

        @Flag(help: "Print the results as JSON on stdout.")
        var json = false

        @Flag(help: "Skip comparing the image's version label with this oubliette's version before pulling.")
        var ignoreVersion = false

        @OptionGroup(title: "Local builds (image_source \"build\")")
        var localBuild: LocalBuildOptions

        func run() async throws {
            let context = try CommandContext.load()
            let (paths, config) = (context.paths, context.config)
            let versionPolicy = ignoreVersion ? nil : VersionCheckPolicy(
                inspector: RegistryImageInspector(insecureRegistries: config.insecureRegistries),
                throttle: VersionWarningThrottle(stateDirectory: paths.dataDirectory),
                warn: { FileHandle.standardError.write(Data("\($0)\n".utf8)) }
            )
            let localBuild = config.imageSource == .build ? try self.localBuild.settings() : nil
            let manager = ImageManager(config: config, runtime: context.runtime, provenance: context.provenance,
                                       versionPolicy: versionPolicy, localBuild: localBuild)
            let wanted = types.isEmpty ? config.validTypes : types
            let output = ProgressOutput(style: progress.resolved)

            var results: [PullResult] = []
            for type in wanted {
                do {
                    let ensured = try await manager.ensureImage(type: type) { event in
                        output.write(event, image: type)
                    }
                    results.append(PullResult(type: type, image: ensured.reference.description, pulled: ensured.pulled,
                                              built: ensured.built, digest: ensured.image.repoDigest(for: ensured.reference)?.description, error: nil))
                } catch {
                    results.append(PullResult(type: type, image: (try? config.imageReference(for: type).description) ?? "",
                                              pulled: false, built: false, digest: nil, error: "\(error)"))
                }
            }

            if json {
                try printJSON(results)
            } else {
                for result in results {
                    if let error = result.error {
                        printError(error)
                    } else {
                        print("\(result.type): \(result.image) \(result.built ? "built" : result.pulled ? "pulled" : "present")\(result.digest.map { " \($0)" } ?? "")")
                    }
                }
            }
            if results.contains(where: { $0.error != nil }) { throw ExitCode.failure }
        }
    }
}

struct PullResult: Encodable {
    let type: String
    let image: String
    let pulled: Bool
    let built: Bool
    let digest: String?
    let error: String?
}

enum ProgressOption: String, ExpressibleByArgument, CaseIterable {
    case auto, tty, plain, json

    var resolved: ProgressStyle {
        switch self {
        case .auto: ProgressStyle.automatic(isTerminal: isatty(STDERR_FILENO) == 1)
        case .tty: .tty
        case .plain: .plain
        case .json: .json
        }
    }
}

/// Writes rendered progress to stderr; events arrive from the pull's task, one at a time.
final class ProgressOutput: @unchecked Sendable {
    // Guarded by `lock`: pull events may be delivered from any thread.
    private var renderer: PullProgressRenderer
    private let lock = NSLock()

    init(style: ProgressStyle) {
        renderer = PullProgressRenderer(style: style)
    }

    func write(_ event: PullEvent, image: String) {
        let text = lock.withLock { renderer.render(event, image: image) }
        if !text.isEmpty { FileHandle.standardError.write(Data(text.utf8)) }
    }
}

/// Runs `body`, turning a thrown error into its message on stderr and exit status 1.
func exitOnError<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch {
        printError("\(error)")
        throw ExitCode.failure
    }
}
