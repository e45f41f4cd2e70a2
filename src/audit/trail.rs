//! The audit trail's rows (`audit_log`): one per access, each a leaf of the trail's own RFC 9162
//! Merkle log, appended in batches under the `audit_chain` row lock; and the queries that list,
//! purge and re-check them.

use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

use crate::db::{Bind, Db, Filters};
use crate::error::Error;
use crate::ledger::entry::canonical;
use crate::ledger::merkle::{self, Hash, NodeBuilder};
use crate::ledger::service::parse_hash;

/// One access to write (its `seq` comes when it is appended).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NewAccess {
    /// Its id (UUIDv7), given when the request ended: what recognises a row moved twice.
    pub id: String,
    /// When the request arrived (stored RFC 3339).
    pub at: String,
    /// Who acted.
    pub actor_id: Option<String>,
    /// Their role then.
    pub actor_role: Option<String>,
    /// What they did (`record.read`, `auth.sign_in`, ...).
    pub action: String,
    /// Whose data.
    pub patient_id: Option<String>,
    /// What kind of thing.
    pub resource_type: Option<String>,
    /// Which one.
    pub resource_id: Option<String>,
    /// How it ended (`success`, `denied`, `not_found`, `failure`, `locked`, ...).
    pub outcome: String,
    /// The caller's address.
    pub ip: Option<String>,
    /// The caller's client.
    pub user_agent: Option<String>,
    /// The request id (the `x-request-id` header).
    pub request_id: Option<String>,
    /// A short detail (never clinical text).
    pub detail: Option<String>,
}

/// The longest ids and user agent a row keeps (characters), and its detail: what the route
/// guard keeps of a path's id, the trail's indexes can hold on every backend (PostgreSQL's
/// B-tree refuses keys over 2,704 bytes, which would stop the mover on that row).
const MAX_ID: usize = 100;
const MAX_USER_AGENT: usize = 200;
const MAX_DETAIL: usize = 500;

fn cut(value: &mut Option<String>, max: usize) {
    if let Some(v) = value
        && v.len() > max
        && let Some((at, _)) = v.char_indices().nth(max)
    {
        v.truncate(at);
    }
}

impl NewAccess {
    /// The row with every field a caller or a service supplied cut to what the trail keeps,
    /// applied where rows are made and again where they are moved in (journals written before
    /// the cut included).
    pub fn bounded(mut self) -> Self {
        for id in [&mut self.actor_id, &mut self.patient_id, &mut self.resource_id, &mut self.request_id] {
            cut(id, MAX_ID);
        }
        cut(&mut self.user_agent, MAX_USER_AGENT);
        cut(&mut self.detail, MAX_DETAIL);
        self
    }

    /// The row's fields but its position and time, as canonical bytes (RFC 8785): what its
    /// `fields_sha256` covers. Written directly (the members in RFC 8785's key order, strings
    /// escaped as JSON.stringify does), since every row of every read goes through it; a test
    /// checks it against `ledger::entry::canonical`.
    pub fn encode_fields(&self) -> Result<String, Error> {
        let mut out = String::with_capacity(512);
        // Keys in UTF-16 (here: ASCII) order, as RFC 8785 section 3.2.3 sorts them.
        let members: [(&str, Option<&str>); 12] = [
            ("action", Some(&self.action)),
            ("actor_id", self.actor_id.as_deref()),
            ("actor_role", self.actor_role.as_deref()),
            ("detail", self.detail.as_deref()),
            ("id", Some(&self.id)),
            ("ip", self.ip.as_deref()),
            ("outcome", Some(&self.outcome)),
            ("patient_id", self.patient_id.as_deref()),
            ("request_id", self.request_id.as_deref()),
            ("resource_id", self.resource_id.as_deref()),
            ("resource_type", self.resource_type.as_deref()),
            ("user_agent", self.user_agent.as_deref()),
        ];
        out.push('{');
        for (i, (key, value)) in members.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push('"');
            out.push_str(key);
            out.push_str("\":");
            json_text(&mut out, *value)?;
        }
        out.push('}');
        Ok(out)
    }

    /// The same bytes through the general RFC 8785 serialiser (the reference for tests).
    pub fn encode_fields_reference(&self) -> Result<String, Error> {
        canonical(&json!({
            "id": self.id,
            "actor_id": self.actor_id,
            "actor_role": self.actor_role,
            "action": self.action,
            "patient_id": self.patient_id,
            "resource_type": self.resource_type,
            "resource_id": self.resource_id,
            "outcome": self.outcome,
            "ip": self.ip,
            "user_agent": self.user_agent,
            "request_id": self.request_id,
            "detail": self.detail,
        }))
    }

    /// SHA-256 of [`NewAccess::encode_fields`], hex: kept when retention clears the fields.
    pub fn fields_sha256(&self) -> Result<String, Error> {
        Ok(hex::encode(Sha256::digest(self.encode_fields()?.as_bytes())))
    }

    /// The row's leaf hash at position `seq` (see [`leaf_of`]).
    pub fn leaf(&self, seq: i64) -> Result<Hash, Error> {
        leaf_of(seq, &self.at, &self.fields_sha256()?)
    }
}

