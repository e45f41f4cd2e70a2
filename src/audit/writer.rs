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

use nix::fcntl::{Flock, FlockArg};
use tokio::sync::{mpsc, oneshot};

use crate::audit::trail::{self, NewAccess};
use crate::db::Db;
use crate::error::Error;

/// How often journalled rows are moved into the trail.
pub const MOVE_EVERY: Duration = Duration::from_millis(200);
/// Most rows taken from the queue for one journal write.
const MAX_ROWS: usize = 4000;
/// Requests that may wait for the writer before senders wait too (back-pressure).
const QUEUE: usize = 8192;
/// The journal folder in the data directory.
pub const JOURNAL_DIR: &str = "audit-journal";

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
    pub async fn start(db: Db, data_dir: &Path) -> anyhow::Result<Self> {
        let dir = data_dir.join(JOURNAL_DIR);
        crate::datadir::create_private_dir(&dir)?;
        let moved = recover(&db, &dir).await?;
        if moved > 0 {
            tracing::info!(moved, "audit rows journalled by a copy that stopped were moved into the trail");
        }
        let segment = Segment::create(&dir)?;
        let (tx, rx) = mpsc::channel(QUEUE);
        let (to_mover, mover_rx) = mpsc::unbounded_channel();
        tokio::spawn(mover(db, mover_rx));
        tokio::spawn(journal(segment, dir, rx, to_mover));
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

/// Moves every journal nobody holds (its copy is gone) into the trail and deletes it.
async fn recover(db: &Db, dir: &Path) -> anyhow::Result<usize> {
    let mut moved = 0;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("jsonl") {
            continue;
        }
        let Ok(file) = File::open(&path) else { continue };
        // Held: a live copy's journal, not ours to move.
        let Ok(locked) = Flock::lock(file, FlockArg::LockExclusiveNonblock) else { continue };
        let mut rows = Vec::new();
        for line in std::io::BufReader::new(&*locked).lines() {
            // A line cut short by the crash was never answered: its request got no response.
            if let Ok(row) = serde_json::from_str::<NewAccess>(&line?) {
                rows.push(row);
            }
        }
        commit(db, rows.clone(), true, &mut trail::HeadCache::default())
            .await
            .map_err(|e| anyhow::anyhow!("cannot move the audit journal {}: {e:?}", path.display()))?;
        moved += rows.len();
        std::fs::remove_file(&path)?;
    }
    Ok(moved)
}

/// Writes rows to the journal as they come and hands full segments to the mover.
async fn journal(
    mut segment: Segment,
    dir: PathBuf,
    mut rx: mpsc::Receiver<Command>,
    mover: mpsc::UnboundedSender<(Segment, Option<oneshot::Sender<bool>>)>,
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
                let mut buf = Vec::with_capacity(n * 400);
                for (rows, _) in &batch {
                    for row in rows {
                        if serde_json::to_writer(&mut buf, row).is_ok() {
                            buf.push(b'\n');
                        }
                    }
                }
                let written = segment.file.write_all(&buf);
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
    let mut tx = db.pool.begin().await?;
    let rows = if dedupe { trail::not_yet_in(&mut tx, rows).await? } else { rows };
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
