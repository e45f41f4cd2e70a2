//! Files attached to records: PDF, PNG, JPEG or plain text, at most 25 MB, stored by SHA-256,
//! each attachment a ledger entry whose content carries the Merkle root of the record's files.

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;
use utoipa::ToSchema;

use crate::accounts::permissions::{Actor, Permission};
use crate::clock;
use crate::context::Ctx;
use crate::crypt::FieldKey;
use crate::db::Db;
use crate::error::{Error, FieldError};
use crate::files::FileStore;
use crate::ids::RecordId;
use crate::ids::UserId;
use crate::ledger::entry::{Declaration, Declared, EntryKind, EntryRef, Ledgered};
use crate::ledger::merkle;
use crate::records::service;
use crate::vault::Vault;

/// Largest file accepted.
pub const MAX_FILE_BYTES: usize = 25 * 1024 * 1024;

impl FileInfo {
    /// The name to show on a page (stored names from before cleaning are cleaned here).
    pub fn display_name(&self) -> String {
        clean_filename(&self.filename)
    }
}

/// An attached file.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FileInfo {
    /// SHA-256 of the bytes, hex: the file's name in the store and in the ledger.
    pub sha256: String,
    /// Bytes.
    pub size: i64,
    /// `application/pdf`, `image/png`, `image/jpeg` or `text/plain; charset=utf-8`.
    pub content_type: String,
    /// The name it was uploaded with.
    pub filename: String,
    /// When.
    pub created_at: String,
    /// The ledger entry of the attachment.
    pub entry_index: i64,
}

/// The name and bytes of the multipart field `file` (RFC 7578), the first one sent; other
/// fields are skipped. A body over the route's limit is 413, a broken one 400.
pub async fn read_upload(mut multipart: axum::extract::Multipart) -> Result<(String, Vec<u8>), Error> {
    let failed = |e: axum::extract::multipart::MultipartError| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            Error::PayloadTooLarge
        } else {
            Error::Malformed("multipart body".into())
        }
    };
    while let Some(field) = multipart.next_field().await.map_err(failed)? {
        if field.name() == Some("file") {
            let filename = field.file_name().unwrap_or("file").to_string();
            let bytes = field.bytes().await.map_err(failed)?;
            return Ok((filename, bytes.to_vec()));
        }
    }
    Err(Error::Validation(vec![crate::error::FieldError::new("file", "send the file in a multipart field named file")]))
}

/// The type of a file from its first bytes (never from what the client claims).
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"\xFF\xD8\xFF") {
        Some("image/jpeg")
    } else if std::str::from_utf8(bytes).is_ok_and(|t| !t.contains('\0')) {
        Some("text/plain; charset=utf-8")
    } else {
        None
    }
}

/// The RFC 9162 tree hash of a record's file hashes, in the order they were attached.
pub fn files_root(shas: &[String]) -> String {
    let leaves: Vec<merkle::Hash> = shas.iter().map(|s| merkle::leaf_hash(&hex::decode(s).unwrap_or_default())).collect();
    hex::encode(merkle::root(&leaves))
}

/// An attachment as its ledger entry covers it: the file's facts and the Merkle root of the
/// record's files up to it.
#[derive(Debug, Clone)]
pub struct Attachment {
    /// The record.
    pub record_id: String,
    /// Its patient.
    pub patient_id: String,
    /// Who attached it.
    pub uploaded_by: String,
    /// The file.
    pub info: FileInfo,
    /// [`files_root`] of the record's files, this one last.
    pub files_root: String,
    /// The patient was erased: the file name is gone, so `ledger verify` checks the rest.
    pub erased: bool,
}

impl Ledgered for Attachment {
    fn content_erased(&self) -> bool {
        self.erased
    }

    fn kind(&self) -> EntryKind {
        EntryKind::FileAttached
    }

    fn subject_id(&self) -> String {
        self.record_id.clone()
    }

    fn ids(&self) -> Vec<(&'static str, String)> {
        vec![("record_id", self.record_id.clone()), ("patient_id", self.patient_id.clone()), ("sha256", self.info.sha256.clone())]
    }

    fn actor(&self) -> String {
        self.uploaded_by.clone()
    }

    fn time(&self) -> String {
        self.info.created_at.clone()
    }

