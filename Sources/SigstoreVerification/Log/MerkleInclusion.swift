import Crypto

/// RFC 9162 §2.1.3.2: recomputing a Merkle tree head from a leaf and its inclusion proof
/// (RFC 6962 hashing: 0x00 before leaves, 0x01 before interior nodes).
enum MerkleInclusion {
    static func leafHash(_ leaf: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: [0] + leaf)) }

    static func nodeHash(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: [1] + left + right)) }

    /// The root hash the proof leads to, or a reason it cannot lead anywhere.
    static func rootHash(leafIndex: Int64, treeSize: Int64, leafHash: [UInt8], proof: [[UInt8]]) throws(BundleVerificationError) -> [UInt8] {
        guard leafIndex >= 0, treeSize > 0, leafIndex < treeSize else {
            throw .inclusionProof("leaf index \(leafIndex) is outside a tree of size \(treeSize)")
        }
        guard proof.allSatisfy({ $0.count == 32 }) else { throw .inclusionProof("a proof hash is not 32 bytes") }
        var fn = UInt64(leafIndex)
        var sn = UInt64(treeSize - 1)
        var r = leafHash
        for p in proof {
            guard sn != 0 else { throw .inclusionProof("the proof has more hashes than the tree has levels") }
            if fn & 1 == 1 || fn == sn {
                r = nodeHash(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else { throw .inclusionProof("the proof has fewer hashes than the tree needs (\(proof.count))") }
        return r
    }
}
