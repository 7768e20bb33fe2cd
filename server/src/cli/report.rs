//! The format-independent report: diagnostics and path problems with display paths and
//! 1-based positions (columns in Unicode scalar values, end exclusive), in a stable order.

use std::collections::HashMap;

use toolcheck_ide::{Diagnostic, FileId, LineIndex, Severity, TextRange, Workspace};

use super::PathProblem;

/// A 1-based line and column; the column counts Unicode scalar values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Pos {
    pub line: u32,
    pub col: u32,
}

impl Pos {
    pub const START: Pos = Pos { line: 1, col: 1 };
}

/// A place in a file (or, for a path problem, just a path).
#[derive(Clone, Debug)]
pub(crate) struct Location {
    /// Relative to the workspace root (or absolute, or `@repo//path`, for files outside it).
    pub path: String,
    /// The file and its byte range (clamped to the text and to character boundaries), when the
    /// location is in a loaded file.
    pub span: Option<(FileId, TextRange)>,
    pub start: Pos,
    /// Exclusive.
    pub end: Pos,
}

#[derive(Clone, Debug)]
pub(crate) struct RelatedItem<'a> {
    pub location: Location,
    pub message: &'a str,
}

#[derive(Clone, Debug)]
pub(crate) struct EditItem<'a> {
    pub location: Location,
    pub new_text: &'a str,
}

#[derive(Clone, Debug)]
pub(crate) struct FixItem<'a> {
    pub title: &'a str,
    pub edits: Vec<EditItem<'a>>,
}

/// One reported problem: a diagnostic or a path problem.
#[derive(Clone, Debug)]
pub(crate) struct Item<'a> {
    pub check: &'static str,
    pub severity: Severity,
    pub location: Location,
    pub message: &'a str,
    pub related: Vec<RelatedItem<'a>>,
    pub fixes: Vec<FixItem<'a>>,
}

pub(crate) struct Report<'a> {
    pub ws: &'a Workspace,
    /// Sorted by path, position, check and message.
    pub items: Vec<Item<'a>>,
}

impl<'a> Report<'a> {
    pub fn new(
        ws: &'a Workspace,
        diagnostics: &'a [Diagnostic],
        problems: &'a [PathProblem],
    ) -> Report<'a> {
        let mut indexes = HashMap::new();
        let mut paths: HashMap<FileId, String> = HashMap::new();
        let mut locate = |file: FileId, range: TextRange| -> Location {
            let text: &str = &ws.file(file).text;
            let index = indexes.entry(file).or_insert_with(|| LineIndex::new(text));
            let len = text.len() as u32;
            let start = floor_char_boundary(text, range.start.min(len));
            let end = floor_char_boundary(text, range.end.min(len)).max(start);
            let pos = |offset: u32| {
                let lc = index.line_col_chars(text, offset);
                Pos {
                    line: lc.line + 1,
                    col: lc.col + 1,
                }
            };
            Location {
                path: paths
                    .entry(file)
                    .or_insert_with(|| ws.display_path(file))
                    .clone(),
                span: Some((file, TextRange { start, end })),
                start: pos(start),
                end: pos(end),
            }
        };
        let mut items: Vec<Item<'a>> = Vec::with_capacity(diagnostics.len() + problems.len());
        for d in diagnostics {
            let location = locate(d.file, d.range);
            let related = d
                .related
                .iter()
                .map(|r| RelatedItem {
                    location: locate(r.file, r.range),
                    message: &r.message,
                })
                .collect();
            let fixes = d
                .fixes
                .iter()
                .map(|f| FixItem {
                    title: &f.title,
                    edits: f
                        .edits
                        .iter()
                        .map(|e| EditItem {
                            location: locate(e.file, e.range),
                            new_text: &e.new_text,
                        })
                        .collect(),
                })
                .collect();
            items.push(Item {
                check: d.check,
                severity: d.severity,
                location,
                message: &d.message,
                related,
                fixes,
            });
        }
        for p in problems {
            items.push(Item {
                check: p.check,
                severity: p.severity,
                location: Location {
                    path: p.path.clone(),
                    span: None,
                    start: Pos::START,
                    end: Pos::START,
                },
                message: &p.message,
                related: Vec::new(),
                fixes: Vec::new(),
            });
        }
        items.sort_by(|a, b| {
            (
                &a.location.path,
                a.location.start,
                a.location.end,
                a.check,
                a.message,
            )
                .cmp(&(
                    &b.location.path,
                    b.location.start,
                    b.location.end,
                    b.check,
                    b.message,
                ))
        });
        Report { ws, items }
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.items.iter().filter(|i| i.severity == severity).count()
    }
}

fn floor_char_boundary(text: &str, mut offset: u32) -> u32 {
    while offset > 0 && !text.is_char_boundary(offset as usize) {
        offset -= 1;
    }
    offset
}
