//! Data tables (SPEC §3.2, §8): reading CSV, looking rows up by compound key, and the errors a bad file gets.

use proptest::prelude::*;
use routeflow::diagnostic::{SourceFile, render};
use routeflow::table::{Column, DataTable};

const ROUTING_KEY: [&str; 3] = ["Level1", "Level2", "Customer Segment"];

/// `OPEN_MEDIA_ROUTING_CONFIG` with the rows the Genesys guide publishes.
const ROUTING: &str = "\
Level1,Level2,Customer Segment,Agent,Skill Expression,Agent Group
Insurance,Health,Bronze,,'english' > 3,bronze_group
Insurance,Health,Gold,,'english' > 7,gold_group
_ANY-LEVEL1_,_ANY-LEVEL2_,_ANY-SEGMENT_,,'english' > 1,workitems
";

fn load_bytes(bytes: &[u8], key: &[&str]) -> DataTable {
    let (file, table) =
        DataTable::from_bytes("OPEN_MEDIA_ROUTING_CONFIG", "routing.csv", bytes, key);
    table.unwrap_or_else(|errors| panic!("the table should load:\n{}", rendered(&errors, &file)))
}

fn load(text: &str, key: &[&str]) -> DataTable {
    load_bytes(text.as_bytes(), key)
}

