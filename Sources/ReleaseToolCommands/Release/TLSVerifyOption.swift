import ArgumentParser

/// `--tls-verify`: whether builders verify TLS when they pull `FROM` images.
enum TLSVerifyOption: String, ExpressibleByArgument, CaseIterable {
    case `true`, `false`, auto
}
