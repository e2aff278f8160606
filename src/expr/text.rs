//! String values: short text inline, longer text shared.

use arcstr::ArcStr;
use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;
use tinystr::TinyAsciiStr;

/// The most bytes held inline.
const INLINE: usize = 16;

/// A string value, 16 bytes: ASCII text of up to 16 bytes (without NUL) is held inline, so copying it
/// allocates nothing and touches no reference count (most routing values are short: segments, levels,
/// group names, case numbers, skill expressions); other text is shared behind one thin
/// reference-counted pointer.
///
/// A [`Value`](super::Value) holding it is 16 bytes too, where one holding an `Arc<str>` was 24: a
/// waiting workitem holds a value per variable and per user-data key. (The inline form is `tinystr`'s:
/// its bytes are known to be ASCII, so reading them as `&str` needs no check, and the byte values ASCII
/// leaves free tell the variants apart.)
///
/// Text that can be inline always is, so two texts are equal exactly when their representations are.
#[derive(Clone)]
pub struct Text(Repr);

#[derive(Clone)]
enum Repr {
    /// ASCII, at most `INLINE` bytes, no NUL.
    Inline(TinyAsciiStr<INLINE>),
    /// Anything else.
    Shared(ArcStr),
}

impl Text {
    /// `s` held inline, if it can be (ASCII, no NUL, at most 16 bytes).
    pub fn inline(s: &str) -> Option<Text> {
        inline(s)
    }

    /// The text of `s`.
    pub fn new(s: &str) -> Text {
        match inline(s) {
            Some(text) => text,
            None => Text(Repr::Shared(ArcStr::from(s))),
        }
    }

    /// The empty string.
    pub const fn empty() -> Text {
        Text(Repr::Inline(TinyAsciiStr::EMPTY))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Inline(s) => s.as_str(),
            Repr::Shared(s) => s,
        }
    }

    /// The text's UTF-8 bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.as_str().as_bytes()
    }

    /// Whether the two share their text (the same inline bytes, or the same shared string): equal
    /// texts that are not the same are still equal (`==`).
    pub fn same(a: &Text, b: &Text) -> bool {
        match (&a.0, &b.0) {
            (Repr::Shared(a), Repr::Shared(b)) => ArcStr::ptr_eq(a, b),
            _ => a == b,
        }
    }
}

/// `s` inline, if it can be.
fn inline(s: &str) -> Option<Text> {
    if s.len() > INLINE {
        return None;
    }
    TinyAsciiStr::try_from_str(s)
        .ok()
        .map(|s| Text(Repr::Inline(s)))
}

impl Default for Text {
    fn default() -> Text {
        Text::empty()
    }
}

impl std::ops::Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        match (&self.0, &other.0) {
            // Sixteen bytes each: two words compared, where the arrays' own `==` loops.
            (Repr::Inline(a), Repr::Inline(b)) => {
                u128::from_ne_bytes(*a.all_bytes()) == u128::from_ne_bytes(*b.all_bytes())
            }
            (Repr::Shared(a), Repr::Shared(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Text {}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

/// By bytes, as `str` orders (code points; JavaScript's UTF-16 order is `js::string::compare`).
impl Ord for Text {
    fn cmp(&self, other: &Text) -> Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}

impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Text) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl std::hash::Hash for Text {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl std::borrow::Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text::new(s)
    }
}

impl From<&String> for Text {
    fn from(s: &String) -> Text {
        Text::new(s)
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        inline(&s).unwrap_or_else(|| Text(Repr::Shared(ArcStr::from(s))))
    }
}

impl From<Box<str>> for Text {
    fn from(s: Box<str>) -> Text {
        inline(&s).unwrap_or_else(|| Text(Repr::Shared(ArcStr::from(s))))
    }
}

impl From<Arc<str>> for Text {
    fn from(s: Arc<str>) -> Text {
        Text::new(&s)
    }
}

impl From<&Arc<str>> for Text {
    fn from(s: &Arc<str>) -> Text {
        Text::new(s)
    }
}

impl From<ArcStr> for Text {
    fn from(s: ArcStr) -> Text {
        inline(&s).unwrap_or(Text(Repr::Shared(s)))
    }
}

impl From<&ArcStr> for Text {
    fn from(s: &ArcStr) -> Text {
        inline(s).unwrap_or_else(|| Text(Repr::Shared(s.clone())))
    }
}

impl From<std::borrow::Cow<'_, str>> for Text {
    fn from(s: std::borrow::Cow<'_, str>) -> Text {
        match s {
            std::borrow::Cow::Borrowed(s) => Text::new(s),
            std::borrow::Cow::Owned(s) => Text::from(s),
        }
    }
}

impl From<Text> for ArcStr {
    fn from(text: Text) -> ArcStr {
        match text.0 {
            Repr::Shared(s) => s,
            Repr::Inline { .. } => ArcStr::from(text.as_str()),
        }
    }
}

impl From<&Text> for ArcStr {
    fn from(text: &Text) -> ArcStr {
        match &text.0 {
            Repr::Shared(s) => s.clone(),
            Repr::Inline { .. } => ArcStr::from(text.as_str()),
        }
    }
}

impl From<Text> for String {
    fn from(text: Text) -> String {
        text.as_str().to_owned()
    }
}

