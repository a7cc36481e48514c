import CommandSupport
import OublietteCore
import TerminalProgress

/// Renders lifecycle steps as lines (stdout, or stderr when stdout carries JSON) and pull
/// progress through the shared progress renderer on stderr.
struct LifecycleOutput: Sendable {
    let progress: ProgressOutput
    let stepsToStderr: Bool

    init(progress: ProgressStyle, json: Bool) {
        self.progress = ProgressOutput(style: progress)
        self.stepsToStderr = json
    }

    func handle(_ event: LifecycleEvent) {
        switch event {
        case let .step(text):
            if stepsToStderr { Output.diagnostic(text) } else { Output.line(text) }
        case let .pull(image, pullEvent):
            progress.write(pullEvent, image: image)
        case let .warning(text):
            Output.warning(text)
        }
    }
}
