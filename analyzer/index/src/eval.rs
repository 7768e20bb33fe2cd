//! Evaluation of the module-level values toolcheck needs (attribute values, constants,
//! `rule(toolchains = ...)`), following `load()` across files and repositories.
//!
//! The evaluator is deliberately partial: it knows literals, list/string concatenation,
//! conditional expressions, `Label()`, `str()`, `select()` (always unknown),
//! `config_common.toolchain_type()`, `struct()` and simple helper functions whose body is
//! straight-line code ending in one `return`. Everything else is [`V::Unknown`], never a
//! guess. Recursion through names, loads and calls is bounded, so cycles terminate.

use std::cell::{Cell, RefCell};

use rustc_hash::FxHashMap;
use toolcheck_syntax::TextRange;

use crate::expr::{Call, Expr, ExprKind};
use crate::facts::FileFacts;
use crate::label::{Label, LabelContext, RepoMapping, RepoName};
use crate::workspace::{FileId, Workspace};

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

/// Where `load()` labels and `Label()` strings of a file resolve.
pub struct FileContext {
    pub repo: RepoName,
    /// The package of the file (nearest enclosing BUILD file's directory).
    pub package: String,
}

/// What the evaluator reads: the workspace, every file's facts, and how to find files.
pub struct Env<'a> {
    pub ws: &'a Workspace,
    pub facts: &'a [std::sync::Arc<FileFacts>],
    pub file_by_path: &'a FxHashMap<(RepoName, String), FileId>,
    pub contexts: &'a [FileContext],
    pub mappings: &'a FxHashMap<RepoName, RepoMapping>,
    /// Whether `hasattr(config_common, "toolchain_type")` holds (Bazel 6+).
    pub has_optional_toolchains: bool,
    /// Evaluation steps left for the current top-level evaluation; hostile code (constants
    /// that double in size at each level, deep call chains) runs out and yields unknown.
    pub steps: Cell<u32>,
    /// Values of top-level names, computed once per index build.
    pub globals: RefCell<FxHashMap<(FileId, String), Val>>,
    /// The macro evaluation under way, if any (see [`crate::macros`]): function bodies are
    /// then executed in full and native rule calls are recorded.
    pub run: RefCell<Option<crate::macros::Run>>,
    /// Values of top-level names computed during macro runs (with full function bodies).
    pub run_globals: RefCell<FxHashMap<(FileId, String), Val>>,
    /// Macro steps left for the BUILD or WORKSPACE file this environment evaluates (an
    /// environment serves one file): its calls share [`crate::macros::FILE_STEP_BUDGET`].
    pub file_steps: Cell<u64>,
}

pub(crate) const MAX_DEPTH: u32 = 40;
/// Steps allowed for one top-level evaluation.
pub const STEP_BUDGET: u32 = 20_000;

/// Local names bound while evaluating a function body.
pub(crate) type Scope = Vec<(String, Val)>;

pub(crate) static EMPTY_MAPPING: std::sync::LazyLock<RepoMapping> =
    std::sync::LazyLock::new(RepoMapping::default);

