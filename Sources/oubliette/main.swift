import OublietteCommands

await OublietteCommand.main()
