//! How audit rows get written without a database commit on every read: each copy journals its
//! rows to a file of its own in the data directory before the response leaves (one `write` for
//! everything waiting), so a crash of the process after the response loses no row; a mover
//! takes the journal into the trail in large batches (every [`MOVE_EVERY`], or at once on a
//! flush), then deletes it. A journal left by a copy that died is moved by the next copy to
//! start; a batch moved twice is recognised by its rows' ids. Each journal is locked (`flock`)
//! by its copy, so copies sharing a data directory never move each other's.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use nix::fcntl::{Flock, FlockArg};
use sha2::Sha256;
use tokio::sync::{mpsc, oneshot};

use crate::audit::trail::{self, NewAccess};
use crate::db::Db;
use crate::error::Error;

/// How often journalled rows are moved into the trail.
pub const MOVE_EVERY: Duration = Duration::from_millis(1000);
/// Most rows taken from the queue for one journal write.
const MAX_ROWS: usize = 4000;
/// Requests that may wait for the writer before senders wait too (back-pressure).
const QUEUE: usize = 8192;
/// The journal folder in the data directory.
pub const JOURNAL_DIR: &str = "audit-journal";
/// How often a copy looks for journals left by copies that died.
const RECOVER_EVERY: Duration = Duration::from_secs(5);

/// The key every copy signs its journal lines with (HMAC-SHA256, RFC 2104), shared like the
/// other keys in `<data-dir>/keys/`: a line written into a journal by anything but a copy of
/// careledger is refused when the journal is moved.
#[derive(Clone)]
pub struct JournalKey(Hmac<Sha256>);

impl JournalKey {
    /// The HMAC keyed once (its padded key hashed), cloned for each line.
    fn new(key: &crate::config::Secret<Vec<u8>>) -> Result<Self, Error> {
        Hmac::<Sha256>::new_from_slice(key.expose()).map(Self).map_err(|e| Error::Internal(anyhow::anyhow!("journal key: {e}")))
    }

    fn mac(&self, line: &[u8]) -> Hmac<Sha256> {
        let mut mac = self.0.clone();
        mac.update(line);
        mac
    }

    /// `json` TAB hex(HMAC(json)).
    fn sign(&self, json: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        let tag = self.mac(json).finalize().into_bytes();
        out.extend_from_slice(json);
        out.push(b'\t');
        out.extend_from_slice(hex::encode(tag).as_bytes());
        out.push(b'\n');
        Ok(())
    }

    /// The row of a signed line, or `None` when the line is cut short, forged or altered.
    fn open(&self, line: &str) -> Option<NewAccess> {
        let (json, tag) = line.rsplit_once('\t')?;
        let tag = hex::decode(tag).ok()?;
        self.mac(json.as_bytes()).verify_slice(&tag).ok()?;
        let row: NewAccess = serde_json::from_str(json).ok()?;
        uuid::Uuid::try_parse(&row.id).ok().map(|_| row)
    }
}

enum Command {
    Rows(Vec<NewAccess>, oneshot::Sender<bool>),
    Flush(oneshot::Sender<bool>),
}

/// The handle requests write through. Cheap to clone.
#[derive(Clone)]
pub struct AuditWriter {
    tx: mpsc::Sender<Command>,
}

impl std::fmt::Debug for AuditWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditWriter").finish_non_exhaustive()
    }
}

/// One journal file: rows written to it and not yet moved.
struct Segment {
    file: Flock<File>,
    path: PathBuf,
    rows: Vec<NewAccess>,
}

impl Segment {
    fn create(dir: &Path) -> std::io::Result<Self> {
        let path = dir.join(format!("{}.jsonl", uuid::Uuid::now_v7()));
        let file = std::fs::OpenOptions::new().create_new(true).append(true).open(&path)?;
        let file = Flock::lock(file, FlockArg::LockExclusiveNonblock).map_err(|(_, e)| std::io::Error::from(e))?;
        Ok(Self { file, path, rows: Vec::new() })
    }
}

