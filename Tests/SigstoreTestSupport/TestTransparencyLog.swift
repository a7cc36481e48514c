import Crypto
import Foundation

/// This instance's Rekor v1 log: an entry placed in a small Merkle tree of other entries, its
/// RFC 9162 inclusion proof, the C2SP signed-note checkpoint over the tree head, and the signed
/// entry timestamp (inclusion promise).
extension TestSigstoreAuthority {
    /// The tree the entry is logged in: `treeSize` leaves, the entry at `entryIndex`, so the
    /// proof has hashes from both sides.
    static let treeSize = 7
    static let entryIndex = 5

    /// The origin line of the checkpoint, Rekor v1 style (`HOST - TREE_ID`); the note is signed
    /// under the host name.
    var checkpointOrigin: String { "rekor.\(name).test - 4242" }
    var checkpointSigner: String { "rekor.\(name).test" }

    /// The bundle's `tlogEntries[0]` for `body` (canonical JSON).
    func logEntry(body: Data, kindVersion: [String: String], integratedTime: Date, tamperProof: Bool) throws -> [String: Any] {
        let integrated = Int64(integratedTime.timeIntervalSince1970)
        var leaves = (0..<Self.treeSize).map { Self.leafHash(Array("\(name) other entry \($0)".utf8)) }
        leaves[Self.entryIndex] = Self.leafHash(Array(body))
        let root = Self.treeHash(leaves[...])
        var proof = Self.inclusionPath(Self.entryIndex, leaves[...])
        if tamperProof { proof[0][0] ^= 0x01 }

        let note = "\(checkpointOrigin)\n\(Self.treeSize)\n\(Self.base64(root))\n"
        let noteSignature = try rekorKey.signature(for: Data(note.utf8)).derRepresentation
        let checkpoint = note + "\n\u{2014} \(checkpointSigner) \(Self.base64(Array(rekorLogID.prefix(4)) + Array(noteSignature)))\n"

        // The promise: the log's signature over the canonical JSON of body, time, log ID and index.
        let promisePayload =
            #"{"body":"\#(Self.base64(body))","integratedTime":\#(integrated),"logID":"\#(Self.hex(rekorLogID))","logIndex":\#(Self.entryIndex)}"#
        let promise = try rekorKey.signature(for: Data(promisePayload.utf8)).derRepresentation
        return [
            "logIndex": "\(Self.entryIndex)",
            "logId": ["keyId": Self.base64(rekorLogID)],
            "kindVersion": kindVersion,
            "integratedTime": "\(integrated)",
            "inclusionPromise": ["signedEntryTimestamp": Self.base64(promise)],
            "inclusionProof": [
                "logIndex": "\(Self.entryIndex)", "rootHash": Self.base64(root), "treeSize": "\(Self.treeSize)",
                "hashes": proof.map { Self.base64($0) }, "checkpoint": ["envelope": checkpoint],
            ] as [String: Any],
            "canonicalizedBody": Self.base64(body),
        ]
    }

    static func leafHash(_ leaf: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: [0] + leaf)) }

    static func nodeHash(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: [1] + left + right)) }

    /// The largest power of two below `n` (RFC 9162 §2.1.1's k).
    static func split(_ n: Int) -> Int {
        var k = 1
        while k << 1 < n { k <<= 1 }
        return k
    }

    /// MTH over leaf hashes (RFC 9162 §2.1.1).
    static func treeHash(_ leaves: ArraySlice<[UInt8]>) -> [UInt8] {
        guard leaves.count > 1 else { return leaves.first ?? Array(SHA256.hash(data: Data())) }
        let k = split(leaves.count)
        let middle = leaves.startIndex + k
        return nodeHash(treeHash(leaves[..<middle]), treeHash(leaves[middle...]))
    }

    /// PATH(m, D[n]) (RFC 9162 §2.1.3.1): the audit path of leaf `m`, bottom up.
    static func inclusionPath(_ m: Int, _ leaves: ArraySlice<[UInt8]>) -> [[UInt8]] {
        guard leaves.count > 1 else { return [] }
        let k = split(leaves.count)
        let middle = leaves.startIndex + k
        if m < k { return inclusionPath(m, leaves[..<middle]) + [treeHash(leaves[middle...])] }
        return inclusionPath(m - k, leaves[middle...]) + [treeHash(leaves[..<middle])]
    }
}
