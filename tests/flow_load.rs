//! Loading flows through the library (`routeflow::flow::load_str`): what the golden `check` corpus
//! cannot show, such as the ids and the shape of a flow that loads.

use routeflow::flow::{Loaded, load_str};
use std::path::Path;

fn load(text: &str) -> Loaded {
    load_str("flow.yaml", text, Path::new("."))
}

/// The ids of the blocks of a flow that must load without any diagnostic.
fn block_ids(text: &str) -> Vec<String> {
    let loaded = load(text);
    assert!(loaded.report.is_empty(), "{}", loaded.report.render());
    let flow = loaded.flow.expect("the flow loads");
    let mut ids: Vec<String> = flow.graph.blocks().map(|(_, b)| b.id.to_string()).collect();
    ids.sort();
    ids
}

#[test]
fn a_generated_id_never_takes_an_id_given_further_on() {
    let ids = block_ids(
        "\
application: ids
variables:
  level1: {}
phases:
  initialize:
    - type: assign
      variable: level1
      value: \"'Insurance'\"
    - id: initialize_0
      type: assign
      variable: level1
      value: \"'Banking'\"
",
    );
    assert_eq!(ids, ["initialize_0", "initialize_0_"]);
}

#[test]
fn generated_ids_follow_the_block_place() {
    let ids = block_ids(
        "\
application: ids
variables:
  level1: {}
phases:
  initialize:
    - id: classify
      type: segmentation
      branches:
        - when: \"level1 == ''\"
          blocks:
            - type: assign
              variable: level1
              value: \"'Insurance'\"
      otherwise:
        - type: log
          message: level1
  assisted_service:
    - type: route
      target: { agent_group: \"'workitems'\" }
",
    );
    assert_eq!(
        ids,
        [
            "assisted_service_0",
            "classify",
            "classify_b0_0",
            "classify_else_0"
        ]
    );
}

fn messages(text: &str) -> Vec<String> {
    load(text).report.messages()
}

fn skill_route(target: &str) -> String {
    format!(
        "application: skills\nvariables:\n  english: {{}}\n  skillExpression: {{}}\nphases:\n  assisted_service:\n    - id: route_skill\n      type: route\n      target: {{ skill: {target} }}\n"
    )
}

#[test]
fn an_unquoted_skill_expression_is_one_error_that_says_so() {
    assert_eq!(
        messages(&skill_route("spanish > 3")),
        ["this looks like a skill expression written without quotes"]
    );
}

#[test]
fn a_misspelt_variable_in_a_skill_target_is_still_an_undeclared_variable() {
    assert_eq!(
        messages(&skill_route("skilExpression")),
        ["undeclared variable `skilExpression`"]
    );
}

#[test]
fn an_unquoted_skill_expression_over_declared_variables_still_says_so() {
    // `english > 3` compiles when `english` is a variable, but a comparison always gives a boolean,
    // never the string a skill target needs: the same one error, at load rather than per workitem.
    assert_eq!(
        messages(&skill_route("english > 3")),
        ["this looks like a skill expression written without quotes"]
    );
}

#[test]
fn a_skill_target_of_a_string_expression_is_computed() {
    // A variable, or text built from one, may hold a skill expression: checked when the flow runs.
    assert_eq!(
        messages(&skill_route("skillExpression")),
        Vec::<String>::new()
    );
    assert_eq!(
        messages(&skill_route("\"english + ' > 3'\"")),
        Vec::<String>::new()
    );
}
