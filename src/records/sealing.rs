//! Record text at rest: sealing a version's title, notes and reason under the patient's data
//! key (`crate::vault`), the blind index that keyword search uses instead of decrypting rows,
//! and the upgrade that seals rows earlier releases wrote in clear.
//!
//! Each value is sealed with its place as associated data (`record:<id>:v<version>:<field>`),
//! so a value moved to another record, version or field does not open. A record row holds the
//! very ciphertext of its latest version row (same place), so `ledger verify` still compares
//! them without opening either.

use std::collections::BTreeSet;

use sqlx::Row;
use unicode_normalization::UnicodeNormalization;

use crate::crypt::FieldKey;
use crate::db::Db;
use crate::error::Error;
use crate::ids::{RecordId, UserId};
use crate::vault::Vault;

/// A version's text as stored: each field sealed.
#[derive(Debug, Clone)]
pub struct SealedText {
    /// Sealed title.
    pub title: String,
    /// Sealed notes.
    pub notes: String,
    /// Sealed amendment reason ("" sealed for version 1).
    pub reason: String,
}

/// A version's text opened.
#[derive(Debug, Clone)]
pub struct OpenText {
    /// Title.
    pub title: String,
    /// Notes.
    pub notes: String,
    /// Amendment reason.
    pub reason: String,
}

fn place(id: RecordId, version: i64, field: &str) -> String {
    format!("record:{id}:v{version}:{field}")
}

/// Seals a version's text under the patient's data key.
pub fn seal_version(key: &FieldKey, id: RecordId, version: i64, title: &str, notes: &str, reason: &str) -> Result<SealedText, Error> {
    Ok(SealedText {
        title: key.seal(title, &place(id, version, "title"))?,
        notes: key.seal(notes, &place(id, version, "notes"))?,
        reason: key.seal(reason, &place(id, version, "reason"))?,
    })
}

/// Opens a version's sealed text (the reason only when asked for: record rows carry none).
pub fn open_version(key: &FieldKey, id: RecordId, version: i64, title: &str, notes: &str, reason: Option<&str>) -> Result<OpenText, Error> {
    let open = |v: &str, field: &str| key.open(v, &place(id, version, field)).map(|s| s.expose().clone());
    Ok(OpenText {
        title: open(title, "title")?,
        notes: open(notes, "notes")?,
        reason: reason.map(|r| open(r, "reason")).transpose()?.unwrap_or_default(),
    })
}

/// Shortest prefix indexed, and longest: a word of 3 to 16 characters is found by any prefix of
/// 3 characters or more; a longer word by its first 16 or by the whole word.
const MIN_PREFIX: usize = 3;
const MAX_PREFIX: usize = 16;

/// The words of a text, normalised: Unicode NFKC (UAX #15), lower case, split at every
/// character that is not a letter or digit.
pub fn words(text: &str) -> Vec<String> {
    let normal: String = text.nfkc().flat_map(char::to_lowercase).collect();
    normal.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_string).collect()
}

/// The terms a text is indexed under: each word's prefixes (`p:`), and whole words too short
/// or too long for prefixes (`w:`).
pub fn index_terms(text: &str) -> BTreeSet<String> {
    let mut terms = BTreeSet::new();
    for word in words(text) {
        let chars: Vec<char> = word.chars().collect();
        if chars.len() < MIN_PREFIX || chars.len() > MAX_PREFIX {
            terms.insert(format!("w:{word}"));
        }
        for len in MIN_PREFIX..=chars.len().min(MAX_PREFIX) {
            terms.insert(format!("p:{}", chars[..len].iter().collect::<String>()));
        }
    }
    terms
}

/// The term each searched word must match: a prefix of 3 to 16 characters, else the whole word.
pub fn query_terms(q: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in words(q) {
        let n = word.chars().count();
        let term = if (MIN_PREFIX..=MAX_PREFIX).contains(&n) { format!("p:{word}") } else { format!("w:{word}") };
        if !out.contains(&term) {
            out.push(term);
        }
    }
    out
}

