//! What repository rules read from the machine's environment: for each `repository_rule()`
//! bound at the top level of a `.bzl` file, the variables its implementation reads through
//! `repository_ctx.os.environ` (following helper functions it passes the context to), the
//! variables it declares in `environ`, and which of the reads reach what the repository holds.
//!
//! Bazel refetches a repository when a variable listed in `environ` changes; a variable read
//! through `os.environ` and not listed is not tracked, so the repository keeps what it
//! computed from the old value. `repository_ctx.getenv` (Bazel 7.1+) is tracked
//! automatically and is not an untracked read.
//!
//! Not every read matters. A variable that picks the Java that runs a resolver, or one that is
//! only checked before a `fail()`, decides how the repository is made, not what it holds; only
//! a read whose value (or a branch taken on it) flows into a write of the repository (a file,
//! a template's substitutions, a symlink, a download without a hash, ...) leaves stale
//! contents behind. The walk is therefore a small taint analysis: each value carries the
//! variables it was computed from, through locals, helper calls and their return values; a
//! write made in a branch (or a loop) also carries the variables its condition was computed
//! from. A value assigned in a branch does not: `if env.get("USE_JAVA_HOME") == None: java =
//! bundled` picks a program, and following such implicit flows everywhere would make nearly
//! every read reach every write (the command line a rule writes to an args file, say). The
//! output of `repository_ctx.execute` is deliberately not
//! attributed to the variables that chose the program: which program ran is "how", and
//! toolcheck cannot know whether two programs print the same thing, so it says nothing
//! rather than guess. Anything the walk cannot follow (a helper in a file it cannot read, a
//! bound hit, a body it could not lower) counts as a write.

use std::collections::BTreeSet;
use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};
use toolcheck_index::body::{Stmt, StmtKind, Target as AssignTarget};
use toolcheck_index::expr::{Call, CompClause, Expr, ExprKind, ExtExpr};
use toolcheck_index::facts::{FileFacts, FuncDef};
use toolcheck_index::interp::value::{Unknown, V};
use toolcheck_index::interp::Env;
use toolcheck_index::workspace::FileId;
use toolcheck_syntax::TextRange;

/// How deep helper calls are followed, and how many function bodies one rule may walk.
const MAX_DEPTH: usize = 8;
const MAX_WALKS: usize = 500;

/// The methods of `repository_ctx` that change what the repository holds.
const WRITES: [&str; 9] = [
    "file",
    "template",
    "symlink",
    "download",
    "download_and_extract",
    "extract",
    "patch",
    "delete",
    "rename",
];

/// The methods of a list or dict that change it in place with their arguments.
const MUTATIONS: [&str; 5] = ["append", "extend", "insert", "update", "setdefault"];

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
    /// For each read variable whose value reaches what the repository holds, the first write
    /// it reaches.
    pub written: FxHashMap<String, Write>,
    /// The walk followed everything: when false (a bound, a helper toolcheck cannot read, a
    /// body it could not lower), every read is taken to reach the repository's contents.
    pub complete: bool,
}

impl RepositoryRuleEnv {
    /// Whether the variable `name` can change what the repository holds.
    pub fn reaches_contents(&self, name: &str) -> bool {
        !self.complete || self.written.contains_key(name)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvRead {
    pub name: String,
    pub file: FileId,
    /// The variable's name as written (or the expression passing it to a helper).
    pub range: TextRange,
}

/// Where a value computed from the environment is written into the repository.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Write {
    pub file: FileId,
    pub range: TextRange,
    /// What writes it: `repository_ctx.template`, or `a function toolcheck cannot read`.
    pub by: String,
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
            written: FxHashMap::default(),
            complete: true,
            walks: 0,
            memo: FxHashMap::default(),
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
            written: walk.written,
            complete: walk.complete,
        });
    }
    out
}

/// The environment variables a value was computed from.
type Taint = BTreeSet<String>;

/// What a function body knows about its names: those bound to the repository context, to
/// its `os.environ`, to known strings, and the variables each local was computed from.
#[derive(Clone)]
struct Frame {
    file: FileId,
    ctx: FxHashSet<String>,
    environ: FxHashSet<String>,
    strings: FxHashMap<String, (String, TextRange)>,
    taint: FxHashMap<String, Taint>,
    /// The variables that decided whether the current statement runs (the conditions of the
    /// enclosing branches and loops, and of earlier branches that returned). They count for
    /// the writes made under them, not for the values assigned there: see the module doc.
    pc: Taint,
    /// The variables the function's return values were computed from.
    ret: Taint,
}

