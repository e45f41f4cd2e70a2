//! The Merkle tree of RFC 9162 (Certificate Transparency v2) section 2.1: leaf and node
//! hashes, the tree head, inclusion proofs and consistency proofs, and their verification.

use sha2::{Digest, Sha256};

/// A SHA-256 hash.
pub type Hash = [u8; 32];

/// `MTH({d(0)}) = SHA-256(0x00 || d(0))` (RFC 9162 section 2.1.1).
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(entry);
    h.finalize().into()
}

/// `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The largest power of two smaller than `n` (n > 1): where RFC 9162 splits a tree.
fn split(n: usize) -> usize {
    let mut k = 1;
    while k << 1 < n {
        k <<= 1;
    }
    k
}

/// The Merkle Tree Hash of a list of leaf hashes (the empty tree hashes to SHA-256 of "").
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => Sha256::digest(b"").into(),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// The right edge of a growing tree: the roots of its perfect subtrees, largest first. Adding
/// a leaf is O(log n), and the tree hash of every prefix can be read off as leaves arrive
/// (used to check every block's root in one pass).
#[derive(Debug, Default, Clone)]
pub struct Frontier {
    /// (subtree size, subtree root), sizes strictly decreasing powers of two.
    stack: Vec<(u64, Hash)>,
    size: u64,
}

impl Frontier {
    /// Adds the next leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        self.stack.push((1, leaf));
        self.size += 1;
        while self.stack.len() >= 2 {
            let (rs, rh) = self.stack[self.stack.len() - 1];
            let (ls, lh) = self.stack[self.stack.len() - 2];
            if ls != rs {
                break;
            }
            self.stack.truncate(self.stack.len() - 2);
            self.stack.push((ls + rs, node_hash(&lh, &rh)));
        }
    }

    /// Leaves so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The Merkle tree hash of the leaves so far: the subtrees folded from the right, which is
    /// how RFC 9162's split at the largest power of two decomposes a tree.
    pub fn root(&self) -> Hash {
        let mut iter = self.stack.iter().rev();
        let Some((_, last)) = iter.next() else { return Sha256::digest(b"").into() };
        iter.fold(*last, |acc, (_, h)| node_hash(h, &acc))
    }
}

/// The audit path of leaf `m` in the tree of `leaves` (RFC 9162 section 2.1.3.1, PATH(m, D_n)).
/// `None` when `m` is out of range.
pub fn inclusion_proof(leaves: &[Hash], m: usize) -> Option<Vec<Hash>> {
    if m >= leaves.len() {
        return None;
    }
    let mut path = Vec::new();
    path_into(leaves, m, &mut path);
    Some(path)
}

fn path_into(leaves: &[Hash], m: usize, out: &mut Vec<Hash>) {
    let n = leaves.len();
    if n <= 1 {
        return;
    }
    let k = split(n);
    if m < k {
        path_into(&leaves[..k], m, out);
        out.push(root(&leaves[k..]));
    } else {
        path_into(&leaves[k..], m - k, out);
        out.push(root(&leaves[..k]));
    }
}

/// The consistency proof between the first `m` leaves and all `leaves` (RFC 9162 section
/// 2.1.4.1, PROOF(m, D_n)). `None` unless `0 < m <= n`.
pub fn consistency_proof(leaves: &[Hash], m: usize) -> Option<Vec<Hash>> {
    if m == 0 || m > leaves.len() {
        return None;
    }
    let mut proof = Vec::new();
    subproof(m, leaves, true, &mut proof);
    Some(proof)
}

fn subproof(m: usize, leaves: &[Hash], complete: bool, out: &mut Vec<Hash>) {
    let n = leaves.len();
    if m == n {
        if !complete {
            out.push(root(leaves));
        }
        return;
    }
    let k = split(n);
    if m <= k {
        subproof(m, &leaves[..k], complete, out);
        out.push(root(&leaves[k..]));
    } else {
        subproof(m - k, &leaves[k..], false, out);
        out.push(root(&leaves[..k]));
    }
}