fn json_text(out: &mut String, v: Option<&str>) -> Result<(), Error> {
    match v {
        None => out.push_str("null"),
        Some(v) => out.push_str(&serde_json::to_string(v).map_err(|e| Error::Internal(e.into()))?),
    }
    Ok(())
}

/// The leaf hash of the row at `seq` (RFC 9162 section 2.1.1): over the canonical JSON
/// `{"at", "fields_sha256", "seq"}`, so that a row whose fields retention cleared still proves
/// its time and place, and the rest of the log still verifies.
pub fn leaf_of(seq: i64, at: &str, fields_sha256: &str) -> Result<Hash, Error> {
    let mut out = String::with_capacity(160);
    out.push_str("{\"at\":");
    json_text(&mut out, Some(at))?;
    out.push_str(",\"fields_sha256\":");
    json_text(&mut out, Some(fields_sha256))?;
    out.push_str(&format!(",\"seq\":{seq}}}"));
    Ok(merkle::leaf_hash(out.as_bytes()))
}

/// One row of the trail as admins see it.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct AccessEvent {
    /// Position in the trail's Merkle log.
    pub seq: i64,
    /// When (RFC 3339).
    pub at: String,
    /// Who acted.
    pub actor_id: Option<String>,
    /// Their name.
    pub actor_name: Option<String>,
    /// Their role then.
    pub actor_role: Option<String>,
    /// What they did.
    pub action: String,
    /// Whose data.
    pub patient_id: Option<String>,
    /// The patient's name.
    pub patient_name: Option<String>,
    /// What kind of thing.
    pub resource_type: Option<String>,
    /// Which one.
    pub resource_id: Option<String>,
    /// How it ended.
    pub outcome: String,
    /// The caller's address.
    pub ip: Option<String>,
    /// The caller's client.
    pub user_agent: Option<String>,
    /// The request id.
    pub request_id: Option<String>,
    /// Detail.
    pub detail: Option<String>,
    /// Whether retention cleared this row's fields (its hash stays in the log).
    pub purged: bool,
}

/// Columns an admin may filter and sort by, as named in the API.
pub const FIELDS: [&str; 12] = [
    "seq",
    "at",
    "actor_id",
    "actor_role",
    "action",
    "patient_id",
    "resource_type",
    "resource_id",
    "outcome",
    "ip",
    "user_agent",
    "request_id",
];