impl AuditWriter {
    /// Moves the journals of copies that are gone into the trail, then starts this copy's
    /// journal and mover (tasks that end when every handle is dropped).
    pub async fn start(db: Db, data_dir: &Path, clock: crate::clock::Clock) -> anyhow::Result<Self> {
        let dir = data_dir.join(JOURNAL_DIR);
        crate::datadir::create_private_dir(&dir)?;
        let key =
            JournalKey::new(&crate::keys::load_or_create_secret(data_dir, "audit-journal.key")?).map_err(|e| anyhow::anyhow!("{e:?}"))?;
        recover(&db, &dir, &key, &clock).await?;
        let segment = Segment::create(&dir)?;
        let (tx, rx) = mpsc::channel(QUEUE);
        let (to_mover, mover_rx) = mpsc::unbounded_channel();
        tokio::spawn(mover(db.clone(), mover_rx));
        tokio::spawn(journal(segment, dir.clone(), rx, to_mover, key.clone()));
        // A copy that dies leaves its journal; any live copy moves it within seconds.
        let stop = tx.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(RECOVER_EVERY);
            loop {
                tick.tick().await;
                if stop.is_closed() {
                    return;
                }
                if let Err(e) = recover(&db, &dir, &key, &clock).await {
                    tracing::warn!(error = %e, "could not move an audit journal left by a stopped copy");
                }
            }
        });
        Ok(Self { tx })
    }

    /// Journals `rows` and returns once they are written (a crash after this loses none).
    pub async fn write(&self, rows: Vec<NewAccess>) -> Result<(), Error> {
        if rows.is_empty() {
            return Ok(());
        }
        let (done, wait) = oneshot::channel();
        self.send(Command::Rows(rows, done)).await?;
        match wait.await {
            Ok(true) => Ok(()),
            _ => Err(Error::Internal(anyhow::anyhow!("the audit journal could not be written"))),
        }
    }

    /// Returns once every row this copy journalled so far is in the trail (searches and
    /// reports read their own copy's writes).
    pub async fn flush(&self) -> Result<(), Error> {
        let (done, wait) = oneshot::channel();
        self.send(Command::Flush(done)).await?;
        match wait.await {
            Ok(true) => Ok(()),
            _ => Err(Error::Internal(anyhow::anyhow!("the audit trail could not be written"))),
        }
    }

    async fn send(&self, c: Command) -> Result<(), Error> {
        self.tx.send(c).await.map_err(|_| Error::Internal(anyhow::anyhow!("the audit writer has stopped")))
    }
}

/// Moves every journal nobody holds (its copy is gone) into the trail and deletes it. A line
/// that is not signed with the journal key (forged, altered, or cut short by the crash, when
/// its request got no response) is not moved: the file is kept aside as `*.refused` and an
/// integrity alert is raised, unless the only such line is a last line cut short.
async fn recover(db: &Db, dir: &Path, key: &JournalKey, clock: &crate::clock::Clock) -> anyhow::Result<usize> {
    let mut moved = 0;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let named = path.extension().and_then(|e| e.to_str()) == Some("jsonl")
            && path.file_stem().and_then(|s| s.to_str()).is_some_and(|s| uuid::Uuid::try_parse(s).is_ok());
        if !named {
            if path.extension().and_then(|e| e.to_str()) != Some("refused") {
                tracing::error!(file = %path.display(), "a file that is not a careledger journal in the audit journal folder; left as it is");
            }
            continue;
        }
        let Ok(file) = File::open(&path) else { continue };
        // Held: a live copy's journal, not ours to move.
        let Ok(locked) = Flock::lock(file, FlockArg::LockExclusiveNonblock) else { continue };
        let lines: Vec<String> = std::io::BufReader::new(&*locked).lines().collect::<Result<_, _>>()?;
        let mut rows = Vec::new();
        let mut refused = Vec::new();
        for (n, line) in lines.iter().enumerate() {
            match key.open(line) {
                Some(row) => rows.push(row),
                None => refused.push(n + 1),
            }
        }
        // A last line cut short by the crash never got its response: nothing to keep.
        let cut_short = refused == [lines.len()] && !lines.last().is_some_and(|l| l.contains('\t'));
        commit(db, rows.clone(), true, &mut trail::HeadCache::default())
            .await
            .map_err(|e| anyhow::anyhow!("cannot move the audit journal {}: {e:?}", path.display()))?;
        moved += rows.len();
        if refused.is_empty() || cut_short {
            std::fs::remove_file(&path)?;
        } else {
            tracing::error!(file = %path.display(), lines = ?refused, "audit journal lines not signed by careledger; not moved, file kept aside");
            let at = crate::clock::format(clock.now());
            let detail = format!("{} journal line(s) not signed by careledger were refused (kept as .refused)", refused.len());
            crate::records::files::raise_alert(db, &at, "audit_journal", &path.display().to_string(), &detail).await?;
            std::fs::rename(&path, path.with_extension("refused"))?;
        }
    }
    if moved > 0 {
        tracing::info!(moved, "audit rows journalled by a copy that stopped were moved into the trail");
    }
    Ok(moved)
}

