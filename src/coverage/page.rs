//! The coverage page (`--coverage FILE.html`): one self-contained HTML file, readable offline: for each
//! flow, the replay's headline numbers, the flow drawn with its counts (SVG, inline), a table of the
//! same numbers per block, and the data as JSON in `<script type="application/json" id="coverage">`
//! for tools. No scripts run, nothing is fetched: the CSS is inline, the fonts are the reader's own.

use super::{BlockCoverage, Coverage, grouped, percent};
use crate::flow::Flow;
use std::fmt::Write as _;

/// One flow's part of the page.
pub struct Section<'a> {
    /// The flow.
    pub flow: &'a Flow,
    /// Its coverage.
    pub coverage: &'a Coverage,
    /// The headline numbers, as (what, value) pairs: workitems, outcomes, waits, service level.
    pub headline: Vec<(String, String)>,
}

/// The page for `sections`, titled `title`.
pub fn html(title: &str, sections: &[Section<'_>]) -> String {
    let mut out = String::with_capacity(64 * 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    let _ = writeln!(out, "<title>{}</title>", escape(title));
    out.push_str(STYLE);
    out.push_str("</head>\n<body>\n");
    let _ = writeln!(out, "<h1>{}</h1>", escape(title));
    for section in sections {
        write_section(&mut out, section);
    }
    let data = serde_json::json!({
        "flows": sections
            .iter()
            .map(|s| serde_json::json!({
                "flow": s.flow.source.display().to_string(),
                "application": s.flow.application,
                "coverage": s.coverage.to_json_value(),
            }))
            .collect::<Vec<_>>(),
    });
    // `<` escaped as JSON allows, so that no text in the data can close the element.
    let json = serde_json::to_string(&data)
        .unwrap_or_default()
        .replace('<', "\\u003c");
    let _ = writeln!(
        out,
        "<script type=\"application/json\" id=\"coverage\">{json}</script>"
    );
    out.push_str("</body>\n</html>\n");
    out
}

fn write_section(out: &mut String, section: &Section<'_>) {
    let flow = section.flow;
    let coverage = section.coverage;
    out.push_str("<section>\n");
    let _ = writeln!(
        out,
        "<h2>{} <span class=\"file\">{}</span></h2>",
        escape(&flow.application),
        escape(&flow.source.display().to_string())
    );
    out.push_str("<dl class=\"headline\">\n");
    let reached = format!(
        "{} of {}",
        grouped(coverage.reached() as u64),
        grouped(coverage.blocks.len() as u64)
    );
    let headline = section
        .headline
        .iter()
        .map(|(what, value)| (what.as_str(), value.clone()))
        .chain([("blocks reached", reached)]);
    for (what, value) in headline {
        let _ = writeln!(
            out,
            "<div><dt>{}</dt><dd>{}</dd></div>",
            escape(what),
            escape(&value)
        );
    }
    out.push_str("</dl>\n");
    let unreached: Vec<&str> = coverage.unreached().map(|b| &*b.id).collect();
    if !unreached.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"unreached\">Never reached: {}</p>",
            unreached
                .iter()
                .map(|id| format!("<code>{}</code>", escape(id)))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    match crate::render::svg_with_notes(flow, &coverage.notes()) {
        Ok(svg) => {
            // Inline in HTML, an SVG needs no XML declaration.
            let svg = match svg.find("<svg") {
                Some(start) => &svg[start..],
                None => &svg,
            };
            let _ = writeln!(out, "<div class=\"drawing\">{svg}</div>");
        }
        Err(why) => {
            let _ = writeln!(
                out,
                "<p class=\"no-drawing\">No drawing: {}</p>",
                escape(&why)
            );
        }
    }
    write_table(out, coverage);
    out.push_str("</section>\n");
}

fn write_table(out: &mut String, coverage: &Coverage) {
    out.push_str(
        "<table>\n<thead><tr><th>block</th><th>phase</th><th class=\"n\">entered</th>\
         <th class=\"n\">share</th><th>left by</th></tr></thead>\n<tbody>\n",
    );
    for block in &coverage.blocks {
        let class = if block.entered == 0 {
            " class=\"unreached\""
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "<tr{class}><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            block_cell(block),
            block.phase.title(),
            grouped(block.entered),
            percent(block.entered, coverage.workitems),
            exits_cell(block),
        );
    }
    out.push_str("</tbody>\n</table>\n");
}

/// The block's id, and its name when it has one.
fn block_cell(block: &BlockCoverage) -> String {
    let mut cell = format!("<code>{}</code>", escape(&block.id));
    if let Some(name) = &block.name {
        let _ = write!(cell, "<br><span class=\"name\">{}</span>", escape(name));
    }
    cell
}

/// Each exit with its count and share of the block's entries.
fn exits_cell(block: &BlockCoverage) -> String {
    let items: Vec<String> = block
        .exits
        .iter()
        .map(|exit| {
            let class = if exit.count == 0 {
                " class=\"zero\""
            } else {
                ""
            };
            format!(
                "<li{class}>{} <b>{}</b> ({})</li>",
                escape(&exit.label),
                grouped(exit.count),
                percent(exit.count, block.entered)
            )
        })
        .collect();
    format!("<ul>{}</ul>", items.join(""))
}

/// Text for HTML content and attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"<style>
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #202124; }
h2 .file { font-weight: normal; font-size: 0.7em; color: #5f6368; }
dl.headline { display: flex; flex-wrap: wrap; gap: 0.5em 2em; }
dl.headline div { min-width: 8em; }
dl.headline dt { font-size: 0.8em; color: #5f6368; }
dl.headline dd { margin: 0; font-size: 1.2em; }
p.unreached { background: #f4c7c3; padding: 0.4em 0.6em; }
p.no-drawing { background: #fef7e0; padding: 0.4em 0.6em; }
.drawing { overflow: auto; border: 1px solid #dadce0; margin: 1em 0; }
.drawing svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border-bottom: 1px solid #dadce0; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.unreached { background: #f4c7c3; }
td ul { margin: 0; padding-left: 1.1em; }
li.zero { color: #80868b; }
.name { color: #5f6368; font-size: 0.9em; }
</style>
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_for_html() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
