//! Macro evaluation: runs the legacy macros (`def` functions in `.bzl` files) and symbolic
//! macros (`macro()`) that BUILD and WORKSPACE files call, and records every native rule,
//! Starlark rule and `register_*` call they make, with its evaluated attributes.
//!
//! This is the same evaluator as [`crate::eval`], switched into "run" mode by
//! [`Env::run_macro`]: function bodies are executed statement by statement over the
//! [`crate::body`] IR (loops, `if`, comprehensions, string formatting, list and dict
//! operations, `**kwargs` forwarding), and calls to `native.*` are recorded instead of
//! evaluated. What cannot be known (`select()`, `glob()`, loads from repositories toolcheck
//! cannot read, conditions on such values) stays unknown for that value only; when it may
//! change which targets exist, the run is marked incomplete and the package stays open.
//!
//! Everything is bounded: a step budget per macro call, a limit on the call stack (Starlark
//! forbids recursion; it is reported), and caps on string length, list length and value
//! nesting. A run that hits a bound stops with a [`LimitHit`] that the `evaluation-limit`
//! check reports; nothing here can hang or exhaust memory.

use crate::body::{Body, Stmt, StmtKind, Target as AssignTarget};
use crate::eval::{truthiness, Env, Loc, Scope, Unknown, Val, MAX_DEPTH, V};
use crate::expr::{Call, CompClause, Expr, ExprKind, ExtExpr};
use crate::workspace::FileId;

/// Steps (expression evaluations and statements) allowed for one macro call from a BUILD
/// or WORKSPACE file.
///
/// The fuzz build (`cfg(fuzzing)`) allows a twentieth: inputs that run macros to their
/// budgets were most of the fuzzers' time (a run to the full budget costs about a second
/// instrumented), and a twentieth still lets a loop create tens of thousands of targets, the
/// scale at which downstream work was found quadratic. `hostile.rs` tests the real budgets.
pub const RUN_STEP_BUDGET: u64 = if cfg!(fuzzing) { 100_000 } else { 2_000_000 };
/// Steps allowed for all the macro calls and dynamic top-level statements of one BUILD or
/// WORKSPACE file together: without it, a file of thousands of calls to an expensive macro
/// would cost thousands of budgets.
pub const FILE_STEP_BUDGET: u64 = 5 * RUN_STEP_BUDGET;
/// Functions on the call stack during a run.
pub const MAX_CALL_DEPTH: usize = 24;
/// Expression and call nesting in a run (bounds native stack use).
pub const MAX_RUN_DEPTH: u32 = 400;
/// Longest string a run may build, in bytes.
pub const MAX_STRING: usize = 1 << 20;
/// Longest list or dict a run may build.
pub const MAX_LIST: usize = 100_000;
/// Deepest nesting of lists, dicts and structs a run may build.
pub const MAX_NESTING: u32 = 32;
/// Targets (and registrations) one macro call may create. Each costs far more downstream
/// (labels, index, resolution) than the few steps a loop iteration is charged, so a loop run
/// to the step budget could otherwise create hundreds of thousands.
pub const MAX_EMITTED: usize = 50_000;

/// A native rule, Starlark rule or `register_*` call made while a macro ran.
#[derive(Clone, Debug, PartialEq)]
pub struct Emitted {
    /// `toolchain`, `filegroup`, `register_toolchains`, or a Starlark rule's name.
    pub kind: String,
    /// The `rule()` binding (file, index into `FileFacts::bindings`) for Starlark rules.
    pub rule: Option<(FileId, usize)>,
    pub args: Vec<Val>,
    pub attrs: Vec<(String, Val)>,
    /// False when a `**kwargs` of unknown content was passed: an attribute not listed in
    /// `attrs` may still be set.
    pub attrs_complete: bool,
    /// The call inside the macro.
    pub loc: Loc,
}

impl Emitted {
    /// An attribute: `Some(value)`, or `None` when absent; unknown when it may be hidden in
    /// an unknown `**kwargs`.
    pub fn attr(&self, name: &str) -> Option<Val> {
        match self.attrs.iter().rev().find(|(n, _)| n == name) {
            Some((_, v)) => Some(v.clone()),
            None if !self.attrs_complete => Some(Val::unknown(self.loc)),
            None => None,
        }
    }
    pub fn name(&self) -> Option<&str> {
        match self.attrs.iter().rev().find(|(n, _)| n == "name") {
            Some((_, Val { v: V::Str(s), .. })) => Some(s),
            _ => None,
        }
    }
}

/// Why the set of targets a macro created may be incomplete.
#[derive(Clone, Debug, PartialEq)]
pub struct Gap {
    pub loc: Loc,
    pub why: String,
}

/// A bound that stopped a run.
#[derive(Clone, Debug, PartialEq)]
pub struct LimitHit {
    /// Where evaluation was when it stopped.
    pub loc: Loc,
    pub what: String,
}

/// The state of a macro run (lives in [`Env::run`] while the run is under way).
#[derive(Debug)]
pub struct Run {
    /// The BUILD (or WORKSPACE) file whose package is being constructed.
    pub build_file: FileId,
    pub emitted: Vec<Emitted>,
    pub incomplete: Option<Gap>,
    pub limit: Option<LimitHit>,
    stack: Vec<(FileId, usize)>,
    steps: u64,
    /// The steps the run started with, and whether the file's budget cut them short.
    budget: u64,
    file_limited: bool,
    /// Evaluating a module-level value: native calls are not package code.
    in_global: u32,
}

/// A macro call (in a BUILD or WORKSPACE file) stopped by a bound.
#[derive(Clone, Debug, PartialEq)]
pub struct MacroLimit {
    /// The callee of the call in the BUILD or WORKSPACE file.
    pub call: Loc,
    /// The callee as written.
    pub callee: String,
    pub hit: LimitHit,
}

/// Whether a top-level call of `file` calls a legacy macro (a `def` in a `.bzl` file) or a
/// symbolic macro (`macro()`), as opposed to a rule or something unknown.
pub fn is_macro_call(env: &Env<'_>, file: FileId, call: &Call) -> bool {
    match env.eval(file, &call.func).v {
        V::Func(..) => true,
        V::Rule(rf, bi) => {
            env.facts[rf.0 as usize].bindings[bi]
                .value
                .as_call()
                .and_then(|c| c.func.dotted_name())
                .as_deref()
                == Some("macro")
        }
        _ => false,
    }
}

/// The result of [`Env::run_macro`].
#[derive(Clone, Debug, PartialEq)]
pub struct MacroOutcome {
    pub emitted: Vec<Emitted>,
    pub incomplete: Option<Gap>,
    pub limit: Option<LimitHit>,
    pub value: Val,
}

/// Native functions that do not create a rule target.
const NATIVE_NON_RULES: &[&str] = &[
    "glob",
    "package_name",
    "repository_name",
    "repo_name",
    "existing_rule",
    "existing_rules",
    "package_relative_label",
    "module_name",
    "module_version",
    "subpackages",
    "exports_files",
    "licenses",
    "package",
    "package_default_visibility",
    "bazel_version",
];

/// Global functions the run knows (besides those [`Env`] always knows).
const BUILTINS: &[&str] = &[
    "range",
    "enumerate",
    "zip",
    "sorted",
    "reversed",
    "any",
    "all",
    "min",
    "max",
    "int",
    "bool",
    "tuple",
    "type",
    "repr",
    "print",
    "fail",
    "glob",
    "depset",
    "json",
    "abs",
];

pub(crate) fn is_builtin(name: &str) -> bool {
    BUILTINS.contains(&name)
}

/// Outcome of executing statements.
enum Flow {
    Normal,
    Break,
    Continue,
    Return(Val),
    /// Stop the whole function: a bound was hit, `fail()` was reached, or an unknown branch
    /// may have left the function.
    Abort,
}

/// Evaluated call arguments.
struct Args {
    pos: Vec<Val>,
    kw: Vec<(String, Val)>,
    /// False when a `*args`/`**kwargs` of unknown content was passed.
    complete: bool,
}

impl Args {
    fn get(&self, i: usize, name: &str) -> Option<&Val> {
        self.pos
            .get(i)
            .or_else(|| self.kw.iter().find(|(n, _)| n == name).map(|(_, v)| v))
    }
}

