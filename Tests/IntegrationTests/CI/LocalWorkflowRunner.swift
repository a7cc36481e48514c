import Foundation

/// Runs a generated workflow's jobs on this machine the way a runner would: each `run:`
/// step in order with `bash -e`, the `GITHUB_*` variables, `env:` at workflow, job and
/// step level, `if:` conditions, and the `GITHUB_ENV`/`GITHUB_PATH`/`GITHUB_OUTPUT`/
/// `GITHUB_STEP_SUMMARY` files. `uses:` steps go to `substitute` (their local
/// equivalents); run steps named by `skip` are not run. Every decision is recorded in
/// `log`, so a test can say exactly what ran.
final class LocalWorkflowRunner {
    struct StepFailure: Error, CustomStringConvertible {
        let job: String
        let step: String
        let detail: String
        var description: String { "\(job) / \(step): \(detail)" }
    }

    /// What a substitute sees of a `uses:` step.
    struct ActionStep {
        let job: String
        let name: String
        let action: String
        let rawWith: [String: String]
        let workspace: URL
        /// The action's GITHUB_OUTPUT: `key=value` lines written here become `steps.ID.outputs`.
        let output: URL
        let evaluate: (String) throws -> String
        func with(_ key: String) throws -> String? { try rawWith[key].map(evaluate) }
        func setOutput(_ key: String, _ value: String) throws {
            let handle = try FileHandle(forWritingTo: output)
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: Data("\(key)=\(value)\n".utf8))
        }
    }

    enum Entry: Equatable, CustomStringConvertible {
        case ran(job: String, step: String)
        case substituted(job: String, step: String, how: String)
        case skipped(job: String, step: String, why: String)
        var description: String {
            switch self {
            case let .ran(job, step): return "ran          \(job) / \(step)"
            case let .substituted(job, step, how): return "substituted  \(job) / \(step): \(how)"
            case let .skipped(job, step, why): return "skipped      \(job) / \(step): \(why)"
            }
        }
    }

    let workflow: [String: Any]
    let directory: URL
    var github: [String: String]
    var inputs: [String: String] = [:]
    var secrets: [String: String] = [:]
    var baseEnvironment: [String: String] = [:]
    /// Returns how the step was replaced, or nil when it has no local equivalent (the step fails).
    var substitute: (ActionStep) async throws -> String? = { _ in nil }
    /// A reason to skip a run step (`job`, `step name`, workspace, matrix), or nil to run it;
    /// it may put in place what the skipped step would have made.
    var skip: (String, String, URL, [String: String], URL) async throws -> String? = { _, _, _, _, _ in nil }
    private(set) var log: [Entry] = []
    private(set) var jobOutputs: [String: [String: String]] = [:]
    private(set) var summaries: [String: String] = [:]

    init(workflow: [String: Any], directory: URL, github: [String: String]) {
        self.workflow = workflow
        self.directory = directory
        self.github = github
    }

    private static func strings(_ value: Any?) -> [(String, String)] {
        guard let mapping = value as? [String: Any] else { return [] }
        return mapping.map { ($0.key, "\($0.value is Bool ? (($0.value as? Bool) == true ? "true" : "false") : "\($0.value)")") }
            .sorted { $0.0 < $1.0 }
    }

    /// Runs one job (one matrix entry) in `workspace`, returning its outputs.
    @discardableResult
    func run(job name: String, matrix: [String: String] = [:], workspace: URL) async throws -> [String: String] {
        let jobs = workflow["jobs"] as? [String: Any] ?? [:]
        guard let job = jobs[name] as? [String: Any] else { throw StepFailure(job: name, step: "-", detail: "no such job") }
        let label = matrix.isEmpty ? name : "\(name) (\(matrix.sorted { $0.key < $1.key }.map(\.value).joined(separator: ", ")))"
        let jobDirectory = directory.appendingPathComponent("job-\(log.count)")
        let temp = jobDirectory.appendingPathComponent("runner-temp")
        try FileManager.default.createDirectory(at: temp, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)

        var env: [String: String] = [:]
        var extraPath: [String] = []
        var stepOutputs: [String: [String: String]] = [:]
        var context = github
        context["workspace"] = workspace.path
        context["job"] = name

        func lookup(_ path: String) -> String? {
            let parts = path.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { return nil }
            switch parts[0] {
            case "github": return context[parts[1]]
            case "inputs": return inputs[parts[1]]
            case "secrets": return secrets[parts[1]]
            case "matrix": return matrix[parts[1]]
            case "env": return env[parts[1]]
            case "runner": return ["temp": temp.path, "os": "Linux", "arch": "X64"][parts[1]]
            case "steps", "needs":
                let rest = parts[1].split(separator: ".", maxSplits: 2).map(String.init)
                guard rest.count == 3, rest[1] == "outputs" else { return nil }
                return parts[0] == "steps" ? stepOutputs[rest[0]]?[rest[2]] : jobOutputs[rest[0]]?[rest[2]]
            default: return nil
            }
        }
        let expression = WorkflowExpression(lookup: lookup)
        for (key, value) in Self.strings(workflow["env"]) { env[key] = try expression.interpolate(value) }
        for (key, value) in Self.strings(job["env"]) { env[key] = try expression.interpolate(value) }

        let steps = job["steps"] as? [[String: Any]] ?? []
        for (index, step) in steps.enumerated() {
            let stepName = try expression.interpolate(step["name"] as? String ?? "step \(index + 1)")
            if let condition = step["if"] {
                let text = "\(condition)".trimmingCharacters(in: .whitespaces)
                let source = text.hasPrefix("${{") ? String(text.dropFirst(3).dropLast(2)) : text
                guard try expression.evaluate(source).truthy else {
                    log.append(.skipped(job: label, step: stepName, why: "if: \(text) is false"))
                    continue
                }
            }
            if let uses = step["uses"] as? String {
                let action = String(uses.split(separator: "@", maxSplits: 1)[0])
                let output = jobDirectory.appendingPathComponent("\(index)-action-output")
                _ = FileManager.default.createFile(atPath: output.path, contents: nil)
                let actionStep = ActionStep(
                    job: label, name: stepName, action: action, rawWith: Dictionary(uniqueKeysWithValues: Self.strings(step["with"])),
                    workspace: workspace, output: output, evaluate: { try expression.interpolate($0) })
                guard let how = try await substitute(actionStep) else {
                    throw StepFailure(job: label, step: stepName, detail: "no local equivalent for \(action)")
                }
                log.append(.substituted(job: label, step: stepName, how: how))
                if let id = step["id"] as? String {
                    let written = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
                    stepOutputs[id, default: [:]].merge(Self.keyValues(written)) { _, new in new }
                }
                continue
            }
            guard let script = step["run"] as? String else { continue }
            if let why = try await skip(name, stepName, workspace, matrix, temp) {
                log.append(.skipped(job: label, step: stepName, why: why))
                continue
            }
            var stepEnv = env
            for (key, value) in Self.strings(step["env"]) { stepEnv[key] = try expression.interpolate(value) }
            let files = ["GITHUB_ENV", "GITHUB_PATH", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"].map { key in
                (key, jobDirectory.appendingPathComponent("\(index)-\(key.lowercased())"))
            }
            for (key, url) in files {
                _ = FileManager.default.createFile(atPath: url.path, contents: nil)
                stepEnv[key] = url.path
            }
            let scriptURL = jobDirectory.appendingPathComponent("\(index).sh")
            try Data(script.utf8).write(to: scriptURL)
            var environment = baseEnvironment.merging(stepEnv) { _, new in new }
            for (key, value) in github { environment["GITHUB_\(key.uppercased())"] = value }
            environment["GITHUB_WORKSPACE"] = workspace.path
            environment["GITHUB_JOB"] = name
            environment["GITHUB_ACTIONS"] = "true"
            environment["CI"] = "true"
            environment["RUNNER_TEMP"] = temp.path
            environment["RUNNER_OS"] = "Linux"
            environment["RUNNER_ARCH"] = "X64"
            let path = (extraPath.reversed() + [baseEnvironment["PATH"] ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"])
            environment["PATH"] = path.joined(separator: ":")
            let result = try await ToolRunner.run(
                "/bin/bash", ["-e", scriptURL.path], environment: environment, currentDirectory: workspace, check: false, timeout: 1800)
            try Data((result.stdout + "\n--- stderr\n" + result.stderr).utf8).write(to: jobDirectory.appendingPathComponent("\(index).log"))
            guard result.succeeded else {
                throw StepFailure(
                    job: label, step: stepName,
                    detail: "exit \(result.status)\nstdout:\n\(result.stdout.suffix(3000))\nstderr:\n\(result.stderr.suffix(3000))")
            }
            log.append(.ran(job: label, step: stepName))
            let read = { (key: String) in (try? String(contentsOf: files.first { $0.0 == key }!.1, encoding: .utf8)) ?? "" }
            for (key, value) in Self.keyValues(read("GITHUB_ENV")) { env[key] = value }
            extraPath += read("GITHUB_PATH").split(separator: "\n").map(String.init).filter { !$0.isEmpty }
            if let id = step["id"] as? String {
                stepOutputs[id, default: [:]].merge(Self.keyValues(read("GITHUB_OUTPUT"))) { _, new in new }
            }
            summaries[label, default: ""] += read("GITHUB_STEP_SUMMARY")
        }
        var outputs: [String: String] = [:]
        for (key, value) in Self.strings(job["outputs"]) { outputs[key] = try expression.interpolate(value) }
        jobOutputs[name] = outputs
        return outputs
    }

    /// `KEY=VALUE` lines and `KEY<<DELIMITER` blocks, as the runner reads these files.
    static func keyValues(_ text: String) -> [(String, String)] {
        var pairs: [(String, String)] = []
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)[...]
        while let line = lines.popFirst() {
            if let range = line.range(of: "<<"), !line[..<range.lowerBound].contains("=") {
                let key = String(line[..<range.lowerBound]), delimiter = String(line[range.upperBound...])
                var value: [String] = []
                while let next = lines.popFirst(), next != delimiter { value.append(next) }
                pairs.append((key, value.joined(separator: "\n")))
            } else if let equals = line.firstIndex(of: "=") {
                pairs.append((String(line[..<equals]), String(line[line.index(after: equals)...])))
            }
        }
        return pairs
    }
}
