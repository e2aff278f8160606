use super::*;
use std::sync::mpsc;

fn entry(n: u64) -> Entry {
    Entry {
        at_us: n * 1_000,
        kind: "created".to_owned(),
        data: format!("{{\"n\":{n}}}"),
    }
}

/// Append `entries` and wait until they are durable.
fn append_and_wait(journal: &Journal, entries: Vec<Entry>) -> Outcome {
    let (done, outcome) = mpsc::channel();
    journal.append(
        entries,
        Box::new(move |result| {
            let _ = done.send(result);
        }),
    );
    outcome.recv().expect("the continuation runs")
}

#[test]
fn entries_committed_are_read_back_in_order_after_a_reopen() {
    let dir = tempfile::tempdir().expect("a directory");
    let (journal, stored) = Journal::open(dir.path()).expect("opens");
    assert!(stored.is_empty());
    append_and_wait(&journal, vec![entry(1), entry(2)]).expect("durable");
    append_and_wait(&journal, vec![entry(3)]).expect("durable");
    drop(journal);
    let (journal, stored) = Journal::open(dir.path()).expect("opens again");
    let seqs: Vec<u64> = stored.iter().map(|s| s.seq).collect();
    assert_eq!(seqs, [1, 2, 3]);
    assert_eq!(stored[2].entry, entry(3));
    // Appends go on after what was there.
    append_and_wait(&journal, vec![entry(4)]).expect("durable");
    drop(journal);
    let (_, stored) = Journal::open(dir.path()).expect("opens again");
    assert_eq!(stored.last().map(|s| s.seq), Some(4));
}

#[test]
fn a_second_journal_on_the_same_directory_is_refused_while_the_first_is_open() {
    let dir = tempfile::tempdir().expect("a directory");
    let (journal, _) = Journal::open(dir.path()).expect("opens");
    let Err(error) = Journal::open(dir.path()) else {
        panic!("a second journal opened");
    };
    assert!(matches!(error, JournalError::Locked { .. }), "{error}");
    assert!(
        error
            .to_string()
            .contains("in use by another routeflow serve")
    );
    drop(journal);
    Journal::open(dir.path()).expect("free once the first is closed");
}

#[test]
fn concurrent_appends_each_wait_for_their_own_commit() {
    let dir = tempfile::tempdir().expect("a directory");
    let (journal, _) = Journal::open(dir.path()).expect("opens");
    let journal = Arc::new(journal);
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let journal = journal.clone();
            std::thread::spawn(move || {
                for i in 0..100 {
                    append_and_wait(&journal, vec![entry(t * 1_000 + i)]).expect("durable");
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("no panic");
    }
    let journal = Arc::into_inner(journal).expect("the last handle");
    let stats = journal.close();
    assert_eq!(stats.entries, 800);
    let (_, stored) = Journal::open(dir.path()).expect("opens again");
    assert_eq!(stored.len(), 800);
}

#[test]
fn a_barrier_waits_for_the_batches_before_it() {
    let dir = tempfile::tempdir().expect("a directory");
    let (journal, _) = Journal::open(dir.path()).expect("opens");
    let (order, seen) = mpsc::channel();
    for n in 0..3 {
        let order = order.clone();
        journal.append(
            vec![entry(n)],
            Box::new(move |outcome| {
                outcome.expect("durable");
                let _ = order.send(format!("batch {n}"));
            }),
        );
    }
    journal.after_pending(Box::new(move |outcome| {
        outcome.expect("nothing failed");
        let _ = order.send("barrier".to_owned());
    }));
    let seen: Vec<String> = (0..4).map(|_| seen.recv().expect("runs")).collect();
    assert_eq!(seen, ["batch 0", "batch 1", "batch 2", "barrier"]);
}

#[test]
fn a_journal_of_another_format_is_refused_with_its_version() {
    let dir = tempfile::tempdir().expect("a directory");
    drop(Journal::open(dir.path()).expect("opens"));
    let connection = rusqlite::Connection::open(dir.path().join(JOURNAL_FILE)).expect("opens");
    connection
        .execute("UPDATE meta SET value = 9 WHERE key = 'format'", [])
        .expect("updated");
    drop(connection);
    let Err(error) = Journal::open(dir.path()) else {
        panic!("opened a journal of format 9");
    };
    assert!(error.to_string().contains("version 9"), "{error}");
}

#[test]
fn a_journal_of_the_previous_format_is_read_and_marked_as_this_one() {
    let dir = tempfile::tempdir().expect("a directory");
    let (journal, _) = Journal::open(dir.path()).expect("opens");
    append_and_wait(&journal, vec![entry(1)]).expect("durable");
    drop(journal);
    let format = |dir: &std::path::Path| -> i64 {
        rusqlite::Connection::open(dir.join(JOURNAL_FILE))
            .expect("opens")
            .query_row("SELECT value FROM meta WHERE key = 'format'", [], |row| {
                row.get(0)
            })
            .expect("a format")
    };
    assert_eq!(format(dir.path()), 3);
    let connection = rusqlite::Connection::open(dir.path().join(JOURNAL_FILE)).expect("opens");
    connection
        .execute("UPDATE meta SET value = 2 WHERE key = 'format'", [])
        .expect("updated");
    drop(connection);
    let (journal, stored) = Journal::open(dir.path()).expect("a version 2 journal opens");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].entry, entry(1));
    drop(journal);
    assert_eq!(format(dir.path()), 3);
}

