import Foundation
import Yams

/// `.gitlab-ci.yml`, the same logic as the GitHub workflows: `.ci/run` on merge requests
/// and the default branch; on `v*` tags release-tool built once per architecture, one image
/// job per platform on native amd64/arm64 runners pushing by digest, then a merge job that
/// tags. It publishes to the project's GitLab registry (`$CI_REGISTRY_IMAGE`) with the job's
/// credentials, which release-tool reads from OUBLIETTE_REGISTRY_*.
extension WorkflowGenerator {
    /// Job outputs and artifacts; git-ignored, because release-tool refuses a dirty checkout.
    package static let gitlabOutput = ".ci-out"

    package func gitlabPipeline() throws -> String {
        // vX.Y.Z and vX.Y.Z-prerelease, as release.yml's tag filter.
        let onTag = "$CI_COMMIT_TAG =~ /^v[0-9]+\\.[0-9]+\\.[0-9]+(-[0-9A-Za-z.-]+)?$/"
        let tagRules = Node([mapping([("if", Node(onTag))])])
        let platformMatrix = Node(
            try platformRunners().map { platform in
                mapping([
                    ("PLATFORM", Node(platform.platform)), ("ARCH", Node(platform.arch)), ("RUNNER_TAG", Node(platform.gitlabTag)),
                ])
            })
        let credentials = [
            "export OUBLIETTE_REGISTRY_HOST=\"$CI_REGISTRY\"",
            "export OUBLIETTE_REGISTRY_USER=\"$CI_REGISTRY_USER\"",
            "export OUBLIETTE_REGISTRY_PASSWORD=\"$CI_JOB_TOKEN\"",
        ]
        // buildah pulls each child's parent from the same (possibly private) registry.
        let buildahLogin = "printf '%s\\n' \"$CI_JOB_TOKEN\" | buildah login -u \"$CI_REGISTRY_USER\" --password-stdin \"$CI_REGISTRY\""
        // Anonymous Docker Hub pulls of the base image hit rate limits: log in when the
        // project defines DOCKERHUB_USERNAME and DOCKERHUB_TOKEN (masked CI/CD variables).
        let dockerHubLogin =
            "if [ -n \"${DOCKERHUB_USERNAME:-}\" ] && [ -n \"${DOCKERHUB_TOKEN:-}\" ]; then "
            + "printf '%s\\n' \"$DOCKERHUB_TOKEN\" | buildah login -u \"$DOCKERHUB_USERNAME\" --password-stdin docker.io; "
            + "else echo 'no DOCKERHUB_USERNAME/DOCKERHUB_TOKEN: pulling from Docker Hub anonymously (rate-limited)'; fi"
        let releaseTool = "\(Self.gitlabOutput)/dist/release-tool-linux-$ARCH"
        let publish =
            "\(releaseTool) publish --builder buildah --git-tag \"$CI_COMMIT_TAG\" --registry \"$CI_REGISTRY_IMAGE\"\(catalogueArgument)"
            + " --platform \"$PLATFORM\" --push-by-digest --digests-out \"\(Self.gitlabOutput)/digests/$ARCH.json\""
        let amd64Tag = Self.imagePlatforms[0].gitlabTag
        let pipeline = mapping([
            ("stages", list(["test", "build", "images", "release"])),
            (
                "workflow",
                mapping([
                    (
                        "rules",
                        Node([
                            mapping([("if", "$CI_PIPELINE_SOURCE == \"merge_request_event\"")]),
                            mapping([("if", "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH")]),
                            mapping([("if", Node(onTag))]),
                        ])
                    )
                ])
            ),
            ("default", mapping([("image", Node(try swiftImage()))])),
            // release-tool reads the whole history and its tags.
            ("variables", mapping([("GIT_DEPTH", quoted("0"))])),
            (
                "test",
                mapping([
                    ("stage", "test"),
                    ("tags", list([amd64Tag])),
                    ("rules", Node([mapping([("if", "$CI_COMMIT_TAG == null")])])),
                    ("timeout", "45 minutes"),
                    ("cache", mapping([("key", mapping([("files", list(["Package.swift"])), ("prefix", "ci-x86_64")])), ("paths", list([".build/"]))])),
                    // The test bed starts dockerd and buildah itself: the runner must allow privileged jobs.
                    ("script", list(["bash .ci/run"])),
                ])
            ),
            (
                "release-tool",
                mapping([
                    ("stage", "build"),
                    ("rules", tagRules),
                    ("parallel", mapping([("matrix", platformMatrix)])),
                    ("tags", list(["$RUNNER_TAG"])),
                    ("timeout", "60 minutes"),
                    ("cache", mapping([("key", mapping([("files", list(["Package.swift"])), ("prefix", "release-$ARCH")])), ("paths", list([".build/"]))])),
                    (
                        "script",
                        list([
                            "apt-get update && apt-get install -y --no-install-recommends \(Self.buildPackages)",
                            "eval \"$(bash scripts/version-env)\"",
                            "swift build -c release --static-swift-stdlib --product release-tool",
                            "mkdir -p \(Self.gitlabOutput)/dist && cp \"$(swift build -c release --static-swift-stdlib --show-bin-path)/release-tool\" \(releaseTool)",
                            "\(releaseTool) --version",
                        ])
                    ),
                    ("artifacts", mapping([("paths", list(["\(Self.gitlabOutput)/dist/"])), ("expire_in", "1 day")])),
                ])
            ),
            (
                "images",
                mapping([
                    ("stage", "images"),
                    ("rules", tagRules),
                    ("needs", list(["release-tool"])),
                    ("parallel", mapping([("matrix", platformMatrix)])),
                    ("tags", list(["$RUNNER_TAG"])),
                    ("timeout", "60 minutes"),
                    (
                        "script",
                        list(
                            ["apt-get update && apt-get install -y --no-install-recommends buildah \(Self.runtimePackages)"] + credentials + [
                                buildahLogin, dockerHubLogin,
                                "mkdir -p \(Self.gitlabOutput)/digests", publish,
                            ])
                    ),
                    ("artifacts", mapping([("paths", list(["\(Self.gitlabOutput)/digests/"])), ("expire_in", "1 day")])),
                ])
            ),
            (
                "merge",
                mapping([
                    ("stage", "release"),
                    ("rules", tagRules),
                    ("needs", list(["release-tool", "images"])),
                    ("tags", list([amd64Tag])),
                    ("timeout", "30 minutes"),
                    ("variables", mapping([("ARCH", "x86_64")])),
                    (
                        "script",
                        list(
                            ["apt-get update && apt-get install -y --no-install-recommends \(Self.runtimePackages)"] + credentials + [
                                "set -o pipefail",
                                "\(releaseTool) publish --merge \(Self.gitlabOutput)/digests/*.json --git-tag \"$CI_COMMIT_TAG\" --registry \"$CI_REGISTRY_IMAGE\"\(catalogueArgument) | tee \(Self.gitlabOutput)/published.txt",
                            ])
                    ),
                    ("artifacts", mapping([("paths", list(["\(Self.gitlabOutput)/published.txt"]))])),
                ])
            ),
        ])
        return try render(pipeline, regenerate: "swift run release-tool workflow --target gitlab")
    }
}
