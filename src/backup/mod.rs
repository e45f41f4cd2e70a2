//! Backups that do not depend on the backend: every table's rows and every stored file, as JSON
//! lines, read in one consistent snapshot while the server runs, and closed by an HMAC-SHA-256
//! (RFC 2104) under a key derived from the clinic's ledger key, so a truncated, altered or
//! foreign backup is refused before anything is restored. Rows and files stay encrypted as they
//! are at rest; the keys are never in a backup.

use std::collections::{BTreeMap, HashMap};

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use sqlx::{Column, Row};
use tokio::io::{AsyncBufReadExt, AsyncWrite, AsyncWriteExt};

use crate::db::{Backend, Db};
use crate::error::Error;
use crate::files::FileStore;

pub mod schedule;

/// The format's name and version, in the first line.
pub const FORMAT: &str = "careledger-backup";
const VERSION: i64 = 1;

/// What a backup or a restore went through.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// Tables, by name, with their rows.
    pub tables: BTreeMap<String, u64>,
    /// Stored files (blobs).
    pub files: u64,
    /// Bytes of the backup file.
    pub bytes: u64,
}

impl Summary {
    /// Every table's rows.
    pub fn rows(&self) -> u64 {
        self.tables.values().sum()
    }
}

/// The key a backup is signed with: HMAC-SHA-256 of a fixed label under the ledger's signing
/// seed (every restore needs the same key files anyway).
pub fn backup_key(ledger_seed: &[u8]) -> Result<Vec<u8>, Error> {
    let mut mac = mac(ledger_seed)?;
    mac.update(b"careledger backup v1");
    Ok(mac.finalize().into_bytes().to_vec())
}

fn mac(key: &[u8]) -> Result<Hmac<Sha256>, Error> {
    // HMAC takes a key of any length; the error cannot happen.
    <Hmac<Sha256> as KeyInit>::new_from_slice(key).map_err(|e| Error::Internal(anyhow::anyhow!("backup key: {e}")))
}

/// The tables a backup holds, parents before children (foreign keys), without sqlx's own.
/// Table and column names in the SQL below come from the database's own catalog (a backup's
/// names are used only once found there), so they are safe to write into it.
async fn tables(db: &Db) -> Result<Vec<String>, Error> {
    let names: Vec<String> = match db.backend {
        Backend::Sqlite => sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            .fetch_all(&db.pool)
            .await?,
        Backend::Postgres => sqlx::query_scalar(
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
        )
        .fetch_all(&db.pool)
        .await?,
    };
    // careledger's own tables only: another application's tables in the same schema are
    // neither backed up nor emptied by a restore.
    let ours = own_tables();
    let names: Vec<String> = names.into_iter().filter(|n| ours.contains(n)).collect();
    // Which tables each one refers to.
    let mut parents: HashMap<String, Vec<String>> = HashMap::new();
    match db.backend {
        Backend::Sqlite => {
            for name in &names {
                let refs: Vec<String> =
                    sqlx::query_scalar("SELECT \"table\" FROM pragma_foreign_key_list($1)").bind(name).fetch_all(&db.pool).await?;
                parents.insert(name.clone(), refs);
            }
        }
        Backend::Postgres => {
            let rows = sqlx::query(
                "SELECT CAST(tc.table_name AS TEXT) AS child, CAST(ccu.table_name AS TEXT) AS parent \
                 FROM information_schema.table_constraints tc \
                 JOIN information_schema.constraint_column_usage ccu ON tc.constraint_name = ccu.constraint_name AND tc.table_schema = ccu.table_schema \
                 WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = current_schema()",
            )
            .fetch_all(&db.pool)
            .await?;
            for row in rows {
                parents.entry(row.try_get("child")?).or_default().push(row.try_get("parent")?);
            }
        }
    }
    // Depth-first: each table after the tables it refers to.
    let mut ordered = Vec::new();
    fn visit(name: &str, parents: &HashMap<String, Vec<String>>, seen: &mut Vec<String>, ordered: &mut Vec<String>) {
        if seen.iter().any(|s| s == name) {
            return;
        }
        seen.push(name.to_string());
        for parent in parents.get(name).into_iter().flatten() {
            if parent != name {
                visit(parent, parents, seen, ordered);
            }
        }
        ordered.push(name.to_string());
    }
    let mut seen = Vec::new();
    for name in &names {
        visit(name, &parents, &mut seen, &mut ordered);
    }
    Ok(ordered.into_iter().filter(|n| names.contains(n)).collect())
}