/// Verifies an inclusion proof (RFC 9162 section 2.1.3.2).
pub fn verify_inclusion(leaf: &Hash, index: u64, tree_size: u64, path: &[Hash], root: &Hash) -> bool {
    if index >= tree_size {
        return false;
    }
    let (mut fnode, mut snode) = (index, tree_size - 1);
    let mut r = *leaf;
    for p in path {
        if snode == 0 {
            return false;
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    snode == 0 && &r == root
}

/// Verifies a consistency proof between two tree heads (RFC 9162 section 2.1.4.2).
pub fn verify_consistency(first: u64, second: u64, first_root: &Hash, second_root: &Hash, proof: &[Hash]) -> bool {
    if first == 0 || first > second {
        return false;
    }
    if first == second {
        return proof.is_empty() && first_root == second_root;
    }
    let mut path: Vec<Hash> = proof.to_vec();
    if first.is_power_of_two() {
        path.insert(0, *first_root);
    }
    let Some((start, rest)) = path.split_first() else { return false };
    let (mut fnode, mut snode) = (first - 1, second - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let (mut fr, mut sr) = (*start, *start);
    for c in rest {
        if snode == 0 {
            return false;
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    &fr == first_root && &sr == second_root && snode == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The inputs of the Certificate Transparency reference test vectors (RFC 6962 test data,
    /// unchanged in RFC 9162).
    fn ct_leaves() -> Vec<Hash> {
        let inputs: [&[u8]; 8] = [
            b"",
            b"\x00",
            b"\x10",
            b"\x20\x21",
            b"\x30\x31",
            b"\x40\x41\x42\x43",
            b"\x50\x51\x52\x53\x54\x55\x56\x57",
            b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
        ];
        inputs.iter().map(|d| leaf_hash(d)).collect()
    }

    #[test]
    fn certificate_transparency_root_vectors() {
        let expected = [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ];
        let leaves = ct_leaves();
        for (n, want) in expected.iter().enumerate() {
            assert_eq!(hex::encode(root(&leaves[..=n])), *want, "tree of {} leaves", n + 1);
        }
        assert_eq!(hex::encode(root(&[])), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    #[test]
    fn certificate_transparency_proof_vectors() {
        let leaves = ct_leaves();
        // Inclusion of leaf 0 in the tree of 8 (CT test data, "inclusion_proofs" case 3).
        let path: Vec<String> = inclusion_proof(&leaves, 0).unwrap_or_default().iter().map(hex::encode).collect();
        assert_eq!(
            path,
            [
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ]
        );
        // Consistency between sizes 1 and 8 (CT test data, "consistency_proofs" case 1).
        let proof: Vec<String> = consistency_proof(&leaves, 1).unwrap_or_default().iter().map(hex::encode).collect();
        assert_eq!(proof, path, "PROOF(1, D8) is the audit path of leaf 0");
    }

    proptest::proptest! {
        #[test]
        fn frontier_roots_equal_tree_roots(n in 0usize..300) {
            let leaves: Vec<Hash> = (0..n).map(|i| leaf_hash(&(i as u32).to_be_bytes())).collect();
            let mut f = Frontier::default();
            proptest::prop_assert_eq!(f.root(), root(&[]));
            for (i, l) in leaves.iter().enumerate() {
                f.push(*l);
                proptest::prop_assert_eq!(f.root(), root(&leaves[..=i]));
            }
        }

        #[test]
        fn every_inclusion_proof_verifies_and_tampering_fails(n in 1usize..70, seed in 0u8..255) {
            let leaves: Vec<Hash> = (0..n).map(|i| leaf_hash(&[seed, i as u8, (i >> 8) as u8])).collect();
            let r = root(&leaves);
            for m in 0..n {
                let path = inclusion_proof(&leaves, m).unwrap_or_default();
                proptest::prop_assert!(verify_inclusion(&leaves[m], m as u64, n as u64, &path, &r));
                let other = leaf_hash(b"not in the tree");
                proptest::prop_assert!(!verify_inclusion(&other, m as u64, n as u64, &path, &r));
                if n > 1 {
                    proptest::prop_assert!(!verify_inclusion(&leaves[m], ((m + 1) % n) as u64, n as u64, &path, &r));
                }
            }
        }

        #[test]
        fn every_consistency_proof_verifies_and_a_changed_history_fails(n in 1usize..70, seed in 0u8..255) {
            let leaves: Vec<Hash> = (0..n).map(|i| leaf_hash(&[seed, i as u8, 7])).collect();
            let second = root(&leaves);
            for m in 1..=n {
                let proof = consistency_proof(&leaves, m).unwrap_or_default();
                let first = root(&leaves[..m]);
                proptest::prop_assert!(verify_consistency(m as u64, n as u64, &first, &second, &proof));
                let mut forged = leaves[..m].to_vec();
                forged[m - 1] = leaf_hash(b"rewritten");
                proptest::prop_assert!(!verify_consistency(m as u64, n as u64, &root(&forged), &second, &proof));
            }
        }
    }
}
