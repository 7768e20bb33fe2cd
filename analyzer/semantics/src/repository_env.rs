//! What repository rules read from the machine's environment: for each `repository_rule()`
//! bound at the top level of a `.bzl` file, the variables its implementation reads through
//! `repository_ctx.os.environ` (following helper functions it passes the context to), and the
//! variables it declares in `environ`.
//!
//! Bazel refetches a repository when a variable listed in `environ` changes; a variable read
//! through `os.environ` and not listed is not tracked, so the repository keeps what it
//! computed from the old value. `repository_ctx.getenv` (Bazel 7.1+) is tracked
//! automatically and is not an untracked read.

use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};
use toolcheck_index::body::{Stmt, StmtKind, Target as AssignTarget};
use toolcheck_index::expr::{Call, CompClause, Expr, ExprKind, ExtExpr};
use toolcheck_index::facts::{FileFacts, FuncDef};
use toolcheck_index::interp::value::V;
use toolcheck_index::interp::Env;
use toolcheck_index::workspace::FileId;
use toolcheck_syntax::TextRange;

/// How deep helper calls are followed, and how many function bodies one rule may walk.
const MAX_DEPTH: usize = 8;
const MAX_WALKS: usize = 500;

/// One `x = repository_rule(...)` and what its implementation reads.
#[derive(Clone, Debug)]
pub struct RepositoryRuleEnv {
    pub name: String,
    pub file: FileId,
    pub name_range: TextRange,
    /// The `repository_rule(...)` call.
    pub call: Call,
    /// The declared `environ` names; `None` when computed in a way toolcheck cannot follow.
    pub environ: Option<Vec<String>>,
    /// Variables read through `os.environ`, each with where (the first read of each name).
    pub reads: Vec<EnvRead>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvRead {
    pub name: String,
    pub file: FileId,
    /// The variable's name as written (or the expression passing it to a helper).
    pub range: TextRange,
}

/// The repository rules of one `.bzl` file with the environment variables each reads.
pub fn repository_rules(
    env: &Env<'_>,
    facts: &[Arc<FileFacts>],
    file: FileId,
) -> Vec<RepositoryRuleEnv> {
    let mut out = Vec::new();
    for b in &facts[file.0 as usize].bindings {
        let Some(call) = b.value.as_call() else {
            continue;
        };
        if call.func.dotted_name().as_deref() != Some("repository_rule") || call.has_splat() {
            continue;
        }
        let implementation = call
            .kwarg("implementation")
            .map(|k| &k.value)
            .or_else(|| call.args.first());
        let Some(implementation) = implementation else {
            continue;
        };
        let V::Func(f, i) = env.eval(file, implementation).v else {
            continue;
        };
        let environ = match call.kwarg("environ") {
            None => Some(Vec::new()),
            Some(k) => match env.eval(file, &k.value).v {
                V::List(items) => items
                    .iter()
                    .map(|v| match &v.v {
                        V::Str(s) => Some(s.clone()),
                        _ => None,
                    })
                    .collect(),
                _ => None,
            },
        };
        let Some(def) = facts[f.0 as usize].functions.get(i) else {
            continue;
        };
        let mut walk = Walk {
            env,
            facts,
            reads: Vec::new(),
            walks: 0,
            seen: FxHashSet::default(),
        };
        if let Some((first, _)) = def.params.first() {
            let mut frame = Frame::new(f);
            frame.ctx.insert(first.clone());
            walk.function(def, frame, 0);
        }
        out.push(RepositoryRuleEnv {
            name: b.name.clone(),
            file,
            name_range: b.name_range,
            call: call.clone(),
            environ,
            reads: walk.reads,
        });
    }
    out
}

/// What a function body knows about its names: those bound to the repository context, to
/// its `os.environ`, and to known strings.
#[derive(Clone)]
struct Frame {
    file: FileId,
    ctx: FxHashSet<String>,
    environ: FxHashSet<String>,
    strings: FxHashMap<String, (String, TextRange)>,
}

impl Frame {
    fn new(file: FileId) -> Frame {
        Frame {
            file,
            ctx: FxHashSet::default(),
            environ: FxHashSet::default(),
            strings: FxHashMap::default(),
        }
    }
}

/// A function (file, index) and the names its walk knew (parameter, value).
type WalkKey = (FileId, usize, Vec<(String, String)>);

struct Walk<'e, 'a> {
    env: &'e Env<'a>,
    facts: &'e [Arc<FileFacts>],
    reads: Vec<EnvRead>,
    walks: usize,
    /// Function bodies already walked with the same known names.
    seen: FxHashSet<WalkKey>,
}

impl Walk<'_, '_> {
    fn function(&mut self, def: &FuncDef, mut frame: Frame, depth: usize) {
        if self.walks >= MAX_WALKS {
            return;
        }
        self.walks += 1;
        self.stmts(&def.body.stmts, &mut frame, depth);
    }

