//! Loading what `run`, `replay` and `test` share: the flow (with `--table` replacements) and the center,
//! reporting every problem before anything runs.

use super::EXIT_INVALID;
use crate::center::{self, Center};
use crate::diagnostic::counted;
use crate::flow::{Bundle, Flow, Loaded, load_with};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// A `--table NAME=CSV` argument.
pub fn parse_table(text: &str) -> Result<(String, PathBuf), String> {
    match text.split_once('=') {
        Some((name, file)) if !name.is_empty() && !file.is_empty() => {
            Ok((name.to_owned(), PathBuf::from(file)))
        }
        _ => Err(format!(
            "expected NAME=CSV (a table the flow declares, and a CSV file), found `{text}`"
        )),
    }
}

/// Load the flow at `path` with `tables` replaced; diagnostics (warnings too) go to standard error.
pub fn flow(path: &Path, tables: &[(String, PathBuf)]) -> Result<Flow, ExitCode> {
    let tables: HashMap<String, PathBuf> = tables.iter().cloned().collect();
    reported(path, load_with(path, &tables))
}

/// Load the flow at `path` and bundle it with the files it names, as `routeflow publish` sends
/// them; diagnostics (warnings too) go to standard error.
pub fn bundle(path: &Path) -> Result<(Flow, Bundle), ExitCode> {
    let (loaded, bundle) = Bundle::from_disk(path);
    let flow = reported(path, loaded)?;
    bundle.map(|bundle| (flow, bundle)).map_err(|error| {
        let _ = writeln!(std::io::stderr(), "{}: {error}", path.display());
        ExitCode::from(EXIT_INVALID)
    })
}

/// The flow `loaded` holds; its diagnostics (warnings too) go to standard error.
fn reported(path: &Path, loaded: Loaded) -> Result<Flow, ExitCode> {
    let mut stderr = std::io::stderr().lock();
    let _ = write!(stderr, "{}", loaded.report.render());
    loaded.flow.ok_or_else(|| {
        let _ = writeln!(
            stderr,
            "{}: invalid flow: {}",
            path.display(),
            counted(loaded.report.errors(), "error")
        );
        ExitCode::from(EXIT_INVALID)
    })
}

/// Load the center at `path` (none: a center without agents); diagnostics go to standard error.
pub fn center(path: Option<&Path>) -> Result<Center, ExitCode> {
    let Some(path) = path else {
        return Ok(Center::empty());
    };
    let loaded = center::load(path);
    let mut stderr = std::io::stderr().lock();
    let _ = write!(stderr, "{}", loaded.report.render());
    loaded.center.ok_or_else(|| {
        let _ = writeln!(
            stderr,
            "{}: invalid center: {}",
            path.display(),
            counted(loaded.report.errors(), "error")
        );
        ExitCode::from(EXIT_INVALID)
    })
}

/// Warn on standard error about the names of agents, groups and skills the flow's Route targets may use
/// and that no agent of the center at `path` has.
pub fn against_center(flow: &Flow, center: &Center, path: &Path) {
    let report = flow.check_against(center, &path.display().to_string());
    let _ = write!(std::io::stderr().lock(), "{}", report.render());
}
