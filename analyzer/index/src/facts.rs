//! Lowering of one parsed Starlark file into [`FileFacts`]: its loads, module-level bindings,
//! function summaries, top-level calls and suppression comments, with source ranges.
//!
//! `FileFacts` is the only per-file state kept for files that are not open in an editor; it is
//! small, independent of the syntax tree, and the same for edits that do not change facts.

use toolcheck_syntax::{
    exact, field, named_children, node_text, string_value, FileKind, Node, SyntaxError, TextRange,
    Tree,
};

use serde::{Deserialize, Serialize};
use thin_vec::ThinVec;

use crate::expr::{lower_call, lower_expr, sym, Call, Expr, Sym};

/// What lowering keeps of one file.
///
/// The lists a BUILD file nearly never has (syntax errors, bindings, functions, suppression
/// comments) are [`ThinVec`]s: one word each, no allocation when empty, and facts hold one
/// `FileFacts` per file of the workspace.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct FileFacts {
    pub syntax_errors: ThinVec<SyntaxError>,
    pub loads: Vec<Load>,
    pub bindings: ThinVec<Binding>,
    pub functions: ThinVec<FuncDef>,
    /// Top-level call statements in source order (targets in BUILD files, directives in
    /// MODULE.bazel and WORKSPACE).
    pub calls: Vec<TopCall>,
    pub suppressions: ThinVec<Suppression>,
    /// Top-level code that can create targets toolcheck does not list (comprehensions,
    /// loops, conditionals): the package's target set is then open.
    pub has_dynamic_statements: bool,
    /// Those dynamic top-level statements of a BUILD or WORKSPACE file, for macro
    /// evaluation (`truncated` when one could not be lowered). In a `.bzl` file: the
    /// statements that change globals in place, replayed when those globals are evaluated.
    /// `None` when there are none, as in nearly every file: an empty [`Body`] inline cost 80
    /// of the struct's bytes for each of the workspace's files. Read it with
    /// [`FileFacts::top_level`].
    ///
    /// [`Body`]: crate::body::Body
    pub top_level: Option<Box<crate::body::Body>>,
}

/// What [`FileFacts::top_level`] reads for a file without dynamic top-level statements.
static NO_TOP_LEVEL: crate::body::Body = crate::body::Body {
    stmts: Vec::new(),
    truncated: false,
    aug_ops: Vec::new(),
    reassigned: Vec::new(),
};

