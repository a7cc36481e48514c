import ReleaseToolCommands

/// The `release-tool` executable: only an entry point; the commands live in ReleaseToolCommands.
@main
enum ReleaseToolMain {
    static func main() async {
        await ReleaseToolCommand.runMain()
    }
}
