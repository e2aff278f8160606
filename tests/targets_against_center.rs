//! Route targets checked against a center (issue 13): every literal agent, group and skill name a
//! flow's targets may use — in the flow, or in a table cell that reaches a target — that no agent of the
//! center has is a warning with a did-you-mean, from `check --center`, and once per run from `replay`,
//! `run` and `test`.

use std::process::{Command, Output};

const FLOW: &str = "tests/center_checks/flow.yaml";
const CENTER: &str = "tests/center_checks/center.yaml";

fn routeflow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_routeflow"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("routeflow runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The warning headers about names the center does not have.
fn unknown_names(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.contains(": warning: no agent"))
        .collect()
}

#[test]
fn check_with_a_center_warns_about_every_name_it_lacks() {
    let output = routeflow(&["check", FLOW, "--center", CENTER]);
    assert_eq!(output.status.code(), Some(0), "warnings only");
    insta::assert_snapshot!(stderr(&output));
}

#[test]
fn without_a_center_nothing_is_compared() {
    let output = routeflow(&["check", FLOW]);
    assert!(unknown_names(&stderr(&output)).is_empty());
    assert_eq!(
        stderr(&output),
        "tests/center_checks/flow.yaml: ok: 10 blocks, 5 variables, 1 table\n"
    );
}

#[test]
fn a_center_with_every_name_gives_no_warning() {
    let dir = tempfile::tempdir().unwrap();
    let center = dir.path().join("center.yaml");
    std::fs::write(
        &center,
        "agents:\n  - { id: alice, groups: [gold_group, gold_grop, silver_group, overflw, workitems], \
         skills: { english: 1, englsh: 1, spanish: 1, frnch: 1 } }\n  - { id: alcie }\n  - { id: bobb }\n",
    )
    .unwrap();
    let output = routeflow(&["check", FLOW, "--center", center.to_str().unwrap()]);
    assert!(
        unknown_names(&stderr(&output)).is_empty(),
        "{}",
        stderr(&output)
    );
}

#[test]
fn replay_and_run_warn_once_before_they_run() {
    let dir = tempfile::tempdir().unwrap();
    let workitems = dir.path().join("w.jsonl");
    std::fs::write(
        &workitems,
        "{\"id\":\"a\",\"userdata\":{}}\n{\"id\":\"b\",\"userdata\":{}}\n",
    )
    .unwrap();
    let replay = routeflow(&[
        "replay",
        FLOW,
        "--center",
        CENTER,
        "--workitems",
        workitems.to_str().unwrap(),
    ]);
    assert!(replay.status.success(), "{}", stderr(&replay));
    let expected = unknown_names(&stderr(&routeflow(&["check", FLOW, "--center", CENTER])))
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
    assert_eq!(expected.len(), 7);
    assert_eq!(unknown_names(&stderr(&replay)), expected);
    let run = routeflow(&["run", FLOW, "--center", CENTER]);
    assert_eq!(unknown_names(&stderr(&run)), expected);
    // Without a center, `run` has nothing to compare with.
    let alone = routeflow(&["run", FLOW]);
    assert!(unknown_names(&stderr(&alone)).is_empty());
}

#[test]
fn test_warns_once_per_flow_and_center_however_many_suites_use_them() {
    let dir = tempfile::tempdir().unwrap();
    let root = env!("CARGO_MANIFEST_DIR");
    for name in ["one", "two"] {
        std::fs::write(
            dir.path().join(format!("{name}.yaml")),
            format!(
                "flow: {root}/{FLOW}\ncenter: {root}/{CENTER}\ncases:\n  - name: {name}\n    \
                 workitems: [{{ id: w, userdata: {{}} }}]\n    expect: [{{ id: w }}]\n"
            ),
        )
        .unwrap();
    }
    let output = routeflow(&["test", dir.path().to_str().unwrap()]);
    let stderr = stderr(&output);
    assert_eq!(unknown_names(&stderr).len(), 7, "{stderr}");
    assert!(output.status.success(), "{stderr}");
}
