//! The data directory's lock: one server per directory. An advisory lock on `DIR/lock`, held while the
//! file is open and let go by the operating system when the process ends, `kill -9` included (a stale
//! lock file left behind locks nothing).

use super::JournalError;
use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;

/// The lock file's name in the data directory.
pub const LOCK_FILE: &str = "lock";

/// The lock on a data directory, held until dropped.
#[derive(Debug)]
pub struct DirLock {
    _file: File,
}

impl DirLock {
    /// Lock `dir` (which exists), or say who holds it.
    pub fn acquire(dir: &Path) -> Result<DirLock, JournalError> {
        let failed = |source| JournalError::Lock {
            dir: dir.to_owned(),
            source,
        };
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(LOCK_FILE))
            .map_err(failed)?;
        match file.try_lock() {
            Ok(()) => Ok(DirLock { _file: file }),
            Err(TryLockError::WouldBlock) => Err(JournalError::Locked {
                dir: dir.to_owned(),
            }),
            Err(TryLockError::Error(error)) => Err(failed(error)),
        }
    }
}