/// The tables careledger's migrations make (`CREATE TABLE x`, or a rebuild's `RENAME TO x`).
fn own_tables() -> Vec<String> {
    let mut out = Vec::new();
    for m in sqlx::migrate!().iter() {
        let sql = m.sql.as_str().to_ascii_lowercase();
        for marker in ["create table if not exists ", "create table ", "rename to "] {
            for (i, _) in sql.match_indices(marker) {
                let name: String = sql[i + marker.len()..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                if !name.is_empty() && !out.contains(&name) {
                    out.push(name);
                }
            }
        }
    }
    out
}

/// The schema version: the newest migration applied.
async fn schema_version(db: &Db) -> Result<i64, Error> {
    Ok(sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(version) FROM _sqlx_migrations").fetch_one(&db.pool).await?.unwrap_or(0))
}

/// One column's value as JSON: whole numbers and text (the only shapes the schema uses: see
/// migrations/0001), or null.
fn value(row: &sqlx::any::AnyRow, i: usize) -> Result<Value, Error> {
    if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
        return Ok(v.map(Value::from).unwrap_or(Value::Null));
    }
    if let Ok(v) = row.try_get::<Option<i32>, _>(i) {
        return Ok(v.map(Value::from).unwrap_or(Value::Null));
    }
    if let Ok(v) = row.try_get::<Option<String>, _>(i) {
        return Ok(v.map(Value::from).unwrap_or(Value::Null));
    }
    if let Ok(v) = row.try_get::<Option<f64>, _>(i) {
        return Ok(v.map(Value::from).unwrap_or(Value::Null));
    }
    Err(Error::Internal(anyhow::anyhow!("column {} holds a value backups do not know", row.columns()[i].name())))
}

/// A line of the backup: JSON, a newline, and into the running MAC.
async fn line(out: &mut (impl AsyncWrite + Unpin), mac: &mut Hmac<Sha256>, bytes: &mut u64, v: &Value) -> Result<(), Error> {
    let mut text = serde_json::to_vec(v).map_err(|e| Error::Internal(e.into()))?;
    text.push(b'\n');
    mac.update(&text);
    *bytes += text.len() as u64;
    out.write_all(&text).await.map_err(|e| Error::Internal(e.into()))?;
    Ok(())
}

/// Writes a backup of `db` and `files` to `out`: the rows of one consistent snapshot (a
/// repeatable-read transaction, so writes going on meanwhile are either wholly in or wholly
/// out), then every stored file. `progress` hears (done, total) rows and files.
pub async fn write(
    db: &Db,
    files: &FileStore,
    key: &[u8],
    now: &str,
    out: &mut (impl AsyncWrite + Unpin),
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Summary, Error> {
    let mut mac = mac(key)?;
    let mut summary = Summary::default();
    let tables = tables(db).await?;
    let mut tx = db.pool.begin().await?;
    if db.backend == Backend::Postgres {
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;
    }
    let schema = sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(version) FROM _sqlx_migrations").fetch_one(&mut *tx).await?.unwrap_or(0);
    let mut counts = Vec::new();
    for t in &tables {
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM \"{t}\""))).fetch_one(&mut *tx).await?;
        counts.push(n);
    }
    // Only what careledger stored (anything else in the store is not the clinic's data).
    let blobs: Vec<String> = files.list().await?.into_iter().filter(|p| FileStore::is_store_path(p)).collect();
    let total = counts.iter().map(|n| *n as u64).sum::<u64>() + blobs.len() as u64;
    let mut done = 0;
    progress(0, total);
    let header = json!({"format": FORMAT, "version": VERSION, "schema": schema, "created_at": now, "tables": tables});
    line(out, &mut mac, &mut summary.bytes, &header).await?;
    for t in &tables {
        use futures_util::TryStreamExt;
        let mut rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT * FROM \"{t}\""))).fetch(&mut *tx);
        let mut n = 0;
        let mut columns = 0;
        // The table's line goes before its rows, with the column names the first row gives.
        while let Some(row) = rows.try_next().await? {
            if n == 0 {
                let names: Vec<String> = row.columns().iter().map(|c| c.name().to_string()).collect();
                columns = names.len();
                line(out, &mut mac, &mut summary.bytes, &json!({"table": t, "columns": names})).await?;
            }
            let values = (0..columns).map(|i| value(&row, i)).collect::<Result<Vec<_>, _>>()?;
            line(out, &mut mac, &mut summary.bytes, &json!({"row": values})).await?;
            n += 1;
            done += 1;
            if done % 500 == 0 {
                progress(done, total);
            }
        }
        if n == 0 {
            line(out, &mut mac, &mut summary.bytes, &json!({"table": t, "columns": []})).await?;
        }
        summary.tables.insert(t.clone(), n);
    }
    tx.commit().await?;
    for path in &blobs {
        // A blob listed then deleted (erasure meanwhile) is simply not in the backup.
        if let Some(bytes) = files.get_path(path).await? {
            let data = base64::engine::general_purpose::STANDARD.encode(&bytes);
            line(out, &mut mac, &mut summary.bytes, &json!({"file": path, "data": data})).await?;
            summary.files += 1;
        }
        done += 1;
        progress(done, total);
    }
    let end = json!({"end": {"rows": summary.rows(), "files": summary.files}});
    line(out, &mut mac, &mut summary.bytes, &end).await?;
    let tag = hex::encode(mac.finalize().into_bytes());
    let seal = format!("{}\n", json!({"mac": tag}));
    out.write_all(seal.as_bytes()).await.map_err(|e| Error::Internal(e.into()))?;
    out.flush().await.map_err(|e| Error::Internal(e.into()))?;
    summary.bytes += seal.len() as u64;
    Ok(summary)
}