fn rendered(errors: &[routeflow::diagnostic::Diagnostic], file: &SourceFile) -> String {
    errors
        .iter()
        .map(|error| render(error, file))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every diagnostic for `bytes`, which must not load, rendered in order.
fn errors_bytes(bytes: &[u8], key: &[&str]) -> String {
    let (file, table) =
        DataTable::from_bytes("OPEN_MEDIA_ROUTING_CONFIG", "routing.csv", bytes, key);
    match table {
        Ok(table) => panic!(
            "{:?} should not load, got {table:?}",
            String::from_utf8_lossy(bytes)
        ),
        Err(errors) => {
            assert!(!errors.is_empty());
            for error in &errors {
                assert!(error.help.is_some(), "no help in {error:?}");
                assert!(
                    error.span.end as usize <= file.text().len(),
                    "span past the end: {error:?}"
                );
            }
            rendered(&errors, &file)
        }
    }
}

fn errors(text: &str, key: &[&str]) -> String {
    errors_bytes(text.as_bytes(), key)
}

fn column(table: &DataTable, name: &str) -> Column {
    table
        .column(name)
        .unwrap_or_else(|| panic!("no column {name:?}"))
}

/// The values of every row `key` finds, in order.
fn found(table: &DataTable, key: &[&str]) -> Vec<Vec<String>> {
    table
        .lookup(key)
        .map(|row| row.values().map(str::to_owned).collect())
        .collect()
}

// ---------------------------------------------------------------------------------------------------------
// The reference table

#[test]
fn the_reference_table_loads_with_its_published_rows() {
    let table = load(ROUTING, &ROUTING_KEY);
    assert_eq!(table.name(), "OPEN_MEDIA_ROUTING_CONFIG");
    assert_eq!(
        table.columns().collect::<Vec<_>>(),
        [
            "Level1",
            "Level2",
            "Customer Segment",
            "Agent",
            "Skill Expression",
            "Agent Group"
        ]
    );
    assert_eq!(table.rows(), 3);
    assert_eq!(table.distinct_keys(), 3);
    let names: Vec<&str> = table.key().iter().map(|&c| table.column_name(c)).collect();
    assert_eq!(names, ROUTING_KEY);

    let row = table
        .lookup(&["Insurance", "Health", "Gold"])
        .single()
        .expect("one Gold row");
    assert_eq!(row.get(column(&table, "Agent")), "");
    // The quote and `>` of a skill expression come back exactly as written.
    assert_eq!(row.get(column(&table, "Skill Expression")), "'english' > 7");
    assert_eq!(row.get(column(&table, "Agent Group")), "gold_group");
    assert_eq!(row.id().index(), 1);
    assert_eq!(
        table.row(row.id()).get(column(&table, "Customer Segment")),
        "Gold"
    );
}

#[test]
fn every_published_row_round_trips_exactly() {
    let table = load(ROUTING, &ROUTING_KEY);
    let rows: Vec<String> = table
        .iter()
        .map(|row| row.values().collect::<Vec<_>>().join(","))
        .collect();
    assert_eq!(rows, ROUTING.lines().skip(1).collect::<Vec<_>>());
}

#[test]
fn the_default_row_is_an_ordinary_row_found_only_by_its_own_key() {
    let table = load(ROUTING, &ROUTING_KEY);
    let skill = column(&table, "Skill Expression");
    let default = table
        .lookup(&["_ANY-LEVEL1_", "_ANY-LEVEL2_", "_ANY-SEGMENT_"])
        .single()
        .expect("the default row");
    assert_eq!(default.get(skill), "'english' > 1");
    // No wildcard semantics: a key the table lacks finds nothing, not the default row.
    assert_eq!(table.lookup(&["Insurance", "Health", "Silver"]).len(), 0);
    assert_eq!(table.lookup(&["_ANY-LEVEL1_", "Health", "Gold"]).len(), 0);
}

// ---------------------------------------------------------------------------------------------------------
// Lookups

#[test]
fn keys_match_exactly_and_case_sensitively_without_trimming() {
    let table = load(ROUTING, &ROUTING_KEY);
    assert_eq!(table.lookup(&["Insurance", "Health", "Bronze"]).len(), 1);
    for key in [
        ["insurance", "Health", "Bronze"],
        ["Insurance", "health", "Bronze"],
        ["Insurance", "Health", "BRONZE"],
        ["Insurance ", "Health", "Bronze"],
        ["Insurance", "Health", " Bronze"],
        ["InsuranceHealth", "", "Bronze"],
    ] {
        assert_eq!(table.lookup(&key).len(), 0, "{key:?} should find nothing");
    }
}

#[test]
fn cells_are_not_trimmed() {
    let table = load("Level1,Group\n Gold ,gold\nGold,  plain\n", &["Level1"]);
    let group = column(&table, "Group");
    assert_eq!(
        table.lookup(&[" Gold "]).single().map(|r| r.get(group)),
        Some("gold")
    );
    assert_eq!(
        table.lookup(&["Gold"]).single().map(|r| r.get(group)),
        Some("  plain")
    );
}

#[test]
fn several_rows_for_one_key_are_all_returned_in_file_order() {
    let text = "\
Level1,Level2,Customer Segment,Agent Group
Insurance,Health,Gold,first
Banking,Loans,Gold,other
Insurance,Health,Gold,second
Insurance,Health,Gold,third
";
    let table = load(text, &ROUTING_KEY);
    let rows = table.lookup(&["Insurance", "Health", "Gold"]);
    assert_eq!(rows.len(), 3);
    assert!(rows.clone().single().is_none(), "three rows are not one");
    let group = column(&table, "Agent Group");
    assert_eq!(
        rows.map(|r| r.get(group)).collect::<Vec<_>>(),
        ["first", "second", "third"]
    );
    assert_eq!(table.distinct_keys(), 2);
}

#[test]
fn a_key_without_rows_finds_nothing() {
    let table = load(ROUTING, &ROUTING_KEY);
    let mut rows = table.lookup(&["Banking", "Loans", "Gold"]);
    assert_eq!(rows.len(), 0);
    assert!(rows.next().is_none());
    assert!(
        table
            .lookup(&["Banking", "Loans", "Gold"])
            .single()
            .is_none()
    );
}

#[test]
fn a_key_of_the_wrong_arity_finds_nothing() {
    let table = load(ROUTING, &ROUTING_KEY);
    assert_eq!(table.lookup(&["Insurance", "Health"]).len(), 0);
    assert_eq!(table.lookup(&["Insurance", "Health", "Gold", ""]).len(), 0);
    assert_eq!(table.lookup(&[]).len(), 0);
}

#[test]
fn empty_cells_are_empty_strings_and_can_be_key_parts() {
    let table = load(
        "Level1,Level2,Agent\n,,nobody\nA,,alice\n,B,\n",
        &["Level1", "Level2"],
    );
    let agent = column(&table, "Agent");
    assert_eq!(found(&table, &["", ""]), [["", "", "nobody"]]);
    assert_eq!(
        table.lookup(&["A", ""]).single().map(|r| r.get(agent)),
        Some("alice")
    );
    assert_eq!(
        table.lookup(&["", "B"]).single().map(|r| r.get(agent)),
        Some("")
    );
}

#[test]
fn key_columns_may_be_anywhere_and_in_any_order() {
    let table = load(
        "Group,Segment,Level1\ng1,Gold,Insurance\ng2,Insurance,Gold\n",
        &["Level1", "Segment"],
    );
    let group = column(&table, "Group");
    assert_eq!(
        table
            .lookup(&["Insurance", "Gold"])
            .single()
            .map(|r| r.get(group)),
        Some("g1")
    );
    assert_eq!(
        table
            .lookup(&["Gold", "Insurance"])
            .single()
            .map(|r| r.get(group)),
        Some("g2")
    );
}

#[test]
fn key_parts_are_compared_separately_not_joined() {
    let table = load("A,B,V\nab,c,1\na,bc,2\n", &["A", "B"]);
    assert_eq!(found(&table, &["ab", "c"]), [["ab", "c", "1"]]);
    assert_eq!(found(&table, &["a", "bc"]), [["a", "bc", "2"]]);
}

#[test]
fn columns_are_resolved_by_exact_name() {
    let table = load(ROUTING, &ROUTING_KEY);
    assert_eq!(column(&table, "Agent Group").index(), 5);
    assert_eq!(table.column("agent group"), None);
    assert_eq!(table.column("Agent"), Some(column(&table, "Agent")));
    assert_eq!(table.column(""), None);
}

#[test]
fn a_table_with_a_header_and_no_rows_loads_and_finds_nothing() {
    let table = load("Level1,Group\n", &["Level1"]);
    assert_eq!(table.rows(), 0);
    assert_eq!(table.lookup(&["x"]).len(), 0);
}

#[test]
fn a_table_is_shared_between_threads() {
    fn send_sync<T: Send + Sync + 'static>() {}
    send_sync::<DataTable>();
    let table = std::sync::Arc::new(load(ROUTING, &ROUTING_KEY));
    let worker = {
        let table = table.clone();
        std::thread::spawn(move || table.lookup(&["Insurance", "Health", "Gold"]).len())
    };
    assert_eq!(worker.join().ok(), Some(1));
}

// ---------------------------------------------------------------------------------------------------------
// CSV forms

#[test]
fn quoted_fields_hold_commas_quotes_and_line_breaks() {
    let text = "Level1,Note\n\"a, b\",\"say \"\"hi\"\"\"\n\"multi\nline\",\"\"\n\"\",plain\n";
    let table = load(text, &["Level1"]);
    assert_eq!(found(&table, &["a, b"]), [["a, b", "say \"hi\""]]);
    assert_eq!(found(&table, &["multi\nline"]), [["multi\nline", ""]]);
    assert_eq!(found(&table, &[""]), [["", "plain"]]);
}

#[test]
fn a_quote_that_is_not_first_in_its_field_is_only_allowed_inside_quotes() {
    // The skill expressions of the reference table use single quotes, which CSV leaves alone.
    let table = load(
        "Key,Skill Expression\nk,'english' > 3 & 'it''s' = 1\n",
        &["Key"],
    );
    assert_eq!(
        found(&table, &["k"]),
        [["k", "'english' > 3 & 'it''s' = 1"]]
    );
}

#[test]
fn a_byte_order_mark_is_dropped() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(ROUTING.as_bytes());
    let table = load_bytes(&bytes, &ROUTING_KEY);
    assert_eq!(table.columns().next(), Some("Level1"));
    assert_eq!(table.lookup(&["Insurance", "Health", "Gold"]).len(), 1);

    // Text already decoded keeps its mark; the parser still skips it.
    let file = SourceFile::new("routing.csv", format!("\u{feff}{ROUTING}"));
    let table = DataTable::parse("OPEN_MEDIA_ROUTING_CONFIG", &file, &ROUTING_KEY).expect("loads");
    assert_eq!(table.columns().next(), Some("Level1"));
}

