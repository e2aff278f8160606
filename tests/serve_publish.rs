//! Versioned publishing (SPEC §9.4, issue 16) over real HTTP on loopback: a bundle is checked as
//! `routeflow check` checks files (422 with every diagnostic as JSON) or becomes an immutable version that
//! new workitems run; workitems in flight keep theirs, across `kill -9` and a restart too; activating an
//! older version rolls back; `routeflow publish` sends local files and prints the server's diagnostics
//! against them.

mod serve_support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use serve_support::*;
use std::path::{Path, PathBuf};

/// A copy of the sample flow (and its table) in `dir`, to change.
fn sample_copy(dir: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("flows");
    std::fs::create_dir_all(dir.join("flows/tables")).expect("a directory");
    for file in ["gtr_sample.yaml", "tables/OPEN_MEDIA_ROUTING_CONFIG.csv"] {
        std::fs::copy(root.join(file), dir.join("flows").join(file)).expect("copied");
    }
    dir.join("flows/gtr_sample.yaml")
}

/// The sample with its skill Route block waiting `timeout_s` instead of 120 s.
fn with_skill_timeout(flow: &Path, timeout_s: u32) {
    let text = std::fs::read_to_string(flow).expect("the flow");
    let at = text.find("id: route_skill").expect("the skill Route block");
    let (before, after) = text.split_at(at);
    let after = after.replacen("timeout: 120", &format!("timeout: {timeout_s}"), 1);
    std::fs::write(flow, format!("{before}{after}")).expect("written");
}

/// A durable test-clock server on `flow` with data in `data`, once ready.
fn start(flow: &Path, data: &Path, dir: &Path, extra: &[&str]) -> Server {
    ready_server(flow, data, dir, extra)
}

/// Create a workitem asking for a skill: it waits in `route_skill`.
fn create(server: &Server, id: &str) -> Value {
    let body = json!({ "id": id, "userdata": { "GTR_level1": "Insurance", "caseNumber": id } });
    let reply = send(server, "POST", "/v1/workitems", CRM, Some(body));
    assert_eq!(reply.status(), StatusCode::CREATED);
    reply.json().expect("JSON")
}

fn get(server: &Server, path: &str) -> Value {
    ok(send(server, "GET", path, ADMIN, None))
}

/// `routeflow publish FLOW` into `server` with the admin token: exit code, stdout, stderr.
fn publish(server: &Server, flow: &Path, extra: &[&str]) -> (Option<i32>, String, String) {
    let base = server.url("");
    let mut command = routeflow();
    command
        .arg("publish")
        .arg(flow)
        .args(["--server", base.trim_end_matches('/')])
        .args(extra)
        .env("ROUTEFLOW_TOKEN", ADMIN);
    run(&mut command)
}

/// The bundle of `flow` (the sample's layout) as JSON, with `table` as its table's text.
fn bundle(flow_text: &str, table: &str) -> Value {
    json!({
        "flow": "gtr_sample.yaml",
        "files": {
            "gtr_sample.yaml": flow_text,
            "tables/OPEN_MEDIA_ROUTING_CONFIG.csv": table,
        }
    })
}

fn sample_texts() -> (String, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("flows");
    (
        std::fs::read_to_string(root.join("gtr_sample.yaml")).expect("the flow"),
        std::fs::read_to_string(root.join("tables/OPEN_MEDIA_ROUTING_CONFIG.csv"))
            .expect("the table"),
    )
}

