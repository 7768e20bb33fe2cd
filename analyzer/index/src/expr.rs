//! A compact, tree-independent expression form that lowering keeps for values toolcheck may
//! need later (attribute values, module-level constants, function bodies' return values).
//!
//! Syntax trees are dropped after lowering (they cost 12-31x the source size); these small
//! trees are what survives. Anything toolcheck does not model becomes [`ExprKind::Unknown`].

use serde::{Deserialize, Serialize};
use thin_vec::ThinVec;
use toolcheck_syntax::{exact, field, named_children, node_text, string_value, Node, TextRange};

/// Lowering gives up (yields `Unknown`) below this depth, so hostile nesting costs nothing.
pub const MAX_EXPR_DEPTH: u32 = 48;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Expr {
    pub kind: ExprKind,
    pub range: TextRange,
}

/// An interned string: 8 bytes, equal strings share one copy for the life of the process.
///
/// Facts hold millions of strings (labels, attribute names, identifiers), most of them
/// repeated across files (`name`, `deps`, `//visibility:public`, a library every package
/// depends on). Interning keeps one copy of each and makes every [`ExprKind`] variant fit in
/// 8 bytes. It is the one interned string of the index: label parts, rule kinds and label
/// references are `Sym`s too (see [`crate::label::Label`]). The table only grows: what it holds is bounded by the distinct strings the
/// workspace (and, in the editor, its edits) ever contained.
pub type Sym = ustr::Ustr;

/// Interns a string (see [`Sym`]).
pub fn sym(s: &str) -> Sym {
    ustr::Ustr::from(s)
}

/// Every variant is at most 8 bytes of payload, so an [`Expr`] is 24 bytes: facts hold one
/// per value written in every BUILD file. Sequences are [`ThinVec`]s (length and capacity
/// live in the allocation; an empty one allocates nothing), and the operands of a binary
/// form share one allocation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ExprKind {
    Str(Sym),
    Int(i64),
    Bool(bool),
    None,
    List(ThinVec<Expr>),
    Tuple(ThinVec<Expr>),
    Dict(ThinVec<(Expr, Expr)>),
    Name(Sym),
    /// `object.attribute`.
    Attr(Box<(Expr, Sym)>),
    /// `object[index]`.
    Index(Box<[Expr; 2]>),
    Call(Box<Call>),
    /// `left + right`.
    Add(Box<[Expr; 2]>),
    /// `then if cond else otherwise`, in that order.
    Cond(Box<[Expr; 3]>),
    /// `not x`.
    Not(Box<Expr>),
    /// `a and b` (true) / `a or b` (false): `[left, right]`.
    BoolOp {
        and: bool,
        operands: Box<[Expr; 2]>,
    },
    /// `a == b` (true) / `a != b` (false): `[left, right]`.
    Eq {
        eq: bool,
        operands: Box<[Expr; 2]>,
    },
    /// `x in y`: `[x, y]`.
    In(Box<[Expr; 2]>),
    /// Forms only the macro evaluator needs (comprehensions, other operators, slices,
    /// lambdas), kept in one variant so analyses that do not care treat them as unknown.
    Ext(Box<ExtExpr>),
    Unknown,
}

impl ExprKind {
    pub fn attr(object: Expr, name: Sym) -> ExprKind {
        ExprKind::Attr(Box::new((object, name)))
    }
}

/// Expressions beyond the common core (see [`ExprKind::Ext`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ExtExpr {
    /// `left op right` for every binary operator but `+` (`-`, `*`, `/`, `//`, `%`, `|`, ...).
    BinOp { op: String, left: Expr, right: Expr },
    /// `-x`, `+x`, `~x`.
    Unary { op: String, operand: Expr },
    /// `<`, `<=`, `>`, `>=`, `not in`.
    Compare { op: String, left: Expr, right: Expr },
    /// `[elt for ...]` (`value: None`) or `{key: value for ...}`.
    Comp {
        key: Expr,
        value: Option<Expr>,
        clauses: Vec<CompClause>,
    },
    /// `object[start:end:step]`.
    Slice {
        object: Expr,
        start: Option<Expr>,
        end: Option<Expr>,
        step: Option<Expr>,
    },
    /// `lambda params: body`, as a function whose body returns `body` (shared with the
    /// closures the interpreter makes of it).
    Lambda(std::sync::Arc<crate::facts::FuncDef>),
}