#[test]
fn crlf_line_endings_are_not_part_of_values() {
    let text = ROUTING.replace('\n', "\r\n");
    let table = load(&text, &ROUTING_KEY);
    let group = column(&table, "Agent Group");
    let row = table
        .lookup(&["Insurance", "Health", "Gold"])
        .single()
        .expect("one row");
    assert_eq!(row.get(group), "gold_group");
    // Inside quotes, a line break is data and is kept as written.
    let table = load("K,V\r\nk,\"a\r\nb\"\r\n", &["K"]);
    assert_eq!(found(&table, &["k"]), [["k", "a\r\nb"]]);
}

#[test]
fn the_last_line_may_end_with_or_without_a_line_break() {
    let with = load(ROUTING, &ROUTING_KEY);
    let without = load(ROUTING.trim_end(), &ROUTING_KEY);
    let extra = load(&format!("{ROUTING}\n\r\n"), &ROUTING_KEY);
    assert_eq!(with.rows(), 3);
    assert_eq!(without.rows(), 3);
    assert_eq!(extra.rows(), 3);
    assert_eq!(
        found(&without, &["_ANY-LEVEL1_", "_ANY-LEVEL2_", "_ANY-SEGMENT_"])[0][5],
        "workitems"
    );
}

#[test]
fn blank_lines_are_skipped_wherever_they_are() {
    let text = "\n\nLevel1,Group\n\nGold,g\r\n\r\nSilver,s\n\n";
    let table = load(text, &["Level1"]);
    assert_eq!(table.rows(), 2);
    assert_eq!(found(&table, &["Silver"]), [["Silver", "s"]]);
    // A one-column table writes an empty value as `""`, since an empty line is blank.
    let table = load("Level1\n\"\"\nGold\n\n", &["Level1"]);
    assert_eq!(table.rows(), 2);
    assert_eq!(found(&table, &[""]), [[""]]);
}