    fn content(&self) -> serde_json::Value {
        let f = &self.info;
        serde_json::json!({
            "record_id": self.record_id, "sha256": f.sha256, "size": f.size, "content_type": f.content_type,
            "filename": f.filename, "time": f.created_at, "files_root": self.files_root,
        })
    }
}

/// A file name fit to store and show: its last path segment, without control, format
/// (bidirectional overrides, zero-width characters), private-use, unassigned or line-breaking
/// characters (Unicode general categories C*, Zl, Zp), at most 200 characters. A right-to-left
/// override would otherwise show `report\u{202E}fdp.exe` as `reportexe.pdf`.
pub fn clean_filename(name: &str) -> String {
    use unicode_properties::{GeneralCategory, GeneralCategoryGroup, UnicodeGeneralCategory};
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| {
            c.general_category_group() != GeneralCategoryGroup::Other
                && !matches!(c.general_category(), GeneralCategory::LineSeparator | GeneralCategory::ParagraphSeparator)
        })
        .take(200)
        .collect();
    let cleaned = cleaned.trim().to_string();
    if cleaned.is_empty() { "file".into() } else { cleaned }
}

/// `Content-Disposition: attachment` for a download (RFC 6266): a quoted ASCII `filename` for
/// old clients (other characters as `_`) and the real name as `filename*` in UTF-8 (RFC 8187),
/// both cleaned as [`clean_filename`] cleans (names stored before that are cleaned on the way out).
pub fn content_disposition(stored: &str) -> String {
    let name = clean_filename(stored);
    let fallback: String = name.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' }).collect();
    let mut encoded = String::with_capacity(name.len() * 3);
    for b in name.bytes() {
        // RFC 8187 attr-char: ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~"
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// Where a file's name is sealed: its record and hash.
fn name_place(record: &str, sha256: &str) -> String {
    format!("file:{record}:{sha256}:name")
}

/// Where a file's bytes are sealed: its patient and hash.
fn blob_place(patient: UserId, sha256: &str) -> String {
    format!("file:{patient}:{sha256}")
}

/// A file row with whether it is sealed (name and bytes) or an earlier release's clear one.
struct StoredFile {
    info: FileInfo,
    sealed: bool,
}

fn info_from_row(key: Option<&FieldKey>, record: &str, r: &sqlx::any::AnyRow) -> Result<StoredFile, Error> {
    let sha256: String = r.try_get("sha256")?;
    let sealed = r.try_get::<i64, _>("sealed")? == 1;
    let stored_name: String = r.try_get("filename")?;
    let filename = if sealed {
        let key = key.ok_or_else(|| Error::Internal(anyhow::anyhow!("file {sha256} is sealed but its patient has no data key")))?;
        key.open(&stored_name, &name_place(record, &sha256))?.expose().clone()
    } else {
        stored_name
    };
    Ok(StoredFile {
        info: FileInfo {
            sha256,
            size: r.try_get("size")?,
            content_type: r.try_get("content_type")?,
            filename,
            created_at: r.try_get("created_at")?,
            entry_index: r.try_get("entry_index")?,
        },
        sealed,
    })
}

/// A record's stored files with their names opened, and the patient's data key that opened
/// them (from the same query), for opening their bytes too.
async fn stored(db: &Db, vault: &Vault, record: RecordId) -> Result<(Option<FieldKey>, Vec<StoredFile>), Error> {
    let rows = sqlx::query(
        "SELECT f.sha256, f.size, f.content_type, f.filename, f.created_at, f.entry_index, f.sealed, r.patient_id, \
                k.wrapped_key AS k_wrapped, k.master_key_id AS k_master \
         FROM record_files f JOIN records r ON r.id = f.record_id LEFT JOIN patient_keys k ON k.patient_id = r.patient_id \
         WHERE f.record_id = $1 ORDER BY f.entry_index",
    )
    .bind(record.to_string())
    .fetch_all(&db.pool)
    .await?;
    let Some(first) = rows.first() else { return Ok((None, Vec::new())) };
    let patient: UserId = first
        .try_get::<String, _>("patient_id")?
        .parse()
        .map_err(|_| Error::Internal(anyhow::anyhow!("corrupt record row: patient_id")))?;
    let wrapped: Option<String> = first.try_get("k_wrapped")?;
    let master: Option<String> = first.try_get("k_master")?;
    let key = vault.key_from_columns(wrapped.as_deref(), master.as_deref(), patient)?;
    let record = record.to_string();
    let files = rows.iter().map(|r| info_from_row(key.as_ref(), &record, r)).collect::<Result<_, _>>()?;
    Ok((key, files))
}

/// The files of several records of one patient (a page the caller has read already), each
/// record's in attachment order, their names opened; one query and one key for the page.
pub async fn rows_of(
    db: &Db,
    vault: &Vault,
    patient: UserId,
    records: &[RecordId],
) -> Result<std::collections::HashMap<String, Vec<FileInfo>>, Error> {
    let mut out: std::collections::HashMap<String, Vec<FileInfo>> = std::collections::HashMap::new();
    if records.is_empty() {
        return Ok(out);
    }
    let marks = (2..records.len() + 2).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "SELECT f.record_id, f.sha256, f.size, f.content_type, f.filename, f.created_at, f.entry_index, f.sealed \
         FROM record_files f JOIN records r ON r.id = f.record_id \
         WHERE r.patient_id = $1 AND f.record_id IN ({marks}) ORDER BY f.entry_index"
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(patient.to_string());
    for r in records {
        q = q.bind(r.to_string());
    }
    let rows = q.fetch_all(&db.pool).await?;
    if rows.is_empty() {
        return Ok(out);
    }
    let key = vault.existing(&db.pool, patient).await?;
    for r in &rows {
        let record: String = r.try_get("record_id")?;
        let info = info_from_row(key.as_ref(), &record, r)?.info;
        out.entry(record).or_default().push(info);
    }
    Ok(out)
}

/// A record's files, in attachment order, their names opened.
pub async fn rows(db: &Db, vault: &Vault, record: RecordId) -> Result<Vec<FileInfo>, Error> {
    Ok(stored(db, vault, record).await?.1.into_iter().map(|f| f.info).collect())
}

/// What the files part of the records domain has put in the ledger (every file row, by its
/// entry, with the Merkle root of its record's files up to it); with a file store, the bytes
/// of every file are opened and hashed too. An erased patient's files are gone: their rows
/// are checked without content.
pub async fn ledgered(db: &Db, vault: &Vault, blobs: Option<&FileStore>) -> Result<Declaration, Error> {
    let rows = sqlx::query(
        "SELECT f.record_id, f.sha256, f.size, f.content_type, f.filename, f.created_at, f.entry_index, f.uploaded_by, f.sealed, \
                r.patient_id, p.erased_at, k.wrapped_key AS k_wrapped, k.master_key_id AS k_master \
         FROM record_files f LEFT JOIN records r ON r.id = f.record_id LEFT JOIN users p ON p.id = r.patient_id \
         LEFT JOIN patient_keys k ON k.patient_id = r.patient_id ORDER BY f.entry_index",
    )
    .fetch_all(&db.pool)
    .await?;
    let mut declaration = Declaration::default();
    let mut shas: std::collections::HashMap<String, Vec<String>> = std::collections::HashMap::new();
    for r in &rows {
        let record_id: String = r.try_get("record_id")?;
        let sha256: String = r.try_get("sha256")?;
        let index: i64 = r.try_get("entry_index")?;
        let so_far = shas.entry(record_id.clone()).or_default();
        so_far.push(sha256.clone());
        let root = files_root(so_far);
        // A file row whose record is gone is named, and its bytes still checked.
        let patient_id: Option<String> = r.try_get("patient_id")?;
        let patient: Option<UserId> = patient_id.as_deref().and_then(|p| p.parse().ok());
        if patient_id.is_none() {
            declaration.problems.push(format!("file {sha256} of record {record_id}: the record it is attached to is missing"));
        }
        let erased = r.try_get::<Option<String>, _>("erased_at")?.is_some();
        let key = match (patient, erased) {
            (Some(p), false) => {
                let wrapped: Option<String> = r.try_get("k_wrapped")?;
                let master: Option<String> = r.try_get("k_master")?;
                vault.key_from_columns(wrapped.as_deref(), master.as_deref(), p)?
            }
            _ => None,
        };
        // The row as stored, its name left out: what an erased patient's file, or one whose
        // name no longer opens, is checked as.
        let unnamed = |filename: String| -> Result<StoredFile, Error> {
            Ok(StoredFile {
                info: FileInfo {
                    sha256: sha256.clone(),
                    size: r.try_get("size")?,
                    content_type: r.try_get("content_type")?,
                    filename,
                    created_at: r.try_get("created_at")?,
                    entry_index: index,
                },
                sealed: true,
            })
        };
        let stored = if erased {
            unnamed(String::new())?
        } else {
            match info_from_row(key.as_ref(), &record_id, r) {
                Ok(f) => f,
                // A name that no longer opens was edited or moved: the row no longer matches
                // its entry, which verify names from the content.
                Err(_) => unnamed(format!("(does not open) {}", r.try_get::<String, _>("filename")?))?,
            }
        };
        if let (Some(store), false) = (blobs, erased) {
            match read_blob(store, key.as_ref(), patient, &stored).await {
                Ok(Some(bytes)) if hex::encode(Sha256::digest(&bytes)) == sha256 => {}
                Ok(Some(_)) => declaration
                    .problems
                    .push(format!("entry {index} (file_attached, {record_id}): file {sha256} bytes no longer match their hash")),
                Ok(None) | Err(_) => {
                    declaration.problems.push(format!("entry {index} (file_attached, {record_id}): file {sha256} is missing"))
                }
            }
        }
        declaration.rows.push(Declared {
            entry: EntryRef::Index(index),
            row: format!("file {sha256} of record {record_id}"),
            item: Box::new(Attachment {
                record_id,
                patient_id: patient_id.unwrap_or_default(),
                uploaded_by: r.try_get("uploaded_by")?,
                info: stored.info,
                files_root: root,
                erased,
            }),
        });
    }
    Ok(declaration)
}

/// A file's bytes in clear: a sealed blob opened with the patient's key (bytes that do not
/// open count as changed: an empty result), or an earlier release's clear blob.
async fn read_blob(store: &FileStore, key: Option<&FieldKey>, patient: Option<UserId>, f: &StoredFile) -> Result<Option<Vec<u8>>, Error> {
    if !f.sealed {
        return store.get(&f.info.sha256).await;
    }
    let (Some(key), Some(patient)) = (key, patient) else { return Ok(None) };
    Ok(store
        .get_sealed(patient, &f.info.sha256)
        .await?
        .map(|b| key.open_bytes(&b, &blob_place(patient, &f.info.sha256)).unwrap_or_default()))
}

/// Seals the files earlier releases stored in clear: each blob is sealed under its patient's
/// key into the patient's folder, the row's name sealed and marked, and the clear blob deleted
/// once no clear row needs it. Returns how many rows were sealed.
pub async fn seal_earlier(db: &Db, vault: &Vault, store: &FileStore, now: &str) -> Result<u64, Error> {
    let mut done = 0;
    loop {
        let batch = sqlx::query(
            "SELECT f.record_id, f.sha256, f.filename, r.patient_id FROM record_files f JOIN records r ON r.id = f.record_id \
             WHERE f.sealed = 0 LIMIT 50",
        )
        .fetch_all(&db.pool)
        .await?;
        if batch.is_empty() {
            return Ok(done);
        }
        for row in &batch {
            let record: String = row.try_get("record_id")?;
            let sha256: String = row.try_get("sha256")?;
            let name: String = row.try_get("filename")?;
            let patient: UserId = row
                .try_get::<String, _>("patient_id")?
                .parse()
                .map_err(|_| Error::Internal(anyhow::anyhow!("corrupt record row: patient_id")))?;
            let key = vault.key_for(&mut *db.pool.acquire().await?, patient, now).await?;
            let mut tx = db.pool.begin().await?;
            // The blob first (a crash after it leaves a sealed copy and the clear row, which the
            // next run seals again); a clear blob already gone leaves the row for verify to name.
            if let Some(bytes) = store.get(&sha256).await? {
                store.put_sealed(patient, &sha256, key.seal_bytes(&bytes, &blob_place(patient, &sha256))?).await?;
            } else if store.get_sealed(patient, &sha256).await?.is_none() {
                tracing::warn!(record_id = %record, "a file to seal is missing from the file store");
            }
            sqlx::query("UPDATE record_files SET filename = $1, sealed = 1 WHERE record_id = $2 AND sha256 = $3 AND sealed = 0")
                .bind(key.seal(&name, &name_place(&record, &sha256))?)
                .bind(&record)
                .bind(&sha256)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            let still_clear = sqlx::query("SELECT 1 FROM record_files WHERE sha256 = $1 AND sealed = 0 LIMIT 1")
                .bind(&sha256)
                .fetch_optional(&db.pool)
                .await?;
            if still_clear.is_none() {
                store.delete(&sha256).await?;
            }
            done += 1;
        }
    }
}

/// Attaches a file (the record's author only), storing it and appending its entry.
#[tracing::instrument(skip_all, fields(user_id = %actor.id(), record_id = %id))]
pub async fn attach(ctx: &Ctx, actor: &Actor, id: RecordId, filename: &str, bytes: Vec<u8>) -> Result<FileInfo, Error> {
    actor.require(Permission::RecordsCreate)?;
    let record = service::get(ctx, actor, id).await?;
    if record.doctor_id != actor.id() {
        return Err(Error::Forbidden("only the record's author attaches files"));
    }
    if bytes.is_empty() {
        return Err(Error::Validation(vec![FieldError::new("file", "the file is empty")]));
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(Error::PayloadTooLarge);
    }
    let content_type = sniff(&bytes).ok_or(Error::UnsupportedMediaType("Attach a PDF, PNG, JPEG or plain-text file."))?;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let existing = rows(&ctx.db, &ctx.vault, id).await?;
    if existing.iter().any(|f| f.sha256 == sha256) {
        return Err(Error::Conflict("file_already_attached", "This file is already attached to the record."));
    }
    let size = bytes.len() as i64;
    let now = clock::format(ctx.clock.now());
    let key = {
        let mut conn = ctx.db.pool.acquire().await?;
        ctx.vault.key_for(&mut conn, record.patient_id, &now).await?
    };
    // Sealed under the patient's key, in the patient's folder, by content: a blob stored by an
    // attempt that then fails is harmless.
    let sealed_bytes = key.seal_bytes(&bytes, &blob_place(record.patient_id, &sha256))?;
    drop(bytes);
    ctx.files.put_sealed(record.patient_id, &sha256, sealed_bytes).await?;
    let mut info = FileInfo {
        sha256: sha256.clone(),
        size,
        content_type: content_type.to_string(),
        filename: clean_filename(filename),
        created_at: now.clone(),
        entry_index: -1,
    };
    let mut shas: Vec<String> = existing.into_iter().map(|f| f.sha256).collect();
    shas.push(sha256.clone());
    let mut tx = ctx.db.pool.begin().await?;
    let entry = Attachment {
        record_id: id.to_string(),
        patient_id: record.patient_id.to_string(),
        uploaded_by: actor.id().to_string(),
        info: info.clone(),
        files_root: files_root(&shas),
        erased: false,
    };
    info.entry_index = crate::ledger::append(&mut tx, &entry).await?;
    sqlx::query(
        "INSERT INTO record_files (record_id, sha256, size, content_type, filename, uploaded_by, created_at, entry_index, sealed) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1)",
    )
    .bind(id.to_string())
    .bind(&info.sha256)
    .bind(info.size)
    .bind(&info.content_type)
    .bind(key.seal(&info.filename, &name_place(&id.to_string(), &info.sha256))?)
    .bind(actor.id().to_string())
    .bind(&now)
    .bind(info.entry_index)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!(size, "file attached");
    Ok(info)
}

/// The files of a record the caller may read.
pub async fn list(ctx: &Ctx, actor: &Actor, id: RecordId) -> Result<Vec<FileInfo>, Error> {
    service::get(ctx, actor, id).await?;
    rows(&ctx.db, &ctx.vault, id).await
}

/// A file's bytes, only after their SHA-256 matched. A mismatch (or a missing blob) is
/// refused with `file_integrity_failed` and raises an integrity alert for admins.
pub async fn fetch(ctx: &Ctx, actor: &Actor, id: RecordId, sha256: &str) -> Result<(FileInfo, Vec<u8>), Error> {
    let record = service::get(ctx, actor, id).await?;
    let sha256 = sha256.to_ascii_lowercase();
    let (key, files) = stored(&ctx.db, &ctx.vault, id).await?;
    let file = files.into_iter().find(|f| f.info.sha256 == sha256).ok_or(Error::NotFound("file_not_found"))?;
    let bytes = checked_bytes(ctx, key.as_ref(), id, record.patient_id, &file).await?;
    Ok((file.info, bytes))
}

/// Every file of `patient`'s record `id` with its bytes, in attachment order, each checked
/// against its SHA-256 as [`fetch`] checks it (a mismatch refuses the whole answer with
/// `file_integrity_failed` and raises an alert). No access rule here: the caller has decided
/// the reader may see the patient's files (the patient's own export).
pub async fn with_bytes(ctx: &Ctx, patient: UserId, id: RecordId) -> Result<Vec<(FileInfo, Vec<u8>)>, Error> {
    let (key, files) = stored(&ctx.db, &ctx.vault, id).await?;
    let mut out = Vec::with_capacity(files.len());
    for file in files {
        let bytes = checked_bytes(ctx, key.as_ref(), id, patient, &file).await?;
        out.push((file.info, bytes));
    }
    Ok(out)
}

/// A stored file's bytes opened, after their SHA-256 matched the row's; otherwise an
/// integrity alert and 409 `file_integrity_failed`.
async fn checked_bytes(ctx: &Ctx, key: Option<&FieldKey>, id: RecordId, patient: UserId, file: &StoredFile) -> Result<Vec<u8>, Error> {
    let sha256 = &file.info.sha256;
    let bytes = read_blob(&ctx.files, key, Some(patient), file).await?;
    let ok = bytes.as_ref().is_some_and(|b| hex::encode(Sha256::digest(b)) == *sha256);
    match bytes {
        Some(bytes) if ok => Ok(bytes),
        found => {
            let detail = if found.is_some() { "stored bytes no longer match their SHA-256" } else { "stored file is missing" };
            raise_alert(&ctx.db, &clock::format(ctx.clock.now()), "file_integrity", &format!("{id}/{sha256}"), detail).await?;
            tracing::error!(record_id = %id, sha256 = %sha256, "file integrity check failed");
            Err(Error::Conflict(
                "file_integrity_failed",
                "The stored file does not match its recorded hash; an integrity alert was raised.",
            ))
        }
    }
}

/// Records an integrity alert for admins.
pub async fn raise_alert(db: &Db, at: &str, kind: &str, subject: &str, detail: &str) -> Result<(), Error> {
    sqlx::query("INSERT INTO integrity_alerts (id, at, kind, subject_id, detail) VALUES ($1, $2, $3, $4, $5)")
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(at)
        .bind(kind)
        .bind(subject)
        .bind(detail)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// An integrity alert.
#[derive(Debug, Serialize, ToSchema)]
pub struct Alert {
    /// When.
    pub at: String,
    /// What kind of check failed.
    pub kind: String,
    /// What it concerns (record/file).
    pub subject_id: String,
    /// What was wrong.
    pub detail: String,
}

/// The newest integrity alerts (the route holds `audit.read`).
#[tracing::instrument(skip_all, fields(user_id = %actor.id()))]
pub async fn alerts(ctx: &Ctx, actor: &Actor, limit: i64) -> Result<Vec<Alert>, Error> {
    actor.require(Permission::AuditRead)?;
    let rows = sqlx::query("SELECT at, kind, subject_id, detail FROM integrity_alerts ORDER BY at DESC, id DESC LIMIT $1")
        .bind(limit)
        .fetch_all(&ctx.db.pool)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Alert { at: r.try_get("at")?, kind: r.try_get("kind")?, subject_id: r.try_get("subject_id")?, detail: r.try_get("detail")? })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(sniff(b"%PDF-1.7 ..."), Some("application/pdf"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0"), Some("image/jpeg"));
        assert_eq!(sniff("Résumé".as_bytes()), Some("text/plain; charset=utf-8"));
        assert_eq!(sniff(b"MZ\x90\x00\x03"), None);
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(clean_filename("C:\\scans\\x\u{0}ray.pdf"), "xray.pdf");
    }

    #[test]
    fn names_lose_bidi_overrides_and_invisibles_and_download_as_rfc_6266() {
        assert_eq!(clean_filename("invoice\u{202E}fdp.exe"), "invoicefdp.exe");
        assert_eq!(clean_filename("a\u{200B}b\u{2066}c\u{FEFF}\u{2028}d.pdf"), "abcd.pdf");
        assert_eq!(clean_filename("Résumé 2026.pdf"), "Résumé 2026.pdf");
        assert_eq!(
            content_disposition("Résumé \"final\"\u{202E}.pdf"),
            "attachment; filename=\"R_sum_ _final_.pdf\"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%22final%22.pdf"
        );
        assert_eq!(content_disposition("scan.pdf"), "attachment; filename=\"scan.pdf\"; filename*=UTF-8''scan.pdf");
    }
}