fn unknown_v() -> V {
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
fn repr(v: &V, out: &mut String) -> Option<()> {
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
fn to_str(v: &V) -> Option<String> {
    Some(match v {
        V::Str(s) => s.clone(),
        V::Int(i) => i.to_string(),
        V::Bool(true) => "True".into(),
        V::Bool(false) => "False".into(),
        V::None => "None".into(),
        V::Label(l) => crate::eval::canonical_string(l),
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

/// `fmt % args`.
fn percent_format(fmt: &str, args: &V) -> Option<String> {
    let list: Vec<&V> = match args {
        V::List(items) => items.iter().map(|v| &v.v).collect(),
        other => vec![other],
    };
    let single = !matches!(args, V::List(_));
    let mut out = String::new();
    let mut it = list.into_iter();
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut conv = chars.next()?;
        let (mut zero, mut left) = (false, false);
        while matches!(conv, '0' | '-' | ' ' | '+') {
            zero |= conv == '0';
            left |= conv == '-';
            conv = chars.next()?;
        }
        let mut width = 0usize;
        while let Some(d) = conv.to_digit(10) {
            width = (width * 10 + d as usize).min(1000);
            conv = chars.next()?;
        }
        let piece = match conv {
            '%' => {
                out.push('%');
                continue;
            }
            's' => to_str(it.next()?)?,
            'r' => {
                let mut r = String::new();
                repr(it.next()?, &mut r)?;
                r
            }
            'd' | 'i' => match it.next()? {
                V::Int(i) => i.to_string(),
                V::Bool(b) => (if *b { "1" } else { "0" }).to_string(),
                _ => return None,
            },
            'x' | 'X' | 'o' => match it.next()? {
                V::Int(i) if conv == 'x' => format!("{i:x}"),
                V::Int(i) if conv == 'X' => format!("{i:X}"),
                V::Int(i) => format!("{i:o}"),
                _ => return None,
            },
            _ => return None,
        };
        let pad = width.saturating_sub(piece.chars().count());
        if left {
            out.push_str(&piece);
            out.extend(std::iter::repeat_n(' ', pad));
        } else if zero && conv != 's' && conv != 'r' {
            match piece.strip_prefix('-') {
                Some(rest) => {
                    out.push('-');
                    out.extend(std::iter::repeat_n('0', pad));
                    out.push_str(rest);
                }
                None => {
                    out.extend(std::iter::repeat_n('0', pad));
                    out.push_str(&piece);
                }
            }
        } else {
            out.extend(std::iter::repeat_n(' ', pad));
            out.push_str(&piece);
        }
    }
    // A single non-tuple operand is consumed by one directive; a tuple must match exactly.
    if !single && it.next().is_some() {
        return None;
    }
    Some(out)
}

/// `fmt.format(*pos, **kw)`.
fn brace_format(fmt: &str, pos: &[Val], kw: &[(String, Val)]) -> Option<String> {
    let mut out = String::new();
    let mut auto = 0usize;
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let mut field = String::new();
                loop {
                    match chars.next()? {
                        '}' => break,
                        c => field.push(c),
                    }
                }
                let field = field.split(['!', ':']).next().unwrap_or("");
                let v = if field.is_empty() {
                    auto += 1;
                    pos.get(auto - 1)?
                } else if let Ok(i) = field.parse::<usize>() {
                    pos.get(i)?
                } else {
                    &kw.iter().find(|(n, _)| n == field)?.1
                };
                out.push_str(&to_str(&v.v)?);
            }
            c => out.push(c),
        }
    }
    Some(out)
}

fn cmp_values(a: &V, b: &V) -> Option<std::cmp::Ordering> {
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
fn iter_items(v: &Val) -> Option<Vec<Val>> {
    match &v.v {
        V::List(items) => Some(items.clone()),
        V::Dict(pairs) => Some(pairs.iter().map(|(k, _)| k.clone()).collect()),
        _ => None,
    }
}

/// [`iter_items`] of a value that is not needed afterwards: a list is moved, not copied.
fn into_items(v: Val) -> Option<Vec<Val>> {
    match v.v {
        V::List(items) => Some(items),
        V::Dict(pairs) => Some(pairs.into_iter().map(|(k, _)| k).collect()),
        _ => None,
    }
}

/// Names a block may assign (to forget them when the block is skipped).
fn assigned_names(stmts: &[Stmt], out: &mut Vec<String>) {
    fn target(t: &AssignTarget, out: &mut Vec<String>) {
        match t {
            AssignTarget::Name(n) => out.push(n.clone()),
            AssignTarget::Tuple(ts) => ts.iter().for_each(|t| target(t, out)),
            AssignTarget::Other(e) => {
                if let Some(n) = root_name(e) {
                    out.push(n.to_string());
                }
            }
        }
    }
    for s in stmts {
        match &s.kind {
            StmtKind::Assign { target: t, .. } | StmtKind::AugAssign { target: t, .. } => {
                target(t, out)
            }
            StmtKind::Expr(e) => {
                if let ExprKind::Call(c) = &e.kind {
                    if let ExprKind::Attr(obj, _) = &c.func.kind {
                        if popped_key(e).is_none() {
                            if let Some(n) = root_name(obj) {
                                out.push(n.to_string());
                            }
                        }
                    }
                }
            }
            StmtKind::If { then, orelse, .. } => {
                assigned_names(then, out);
                assigned_names(orelse, out);
            }
            StmtKind::For {
                target: t, body, ..
            } => {
                target(t, out);
                assigned_names(body, out);
            }
            StmtKind::Def(n) => out.push(n.clone()),
            _ => {}
        }
    }
}

/// `var.pop("key", ...)` written as a statement: `(var, key)`.
fn popped_key(e: &Expr) -> Option<(&str, &str)> {
    let ExprKind::Call(c) = &e.kind else {
        return None;
    };
    let ExprKind::Attr(obj, m) = &c.func.kind else {
        return None;
    };
    let ExprKind::Name(var) = &obj.kind else {
        return None;
    };
    (m == "pop").then_some(())?;
    Some((var, c.args.first()?.as_str()?))
}

/// `(var, key)` of every `var.pop("key")` statement in a block (nested blocks included).
fn popped_keys<'s>(stmts: &'s [Stmt], out: &mut Vec<(&'s str, &'s str)>) {
    for s in stmts {
        match &s.kind {
            StmtKind::Expr(e) => out.extend(popped_key(e)),
            StmtKind::If { then, orelse, .. } => {
                popped_keys(then, out);
                popped_keys(orelse, out);
            }
            StmtKind::For { body, .. } => popped_keys(body, out),
            _ => {}
        }
    }
}

/// Whether a block may leave the enclosing function or loop early.
fn may_exit(stmts: &[Stmt]) -> bool {
    stmts.iter().any(|s| match &s.kind {
        StmtKind::Return(_) | StmtKind::Break | StmtKind::Continue => true,
        StmtKind::Expr(e) => matches!(&e.kind, ExprKind::Call(c)
            if matches!(&c.func.kind, ExprKind::Name(n) if n == "fail")),
        StmtKind::If { then, orelse, .. } => may_exit(then) || may_exit(orelse),
        // `break`/`continue` inside a nested loop stay inside it; `return` does not.
        StmtKind::For { body, .. } => may_return(body),
        _ => false,
    })
}

fn may_return(stmts: &[Stmt]) -> bool {
    stmts.iter().any(|s| match &s.kind {
        StmtKind::Return(_) => true,
        StmtKind::Expr(e) => matches!(&e.kind, ExprKind::Call(c)
            if matches!(&c.func.kind, ExprKind::Name(n) if n == "fail")),
        StmtKind::If { then, orelse, .. } => may_return(then) || may_return(orelse),
        StmtKind::For { body, .. } => may_return(body),
        _ => false,
    })
}

/// The variable at the root of `a.b[c].d`.
fn root_name(e: &Expr) -> Option<&str> {
    let mut cur = e;
    for _ in 0..64 {
        match &cur.kind {
            ExprKind::Name(n) => return Some(n),
            ExprKind::Attr(o, _) | ExprKind::Index(o, _) => cur = o,
            _ => return None,
        }
    }
    None
}

fn set_var(scope: &mut Scope, name: &str, v: Val) {
    match scope.iter_mut().rev().find(|(n, _)| n == name) {
        Some(slot) => slot.1 = v,
        None => scope.push((name.to_string(), v)),
    }
}

fn get_var<'s>(scope: &'s Scope, name: &str) -> Option<&'s Val> {
    scope.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v)
}

impl<'a> Env<'a> {
    pub(crate) fn running(&self) -> bool {
        self.run.borrow().is_some()
    }

    pub(crate) fn max_depth(&self) -> u32 {
        if self.running() {
            MAX_RUN_DEPTH
        } else {
            MAX_DEPTH
        }
    }

    /// Records that the run stopped at a bound (the first one wins).
    pub(crate) fn hit_limit(&self, loc: Loc, what: String) {
        if let Some(run) = self.run.borrow_mut().as_mut() {
            if run.limit.is_none() {
                run.limit = Some(LimitHit { loc, what });
            }
        }
    }

    fn limited(&self) -> bool {
        self.run
            .borrow()
            .as_ref()
            .is_some_and(|r| r.limit.is_some())
    }

    /// Records that the run's targets may be incomplete (the first reason wins).
    fn gap(&self, loc: Loc, why: impl Into<String>) {
        if let Some(run) = self.run.borrow_mut().as_mut() {
            if run.incomplete.is_none() {
                run.incomplete = Some(Gap {
                    loc,
                    why: why.into(),
                });
            }
        }
    }

    /// Spends `n` steps of the run's budget; false once the budget or another bound is hit.
    pub(crate) fn charge(&self, n: u64, loc: Loc) -> bool {
        let mut guard = self.run.borrow_mut();
        let Some(run) = guard.as_mut() else {
            return true;
        };
        if run.limit.is_some() {
            return false;
        }
        if run.steps < n {
            run.steps = 0;
            let what = if run.file_limited {
                format!(
                    "the macro calls of this file together ran out of their {FILE_STEP_BUDGET} steps"
                )
            } else {
                format!("evaluation stopped after {RUN_STEP_BUDGET} steps")
            };
            run.limit = Some(LimitHit { loc, what });
            return false;
        }
        run.steps -= n;
        true
    }

    /// Charges for copying a value (proportional to its size) and checks its nesting.
    /// [`charge_value`](Self::charge_value) at a step per 16 values: the cost of copying a
    /// value that is not otherwise evaluated.
    pub(crate) fn charge_copy(&self, v: &Val, loc: Loc) -> bool {
        self.charge_value_scaled(v, loc, 16)
    }

    pub(crate) fn charge_value(&self, v: &Val, loc: Loc) -> bool {
        self.charge_value_scaled(v, loc, 1)
    }

    fn charge_value_scaled(&self, v: &Val, loc: Loc, per_step: u64) -> bool {
        fn cost(v: &V, depth: u32) -> Result<u64, ()> {
            if depth > MAX_NESTING {
                return Err(());
            }
            Ok(match v {
                V::Str(s) => 1 + s.len() as u64 / 64,
                V::List(items) => {
                    let mut c = 1;
                    for i in items {
                        c += cost(&i.v, depth + 1)?;
                    }
                    c
                }
                V::Dict(pairs) => {
                    let mut c = 1;
                    for (k, v) in pairs {
                        c += cost(&k.v, depth + 1)? + cost(&v.v, depth + 1)?;
                    }
                    c
                }
                V::Struct(fields) => {
                    let mut c = 1;
                    for (_, v) in fields {
                        c += cost(&v.v, depth + 1)?;
                    }
                    c
                }
                _ => 1,
            })
        }
        match cost(&v.v, 0) {
            Ok(c) => self.charge(c.div_ceil(per_step), loc),
            Err(()) => {
                self.hit_limit(
                    loc,
                    format!("a value is nested more than {MAX_NESTING} levels deep"),
                );
                false
            }
        }
    }