#[test]
fn new_workitems_run_the_new_version_and_those_in_flight_keep_theirs_across_restarts() {
    let dir = tempfile::tempdir().expect("a directory");
    let flow = sample_copy(dir.path());
    let data = dir.path().join("data");
    let server = start(&flow, &data, dir.path(), &[]);
    let w1 = create(&server, "w1");
    assert_eq!(w1["flow"], json!({ "name": "gtr_sample", "version": 1 }));
    assert_eq!(w1["deadline_s"], 120.0);

    // Version 2 waits 30 s in the skill Route block.
    let v1_text = std::fs::read_to_string(&flow).expect("the flow");
    with_skill_timeout(&flow, 30);
    let (code, stdout, stderr) = publish(&server, &flow, &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout.trim(), "2");
    assert!(
        stderr.contains("published `gtr_sample` version 2 (sha256:"),
        "{stderr}"
    );
    // The same files again: the same version, nothing new.
    let (code, stdout, stderr) = publish(&server, &flow, &[]);
    assert_eq!((code, stdout.trim()), (Some(0), "2"), "{stderr}");
    assert!(stderr.contains("already published"), "{stderr}");

    let w2 = create(&server, "w2");
    assert_eq!(w2["flow"]["version"], 2);
    assert_eq!(w2["deadline_s"], 30.0);

    // Killed and started again on the first version's file: it is version 1 (not new), and does
    // not take the place of the active version 2.
    kill_9(server);
    std::fs::write(&flow, &v1_text).expect("written");
    let server = start(&flow, &data, dir.path(), &[]);
    let w1 = get(&server, "/v1/workitems/w1");
    assert_eq!(
        (w1["flow"]["version"].clone(), w1["deadline_s"].clone()),
        (json!(1), json!(120.0))
    );
    let w2 = get(&server, "/v1/workitems/w2");
    assert_eq!(
        (w2["flow"]["version"].clone(), w2["deadline_s"].clone()),
        (json!(2), json!(30.0))
    );
    assert_eq!(create(&server, "w3")["flow"]["version"], 2);

    // Roll back: new workitems run version 1 again, those in flight keep theirs.
    let flows = ok(send(
        &server,
        "POST",
        "/v1/flows/gtr_sample/versions/1/activate",
        ADMIN,
        None,
    ));
    assert_eq!(flows["active"], 1);
    let w4 = create(&server, "w4");
    assert_eq!(
        (w4["flow"]["version"].clone(), w4["deadline_s"].clone()),
        (json!(1), json!(120.0))
    );

    kill_9(server);
    let server = start(&flow, &data, dir.path(), &[]);
    let listed = get(&server, "/v1/flows/gtr_sample");
    assert_eq!(listed["active"], 1);
    assert_eq!(listed["default"], true);
    let versions = listed["versions"].as_array().expect("versions");
    assert_eq!(versions.len(), 2);
    let running: Vec<&Value> = versions.iter().map(|v| &v["running"]).collect();
    assert_eq!(running, [&json!(2), &json!(2)]);
    assert_eq!(create(&server, "w5")["flow"]["version"], 1);
    // Their deadlines still fire as each version says: w2 and w3 leave route_skill at 30 s.
    ok(send(
        &server,
        "POST",
        "/v1/clock/advance",
        ADMIN,
        Some(json!({ "by_s": 31 })),
    ));
    for (id, block) in [("w1", "route_skill"), ("w2", "route_group")] {
        let view = get(&server, &format!("/v1/workitems/{id}"));
        assert_ne!(view["state"], "error", "{view}");
        if block == "route_skill" {
            assert_eq!(view["block"], block, "{view}");
        } else {
            assert_ne!(view["block"], "route_skill", "{view}");
        }
    }
    // A version's bundle is kept as it was published.
    let kept = get(&server, "/v1/flows/gtr_sample/versions/2");
    assert!(
        kept["files"]["gtr_sample.yaml"]
            .as_str()
            .expect("text")
            .contains("timeout: 30")
    );
}

