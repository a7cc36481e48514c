import SystemSupport

package enum WorkflowGeneratorError: Error, Equatable, Sendable, DescribedError {
    case noNativeRunner(platform: String, known: [String])

    package var description: String {
        switch self {
        case let .noNativeRunner(platform, known):
            return "the catalogue lists \(platform), but the CI generator has no native runner for it (it knows "
                + "\(known.joined(separator: ", "))); add one to WorkflowGenerator.imagePlatforms or drop the platform"
        }
    }
}
