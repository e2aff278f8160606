//! Table cells are checked like flow text (issue 13): a column whose values reach a Route block's skill
//! target must hold skill expressions, one converted into a timeout or priority numbers; the shipped
//! sample's `Skill Expression` column is checked this way.

use routeflow::flow::load_with;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/flows/gtr_sample.yaml");

/// Load the sample with its routing table replaced by `csv`: every message, and whether it loaded.
fn sample_with_table(csv: &str) -> (String, bool) {
    let dir = tempfile::tempdir().expect("temp dir");
    let table = dir.path().join("routing.csv");
    std::fs::write(&table, csv).expect("write");
    let tables: HashMap<String, PathBuf> = [("OPEN_MEDIA_ROUTING_CONFIG".to_owned(), table)].into();
    let loaded = load_with(Path::new(SAMPLE), &tables);
    (loaded.report.render(), loaded.flow.is_some())
}

const HEADER: &str = "Level1,Level2,Customer Segment,Agent,Skill Expression,Agent Group\n";

#[test]
fn the_sample_checks_every_cell_of_its_skill_expression_column() {
    let csv = format!(
        "{HEADER}Insurance,Health,Bronze,,'english' > 3,bronze_group\n\
         Insurance,Health,Gold,,'home' >> 8,gold_group\n\
         _ANY-LEVEL1_,_ANY-LEVEL2_,_ANY-SEGMENT_,,'english' > 1,workitems\n"
    );
    let (report, loaded) = sample_with_table(&csv);
    assert!(!loaded, "{report}");
    assert!(
        report.contains("routing.csv:3:31: error: skill expression: unknown comparison operator `>>` (block `route_skill`)"),
        "{report}"
    );
    assert!(
        report.contains(
            "column `Skill Expression` of table `OPEN_MEDIA_ROUTING_CONFIG` fills `defaultSkillExpression`, \
             which reaches the skill target of Route block `route_skill` through `skillExpression`"
        ),
        "{report}"
    );
}

#[test]
fn the_shipped_table_and_empty_cells_pass() {
    let shipped = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("flows/tables/OPEN_MEDIA_ROUTING_CONFIG.csv"),
    )
    .expect("the sample's table");
    let (report, loaded) = sample_with_table(&shipped);
    assert!(loaded && report.is_empty(), "{report}");
    let csv = format!("{HEADER}Insurance,Health,Bronze,alice,,\n");
    let (report, loaded) = sample_with_table(&csv);
    assert!(loaded && report.is_empty(), "{report}");
}

#[test]
fn a_column_not_reaching_a_skill_target_is_not_read_as_one() {
    // `Agent Group` reaches an agent_group target: any text is a group name.
    let csv = format!("{HEADER}Insurance,Health,Bronze,,'english' > 3,'a' >> b\n");
    let (report, loaded) = sample_with_table(&csv);
    assert!(loaded && report.is_empty(), "{report}");
}

#[test]
fn many_bad_cells_are_reported_twenty_at_a_time_then_counted() {
    let mut csv = HEADER.to_owned();
    for i in 0..25 {
        csv.push_str(&format!("L{i},x,y,,english >,g\n"));
    }
    let (report, loaded) = sample_with_table(&csv);
    assert!(!loaded);
    assert_eq!(
        report.matches(": error: skill expression: ").count(),
        20,
        "{report}"
    );
    assert!(
        report.contains("routing.csv:22:10: error: 5 more cells of column `Skill Expression` are not skill expressions (block `route_skill`)"),
        "{report}"
    );
}