/// A validated trail query.
#[derive(Clone, Debug, Default)]
pub struct TrailQuery {
    /// `(column, value)` equality filters; columns from [`FIELDS`].
    pub equals: Vec<(&'static str, String)>,
    /// At or after (RFC 3339).
    pub from: Option<String>,
    /// Before (RFC 3339).
    pub to: Option<String>,
    /// Sort column (from [`FIELDS`]) and whether descending.
    pub sort: (&'static str, bool),
    /// The last row already seen: its sort value and seq.
    pub after: Option<(String, i64)>,
    /// Rows to fetch.
    pub limit: i64,
}

const SELECT: &str = "SELECT l.seq, l.at, l.actor_id, a.full_name AS actor_name, l.actor_role, l.action, l.patient_id, \
     p.full_name AS patient_name, l.resource_type, l.resource_id, l.outcome, l.ip, l.user_agent, l.request_id, l.detail, l.purged_at \
     FROM audit_log l LEFT JOIN users a ON a.id = l.actor_id LEFT JOIN users p ON p.id = l.patient_id";

fn event(r: &sqlx::any::AnyRow) -> Result<AccessEvent, Error> {
    if r.try_get::<Option<String>, _>("purged_at")?.is_some() {
        // Whatever a purged row's columns hold now, it has no fields to show.
        return Ok(AccessEvent {
            seq: r.try_get("seq")?,
            at: r.try_get("at")?,
            actor_id: None,
            actor_name: None,
            actor_role: None,
            action: "purged".into(),
            patient_id: None,
            patient_name: None,
            resource_type: None,
            resource_id: None,
            outcome: "purged".into(),
            ip: None,
            user_agent: None,
            request_id: None,
            detail: None,
            purged: true,
        });
    }
    Ok(AccessEvent {
        seq: r.try_get("seq")?,
        at: r.try_get("at")?,
        actor_id: r.try_get("actor_id")?,
        actor_name: r.try_get("actor_name")?,
        actor_role: r.try_get("actor_role")?,
        action: r.try_get("action")?,
        patient_id: r.try_get("patient_id")?,
        patient_name: r.try_get("patient_name")?,
        resource_type: r.try_get("resource_type")?,
        resource_id: r.try_get("resource_id")?,
        outcome: r.try_get("outcome")?,
        ip: r.try_get("ip")?,
        user_agent: r.try_get("user_agent")?,
        request_id: r.try_get("request_id")?,
        detail: r.try_get("detail")?,
        purged: r.try_get::<Option<String>, _>("purged_at")?.is_some(),
    })
}

/// The sort expression for a column: text columns sort with NULL as the empty string, so a
/// `(value, seq)` cursor compares the same way the ORDER BY does on both backends.
fn sort_expr(column: &str) -> String {
    match column {
        "seq" => "l.seq".into(),
        "at" | "action" | "outcome" => format!("l.{column}"),
        other => format!("COALESCE(l.{other}, '')"),
    }
}

/// A page of the trail, filtered and sorted.
pub async fn list(db: &Db, q: &TrailQuery) -> Result<Vec<AccessEvent>, Error> {
    let mut f = Filters::default();
    for (column, value) in &q.equals {
        f.and(&format!("l.{column} = ?"), [Bind::Text(value.clone())]);
    }
    if let Some(from) = &q.from {
        f.and("l.at >= ?", [Bind::Text(from.clone())]);
    }
    if let Some(to) = &q.to {
        f.and("l.at < ?", [Bind::Text(to.clone())]);
    }
    let (column, desc) = q.sort;
    let expr = sort_expr(column);
    let cmp = if desc { "<" } else { ">" };
    if let Some((value, seq)) = &q.after {
        if column == "seq" {
            f.and(&format!("l.seq {cmp} ?"), [Bind::Int(*seq)]);
        } else {
            f.and(&format!("({expr}, l.seq) {cmp} (?, ?)"), [Bind::Text(value.clone()), Bind::Int(*seq)]);
        }
    }
    let dir = if desc { "DESC" } else { "ASC" };
    let limit = f.placeholder(Bind::Int(q.limit));
    let order = if column == "seq" { format!("l.seq {dir}") } else { format!("{expr} {dir}, l.seq {dir}") };
    let sql = format!("{SELECT}{} ORDER BY {order} LIMIT {limit}", f.where_clause());
    let rows = f.query(sql).fetch_all(&db.pool).await?;
    rows.iter().map(event).collect()
}

/// The value of `column` in an event, as its sort expression sees it (for the next cursor).
pub fn sort_value(e: &AccessEvent, column: &str) -> String {
    let v = match column {
        "seq" => return e.seq.to_string(),
        "at" => Some(&e.at),
        "actor_id" => e.actor_id.as_ref(),
        "actor_role" => e.actor_role.as_ref(),
        "action" => Some(&e.action),
        "patient_id" => e.patient_id.as_ref(),
        "resource_type" => e.resource_type.as_ref(),
        "resource_id" => e.resource_id.as_ref(),
        "outcome" => Some(&e.outcome),
        "ip" => e.ip.as_ref(),
        "user_agent" => e.user_agent.as_ref(),
        "request_id" => e.request_id.as_ref(),
        _ => None,
    };
    v.cloned().unwrap_or_default()
}

/// Who accessed a patient's data (everyone but the patient), newest first, before `before`.
pub async fn about_patient(db: &Db, patient: &str, before: Option<i64>, limit: i64) -> Result<Vec<AccessEvent>, Error> {
    let mut f = Filters::default();
    f.and("l.patient_id = ?", [Bind::Text(patient.to_string())]);
    f.and("(l.actor_id IS NULL OR l.actor_id <> ?)", [Bind::Text(patient.to_string())]);
    if let Some(seq) = before {
        f.and("l.seq < ?", [Bind::Int(seq)]);
    }
    let limit = f.placeholder(Bind::Int(limit));
    let sql = format!("{SELECT}{} ORDER BY l.seq DESC LIMIT {limit}", f.where_clause());
    let rows = f.query(sql).fetch_all(&db.pool).await?;
    rows.iter().map(event).collect()
}

/// Rows at once in one INSERT (16 values each). SQLite looks a numbered parameter's name up by
/// a linear scan, so binding costs grow with the square of a statement's parameters: chunks
/// stay small, and SQLite gets anonymous `?` parameters.
const INSERT_CHUNK: usize = 32;

/// The log's size and right edge as this copy last wrote them, so the next append can take
/// the lock and write the new head in one statement; another copy's append in between shows
/// as a changed size, and the head is read again.
#[derive(Debug, Default)]
pub struct HeadCache(Option<(i64, Vec<Hash>)>);

/// Appends `events` to the trail in the caller's transaction: takes the `audit_chain` row lock
/// (which queues every other appender, every copy included, until the transaction ends), gives
/// the rows the next gap-free positions, stores their leaf hashes and the log's new right edge.
/// Returns the log's size after.
pub async fn append(conn: &mut AnyConnection, events: &[NewAccess]) -> Result<i64, Error> {
    append_cached(conn, events, &mut HeadCache::default()).await
}

/// [`append`], starting from the head this copy last wrote (the audit writer's fast path).
pub async fn append_cached(conn: &mut AnyConnection, events: &[NewAccess], cache: &mut HeadCache) -> Result<i64, Error> {
    let sqlite = conn.backend_name() == "SQLite";
    // Lock the head and write it in one statement when this copy knows it; otherwise (or when
    // another copy appended since) lock it, read it, and write it after the rows.
    let mut done = None;
    if let Some((size, hashes)) = cache.0.take() {
        let leaves = leaves_at(size, events)?;
        let (head, parts) = extend(size, &hashes, &leaves)?;
        let updated = sqlx::query("UPDATE audit_chain SET size = $1, parts = $2 WHERE id = 1 AND size = $3")
            .bind(head.0)
            .bind(&parts)
            .bind(size)
            .execute(&mut *conn)
            .await?;
        if updated.rows_affected() == 1 {
            done = Some((size, leaves, head));
        }
    }
    let (size, leaves, head) = match done {
        Some(d) => d,
        None => {
            let (size, hashes) = read_locked(conn).await?;
            let leaves = leaves_at(size, events)?;
            let (head, parts) = extend(size, &hashes, &leaves)?;
            sqlx::query("UPDATE audit_chain SET size = $1, parts = $2 WHERE id = 1").bind(head.0).bind(parts).execute(&mut *conn).await?;
            (size, leaves, head)
        }
    };
    for (c, chunk) in events.chunks(INSERT_CHUNK).enumerate() {
        let mut sql = String::from(
            "INSERT INTO audit_log (seq, id, at, actor_id, actor_role, action, patient_id, resource_type, resource_id, outcome, ip, \
             user_agent, request_id, detail, fields_sha256, leaf_hash) VALUES ",
        );
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push(',');
            }
            if sqlite {
                sql.push_str("(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
            } else {
                let b = i * 16;
                sql.push('(');
                sql.push_str(&(1..=16).map(|k| format!("${}", b + k)).collect::<Vec<_>>().join(","));
                sql.push(')');
            }
        }
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (i, e) in chunk.iter().enumerate() {
            let n = c * INSERT_CHUNK + i;
            q = q
                .bind(size + n as i64)
                .bind(e.id.clone())
                .bind(e.at.clone())
                .bind(e.actor_id.clone())
                .bind(e.actor_role.clone())
                .bind(e.action.clone())
                .bind(e.patient_id.clone())
                .bind(e.resource_type.clone())
                .bind(e.resource_id.clone())
                .bind(e.outcome.clone())
                .bind(e.ip.clone())
                .bind(e.user_agent.clone())
                .bind(e.request_id.clone())
                .bind(e.detail.clone())
                .bind(leaves[n].1.clone())
                .bind(hex::encode(leaves[n].0));
        }
        q.execute(&mut *conn).await?;
    }
    let new_size = head.0;
    cache.0 = Some(head);
    Ok(new_size)
}

/// The rows of `events` not in the trail yet (a batch moved again after a crash or a commit
/// whose answer was lost), in the caller's transaction; and the ids already there with other
/// content (a journal line that does not match the row it claims to be).
pub async fn not_yet_in(conn: &mut AnyConnection, events: Vec<NewAccess>) -> Result<(Vec<NewAccess>, Vec<String>), Error> {
    let mut present = std::collections::HashMap::new();
    for chunk in events.chunks(500) {
        let mut f = Filters::default();
        let list = chunk.iter().map(|e| f.placeholder(Bind::Text(e.id.clone()))).collect::<Vec<_>>().join(",");
        let sql = format!("SELECT id, fields_sha256 FROM audit_log WHERE id IN ({list})");
        for row in f.query(sql).fetch_all(&mut *conn).await? {
            present.insert(row.try_get::<String, _>("id")?, row.try_get::<String, _>("fields_sha256")?);
        }
    }
    let mut conflicts = Vec::new();
    let mut fresh = Vec::new();
    for e in events {
        match present.get(&e.id) {
            None => fresh.push(e),
            Some(stored) if *stored != e.fields_sha256()? => conflicts.push(e.id),
            Some(_) => {}
        }
    }
    Ok((fresh, conflicts))
}

/// Each row's leaf hash and fields hash at its position.
fn leaves_at(size: i64, events: &[NewAccess]) -> Result<Vec<(Hash, String)>, Error> {
    events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let fields = e.fields_sha256()?;
            Ok((leaf_of(size + i as i64, &e.at, &fields)?, fields))
        })
        .collect()
}