impl From<&Text> for Arc<str> {
    fn from(text: &Text) -> Arc<str> {
        Arc::from(text.as_str())
    }
}

impl From<Text> for Arc<str> {
    fn from(text: Text) -> Arc<str> {
        Arc::from(text.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Text;
    use arcstr::ArcStr;
    use proptest::prelude::*;
    use std::collections::{HashMap, HashSet};
    use std::hash::{BuildHasher, RandomState};
    use std::sync::Arc;

    /// Strings on both sides of the inline limit: empty, short and repeating (so that sets see equal
    /// ones), printable ASCII of 14 to 18 bytes, NUL and non-ASCII (never inline) about as long, any.
    fn strings() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            "[ab]{1,3}",
            "[ -~]{14,18}",
            "[ab\\x00é€😀]{13,18}",
            "[a\\x00]{0,17}",
            ".{0,24}",
        ]
    }

    /// `s` made through one of the ways a `Text` is made, picked by `how`: each must give the
    /// representation the others give, or equal texts would compare unequal.
    fn made(how: usize, s: &str) -> Text {
        match how % 6 {
            0 => Text::new(s),
            1 => Text::from(s.to_owned()),
            2 => Text::from(Box::<str>::from(s)),
            3 => Text::from(ArcStr::from(s)),
            4 => Text::from(Arc::<str>::from(s)),
            _ => Text::from(std::borrow::Cow::<str>::Owned(s.to_owned())),
        }
    }

    /// `a`, and a string like it: another string, itself, or itself with its last character changed
    /// or one more added (equal up to there, which inline comparison must not stop at).
    fn pairs() -> impl Strategy<Value = (String, String)> {
        (strings(), strings(), 0..4).prop_map(|(a, other, how)| {
            let b = match how {
                0 => other,
                1 => a.clone(),
                2 => {
                    let mut b = a.clone();
                    let last = b.pop().map_or('a', |c| if c == 'a' { 'b' } else { 'a' });
                    b.push(last);
                    b
                }
                _ => format!("{a}a"),
            };
            (a, b)
        })
    }

    #[test]
    fn sizes() {
        assert_eq!(std::mem::size_of::<Text>(), 16);
        assert_eq!(std::mem::size_of::<crate::expr::Value>(), 16);
    }

    proptest! {
        /// Whatever the text, a `Text` gives it back, and compares, orders and hashes as the text does.
        #[test]
        fn behaves_as_its_text(a in ".{0,24}", b in ".{0,24}") {
            let (ta, tb) = (Text::new(&a), Text::from(b.clone()));
            prop_assert_eq!(ta.as_str(), a.as_str());
            prop_assert_eq!(tb.as_str(), b.as_str());
            prop_assert_eq!(ta == tb, a == b);
            prop_assert_eq!(ta.cmp(&tb), a.cmp(&b));
            prop_assert!(ta == Text::from(a.clone()));
            let copy = ta.clone();
            prop_assert!(Text::same(&ta, &copy));
        }

        /// Text around the inline limit, ASCII or not, with NUL or not, reads back whole.
        #[test]
        fn the_inline_limit_keeps_characters_whole(s in "[a-z\\x00é€😀]{10,18}") {
            let text = Text::new(&s);
            prop_assert_eq!(text.as_str(), s.as_str());
        }

        /// Texts hash as `str` does and are equal exactly when their strings are, however they were
        /// made: `Borrow<str>` promises both, and maps keyed by `Text` are looked up by `&str`.
        #[test]
        fn hashes_and_equals_as_its_str((a, b) in pairs(), how_a in 0..6usize, how_b in 0..6usize) {
            let state = RandomState::new();
            let (ta, tb) = (made(how_a, &a), made(how_b, &b));
            prop_assert_eq!(state.hash_one(&ta), state.hash_one(a.as_str()));
            prop_assert_eq!(state.hash_one(&tb), state.hash_one(b.as_str()));
            prop_assert_eq!(ta == tb, a == b);
            prop_assert_eq!(ta == *b.as_str(), a == b);
        }

        /// A set or map of texts holds one entry per distinct string and finds each by `&str`, and
        /// finds no string that is not in it.
        #[test]
        fn sets_and_maps_of_texts_find_them_by_str(all in prop::collection::vec(strings(), 0..24)) {
            let mut set = HashSet::new();
            let mut map = HashMap::new();
            for (i, s) in all.iter().enumerate() {
                set.insert(made(i, s));
                map.insert(made(i + 1, s), i);
            }
            let distinct: HashSet<&str> = all.iter().map(String::as_str).collect();
            prop_assert_eq!(set.len(), distinct.len());
            prop_assert_eq!(map.len(), distinct.len());
            for (i, s) in all.iter().enumerate() {
                prop_assert_eq!(set.get(s.as_str()).map(Text::as_str), Some(s.as_str()));
                let last = all.iter().rposition(|t| t == s);
                prop_assert_eq!(map.get(s.as_str()).copied(), last);
                let absent = format!("{s}{i}");
                if !distinct.contains(absent.as_str()) {
                    prop_assert!(!set.contains(absent.as_str()));
                    prop_assert!(!map.contains_key(absent.as_str()));
                }
            }
        }
    }
}
