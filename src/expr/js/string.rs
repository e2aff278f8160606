//! JavaScript string semantics over Rust's UTF-8 strings.
//!
//! JavaScript strings are sequences of UTF-16 code units: `length`, indexes and `substring` count code
//! units, and `<` compares them. routeflow keeps strings as UTF-8 and converts indexes, so that an
//! astral character (an emoji) counts 2 as in JavaScript. A result that would split a surrogate pair
//! cannot be a Rust string and is reported as [`SplitSurrogate`] instead.

use std::cmp::Ordering;

/// A string operation whose JavaScript result would contain half of a surrogate pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SplitSurrogate;

/// Whether `c` is JavaScript white space or a line terminator (what `trim()` removes).
pub fn is_whitespace(c: char) -> bool {
    (c.is_whitespace() && c != '\u{85}') || c == '\u{FEFF}'
}

/// `String.prototype.trim`.
pub fn trim(s: &str) -> &str {
    s.trim_matches(is_whitespace)
}

/// `String.prototype.trimStart`.
pub fn trim_start(s: &str) -> &str {
    s.trim_start_matches(is_whitespace)
}

/// `String.prototype.trimEnd`.
pub fn trim_end(s: &str) -> &str {
    s.trim_end_matches(is_whitespace)
}

/// The JavaScript `length`: number of UTF-16 code units.
pub fn utf16_len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().map(char::len_utf16).sum()
    }
}

/// Where UTF-16 index `index` falls in `s`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// On a character boundary, at this byte offset.
    Boundary(usize),
    /// Between the two halves of the astral character starting at this byte offset.
    InsidePair(usize),
}

/// Byte position of UTF-16 index `index` (clamped to the end of `s`).
pub fn position(s: &str, index: usize) -> Position {
    if s.is_ascii() {
        return Position::Boundary(index.min(s.len()));
    }
    let mut units = 0;
    for (byte, c) in s.char_indices() {
        if units >= index {
            return Position::Boundary(byte);
        }
        units += c.len_utf16();
        if units > index {
            return Position::InsidePair(byte);
        }
    }
    Position::Boundary(s.len())
}

/// Byte offset of UTF-16 index `index`, or `SplitSurrogate` if it falls inside a pair.
pub fn boundary(s: &str, index: usize) -> Result<usize, SplitSurrogate> {
    match position(s, index) {
        Position::Boundary(byte) => Ok(byte),
        Position::InsidePair(_) => Err(SplitSurrogate),
    }
}

/// UTF-16 index of byte offset `byte` (a character boundary).
pub fn utf16_index(s: &str, byte: usize) -> usize {
    utf16_len(&s[..byte])
}

/// The UTF-16 code units `from..to` of `s` (clamped, `from <= to`).
pub fn slice(s: &str, from: usize, to: usize) -> Result<&str, SplitSurrogate> {
    if from >= to {
        return Ok("");
    }
    let start = boundary(s, from)?;
    let end = boundary(s, to.max(from))?;
    Ok(&s[start..end])
}

/// `indexOf(search, from)`: the first UTF-16 index `>= from` where `search` occurs.
pub fn index_of(s: &str, search: &str, from: usize) -> Option<usize> {
    let len = utf16_len(s);
    let from = from.min(len);
    if search.is_empty() {
        return Some(from);
    }
    // A well-formed needle can only match on character boundaries, so start at the next boundary.
    let start = match position(s, from) {
        Position::Boundary(byte) => byte,
        Position::InsidePair(byte) => byte + 4,
    };
    let found = s.get(start..)?.find(search)?;
    Some(utf16_index(s, start + found))
}

/// `lastIndexOf(search, from)`: the last UTF-16 index `<= from` where `search` occurs (occurrences may
/// overlap: `'aaa'.lastIndexOf('aa')` is 1).
pub fn last_index_of(s: &str, search: &str, from: usize) -> Option<usize> {
    let from = from.min(utf16_len(s));
    if search.is_empty() {
        return Some(from);
    }
    let latest_start = match position(s, from) {
        Position::Boundary(byte) | Position::InsidePair(byte) => byte,
    };
    // A match starting at `latest_start` ends on a character boundary; if this is none, no match ends here.
    let mut end = (latest_start + search.len()).min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].rfind(search).map(|byte| utf16_index(s, byte))
}

/// Compare as JavaScript's `<` does: by UTF-16 code units, not by code points.
pub fn compare(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        a.cmp(b)
    } else {
        a.encode_utf16().cmp(b.encode_utf16())
    }
}

/// The single code unit at UTF-16 index `index`, as a string.
pub fn code_unit_at(s: &str, index: usize) -> Option<Result<&str, SplitSurrogate>> {
    if index >= utf16_len(s) {
        return None;
    }
    Some(match position(s, index) {
        Position::Boundary(byte) => {
            let c = s[byte..].chars().next()?;
            if c.len_utf16() == 1 {
                Ok(&s[byte..byte + c.len_utf8()])
            } else {
                Err(SplitSurrogate)
            }
        }
        Position::InsidePair(_) => Err(SplitSurrogate),
    })
}

/// The UTF-16 code unit value at `index` (what `charCodeAt` returns).
pub fn code_unit_value(s: &str, index: usize) -> Option<u16> {
    s.encode_utf16().nth(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn astral_characters_count_two() {
        assert_eq!(utf16_len("a😀b"), 4);
        assert_eq!(position("a😀b", 2), Position::InsidePair(1));
        assert_eq!(slice("a😀b", 1, 3), Ok("😀"));
        assert_eq!(slice("a😀b", 2, 4), Err(SplitSurrogate));
        assert_eq!(slice("a😀b", 2, 2), Ok(""));
        assert_eq!(index_of("a😀b😀", "😀", 2), Some(4));
        assert_eq!(index_of("é", "", 5), Some(1));
        assert_eq!(last_index_of("abab", "ab", 1), Some(0));
        assert_eq!(last_index_of("aaa", "aa", 5), Some(1));
        assert_eq!(last_index_of("xaaa", "aa", 2), Some(2));
        assert_eq!(last_index_of("😀a😀a", "😀", 3), Some(3));
        assert_eq!(last_index_of("héllo", "ab", 0), None);
        assert_eq!(last_index_of("héllo", "é", 1), Some(1));
    }

    #[test]
    fn comparison_is_by_code_units() {
        // U+FF5E sorts after U+1F600 by code point, before it by UTF-16 code units.
        assert_eq!(compare("\u{1F600}", "\u{FF5E}"), Ordering::Less);
        assert_eq!(compare("b", "a"), Ordering::Greater);
    }

    #[test]
    fn whitespace_is_javascripts() {
        assert_eq!(trim("\u{FEFF} x\u{2028}"), "x");
        assert_eq!(trim("\u{85}x"), "\u{85}x");
    }
}