    /// Checks a freshly built value against the size bounds.
    pub(crate) fn check_size(&self, val: &Val) -> bool {
        let what = match &val.v {
            V::Str(s) if s.len() > MAX_STRING => {
                format!("a string grew past {MAX_STRING} bytes")
            }
            V::List(items) if items.len() > MAX_LIST => {
                format!("a list grew past {MAX_LIST} elements")
            }
            V::Dict(pairs) if pairs.len() > MAX_LIST => {
                format!("a dict grew past {MAX_LIST} entries")
            }
            _ => return true,
        };
        self.hit_limit(val.loc, what);
        false
    }

    pub(crate) fn lookup_global_in_run(&self, key: (FileId, String), loc: Loc, depth: u32) -> Val {
        if let Some(v) = self.run_globals.borrow().get(&key) {
            return match v.v {
                V::Builtin(_) | V::Unknown(_) => Val {
                    v: v.v.clone(),
                    loc,
                },
                // Every use copies the value: charged (a loop over a large global list nested
                // in another loop is otherwise unbounded work), at a step per 16 values
                // copied, since a copy is far cheaper than evaluating an expression. Real
                // rulesets index big constant tables in loops (rules_python's
                // `print_toolchains_checksums` over `TOOL_VERSIONS`); a step per value
                // stopped them.
                _ if !self.charge_copy(v, loc) => Val::unknown(loc),
                _ => v.clone(),
            };
        }
        if let Some(run) = self.run.borrow_mut().as_mut() {
            run.in_global += 1;
        }
        let v = self.lookup_global_uncached(key.0, &key.1, loc, depth);
        let limited = match self.run.borrow_mut().as_mut() {
            Some(run) => {
                run.in_global -= 1;
                run.limit.is_some()
            }
            None => true,
        };
        // In BUILD and WORKSPACE files, rule names are native functions.
        let v = match v.v {
            V::Unknown(Unknown::BrokenLoad)
                if self.ws.file(key.0).kind != toolcheck_syntax::FileKind::Bzl =>
            {
                Val {
                    v: V::Builtin(format!("native.{}", key.1)),
                    loc,
                }
            }
            _ => v,
        };
        if !limited {
            self.run_globals.borrow_mut().insert(key, v.clone());
        }
        v
    }

    /// Evaluates the expression forms of [`ExtExpr`].
    pub(crate) fn eval_ext(
        &self,
        file: FileId,
        e: &ExtExpr,
        loc: Loc,
        scope: &Scope,
        depth: u32,
    ) -> Val {
        let v = match e {
            ExtExpr::BinOp { op, left, right } => {
                let l = self.eval_in(file, left, scope, depth + 1);
                let r = self.eval_in(file, right, scope, depth + 1);
                self.binop(op, l, r, loc)
            }
            ExtExpr::Unary { op, operand } => {
                match (op.as_str(), self.eval_in(file, operand, scope, depth + 1).v) {
                    ("-", V::Int(i)) => i.checked_neg().map(V::Int).unwrap_or_else(unknown_v),
                    ("+", V::Int(i)) => V::Int(i),
                    ("~", V::Int(i)) => V::Int(!i),
                    _ => unknown_v(),
                }
            }
            ExtExpr::Compare { op, left, right } => {
                let l = self.eval_in(file, left, scope, depth + 1);
                let r = self.eval_in(file, right, scope, depth + 1);
                if op == "not in" {
                    match contains(&r.v, &l.v) {
                        Some(b) => V::Bool(!b),
                        None => unknown_v(),
                    }
                } else {
                    match cmp_values(&l.v, &r.v) {
                        Some(o) => V::Bool(match op.as_str() {
                            "<" => o.is_lt(),
                            "<=" => o.is_le(),
                            ">" => o.is_gt(),
                            _ => o.is_ge(),
                        }),
                        None => unknown_v(),
                    }
                }
            }
            ExtExpr::Comp {
                key,
                value,
                clauses,
            } => {
                let mut out_list = Vec::new();
                let mut out_dict: Vec<(Val, Val)> = Vec::new();
                let mut local = scope.clone();
                let ok =
                    self.comprehension(file, clauses, 0, &mut local, depth + 1, &mut |env, sc| {
                        let k = env.eval_in(file, key, sc, depth + 1);
                        match value {
                            None => out_list.push(k),
                            Some(ve) => {
                                let v = env.eval_in(file, ve, sc, depth + 1);
                                match out_dict
                                    .iter_mut()
                                    .find(|(k2, _)| veq(&k2.v, &k.v) == Some(true))
                                {
                                    Some(slot) => slot.1 = v,
                                    None => out_dict.push((k, v)),
                                }
                            }
                        }
                        out_list.len() + out_dict.len() <= MAX_LIST
                    });
                match (ok, value) {
                    (false, _) => unknown_v(),
                    (true, None) => V::List(out_list),
                    (true, Some(_)) => {
                        if out_dict.iter().any(|(k, _)| k.is_unknown()) {
                            unknown_v()
                        } else {
                            V::Dict(out_dict)
                        }
                    }
                }
            }
            ExtExpr::Slice {
                object,
                start,
                end,
                step,
            } => {
                let o = self.eval_in(file, object, scope, depth + 1);
                let bound = |e: &Option<Expr>| match e {
                    None => Some(None),
                    Some(e) => match self.eval_in(file, e, scope, depth + 1).v {
                        V::Int(i) => Some(Some(i)),
                        V::None => Some(None),
                        _ => None,
                    },
                };
                match (bound(start), bound(end), bound(step)) {
                    (Some(s), Some(e), Some(None | Some(1))) => {
                        let clamp = |i: i64, len: usize| -> usize {
                            let len = len as i64;
                            (if i < 0 { len + i } else { i }).clamp(0, len) as usize
                        };
                        match o.v {
                            V::List(items) => {
                                let (a, b) = (
                                    s.map_or(0, |i| clamp(i, items.len())),
                                    e.map_or(items.len(), |i| clamp(i, items.len())),
                                );
                                V::List(items.get(a..b.max(a)).unwrap_or_default().to_vec())
                            }
                            V::Str(st) => {
                                let chars: Vec<char> = st.chars().collect();
                                let (a, b) = (
                                    s.map_or(0, |i| clamp(i, chars.len())),
                                    e.map_or(chars.len(), |i| clamp(i, chars.len())),
                                );
                                V::Str(chars.get(a..b.max(a)).unwrap_or_default().iter().collect())
                            }
                            _ => unknown_v(),
                        }
                    }
                    (Some(None), Some(None), Some(Some(-1))) => match o.v {
                        V::List(mut items) => {
                            items.reverse();
                            V::List(items)
                        }
                        V::Str(st) => V::Str(st.chars().rev().collect()),
                        _ => unknown_v(),
                    },
                    _ => unknown_v(),
                }
            }
            ExtExpr::Lambda { .. } => unknown_v(),
        };
        Val { v, loc }
    }

    fn binop(&self, op: &str, l: Val, r: Val, loc: Loc) -> V {
        match (op, l.v, r.v) {
            (_, V::Select, _) | (_, _, V::Select) if op == "|" => V::Select,
            ("%", V::Str(f), args) => percent_format(&f, &args).map_or_else(unknown_v, V::Str),
            ("-", V::Int(a), V::Int(b)) => a.checked_sub(b).map_or_else(unknown_v, V::Int),
            ("*", V::Int(a), V::Int(b)) => a.checked_mul(b).map_or_else(unknown_v, V::Int),
            ("//", V::Int(a), V::Int(b)) if b != 0 => V::Int(a.div_euclid(b)),
            ("%", V::Int(a), V::Int(b)) if b != 0 => V::Int(a.rem_euclid(b)),
            ("*", V::Str(s), V::Int(n)) | ("*", V::Int(n), V::Str(s)) => {
                let n = n.max(0) as usize;
                if s.len().saturating_mul(n) > MAX_STRING {
                    self.hit_limit(loc, format!("a string grew past {MAX_STRING} bytes"));
                    unknown_v()
                } else if !self.charge(1 + (s.len() * n) as u64 / 64, loc) {
                    // Charged like copying the result (see `charge_value`).
                    unknown_v()
                } else {
                    V::Str(s.repeat(n))
                }
            }
            ("*", V::List(items), V::Int(n)) | ("*", V::Int(n), V::List(items)) => {
                let n = n.max(0) as usize;
                if items.len().saturating_mul(n) > MAX_LIST {
                    self.hit_limit(loc, format!("a list grew past {MAX_LIST} elements"));
                    unknown_v()
                } else if !self.charge(1 + (items.len() * n) as u64, loc) {
                    // A step per element, like copying the result (`[0] * 100000` in a loop).
                    unknown_v()
                } else {
                    let mut out = Vec::with_capacity(items.len() * n);
                    for _ in 0..n {
                        out.extend(items.iter().cloned());
                    }
                    V::List(out)
                }
            }
            ("|", V::Dict(mut a), V::Dict(b)) => {
                for (k, v) in b {
                    match a.iter_mut().find(|(k2, _)| veq(&k2.v, &k.v) == Some(true)) {
                        Some(slot) => slot.1 = v,
                        None => a.push((k, v)),
                    }
                }
                V::Dict(a)
            }
            (_, V::Unknown(u), _) | (_, _, V::Unknown(u)) => V::Unknown(u),
            _ => unknown_v(),
        }
    }