/// Why a backup file cannot be restored.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// Not a careledger backup, or a version this release does not read.
    #[error("not a careledger backup (or a format version this release does not read): {0}")]
    NotABackup(String),
    /// It stops before its end.
    #[error("the backup is truncated: it ends before its closing line, so it was cut short while written or copied")]
    Truncated,
    /// Its MAC does not match.
    #[error(
        "the backup was altered, or was made with other keys: its HMAC does not match (restore it with the key files of the clinic that made it)"
    )]
    Altered,
    /// From a newer release.
    #[error("the backup is from a newer release (schema {0}); this one has schema {1}: upgrade careledger first")]
    Newer(i64, i64),
    /// The database is not empty.
    #[error("the database is not empty ({0} accounts): restore into a new, empty database")]
    NotEmpty(i64),
    /// Something inside does not fit.
    #[error("the backup does not fit this database: {0}")]
    Misfit(String),
}

/// Reads a backup through and checks its MAC, without restoring anything.
pub async fn check(path: &std::path::Path, key: &[u8]) -> Result<Result<Value, Refusal>, Error> {
    let file = tokio::fs::File::open(path).await.map_err(|e| Error::Internal(anyhow::anyhow!("cannot open {}: {e}", path.display())))?;
    let mut lines = tokio::io::BufReader::new(file).lines();
    let mut mac = mac(key)?;
    let mut header: Option<Value> = None;
    let mut ended = false;
    loop {
        let text = match lines.next_line().await {
            Ok(Some(text)) => text,
            Ok(None) => break,
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => return Ok(Err(Refusal::NotABackup("not text".into()))),
            Err(e) => return Err(Error::Internal(e.into())),
        };
        if ended {
            let Ok(seal) = serde_json::from_str::<Value>(&text) else { return Ok(Err(Refusal::Altered)) };
            let tag = seal["mac"].as_str().and_then(|t| hex::decode(t).ok()).unwrap_or_default();
            if mac.verify_slice(&tag).is_err() {
                return Ok(Err(Refusal::Altered));
            }
            // A backup without the ledger's state would leave a database no server opens.
            return Ok(match header {
                Some(h)
                    if h["tables"].as_array().is_some_and(|t| t.iter().any(|t| t == "ledger_state") && t.iter().any(|t| t == "users")) =>
                {
                    Ok(h)
                }
                Some(_) => Err(Refusal::Misfit("it holds none of careledger's tables".into())),
                None => Err(Refusal::Truncated),
            });
        }
        mac.update(text.as_bytes());
        mac.update(b"\n");
        let Ok(v) = serde_json::from_str::<Value>(&text) else {
            // A line cut in the middle is the file's last: it was cut short; elsewhere, changed.
            let last = lines.next_line().await.map_err(|e| Error::Internal(e.into()))?.is_none();
            return Ok(Err(if last { Refusal::Truncated } else { Refusal::Altered }));
        };
        if header.is_none() {
            if v["format"] != FORMAT || v["version"] != VERSION {
                return Ok(Err(Refusal::NotABackup(text.chars().take(80).collect())));
            }
            header = Some(v);
        } else if v.get("end").is_some() {
            ended = true;
        }
    }
    Ok(Err(if header.is_none() { Refusal::NotABackup("an empty file".into()) } else { Refusal::Truncated }))
}

