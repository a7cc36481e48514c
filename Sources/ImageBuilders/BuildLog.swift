import Foundation

/// One line a build tool printed while building an image, for the user to watch.
package struct BuildLogLine: Sendable, Equatable {
    /// What is being built: the catalogue type, with the platform when one was asked for
    /// (`base linux/arm64`), so lines of builds that run side by side can be told apart.
    package let image: String
    /// The tool that printed it (`buildah`, `docker`, `podman`).
    package let tool: String
    package let text: String

    package init(image: String, tool: String, text: String) {
        self.image = image
        self.tool = tool
        self.text = text
    }
}

/// Where a build tool's output goes while it runs. The builders only produce lines; how they
/// are drawn (prefix, terminal or not) is the command's business.
package struct BuildLog: Sendable {
    package let write: @Sendable (BuildLogLine) -> Void

    package init(_ write: @escaping @Sendable (BuildLogLine) -> Void) {
        self.write = write
    }
}
