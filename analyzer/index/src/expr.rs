//! A compact, tree-independent expression form that lowering keeps for values toolcheck may
//! need later (attribute values, module-level constants, function bodies' return values).
//!
//! Syntax trees are dropped after lowering (they cost 12-31x the source size); these small
//! trees are what survives. Anything toolcheck does not model becomes [`ExprKind::Unknown`].

use toolcheck_syntax::{named_children, node_text, string_value, Node, TextRange};

/// Lowering gives up (yields `Unknown`) below this depth, so hostile nesting costs nothing.
pub const MAX_EXPR_DEPTH: u32 = 48;

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub range: TextRange,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Str(String),
    Int(i64),
    Bool(bool),
    None,
    List(Vec<Expr>),
    Tuple(Vec<Expr>),
    Dict(Vec<(Expr, Expr)>),
    Name(String),
    /// `object.attribute`.
    Attr(Box<Expr>, String),
    /// `object[index]`.
    Index(Box<Expr>, Box<Expr>),
    Call(Box<Call>),
    /// `left + right`.
    Add(Box<Expr>, Box<Expr>),
    /// `then if cond else otherwise`.
    Cond {
        then: Box<Expr>,
        cond: Box<Expr>,
        otherwise: Box<Expr>,
    },
    /// `not x`.
    Not(Box<Expr>),
    /// `a and b` (true) / `a or b` (false).
    BoolOp {
        and: bool,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    /// `a == b` (true) / `a != b` (false).
    Eq {
        eq: bool,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    /// `x in y`.
    In(Box<Expr>, Box<Expr>),
    Unknown,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    pub func: Expr,
    pub args: Vec<Expr>,
    pub kwargs: Vec<Kwarg>,
    /// `*args` / `**kwargs` present: the argument list is not fully known.
    pub has_splat: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Kwarg {
    pub name: String,
    pub name_range: TextRange,
    pub value: Expr,
}

impl Call {
    pub fn kwarg(&self, name: &str) -> Option<&Kwarg> {
        self.kwargs.iter().find(|k| k.name == name)
    }
}

impl Expr {
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
    pub fn as_call(&self) -> Option<&Call> {
        match &self.kind {
            ExprKind::Call(c) => Some(c),
            _ => None,
        }
    }
    /// The dotted name of a callee (`toolchain`, `native.toolchain`, `config_common.toolchain_type`).
    pub fn dotted_name(&self) -> Option<String> {
        match &self.kind {
            ExprKind::Name(n) => Some(n.clone()),
            ExprKind::Attr(obj, attr) => Some(format!("{}.{attr}", obj.dotted_name()?)),
            _ => None,
        }
    }
}

/// Lowers an expression node.
pub fn lower_expr(node: Node<'_>, text: &str) -> Expr {
    lower_at(node, text, 0)
}

fn boxed(node: Option<Node<'_>>, text: &str, depth: u32, fallback: TextRange) -> Box<Expr> {
    Box::new(match node {
        Some(n) => lower_at(n, text, depth + 1),
        None => Expr::unknown(fallback),
    })
}

fn lower_at(node: Node<'_>, text: &str, depth: u32) -> Expr {
    let range = TextRange::of(node);
    if depth > MAX_EXPR_DEPTH {
        return Expr::unknown(range);
    }
    let kind = match node.kind() {
        "string" | "concatenated_string" => match string_value(node, text) {
            Some(s) => ExprKind::Str(s.value),
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
        "identifier" => ExprKind::Name(node_text(node, text).to_string()),
        "parenthesized_expression" => match node.named_child(0) {
            Some(inner) if node.named_child_count() == 1 => {
                return lower_at(inner, text, depth + 1)
            }
            _ => ExprKind::Unknown,
        },
        "list" | "tuple" | "expression_list" => {
            let mut items = Vec::new();
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
            if node.kind() == "list" {
                ExprKind::List(items)
            } else {
                ExprKind::Tuple(items)
            }
        }
        "dictionary" => {
            let mut pairs = Vec::new();
            let mut complete = true;
            for child in named_children(node) {
                match child.kind() {
                    "pair" => {
                        let k = boxed(child.child_by_field_name("key"), text, depth, range);
                        let v = boxed(child.child_by_field_name("value"), text, depth, range);
                        pairs.push((*k, *v));
                    }
                    "comment" => {}
                    _ => complete = false,
                }
            }
            if complete {
                ExprKind::Dict(pairs)
            } else {
                ExprKind::Unknown
            }
        }
        "attribute" => {
            let obj = boxed(node.child_by_field_name("object"), text, depth, range);
            match node.child_by_field_name("attribute") {
                Some(a) => ExprKind::Attr(obj, node_text(a, text).to_string()),
                None => ExprKind::Unknown,
            }
        }
        "subscript" => {
            let value = boxed(node.child_by_field_name("value"), text, depth, range);
            let index = boxed(node.child_by_field_name("subscript"), text, depth, range);
            ExprKind::Index(value, index)
        }
        "call" => match lower_call(node, text, depth) {
            Some(c) => ExprKind::Call(Box::new(c)),
            None => ExprKind::Unknown,
        },
        "binary_operator" => {
            let op = node.child_by_field_name("operator").map(|o| o.kind());
            if op == Some("+") {
                ExprKind::Add(
                    boxed(node.child_by_field_name("left"), text, depth, range),
                    boxed(node.child_by_field_name("right"), text, depth, range),
                )
            } else {
                ExprKind::Unknown
            }
        }
        "conditional_expression" => {
            let parts: Vec<Node<'_>> = named_children(node)
                .filter(|c| c.kind() != "comment")
                .collect();
            if parts.len() == 3 {
                ExprKind::Cond {
                    then: boxed(Some(parts[0]), text, depth, range),
                    cond: boxed(Some(parts[1]), text, depth, range),
                    otherwise: boxed(Some(parts[2]), text, depth, range),
                }
            } else {
                ExprKind::Unknown
            }
        }
        "not_operator" => ExprKind::Not(boxed(
            node.child_by_field_name("argument"),
            text,
            depth,
            range,
        )),
        "boolean_operator" => {
            let and = node.child_by_field_name("operator").map(|o| o.kind()) == Some("and");
            ExprKind::BoolOp {
                and,
                left: boxed(node.child_by_field_name("left"), text, depth, range),
                right: boxed(node.child_by_field_name("right"), text, depth, range),
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
    let mut op = None;
    for i in 0..node.child_count() {
        let c = node.child(i)?;
        if !c.is_named() {
            op = Some(node_text(c, text).to_string());
            break;
        }
    }
    let left = Box::new(lower_at(operands[0], text, depth + 1));
    let right = Box::new(lower_at(operands[1], text, depth + 1));
    match op.as_deref()? {
        "==" => Some(ExprKind::Eq {
            eq: true,
            left,
            right,
        }),
        "!=" => Some(ExprKind::Eq {
            eq: false,
            left,
            right,
        }),
        "in" => Some(ExprKind::In(left, right)),
        _ => None,
    }
}

/// Lowers a `call` node.
pub fn lower_call(node: Node<'_>, text: &str, depth: u32) -> Option<Call> {
    let func = lower_at(node.child_by_field_name("function")?, text, depth + 1);
    let mut call = Call {
        func,
        args: Vec::new(),
        kwargs: Vec::new(),
        has_splat: false,
    };
    let Some(arguments) = node.child_by_field_name("arguments") else {
        return Some(call);
    };
    for arg in named_children(arguments) {
        match arg.kind() {
            "keyword_argument" => {
                let (Some(name), Some(value)) = (
                    arg.child_by_field_name("name"),
                    arg.child_by_field_name("value"),
                ) else {
                    continue;
                };
                call.kwargs.push(Kwarg {
                    name: node_text(name, text).to_string(),
                    name_range: TextRange::of(name),
                    value: lower_at(value, text, depth + 1),
                });
            }
            "list_splat" | "dictionary_splat" => call.has_splat = true,
            "comment" => {}
            _ => call.args.push(lower_at(arg, text, depth + 1)),
        }
    }
    Some(call)
}
