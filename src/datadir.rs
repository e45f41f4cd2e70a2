//! The data directory holds the database, attached files and key files: it is private to the
//! user careledger runs as (folders 0700, files 0600, whatever the umask it was started with),
//! and careledger refuses to start on one that other users can read.

use std::path::Path;

use anyhow::Context;

/// Makes every file and folder this process creates private to its user (umask 077): SQLite's
/// database, WAL and shared-memory files, attached files and their folders, key files. Set once
/// at start, before anything is created; the umask is per process, so this is the one place
/// that owns it.
pub fn private_umask() {
    #[cfg(unix)]
    {
        use nix::sys::stat::{Mode, umask};
        umask(Mode::from_bits_truncate(0o077));
    }
}

/// Creates a private folder (and its missing parents) or, when it exists, checks it is private.
pub fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).with_context(|| format!("cannot create {}", dir.display()))
}

/// Creates the data directory (0700) when missing; when it exists, refuses it, or any key file
/// in it, if users other than its owner can read or enter it, naming the path and the fix.
pub fn prepare(dir: &Path) -> anyhow::Result<()> {
    if !dir.exists() {
        return create_private_dir(dir);
    }
    refuse_if_shared(dir, "the data directory", "chmod -R go-rwx")?;
    let keys = dir.join("keys");
    if keys.exists() {
        refuse_if_shared(&keys, "the key folder", "chmod -R go-rwx")?;
        for entry in std::fs::read_dir(&keys).with_context(|| format!("cannot read {}", keys.display()))? {
            let path = entry?.path();
            if path.is_file() {
                refuse_if_shared(&path, "the key file", "chmod 600")?;
            }
        }
    }
    Ok(())
}

#[cfg(unix)]
fn refuse_if_shared(path: &Path, what: &str, fix: &str) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        anyhow::bail!(
            "{what} {} can be read by other users (mode {mode:o}), and it holds patient data or keys. \
             Make it private to the user careledger runs as: `{fix} {}`, then start again.",
            path.display(),
            path.display()
        );
    }
    Ok(())
}

#[cfg(not(unix))]
fn refuse_if_shared(_path: &Path, _what: &str, _fix: &str) -> anyhow::Result<()> {
    Ok(())
}
