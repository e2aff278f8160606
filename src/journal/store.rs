//! The journal's SQLite database: one table of entries in order, and the format's version. WAL with
//! `synchronous=FULL`: a commit is on disk (fsync) when it returns, and a process killed at any instant
//! leaves the last committed transaction whole.

use super::{Entry, JournalError, Stored};
use rusqlite::{Connection, OpenFlags, params};
use std::path::{Path, PathBuf};

/// The version of the journal's format this build writes.
/// - 1: the first journal, of a server with one flow (no flow in the journal).
/// - 2: flows are published into the journal (`publish`, `activate`, `started` with its flow); a
///   version 1 journal has no flow for the workitems it holds, so it is not read.
/// - 3: a create is journaled as its body without the fields the body already holds
///   (`NewWorkitem`'s serialization); version 2 kept them beside it, and its entries read the same
///   way, so this build reads both, and a journal of version 2 that it opens is marked version 3 (the
///   entries it appends are of version 3, which an older routeflow would not read: it refuses the
///   journal by its version instead).
const FORMAT: i64 = 3;

/// The versions this build reads.
const READS: [i64; 2] = [2, 3];

pub struct Store {
    connection: Connection,
    path: PathBuf,
    /// The last sequence number committed.
    last: u64,
}

/// The journal holds user data as the third party sent it, secure values included: the database is
/// readable by its owner only (SQLite gives its WAL and shared-memory files the database's mode).
fn owner_only(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(path)?;
    // A journal made by an earlier version, or copied in, gets the same mode.
    #[cfg(unix)]
    file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    Ok(())
}

impl Store {
    pub fn open(path: &Path) -> Result<Store, JournalError> {
        let failed = |error: rusqlite::Error| JournalError::Database {
            path: path.to_owned(),
            message: error.to_string(),
        };
        owner_only(path).map_err(|error| JournalError::Database {
            path: path.to_owned(),
            message: format!("cannot make it readable by its owner only: {error}"),
        })?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let connection = Connection::open_with_flags(path, flags).map_err(failed)?;
        connection
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(failed)?;
        connection
            .pragma_update(None, "synchronous", "FULL")
            .map_err(failed)?;
        connection
            .execute_batch(&format!(
                "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
                 CREATE TABLE IF NOT EXISTS entries (
                     seq INTEGER PRIMARY KEY,
                     at_us INTEGER NOT NULL,
                     kind TEXT NOT NULL,
                     data TEXT NOT NULL
                 );
                 INSERT OR IGNORE INTO meta (key, value) VALUES ('format', {FORMAT});"
            ))
            .map_err(failed)?;
        let format: i64 = connection
            .query_row("SELECT value FROM meta WHERE key = 'format'", [], |row| {
                row.get(0)
            })
            .map_err(failed)?;
        if !READS.contains(&format) {
            return Err(JournalError::Database {
                path: path.to_owned(),
                message: format!(
                    "its format is version {format}; this routeflow reads versions {} only",
                    READS.map(|version| version.to_string()).join(" and ")
                ),
            });
        }
        if format != FORMAT {
            connection
                .execute(
                    "UPDATE meta SET value = ?1 WHERE key = 'format'",
                    params![FORMAT],
                )
                .map_err(failed)?;
        }
        let last: i64 = connection
            .query_row("SELECT COALESCE(MAX(seq), 0) FROM entries", [], |row| {
                row.get(0)
            })
            .map_err(failed)?;
        Ok(Store {
            connection,
            path: path.to_owned(),
            last: u64::try_from(last).unwrap_or(0),
        })
    }

    fn failed(&self, error: rusqlite::Error) -> JournalError {
        JournalError::Database {
            path: self.path.clone(),
            message: error.to_string(),
        }
    }

    /// Every entry, in order.
    pub fn read_all(&mut self) -> Result<Vec<Stored>, JournalError> {
        let mut statement = self
            .connection
            .prepare("SELECT seq, at_us, kind, data FROM entries ORDER BY seq")
            .map_err(|error| self.failed(error))?;
        let rows = statement
            .query_map([], |row| {
                Ok(Stored {
                    seq: row.get::<_, i64>(0)? as u64,
                    entry: Entry {
                        at_us: row.get::<_, i64>(1)? as u64,
                        kind: row.get(2)?,
                        data: row.get(3)?,
                    },
                })
            })
            .and_then(Iterator::collect);
        drop(statement);
        rows.map_err(|error| self.failed(error))
    }

    /// Append `entries` in one transaction, committed when this returns.
    pub fn commit(&mut self, entries: &[&Entry]) -> Result<(), JournalError> {
        let mut seq = self.last;
        let result = (|| {
            let transaction = self.connection.transaction()?;
            {
                let mut insert = transaction.prepare_cached(
                    "INSERT INTO entries (seq, at_us, kind, data) VALUES (?1, ?2, ?3, ?4)",
                )?;
                for entry in entries {
                    seq += 1;
                    let at_us = i64::try_from(entry.at_us).unwrap_or(i64::MAX);
                    insert.execute(params![seq as i64, at_us, entry.kind, entry.data])?;
                }
            }
            transaction.commit()
        })();
        match result {
            Ok(()) => {
                self.last = seq;
                Ok(())
            }
            Err(error) => Err(self.failed(error)),
        }
    }
}
