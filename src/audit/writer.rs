//! Group commit for the audit trail: requests hand their rows to this copy's one writer, which
//! appends everything waiting in one transaction and then answers each request. A response
//! leaves only after its rows are committed, so a crash after a response loses no row; and a
//! busy server pays one transaction for many reads instead of one each.

use tokio::sync::{mpsc, oneshot};

use crate::audit::trail::{self, NewAccess};
use crate::db::Db;
use crate::error::Error;

/// Most rows appended in one transaction.
const MAX_ROWS: usize = 2000;
/// Requests that may wait for the writer before senders wait too (back-pressure).
const QUEUE: usize = 8192;

struct Batch {
    rows: Vec<NewAccess>,
    done: oneshot::Sender<bool>,
}

/// The handle requests write through. Cheap to clone.
#[derive(Clone, Debug)]
pub struct AuditWriter {
    tx: mpsc::Sender<Batch>,
}

impl std::fmt::Debug for Batch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batch").field("rows", &self.rows.len()).finish()
    }
}

impl AuditWriter {
    /// Starts this copy's writer (a task that ends when every handle is dropped).
    pub fn start(db: Db) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE);
        tokio::spawn(run(db, rx));
        Self { tx }
    }

    /// Appends `rows` to the trail and returns once they are committed.
    pub async fn write(&self, rows: Vec<NewAccess>) -> Result<(), Error> {
        if rows.is_empty() {
            return Ok(());
        }
        let (done, wait) = oneshot::channel();
        self.tx.send(Batch { rows, done }).await.map_err(|_| Error::Internal(anyhow::anyhow!("the audit writer has stopped")))?;
        match wait.await {
            Ok(true) => Ok(()),
            _ => Err(Error::Internal(anyhow::anyhow!("the audit trail could not be written"))),
        }
    }
}

async fn run(db: Db, mut rx: mpsc::Receiver<Batch>) {
    let mut head = trail::HeadCache::default();
    while let Some(first) = rx.recv().await {
        let mut rows = first.rows;
        let mut waiting = vec![first.done];
        // Everything that queued while the last transaction ran goes in this one.
        while rows.len() < MAX_ROWS {
            match rx.try_recv() {
                Ok(b) => {
                    rows.extend(b.rows);
                    waiting.push(b.done);
                }
                Err(_) => break,
            }
        }
        let mut ok = commit(&db, &rows, &mut head).await;
        if let Err(e) = &ok {
            // Once more, from the head as stored (a connection lost mid-failover); then the
            // requests fail, closed.
            tracing::warn!(error = %e, rows = rows.len(), "audit append failed; retrying once");
            head = trail::HeadCache::default();
            ok = commit(&db, &rows, &mut head).await;
        }
        if let Err(e) = &ok {
            tracing::error!(error = %e, rows = rows.len(), "could not write the audit trail");
        }
        for done in waiting {
            let _ = done.send(ok.is_ok());
        }
    }
}

async fn commit(db: &Db, rows: &[NewAccess], head: &mut trail::HeadCache) -> Result<(), Error> {
    let mut tx = db.pool.begin().await?;
    let appended = trail::append_cached(&mut tx, rows, head).await;
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