    fn stmts(&mut self, stmts: &[Stmt], frame: &mut Frame, depth: usize) {
        for s in stmts {
            match &s.kind {
                StmtKind::Assign { target, value } => {
                    self.expr(value, frame, depth);
                    if let AssignTarget::Name(n) = target {
                        self.bind(n, value, frame);
                    }
                }
                StmtKind::AugAssign { value, .. } => self.expr(value, frame, depth),
                StmtKind::Expr(e) => self.expr(e, frame, depth),
                StmtKind::Return(Some(e)) => self.expr(e, frame, depth),
                StmtKind::If {
                    cond, then, orelse, ..
                } => {
                    self.expr(cond, frame, depth);
                    self.stmts(then, frame, depth);
                    self.stmts(orelse, frame, depth);
                }
                StmtKind::For { iter, body, .. } => {
                    self.expr(iter, frame, depth);
                    self.stmts(body, frame, depth);
                }
                StmtKind::Def(def) => {
                    // A nested function sees the enclosing names.
                    self.stmts(&def.body.stmts, &mut frame.clone(), depth);
                }
                _ => {}
            }
        }
    }

    /// Records what a local name now stands for (or forgets what it stood for).
    fn bind(&self, name: &str, value: &Expr, frame: &mut Frame) {
        frame.ctx.remove(name);
        frame.environ.remove(name);
        frame.strings.remove(name);
        if self.is_ctx(value, frame) {
            frame.ctx.insert(name.to_string());
        } else if self.is_environ(value, frame) {
            frame.environ.insert(name.to_string());
        } else if let ExprKind::Str(s) = &value.kind {
            frame
                .strings
                .insert(name.to_string(), (s.to_string(), value.range));
        }
    }

    fn is_ctx(&self, e: &Expr, frame: &Frame) -> bool {
        matches!(&e.kind, ExprKind::Name(n) if frame.ctx.contains(n.as_str()))
    }

    /// `ctx.os.environ`, or a name bound to it.
    fn is_environ(&self, e: &Expr, frame: &Frame) -> bool {
        match &e.kind {
            ExprKind::Name(n) => frame.environ.contains(n.as_str()),
            ExprKind::Attr(obj, attr) if attr == "environ" => {
                matches!(&obj.kind, ExprKind::Attr(c, os) if os == "os" && self.is_ctx(c, frame))
            }
            _ => false,
        }
    }

    /// The variable name a key expression stands for, with where to point at it.
    fn key(&self, e: &Expr, frame: &Frame) -> Option<(String, TextRange)> {
        match &e.kind {
            ExprKind::Str(s) => Some((s.to_string(), e.range)),
            ExprKind::Name(n) => frame.strings.get(n.as_str()).cloned(),
            _ => None,
        }
    }

    fn read(&mut self, key: &Expr, frame: &Frame) {
        if let Some((name, range)) = self.key(key, frame) {
            if !self.reads.iter().any(|r| r.name == name) {
                self.reads.push(EnvRead {
                    name,
                    file: frame.file,
                    range,
                });
            }
        }
    }

    fn expr(&mut self, e: &Expr, frame: &Frame, depth: usize) {
        match &e.kind {
            ExprKind::Index(obj, key) if self.is_environ(obj, frame) => self.read(key, frame),
            ExprKind::In(key, obj) if self.is_environ(obj, frame) => self.read(key, frame),
            ExprKind::Call(call) => self.call(call, frame, depth),
            _ => {}
        }
        self.children(e, frame, depth);
    }

