//! Starlark syntax: file kinds, error-tolerant parsing with tree-sitter-starlark, text ranges,
//! line/column conversion and small helpers to read literals out of syntax nodes.
//!
//! This crate knows nothing of Bazel semantics, files on disk or editors. A parse never fails:
//! tree-sitter always produces a tree, and problems come back as [`SyntaxError`] values.

mod line_index;
mod literal;

use std::cell::Cell;
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

pub use line_index::{LineCol, LineIndex};
pub use literal::{string_value, unescape, StringValue};
pub use tree_sitter::{Node, Tree, TreeCursor};

/// A half-open byte range `[start, end)` in a file's text.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub struct TextRange {
    pub start: u32,
    pub end: u32,
}

impl TextRange {
    pub fn new(start: u32, end: u32) -> TextRange {
        TextRange {
            start,
            end: end.max(start),
        }
    }
    pub fn of(node: Node<'_>) -> TextRange {
        TextRange::new(node.start_byte() as u32, node.end_byte() as u32)
    }
    pub fn len(self) -> u32 {
        self.end - self.start
    }
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
    pub fn contains(self, offset: u32) -> bool {
        self.start <= offset && offset < self.end
    }
    pub fn contains_inclusive(self, offset: u32) -> bool {
        self.start <= offset && offset <= self.end
    }
    pub fn cover(self, other: TextRange) -> TextRange {
        TextRange::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// What kind of Bazel file a path is, decided from its file name alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileKind {
    /// `BUILD`, `BUILD.bazel`.
    Build,
    /// `*.bzl`, `*.star`.
    Bzl,
    /// `MODULE.bazel`, and `*.MODULE.bazel` segments it includes.
    Module,
    /// `WORKSPACE`, `WORKSPACE.bazel`, `WORKSPACE.bzlmod`.
    Workspace,
    /// `REPO.bazel`.
    Repo,
    /// `.bazelrc` and files it imports.
    Bazelrc,
    /// A file repository rules read as text: templates (`BUILD.tpl`, `*.tmpl`), BUILD files
    /// for `http_archive(build_file = ...)` (`foo.BUILD`, `BUILD.foo`). Not Starlark until a
    /// repository rule makes a file of the generated repository from it.
    Data,
}

impl FileKind {
    /// The kind of a file from its base name, or `None` when toolcheck does not read it.
    pub fn from_file_name(name: &str) -> Option<FileKind> {
        Some(match name {
            "BUILD" | "BUILD.bazel" => FileKind::Build,
            "MODULE.bazel" => FileKind::Module,
            "WORKSPACE" | "WORKSPACE.bazel" | "WORKSPACE.bzlmod" => FileKind::Workspace,
            "REPO.bazel" => FileKind::Repo,
            ".bazelrc" => FileKind::Bazelrc,
            // Segments a MODULE.bazel pulls in with `include()` (Bazel 7.2+).
            _ if name.ends_with(".MODULE.bazel") => FileKind::Module,
            _ if name.ends_with(".bzl") || name.ends_with(".star") => FileKind::Bzl,
            _ if name.ends_with(".bazelrc") => FileKind::Bazelrc,
            _ => return None,
        })
    }

    /// Whether a file toolcheck does not otherwise read is one repository rules may read as
    /// text: a template or a BUILD file for an external repository ([`FileKind::Data`]).
    pub fn is_data_file_name(name: &str) -> bool {
        if FileKind::from_file_name(name).is_some() {
            return false;
        }
        let stem = name.trim_end_matches(".bazel");
        name.ends_with(".tpl")
            || name.ends_with(".tmpl")
            || name.ends_with(".template")
            || stem.ends_with(".BUILD")
            || stem.ends_with(".build")
            || name.starts_with("BUILD.")
            // `build_file = "//third_party:zlib.bazel"`.
            || name.ends_with(".bazel")
    }

