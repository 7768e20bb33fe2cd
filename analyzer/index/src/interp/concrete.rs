//! The concrete domain: evaluates Starlark over the facts IR to values, with
//! [`V::Unknown`] wherever toolcheck cannot tell. One evaluator serves every caller:
//! module-level values (attributes, constants, `rule(toolchains = ...)`), macro runs
//! ([`super::run`]) and the flow analysis's constant folding. Function bodies always run in
//! full (loops, `if`, comprehensions, nested functions and lambdas), across `load()`s.
//!
//! Nothing is guessed: `select()`, loads from repositories toolcheck cannot read, and
//! anything past a bound of [`super::bounds`] become unknown for that value only.

use std::cell::{Cell, RefCell};
use std::sync::Arc;

use rustc_hash::FxHashMap;
use toolcheck_syntax::{FileKind, TextRange};

use crate::body::{Body, Stmt, StmtKind, Target as AssignTarget};
use crate::expr::{Call, CompClause, Expr, ExprKind, ExtExpr};
use crate::facts::{FileFacts, FuncDef};
use crate::label::{LabelContext, RepoMapping, RepoName};
use crate::workspace::{FileId, FilesByPath, Workspace};

use super::bounds::{
    MAX_CALL_DEPTH, MAX_EVAL_DEPTH, MAX_LIST, MAX_NESTING, MAX_STRING, VALUE_STEP_BUDGET,
};
use super::builtins::{is_builtin, percent_format, well_known_symbol, NATIVE_NON_RULES};
use super::call::{bind, Args, BindValues, Params};
use super::run::{LimitHit, Run};
use super::scope::{
    assigned_names, bind_target, forget_target, get_var, may_exit, may_return, method_call_on_name,
    popped_keys, root_name, set_var, Scope,
};
use super::value::{
    cmp_values, contains, index_value, into_items, iter_items, truthiness, unknown_v, value_attr,
    veq, Closure, Loc, Unknown, Val, V,
};

/// A function being executed.
#[derive(Debug, Default)]
pub(crate) struct Frame {
    /// A top-level function (file, index into `FileFacts::functions`); `None` for a
    /// closure, which has no name to recurse through (Starlark forbids recursion).
    function: Option<(FileId, usize)>,
    /// Names the function assigns more than once: a closure made in it copies them as
    /// unknown.
    reassigned: Vec<String>,
}

/// The methods of lists and dicts that change the value they are called on.
pub(crate) const MUTATING_METHODS: &[&str] = &[
    "append",
    "extend",
    "insert",
    "remove",
    "pop",
    "clear",
    "update",
    "setdefault",
];

/// The local a call changes in place (`x` of `x.pop(...)`), if it is such a call.
fn mutated_local(e: &Expr) -> Option<&str> {
    let (var, m, _) = method_call_on_name(e)?;
    MUTATING_METHODS.contains(&m).then_some(var)
}

/// Where `load()` labels and `Label()` strings of a file resolve.
pub struct FileContext {
    pub repo: RepoName,
    /// The package of the file (nearest enclosing BUILD file's directory). Interned: the
    /// files of a package share it, and labels hold the same string.
    pub package: crate::expr::Sym,
}

