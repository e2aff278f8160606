//! Center YAML → [`Center`], node by node, so that every problem of the file is found.
//!
//! As for flow files (`model::read`), the file is parsed once by serde_yaml; the top level and each agent
//! are then checked for unknown keys (with a did-you-mean) and read separately, and each property of an
//! agent is checked on its own, so one bad agent (or one bad property) never hides the others. Problems are
//! recorded against YAML paths and located only when there are some.

use super::popup::{Popups, Template};
use super::{
    Agent, AgentIndex, AgentSkills, Center, DEFAULT_HANDLE_S, DEFAULT_OFFER_TIMEOUT_S, GroupId,
    Names, SkillId,
};
use crate::diagnostic::{Diagnostic, SourceFile, Span};
use crate::expr::closest;
use crate::model::path::YamlPath;
use crate::model::read::{Anchor, Problems};
use crate::model::spans::SpanIndex;
use crate::model::yaml::YamlError;
use serde::Deserialize;
use serde_aux::serde_introspection::serde_introspect;
use std::collections::HashMap;
use std::sync::Arc;

type Node = serde_yaml::Value;

/// The top level of a center file. Values stay YAML nodes: each is checked on its own below.
#[derive(Deserialize)]
struct CenterDef {
    #[serde(default)]
    default_handle_s: Option<Node>,
    #[serde(default)]
    offer_timeout_s: Option<Node>,
    #[serde(default)]
    override_key: Option<Node>,
    #[serde(default)]
    integrations: Option<Node>,
    #[serde(default)]
    agents: Option<Node>,
}

/// One agent, as written.
#[derive(Deserialize)]
struct AgentDef {
    #[serde(default)]
    id: Option<Node>,
    #[serde(default)]
    groups: Option<Node>,
    #[serde(default)]
    skills: Option<Node>,
    #[serde(default)]
    capacity: Option<Node>,
    #[serde(default)]
    ready: Option<Node>,
    #[serde(default)]
    auto_accept: Option<Node>,
}

/// The top-level properties of a center file (for the schema's test).
#[cfg(test)]
pub(super) fn top_level_properties() -> &'static [&'static str] {
    serde_introspect::<CenterDef>()
}

/// The properties of an agent (for the schema's test).
#[cfg(test)]
pub(super) fn agent_properties() -> &'static [&'static str] {
    serde_introspect::<AgentDef>()
}

/// An agent read so far; only used when the whole file has no error.
struct Draft {
    id: Option<String>,
    path: YamlPath,
    groups: Vec<GroupId>,
    skills: Vec<(SkillId, i64)>,
    capacity: u32,
    ready: Vec<(f64, f64)>,
    auto_accept: bool,
}

const EXAMPLE: &str = "e.g. `agents: [{ id: alice, groups: [workitems], skills: { english: 5 } }]`";

const SYNTAX_HELP: &str = "check the brackets, quotes and indentation up to here";

pub(super) fn read(file: &SourceFile) -> (Option<Center>, Vec<Diagnostic>) {
    let mut problems = Problems::default();
    let center = read_center(file, &mut problems);
    let center = center.filter(|_| !problems.has_errors());
    (center, problems.locate(file))
}