impl Frame {
    fn new(file: FileId) -> Frame {
        Frame {
            file,
            ctx: FxHashSet::default(),
            environ: FxHashSet::default(),
            strings: FxHashMap::default(),
            taint: FxHashMap::default(),
            pc: Taint::new(),
            ret: Taint::new(),
        }
    }

    fn taint_of(&self, name: &str) -> Taint {
        self.taint.get(name).cloned().unwrap_or_default()
    }

    /// Adds to what `name` was computed from. Taints only grow within a walk: a branch may
    /// or may not have run, so a later assignment does not clear an earlier one.
    fn add_taint(&mut self, name: &str, t: &Taint) {
        if !t.is_empty() {
            self.taint
                .entry(name.to_string())
                .or_default()
                .extend(t.iter().cloned());
        }
    }
}

/// A function (file, index), the names its walk knew (parameter, value) and the taints it
/// was called with.
type WalkKey = (FileId, usize, Vec<(String, String)>);

struct Walk<'e, 'a> {
    env: &'e Env<'a>,
    facts: &'e [Arc<FileFacts>],
    reads: Vec<EnvRead>,
    written: FxHashMap<String, Write>,
    complete: bool,
    walks: usize,
    /// Function bodies already walked with the same known names, and what they returned.
    memo: FxHashMap<WalkKey, Taint>,
}

fn union(mut a: Taint, b: Taint) -> Taint {
    if a.len() < b.len() {
        return union(b, a);
    }
    a.extend(b);
    a
}

impl Walk<'_, '_> {
    /// Walks a function body; returns what its return values were computed from.
    fn function(&mut self, def: &FuncDef, mut frame: Frame, depth: usize) -> Taint {
        if self.walks >= MAX_WALKS {
            self.complete = false;
            return Taint::new();
        }
        self.walks += 1;
        if def.body.truncated {
            self.complete = false;
        }
        self.stmts(&def.body.stmts, &mut frame, depth);
        frame.ret
    }

    fn stmts(&mut self, stmts: &[Stmt], frame: &mut Frame, depth: usize) {
        for s in stmts {
            match &s.kind {
                StmtKind::Assign { target, value } => {
                    let t = self.expr(value, frame, depth);
                    if let AssignTarget::Name(n) = target {
                        self.bind(n, value, frame);
                    }
                    self.assign(target, &t, frame, depth);
                }
                StmtKind::AugAssign { target, value } => {
                    let t = self.expr(value, frame, depth);
                    self.assign(target, &t, frame, depth);
                }
                StmtKind::Expr(e) => {
                    self.expr(e, frame, depth);
                }
                StmtKind::Return(Some(e)) => {
                    let t = self.expr(e, frame, depth);
                    frame.ret.extend(t);
                }
                StmtKind::Return(None) => {}
                StmtKind::If {
                    cond, then, orelse, ..
                } => {
                    let c = self.expr(cond, frame, depth);
                    let outer = frame.pc.clone();
                    frame.pc.extend(c.iter().cloned());
                    self.stmts(then, frame, depth);
                    self.stmts(orelse, frame, depth);
                    frame.pc = outer;
                    // What follows a branch that returned runs only when the condition said
                    // so: it depends on the condition too.
                    if returns(then) || returns(orelse) {
                        frame.pc.extend(c);
                    }
                }
                StmtKind::For { target, iter, body } => {
                    let it = self.expr(iter, frame, depth);
                    let outer = frame.pc.clone();
                    frame.pc.extend(it.iter().cloned());
                    self.assign(target, &it, frame, depth);
                    // Twice, so that what one iteration computes reaches the next.
                    self.stmts(body, frame, depth);
                    self.stmts(body, frame, depth);
                    frame.pc = outer;
                }
                StmtKind::Def(def) => {
                    // A nested function sees the enclosing names.
                    self.stmts(&def.body.stmts, &mut frame.clone(), depth);
                }
                StmtKind::Break | StmtKind::Continue | StmtKind::Opaque => {}
            }
        }
    }

