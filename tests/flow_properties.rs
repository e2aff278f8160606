//! Loading a flow never panics (SPEC §6), whatever the text: arbitrary strings, and generated
//! flow-like YAML documents mixing valid and invalid keys, block types, nesting and every scalar style.
//! Whatever is loaded, the report renders, every diagnostic points inside the file, and a flow comes
//! back exactly when there is no error.

use proptest::prelude::*;
use routeflow::flow::{Loaded, load_str};
use std::fmt::Write;
use std::path::Path;

/// Where generated flows find their tables: the check corpus's CSV files.
fn base_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/check_cases"))
}

/// Load `text` and check what must hold for any input.
fn load_checked(text: &str) -> Loaded {
    let loaded = load_str("flow.yaml", text, base_dir());
    let rendered = loaded.report.render();
    assert_eq!(
        loaded.flow.is_some(),
        loaded.report.errors() == 0,
        "a flow loads exactly when there is no error:\n{rendered}"
    );
    // A message is one line: the header `file:line:col: error: message (block `id`)` stays whole.
    for message in loaded.report.messages() {
        assert!(
            !message.contains(['\n', '\r']),
            "a message on several lines: {message:?}\nin:\n{text}"
        );
    }
    // Every located diagnostic of the flow file names a line and column inside it.
    let lines = text.split('\n').count();
    for line in rendered.lines().filter(|l| l.starts_with("flow.yaml:")) {
        let mut parts = line.splitn(4, ':');
        parts.next();
        let (Some(l), Some(c)) = (parts.next(), parts.next()) else {
            continue;
        };
        if let (Ok(l), Ok(c)) = (l.parse::<usize>(), c.parse::<usize>()) {
            assert!(l >= 1 && l <= lines && c >= 1, "{line}\nin:\n{text}");
        }
    }
    loaded
}

// ---------------------------------------------------------------------------------------------------
// A small YAML document model, rendered in block or flow style with every scalar style.

#[derive(Clone, Debug)]
enum Style {
    Plain,
    Single,
    Double,
    /// Double-quoted with every ASCII letter escaped as `\xNN`, to stress caret alignment.
    DoubleEscaped,
    Literal,
    Folded,
}

#[derive(Clone, Debug)]
enum Yaml {
    Scalar(String, Style),
    Seq(Vec<Yaml>, bool),
    Map(Vec<(String, Yaml)>, bool),
    /// Raw text, inserted as is (anchors, aliases, tags, junk).
    Raw(String),
}

/// Whether `text` reads back as itself when written plain (most generated text would not: it would
/// only produce YAML syntax errors, which `junk` provides anyway).
fn plain_is_safe(text: &str) -> bool {
    text.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || " _.()'=<>!+-*/%$".contains(c))
        && !text.ends_with(' ')
}

fn render_scalar(out: &mut String, text: &str, style: &Style, indent: usize) {
    match style {
        Style::Plain if plain_is_safe(text) => out.push_str(text),
        Style::Plain => render_scalar(out, text, &Style::Double, indent),
        Style::Single => {
            let _ = write!(out, "'{}'", text.replace('\'', "''"));
        }
        Style::Double | Style::DoubleEscaped => {
            out.push('"');
            for c in text.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\t' => out.push_str("\\t"),
                    c if c.is_control() => {
                        let _ = write!(out, "\\u{:04x}", c as u32);
                    }
                    c if matches!(style, Style::DoubleEscaped) && c.is_ascii_alphabetic() => {
                        let _ = write!(out, "\\x{:02x}", c as u32);
                    }
                    c => out.push(c),
                }
            }
            out.push('"');
        }
        Style::Literal | Style::Folded => {
            out.push(if matches!(style, Style::Literal) {
                '|'
            } else {
                '>'
            });
            out.push('\n');
            for line in text.split('\n') {
                let _ = writeln!(out, "{}{line}", " ".repeat(indent + 2));
            }
            // The caller ends the line.
            if out.ends_with('\n') {
                out.pop();
            }
        }
    }
}

