//! `routeflow render` and `routeflow schema`, through the binary.

use std::process::{Command, Output};

fn routeflow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_routeflow"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("routeflow runs")
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[test]
fn sample_as_dot() {
    insta::assert_snapshot!(stdout(&routeflow(&[
        "render",
        "flows/gtr_sample.yaml",
        "--format",
        "dot"
    ])));
}

#[test]
fn sample_as_mermaid() {
    insta::assert_snapshot!(stdout(&routeflow(&[
        "render",
        "flows/gtr_sample.yaml",
        "--format",
        "mermaid"
    ])));
}

#[test]
fn sample_as_svg_draws_every_block_and_branch() {
    let svg = stdout(&routeflow(&[
        "render",
        "flows/gtr_sample.yaml",
        "--format",
        "svg",
    ]));
    assert!(svg.contains("<svg") && svg.trim_end().ends_with("</svg>"));
    // Long lines are wrapped: read the text of the picture line after line.
    let words: Vec<&str> = svg
        .split("</text>")
        .filter_map(|part| part.rsplit_once('>').map(|(_, text)| text))
        .collect();
    let words = words.join(" ");
    for text in [
        "Read variables from interaction userdata",
        "If no Agent, Skill or Agent Group provided with an interaction",
        "Read by Level1/Level2/Customer Segment from Data Table",
        "Read defaults from Data Table",
        "Route to the requested Agent",
        "Route to the default Agent Group",
        "end of Assisted Service",
        "routed",
        "after 120 s",
        "requestedAgent != &apos;&apos;",
    ] {
        assert!(words.contains(text), "the SVG lacks {text:?}");
    }
}

#[test]
fn readme_shows_the_sample_as_render_draws_it() {
    let mermaid = stdout(&routeflow(&[
        "render",
        "flows/gtr_sample.yaml",
        "--format",
        "mermaid",
    ]));
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let expected = format!("```mermaid\n{mermaid}```");
    assert!(
        readme.contains(&expected),
        "README.md's Mermaid diagram is not what `routeflow render flows/gtr_sample.yaml --format mermaid` prints; update it"
    );
}

#[test]
fn render_writes_to_a_file() {
    let out = std::env::temp_dir().join(format!("routeflow-render-{}.dot", std::process::id()));
    let output = routeflow(&[
        "render",
        "flows/gtr_sample.yaml",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success());
    let written = std::fs::read_to_string(&out).unwrap();
    let _ = std::fs::remove_file(&out);
    assert!(written.starts_with("digraph \"gtr_sample\""));
}

#[test]
fn an_invalid_flow_is_not_drawn() {
    let path = std::env::temp_dir().join(format!(
        "routeflow-render-invalid-{}.yaml",
        std::process::id()
    ));
    std::fs::write(&path, "application: x\nphases:\n  initialize:\n    - type: assign\n      variable: nope\n      value: '1'\n").unwrap();
    let output = routeflow(&["render", path.to_str().unwrap()]);
    let _ = std::fs::remove_file(&path);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("assignment to undeclared variable `nope`")
    );
}

/// Script and custom blocks are drawn like the built-ins: a block that chooses among outputs is a
/// decision, each output a labelled edge; a custom block shows its type.
#[test]
fn script_and_custom_blocks_are_drawn_with_their_outputs() {
    insta::assert_snapshot!(stdout(&routeflow(&[
        "render",
        "tests/render_cases/extensions.yaml",
        "--format",
        "mermaid"
    ])));
}

/// Editors validate custom blocks too: any type but the built-ins, one value per property, `outputs`
/// holding blocks; a built-in block keeps its own strict schema.
#[test]
fn schema_accepts_blocks_of_custom_types() {
    let schema: serde_json::Value = serde_json::from_str(&stdout(&routeflow(&["schema"]))).unwrap();
    let variants = schema["$defs"]["BlockDef"]["oneOf"]
        .as_array()
        .expect("block variants");
    let custom = variants
        .iter()
        .find(|v| v["properties"]["type"].get("not").is_some())
        .expect("a variant for custom types");
    let excluded: Vec<&str> = custom["properties"]["type"]["not"]["enum"]
        .as_array()
        .expect("the built-in names")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(
        excluded,
        [
            "assign",
            "read_userdata",
            "write_userdata",
            "segmentation",
            "table_lookup",
            "route",
            "log",
            "script",
            "finish"
        ]
    );
    assert_eq!(
        custom["properties"]["outputs"]["additionalProperties"]["items"]["$ref"],
        "#/$defs/BlockDef"
    );
}