/// Writes rows to the journal as they come and hands full segments to the mover.
async fn journal(
    mut segment: Segment,
    dir: PathBuf,
    mut rx: mpsc::Receiver<Command>,
    mover: mpsc::UnboundedSender<(Segment, Option<oneshot::Sender<bool>>)>,
    key: JournalKey,
) {
    let mut tick = tokio::time::interval(MOVE_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let command = tokio::select! {
            c = rx.recv() => c,
            _ = tick.tick() => {
                if !segment.rows.is_empty() {
                    segment = rotate(segment, &dir, &mover, None);
                }
                continue;
            }
        };
        match command {
            None => {
                // Every handle is gone (shutdown): move what is left.
                let _ = mover.send((segment, None));
                return;
            }
            Some(Command::Flush(done)) => segment = rotate(segment, &dir, &mover, Some(done)),
            Some(Command::Rows(rows, done)) => {
                let mut batch = vec![(rows, done)];
                let mut flushes = Vec::new();
                let mut n = batch[0].0.len();
                // Everything already waiting goes in the same write.
                while n < MAX_ROWS {
                    match rx.try_recv() {
                        Ok(Command::Rows(rows, done)) => {
                            n += rows.len();
                            batch.push((rows, done));
                        }
                        Ok(Command::Flush(done)) => flushes.push(done),
                        Err(_) => break,
                    }
                }
                let mut buf = Vec::with_capacity(n * 480);
                let mut json = Vec::with_capacity(480);
                let mut signed = Ok(());
                for (rows, _) in &batch {
                    for row in rows {
                        json.clear();
                        signed = signed.and(serde_json::to_writer(&mut json, row).map_err(|e| Error::Internal(e.into())));
                        signed = signed.and(key.sign(&json, &mut buf));
                    }
                }
                let written = match signed {
                    Ok(()) => segment.file.write_all(&buf),
                    Err(e) => Err(std::io::Error::other(format!("{e:?}"))),
                };
                if let Err(e) = &written {
                    tracing::error!(error = %e, "could not write the audit journal");
                }
                for (rows, done) in batch {
                    if written.is_ok() {
                        segment.rows.extend(rows);
                    }
                    let _ = done.send(written.is_ok());
                }
                for done in flushes {
                    segment = rotate(segment, &dir, &mover, Some(done));
                }
            }
        }
    }
}

/// Hands `segment` to the mover and starts a new one (keeping the old if no new file can be
/// made: its rows are still journalled and will be moved with the next).
fn rotate(
    segment: Segment,
    dir: &Path,
    mover: &mpsc::UnboundedSender<(Segment, Option<oneshot::Sender<bool>>)>,
    done: Option<oneshot::Sender<bool>>,
) -> Segment {
    match Segment::create(dir) {
        Ok(next) => {
            if let Err(mpsc::error::SendError((segment, done))) = mover.send((segment, done)) {
                if let Some(done) = done {
                    let _ = done.send(false);
                }
                return segment;
            }
            next
        }
        Err(e) => {
            tracing::error!(error = %e, "could not start a new audit journal");
            if let Some(done) = done {
                let _ = done.send(false);
            }
            segment
        }
    }
}

/// Moves segments into the trail in order; a segment that cannot be moved yet (the database is
/// away) is kept, with everything after it, and tried again every second.
async fn mover(db: Db, mut rx: mpsc::UnboundedReceiver<(Segment, Option<oneshot::Sender<bool>>)>) {
    let mut head = trail::HeadCache::default();
    let mut backlog: VecDeque<(Segment, Option<oneshot::Sender<bool>>)> = VecDeque::new();
    let mut retry = false;
    let mut closed = false;
    loop {
        if backlog.is_empty() {
            match rx.recv().await {
                Some(item) => backlog.push_back(item),
                None => return,
            }
        } else if closed {
            tokio::time::sleep(Duration::from_secs(1)).await;
        } else {
            match tokio::time::timeout(Duration::from_secs(1), rx.recv()).await {
                Ok(Some(item)) => backlog.push_back(item),
                Ok(None) => closed = true,
                Err(_) => {}
            }
        }
        while let Some((segment, done)) = backlog.pop_front() {
            match commit(&db, segment.rows.clone(), retry, &mut head).await {
                Ok(()) => {
                    retry = false;
                    if let Err(e) = std::fs::remove_file(&segment.path) {
                        tracing::warn!(error = %e, "could not delete a moved audit journal");
                    }
                    if let Some(done) = done {
                        let _ = done.send(true);
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, rows = segment.rows.len(), "audit rows not moved yet; retrying");
                    // The commit may have happened with its answer lost: the retry skips rows
                    // already in the trail.
                    retry = true;
                    head = trail::HeadCache::default();
                    if let Some(done) = done {
                        let _ = done.send(false);
                    }
                    backlog.push_front((segment, None));
                    break;
                }
            }
        }
    }
}

async fn commit(db: &Db, rows: Vec<NewAccess>, dedupe: bool, head: &mut trail::HeadCache) -> Result<(), Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let rows: Vec<NewAccess> = rows.into_iter().map(NewAccess::bounded).collect();
    let mut tx = db.pool.begin().await?;
    let rows = if dedupe {
        let (fresh, conflicts) = trail::not_yet_in(&mut tx, rows).await?;
        if !conflicts.is_empty() {
            tracing::error!(ids = ?conflicts, "journal lines claim ids already in the audit trail with other content; the trail is kept");
        }
        fresh
    } else {
        rows
    };
    let appended = trail::append_cached(&mut tx, &rows, head).await;
    let committed = match appended {
        Ok(_) => tx.commit().await.map_err(Error::from),
        Err(e) => Err(e),
    };
    if committed.is_err() {
        // What this copy thinks the head is may not be what was stored.
        *head = trail::HeadCache::default();
    }
    committed
}