fn render(out: &mut String, node: &Yaml, indent: usize) {
    let pad = " ".repeat(indent);
    match node {
        Yaml::Scalar(text, style) => render_scalar(out, text, style, indent),
        Yaml::Raw(text) => out.push_str(text),
        Yaml::Seq(items, true) | Yaml::Seq(items, false) if items.is_empty() => out.push_str("[]"),
        Yaml::Map(entries, _) if entries.is_empty() => out.push_str("{}"),
        Yaml::Seq(items, true) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                render_inline(out, item);
            }
            out.push(']');
        }
        Yaml::Map(entries, true) => {
            out.push('{');
            for (i, (key, value)) in unique(entries).enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "{key}: ");
                render_inline(out, value);
            }
            out.push('}');
        }
        Yaml::Seq(items, false) => {
            for item in items {
                let _ = write!(out, "\n{pad}- ");
                render(out, item, indent + 2);
            }
        }
        Yaml::Map(entries, false) => {
            for (key, value) in unique(entries) {
                let _ = write!(out, "\n{pad}{key}: ");
                render(out, value, indent + 2);
            }
        }
    }
}

/// The entries with the first of each key: duplicate keys only make YAML errors (tested elsewhere).
fn unique(entries: &[(String, Yaml)]) -> impl Iterator<Item = &(String, Yaml)> {
    let mut seen = std::collections::HashSet::new();
    entries
        .iter()
        .filter(move |(key, _)| seen.insert(key.as_str()))
}

/// Inside a flow collection: block scalars and block collections become quoted or flow ones.
fn render_inline(out: &mut String, node: &Yaml) {
    match node {
        Yaml::Scalar(text, Style::Literal | Style::Folded) => {
            render_scalar(out, text, &Style::Double, 0);
        }
        Yaml::Seq(items, false) => render(out, &Yaml::Seq(items.clone(), true), 0),
        Yaml::Map(entries, false) => render(out, &Yaml::Map(entries.clone(), true), 0),
        other => render(out, other, 0),
    }
}

fn document(root: &Yaml) -> String {
    let mut out = String::new();
    render(&mut out, root, 0);
    let mut text = out.trim_start_matches('\n').to_owned();
    text.push('\n');
    text
}

// ---------------------------------------------------------------------------------------------------
// Flow-like documents.

const VARIABLES: &[&str] = &[
    "level1", "level2", "segment", "skill", "agent", "found", "count",
];

fn style() -> impl Strategy<Value = Style> {
    prop_oneof![
        4 => Just(Style::Plain),
        2 => Just(Style::Single),
        3 => Just(Style::Double),
        1 => Just(Style::DoubleEscaped),
        1 => Just(Style::Literal),
        1 => Just(Style::Folded),
    ]
}

/// Expression-ish text: variables (declared or not), literals, operators, junk.
fn expression_text() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        4 => proptest::sample::select(VARIABLES).prop_map(str::to_owned),
        2 => proptest::sample::select(vec![
            "levl1", "Math", "Math.max(1, 2)", "level1.length", "level2.trim()", "undefined",
        ])
        .prop_map(str::to_owned),
        3 => proptest::sample::select(vec![
            "==", "!=", "===", "&&", "||", "+", "-", "*", "/", "%", "<", ">=", "!", "?", ":", "=",
            "&", "|", ".", ",",
        ])
        .prop_map(str::to_owned),
        3 => proptest::sample::select(vec![
            "''", "'Gold'", "\"Gold\"", "'english' > 3", "\"'english' > 7\"", "1", "120", "0.5",
            "-1", "true", "false", "null", "[1, 2]", "'it\\'s'", "'é😀'", "'a\\nb'",
        ])
        .prop_map(str::to_owned),
        1 => proptest::sample::select(vec!["(", ")", "[", "]", "{", "}", "\\", "#", "\n", "\t", "'", "\"", "😀", "é", "\u{0}", ""]).prop_map(str::to_owned),
    ];
    proptest::collection::vec(token, 0..8).prop_map(|tokens| tokens.join(" "))
}

fn scalar_of(text: impl Strategy<Value = String>) -> impl Strategy<Value = Yaml> {
    (text, style()).prop_map(|(text, style)| Yaml::Scalar(text, style))
}

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(VARIABLES).prop_map(str::to_owned),
        1 => "[a-zA-Z_][a-zA-Z0-9_ -]{0,8}",
        1 => proptest::sample::select(vec!["", "Math", "customer-segment", "<<", "? x", "- a", "a: b", "1"]).prop_map(str::to_owned),
    ]
}