#[test]
fn non_ascii_values_and_names_round_trip() {
    let text = "Niveau 1,Zone,Équipe\nAssurance santé,Zürich 😀,équipe_or\n";
    let table = load(text, &["Niveau 1", "Zone"]);
    let team = column(&table, "Équipe");
    let row = table
        .lookup(&["Assurance santé", "Zürich 😀"])
        .single()
        .expect("one row");
    assert_eq!(row.get(team), "équipe_or");
}

#[test]
fn rows_and_cells_know_where_they_are_in_the_file() {
    let text = "Key,Skill Expression\nplain,'english' > 3\n\"quoted, key\",\"é > 1\"\n";
    let file = SourceFile::new("routing.csv", text);
    let table = DataTable::parse("T", &file, &["Key"]).expect("loads");
    let skill = column(&table, "Skill Expression");
    let row = table.lookup(&["quoted, key"]).single().expect("one row");
    assert_eq!(&text[row.span().range()], "\"quoted, key\",\"é > 1\"");
    let cell = table.cell_span(&file, row.id(), skill);
    assert_eq!(&text[cell.range()], "\"é > 1\"");
    let position = file.line_col(cell.start as usize);
    assert_eq!((position.line, position.col), (3, 15));
    let first = table.iter().next().expect("a first row");
    assert_eq!(
        &text[table.cell_span(&file, first.id(), skill).range()],
        "'english' > 3"
    );
}

// ---------------------------------------------------------------------------------------------------------
// Bad files: every problem is reported, located, with a fix

#[test]
fn an_empty_file_is_an_error() {
    insta::assert_snapshot!("empty_file", errors("", &ROUTING_KEY));
    insta::assert_snapshot!(
        "byte_order_mark_only",
        errors_bytes(b"\xEF\xBB\xBF", &ROUTING_KEY)
    );
}

#[test]
fn a_file_of_blank_lines_has_no_header() {
    insta::assert_snapshot!("no_header", errors("\n\r\n\n", &ROUTING_KEY));
}

#[test]
fn header_cells_need_a_name() {
    insta::assert_snapshot!(
        "unnamed_column",
        errors("Level1,,Agent\na,b,c\n", &["Level1"])
    );
    insta::assert_snapshot!(
        "header_ends_with_a_comma",
        errors("Level1,Agent,\na,b,\n", &["Level1"])
    );
}

#[test]
fn column_names_are_unique() {
    insta::assert_snapshot!(
        "duplicate_column",
        errors("Level1,Agent,Agent Group,Agent\na,b,c,d\n", &["Level1"])
    );
}

#[test]
fn a_missing_key_column_suggests_the_closest_header_name() {
    insta::assert_snapshot!(
        "key_column_case",
        errors(ROUTING, &["Level1", "Level2", "Customer segment"])
    );
    insta::assert_snapshot!(
        "key_column_typo",
        errors(ROUTING, &["Level1", "Levl2", "Customer Segment"])
    );
    insta::assert_snapshot!("key_column_unknown", errors(ROUTING, &["Level1", "Region"]));
}

#[test]
fn a_missing_key_column_explains_spaces_and_other_separators() {
    insta::assert_snapshot!(
        "key_column_with_spaces",
        errors("Level1, Level2\na,b\n", &["Level1", "Level2"])
    );
    insta::assert_snapshot!(
        "semicolon_separated_file",
        errors("Level1;Level2;Agent\na;b;c\n", &["Level1", "Level2"])
    );
}

#[test]
fn the_key_names_at_least_one_column_each_once() {
    insta::assert_snapshot!("empty_key", errors(ROUTING, &[]));
    insta::assert_snapshot!("key_column_twice", errors(ROUTING, &["Level1", "Level1"]));
}

