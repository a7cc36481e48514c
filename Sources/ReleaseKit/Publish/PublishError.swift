import Foundation
import SystemSupport

package enum PublishError: Error, Equatable, Sendable, DescribedError {
    case pushedImageMissing(type: String, reference: String)
    case builderCannotExportPlatforms(builder: String, type: String)
    case digestsFile(path: String, reason: String)
    case digestsForOtherRelease(path: String, version: String, revision: String, expectedVersion: String, expectedRevision: String)
    case platformDigestMissing(type: String, platform: String, files: [String])
    case conflictingDigests(type: String, platform: String, first: String, second: String)

    package var description: String {
        switch self {
        case let .pushedImageMissing(type, reference):
            return
                "image '\(type)': \(reference) should be in the registry but is not; check the builder's registry configuration (or, for --merge, that the --push-by-digest jobs pushed to the same registry)"
        case let .builderCannotExportPlatforms(builder, type):
            return
                "image '\(type)' is published for several platforms, but \(builder) can only push one image per tag; use buildah, podman or docker buildx, or narrow \"platforms\" (or pass --platform)"
        case let .digestsFile(path, reason):
            return "digests file \(path): \(reason)"
        case let .digestsForOtherRelease(path, version, revision, expectedVersion, expectedRevision):
            return
                "digests file \(path) is for release \(version) at \(revision), but this checkout releases \(expectedVersion) at \(expectedRevision); merge digests from jobs that built this same commit"
        case let .platformDigestMissing(type, platform, files):
            return
                "no digest for image '\(type)' on \(platform) in \(files.joined(separator: ", ")); run `publish --platform \(platform) --push-by-digest --digests-out FILE` for it and pass that FILE to --merge too"
        case let .conflictingDigests(type, platform, first, second):
            return "image '\(type)' on \(platform) has two different digests (\(first); \(second)); pass one digests file per platform"
        }
    }

}
