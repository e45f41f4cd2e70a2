//! Key files shared by every copy of careledger through the data directory.
//!
//! Copies on one host (or on shared storage) that point at the same `--data-dir` read the same
//! files, so a token issued by one copy is accepted by every other (DESIGN.md, Architecture).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use rand::Rng;

use crate::config::Secret;

/// Length of generated secrets: 256 bits, the HMAC-SHA-256 block-strength recommendation
/// of RFC 7518 section 3.2 for HS256.
const SECRET_LEN: usize = 32;

/// Loads the secret in `<data-dir>/keys/<name>`, creating it on first start.
///
/// Creation is race-free between copies starting at once: the secret is written to a private
/// temporary file and published with `hard_link`, which fails if another copy won, in which case
/// that copy's secret is read instead.
pub fn load_or_create_secret(data_dir: &Path, name: &str) -> anyhow::Result<Secret<Vec<u8>>> {
    let dir = data_dir.join("keys");
    crate::datadir::create_private_dir(&dir)?;
    let path = dir.join(name);
    if let Some(secret) = read_secret(&path)? {
        return Ok(secret);
    }
    let mut bytes = [0u8; SECRET_LEN];
    rand::rng().fill_bytes(&mut bytes);
    let tmp: PathBuf = dir.join(format!(".{name}.{}", uuid::Uuid::now_v7()));
    {
        let mut file = private_file(&tmp)?;
        file.write_all(hex::encode(bytes).as_bytes())?;
        file.sync_all()?;
    }
    let linked = std::fs::hard_link(&tmp, &path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e).with_context(|| format!("cannot write {}", path.display())),
    }
    read_secret(&path)?.with_context(|| format!("{} is empty", path.display()))
}

/// Loads an existing secret without creating one (for tools that must not invent keys).
pub fn load_existing_secret(data_dir: &Path, name: &str) -> anyhow::Result<Option<Secret<Vec<u8>>>> {
    read_secret(&data_dir.join("keys").join(name))
}

fn read_secret(path: &Path) -> anyhow::Result<Option<Secret<Vec<u8>>>> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let bytes = hex::decode(text.trim()).with_context(|| format!("{} is not a hex-encoded key", path.display()))?;
            anyhow::ensure!(bytes.len() >= SECRET_LEN, "{} is shorter than 256 bits", path.display());
            Ok(Some(Secret::new(bytes)))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

#[cfg(unix)]
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)
}

#[cfg(not(unix))]
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new().write(true).create_new(true).open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_is_created_once_and_reused() {
        let dir = std::env::temp_dir().join(format!("cl-keys-{}", uuid::Uuid::now_v7()));
        let a = load_or_create_secret(&dir, "k").map(|s| s.expose().clone()).unwrap_or_default();
        let b = load_or_create_secret(&dir, "k").map(|s| s.expose().clone()).unwrap_or_default();
        assert_eq!(a.len(), SECRET_LEN);
        assert_eq!(a, b);
        let _ = std::fs::remove_dir_all(dir);
    }
}
