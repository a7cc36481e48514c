import ArgumentParser
import CommandSupport
import CosignKeyFiles
import Foundation
import ImageSigning
import ReleaseKit
import SystemSupport

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Signing keys in cosign's format.", subcommands: [KeysGenerate.self])
}
