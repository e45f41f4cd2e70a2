//! Record queries: one portable statement per access path, values always bound.

use anyhow::anyhow;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::db::{Bind, Db, Filters};
use crate::error::Error;
use crate::ids::{RecordId, UserId};
use crate::records::model::{Record, RecordType, RecordVersion, VersionEntry};
use crate::records::sealing::{self, SealedText};
use crate::vault::Vault;

/// A `'static` record query with names joined in: built with `concat!`, so no SQL is ever
/// assembled at run time.
macro_rules! select_records {
    ($rest:literal) => {
        select_records!("", $rest)
    };
    ($more_cols:literal, $rest:literal) => {
        concat!(
            "SELECT r.id, r.patient_id, r.doctor_id, r.title, r.notes, r.record_type, r.created_at, r.version, r.sealed, ",
            "p.full_name AS patient_name, p.erased_at AS patient_erased_at, d.full_name AS doctor_name, ",
            "k.wrapped_key AS k_wrapped, k.master_key_id AS k_master",
            $more_cols,
            " FROM records r JOIN users p ON p.id = r.patient_id JOIN users d ON d.id = r.doctor_id ",
            "LEFT JOIN patient_keys k ON k.patient_id = r.patient_id ",
            $rest
        )
    };
}

/// A record row decoded, its title and notes opened with the patient's data key (joined in, so
/// reading a record costs no second query). An erased patient's records are gone: 410.
fn record_from_row(vault: &Vault, row: &AnyRow) -> Result<Record, Error> {
    let erased: Option<String> = row.try_get("patient_erased_at")?;
    if erased.is_some() {
        return Err(Error::Gone("erased"));
    }
    let mut record = placeholder(row)?;
    let sealed: i64 = row.try_get("sealed")?;
    let (title, notes): (String, String) = (row.try_get("title")?, row.try_get("notes")?);
    (record.title, record.notes) = if sealed == 1 {
        let wrapped: Option<String> = row.try_get("k_wrapped")?;
        let master: Option<String> = row.try_get("k_master")?;
        let key = vault
            .key_from_columns(wrapped.as_deref(), master.as_deref(), record.patient_id)?
            .ok_or_else(|| Error::Internal(anyhow!("record {} is sealed but its patient has no data key", record.id)))?;
        let text = sealing::open_version(&key, record.id, record.version, &title, &notes, None)?;
        (text.title, text.notes)
    } else {
        (title, notes)
    };
    record.patient_name = row.try_get("patient_name")?;
    record.doctor_name = row.try_get("doctor_name")?;
    Ok(record)
}

/// The columns of a new record (its text in clear: the service seals it).
pub struct RecordRow<'a> {
    /// Id.
    pub id: RecordId,
    /// Patient.
    pub patient_id: UserId,
    /// Author.
    pub doctor_id: UserId,
    /// Title.
    pub title: &'a str,
    /// Notes.
    pub notes: &'a str,
    /// Type.
    pub record_type: RecordType,
    /// Creation time.
    pub created_at: &'a str,
}

/// Inserts a record row (its first version and that version's entry are the service's to
/// write, in the same transaction).
pub async fn insert_record<'e, E>(ex: E, r: &RecordRow<'_>, text: &SealedText) -> Result<(), Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO records (id, patient_id, doctor_id, title, notes, record_type, created_at, sealed) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 1)",
    )
    .bind(r.id.to_string())
    .bind(r.patient_id.to_string())
    .bind(r.doctor_id.to_string())
    .bind(&text.title)
    .bind(&text.notes)
    .bind(r.record_type.as_str())
    .bind(r.created_at)
    .execute(ex)
    .await
    .map_err(|e| match e {
        sqlx::Error::Database(d) if d.is_unique_violation() => Error::Conflict("record_exists", "A record with this id exists already."),
        other => other.into(),
    })?;
    Ok(())
}

/// Stores a version row, its text sealed.
pub async fn insert_version(
    conn: &mut sqlx::AnyConnection,
    id: RecordId,
    version: i64,
    text: &SealedText,
    author: UserId,
    time: &str,
    entry_index: i64,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO record_versions (record_id, version, title, notes, author_id, reason, created_at, entry_index, sealed) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1)",
    )
    .bind(id.to_string())
    .bind(version)
    .bind(&text.title)
    .bind(&text.notes)
    .bind(author.to_string())
    .bind(&text.reason)
    .bind(time)
    .bind(entry_index)
    .execute(conn)
    .await?;
    Ok(())
}