#[test]
fn rows_have_one_field_per_column() {
    let text = "Level1,Level2,Agent\nInsurance,Health\nInsurance,Health,alice,extra\nok,ok,ok\n";
    insta::assert_snapshot!("ragged_rows", errors(text, &["Level1", "Level2"]));
    // A value holding a comma must be quoted; unquoted, it splits the row.
    insta::assert_snapshot!(
        "unquoted_comma",
        errors(
            "Key,Skill Expression\nk,english > 3, spanish > 2\n",
            &["Key"]
        )
    );
}

#[test]
fn an_unterminated_quote_is_an_error() {
    let text = "Level1,Agent\n\"Insurance,alice\nBanking,bob\n";
    insta::assert_snapshot!("unterminated_quote", errors(text, &["Level1"]));
}

#[test]
fn a_quote_inside_an_unquoted_field_is_an_error() {
    insta::assert_snapshot!(
        "stray_quote",
        errors(
            "Level1,Skill Expression\nk,\"english\" > 3\nk2,say \"hi\"\n",
            &["Level1"]
        )
    );
    insta::assert_snapshot!(
        "space_before_quote",
        errors("Level1,Agent\nk, \"alice\"\n", &["Level1"])
    );
}

#[test]
fn text_after_a_closing_quote_is_an_error() {
    insta::assert_snapshot!(
        "text_after_closing_quote",
        errors("Level1,Agent\n\"a\"b,alice\n\"c\" ,bob\n", &["Level1"])
    );
}

#[test]
fn invalid_utf8_is_reported_by_line() {
    let bytes = b"Level1,Agent\nZ\xfcrich,alice\nok,bob\nBern,\xff\xfe\xfd\n";
    insta::assert_snapshot!("invalid_utf8", errors_bytes(bytes, &["Level1"]));
}

#[test]
fn columns_count_characters_not_bytes() {
    let text = "Région,Équipe,Agent\nÎle-de-France,équipe 😀,ali\"ce\n";
    let rendered = errors(text, &["Région"]);
    assert!(
        rendered.starts_with("routing.csv:2:27: error:"),
        "{rendered}"
    );
    insta::assert_snapshot!("non_ascii_columns", rendered);
}

#[test]
fn spans_are_right_after_a_byte_order_mark() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(b"Level1,Level1\n");
    let rendered = errors_bytes(&bytes, &["Level1"]);
    assert!(
        rendered.starts_with("routing.csv:1:8: error:"),
        "{rendered}"
    );
    insta::assert_snapshot!("byte_order_mark_columns", rendered);

    // Text that kept its mark: spans are byte offsets into it.
    let file = SourceFile::new("routing.csv", "\u{feff}Level1,Level1\n");
    let errors = DataTable::parse("T", &file, &["Level1"]).expect_err("duplicate column");
    assert_eq!(&file.text()[errors[0].span.range()], "Level1");
    assert_eq!(errors[0].span.start, 10);
}

#[test]
fn every_problem_of_a_file_is_reported_in_file_order() {
    let text = "\
Level1,Level2,Agent,Agent
Insurance,Health,alice
k,say \"hi\",x,y
ok,ok,ok,ok
Banking,Loans,bob,carol,dave
";
    let (file, table) = DataTable::from_bytes(
        "OPEN_MEDIA_ROUTING_CONFIG",
        "routing.csv",
        text.as_bytes(),
        &["Level1", "Levl2"],
    );
    let errors = table.expect_err("four problems");
    let lines: Vec<usize> = errors
        .iter()
        .map(|e| file.line_col(e.span.start as usize).line)
        .collect();
    assert_eq!(lines, [1, 1, 2, 3, 5]);
    insta::assert_snapshot!("every_problem", rendered(&errors, &file));
}

// ---------------------------------------------------------------------------------------------------------
// Properties

/// Values that exercise quoting, case, spaces, non-ASCII text and the default-row markers.
const POOL: [&str; 12] = [
    "",
    "Gold",
    "gold",
    " Gold",
    "a,b",
    "say \"hi\"",
    "two\nlines",
    "crlf\r\nline",
    "é😀",
    "'english' > 3",
    "_ANY-LEVEL1_",
    "\"",
];

/// Keys for arbitrary bytes: none, and names the generated bytes may or may not hold.
const KEYS: &[&[&str]] = &[&[], &["a"], &["a", ","], &[""]];

