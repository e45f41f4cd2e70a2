//! The database: one `AnyPool` for SQLite or PostgreSQL, settings per backend, migrations.

use std::time::Duration;

use anyhow::Context;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor};

/// Which database engine a URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite (one machine).
    Sqlite,
    /// Shared PostgreSQL (several copies).
    Postgres,
}

impl Backend {
    /// The backend a URL names, or an error naming the schemes that are supported.
    pub fn from_url(url: &str) -> anyhow::Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Self::Postgres)
        } else {
            anyhow::bail!("unsupported database URL scheme: use sqlite://PATH or postgres://…")
        }
    }
}

/// The application's connection pool and the backend behind it.
#[derive(Clone, Debug)]
pub struct Db {
    /// The pool; queries use `$n` placeholders that both backends accept.
    pub pool: AnyPool,
    /// The backend, for the few places where SQL must differ.
    pub backend: Backend,
    /// One connection of its own for `/readyz`, so the health check answers at once even when
    /// every connection of `pool` is busy (a flood must not make a load balancer drop a copy
    /// whose database is fine).
    health: AnyPool,
}

/// A value bound to a [`Filters`] placeholder.
#[derive(Clone, Debug)]
pub enum Bind {
    /// TEXT.
    Text(String),
    /// INTEGER.
    Int(i64),
}

/// A WHERE clause holding only the filters a request gives, with `$n` placeholders both
/// backends accept. A fixed `($1 IS NULL OR col = $1)` clause looks shorter, but the planner
/// must choose one plan for every binding, so SQLite scanned the whole records table and
/// sorted it for every history page (found by the load benchmark; BENCHMARKS.md).
#[derive(Debug, Default)]
pub struct Filters {
    conditions: Vec<String>,
    binds: Vec<Bind>,
}

impl Filters {
    /// Adds `condition` (ANDed), where each `?` stands for the next of `values`, in order.
    pub fn and(&mut self, condition: &str, values: impl IntoIterator<Item = Bind>) -> &mut Self {
        let mut values = values.into_iter();
        let mut sql = String::with_capacity(condition.len() + 8);
        for c in condition.chars() {
            match (c == '?').then(|| values.next()).flatten() {
                Some(v) => sql.push_str(&self.placeholder(v)),
                None => sql.push(c),
            }
        }
        self.conditions.push(sql);
        self
    }

    /// Binds one more value and returns its placeholder (for LIMIT and the like).
    pub fn placeholder(&mut self, value: Bind) -> String {
        self.binds.push(value);
        format!("${}", self.binds.len())
    }

    /// ` WHERE a AND b`, or nothing without filters.
    pub fn where_clause(&self) -> String {
        if self.conditions.is_empty() { String::new() } else { format!(" WHERE {}", self.conditions.join(" AND ")) }
    }

    /// `sql` (built from [`Filters::where_clause`], so only fixed SQL and placeholders) with
    /// every value bound in order.
    pub fn query(&self, sql: String) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments> {
        self.binds.iter().fold(sqlx::query(sqlx::AssertSqlSafe(sql)), |q, b| match b {
            Bind::Text(t) => q.bind(t.clone()),
            Bind::Int(i) => q.bind(*i),
        })
    }
}

/// The schema. Its DDL is written to run unchanged on both backends (TEXT, INTEGER, no
/// BOOLEAN); when a change must differ, split it into per-backend folders, one migrator each.
/// Migrations a later release applied are left alone, so that this release keeps starting
/// beside it during a rolling upgrade (migrations only add, never take away).
fn migrator() -> sqlx::migrate::Migrator {
    let mut migrator = sqlx::migrate!();
    migrator.set_ignore_missing(true);
    migrator
}