#[test]
fn schema_describes_every_block_type_and_property() {
    let schema: serde_json::Value = serde_json::from_str(&stdout(&routeflow(&["schema"]))).unwrap();
    let text = schema.to_string();
    for word in [
        "application",
        "variables",
        "tables",
        "phases",
        "initialize",
        "assisted_service",
        "finalize",
        "assign",
        "read_userdata",
        "write_userdata",
        "segmentation",
        "table_lookup",
        "route",
        "log",
        "script",
        "file",
        "outputs",
        "extensions",
        "script_limits",
        "operations",
        "call_depth",
        "finish",
        "branches",
        "otherwise",
        "when",
        "agent_group",
        "timeout",
        "priority",
        "found",
        "count",
    ] {
        assert!(
            text.contains(&format!("\"{word}\"")),
            "the schema lacks {word}"
        );
    }
}

/// `schema --center` describes center files: every property the shipped center uses is in it, and no
/// other is allowed.
#[test]
fn the_center_schema_covers_the_shipped_center() {
    let schema: serde_json::Value =
        serde_json::from_str(&stdout(&routeflow(&["schema", "--center"]))).unwrap();
    assert_eq!(schema["required"], serde_json::json!(["agents"]));
    assert_eq!(schema["additionalProperties"], false);
    let agent = &schema["$defs"]["Agent"];
    assert_eq!(agent["additionalProperties"], false);
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/flows/center.yaml"))
        .expect("the shipped center");
    let center: serde_yaml::Value = serde_yaml::from_str(&text).expect("YAML");
    for (key, _) in center.as_mapping().expect("a mapping") {
        let key = key.as_str().expect("text");
        assert!(schema["properties"].get(key).is_some(), "{key}");
    }
    for each in center["agents"].as_sequence().expect("agents") {
        for (key, _) in each.as_mapping().expect("an agent") {
            let key = key.as_str().expect("text");
            assert!(agent["properties"].get(key).is_some(), "{key}");
        }
    }
}

/// Flows the earlier layout (layout-rs) refused are drawn: 501 blocks in a row, 24 chained
/// Segmentations (exponential work for it), 80 chained Route blocks (their `routed` edges crossing
/// every rank below). How long the largest take is in docs/performance.md, not timed here.
#[test]
fn flows_the_old_layout_refused_are_drawn() {
    let dir = tempfile::tempdir().unwrap();
    let mut long = String::from(
        "application: long\nvariables:\n  v: { default: \"'x'\" }\nphases:\n  initialize:\n",
    );
    for i in 0..=500 {
        long.push_str(&format!(
            "    - {{ id: a{i}, type: assign, variable: v, value: \"v\" }}\n"
        ));
    }
    let mut segmentations =
        String::from("application: s\nvariables:\n  v: {}\nphases:\n  initialize:\n");
    for i in 0..24 {
        segmentations.push_str(&format!(
            "    - id: s{i}\n      type: segmentation\n      branches:\n        - when: \"v == '{i}'\"\n          blocks:\n            - {{ id: a{i}, type: assign, variable: v, value: \"'x'\" }}\n"
        ));
    }
    let mut routes = String::from("application: r\nphases:\n  assisted_service:\n");
    for i in 0..80 {
        routes.push_str(&format!(
            "    - {{ id: r{i}, type: route, target: {{ agent_group: \"'g'\" }} }}\n"
        ));
    }
    for (name, flow, last) in [
        ("long.yaml", long, "a500"),
        ("segmentations.yaml", segmentations, "s23"),
        ("routes.yaml", routes, "r79"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, flow).unwrap();
        let svg = stdout(&routeflow(&[
            "render",
            path.to_str().unwrap(),
            "--format",
            "svg",
        ]));
        assert!(svg.contains(&format!("data-block=\"{last}\"")), "{name}");
        assert!(svg.trim_end().ends_with("</svg>"), "{name}");
    }
}