/// Makes `version` the record's latest, if `version - 1` still is (two amendments racing:
/// one wins, the other is refused rather than lost).
pub async fn set_latest(conn: &mut sqlx::AnyConnection, id: RecordId, version: i64, text: &SealedText) -> Result<bool, Error> {
    let done = sqlx::query("UPDATE records SET title = $1, notes = $2, version = $3, sealed = 1 WHERE id = $4 AND version = $5")
        .bind(&text.title)
        .bind(&text.notes)
        .bind(version)
        .bind(id.to_string())
        .bind(version - 1)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Every version of a record of `patient`, oldest first, opened.
pub async fn versions(db: &Db, vault: &Vault, id: RecordId, patient: UserId) -> Result<Vec<RecordVersion>, Error> {
    let rows = sqlx::query(
        "SELECT version, title, notes, author_id, reason, created_at, entry_index, sealed FROM record_versions \
         WHERE record_id = $1 ORDER BY version",
    )
    .bind(id.to_string())
    .fetch_all(&db.pool)
    .await?;
    let key = if rows.is_empty() { None } else { vault.existing(&db.pool, patient).await? };
    rows.iter().map(|r| version_from_row(key.as_ref(), id, r)).collect()
}

/// A `record_versions` row decoded, its text opened with the patient's key when sealed.
pub fn version_from_row(key: Option<&crate::crypt::FieldKey>, id: RecordId, r: &AnyRow) -> Result<RecordVersion, Error> {
    let version: i64 = r.try_get("version")?;
    let sealed: i64 = r.try_get("sealed")?;
    let (title, notes, reason): (String, String, String) = (r.try_get("title")?, r.try_get("notes")?, r.try_get("reason")?);
    let (title, notes, reason) = if sealed == 1 {
        let key = key.ok_or_else(|| Error::Internal(anyhow!("record {id} is sealed but its patient has no data key")))?;
        let text = sealing::open_version(key, id, version, &title, &notes, Some(&reason))?;
        (text.title, text.notes, text.reason)
    } else {
        (title, notes, reason)
    };
    Ok(RecordVersion {
        version,
        title,
        notes,
        author_id: r.try_get("author_id")?,
        reason,
        created_at: r.try_get("created_at")?,
        entry_index: r.try_get("entry_index")?,
    })
}

/// A record by id with whether `doctor` is on its patient's care team at `now`, in one query
/// (the access check of a doctor's read costs no second round trip).
pub async fn get_with_membership(db: &Db, vault: &Vault, id: RecordId, doctor: UserId, now: &str) -> Result<Option<(Record, bool)>, Error> {
    let row = sqlx::query(select_records!(
        ", CASE WHEN EXISTS (SELECT 1 FROM care_team c WHERE c.patient_id = r.patient_id AND c.doctor_id = $2 \
           AND c.removed_at IS NULL AND (c.expires_at IS NULL OR c.expires_at > $3)) THEN 1 ELSE 0 END AS on_team",
        "WHERE r.id = $1"
    ))
    .bind(id.to_string())
    .bind(doctor.to_string())
    .bind(now)
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    if row.try_get::<i64, _>("on_team")? != 1 {
        // Not theirs to read: nothing is opened.
        return Ok(Some((placeholder(&row)?, false)));
    }
    Ok(Some((record_from_row(vault, &row)?, true)))
}

/// A record by id, with names, opened.
pub async fn get(db: &Db, vault: &Vault, id: RecordId) -> Result<Option<Record>, Error> {
    let row = sqlx::query(select_records!("WHERE r.id = $1")).bind(id.to_string()).fetch_optional(&db.pool).await?;
    row.as_ref().map(|r| record_from_row(vault, r)).transpose()
}

/// The patient a record is about, without reading (or opening) it.
pub async fn owner(db: &Db, id: RecordId) -> Result<Option<UserId>, Error> {
    let row = sqlx::query("SELECT patient_id FROM records WHERE id = $1").bind(id.to_string()).fetch_optional(&db.pool).await?;
    row.map(|r| r.try_get::<String, _>("patient_id")?.parse().map_err(|_| Error::Internal(anyhow!("corrupt record row: patient_id"))))
        .transpose()
}

/// A record's ids, type, date and version with no text and no names (a refused read opens
/// nothing; [`record_from_row`] fills them in).
fn placeholder(row: &AnyRow) -> Result<Record, Error> {
    let bad = |what: &str| Error::Internal(anyhow!("corrupt record row: {what}"));
    let id: String = row.try_get("id")?;
    let patient_id: String = row.try_get("patient_id")?;
    let doctor_id: String = row.try_get("doctor_id")?;
    let record_type: String = row.try_get("record_type")?;
    Ok(Record {
        id: id.parse().map_err(|_| bad("id"))?,
        patient_id: patient_id.parse().map_err(|_| bad("patient_id"))?,
        doctor_id: doctor_id.parse().map_err(|_| bad("doctor_id"))?,
        title: String::new(),
        notes: String::new(),
        record_type: RecordType::parse(&record_type).ok_or_else(|| bad("record_type"))?,
        created_at: row.try_get("created_at")?,
        patient_name: String::new(),
        doctor_name: String::new(),
        version: row.try_get("version")?,
    })
}

/// A record by id with the ledger entry of its latest version (what a proof needs), in one
/// query; a record without that version row (which `ledger verify` names) is an internal error.
pub async fn get_with_entry(db: &Db, id: RecordId) -> Result<Option<(Record, i64)>, Error> {
    // A proof needs the record's ids and entry, never its text: nothing is opened.
    let row = sqlx::query(select_records!(
        ", v.entry_index AS latest_entry",
        "LEFT JOIN record_versions v ON v.record_id = r.id AND v.version = r.version WHERE r.id = $1"
    ))
    .bind(id.to_string())
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    // Whether its patient was erased is the service's to say, after the access check (to
    // anyone else an erased patient's record is as unknown as any other).
    let record = placeholder(&row)?;
    let entry: Option<i64> = row.try_get("latest_entry")?;
    let entry = entry.ok_or_else(|| Error::Internal(anyhow!("record {id} has no row for its latest version")))?;
    Ok(Some((record, entry)))
}

/// A resolved query: the access scope (at least one of patient or doctor is set by the service)
/// plus optional filters, all bound as values.
#[derive(Debug, Default, Clone)]
pub struct ListQuery {
    /// Only this patient.
    pub patient_id: Option<UserId>,
    /// Only this author.
    pub doctor_id: Option<UserId>,
    /// Only patients whose care team this doctor is on at this time (a doctor's scope).
    pub care_team_of: Option<(UserId, String)>,
    /// Only this type.
    pub record_type: Option<RecordType>,
    /// `created_at >= from`.
    pub from: Option<String>,
    /// `created_at < to`.
    pub to: Option<String>,
    /// Blind index tokens every record must have (one per word searched for).
    pub terms: Vec<String>,
    /// Keyset cursor: the `(created_at, id)` of the last item seen.
    pub after: Option<(String, String)>,
    /// Rows to fetch.
    pub limit: i64,
}

/// Records matching a query, newest first. The scope columns lead the composite indexes
/// `(patient_id, created_at, id)` / `(doctor_id, patient_id, created_at, id)`.
pub async fn list(db: &Db, vault: &Vault, q: &ListQuery) -> Result<Vec<Record>, Error> {
    let text = |s: &str| Bind::Text(s.to_string());
    let mut f = Filters::default();
    // An erased patient's records are gone from every list.
    f.and("p.erased_at IS NULL", []);
    if let Some(p) = q.patient_id {
        f.and("r.patient_id = ?", [text(&p.to_string())]);
    }
    if let Some(d) = q.doctor_id {
        f.and("r.doctor_id = ?", [text(&d.to_string())]);
    }
    if let Some((d, now)) = &q.care_team_of {
        // Served by care_team_doctor (doctor_id, patient_id) and the records' patient index.
        f.and(
            "r.patient_id IN (SELECT c.patient_id FROM care_team c WHERE c.doctor_id = ? AND c.removed_at IS NULL \
             AND (c.expires_at IS NULL OR c.expires_at > ?))",
            [text(&d.to_string()), text(now)],
        );
    }
    if let Some(t) = q.record_type {
        f.and("r.record_type = ?", [text(t.as_str())]);
    }
    if let Some(from) = &q.from {
        f.and("r.created_at >= ?", [text(from)]);
    }
    if let Some(to) = &q.to {
        f.and("r.created_at < ?", [text(to)]);
    }
    for term in &q.terms {
        // Served by record_terms' primary key (term, record_id).
        f.and("r.id IN (SELECT t.record_id FROM record_terms t WHERE t.term = ?)", [text(term)]);
    }
    if let Some((at, id)) = &q.after {
        // A row-value comparison, so the (…, created_at, id) index seeks straight to the cursor.
        f.and("(r.created_at, r.id) < (?, ?)", [text(at), text(id)]);
    }
    let limit = f.placeholder(Bind::Int(q.limit));
    let sql = format!(select_records!("{} ORDER BY r.created_at DESC, r.id DESC LIMIT {}"), f.where_clause(), limit);
    let rows = f.query(sql).fetch_all(&db.pool).await?;
    rows.iter().map(|r| record_from_row(vault, r)).collect()
}

/// The people on the other side of a user's records, by name: a patient's doctors (who wrote
/// their records), or a doctor's patients (whose care team they are on), for the history
/// page's filter. Served by the scope indexes.
pub async fn counterparts(db: &Db, user: UserId, as_patient: bool, now: &str) -> Result<Vec<(String, String)>, Error> {
    let sql = if as_patient {
        "SELECT DISTINCT u.id, u.full_name FROM records r JOIN users u ON u.id = r.doctor_id \
         WHERE r.patient_id = $1 ORDER BY u.full_name, u.id"
    } else {
        "SELECT DISTINCT u.id, u.full_name FROM care_team c JOIN users u ON u.id = c.patient_id \
         WHERE c.doctor_id = $1 AND u.erased_at IS NULL AND c.removed_at IS NULL AND (c.expires_at IS NULL OR c.expires_at > $2) ORDER BY u.full_name, u.id"
    };
    // The patient's query has no second placeholder; binding it anyway would be an error.
    let query = sqlx::query(sql).bind(user.to_string());
    let rows = if as_patient { query.fetch_all(&db.pool).await? } else { query.bind(now).fetch_all(&db.pool).await? };
    rows.iter().map(|row| Ok((row.try_get::<String, _>("id")?, row.try_get::<String, _>("full_name")?))).collect()
}

/// A patient's records per month since `since` (`YYYY-MM`, count).
pub async fn per_month(db: &Db, patient: UserId, since: &str) -> Result<Vec<(String, i64)>, Error> {
    let rows = sqlx::query(
        "SELECT SUBSTR(created_at, 1, 7) AS month, COUNT(*) AS n FROM records WHERE patient_id = $1 AND created_at >= $2 GROUP BY SUBSTR(created_at, 1, 7)",
    )
    .bind(patient.to_string())
    .bind(since)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(|r| Ok((r.try_get("month")?, r.try_get("n")?))).collect()
}

/// Every version row with what its ledger entry covers, by entry index (for `ledger verify`),
/// its text opened. An erased patient's versions cannot be opened: they come marked erased,
/// and verify checks all of their entry but the content hash.
pub async fn version_entries(db: &Db, vault: &Vault) -> Result<Vec<(i64, VersionEntry)>, Error> {
    let rows = sqlx::query(
        "SELECT v.record_id, v.version, v.title, v.notes, v.author_id, v.reason, v.created_at, v.entry_index, v.sealed, \
                r.patient_id, r.doctor_id, r.record_type, p.erased_at, k.wrapped_key AS k_wrapped, k.master_key_id AS k_master \
         FROM record_versions v JOIN records r ON r.id = v.record_id JOIN users p ON p.id = r.patient_id \
         LEFT JOIN patient_keys k ON k.patient_id = r.patient_id",
    )
    .fetch_all(&db.pool)
    .await?;
    let mut keys: std::collections::HashMap<String, Option<crate::crypt::FieldKey>> = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let record_id: String = r.try_get("record_id")?;
        let patient_id: String = r.try_get("patient_id")?;
        let version: i64 = r.try_get("version")?;
        let erased = r.try_get::<Option<String>, _>("erased_at")?.is_some();
        let (mut title, mut notes, mut reason): (String, String, String) = (r.try_get("title")?, r.try_get("notes")?, r.try_get("reason")?);
        if erased {
            (title, notes, reason) = (String::new(), String::new(), String::new());
        } else if r.try_get::<i64, _>("sealed")? == 1 {
            let key = match keys.get(&patient_id) {
                Some(k) => k.clone(),
                None => {
                    let patient: UserId = patient_id.parse().map_err(|_| Error::Internal(anyhow!("corrupt record row: patient_id")))?;
                    let wrapped: Option<String> = r.try_get("k_wrapped")?;
                    let master: Option<String> = r.try_get("k_master")?;
                    let k = vault.key_from_columns(wrapped.as_deref(), master.as_deref(), patient)?;
                    keys.insert(patient_id.clone(), k.clone());
                    k
                }
            };
            let id: RecordId = record_id.parse().map_err(|_| Error::Internal(anyhow!("corrupt record row: id")))?;
            // A value that does not open (edited, moved) is the row no longer matching its
            // entry: verify names it by its content, so it is handed over unopened.
            if let Some(open) = key.as_ref().and_then(|k| sealing::open_version(k, id, version, &title, &notes, Some(&reason)).ok()) {
                (title, notes, reason) = (open.title, open.notes, open.reason);
            }
        }
        out.push((
            r.try_get("entry_index")?,
            VersionEntry {
                record_id,
                patient_id,
                doctor_id: r.try_get("doctor_id")?,
                record_type: r.try_get("record_type")?,
                version,
                title,
                notes,
                author_id: r.try_get("author_id")?,
                reason,
                time: r.try_get("created_at")?,
                erased,
            },
        ));
    }
    Ok(out)
}

/// Records whose current title or notes are not those of their latest version row.
pub async fn drifted(db: &Db) -> Result<Vec<String>, Error> {
    let rows = sqlx::query(
        "SELECT r.id FROM records r LEFT JOIN record_versions v ON v.record_id = r.id AND v.version = r.version \
         WHERE v.record_id IS NULL OR v.title <> r.title OR v.notes <> r.notes",
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(|r| Ok(r.try_get::<String, _>("id")?)).collect()
}
