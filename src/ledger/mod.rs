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

use crate::error::Error;
use entry::{Ledgered, NewEntry};

/// Appends the entry of a clinical write, inside that write's own transaction, and returns its
/// index: the one way into the ledger. Taking the transaction (not a pool) means the entry
/// commits exactly when the write does, and never without it (DESIGN.md, "The ledger").
pub async fn append(tx: &mut sqlx::Transaction<'_, sqlx::Any>, item: &dyn Ledgered) -> Result<i64, Error> {
    store::append(tx, &NewEntry::of(item)?).await
}