    /// Whether the file is Starlark (as opposed to a `.bazelrc` or a data file).
    pub fn is_starlark(self) -> bool {
        !matches!(self, FileKind::Bazelrc | FileKind::Data)
    }
}

/// A syntax problem found while parsing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyntaxError {
    pub range: TextRange,
    pub message: String,
    /// The parse was abandoned because it ran out of [`ParseLimits::time_budget`]. That
    /// outcome depends on the machine's load, not on the text, so whatever is derived from it
    /// must not be stored (the facts and result caches check this flag).
    pub timed_out: bool,
}

/// Limits that keep parsing bounded on hostile input.
#[derive(Clone, Copy, Debug)]
pub struct ParseLimits {
    /// Wall-clock budget for one parse; past it the parse is abandoned and the file is
    /// reported as too complex rather than hanging the whole run.
    pub time_budget: Duration,
}

impl Default for ParseLimits {
    fn default() -> Self {
        ParseLimits {
            time_budget: Duration::from_secs(10),
        }
    }
}

/// The result of parsing one file. `tree` is `None` only when the parse was abandoned
/// because it exceeded its budget.
pub struct Parse {
    pub tree: Option<Tree>,
    pub errors: Vec<SyntaxError>,
}

thread_local! {
    static PARSER: std::cell::RefCell<Option<tree_sitter::Parser>> = const { std::cell::RefCell::new(None) };
}

/// Parses Starlark text. Never fails; errors are reported in [`Parse::errors`].
pub fn parse(text: &str) -> Parse {
    parse_with(text, None, ParseLimits::default())
}

/// Parses `new_text` incrementally from the tree of `old_text` (an open document after an
/// edit): the difference between the two texts becomes one `InputEdit` (their common prefix
/// and suffix), and tree-sitter reuses the unchanged parts of `old_tree`.
///
/// The result equals [`parse`] of `new_text`: when the incremental tree has syntax errors
/// (where tree-sitter's error recovery may differ from a fresh parse) the text is parsed
/// again from scratch.
pub fn reparse(old_text: &str, old_tree: &Tree, new_text: &str, limits: ParseLimits) -> Parse {
    // A broken document would most likely need the fresh parse anyway: go straight to it
    // rather than parse twice.
    if old_tree.root_node().has_error() {
        return parse_with(new_text, None, limits);
    }
    let (old_p, new_p) = (patch_grammar_gaps(old_text), patch_grammar_gaps(new_text));
    let (a, b) = (old_p.as_bytes(), new_p.as_bytes());
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let max_suffix = a.len().min(b.len()) - prefix;
    let suffix = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take(max_suffix)
        .take_while(|(x, y)| x == y)
        .count();
    let point = |bytes: &[u8], offset: usize| {
        let before = &bytes[..offset];
        let row = before.iter().filter(|&&c| c == b'\n').count();
        let column = offset
            - before
                .iter()
                .rposition(|&c| c == b'\n')
                .map_or(0, |i| i + 1);
        tree_sitter::Point { row, column }
    };
    let edit = tree_sitter::InputEdit {
        start_byte: prefix,
        old_end_byte: a.len() - suffix,
        new_end_byte: b.len() - suffix,
        start_position: point(a, prefix),
        old_end_position: point(a, a.len() - suffix),
        new_end_position: point(b, b.len() - suffix),
    };
    let mut tree = old_tree.clone();
    tree.edit(&edit);
    let parse = parse_with(new_text, Some(&tree), limits);
    match &parse.tree {
        Some(t) if !t.root_node().has_error() => parse,
        _ => parse_with(new_text, None, limits),
    }
}

