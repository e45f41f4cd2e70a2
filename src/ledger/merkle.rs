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

/// A complete (perfect) subtree of the log: the `2^level` leaves from `index << level`. Stored
/// once built, these make every tree head and proof O(log n) reads, whatever the log's size:
/// RFC 9162 section 2.1 splits every tree at a power of two, so each subtree a proof names is
/// made of at most log2(n) complete ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Node {
    /// Height above the leaves (0 = a leaf).
    pub level: u32,
    /// Position among the subtrees of that level.
    pub index: u64,
}

impl Node {
    /// The first leaf it covers.
    pub fn start(self) -> u64 {
        self.index << self.level
    }
}

/// A run of leaves `[start, end)`, as a proof or tree head names it.
pub type Span = (u64, u64);

/// The complete subtrees `[start, end)` consists of, left to right. For the spans RFC 9162
/// proofs name (`start` a multiple of a power of two at least `end - start`) these are the
/// binary digits of the length, largest first, and [`fold`] of their hashes is the span's
/// Merkle Tree Hash.
pub fn parts(start: u64, end: u64) -> Vec<Node> {
    let mut out = Vec::new();
    let mut at = start;
    while at < end {
        let left = end - at;
        // The largest power of two that fits and that `at` is aligned to.
        let mut level = 63 - left.leading_zeros();
        if at != 0 {
            level = level.min(at.trailing_zeros());
        }
        out.push(Node { level, index: at >> level });
        at += 1 << level;
    }
    out
}

/// The Merkle Tree Hash of a span from the hashes of its [`parts`], in order: RFC 9162's
/// split puts the largest complete subtree on the left, so the parts fold from the right.
/// The empty span hashes to SHA-256 of "".
pub fn fold(part_hashes: &[Hash]) -> Hash {
    let mut iter = part_hashes.iter().rev();
    let Some(last) = iter.next() else { return Sha256::digest(b"").into() };
    iter.fold(*last, |acc, h| node_hash(h, &acc))
}

/// The spans whose hashes make up PATH(m, D_n) (RFC 9162 section 2.1.3.1), leaf to root.
/// `None` when `m >= n`.
pub fn inclusion_spans(m: u64, n: u64) -> Option<Vec<Span>> {
    if m >= n {
        return None;
    }
    let mut out = Vec::new();
    path_spans(0, n, m, &mut out);
    Some(out)
}

fn path_spans(start: u64, end: u64, m: u64, out: &mut Vec<Span>) {
    let n = end - start;
    if n <= 1 {
        return;
    }
    let k = split(n as usize) as u64;
    if m - start < k {
        path_spans(start, start + k, m, out);
        out.push((start + k, end));
    } else {
        path_spans(start + k, end, m, out);
        out.push((start, start + k));
    }
}

/// The spans whose hashes make up PROOF(m, D_n) (RFC 9162 section 2.1.4.1). `None` unless
/// `0 < m <= n`.
pub fn consistency_spans(m: u64, n: u64) -> Option<Vec<Span>> {
    if m == 0 || m > n {
        return None;
    }
    let mut out = Vec::new();
    subproof_spans(m, 0, n, true, &mut out);
    Some(out)
}

fn subproof_spans(m: u64, start: u64, end: u64, complete: bool, out: &mut Vec<Span>) {
    let n = end - start;
    if m == n {
        if !complete {
            out.push((start, end));
        }
        return;
    }
    let k = split(n as usize) as u64;
    if m <= k {
        subproof_spans(m, start, start + k, complete, out);
        out.push((start + k, end));
    } else {
        subproof_spans(m - k, start + k, end, false, out);
        out.push((start, start + k));
    }
}

/// Builds the complete subtrees of a growing log as leaves arrive: starts from the parts of
/// the leaves already built (their stored hashes) and hands back every subtree each new leaf
/// completes, so nodes are computed once, in order, whatever the log's size.
#[derive(Debug, Default, Clone)]
pub struct NodeBuilder {
    stack: Vec<(Node, Hash)>,
    size: u64,
}

impl NodeBuilder {
    /// A builder for a log of `size` leaves whose [`parts`]`(0, size)` have these hashes.
    pub fn resume(size: u64, part_hashes: &[Hash]) -> Option<Self> {
        let nodes = parts(0, size);
        if nodes.len() != part_hashes.len() {
            return None;
        }
        Some(Self { stack: nodes.into_iter().zip(part_hashes.iter().copied()).collect(), size })
    }

    /// Adds the next leaf; returns the subtrees above level 0 it completed, lowest first.
    pub fn push(&mut self, leaf: Hash) -> Vec<(Node, Hash)> {
        let mut done = Vec::new();
        self.stack.push((Node { level: 0, index: self.size }, leaf));
        self.size += 1;
        while self.stack.len() >= 2 {
            let (right, rh) = self.stack[self.stack.len() - 1];
            let (left, lh) = self.stack[self.stack.len() - 2];
            if left.level != right.level {
                break;
            }
            self.stack.truncate(self.stack.len() - 2);
            let parent = (Node { level: left.level + 1, index: left.index >> 1 }, node_hash(&lh, &rh));
            self.stack.push(parent);
            done.push(parent);
        }
        done
    }

