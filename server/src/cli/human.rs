//! `--format human`: each problem as an annotated source snippet (annotate-snippets), then a
//! summary line.
//!
//! The primary span is annotated at the diagnostic's level; related spans are `note`
//! annotations, in the same snippet when they are in the same file and in a snippet of their
//! own otherwise. Fix titles become `help:` footers. Only the lines the annotations touch are
//! passed to the renderer (with gaps folded), so a long file costs nothing per diagnostic.
//!
//! Infos that say the same thing (same check and message, such as one unreadable repository
//! named from many files) are printed once, at the first place, with the other places listed
//! in a note: a CI log shows each fact once. Errors and warnings are each printed in full:
//! every place needs its own edit. The summary counts every item.
//!
//! When toolcheck could not evaluate everything, one more line says what (`coverage: 3 rules
//! with unknown toolchain requests, ... (see --format json)`): "0 errors" over a workspace
//! whose toolchains toolcheck could not see must not read like a clean bill. Nothing is added
//! when coverage is complete.

use std::io::Write;
use std::ops::Range;

use annotate_snippets::renderer::{AnsiColor, Effects, Style};
use annotate_snippets::{Level, Renderer, Snippet};
use toolcheck_ide::{FileId, Severity, TextRange};

use super::report::{Item, Location, Report};

fn level(severity: Severity) -> Level {
    match severity {
        Severity::Error => Level::Error,
        Severity::Warning => Level::Warning,
        Severity::Info => Level::Info,
    }
}

/// The annotations of one snippet: one file's text, cut to the annotated lines.
struct Group<'a> {
    file: FileId,
    path: &'a str,
    spans: Vec<(TextRange, Level, &'a str)>,
}

/// A snippet ready for the renderer: its source slice, first line number and annotations
/// relative to the slice.
struct Cut<'a> {
    path: &'a str,
    source: String,
    line_start: usize,
    spans: Vec<(Range<usize>, Level, &'a str)>,
}

fn cut<'a>(report: &Report<'a>, group: Group<'a>) -> Cut<'a> {
    let file_text = report.ws.file(group.file).text();
    let text: &str = &file_text;
    let index = toolcheck_ide::LineIndex::new(text);
    let bytes = text.as_bytes();
    let first_line = group
        .spans
        .iter()
        .map(|(r, ..)| index.line_of(r.start))
        .min()
        .unwrap_or(0);
    let last_line = group
        .spans
        .iter()
        .map(|(r, ..)| index.line_of(if r.end > r.start { r.end - 1 } else { r.end }))
        .max()
        .unwrap_or(0)
        .max(first_line);
    let start = index.line_start(first_line) as usize;
    let (_, end) = index.line_range(last_line, text);
    let end = (end as usize).max(start);
    // The renderer expands a tab to four columns but does not move the annotations with it:
    // show tabs as single spaces so that carets stay under their characters.
    let source = text[start..end].replace('\t', " ");
    let spans = group
        .spans
        .into_iter()
        .map(|(r, level, label)| {
            let s = (r.start as usize).clamp(start, end);
            let mut e = (r.end as usize).clamp(s, end);
            // A span ending in a line terminator would point at the next line.
            while e > s && matches!(bytes[e - 1], b'\n' | b'\r') {
                e -= 1;
            }
            (s - start..e - start, level, label)
        })
        .collect();
    Cut {
        path: group.path,
        source,
        line_start: first_line as usize + 1,
        spans,
    }
}

fn groups<'a>(item: &'a Item<'a>) -> Vec<Group<'a>> {
    let mut groups: Vec<Group<'a>> = Vec::new();
    let mut add = |location: &'a Location, level: Level, label: &'a str| {
        let Some((file, range)) = location.span else {
            return;
        };
        match groups.iter_mut().find(|g| g.file == file) {
            Some(g) => g.spans.push((range, level, label)),
            None => groups.push(Group {
                file,
                path: &location.path,
                spans: vec![(range, level, label)],
            }),
        }
    };
    add(&item.location, level(item.severity), "");
    for r in &item.related {
        add(&r.location, Level::Note, r.message);
    }
    groups
}

/// How many of the other places of a folded info are named before "and N more".
const FOLDED_PLACES_SHOWN: usize = 5;

fn place(location: &Location) -> String {
    format!(
        "{}:{}:{}",
        location.path, location.start.line, location.start.col
    )
}

/// The note listing the other places of a folded info.
fn also_at(others: &[&Item<'_>]) -> Option<String> {
    if others.is_empty() {
        return None;
    }
    let shown: Vec<String> = others
        .iter()
        .take(FOLDED_PLACES_SHOWN)
        .map(|i| place(&i.location))
        .collect();
    let rest = others.len() - shown.len();
    Some(format!(
        "the same in {} more {}: {}{}",
        others.len(),
        if others.len() == 1 { "place" } else { "places" },
        shown.join(", "),
        if rest > 0 {
            format!(", and {rest} more")
        } else {
            String::new()
        }
    ))
}

/// The items in report order, each info with the later infos of the same check and message.
fn folded<'r, 'a>(items: &'r [Item<'a>]) -> Vec<(&'r Item<'a>, Vec<&'r Item<'a>>)> {
    let mut out: Vec<(&'r Item<'a>, Vec<&'r Item<'a>>)> = Vec::with_capacity(items.len());
    let mut first: std::collections::HashMap<(&str, &str), usize> = Default::default();
    for item in items {
        if item.severity == Severity::Info {
            match first.entry((item.check, item.message)) {
                std::collections::hash_map::Entry::Occupied(e) => {
                    out[*e.get()].1.push(item);
                    continue;
                }
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(out.len());
                }
            }
        }
        out.push((item, Vec::new()));
    }
    out
}