/// Migrations that landed on main with two texts over time (migrations are append-only; these
/// two were edited once, and both texts made databases): (version, SHA-384 of the other text).
/// A database that recorded the other text has its record set to the text as it stands.
///
/// - 0006: its text as it stands (a7719ed, stops 19, 21 and 22 until aaecfd8, and again now)
///   makes the index unique; the other text (18a1724, f58fbcb, 2e0a1cc, stop 20, stop 22's last
///   commits) made it plain. 0010 makes the index unique on either, so the record is all that
///   differs.
/// - 0011: its text as it stands (stops 19, 21, 22 until aaecfd8, and again now) makes the audit
///   rows' `id` and `fields_sha256` and the `audit_log_id` index, so 0015 is recorded as done
///   instead of run (`ALREADY_THERE`), on a new database too; the other text (7a5bf3c, stop 20,
///   stop 22's last commits) made none of them, and 0015 adds them.
const LANDED_EDITS: [(i64, &str); 2] = [
    (6, "3ad1aa6d816a23e90fd41047f9e2ecde1c212c5b22778893b27709580c82b97ac7bf84d513e30206ee71f90942f14f29"),
    (11, "0534c147f14ba223ee8875d4d4e35cd5ca27fc7f83753e8db6da391db5fb142c0b22e9c965b5ec73f24518477d51256d"),
];

/// Migrations whose effect a database may already have from a landed text of an earlier
/// migration: (version, a query that succeeds only when the effect is there). 0015 adds the
/// columns that 0011 as it stands creates: on such a database (a new one, or one made at stops
/// 19, 21 or 22) it is recorded as done instead of run; a database made with 0011's other text
/// runs it.
const ALREADY_THERE: [(i64, &str); 1] = [(15, "SELECT id, fields_sha256 FROM audit_log WHERE 1 = 0")];

/// Makes a database that recorded the other text of a migration (`LANDED_EDITS`) upgrade like
/// any other: its record of that migration takes the checksum of the text as it stands. Any
/// other history is left to the migrator, which refuses edited migrations.
async fn reconcile_edited_migrations(pool: &sqlx::AnyPool) -> anyhow::Result<()> {
    let migrator = migrator();
    for (version, other) in LANDED_EDITS {
        let recorded: Option<Vec<u8>> = match sqlx::query_scalar::<_, Vec<u8>>("SELECT checksum FROM _sqlx_migrations WHERE version = $1")
            .bind(version)
            .fetch_optional(pool)
            .await
        {
            Ok(found) => found,
            // No migrations table yet: a new database.
            Err(_) => return Ok(()),
        };
        if recorded.is_none_or(|c| hex::encode(c) != other) {
            continue;
        }
        let Some(current) = migrator.iter().find(|m| m.version == version) else { continue };
        sqlx::query("UPDATE _sqlx_migrations SET checksum = $1 WHERE version = $2")
            .bind(current.checksum.to_vec())
            .bind(version)
            .execute(pool)
            .await?;
        tracing::info!(version, "a migration recorded with its other landed text: recorded as it stands");
    }
    Ok(())
}

/// Applies this release's migrations as every start does, recording each of `ALREADY_THERE`
/// as done, instead of running it, on a database that already has its effect once the
/// migrations before it are applied.
pub async fn migrate(pool: &sqlx::AnyPool) -> anyhow::Result<()> {
    for (version, probe) in ALREADY_THERE {
        let mut before = migrator();
        before.migrations = before.migrations.iter().filter(|m| m.version < version).cloned().collect::<Vec<_>>().into();
        before.run(pool).await?;
        let full = migrator();
        let Some(m) = full.iter().find(|m| m.version == version) else { continue };
        if sqlx::query(probe).execute(pool).await.is_ok() {
            // Several copies may start at once: the first record stands.
            sqlx::query(
                "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (version) DO NOTHING",
            )
            .bind(m.version)
            .bind(m.description.to_string())
            .bind(true)
            .bind(m.checksum.to_vec())
            .bind(0_i64)
            .execute(pool)
            .await?;
        }
    }
    migrator().run(pool).await?;
    Ok(())
}

