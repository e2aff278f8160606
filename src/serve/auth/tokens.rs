//! The tokens file (`--tokens FILE`): a YAML list of `{role, sha256}`, read with located diagnostics
//! like flow and center files; new tokens; the admin token of a run without a tokens file.
//!
//! ```yaml
//! - { role: integration, sha256: 5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8 }
//! - { role: agent:alice, sha256: 2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824 }
//! ```

use super::Role;
use crate::center::Center;
use crate::center::read::describe;
use crate::diagnostic::{Diagnostic, Report, SourceFile, Span};
use crate::expr::closest;
use crate::model::path::YamlPath;
use crate::model::read::{Anchor, Problems};
use crate::model::spans::SpanIndex;
use crate::model::types::Node;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};

/// What every token `routeflow token` makes starts with, so that a token pasted where its hash
/// belongs is recognised (and secret scanners can find leaked ones).
pub const TOKEN_PREFIX: &str = "rft_";

/// The properties of an entry of the tokens file.
const PROPERTIES: [&str; 2] = ["role", "sha256"];

const EXAMPLE: &str = "each entry is `- { role: viewer, sha256: <64 hex digits> }`; \
                       `routeflow token --role ROLE` prints a new token and its line";

/// The tokens a server accepts, by the SHA-256 of each, with their roles.
#[derive(Clone, Debug, Default)]
pub struct Tokens {
    entries: Vec<([u8; 32], Role)>,
}

/// The result of reading a tokens file: the tokens when it has no errors, and everything found.
#[derive(Debug)]
pub struct LoadedTokens {
    /// The tokens, if the file has no errors.
    pub tokens: Option<Tokens>,
    /// Errors and warnings, located.
    pub report: Report,
}

impl Tokens {
    /// Tokens holding one `token` with `role`.
    pub fn single(token: &str, role: Role) -> Tokens {
        Tokens {
            entries: vec![(sha256(token), role)],
        }
    }

    /// Read the tokens file at `path`; an `agent:<id>` role naming no agent of `center` is warned about.
    pub fn load(path: &Path, center: &Center) -> LoadedTokens {
        let shown = path.display().to_string();
        let mut report = Report::new();
        let text = match std::fs::read(path).map(String::from_utf8) {
            Ok(Ok(text)) => text,
            Ok(Err(error)) => {
                let at = error.utf8_error().valid_up_to();
                let valid = String::from_utf8_lossy(&error.as_bytes()[..at]).into_owned();
                let file = Arc::new(SourceFile::new(shown, valid));
                let diagnostic =
                    Diagnostic::error(Span::new(at, at), "the tokens file is not UTF-8 text")
                        .with_help("save it as UTF-8");
                report.add(&file, vec![diagnostic]);
                return LoadedTokens {
                    tokens: None,
                    report,
                };
            }
            Err(error) => {
                let message = format!("cannot read the tokens file: {error}");
                report.add_file(shown, Diagnostic::error(Span::default(), message));
                return LoadedTokens {
                    tokens: None,
                    report,
                };
            }
        };
        let file = SourceFile::new(shown.clone(), text);
        let (tokens, diagnostics) = Tokens::read(&file, center);
        // Diagnostics quote their source lines: one holding a token (pasted where its hash goes) is
        // shown with the token masked, so that standard error, which ends up in logs, never holds one.
        let masked = Arc::new(SourceFile::new(shown, mask_tokens(file.text())));
        report.add(&masked, diagnostics);
        LoadedTokens { tokens, report }
    }

    /// Read a tokens file's text: the tokens when there is no error, and every problem, located.
    pub fn read(file: &SourceFile, center: &Center) -> (Option<Tokens>, Vec<Diagnostic>) {
        let mut problems = Problems::default();
        let tokens = read_entries(file, center, &mut problems);
        let tokens = tokens.filter(|_| !problems.has_errors());
        (tokens, problems.locate(file))
    }

    /// The role of `token`, if it is one of these. Its hash is compared with every stored hash, in
    /// time that depends on neither the token nor which entry it matches.
    pub fn role_of(&self, token: &str) -> Option<&Role> {
        let hash = sha256(token);
        let mut found = Choice::from(0);
        let mut index = 0u32;
        for (i, (stored, _)) in self.entries.iter().enumerate() {
            let same = stored.ct_eq(&hash);
            index.conditional_assign(&(i as u32), same & !found);
            found |= same;
        }
        bool::from(found)
            .then(|| self.entries.get(index as usize).map(|(_, role)| role))
            .flatten()
    }

