import Foundation

/// Who must have signed: the OIDC issuer and the certificate's SAN, exactly or by pattern,
/// optionally narrowed by the GitHub workflow claims Fulcio records.
package struct IdentityPolicy: Sendable, Equatable, Codable {
    package enum Subject: Sendable, Equatable, Codable {
        case exact(String)
        /// A regular expression the whole SAN must match (anchored at both ends).
        case pattern(String)
    }

    package var issuer: String
    package var subject: Subject
    /// `owner/name` or `https://github.com/owner/name` (Fulcio's source repository URI).
    package var repository: String?
    /// A git ref, `*` matching any run of characters (`refs/tags/v*`).
    package var ref: String?
    /// The workflow that signed (Fulcio's build signer URI), `*` as in `ref`.
    package var workflow: String?
    /// The event that triggered the workflow (`push`, `release`, …).
    package var trigger: String?

    package init(issuer: String, subject: Subject, repository: String? = nil, ref: String? = nil, workflow: String? = nil, trigger: String? = nil) {
        self.issuer = issuer
        self.subject = subject
        self.repository = repository
        self.ref = ref
        self.workflow = workflow
        self.trigger = trigger
    }

    package var summary: String {
        var parts: [String]
        switch subject {
        case let .exact(value): parts = ["subject \(value)"]
        case let .pattern(value): parts = ["subject matching \(value)"]
        }
        parts.append("issuer \(issuer)")
        if let repository { parts.append("repository \(repository)") }
        if let ref { parts.append("ref \(ref)") }
        if let workflow { parts.append("workflow \(workflow)") }
        if let trigger { parts.append("trigger \(trigger)") }
        return parts.joined(separator: ", ")
    }

    /// Throws `.identity` naming the first claim that differs.
    package func check(_ identity: FulcioIdentity) throws(BundleVerificationError) {
        guard identity.issuer == issuer else {
            throw .identity("the certificate's OIDC issuer is \(identity.issuer.map { "'\($0)'" } ?? "absent"), expected '\(issuer)'")
        }
        switch subject {
        case let .exact(expected):
            guard identity.subject == expected else {
                throw .identity("the certificate's subject (SAN) is '\(identity.subject)', expected '\(expected)'")
            }
        case let .pattern(pattern):
            guard let regex = try? NSRegularExpression(pattern: "^(?:\(pattern))$") else {
                throw .identity("the subject pattern '\(pattern)' is not a valid regular expression")
            }
            let range = NSRange(identity.subject.startIndex..., in: identity.subject)
            guard regex.firstMatch(in: identity.subject, range: range) != nil else {
                throw .identity("the certificate's subject (SAN) '\(identity.subject)' does not match '\(pattern)'")
            }
        }
        if let repository {
            let expected = repository.contains("://") ? repository : "https://github.com/\(repository)"
            guard identity.sourceRepositoryURI == expected else {
                throw .identity("the certificate's source repository is \(identity.sourceRepositoryURI.map { "'\($0)'" } ?? "absent"), expected '\(expected)'")
            }
        }
        if let ref {
            guard let actual = identity.sourceRepositoryRef, Glob.matches(ref, actual) else {
                throw .identity("the certificate's source ref is \(identity.sourceRepositoryRef.map { "'\($0)'" } ?? "absent"), expected '\(ref)'")
            }
        }
        if let workflow {
            guard let actual = identity.buildSignerURI, Glob.matches(workflow, actual) else {
                throw .identity("the certificate's workflow is \(identity.buildSignerURI.map { "'\($0)'" } ?? "absent"), expected '\(workflow)'")
            }
        }
        if let trigger {
            guard identity.buildTrigger == trigger else {
                throw .identity("the certificate's workflow trigger is \(identity.buildTrigger.map { "'\($0)'" } ?? "absent"), expected '\(trigger)'")
            }
        }
    }
}

/// `*` matches any run of characters; everything else matches itself.
package enum Glob {
    package static func matches(_ pattern: String, _ text: String) -> Bool {
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        guard parts.count > 1 else { return pattern == text }
        guard text.hasPrefix(parts[0]) else { return false }
        var rest = Substring(text.dropFirst(parts[0].count))
        for part in parts.dropFirst().dropLast() {
            guard let range = rest.range(of: part) else { return false }
            rest = rest[range.upperBound...]
        }
        return rest.hasSuffix(parts[parts.count - 1])
    }
}