    fn children(&mut self, e: &Expr, frame: &Frame, depth: usize) {
        match &e.kind {
            ExprKind::List(items) | ExprKind::Tuple(items) => {
                for i in items {
                    self.expr(i, frame, depth);
                }
            }
            ExprKind::Dict(pairs) => {
                for (k, v) in pairs {
                    self.expr(k, frame, depth);
                    self.expr(v, frame, depth);
                }
            }
            ExprKind::Attr(obj, _) | ExprKind::Not(obj) => self.expr(obj, frame, depth),
            ExprKind::Index(a, b)
            | ExprKind::Add(a, b)
            | ExprKind::In(a, b)
            | ExprKind::BoolOp {
                left: a, right: b, ..
            }
            | ExprKind::Eq {
                left: a, right: b, ..
            } => {
                self.expr(a, frame, depth);
                self.expr(b, frame, depth);
            }
            ExprKind::Cond {
                then,
                cond,
                otherwise,
            } => {
                self.expr(then, frame, depth);
                self.expr(cond, frame, depth);
                self.expr(otherwise, frame, depth);
            }
            ExprKind::Ext(ext) => match &**ext {
                ExtExpr::BinOp { left, right, .. } | ExtExpr::Compare { left, right, .. } => {
                    self.expr(left, frame, depth);
                    self.expr(right, frame, depth);
                }
                ExtExpr::Unary { operand, .. } => self.expr(operand, frame, depth),
                ExtExpr::Comp {
                    key,
                    value,
                    clauses,
                } => {
                    self.expr(key, frame, depth);
                    if let Some(v) = value {
                        self.expr(v, frame, depth);
                    }
                    for c in clauses {
                        match c {
                            CompClause::For { iter, .. } => self.expr(iter, frame, depth),
                            CompClause::If(cond) => self.expr(cond, frame, depth),
                        }
                    }
                }
                ExtExpr::Slice {
                    object,
                    start,
                    end,
                    step,
                } => {
                    self.expr(object, frame, depth);
                    for x in [start, end, step].into_iter().flatten() {
                        self.expr(x, frame, depth);
                    }
                }
                ExtExpr::Lambda(def) => self.stmts(&def.body.stmts, &mut frame.clone(), depth),
            },
            // A call's parts are visited by `call`.
            _ => {}
        }
    }

    fn call(&mut self, call: &Call, frame: &Frame, depth: usize) {
        // `environ.get("X")`: a read.
        if let ExprKind::Attr(obj, method) = &call.func.kind {
            if method == "get" && self.is_environ(obj, frame) {
                if let Some(key) = call.args.first() {
                    self.read(key, frame);
                }
            }
        }
        self.expr(&call.func, frame, depth);
        for a in call.args.iter() {
            self.expr(a, frame, depth);
        }
        for k in call.kwargs.iter() {
            self.expr(&k.value, frame, depth);
        }
        self.helper(call, frame, depth);
    }

    /// Follows a call to a function of the workspace that gets the repository context (or
    /// its environment): the helper's reads are the rule's.
    fn helper(&mut self, call: &Call, frame: &Frame, depth: usize) {
        if depth >= MAX_DEPTH || call.has_splat() {
            return;
        }
        let passes = |e: &Expr| self.is_ctx(e, frame) || self.is_environ(e, frame);
        if !call.args.iter().any(passes) && !call.kwargs.iter().any(|k| passes(&k.value)) {
            return;
        }
        let ExprKind::Name(name) = &call.func.kind else {
            return;
        };
        if frame.ctx.contains(name.as_str()) || frame.environ.contains(name.as_str()) {
            return;
        }
        let V::Func(f, i) = self.env.global(frame.file, name, call.func.range).v else {
            return;
        };
        let Some(def) = self
            .facts
            .get(f.0 as usize)
            .and_then(|ff| ff.functions.get(i))
        else {
            return;
        };
        let mut callee = Frame::new(f);
        let bind_param = |param: &str, arg: &Expr, callee: &mut Frame| {
            if self.is_ctx(arg, frame) {
                callee.ctx.insert(param.to_string());
            } else if self.is_environ(arg, frame) {
                callee.environ.insert(param.to_string());
            } else if let Some(known) = self.key(arg, frame) {
                // The helper's reads of this parameter point at the caller's argument.
                callee
                    .strings
                    .insert(param.to_string(), (known.0, arg.range));
            }
        };
        for (j, arg) in call.args.iter().enumerate() {
            if let Some((param, _)) = def.params.get(j).filter(|_| j < def.positional_params) {
                bind_param(param, arg, &mut callee);
            }
        }
        for k in call.kwargs.iter() {
            if def.params.iter().any(|(p, _)| p == k.name.as_str()) {
                bind_param(&k.name, &k.value, &mut callee);
            }
        }
        // A string parameter's reads point into the caller's file only when the caller is
        // the same file; elsewhere the helper's own file is where the read is.
        let mut key: Vec<(String, String)> = callee
            .strings
            .iter()
            .map(|(k, (v, _))| (k.clone(), v.clone()))
            .collect();
        key.sort();
        key.extend(callee.ctx.iter().map(|c| (c.clone(), "<ctx>".to_string())));
        if !self.seen.insert((f, i, key)) {
            return;
        }
        let caller_file = frame.file;
        let before = self.reads.len();
        self.function(def, callee, depth + 1);
        // Reads through a string the caller passed are reported at the caller's argument.
        for r in &mut self.reads[before..] {
            if r.file != caller_file && call_contains(call, r.range) {
                r.file = caller_file;
            }
        }
    }
}

fn call_contains(call: &Call, range: TextRange) -> bool {
    call.args
        .iter()
        .chain(call.kwargs.iter().map(|k| &k.value))
        .any(|a| a.range == range)
}