/// Takes the head's row lock and reads it.
async fn read_locked(conn: &mut AnyConnection) -> Result<(i64, Vec<Hash>), Error> {
    let row = sqlx::query("UPDATE audit_chain SET size = size WHERE id = 1 RETURNING size, parts").fetch_one(&mut *conn).await?;
    Ok((row.try_get("size")?, parse_parts(&row.try_get::<String, _>("parts")?)?))
}

/// The head after `leaves` are appended to a log of `size` with right edge `hashes`, and its
/// stored form.
fn extend(size: i64, hashes: &[Hash], leaves: &[(Hash, String)]) -> Result<((i64, Vec<Hash>), String), Error> {
    let mut builder = NodeBuilder::resume(size as u64, hashes)
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("audit_chain holds a right edge that does not fit its size")))?;
    for (leaf, _) in leaves {
        builder.push(*leaf);
    }
    let hashes = builder.part_hashes();
    let parts = hashes.iter().map(hex::encode).collect::<Vec<_>>().join(",");
    Ok(((builder.size() as i64, hashes), parts))
}

fn parse_parts(parts: &str) -> Result<Vec<Hash>, Error> {
    parts
        .split(',')
        .filter(|p| !p.is_empty())
        .map(|p| parse_hash(p).ok_or_else(|| Error::Internal(anyhow::anyhow!("audit_chain holds a malformed hash"))))
        .collect()
}

