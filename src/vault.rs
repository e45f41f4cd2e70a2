//! Encryption at rest of clinical text and files: envelope encryption, as NIST SP 800-57 Part 1
//! (section 6.2.1.3, key wrapping) describes it. Each patient has a random 256-bit data key;
//! their record text and file bytes are sealed under it with XChaCha20-Poly1305
//! ([`crate::crypt::FieldKey`]); the data key is stored only wrapped by a master key. Destroying
//! a patient's data key (erasure) makes everything sealed under it unreadable, and changing the
//! master key (`careledger keys rotate`) re-wraps 32-byte keys, never the data.
//!
//! The master keys are a keyring: `--master-key-file` (default `<data-dir>/keys/master.key`,
//! created with mode 0600 on first start) or the `CARELEDGER_MASTER_KEY` variable, holding one
//! hex key per line (or comma-separated), the first the one new data keys are wrapped under,
//! the others older keys still accepted while a rotation runs. Every copy shares the file, and a
//! copy that meets a data key wrapped under a master key it does not hold re-reads it, so a
//! rotation needs no restart.
//!
//! Also here: the key of the blind search index (a keyed HMAC of normalised words, so search
//! never decrypts rows), `<data-dir>/keys/search-index.key`.

use std::path::Path;
use std::sync::{Arc, RwLock};

use anyhow::Context;
use hmac::{KeyInit, Mac};
use rand::Rng;
use sha2::{Digest, Sha256};
use sqlx::Row;

pub use crate::config::MasterKeySource;
use crate::config::Secret;
use crate::crypt::FieldKey;
use crate::db::Db;
use crate::error::Error;
use crate::ids::UserId;

/// The file name of the default master key in `<data-dir>/keys`.
pub const MASTER_KEY_FILE: &str = "master.key";
/// The file name of the blind index key in `<data-dir>/keys`.
pub const SEARCH_KEY_FILE: &str = "search-index.key";
const KEY_LEN: usize = 32;

/// One master key and its id (a fingerprint that names it in `patient_keys` without
/// revealing it).
struct MasterKey {
    id: String,
    key: FieldKey,
}

/// The id of a master key: the first 16 hex digits of SHA-256 over a label and the key.
fn key_id(bytes: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(b"careledger master key id\0");
    h.update(bytes);
    hex::encode(h.finalize())[..16].to_string()
}

/// Parses a keyring's text: hex keys of 256 bits, separated by new lines or commas; blank
/// lines and `#` comments are skipped. The first is the current key.
fn parse_ring(text: &str) -> anyhow::Result<Vec<MasterKey>> {
    let mut keys = Vec::new();
    for line in text.lines().flat_map(|l| l.split(',')) {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        // The decoder's error would quote the key's characters: a fixed message instead.
        let bytes = hex::decode(line).map_err(|_| anyhow::anyhow!("a master key is not hex"))?;
        anyhow::ensure!(bytes.len() == KEY_LEN, "a master key must be 256 bits (64 hex digits)");
        let id = key_id(&bytes);
        if keys.iter().any(|k: &MasterKey| k.id == id) {
            continue;
        }
        keys.push(MasterKey { id, key: FieldKey::new(&Secret::new(bytes))? });
    }
    anyhow::ensure!(!keys.is_empty(), "the master keyring holds no key");
    Ok(keys)
}

/// A fresh random 256-bit key, hex.
pub fn random_key_hex() -> Secret<String> {
    let mut bytes = [0u8; KEY_LEN];
    rand::rng().fill_bytes(&mut bytes);
    Secret::new(hex::encode(bytes))
}

/// The master keyring, the blind index key, and the patients' data keys in the database.
pub struct Vault {
    source: MasterKeySource,
    ring: RwLock<Arc<Vec<MasterKey>>>,
    search: Secret<Vec<u8>>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vault([redacted])")
    }
}