/// Parses Starlark text, reusing `old` (already edited with `Tree::edit`) when given.
pub fn parse_with(text: &str, old: Option<&Tree>, limits: ParseLimits) -> Parse {
    let started = Instant::now();
    let timed_out = Cell::new(false);
    let tree = PARSER.with(|cell| {
        let mut slot = cell.borrow_mut();
        let parser = slot.get_or_insert_with(|| {
            let mut p = tree_sitter::Parser::new();
            p.set_language(&tree_sitter_starlark::LANGUAGE.into())
                .expect("tree-sitter-starlark is ABI compatible with the tree-sitter core");
            p
        });
        let patched = patch_grammar_gaps(text);
        let bytes = patched.as_bytes();
        let mut progress = |_: &tree_sitter::ParseState| {
            if started.elapsed() > limits.time_budget {
                timed_out.set(true);
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        };
        let options = tree_sitter::ParseOptions::new().progress_callback(&mut progress);
        let tree = parser.parse_with_options(
            &mut |offset, _| {
                if offset < bytes.len() {
                    &bytes[offset..]
                } else {
                    &[] as &[u8]
                }
            },
            old,
            Some(options),
        );
        if tree.is_none() {
            parser.reset();
        }
        tree
    });
    let mut errors = Vec::new();
    match &tree {
        Some(tree) => collect_errors(tree.root_node(), text, &mut errors),
        None => errors.push(SyntaxError {
            range: TextRange::new(0, 0),
            message: if timed_out.get() {
                format!(
                    "file is too complex to parse within {} s; it was not analysed",
                    limits.time_budget.as_secs()
                )
            } else {
                "the parser gave up on this file; it was not analysed".to_string()
            },
            timed_out: timed_out.get(),
        }),
    }
    Parse { tree, errors }
}

/// Works around two gaps of tree-sitter-starlark 1.3.0, which inherits them from the Python
/// grammar: a statement that starts with `match(` is parsed as a `match` statement, and one
/// that starts with `assert_eq(`, `assert_contains(`, ... (go-starlark's test builtins) as an
/// `assert_statement` whose operands cannot be keyword arguments. Both are ordinary calls in
/// Starlark. The patch upper-cases the first letter of such a callee, which keeps every byte
/// offset: the tree is built from the patched text, but every consumer reads names and
/// literals from the original text, so `match` stays `match`.
fn patch_grammar_gaps(text: &str) -> std::borrow::Cow<'_, str> {
    const CALLEES: [&str; 6] = [
        "match",
        "assert_eq",
        "assert_ne",
        "assert_contains",
        "assert_fails",
        "assert_",
    ];
    if !text.contains("match") && !text.contains("assert") {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut starts = Vec::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
        let rest = &line[indent..];
        for callee in CALLEES {
            if let Some(after) = rest.strip_prefix(callee) {
                if after.trim_start_matches([' ', '\t']).starts_with('(') {
                    starts.push(line_start + indent);
                    break;
                }
            }
        }
        if rest.starts_with("assert.") {
            starts.push(line_start + indent);
        }
        line_start += line.len();
    }
    if starts.is_empty() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut bytes = text.as_bytes().to_vec();
    for i in starts {
        bytes[i] = bytes[i].to_ascii_uppercase();
    }
    // Only an ASCII letter was changed, so the text is still UTF-8.
    std::borrow::Cow::Owned(String::from_utf8(bytes).unwrap_or_else(|_| text.to_string()))
}

/// Node kinds the Python-derived grammar accepts but Starlark does not have.
fn non_starlark_construct(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "while_statement" => "`while` loops are not Starlark",
        "with_statement" => "`with` statements are not Starlark",
        "delete_statement" => "`del` is not Starlark",
        "decorated_definition" => "decorators are not Starlark",
        "print_statement" => "`print` statements are not Starlark; call `print(...)`",
        "exec_statement" => "`exec` is not Starlark",
        "named_expression" => "the walrus operator `:=` is not Starlark",
        "ellipsis" => "`...` is not Starlark",
        "interpolation" => "f-strings are not Starlark",
        "lambda" => return None,
        _ => return None,
    })
}

