//! `--format sarif`: SARIF 2.1.0 with one run.
//!
//! The driver lists every check of the registry as a rule (so `ruleIndex` is the check's
//! position in the registry). Locations are relative to the `%SRCROOT%` base (the workspace
//! root, declared in `originalUriBaseIds`); files outside the workspace get absolute `file:`
//! URIs. Columns count Unicode code points (`columnKind`), like every other toolcheck output.
//! The run's `properties` hold `coverage`, the same object as the JSON format's (what
//! toolcheck could not evaluate; SARIF has no place of its own for it).

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};
use toolcheck_ide::{Severity, Workspace, ALL_CHECKS};

use super::report::{Item, Location, Report};
use super::{CHECK_DOCS_URL, INFORMATION_URI};

const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// Bytes kept as they are in a URI path; everything else is percent-encoded.
fn keep(b: u8, allow_colon: bool) -> bool {
    b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=@".contains(&b) || (allow_colon && b == b':')
}

fn percent_encode(path: &str, allow_colon: bool) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        if keep(b, allow_colon) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn is_absolute(path: &str) -> bool {
    let b = path.as_bytes();
    path.starts_with('/')
        || (b.len() >= 3
            && b[0].is_ascii_alphabetic()
            && b[1] == b':'
            && matches!(b[2], b'/' | b'\\'))
}

/// A `file:` URI for an absolute path; `dir` adds the trailing slash a base URI needs.
pub(crate) fn file_uri(path: &str, dir: bool) -> String {
    let mut p = path.replace('\\', "/");
    if !p.starts_with('/') {
        p.insert(0, '/');
    }
    if dir && !p.ends_with('/') {
        p.push('/');
    }
    format!("file://{}", percent_encode(&p, true))
}

/// The artifact location of a display path: relative to `%SRCROOT%`, or absolute.
pub(crate) fn artifact_location(path: &str) -> Value {
    if is_absolute(path) {
        json!({ "uri": file_uri(path, false) })
    } else {
        json!({ "uri": percent_encode(&path.replace('\\', "/"), false), "uriBaseId": SRCROOT })
    }
}

/// The workspace root as an absolute path: the main repository's root.
pub(crate) fn workspace_root(ws: &Workspace) -> Option<PathBuf> {
    let main = ws.repos.iter().find(|r| r.name.is_main())?;
    let root = Path::new(&main.root_display);
    if root.is_absolute() {
        Some(root.to_path_buf())
    } else {
        Some(std::env::current_dir().ok()?.join(root))
    }
}

fn region(location: &Location) -> Value {
    let mut region = json!({ "startLine": location.start.line, "startColumn": location.start.col });
    if location.span.is_some() {
        region["endLine"] = json!(location.end.line);
        region["endColumn"] = json!(location.end.col);
    }
    region
}

/// Regions longer than this carry no snippet (a SARIF log is not a copy of the workspace).
const MAX_SNIPPET: usize = 4096;

/// The byte range of the lines around `start..end`: their own lines and one more on each side.
fn context_lines(text: &str, start: usize, end: usize) -> (usize, usize) {
    let line_start = |pos: usize| text[..pos].rfind('\n').map_or(0, |i| i + 1);
    let line_end = |pos: usize| text[pos..].find('\n').map_or(text.len(), |i| pos + i);
    let mut s = line_start(start);
    if s > 0 {
        s = line_start(s - 1);
    }
    let mut e = line_end(end);
    if e + 1 < text.len() {
        e = line_end(e + 1);
    }
    (s, e)
}

fn physical_location(report: &Report<'_>, location: &Location) -> Value {
    let mut physical = json!({ "artifactLocation": artifact_location(&location.path), "region": region(location) });
    let Some((file, range)) = location.span else {
        return physical;
    };
    let file_text = report.ws.file(file).text();
    let text: &str = &file_text;
    let (start, end) = (range.start as usize, range.end as usize);
    if end - start <= MAX_SNIPPET {
        physical["region"]["snippet"] = json!({ "text": &text[start..end] });
    }
    let (cs, ce) = context_lines(text, start, end);
    if ce - cs <= MAX_SNIPPET {
        let first = location.start.line - text[cs..start].matches('\n').count() as u32;
        let last = location.end.line + text[end..ce].matches('\n').count() as u32;
        physical["contextRegion"] = json!({
            "startLine": first,
            "endLine": last,
            "snippet": { "text": &text[cs..ce] },
        });
    }
    physical
}

