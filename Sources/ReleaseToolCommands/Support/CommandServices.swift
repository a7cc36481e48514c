import CommandSupport
import Foundation
import ImageCatalogue
import ReleaseKit

extension ReleaseToolServices {
    /// The root of one release-tool command: the only place a command resolves credentials
    /// (`OUBLIETTE_REGISTRY_*` scoped by host, then docker's config), once.
    static func forCommand(
        insecureRegistries: some Sequence<String>, signing: SigningIdentity? = nil, attachSBOMs: Bool = false,
        workDirectory: URL = FileManager.default.temporaryDirectory, log: @escaping @Sendable (String) -> Void = { Output.diagnostic($0) }
    ) -> ReleaseToolServices {
        ReleaseToolServices(
            credentials: OublietteCredentials.standard(warn: { Output.warning($0) }), insecureRegistries: Set(insecureRegistries),
            signing: signing, attachSBOMs: attachSBOMs, workDirectory: workDirectory, toolVersion: OublietteVersion.current, log: log)
    }
}