#[test]
fn a_journal_of_the_first_format_is_refused_as_it_has_no_flow() {
    let dir = tempfile::tempdir().expect("a directory");
    drop(Journal::open(dir.path()).expect("opens"));
    let connection = rusqlite::Connection::open(dir.path().join(JOURNAL_FILE)).expect("opens");
    connection
        .execute("UPDATE meta SET value = 1 WHERE key = 'format'", [])
        .expect("updated");
    drop(connection);
    let Err(error) = Journal::open(dir.path()) else {
        panic!("opened a journal of format 1");
    };
    assert!(error.to_string().contains("version 1;"), "{error}");
}

#[test]
fn a_file_that_is_not_a_journal_is_refused_not_overwritten() {
    let dir = tempfile::tempdir().expect("a directory");
    let path = dir.path().join(JOURNAL_FILE);
    std::fs::write(&path, "not a database, but someone's notes").expect("written");
    let Err(error) = Journal::open(dir.path()) else {
        panic!("opened a file that is not a journal");
    };
    assert!(error.to_string().contains("journal.sqlite"), "{error}");
    assert_eq!(
        std::fs::read_to_string(&path).expect("still there"),
        "not a database, but someone's notes"
    );
}

#[test]
fn batches_queued_while_the_writer_commits_share_the_next_commit() {
    let dir = tempfile::tempdir().expect("a directory");
    let (journal, _) = Journal::open(dir.path()).expect("opens");
    let (done, finished) = mpsc::channel();
    // Appending takes well under a microsecond, a commit far longer: batches pile up behind the first.
    for n in 0..1_000 {
        let done = done.clone();
        journal.append(
            vec![entry(n)],
            Box::new(move |outcome| {
                let _ = done.send(outcome.is_ok());
            }),
        );
    }
    assert!((0..1_000).all(|_| finished.recv().expect("runs")));
    let stats = journal.close();
    assert_eq!(stats.entries, 1_000);
    assert!(
        stats.commits <= 500,
        "one commit per batch or so: {stats:?}"
    );
}

#[test]
fn a_failed_commit_breaks_the_journal_for_good() {
    let dir = tempfile::tempdir().expect("a directory");
    let (journal, _) = Journal::open(dir.path()).expect("opens");
    append_and_wait(&journal, vec![entry(1)]).expect("durable");
    // Someone else wrecks the database under the writer: its next insert fails.
    let other = rusqlite::Connection::open(dir.path().join(JOURNAL_FILE)).expect("opens");
    other.execute("DROP TABLE entries", []).expect("dropped");
    let failed = append_and_wait(&journal, vec![entry(2)]).expect_err("cannot be durable");
    assert!(failed.to_string().contains("no such table"), "{failed}");
    // Nothing is durable after that, even if the database were fine again.
    other
        .execute_batch(
            "CREATE TABLE entries (seq INTEGER PRIMARY KEY, at_us INTEGER, kind TEXT, data TEXT)",
        )
        .expect("created");
    let again = append_and_wait(&journal, vec![entry(3)]).expect_err("still broken");
    assert!(again.to_string().contains("no such table"), "{again}");
    assert_eq!(journal.close().entries, 1);
}

#[cfg(unix)]
#[test]
fn the_journal_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("a directory");
    let path = dir.path().join(JOURNAL_FILE);
    // Made readable by all (copied in, or by an earlier version): tightened on open.
    std::fs::write(&path, "").expect("written");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("set");
    let (journal, _) = Journal::open(dir.path()).expect("opens");
    append_and_wait(&journal, vec![entry(1)]).expect("durable");
    for file in ["journal.sqlite", "journal.sqlite-wal"] {
        let mode = std::fs::metadata(dir.path().join(file))
            .expect("there")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{file}");
    }
}
