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

/// Creates a private folder (0700) and its missing parents; one that exists is left as it is.
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

/// Creates the data directory (0700) when missing; when it exists, refuses it if it, its key
/// folder or a key file in it can be read or entered by users other than its owner, naming
/// every such path and the one command that fixes them all. (The database file, in it or
/// elsewhere, is checked where it is opened: [`refuse_shared_file`].)
pub fn prepare(dir: &Path) -> anyhow::Result<()> {
    if !dir.exists() {
        return create_private_dir(dir);
    }
    let mut shared = Vec::new();
    note_if_shared(dir, &mut shared)?;
    let keys = dir.join("keys");
    if keys.exists() {
        note_if_shared(&keys, &mut shared)?;
        for entry in std::fs::read_dir(&keys).with_context(|| format!("cannot read {}", keys.display()))? {
            let path = entry?.path();
            if path.is_file() {
                note_if_shared(&path, &mut shared)?;
            }
        }
    }
    if shared.is_empty() {
        return Ok(());
    }
    anyhow::bail!(
        "other users can read {} (careledger keeps its database, attached files and keys there). \
         Make the data directory private to the user careledger runs as: `chmod -R go-rwx {}`, then start again.",
        shared.join(", "),
        dir.display()
    )
}

/// Refuses a SQLite database file (and its WAL and shared-memory files) that others can read.
pub fn refuse_shared_file(path: &Path) -> anyhow::Result<()> {
    let mut shared = Vec::new();
    let beside = |suffix: &str| std::path::PathBuf::from(format!("{}{suffix}", path.display()));
    for p in [path.to_path_buf(), beside("-wal"), beside("-shm")] {
        if p.exists() {
            note_if_shared(&p, &mut shared)?;
        }
    }
    if shared.is_empty() {
        return Ok(());
    }
    anyhow::bail!(
        "other users can read {} (a careledger database). Make it private: `chmod 600 {}*`, then start again.",
        shared.join(", "),
        path.display()
    )
}

#[cfg(unix)]
fn note_if_shared(path: &Path, shared: &mut Vec<String>) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        shared.push(format!("{} (mode {mode:o})", path.display()));
    }
    Ok(())
}

#[cfg(not(unix))]
fn note_if_shared(_path: &Path, _shared: &mut Vec<String>) -> anyhow::Result<()> {
    Ok(())
}