/// Walks the tree without recursion (trees of hostile input can be very deep) and records
/// ERROR and MISSING nodes plus Python-only constructs.
fn collect_errors(root: Node<'_>, text: &str, out: &mut Vec<SyntaxError>) {
    const MAX_ERRORS: usize = 100;
    if !root.has_error() && !may_contain_python_only(text) {
        return;
    }
    let mut cursor = root.walk();
    let mut descend = true;
    loop {
        let node = cursor.node();
        if descend {
            let kind = node.kind();
            if node.is_error() {
                out.push(SyntaxError {
                    range: TextRange::of(node),
                    message: error_message(node, text),
                    timed_out: false,
                });
                descend = false;
            } else if node.is_missing() {
                out.push(SyntaxError {
                    range: TextRange::of(node),
                    message: format!("expected `{kind}`"),
                    timed_out: false,
                });
            } else if let Some(message) = non_starlark_construct(kind) {
                if kind != "interpolation" || is_fstring(node, text) {
                    out.push(SyntaxError {
                        range: TextRange::of(node),
                        message: message.to_string(),
                        timed_out: false,
                    });
                }
            }
            if out.len() >= MAX_ERRORS {
                return;
            }
            // Only subtrees that contain errors or Python-only constructs need visiting, but the
            // latter are not flagged by `has_error`, so walk everything below statements.
            if descend && cursor.goto_first_child() {
                continue;
            }
        }
        if cursor.goto_next_sibling() {
            descend = true;
            continue;
        }
        if !cursor.goto_parent() {
            return;
        }
        descend = false;
    }
}

/// A cheap textual prefilter: a file can hold a Python-only construct (which `has_error` does
/// not flag) only if it has one of their tokens. Keywords count only as whole words
/// (`exec_compatible_with` holds neither `exec` nor `with`), a decorator only at the start of
/// a line, and a string prefix only right before a quote: plain substrings matched almost
/// every BUILD file (`@repo//...` labels, `*_compatible_with`) and sent it through a second
/// walk of its whole tree. Anything not ASCII counts as a word boundary, so the filter stays
/// a superset of what the grammar accepts.
fn may_contain_python_only(text: &str) -> bool {
    if text.contains(":=") || text.contains("...") {
        return true;
    }
    let b = text.as_bytes();
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let word_at = |i: usize, w: &str| {
        let end = i + w.len();
        b[i..].starts_with(w.as_bytes())
            && (i == 0 || !ident(b[i - 1]))
            && (end >= b.len() || !ident(b[end]))
    };
    // Only blanks since the start of the line (a decorator's `@` must come first).
    let mut line_blank = true;
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'w' if word_at(i, "while") || word_at(i, "with") => return true,
            b'd' if word_at(i, "del") => return true,
            b'e' if word_at(i, "exec") => return true,
            b'p' if word_at(i, "print") && b.get(i + 5).is_some_and(u8::is_ascii_whitespace) => {
                return true
            }
            b'@' if line_blank => return true,
            b'"' | b'\'' => {
                // A string prefix (`f`, `rf`, `Fr`, ...: at most two letters) that starts
                // a word; a longer run of these letters ends an identifier.
                let prefix = b[..i]
                    .iter()
                    .rev()
                    .take(3)
                    .take_while(|p| matches!(p, b'r' | b'R' | b'b' | b'B' | b'f' | b'F'))
                    .count();
                let start = i - prefix;
                if (1..=2).contains(&prefix)
                    && b[start..i].iter().any(|p| matches!(p, b'f' | b'F'))
                    && (start == 0 || !ident(b[start - 1]))
                {
                    return true;
                }
            }
            _ => {}
        }
        line_blank = match c {
            b'\n' => true,
            b' ' | b'\t' | b'\r' | 0x0c => line_blank,
            _ => false,
        };
    }
    false
}

fn is_fstring(node: Node<'_>, text: &str) -> bool {
    let Some(string) = node.parent() else {
        return false;
    };
    text.get(string.start_byte()..string.end_byte())
        .map(|s| {
            s.trim_start_matches(['r', 'R', 'b', 'B'])
                .starts_with(['f', 'F'])
                || s.starts_with(['f', 'F'])
        })
        .unwrap_or(false)
}