/// One `for`/`if` clause of a comprehension, in source order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum CompClause {
    For {
        target: crate::body::Target,
        iter: Expr,
    },
    If(Expr),
}

/// Boxed slices rather than vectors: a call is built once and never grows, and facts hold
/// one per call written (a `TopCall` per target), so the vectors' capacity words were 16
/// bytes of every call.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Call {
    pub func: Expr,
    pub args: Box<[Expr]>,
    pub kwargs: Box<[Kwarg]>,
    /// `*args` / `**kwargs`, when present (the argument list is then not fully known).
    /// Boxed: few calls have them, and facts hold a `Call` per call written.
    pub splat: Option<Box<Splat>>,
}

/// `name = value`. The name's range is not kept (facts hold millions of keyword arguments
/// and only a `load`'s `alias = "symbol"` asks where its name is: see
/// [`Kwarg::name_start`]): 32 bytes an argument.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Kwarg {
    pub name: Sym,
    pub value: Expr,
}

impl Kwarg {
    /// Where the name starts in `text` (the text the call was lowered from), found again
    /// before the value as `name = value` is written; `None` when something else (a
    /// comment) stands between them.
    pub fn name_start(&self, text: &str) -> Option<u32> {
        let before = text.get(..self.value.range.start as usize)?.trim_end();
        let before = before.strip_suffix('=')?.trim_end();
        before
            .ends_with(self.name.as_str())
            .then(|| (before.len() - self.name.len()) as u32)
    }
}

/// The `*args` and `**kwargs` of a call.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Splat {
    pub args: Option<Expr>,
    pub kwargs: Option<Expr>,
}

impl Call {
    pub fn kwarg(&self, name: &str) -> Option<&Kwarg> {
        self.kwargs.iter().find(|k| k.name == name)
    }
    /// `*args` or `**kwargs` present: the argument list is not fully known.
    pub fn has_splat(&self) -> bool {
        self.splat.is_some()
    }
    /// The `*args` expression, when present.
    pub fn star_args(&self) -> Option<&Expr> {
        self.splat.as_ref()?.args.as_ref()
    }
    /// The `**kwargs` expression, when present.
    pub fn star_kwargs(&self) -> Option<&Expr> {
        self.splat.as_ref()?.kwargs.as_ref()
    }
}