/// The log's size and tree hash now.
pub async fn head(db: &Db) -> Result<(i64, Hash), Error> {
    let row = sqlx::query("SELECT size, parts FROM audit_chain WHERE id = 1").fetch_one(&db.pool).await?;
    let size: i64 = row.try_get("size")?;
    let hashes = parse_parts(&row.try_get::<String, _>("parts")?)?;
    Ok((size, merkle::fold(&hashes)))
}

/// A row as stored, for verification: its fields (unless purged) and its leaf hash.
pub struct StoredAccess {
    /// Position.
    pub seq: i64,
    /// When (kept by retention).
    pub at: String,
    /// The fields' hash (kept by retention).
    pub fields_sha256: String,
    /// When retention cleared it.
    pub purged_at: Option<String>,
    /// The fields, `None` once purged.
    pub access: Option<NewAccess>,
    /// The stored leaf hash (hex).
    pub leaf_hash: String,
}

/// Rows from `from` on, in order, at most `limit` (verification walks the log in chunks).
pub async fn stored(db: &Db, from: i64, limit: i64) -> Result<Vec<StoredAccess>, Error> {
    let rows = sqlx::query(
        "SELECT seq, id, at, actor_id, actor_role, action, patient_id, resource_type, resource_id, outcome, ip, user_agent, \
         request_id, detail, fields_sha256, leaf_hash, purged_at FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2",
    )
    .bind(from)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let purged_at: Option<String> = r.try_get("purged_at")?;
            let access = if purged_at.is_some() { None } else { Some(access_from_row(r)?) };
            Ok(StoredAccess {
                seq: r.try_get("seq")?,
                at: r.try_get("at")?,
                fields_sha256: r.try_get("fields_sha256")?,
                purged_at,
                access,
                leaf_hash: r.try_get("leaf_hash")?,
            })
        })
        .collect()
}