/// A leaf of any shape: what a property holds when it holds the wrong thing.
fn junk() -> impl Strategy<Value = Yaml> {
    prop_oneof![
        4 => scalar_of(expression_text()),
        1 => scalar_of(word()),
        1 => proptest::sample::select(vec![
            "", "~", "null", "&a x", "*a", "!!str 1", "!!binary aGk=", "[", "{", "'", "\"", "|", ">",
            "- - -", ": :", "&b [1, *b]", "%YAML", "---", "...", "@x", "`x`",
        ])
        .prop_map(|s| Yaml::Raw(s.to_owned())),
        1 => (proptest::collection::vec(scalar_of(word()), 0..3), any::<bool>())
            .prop_map(|(items, flow)| Yaml::Seq(items, flow)),
        1 => (proptest::collection::vec((word(), scalar_of(word())), 0..3), any::<bool>())
            .prop_map(|(entries, flow)| Yaml::Map(entries, flow)),
    ]
}

const BLOCK_TYPES: &[&str] = &[
    "assign",
    "read_userdata",
    "write_userdata",
    "segmentation",
    "table_lookup",
    "route",
    "log",
    "finish",
];

const BLOCK_PROPERTIES: &[&str] = &[
    "id",
    "name",
    "next",
    "variable",
    "value",
    "read",
    "key",
    "when",
    "branches",
    "otherwise",
    "table",
    "columns",
    "found",
    "count",
    "target",
    "timeout",
    "priority",
    "message",
    "blocks",
];

const IDS: &[&str] = &["a", "b", "c", "route", "initialize_0", "a b", ""];

/// The value of block property `key`, usually of the right shape; `blocks` nests more blocks.
fn property(key: &'static str, blocks: BoxedStrategy<Yaml>) -> BoxedStrategy<Yaml> {
    let list_of_blocks = (
        proptest::collection::vec(blocks.clone(), 0..3),
        any::<bool>(),
    )
        .prop_map(|(items, flow)| Yaml::Seq(items, flow));
    let right = match key {
        "id" | "next" => scalar_of(proptest::sample::select(IDS).prop_map(str::to_owned)).boxed(),
        "variable" | "found" | "count" => scalar_of(word()).boxed(),
        "read" => (
            proptest::collection::vec((word(), scalar_of(word())), 0..4),
            any::<bool>(),
        )
            .prop_map(|(entries, flow)| Yaml::Map(entries, flow))
            .boxed(),
        "columns" => (
            proptest::collection::vec(
                (
                    proptest::sample::select(vec![
                        "Agent",
                        "Agent Group",
                        "Skill Expression",
                        "Nope",
                    ])
                    .prop_map(str::to_owned),
                    scalar_of(word()),
                ),
                0..4,
            ),
            any::<bool>(),
        )
            .prop_map(|(entries, flow)| Yaml::Map(entries, flow))
            .boxed(),
        "key" => prop_oneof![
            (
                proptest::collection::vec(scalar_of(expression_text()), 0..4),
                any::<bool>()
            )
                .prop_map(|(items, flow)| Yaml::Seq(items, flow)),
            scalar_of(expression_text()),
        ]
        .boxed(),
        "table" => scalar_of(
            proptest::sample::select(vec!["ROUTING", "RAGGED", "ROUTNG", "MISSING"])
                .prop_map(str::to_owned),
        )
        .boxed(),
        "target" => (
            proptest::collection::vec(
                (
                    proptest::sample::select(vec!["agent", "agent_group", "skill", "group"])
                        .prop_map(str::to_owned),
                    scalar_of(expression_text()),
                ),
                0..3,
            ),
            any::<bool>(),
        )
            .prop_map(|(entries, flow)| Yaml::Map(entries, flow))
            .boxed(),
        "branches" => {
            let branch = (
                scalar_of(expression_text()),
                list_of_blocks.clone(),
                proptest::option::of(junk()),
            )
                .prop_map(|(when, blocks, extra)| {
                    let mut entries =
                        vec![("when".to_owned(), when), ("blocks".to_owned(), blocks)];
                    if let Some(extra) = extra {
                        entries.push(("whne".to_owned(), extra));
                    }
                    Yaml::Map(entries, false)
                });
            (proptest::collection::vec(branch, 0..3), any::<bool>())
                .prop_map(|(items, flow)| Yaml::Seq(items, flow))
                .boxed()
        }
        "otherwise" | "blocks" => list_of_blocks.boxed(),
        _ => scalar_of(expression_text()).boxed(),
    };
    prop_oneof![6 => right, 1 => junk()].boxed()
}