/// What the evaluator reads (the workspace, every file's facts, how to find files) and the
/// state of the evaluation under way.
pub struct Env<'a> {
    pub ws: &'a Workspace,
    pub facts: &'a [Arc<FileFacts>],
    pub file_by_path: &'a FilesByPath,
    pub contexts: &'a [FileContext],
    pub mappings: &'a FxHashMap<RepoName, RepoMapping>,
    /// Whether `hasattr(config_common, "toolchain_type")` holds (Bazel 6+).
    pub has_optional_toolchains: bool,
    /// Whether rules_cc's `use_cc_toolchain()` requests the C++ toolchain as mandatory
    /// without an argument: since rules_cc 0.1.2 it does, before it did not; `None` when the
    /// version the workspace gets is not known.
    pub cc_toolchain_mandatory_by_default: Option<bool>,
    /// Steps left for the evaluation under way (a value, or a macro run); hostile code
    /// (constants that double at each level, long loops) runs out and yields unknown.
    pub(crate) steps: Cell<u64>,
    /// The bound that stopped the evaluation under way (the first one wins).
    pub(crate) limit: RefCell<Option<LimitHit>>,
    /// Values of top-level names, computed once per environment (only complete
    /// evaluations are kept, so a value never depends on which evaluation asked first).
    pub(crate) globals: RefCell<FxHashMap<(FileId, String), Val>>,
    /// The functions being executed, innermost last.
    pub(crate) stack: RefCell<Vec<Frame>>,
    /// The macro run under way, if any (see [`super::run`]): native rule calls are
    /// recorded and package-dependent builtins answer for its BUILD file.
    pub(crate) run: RefCell<Option<Run>>,
    /// Macro steps left for the BUILD or WORKSPACE file this environment evaluates (an
    /// environment serves one file): its calls share [`super::bounds::FILE_STEP_BUDGET`].
    pub(crate) file_steps: Cell<u64>,
    /// The repository rule or module extension being run, if any (see
    /// [`super::repository`]).
    pub(crate) repo_run: RefCell<Option<super::repository::RepoRun>>,
    /// A repository rule or module extension asked which host Bazel runs on
    /// (`repository_ctx.os`): what it generated may differ on another host.
    pub(crate) read_host: Cell<bool>,
}

pub(crate) static EMPTY_MAPPING: std::sync::LazyLock<RepoMapping> =
    std::sync::LazyLock::new(RepoMapping::default);

impl<'a> Env<'a> {
    /// An environment over the given inputs, with nothing evaluated yet.
    /// `native.bazel_version`: the release the workspace pins (`--bazel-version` or
    /// `bazel_version` in `toolcheck.toml`, else a `.bazelversion` naming one exact release,
    /// `fork/bazel@7.1.0` included), as Bazel reports it. Unknown otherwise: the version
    /// toolcheck infers for a workspace that pins none is a simulation choice, not the Bazel
    /// the user runs.
    fn pinned_bazel_version(&self) -> Option<String> {
        let exact = |text: &str| {
            let text = text.lines().next().unwrap_or("").trim();
            let text = text.rsplit_once('@').map_or(text, |(_, v)| v);
            // `8.2.1`, a release candidate `8.2.1rc2`, a prerelease `9.0.0-pre.20250101.1`.
            let release_end = text
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(text.len());
            let (release, suffix) = text.split_at(release_end);
            let parts: Vec<&str> = release.split('.').collect();
            let numeric = parts.len() == 3 && parts.iter().all(|p| !p.is_empty());
            let digits = |s: &str| {
                !s.is_empty() && s.len() <= 32 && s.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            };
            let suffix_ok = suffix.is_empty()
                || suffix.strip_prefix("rc").is_some_and(digits)
                || suffix.strip_prefix("-pre.").is_some_and(digits);
            (numeric && suffix_ok).then(|| text.to_string())
        };
        self.ws
            .settings
            .bazel_version
            .as_deref()
            .and_then(exact)
            .or_else(|| self.ws.bazel_version_file.as_deref().and_then(exact))
    }