fn error_message(node: Node<'_>, text: &str) -> String {
    let snippet: String = text
        .get(node.start_byte()..node.end_byte())
        .unwrap_or("")
        .chars()
        .take(30)
        .collect();
    let first_line = snippet.lines().next().unwrap_or("").trim();
    if first_line.is_empty() {
        "syntax error".to_string()
    } else {
        format!("syntax error near `{first_line}`")
    }
}

/// The text of `node` in `text`, or `""` when the range is not valid UTF-8 boundaries.
pub fn node_text<'a>(node: Node<'_>, text: &'a str) -> &'a str {
    text.get(node.start_byte()..node.end_byte()).unwrap_or("")
}

/// The fields [`field`] knows the ids of.
const FIELD_NAMES: [&str; 17] = [
    "value",
    "left",
    "body",
    "right",
    "name",
    "operator",
    "subscript",
    "parameters",
    "key",
    "function",
    "consequence",
    "condition",
    "argument",
    "object",
    "attribute",
    "arguments",
    "alternative",
];

/// `node`'s child in field `name`, like `Node::child_by_field_name`, which looks the name up
/// among the grammar's field names with `strncmp` on every call (a few percent of a cold
/// check); the ids of the fields toolcheck reads are looked up once.
pub fn field<'t>(node: Node<'t>, name: &str) -> Option<Node<'t>> {
    static IDS: std::sync::OnceLock<Vec<Option<std::num::NonZeroU16>>> = std::sync::OnceLock::new();
    let ids = IDS.get_or_init(|| {
        let language: tree_sitter::Language = tree_sitter_starlark::LANGUAGE.into();
        FIELD_NAMES
            .iter()
            .map(|n| language.field_id_for_name(n))
            .collect()
    });
    match FIELD_NAMES.iter().position(|n| *n == name) {
        Some(i) => node.child_by_field_id(ids[i]?.get()),
        None => node.child_by_field_name(name),
    }
}

/// `v` with no spare capacity. Facts and targets live as long as the workspace, and a
/// `Vec` grown by pushing keeps up to half its allocation unused; `shrink_to_fit` may keep
/// the block (allocators avoid moving a shrink of less than half), so this copies.
pub fn exact<T>(v: Vec<T>) -> Vec<T> {
    if v.capacity() == v.len() {
        return v;
    }
    let mut out = Vec::with_capacity(v.len());
    out.extend(v);
    out
}