/// Replaces a record's blind index rows with those of its current text, in the caller's
/// transaction.
pub async fn index_record(conn: &mut sqlx::AnyConnection, vault: &Vault, id: RecordId, title: &str, notes: &str) -> Result<(), Error> {
    sqlx::query("DELETE FROM record_terms WHERE record_id = $1").bind(id.to_string()).execute(&mut *conn).await?;
    let mut tokens: Vec<String> = index_terms(title).union(&index_terms(notes)).map(|t| vault.blind(t)).collect();
    tokens.sort();
    tokens.dedup();
    // Many rows per statement: a long note has thousands of terms.
    for chunk in tokens.chunks(200) {
        let mut sql = String::from("INSERT INTO record_terms (term, record_id) VALUES ");
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            // Placeholders only: every value is bound.
            sql.push_str(&format!("(${}, ${})", 2 * i + 1, 2 * i + 2));
        }
        let record = id.to_string();
        let q = chunk.iter().fold(sqlx::query(sqlx::AssertSqlSafe(sql)), |q, t| q.bind(t.clone()).bind(record.clone()));
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Seals the record and version text earlier releases stored in clear, and builds the blind
/// index of those records (`records::files::seal_earlier` does their files). Runs at start (and
/// again in housekeeping, for rows a copy of the previous release wrote during a rolling
/// upgrade), a record per transaction, so an interruption loses nothing and the next run goes
/// on. Idempotent: a row is sealed once (`sealed = 0` → `1` in the same statement). Returns how
/// many records it sealed.
pub async fn seal_earlier(db: &Db, vault: &Vault, now: &str) -> Result<u64, Error> {
    let mut done = 0;
    loop {
        let batch = sqlx::query("SELECT id, patient_id FROM records WHERE sealed = 0 LIMIT 100").fetch_all(&db.pool).await?;
        if batch.is_empty() {
            break;
        }
        for row in &batch {
            let id: RecordId = parse(row.try_get("id")?)?;
            let patient: UserId = parse(row.try_get("patient_id")?)?;
            let key = vault.key_for(&mut *db.pool.acquire().await?, patient, now).await?;
            let mut tx = db.pool.begin().await?;
            seal_record(&mut tx, vault, &key, id).await?;
            tx.commit().await?;
            done += 1;
        }
    }
    Ok(done)
}

fn parse<T: std::str::FromStr>(s: String) -> Result<T, Error> {
    s.parse().map_err(|_| Error::Internal(anyhow::anyhow!("corrupt id in a records table")))
}

/// Seals one record row and its clear version rows, and indexes its text.
async fn seal_record(conn: &mut sqlx::AnyConnection, vault: &Vault, key: &FieldKey, id: RecordId) -> Result<(), Error> {
    // A write first: it takes SQLite's write lock (and PostgreSQL's row lock) before anything
    // is read, so two copies sealing at once queue, and the loser finds nothing left to do.
    let claimed =
        sqlx::query("UPDATE records SET version = version WHERE id = $1 AND sealed = 0").bind(id.to_string()).execute(&mut *conn).await?;
    if claimed.rows_affected() == 0 {
        return Ok(());
    }
    let versions = sqlx::query("SELECT version, title, notes, reason FROM record_versions WHERE record_id = $1 AND sealed = 0")
        .bind(id.to_string())
        .fetch_all(&mut *conn)
        .await?;
    for v in &versions {
        let version: i64 = v.try_get("version")?;
        let text = seal_version(
            key,
            id,
            version,
            &v.try_get::<String, _>("title")?,
            &v.try_get::<String, _>("notes")?,
            &v.try_get::<String, _>("reason")?,
        )?;
        sqlx::query("UPDATE record_versions SET title = $1, notes = $2, reason = $3, sealed = 1 WHERE record_id = $4 AND version = $5 AND sealed = 0")
            .bind(&text.title)
            .bind(&text.notes)
            .bind(&text.reason)
            .bind(id.to_string())
            .bind(version)
            .execute(&mut *conn)
            .await?;
    }
    let Some(r) = sqlx::query("SELECT title, notes, version FROM records WHERE id = $1 AND sealed = 0")
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(());
    };
    let (title, notes, version): (String, String, i64) = (r.try_get("title")?, r.try_get("notes")?, r.try_get("version")?);
    // The record row takes its latest version's very ciphertext when that row says the same
    // (as every write keeps it); a record that drifted keeps its own text, sealed, for
    // `ledger verify` to name.
    let latest = sqlx::query("SELECT title, notes FROM record_versions WHERE record_id = $1 AND version = $2 AND sealed = 1")
        .bind(id.to_string())
        .bind(version)
        .fetch_optional(&mut *conn)
        .await?;
    let sealed = match latest {
        Some(l) => {
            let (lt, ln): (String, String) = (l.try_get("title")?, l.try_get("notes")?);
            match open_version(key, id, version, &lt, &ln, None) {
                Ok(open) if open.title == title && open.notes == notes => SealedText { title: lt, notes: ln, reason: String::new() },
                _ => seal_version(key, id, version, &title, &notes, "")?,
            }
        }
        None => seal_version(key, id, version, &title, &notes, "")?,
    };
    sqlx::query("UPDATE records SET title = $1, notes = $2, sealed = 1 WHERE id = $3 AND sealed = 0")
        .bind(&sealed.title)
        .bind(&sealed.notes)
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    index_record(conn, vault, id, &title, &notes).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_normalised_and_prefixes_indexed() {
        assert_eq!(words("Type-2 DIABETES; ﬁbrosis"), vec!["type", "2", "diabetes", "fibrosis"]);
        let terms = index_terms("Diabetes ok");
        assert!(terms.contains("p:dia") && terms.contains("p:diabetes") && terms.contains("w:ok"));
        assert!(!terms.contains("p:di") && !terms.contains("p:ok"));
        let long = index_terms("pneumonoultramicroscopic");
        assert!(
            long.contains("w:pneumonoultramicroscopic") && long.contains("p:pneumonoultramic") && !long.contains("p:pneumonoultramicr")
        );
        assert_eq!(query_terms("DIAB  diab ok"), vec!["p:diab", "w:ok"]);
    }

    #[test]
    fn sealed_text_opens_only_in_its_place() -> Result<(), Error> {
        let key = FieldKey::new(&crate::config::Secret::new(vec![3u8; 32])).map_err(Error::Internal)?;
        let id = RecordId::new();
        let s = seal_version(&key, id, 2, "Asthma review", "Peak flow 410", "typo")?;
        assert!(!s.notes.contains("Peak"));
        let o = open_version(&key, id, 2, &s.title, &s.notes, Some(&s.reason))?;
        assert_eq!((o.title.as_str(), o.notes.as_str(), o.reason.as_str()), ("Asthma review", "Peak flow 410", "typo"));
        assert!(open_version(&key, id, 1, &s.title, &s.notes, None).is_err(), "bound to its version");
        assert!(open_version(&key, RecordId::new(), 2, &s.title, &s.notes, None).is_err(), "bound to its record");
        assert!(open_version(&key, id, 2, &s.notes, &s.title, None).is_err(), "bound to its field");
        Ok(())
    }
}
