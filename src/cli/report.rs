//! Printing diagnostics on standard error.

use crate::diagnostic::{Diagnostic, SourceFile, render};
use std::io::Write;

/// Print every diagnostic, rendered against `file`, on standard error.
pub fn print(diagnostics: &[Diagnostic], file: &SourceFile) {
    let mut stderr = std::io::stderr().lock();
    for diagnostic in diagnostics {
        // Nothing sensible is left to do if standard error itself is closed.
        let _ = write!(stderr, "{}", render(diagnostic, file));
    }
}
