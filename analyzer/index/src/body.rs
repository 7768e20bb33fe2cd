//! A compact statement form of function bodies, kept after the syntax tree is dropped so that
//! flow-sensitive checks (optional toolchains) can follow values through assignments,
//! branches, loops and returns.
//!
//! Only what such an analysis needs is kept: assignments to names and tuples of names,
//! expression statements, `if`/`elif`/`else` (an `elif` becomes a nested `If` marked
//! `elif`), `for` loops, `return`, `break`/`continue`. Everything else becomes
//! [`StmtKind::Opaque`]. Nesting deeper than [`MAX_STMT_DEPTH`] and statements past
//! [`MAX_STMTS`] per function are dropped and mark the body as truncated, so hostile input
//! costs time proportional to its size and never deep recursion.

use serde::{Deserialize, Serialize};
use toolcheck_syntax::{field, named_children, node_text, Node, TextRange};

use crate::expr::{lower_expr, Expr};

/// Statement nesting lowered inside one function.
pub const MAX_STMT_DEPTH: u32 = 24;
/// Statements lowered per function.
pub const MAX_STMTS: u32 = 20_000;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Body {
    pub stmts: Vec<Stmt>,
    /// Part of the body was dropped by a bound: analyses must treat the function as unknown.
    pub truncated: bool,
    /// The operators of augmented assignments other than `+=`, by statement range
    /// (`AugAssign` does not carry its operator).
    pub aug_ops: Vec<(TextRange, String)>,
    /// Names this body assigns more than once (loops and augmented assignments count as
    /// more): a closure made in it must not take their current value for their value when
    /// it runs. Only computed for bodies that make closures; usually empty.
    pub reassigned: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stmt {
    pub kind: StmtKind,
    pub range: TextRange,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Target {
    Name(String),
    Tuple(Vec<Target>),
    /// `obj.attr = ...` / `obj[key] = ...`: the expression assigned into.
    Other(Expr),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum StmtKind {
    Assign {
        target: Target,
        value: Expr,
    },
    /// `x += value` and the other augmented assignments.
    AugAssign {
        target: Target,
        value: Expr,
    },
    Expr(Expr),
    Return(Option<Expr>),
    If {
        cond: Expr,
        then: Vec<Stmt>,
        orelse: Vec<Stmt>,
        /// This `If` is an `elif` clause (its condition cannot be preceded by a statement).
        elif: bool,
    },
    For {
        target: Target,
        iter: Expr,
        body: Vec<Stmt>,
    },
    Break,
    Continue,
    /// A nested `def` (a closure over the enclosing function's names when it runs).
    Def(std::sync::Arc<crate::facts::FuncDef>),
    /// Anything else (`pass` included).
    Opaque,
}

struct Lowerer<'t> {
    text: &'t str,
    count: u32,
    truncated: bool,
    aug_ops: Vec<(TextRange, String)>,
}

/// Lowers top-level statements of a BUILD or WORKSPACE file that are not plain calls
/// (comprehensions, loops) so that macro evaluation can run them. A statement this IR cannot
/// hold marks the body as truncated.
pub fn lower_top_level(stmts: &[Node<'_>], text: &str) -> Body {
    let mut l = Lowerer {
        text,
        count: 0,
        truncated: false,
        aug_ops: Vec::new(),
    };
    let mut out = Vec::new();
    for &s in stmts {
        if !matches!(
            s.kind(),
            "expression_statement" | "for_statement" | "if_statement"
        ) {
            l.truncated = true;
            continue;
        }
        l.count += 1;
        if l.count > MAX_STMTS {
            l.truncated = true;
            break;
        }
        l.statement(s, 0, &mut out);
    }
    Body {
        reassigned: reassigned_if_closures(&out),
        stmts: out,
        truncated: l.truncated,
        aug_ops: l.aug_ops,
    }
}

/// Lowers the `body` block of a function definition.
pub fn lower_body(function: Node<'_>, text: &str) -> Body {
    let mut body = Body::default();
    let Some(block) = field(function, "body") else {
        return body;
    };
    let mut l = Lowerer {
        text,
        count: 0,
        truncated: false,
        aug_ops: Vec::new(),
    };
    body.stmts = l.block(block, 0);
    body.truncated = l.truncated;
    body.aug_ops = l.aug_ops;
    body.reassigned = reassigned_if_closures(&body.stmts);
    body
}

/// [`Body::reassigned`] of a body that makes closures (empty otherwise: nothing reads it).
fn reassigned_if_closures(stmts: &[Stmt]) -> Vec<String> {
    fn makes_closures(stmts: &[Stmt]) -> bool {
        stmts.iter().any(|s| match &s.kind {
            StmtKind::Def(_) => true,
            StmtKind::If { then, orelse, .. } => makes_closures(then) || makes_closures(orelse),
            StmtKind::For { body, .. } => makes_closures(body),
            StmtKind::Assign { value, .. } | StmtKind::AugAssign { value, .. } => {
                value.mentions_lambda()
            }
            StmtKind::Expr(e) | StmtKind::Return(Some(e)) => e.mentions_lambda(),
            _ => false,
        })
    }
    fn count(stmts: &[Stmt], weight: u32, out: &mut Vec<(String, u32)>) {
        fn add(t: &Target, weight: u32, out: &mut Vec<(String, u32)>) {
            match t {
                Target::Name(n) => match out.iter_mut().find(|(m, _)| m == n) {
                    Some((_, c)) => *c += weight,
                    None => out.push((n.clone(), weight)),
                },
                Target::Tuple(ts) => ts.iter().for_each(|t| add(t, weight, out)),
                Target::Other(_) => {}
            }
        }
        for s in stmts {
            match &s.kind {
                StmtKind::Assign { target, .. } => add(target, weight, out),
                StmtKind::AugAssign { target, .. } => add(target, 2, out),
                StmtKind::Def(f) => add(&Target::Name(f.name.clone()), weight, out),
                StmtKind::If { then, orelse, .. } => {
                    count(then, weight, out);
                    count(orelse, weight, out);
                }
                // A loop's body may run many times.
                StmtKind::For { target, body, .. } => {
                    add(target, 2, out);
                    count(body, 2, out);
                }
                _ => {}
            }
        }
    }
    if !makes_closures(stmts) {
        return Vec::new();
    }
    let mut counts = Vec::new();
    count(stmts, 1, &mut counts);
    counts
        .into_iter()
        .filter(|(_, c)| *c >= 2)
        .map(|(n, _)| n)
        .collect()
}

impl Lowerer<'_> {
    /// A `def` inside a function body: lowered like a top-level one, sharing this body's
    /// statement count and nesting bound so nested functions cannot multiply either.
    fn nested_function(&mut self, stmt: Node<'_>, depth: u32) -> Option<crate::facts::FuncDef> {
        let name = field(stmt, "name")?;
        let (params, star_params, positional_params) = crate::facts::lower_params(stmt, self.text);
        let mut inner = Lowerer {
            text: self.text,
            count: self.count,
            truncated: false,
            aug_ops: Vec::new(),
        };
        let stmts = match field(stmt, "body") {
            Some(b) => inner.block(b, depth + 1),
            None => Vec::new(),
        };
        self.count = inner.count;
        let body = Body {
            reassigned: reassigned_if_closures(&stmts),
            stmts,
            truncated: inner.truncated,
            aug_ops: inner.aug_ops,
        };
        Some(crate::facts::FuncDef {
            name: node_text(name, self.text).to_string(),
            name_range: TextRange::of(name),
            params,
            star_params,
            positional_params,
            body,
            range: TextRange::of(stmt),
        })
    }

    fn block(&mut self, block: Node<'_>, depth: u32) -> Vec<Stmt> {
        let mut out = Vec::new();
        if depth > MAX_STMT_DEPTH {
            self.truncated = true;
            return out;
        }
        for stmt in named_children(block) {
            if stmt.kind() == "comment" {
                continue;
            }
            self.count += 1;
            if self.count > MAX_STMTS {
                self.truncated = true;
                return out;
            }
            self.statement(stmt, depth, &mut out);
        }
        out
    }

    fn target(&self, node: Node<'_>) -> Target {
        match node.kind() {
            "identifier" => Target::Name(node_text(node, self.text).to_string()),
            "pattern_list" | "tuple_pattern" | "list_pattern" => Target::Tuple(
                named_children(node)
                    .filter(|c| c.kind() != "comment")
                    .map(|c| self.target(c))
                    .collect(),
            ),
            "parenthesized_expression" if node.named_child_count() == 1 => {
                match node.named_child(0) {
                    Some(inner) => self.target(inner),
                    None => Target::Other(Expr::unknown(TextRange::of(node))),
                }
            }
            _ => Target::Other(lower_expr(node, self.text)),
        }
    }

    fn statement(&mut self, stmt: Node<'_>, depth: u32, out: &mut Vec<Stmt>) {
        let range = TextRange::of(stmt);
        let text = self.text;
        let kind = match stmt.kind() {
            "expression_statement" => {
                for child in named_children(stmt) {
                    let kind = match child.kind() {
                        "assignment" | "augmented_assignment" => {
                            let (Some(left), Some(right)) =
                                (field(child, "left"), field(child, "right"))
                            else {
                                continue;
                            };
                            let target = self.target(left);
                            let value =
                                if matches!(right.kind(), "assignment" | "augmented_assignment") {
                                    Expr::unknown(TextRange::of(right))
                                } else {
                                    lower_expr(right, text)
                                };
                            if child.kind() == "assignment" {
                                StmtKind::Assign { target, value }
                            } else {
                                if let Some(op) = field(child, "operator") {
                                    if op.kind() != "+=" {
                                        self.aug_ops.push((range, op.kind().to_string()));
                                    }
                                }
                                StmtKind::AugAssign { target, value }
                            }
                        }
                        "comment" => continue,
                        _ => StmtKind::Expr(lower_expr(child, text)),
                    };
                    out.push(Stmt { kind, range });
                }
                return;
            }
            "return_statement" => {
                StmtKind::Return(named_children(stmt).next().map(|e| lower_expr(e, text)))
            }
            "if_statement" => self.if_statement(stmt, depth),
            "for_statement" => {
                let target = match field(stmt, "left") {
                    Some(l) => self.target(l),
                    None => Target::Other(Expr::unknown(range)),
                };
                let iter = match field(stmt, "right") {
                    Some(r) => lower_expr(r, text),
                    None => Expr::unknown(range),
                };
                let body = match field(stmt, "body") {
                    Some(b) => self.block(b, depth + 1),
                    None => Vec::new(),
                };
                StmtKind::For { target, iter, body }
            }
            "break_statement" => StmtKind::Break,
            "continue_statement" => StmtKind::Continue,
            "function_definition" => match self.nested_function(stmt, depth) {
                Some(f) => StmtKind::Def(std::sync::Arc::new(f)),
                None => StmtKind::Opaque,
            },
            _ => StmtKind::Opaque,
        };
        out.push(Stmt { kind, range });
    }

    /// `if`/`elif`/`else`: the elif clauses become nested `If`s in `orelse`, built from the
    /// last clause backwards (no recursion on long elif chains).
    fn if_statement(&mut self, stmt: Node<'_>, depth: u32) -> StmtKind {
        let range = TextRange::of(stmt);
        let cond = match field(stmt, "condition") {
            Some(c) => lower_expr(c, self.text),
            None => Expr::unknown(range),
        };
        let then = match field(stmt, "consequence") {
            Some(b) => self.block(b, depth + 1),
            None => Vec::new(),
        };
        let mut clauses: Vec<Node<'_>> = Vec::new();
        let mut cursor = stmt.walk();
        for c in stmt.children_by_field_name("alternative", &mut cursor) {
            clauses.push(c);
        }
        // Lower clauses in source order (so statement counting follows the source), then
        // nest them from the last one.
        let mut lowered: Vec<Clause> = Vec::new();
        for c in clauses {
            match c.kind() {
                "elif_clause" => {
                    let cond = match field(c, "condition") {
                        Some(e) => lower_expr(e, self.text),
                        None => Expr::unknown(TextRange::of(c)),
                    };
                    let body = match field(c, "consequence") {
                        Some(b) => self.block(b, depth + 1),
                        None => Vec::new(),
                    };
                    lowered.push((Some((cond, TextRange::of(c))), body));
                }
                "else_clause" => {
                    let body = match field(c, "body") {
                        Some(b) => self.block(b, depth + 1),
                        None => Vec::new(),
                    };
                    lowered.push((None, body));
                }
                _ => {}
            }
        }
        let mut orelse: Vec<Stmt> = Vec::new();
        for (cond, body) in lowered.into_iter().rev() {
            match cond {
                Some((cond, r)) => {
                    orelse = vec![Stmt {
                        kind: StmtKind::If {
                            cond,
                            then: body,
                            orelse,
                            elif: true,
                        },
                        range: r,
                    }];
                }
                None => orelse = body,
            }
        }
        StmtKind::If {
            cond,
            then,
            orelse,
            elif: false,
        }
    }
}

/// One `if`/`elif`/`else` clause: its condition (none for `else`) and its body.
type Clause = (Option<(Expr, TextRange)>, Vec<Stmt>);
