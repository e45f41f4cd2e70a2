//! The file store: content-addressed blobs through the object_store crate, in
//! `<data-dir>/files` by default (copies on one host or on shared storage share it).

use std::sync::Arc;

use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use crate::error::Error;

/// Where blobs live.
#[derive(Clone)]
pub struct FileStore(Arc<dyn ObjectStore>);

impl std::fmt::Debug for FileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FileStore")
    }
}

/// Whether a string is a SHA-256 in lowercase hex (the only names the store uses).
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn key(sha256: &str) -> Result<Path, Error> {
    if !is_sha256_hex(sha256) {
        return Err(Error::NotFound("file_not_found"));
    }
    // Two levels keep folders small: ab/abcdef….
    Ok(Path::from(format!("{}/{}", &sha256[..2], sha256)))
}

fn sealed_key(patient: crate::ids::UserId, sha256: &str) -> Result<Path, Error> {
    if !is_sha256_hex(sha256) {
        return Err(Error::NotFound("file_not_found"));
    }
    // A UserId is a UUID: nothing in it can climb out of the folder.
    Ok(Path::from(format!("sealed/{patient}/{sha256}")))
}

fn internal(e: impl std::fmt::Display) -> Error {
    Error::Internal(anyhow::anyhow!("file store: {e}"))
}

impl FileStore {
    /// The store the settings name: `--file-store`, or `<data-dir>/files`.
    pub fn for_settings(settings: &crate::config::Settings) -> anyhow::Result<Self> {
        match &settings.file_store {
            Some(fs) => Self::from_url(&fs.url, fs.options.expose()),
            None => Self::local(&settings.data_dir.join("files")),
        }
    }

    /// A store in a local folder (created when missing).
    pub fn local(dir: &std::path::Path) -> anyhow::Result<Self> {
        crate::datadir::create_private_dir(dir)?;
        Ok(Self(Arc::new(LocalFileSystem::new_with_prefix(dir)?)))
    }

    /// A store named by URL: `s3://bucket[/prefix]` for any S3-compatible service (options such
    /// as `aws_endpoint`, `aws_access_key_id`, `aws_secret_access_key`, `aws_region`,
    /// `aws_allow_http`), or `file:///path`.
    pub fn from_url(url: &str, options: &[(String, String)]) -> anyhow::Result<Self> {
        // reqwest is built without a crypto provider (no C build); rustls uses ring.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let parsed = url::Url::parse(url).map_err(|e| anyhow::anyhow!("invalid file store URL: {e}"))?;
        let (store, prefix) = object_store::parse_url_opts(&parsed, options.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .map_err(|e| anyhow::anyhow!("file store {}: {e}", parsed.scheme()))?;
        let store: Arc<dyn ObjectStore> = if prefix.as_ref().is_empty() {
            Arc::from(store)
        } else {
            Arc::new(object_store::prefix::PrefixStore::new(Arc::<dyn ObjectStore>::from(store), prefix))
        };
        Ok(Self(store))
    }

    /// The object store underneath (scheduled backups write through it).
    pub fn object_store(&self) -> Arc<dyn ObjectStore> {
        self.0.clone()
    }

    /// Stores bytes under their SHA-256 (writing the same content twice is harmless).
    pub async fn put(&self, sha256: &str, bytes: Vec<u8>) -> Result<(), Error> {
        self.0.put(&key(sha256)?, PutPayload::from(bytes)).await.map_err(internal)?;
        Ok(())
    }

    /// Stores a patient's sealed blob under `sealed/<patient>/<sha256>` (per patient, so the
    /// same file attached for two patients is two blobs, and erasure deletes one folder).
    pub async fn put_sealed(&self, patient: crate::ids::UserId, sha256: &str, bytes: Vec<u8>) -> Result<(), Error> {
        self.0.put(&sealed_key(patient, sha256)?, PutPayload::from(bytes)).await.map_err(internal)?;
        Ok(())
    }

    /// A patient's sealed blob, or `None` when missing.
    pub async fn get_sealed(&self, patient: crate::ids::UserId, sha256: &str) -> Result<Option<Vec<u8>>, Error> {
        match self.0.get(&sealed_key(patient, sha256)?).await {
            Ok(r) => Ok(Some(r.bytes().await.map_err(internal)?.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(internal(e)),
        }
    }

    /// Deletes every sealed blob of a patient (erasure); returns how many.
    pub async fn delete_patient(&self, patient: crate::ids::UserId) -> Result<u64, Error> {
        use futures_util::TryStreamExt;
        let prefix = Path::from(format!("sealed/{patient}"));
        let found: Vec<object_store::ObjectMeta> = self.0.list(Some(&prefix)).try_collect().await.map_err(internal)?;
        for meta in &found {
            match self.0.delete(&meta.location).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(internal(e)),
            }
        }
        Ok(found.len() as u64)
    }

    /// Deletes a clear blob an earlier release stored (once sealed elsewhere).
    pub async fn delete(&self, sha256: &str) -> Result<(), Error> {
        match self.0.delete(&key(sha256)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(internal(e)),
        }
    }

    /// Every stored object's path (backups).
    pub async fn list(&self) -> Result<Vec<String>, Error> {
        use futures_util::TryStreamExt;
        let found: Vec<object_store::ObjectMeta> = self.0.list(None).try_collect().await.map_err(internal)?;
        let mut paths: Vec<String> = found.into_iter().map(|m| m.location.to_string()).collect();
        paths.sort();
        Ok(paths)
    }

    /// The object at a path [`FileStore::list`] gave, or `None` when it is gone.
    pub async fn get_path(&self, path: &str) -> Result<Option<Vec<u8>>, Error> {
        let path = Path::parse(path).map_err(internal)?;
        match self.0.get(&path).await {
            Ok(r) => Ok(Some(r.bytes().await.map_err(internal)?.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(internal(e)),
        }
    }

    /// Stores an object at a path from a backup: only the two shapes careledger writes
    /// (`sealed/<patient>/<sha256>`, `ab/<sha256>`), so a backup cannot write elsewhere.
    pub async fn put_path(&self, path: &str, bytes: Vec<u8>) -> Result<(), Error> {
        if !Self::is_store_path(path) {
            return Err(Error::Internal(anyhow::anyhow!("a backup names a file outside the store's shapes: {path}")));
        }
        self.0.put(&Path::parse(path).map_err(internal)?, PutPayload::from(bytes)).await.map_err(internal)?;
        Ok(())
    }

    /// Whether a path has one of the two shapes careledger writes.
    pub fn is_store_path(path: &str) -> bool {
        match path.split('/').collect::<Vec<_>>().as_slice() {
            ["sealed", patient, sha] => patient.parse::<crate::ids::UserId>().is_ok() && is_sha256_hex(sha),
            [two, sha] => is_sha256_hex(sha) && sha.starts_with(two) && two.len() == 2,
            _ => false,
        }
    }

    /// The stored bytes, or `None` when missing.
    pub async fn get(&self, sha256: &str) -> Result<Option<Vec<u8>>, Error> {
        match self.0.get(&key(sha256)?).await {
            Ok(r) => Ok(Some(r.bytes().await.map_err(internal)?.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(internal(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_hashes_name_files() {
        assert!(super::is_sha256_hex(&"ab".repeat(32)));
        for bad in ["", "../etc/passwd", &"AB".repeat(32), &"aé".repeat(22)] {
            assert!(!super::is_sha256_hex(bad), "{bad}");
        }
    }
}
