//! The concrete domain's values: what a Starlark expression evaluates to when toolcheck
//! can tell, and [`V::Unknown`] (with the reason) when it cannot. Also the operations on
//! values that both domains use: truthiness, equality, membership, ordering, indexing,
//! iteration and `str()`/`repr()`.

use std::sync::Arc;

use toolcheck_syntax::TextRange;

use crate::facts::FuncDef;
use crate::label::Label;
use crate::workspace::FileId;

/// Where a value was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Loc {
    pub file: FileId,
    pub range: TextRange,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Val {
    pub v: V,
    pub loc: Loc,
}

#[derive(Clone, Debug, PartialEq)]
pub enum V {
    Str(String),
    Int(i64),
    Bool(bool),
    None,
    List(Vec<Val>),
    Dict(Vec<(Val, Val)>),
    Label(Label),
    /// `config_common.toolchain_type(type, mandatory = ...)`; `mandatory: None` = unknown.
    ToolchainReq {
        toolchain_type: Box<Val>,
        mandatory: Option<bool>,
    },
    Struct(Vec<(String, Val)>),
    /// A function defined at the top level of a file (index into `FileFacts::functions`).
    Func(FileId, usize),
    /// A `rule(...)` / `aspect(...)` value bound at the top level of a .bzl file.
    Rule(FileId, usize),
    /// A known builtin (`Label`, `native.toolchain`, ...).
    Builtin(String),
    /// A `lambda` or a nested `def`, with the values it captured.
    Closure(Arc<Closure>),
    /// The value of a `rule()` or `aspect()` call made anywhere (a rule factory, a builder),
    /// with its evaluated arguments. A `rule()` bound directly at the top level of a `.bzl`
    /// file is [`V::Rule`] instead (its arguments are read from the binding).
    RuleDef(Arc<RuleValue>),
    /// `select()`: configurable, never flattened.
    Select,
    Unknown(Unknown),
}

/// Why a value is unknown (kept so that diagnostics can say it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unknown {
    /// Computed in a way toolcheck does not evaluate.
    Dynamic,
    /// Loaded from a repository toolcheck cannot read.
    InvisibleRepo(String),
    /// Loaded from a file that does not exist or a symbol it does not define.
    BrokenLoad,
}

impl Val {
    pub fn unknown(loc: Loc) -> Val {
        Val {
            v: V::Unknown(Unknown::Dynamic),
            loc,
        }
    }
    pub fn is_unknown(&self) -> bool {
        matches!(self.v, V::Unknown(_) | V::Select)
    }
}

/// `obj[idx]`: the element (`Ok`, with its own location), or the value the expression has
/// when there is no element (`Err`).
pub(crate) fn index_value(obj: &V, idx: &V) -> Result<Val, V> {
    match (obj, idx) {
        (V::List(items), V::Int(n)) => {
            let n = if *n < 0 { items.len() as i64 + n } else { *n };
            match usize::try_from(n).ok().and_then(|n| items.get(n).cloned()) {
                Some(v) => Ok(v),
                None => Err(V::Unknown(Unknown::Dynamic)),
            }
        }
        (V::Dict(pairs), key) => match pairs.iter().find(|(k, _)| k.v == *key) {
            Some((_, v)) => Ok(v.clone()),
            None => Err(V::Unknown(Unknown::Dynamic)),
        },
        (V::Str(s), V::Int(n)) => {
            let chars: Vec<char> = s.chars().collect();
            let n = if *n < 0 { chars.len() as i64 + n } else { *n };
            match usize::try_from(n).ok().and_then(|n| chars.get(n)) {
                Some(c) => Err(V::Str(c.to_string())),
                None => Err(V::Unknown(Unknown::Dynamic)),
            }
        }
        _ => Err(V::Unknown(Unknown::Dynamic)),
    }
}

/// The truth value of a known value.
pub fn truthiness(v: &V) -> Option<bool> {
    Some(match v {
        V::Bool(b) => *b,
        V::None => false,
        V::Int(i) => *i != 0,
        V::Str(s) => !s.is_empty(),
        V::List(l) => !l.is_empty(),
        V::Dict(d) => !d.is_empty(),
        V::Label(_)
        | V::Struct(_)
        | V::Func(..)
        | V::Closure(_)
        | V::RuleDef(_)
        | V::Rule(..)
        | V::ToolchainReq { .. } => true,
        _ => return None,
    })
}

/// `str(Label(...))`: the canonical form, which resolves to the same label from anywhere.
pub fn canonical_string(l: &Label) -> String {
    format!("@@{}//{}:{}", l.repo.as_str(), l.package, l.name)
}

pub(crate) fn unknown_v() -> V {
    V::Unknown(Unknown::Dynamic)
}