fn read_center(file: &SourceFile, problems: &mut Problems) -> Option<Center> {
    let root: Node = match crate::model::yaml::parse(file.text()) {
        Ok(root) => root,
        Err(error) => {
            syntax_problems(file, &error, problems);
            return None;
        }
    };
    let root_path = YamlPath::root();
    if root.is_null() {
        problems.push(
            Diagnostic::error(Span::default(), "the center file is empty").with_help(EXAMPLE),
            Anchor::At(Span::default()),
        );
        return None;
    }
    let mut reader = Reader {
        problems,
        groups: Names::default(),
        skills: Names::default(),
        finer: None,
    };
    if !reader.check_keys(
        &root,
        &root_path,
        serde_introspect::<CenterDef>(),
        "the center file",
    ) {
        return None;
    }
    let def: CenterDef = serde_yaml::from_value(root).ok()?;
    let default_handle_s = reader.seconds_property(
        def.default_handle_s,
        &root_path.key("default_handle_s"),
        DEFAULT_HANDLE_S,
        "how long an agent works a workitem whose line has no `handle_s`, e.g. `default_handle_s: 300`",
    );
    let offer_timeout_s = reader.seconds_property(
        def.offer_timeout_s,
        &root_path.key("offer_timeout_s"),
        DEFAULT_OFFER_TIMEOUT_S,
        "how long a live agent has to accept an offer, e.g. `offer_timeout_s: 30` (routeflow serve)",
    );
    let agents_path = root_path.key("agents");
    let drafts = match def.agents {
        None => {
            reader.problems.push(
                Diagnostic::error(Span::default(), "the center file has no `agents`")
                    .with_help(EXAMPLE),
                Anchor::Value(root_path),
            );
            return None;
        }
        Some(Node::Sequence(nodes)) => {
            if nodes.is_empty() {
                reader.problems.push(
                    Diagnostic::warning(Span::default(), "the center has no agents")
                        .with_label("every workitem will end unrouted")
                        .with_help(EXAMPLE),
                    Anchor::Value(agents_path.clone()),
                );
            }
            nodes
                .into_iter()
                .enumerate()
                .filter_map(|(i, node)| reader.agent(node, agents_path.index(i)))
                .collect::<Vec<_>>()
        }
        Some(other) => {
            reader.problems.push(
                Diagnostic::error(
                    Span::default(),
                    format!(
                        "`agents` must be a list of agents, found {}",
                        describe(&other)
                    ),
                )
                .with_help(EXAMPLE),
                Anchor::Value(agents_path),
            );
            return None;
        }
    };
    reader.unique_ids(&drafts);
    reader.finer_times();
    let popups = reader.popups(def.override_key, def.integrations, &root_path);
    let mut center = reader.finish(default_handle_s, offer_timeout_s, drafts);
    center.popups = popups;
    Some(center)
}

/// The file is not YAML that reads: prefer the span index's diagnosis, which locates syntax
/// errors exactly and names duplicate keys and extra documents.
fn syntax_problems(file: &SourceFile, error: &YamlError, problems: &mut Problems) {
    let index = SpanIndex::build(file);
    if !index.problems().is_empty() {
        for problem in index.problems() {
            let mut problem = in_center_words(problem.clone());
            if problem.help.is_none() {
                problem = problem.with_help(SYNTAX_HELP);
            }
            let at = problem.span;
            problems.push(problem, Anchor::At(at));
        }
        return;
    }
    let at = error.offset(file.text());
    problems.push(
        Diagnostic::error(Span::new(at, at), format!("YAML: {}", error.message))
            .with_help(SYNTAX_HELP),
        Anchor::At(Span::new(at, at)),
    );
}

/// The span index words some problems for flow files; say the same of a center file.
fn in_center_words(mut diagnostic: Diagnostic) -> Diagnostic {
    diagnostic.message = diagnostic
        .message
        .replace("a flow file holds", "a center file holds")
        .replace("in flow files", "in center files");
    diagnostic.help = diagnostic.help.map(|help| {
        help.replace(
            "flows nest blocks a few levels deep",
            "a center file nests four levels deep",
        )
    });
    diagnostic
}

struct Reader<'p> {
    problems: &'p mut Problems,
    groups: Names,
    skills: Names,
    /// The first time finer than the microsecond (as written, and where), and how many there are.
    finer: Option<(f64, YamlPath, usize)>,
}

