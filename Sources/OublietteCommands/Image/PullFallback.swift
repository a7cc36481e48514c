import CommandSupport
import Foundation
import OCIDistribution
import OublietteCore
import SystemSupport

/// What `image pull` does once a pull has failed for good: a 404 names the tags that do
/// exist; when the type can be built from a known source directory, a terminal is asked
/// "build it from source instead?" and a script is told the command that would.
struct PullFallback: Sendable {
    let images: ImageManager
    let registries: RegistryClientFactory
    let settings: LocalBuildSettings?
    let sourceDirectory: String?
    var prompt = Prompt()

    struct Outcome {
        var built: ImageManager.EnsuredImage?
        var message: String
        /// The message was printed already (before the question).
        var reported = false
    }

    func afterFailure(_ error: any Error, type: String, reference: ImageReference?) async -> Outcome {
        var message = describe(error)
        guard case let .pullFailed(_, _, reason, _)? = error as? ImageManagerError else { return Outcome(message: message) }
        if EnginePullRetry.isNotFound(reason), let reference, let tags = await existingTags(reference) {
            message += "\n" + Self.tagsLine(tags, repository: reference.repository)
        }
        guard let directory = buildableSourceDirectory(type) else { return Outcome(message: message) }
        let command = "oubliette image pull \(type) --build --source-dir \(shellQuoted(directory))"
        guard prompt.isInteractive else {
            return Outcome(message: message + "\nTo build it from source instead:\n  \(command)")
        }
        Output.error(message)
        guard prompt.yesOrNo("\(type): build it from source instead?", default: true) == true else {
            return Outcome(message: message, reported: true)
        }
        do {
            return Outcome(built: try await images.rebuild(type: type, noCache: false), message: "")
        } catch {
            return Outcome(message: describe(error))
        }
    }

    /// The source directory, when the catalogue there has a Dockerfile for `type` and each
    /// of its parents.
    private func buildableSourceDirectory(_ type: String) -> String? {
        guard let settings, let sourceDirectory else { return nil }
        let chain = settings.catalogue.catalogue.ancestry(of: type)
        guard !chain.isEmpty,
            chain.allSatisfy({ FileManager.default.fileExists(atPath: settings.catalogue.dockerfileURL(for: $0).path) })
        else { return nil }
        return sourceDirectory
    }

    /// The repository's tags, asked once with the short deadline; nil when it cannot say.
    private func existingTags(_ reference: ImageReference) async -> [String]? {
        guard let repository = try? RepositoryName(reference.repository) else { return nil }
        let client = await registries.client(for: reference.registry, purpose: .quickCheck)
        return try? await client.tags(repository: repository, limits: RegistryClient.ListingLimits(maximumPages: 20, maximumTags: 20_000))
    }

    static func tagsLine(_ tags: [String], repository: String, shown: Int = 10) -> String {
        guard !tags.isEmpty else { return "\(repository) has no tags." }
        let sorted = tags.sorted { $0.compare($1, options: .numeric) == .orderedAscending }
        let more = sorted.count > shown ? " (and \(sorted.count - shown) older)" : ""
        return "Tags that exist in \(repository): \(sorted.suffix(shown).joined(separator: ", "))\(more)"
    }

    private func shellQuoted(_ path: String) -> String {
        path.allSatisfy { $0.isLetter || $0.isNumber || "/._-+:@".contains($0) } ? path : "'" + path.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}