    /// How many tokens there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there is no token (no request but `/healthz` can succeed).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

fn sha256(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// The SHA-256 of `token` as 64 lowercase hex digits, as the tokens file holds it.
pub fn sha256_hex(token: &str) -> String {
    hex::encode(sha256(token))
}

/// `text` with every token in it (`rft_` and hex digits) masked, keeping its length (so that spans into
/// `text` stay right).
fn mask_tokens(text: &str) -> String {
    let mut masked = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(TOKEN_PREFIX) {
        let (before, token) = rest.split_at(at);
        masked.push_str(before);
        let hex = token[TOKEN_PREFIX.len()..]
            .bytes()
            .take_while(u8::is_ascii_hexdigit)
            .count();
        masked.push_str(TOKEN_PREFIX);
        masked.extend(std::iter::repeat_n('*', hex));
        rest = &token[TOKEN_PREFIX.len() + hex..];
    }
    masked.push_str(rest);
    masked
}

/// A new random token: [`TOKEN_PREFIX`] and 32 bytes from the operating system's generator, in hex.
pub fn generate_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(format!("{TOKEN_PREFIX}{}", hex::encode(bytes)))
}

/// For a server started without `--tokens`: a new admin token, written to `admin.token` in `data`
/// (readable by its owner only) rather than to standard error, where logs would keep it.
pub fn admin_token_file(data: &Path) -> std::io::Result<(Tokens, PathBuf)> {
    let token = generate_token().map_err(|error| std::io::Error::other(error.to_string()))?;
    let path = data.join("admin.token");
    // A new file each run: never write a secret through a link or into a file others may read.
    match std::fs::remove_file(&path) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => return Err(error),
        _ => {}
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path)?;
    writeln!(file, "{token}")?;
    Ok((Tokens::single(&token, Role::Admin), path))
}

fn read_entries(file: &SourceFile, center: &Center, problems: &mut Problems) -> Option<Tokens> {
    let root = match crate::model::yaml::parse(file.text()) {
        Ok(root) => root,
        Err(error) => {
            syntax_problems(file, &error, problems);
            return None;
        }
    };
    let root_path = YamlPath::root();
    let items = match root {
        Node::Sequence(items) => items,
        Node::Null => {
            let message = "the tokens file lists no tokens";
            problems.push(
                Diagnostic::error(Span::default(), message).with_help(EXAMPLE),
                Anchor::At(Span::default()),
            );
            return None;
        }
        other => {
            let message = format!(
                "the tokens file must be a list of `{{role, sha256}}` entries, found {}",
                describe(&other)
            );
            let diagnostic = Diagnostic::error(Span::default(), message).with_help(EXAMPLE);
            problems.push(diagnostic, Anchor::Value(root_path));
            return None;
        }
    };
    if items.is_empty() {
        let diagnostic = Diagnostic::error(Span::default(), "the tokens file lists no tokens")
            .with_help(EXAMPLE);
        problems.push(diagnostic, Anchor::Value(root_path));
        return None;
    }
    let mut entries = Vec::with_capacity(items.len());
    let mut first_of: HashMap<[u8; 32], YamlPath> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        let path = root_path.index(i);
        let (hash, role) = entry(item, &path, center, problems);
        let Some(hash) = hash else {
            continue;
        };
        if let Some(first) = first_of.get(&hash) {
            problems.push_related(
                Diagnostic::error(Span::default(), "this hash is listed twice")
                    .with_label("first listed at {related}")
                    .with_help("a token has one role: remove one of the entries"),
                Anchor::Value(path.key("sha256")),
                Anchor::Value(first.key("sha256")),
            );
            continue;
        }
        first_of.insert(hash, path);
        if let Some(role) = role {
            entries.push((hash, role));
        }
    }
    Some(Tokens { entries })
}

/// One `{role, sha256}` entry's hash and role, every problem of it reported.
fn entry(
    item: &Node,
    path: &YamlPath,
    center: &Center,
    problems: &mut Problems,
) -> (Option<[u8; 32]>, Option<Role>) {
    let Some(mapping) = item.as_mapping() else {
        let message = format!(
            "an entry of the tokens file is a mapping `{{role, sha256}}`, found {}",
            describe(item)
        );
        problems.push(
            Diagnostic::error(Span::default(), message).with_help(EXAMPLE),
            Anchor::Value(path.clone()),
        );
        return (None, None);
    };
    for key in mapping.keys() {
        match key.as_str() {
            Some(name) if PROPERTIES.contains(&name) => {}
            Some(name) => {
                let mut diagnostic = Diagnostic::error(
                    Span::default(),
                    format!("unknown property `{name}` in an entry of the tokens file"),
                )
                .with_help("the properties are: role, sha256");
                if let Some(close) = closest(name, PROPERTIES) {
                    diagnostic = diagnostic.with_label(format!("did you mean `{close}`?"));
                }
                problems.push(diagnostic, Anchor::Key(path.key(name)));
            }
            None => {
                let message = format!("property names are text, found {}", describe(key));
                problems.push(
                    Diagnostic::error(Span::default(), message)
                        .with_help("the properties are: role, sha256"),
                    Anchor::Value(path.clone()),
                );
            }
        }
    }
    let role = role(item.get("role"), path, center, problems);
    (hash(item.get("sha256"), path, problems), role)
}