impl Vault {
    /// Loads the keyring and the blind index key for a database, and checks them against it.
    ///
    /// The default key files (`<data-dir>/keys/master.key`, `search-index.key`) are made on
    /// first start, but only while the database holds nothing sealed or indexed under earlier
    /// ones: a key file lost from a clinic in use must be restored from its backup, never
    /// silently replaced (a new key would answer every read with an error, and wrap new data
    /// under a key the other copies lack). With `create` false (tools such as `ledger verify`)
    /// nothing is ever made. Every master key a stored data key names must be in the ring.
    pub async fn open(data_dir: &Path, source: Option<&MasterKeySource>, db: &Db, create: bool) -> anyhow::Result<Self> {
        let wrapped: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM patient_keys WHERE wrapped_key IS NOT NULL").fetch_one(&db.pool).await?;
        let indexed: Option<i64> = sqlx::query_scalar("SELECT 1 FROM record_terms LIMIT 1").fetch_optional(&db.pool).await?;
        let keys = data_dir.join("keys");
        let source = match source {
            Some(s) => s.clone(),
            None => {
                let path = keys.join(MASTER_KEY_FILE);
                if !path.exists() && !create && wrapped == 0 {
                    // A tool on a database with nothing sealed: a key of its own, in memory
                    // only, opens everything there is (nothing) and leaves no file behind.
                    MasterKeySource::Inline(random_key_hex())
                } else if !path.exists() {
                    anyhow::ensure!(
                        create && wrapped == 0,
                        "the master key file {} is missing{}: restore it from your key backup, or give --master-key-file \
                         (a new key cannot open what was stored under the lost one)",
                        path.display(),
                        if wrapped > 0 { format!(" but {wrapped} patients' data keys are stored under it") } else { String::new() }
                    );
                    // Written race-free with 0600 permissions, like every other key file.
                    crate::keys::load_or_create_secret(data_dir, MASTER_KEY_FILE)?;
                    MasterKeySource::File(path)
                } else {
                    MasterKeySource::File(path)
                }
            }
        };
        let ring = read_source(&source)?;
        let search = if keys.join(SEARCH_KEY_FILE).exists() || create {
            anyhow::ensure!(
                keys.join(SEARCH_KEY_FILE).exists() || indexed.is_none(),
                "the search index key {} is missing but records are indexed under it: restore it from your key backup",
                keys.join(SEARCH_KEY_FILE).display()
            );
            crate::keys::load_or_create_secret(data_dir, SEARCH_KEY_FILE)?
        } else {
            Secret::new(hex::decode(random_key_hex().expose()).unwrap_or_default())
        };
        let vault = Self { source, ring: RwLock::new(Arc::new(ring)), search };
        let named: Vec<String> =
            sqlx::query_scalar("SELECT DISTINCT master_key_id FROM patient_keys WHERE wrapped_key IS NOT NULL").fetch_all(&db.pool).await?;
        let held = vault.key_ids();
        let missing: Vec<&String> = named.iter().filter(|id| !held.contains(id)).collect();
        anyhow::ensure!(
            missing.is_empty(),
            "data keys are stored under master key(s) {} which the keyring ({}) does not hold: restore the key file from \
             your backup, or put the missing key after the current one in it",
            missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "),
            match &vault.source {
                MasterKeySource::File(p) => p.display().to_string(),
                MasterKeySource::Inline(_) => "CARELEDGER_MASTER_KEY".to_string(),
            }
        );
        Ok(vault)
    }

    /// A vault over given keys (tests of this module).
    #[cfg(test)]
    fn from_text(ring: &str) -> anyhow::Result<Self> {
        Ok(Self {
            source: MasterKeySource::Inline(Secret::new(ring.to_string())),
            ring: RwLock::new(Arc::new(parse_ring(ring)?)),
            search: Secret::new(vec![7u8; KEY_LEN]),
        })
    }

    /// Where the keyring comes from.
    pub fn source(&self) -> &MasterKeySource {
        &self.source
    }