/// Deep equality of known values (locations ignored); `None` when either side is unknown.
pub fn veq(a: &V, b: &V) -> Option<bool> {
    Some(match (a, b) {
        (V::Unknown(_) | V::Select, _) | (_, V::Unknown(_) | V::Select) => return None,
        (V::List(x), V::List(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            for (p, q) in x.iter().zip(y) {
                if !veq(&p.v, &q.v)? {
                    return Some(false);
                }
            }
            true
        }
        (V::Dict(x), V::Dict(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            for (k, v) in x {
                match y.iter().find(|(k2, _)| veq(&k.v, &k2.v) == Some(true)) {
                    Some((_, v2)) => {
                        if !veq(&v.v, &v2.v)? {
                            return Some(false);
                        }
                    }
                    None => return Some(false),
                }
            }
            true
        }
        (V::Struct(x), V::Struct(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            for ((n1, v1), (n2, v2)) in x.iter().zip(y) {
                if n1 != n2 || !veq(&v1.v, &v2.v)? {
                    return Some(false);
                }
            }
            true
        }
        _ => a == b,
    })
}

/// `item in container`.
pub(crate) fn contains(container: &V, item: &V) -> Option<bool> {
    match container {
        V::List(items) => {
            let mut unknown = false;
            for i in items {
                match veq(&i.v, item) {
                    Some(true) => return Some(true),
                    Some(false) => {}
                    None => unknown = true,
                }
            }
            (!unknown).then_some(false)
        }
        V::Dict(pairs) => {
            let mut unknown = false;
            for (k, _) in pairs {
                match veq(&k.v, item) {
                    Some(true) => return Some(true),
                    Some(false) => {}
                    None => unknown = true,
                }
            }
            (!unknown).then_some(false)
        }
        V::Str(s) => match item {
            V::Str(sub) => Some(s.contains(sub.as_str())),
            _ => None,
        },
        _ => None,
    }
}

/// Fields of values that are not structs (`Label(...).name`, ...).
pub(crate) fn value_attr(o: &Val, attr: &str) -> Option<V> {
    match &o.v {
        V::Label(l) => Some(match attr {
            "name" => V::Str(l.name.to_string()),
            "package" => V::Str(l.package.to_string()),
            "workspace_name" | "repo_name" => V::Str(l.repo.as_str().to_string()),
            "workspace_root" => V::Str(if l.repo.is_main() {
                String::new()
            } else {
                format!("external/{}", l.repo.as_str())
            }),
            _ => unknown_v(),
        }),
        _ => None,
    }
}

/// `repr()` of a known value, `None` when unknown.
pub(crate) fn repr(v: &V, out: &mut String) -> Option<()> {
    match v {
        V::Str(s) => {
            out.push('"');
            for c in s.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    c => out.push(c),
                }
            }
            out.push('"');
        }
        _ => out.push_str(&to_str(v)?),
    }
    Some(())
}

/// `str()` of a known value, `None` when unknown.
pub(crate) fn to_str(v: &V) -> Option<String> {
    Some(match v {
        V::Str(s) => s.clone(),
        V::Int(i) => i.to_string(),
        V::Bool(true) => "True".into(),
        V::Bool(false) => "False".into(),
        V::None => "None".into(),
        V::Label(l) => canonical_string(l),
        V::List(items) => {
            let mut s = String::from("[");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                repr(&item.v, &mut s)?;
            }
            s.push(']');
            s
        }
        V::Dict(pairs) => {
            let mut s = String::from("{");
            for (i, (k, v)) in pairs.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                repr(&k.v, &mut s)?;
                s.push_str(": ");
                repr(&v.v, &mut s)?;
            }
            s.push('}');
            s
        }
        _ => return None,
    })
}

pub(crate) fn cmp_values(a: &V, b: &V) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (V::Int(x), V::Int(y)) => Some(x.cmp(y)),
        (V::Str(x), V::Str(y)) => Some(x.cmp(y)),
        (V::List(x), V::List(y)) => {
            for (p, q) in x.iter().zip(y) {
                match cmp_values(&p.v, &q.v)? {
                    std::cmp::Ordering::Equal => {}
                    o => return Some(o),
                }
            }
            Some(x.len().cmp(&y.len()))
        }
        _ => None,
    }
}

/// Items iterated by `for` over a value.
pub(crate) fn iter_items(v: &Val) -> Option<Vec<Val>> {
    match &v.v {
        V::List(items) => Some(items.clone()),
        V::Dict(pairs) => Some(pairs.iter().map(|(k, _)| k.clone()).collect()),
        _ => None,
    }
}

/// [`iter_items`] of a value that is not needed afterwards: a list is moved, not copied.
pub(crate) fn into_items(v: Val) -> Option<Vec<Val>> {
    match v.v {
        V::List(items) => Some(items),
        V::Dict(pairs) => Some(pairs.into_iter().map(|(k, _)| k).collect()),
        _ => None,
    }
}

/// A function value made by a `lambda` or a nested `def`. Starlark closures see the
/// enclosing function's variables as they are when the closure runs; toolcheck copies them
/// when the closure is made and copies names the enclosing function assigns more than once
/// as unknown, so a later assignment is never contradicted.
#[derive(Debug, PartialEq)]
pub struct Closure {
    /// The file the function is written in (its globals and loads).
    pub file: FileId,
    pub func: Arc<FuncDef>,
    pub captured: Vec<(String, Val)>,
}

/// A rule or aspect made by a `rule()`/`aspect()` call, with what it was given.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleValue {
    /// `rule`, `aspect` or `module_extension`.
    pub kind: &'static str,
    /// The file whose code called `rule()`: the label strings of its arguments resolve
    /// there (Bazel converts them in the module of the innermost Starlark function).
    pub file: FileId,
    pub kwargs: Vec<(String, Val)>,
    /// False when an unknown `**kwargs` was passed: any argument may be set.
    pub complete: bool,
    /// Where `rule()` was called.
    pub loc: Loc,
    /// The top-level name that exported it (file and name), as Bazel names a rule by the
    /// first global it is bound to; `None` until then.
    pub exported: Option<(FileId, String)>,
}

impl RuleValue {
    /// An argument: `Some(value)`, `None` when absent; unknown when it may be hidden in an
    /// unknown `**kwargs`.
    pub fn arg(&self, name: &str) -> Option<Val> {
        match self.kwargs.iter().rev().find(|(n, _)| n == name) {
            Some((_, v)) => Some(v.clone()),
            None if !self.complete => Some(Val::unknown(self.loc)),
            None => None,
        }
    }
}
