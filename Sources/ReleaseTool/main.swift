import ReleaseToolCommands

await ReleaseToolCommand.main()
