//! Streaming workitems from JSON Lines: one reused line buffer, one [`Line`] per input line.

use super::parse::{Note, Scratch, parse_line};
use super::{FIELDS, Line, LineError, Warning};
use crate::expr::closest;
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::io::{self, BufRead, Read};

/// Longest line read (16 MiB); a longer one is an error for that line, and is skipped without being held
/// in memory.
pub const MAX_LINE_BYTES: usize = 16 << 20;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Reads workitems from JSON Lines, one [`Line`] per input line, in order (the line break that ends the
/// input makes no extra line).
///
/// A bad line yields a [`LineError`] and the stream goes on; only a failure to read the input (an
/// [`io::Error`]) ends it. A blank line (empty, or spaces and tabs only) is a bad line like any other,
/// so that every line gets its outcome (SPEC §6); blank lines are also counted. Unknown fields and
/// repeated ids are collected as [`Warning`]s.
pub struct WorkitemReader<R> {
    input: R,
    buffer: Vec<u8>,
    scratch: Scratch,
    /// Number of the last line read.
    line: usize,
    max_line_bytes: usize,
    blank_lines: usize,
    unknown: UnknownFields,
    finer: Option<FinerTimes>,
    /// Every workitem's id fingerprint and line, to find repeated ids when warnings are asked for.
    ids: Vec<(u64, usize)>,
    fingerprint: Fingerprint,
    done: bool,
}

impl<R: BufRead> WorkitemReader<R> {
    /// A reader of `input`.
    pub fn new(input: R) -> WorkitemReader<R> {
        WorkitemReader {
            input,
            buffer: Vec::with_capacity(256),
            scratch: Scratch::default(),
            line: 0,
            max_line_bytes: MAX_LINE_BYTES,
            blank_lines: 0,
            unknown: UnknownFields::default(),
            finer: None,
            ids: Vec::new(),
            fingerprint: Fingerprint::new(),
            done: false,
        }
    }

    /// The same reader, with lines longer than `bytes` (line break excluded) rejected.
    pub fn with_max_line_bytes(mut self, bytes: usize) -> WorkitemReader<R> {
        self.max_line_bytes = bytes;
        self
    }

    /// Number of blank lines read so far (each yielded as an error).
    pub fn blank_lines(&self) -> usize {
        self.blank_lines
    }

    /// Number of lines read so far, blank ones included.
    pub fn lines_read(&self) -> usize {
        self.line
    }

    /// What is worth knowing about the input read so far, by line: each unknown field name once, the
    /// first time finer than the microsecond with the number of lines that have one, and the first
    /// repeated id with the number of lines repeating one. Finding repeated ids sorts a copy of
    /// one fingerprint per workitem: call this once, at the end.
    pub fn warnings(&self) -> Vec<Warning> {
        let mut warnings: Vec<Warning> = self
            .unknown
            .fields
            .iter()
            .map(|field| Warning::UnknownField {
                name: field.name.to_string(),
                first_line: field.first_line,
                lines: field.lines,
                suggestion: closest(&field.name, FIELDS),
            })
            .collect();
        warnings.extend(self.finer.map(|finer| Warning::FinerTimes {
            line: finer.line,
            field: finer.field,
            seconds: finer.seconds,
            lines: finer.lines,
        }));
        warnings.extend(self.repeated_ids());
        warnings.sort_by_key(Warning::line);
        warnings
    }

    /// The first line whose id an earlier line has, and how many lines repeat an earlier id.
    fn repeated_ids(&self) -> Option<Warning> {
        let mut ids = self.ids.clone();
        ids.sort_unstable();
        let mut first: Option<(usize, usize)> = None;
        let mut lines = 0;
        for same in ids.chunk_by(|a, b| a.0 == b.0) {
            if let [(_, first_line), (_, line), ..] = same {
                lines += same.len() - 1;
                if first.is_none_or(|(earliest, _)| *line < earliest) {
                    first = Some((*line, *first_line));
                }
            }
        }
        first.map(|(line, first_line)| Warning::DuplicateId {
            line,
            first_line,
            lines,
        })
    }

    /// Read the next line into the buffer (line break removed); `None` at the end of input.
    fn next_line(&mut self) -> io::Result<Option<LineRead>> {
        self.buffer.clear();
        // Room for "\r\n" after the longest line allowed.
        let limit = (self.max_line_bytes as u64).saturating_add(2);
        let read = (&mut self.input)
            .take(limit)
            .read_until(b'\n', &mut self.buffer)?;
        if read == 0 {
            return Ok(None);
        }
        self.line += 1;
        if self.buffer.last() == Some(&b'\n') {
            self.buffer.pop();
            if self.buffer.last() == Some(&b'\r') {
                self.buffer.pop();
            }
        } else if self.buffer.len() as u64 == limit {
            self.input.skip_until(b'\n')?;
            return Ok(Some(LineRead::TooLong));
        }
        if self.buffer.len() > self.max_line_bytes {
            return Ok(Some(LineRead::TooLong));
        }
        if self.line == 1 && self.buffer.starts_with(BOM) {
            self.buffer.drain(..BOM.len());
        }
        if self
            .buffer
            .iter()
            .all(|b| matches!(b, b' ' | b'\t' | b'\r'))
        {
            self.blank_lines += 1;
            return Ok(Some(LineRead::Blank));
        }
        Ok(Some(LineRead::Text))
    }

    fn parse(&mut self) -> Result<super::Workitem, LineError> {
        let line = self.line;
        let (unknown, finer) = (&mut self.unknown, &mut self.finer);
        let parsed = parse_line(&self.buffer, &mut self.scratch, &mut |note| match note {
            Note::UnknownField(name) => unknown.note(name, line),
            Note::FinerTime(field, seconds) => {
                let first = finer.get_or_insert(FinerTimes {
                    line,
                    field,
                    seconds,
                    lines: 0,
                });
                first.lines += 1;
            }
        });
        let workitem = parsed.map_err(|(id, message)| LineError { line, id, message })?;
        self.ids.push((self.fingerprint.of(&workitem.id), line));
        Ok(workitem)
    }
}

enum LineRead {
    Text,
    Blank,
    TooLong,
}

impl<R: BufRead> Iterator for WorkitemReader<R> {
    type Item = io::Result<Line>;

    fn next(&mut self) -> Option<io::Result<Line>> {
        if self.done {
            return None;
        }
        let read = match self.next_line() {
            Ok(Some(read)) => read,
            Ok(None) => {
                self.done = true;
                return None;
            }
            Err(error) => {
                self.done = true;
                return Some(Err(error));
            }
        };
        let item = match read {
            LineRead::Text => self.parse(),
            LineRead::Blank => Err(LineError {
                line: self.line,
                id: None,
                message: "the line is blank; every line of the file holds one workitem (remove it)"
                    .to_owned(),
            }),
            LineRead::TooLong => Err(LineError {
                line: self.line,
                id: None,
                message: format!(
                    "the line is longer than {} bytes; it was skipped",
                    self.max_line_bytes
                ),
            }),
        };
        Some(Ok(Line {
            number: self.line,
            item,
        }))
    }
}

/// The first time finer than the microsecond, and how many lines have one.
#[derive(Clone, Copy)]
struct FinerTimes {
    line: usize,
    field: &'static str,
    seconds: f64,
    lines: usize,
}

/// Unknown field names, each with the first line and the number of lines that have it.
#[derive(Default)]
struct UnknownFields {
    index: HashMap<Box<str>, usize>,
    fields: Vec<UnknownField>,
}

struct UnknownField {
    name: Box<str>,
    first_line: usize,
    last_line: usize,
    lines: usize,
}

impl UnknownFields {
    fn note(&mut self, name: &str, line: usize) {
        match self.index.get(name) {
            Some(&i) => {
                let field = &mut self.fields[i];
                if field.last_line != line {
                    field.last_line = line;
                    field.lines += 1;
                }
            }
            None => {
                self.index.insert(name.into(), self.fields.len());
                self.fields.push(UnknownField {
                    name: name.into(),
                    first_line: line,
                    last_line: line,
                    lines: 1,
                });
            }
        }
    }
}

/// A 64-bit fingerprint of an id, keyed at random per reader.
///
/// Noticing repeated ids with a hash set of the ids cost a third of the time of reading a line (SipHash,
/// and a cache miss per insert into a table that outgrows the cache); appending a fingerprint to a vector
/// and sorting it once at the end costs a few nanoseconds per line. Two different ids share a fingerprint
/// with probability 2^-64 per pair (about 3 × 10^-8 for a million workitems), and the only effect would
/// be a spurious warning. The random key keeps crafted input from colliding on purpose.
struct Fingerprint {
    key: u64,
}

impl Fingerprint {
    fn new() -> Fingerprint {
        Fingerprint {
            key: RandomState::new().hash_one(0x5EED_u64),
        }
    }

    fn of(&self, id: &str) -> u64 {
        const K: u64 = 0x9E37_79B9_7F4A_7C15;
        let bytes = id.as_bytes();
        let mut h = self.key ^ (bytes.len() as u64).wrapping_mul(K);
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            h = (h ^ u64::from_le_bytes(word))
                .wrapping_mul(K)
                .rotate_left(29);
        }
        let mut last = [0; 8];
        last[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
        h = (h ^ u64::from_le_bytes(last)).wrapping_mul(K);
        // murmur3's finalizer: every input bit affects every output bit.
        h ^= h >> 33;
        h = h.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
        h ^= h >> 33;
        h = h.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
        h ^ (h >> 33)
    }
}
