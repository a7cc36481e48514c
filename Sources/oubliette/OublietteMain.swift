import OublietteCommands

/// The `oubliette` executable: only an entry point; the commands live in OublietteCommands.
@main
enum OublietteMain {
    static func main() async {
        await OublietteCommand.runMain()
    }
}