/// A row's fields as stored.
fn access_from_row(r: &sqlx::any::AnyRow) -> Result<NewAccess, Error> {
    Ok(NewAccess {
        id: r.try_get("id")?,
        at: r.try_get("at")?,
        actor_id: r.try_get("actor_id")?,
        actor_role: r.try_get("actor_role")?,
        action: r.try_get("action")?,
        patient_id: r.try_get("patient_id")?,
        resource_type: r.try_get("resource_type")?,
        resource_id: r.try_get("resource_id")?,
        outcome: r.try_get("outcome")?,
        ip: r.try_get("ip")?,
        user_agent: r.try_get("user_agent")?,
        request_id: r.try_get("request_id")?,
        detail: r.try_get("detail")?,
    })
}

/// A tree head of the trail written into the ledger.
#[derive(Clone, Debug)]
pub struct Checkpoint {
    /// Rows covered.
    pub size: i64,
    /// Their tree hash (hex).
    pub root_hash: String,
    /// When.
    pub at: String,
    /// The ledger entry.
    pub entry_index: i64,
}

/// Every checkpoint, oldest first.
pub async fn checkpoints(db: &Db) -> Result<Vec<Checkpoint>, Error> {
    let rows = sqlx::query("SELECT size, root_hash, at, entry_index FROM audit_checkpoints ORDER BY size").fetch_all(&db.pool).await?;
    rows.iter()
        .map(|r| {
            Ok(Checkpoint {
                size: r.try_get("size")?,
                root_hash: r.try_get("root_hash")?,
                at: r.try_get("at")?,
                entry_index: r.try_get("entry_index")?,
            })
        })
        .collect()
}

/// The largest checkpointed size, in the caller's transaction.
pub async fn last_checkpoint(conn: &mut AnyConnection) -> Result<i64, Error> {
    let size: Option<i64> = sqlx::query_scalar("SELECT MAX(size) FROM audit_checkpoints").fetch_one(&mut *conn).await?;
    Ok(size.unwrap_or(0))
}

/// The log's size and right edge, in the caller's transaction (no lock).
pub async fn head_in(conn: &mut AnyConnection) -> Result<(i64, Hash), Error> {
    let row = sqlx::query("SELECT size, parts FROM audit_chain WHERE id = 1").fetch_one(&mut *conn).await?;
    let size: i64 = row.try_get("size")?;
    let hashes = parse_parts(&row.try_get::<String, _>("parts")?)?;
    Ok((size, merkle::fold(&hashes)))
}