impl Db {
    /// Connects (creating a SQLite file and its folder when missing) and applies migrations.
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let url = match backend {
            Backend::Sqlite => sqlite_url_creating_file(url)?,
            Backend::Postgres => url.to_string(),
        };
        let options: AnyConnectOptions = url
            .parse::<AnyConnectOptions>()
            .context("invalid database URL")?
            // Statement logging would put query parameters (patient data) in the logs.
            .disable_statement_logging();
        let pool = Self::pool_options(backend, max_connections, Duration::from_secs(5))
            .connect_with(options.clone())
            .await
            .context("cannot connect to the database")?;
        reconcile_edited_migrations(&pool).await.context("database migration failed")?;
        migrate(&pool).await.context("database migration failed")?;
        let health = Self::pool_options(backend, 1, Duration::from_secs(2)).connect_lazy_with(options);
        Ok(Self { pool, backend, health })
    }

    fn pool_options(backend: Backend, max_connections: u32, acquire: Duration) -> AnyPoolOptions {
        AnyPoolOptions::new().max_connections(max_connections).acquire_timeout(acquire).after_connect(move |conn, _meta| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    // WAL lets readers run beside the writer; the busy timeout makes
                    // writers queue instead of failing; foreign keys are off by default.
                    conn.execute(
                        "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                             PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL; PRAGMA secure_delete = ON;",
                    )
                    .await?;
                }
                Ok(())
            })
        })
    }

    /// Makes sure text just replaced (clear rows now encrypted) is not left in the database's
    /// files: on SQLite, `secure_delete` (set on every connection) zeroes freed content, and a
    /// truncating checkpoint empties the WAL, which still held the old pages; on PostgreSQL,
    /// `VACUUM FULL` rewrites the tables without their dead row versions.
    pub async fn scrub(&self, tables: &[&'static str]) -> Result<(), crate::error::Error> {
        match self.backend {
            Backend::Sqlite => {
                sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.pool).await?;
            }
            Backend::Postgres => {
                for table in tables {
                    // Table names are `&'static str` chosen in code, never input.
                    sqlx::query(sqlx::AssertSqlSafe(format!("VACUUM FULL {table}"))).execute(&self.pool).await?;
                }
            }
        }
        Ok(())
    }

    /// Closes every connection (shutdown; tests simulate an outage with it).
    pub async fn close(&self) {
        self.pool.close().await;
        self.health.close().await;
    }

    /// Whether the database answers (for `/readyz`), on the health check's own connection.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.health).await.is_ok()
    }
}

/// A case-insensitive substring pattern for `LOWER(col) LIKE $n ESCAPE '\'`, with LIKE's
/// wildcards in the text taken literally. (SQLite's LOWER folds ASCII only; PostgreSQL's
/// folds all of Unicode.)
pub fn like_pattern(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// Makes sure the SQLite file's folder exists and asks SQLite to create the file (`mode=rwc`).
fn sqlite_url_creating_file(url: &str) -> anyhow::Result<String> {
    let rest = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path != ":memory:" && !path.is_empty() {
        if let Some(parent) = std::path::Path::new(path).parent() {
            if !parent.as_os_str().is_empty() {
                crate::datadir::create_private_dir(parent)?;
            }
        }
        // Created here, 0600, before SQLite opens it: SQLite gives its -wal and -shm files the
        // database file's permissions, so all three stay private whatever the umask. One that
        // exists already (perhaps outside the data directory) must be private too.
        crate::datadir::refuse_shared_file(std::path::Path::new(path))?;
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        options.open(path).with_context(|| format!("cannot create {path}"))?;
    }
    Ok(if query.contains("mode=") {
        url.to_string()
    } else if query.is_empty() {
        format!("sqlite://{path}?mode=rwc")
    } else {
        format!("sqlite://{path}?{query}&mode=rwc")
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn filters_number_placeholders_in_order_and_only_for_given_filters() {
        let mut f = super::Filters::default();
        assert_eq!(f.where_clause(), "");
        f.and("a = ?", [super::Bind::Text("x".into())]);
        f.and("(b, c) < (?, ?)", [super::Bind::Text("y".into()), super::Bind::Int(2)]);
        let limit = f.placeholder(super::Bind::Int(51));
        assert_eq!(f.where_clause(), " WHERE a = $1 AND (b, c) < ($2, $3)");
        assert_eq!(limit, "$4");
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(super::like_pattern("50%_a\\B"), "%50\\%\\_a\\\\b%");
    }
}