fn role(
    node: Option<&Node>,
    path: &YamlPath,
    center: &Center,
    problems: &mut Problems,
) -> Option<Role> {
    let help = format!("a role is {}", Role::CHOICES);
    let Some(node) = node.filter(|node| !node.is_null()) else {
        let diagnostic =
            Diagnostic::error(Span::default(), "this entry has no `role`").with_help(help);
        problems.push(diagnostic, Anchor::Value(path.clone()));
        return None;
    };
    let at = Anchor::Value(path.key("role"));
    let Some(text) = node.as_str() else {
        let message = format!("a role is text, found {}", describe(node));
        let help = match node {
            Node::Mapping(_) => {
                "write `agent:<id>` without a space after the colon, e.g. `role: agent:alice`"
                    .to_owned()
            }
            _ => help,
        };
        problems.push(
            Diagnostic::error(Span::default(), message).with_help(help),
            at,
        );
        return None;
    };
    match Role::parse(text) {
        Ok(Role::Agent(id)) => {
            if center.agent(&id).is_none() {
                let ids = center.agents().iter().map(|agent| agent.id.as_str());
                let mut diagnostic =
                    Diagnostic::warning(Span::default(), format!("the center has no agent `{id}`"))
                        .with_help("this token acts for no agent until one with this id is added");
                if let Some(close) = closest(&id, ids) {
                    diagnostic = diagnostic.with_label(format!("did you mean `{close}`?"));
                }
                problems.push(diagnostic, at);
            }
            Some(Role::Agent(id))
        }
        Ok(role) => Some(role),
        Err(message) => {
            let mut diagnostic = Diagnostic::error(Span::default(), message).with_help(help);
            let choices = ["admin", "integration", "viewer", "agent"];
            if let Some(close) = closest(text, choices) {
                let close = if close == "agent" {
                    "agent:<id>"
                } else {
                    close
                };
                diagnostic = diagnostic.with_label(format!("did you mean `{close}`?"));
            }
            problems.push(diagnostic, at);
            None
        }
    }
}

fn hash(node: Option<&Node>, path: &YamlPath, problems: &mut Problems) -> Option<[u8; 32]> {
    let help = "the SHA-256 of the token as 64 hex digits, as `routeflow token` prints it \
                (or `printf %s TOKEN | sha256sum`)";
    let Some(node) = node.filter(|node| !node.is_null()) else {
        let diagnostic =
            Diagnostic::error(Span::default(), "this entry has no `sha256`").with_help(help);
        problems.push(diagnostic, Anchor::Value(path.clone()));
        return None;
    };
    let at = Anchor::Value(path.key("sha256"));
    let (message, help) = match node {
        Node::String(text) if text.starts_with(TOKEN_PREFIX) => (
            "this is a token, not its hash: the tokens file must not hold tokens".to_owned(),
            "write the token's SHA-256 instead, as `routeflow token` prints it (or \
             `printf %s TOKEN | sha256sum`); it was written down, so consider replacing it with a new one"
                .to_owned(),
        ),
        Node::String(text) => match decode(text) {
            Ok(hash) => return Some(hash),
            Err(found) => (format!("`sha256` must be 64 hex digits, found {found}"), help.to_owned()),
        },
        Node::Number(_) => (
            "`sha256` must be 64 hex digits, found a number".to_owned(),
            "quote it: `sha256: '0123…'`".to_owned(),
        ),
        other => (
            format!("`sha256` must be 64 hex digits, found {}", describe(other)),
            help.to_owned(),
        ),
    };
    problems.push(
        Diagnostic::error(Span::default(), message).with_help(help),
        at,
    );
    None
}

/// 64 hex digits as 32 bytes, or what was found instead.
fn decode(text: &str) -> Result<[u8; 32], String> {
    let count = text.chars().count();
    if count != 64 {
        return Err(format!("{count} characters"));
    }
    let mut bytes = [0u8; 32];
    match hex::decode_to_slice(text, &mut bytes) {
        Ok(()) => Ok(bytes),
        Err(_) => {
            let bad = text.chars().find(|c| !c.is_ascii_hexdigit()).unwrap_or('?');
            Err(format!("the character `{}`", bad.escape_default()))
        }
    }
}