/// Stores a checkpoint in the caller's transaction.
pub async fn insert_checkpoint(conn: &mut AnyConnection, c: &Checkpoint) -> Result<(), Error> {
    sqlx::query("INSERT INTO audit_checkpoints (size, root_hash, at, entry_index) VALUES ($1, $2, $3, $4)")
        .bind(c.size)
        .bind(&c.root_hash)
        .bind(&c.at)
        .bind(c.entry_index)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Clears the fields of rows older than `before` (keeping seq, time and hashes), at most `limit`
/// at a time, after checking each against its hash: a row that no longer matches is kept as it
/// is (and named in the answer), so retention cannot launder an edit. Returns how many were
/// cleared, and the rows refused.
pub async fn purge(db: &Db, before: &str, now: &str, after: i64, limit: i64) -> Result<Purged, Error> {
    let rows = sqlx::query(
        "SELECT seq, id, at, actor_id, actor_role, action, patient_id, resource_type, resource_id, outcome, ip, user_agent, \
         request_id, detail, fields_sha256, leaf_hash FROM audit_log WHERE at < $1 AND purged_at IS NULL AND seq > $2 ORDER BY seq LIMIT $3",
    )
    .bind(before)
    .bind(after)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    let (mut good, mut bad) = (Vec::new(), Vec::new());
    for r in &rows {
        let seq: i64 = r.try_get("seq")?;
        let access = access_from_row(r)?;
        let fields = access.fields_sha256()?;
        let leaf: String = r.try_get("leaf_hash")?;
        if fields == r.try_get::<String, _>("fields_sha256")? && hex::encode(leaf_of(seq, &access.at, &fields)?) == leaf {
            good.push(seq);
        } else {
            bad.push(seq);
        }
    }
    let mut done = 0;
    for chunk in good.chunks(500) {
        let mut f = Filters::default();
        let purged_at = f.placeholder(Bind::Text(now.to_string()));
        let list = chunk.iter().map(|s| f.placeholder(Bind::Int(*s))).collect::<Vec<_>>().join(",");
        let sql = format!(
            "UPDATE audit_log SET actor_id = NULL, actor_role = NULL, action = 'purged', patient_id = NULL, resource_type = NULL, \
             resource_id = NULL, outcome = 'purged', ip = NULL, user_agent = NULL, request_id = NULL, detail = NULL, purged_at = {purged_at} \
             WHERE seq IN ({list})"
        );
        done += f.query(sql).execute(&db.pool).await?.rows_affected();
    }
    Ok(Purged { cleared: done, refused: bad, last: rows.last().map(|r| r.try_get("seq")).transpose()? })
}

/// What one round of [`purge`] did.
#[derive(Debug, Default)]
pub struct Purged {
    /// Rows whose fields were cleared.
    pub cleared: u64,
    /// Rows kept because they no longer match their hashes.
    pub refused: Vec<i64>,
    /// The last row looked at (the next round starts after it).
    pub last: Option<i64>,
}

/// Whether the privilege changes kept before this log existed have been copied in; in the
/// caller's transaction, after [`append`]'s lock when it follows one.
pub async fn imported(conn: &mut AnyConnection) -> Result<bool, Error> {
    let v: i64 = sqlx::query_scalar("SELECT imported FROM audit_chain WHERE id = 1").fetch_one(&mut *conn).await?;
    Ok(v != 0)
}

/// Marks the copy done.
pub async fn mark_imported(conn: &mut AnyConnection) -> Result<(), Error> {
    sqlx::query("UPDATE audit_chain SET imported = 1 WHERE id = 1").execute(&mut *conn).await?;
    Ok(())
}

/// One row of the trail by its position in the chain.
pub async fn one(db: &Db, seq: i64) -> Result<Option<AccessEvent>, Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE l.seq = $1"))).bind(seq).fetch_optional(&db.pool).await?;
    row.as_ref().map(event).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_direct_encodings_are_rfc8785() -> Result<(), Error> {
        let full = NewAccess {
            id: "01a21c9b-a6d9-7017-9083-9b5f33e2fb16".into(),
            at: "2026-11-27T10:00:00.000001Z".into(),
            actor_id: Some("a".into()),
            actor_role: Some("doctor".into()),
            action: "record.read".into(),
            patient_id: Some("p".into()),
            resource_type: Some("record".into()),
            resource_id: Some("r\"\\\u{1}é€😀".into()),
            outcome: "success".into(),
            ip: Some("::1".into()),
            user_agent: Some("Mozilla/5.0 <\u{2028}>".into()),
            request_id: Some("x".into()),
            detail: Some("3 records".into()),
        };
        for e in [full, NewAccess::default()] {
            assert_eq!(e.encode_fields()?, e.encode_fields_reference()?);
            for seq in [0, 7, i64::MAX] {
                let reference = canonical(&json!({"seq": seq, "at": e.at, "fields_sha256": e.fields_sha256()?}))?;
                assert_eq!(e.leaf(seq)?, merkle::leaf_hash(reference.as_bytes()));
            }
        }
        Ok(())
    }
}
