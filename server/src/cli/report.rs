//! The format-independent report: diagnostics and path problems with display paths and
//! 1-based positions (columns in Unicode scalar values, end exclusive), in a stable order,
//! and the run's coverage (what toolcheck could not evaluate) with its example places
//! converted the same way.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use toolcheck_ide::{
    Coverage, Diagnostic, FileId, GapKind, LineIndex, MatrixSummary, Severity, TextRange, Workspace,
};

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
    /// The configs and hosts a finding holds in when not in the default (see
    /// `Diagnostic::configs`).
    pub configs: &'a [String],
    pub hosts: &'a [String],
}

/// One reason of the coverage report, with its example place (none for a command-line flag).
#[derive(Clone, Debug)]
pub(crate) struct CoverageReason<'a> {
    pub kind: GapKind,
    pub text: &'a str,
    pub count: usize,
    pub location: Option<Location>,
}

/// The coverage of the run: what toolcheck could not evaluate, for the whole workspace (the
/// path filter of `toolcheck check` narrows the findings, not what the analysis saw).
#[derive(Clone, Debug)]
pub(crate) struct CoverageReport<'a> {
    /// `None` when coverage is complete; else e.g. `3 rules with unknown toolchain requests`.
    pub summary: Option<String>,
    /// Every kind, in [`GapKind::ALL`] order, with its count (zero included).
    pub counts: Vec<(GapKind, usize)>,
    /// By kind, most frequent first within a kind.
    pub reasons: Vec<CoverageReason<'a>>,
}

pub(crate) struct Report<'a> {
    pub ws: &'a Workspace,
    /// Sorted by path, position, check and message.
    pub items: Vec<Item<'a>>,
    pub coverage: CoverageReport<'a>,
    /// The configurations and hosts the run evaluated.
    pub matrix: &'a MatrixSummary,
}

impl<'a> Report<'a> {
    pub fn new(
        ws: &'a Workspace,
        diagnostics: &'a [Diagnostic],
        problems: &'a [PathProblem],
        coverage: &'a Coverage,
        matrix: &'a MatrixSummary,
    ) -> Report<'a> {
        let mut indexes = HashMap::new();
        let mut paths: HashMap<FileId, String> = HashMap::new();
        let mut locate = |file: FileId, range: TextRange| -> Location {
            let file_text = ws.file(file).text();
            let text: &str = &file_text;
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
                configs: &d.configs,
                hosts: &d.hosts,
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
                configs: &[],
                hosts: &[],
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
        let coverage = CoverageReport {
            summary: coverage.summary(),
            counts: GapKind::ALL
                .iter()
                .map(|&k| (k, coverage.count(k)))
                .collect(),
            reasons: coverage
                .categories
                .iter()
                .flat_map(|c| c.reasons.iter().map(move |r| (c.kind, r)))
                .map(|(kind, r)| CoverageReason {
                    kind,
                    text: &r.text,
                    count: r.count,
                    // A place in a file the workspace no longer holds is left out rather
                    // than rendered at a wrong position.
                    location: r
                        .example
                        .filter(|p| !ws.is_removed(p.file))
                        .map(|p| locate(p.file, p.range)),
                })
                .collect(),
        };
        Report {
            ws,
            items,
            coverage,
            matrix,
        }
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.items.iter().filter(|i| i.severity == severity).count()
    }

    /// Makes every workspace-relative path relative to `cwd` instead (`root` and `cwd`
    /// absolute): what a terminal, an editor's "go to file" and GitHub's annotations resolve
    /// paths against is the directory toolcheck ran in, which need not be the workspace root.
    /// Absolute paths and `@@repo//` names stay as they are. The order is kept: it is by
    /// workspace path, the same for every format.
    pub fn relative_to(&mut self, root: &Path, cwd: &Path) {
        if root == cwd {
            return;
        }
        let rebase = |location: &mut Location| {
            if let Some(p) = rebased(&location.path, root, cwd) {
                location.path = p;
            }
        };
        for item in &mut self.items {
            rebase(&mut item.location);
            for r in &mut item.related {
                rebase(&mut r.location);
            }
            for f in &mut item.fixes {
                for e in &mut f.edits {
                    rebase(&mut e.location);
                }
            }
        }
        for r in &mut self.coverage.reasons {
            if let Some(l) = &mut r.location {
                rebase(l);
            }
        }
    }
}

/// `path` (relative to `root`) relative to `cwd`; `None` for a path that is not relative to
/// the root (absolute, `@@repo//...`).
fn rebased(path: &str, root: &Path, cwd: &Path) -> Option<String> {
    if path.starts_with('@') || Path::new(path).is_absolute() {
        return None;
    }
    let target = normalized(&root.join(path));
    let cwd = normalized(cwd);
    let target: Vec<Component<'_>> = target.components().collect();
    let base: Vec<Component<'_>> = cwd.components().collect();
    let common = target.iter().zip(&base).take_while(|(a, b)| a == b).count();
    // Different roots (another drive on Windows): only an absolute path names the file.
    if common == 0 {
        return Some(target.iter().collect::<PathBuf>().display().to_string());
    }
    let mut parts: Vec<String> = vec!["..".to_string(); base.len() - common];
    parts.extend(
        target[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    Some(if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    })
}

/// `path` with `.` and `..` components resolved lexically (the loader's display paths can
/// hold a `..`, as an import of `%workspace%/../.bazelrc` does).
fn normalized(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c.as_os_str()),
        }
    }
    out
}

fn floor_char_boundary(text: &str, mut offset: u32) -> u32 {
    while offset > 0 && !text.is_char_boundary(offset as usize) {
        offset -= 1;
    }
    offset
}