fn csv_field(value: &str, force_quotes: bool, one_column: bool) -> String {
    let needs_quotes = value.contains([',', '"', '\n', '\r']) || (one_column && value.is_empty());
    if needs_quotes || force_quotes {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

#[derive(Debug, Clone)]
struct Generated {
    width: usize,
    key: Vec<usize>,
    rows: Vec<Vec<&'static str>>,
    text: String,
}

fn generated_table() -> impl Strategy<Value = Generated> {
    (1usize..=4)
        .prop_flat_map(|width| {
            (
                Just(width),
                Just((0..width).collect::<Vec<_>>()).prop_shuffle(),
                1..=width,
                prop::collection::vec(
                    prop::collection::vec((prop::sample::select(&POOL[..]), any::<bool>()), width),
                    0..40,
                ),
                any::<(bool, bool, bool)>(),
            )
        })
        .prop_map(
            |(width, order, key_len, cells, (crlf, bom, final_newline))| {
                let newline = if crlf { "\r\n" } else { "\n" };
                let header: Vec<String> = (0..width).map(|i| format!("Column {i}")).collect();
                let mut text = if bom {
                    "\u{feff}".to_owned()
                } else {
                    String::new()
                };
                text.push_str(&header.join(","));
                let mut rows = Vec::new();
                for row in &cells {
                    text.push_str(newline);
                    let fields: Vec<String> = row
                        .iter()
                        .map(|&(value, quote)| csv_field(value, quote, width == 1))
                        .collect();
                    text.push_str(&fields.join(","));
                    rows.push(row.iter().map(|&(value, _)| value).collect());
                }
                if final_newline {
                    text.push_str(newline);
                }
                Generated {
                    width,
                    key: order[..key_len].to_vec(),
                    rows,
                    text,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn lookup_finds_exactly_the_rows_a_linear_scan_finds(
        table in generated_table(),
        extra_keys in prop::collection::vec(prop::collection::vec(prop::sample::select(&POOL[..]), 4), 0..8),
    ) {
        let names: Vec<String> = (0..table.width).map(|i| format!("Column {i}")).collect();
        let key_names: Vec<&str> = table.key.iter().map(|&i| names[i].as_str()).collect();
        let file = SourceFile::new("generated.csv", table.text.as_str());
        let loaded = match DataTable::parse("T", &file, &key_names) {
            Ok(loaded) => loaded,
            Err(errors) => panic!("{:?} should load:\n{}", table.text, rendered(&errors, &file)),
        };
        prop_assert_eq!(loaded.rows(), table.rows.len());
        for (loaded, generated) in loaded.iter().zip(&table.rows) {
            prop_assert_eq!(&loaded.values().collect::<Vec<_>>(), generated);
        }

        let mut keys: Vec<Vec<&str>> = table
            .rows
            .iter()
            .map(|row| table.key.iter().map(|&i| row[i]).collect())
            .collect();
        keys.extend(extra_keys.iter().map(|key| key[..table.key.len()].to_vec()));
        for key in &keys {
            let expected: Vec<usize> = table
                .rows
                .iter()
                .enumerate()
                .filter(|(_, row)| table.key.iter().zip(key).all(|(&i, part)| row[i] == *part))
                .map(|(index, _)| index)
                .collect();
            let actual: Vec<usize> = loaded.lookup(key).map(|row| row.id().index()).collect();
            prop_assert_eq!(actual, expected, "key {:?}", key);
        }
    }

    #[test]
    fn no_bytes_make_loading_panic(
        bytes in prop::collection::vec(
            prop_oneof![
                4 => prop::sample::select(&b"a,\"\n\r \xEF\xBB\xBF\xC3\xA9\xFF"[..]),
                1 => any::<u8>(),
            ],
            0..200,
        ),
        key in prop::sample::select(KEYS),
    ) {
        let (file, table) = DataTable::from_bytes("T", "fuzz.csv", &bytes, key);
        match table {
            Ok(table) => {
                for row in table.iter() {
                    for column in table.key() {
                        let span = table.cell_span(&file, row.id(), *column);
                        prop_assert!(span.end as usize <= file.text().len());
                    }
                    let key: Vec<&str> = table.key().iter().map(|&c| row.get(c)).collect();
                    prop_assert!(table.lookup(&key).any(|found| found.id() == row.id()));
                }
            }
            Err(errors) => {
                prop_assert!(!errors.is_empty());
                for error in &errors {
                    prop_assert!(error.span.end as usize <= file.text().len());
                    let _ = render(error, &file);
                }
            }
        }
    }
}