    /// Leaves so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The tree hash of the leaves so far.
    pub fn root(&self) -> Hash {
        fold(&self.part_hashes())
    }

    /// The hashes of [`parts`]`(0, size)`: what [`NodeBuilder::resume`] takes back.
    pub fn part_hashes(&self) -> Vec<Hash> {
        self.stack.iter().map(|(_, h)| *h).collect()
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
        fn the_builder_emits_every_complete_subtree_once_and_resumes_anywhere(n in 1u64..300, cut in 0u64..300) {
            let leaves: Vec<Hash> = (0..n).map(|i| leaf_hash(&(i as u32).to_be_bytes())).collect();
            let cut = cut.min(n);
            let mut all = std::collections::BTreeMap::new();
            let mut b = NodeBuilder::default();
            for l in &leaves[..cut as usize] {
                for (node, h) in b.push(*l) { proptest::prop_assert!(all.insert(node, h).is_none()); }
            }
            // Resume from the stored parts, as a second copy (or a restart) would.
            let hash_of = |node: Node| if node.level == 0 { leaves[node.index as usize] } else { all[&node] };
            let part_hashes: Vec<Hash> = parts(0, cut).into_iter().map(hash_of).collect();
            let mut b = NodeBuilder::resume(cut, &part_hashes).unwrap_or_default();
            for l in &leaves[cut as usize..] {
                for (node, h) in b.push(*l) { proptest::prop_assert!(all.insert(node, h).is_none()); }
            }
            proptest::prop_assert_eq!(b.root(), root(&leaves));
            let mut level = leaves.clone();
            for l in 1..64u32 {
                level = level.chunks_exact(2).map(|p| node_hash(&p[0], &p[1])).collect();
                for (i, h) in level.iter().enumerate() {
                    proptest::prop_assert_eq!(Some(h), all.get(&Node { level: l, index: i as u64 }));
                }
            }
            // Every complete subtree above the leaves, and nothing else.
            let expected: usize = (1..64).map(|l| (n >> l) as usize).sum();
            proptest::prop_assert_eq!(all.len(), expected);
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

    proptest::proptest! {
        // Each case compares O(n) proofs against the O(n log n) reference: fewer, larger cases.
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        #[test]
        fn proofs_from_complete_subtrees_equal_proofs_from_all_leaves(n in 1u64..140, seed in 0u8..255) {
            let leaves: Vec<Hash> = (0..n).map(|i| leaf_hash(&[seed, i as u8, (i >> 8) as u8])).collect();
            // Every complete subtree, as the store would hold it: level by level.
            let mut levels = vec![leaves.clone()];
            while levels[levels.len() - 1].len() > 1 {
                let below = &levels[levels.len() - 1];
                let above: Vec<Hash> = below.chunks_exact(2).map(|p| node_hash(&p[0], &p[1])).collect();
                levels.push(above);
            }
            let hash_of = |node: Node| levels[node.level as usize][node.index as usize];
            let span_hash = |(a, b): Span| fold(&parts(a, b).into_iter().map(hash_of).collect::<Vec<_>>());
            proptest::prop_assert_eq!(span_hash((0, n)), root(&leaves));
            for m in 0..n {
                let spans = inclusion_spans(m, n).unwrap_or_default();
                let from_nodes: Vec<Hash> = spans.iter().map(|s| span_hash(*s)).collect();
                proptest::prop_assert_eq!(Some(from_nodes), inclusion_proof(&leaves, m as usize));
                // A proof names O(log n) complete subtrees in all.
                let reads: usize = spans.iter().map(|(a, b)| parts(*a, *b).len()).sum();
                proptest::prop_assert!(reads <= 2 * (64 - n.leading_zeros() as usize) + 1, "{} reads for n={}", reads, n);
            }
            for m in 1..=n {
                let spans = consistency_spans(m, n).unwrap_or_default();
                let from_nodes: Vec<Hash> = spans.iter().map(|s| span_hash(*s)).collect();
                proptest::prop_assert_eq!(Some(from_nodes), consistency_proof(&leaves, m as usize));
                proptest::prop_assert_eq!(span_hash((0, m)), root(&leaves[..m as usize]));
                let reads: usize = spans.iter().map(|(a, b)| parts(*a, *b).len()).sum::<usize>() + parts(0, m).len();
                proptest::prop_assert!(reads <= 3 * (64 - n.leading_zeros() as usize) + 2, "{} reads for m={}, n={}", reads, m, n);
            }
        }

    }
}