impl Expr {
    /// Whether a `lambda` is written anywhere in this expression.
    pub fn mentions_lambda(&self) -> bool {
        let any = |es: &[Expr]| es.iter().any(Expr::mentions_lambda);
        match &self.kind {
            ExprKind::List(items) | ExprKind::Tuple(items) => any(items),
            ExprKind::Dict(pairs) => pairs
                .iter()
                .any(|(k, v)| k.mentions_lambda() || v.mentions_lambda()),
            ExprKind::Attr(a) => a.0.mentions_lambda(),
            ExprKind::Not(o) => o.mentions_lambda(),
            ExprKind::Index(ops)
            | ExprKind::Add(ops)
            | ExprKind::In(ops)
            | ExprKind::BoolOp { operands: ops, .. }
            | ExprKind::Eq { operands: ops, .. } => any(&ops[..]),
            ExprKind::Cond(parts) => any(&parts[..]),
            ExprKind::Call(c) => {
                c.func.mentions_lambda()
                    || any(&c.args)
                    || c.kwargs.iter().any(|k| k.value.mentions_lambda())
                    || c.splat.as_ref().is_some_and(|s| {
                        s.args.as_ref().is_some_and(Expr::mentions_lambda)
                            || s.kwargs.as_ref().is_some_and(Expr::mentions_lambda)
                    })
            }
            ExprKind::Ext(x) => match &**x {
                ExtExpr::Lambda(_) => true,
                ExtExpr::BinOp { left, right, .. } | ExtExpr::Compare { left, right, .. } => {
                    left.mentions_lambda() || right.mentions_lambda()
                }
                ExtExpr::Unary { operand, .. } => operand.mentions_lambda(),
                ExtExpr::Comp {
                    key,
                    value,
                    clauses,
                } => {
                    key.mentions_lambda()
                        || value.as_ref().is_some_and(Expr::mentions_lambda)
                        || clauses.iter().any(|c| match c {
                            CompClause::For { iter, .. } => iter.mentions_lambda(),
                            CompClause::If(e) => e.mentions_lambda(),
                        })
                }
                ExtExpr::Slice {
                    object,
                    start,
                    end,
                    step,
                } => {
                    object.mentions_lambda()
                        || [start, end, step]
                            .iter()
                            .any(|e| e.as_ref().is_some_and(Expr::mentions_lambda))
                }
            },
            ExprKind::Str(_)
            | ExprKind::Int(_)
            | ExprKind::Bool(_)
            | ExprKind::None
            | ExprKind::Name(_)
            | ExprKind::Unknown => false,
        }
    }

