//! The integrity ledger: an append-only log of every clinical write, hashed into an RFC 9162
//! Merkle tree and sealed into signed blocks, with proofs anyone can check.

pub mod api;
pub mod entry;
pub mod merkle;
pub mod pages;
pub mod service;
pub mod store;
pub mod tree;
pub mod verify;