    fn ring(&self) -> Arc<Vec<MasterKey>> {
        match self.ring.read() {
            Ok(r) => r.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Reads the keyring again (after a rotation started or finished at another process).
    pub fn reload(&self) -> Result<(), Error> {
        let ring = read_source(&self.source).map_err(Error::Internal)?;
        match self.ring.write() {
            Ok(mut r) => *r = Arc::new(ring),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(ring),
        }
        Ok(())
    }

    /// The ids of the keys in the ring, the current one first.
    pub fn key_ids(&self) -> Vec<String> {
        self.ring().iter().map(|k| k.id.clone()).collect()
    }

    /// Wraps a data key for a patient under the current master key, as the keyring stands on
    /// disk now (so a copy started before a rotation never wraps under the retiring key).
    fn wrap(&self, data_key: &Secret<String>, patient: &str) -> Result<(String, String), Error> {
        if matches!(self.source, MasterKeySource::File(_)) {
            self.reload()?;
        }
        let ring = self.ring();
        let current = ring.first().ok_or_else(|| Error::Internal(anyhow::anyhow!("empty master keyring")))?;
        Ok((current.key.seal(data_key.expose(), &wrap_context(patient))?, current.id.clone()))
    }

    /// Unwraps a patient's data key, re-reading the keyring once when it was wrapped under a
    /// key this process does not hold yet.
    pub fn unwrap(&self, wrapped: &str, master_id: &str, patient: &str) -> Result<FieldKey, Error> {
        let find = || self.ring().iter().find(|k| k.id == master_id).map(|k| k.key.clone());
        let master = match find() {
            Some(k) => k,
            None => {
                self.reload()?;
                find().ok_or_else(|| {
                    Error::Internal(anyhow::anyhow!("a data key is wrapped under master key {master_id}, which the keyring does not hold"))
                })?
            }
        };
        let hexed = master.open(wrapped, &wrap_context(patient))?;
        let bytes = hex::decode(hexed.expose()).map_err(|_| Error::Internal(anyhow::anyhow!("a data key is not hex")))?;
        FieldKey::new(&Secret::new(bytes)).map_err(Error::Internal)
    }

    /// Re-wraps a wrapped data key under the current key (rotation).
    pub fn rewrap(&self, wrapped: &str, master_id: &str, patient: &str) -> Result<(String, String), Error> {
        let ring = self.ring();
        let old = ring.iter().find(|k| k.id == master_id).ok_or_else(|| {
            Error::Internal(anyhow::anyhow!("a data key is wrapped under master key {master_id}, which the keyring does not hold"))
        })?;
        let plain = old.key.open(wrapped, &wrap_context(patient))?;
        let current = ring.first().ok_or_else(|| Error::Internal(anyhow::anyhow!("empty master keyring")))?;
        Ok((current.key.seal(plain.expose(), &wrap_context(patient))?, current.id.clone()))
    }

    /// The blind index token of a normalised search term: HMAC-SHA-256 (RFC 2104) under the
    /// search key, truncated to 128 bits (RFC 2104 section 5 allows truncation to half or more).
    pub fn blind(&self, term: &str) -> String {
        let mut mac = match <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(self.search.expose()) {
            Ok(m) => m,
            // HMAC takes a key of any length; this arm cannot be reached.
            Err(_) => return String::new(),
        };
        mac.update(term.as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..16])
    }

    /// A patient's data key, made (and stored wrapped) on first use, in the caller's
    /// transaction or connection. An erased patient's key is gone: 410 `erased`.
    pub async fn key_for(&self, conn: &mut sqlx::AnyConnection, patient: UserId, now: &str) -> Result<FieldKey, Error> {
        if let Some(key) = self.existing(&mut *conn, patient).await? {
            return Ok(key);
        }
        let fresh = random_key_hex();
        let (wrapped, master) = self.wrap(&fresh, &patient.to_string())?;
        // Two copies making the first key at once: one row wins and both use it.
        sqlx::query(
            "INSERT INTO patient_keys (patient_id, wrapped_key, master_key_id, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (patient_id) DO NOTHING",
        )
        .bind(patient.to_string())
        .bind(&wrapped)
        .bind(&master)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        self.existing(conn, patient).await?.ok_or_else(|| Error::Internal(anyhow::anyhow!("a data key just stored is missing")))
    }

    /// A patient's data key if they have one (`None` before their first record).
    pub async fn existing<'e, E>(&self, ex: E, patient: UserId) -> Result<Option<FieldKey>, Error>
    where
        E: sqlx::Executor<'e, Database = sqlx::Any>,
    {
        let row = sqlx::query("SELECT wrapped_key, master_key_id FROM patient_keys WHERE patient_id = $1")
            .bind(patient.to_string())
            .fetch_optional(ex)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let wrapped: Option<String> = row.try_get("wrapped_key")?;
        let master: String = row.try_get("master_key_id")?;
        match wrapped {
            Some(w) => Ok(Some(self.unwrap(&w, &master, &patient.to_string())?)),
            None => Err(Error::Gone("erased")),
        }
    }

    /// Opens a data key read with a row (`LEFT JOIN patient_keys`): `None` columns mean no key
    /// (nothing sealed yet) or a destroyed one.
    pub fn key_from_columns(&self, wrapped: Option<&str>, master: Option<&str>, patient: UserId) -> Result<Option<FieldKey>, Error> {
        match (wrapped, master) {
            (Some(w), Some(m)) => Ok(Some(self.unwrap(w, m, &patient.to_string())?)),
            _ => Ok(None),
        }
    }
}

/// The associated data a data key is wrapped with: the patient it belongs to, so a wrapped key
/// copied to another patient's row does not open.
fn wrap_context(patient: &str) -> String {
    format!("data-key:{patient}")
}

fn read_source(source: &MasterKeySource) -> anyhow::Result<Vec<MasterKey>> {
    match source {
        MasterKeySource::File(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("cannot read the master key file {}", path.display()))?;
            parse_ring(&text).with_context(|| format!("master key file {}", path.display()))
        }
        MasterKeySource::Inline(text) => parse_ring(text.expose()).context("CARELEDGER_MASTER_KEY"),
    }
}