/// Inserts rows of one table in one statement, each value bound as this database keeps its
/// column (whole numbers, NULL included, as numbers; the rest as text).
async fn insert(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    table: &str,
    columns: &[String],
    numeric: &HashMap<(String, String), bool>,
    rows: Vec<Vec<Value>>,
) -> Result<Result<(), Refusal>, Error> {
    if rows.is_empty() || columns.is_empty() {
        return Ok(Ok(()));
    }
    let names = columns.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ");
    let mut n = 0;
    let tuples = rows
        .iter()
        .map(|_| {
            let params = columns.iter().map(|_| {
                n += 1;
                format!("${n}")
            });
            format!("({})", params.collect::<Vec<_>>().join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!("INSERT INTO \"{table}\" ({names}) VALUES {tuples}");
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for values in &rows {
        for (c, value) in columns.iter().zip(values) {
            let is_number = numeric.get(&(table.to_string(), c.clone())).copied().unwrap_or(false);
            q = match value {
                Value::Null if is_number => q.bind(None::<i64>),
                Value::Null => q.bind(None::<String>),
                Value::Number(n) if is_number => q.bind(n.as_i64()),
                Value::Number(n) => q.bind(n.to_string()),
                Value::String(s) if is_number => match s.parse::<i64>() {
                    Ok(n) => q.bind(n),
                    Err(_) => return Ok(Err(Refusal::Misfit(format!("{table}.{c} holds text where this release keeps a number")))),
                },
                Value::String(s) => q.bind(s.clone()),
                other => return Ok(Err(Refusal::Misfit(format!("{table}.{c} holds {other}")))),
            };
        }
    }
    q.execute(&mut **tx).await?;
    Ok(Ok(()))
}

/// Restores a checked backup into an empty database (its schema made by this release's
/// migrations) and `files`, in one transaction: all of it or nothing.
pub async fn restore(
    db: &Db,
    files: &FileStore,
    key: &[u8],
    path: &std::path::Path,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Result<Summary, Refusal>, Error> {
    let header = match check(path, key).await? {
        Ok(h) => h,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let here = schema_version(db).await?;
    let theirs = header["schema"].as_i64().unwrap_or(0);
    if theirs > here {
        return Ok(Err(Refusal::Newer(theirs, here)));
    }
    let accounts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&db.pool).await?;
    if accounts > 0 {
        return Ok(Err(Refusal::NotEmpty(accounts)));
    }
    let ours = tables(db).await?;
    // Each column's kind here: whole numbers bind as such (a NULL too), the rest as text.
    let mut numeric: HashMap<(String, String), bool> = HashMap::new();
    for t in &ours {
        let rows = match db.backend {
            Backend::Sqlite => sqlx::query("SELECT name, type FROM pragma_table_info($1)").bind(t).fetch_all(&db.pool).await?,
            Backend::Postgres => {
                sqlx::query("SELECT CAST(column_name AS TEXT) AS name, CAST(data_type AS TEXT) AS type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1")
                    .bind(t)
                    .fetch_all(&db.pool)
                    .await?
            }
        };
        for row in rows {
            let (name, kind): (String, String) = (row.try_get("name")?, row.try_get("type")?);
            numeric.insert((t.clone(), name), kind.to_ascii_uppercase().contains("INT"));
        }
    }
    let total = header["tables"].as_array().map(|t| t.len() as u64).unwrap_or(0);
    let mut summary = Summary::default();
    let mut tx = db.pool.begin().await?;
    // Rows the migrations seeded (the ledger's counter, settings) give way to the backup's.
    for t in ours.iter().rev() {
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM \"{t}\""))).execute(&mut *tx).await?;
    }
    let file = tokio::fs::File::open(path).await.map_err(|e| Error::Internal(e.into()))?;
    let mut lines = tokio::io::BufReader::new(file).lines();
    let mut current: Option<(String, Vec<String>)> = None;
    let mut batch: Vec<Vec<Value>> = Vec::new();
    let mut done_tables = 0;
    let _ = lines.next_line().await.map_err(|e| Error::Internal(e.into()))?;
    while let Some(text) = lines.next_line().await.map_err(|e| Error::Internal(e.into()))? {
        let v: Value = serde_json::from_str(&text).map_err(|e| Error::Internal(e.into()))?;
        if let Some(t) = v["table"].as_str() {
            if let Some((t, columns)) = &current
                && let Err(refusal) = insert(&mut tx, t, columns, &numeric, std::mem::take(&mut batch)).await?
            {
                return Ok(Err(refusal));
            }
            if !ours.iter().any(|o| o == t) {
                return Ok(Err(Refusal::Misfit(format!("this release has no table {t}"))));
            }
            let columns: Vec<String> =
                v["columns"].as_array().into_iter().flatten().filter_map(|c| c.as_str().map(str::to_string)).collect();
            if let Some(c) = columns.iter().find(|c| !numeric.contains_key(&(t.to_string(), (*c).clone()))) {
                return Ok(Err(Refusal::Misfit(format!("this release's {t} has no column {c}"))));
            }
            current = Some((t.to_string(), columns));
            summary.tables.insert(t.to_string(), 0);
            done_tables += 1;
            progress(done_tables, total);
        } else if let Some(values) = v.get("row").and_then(Value::as_array) {
            let Some((t, columns)) = &current else { return Ok(Err(Refusal::Misfit("a row before its table".into()))) };
            if values.len() != columns.len() {
                return Ok(Err(Refusal::Misfit(format!("a row of {t} with {} values for {} columns", values.len(), columns.len()))));
            }
            batch.push(values.clone());
            if let Some(n) = summary.tables.get_mut(t) {
                *n += 1;
            }
            // Many rows to a statement (a few thousand values: within both backends' limits).
            if batch.len() * columns.len().max(1) >= 4000
                && let Err(refusal) = insert(&mut tx, t, columns, &numeric, std::mem::take(&mut batch)).await?
            {
                return Ok(Err(refusal));
            }
        } else if let Some(path) = v["file"].as_str() {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(v["data"].as_str().unwrap_or_default())
                .map_err(|_| Error::Internal(anyhow::anyhow!("a file's data is not base64")))?;
            if !crate::files::FileStore::is_store_path(path) {
                return Ok(Err(Refusal::Misfit(format!(
                    "a file outside the store's shapes: {}",
                    path.chars().take(80).collect::<String>()
                ))));
            }
            files.put_path(path, bytes).await?;
            summary.files += 1;
        } else if v.get("end").is_some() {
            break;
        }
    }
    if let Some((t, columns)) = &current
        && let Err(refusal) = insert(&mut tx, t, columns, &numeric, batch).await?
    {
        return Ok(Err(refusal));
    }
    tx.commit().await?;
    summary.bytes = tokio::fs::metadata(path).await.map(|m| m.len()).unwrap_or(0);
    Ok(Ok(summary))
}
