//! The audit trail: every access to patient data, sign-in, sign-out, privilege and consent
//! change, in a Merkle log of its own whose tree heads go into the ledger; admins search and
//! export it, patients see who looked at their records.

pub mod api;
pub mod note;
pub mod pages;
pub mod store;
pub mod trail;
pub mod writer;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::accounts::permissions::{Actor, Permission};
use crate::clock;
use crate::context::Ctx;
use crate::db::Db;
use crate::error::{Error, Validator};
use crate::ledger::entry::{Declaration, Declared, EntryKind, EntryRef, Ledgered};
use crate::ledger::merkle::NodeBuilder;
use crate::ledger::service::parse_hash;
use crate::pagination::{DEFAULT_LIMIT, MAX_LIMIT, Page, PageRequest};
use store::AuditEvent;
use trail::{AccessEvent, Checkpoint, TrailQuery};

/// The privilege changes alone (the older admin list), newest first. The route guard has
/// checked `audit.read`.
#[tracing::instrument(skip_all, fields(user_id = %actor.id()))]
pub async fn list(ctx: &Ctx, actor: &Actor, page: &PageRequest) -> Result<Page<AuditEvent>, Error> {
    actor.require(Permission::AuditRead)?;
    let rows = store::list(&ctx.db, page.after.clone(), page.fetch_limit()).await?;
    Ok(page.finish(rows, |e| (e.at.clone(), e.id.clone())))
}

/// Filters, sort and page of `GET /api/v1/audit`, as sent.
#[derive(Debug, Default, Clone, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrailParams {
    /// Who acted (user id).
    pub actor_id: Option<String>,
    /// Their role (`doctor`, `patient`, ...).
    pub actor_role: Option<String>,
    /// What they did (`record.read`, `auth.sign_in`, ...).
    pub action: Option<String>,
    /// Whose data (patient id).
    pub patient_id: Option<String>,
    /// What kind of thing (`record`, `user`, ...).
    pub resource_type: Option<String>,
    /// Which one.
    pub resource_id: Option<String>,
    /// How it ended (`success`, `denied`, `not_found`, `failure`, `locked`, ...).
    pub outcome: Option<String>,
    /// The caller's address.
    pub ip: Option<String>,
    /// The request id.
    pub request_id: Option<String>,
    /// At or after: an RFC 3339 time or a date (UTC).
    pub from: Option<String>,
    /// Up to: an RFC 3339 time (exclusive) or a date (inclusive, UTC).
    pub to: Option<String>,
    /// A field to sort by, `-` first for descending (default `-seq`: newest first). Any of
    /// seq, at, actor_id, actor_role, action, patient_id, resource_type, resource_id, outcome,
    /// ip, user_agent, request_id.
    pub sort: Option<String>,
    /// Rows per page, 1–200 (default 50).
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl TrailParams {
    fn equals(&self) -> [(&'static str, &Option<String>); 9] {
        [
            ("actor_id", &self.actor_id),
            ("actor_role", &self.actor_role),
            ("action", &self.action),
            ("patient_id", &self.patient_id),
            ("resource_type", &self.resource_type),
            ("resource_id", &self.resource_id),
            ("outcome", &self.outcome),
            ("ip", &self.ip),
            ("request_id", &self.request_id),
        ]
    }

    /// Validates into a query (422 naming each field that does not parse).
    pub fn parse(&self, max_limit: i64) -> Result<TrailQuery, Error> {
        let mut v = Validator::default();
        let mut q = TrailQuery::default();
        for (field, value) in self.equals() {
            match value.as_deref().map(str::trim) {
                None | Some("") => {}
                Some(s) if s.len() > 200 => v.add(field, format!("{field} is at most 200 characters")),
                Some(s) => q.equals.push((field, s.to_string())),
            }
        }
        q.from = parse_time(self.from.as_deref(), false, "from", &mut v);
        q.to = parse_time(self.to.as_deref(), true, "to", &mut v);
        if let (Some(f), Some(t)) = (&q.from, &q.to)
            && f > t
        {
            v.add("to", "'to' must be after 'from'");
        }
        let sort = self.sort.as_deref().map(str::trim).filter(|s| !s.is_empty()).unwrap_or("-seq");
        let (desc, name) = match sort.strip_prefix('-') {
            Some(n) => (true, n),
            None => (false, sort),
        };
        match trail::FIELDS.iter().find(|f| **f == name) {
            Some(f) => q.sort = (f, desc),
            None => {
                v.add("sort", format!("sort by one of: {} (a leading - sorts newest or largest first)", trail::FIELDS.join(", ")));
                q.sort = ("seq", true);
            }
        }
        q.limit = match self.limit.as_deref().map(str::trim) {
            None | Some("") => DEFAULT_LIMIT.min(max_limit),
            Some(s) => match s.parse::<i64>() {
                Ok(n) if (1..=max_limit).contains(&n) => n,
                _ => {
                    v.add("limit", format!("limit must be a whole number from 1 to {max_limit}"));
                    DEFAULT_LIMIT
                }
            },
        };
        if let Some(c) = self.cursor.as_deref().filter(|c| !c.is_empty()) {
            match decode_cursor(c) {
                Some((s, value, seq)) if s == sort => q.after = Some((value, seq)),
                _ => v.add("cursor", "cursor is not one this server issued for this sort"),
            }
        }
        v.finish()?;
        Ok(q)
    }

    /// The sort as sent (for cursors).
    fn sort_spec(&self) -> String {
        self.sort.as_deref().map(str::trim).filter(|s| !s.is_empty()).unwrap_or("-seq").to_string()
    }
}

/// A time filter: RFC 3339, or a date (its start; for `to`, the next day's start).
fn parse_time(s: Option<&str>, end: bool, field: &str, v: &mut Validator) -> Option<String> {
    let s = s.map(str::trim).filter(|s| !s.is_empty())?;
    if let Some(t) = clock::parse(s) {
        // An exact `to` includes its own instant (stored times go to the microsecond).
        let t = if end { t + chrono::Duration::microseconds(1) } else { t };
        return Some(clock::format(t));
    }
    match chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        Ok(d) => {
            let d = if end { d.succ_opt().unwrap_or(d) } else { d };
            Some(clock::format(d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()))
        }
        Err(_) => {
            v.add(field, format!("{field} must be a date (2026-11-27) or an RFC 3339 time"));
            None
        }
    }
}