impl Reader<'_> {
    /// A time the file gives (`seconds`, at `path`; from 0 to the limit, or infinity), as virtual time
    /// keeps it: rounded to the microsecond, the first time finer noted for a warning.
    fn time(&mut self, seconds: f64, path: &YamlPath) -> f64 {
        if crate::time::is_finer(seconds) {
            let finer = self.finer.get_or_insert_with(|| (seconds, path.clone(), 0));
            finer.2 += 1;
        }
        crate::time::to_resolution(seconds)
    }

    /// One warning for the times finer than the microsecond, at the first.
    fn finer_times(&mut self) {
        let Some((seconds, path, count)) = self.finer.take() else {
            return;
        };
        let number = crate::expr::js::number::to_string;
        let message = format!(
            "{} is finer than the microsecond, the resolution of virtual time",
            number(seconds)
        );
        let mut label = format!("read as {}", number(crate::time::to_resolution(seconds)));
        if count > 1 {
            label.push_str(&format!(
                "; {count} times of the file are finer than the microsecond"
            ));
        }
        self.problems.push(
            Diagnostic::warning(Span::default(), message)
                .with_label(label)
                .with_help("every time is rounded to the microsecond when it is read; write at most six decimals"),
            Anchor::Value(path),
        );
    }

    fn error(&mut self, message: String, help: impl Into<String>, at: Anchor) {
        self.problems.push(
            Diagnostic::error(Span::default(), message).with_help(help),
            at,
        );
    }

    /// Report every key of `node` not in `allowed`; false if `node` is not a mapping with text keys.
    fn check_keys(&mut self, node: &Node, path: &YamlPath, allowed: &[&str], what: &str) -> bool {
        let Some(mapping) = node.as_mapping() else {
            let message = format!(
                "{what} must be a mapping of properties, found {}",
                describe(node)
            );
            let help = format!("the properties are: {}", allowed.join(", "));
            self.error(message, help, Anchor::Value(path.clone()));
            return false;
        };
        let mut all_text = true;
        for key in mapping.keys() {
            let Some(key) = key.as_str() else {
                all_text = false;
                let message = format!("property names are text, found {}", describe(key));
                let help = format!("the properties are: {}", allowed.join(", "));
                self.error(message, help, Anchor::Value(path.clone()));
                continue;
            };
            if key == "<<" {
                let message = "merge keys (`<<`) are not supported in center files".to_owned();
                let help = "write the properties out; anchors and aliases of whole values are fine";
                // The merged node is an alias, which the span index resolves to its anchor: point at the
                // mapping holding the merge key instead.
                self.error(message, help, Anchor::Value(path.clone()));
            } else if !allowed.contains(&key) {
                let mut diagnostic = Diagnostic::error(
                    Span::default(),
                    format!("unknown property `{key}` in {what}"),
                )
                .with_help(format!("the properties are: {}", allowed.join(", ")));
                if let Some(close) = closest(key, allowed.iter().copied()) {
                    diagnostic = diagnostic.with_label(format!("did you mean `{close}`?"));
                }
                self.problems.push(diagnostic, Anchor::Key(path.key(key)));
            }
        }
        all_text
    }

    /// The screen pop-ups: `override_key` (text) and `integrations` (name → URL template).
    fn popups(
        &mut self,
        override_key: Option<Node>,
        integrations: Option<Node>,
        root: &YamlPath,
    ) -> Popups {
        let mut popups = Popups::default();
        if let Some(node) = override_key.filter(|n| !n.is_null()) {
            match node.as_str().filter(|key| !key.trim().is_empty()) {
                Some(key) => popups.override_key = key.to_owned(),
                None => {
                    let message = format!(
                        "`override_key` must be a user-data key (text), found {}",
                        describe(&node)
                    );
                    let help = "the user-data key whose value names the integration of the screen \
                                pop-up, e.g. `override_key: overrideKey` (the sample's)";
                    self.error(message, help, Anchor::Value(root.key("override_key")));
                }
            }
        }
        let Some(node) = integrations.filter(|n| !n.is_null()) else {
            return popups;
        };
        let path = root.key("integrations");
        let help = "integration names and URL templates filled from user data, e.g. \
                    `integrations: { GTR_3rdPartyIntegration: \"https://crm.example.com/cases/{caseNumber}\" }`";
        let Some(mapping) = node.as_mapping() else {
            let message = format!(
                "`integrations` must be a mapping of names to URL templates, found {}",
                describe(&node)
            );
            self.error(message, help, Anchor::Value(path));
            return popups;
        };
        for (name, template) in mapping {
            let Some(name) = name.as_str() else { continue };
            let at = path.key(name);
            let parsed = template
                .as_str()
                .ok_or_else(|| format!("a URL template is text, found {}", describe(template)))
                .and_then(|text| {
                    Template::parse(text).map_err(|(message, byte)| {
                        let column = text[..byte].chars().count() + 1;
                        format!("URL template of `{name}`, character {column}: {message}")
                    })
                });
            match parsed {
                Ok(template) => popups.integrations.push((name.to_owned(), template)),
                Err(message) => self.error(message, help, Anchor::Value(at)),
            }
        }
        popups
    }

    /// A top-level property of seconds (`default` when left out), at `path`.
    fn seconds_property(
        &mut self,
        node: Option<Node>,
        path: &YamlPath,
        default: f64,
        help: &str,
    ) -> f64 {
        let Some(node) = node.filter(|node| !node.is_null()) else {
            return default;
        };
        match node.as_f64() {
            Some(seconds) if crate::time::in_range(seconds) => self.time(seconds, path),
            _ => {
                let message = format!(
                    "`{}` must be a number of seconds from 0 to 4000000000, found {}",
                    path.last_key().unwrap_or_default(),
                    describe(&node)
                );
                self.error(message, help, Anchor::Value(path.clone()));
                default
            }
        }
    }

    fn agent(&mut self, node: Node, path: YamlPath) -> Option<Draft> {
        // The id first, so that the other problems can name the agent.
        let id = node.get("id").and_then(Node::as_str).map(str::to_owned);
        let what = match &id {
            Some(id) => format!("agent `{id}`"),
            None => "this agent".to_owned(),
        };
        if !self.check_keys(&node, &path, serde_introspect::<AgentDef>(), &what) {
            return None;
        }
        let def: AgentDef = serde_yaml::from_value(node).ok()?;
        let mut draft = Draft {
            id: self.id(def.id, &path),
            path,
            groups: Vec::new(),
            skills: Vec::new(),
            capacity: 1,
            ready: vec![(0.0, f64::INFINITY)],
            auto_accept: false,
        };
        let path = &draft.path;
        if let Some(groups) = def.groups.filter(|n| !n.is_null()) {
            draft.groups = self.groups(groups, &path.key("groups"), &what);
        }
        if let Some(skills) = def.skills.filter(|n| !n.is_null()) {
            draft.skills = self.skills(skills, &path.key("skills"), &what);
        }
        if let Some(capacity) = def.capacity.filter(|n| !n.is_null()) {
            draft.capacity = self.capacity(&capacity, &path.key("capacity"), &what);
        }
        if let Some(ready) = def.ready.filter(|n| !n.is_null()) {
            draft.ready = self.ready(ready, &path.key("ready"), &what);
        }
        if let Some(auto_accept) = def.auto_accept.filter(|n| !n.is_null()) {
            match auto_accept.as_bool() {
                Some(yes) => draft.auto_accept = yes,
                None => {
                    let message = format!(
                        "`auto_accept` of {what} must be true or false, found {}",
                        describe(&auto_accept)
                    );
                    let help = "`auto_accept: true` routes to the agent without an offer to accept \
                                (routeflow serve)";
                    self.error(message, help, Anchor::Value(path.key("auto_accept")));
                }
            }
        }
        Some(draft)
    }

    fn id(&mut self, node: Option<Node>, path: &YamlPath) -> Option<String> {
        let help = "every agent needs a unique id, e.g. `id: alice`";
        match node {
            None | Some(Node::Null) => {
                let message = "this agent has no `id`".to_owned();
                self.error(message, help, Anchor::Value(path.clone()));
                None
            }
            Some(Node::String(id)) if id.trim().is_empty() => {
                let message = "an agent id cannot be empty".to_owned();
                self.error(message, help, Anchor::Value(path.key("id")));
                None
            }
            Some(Node::String(id)) => Some(id),
            Some(other) => {
                let message = format!("an agent id is text, found {}", describe(&other));
                let help = match &other {
                    Node::Number(n) => format!("quote it: `id: '{n}'`"),
                    _ => help.to_owned(),
                };
                self.error(message, help, Anchor::Value(path.key("id")));
                None
            }
        }
    }

    fn groups(&mut self, node: Node, path: &YamlPath, what: &str) -> Vec<GroupId> {
        let items = match node {
            Node::Sequence(items) => items,
            other => {
                let message = format!(
                    "`groups` of {what} must be a list of group names, found {}",
                    describe(&other)
                );
                let help = match other.as_str() {
                    Some(name) => format!("write a list: `groups: [{name}]`"),
                    None => "e.g. `groups: [gold_group, workitems]`".to_owned(),
                };
                self.error(message, help, Anchor::Value(path.clone()));
                return Vec::new();
            }
        };
        let mut groups = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let at = Anchor::Value(path.index(i));
            match item.as_str() {
                Some(name) if name.trim().is_empty() => {
                    let message = "a group name cannot be empty".to_owned();
                    self.error(message, "remove it, or write the group's name", at);
                }
                Some(name) => {
                    let group = GroupId(self.groups.intern(name));
                    if groups.contains(&group) {
                        self.problems.push(
                            Diagnostic::warning(
                                Span::default(),
                                format!("{what} is in group `{name}` twice"),
                            )
                            .with_help("remove the repeated name"),
                            at,
                        );
                    } else {
                        groups.push(group);
                    }
                }
                None => {
                    let message = format!("a group name is text, found {}", describe(item));
                    let help = match item {
                        Node::Number(n) => format!("quote it: `'{n}'`"),
                        _ => "e.g. `groups: [gold_group, workitems]`".to_owned(),
                    };
                    self.error(message, help, at);
                }
            }
        }
        groups
    }

    fn skills(&mut self, node: Node, path: &YamlPath, what: &str) -> Vec<(SkillId, i64)> {
        let mapping = match node {
            Node::Mapping(mapping) => mapping,
            other => {
                let message = format!(
                    "`skills` of {what} must be a mapping of skill names to levels, found {}",
                    describe(&other)
                );
                let help = match other {
                    Node::Sequence(_) => {
                        "give each skill its level: `skills: { english: 9, spanish: 3 }`"
                    }
                    _ => "e.g. `skills: { english: 9, spanish: 3 }`",
                };
                self.error(message, help, Anchor::Value(path.clone()));
                return Vec::new();
            }
        };
        let mut skills = Vec::with_capacity(mapping.len());
        for (key, level) in &mapping {
            let Some(name) = key.as_str() else {
                let message = format!("a skill name is text, found {}", describe(key));
                let help = "quote it, e.g. `skills: { '101': 5 }`";
                self.error(message, help, Anchor::Value(path.clone()));
                continue;
            };
            if name.is_empty() {
                let message = "a skill name cannot be empty".to_owned();
                let help = "a skill expression could never name it; remove it or name the skill";
                self.error(message, help, Anchor::Key(path.key(name)));
                continue;
            }
            match whole_number(level) {
                Some(level) => skills.push((SkillId(self.skills.intern(name)), level)),
                None => {
                    let message = format!(
                        "the level of skill `{name}` of {what} must be a whole number, found {}",
                        describe(level)
                    );
                    let help = "levels are integers, as in skill expressions: `'english' > 7`";
                    self.error(message, help, Anchor::Value(path.key(name)));
                }
            }
        }
        skills
    }

    fn capacity(&mut self, node: &Node, path: &YamlPath, what: &str) -> u32 {
        match whole_number(node).and_then(|n| u32::try_from(n).ok()) {
            Some(capacity) if capacity >= 1 => capacity,
            _ => {
                let message = format!(
                    "`capacity` of {what} must be a whole number, at least 1, found {}",
                    describe(node)
                );
                let help = "how many workitems the agent works at once (default 1); \
                            to model an agent who never works, write `ready: []`";
                self.error(message, help, Anchor::Value(path.clone()));
                1
            }
        }
    }

    fn ready(&mut self, node: Node, path: &YamlPath, what: &str) -> Vec<(f64, f64)> {
        let help = "ready intervals are `[start_s, end_s]` pairs of seconds of virtual time with \
                    0 ≤ start_s < end_s (end_s may be `.inf`), e.g. `ready: [[0, 28800]]`; \
                    leave `ready` out for an agent who is always ready";
        let items = match node {
            Node::Sequence(items) => items,
            other => {
                let message = format!(
                    "`ready` of {what} must be a list of [start_s, end_s] intervals, found {}",
                    describe(&other)
                );
                self.error(message, help, Anchor::Value(path.clone()));
                return Vec::new();
            }
        };
        if items.is_empty() {
            self.problems.push(
                Diagnostic::warning(Span::default(), format!("{what} is never ready"))
                    .with_label("it will never take a workitem")
                    .with_help("leave `ready` out for an agent who is always ready"),
                Anchor::Value(path.clone()),
            );
            return Vec::new();
        }
        // Read every interval, remembering where it was, then sort and merge.
        let mut intervals: Vec<(f64, f64, usize)> = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let at = path.index(i);
            let pair = match item.as_sequence() {
                Some(pair) if pair.len() == 2 => pair,
                _ => {
                    let found = match item.as_sequence() {
                        Some(list) => format!("a list of {}", list.len()),
                        None => describe(item),
                    };
                    let message =
                        format!("a ready interval is a pair [start_s, end_s], found {found}");
                    self.error(message, help, Anchor::Value(at));
                    continue;
                }
            };
            let start = pair[0].as_f64().filter(|&s| crate::time::in_range(s));
            let end = pair[1]
                .as_f64()
                .filter(|&e| crate::time::in_range(e) || e == f64::INFINITY);
            if start.is_none() {
                let message = format!(
                    "the start of a ready interval must be a number of seconds from 0 to 4000000000, found {}",
                    describe(&pair[0])
                );
                self.error(message, help, Anchor::Value(at.index(0)));
            }
            if end.is_none() {
                let message = format!(
                    "the end of a ready interval must be a number of seconds from 0 to 4000000000, or .inf, found {}",
                    describe(&pair[1])
                );
                self.error(message, help, Anchor::Value(at.index(1)));
            }
            let (Some(start), Some(end)) = (start, end) else {
                continue;
            };
            let start = self.time(start, &at.index(0));
            let end = self.time(end, &at.index(1));
            if end <= start {
                let message = if end == start {
                    "this ready interval is empty: it ends when it starts"
                } else {
                    "this ready interval ends before it starts"
                };
                self.error(message.to_owned(), help, Anchor::Value(at));
                continue;
            }
            intervals.push((start, end, i));
        }
        intervals.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut merged: Vec<(f64, f64)> = Vec::with_capacity(intervals.len());
        let mut last_index = 0;
        for (start, end, index) in intervals {
            match merged.last_mut() {
                // Touching intervals ([0, 100] then [100, 200]) mean the same as one: merged silently.
                Some(last) if start <= last.1 => {
                    if start < last.1 {
                        let (first, second) = (last_index.min(index), last_index.max(index));
                        let message = format!(
                            "ready intervals {} and {} of {what} overlap",
                            first + 1,
                            second + 1
                        );
                        self.problems.push(
                            Diagnostic::warning(Span::default(), message)
                                .with_label("they are merged into one")
                                .with_help("the agent is ready from the earliest start to the latest end; write one interval to say so"),
                            Anchor::Value(path.index(second)),
                        );
                    }
                    last.1 = last.1.max(end);
                }
                _ => merged.push((start, end)),
            }
            last_index = index;
        }
        merged
    }

    /// Report every agent whose id an earlier agent already has.
    fn unique_ids(&mut self, drafts: &[Draft]) {
        let mut first: HashMap<&str, &YamlPath> = HashMap::new();
        for draft in drafts {
            let Some(id) = draft.id.as_deref() else {
                continue;
            };
            if let Some(first_path) = first.get(id) {
                self.problems.push_related(
                    Diagnostic::error(Span::default(), format!("duplicate agent id `{id}`"))
                        .with_label("first used at {related}")
                        .with_help(
                            "agent ids are unique in a center: rename or remove one of the agents",
                        ),
                    Anchor::Value(draft.path.key("id")),
                    Anchor::Value(first_path.key("id")),
                );
            } else {
                first.insert(id, &draft.path);
            }
        }
    }

    fn finish(self, default_handle_s: f64, offer_timeout_s: f64, drafts: Vec<Draft>) -> Center {
        let skills = Arc::new(self.skills);
        let mut members = vec![Vec::new(); self.groups.len()];
        let mut agent_ids = HashMap::with_capacity(drafts.len());
        let agents = drafts
            .into_iter()
            .enumerate()
            .map(|(i, draft)| {
                let index = AgentIndex(super::to_u32(i));
                for group in &draft.groups {
                    members[group.0 as usize].push(index);
                }
                let id = draft.id.unwrap_or_default();
                agent_ids.insert(id.as_str().into(), index);
                Agent {
                    id,
                    groups: draft.groups,
                    skills: AgentSkills {
                        levels: draft.skills.into_boxed_slice(),
                        names: skills.clone(),
                    },
                    capacity: draft.capacity,
                    ready: draft.ready,
                    auto_accept: draft.auto_accept,
                }
            })
            .collect();
        Center {
            default_handle_s,
            offer_timeout_s,
            popups: Popups::default(),
            agents,
            agent_ids,
            groups: self.groups,
            skills,
            members,
            removed: Default::default(),
        }
    }
}