/// Writes a keyring file atomically with mode 0600: a new file beside it, synced, renamed over.
pub fn write_ring_file(path: &Path, keys_hex: &[Secret<String>]) -> anyhow::Result<()> {
    use std::io::Write;
    let dir = path.parent().context("the master key file has no folder")?;
    let tmp = dir.join(format!(".master-key.{}", uuid::Uuid::now_v7()));
    {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp).with_context(|| format!("cannot write {}", tmp.display()))?;
        let mut text = String::from("# careledger master keys: the first wraps new data keys; the others are retiring.\n");
        for k in keys_hex {
            text.push_str(k.expose());
            text.push('\n');
        }
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
    }
    std::fs::rename(&tmp, path).with_context(|| format!("cannot replace {}", path.display()))?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// The keys of a keyring file as hex, in order (for rotation, which rewrites the file).
pub fn read_ring_hex(path: &Path) -> anyhow::Result<Vec<Secret<String>>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read the master key file {}", path.display()))?;
    parse_ring(&text)?;
    Ok(text
        .lines()
        .flat_map(|l| l.split(','))
        .map(|l| l.split('#').next().unwrap_or("").trim().to_ascii_lowercase())
        .filter(|l| !l.is_empty())
        .fold(Vec::<String>::new(), |mut acc, k| {
            if !acc.contains(&k) {
                acc.push(k);
            }
            acc
        })
        .into_iter()
        .map(Secret::new)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_keys_unwrap_only_for_their_patient_and_under_a_held_key() -> Result<(), Error> {
        let a = random_key_hex();
        let b = random_key_hex();
        let vault = Vault::from_text(a.expose()).map_err(Error::Internal)?;
        let dk = random_key_hex();
        let (wrapped, id) = vault.wrap(&dk, "p1")?;
        assert!(!wrapped.contains(dk.expose()));
        let key = vault.unwrap(&wrapped, &id, "p1")?;
        let sealed = key.seal("note", "x")?;
        assert!(vault.unwrap(&wrapped, &id, "p2").is_err(), "bound to its patient");
        // Rotation: a ring with a new current key re-wraps; the old wrapping still opens.
        let rotated = Vault::from_text(&format!("{}\n{}", b.expose(), a.expose())).map_err(Error::Internal)?;
        let (rewrapped, new_id) = rotated.rewrap(&wrapped, &id, "p1")?;
        assert_ne!(new_id, id);
        assert_eq!(rotated.unwrap(&rewrapped, &new_id, "p1")?.open(&sealed, "x")?.expose(), "note");
        assert_eq!(rotated.unwrap(&wrapped, &id, "p1")?.open(&sealed, "x")?.expose(), "note");
        let only_new = Vault::from_text(b.expose()).map_err(Error::Internal)?;
        assert!(only_new.unwrap(&wrapped, &id, "p1").is_err(), "the retired key is gone");
        assert!(format!("{vault:?}").contains("redacted"));
        Ok(())
    }

    #[test]
    fn keyrings_parse_strictly() {
        assert!(parse_ring("").is_err());
        assert!(parse_ring("abcd").is_err());
        assert!(parse_ring(&"zz".repeat(32)).is_err());
        let k = "ab".repeat(32);
        assert_eq!(parse_ring(&format!("# comment\n{k}\n\n{k}")).map(|r| r.len()).ok(), Some(1));
        assert_eq!(parse_ring(&format!("{k},{}", "cd".repeat(32))).map(|r| r.len()).ok(), Some(2));
    }

    #[test]
    fn blind_tokens_are_keyed_and_stable() -> anyhow::Result<()> {
        let v = Vault::from_text(&"ab".repeat(32))?;
        assert_eq!(v.blind("diab"), v.blind("diab"));
        assert_ne!(v.blind("diab"), v.blind("diabe"));
        assert_eq!(v.blind("diab").len(), 32);
        let plain = hex::encode(&Sha256::digest(b"diab")[..16]);
        assert_ne!(v.blind("diab"), plain, "keyed, not a bare hash");
        Ok(())
    }
}