fn encode_cursor(sort: &str, value: &str, seq: i64) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::json!([sort, value, seq]).to_string())
}

fn decode_cursor(c: &str) -> Option<(String, String, i64)> {
    if c.len() > 2000 {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(c).ok()?;
    let (sort, value, seq): (String, String, i64) = serde_json::from_slice(&bytes).ok()?;
    Some((sort, value, seq))
}

/// A page of the audit trail for admins, filtered and sorted by any field.
#[tracing::instrument(skip_all, fields(user_id = %actor.id()))]
pub async fn search(ctx: &Ctx, actor: &Actor, params: &TrailParams) -> Result<Page<AccessEvent>, Error> {
    actor.require(Permission::AuditRead)?;
    let mut q = params.parse(MAX_LIMIT)?;
    let limit = q.limit;
    q.limit += 1;
    let mut rows = trail::list(&ctx.db, &q).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let sort = params.sort_spec();
    let next_cursor = if more { rows.last().map(|e| encode_cursor(&sort, &trail::sort_value(e, q.sort.0), e.seq)) } else { None };
    actor.audit().detail(format!("{} rows", rows.len()));
    Ok(Page { items: rows, next_cursor })
}

/// One row of the audit trail by its position in the chain (admins).
pub async fn event(ctx: &Ctx, actor: &Actor, seq: i64) -> Result<AccessEvent, Error> {
    actor.require(Permission::AuditRead)?;
    trail::one(&ctx.db, seq).await?.ok_or(Error::NotFound("not_found"))
}

/// Most rows one CSV export holds; narrow the filters for more.
pub const EXPORT_MAX_ROWS: usize = 100_000;

/// The audit trail as CSV (RFC 4180), filtered and sorted as [`search`]; `true` when it was cut
/// at [`EXPORT_MAX_ROWS`].
#[tracing::instrument(skip_all, fields(user_id = %actor.id()))]
pub async fn export_csv(ctx: &Ctx, actor: &Actor, params: &TrailParams) -> Result<(Vec<u8>, bool), Error> {
    actor.require(Permission::AuditRead)?;
    let mut params = params.clone();
    params.limit = None;
    params.cursor = None;
    let mut q = params.parse(MAX_LIMIT)?;
    let chunk = 5000_i64;
    let mut out = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| Error::Internal(e.into());
    out.write_record([
        "seq",
        "at",
        "actor_id",
        "actor_name",
        "actor_role",
        "action",
        "patient_id",
        "patient_name",
        "resource_type",
        "resource_id",
        "outcome",
        "ip",
        "user_agent",
        "request_id",
        "detail",
        "purged",
    ])
    .map_err(csv_err)?;
    let mut written = 0usize;
    let truncated = loop {
        q.limit = chunk;
        let rows = trail::list(&ctx.db, &q).await?;
        let last = rows.last().map(|e| (trail::sort_value(e, q.sort.0), e.seq));
        for e in &rows {
            if written == EXPORT_MAX_ROWS {
                break;
            }
            let cells = [
                e.seq.to_string(),
                e.at.clone(),
                e.actor_id.clone().unwrap_or_default(),
                e.actor_name.clone().unwrap_or_default(),
                e.actor_role.clone().unwrap_or_default(),
                e.action.clone(),
                e.patient_id.clone().unwrap_or_default(),
                e.patient_name.clone().unwrap_or_default(),
                e.resource_type.clone().unwrap_or_default(),
                e.resource_id.clone().unwrap_or_default(),
                e.outcome.clone(),
                e.ip.clone().unwrap_or_default(),
                e.user_agent.clone().unwrap_or_default(),
                e.request_id.clone().unwrap_or_default(),
                e.detail.clone().unwrap_or_default(),
                e.purged.to_string(),
            ];
            out.write_record(cells.iter().map(|c| spreadsheet_safe(c))).map_err(csv_err)?;
            written += 1;
        }
        if written == EXPORT_MAX_ROWS {
            break rows.len() as i64 == chunk || written < rows.len();
        }
        match last {
            Some(after) if rows.len() as i64 == chunk => q.after = Some(after),
            _ => break false,
        }
    };
    actor.audit().detail(format!("{written} rows"));
    let bytes = out.into_inner().map_err(|e| Error::Internal(anyhow::anyhow!("csv: {e}")))?;
    Ok((bytes, truncated))
}

/// A cell a spreadsheet will not run as a formula (OWASP, "CSV Injection"): text starting with
/// `=`, `+`, `-`, `@`, tab or carriage return gets a leading apostrophe. User agents and
/// details come from callers, so they may hold anything.
pub fn spreadsheet_safe(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

/// One line of a patient's access log: who (name and role, never an address), what, when.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccessLogItem {
    /// When (RFC 3339).
    pub at: String,
    /// Their name ("Someone with your share link" for a share link's viewer; `null` for
    /// anyone else not signed in).
    pub who: Option<String>,
    /// Their role.
    pub role: Option<String>,
    /// What they did (`record.read`, `history.read`, `care_team.add`, ...).
    pub action: String,
    /// What they touched (`record`, `file`, `patient`, ...).
    pub resource_type: Option<String>,
    /// Which one.
    pub resource_id: Option<String>,
    /// How it ended (`success`, or a refusal).
    pub outcome: String,
}

/// Who accessed the signed-in patient's records, newest first (never the patient's own reads,
/// never addresses or devices).
#[tracing::instrument(skip_all, fields(user_id = %actor.id()))]
pub async fn access_log(ctx: &Ctx, actor: &Actor, limit: i64, cursor: Option<&str>) -> Result<Page<AccessLogItem>, Error> {
    actor.require(Permission::AccessLogRead)?;
    let before = match cursor.filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => match decode_cursor(c) {
            Some((s, _, seq)) if s == "access-log" => Some(seq),
            _ => {
                let mut v = Validator::default();
                v.add("cursor", "cursor is not one this server issued");
                v.finish()?;
                None
            }
        },
    };
    let mut rows = trail::about_patient(&ctx.db, &actor.id().to_string(), before, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = if more { rows.last().map(|e| encode_cursor("access-log", "", e.seq)) } else { None };
    let items = rows
        .into_iter()
        .map(|e| AccessLogItem {
            at: e.at,
            // Another patient's attempt (refused: patients read only their own) names no one;
            // a share link is opened by whoever holds it, unsigned.
            who: match (e.actor_role.as_deref(), e.action.as_str()) {
                (Some("patient"), _) => Some("Another patient".into()),
                (None, "share.view") => Some("Someone with your share link".into()),
                _ => e.actor_name,
            },
            role: e.actor_role,
            action: e.action,
            resource_type: e.resource_type,
            resource_id: e.resource_id,
            outcome: e.outcome,
        })
        .collect();
    Ok(Page { items, next_cursor })
}

/// A tree head of the audit trail as its ledger entry holds it.
#[derive(Clone, Debug)]
pub struct CheckpointEntry(pub Checkpoint);

impl Ledgered for CheckpointEntry {
    fn kind(&self) -> EntryKind {
        EntryKind::AuditCheckpoint
    }

    fn subject_id(&self) -> String {
        format!("audit:{}", self.0.size)
    }

    fn ids(&self) -> Vec<(&'static str, String)> {
        vec![("audit_size", self.0.size.to_string())]
    }

    fn actor(&self) -> String {
        "careledger".into()
    }

    fn time(&self) -> String {
        self.0.at.clone()
    }

    fn content(&self) -> serde_json::Value {
        serde_json::json!({ "size": self.0.size, "root_hash": self.0.root_hash, "time": self.0.at })
    }
}

/// Writes the trail's current tree head into the ledger when the trail grew since the last
/// one (the sealer calls it). Copies doing it at once queue on the ledger's lock; the later
/// finds its head already covered and writes nothing.
pub async fn checkpoint(ctx: &Ctx) -> Result<Option<i64>, Error> {
    let (size, root) = trail::head(&ctx.db).await?;
    let mut conn = ctx.db.pool.acquire().await?;
    if size == 0 || trail::last_checkpoint(&mut conn).await? >= size {
        return Ok(None);
    }
    drop(conn);
    // The ledger's lock first (a write from the transaction's first statement, so SQLite
    // never has to upgrade a read), then the check again under it.
    let mut tx = ctx.db.pool.begin().await?;
    let mut c = Checkpoint { size, root_hash: hex::encode(root), at: clock::format(ctx.clock.now()), entry_index: 0 };
    c.entry_index = crate::ledger::append(&mut tx, &CheckpointEntry(c.clone())).await?;
    if trail::last_checkpoint(&mut tx).await? >= size {
        tx.rollback().await?;
        return Ok(None);
    }
    trail::insert_checkpoint(&mut tx, &c).await?;
    tx.commit().await?;
    tracing::debug!(size, "audit trail checkpointed into the ledger");
    Ok(Some(size))
}

/// Clears the fields of rows older than the retention period, keeping their hashes (so the
/// trail still verifies); returns how many.
pub async fn purge_expired(ctx: &Ctx) -> Result<u64, Error> {
    let days = i64::from(ctx.settings.audit_retention_days);
    let now = ctx.clock.now();
    let before = clock::format(now - chrono::Duration::days(days));
    let mut total = 0;
    let mut after = -1;
    loop {
        let round = trail::purge(&ctx.db, &before, &clock::format(now), after, 5000).await?;
        total += round.cleared;
        for seq in &round.refused {
            tracing::error!(seq, "an audit row past retention no longer matches its hash; kept, not purged");
            crate::records::files::raise_alert(
                &ctx.db,
                &clock::format(now),
                "audit_integrity",
                &format!("audit:{seq}"),
                "an audit row no longer matches its hash; retention kept it as it is",
            )
            .await?;
        }
        match round.last {
            Some(last) => after = last,
            None => break,
        }
    }
    if total > 0 {
        tracing::info!(purged = total, days, "audit rows past retention cleared (their hashes stay)");
    }
    Ok(total)
}

/// Copies the privilege changes an earlier release kept only in `audit_events` into the trail,
/// once (at start; copies starting together queue on the trail's lock).
pub async fn import_earlier(db: &Db) -> Result<usize, Error> {
    let mut tx = db.pool.begin().await?;
    trail::append(&mut tx, &[]).await?;
    if trail::imported(&mut tx).await? {
        tx.rollback().await?;
        return Ok(0);
    }
    let rows = store::earlier_rows(&mut tx).await?;
    trail::append(&mut tx, &rows).await?;
    trail::mark_imported(&mut tx).await?;
    tx.commit().await?;
    Ok(rows.len())
}

/// What the audit trail has put in the ledger (its checkpoints), and every row that no longer
/// hashes to them: edited, inserted, reordered or deleted rows are named.
pub async fn ledgered(db: &Db) -> Result<Declaration, Error> {
    let checkpoints = trail::checkpoints(db).await?;
    let (head_size, head_root) = trail::head(db).await?;
    let mut problems = Vec::new();
    let mut builder = NodeBuilder::default();
    let mut pending = checkpoints.iter().peekable();
    let mut previous = 0;
    let mut from = 0;
    let mut beyond = Vec::new();
    loop {
        let rows = trail::stored(db, from, 10_000).await?;
        let Some(last) = rows.last() else { break };
        from = last.seq + 1;
        for row in rows {
            if row.seq >= head_size {
                beyond.push(row.seq);
                continue;
            }
            let expected = builder.size() as i64;
            if row.seq != expected {
                let gap = if row.seq - 1 > expected { format!("rows {expected} to {}", row.seq - 1) } else { format!("row {expected}") };
                problems.push(format!("audit {gap}: missing (deleted)"));
                // Stand-ins keep the rows after the gap at their places.
                while (builder.size() as i64) < row.seq {
                    builder.push([0; 32]);
                }
            }
            if let Some(a) = &row.access
                && a.fields_sha256()? != row.fields_sha256
            {
                problems.push(format!("audit row {}: its fields no longer match their hash (edited)", row.seq));
            }
            let leaf = trail::leaf_of(row.seq, &row.at, &row.fields_sha256)?;
            if parse_hash(&row.leaf_hash) != Some(leaf) {
                problems.push(format!("audit row {}: its time, place or hash was changed (edited)", row.seq));
            }
            if let Some(purged_at) = &row.purged_at {
                let young = match (clock::parse(&row.at), clock::parse(purged_at)) {
                    (Some(at), Some(purged)) => purged - at < chrono::Duration::days(i64::from(MIN_RETENTION_DAYS)),
                    _ => true,
                };
                if young {
                    problems.push(format!(
                        "audit row {}: cleared as past retention less than {MIN_RETENTION_DAYS} days after it was written (hidden)",
                        row.seq
                    ));
                }
            }
            builder.push(leaf);
            while let Some(c) = pending.next_if(|c| c.size <= builder.size() as i64) {
                if c.size == builder.size() as i64 && hex::encode(builder.root()) != c.root_hash {
                    problems.push(format!(
                        "audit checkpoint of {} rows (ledger entry {}): rows {previous} to {} no longer hash to it (edited, inserted or deleted)",
                        c.size,
                        c.entry_index,
                        c.size - 1
                    ));
                }
                previous = c.size;
            }
        }
    }
    // Rows past the head read at the start may have been appended since (a live server); past
    // the head as it is now, nothing wrote them.
    let (size_now, _) = trail::head(db).await?;
    for seq in beyond.into_iter().filter(|s| *s >= size_now) {
        problems.push(format!("audit row {seq}: beyond the trail's head of {size_now} rows (inserted)"));
    }
    for c in pending {
        problems.push(format!(
            "audit checkpoint of {} rows (ledger entry {}): the trail holds only {} rows (rows were deleted)",
            c.size,
            c.entry_index,
            builder.size()
        ));
    }
    if builder.size() as i64 != head_size || builder.root() != head_root {
        problems.push(format!("audit trail: its head says {head_size} rows, and the rows found do not hash to it"));
    }
    let rows = checkpoints
        .into_iter()
        .map(|c| Declared {
            entry: EntryRef::Index(c.entry_index),
            row: format!("audit checkpoint of {} rows", c.size),
            item: Box::new(CheckpointEntry(c)),
        })
        .collect();
    Ok(Declaration { rows, problems })
}

/// Fewest days a row is kept: `--audit-retention-days` refuses less, and `ledger verify` names a
/// row cleared sooner (HIPAA asks six years; this floor only stops retention being used to hide
/// recent rows).
pub const MIN_RETENTION_DAYS: u32 = 365;

/// Writes access rows through this copy's writer (see [`writer::AuditWriter`]).
pub use writer::AuditWriter;