/// `obj[idx]`: the element (`Ok`, with its own location), or the value the expression has
/// when there is no element (`Err`).
fn index_value(obj: &V, idx: &V) -> Result<Val, V> {
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

impl<'a> Env<'a> {
    pub fn mapping(&self, repo: &RepoName) -> &RepoMapping {
        self.mappings.get(repo).unwrap_or(&EMPTY_MAPPING)
    }

    /// The label context of a file (its repository, package and repository mapping).
    pub fn label_context(&self, file: FileId) -> LabelContext<'_> {
        let c = &self.contexts[file.0 as usize];
        LabelContext {
            repo: &c.repo,
            package: &c.package,
            mapping: self.mapping(&c.repo),
        }
    }

    /// `name[idx]` during a macro run, indexing the local or global `name` in place and
    /// charging only the element copied. `None` when `name` is not a value stored in the
    /// scope or the run's globals (the caller then evaluates the expression as usual).
    fn index_named(
        &self,
        file: FileId,
        name: &str,
        idx: &Expr,
        scope: &Scope,
        depth: u32,
        loc: Loc,
    ) -> Option<Val> {
        let i = self.eval_in(file, idx, scope, depth + 1);
        let element = |obj: &Val| match index_value(&obj.v, &i.v) {
            Ok(v) => v,
            Err(v) => Val { v, loc },
        };
        let v = if let Some((_, local)) = scope.iter().rev().find(|(n, _)| n == name) {
            element(local)
        } else {
            let key = (file, name.to_string());
            if !self.run_globals.borrow().contains_key(&key) {
                // Computes and caches it (this once, at the full cost).
                let _ = self.lookup_global(file, name, loc, depth + 1);
            }
            let globals = self.run_globals.borrow();
            let global = globals.get(&key)?;
            if matches!(global.v, V::Builtin(_) | V::Unknown(_)) {
                return None;
            }
            element(global)
        };
        if !self.charge_value(&v, loc) {
            return Some(Val::unknown(loc));
        }
        Some(v)
    }

    /// Resolves the module label of a `load()` in `file` to a file.
    pub fn resolve_load(&self, file: FileId, module: &str) -> Result<FileId, Unknown> {
        let ctx = self.label_context(file);
        let label = ctx.resolve(module).map_err(|_| Unknown::BrokenLoad)?;
        if self.ws.repo(&label.repo).is_none() {
            return Err(Unknown::InvisibleRepo(label.repo.0.to_string()));
        }
        let path = if label.package.is_empty() {
            label.name.to_string()
        } else {
            format!("{}/{}", label.package, label.name)
        };
        self.file_by_path
            .get(&(label.repo, path))
            .copied()
            .ok_or(Unknown::BrokenLoad)
    }

    /// Evaluates an expression written in `file`.
    pub fn eval(&self, file: FileId, expr: &Expr) -> Val {
        self.steps.set(STEP_BUDGET);
        self.eval_in(file, expr, &Vec::new(), 0)
    }

    /// Evaluates an expression written in `file` inside a function, with the values of
    /// local names known to the caller (a name bound to an unknown value shadows a global).
    pub fn eval_with(&self, file: FileId, expr: &Expr, locals: &[(String, Val)]) -> Val {
        self.steps.set(STEP_BUDGET);
        let scope: Scope = locals.to_vec();
        self.eval_in(file, expr, &scope, 0)
    }

    /// The value a top-level name has in `file` (bindings, functions, loads).
    pub fn global(&self, file: FileId, name: &str, range: TextRange) -> Val {
        self.steps.set(STEP_BUDGET);
        self.lookup_global(file, name, Loc { file, range }, 0)
    }

    pub(crate) fn lookup_global(&self, file: FileId, name: &str, loc: Loc, depth: u32) -> Val {
        if depth > self.max_depth() {
            return Val::unknown(loc);
        }
        let key = (file, name.to_string());
        if self.running() {
            return self.lookup_global_in_run(key, loc, depth);
        }
        if let Some(v) = self.globals.borrow().get(&key) {
            return match v.v {
                // Builtins and unknowns carry the use site, not the definition.
                V::Builtin(_) | V::Unknown(_) => Val {
                    v: v.v.clone(),
                    loc,
                },
                _ => v.clone(),
            };
        }
        let v = self.lookup_global_uncached(file, name, loc, depth);
        self.globals.borrow_mut().insert(key, v.clone());
        v
    }

    pub(crate) fn lookup_global_uncached(
        &self,
        file: FileId,
        name: &str,
        loc: Loc,
        depth: u32,
    ) -> Val {
        let facts = &self.facts[file.0 as usize];
        if let Some((i, b)) = facts
            .bindings
            .iter()
            .enumerate()
            .rev()
            .find(|(_, b)| b.name == name)
        {
            if let Some(call) = b.value.as_call() {
                if matches!(
                    call.func.dotted_name().as_deref(),
                    Some("rule" | "aspect" | "repository_rule" | "macro")
                ) {
                    return Val {
                        v: V::Rule(file, i),
                        loc: Loc {
                            file,
                            range: b.name_range,
                        },
                    };
                }
            }
            return self.eval_in(file, &b.value, &Vec::new(), depth + 1);
        }
        if let Some(i) = facts.functions.iter().rposition(|f| f.name == name) {
            return Val {
                v: V::Func(file, i),
                loc: Loc {
                    file,
                    range: facts.functions[i].name_range,
                },
            };
        }
        for load in &facts.loads {
            if let Some((_, exported, _)) = load.symbols.iter().find(|(local, _, _)| local == name)
            {
                return match self.resolve_load(file, &load.module) {
                    Ok(target) => {
                        let v = self.lookup_global(target, exported, loc, depth + 1);
                        if matches!(v.v, V::Unknown(Unknown::BrokenLoad)) {
                            return v;
                        }
                        v
                    }
                    Err(Unknown::InvisibleRepo(repo)) => well_known_symbol(&load.module, exported)
                        .map(|b| Val {
                            v: V::Builtin(b.to_string()),
                            loc,
                        })
                        .unwrap_or(Val {
                            v: V::Unknown(Unknown::InvisibleRepo(repo)),
                            loc,
                        }),
                    Err(why) => Val {
                        v: V::Unknown(why),
                        loc,
                    },
                };
            }
        }
        match name {
            "Label" | "str" | "select" | "struct" | "hasattr" | "getattr" | "native"
            | "config_common" | "len" | "list" | "dict" | "package_name" | "repository_name"
            | "exec_group" => Val {
                v: V::Builtin(name.to_string()),
                loc,
            },
            _ if crate::macros::is_builtin(name) => Val {
                v: V::Builtin(name.to_string()),
                loc,
            },
            "True" => Val {
                v: V::Bool(true),
                loc,
            },
            "False" => Val {
                v: V::Bool(false),
                loc,
            },
            "None" => Val { v: V::None, loc },
            _ => Val {
                v: V::Unknown(Unknown::BrokenLoad),
                loc,
            },
        }
    }

    pub(crate) fn eval_in(&self, file: FileId, expr: &Expr, scope: &Scope, depth: u32) -> Val {
        let loc = Loc {
            file,
            range: expr.range,
        };
        if depth > self.max_depth() {
            if self.running() {
                self.hit_limit(loc, "expressions and calls nested too deeply".to_string());
            }
            return Val::unknown(loc);
        }
        if !self.charge(1, loc) {
            return Val::unknown(loc);
        }
        let v = match &expr.kind {
            ExprKind::Str(s) => V::Str(s.to_string()),
            ExprKind::Int(i) => V::Int(*i),
            ExprKind::Bool(b) => V::Bool(*b),
            ExprKind::None => V::None,
            ExprKind::List(items) | ExprKind::Tuple(items) => V::List(
                items
                    .iter()
                    .map(|e| self.eval_in(file, e, scope, depth + 1))
                    .collect(),
            ),
            ExprKind::Dict(pairs) => V::Dict(
                pairs
                    .iter()
                    .map(|(k, v)| {
                        (
                            self.eval_in(file, k, scope, depth + 1),
                            self.eval_in(file, v, scope, depth + 1),
                        )
                    })
                    .collect(),
            ),
            ExprKind::Name(n) => {
                if let Some((_, v)) = scope.iter().rev().find(|(name, _)| name == n) {
                    if self.running() && !self.charge_value(v, loc) {
                        return Val::unknown(loc);
                    }
                    return v.clone();
                }
                return self.lookup_global(file, n, loc, depth + 1);
            }
            ExprKind::Attr(obj, attr) => {
                let o = self.eval_in(file, obj, scope, depth + 1);
                if let Some(v) = crate::macros::value_attr(&o, attr) {
                    return Val { v, loc };
                }
                match o.v {
                    V::Builtin(b) if b == "native" || b == "config_common" => {
                        V::Builtin(format!("{b}.{attr}"))
                    }
                    V::Struct(fields) => match fields.into_iter().find(|(n, _)| n == attr) {
                        Some((_, v)) => return v,
                        None => V::Unknown(Unknown::Dynamic),
                    },
                    V::Unknown(u) => V::Unknown(u),
                    _ => V::Unknown(Unknown::Dynamic),
                }
            }
            ExprKind::Index(obj, idx) => {
                // `TABLE[key]` in a macro: index the named value where it is stored instead
                // of copying all of it (a large constant table indexed in a loop).
                if let (ExprKind::Name(n), true) = (&obj.kind, self.running()) {
                    if matches!(
                        idx.kind,
                        ExprKind::Name(_) | ExprKind::Str(_) | ExprKind::Int(_)
                    ) {
                        if let Some(v) = self.index_named(file, n, idx, scope, depth, loc) {
                            return v;
                        }
                    }
                }
                let o = self.eval_in(file, obj, scope, depth + 1);
                let i = self.eval_in(file, idx, scope, depth + 1);
                match index_value(&o.v, &i.v) {
                    Ok(v) => return v,
                    Err(v) => v,
                }
            }
            ExprKind::Add(l, r) => {
                let l = self.eval_in(file, l, scope, depth + 1);
                let r = self.eval_in(file, r, scope, depth + 1);
                match (l.v, r.v) {
                    (V::List(mut a), V::List(b)) => {
                        a.extend(b);
                        V::List(a)
                    }
                    (V::Str(a), V::Str(b)) => V::Str(a + &b),
                    (V::Int(a), V::Int(b)) => match a.checked_add(b) {
                        Some(n) => V::Int(n),
                        None => V::Unknown(Unknown::Dynamic),
                    },
                    (V::Select, _) | (_, V::Select) => V::Select,
                    (V::Unknown(u), _) | (_, V::Unknown(u)) => V::Unknown(u),
                    _ => V::Unknown(Unknown::Dynamic),
                }
            }
            ExprKind::Cond {
                then,
                cond,
                otherwise,
            } => {
                let c = self.eval_in(file, cond, scope, depth + 1);
                match truthiness(&c.v) {
                    Some(true) => return self.eval_in(file, then, scope, depth + 1),
                    Some(false) => return self.eval_in(file, otherwise, scope, depth + 1),
                    None => {
                        let a = self.eval_in(file, then, scope, depth + 1);
                        let b = self.eval_in(file, otherwise, scope, depth + 1);
                        if a.v == b.v {
                            return a;
                        }
                        V::Unknown(Unknown::Dynamic)
                    }
                }
            }
            ExprKind::Not(e) => {
                let v = self.eval_in(file, e, scope, depth + 1);
                match truthiness(&v.v) {
                    Some(b) => V::Bool(!b),
                    None => V::Unknown(Unknown::Dynamic),
                }
            }
            ExprKind::BoolOp { and, left, right } => {
                let l = self.eval_in(file, left, scope, depth + 1);
                match (truthiness(&l.v), and) {
                    (Some(true), true) | (Some(false), false) => {
                        return self.eval_in(file, right, scope, depth + 1)
                    }
                    (Some(_), _) => return l,
                    (None, _) => V::Unknown(Unknown::Dynamic),
                }
            }
            ExprKind::Eq { eq, left, right } => {
                let l = self.eval_in(file, left, scope, depth + 1);
                let r = self.eval_in(file, right, scope, depth + 1);
                match crate::macros::veq(&l.v, &r.v) {
                    Some(same) => V::Bool(same == *eq),
                    None => V::Unknown(Unknown::Dynamic),
                }
            }
            ExprKind::In(item, container) => {
                let i = self.eval_in(file, item, scope, depth + 1);
                let c = self.eval_in(file, container, scope, depth + 1);
                match crate::macros::contains(&c.v, &i.v) {
                    Some(b) => V::Bool(b),
                    None => V::Unknown(Unknown::Dynamic),
                }
            }
            ExprKind::Ext(e) => return self.eval_ext(file, e, loc, scope, depth + 1),
            ExprKind::Unknown => V::Unknown(Unknown::Dynamic),
            ExprKind::Call(call) => return self.eval_call(file, call, loc, scope, depth + 1),
        };
        let val = Val { v, loc };
        if self.running() && !self.check_size(&val) {
            return Val::unknown(loc);
        }
        val
    }

    fn eval_call(&self, file: FileId, call: &Call, loc: Loc, scope: &Scope, depth: u32) -> Val {
        if self.running() {
            return self.eval_call_in_run(file, call, loc, scope, depth);
        }
        let callee = self.eval_in(file, &call.func, scope, depth + 1);
        self.eval_call_basic(file, call, loc, scope, depth, callee)
    }

    /// Calls `callee` (already evaluated) with the builtins every evaluation knows.
    pub(crate) fn eval_call_basic(
        &self,
        file: FileId,
        call: &Call,
        loc: Loc,
        scope: &Scope,
        depth: u32,
        callee: Val,
    ) -> Val {
        let arg = |i: usize| {
            call.args
                .get(i)
                .map(|e| self.eval_in(file, e, scope, depth + 1))
        };
        let kwarg = |n: &str| {
            call.kwarg(n)
                .map(|k| self.eval_in(file, &k.value, scope, depth + 1))
        };
        let v = match callee.v {
            V::Builtin(ref b) => match b.as_str() {
                "Label" => match arg(0).or_else(|| kwarg("input")) {
                    Some(Val { v: V::Str(s), .. }) => match self.label_context(file).resolve(&s) {
                        Ok(l) => V::Label(l),
                        Err(_) => V::Unknown(Unknown::Dynamic),
                    },
                    Some(Val { v: V::Label(l), .. }) => V::Label(l),
                    _ => V::Unknown(Unknown::Dynamic),
                },
                "str" => match arg(0) {
                    Some(Val { v: V::Label(l), .. }) => V::Str(canonical_string(&l)),
                    Some(Val { v: V::Str(s), .. }) => V::Str(s),
                    _ => V::Unknown(Unknown::Dynamic),
                },
                "select" => V::Select,
                "struct" | "exec_group" => {
                    if call.has_splat() {
                        V::Unknown(Unknown::Dynamic)
                    } else {
                        V::Struct(
                            call.kwargs
                                .iter()
                                .map(|k| {
                                    (
                                        k.name.to_string(),
                                        self.eval_in(file, &k.value, scope, depth + 1),
                                    )
                                })
                                .collect(),
                        )
                    }
                }
                "hasattr" => match (arg(0).map(|v| v.v), arg(1).map(|v| v.v)) {
                    (Some(V::Builtin(o)), Some(V::Str(a))) if o == "config_common" => {
                        V::Bool(a != "toolchain_type" || self.has_optional_toolchains)
                    }
                    _ => V::Unknown(Unknown::Dynamic),
                },
                "config_common.toolchain_type" => {
                    let ty = arg(0).or_else(|| kwarg("name"));
                    let mandatory = match kwarg("mandatory") {
                        None => Some(true),
                        Some(Val { v: V::Bool(b), .. }) => Some(b),
                        Some(_) => None,
                    };
                    match ty {
                        Some(t) if !call.has_splat() => V::ToolchainReq {
                            toolchain_type: Box::new(t),
                            mandatory,
                        },
                        _ => V::Unknown(Unknown::Dynamic),
                    }
                }
                "use_cc_toolchain" => {
                    // rules_cc/bazel_tools: optional unless `mandatory = True`.
                    let mandatory = match kwarg("mandatory").or_else(|| arg(0)) {
                        None => Some(false),
                        Some(Val { v: V::Bool(b), .. }) => Some(b),
                        Some(_) => None,
                    };
                    let ty = Val {
                        v: V::Label(Label::new(
                            RepoName::new("bazel_tools"),
                            "tools/cpp",
                            "toolchain_type",
                        )),
                        loc,
                    };
                    V::List(vec![Val {
                        v: V::ToolchainReq {
                            toolchain_type: Box::new(ty),
                            mandatory,
                        },
                        loc,
                    }])
                }
                _ => V::Unknown(Unknown::Dynamic),
            },
            V::Func(ffile, idx) => {
                return self.call_function(ffile, idx, file, call, loc, scope, depth + 1)
            }
            V::Unknown(u) => V::Unknown(u),
            _ => V::Unknown(Unknown::Dynamic),
        };
        Val { v, loc }
    }

    #[allow(clippy::too_many_arguments)]
    fn call_function(
        &self,
        ffile: FileId,
        idx: usize,
        caller: FileId,
        call: &Call,
        loc: Loc,
        caller_scope: &Scope,
        depth: u32,
    ) -> Val {
        let f = &self.facts[ffile.0 as usize].functions[idx];
        if f.complex || f.returns.len() != 1 || call.has_splat() {
            return Val::unknown(loc);
        }
        let mut scope: Scope = Vec::new();
        for (i, (pname, default)) in f.params.iter().enumerate() {
            let v = if let Some(e) = call.args.get(i) {
                self.eval_in(caller, e, caller_scope, depth + 1)
            } else if let Some(k) = call.kwarg(pname) {
                self.eval_in(caller, &k.value, caller_scope, depth + 1)
            } else if let Some(d) = default {
                self.eval_in(ffile, d, &Vec::new(), depth + 1)
            } else {
                Val::unknown(loc)
            };
            scope.push((pname.clone(), v));
        }
        for local in &f.locals {
            let v = self.eval_in(ffile, &local.value, &scope, depth + 1);
            scope.push((local.name.clone(), v));
        }
        self.eval_in(ffile, &f.returns[0], &scope, depth + 1)
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
        V::Label(_) | V::Struct(_) | V::Func(..) | V::Rule(..) | V::ToolchainReq { .. } => true,
        _ => return None,
    })
}

/// `str(Label(...))`: the canonical form, which resolves to the same label from anywhere.
pub fn canonical_string(l: &Label) -> String {
    format!("@@{}//{}:{}", l.repo.as_str(), l.package, l.name)
}

/// Functions of well-known rulesets whose meaning toolcheck knows even when their
/// repository is not visible.
fn well_known_symbol(module: &str, symbol: &str) -> Option<&'static str> {
    let cc = module.starts_with("@rules_cc//cc") || module.starts_with("@bazel_tools//tools/cpp");
    match symbol {
        "use_cc_toolchain" if cc => Some("use_cc_toolchain"),
        _ => None,
    }
}
