//! The journal of `routeflow serve` (SPEC §9.5): every state change, appended to an embedded SQLite
//! database in the data directory and committed (fsync) before the change is acknowledged.
//!
//! One writer thread owns the database. Callers hand it batches of [`Entry`]s with what to do once they
//! are durable ([`Journal::append`]); the writer takes every batch queued by the time it is free and
//! commits them in one transaction (group commit: many requests share one fsync), then runs their
//! continuations in order. A continuation is how a reply waits for durability without its caller
//! blocking. A batch without entries ([`Journal::after_pending`]) waits for the batches before it.
//!
//! When a commit fails (a full disk, an I/O error) the journal is broken for good: every pending and
//! later continuation is told so, and the server must not acknowledge anything more; what was committed
//! is what a restart recovers.
//!
//! The directory is locked while a journal is open ([`lock`]): a second server on it is refused.

mod lock;
mod store;

pub use lock::DirLock;

use prometheus_client::metrics::histogram::Histogram;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;

/// One state change, as the journal keeps it: when (µs of the server's clock), what kind, and its
/// details (JSON, as the live engine writes them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub at_us: u64,
    pub kind: String,
    pub data: String,
}

/// An entry read back, with its place in the journal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    pub seq: u64,
    pub entry: Entry,
}

/// Why the journal cannot be opened or written.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("cannot create the data directory {}: {source}", path.display())]
    Directory {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the data directory {} is in use by another routeflow serve (its lock file {} is held); \
         stop that server or give another --data",
        dir.display(),
        dir.join(lock::LOCK_FILE).display()
    )]
    Locked { dir: PathBuf },
    #[error("cannot lock the data directory {}: {source}", dir.display())]
    Lock {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("the journal {}: {message}", path.display())]
    Database { path: PathBuf, message: String },
    #[error("the journal failed earlier and takes no more writes: {0}")]
    Broken(String),
}

/// What a continuation learns: the batch is durable, or the journal failed.
pub type Outcome = Result<(), Arc<JournalError>>;

/// What runs once a batch is durable (or the journal failed).
pub type Then = Box<dyn FnOnce(Outcome) + Send>;

struct Batch {
    entries: Vec<Entry>,
    then: Then,
}

/// Counts of the writer's work, for benchmarks and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Transactions committed.
    pub commits: u64,
    /// Entries committed.
    pub entries: u64,
}

/// The journal: a handle on its writer thread. Dropping every handle (or [`Journal::close`]) lets the
/// writer commit what is queued and stop.
pub struct Journal {
    batches: Option<Sender<Batch>>,
    /// How long each commit took (the transaction, its fsync included), in seconds.
    commits: Histogram,
    writer: Option<JoinHandle<Stats>>,
    _lock: DirLock,
}

/// The file of the journal in a data directory.
pub const JOURNAL_FILE: &str = "journal.sqlite";

impl Journal {
    /// Open (or create) the journal in `dir`, locking the directory: every entry committed so far, in
    /// order, and the journal to append to.
    pub fn open(dir: &Path) -> Result<(Journal, Vec<Stored>), JournalError> {
        std::fs::create_dir_all(dir).map_err(|source| JournalError::Directory {
            path: dir.to_owned(),
            source,
        })?;
        let lock = DirLock::acquire(dir)?;
        let mut store = store::Store::open(&dir.join(JOURNAL_FILE))?;
        let stored = store.read_all()?;
        let (batches, receiver) = channel();
        let commits = Histogram::new(COMMIT_BUCKETS_S);
        let timed = commits.clone();
        let writer = std::thread::Builder::new()
            .name("routeflow-journal".to_owned())
            .spawn(move || write(store, receiver, &timed))
            .map_err(|error| JournalError::Database {
                path: dir.join(JOURNAL_FILE),
                message: format!("cannot start its writer: {error}"),
            })?;
        let journal = Journal {
            batches: Some(batches),
            commits,
            writer: Some(writer),
            _lock: lock,
        };
        Ok((journal, stored))
    }

    /// Append `entries`; `then` runs on the writer thread once they are committed (or the journal
    /// failed). Batches are committed in the order they are appended.
    pub fn append(&self, entries: Vec<Entry>, then: Then) {
        let batch = Batch { entries, then };
        let sent = self.batches.as_ref().map(|batches| batches.send(batch));
        if let Some(Err(std::sync::mpsc::SendError(batch))) = sent {
            // The writer is gone (it panicked): nothing can be made durable any more.
            let gone = JournalError::Broken("its writer stopped".to_owned());
            (batch.then)(Err(Arc::new(gone)));
        }
    }

    /// Run `then` once every batch appended before is committed.
    pub fn after_pending(&self, then: Then) {
        self.append(Vec::new(), then);
    }

    /// How long each commit took, in seconds (shared: it goes on counting).
    pub fn commit_seconds(&self) -> Histogram {
        self.commits.clone()
    }

    /// Commit what is queued and stop the writer: what it did.
    pub fn close(mut self) -> Stats {
        self.stop()
    }

    fn stop(&mut self) -> Stats {
        self.batches.take();
        self.writer
            .take()
            .and_then(|writer| writer.join().ok())
            .unwrap_or_default()
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        self.stop();
    }
}

/// At most this many batches share one transaction (so that continuations are not held back long
/// behind a flood of appends).
const MAX_GROUP: usize = 4096;

/// The buckets of commit times, in seconds: from the page cache's fsync to a disk that stalls.
pub const COMMIT_BUCKETS_S: [f64; 12] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
];

/// The writer thread: group commit until every handle is dropped; each commit's time goes to
/// `commits`.
fn write(mut store: store::Store, batches: Receiver<Batch>, commits: &Histogram) -> Stats {
    let mut stats = Stats::default();
    let mut broken: Option<Arc<JournalError>> = None;
    let mut group = Vec::new();
    while let Ok(first) = batches.recv() {
        group.push(first);
        while group.len() < MAX_GROUP {
            match batches.try_recv() {
                Ok(batch) => group.push(batch),
                Err(_) => break,
            }
        }
        let outcome = match &broken {
            Some(error) => Err(error.clone()),
            None => {
                let entries: Vec<&Entry> = group.iter().flat_map(|batch| &batch.entries).collect();
                if entries.is_empty() {
                    Ok(())
                } else {
                    let started = std::time::Instant::now();
                    let committed = store.commit(&entries);
                    commits.observe(started.elapsed().as_secs_f64());
                    match committed {
                        Ok(()) => {
                            stats.commits += 1;
                            stats.entries += entries.len() as u64;
                            Ok(())
                        }
                        Err(error) => {
                            let error = Arc::new(error);
                            broken = Some(error.clone());
                            Err(error)
                        }
                    }
                }
            }
        };
        for batch in group.drain(..) {
            (batch.then)(outcome.clone());
        }
    }
    stats
}

#[cfg(test)]
mod tests;