#[test]
fn a_bundle_that_does_not_check_is_refused_with_every_diagnostic_and_nothing_changes() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = live_server(dir.path(), &[]);
    let (flow, table) = sample_texts();
    let broken_flow = flow.replacen("timeout: 120", "timeout: soon", 1);
    let broken_table = format!("{table}x\n");
    let reply = send(
        &server,
        "PUT",
        "/v1/flows/gtr_sample",
        ADMIN,
        Some(bundle(&broken_flow, &broken_table)),
    );
    let body = problem(reply, StatusCode::UNPROCESSABLE_ENTITY);
    let diagnostics = body["diagnostics"].as_array().expect("diagnostics");
    assert!(diagnostics.len() >= 2, "{body}");
    let files: Vec<&str> = diagnostics
        .iter()
        .map(|d| d["file"].as_str().expect("a file"))
        .collect();
    assert!(files.contains(&"gtr_sample.yaml"), "{body}");
    assert!(
        files.contains(&"tables/OPEN_MEDIA_ROUTING_CONFIG.csv"),
        "{body}"
    );
    for diagnostic in diagnostics {
        assert_eq!(diagnostic["severity"], "error");
        assert!(
            diagnostic["line"].as_u64().is_some_and(|line| line > 0),
            "{diagnostic}"
        );
        assert!(
            diagnostic["col"].as_u64().is_some_and(|col| col > 0),
            "{diagnostic}"
        );
        assert!(diagnostic["message"].is_string(), "{diagnostic}");
    }
    let in_block = diagnostics
        .iter()
        .find(|d| d["file"] == "gtr_sample.yaml")
        .expect("the flow's");
    assert!(in_block["help"].is_string(), "{in_block}");
    // Nothing was published.
    let listed = get(&server, "/v1/flows");
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    assert_eq!(listed[0]["versions"].as_array().map(Vec::len), Some(1));

    // Published under another name than its application's: refused at `application:`.
    let reply = send(
        &server,
        "PUT",
        "/v1/flows/other",
        ADMIN,
        Some(bundle(&flow, &table)),
    );
    let body = problem(reply, StatusCode::UNPROCESSABLE_ENTITY);
    let diagnostic = &body["diagnostics"][0];
    assert_eq!(diagnostic["file"], "gtr_sample.yaml");
    assert!(
        diagnostic["message"]
            .as_str()
            .is_some_and(|m| m.contains("cannot be published as `other`")),
        "{body}"
    );
    assert_eq!(diagnostic["line"], 4, "{body}");

    // A file the flow names and the bundle lacks.
    let reply = send(
        &server,
        "PUT",
        "/v1/flows/gtr_sample",
        ADMIN,
        Some(json!({ "flow": "gtr_sample.yaml", "files": { "gtr_sample.yaml": flow } })),
    );
    let body = problem(reply, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.to_string().contains("not in the bundle"), "{body}");
}

#[test]
fn publishing_errors_are_problems() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = live_server(dir.path(), &["--max-body", "4096"]);
    let (flow, table) = sample_texts();
    let small = bundle("application: gtr_sample\nphases: {}\n", "");
    // No token, a token of another role.
    let reply = client()
        .put(server.url("/v1/flows/gtr_sample"))
        .json(&small)
        .send()
        .expect("a reply");
    problem(reply, StatusCode::UNAUTHORIZED);
    for token in [CRM, ALICE, VIEWER] {
        let reply = send(
            &server,
            "PUT",
            "/v1/flows/gtr_sample",
            token,
            Some(small.clone()),
        );
        problem(reply, StatusCode::FORBIDDEN);
        let reply = send(
            &server,
            "POST",
            "/v1/flows/gtr_sample/versions/1/activate",
            token,
            None,
        );
        problem(reply, StatusCode::FORBIDDEN);
    }
    problem(
        send(&server, "GET", "/v1/flows", ALICE, None),
        StatusCode::FORBIDDEN,
    );
    // Larger than --max-body.
    let reply = send(
        &server,
        "PUT",
        "/v1/flows/gtr_sample",
        ADMIN,
        Some(bundle(&flow, &table)),
    );
    problem(reply, StatusCode::PAYLOAD_TOO_LARGE);
    // Not a bundle.
    for body in [
        json!({ "flow": "f.yaml" }),
        json!({ "flow": "f.yaml", "files": {}, "extra": 1 }),
        json!({ "flow": 3, "files": {} }),
        json!([]),
    ] {
        let reply = send(&server, "PUT", "/v1/flows/gtr_sample", ADMIN, Some(body));
        problem(reply, StatusCode::UNPROCESSABLE_ENTITY);
    }
    // Unknown flows and versions.
    for path in [
        "/v1/flows/nope",
        "/v1/flows/gtr_sample/versions/2",
        "/v1/flows/gtr_sample/versions/0",
        "/v1/flows/gtr_sample/versions/x",
        "/v1/flows/nope/versions/1",
    ] {
        problem(
            send(&server, "GET", path, ADMIN, None),
            StatusCode::NOT_FOUND,
        );
    }
    for path in [
        "/v1/flows/gtr_sample/versions/2/activate",
        "/v1/flows/gtr_sample/versions/99999999999/activate",
        "/v1/flows/nope/versions/1/activate",
    ] {
        problem(
            send(&server, "POST", path, ADMIN, None),
            StatusCode::NOT_FOUND,
        );
    }
    // A workitem asking for a flow that is not published.
    let reply = send(
        &server,
        "POST",
        "/v1/workitems",
        CRM,
        Some(json!({ "userdata": {}, "flow": "nope" })),
    );
    let body = problem(reply, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["field"], "/flow");
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("gtr_sample")),
        "{body}"
    );
}