    pub fn unknown(range: TextRange) -> Expr {
        Expr {
            kind: ExprKind::Unknown,
            range,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            ExprKind::Str(s) => Some(s),
            _ => None,
        }
    }
    /// A string literal's interned value (a copy, no lookup).
    pub fn as_sym(&self) -> Option<Sym> {
        match self.kind {
            ExprKind::Str(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_call(&self) -> Option<&Call> {
        match &self.kind {
            ExprKind::Call(c) => Some(c),
            _ => None,
        }
    }
    /// The dotted name of a callee (`toolchain`, `native.toolchain`, `config_common.toolchain_type`).
    pub fn dotted_name(&self) -> Option<String> {
        match &self.kind {
            ExprKind::Name(n) => Some(n.to_string()),
            ExprKind::Attr(a) => Some(format!("{}.{}", a.0.dotted_name()?, a.1)),
            _ => None,
        }
    }
}

/// Lowers an expression node.
pub fn lower_expr(node: Node<'_>, text: &str) -> Expr {
    lower_at(node, text, 0)
}

fn lower_or_unknown(node: Option<Node<'_>>, text: &str, depth: u32, fallback: TextRange) -> Expr {
    match node {
        Some(n) => lower_at(n, text, depth + 1),
        None => Expr::unknown(fallback),
    }
}

fn lower_at(node: Node<'_>, text: &str, depth: u32) -> Expr {
    let range = TextRange::of(node);
    if depth > MAX_EXPR_DEPTH {
        return Expr::unknown(range);
    }
    let kind = match node.kind() {
        "string" | "concatenated_string" => match string_value(node, text) {
            Some(s) => ExprKind::Str(sym(&s.value)),
            None => ExprKind::Unknown,
        },
        "integer" => node_text(node, text)
            .replace('_', "")
            .parse::<i64>()
            .map(ExprKind::Int)
            .unwrap_or(ExprKind::Unknown),
        "true" => ExprKind::Bool(true),
        "false" => ExprKind::Bool(false),
        "none" => ExprKind::None,
        "identifier" => ExprKind::Name(sym(node_text(node, text))),
        "parenthesized_expression" => match node.named_child(0) {
            Some(inner) if node.named_child_count() == 1 => {
                return lower_at(inner, text, depth + 1)
            }
            _ => ExprKind::Unknown,
        },
        "list" | "tuple" | "expression_list" => {
            let mut items = ThinVec::with_capacity(node.named_child_count());
            for child in named_children(node) {
                if child.kind() == "comment" {
                    continue;
                }
                if child.kind() == "list_splat" || child.kind() == "parenthesized_list_splat" {
                    items.push(Expr::unknown(TextRange::of(child)));
                    continue;
                }
                items.push(lower_at(child, text, depth + 1));
            }
            items.shrink_to_fit();
            if node.kind() == "list" {
                ExprKind::List(items)
            } else {
                ExprKind::Tuple(items)
            }
        }
        "dictionary" => {
            let mut pairs = ThinVec::with_capacity(node.named_child_count());
            let mut complete = true;
            for child in named_children(node) {
                match child.kind() {
                    "pair" => {
                        let k = lower_or_unknown(field(child, "key"), text, depth, range);
                        let v = lower_or_unknown(field(child, "value"), text, depth, range);
                        pairs.push((k, v));
                    }
                    "comment" => {}
                    _ => complete = false,
                }
            }
            if complete {
                pairs.shrink_to_fit();
                ExprKind::Dict(pairs)
            } else {
                ExprKind::Unknown
            }
        }
        "attribute" => {
            let obj = lower_or_unknown(field(node, "object"), text, depth, range);
            match field(node, "attribute") {
                Some(a) => ExprKind::attr(obj, sym(node_text(a, text))),
                None => ExprKind::Unknown,
            }
        }
        "subscript" if field(node, "subscript").is_some_and(|s| s.kind() == "slice") => {
            let object = lower_or_unknown(field(node, "value"), text, depth, range);
            let slice = field(node, "subscript").expect("checked");
            let mut parts: [Option<Expr>; 3] = [None, None, None];
            let mut part = 0;
            for i in 0..slice.child_count() {
                let Some(c) = slice.child(i) else { continue };
                if !c.is_named() {
                    if node_text(c, text) == ":" {
                        part = (part + 1).min(2);
                    }
                    continue;
                }
                if c.kind() != "comment" {
                    parts[part] = Some(lower_at(c, text, depth + 1));
                }
            }
            let [start, end, step] = parts;
            ExprKind::Ext(Box::new(ExtExpr::Slice {
                object,
                start,
                end,
                step,
            }))
        }
        "subscript" => ExprKind::Index(Box::new([
            lower_or_unknown(field(node, "value"), text, depth, range),
            lower_or_unknown(field(node, "subscript"), text, depth, range),
        ])),
        "call" => match lower_call(node, text, depth) {
            Some(c) => ExprKind::Call(Box::new(c)),
            None => ExprKind::Unknown,
        },
        "binary_operator" => {
            let op = field(node, "operator").map(|o| o.kind());
            let left = lower_or_unknown(field(node, "left"), text, depth, range);
            let right = lower_or_unknown(field(node, "right"), text, depth, range);
            match op {
                Some("+") => ExprKind::Add(Box::new([left, right])),
                Some(op) => ExprKind::Ext(Box::new(ExtExpr::BinOp {
                    op: op.to_string(),
                    left,
                    right,
                })),
                None => ExprKind::Unknown,
            }
        }
        "unary_operator" => match field(node, "operator") {
            Some(op) => ExprKind::Ext(Box::new(ExtExpr::Unary {
                op: op.kind().to_string(),
                operand: lower_or_unknown(field(node, "argument"), text, depth, range),
            })),
            None => ExprKind::Unknown,
        },
        "list_comprehension" | "dictionary_comprehension" => {
            lower_comprehension(node, text, depth).unwrap_or(ExprKind::Unknown)
        }
        "lambda" => lower_lambda(node, text, depth, range).unwrap_or(ExprKind::Unknown),
        "conditional_expression" => {
            let parts: Vec<Node<'_>> = named_children(node)
                .filter(|c| c.kind() != "comment")
                .collect();
            if parts.len() == 3 {
                ExprKind::Cond(Box::new(
                    [parts[0], parts[1], parts[2]].map(|p| lower_at(p, text, depth + 1)),
                ))
            } else {
                ExprKind::Unknown
            }
        }
        "not_operator" => ExprKind::Not(Box::new(lower_or_unknown(
            field(node, "argument"),
            text,
            depth,
            range,
        ))),
        "boolean_operator" => {
            let and = field(node, "operator").map(|o| o.kind()) == Some("and");
            ExprKind::BoolOp {
                and,
                operands: Box::new([
                    lower_or_unknown(field(node, "left"), text, depth, range),
                    lower_or_unknown(field(node, "right"), text, depth, range),
                ]),
            }
        }
        "comparison_operator" => lower_comparison(node, text, depth).unwrap_or(ExprKind::Unknown),
        _ => ExprKind::Unknown,
    };
    Expr { kind, range }
}

fn lower_comparison(node: Node<'_>, text: &str, depth: u32) -> Option<ExprKind> {
    let operands: Vec<Node<'_>> = named_children(node)
        .filter(|c| c.kind() != "comment")
        .collect();
    if operands.len() != 2 {
        return None;
    }
    // The operator is the text between the operands (`not in` may be two tokens).
    let between = text.get(operands[0].end_byte()..operands[1].start_byte())?;
    let op = Some(between.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|o| !o.is_empty() && !o.contains('#'));
    let [left, right] = [operands[0], operands[1]].map(|o| lower_at(o, text, depth + 1));
    match op.as_deref()? {
        "==" | "!=" => Some(ExprKind::Eq {
            eq: op.as_deref() == Some("=="),
            operands: Box::new([left, right]),
        }),
        "in" => Some(ExprKind::In(Box::new([left, right]))),
        op @ ("<" | "<=" | ">" | ">=" | "not in") => {
            Some(ExprKind::Ext(Box::new(ExtExpr::Compare {
                op: op.to_string(),
                left,
                right,
            })))
        }
        _ => None,
    }
}

/// Lowers a comprehension target (`x`, `k, v`, `(a, (b, c))`).
fn lower_target(node: Node<'_>, text: &str, depth: u32) -> crate::body::Target {
    use crate::body::Target;
    match node.kind() {
        "identifier" => Target::Name(node_text(node, text).to_string()),
        "pattern_list" | "tuple_pattern" | "list_pattern" | "tuple" | "expression_list"
            if depth <= MAX_EXPR_DEPTH =>
        {
            Target::Tuple(
                named_children(node)
                    .filter(|c| c.kind() != "comment")
                    .map(|c| lower_target(c, text, depth + 1))
                    .collect(),
            )
        }
        "parenthesized_expression" if node.named_child_count() == 1 => match node.named_child(0) {
            Some(inner) => lower_target(inner, text, depth + 1),
            None => Target::Other(Expr::unknown(TextRange::of(node))),
        },
        _ => Target::Other(lower_at(node, text, depth + 1)),
    }
}

fn lower_comprehension(node: Node<'_>, text: &str, depth: u32) -> Option<ExprKind> {
    let body = field(node, "body")?;
    let (key, value) = if node.kind() == "dictionary_comprehension" {
        (
            lower_at(field(body, "key")?, text, depth + 1),
            Some(lower_at(field(body, "value")?, text, depth + 1)),
        )
    } else {
        (lower_at(body, text, depth + 1), None)
    };
    let mut clauses = Vec::new();
    for c in named_children(node) {
        match c.kind() {
            "for_in_clause" => {
                let target = lower_target(field(c, "left")?, text, depth + 1);
                let mut cursor = c.walk();
                let rights: Vec<Node<'_>> = c
                    .children_by_field_name("right", &mut cursor)
                    .filter(|n| n.is_named() && n.kind() != "comment")
                    .collect();
                let iter = match rights.as_slice() {
                    [one] => lower_at(*one, text, depth + 1),
                    _ => Expr::unknown(TextRange::of(c)),
                };
                clauses.push(CompClause::For { target, iter });
            }
            "if_clause" => {
                let cond = named_children(c).find(|n| n.kind() != "comment")?;
                clauses.push(CompClause::If(lower_at(cond, text, depth + 1)));
            }
            _ => {}
        }
    }
    Some(ExprKind::Ext(Box::new(ExtExpr::Comp {
        key,
        value,
        clauses,
    })))
}

/// Lowers a `call` node.
pub fn lower_call(node: Node<'_>, text: &str, depth: u32) -> Option<Call> {
    let func = lower_at(field(node, "function")?, text, depth + 1);
    let mut splat: Option<Box<Splat>> = None;
    let Some(arguments) = field(node, "arguments") else {
        return Some(Call {
            func,
            args: Box::default(),
            kwargs: Box::default(),
            splat,
        });
    };
    let kwargs = named_children(arguments)
        .filter(|a| a.kind() == "keyword_argument")
        .count();
    let mut call_kwargs = Vec::with_capacity(kwargs);
    let mut call_args = Vec::with_capacity(arguments.named_child_count().saturating_sub(kwargs));
    for arg in named_children(arguments) {
        match arg.kind() {
            "keyword_argument" => {
                let (Some(name), Some(value)) = (field(arg, "name"), field(arg, "value")) else {
                    continue;
                };
                call_kwargs.push(Kwarg {
                    name: sym(node_text(name, text)),
                    value: lower_at(value, text, depth + 1),
                });
            }
            "list_splat" | "dictionary_splat" => {
                let inner = named_children(arg).find(|c| c.kind() != "comment");
                let e = match inner {
                    Some(n) => lower_at(n, text, depth + 1),
                    None => Expr::unknown(TextRange::of(arg)),
                };
                let splat = splat.get_or_insert_with(Box::default);
                if arg.kind() == "list_splat" {
                    splat.args = Some(e);
                } else {
                    splat.kwargs = Some(e);
                }
            }
            "comment" => {}
            _ => call_args.push(lower_at(arg, text, depth + 1)),
        }
    }
    // The capacities above count every named child, comments and splats included. `exact`
    // copies when they were too large: a shrinking reallocation may keep the larger block.
    Some(Call {
        func,
        args: exact(call_args).into_boxed_slice(),
        kwargs: exact(call_kwargs).into_boxed_slice(),
        splat,
    })
}

/// `lambda a, b = 1: body` as a [`FuncDef`](crate::facts::FuncDef) named `lambda`. `None`
/// for parameter forms lambdas in real code do not use (`*args`, `**kwargs`).
fn lower_lambda(node: Node<'_>, text: &str, depth: u32, range: TextRange) -> Option<ExprKind> {
    let mut params = Vec::new();
    if let Some(ps) = field(node, "parameters") {
        for p in named_children(ps) {
            match p.kind() {
                "identifier" => params.push((node_text(p, text).to_string(), None)),
                "default_parameter" => {
                    let (n, v) = (field(p, "name")?, field(p, "value")?);
                    params.push((
                        node_text(n, text).to_string(),
                        Some(lower_at(v, text, depth + 1)),
                    ));
                }
                "comment" => {}
                _ => return None,
            }
        }
    }
    let body = lower_or_unknown(field(node, "body"), text, depth, range);
    let positional_params = params.len();
    Some(ExprKind::Ext(Box::new(ExtExpr::Lambda(
        std::sync::Arc::new(crate::facts::FuncDef {
            name: "lambda".to_string(),
            name_range: range,
            params,
            star_params: (None, None),
            positional_params,
            body: crate::body::Body {
                stmts: vec![crate::body::Stmt {
                    kind: crate::body::StmtKind::Return(Some(body)),
                    range,
                }],
                ..Default::default()
            },
            range,
        }),
    ))))
}
