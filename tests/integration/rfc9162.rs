//! An independent verifier written from RFC 9162 section 2.1 alone (it shares no code with
//! careledger), so the server's proofs are checked the way an outside auditor would.

use sha2::{Digest, Sha256};

pub type H = [u8; 32];

pub fn leaf(data: &[u8]) -> H {
    Sha256::new().chain_update([0x00]).chain_update(data).finalize().into()
}

fn node(l: &H, r: &H) -> H {
    Sha256::new().chain_update([0x01]).chain_update(l).chain_update(r).finalize().into()
}

pub fn unhex(s: &str) -> H {
    let v = hex::decode(s).expect("hex");
    v.try_into().expect("32 bytes")
}

/// Section 2.1.3.2: verifying an inclusion proof.
pub fn inclusion_ok(leaf_index: u64, tree_size: u64, leaf_hash: &H, path: &[H], root: &H) -> bool {
    if leaf_index >= tree_size {
        return false;
    }
    let mut fn_ = leaf_index;
    let mut sn = tree_size - 1;
    let mut r = *leaf_hash;
    for p in path {
        if sn == 0 {
            return false;
        }
        if fn_ % 2 == 1 || fn_ == sn {
            r = node(p, &r);
            if fn_ % 2 == 0 {
                while !(fn_ % 2 == 1 || fn_ == 0) {
                    fn_ /= 2;
                    sn /= 2;
                }
            }
        } else {
            r = node(&r, p);
        }
        fn_ /= 2;
        sn /= 2;
    }
    sn == 0 && &r == root
}

/// Section 2.1.4.2: verifying a consistency proof.
pub fn consistency_ok(first: u64, second: u64, first_hash: &H, second_hash: &H, proof: &[H]) -> bool {
    if first == second {
        return proof.is_empty() && first_hash == second_hash;
    }
    if first == 0 || first > second || proof.is_empty() {
        return false;
    }
    let mut consistency_path = proof.to_vec();
    if first.is_power_of_two() {
        consistency_path.insert(0, *first_hash);
    }
    let mut fn_ = first - 1;
    let mut sn = second - 1;
    while fn_ % 2 == 1 {
        fn_ /= 2;
        sn /= 2;
    }
    let mut fr = consistency_path[0];
    let mut sr = consistency_path[0];
    for c in &consistency_path[1..] {
        if sn == 0 {
            return false;
        }
        if fn_ % 2 == 1 || fn_ == sn {
            fr = node(c, &fr);
            sr = node(c, &sr);
            if fn_ % 2 == 0 {
                while !(fn_ % 2 == 1 || fn_ == 0) {
                    fn_ /= 2;
                    sn /= 2;
                }
            }
        } else {
            sr = node(&sr, c);
        }
        fn_ /= 2;
        sn /= 2;
    }
    &fr == first_hash && &sr == second_hash && sn == 0
}

/// Section 2.1.1: the Merkle Tree Hash of a list of leaf hashes.
pub fn mth(leaves: &[H]) -> H {
    match leaves.len() {
        0 => Sha256::digest(b"").into(),
        1 => leaves[0],
        n => {
            let mut k = 1;
            while k * 2 < n {
                k *= 2;
            }
            node(&mth(&leaves[..k]), &mth(&leaves[k..]))
        }
    }
}