/// An integer, or a float without a fractional part (`2.0` means 2), in the range of `i64`.
fn whole_number(node: &Node) -> Option<i64> {
    if let Some(n) = node.as_i64() {
        return Some(n);
    }
    let x = node.as_f64().filter(|_| !node.is_u64())?;
    // -2^63 and 2^63 are exact doubles, so the range check is exact.
    let in_range = (i64::MIN as f64..-(i64::MIN as f64)).contains(&x);
    (x.fract() == 0.0 && in_range).then_some(x as i64)
}

/// A node as named in a message: its value when it is a scalar, its kind otherwise.
pub(crate) fn describe(node: &Node) -> String {
    match node {
        Node::Null => "nothing".to_owned(),
        Node::Bool(b) => format!("`{b}`"),
        Node::Number(n) => format!("`{n}`"),
        Node::String(s) if s.chars().count() <= 40 => format!("the text `{s}`"),
        Node::String(_) => "text".to_owned(),
        Node::Sequence(_) => "a list".to_owned(),
        Node::Mapping(_) => "a mapping".to_owned(),
        Node::Tagged(_) => "a tagged value".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_accept_integral_floats_only() {
        let cases: Vec<(Node, Option<i64>)> = vec![
            (Node::from(3), Some(3)),
            (Node::from(-2), Some(-2)),
            (Node::from(2.0), Some(2)),
            (Node::from(2.5), None),
            (Node::from(f64::INFINITY), None),
            (Node::from(f64::NAN), None),
            (Node::from(9.3e18), None),
            (Node::from(u64::MAX), None),
            (Node::from("3"), None),
        ];
        for (node, expected) in cases {
            assert_eq!(whole_number(&node), expected, "{node:?}");
        }
    }
}