/// The properties a block of type `kind` needs (or may have): a generated block has them, most of
/// the time, so that generated flows get past reading and into lowering.
fn own_properties(kind: &str) -> &'static [&'static str] {
    match kind {
        "assign" => &["variable", "value"],
        "read_userdata" => &["read"],
        "write_userdata" => &["key", "value"],
        "segmentation" => &["branches", "otherwise"],
        "table_lookup" => &["table", "key", "columns", "found", "count"],
        "route" => &["target", "timeout", "priority"],
        "log" => &["message"],
        _ => &[],
    }
}

fn block(depth: u32) -> BoxedStrategy<Yaml> {
    let nested = if depth == 0 {
        junk().boxed()
    } else {
        block(depth - 1)
    };
    let kind = prop_oneof![
        12 => proptest::sample::select(BLOCK_TYPES).prop_map(str::to_owned),
        1 => proptest::sample::select(vec!["rout", "custom", "", "Route"]).prop_map(str::to_owned),
    ];
    (kind, any::<bool>())
        .prop_flat_map(move |(kind, typical)| {
            let own = own_properties(&kind);
            let keys = (
                proptest::sample::subsequence(own, 0..=own.len()),
                proptest::sample::subsequence(BLOCK_PROPERTIES, 0..3),
            )
                .prop_map(move |(some_own, others)| {
                    let mut keys: Vec<&'static str> = if typical { own.to_vec() } else { some_own };
                    keys.extend(others);
                    keys
                });
            let nested = nested.clone();
            let properties = keys.prop_flat_map(move |keys| {
                keys.into_iter()
                    .map(|key| {
                        property(key, nested.clone()).prop_map(move |value| (key.to_owned(), value))
                    })
                    .collect::<Vec<_>>()
            });
            (Just(kind), style(), properties, any::<bool>(), 0..8u8)
        })
        .prop_map(|(kind, style, mut entries, flow, shape)| {
            if shape > 0 {
                entries.insert(0, ("type".to_owned(), Yaml::Scalar(kind, style)));
            }
            Yaml::Map(entries, flow && shape == 1)
        })
        .boxed()
}

fn blocks() -> impl Strategy<Value = Yaml> {
    proptest::collection::vec(block(2), 0..5).prop_map(|items| Yaml::Seq(items, false))
}

fn variables() -> impl Strategy<Value = Yaml> {
    let definition = prop_oneof![
        4 => proptest::collection::vec(
            (
                proptest::sample::select(vec!["default", "description", "secure", "trace", "defualt"])
                    .prop_map(str::to_owned),
                prop_oneof![3 => scalar_of(expression_text()), 1 => junk()],
            ),
            0..3,
        )
        .prop_map(|entries| Yaml::Map(entries, true)),
        1 => junk(),
    ];
    proptest::collection::vec((word(), definition), 0..6)
        .prop_map(|entries| Yaml::Map(entries, false))
}

fn tables() -> impl Strategy<Value = Yaml> {
    let file = proptest::sample::select(vec![
        "tables/ROUTING.csv",
        "tables/RAGGED.csv",
        "tables/UNTERMINATED_QUOTE.csv",
        "tables/NO_SEGMENT_COLUMN.csv",
        "tables/missing.csv",
        "tables",
        "",
    ])
    .prop_map(str::to_owned);
    let key = proptest::collection::vec(
        proptest::sample::select(vec![
            "Level1",
            "Level2",
            "Customer Segment",
            "Agent",
            "Nope",
            "",
        ])
        .prop_map(|s| Yaml::Scalar(s.to_owned(), Style::Double)),
        0..4,
    )
    .prop_map(|items| Yaml::Seq(items, true));
    let definition = prop_oneof![
        4 => (scalar_of(file), key).prop_map(|(file, key)| Yaml::Map(
            vec![("file".to_owned(), file), ("key".to_owned(), key)],
            false
        )),
        1 => junk(),
    ];
    proptest::collection::vec(
        (
            proptest::sample::select(vec!["ROUTING", "RAGGED", "Other"]).prop_map(str::to_owned),
            definition,
        ),
        0..3,
    )
    .prop_map(|entries| Yaml::Map(entries, false))
}