#[test]
fn a_second_flow_runs_the_workitems_that_name_it() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = live_server(dir.path(), &[]);
    let vip = Path::new(env!("CARGO_MANIFEST_DIR")).join("flows/gtr_vip.yaml");
    let (code, stdout, stderr) = publish(&server, &vip, &[]);
    assert_eq!((code, stdout.trim()), (Some(0), "1"), "{stderr}");
    let reply = send(
        &server,
        "POST",
        "/v1/workitems",
        CRM,
        Some(json!({ "id": "v", "flow": "gtr_vip", "userdata": { "GTR_level1": "Insurance" } })),
    );
    let view: Value = ok(reply);
    assert_eq!(view["flow"], json!({ "name": "gtr_vip", "version": 1 }));
    let plain = create(&server, "p");
    assert_eq!(plain["flow"]["name"], "gtr_sample");
    let listed = get(&server, "/v1/flows");
    let names: Vec<&str> = listed
        .as_array()
        .expect("flows")
        .iter()
        .map(|f| f["name"].as_str().expect("a name"))
        .collect();
    assert_eq!(names, ["gtr_sample", "gtr_vip"]);
    // The OpenAPI document lets a new workitem name either.
    let doc = get(&server, "/openapi.json");
    let allowed = &doc["components"]["schemas"]["CreateWorkitem"]["properties"]["flow"]["enum"];
    assert_eq!(allowed, &json!(["gtr_sample", "gtr_vip", null]));
}

#[test]
fn publish_prints_the_server_s_diagnostics_against_the_local_files() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = live_server(dir.path(), &[]);
    let flow = sample_copy(dir.path());
    let table = dir
        .path()
        .join("flows/tables/OPEN_MEDIA_ROUTING_CONFIG.csv");
    let mut text = std::fs::read_to_string(&table).expect("the table");
    text.push_str("x\n");
    std::fs::write(&table, text).expect("written");
    let (code, stdout, stderr) = publish(&server, &flow, &[]);
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(stdout, "");
    let local = format!("{}:5:1: error: wrong number of fields", table.display());
    assert!(stderr.contains(&local), "{stderr}");
    assert!(
        stderr.contains("invalid: 1 error (refused by the server)"),
        "{stderr}"
    );
    // Without a token, or with a wrong one: said, exit 1.
    let mut command = routeflow();
    command
        .arg("publish")
        .arg(&flow)
        .args(["--server", server.url("").trim_end_matches('/')])
        .env_remove("ROUTEFLOW_TOKEN");
    let (code, _, stderr) = run(&mut command);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("give an admin token"), "{stderr}");
    let (code, _, stderr) = publish(&server, &flow, &["--token", "wrong"]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("401"), "{stderr}");
}

#[test]
fn a_journaled_version_that_no_longer_loads_stops_the_start() {
    let dir = tempfile::tempdir().expect("a directory");
    let flow = sample_copy(dir.path());
    let data = dir.path().join("data");
    let server = start(&flow, &data, dir.path(), &[]);
    create(&server, "w1");
    kill_9(server);
    // As a newer routeflow might find a version an older one took: its workitems cannot go on.
    let journal = rusqlite::Connection::open(data.join("journal.sqlite")).expect("opens");
    let (seq, text): (i64, String) = journal
        .query_row(
            "SELECT seq, data FROM entries WHERE kind = 'publish'",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .expect("the publication is journaled");
    let mut change: Value = serde_json::from_str(&text).expect("JSON");
    change["bundle"]["files"]["gtr_sample.yaml"] = json!("application: gtr_sample\nphases: 3\n");
    journal
        .execute(
            "UPDATE entries SET data = ?1 WHERE seq = ?2",
            rusqlite::params![change.to_string(), seq],
        )
        .expect("updated");
    drop(journal);
    let args = test_clock_args(dir.path(), &[]);
    let (code, _, stderr) = run(serve_flow(&flow, Path::new(CENTER), &data).args(&args));
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains(&format!(
            "entry {seq} publishes a flow version that no longer loads"
        )),
        "{stderr}"
    );
}
