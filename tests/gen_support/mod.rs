//! Running `routeflow gen` for the tests: the binary in the crate's folder, a temporary output folder,
//! and the written workitems read back with the project's reader. Each test binary uses a part of it.
#![allow(dead_code)]

use routeflow::workitem::{Workitem, WorkitemReader};
use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::process::{Command, Output};

pub fn routeflow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_routeflow"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("routeflow runs")
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Run `gen` with `args` into a new temporary folder; it must succeed.
pub fn generate(args: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = dir.path().to_str().expect("a UTF-8 temporary path");
    let mut all = vec!["gen", "--dir", out];
    all.extend_from_slice(args);
    let output = routeflow(&all);
    assert!(output.status.success(), "{}", stderr(&output));
    dir
}

pub fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every workitem of a file, asserting that it reads with no error and no warning.
pub fn workitems(path: &Path) -> Vec<Workitem> {
    let file = File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = WorkitemReader::new(BufReader::new(file));
    let items: Vec<Workitem> = reader
        .by_ref()
        .map(|line| {
            let line = line.expect("the file reads");
            line.item.unwrap_or_else(|error| panic!("{error}"))
        })
        .collect();
    assert_eq!(reader.warnings(), [], "{}", path.display());
    assert_eq!(reader.blank_lines(), 0);
    items
}