/// Iterates over the named children of `node` without holding a cursor borrow.
///
/// A cursor of its own walks the children once: `Node::named_child(i)` starts over from the
/// first child on every call, which made a file's 100,000 top-level statements (or a list
/// of as many items) quadratic to lower.
pub fn named_children(node: Node<'_>) -> impl Iterator<Item = Node<'_>> {
    let mut cursor = node.walk();
    let mut started = false;
    std::iter::from_fn(move || loop {
        let moved = if started {
            cursor.goto_next_sibling()
        } else {
            started = true;
            cursor.goto_first_child()
        };
        if !moved {
            return None;
        }
        let child = cursor.node();
        if child.is_named() {
            return Some(child);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_kinds() {
        assert_eq!(
            FileKind::from_file_name("BUILD.bazel"),
            Some(FileKind::Build)
        );
        assert_eq!(FileKind::from_file_name("defs.bzl"), Some(FileKind::Bzl));
        assert_eq!(
            FileKind::from_file_name("WORKSPACE.bzlmod"),
            Some(FileKind::Workspace)
        );
        assert_eq!(
            FileKind::from_file_name("user.bazelrc"),
            Some(FileKind::Bazelrc)
        );
        assert_eq!(FileKind::from_file_name("BUILD.release.bazel"), None);
        assert_eq!(FileKind::from_file_name("README.md"), None);
    }

    #[test]
    fn a_parse_past_its_budget_is_flagged_as_timed_out() {
        let text = "x = [1, 2, 3]\n".repeat(20_000);
        let zero = ParseLimits {
            time_budget: Duration::ZERO,
        };
        let p = parse_with(&text, None, zero);
        assert!(p.tree.is_none());
        assert_eq!(p.errors.len(), 1);
        assert!(p.errors[0].timed_out, "{:?}", p.errors[0]);
        // Ordinary syntax errors are not timeouts.
        let p = parse("x = [1, 2\n");
        assert!(!p.errors.is_empty());
        assert!(p.errors.iter().all(|e| !e.timed_out));
    }

    #[test]
    fn errors_are_reported_and_tree_kept() {
        let p = parse("x = [1, 2\ntoolchain(name = 'a')\n");
        assert!(p.tree.is_some());
        assert!(!p.errors.is_empty());
    }

    #[test]
    fn clean_file_has_no_errors() {
        let p = parse("load(':a.bzl', 'b')\nb(name = 'x', srcs = glob(['*.cc']))\n");
        assert!(p.errors.is_empty(), "{:?}", p.errors);
    }

    /// A string the parser recovered from (no closing quote, a wide character at its end):
    /// found by the `starlark` fuzzer, whose input this is (invalid bytes replaced).
    #[test]
    fn recovered_strings_without_closing_quote_decode_to_nothing() {
        let text = format!(
            "load(\"@r//f:defs.bzl\", \"\"\"\"frob_library\")\n\nfrob_library(\n    name = \"wire{}s\",\n    srcs = [',\n)\n",
            "\u{fffd}".repeat(40)
        );
        let p = parse(&text);
        let tree = p.tree.unwrap();
        let mut cursor = tree.walk();
        let mut strings = 0;
        loop {
            let node = cursor.node();
            if matches!(node.kind(), "string" | "concatenated_string") {
                strings += 1;
                if let Some(v) = string_value(node, &text) {
                    assert!(text.contains(v.value.as_str()), "{v:?}");
                }
            }
            if cursor.goto_first_child() || cursor.goto_next_sibling() {
                continue;
            }
            while cursor.goto_parent() && !cursor.goto_next_sibling() {}
            if cursor.node() == tree.root_node() {
                break;
            }
        }
        assert!(strings > 0);
        assert_eq!(
            string_value(
                parse("x = \"é\"\n")
                    .tree
                    .unwrap()
                    .root_node()
                    .named_child(0)
                    .unwrap()
                    .named_child(0)
                    .unwrap()
                    .child_by_field_name("right")
                    .unwrap(),
                "x = \"é\"\n"
            )
            .map(|v| v.value),
            Some("é".to_string())
        );
    }

    #[test]
    fn every_cached_field_name_is_in_the_grammar() {
        let text = "x = f(a, b = 1)\n";
        let p = parse(text);
        let tree = p.tree.unwrap();
        let call = tree
            .root_node()
            .named_child(0)
            .unwrap()
            .named_child(0)
            .unwrap();
        let value = field(call, "right").unwrap();
        assert_eq!(node_text(field(value, "function").unwrap(), text), "f");
        assert_eq!(
            field(value, "arguments").map(|n| n.kind()),
            value.child_by_field_name("arguments").map(|n| n.kind())
        );
        assert!(field(value, "no_such_field").is_none());
        let language: tree_sitter::Language = tree_sitter_starlark::LANGUAGE.into();
        for name in FIELD_NAMES {
            assert!(language.field_id_for_name(name).is_some(), "{name}");
        }
    }

    #[test]
    fn python_only_constructs_are_errors() {
        let p = parse("while True:\n    pass\n");
        assert!(p.errors.iter().any(|e| e.message.contains("while")));
    }

    /// The prefilter lets every Python-only construct through (a full walk then reports it)
    /// and skips the walk for ordinary BUILD text full of `@repo` labels and `*_with`
    /// attributes.
    #[test]
    fn python_only_prefilter_is_a_superset() {
        let flagged = [
            "while x:\n    pass\n",
            "x = 1;while x: pass\n",
            "with open(f) as g:\n    pass\n",
            "del x\n",
            "del(x)\n",
            "@dec\ndef f():\n    pass\n",
            "\r\n  \t@dec\ndef f():\n    pass\n",
            "print \"x\"\n",
            "exec \"x\"\n",
            "y = (x := 1)\n",
            "x = ...\n",
            "x = f\"{y}\"\n",
            "x = F'{y}'\n",
            "x = rf\"{y}\"\n",
            "x = [Rf\"{y}\"]\n",
            "x = 1\néwhile = 2\n",
        ];
        for text in flagged {
            assert!(may_contain_python_only(text), "{text:?}");
        }
        for text in [
            "while True:\n    pass\n",
            "del x\n",
            "@dec\ndef f():\n    pass\n",
        ] {
            assert!(!parse(text).errors.is_empty(), "{text:?}");
        }
        let plain = "load(\"@rules_x//x:defs.bzl\", \"x_library\")\n\ntoolchain(\n    name = \"t\",\n    exec_compatible_with = [\"@platforms//os:linux\"],\n    target_compatible_with = [],\n    toolchain = \"@foo//:bar\",\n)\nprint(\"debug\")\nexecutable = buf\"x\" if withx else delta\n";
        assert!(!may_contain_python_only(plain));
    }

    #[test]
    fn statement_level_match_and_assert_calls_are_calls() {
        let text = "match(\n    env,\n    kind = k,\n)\nassert_contains(\n    name = \"t\",\n    actual = \":a\",\n)\nassert_eq(1, 2, msg = \"m\")\nx = match(y)\n";
        let p = parse(text);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        let tree = p.tree.unwrap();
        let root = tree.root_node();
        let first = root.named_child(0).unwrap().named_child(0).unwrap();
        assert_eq!(first.kind(), "call");
        let callee = field(first, "function").unwrap();
        assert_eq!(node_text(callee, text), "match");
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let depth = 10_000;
        let text = format!("x = {}{}\n", "[".repeat(depth), "]".repeat(depth));
        let p = parse(&text);
        assert!(p.tree.is_some());
    }

    /// An incremental reparse gives the tree and errors a fresh parse gives, through valid
    /// edits, broken ones (which fall back to a fresh parse), the grammar-gap patch and
    /// multi-byte text.
    #[test]
    fn reparse_equals_a_fresh_parse() {
        let steps = [
            "load(\"//a:b.bzl\", \"x\")\n\ntoolchain(name = \"t\")\n",
            "load(\"//a:b.bzl\", \"x\")\n\ntoolchain(name = \"tc\", exec_compatible_with = [])\n",
            "load(\"//a:b.bzl\", \"x\")\n# é ü\ntoolchain(name = \"tc\", exec_compatible_with = [])\n",
            "load(\"//a:b.bzl\", \"x\")\n# é ü\ntoolchain(name = \"tc\", exec_compatible_with = [\n",
            "load(\"//a:b.bzl\", \"x\")\n# é ü\ntoolchain(name = \"tc\")\nmatch(x)\n",
            "def f(x):\n    if x:\n        return 1\n    return 2\n",
            "",
            "x = [1, 2, 3]\n",
        ];
        let mut text = steps[0].to_string();
        let mut tree = parse(&text).tree.unwrap();
        for next in &steps[1..] {
            let incremental = reparse(&text, &tree, next, ParseLimits::default());
            let fresh = parse(next);
            let (a, b) = (incremental.tree.unwrap(), fresh.tree.unwrap());
            assert_eq!(a.root_node().to_sexp(), b.root_node().to_sexp(), "{next:?}");
            assert_eq!(
                format!("{:?}", incremental.errors),
                format!("{:?}", fresh.errors),
                "{next:?}"
            );
            text = next.to_string();
            tree = a;
        }
    }
}