fn flow_document() -> impl Strategy<Value = String> {
    let phases = proptest::collection::vec(
        (
            prop_oneof![
                6 => proptest::sample::select(vec!["initialize", "assisted_service", "finalize"]),
                1 => Just("initialise"),
            ]
            .prop_map(str::to_owned),
            prop_oneof![8 => blocks().boxed(), 1 => junk().boxed()],
        ),
        0..4,
    )
    .prop_map(|entries| Yaml::Map(entries, false));
    let top = (
        proptest::option::weighted(0.9, scalar_of(word())),
        proptest::option::weighted(0.8, variables()),
        proptest::option::weighted(0.4, tables()),
        proptest::option::weighted(0.9, phases),
        proptest::option::weighted(0.1, junk()),
    );
    top.prop_map(|(application, variables, tables, phases, extra)| {
        let mut entries = Vec::new();
        for (key, value) in [
            ("application", application),
            ("variables", variables),
            ("tables", tables),
            ("phases", phases),
            ("extra", extra),
        ] {
            if let Some(value) = value {
                entries.push((key.to_owned(), value));
            }
        }
        document(&Yaml::Map(entries, false))
    })
}

/// 512 cases per property, or `PROPTEST_CASES` for a longer run.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok());
    ProptestConfig::with_cases(cases.unwrap_or(512))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        load_checked(&text);
    }

    #[test]
    fn yaml_like_text_never_panics(text in "[-:?{}\\[\\],&*!|>'\"%@`# \n\ta-z0-9\u{feff}é😀]{0,120}") {
        load_checked(&text);
    }

    #[test]
    fn generated_flows_never_panic(text in flow_document()) {
        load_checked(&text);
    }
}

/// The generator is worth something only if its documents reach every stage: some load, some fail
/// on YAML syntax, most fail in reading or lowering.
#[test]
fn generated_flows_reach_every_stage() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = flow_document();
    let (mut loaded, mut syntax, mut undeclared, mut block_types, mut unknown) = (0, 0, 0, 0, 0);
    for _ in 0..2000 {
        let text = strategy.new_tree(&mut runner).unwrap().current();
        let result = load_checked(&text);
        let messages = result.report.messages().join("\n");
        loaded += usize::from(result.flow.is_some());
        syntax += usize::from(messages.contains("YAML syntax"));
        undeclared += usize::from(messages.contains("undeclared variable"));
        block_types += usize::from(messages.contains("unknown block type"));
        unknown += usize::from(messages.contains("unknown property"));
    }
    if std::env::var("SHOW_SAMPLES").is_ok() {
        for _ in 0..5 {
            let text = strategy.new_tree(&mut runner).unwrap().current();
            eprintln!(
                "=====\n{text}\n----\n{}",
                load_checked(&text).report.render()
            );
        }
    }
    for (what, count) in [
        ("loaded", loaded),
        ("YAML syntax errors", syntax),
        ("undeclared variables", undeclared),
        ("unknown block types", block_types),
        ("unknown properties", unknown),
    ] {
        if std::env::var("SHOW_SAMPLES").is_ok() {
            eprintln!("{what}: {count}");
        }
        assert!(
            count >= 10,
            "only {count} of 2000 generated flows with {what}"
        );
    }
}

/// Deep nesting stops with an error, not a stack overflow, on a thread with the default stack.
#[test]
fn deeply_nested_flows_are_refused_not_overflowed() {
    for text in [
        "[".repeat(100_000),
        "{a: ".repeat(10_000),
        format!(
            "application: x\nphases:\n  initialize:\n  {}",
            "- ".repeat(10_000)
        ),
    ] {
        let loaded = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || load_checked(&text).report.errors())
            .unwrap()
            .join()
            .expect("no panic");
        assert!(loaded > 0);
    }
    // Segmentations nested as deep as a flow may be load; deeper ones are refused.
    for (levels, loads) in [(14, true), (40, false)] {
        let mut text =
            String::from("application: deep\nvariables:\n  a: {}\nphases:\n  initialize:\n");
        let mut indent = 4;
        for _ in 0..levels {
            let pad = " ".repeat(indent);
            let _ = write!(
                text,
                "{pad}- type: segmentation\n{pad}  branches:\n{pad}    - when: \"a == ''\"\n{pad}      blocks:\n"
            );
            indent += 8;
        }
        let _ = writeln!(text, "{}- type: finish", " ".repeat(indent));
        let loaded = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || load_checked(&text))
            .unwrap()
            .join()
            .expect("no panic");
        assert_eq!(loaded.flow.is_some(), loads, "{}", loaded.report.render());
        if !loads {
            assert!(loaded.report.render().contains("nested deeper than"));
        }
    }
}
