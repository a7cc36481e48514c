/// "Did you mean …?" for misspelt configuration keys, by edit distance.
package enum KeySuggestion {
    /// A candidate the key abbreviates (`repo` → `repository`), else the closest one within
    /// an edit distance of roughly a third of the key's length.
    package static func nearest(to key: String, among candidates: [String]) -> String? {
        if key.count >= 3, let expansion = candidates.first(where: { $0.lowercased().hasPrefix(key.lowercased()) }) {
            return expansion
        }
        let limit = max(2, key.count / 3)
        return
            candidates
            .map { (candidate: $0, distance: editDistance(key.lowercased(), $0.lowercased())) }
            .filter { $0.distance <= limit }
            .min { $0.distance < $1.distance }?
            .candidate
    }

    /// Levenshtein distance.
    package static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