    pub fn new(
        ws: &'a Workspace,
        facts: &'a [Arc<FileFacts>],
        file_by_path: &'a FilesByPath,
        contexts: &'a [FileContext],
        mappings: &'a FxHashMap<RepoName, RepoMapping>,
        has_optional_toolchains: bool,
    ) -> Env<'a> {
        Env {
            ws,
            facts,
            file_by_path,
            contexts,
            mappings,
            has_optional_toolchains,
            cc_toolchain_mandatory_by_default: None,
            steps: Cell::new(VALUE_STEP_BUDGET),
            limit: RefCell::new(None),
            globals: Default::default(),
            stack: Default::default(),
            run: Default::default(),
            file_steps: Cell::new(super::bounds::FILE_STEP_BUDGET),
            read_host: Cell::new(false),
            repo_run: Default::default(),
        }
    }

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

    /// `name[idx]`, indexing the local or global `name` in place and
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
            if !self.globals.borrow().contains_key(&key) {
                // Computes and caches it (this once, at the full cost).
                let _ = self.lookup_global(file, name, loc, depth + 1);
            }
            let globals = self.globals.borrow();
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
            .get(self.ws, label.repo, &path)
            .ok_or(Unknown::BrokenLoad)
    }

    /// Starts a top-level evaluation: a fresh step budget and no bound hit. Inside a macro
    /// run the run's budget applies instead.
    fn begin_value(&self) {
        if self.run.borrow().is_none() {
            self.steps.set(VALUE_STEP_BUDGET);
            *self.limit.borrow_mut() = None;
        }
    }

    /// Evaluates an expression written in `file`.
    pub fn eval(&self, file: FileId, expr: &Expr) -> Val {
        self.begin_value();
        self.eval_in(file, expr, &Vec::new(), 0)
    }

    /// Evaluates an expression written in `file` inside a function, with the values of
    /// local names known to the caller (a name bound to an unknown value shadows a global).
    pub fn eval_with(&self, file: FileId, expr: &Expr, locals: &[(String, Val)]) -> Val {
        self.begin_value();
        let scope: Scope = locals.to_vec();
        self.eval_in(file, expr, &scope, 0)
    }

    /// The value a top-level name has in `file` (bindings, functions, loads).
    pub fn global(&self, file: FileId, name: &str, range: TextRange) -> Val {
        self.begin_value();
        self.lookup_global(file, name, Loc { file, range }, 0)
    }

    /// Calls the builtin `name` with known arguments, as written in `file` at `range` (the
    /// flow analysis folds calls whose arguments it knows through this). `None` when `name`
    /// is not a builtin function.
    pub fn builtin(
        &self,
        name: &str,
        file: FileId,
        args: &Args<Val>,
        range: TextRange,
    ) -> Option<Val> {
        self.begin_value();
        let loc = Loc { file, range };
        let v = self.call_builtin(name, file, args, loc)?;
        Some(Val { v, loc })
    }

    /// Calls the method `m` of a known value (`"a/b".rsplit("/")`), as written in `file` at
    /// `range`; unknown when the method is not modelled.
    pub fn call_method(
        &self,
        o: Val,
        m: &str,
        file: FileId,
        args: &Args<Val>,
        range: TextRange,
    ) -> Val {
        self.begin_value();
        let loc = Loc { file, range };
        Val {
            v: self.method(o, m, args, loc),
            loc,
        }
    }

    pub(crate) fn lookup_global(&self, file: FileId, name: &str, loc: Loc, depth: u32) -> Val {
        if depth > MAX_EVAL_DEPTH {
            return Val::unknown(loc);
        }
        let key = (file, name.to_string());
        if let Some(v) = self.globals.borrow().get(&key) {
            return match v.v {
                // Builtins and unknowns carry the use site, not the definition.
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
        let v = self.lookup_global_uncached(file, name, loc, depth);
        if let Some(run) = self.run.borrow_mut().as_mut() {
            run.in_global -= 1;
        }
        // A value cut short by a bound is not the name's value: not kept.
        if self.limit.borrow().is_none() {
            self.globals.borrow_mut().insert(key, v.clone());
        }
        v
    }

    /// A `.bzl` global's value after the top-level statements that change it in place
    /// (`X["k"] = v`, `X += [...]`, `X.append(v)`), replayed in source order. Lists and dicts
    /// are shared in Starlark, so every reader of the global sees them.
    fn replay_mutations(&self, file: FileId, name: &str, bound_at: u32, v: Val, depth: u32) -> Val {
        let facts = &self.facts[file.0 as usize];
        if self.ws.file(file).kind != FileKind::Bzl || facts.top_level().stmts.is_empty() {
            return v;
        }
        let body = facts.top_level();
        let mut scope: Scope = vec![(name.to_string(), v)];
        for stmt in body.stmts.iter().filter(|s| s.range.start > bound_at) {
            let mutated = match &stmt.kind {
                StmtKind::Assign {
                    target: AssignTarget::Other(e),
                    ..
                } => root_name(e),
                StmtKind::AugAssign {
                    target: AssignTarget::Name(n),
                    ..
                } => Some(n.as_str()),
                StmtKind::Expr(e) => match &e.kind {
                    ExprKind::Call(c) => match &c.func.kind {
                        ExprKind::Attr(a) => root_name(&a.0),
                        _ => None,
                    },
                    _ => None,
                },
                _ => None,
            };
            if mutated != Some(name) {
                continue;
            }
            if let Flow::Abort = self.exec_block(
                file,
                body,
                std::slice::from_ref(stmt),
                &mut scope,
                depth + 1,
            ) {
                return Val::unknown(scope[0].1.loc);
            }
        }
        scope.swap_remove(0).1
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
                // A `rule()` written with all its arguments: read from the binding. With
                // `**kwargs` it is evaluated like any other call (a factory may build it).
                // Repository rules and module extensions are always read from the binding:
                // running one needs only its `implementation` and `attrs`/`tag_classes`, and
                // a `**kwargs` beside them (feature flags) is no reason to lose it.
                let from_binding = match call.func.dotted_name().as_deref() {
                    Some("rule" | "aspect" | "macro") => !call.has_splat(),
                    Some("repository_rule" | "module_extension") => true,
                    _ => false,
                };
                if from_binding {
                    return Val {
                        v: V::Rule(file, i),
                        loc: Loc {
                            file,
                            range: b.name_range,
                        },
                    };
                }
            }
            let v = self.eval_in(file, &b.value, &Vec::new(), depth + 1);
            let v = self.replay_mutations(file, name, b.name_range.start, v, depth);
            // A rule made elsewhere (a factory) is named by the first global bound to it.
            return match v.v {
                V::RuleDef(r) if r.exported.is_none() => {
                    let mut r = Arc::unwrap_or_clone(r);
                    r.exported = Some((file, name.to_string()));
                    Val {
                        v: V::RuleDef(Arc::new(r)),
                        loc: v.loc,
                    }
                }
                other => Val {
                    v: other,
                    loc: v.loc,
                },
            };
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
            if let Some(exported) = load
                .symbols
                .iter()
                .find(|s| s.local() == name)
                .map(|s| s.exported())
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
                        .or_else(|| {
                            super::repository::bazel_tools_repo_symbol(&load.module, exported)
                        })
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
            _ if is_builtin(name) => Val {
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
        if depth > MAX_EVAL_DEPTH {
            self.hit_limit(loc, "expressions and calls nested too deeply".to_string());
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
                    if !self.charge_value(v, loc) {
                        return Val::unknown(loc);
                    }
                    return v.clone();
                }
                return self.lookup_global(file, n, loc, depth + 1);
            }
            ExprKind::Attr(a) => {
                let (obj, attr) = &**a;
                let o = self.eval_in(file, obj, scope, depth + 1);
                if let Some(v) = value_attr(&o, attr) {
                    return Val { v, loc };
                }
                match o.v {
                    V::Builtin(b) if b == "native" && attr.as_str() == "bazel_version" => self
                        .pinned_bazel_version()
                        .map_or(V::Unknown(Unknown::Dynamic), V::Str),
                    V::Builtin(b) if super::repository::is_object(&b) => self.object_attr(&b, attr),
                    V::Struct(fields) => match fields.into_iter().find(|(n, _)| n == attr) {
                        Some((_, v)) => return v,
                        None => V::Unknown(Unknown::Dynamic),
                    },
                    V::Unknown(u) => V::Unknown(u),
                    _ => V::Unknown(Unknown::Dynamic),
                }
            }
            ExprKind::Index(ops) => {
                let [obj, idx] = &**ops;
                // `TABLE[key]` in a macro: index the named value where it is stored instead
                // of copying all of it (a large constant table indexed in a loop).
                if let ExprKind::Name(n) = &obj.kind {
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
            ExprKind::Add(ops) => {
                let [l, r] = &**ops;
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
            ExprKind::Cond(parts) => {
                let [then, cond, otherwise] = &**parts;
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
            ExprKind::BoolOp { and, operands } => {
                let [left, right] = &**operands;
                let l = self.eval_in(file, left, scope, depth + 1);
                match (truthiness(&l.v), and) {
                    (Some(true), true) | (Some(false), false) => {
                        return self.eval_in(file, right, scope, depth + 1)
                    }
                    (Some(_), _) => return l,
                    (None, _) => V::Unknown(Unknown::Dynamic),
                }
            }
            ExprKind::Eq { eq, operands } => {
                let [left, right] = &**operands;
                let l = self.eval_in(file, left, scope, depth + 1);
                let r = self.eval_in(file, right, scope, depth + 1);
                match veq(&l.v, &r.v) {
                    Some(same) => V::Bool(same == *eq),
                    None => V::Unknown(Unknown::Dynamic),
                }
            }
            ExprKind::In(ops) => {
                let [item, container] = &**ops;
                let i = self.eval_in(file, item, scope, depth + 1);
                let c = self.eval_in(file, container, scope, depth + 1);
                match contains(&c.v, &i.v) {
                    Some(b) => V::Bool(b),
                    None => V::Unknown(Unknown::Dynamic),
                }
            }
            ExprKind::Ext(e) => return self.eval_ext(file, e, loc, scope, depth + 1),
            ExprKind::Unknown => V::Unknown(Unknown::Dynamic),
            ExprKind::Call(call) => return self.eval_call(file, call, loc, scope, depth + 1),
        };
        let val = Val { v, loc };
        if !self.check_size(&val) {
            return Val::unknown(loc);
        }
        val
    }
}

/// Outcome of executing statements.
pub(crate) enum Flow {
    Normal,
    Break,
    Continue,
    Return(Val),
    /// Stop the whole function: a bound was hit, `fail()` was reached, or an unknown branch
    /// may have left the function.
    Abort,
}

impl<'a> Env<'a> {
    /// Records that evaluation stopped at a bound (the first one wins).
    pub(crate) fn hit_limit(&self, loc: Loc, what: String) {
        let mut limit = self.limit.borrow_mut();
        if limit.is_none() {
            *limit = Some(LimitHit { loc, what });
        }
    }

    pub(crate) fn limited(&self) -> bool {
        self.limit.borrow().is_some()
    }

    /// Records that the run's targets may be incomplete (the first reason wins). Outside a
    /// run nothing depends on it: the value is unknown and says so itself.
    pub(crate) fn gap(&self, loc: Loc, why: impl Into<String>) {
        if let Some(run) = self.run.borrow_mut().as_mut() {
            // While a module-level value is computed the run's targets are not at stake:
            // what is unknown stays in the value, and a condition on it is a gap of its own.
            if run.incomplete.is_none() && run.in_global == 0 {
                run.incomplete = Some(super::run::Gap {
                    loc,
                    why: why.into(),
                });
            }
        }
    }

    /// Spends `n` steps of the budget; false once the budget or another bound is hit.
    pub(crate) fn charge(&self, n: u64, loc: Loc) -> bool {
        if self.limited() {
            return false;
        }
        let left = self.steps.get();
        if left < n {
            self.steps.set(0);
            let what = match self.run.borrow().as_ref() {
                Some(run) => run.out_of_steps(),
                None => format!("evaluation stopped after {VALUE_STEP_BUDGET} steps"),
            };
            self.hit_limit(loc, what);
            return false;
        }
        self.steps.set(left - n);
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
            ExtExpr::Lambda(f) => return self.make_closure(file, f, scope, loc),
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
        if depth > MAX_EVAL_DEPTH {
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
    fn eval_args(&self, file: FileId, call: &Call, scope: &Scope, depth: u32) -> Args<Val> {
        // An argument that changes a local (`f(deps = kwargs.pop("deps", []), **kwargs)`):
        // arguments are evaluated in order, each seeing the changes of those before it.
        let changes_local =
            |e: &Expr| mutated_local(e).is_some_and(|n| get_var(scope, n).is_some());
        if call.args.iter().any(changes_local)
            || call.kwargs.iter().any(|k| changes_local(&k.value))
        {
            let mut local = scope.clone();
            let mut pos = Vec::with_capacity(call.args.len());
            for e in &call.args {
                pos.push(self.eval_in(file, e, &local, depth + 1));
                self.apply_mutations(file, e, &mut local, depth);
            }
            let mut kw = Vec::with_capacity(call.kwargs.len());
            for k in &call.kwargs {
                kw.push((
                    k.name.to_string(),
                    self.eval_in(file, &k.value, &local, depth + 1),
                ));
                self.apply_mutations(file, &k.value, &mut local, depth);
            }
            return self.splat_args(
                file,
                call,
                &local,
                depth,
                Args {
                    pos,
                    kw,
                    complete: true,
                },
            );
        }
        let args = Args {
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
        self.splat_args(file, call, scope, depth, args)
    }

    /// Adds a call's `*args` and `**kwargs` to the arguments evaluated so far.
    fn splat_args(
        &self,
        file: FileId,
        call: &Call,
        scope: &Scope,
        depth: u32,
        mut args: Args<Val>,
    ) -> Args<Val> {
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

    /// A call: of a method of a value, a builtin, a function (its body runs), a rule or
    /// macro (recorded or run when a macro run is under way).
    pub(crate) fn eval_call(
        &self,
        file: FileId,
        call: &Call,
        loc: Loc,
        scope: &Scope,
        depth: u32,
    ) -> Val {
        // Method calls on values: `"x".format(...)`, `list.index(...)`, `dict.get(...)`.
        let callee = match &call.func.kind {
            ExprKind::Attr(a) => {
                let (obj, method) = &**a;
                let o = self.eval_in(file, obj, scope, depth + 1);
                match &o.v {
                    V::Str(_) | V::List(_) | V::Dict(_) => {
                        let args = self.eval_args(file, call, scope, depth);
                        let v = self.method(o, method, &args, loc);
                        return Val { v, loc };
                    }
                    V::Builtin(b) if super::repository::is_object(b) => Val {
                        v: self.object_attr(b, method),
                        loc: o.loc,
                    },
                    V::Struct(fields) => match fields.iter().find(|(n, _)| n == method) {
                        Some((_, v)) => v.clone(),
                        None => Val::unknown(loc),
                    },
                    V::Unknown(u) => Val {
                        v: V::Unknown(u.clone()),
                        loc,
                    },
                    _ => Val::unknown(loc),
                }
            }
            _ => self.eval_in(file, &call.func, scope, depth + 1),
        };
        match callee.v {
            V::Func(..) | V::Closure(_) | V::Rule(..) | V::RuleDef(_) | V::Builtin(_) => {
                let args = self.eval_args(file, call, scope, depth);
                self.call_value_at(callee, args, file, loc, depth)
            }
            // In BUILD and WORKSPACE files, rule names are native functions.
            V::Unknown(Unknown::BrokenLoad)
                if self.ws.file(file).kind != FileKind::Bzl
                    && matches!(&call.func.kind, ExprKind::Name(n) if get_var(scope, n).is_none()) =>
            {
                let ExprKind::Name(n) = &call.func.kind else {
                    return Val::unknown(loc);
                };
                let args = self.eval_args(file, call, scope, depth);
                self.emit(n.to_string(), None, args, loc);
                Val { v: V::None, loc }
            }
            V::Unknown(u) => {
                let callee_name = call.func.dotted_name().unwrap_or_else(|| "?".into());
                self.gap(
                    loc,
                    format!("calls `{callee_name}`, which toolcheck cannot evaluate"),
                );
                Val {
                    v: V::Unknown(u),
                    loc,
                }
            }
            _ => Val::unknown(loc),
        }
    }

    /// Calls a callable value with evaluated arguments, for a call written in `file`.
    pub(crate) fn call_value_at(
        &self,
        callee: Val,
        args: Args<Val>,
        file: FileId,
        loc: Loc,
        depth: u32,
    ) -> Val {
        match callee.v {
            V::Func(ffile, idx) => self.call_full(ffile, idx, args, loc, depth + 1),
            V::Closure(c) => self.call_closure(&c, args, loc, depth + 1),
            V::Rule(rfile, bi) => self.instantiate(rfile, bi, args, loc, depth + 1),
            V::RuleDef(r) => {
                let binding = r.exported.as_ref().and_then(|(f, n)| {
                    let bi = self.facts[f.0 as usize]
                        .bindings
                        .iter()
                        .rposition(|b| b.name == *n)?;
                    Some((*f, bi))
                });
                match binding {
                    Some((f, bi)) if r.kind == "rule" => {
                        self.emit(
                            r.exported
                                .as_ref()
                                .map_or_else(String::new, |e| e.1.clone()),
                            Some((f, bi)),
                            args,
                            loc,
                        );
                        Val { v: V::None, loc }
                    }
                    _ => {
                        self.gap(loc, "calls a rule that is not exported under a name");
                        Val::unknown(loc)
                    }
                }
            }
            V::Builtin(b) => {
                if let Some(native) = b.strip_prefix("native.") {
                    if !NATIVE_NON_RULES.contains(&native) {
                        self.emit(native.to_string(), None, args, loc);
                        return Val { v: V::None, loc };
                    }
                }
                let v = self
                    .call_builtin(&b, file, &args, loc)
                    .unwrap_or_else(unknown_v);
                Val { v, loc }
            }
            _ => Val::unknown(loc),
        }
    }

    /// [`Env::call_value_at`] from a builtin (`maybe(rule, ...)`) or an entry point.
    pub(crate) fn call_value(&self, callee: Val, args: Args<Val>, file: FileId, loc: Loc) -> Val {
        self.call_value_at(callee, args, file, loc, 0)
    }

    /// Applies, in evaluation order, the changes that mutating method calls on locals inside
    /// `e` make (`x = d.pop("k")`, `f(l.pop(), **kw)`): the expression was evaluated on a
    /// copy, so the locals themselves are updated here.
    fn apply_mutations(&self, file: FileId, e: &Expr, scope: &mut Scope, depth: u32) {
        fn calls<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>, budget: &mut u32) {
            let ExprKind::Call(c) = &e.kind else { return };
            if *budget == 0 {
                return;
            }
            *budget -= 1;
            for a in c.args.iter().chain(c.kwargs.iter().map(|k| &k.value)) {
                calls(a, out, budget);
            }
            if mutated_local(e).is_some() {
                out.push(e);
            }
        }
        let mut found = Vec::new();
        calls(e, &mut found, &mut 64);
        for m in found {
            if mutated_local(m).is_some_and(|n| get_var(scope, n).is_some()) {
                self.mutate(file, m, scope, depth);
            }
        }
    }

    /// Executes a mutating method call written as a statement (`x.append(y)`), updating the
    /// variable in `scope`. False when the statement is not such a call.
    fn mutate(&self, file: FileId, e: &Expr, scope: &mut Scope, depth: u32) -> bool {
        let ExprKind::Call(call) = &e.kind else {
            return false;
        };
        let ExprKind::Attr(a) = &call.func.kind else {
            return false;
        };
        let (obj, m) = &**a;
        if !MUTATING_METHODS.contains(&m.as_str()) {
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

    /// Calls a function defined at the top level of a `.bzl` file, executing its body.
    pub(crate) fn call_full(
        &self,
        ffile: FileId,
        idx: usize,
        args: Args<Val>,
        loc: Loc,
        depth: u32,
    ) -> Val {
        let f = &self.facts[ffile.0 as usize].functions[idx];
        let (recursive, named) = {
            let stack = self.stack.borrow();
            (
                stack.iter().any(|fr| fr.function == Some((ffile, idx))),
                stack.iter().filter(|fr| fr.function.is_some()).count(),
            )
        };
        if recursive {
            self.hit_limit(
                loc,
                format!(
                    "`{}` calls itself (Starlark does not allow recursion)",
                    f.name
                ),
            );
            return Val::unknown(loc);
        }
        if named >= MAX_CALL_DEPTH {
            self.hit_limit(
                loc,
                format!("calls nested more than {MAX_CALL_DEPTH} functions deep"),
            );
            return Val::unknown(loc);
        }
        if let Some(run) = self.run.borrow_mut().as_mut() {
            if !run.called.contains(&(ffile, idx)) {
                run.called.push((ffile, idx));
            }
        }
        self.call_body(ffile, f, Some((ffile, idx)), Vec::new(), args, loc, depth)
    }

    /// Calls a `lambda` or nested `def`: its body runs with the values it captured.
    fn call_closure(&self, c: &Closure, args: Args<Val>, loc: Loc, depth: u32) -> Val {
        // Closures have no name to recurse through; their nesting counts with the calls
        // (named functions twice, as they are bounded on their own as well).
        let weight: usize = self
            .stack
            .borrow()
            .iter()
            .map(|fr| if fr.function.is_some() { 2 } else { 1 })
            .sum();
        if weight >= 2 * MAX_CALL_DEPTH {
            self.hit_limit(
                loc,
                format!("calls nested more than {MAX_CALL_DEPTH} functions deep"),
            );
            return Val::unknown(loc);
        }
        self.call_body(c.file, &c.func, None, c.captured.clone(), args, loc, depth)
    }

    /// Runs a function's body on the call stack (its frame is there while its arguments
    /// bind too: a default that calls the function is recursion).
    #[allow(clippy::too_many_arguments)]
    fn call_body(
        &self,
        ffile: FileId,
        f: &FuncDef,
        function: Option<(FileId, usize)>,
        captured: Scope,
        args: Args<Val>,
        loc: Loc,
        depth: u32,
    ) -> Val {
        self.stack.borrow_mut().push(Frame {
            function,
            reassigned: f.body.reassigned.clone(),
        });
        let v = self.bind_and_run(ffile, f, captured, args, loc, depth);
        self.stack.borrow_mut().pop();
        v
    }

    /// Binds the arguments and runs a function's body in a scope that starts with
    /// `captured`.
    fn bind_and_run(
        &self,
        ffile: FileId,
        f: &FuncDef,
        captured: Scope,
        args: Args<Val>,
        loc: Loc,
        depth: u32,
    ) -> Val {
        if f.body.truncated {
            self.gap(loc, format!("`{}` is too large to evaluate", f.name));
            return Val::unknown(loc);
        }
        struct Concrete<'e, 'a> {
            env: &'e Env<'a>,
            file: FileId,
            loc: Loc,
            depth: u32,
        }
        impl BindValues<Val> for Concrete<'_, '_> {
            fn tuple(&mut self, items: Vec<Val>) -> Val {
                Val {
                    v: V::List(items),
                    loc: self.loc,
                }
            }
            fn kwargs(&mut self, items: Vec<(String, Val)>) -> Val {
                let loc = self.loc;
                Val {
                    v: V::Dict(
                        items
                            .into_iter()
                            .map(|(k, v)| (Val { v: V::Str(k), loc }, v))
                            .collect(),
                    ),
                    loc,
                }
            }
            fn unknown(&mut self) -> Val {
                Val::unknown(self.loc)
            }
            fn default(&mut self, expr: &Expr) -> Val {
                self.env
                    .eval_in(self.file, expr, &Vec::new(), self.depth + 1)
            }
        }
        let mut values = Concrete {
            env: self,
            file: ffile,
            loc,
            depth,
        };
        let bound = match bind(Params::of(f), args, &mut values) {
            Ok(b) => b,
            Err(e) => {
                self.gap(loc, e.describe(&f.name));
                return Val::unknown(loc);
            }
        };
        for m in &bound.missing {
            self.gap(loc, format!("`{}` misses argument `{m}`", f.name));
        }
        let mut scope = captured;
        for (name, v) in bound.locals {
            set_var(&mut scope, &name, v);
        }
        let flow = self.exec_block(ffile, &f.body, &f.body.stmts, &mut scope, depth + 1);
        match flow {
            Flow::Return(v) => v,
            Flow::Normal | Flow::Break | Flow::Continue => Val { v: V::None, loc },
            Flow::Abort => Val::unknown(loc),
        }
    }

    /// A closure over `func`, capturing the current scope (names the enclosing function
    /// assigns more than once are captured as unknown: they may change before it runs).
    pub(crate) fn make_closure(
        &self,
        file: FileId,
        func: &Arc<FuncDef>,
        scope: &Scope,
        loc: Loc,
    ) -> Val {
        let stack = self.stack.borrow();
        let unstable = stack.last().map(|fr| &fr.reassigned);
        let captured = scope
            .iter()
            .map(|(n, v)| {
                if unstable.is_some_and(|u| u.iter().any(|r| r == n)) {
                    (n.clone(), Val::unknown(loc))
                } else {
                    (n.clone(), v.clone())
                }
            })
            .collect();
        Val {
            v: V::Closure(Arc::new(Closure {
                file,
                func: func.clone(),
                captured,
            })),
            loc,
        }
    }

    pub(crate) fn exec_block(
        &self,
        file: FileId,
        body: &Body,
        stmts: &[Stmt],
        scope: &mut Scope,
        depth: u32,
    ) -> Flow {
        if depth > MAX_EVAL_DEPTH {
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
                    let v = self.eval_in(file, value, scope, depth + 1);
                    // `deps = kwargs.pop("deps", [])`: the value, then the change.
                    self.apply_mutations(file, value, scope, depth);
                    if let AssignTarget::Other(e) = target {
                        self.assign_into(file, e, v, scope, depth);
                        continue;
                    }
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
                        // `f(deps = kwargs.pop("deps"), **kwargs)`: `kwargs` changed.
                        self.apply_mutations(file, e, scope, depth);
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
                StmtKind::Def(f) => {
                    let closure = self.make_closure(file, f, scope, loc);
                    set_var(scope, &f.name, closure);
                }
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
        if let ExprKind::Index(ops) = &e.kind {
            let [obj, key] = &**ops;
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
}