impl FileFacts {
    /// Drops the spare capacity lowering left, once a file's facts are complete.
    pub(crate) fn shrink(&mut self) {
        self.loads = exact(std::mem::take(&mut self.loads));
        self.calls = exact(std::mem::take(&mut self.calls));
        self.bindings.shrink_to_fit();
        self.functions.shrink_to_fit();
    }
    /// The file's dynamic top-level statements (see the field); empty when there are none.
    pub fn top_level(&self) -> &crate::body::Body {
        self.top_level.as_deref().unwrap_or(&NO_TOP_LEVEL)
    }
    /// Whether the file's parse ran out of its time budget (it then has no facts). That depends
    /// on the machine's load, so such facts, and results computed from them, are never cached.
    pub fn parse_timed_out(&self) -> bool {
        self.syntax_errors.iter().any(|e| e.timed_out)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Load {
    pub module: Sym,
    pub module_range: TextRange,
    pub symbols: Box<[LoadSymbol]>,
    pub range: TextRange,
}

/// One symbol a `load` binds: the local name, the name the loaded file exports, and the
/// range of the binding (`"name"` or `local = "name"`). Both names are interned (nearly every
/// BUILD file loads the same few symbols): 24 bytes a symbol.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadSymbol {
    local: Sym,
    exported: Sym,
    pub range: TextRange,
}

impl LoadSymbol {
    pub fn new(local: &str, exported: &str, range: TextRange) -> LoadSymbol {
        let local = sym(local);
        LoadSymbol {
            local,
            exported: if exported == local.as_str() {
                local
            } else {
                sym(exported)
            },
            range,
        }
    }
    /// The name the symbol is bound to in the loading file.
    pub fn local(&self) -> &str {
        self.local.as_str()
    }
    /// The name the loaded file exports.
    pub fn exported(&self) -> &str {
        self.exported.as_str()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Binding {
    pub name: String,
    pub name_range: TextRange,
    pub value: Expr,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FuncDef {
    pub name: String,
    pub name_range: TextRange,
    /// Parameters with their default values (`None` for required ones).
    pub params: Vec<(String, Option<Expr>)>,
    /// The names of the `*args` and `**kwargs` parameters, when present.
    pub star_params: (Option<String>, Option<String>),
    /// How many of `params` come before a `*` / `*args` (the rest are keyword-only).
    pub positional_params: usize,
    /// The body as statements (what the interpreter runs).
    pub body: crate::body::Body,
    pub range: TextRange,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TopCall {
    pub call: Call,
    pub range: TextRange,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppression {
    /// Check names, as written.
    pub checks: Vec<(String, TextRange)>,
    /// Whether this is a `disable-file=` comment.
    pub file_wide: bool,
    /// The range the suppression covers (the comment's line, or the statement it sits in or
    /// directly above).
    pub scope: TextRange,
    pub comment: TextRange,
}

/// Lowers a parsed file. `errors` are the parse's syntax errors, kept with the facts.
pub fn lower_file(
    tree: Option<&Tree>,
    text: &str,
    kind: FileKind,
    errors: Vec<SyntaxError>,
) -> FileFacts {
    let mut facts = FileFacts {
        syntax_errors: errors.into(),
        ..FileFacts::default()
    };
    let Some(tree) = tree else { return facts };
    let root = tree.root_node();
    let mut dynamic = Vec::new();
    // The ranges of top-level statements scope suppression comments; they are not kept in
    // the facts (nothing reads them after lowering, and they cost 8 bytes a statement).
    let mut statements = Vec::new();
    for stmt in named_children(root) {
        if stmt.kind() != "comment" {
            statements.push(TextRange::of(stmt));
        }
        let before = facts.has_dynamic_statements;
        lower_statement(stmt, text, kind, &mut facts);
        if facts.has_dynamic_statements && !before
            || is_dynamic(stmt, kind)
            || kind == FileKind::Bzl && mutates_global(stmt, text)
        {
            dynamic.push(stmt);
        }
    }
    if !dynamic.is_empty() {
        dynamic.dedup_by_key(|n| n.id());
        facts.top_level = Some(Box::new(crate::body::lower_top_level(&dynamic, text)));
    }
    if text.contains("toolcheck:") {
        collect_suppressions(root, text, &statements, &mut facts);
    }
    facts.shrink();
    facts
}

fn lower_statement(stmt: Node<'_>, text: &str, kind: FileKind, facts: &mut FileFacts) {
    if stmt.kind() == "comment" {
        return;
    }
    match stmt.kind() {
        "expression_statement" => {
            for child in named_children(stmt) {
                match child.kind() {
                    "call" => lower_top_call(child, stmt, text, facts),
                    "assignment" => lower_assignment(child, text, &mut facts.bindings),
                    "string" | "concatenated_string" | "comment" => {}
                    _ => facts.has_dynamic_statements = true,
                }
            }
        }
        "function_definition" => {
            if let Some(f) = lower_function(stmt, text) {
                facts.functions.push(f);
            }
        }
        "for_statement" | "if_statement" | "while_statement" | "with_statement"
            if kind != FileKind::Bzl =>
        {
            facts.has_dynamic_statements = true;
        }
        _ => {}
    }
}

/// Whether a top-level statement is one `lower_statement` counts as dynamic.
fn is_dynamic(stmt: Node<'_>, kind: FileKind) -> bool {
    match stmt.kind() {
        "expression_statement" => named_children(stmt).any(|c| {
            !matches!(
                c.kind(),
                "call" | "assignment" | "string" | "concatenated_string" | "comment"
            )
        }),
        "for_statement" | "if_statement" | "while_statement" | "with_statement" => {
            kind != FileKind::Bzl
        }
        _ => false,
    }
}

fn lower_top_call(call: Node<'_>, stmt: Node<'_>, text: &str, facts: &mut FileFacts) {
    let Some(lowered) = lower_call(call, text, 0) else {
        return;
    };
    if lowered.func.dotted_name().as_deref() == Some("load") {
        if let Some(load) = lower_load(&lowered, TextRange::of(stmt), text) {
            facts.loads.push(load);
        }
        return;
    }
    facts.calls.push(TopCall {
        call: lowered,
        range: TextRange::of(stmt),
    });
}

/// `text` is the file's: a symbol bound as `alias = "symbol"` spans from the alias.
pub(crate) fn lower_load(call: &Call, range: TextRange, text: &str) -> Option<Load> {
    let first = call.args.first()?;
    let module = first.as_sym()?;
    let mut symbols = Vec::with_capacity(call.args.len() - 1 + call.kwargs.len());
    for arg in &call.args[1..] {
        if let Some(s) = arg.as_str() {
            symbols.push(LoadSymbol::new(s, s, arg.range));
        }
    }
    for kw in &call.kwargs {
        if let Some(s) = kw.value.as_str() {
            let start = kw.name_start(text).unwrap_or(kw.value.range.start);
            symbols.push(LoadSymbol::new(
                &kw.name,
                s,
                TextRange::new(start, kw.value.range.end),
            ));
        }
    }
    Some(Load {
        module,
        module_range: first.range,
        symbols: exact(symbols).into_boxed_slice(),
        range,
    })
}

/// Whether a `.bzl` file's top-level statement changes a global in place (`X["k"] = v`,
/// `X += [...]`, `X.append(v)`). Such statements are kept in [`FileFacts::top_level`]: the
/// global's value is its binding's with them replayed in order.
fn mutates_global(stmt: Node<'_>, text: &str) -> bool {
    if stmt.kind() != "expression_statement" {
        return false;
    }
    named_children(stmt).any(|node| match node.kind() {
        "assignment" => field(node, "left").is_some_and(|l| l.kind() != "identifier"),
        "augmented_assignment" => true,
        "call" => field(node, "function").is_some_and(|f| {
            f.kind() == "attribute"
                && field(f, "attribute").is_some_and(|a| {
                    crate::interp::concrete::MUTATING_METHODS.contains(&node_text(a, text))
                })
        }),
        _ => false,
    })
}

fn lower_assignment(node: Node<'_>, text: &str, out: &mut ThinVec<Binding>) {
    let (Some(left), Some(right)) = (field(node, "left"), field(node, "right")) else {
        return;
    };
    if left.kind() != "identifier" {
        return;
    }
    let value = if right.kind() == "assignment" {
        Expr::unknown(TextRange::of(right))
    } else {
        lower_expr(right, text)
    };
    out.push(Binding {
        name: node_text(left, text).to_string(),
        name_range: TextRange::of(left),
        value,
    });
}

fn lower_function(node: Node<'_>, text: &str) -> Option<FuncDef> {
    let name = field(node, "name")?;
    let (params, star_params, positional_params) = lower_params(node, text);
    Some(FuncDef {
        name: node_text(name, text).to_string(),
        name_range: TextRange::of(name),
        params,
        star_params,
        positional_params,
        body: crate::body::lower_body(node, text),
        range: TextRange::of(node),
    })
}

/// The parameters of a `def` or `lambda`: names with defaults, the `*args`/`**kwargs`
/// names, and how many parameters may be given by position.
pub(crate) type LoweredParams = (
    Vec<(String, Option<Expr>)>,
    (Option<String>, Option<String>),
    usize,
);

pub(crate) fn lower_params(node: Node<'_>, text: &str) -> LoweredParams {
    let mut params = Vec::new();
    let mut star_params = (None, None);
    let mut positional_params = None;
    if let Some(ps) = field(node, "parameters") {
        for p in named_children(ps) {
            match p.kind() {
                "list_splat_pattern" | "keyword_separator" => {
                    positional_params.get_or_insert(params.len());
                    if let Some(n) = named_children(p).find(|c| c.kind() == "identifier") {
                        star_params.0 = Some(node_text(n, text).to_string());
                    }
                }
                "dictionary_splat_pattern" => {
                    if let Some(n) = named_children(p).find(|c| c.kind() == "identifier") {
                        star_params.1 = Some(node_text(n, text).to_string());
                    }
                }
                "identifier" => params.push((node_text(p, text).to_string(), None)),
                "default_parameter" | "typed_default_parameter" => {
                    if let (Some(n), Some(v)) = (field(p, "name"), field(p, "value")) {
                        params.push((node_text(n, text).to_string(), Some(lower_expr(v, text))));
                    }
                }
                _ => {}
            }
        }
    }
    let positional_params = positional_params.unwrap_or(params.len());
    (params, star_params, positional_params)
}

/// Finds `# toolcheck: disable=...` comments. Only called for files that mention
/// `toolcheck:`, so the full walk is rare.
fn collect_suppressions(
    root: Node<'_>,
    text: &str,
    statements: &[TextRange],
    facts: &mut FileFacts,
) {
    let mut cursor = root.walk();
    let mut comments = Vec::new();
    'walk: loop {
        let node = cursor.node();
        if node.kind() == "comment" {
            comments.push(TextRange::of(node));
        }
        if cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                continue 'walk;
            }
            if !cursor.goto_parent() {
                break 'walk;
            }
        }
    }
    suppressions_from_comments(&comments, text, statements, facts);
}

/// Reads the suppressions among `comments` (ranges of whole comments, in source order) of a
/// file whose top-level statements are `statements` (every one, in source order).
pub(crate) fn suppressions_from_comments(
    comments: &[TextRange],
    text: &str,
    statements: &[TextRange],
    facts: &mut FileFacts,
) {
    for &comment in comments {
        let raw = &text[comment.start as usize..comment.end as usize];
        let body = raw.trim_start_matches('#').trim();
        let Some(rest) = body.strip_prefix("toolcheck:") else {
            continue;
        };
        let rest = rest.trim_start();
        let (file_wide, list) = if let Some(l) = rest.strip_prefix("disable-file=") {
            (true, l)
        } else if let Some(l) = rest.strip_prefix("disable=") {
            (false, l)
        } else {
            continue;
        };
        let list_start = comment.start
            + (raw.len() - raw.trim_start_matches('#').trim_start().len()) as u32
            + (body.len() - list.len()) as u32;
        let mut checks = Vec::new();
        let mut offset = list_start;
        for part in list.split(',') {
            let trimmed = part.trim();
            let name: String = trimmed
                .chars()
                .take_while(|ch| !ch.is_whitespace())
                .collect();
            let lead = (part.len() - part.trim_start().len()) as u32;
            if !name.is_empty() {
                checks.push((
                    name.clone(),
                    TextRange::new(offset + lead, offset + lead + name.len() as u32),
                ));
            }
            offset += part.len() as u32 + 1;
            if trimmed.len() != name.len() {
                break;
            }
        }
        let scope = suppression_scope(comment, text, statements);
        facts.suppressions.push(Suppression {
            checks,
            file_wide,
            scope,
            comment,
        });
    }
}

/// A suppression covers its own line, the statement it sits in, or the statement that starts
/// on the next line when the comment stands alone on its line.
fn suppression_scope(comment: TextRange, text: &str, statements: &[TextRange]) -> TextRange {
    let line_start = text[..comment.start as usize]
        .rfind('\n')
        .map(|i| i as u32 + 1)
        .unwrap_or(0);
    let line_end = text[comment.end as usize..]
        .find('\n')
        .map(|i| comment.end + i as u32)
        .unwrap_or(text.len() as u32);
    let mut scope = TextRange::new(line_start, line_end);
    if let Some(stmt) = statements
        .iter()
        .find(|s| s.start <= comment.start && comment.start < s.end)
    {
        scope = scope.cover(*stmt);
    } else if text[line_start as usize..comment.start as usize]
        .trim()
        .is_empty()
    {
        if let Some(next) = statements.iter().find(|s| s.start > comment.end) {
            let between = &text[comment.end as usize..next.start as usize];
            if between.chars().filter(|&ch| ch == '\n').count() <= 1 && between.trim().is_empty() {
                scope = scope.cover(*next);
            }
        }
    }
    scope
}

/// Decodes a string node (helper for other lowering modules).
pub fn string_of(node: Node<'_>, text: &str) -> Option<String> {
    string_value(node, text).map(|s| s.value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_of(text: &str) -> Load {
        let tree = toolcheck_syntax::parse(text).tree;
        let facts = lower_file(tree.as_ref(), text, FileKind::Build, Vec::new());
        facts.loads.into_iter().next().expect("one load")
    }

    #[test]
    fn load_symbols_keep_both_names_in_one_string() {
        let text = "load(\":defs.bzl\", \"same\", \"a=b\", alias = \"exported_name\")\n";
        let load = load_of(text);
        let names: Vec<(&str, &str, &str)> = load
            .symbols
            .iter()
            .map(|s| {
                let r = s.range.start as usize..s.range.end as usize;
                (s.local(), s.exported(), &text[r])
            })
            .collect();
        assert_eq!(
            names,
            [
                ("same", "same", "\"same\""),
                // A positional name is taken as written, `=` and all.
                ("a=b", "a=b", "\"a=b\""),
                ("alias", "exported_name", "alias = \"exported_name\""),
            ]
        );
        assert_eq!(std::mem::size_of::<LoadSymbol>(), 24);
    }
}