fn render_item(
    report: &Report<'_>,
    item: &Item<'_>,
    also: Option<&str>,
    renderer: &Renderer,
) -> String {
    let cuts: Vec<Cut<'_>> = groups(item).into_iter().map(|g| cut(report, g)).collect();
    let mut message = level(item.severity).title(item.message).id(item.check);
    if item.location.span.is_none() {
        // A path problem: the path alone, no source.
        message = message.footer(Level::Note.title(&item.location.path));
    }
    for c in &cuts {
        let mut snippet = Snippet::source(&c.source)
            .line_start(c.line_start)
            .origin(c.path)
            .fold(true);
        for (range, level, label) in &c.spans {
            let mut annotation = level.span(range.clone());
            if !label.is_empty() {
                annotation = annotation.label(label);
            }
            snippet = snippet.annotation(annotation);
        }
        message = message.snippet(snippet);
    }
    for fix in &item.fixes {
        message = message.footer(Level::Help.title(fix.title));
    }
    if let Some(also) = also {
        message = message.footer(Level::Note.title(also));
    }
    let rendered = renderer.render(message).to_string();
    rendered
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The summary line, e.g. `2 errors, 1 warning, 0 infos`.
pub(crate) fn summary(report: &Report<'_>) -> String {
    format!(
        "{}, {}, {}",
        plural(report.count(Severity::Error), "error", "errors"),
        plural(report.count(Severity::Warning), "warning", "warnings"),
        plural(report.count(Severity::Info), "info", "infos"),
    )
}

/// The coverage line, when coverage is incomplete.
pub(crate) fn coverage_line(report: &Report<'_>) -> Option<String> {
    let summary = report.coverage.summary.as_ref()?;
    Some(format!("coverage: {summary} (see --format json)"))
}

pub(crate) fn write(report: &Report<'_>, out: &mut dyn Write, color: bool) -> std::io::Result<()> {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    for (item, others) in folded(&report.items) {
        let also = also_at(&others);
        writeln!(
            out,
            "{}\n",
            render_item(report, item, also.as_deref(), &renderer)
        )?;
    }
    let summary = summary(report);
    if color {
        let style = match () {
            _ if report.count(Severity::Error) > 0 => AnsiColor::BrightRed.on_default(),
            _ if report.count(Severity::Warning) > 0 => AnsiColor::BrightYellow.on_default(),
            _ => Style::new(),
        }
        .effects(Effects::BOLD);
        writeln!(out, "{style}{summary}{style:#}")?;
    } else {
        writeln!(out, "{summary}")?;
    }
    if let Some(line) = coverage_line(report) {
        writeln!(out, "{line}")?;
    }
    if let Some(line) = version_line(report) {
        writeln!(out, "{line}")?;
    }
    if let Some(line) = matrix_line(report) {
        writeln!(out, "{line}")?;
    }
    out.flush()
}

/// What was checked besides the default configuration on one host, when anything was:
/// `checked: configs `remote` (--extra_execution_platforms); hosts Linux x86_64 (the machine
/// toolcheck runs on), macOS arm64 (.bazelrc has `build:macos` lines)`.
pub(crate) fn matrix_line(report: &Report<'_>) -> Option<String> {
    let m = report.matrix;
    if !m.is_matrix() {
        return None;
    }
    let mut parts = vec!["the default configuration".to_string()];
    if !m.configs.is_empty() {
        let configs: Vec<String> = m
            .configs
            .iter()
            .map(|(name, changes)| match changes.as_slice() {
                [] => format!("`{name}`"),
                c => format!("`{name}` ({})", c.join(", ")),
            })
            .collect();
        parts.push(format!(
            "config{} {}",
            if configs.len() == 1 { "" } else { "s" },
            configs.join(", ")
        ));
    }
    let mut line = format!("checked: {}", parts.join(" and "));
    if m.hosts.len() > 1 {
        let hosts: Vec<String> = m
            .hosts
            .iter()
            .map(|(machine, why)| format!("{} ({why})", machine.display()))
            .collect();
        line.push_str(&format!(" on hosts {}", hosts.join(", ")));
    }
    Some(line)
}

/// The Bazel version line, when nothing named the version (it was inferred).
pub(crate) fn version_line(report: &Report<'_>) -> Option<String> {
    let choice = toolcheck_ide::bazel_version_choice(report.ws);
    match choice.source {
        toolcheck_ide::VersionSource::Inferred(why) => Some(format!(
            "bazel: simulated {} ({why}); pin it with .bazelversion or --bazel-version",
            choice.version
        )),
        _ => None,
    }
}