    /// Runs the clauses of a comprehension from `i`, calling `emit` for every binding that
    /// passes the filters. False when a clause is unknown (or `emit` says stop).
    #[allow(clippy::too_many_arguments)]
    fn comprehension(
        &self,
        file: FileId,
        clauses: &[CompClause],
        i: usize,
        scope: &mut Scope,
        depth: u32,
        emit: &mut dyn FnMut(&Env<'a>, &Scope) -> bool,
    ) -> bool {
        if depth > self.max_depth() {
            return false;
        }
        let Some(clause) = clauses.get(i) else {
            return emit(self, scope);
        };
        match clause {
            CompClause::If(cond) => {
                match truthiness(&self.eval_in(file, cond, scope, depth + 1).v) {
                    Some(true) => self.comprehension(file, clauses, i + 1, scope, depth, emit),
                    Some(false) => true,
                    None => false,
                }
            }
            CompClause::For { target, iter } => {
                let it = self.eval_in(file, iter, scope, depth + 1);
                let it_loc = it.loc;
                let Some(items) = into_items(it) else {
                    return false;
                };
                let mark = scope.len();
                for item in items {
                    if !self.charge(1, it_loc) {
                        return false;
                    }
                    scope.truncate(mark);
                    if !bind_target(target, item, scope) {
                        return false;
                    }
                    if !self.comprehension(file, clauses, i + 1, scope, depth, emit) {
                        return false;
                    }
                }
                scope.truncate(mark);
                true
            }
        }
    }

    /// Evaluates call arguments, expanding `*args` and `**kwargs` when they are known.
    fn eval_args(&self, file: FileId, call: &Call, scope: &Scope, depth: u32) -> Args {
        let mut args = Args {
            pos: call
                .args
                .iter()
                .map(|e| self.eval_in(file, e, scope, depth + 1))
                .collect(),
            kw: call
                .kwargs
                .iter()
                .map(|k| {
                    (
                        k.name.to_string(),
                        self.eval_in(file, &k.value, scope, depth + 1),
                    )
                })
                .collect(),
            complete: true,
        };
        if let Some(e) = call.star_args() {
            match self.eval_in(file, e, scope, depth + 1).v {
                V::List(items) => args.pos.extend(items),
                _ => args.complete = false,
            }
        }
        if let Some(e) = call.star_kwargs() {
            match self.eval_in(file, e, scope, depth + 1).v {
                V::Dict(pairs) => {
                    for (k, v) in pairs {
                        match k.v {
                            V::Str(name) => args.kw.push((name, v)),
                            _ => args.complete = false,
                        }
                    }
                }
                _ => args.complete = false,
            }
        }
        if call.has_splat() && call.star_args().is_none() && call.star_kwargs().is_none() {
            args.complete = false;
        }
        args
    }

    /// A call while a macro runs.
    pub(crate) fn eval_call_in_run(
        &self,
        file: FileId,
        call: &Call,
        loc: Loc,
        scope: &Scope,
        depth: u32,
    ) -> Val {
        // Method calls on values: `"x".format(...)`, `list.index(...)`, `dict.get(...)`.
        let callee = match &call.func.kind {
            ExprKind::Attr(obj, method) => {
                let o = self.eval_in(file, obj, scope, depth + 1);
                match &o.v {
                    V::Str(_) | V::List(_) | V::Dict(_) => {
                        let args = self.eval_args(file, call, scope, depth);
                        let v = self.method(o, method, &args, loc);
                        return Val { v, loc };
                    }
                    V::Builtin(b) if b == "native" || b == "config_common" => Val {
                        v: V::Builtin(format!("{b}.{method}")),
                        loc: o.loc,
                    },
                    V::Struct(fields) => match fields.iter().find(|(n, _)| n == method) {
                        Some((_, v)) => v.clone(),
                        None => Val::unknown(loc),
                    },
                    _ => Val::unknown(loc),
                }
            }
            _ => self.eval_in(file, &call.func, scope, depth + 1),
        };
        let callee_name = call.func.dotted_name().unwrap_or_else(|| "?".into());
        match &callee.v {
            V::Func(ffile, idx) => {
                let args = self.eval_args(file, call, scope, depth);
                self.call_full(*ffile, *idx, args, loc, depth + 1)
            }
            V::Rule(rfile, bi) => {
                let args = self.eval_args(file, call, scope, depth);
                self.instantiate(*rfile, *bi, args, loc, depth + 1)
            }
            V::Builtin(b) => {
                if let Some(native) = b.strip_prefix("native.") {
                    if !NATIVE_NON_RULES.contains(&native) {
                        let args = self.eval_args(file, call, scope, depth);
                        self.emit(native.to_string(), None, args, loc);
                        return Val { v: V::None, loc };
                    }
                }
                match self.run_builtin(b, file, call, loc, scope, depth) {
                    Some(v) => Val { v, loc },
                    None => self.eval_call_basic(file, call, loc, scope, depth, callee),
                }
            }
            V::Unknown(_) => {
                self.gap(
                    loc,
                    format!("calls `{callee_name}`, which toolcheck cannot evaluate"),
                );
                Val::unknown(loc)
            }
            _ => Val::unknown(loc),
        }
    }

    fn emit(&self, kind: String, rule: Option<(FileId, usize)>, args: Args, loc: Loc) {
        let mut guard = self.run.borrow_mut();
        let Some(run) = guard.as_mut() else { return };
        if run.in_global > 0 || run.limit.is_some() {
            return;
        }
        if run.emitted.len() >= MAX_EMITTED {
            run.limit = Some(LimitHit {
                loc,
                what: format!("a macro call created more than {MAX_EMITTED} targets"),
            });
            return;
        }
        let e = Emitted {
            kind,
            rule,
            args: args.pos,
            attrs: args.kw,
            attrs_complete: args.complete,
            loc,
        };
        let registers = matches!(
            e.kind.as_str(),
            "register_toolchains" | "register_execution_platforms"
        );
        let gap = if registers {
            (!e.attrs_complete || e.args.iter().any(|a| a.is_unknown()))
                .then(|| format!("`{}` with arguments toolcheck cannot evaluate", e.kind))
        } else if e.name().is_none() {
            Some(format!(
                "creates a `{}` whose name toolcheck cannot evaluate",
                e.kind
            ))
        } else {
            None
        };
        if let (Some(why), None) = (gap, &run.incomplete) {
            run.incomplete = Some(Gap { loc, why });
        }
        run.emitted.push(e);
    }

    /// Builtins that need the run (or that the plain evaluator does not know).
    fn run_builtin(
        &self,
        name: &str,
        file: FileId,
        call: &Call,
        loc: Loc,
        scope: &Scope,
        depth: u32,
    ) -> Option<V> {
        let build_file = self.run.borrow().as_ref().map(|r| r.build_file)?;
        let a = || self.eval_args(file, call, scope, depth);
        Some(match name {
            "package_name" | "native.package_name" => {
                V::Str(self.contexts[build_file.0 as usize].package.clone())
            }
            "repository_name" | "native.repository_name" => V::Str(format!(
                "@{}",
                self.contexts[build_file.0 as usize].repo.as_str()
            )),
            "native.repo_name" => V::Str(
                self.contexts[build_file.0 as usize]
                    .repo
                    .as_str()
                    .to_string(),
            ),
            "native.package_relative_label" => match a().get(0, "input").map(|v| &v.v) {
                Some(V::Str(s)) => match self.label_context(build_file).resolve(s) {
                    Ok(l) => V::Label(l),
                    Err(_) => unknown_v(),
                },
                Some(V::Label(l)) => V::Label(l.clone()),
                _ => unknown_v(),
            },
            "glob"
            | "native.glob"
            | "depset"
            | "native.existing_rule"
            | "native.existing_rules"
            | "native.subpackages" => unknown_v(),
            "native.exports_files" | "native.licenses" | "native.package" | "print" => V::None,
            "select" => V::Select,
            "fail" => {
                self.gap(loc, "reaches `fail()`");
                return Some(unknown_v());
            }
            "len" => match a().get(0, "x").map(|v| &v.v) {
                Some(V::Str(s)) => V::Int(s.chars().count() as i64),
                Some(V::List(l)) => V::Int(l.len() as i64),
                Some(V::Dict(d)) => V::Int(d.len() as i64),
                _ => unknown_v(),
            },
            "str" => match a().get(0, "x") {
                Some(v) => to_str(&v.v).map_or_else(unknown_v, V::Str),
                None => V::Str(String::new()),
            },
            "repr" => {
                let mut s = String::new();
                match a().get(0, "x").and_then(|v| repr(&v.v, &mut s)) {
                    Some(()) => V::Str(s),
                    None => unknown_v(),
                }
            }
            "int" => match a().get(0, "x").map(|v| &v.v) {
                Some(V::Int(i)) => V::Int(*i),
                Some(V::Bool(b)) => V::Int(*b as i64),
                Some(V::Str(s)) => s.trim().parse().map_or_else(|_| unknown_v(), V::Int),
                _ => unknown_v(),
            },
            "bool" => match a().get(0, "x").map(|v| truthiness(&v.v)) {
                Some(Some(b)) => V::Bool(b),
                None => V::Bool(false),
                _ => unknown_v(),
            },
            "abs" => match a().get(0, "x").map(|v| &v.v) {
                Some(V::Int(i)) => i.checked_abs().map_or_else(unknown_v, V::Int),
                _ => unknown_v(),
            },
            "list" | "tuple" => match a().get(0, "x") {
                None => V::List(Vec::new()),
                Some(v) => iter_items(v).map_or_else(unknown_v, V::List),
            },
            "dict" => {
                let args = a();
                let mut out: Vec<(Val, Val)> = Vec::new();
                match args.pos.first().map(|v| &v.v) {
                    None => {}
                    Some(V::Dict(pairs)) => out.extend(pairs.iter().cloned()),
                    Some(V::List(items)) => {
                        for it in items {
                            match &it.v {
                                V::List(kv) if kv.len() == 2 => {
                                    out.push((kv[0].clone(), kv[1].clone()))
                                }
                                _ => return Some(unknown_v()),
                            }
                        }
                    }
                    Some(_) => return Some(unknown_v()),
                }
                for (k, v) in args.kw {
                    out.push((Val { v: V::Str(k), loc }, v));
                }
                if !args.complete {
                    return Some(unknown_v());
                }
                let mut dedup: Vec<(Val, Val)> = Vec::new();
                for (k, v) in out {
                    match dedup
                        .iter_mut()
                        .find(|(k2, _)| veq(&k2.v, &k.v) == Some(true))
                    {
                        Some(slot) => slot.1 = v,
                        None => dedup.push((k, v)),
                    }
                }
                V::Dict(dedup)
            }
            "range" => {
                let args = a();
                let ints: Option<Vec<i64>> = args
                    .pos
                    .iter()
                    .map(|v| match v.v {
                        V::Int(i) => Some(i),
                        _ => None,
                    })
                    .collect();
                let (start, stop, step) = match ints.as_deref() {
                    Some([stop]) => (0, *stop, 1),
                    Some([start, stop]) => (*start, *stop, 1),
                    Some([start, stop, step]) if *step != 0 => (*start, *stop, *step),
                    _ => return Some(unknown_v()),
                };
                let len = if step > 0 {
                    (stop.saturating_sub(start).max(0) as u64).div_ceil(step as u64)
                } else {
                    (start.saturating_sub(stop).max(0) as u64).div_ceil(step.unsigned_abs())
                };
                if len > MAX_LIST as u64 {
                    self.hit_limit(
                        loc,
                        format!("`range()` of {len} elements (the limit is {MAX_LIST})"),
                    );
                    return Some(unknown_v());
                }
                // Building the list costs a step per element, like copying one: a loop
                // that leaves early (`for j in range(n): break`) is otherwise almost free
                // while its `range()` is not, and nested in another loop it ran for hours.
                if !self.charge(len, loc) {
                    return Some(unknown_v());
                }
                V::List(
                    (0..len as i64)
                        .map(|i| Val {
                            v: V::Int(start + i * step),
                            loc,
                        })
                        .collect(),
                )
            }
            "enumerate" => match a().pos.first().and_then(iter_items) {
                Some(items) => V::List(
                    items
                        .into_iter()
                        .enumerate()
                        .map(|(i, v)| Val {
                            v: V::List(vec![
                                Val {
                                    v: V::Int(i as i64),
                                    loc,
                                },
                                v,
                            ]),
                            loc,
                        })
                        .collect(),
                ),
                None => unknown_v(),
            },
            "zip" => {
                let lists: Option<Vec<Vec<Val>>> = a().pos.iter().map(iter_items).collect();
                match lists {
                    Some(lists) if !lists.is_empty() => {
                        let n = lists.iter().map(Vec::len).min().unwrap_or(0);
                        V::List(
                            (0..n)
                                .map(|i| Val {
                                    v: V::List(lists.iter().map(|l| l[i].clone()).collect()),
                                    loc,
                                })
                                .collect(),
                        )
                    }
                    _ => unknown_v(),
                }
            }
            "sorted" | "reversed" | "min" | "max" | "any" | "all" => {
                let args = a();
                let items = match (name, args.pos.as_slice()) {
                    ("min" | "max", [_, _, ..]) => args.pos.clone(),
                    (_, [one, ..]) => match iter_items(one) {
                        Some(items) => items,
                        None => return Some(unknown_v()),
                    },
                    _ => return Some(unknown_v()),
                };
                match name {
                    "reversed" => V::List(items.into_iter().rev().collect()),
                    "any" | "all" => {
                        let t: Option<Vec<bool>> = items.iter().map(|v| truthiness(&v.v)).collect();
                        match t {
                            Some(t) if name == "any" => V::Bool(t.iter().any(|b| *b)),
                            Some(t) => V::Bool(t.iter().all(|b| *b)),
                            None => unknown_v(),
                        }
                    }
                    _ => {
                        if args.kw.iter().any(|(n, _)| n == "key") {
                            return Some(unknown_v());
                        }
                        let mut items = items;
                        let mut ok = true;
                        items.sort_by(|x, y| {
                            cmp_values(&x.v, &y.v).unwrap_or_else(|| {
                                ok = false;
                                std::cmp::Ordering::Equal
                            })
                        });
                        if !ok {
                            return Some(unknown_v());
                        }
                        let reverse = args
                            .kw
                            .iter()
                            .any(|(n, v)| n == "reverse" && v.v == V::Bool(true));
                        if reverse {
                            items.reverse();
                        }
                        match name {
                            "sorted" => V::List(items),
                            "min" => items.first().map_or_else(unknown_v, |v| v.v.clone()),
                            _ => items.last().map_or_else(unknown_v, |v| v.v.clone()),
                        }
                    }
                }
            }
            "type" => match a().get(0, "x").map(|v| &v.v) {
                Some(V::Str(_)) => V::Str("string".into()),
                Some(V::Int(_)) => V::Str("int".into()),
                Some(V::Bool(_)) => V::Str("bool".into()),
                Some(V::None) => V::Str("NoneType".into()),
                Some(V::List(_)) => V::Str("list".into()),
                Some(V::Dict(_)) => V::Str("dict".into()),
                Some(V::Label(_)) => V::Str("Label".into()),
                Some(V::Struct(_)) => V::Str("struct".into()),
                Some(V::Select) => V::Str("select".into()),
                Some(V::Func(..)) => V::Str("function".into()),
                _ => unknown_v(),
            },
            "getattr" => {
                let args = a();
                match (args.pos.first(), args.pos.get(1).map(|v| &v.v)) {
                    (Some(o), Some(V::Str(f))) => match &o.v {
                        V::Struct(fields) => match fields.iter().find(|(n, _)| n == f) {
                            Some((_, v)) => v.v.clone(),
                            None => match args.pos.get(2) {
                                Some(d) => d.v.clone(),
                                None => unknown_v(),
                            },
                        },
                        _ => value_attr(o, f).unwrap_or_else(unknown_v),
                    },
                    _ => unknown_v(),
                }
            }
            "hasattr" => {
                let args = a();
                match (
                    args.pos.first().map(|v| &v.v),
                    args.pos.get(1).map(|v| &v.v),
                ) {
                    (Some(V::Struct(fields)), Some(V::Str(f))) => {
                        V::Bool(fields.iter().any(|(n, _)| n == f))
                    }
                    (Some(V::Builtin(_)), _) => return None,
                    _ => unknown_v(),
                }
            }
            _ => return None,
        })
    }

    /// `value.method(args)` for strings, lists and dicts (non-mutating forms).
    fn method(&self, o: Val, m: &str, args: &Args, loc: Loc) -> V {
        let s_arg = |i: usize, n: &str| match args.get(i, n).map(|v| &v.v) {
            Some(V::Str(s)) => Some(s.clone()),
            _ => None,
        };
        match (o.v, m) {
            (V::Str(s), "format") => {
                if !args.complete {
                    return unknown_v();
                }
                brace_format(&s, &args.pos, &args.kw).map_or_else(unknown_v, V::Str)
            }
            (V::Str(s), "join") => match args.pos.first().and_then(iter_items) {
                Some(items) => {
                    let parts: Option<Vec<String>> = items
                        .iter()
                        .map(|v| match &v.v {
                            V::Str(p) => Some(p.clone()),
                            _ => None,
                        })
                        .collect();
                    let joined = parts.map(|p| p.join(&s));
                    match joined {
                        Some(j) if j.len() > MAX_STRING => {
                            self.hit_limit(loc, format!("a string grew past {MAX_STRING} bytes"));
                            unknown_v()
                        }
                        Some(j) => V::Str(j),
                        None => unknown_v(),
                    }
                }
                None => unknown_v(),
            },
            (V::Str(s), "replace") => match (s_arg(0, "old"), s_arg(1, "new")) {
                (Some(a), Some(b)) if !a.is_empty() => {
                    let out = match args.pos.get(2).map(|v| &v.v) {
                        Some(V::Int(n)) if *n >= 0 => s.replacen(&a, &b, *n as usize),
                        None => s.replace(&a, &b),
                        _ => return unknown_v(),
                    };
                    if out.len() > MAX_STRING {
                        self.hit_limit(loc, format!("a string grew past {MAX_STRING} bytes"));
                        return unknown_v();
                    }
                    V::Str(out)
                }
                _ => unknown_v(),
            },
            (V::Str(s), "split" | "rsplit") => {
                let maxsplit = match args.get(1, "maxsplit").map(|v| &v.v) {
                    None => None,
                    Some(V::Int(n)) if *n >= 0 => Some(*n as usize),
                    Some(V::Int(_)) => None,
                    _ => return unknown_v(),
                };
                let parts: Vec<String> = match (s_arg(0, "sep"), maxsplit, m) {
                    (Some(sep), _, _) if sep.is_empty() => return unknown_v(),
                    (Some(sep), None, _) => s.split(sep.as_str()).map(str::to_string).collect(),
                    (Some(sep), Some(n), "split") => {
                        s.splitn(n + 1, sep.as_str()).map(str::to_string).collect()
                    }
                    (Some(sep), Some(n), _) => {
                        let mut v: Vec<String> =
                            s.rsplitn(n + 1, sep.as_str()).map(str::to_string).collect();
                        v.reverse();
                        v
                    }
                    (None, None, _) if args.pos.is_empty() => {
                        s.split_whitespace().map(str::to_string).collect()
                    }
                    _ => return unknown_v(),
                };
                V::List(
                    parts
                        .into_iter()
                        .map(|p| Val { v: V::Str(p), loc })
                        .collect(),
                )
            }
            (V::Str(s), "startswith" | "endswith") => {
                let prefixes: Vec<String> = match args.pos.first().map(|v| &v.v) {
                    Some(V::Str(p)) => vec![p.clone()],
                    Some(V::List(items)) => {
                        let v: Option<Vec<String>> = items
                            .iter()
                            .map(|i| match &i.v {
                                V::Str(p) => Some(p.clone()),
                                _ => None,
                            })
                            .collect();
                        match v {
                            Some(v) => v,
                            None => return unknown_v(),
                        }
                    }
                    _ => return unknown_v(),
                };
                V::Bool(prefixes.iter().any(|p| {
                    if m == "startswith" {
                        s.starts_with(p.as_str())
                    } else {
                        s.ends_with(p.as_str())
                    }
                }))
            }
            (V::Str(s), "upper") => V::Str(s.to_uppercase()),
            (V::Str(s), "lower") => V::Str(s.to_lowercase()),
            (V::Str(s), "capitalize") => {
                let mut c = s.chars();
                V::Str(match c.next() {
                    Some(f) => f
                        .to_uppercase()
                        .chain(c.flat_map(char::to_lowercase))
                        .collect(),
                    None => String::new(),
                })
            }
            (V::Str(s), "strip" | "lstrip" | "rstrip") => {
                let chars: Option<Vec<char>> = match args.pos.first().map(|v| &v.v) {
                    None | Some(V::None) => None,
                    Some(V::Str(c)) => Some(c.chars().collect()),
                    _ => return unknown_v(),
                };
                let pred = |c: char| match &chars {
                    Some(set) => set.contains(&c),
                    None => c.is_whitespace(),
                };
                V::Str(match m {
                    "strip" => s.trim_matches(pred).to_string(),
                    "lstrip" => s.trim_start_matches(pred).to_string(),
                    _ => s.trim_end_matches(pred).to_string(),
                })
            }
            (V::Str(s), "removeprefix") => match s_arg(0, "prefix") {
                Some(p) => V::Str(s.strip_prefix(p.as_str()).unwrap_or(&s).to_string()),
                None => unknown_v(),
            },
            (V::Str(s), "removesuffix") => match s_arg(0, "suffix") {
                Some(p) => V::Str(s.strip_suffix(p.as_str()).unwrap_or(&s).to_string()),
                None => unknown_v(),
            },
            (V::Str(s), "count") => match s_arg(0, "sub") {
                Some(p) if !p.is_empty() => V::Int(s.matches(p.as_str()).count() as i64),
                _ => unknown_v(),
            },
            (V::Str(s), "find" | "rfind" | "index" | "rindex") => match s_arg(0, "sub") {
                Some(p) => {
                    let pos = if m.starts_with('r') {
                        s.rfind(p.as_str())
                    } else {
                        s.find(p.as_str())
                    };
                    match pos {
                        Some(b) => V::Int(s[..b].chars().count() as i64),
                        None if m.ends_with("find") => V::Int(-1),
                        None => {
                            self.gap(loc, "`index()` of a missing substring fails");
                            unknown_v()
                        }
                    }
                }
                None => unknown_v(),
            },
            (V::Str(s), "partition" | "rpartition") => match s_arg(0, "sep") {
                Some(sep) if !sep.is_empty() => {
                    let found = if m == "partition" {
                        s.find(sep.as_str())
                    } else {
                        s.rfind(sep.as_str())
                    };
                    let (a, b, c) = match found {
                        Some(i) => (
                            s[..i].to_string(),
                            sep.clone(),
                            s[i + sep.len()..].to_string(),
                        ),
                        None if m == "partition" => (s.clone(), String::new(), String::new()),
                        None => (String::new(), String::new(), s.clone()),
                    };
                    V::List(
                        [a, b, c]
                            .into_iter()
                            .map(|p| Val { v: V::Str(p), loc })
                            .collect(),
                    )
                }
                _ => unknown_v(),
            },
            (V::Str(s), "isdigit") => {
                V::Bool(!s.is_empty() && s.chars().all(|c| c.is_ascii_digit()))
            }
            (V::Str(s), "isalpha") => V::Bool(!s.is_empty() && s.chars().all(char::is_alphabetic)),
            (V::Str(s), "isalnum") => {
                V::Bool(!s.is_empty() && s.chars().all(char::is_alphanumeric))
            }
            (V::Str(s), "islower") => {
                V::Bool(s.chars().any(char::is_lowercase) && !s.chars().any(char::is_uppercase))
            }
            (V::Str(s), "isupper") => {
                V::Bool(s.chars().any(char::is_uppercase) && !s.chars().any(char::is_lowercase))
            }
            (V::Str(s), "splitlines") => V::List(
                s.lines()
                    .map(|l| Val {
                        v: V::Str(l.to_string()),
                        loc,
                    })
                    .collect(),
            ),
            (V::Str(s), "elems") => V::List(
                s.chars()
                    .map(|c| Val {
                        v: V::Str(c.to_string()),
                        loc,
                    })
                    .collect(),
            ),
            (V::List(items), "index") => match args.pos.first() {
                Some(x) => {
                    let mut unknown = false;
                    for (i, it) in items.iter().enumerate() {
                        match veq(&it.v, &x.v) {
                            Some(true) => return V::Int(i as i64),
                            Some(false) => {}
                            None => unknown = true,
                        }
                    }
                    if !unknown {
                        self.gap(loc, "`index()` of a missing element fails");
                    }
                    unknown_v()
                }
                None => unknown_v(),
            },
            (V::List(items), "count") => match args.pos.first() {
                Some(x) => {
                    let mut n = 0;
                    for it in &items {
                        match veq(&it.v, &x.v) {
                            Some(true) => n += 1,
                            Some(false) => {}
                            None => return unknown_v(),
                        }
                    }
                    V::Int(n)
                }
                None => unknown_v(),
            },
            (V::Dict(pairs), "get") => match args.pos.first() {
                Some(k) => {
                    let mut unknown = k.is_unknown();
                    for (k2, v) in &pairs {
                        match veq(&k2.v, &k.v) {
                            Some(true) => return v.v.clone(),
                            Some(false) => {}
                            None => unknown = true,
                        }
                    }
                    if unknown {
                        unknown_v()
                    } else {
                        args.pos.get(1).map_or(V::None, |d| d.v.clone())
                    }
                }
                None => unknown_v(),
            },
            (V::Dict(pairs), "keys") => V::List(pairs.into_iter().map(|(k, _)| k).collect()),
            (V::Dict(pairs), "values") => V::List(pairs.into_iter().map(|(_, v)| v).collect()),
            (V::Dict(pairs), "items") => V::List(
                pairs
                    .into_iter()
                    .map(|(k, v)| Val {
                        v: V::List(vec![k, v]),
                        loc,
                    })
                    .collect(),
            ),
            _ => unknown_v(),
        }
    }

    /// Executes a mutating method call written as a statement (`x.append(y)`), updating the
    /// variable in `scope`. False when the statement is not such a call.
    fn mutate(&self, file: FileId, e: &Expr, scope: &mut Scope, depth: u32) -> bool {
        let ExprKind::Call(call) = &e.kind else {
            return false;
        };
        let ExprKind::Attr(obj, m) = &call.func.kind else {
            return false;
        };
        if !matches!(
            m.as_str(),
            "append" | "extend" | "insert" | "remove" | "pop" | "clear" | "update" | "setdefault"
        ) {
            return false;
        }
        let ExprKind::Name(var) = &obj.kind else {
            // `a.b.append(x)`, `d[k].append(x)`: the root variable is no longer known.
            if let Some(n) = root_name(obj) {
                if get_var(scope, n).is_some() {
                    set_var(
                        scope,
                        n,
                        Val::unknown(Loc {
                            file,
                            range: obj.range,
                        }),
                    );
                }
            }
            return false;
        };
        if get_var(scope, var).is_none() {
            return false;
        }
        let loc = Loc {
            file,
            range: e.range,
        };
        let args = self.eval_args(file, call, scope, depth);
        // Take the value out of its slot: mutating in place keeps appends linear.
        let Some(slot) = scope.iter_mut().rev().find(|(n, _)| n == var) else {
            return false;
        };
        let cur = std::mem::replace(&mut slot.1, Val::unknown(loc));
        let new = match (cur.v, m.as_str()) {
            (V::List(mut items), "append") if args.pos.len() == 1 => {
                items.push(args.pos[0].clone());
                Some(V::List(items))
            }
            (V::List(mut items), "extend") => match args.pos.first().and_then(iter_items) {
                Some(more) => {
                    items.extend(more);
                    Some(V::List(items))
                }
                None => None,
            },
            (V::List(mut items), "insert") => {
                match (args.pos.first().map(|v| &v.v), args.pos.get(1)) {
                    (Some(V::Int(i)), Some(x)) => {
                        let len = items.len() as i64;
                        let at = (if *i < 0 { len + i } else { *i }).clamp(0, len) as usize;
                        items.insert(at, x.clone());
                        Some(V::List(items))
                    }
                    _ => None,
                }
            }
            (V::List(mut items), "remove") => match args.pos.first() {
                Some(x) => match items.iter().position(|it| veq(&it.v, &x.v) == Some(true)) {
                    Some(i) if items[..i].iter().all(|it| veq(&it.v, &x.v).is_some()) => {
                        items.remove(i);
                        Some(V::List(items))
                    }
                    _ => None,
                },
                None => None,
            },
            (V::List(mut items), "pop") => match args.pos.first().map(|v| &v.v) {
                None if !items.is_empty() => {
                    items.pop();
                    Some(V::List(items))
                }
                Some(V::Int(i)) => {
                    let len = items.len() as i64;
                    let at = if *i < 0 { len + i } else { *i };
                    if at >= 0 && at < len {
                        items.remove(at as usize);
                        Some(V::List(items))
                    } else {
                        None
                    }
                }
                _ => None,
            },
            (V::List(_), "clear") => Some(V::List(Vec::new())),
            (V::Dict(_), "clear") => Some(V::Dict(Vec::new())),
            (V::Dict(mut pairs), "update") if args.complete => {
                let mut more: Vec<(Val, Val)> = Vec::new();
                match args.pos.first().map(|v| &v.v) {
                    None => {}
                    Some(V::Dict(p)) => more.extend(p.iter().cloned()),
                    Some(_) => {
                        set_var(scope, var, Val::unknown(loc));
                        return true;
                    }
                }
                for (k, v) in &args.kw {
                    more.push((
                        Val {
                            v: V::Str(k.clone()),
                            loc,
                        },
                        v.clone(),
                    ));
                }
                for (k, v) in more {
                    match pairs
                        .iter_mut()
                        .find(|(k2, _)| veq(&k2.v, &k.v) == Some(true))
                    {
                        Some(slot) => slot.1 = v,
                        None => pairs.push((k, v)),
                    }
                }
                Some(V::Dict(pairs))
            }
            (V::Dict(mut pairs), "setdefault") => match args.pos.first() {
                Some(k) if !k.is_unknown() => {
                    if !pairs.iter().any(|(k2, _)| veq(&k2.v, &k.v) == Some(true)) {
                        let d = args.pos.get(1).cloned().unwrap_or(Val { v: V::None, loc });
                        pairs.push((k.clone(), d));
                    }
                    Some(V::Dict(pairs))
                }
                _ => None,
            },
            (V::Dict(mut pairs), "pop") => match args.pos.first() {
                Some(k) if !k.is_unknown() => {
                    pairs.retain(|(k2, _)| veq(&k2.v, &k.v) != Some(true));
                    Some(V::Dict(pairs))
                }
                _ => None,
            },
            _ => None,
        };
        let v = match new {
            Some(v) => Val { v, loc: cur.loc },
            None => Val::unknown(loc),
        };
        if self.check_size(&v) {
            set_var(scope, var, v);
        } else {
            set_var(scope, var, Val::unknown(loc));
        }
        true
    }

    /// Calls a function defined in a `.bzl` file, executing its body.
    fn call_full(&self, ffile: FileId, idx: usize, args: Args, loc: Loc, depth: u32) -> Val {
        let f = &self.facts[ffile.0 as usize].functions[idx];
        {
            let mut guard = self.run.borrow_mut();
            let Some(run) = guard.as_mut() else {
                return Val::unknown(loc);
            };
            if run.stack.contains(&(ffile, idx)) {
                if run.limit.is_none() {
                    run.limit = Some(LimitHit {
                        loc,
                        what: format!(
                            "`{}` calls itself (Starlark does not allow recursion)",
                            f.name
                        ),
                    });
                }
                return Val::unknown(loc);
            }
            if run.stack.len() >= MAX_CALL_DEPTH {
                if run.limit.is_none() {
                    run.limit = Some(LimitHit {
                        loc,
                        what: format!("calls nested more than {MAX_CALL_DEPTH} functions deep"),
                    });
                }
                return Val::unknown(loc);
            }
            run.stack.push((ffile, idx));
        }
        let result = self.call_body(ffile, idx, args, loc, depth);
        if let Some(run) = self.run.borrow_mut().as_mut() {
            run.stack.pop();
        }
        result
    }

    fn call_body(&self, ffile: FileId, idx: usize, args: Args, loc: Loc, depth: u32) -> Val {
        let f = &self.facts[ffile.0 as usize].functions[idx];
        if f.body.truncated {
            self.gap(loc, format!("`{}` is too large to evaluate", f.name));
            return Val::unknown(loc);
        }
        let mut scope: Scope = Vec::new();
        let mut pos = args.pos.into_iter();
        let mut kw = args.kw;
        let mut bound: Vec<bool> = vec![false; f.params.len()];
        for (i, (pname, _)) in f.params.iter().enumerate().take(f.positional_params) {
            if let Some(v) = pos.next() {
                scope.push((pname.clone(), v));
                bound[i] = true;
            }
        }
        let extra: Vec<Val> = pos.collect();
        match &f.star_params.0 {
            Some(n) => scope.push((
                n.clone(),
                if args.complete {
                    Val {
                        v: V::List(extra),
                        loc,
                    }
                } else {
                    Val::unknown(loc)
                },
            )),
            None if !extra.is_empty() => {
                self.gap(loc, format!("`{}` called with too many arguments", f.name));
                return Val::unknown(loc);
            }
            None => {}
        }
        for (i, (pname, _)) in f.params.iter().enumerate() {
            if let Some(at) = kw.iter().position(|(n, _)| n == pname) {
                let (_, v) = kw.remove(at);
                if bound[i] {
                    self.gap(loc, format!("`{}` got `{pname}` twice", f.name));
                    return Val::unknown(loc);
                }
                scope.push((pname.clone(), v));
                bound[i] = true;
            }
        }
        match &f.star_params.1 {
            Some(n) => {
                let v = if args.complete {
                    V::Dict(
                        kw.into_iter()
                            .map(|(k, v)| (Val { v: V::Str(k), loc }, v))
                            .collect(),
                    )
                } else {
                    unknown_v()
                };
                scope.push((n.clone(), Val { v, loc }));
            }
            None if !kw.is_empty() => {
                self.gap(loc, format!("`{}` has no parameter `{}`", f.name, kw[0].0));
                return Val::unknown(loc);
            }
            None => {}
        }
        for (i, (pname, default)) in f.params.iter().enumerate() {
            if bound[i] {
                continue;
            }
            let v = match default {
                // An unknown `**kwargs` may hold this parameter.
                _ if !args.complete => Val::unknown(loc),
                Some(d) => self.eval_in(ffile, d, &Vec::new(), depth + 1),
                None => {
                    self.gap(loc, format!("`{}` misses argument `{pname}`", f.name));
                    Val::unknown(loc)
                }
            };
            scope.push((pname.clone(), v));
        }
        match self.exec_block(ffile, &f.body, &f.body.stmts, &mut scope, depth + 1) {
            Flow::Return(v) => v,
            Flow::Normal | Flow::Break | Flow::Continue => Val { v: V::None, loc },
            Flow::Abort => Val::unknown(loc),
        }
    }

    fn exec_block(
        &self,
        file: FileId,
        body: &Body,
        stmts: &[Stmt],
        scope: &mut Scope,
        depth: u32,
    ) -> Flow {
        if depth > self.max_depth() {
            return Flow::Abort;
        }
        for s in stmts {
            let loc = Loc {
                file,
                range: s.range,
            };
            if !self.charge(1, loc) {
                return Flow::Abort;
            }
            match &s.kind {
                StmtKind::Assign { target, value } => {
                    if let AssignTarget::Other(e) = target {
                        let v = self.eval_in(file, value, scope, depth + 1);
                        self.assign_into(file, e, v, scope, depth);
                        continue;
                    }
                    let v = self.eval_in(file, value, scope, depth + 1);
                    if !bind_target(target, v, scope) {
                        forget_target(target, loc, scope);
                    }
                }
                StmtKind::AugAssign { target, value } => {
                    let op = body
                        .aug_ops
                        .iter()
                        .find(|(r, _)| *r == s.range)
                        .map(|(_, op)| op.trim_end_matches('=').to_string())
                        .unwrap_or_else(|| "+".to_string());
                    let AssignTarget::Name(n) = target else {
                        forget_target(target, loc, scope);
                        continue;
                    };
                    let r = self.eval_in(file, value, scope, depth + 1);
                    let cur = match scope.iter_mut().rev().find(|(name, _)| name == n) {
                        Some(slot) => std::mem::replace(&mut slot.1, Val::unknown(loc)),
                        None => self.lookup_global(file, n, loc, depth + 1),
                    };
                    let v = if op == "+" {
                        match (cur.v, r.v) {
                            (V::List(mut a), V::List(b)) => {
                                a.extend(b);
                                V::List(a)
                            }
                            (V::List(mut a), V::Dict(b)) => {
                                a.extend(b.into_iter().map(|(k, _)| k));
                                V::List(a)
                            }
                            (V::Str(a), V::Str(b)) => V::Str(a + &b),
                            (V::Int(a), V::Int(b)) => {
                                a.checked_add(b).map_or_else(unknown_v, V::Int)
                            }
                            (V::Select, _) | (_, V::Select) => V::Select,
                            _ => unknown_v(),
                        }
                    } else {
                        self.binop(&op, cur, r, loc)
                    };
                    let v = Val { v, loc };
                    let v = if self.check_size(&v) {
                        v
                    } else {
                        Val::unknown(loc)
                    };
                    set_var(scope, n, v);
                }
                StmtKind::Expr(e) => {
                    if !self.mutate(file, e, scope, depth) {
                        self.eval_in(file, e, scope, depth + 1);
                    }
                    if let ExprKind::Call(c) = &e.kind {
                        if matches!(&c.func.kind, ExprKind::Name(n) if n == "fail")
                            && get_var(scope, "fail").is_none()
                        {
                            return Flow::Abort;
                        }
                    }
                }
                StmtKind::Return(e) => {
                    let v = match e {
                        Some(e) => self.eval_in(file, e, scope, depth + 1),
                        None => Val { v: V::None, loc },
                    };
                    return Flow::Return(v);
                }
                StmtKind::If {
                    cond, then, orelse, ..
                } => {
                    let c = self.eval_in(file, cond, scope, depth + 1);
                    let branch = match truthiness(&c.v) {
                        Some(true) => then,
                        Some(false) => orelse,
                        None => {
                            if self.limited() {
                                return Flow::Abort;
                            }
                            self.gap(
                                loc,
                                "a condition depends on a value toolcheck cannot evaluate",
                            );
                            if may_exit(then) || may_exit(orelse) {
                                return Flow::Abort;
                            }
                            let mut names = Vec::new();
                            assigned_names(then, &mut names);
                            assigned_names(orelse, &mut names);
                            for n in names {
                                set_var(scope, &n, Val::unknown(loc));
                            }
                            // A key that may have been popped: its value (and whether it
                            // is there at all) is unknown; the rest of the dict is kept.
                            let mut popped = Vec::new();
                            popped_keys(then, &mut popped);
                            popped_keys(orelse, &mut popped);
                            for (var, key) in popped {
                                if let Some((
                                    _,
                                    Val {
                                        v: V::Dict(pairs), ..
                                    },
                                )) = scope.iter_mut().rev().find(|(n, _)| n == var)
                                {
                                    for (k, v) in pairs.iter_mut() {
                                        if matches!(&k.v, V::Str(s) if s == key) {
                                            *v = Val::unknown(loc);
                                        }
                                    }
                                }
                            }
                            continue;
                        }
                    };
                    match self.exec_block(file, body, branch, scope, depth + 1) {
                        Flow::Normal => {}
                        other => return other,
                    }
                }
                StmtKind::For {
                    target,
                    iter,
                    body: inner,
                } => {
                    let it = self.eval_in(file, iter, scope, depth + 1);
                    let Some(items) = into_items(it) else {
                        if self.limited() {
                            return Flow::Abort;
                        }
                        self.gap(loc, "a loop runs over a value toolcheck cannot evaluate");
                        if may_return(inner) {
                            return Flow::Abort;
                        }
                        let mut names = Vec::new();
                        assigned_names(std::slice::from_ref(s), &mut names);
                        for n in names {
                            set_var(scope, &n, Val::unknown(loc));
                        }
                        continue;
                    };
                    for item in items {
                        if !self.charge(1, loc) {
                            return Flow::Abort;
                        }
                        if !bind_target(target, item, scope) {
                            forget_target(target, loc, scope);
                        }
                        match self.exec_block(file, body, inner, scope, depth + 1) {
                            Flow::Normal | Flow::Continue => {}
                            Flow::Break => break,
                            other => return other,
                        }
                    }
                }
                StmtKind::Break => return Flow::Break,
                StmtKind::Continue => return Flow::Continue,
                StmtKind::Def(n) => set_var(scope, n, Val::unknown(loc)),
                // `pass` (anything else Starlark allows in a body is modelled above).
                StmtKind::Opaque => {}
            }
            if self.limited() {
                return Flow::Abort;
            }
        }
        Flow::Normal
    }

    /// `d[k] = v`, `l[i] = v`; anything else forgets the root variable.
    fn assign_into(&self, file: FileId, e: &Expr, v: Val, scope: &mut Scope, depth: u32) {
        let loc = Loc {
            file,
            range: e.range,
        };
        if let ExprKind::Index(obj, key) = &e.kind {
            if let ExprKind::Name(var) = &obj.kind {
                let k = self.eval_in(file, key, scope, depth + 1);
                if let Some(cur) = get_var(scope, var).cloned() {
                    let new = match (cur.v, k.v) {
                        (V::Dict(mut pairs), kv) if !matches!(kv, V::Unknown(_) | V::Select) => {
                            let kval = Val { v: kv, loc: k.loc };
                            match pairs
                                .iter_mut()
                                .find(|(k2, _)| veq(&k2.v, &kval.v) == Some(true))
                            {
                                Some(slot) => slot.1 = v,
                                None => pairs.push((kval, v)),
                            }
                            Some(V::Dict(pairs))
                        }
                        (V::List(mut items), V::Int(i)) => {
                            let len = items.len() as i64;
                            let at = if i < 0 { len + i } else { i };
                            if at >= 0 && at < len {
                                items[at as usize] = v;
                                Some(V::List(items))
                            } else {
                                None
                            }
                        }
                        _ => None,
                    };
                    let nv = match new {
                        Some(n) => Val { v: n, loc: cur.loc },
                        None => Val::unknown(loc),
                    };
                    let nv = if self.check_size(&nv) {
                        nv
                    } else {
                        Val::unknown(loc)
                    };
                    set_var(scope, var, nv);
                    return;
                }
            }
        }
        if let Some(n) = root_name(e) {
            if get_var(scope, n).is_some() {
                set_var(scope, n, Val::unknown(loc));
            }
        }
    }

    /// Instantiates a `rule()` (a target) or runs a symbolic `macro()`.
    fn instantiate(&self, rfile: FileId, bi: usize, args: Args, loc: Loc, depth: u32) -> Val {
        let b = &self.facts[rfile.0 as usize].bindings[bi];
        let Some(call) = b.value.as_call() else {
            return Val::unknown(loc);
        };
        match call.func.dotted_name().as_deref() {
            Some("rule") => {
                self.emit(b.name.clone(), Some((rfile, bi)), args, loc);
                Val { v: V::None, loc }
            }
            Some("macro") => self.symbolic_macro(rfile, call, &b.name, args, loc, depth),
            _ => {
                self.gap(
                    loc,
                    format!("calls `{}`, which is not a macro or rule", b.name),
                );
                Val::unknown(loc)
            }
        }
    }

    /// Runs a symbolic macro's implementation with its attributes (defaults applied; label
    /// attributes converted in the calling package).
    fn symbolic_macro(
        &self,
        rfile: FileId,
        decl: &Call,
        name: &str,
        args: Args,
        loc: Loc,
        depth: u32,
    ) -> Val {
        let impl_fn = decl
            .kwarg("implementation")
            .map(|k| self.eval_in(rfile, &k.value, &Vec::new(), depth + 1));
        let Some(Val {
            v: V::Func(ffile, idx),
            ..
        }) = impl_fn
        else {
            self.gap(
                loc,
                format!("the implementation of macro `{name}` is not known"),
            );
            return Val::unknown(loc);
        };
        if decl.kwarg("inherit_attrs").is_some() || !args.complete {
            self.gap(
                loc,
                format!("the attributes of macro `{name}` are not all known"),
            );
        }
        let build_file = match self.run.borrow().as_ref() {
            Some(r) => r.build_file,
            None => return Val::unknown(loc),
        };
        let mut kw: Vec<(String, Val)> = Vec::new();
        let given = |n: &str| args.kw.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
        kw.push((
            "name".into(),
            given("name").unwrap_or_else(|| Val::unknown(loc)),
        ));
        kw.push((
            "visibility".into(),
            given("visibility").unwrap_or(Val { v: V::None, loc }),
        ));
        if let Some(attrs) = decl.kwarg("attrs") {
            let ExprKind::Dict(pairs) = &attrs.value.kind else {
                self.gap(
                    loc,
                    format!("the attributes of macro `{name}` are not all known"),
                );
                return Val::unknown(loc);
            };
            for (k, v) in pairs {
                let Some(attr) = k.as_str() else { continue };
                let ty = v
                    .as_call()
                    .and_then(|c| c.func.dotted_name())
                    .unwrap_or_default();
                let value = match given(attr) {
                    Some(Val { v: V::None, .. }) | None => {
                        match v.as_call().and_then(|c| c.kwarg("default")) {
                            Some(d) => self.eval_in(rfile, &d.value, &Vec::new(), depth + 1),
                            None => Val {
                                v: match ty.as_str() {
                                    "attr.label_list" | "attr.string_list" | "attr.int_list" => {
                                        V::List(Vec::new())
                                    }
                                    "attr.string" => V::Str(String::new()),
                                    "attr.bool" => V::Bool(false),
                                    "attr.int" => V::Int(0),
                                    "attr.string_dict"
                                    | "attr.label_keyed_string_dict"
                                    | "attr.string_list_dict" => V::Dict(Vec::new()),
                                    _ => V::None,
                                },
                                loc,
                            },
                        }
                    }
                    Some(v) => v,
                };
                let ctx = self.label_context(build_file);
                let to_label = |v: &Val| match &v.v {
                    V::Str(s) => match ctx.resolve(s) {
                        Ok(l) => Val {
                            v: V::Label(l),
                            loc: v.loc,
                        },
                        Err(_) => Val::unknown(v.loc),
                    },
                    _ => v.clone(),
                };
                let value = match (ty.as_str(), &value.v) {
                    ("attr.label", V::Str(_)) => to_label(&value),
                    ("attr.label_list", V::List(items)) => Val {
                        v: V::List(items.iter().map(to_label).collect()),
                        loc: value.loc,
                    },
                    _ => value,
                };
                kw.push((attr.to_string(), value));
            }
        }
        let args = Args {
            pos: Vec::new(),
            kw,
            complete: true,
        };
        self.call_full(ffile, idx, args, loc, depth + 1)
    }

    /// Runs one dynamic top-level statement of `build_file` (a list comprehension of rule or
    /// macro calls, say) and returns what it created.
    pub fn run_top_level_statement(&self, build_file: FileId, index: usize) -> MacroOutcome {
        let previous = self.start_run(build_file);
        let body = &self.facts[build_file.0 as usize].top_level;
        let stmt = &body.stmts[index];
        let loc = Loc {
            file: build_file,
            range: stmt.range,
        };
        let mut scope: Scope = Vec::new();
        let flow = self.exec_block(build_file, body, std::slice::from_ref(stmt), &mut scope, 0);
        if matches!(flow, Flow::Abort) {
            self.gap(loc, "evaluation of the statement stopped");
        }
        let run = self.finish_run(previous);
        MacroOutcome {
            emitted: run.emitted,
            incomplete: run.incomplete,
            limit: run.limit,
            value: Val { v: V::None, loc },
        }
    }

    /// Starts a run for `build_file` with what is left of the file's budget (at most
    /// [`RUN_STEP_BUDGET`]); returns the run it replaces, for [`Self::finish_run`].
    fn start_run(&self, build_file: FileId) -> Option<Run> {
        let left = self.file_steps.get();
        let steps = RUN_STEP_BUDGET.min(left);
        self.run.replace(Some(Run {
            build_file,
            emitted: Vec::new(),
            incomplete: None,
            limit: None,
            stack: Vec::new(),
            steps,
            budget: steps,
            file_limited: left < RUN_STEP_BUDGET,
            in_global: 0,
        }))
    }

    /// Ends the run under way, charging the steps it used to the file's budget.
    fn finish_run(&self, previous: Option<Run>) -> Run {
        let run = self.run.replace(previous).expect("run in progress");
        let used = run.budget - run.steps;
        self.file_steps
            .set(self.file_steps.get().saturating_sub(used));
        run
    }

    /// Evaluates the top-level call `call` of `build_file` (a BUILD or WORKSPACE file) as a
    /// macro call and returns what it created.
    pub fn run_macro(
        &self,
        build_file: FileId,
        call: &Call,
        range: toolcheck_syntax::TextRange,
    ) -> MacroOutcome {
        let previous = self.start_run(build_file);
        let loc = Loc {
            file: build_file,
            range,
        };
        let value = self.eval_call_in_run(build_file, call, loc, &Vec::new(), 0);
        let run = self.finish_run(previous);
        MacroOutcome {
            emitted: run.emitted,
            incomplete: run.incomplete,
            limit: run.limit,
            value,
        }
    }
}

/// Binds an assignment or loop target; false when the value cannot be unpacked.
fn bind_target(t: &AssignTarget, v: Val, scope: &mut Scope) -> bool {
    match t {
        AssignTarget::Name(n) => {
            set_var(scope, n, v);
            true
        }
        AssignTarget::Tuple(ts) => match v.v {
            V::List(items) if items.len() == ts.len() => {
                for (t, item) in ts.iter().zip(items) {
                    if !bind_target(t, item, scope) {
                        return false;
                    }
                }
                true
            }
            _ => false,
        },
        AssignTarget::Other(_) => false,
    }
}

/// Sets every name of a target to unknown.
fn forget_target(t: &AssignTarget, loc: Loc, scope: &mut Scope) {
    match t {
        AssignTarget::Name(n) => set_var(scope, n, Val::unknown(loc)),
        AssignTarget::Tuple(ts) => ts.iter().for_each(|t| forget_target(t, loc, scope)),
        AssignTarget::Other(e) => {
            if let Some(n) = root_name(e) {
                if get_var(scope, n).is_some() {
                    set_var(scope, n, Val::unknown(loc));
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "macros_tests.rs"]
mod tests;