/// Markdown docs to a plain-text paragraph: the first section's body, headings dropped.
fn first_paragraph(docs: &str) -> String {
    let mut lines = docs
        .lines()
        .map(str::trim)
        .skip_while(|l| l.is_empty() || l.starts_with('#'));
    let mut out = String::new();
    for line in lines.by_ref() {
        if line.is_empty() || line.starts_with('#') {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(line);
    }
    out
}

/// Ends a sentence with a period, as SARIF message and description strings should.
fn sentence(s: &str) -> String {
    let s = s.trim_end();
    if s.ends_with(['.', '!', '?']) {
        s.to_string()
    } else {
        format!("{s}.")
    }
}

/// A rule's friendly name: the check name in PascalCase.
fn pascal_case(name: &str) -> String {
    name.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn rules() -> Vec<Value> {
    ALL_CHECKS
        .iter()
        .map(|c| {
            let full = first_paragraph(c.docs);
            json!({
                "id": c.name,
                "name": pascal_case(c.name),
                "shortDescription": { "text": sentence(c.summary) },
                "fullDescription": { "text": sentence(if full.is_empty() { c.summary } else { &full }) },
                "help": { "text": c.docs, "markdown": c.docs },
                "helpUri": format!("{CHECK_DOCS_URL}{}", c.name),
                "defaultConfiguration": { "level": level(c.default_severity) },
            })
        })
        .collect()
}

fn result(report: &Report<'_>, item: &Item<'_>) -> Value {
    let mut result = Map::new();
    result.insert("ruleId".into(), json!(item.check));
    if let Some(i) = ALL_CHECKS.iter().position(|c| c.name == item.check) {
        result.insert("ruleIndex".into(), json!(i));
    }
    result.insert("level".into(), json!(level(item.severity)));
    result.insert("message".into(), json!({ "text": sentence(item.message) }));
    // Where a finding holds when not in the default configuration on the analysed host.
    if !item.configs.is_empty() || !item.hosts.is_empty() {
        result.insert(
            "properties".into(),
            json!({ "configs": item.configs, "hosts": item.hosts }),
        );
    }
    result.insert(
        "locations".into(),
        json!([{ "physicalLocation": physical_location(report, &item.location) }]),
    );
    if !item.related.is_empty() {
        let related: Vec<Value> = item
            .related
            .iter()
            .enumerate()
            .map(|(i, r)| {
                json!({
                    "id": i,
                    "physicalLocation": physical_location(report, &r.location),
                    "message": { "text": sentence(r.message) },
                })
            })
            .collect();
        result.insert("relatedLocations".into(), Value::Array(related));
    }
    if !item.fixes.is_empty() {
        let fixes: Vec<Value> = item
            .fixes
            .iter()
            .map(|f| {
                // One artifactChange per file, in order of first appearance.
                let mut changes: Vec<(&str, Vec<Value>)> = Vec::new();
                for e in &f.edits {
                    let replacement = json!({
                        "deletedRegion": region(&e.location),
                        "insertedContent": { "text": e.new_text },
                    });
                    match changes.iter_mut().find(|(p, _)| *p == e.location.path) {
                        Some((_, r)) => r.push(replacement),
                        None => changes.push((&e.location.path, vec![replacement])),
                    }
                }
                let changes: Vec<Value> = changes
                    .into_iter()
                    .map(|(path, replacements)| {
                        json!({ "artifactLocation": artifact_location(path), "replacements": replacements })
                    })
                    .collect();
                json!({ "description": { "text": sentence(f.title) }, "artifactChanges": changes })
            })
            .collect();
        result.insert("fixes".into(), Value::Array(fixes));
    }
    Value::Object(result)
}

pub(crate) fn document(report: &Report<'_>, root: Option<&Path>) -> Value {
    let mut base = json!({ "description": { "text": "The workspace root." } });
    if let Some(root) = root {
        base["uri"] = json!(file_uri(&root.to_string_lossy(), true));
    }
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "toolcheck",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": INFORMATION_URI,
                    "rules": rules(),
                }
            },
            "originalUriBaseIds": { (SRCROOT): base },
            "columnKind": "unicodeCodePoints",
            "results": report.items.iter().map(|item| result(report, item)).collect::<Vec<_>>(),
            "properties": {
                "coverage": super::json::coverage(&report.coverage),
                "matrix": super::json::matrix(report.matrix),
            },
        }]
    })
}

pub(crate) fn write(
    report: &Report<'_>,
    ws: &Workspace,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let doc = document(report, workspace_root(ws).as_deref());
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    out.write_all(b"\n")?;
    out.flush()
}