    /// Adds `t` to the names an assignment target binds; `obj.attr = v` and `obj[k] = v`
    /// taint `obj`.
    fn assign(&mut self, target: &AssignTarget, t: &Taint, frame: &mut Frame, depth: usize) {
        match target {
            AssignTarget::Name(n) => frame.add_taint(n, t),
            AssignTarget::Tuple(items) => {
                for item in items {
                    self.assign(item, t, frame, depth);
                }
            }
            AssignTarget::Other(e) => {
                let t = union(t.clone(), self.expr(e, frame, depth));
                if let Some(base) = base_name(e) {
                    frame.add_taint(base, &t);
                }
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
            ExprKind::Attr(a) if a.1 == "environ" => {
                matches!(&a.0.kind, ExprKind::Attr(os) if os.1 == "os" && self.is_ctx(&os.0, frame))
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

    /// Records a read of the variable `key` names; returns the taint of its value.
    fn read(&mut self, key: &Expr, frame: &Frame) -> Taint {
        let Some((name, range)) = self.key(key, frame) else {
            return Taint::new();
        };
        if !self.reads.iter().any(|r| r.name == name) {
            self.reads.push(EnvRead {
                name: name.clone(),
                file: frame.file,
                range,
            });
        }
        Taint::from([name])
    }

    /// Records that values computed from `t` are written into the repository at `range`.
    fn write(&mut self, t: &Taint, file: FileId, range: TextRange, by: &str) {
        for name in t {
            self.written.entry(name.clone()).or_insert_with(|| Write {
                file,
                range,
                by: by.to_string(),
            });
        }
    }

    /// Walks an expression, recording reads and writes; returns what its value was computed
    /// from.
    fn expr(&mut self, e: &Expr, frame: &mut Frame, depth: usize) -> Taint {
        match &e.kind {
            ExprKind::Index(ops) if self.is_environ(&ops[0], frame) => {
                let t = self.expr(&ops[1], frame, depth);
                union(self.read(&ops[1], frame), t)
            }
            ExprKind::In(ops) if self.is_environ(&ops[1], frame) => {
                let t = self.expr(&ops[0], frame, depth);
                union(self.read(&ops[0], frame), t)
            }
            ExprKind::Call(call) => self.call(call, frame, depth),
            ExprKind::Name(n) => frame.taint_of(n),
            ExprKind::Str(_)
            | ExprKind::Int(_)
            | ExprKind::Bool(_)
            | ExprKind::None
            | ExprKind::Unknown => Taint::new(),
            _ => self.children(e, frame, depth),
        }
    }

    /// The union of what an expression's parts were computed from.
    fn children(&mut self, e: &Expr, frame: &mut Frame, depth: usize) -> Taint {
        let mut t = Taint::new();
        match &e.kind {
            ExprKind::List(items) | ExprKind::Tuple(items) => {
                for i in items {
                    t = union(t, self.expr(i, frame, depth));
                }
            }
            ExprKind::Dict(pairs) => {
                for (k, v) in pairs {
                    t = union(t, self.expr(k, frame, depth));
                    t = union(t, self.expr(v, frame, depth));
                }
            }
            ExprKind::Attr(a) => t = self.expr(&a.0, frame, depth),
            ExprKind::Not(obj) => t = self.expr(obj, frame, depth),
            ExprKind::Index(ops)
            | ExprKind::Add(ops)
            | ExprKind::In(ops)
            | ExprKind::BoolOp { operands: ops, .. }
            | ExprKind::Eq { operands: ops, .. } => {
                t = self.expr(&ops[0], frame, depth);
                t = union(t, self.expr(&ops[1], frame, depth));
            }
            ExprKind::Cond(parts) => {
                let [then, cond, otherwise] = &**parts;
                t = self.expr(then, frame, depth);
                t = union(t, self.expr(cond, frame, depth));
                t = union(t, self.expr(otherwise, frame, depth));
            }
            ExprKind::Ext(ext) => match &**ext {
                ExtExpr::BinOp { left, right, .. } | ExtExpr::Compare { left, right, .. } => {
                    t = self.expr(left, frame, depth);
                    t = union(t, self.expr(right, frame, depth));
                }
                ExtExpr::Unary { operand, .. } => t = self.expr(operand, frame, depth),
                ExtExpr::Comp {
                    key,
                    value,
                    clauses,
                } => {
                    // The clauses first: their loop variables carry what they iterate.
                    let mut inner = frame.clone();
                    for c in clauses {
                        match c {
                            CompClause::For { target, iter } => {
                                let it = self.expr(iter, &mut inner, depth);
                                self.assign(target, &it, &mut inner, depth);
                                t = union(t, it);
                            }
                            CompClause::If(cond) => {
                                t = union(t, self.expr(cond, &mut inner, depth));
                            }
                        }
                    }
                    t = union(t, self.expr(key, &mut inner, depth));
                    if let Some(v) = value {
                        t = union(t, self.expr(v, &mut inner, depth));
                    }
                }
                ExtExpr::Slice {
                    object,
                    start,
                    end,
                    step,
                } => {
                    t = self.expr(object, frame, depth);
                    for x in [start, end, step].into_iter().flatten() {
                        t = union(t, self.expr(x, frame, depth));
                    }
                }
                ExtExpr::Lambda(def) => self.stmts(&def.body.stmts, &mut frame.clone(), depth),
            },
            // Leaves and calls are handled by `expr`.
            _ => {}
        }
        t
    }

    fn call(&mut self, call: &Call, frame: &mut Frame, depth: usize) -> Taint {
        // `environ.get("X", default)`: a read.
        if let ExprKind::Attr(attr) = &call.func.kind {
            let (obj, method) = &**attr;
            if method == "get" && self.is_environ(obj, frame) {
                let mut t = Taint::new();
                if let Some(key) = call.args.first() {
                    t = self.read(key, frame);
                }
                for a in call.args.iter() {
                    t = union(t, self.expr(a, frame, depth));
                }
                return t;
            }
        }
        let receiver = match &call.func.kind {
            ExprKind::Attr(a) => self.expr(&a.0, frame, depth),
            ExprKind::Name(_) => Taint::new(),
            _ => self.expr(&call.func, frame, depth),
        };
        let args: Vec<Taint> = call
            .args
            .iter()
            .map(|a| self.expr(a, frame, depth))
            .collect();
        let kwargs: Vec<Taint> = call
            .kwargs
            .iter()
            .map(|k| self.expr(&k.value, frame, depth))
            .collect();
        let mut star = Taint::new();
        if let Some(splat) = &call.splat {
            for e in [&splat.args, &splat.kwargs].into_iter().flatten() {
                star = union(star, self.expr(e, frame, depth));
            }
        }
        let all = || {
            args.iter()
                .chain(kwargs.iter())
                .fold(star.clone(), |acc, t| union(acc, t.clone()))
        };
        if let ExprKind::Attr(attr) = &call.func.kind {
            let (obj, method) = &**attr;
            if self.is_ctx(obj, frame) {
                let method = method.as_str();
                if method == "execute" {
                    // Which program ran, and with what, decides how; see the module doc.
                    return Taint::new();
                }
                if WRITES.contains(&method) {
                    let mut t = union(all(), frame.pc.clone());
                    if matches!(method, "download" | "download_and_extract") && hashed(call) {
                        // A hashed download is the same bytes from any URL or mirror.
                        t = frame.pc.clone();
                        for (k, kt) in call.kwargs.iter().zip(&kwargs) {
                            if !matches!(k.name.as_str(), "url" | "urls" | "auth" | "headers") {
                                t = union(t, kt.clone());
                            }
                        }
                        for (j, at) in args.iter().enumerate() {
                            if j > 0 {
                                t = union(t, at.clone());
                            }
                        }
                    }
                    self.write(
                        &t,
                        frame.file,
                        call.func.range,
                        &format!("repository_ctx.{method}"),
                    );
                }
                return all();
            }
            if MUTATIONS.contains(&method.as_str()) {
                if let Some(base) = base_name(obj) {
                    frame.add_taint(base, &all());
                }
            }
            return union(receiver, all());
        }
        let helper = self.helper(call, frame, &args, &kwargs, depth);
        union(union(receiver, all()), helper)
    }

    /// Follows a call to a function of the workspace that gets the repository context (or
    /// its environment): the helper's reads and writes are the rule's, and what it returns
    /// carries what it computed its result from.
    fn helper(
        &mut self,
        call: &Call,
        frame: &Frame,
        args: &[Taint],
        kwargs: &[Taint],
        depth: usize,
    ) -> Taint {
        let passes = |e: &Expr| self.is_ctx(e, frame) || self.is_environ(e, frame);
        let gets_ctx = call.args.iter().any(passes)
            || call.kwargs.iter().any(|k| passes(&k.value))
            || call
                .splat
                .as_ref()
                .is_some_and(|s| [&s.args, &s.kwargs].into_iter().flatten().any(passes));
        if !gets_ctx {
            return Taint::new();
        }
        let ExprKind::Name(name) = &call.func.kind else {
            self.opaque(call, frame, args, kwargs);
            return Taint::new();
        };
        if frame.ctx.contains(name.as_str()) || frame.environ.contains(name.as_str()) {
            return Taint::new();
        }
        let def = match self.env.global(frame.file, name, call.func.range).v {
            V::Func(f, i) => self
                .facts
                .get(f.0 as usize)
                .and_then(|ff| ff.functions.get(i))
                .map(|def| (f, i, def)),
            // A function in a file toolcheck cannot read may write anything it is given.
            V::Unknown(Unknown::InvisibleRepo(_) | Unknown::BrokenLoad) => None,
            // Builtins (`print`, `fail`, `hasattr`, ...) write nothing.
            _ => return Taint::new(),
        };
        let Some((f, i, def)) = def else {
            self.opaque(call, frame, args, kwargs);
            return Taint::new();
        };
        if depth >= MAX_DEPTH || call.has_splat() {
            self.opaque(call, frame, args, kwargs);
            return Taint::new();
        }
        let mut callee = Frame::new(f);
        callee.pc = frame.pc.clone();
        let bind_param = |param: &str, arg: &Expr, t: &Taint, callee: &mut Frame| {
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
            callee.add_taint(param, t);
        };
        for (j, arg) in call.args.iter().enumerate() {
            if let Some((param, _)) = def.params.get(j).filter(|_| j < def.positional_params) {
                bind_param(param, arg, &args[j], &mut callee);
            }
        }
        for (k, t) in call.kwargs.iter().zip(kwargs) {
            if def.params.iter().any(|(p, _)| p == k.name.as_str()) {
                bind_param(&k.name, &k.value, t, &mut callee);
            }
        }
        let mut key: Vec<(String, String)> = callee
            .strings
            .iter()
            .map(|(k, (v, _))| (k.clone(), v.clone()))
            .collect();
        key.extend(callee.ctx.iter().map(|c| (c.clone(), "<ctx>".to_string())));
        key.extend(
            callee
                .environ
                .iter()
                .map(|c| (c.clone(), "<environ>".to_string())),
        );
        key.extend(callee.taint.iter().map(|(k, t)| {
            let names: Vec<&str> = t.iter().map(String::as_str).collect();
            (k.clone(), format!("<taint>{}", names.join(",")))
        }));
        key.push((
            "<pc>".to_string(),
            callee.pc.iter().cloned().collect::<Vec<_>>().join(","),
        ));
        key.sort();
        let key = (f, i, key);
        if let Some(ret) = self.memo.get(&key) {
            return ret.clone();
        }
        // Marked before the walk, so that a helper reached again from inside itself stops.
        self.memo.insert(key.clone(), Taint::new());
        let caller_file = frame.file;
        let before = self.reads.len();
        let ret = self.function(def, callee, depth + 1);
        // Reads through a string the caller passed are reported at the caller's argument.
        for r in &mut self.reads[before..] {
            if r.file != caller_file && call_contains(call, r.range) {
                r.file = caller_file;
            }
        }
        self.memo.insert(key, ret.clone());
        ret
    }

    /// A call toolcheck cannot follow gets the repository context: whatever it is given may
    /// be written.
    fn opaque(&mut self, call: &Call, frame: &Frame, args: &[Taint], kwargs: &[Taint]) {
        let t = args
            .iter()
            .chain(kwargs)
            .fold(frame.pc.clone(), |acc, t| union(acc, t.clone()));
        if !t.is_empty() {
            self.write(
                &t,
                frame.file,
                call.func.range,
                "a function toolcheck cannot follow",
            );
        }
        // Its own reads are unknown too.
        self.complete = false;
    }
}

/// Whether a statement list ends by returning.
fn returns(stmts: &[Stmt]) -> bool {
    matches!(stmts.last().map(|s| &s.kind), Some(StmtKind::Return(_)))
}

/// The local an attribute or index expression starts from (`x` of `x.a[0]`).
fn base_name(e: &Expr) -> Option<&str> {
    match &e.kind {
        ExprKind::Name(n) => Some(n.as_str()),
        ExprKind::Attr(a) => base_name(&a.0),
        ExprKind::Index(ops) => base_name(&ops[0]),
        _ => None,
    }
}

/// A download pinned by `sha256` or `integrity`.
fn hashed(call: &Call) -> bool {
    call.kwargs.iter().any(|k| {
        matches!(k.name.as_str(), "sha256" | "integrity")
            && !matches!(&k.value.kind, ExprKind::Str(s) if s.is_empty())
    })
}

fn call_contains(call: &Call, range: TextRange) -> bool {
    call.args
        .iter()
        .chain(call.kwargs.iter().map(|k| &k.value))
        .any(|a| a.range == range)
}
