//! How wide text is drawn, without a font at hand: Helvetica's advance widths, plus a tenth for the
//! wider sans-serif fonts a viewer may fall back on (DejaVu Sans), so boxes hold their text in any of
//! them. Long lines are wrapped at spaces.

/// Helvetica's advance widths of the printable ASCII characters (space to `~`), in thousandths of the
/// font size.
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278,
    278, // space to /
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, // 0 to 9
    278, 278, 584, 584, 584, 556, 1015, // : to @
    667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667,
    611, 722, 667, 944, 667, 667, 611, // A to Z
    278, 278, 278, 469, 556, 333, // [ to `
    556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500,
    278, 556, 500, 722, 500, 500, 500, // a to z
    334, 260, 334, 584, // { to ~
];

/// Room for a wider fallback font, and for bold text.
const FALLBACK: f64 = 1.1;
const BOLD: f64 = 1.15;

/// The width of `text` drawn at `size` px, bold or not: an estimate a little above the real width.
pub fn width(text: &str, size: f64, bold: bool) -> f64 {
    let thousandths: u32 = text
        .chars()
        .map(|c| match (c as u32).checked_sub(32) {
            Some(i) if i < 95 => u32::from(HELVETICA[i as usize]),
            // Anything else (arrows, guillemets, letters of other scripts): a full em per column.
            _ => {
                1000 * unicode_width::UnicodeWidthChar::width(c)
                    .unwrap_or(1)
                    .max(1) as u32
            }
        })
        .sum();
    let weight = if bold { BOLD } else { 1.0 };
    f64::from(thousandths) / 1000.0 * size * FALLBACK * weight
}

/// `text` cut into lines of at most `columns` characters at spaces (a longer word keeps its own line).
pub fn wrap(text: &str, columns: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            let fits = line.chars().count() + 1 + word.chars().count() <= columns;
            if !line.is_empty() && !fits {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_letters_are_wider() {
        assert!(width("WWW", 13.0, false) > width("iii", 13.0, false) * 3.0);
        assert!(width("abc", 13.0, true) > width("abc", 13.0, false));
        assert!(width("←", 12.0, false) >= 12.0);
    }

    #[test]
    fn wrapping_keeps_every_word_and_cuts_at_spaces() {
        let lines = wrap("requestedAgent == '' && skillExpression == ''", 20);
        assert_eq!(
            lines,
            ["requestedAgent == ''", "&& skillExpression", "== ''"]
        );
        assert_eq!(wrap("", 10), [""]);
        assert_eq!(wrap("a\nb", 10), ["a", "b"]);
    }
}