/// The file is not YAML that reads: the span index locates syntax errors exactly.
fn syntax_problems(
    file: &SourceFile,
    error: &crate::model::yaml::YamlError,
    problems: &mut Problems,
) {
    let help = "check the brackets, quotes and indentation up to here";
    let index = SpanIndex::build(file);
    for problem in index.problems() {
        let mut problem = problem.clone();
        problem.message = problem
            .message
            .replace("a flow file holds", "a tokens file holds")
            .replace("in flow files", "in tokens files");
        if problem.help.is_none() {
            problem = problem.with_help(help);
        }
        let at = problem.span;
        problems.push(problem, Anchor::At(at));
    }
    if index.problems().is_empty() {
        let at = error.offset(file.text());
        let diagnostic = Diagnostic::error(Span::new(at, at), format!("YAML: {}", error.message))
            .with_help(help);
        problems.push(diagnostic, Anchor::At(Span::new(at, at)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::render;

    #[test]
    fn a_token_pasted_where_its_hash_goes_is_not_shown() {
        let token = generate_token().expect("a token");
        let dir = tempfile::tempdir().expect("a directory");
        let path = dir.path().join("tokens.yaml");
        std::fs::write(&path, format!("- {{ role: admin, sha256: {token} }}\n")).expect("written");
        let loaded = Tokens::load(&path, &center());
        assert!(loaded.tokens.is_none());
        let shown = loaded.report.render();
        assert!(shown.contains("this is a token, not its hash"), "{shown}");
        assert!(!shown.contains(&token[TOKEN_PREFIX.len()..]), "{shown}");
        assert_eq!(mask_tokens("a rft_12ab: b"), "a rft_****: b");
    }

    fn center() -> Center {
        let file = SourceFile::new("center.yaml", "agents: [{ id: alice }]");
        Center::parse(&file).unwrap_or_else(|_| Center::empty())
    }

    fn read(text: &str) -> (Option<Tokens>, String) {
        let file = SourceFile::new("tokens.yaml", text);
        let (tokens, diagnostics) = Tokens::read(&file, &center());
        let shown = diagnostics.iter().map(|d| render(d, &file)).collect();
        (tokens, shown)
    }

    #[test]
    fn a_token_has_the_role_of_its_hash() {
        let text = format!(
            "- {{ role: viewer, sha256: {} }}\n- {{ role: agent:alice, sha256: '{}' }}\n",
            sha256_hex("v"),
            sha256_hex("a").to_uppercase()
        );
        let (tokens, shown) = read(&text);
        assert_eq!(shown, "");
        let tokens = tokens.unwrap_or_default();
        assert_eq!(tokens.len(), 2);
        assert_eq!(tokens.role_of("v"), Some(&Role::Viewer));
        assert_eq!(tokens.role_of("a"), Some(&Role::Agent("alice".to_owned())));
        assert_eq!(tokens.role_of("x"), None);
        assert_eq!(tokens.role_of(""), None);
    }

    #[test]
    fn every_bad_entry_is_located() {
        let good = sha256_hex("v");
        let text = format!(
            "- {{ role: supervisor, sha256: {good} }}\n\
             - {{ role: viewer, sha256: abc }}\n\
             - {{ role: viewer, sha265: {good} }}\n\
             - {{ role: agent:alise, sha256: {} }}\n\
             - {{ role: admin, sha256: {good} }}\n\
             - {{ role: admin, sha256: rft_0123 }}\n",
            sha256_hex("w")
        );
        let (tokens, shown) = read(&text);
        assert!(tokens.is_none());
        for expected in [
            "tokens.yaml:1:11: error: unknown role `supervisor`",
            "tokens.yaml:2:27: error: `sha256` must be 64 hex digits, found 3 characters",
            "tokens.yaml:3:19: error: unknown property `sha265`",
            "did you mean `sha256`?",
            "tokens.yaml:3:3: error: this entry has no `sha256`",
            "tokens.yaml:4:11: warning: the center has no agent `alise`",
            "did you mean `alice`?",
            "tokens.yaml:5:26: error: this hash is listed twice",
            "first listed at line 1, column 31",
            "tokens.yaml:6:26: error: this is a token, not its hash",
        ] {
            assert!(shown.contains(expected), "{expected} not in\n{shown}");
        }
    }

    #[test]
    fn empty_and_malformed_files_are_errors() {
        for (text, expected) in [
            (
                "",
                "tokens.yaml:1:1: error: the tokens file lists no tokens",
            ),
            (
                "[]",
                "tokens.yaml:1:1: error: the tokens file lists no tokens",
            ),
            ("role: admin", "error: the tokens file must be a list"),
            ("- { role: admin", "tokens.yaml:"),
        ] {
            let (tokens, shown) = read(text);
            assert!(tokens.is_none(), "{text}");
            assert!(shown.contains(expected), "{expected} not in\n{shown}");
        }
    }

    #[test]
    fn generated_tokens_are_new_each_time() {
        let (Ok(a), Ok(b)) = (generate_token(), generate_token()) else {
            panic!("no random bytes");
        };
        assert_ne!(a, b);
        assert!(a.starts_with(TOKEN_PREFIX));
        assert_eq!(a.len(), TOKEN_PREFIX.len() + 64);
    }
}
