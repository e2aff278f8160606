//! Screen pop-ups (SPEC §9.3): when an agent is assigned a workitem, its desktop opens the third-party
//! system's page for it. The user-data key named by the center's `override_key` (`overrideKey`, which
//! the sample flow writes) names the integration; the center file maps integration names to URL
//! templates, filled from the workitem's user data:
//!
//! ```yaml
//! override_key: overrideKey
//! integrations:
//!   GTR_3rdPartyIntegration: "https://crm.example.com/cases/{caseNumber}?from=routeflow"
//! ```
//!
//! `{key}` is the user-data value of `key` (text as it is, other JSON as JSON), percent-encoded;
//! `{{` and `}}` are literal braces. Templates are parsed when the center is read.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value as Json;

/// The user-data key naming the integration when the center file does not say (the sample's).
pub const DEFAULT_OVERRIDE_KEY: &str = "overrideKey";

/// Characters left as they are in a filled-in value: RFC 3986's unreserved ones.
const ENCODED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The center's screen pop-ups.
#[derive(Clone, Debug, PartialEq)]
pub struct Popups {
    /// The user-data key naming the integration.
    pub override_key: String,
    /// Integration names and their URL templates, in file order.
    pub integrations: Vec<(String, Template)>,
}

impl Default for Popups {
    fn default() -> Popups {
        Popups {
            override_key: DEFAULT_OVERRIDE_KEY.to_owned(),
            integrations: Vec::new(),
        }
    }
}

/// A screen pop-up for one assignment.
#[derive(Clone, Debug, PartialEq)]
pub struct Popup {
    /// The integration the user data names.
    pub integration: String,
    /// Its URL, filled in; `None` when the center has no template for the integration.
    pub url: Option<String>,
    /// Keys the template names that the user data does not have (filled in as empty).
    pub missing: Vec<String>,
}

impl Popups {
    /// The pop-up for a workitem with `userdata` (a JSON object); `None` when the user data names no
    /// integration.
    pub fn for_userdata(&self, userdata: &Json) -> Option<Popup> {
        let integration = userdata.get(&self.override_key)?.as_str()?.to_owned();
        let template = self
            .integrations
            .iter()
            .find(|(name, _)| *name == integration)
            .map(|(_, template)| template);
        let (url, missing) = match template {
            Some(template) => {
                let (url, missing) = template.fill(userdata);
                (Some(url), missing)
            }
            None => (None, Vec::new()),
        };
        Some(Popup {
            integration,
            url,
            missing,
        })
    }
}

/// A URL template: text and user-data keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Text(String),
    Key(String),
}

impl Template {
    /// Parse `text`; the error says what is wrong and at which byte.
    pub fn parse(text: &str) -> Result<Template, (String, usize)> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut chars = text.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            match c {
                '{' if chars.peek().is_some_and(|&(_, next)| next == '{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek().is_some_and(|&(_, next)| next == '}') => {
                    chars.next();
                    literal.push('}');
                }
                '{' => {
                    let rest = &text[at + 1..];
                    let Some(end) = rest.find('}') else {
                        return Err((
                            "`{` without its `}` (write `{{` for a brace)".to_owned(),
                            at,
                        ));
                    };
                    let key = &rest[..end];
                    if key.trim().is_empty() || key.contains('{') {
                        let message =
                            "between `{` and `}` goes a user-data key, e.g. `{caseNumber}`";
                        return Err((message.to_owned(), at));
                    }
                    if !literal.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut literal)));
                    }
                    parts.push(Part::Key(key.to_owned()));
                    for _ in 0..key.chars().count() + 1 {
                        chars.next();
                    }
                }
                '}' => {
                    return Err((
                        "`}` without its `{` (write `}}` for a brace)".to_owned(),
                        at,
                    ));
                }
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            parts.push(Part::Text(literal));
        }
        Ok(Template { parts })
    }

    /// The URL for `userdata`, and the keys it does not have.
    pub fn fill(&self, userdata: &Json) -> (String, Vec<String>) {
        let mut url = String::new();
        let mut missing = Vec::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => url.push_str(text),
                Part::Key(key) => match userdata.get(key) {
                    Some(Json::String(text)) => {
                        url.extend(utf8_percent_encode(text, ENCODED));
                    }
                    Some(other) => url.extend(utf8_percent_encode(&other.to_string(), ENCODED)),
                    None => missing.push(key.clone()),
                },
            }
        }
        (url, missing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn templates_fill_from_user_data_percent_encoded() {
        let template =
            Template::parse("https://crm/{case}?q={text}&n={n}&x={{y}}").expect("parses");
        let userdata = json!({ "case": "CS 1/2", "text": "é&?", "n": 7 });
        assert_eq!(
            template.fill(&userdata),
            (
                "https://crm/CS%201%2F2?q=%C3%A9%26%3F&n=7&x={y}".to_owned(),
                Vec::new()
            )
        );
        assert_eq!(
            template.fill(&json!({})).1,
            ["case", "text", "n"].map(String::from)
        );
    }

    #[test]
    fn bad_templates_say_where() {
        assert_eq!(Template::parse("a{b").unwrap_err().1, 1);
        assert_eq!(Template::parse("a}b").unwrap_err().1, 1);
        assert_eq!(Template::parse("ab{}").unwrap_err().1, 2);
        assert!(Template::parse("{a}{b}").is_ok());
    }

    #[test]
    fn the_override_key_names_the_integration() {
        let popups = Popups {
            override_key: "overrideKey".into(),
            integrations: vec![(
                "GTR_3rdPartyIntegration".into(),
                Template::parse("https://crm/{id}").expect("parses"),
            )],
        };
        let userdata = json!({ "overrideKey": "GTR_3rdPartyIntegration", "id": "7" });
        let popup = popups.for_userdata(&userdata).expect("a pop-up");
        assert_eq!(popup.url.as_deref(), Some("https://crm/7"));
        let other = json!({ "overrideKey": "Zendesk" });
        assert_eq!(popups.for_userdata(&other).expect("named").url, None);
        assert_eq!(popups.for_userdata(&json!({})), None);
    }
}
