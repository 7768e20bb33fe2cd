//! The abstract domain: the flow analysis behind the optional-toolchain checks (`unguarded-optional-toolchain`,
//! `mandatory-helper-on-optional-toolchain`, `membership-is-not-a-guard`,
//! `undeclared-toolchain-access`).
//!
//! Every `rule()`/`aspect()` whose implementation resolves is a *context*. Starting from its
//! implementation function, the analysis follows `ctx` and the values of
//! `ctx.toolchains[T]` (and `ctx.exec_groups[g].toolchains[T]`) through locals, tuples,
//! structs, returns and calls of functions that resolve statically (through `load()`, struct
//! fields and dicts of functions), tracking for each value whether it may be `None`
//! path-sensitively: truthiness, `== None`/`!= None`, `not`, `and`/`or`, conditional
//! expressions, early `return`/`fail()`, `hasattr`/`getattr`, derived booleans and guards in
//! callers. Each function is summarised once per abstract input (its arguments and the guards
//! the caller established), so a helper is safe from one rule and unsafe from another.
//!
//! Joins are conservative: a value known to be non-`None` on one path and `None` on another
//! becomes *unknown* (its absence was tested; the correlation is beyond the analysis), and
//! unknown values never produce findings. Everything is bounded: call depth, a step budget
//! per context (past it the context's findings are dropped), one pass per loop.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use rustc_hash::FxHashMap;
use toolcheck_index::body::{Stmt, StmtKind, Target};
use toolcheck_index::expr::{Call, CompClause, Expr, ExprKind, ExtExpr};
use toolcheck_index::facts::FuncDef;
use toolcheck_index::index::WorkspaceIndex;
use toolcheck_index::index::{RuleDecl, TypeRequest};
use toolcheck_index::interp::bounds::{FLOW_STEP_BUDGET, MAX_CALL_DEPTH};
use toolcheck_index::interp::call::{bind, Args, BindValues, Params};
use toolcheck_index::interp::{truthiness, Env, Loc, Val, V};
use toolcheck_index::label::Label;
use toolcheck_index::workspace::FileId;
use toolcheck_index::workspace::Workspace;
use toolcheck_syntax::TextRange;

/// Whether a toolchain value may be `None` on the current path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(clippy::enum_variant_names)]
pub enum Null {
    /// Requested as optional and not tested on this path.
    Maybe,
    NonNull,
    IsNone,
    /// Tested on some paths and not others, or declared with a dynamic `mandatory`.
    Unknown,
}

fn join_null(a: Null, b: Null) -> Null {
    use Null::*;
    match (a, b) {
        (x, y) if x == y => x,
        (Unknown, _) | (_, Unknown) => Unknown,
        (NonNull, IsNone) | (IsNone, NonNull) => Unknown,
        _ => Maybe,
    }
}

/// A toolchain slot: the toolchain of one type in one exec group of one context.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SlotId(u32);

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SlotInfo {
    pub ctx: u32,
    pub group: Option<String>,
    pub ty: Label,
}

/// An abstract value.
#[derive(Clone, Debug, PartialEq)]
enum AV {
    Unknown,
    /// A statically known value (strings, labels, booleans, functions, structs of them).
    Const(Val),
    /// The `ctx` of context `n`.
    Ctx(u32),
    /// `ctx.rule` of an aspect.
    CtxRule,
    /// `ctx.actions`.
    Actions,
    /// `ctx.toolchains` (group `None`) or `ctx.exec_groups[g].toolchains`.
    Toolchains(u32, Option<String>),
    ExecGroups(u32),
    ExecGroup(u32, String),
    /// A value read from a toolchain slot.
    Tc(SlotId, Null),
    /// A value reached from a toolchain slot's `ToolchainInfo` (`ctx.toolchains[T].tool`,
    /// `...[DefaultInfo].files_to_run`): a tool of that toolchain. The flag says it is certainly
    /// not a string (a `files_to_run`, or its `executable`), which matters for `executable =`.
    TcPart(SlotId, bool),
    Tuple(Vec<AV>),
    Struct(Vec<(String, AV)>),
    /// A boolean whose truth implies facts (`ok = tc != None`).
    Guard(Rc<GuardFacts>),
    /// A `lambda` or nested `def`, with the abstract values it captured.
    Closure(Rc<AbsClosure>),
}

/// A closure of the abstract domain (the concrete one's is [`toolcheck_index::interp::Closure`]).
#[derive(PartialEq)]
struct AbsClosure {
    file: FileId,
    func: std::sync::Arc<FuncDef>,
    captured: Vec<(String, AV)>,
}

#[derive(Clone, Debug, PartialEq, Default)]
struct GuardFacts {
    on_true: Vec<(Place, Null)>,
    on_false: Vec<(Place, Null)>,
}

#[derive(Clone, Debug, PartialEq)]
enum Place {
    Var(String),
    Slot(SlotId),
}

fn join_av(a: AV, b: AV) -> AV {
    match (a, b) {
        (AV::Tc(s1, n1), AV::Tc(s2, n2)) if s1 == s2 => AV::Tc(s1, join_null(n1, n2)),
        (AV::Tc(s, n), AV::Const(Val { v: V::None, .. }))
        | (AV::Const(Val { v: V::None, .. }), AV::Tc(s, n)) => {
            AV::Tc(s, join_null(n, Null::IsNone))
        }
        (AV::Tuple(x), AV::Tuple(y)) if x.len() == y.len() => {
            AV::Tuple(x.into_iter().zip(y).map(|(a, b)| join_av(a, b)).collect())
        }
        (AV::Const(x), AV::Const(y)) => {
            if x.v == y.v {
                AV::Const(x)
            } else {
                AV::Unknown
            }
        }
        (x, y) if x == y => x,
        _ => AV::Unknown,
    }
}

#[derive(Clone, Debug, Default)]
struct State {
    dead: bool,
    vars: FxHashMap<String, AV>,
    /// Facts about `ctx.toolchains[T]` established on this path.
    slots: BTreeMap<SlotId, Null>,
    /// `T in ctx.toolchains` assumed true on this path (slot, where the test is written).
    members: Vec<(SlotId, Loc)>,
}

impl State {
    fn dead() -> State {
        State {
            dead: true,
            ..State::default()
        }
    }
}

/// What one analysed call gives back to its caller.
#[derive(Clone, Debug)]
struct Summary {
    ret: AV,
    /// The join of the states at every `return`; `None` when the function never returns.
    exit: Option<State>,
    /// Each parameter's nullness at every return (for "fails when None" helpers).
    param_exit: Vec<Option<Null>>,
    /// Slots whose absence makes this function (itself, not a callee) `fail()`.
    fails_on_none: BTreeSet<SlotId>,
}

/// Names the function by its definition's address (the facts own it for the whole
/// analysis), not by its body: memo keys print values, and a body can be large.
impl std::fmt::Debug for AbsClosure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Closure({}@{:p}, {:?})",
            self.func.name,
            std::sync::Arc::as_ptr(&self.func),
            self.captured
        )
    }
}

impl Summary {
    /// What a call toolcheck does not follow gives back: nothing known, no guards.
    fn unknown() -> Summary {
        Summary {
            ret: AV::Unknown,
            exit: Some(State::default()),
            param_exit: Vec::new(),
            fails_on_none: BTreeSet::new(),
        }
    }
}

/// A finding of the analysis, before checks turn it into diagnostics.
#[derive(Clone, Debug)]
pub struct Event {
    pub kind: EventKind,
    pub file: FileId,
    pub range: TextRange,
    pub slot: SlotId,
    /// The statement the site is in and whether a statement may be inserted before it.
    pub stmt: Option<(TextRange, bool)>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum EventKind {
    /// A dereference of a possibly-`None` value. `member`: an enclosing `T in ctx.toolchains`.
    Unguarded {
        member: Option<Loc>,
        /// The dereferenced expression can be re-evaluated (a name or an access path).
        pure: bool,
    },
    /// A call of a function that `fail()`s when the toolchain is absent.
    MandatoryHelper { callee: String },
    /// `ctx.toolchains[T]` for a type the context does not declare.
    Undeclared,
    /// A `ctx.actions.run`/`run_shell` given a tool of the toolchain of `slot` (as `executable`
    /// or an element of `tools`) without `toolchain =` or `exec_group =`. Recorded in every
    /// context that reaches it (whether automatic exec groups are on is the check's question).
    ActionWithoutToolchain {
        /// `executable` or `tools`.
        argument: &'static str,
        /// The action's callee (`ctx.actions.run`), for the related span.
        callee: TextRange,
    },
}

/// One reported site with every context that reaches it.
pub struct Finding {
    pub event: Event,
    /// Other contexts that reach the same site with the same problem.
    pub others: usize,
}

/// The result of the analysis over the workspace.
pub struct FlowAnalysis {
    pub findings: Vec<Finding>,
    slots: Vec<SlotInfo>,
    /// Every rule or aspect analysed (a context), in the index's order.
    pub contexts: Vec<RuleDecl>,
}

impl FlowAnalysis {
    pub fn slot(&self, s: SlotId) -> &SlotInfo {
        &self.slots[s.0 as usize]
    }
    /// The request a slot comes from.
    pub fn request(&self, s: SlotId) -> Option<&TypeRequest> {
        let info = self.slot(s);
        let rule = &self.contexts[info.ctx as usize];
        requests_of(rule, info.group.as_deref())?
            .iter()
            .find(|r| r.toolchain_type.label.as_ref().ok() == Some(&info.ty))
    }
}

fn requests_of<'r>(rule: &'r RuleDecl, group: Option<&str>) -> Option<&'r [TypeRequest]> {
    match group {
        None => rule.toolchains.as_deref(),
        Some(g) => rule
            .exec_groups
            .as_ref()?
            .iter()
            .find(|e| e.name == g)?
            .toolchains
            .as_deref(),
    }
}

struct Frame {
    file: FileId,
    returns: Vec<(AV, State)>,
    jumps: Vec<Vec<State>>,
    fails_on_none: BTreeSet<SlotId>,
    nested_fails: BTreeSet<SlotId>,
    stmt: Option<(TextRange, bool)>,
    /// Inside a branch on a feature check (`bazel_features.*`, `hasattr(module, ...)`): the
    /// branch may only run on other versions, so helper contracts are not reported there.
    feature_depth: u32,
}

struct Analyzer<'a> {
    facts: &'a [std::sync::Arc<toolcheck_index::facts::FileFacts>],
    index: &'a WorkspaceIndex,
    env: Env<'a>,
    contexts: Vec<&'a RuleDecl>,
    slots: Vec<SlotInfo>,
    slot_ids: FxHashMap<SlotInfo, SlotId>,
    memo: FxHashMap<String, Summary>,
    stack: Vec<(FileId, usize)>,
    events: Vec<(u32, Event)>,
    steps: u64,
    exhausted: bool,
    cur_ctx: u32,
}

/// Runs the analysis over every context of the workspace.
pub fn analyze(
    ws: &Workspace,
    facts: &[std::sync::Arc<toolcheck_index::facts::FileFacts>],
    index: &WorkspaceIndex,
) -> FlowAnalysis {
    let contexts: Vec<&RuleDecl> = index
        .rules
        .iter()
        .filter(|r| r.implementation.is_some())
        .collect();
    let mut a = Analyzer {
        facts,
        index,
        env: index.env(ws, facts),
        contexts,
        slots: Vec::new(),
        slot_ids: FxHashMap::default(),
        memo: FxHashMap::default(),
        stack: Vec::new(),
        events: Vec::new(),
        steps: 0,
        exhausted: false,
        cur_ctx: 0,
    };
    for ci in 0..a.contexts.len() {
        a.run_context(ci as u32);
    }
    // One finding per (kind, site): the first context in declaration order names it. An
    // action without `toolchain =` is kept per context: whether it fails depends on the
    // context's automatic exec groups, which the check decides.
    let mut by_site: BTreeMap<(u8, u32, FileId, u32, u32), Finding> = BTreeMap::new();
    for (_, e) in std::mem::take(&mut a.events) {
        let (k, ctx) = match e.kind {
            EventKind::Unguarded {
                member: Some(_), ..
            } => (0, 0),
            EventKind::Unguarded { .. } => (1, 0),
            EventKind::MandatoryHelper { .. } => (2, 0),
            EventKind::Undeclared => (3, 0),
            EventKind::ActionWithoutToolchain { .. } => (4, a.slots[e.slot.0 as usize].ctx),
        };
        let key = (k, ctx, e.file, e.range.start, e.range.end);
        match by_site.get_mut(&key) {
            Some(f) => {
                if a.slots[f.event.slot.0 as usize].ctx != a.slots[e.slot.0 as usize].ctx {
                    f.others += 1;
                }
            }
            None => {
                by_site.insert(
                    key,
                    Finding {
                        event: e,
                        others: 0,
                    },
                );
            }
        }
    }
    FlowAnalysis {
        findings: by_site.into_values().collect(),
        slots: a.slots,
        contexts: a.contexts.into_iter().cloned().collect(),
    }
}

/// Whether an expression only reads names, attributes and constant subscripts (so a guard
/// inserted before the statement can evaluate it again).
fn is_pure_path(e: &Expr) -> bool {
    let mut cur = e;
    for _ in 0..16 {
        match &cur.kind {
            ExprKind::Name(_) => return true,
            ExprKind::Attr(a) => cur = &a.0,
            ExprKind::Index(ops) => {
                let [o, i] = &**ops;
                if !matches!(
                    i.kind,
                    ExprKind::Str(_) | ExprKind::Name(_) | ExprKind::Int(_)
                ) && !is_pure_path(i)
                {
                    return false;
                }
                cur = o;
            }
            _ => return false,
        }
    }
    false
}

fn is_none_literal(e: &Expr) -> bool {
    matches!(e.kind, ExprKind::None) || matches!(&e.kind, ExprKind::Name(n) if n == "None")
}

impl<'a> Analyzer<'a> {
    fn run_context(&mut self, ci: u32) {
        let rule = self.contexts[ci as usize];
        let Some((file, idx)) = rule.implementation else {
            return;
        };
        self.cur_ctx = ci;
        self.steps = 0;
        self.exhausted = false;
        let mark = self.events.len();
        let f = &self.facts[file.0 as usize].functions[idx];
        let mut args = vec![AV::Unknown; f.params.len()];
        let ctx_param = if rule.is_aspect { 1 } else { 0 };
        if let Some(a) = args.get_mut(ctx_param) {
            *a = AV::Ctx(ci);
        }
        self.call_function(file, idx, args, Vec::new(), &State::default());
        if self.exhausted {
            self.events.truncate(mark);
            self.memo.clear();
        }
    }

    fn tick(&mut self) -> bool {
        self.steps += 1;
        if self.steps > FLOW_STEP_BUDGET {
            self.exhausted = true;
        }
        !self.exhausted
    }

    fn slot(&mut self, ctx: u32, group: Option<String>, ty: Label) -> SlotId {
        let info = SlotInfo { ctx, group, ty };
        if let Some(id) = self.slot_ids.get(&info) {
            return *id;
        }
        let id = SlotId(self.slots.len() as u32);
        self.slots.push(info.clone());
        self.slot_ids.insert(info, id);
        id
    }

    /// How the context declares a slot's type: `Some(mandatory)` when declared
    /// (`Some(None)` = dynamic `mandatory`), `None` when not declared, and `Err` when the
    /// declarations are unknown.
    fn declared(&self, s: SlotId) -> Result<Option<Option<bool>>, ()> {
        let info = &self.slots[s.0 as usize];
        let rule = self.contexts[info.ctx as usize];
        let reqs = requests_of(rule, info.group.as_deref()).ok_or(())?;
        let want = self.index.resolve_alias(&info.ty).unwrap_or(info.ty);
        for r in reqs {
            let Ok(l) = &r.toolchain_type.label else {
                return Err(());
            };
            let l = self.index.resolve_alias(l).unwrap_or(*l);
            if l == want {
                return Ok(Some(r.mandatory));
            }
        }
        Ok(None)
    }

    fn initial_null(&self, s: SlotId) -> Null {
        match self.declared(s) {
            Ok(Some(Some(true))) => Null::NonNull,
            Ok(Some(Some(false))) => Null::Maybe,
            _ => Null::Unknown,
        }
    }

    fn slot_null(&self, s: SlotId, st: &State) -> Null {
        st.slots
            .get(&s)
            .copied()
            .unwrap_or_else(|| self.initial_null(s))
    }

    /// The nullness of a value read now: the value's own and its slot's facts combined.
    fn effective(&self, v: &AV, st: &State) -> AV {
        match v {
            AV::Tc(s, n) => {
                let sn = self.slot_null(*s, st);
                let n = match (*n, sn) {
                    (Null::NonNull, _) | (_, Null::NonNull) => Null::NonNull,
                    (Null::IsNone, _) | (_, Null::IsNone) => Null::IsNone,
                    (Null::Unknown, _) | (_, Null::Unknown) => Null::Unknown,
                    _ => Null::Maybe,
                };
                AV::Tc(*s, n)
            }
            other => other.clone(),
        }
    }

    fn join_state(&self, a: State, b: State) -> State {
        if a.dead {
            return b;
        }
        if b.dead {
            return a;
        }
        let mut vars = FxHashMap::default();
        for (k, va) in a.vars {
            let v = match b.vars.get(&k) {
                Some(vb) => join_av(va, vb.clone()),
                None => AV::Unknown,
            };
            vars.insert(k, v);
        }
        for k in b.vars.keys() {
            vars.entry(k.clone()).or_insert(AV::Unknown);
        }
        let mut slots = BTreeMap::new();
        let keys: BTreeSet<SlotId> = a.slots.keys().chain(b.slots.keys()).copied().collect();
        for k in keys {
            let na = a
                .slots
                .get(&k)
                .copied()
                .unwrap_or_else(|| self.initial_null(k));
            let nb = b
                .slots
                .get(&k)
                .copied()
                .unwrap_or_else(|| self.initial_null(k));
            slots.insert(k, join_null(na, nb));
        }
        let members = a
            .members
            .into_iter()
            .filter(|m| b.members.iter().any(|n| n.0 == m.0))
            .collect();
        State {
            dead: false,
            vars,
            slots,
            members,
        }
    }

    fn join_all(&self, states: Vec<State>) -> State {
        let mut acc = State::dead();
        for s in states {
            acc = self.join_state(acc, s);
        }
        acc
    }

    fn record(&mut self, fr: &Frame, kind: EventKind, range: TextRange, slot: SlotId) {
        if self.exhausted {
            return;
        }
        self.events.push((
            self.cur_ctx,
            Event {
                kind,
                file: fr.file,
                range,
                slot,
                stmt: fr.stmt,
            },
        ));
    }

    // ----- places and refinement -----

    /// The place an expression reads (a local holding a toolchain value, or a slot).
    fn place(&self, fr: &Frame, e: &Expr, st: &State) -> Option<(Place, SlotId)> {
        match &e.kind {
            ExprKind::Name(n) => match st.vars.get(n.as_str()) {
                Some(AV::Tc(s, _)) => Some((Place::Var(n.to_string()), *s)),
                _ => None,
            },
            ExprKind::Index(ops) => {
                let [obj, key] = &**ops;
                let s = self.slot_of_access(fr, obj, key, st)?;
                Some((Place::Slot(s), s))
            }
            _ => None,
        }
    }

    /// The slot `obj[key]` reads when `obj` is a toolchain context (without side effects).
    fn slot_of_access(&self, fr: &Frame, obj: &Expr, key: &Expr, st: &State) -> Option<SlotId> {
        let AV::Toolchains(c, g) = self.pure(fr, obj, st, 0) else {
            return None;
        };
        let ty = self.key_label(fr, key, st, c)?;
        let info = SlotInfo {
            ctx: c,
            group: g,
            ty,
        };
        self.slot_ids.get(&info).copied()
    }

    /// Evaluates an expression without side effects (names, attributes of `ctx`, constants).
    fn pure(&self, fr: &Frame, e: &Expr, st: &State, depth: u32) -> AV {
        if depth > 16 {
            return AV::Unknown;
        }
        match &e.kind {
            ExprKind::Name(n) => match st.vars.get(n.as_str()) {
                Some(v) => self.effective(v, st),
                None => self.global(fr.file, e),
            },
            ExprKind::Str(_) | ExprKind::Int(_) | ExprKind::Bool(_) | ExprKind::None => {
                self.global(fr.file, e)
            }
            ExprKind::Attr(attr) => {
                let (o, a) = &**attr;
                let o = self.pure(fr, o, st, depth + 1);
                attr_of(o, a)
            }
            ExprKind::Index(ops) => match self.pure(fr, &ops[0], st, depth + 1) {
                AV::ExecGroups(c) => match self.pure(fr, &ops[1], st, depth + 1) {
                    AV::Const(Val { v: V::Str(g), .. }) => AV::ExecGroup(c, g),
                    _ => AV::Unknown,
                },
                AV::Toolchains(c, g) => {
                    let Some(ty) = self.key_label(fr, &ops[1], st, c) else {
                        return AV::Unknown;
                    };
                    let info = SlotInfo {
                        ctx: c,
                        group: g,
                        ty,
                    };
                    match self.slot_ids.get(&info) {
                        Some(s) => self.effective(&AV::Tc(*s, Null::Maybe), st),
                        None => AV::Unknown,
                    }
                }
                other => index_of(other, self.pure(fr, &ops[1], st, depth + 1)),
            },
            ExprKind::Eq { eq, operands } => {
                let [left, right] = &**operands;
                match (
                    self.pure(fr, left, st, depth + 1),
                    self.pure(fr, right, st, depth + 1),
                ) {
                    (AV::Const(a), AV::Const(b)) if !a.is_unknown() && !b.is_unknown() => {
                        AV::Const(Val {
                            v: V::Bool((a.v == b.v) == *eq),
                            loc: a.loc,
                        })
                    }
                    _ => AV::Unknown,
                }
            }
            _ => AV::Unknown,
        }
    }

    /// A name or literal that is not local: its module-level value.
    fn global(&self, file: FileId, e: &Expr) -> AV {
        let v = self.env.eval_with(file, e, &[]);
        if v.is_unknown() {
            AV::Unknown
        } else {
            AV::Const(v)
        }
    }

    /// Local values as the evaluator sees them (non-constant locals shadow globals).
    fn locals(&self, st: &State) -> Vec<(String, Val)> {
        let loc = Loc {
            file: FileId(0),
            range: TextRange::default(),
        };
        st.vars
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    match v {
                        AV::Const(c) => c.clone(),
                        _ => Val::unknown(loc),
                    },
                )
            })
            .collect()
    }

    /// The toolchain type a key expression names, resolved like Bazel does (strings in the
    /// context of the file that defines the rule).
    fn key_label(&self, fr: &Frame, key: &Expr, st: &State, ctx: u32) -> Option<Label> {
        let v = match &key.kind {
            ExprKind::Str(_) => self.env.eval_with(fr.file, key, &[]),
            _ => self.env.eval_with(fr.file, key, &self.locals(st)),
        };
        match v.v {
            V::Label(l) => Some(l),
            V::Str(s) => {
                let rule = self.contexts[ctx as usize];
                self.env.label_context(rule.file).resolve(&s).ok()
            }
            V::ToolchainReq { toolchain_type, .. } => match toolchain_type.v {
                V::Label(l) => Some(l),
                _ => None,
            },
            _ => None,
        }
    }

    fn set_place(&self, p: &Place, slot: SlotId, n: Null, st: &mut State) {
        if let Place::Var(name) = p {
            if let Some(AV::Tc(_, cur)) = st.vars.get_mut(name) {
                *cur = n;
            }
        }
        st.slots.insert(slot, n);
    }

    /// Refines `st` assuming `cond` evaluates to `truth`. A contradiction kills the path.
    fn assume(&mut self, fr: &Frame, cond: &Expr, truth: bool, st: State, depth: u32) -> State {
        if st.dead || depth > 24 {
            return st;
        }
        match &cond.kind {
            ExprKind::Not(e) => return self.assume(fr, e, !truth, st, depth + 1),
            ExprKind::BoolOp { and, operands } => {
                let [left, right] = &**operands;
                if *and == truth {
                    let s = self.assume(fr, left, truth, st, depth + 1);
                    return self.assume(fr, right, truth, s, depth + 1);
                }
                let a = self.assume(fr, left, truth, st.clone(), depth + 1);
                let b = self.assume(fr, left, !truth, st, depth + 1);
                let b = self.assume(fr, right, truth, b, depth + 1);
                return self.join_state(a, b);
            }
            _ => {}
        }
        // A constant condition decides the path.
        if let AV::Const(v) = self.pure(fr, cond, &st, 0) {
            if let Some(t) = truthiness(&v.v) {
                return if t == truth { st } else { State::dead() };
            }
        }
        let mut st = st;
        match &cond.kind {
            ExprKind::Eq { eq, operands } => {
                let [left, right] = &**operands;
                let other = if is_none_literal(right) {
                    left
                } else if is_none_literal(left) {
                    right
                } else {
                    return st;
                };
                let is_none = *eq == truth;
                self.refine(
                    fr,
                    other,
                    if is_none { Null::IsNone } else { Null::NonNull },
                    st,
                )
            }
            ExprKind::In(ops) => {
                let [key, container] = &**ops;
                if let AV::Toolchains(c, g) = self.pure(fr, container, &st, 0) {
                    if let Some(ty) = self.key_label(fr, key, &st, c) {
                        let s = self.slot_of(c, g, ty);
                        match self.declared(s) {
                            Ok(Some(_)) if !truth => return State::dead(),
                            Ok(None) if truth => return State::dead(),
                            _ => {}
                        }
                        if truth {
                            st.members.push((
                                s,
                                Loc {
                                    file: fr.file,
                                    range: cond.range,
                                },
                            ));
                        }
                    }
                }
                st
            }
            ExprKind::Call(call) => {
                let name = call.func.dotted_name();
                match name.as_deref() {
                    Some("hasattr") | Some("getattr") if truth => match call.args.first() {
                        Some(obj) => self.refine(fr, obj, Null::NonNull, st),
                        None => st,
                    },
                    _ => st,
                }
            }
            ExprKind::Name(n) => match st.vars.get(n.as_str()).cloned() {
                Some(AV::Guard(g)) => {
                    let facts = if truth { &g.on_true } else { &g.on_false };
                    for (p, n) in facts {
                        match p {
                            Place::Var(v) => {
                                if let Some(AV::Tc(s, _)) = st.vars.get(v).cloned() {
                                    st = self.refine_slot(Place::Var(v.clone()), s, *n, st);
                                }
                            }
                            Place::Slot(s) => st = self.refine_slot(Place::Slot(*s), *s, *n, st),
                        }
                        if st.dead {
                            break;
                        }
                    }
                    st
                }
                _ => self.refine(
                    fr,
                    cond,
                    if truth { Null::NonNull } else { Null::IsNone },
                    st,
                ),
            },
            ExprKind::Index(..) | ExprKind::Attr(..) => {
                // A toolchain value is a struct: always truthy when present.
                self.refine(
                    fr,
                    cond,
                    if truth { Null::NonNull } else { Null::IsNone },
                    st,
                )
            }
            _ => st,
        }
    }

    fn slot_of(&mut self, c: u32, g: Option<String>, ty: Label) -> SlotId {
        self.slot(c, g, ty)
    }

    fn refine(&mut self, fr: &Frame, e: &Expr, n: Null, st: State) -> State {
        // `getattr(tc, "f", None) != None` / truthy implies `tc` is present.
        if let ExprKind::Call(call) = &e.kind {
            if n == Null::NonNull && matches!(call.func.dotted_name().as_deref(), Some("getattr")) {
                if let Some(obj) = call.args.first() {
                    return self.refine(fr, obj, n, st);
                }
            }
            return st;
        }
        // Intern the slot of a direct access so that facts attach to it.
        if let ExprKind::Index(ops) = &e.kind {
            let [obj, key] = &**ops;
            if let AV::Toolchains(c, g) = self.pure(fr, obj, &st, 0) {
                if let Some(ty) = self.key_label(fr, key, &st, c) {
                    self.slot_of(c, g, ty);
                }
            }
        }
        match self.place(fr, e, &st) {
            Some((p, s)) => self.refine_slot(p, s, n, st),
            None => st,
        }
    }

    fn refine_slot(&self, p: Place, s: SlotId, n: Null, mut st: State) -> State {
        let cur = match &p {
            Place::Var(v) => match st.vars.get(v) {
                Some(av) => match self.effective(av, &st) {
                    AV::Tc(_, n) => n,
                    _ => Null::Unknown,
                },
                None => Null::Unknown,
            },
            Place::Slot(s) => self.slot_null(*s, &st),
        };
        if (cur == Null::NonNull && n == Null::IsNone)
            || (cur == Null::IsNone && n == Null::NonNull)
        {
            return State::dead();
        }
        self.set_place(&p, s, n, &mut st);
        st
    }

    /// The facts a boolean expression gives when true and when false.
    fn guard_of(&mut self, fr: &Frame, e: &Expr, st: &State) -> Option<GuardFacts> {
        if !matches!(
            e.kind,
            ExprKind::Eq { .. } | ExprKind::Not(_) | ExprKind::BoolOp { .. } | ExprKind::Call(_)
        ) {
            return None;
        }
        let diff = |this: &Self, after: &State| -> Vec<(Place, Null)> {
            let mut out = Vec::new();
            if after.dead {
                return out;
            }
            for (k, n) in &after.slots {
                if this.slot_null(*k, st) != *n {
                    out.push((Place::Slot(*k), *n));
                }
            }
            for (name, v) in &after.vars {
                if let (AV::Tc(_, n), Some(AV::Tc(_, before))) = (v, st.vars.get(name)) {
                    if n != before {
                        out.push((Place::Var(name.clone()), *n));
                    }
                }
            }
            out
        };
        let t = self.assume(fr, e, true, st.clone(), 0);
        let f = self.assume(fr, e, false, st.clone(), 0);
        let g = GuardFacts {
            on_true: diff(self, &t),
            on_false: diff(self, &f),
        };
        (!g.on_true.is_empty() || !g.on_false.is_empty()).then_some(g)
    }

    // ----- dereferences -----

    fn deref(&mut self, fr: &Frame, obj: &Expr, v: &AV, st: &mut State) {
        let AV::Tc(s, n) = self.effective(v, st) else {
            return;
        };
        let certain_none = n == Null::IsNone && self.initial_null(s) == Null::Maybe;
        if n != Null::Maybe && !certain_none {
            return;
        }
        let member = st.members.iter().find(|m| m.0 == s).map(|m| m.1);
        self.record(
            fr,
            EventKind::Unguarded {
                member,
                pure: is_pure_path(obj),
            },
            obj.range,
            s,
        );
        // Past the dereference the value is present (or the build already failed).
        let taken = std::mem::take(st);
        *st = match self.place(fr, obj, &taken) {
            Some((p, s)) => {
                let mut t = taken;
                self.set_place(&p, s, Null::NonNull, &mut t);
                t
            }
            None => taken,
        };
    }

    // ----- expressions -----

    fn eval(&mut self, fr: &mut Frame, e: &Expr, st: &mut State) -> AV {
        if st.dead || !self.tick() {
            return AV::Unknown;
        }
        match &e.kind {
            ExprKind::Str(_)
            | ExprKind::Int(_)
            | ExprKind::Bool(_)
            | ExprKind::None
            | ExprKind::Unknown => {
                if matches!(e.kind, ExprKind::Unknown) {
                    AV::Unknown
                } else {
                    self.global(fr.file, e)
                }
            }
            ExprKind::Name(n) => match st.vars.get(n.as_str()) {
                Some(v) => self.effective(v, st),
                None => self.global(fr.file, e),
            },
            ExprKind::List(items) | ExprKind::Tuple(items) => {
                let vals: Vec<AV> = items.iter().map(|i| self.eval(fr, i, st)).collect();
                if matches!(e.kind, ExprKind::Tuple(_)) {
                    AV::Tuple(vals)
                } else if vals.iter().all(|v| matches!(v, AV::Const(_))) {
                    AV::Const(Val {
                        v: V::List(
                            vals.into_iter()
                                .map(|v| match v {
                                    AV::Const(c) => c,
                                    _ => unreachable!(),
                                })
                                .collect(),
                        ),
                        loc: Loc {
                            file: fr.file,
                            range: e.range,
                        },
                    })
                } else {
                    AV::Unknown
                }
            }
            ExprKind::Dict(pairs) => {
                for (k, v) in pairs {
                    self.eval(fr, k, st);
                    self.eval(fr, v, st);
                }
                let v = self.env.eval_with(fr.file, e, &self.locals(st));
                if v.is_unknown() {
                    AV::Unknown
                } else {
                    AV::Const(v)
                }
            }
            ExprKind::Attr(attr) => {
                let (obj, a) = &**attr;
                let o = self.eval(fr, obj, st);
                match o {
                    AV::Tc(s, _) => {
                        self.deref(fr, obj, &o, st);
                        AV::TcPart(s, a.as_str() == "files_to_run")
                    }
                    // `files_to_run.executable` is a File; any other field's type is unknown.
                    AV::TcPart(s, runs) => AV::TcPart(
                        s,
                        a.as_str() == "files_to_run" || (runs && a.as_str() == "executable"),
                    ),
                    o => attr_of(o, a),
                }
            }
            ExprKind::Index(ops) => {
                let [obj, key] = &**ops;
                let o = self.eval(fr, obj, st);
                let k = self.eval(fr, key, st);
                match o {
                    AV::Tc(s, _) => {
                        self.deref(fr, obj, &o, st);
                        AV::TcPart(s, false)
                    }
                    AV::TcPart(s, _) => AV::TcPart(s, false),
                    AV::Toolchains(c, g) => self.access(fr, e, c, g, key, st),
                    AV::ExecGroups(c) => match k {
                        AV::Const(Val { v: V::Str(g), .. }) => AV::ExecGroup(c, g),
                        _ => AV::Unknown,
                    },
                    other => index_of(other, k),
                }
            }
            ExprKind::Add(ops) => {
                let [l, r] = &**ops;
                let a = self.eval(fr, l, st);
                if matches!(a, AV::Tc(..)) {
                    self.deref(fr, l, &a, st);
                }
                let b = self.eval(fr, r, st);
                if matches!(b, AV::Tc(..)) {
                    self.deref(fr, r, &b, st);
                }
                match (&a, &b) {
                    (AV::Const(_), AV::Const(_)) => {
                        let v = self.env.eval_with(fr.file, e, &self.locals(st));
                        if v.is_unknown() {
                            AV::Unknown
                        } else {
                            AV::Const(v)
                        }
                    }
                    _ => AV::Unknown,
                }
            }
            ExprKind::Cond(parts) => {
                let [then, cond, otherwise] = &**parts;
                let c = self.eval(fr, cond, st);
                if let AV::Const(v) = &c {
                    match truthiness(&v.v) {
                        Some(true) => return self.eval(fr, then, st),
                        Some(false) => return self.eval(fr, otherwise, st),
                        None => {}
                    }
                }
                let base = std::mem::take(st);
                let mut s1 = self.assume(fr, cond, true, base.clone(), 0);
                let a = self.eval(fr, then, &mut s1);
                let mut s2 = self.assume(fr, cond, false, base, 0);
                let b = self.eval(fr, otherwise, &mut s2);
                let out = match (s1.dead, s2.dead) {
                    (true, true) => AV::Unknown,
                    (true, false) => b,
                    (false, true) => a,
                    (false, false) => join_av(a, b),
                };
                *st = self.join_state(s1, s2);
                out
            }
            ExprKind::Not(x) => {
                let v = self.eval(fr, x, st);
                match v {
                    AV::Const(c) => match truthiness(&c.v) {
                        Some(b) => AV::Const(Val {
                            v: V::Bool(!b),
                            loc: c.loc,
                        }),
                        None => AV::Unknown,
                    },
                    _ => AV::Unknown,
                }
            }
            ExprKind::BoolOp { and, operands } => {
                let [left, right] = &**operands;
                let l = self.eval(fr, left, st);
                if let AV::Const(v) = &l {
                    match (truthiness(&v.v), *and) {
                        (Some(true), true) | (Some(false), false) => {
                            return self.eval(fr, right, st)
                        }
                        (Some(_), _) => return l,
                        _ => {}
                    }
                }
                let base = std::mem::take(st);
                let mut s_right = self.assume(fr, left, *and, base.clone(), 0);
                let r = self.eval(fr, right, &mut s_right);
                let s_skip = self.assume(fr, left, !*and, base, 0);
                let out = match (&l, &r) {
                    (_, AV::Tc(s, n)) if *and => AV::Tc(*s, join_null(*n, Null::IsNone)),
                    (AV::Tc(s, _), _) if !*and => join_av(AV::Tc(*s, Null::NonNull), r.clone()),
                    _ => AV::Unknown,
                };
                *st = self.join_state(s_right, s_skip);
                out
            }
            ExprKind::Eq { eq, operands } => {
                let [left, right] = &**operands;
                let a = self.eval(fr, left, st);
                let b = self.eval(fr, right, st);
                match (a, b) {
                    (AV::Const(x), AV::Const(y)) if !x.is_unknown() && !y.is_unknown() => {
                        AV::Const(Val {
                            v: V::Bool((x.v == y.v) == *eq),
                            loc: x.loc,
                        })
                    }
                    _ => AV::Unknown,
                }
            }
            ExprKind::In(ops) => {
                let [key, container] = &**ops;
                self.eval(fr, key, st);
                let c = self.eval(fr, container, st);
                match c {
                    AV::Tc(..) => {
                        self.deref(fr, container, &c, st);
                        AV::Unknown
                    }
                    AV::Toolchains(ctx, g) => match self.key_label(fr, key, st, ctx) {
                        Some(ty) => {
                            let s = self.slot_of(ctx, g, ty);
                            match self.declared(s) {
                                Ok(Some(_)) => AV::Const(Val {
                                    v: V::Bool(true),
                                    loc: Loc {
                                        file: fr.file,
                                        range: e.range,
                                    },
                                }),
                                Ok(None) => AV::Const(Val {
                                    v: V::Bool(false),
                                    loc: Loc {
                                        file: fr.file,
                                        range: e.range,
                                    },
                                }),
                                Err(()) => AV::Unknown,
                            }
                        }
                        None => AV::Unknown,
                    },
                    _ => AV::Unknown,
                }
            }
            ExprKind::Call(call) => self.eval_call(fr, e, call, st),
            ExprKind::Ext(x) => self.eval_ext(fr, x, st),
        }
    }

    /// Operators, comparisons, comprehensions, slices and lambdas.
    fn eval_ext(&mut self, fr: &mut Frame, x: &ExtExpr, st: &mut State) -> AV {
        match x {
            ExtExpr::BinOp { op, left, right } => {
                let a = self.eval(fr, left, st);
                self.deref(fr, left, &a, st);
                let b = self.eval(fr, right, st);
                // `"%s" % None` formats; every other operator fails on None.
                if op != "%" {
                    self.deref(fr, right, &b, st);
                }
            }
            ExtExpr::Unary { operand, .. } => {
                let a = self.eval(fr, operand, st);
                self.deref(fr, operand, &a, st);
            }
            ExtExpr::Compare { op, left, right } => {
                let a = self.eval(fr, left, st);
                let b = self.eval(fr, right, st);
                if op == "not in" {
                    self.deref(fr, right, &b, st);
                } else {
                    self.deref(fr, left, &a, st);
                    self.deref(fr, right, &b, st);
                }
            }
            ExtExpr::Comp {
                key,
                value,
                clauses,
            } => {
                // The comprehension's own scope: its variables do not leak, and what it
                // learns (a dereference, a filter) holds only inside.
                let mut inner = st.clone();
                for c in clauses {
                    match c {
                        CompClause::For { target, iter } => {
                            let it = self.eval(fr, iter, &mut inner);
                            self.deref(fr, iter, &it, &mut inner);
                            self.bind(fr, target, AV::Unknown, &mut inner);
                        }
                        CompClause::If(cond) => {
                            self.eval(fr, cond, &mut inner);
                            inner = self.assume(fr, cond, true, inner, 0);
                        }
                    }
                }
                self.eval(fr, key, &mut inner);
                if let Some(v) = value {
                    self.eval(fr, v, &mut inner);
                }
            }
            ExtExpr::Slice {
                object,
                start,
                end,
                step,
            } => {
                let o = self.eval(fr, object, st);
                self.deref(fr, object, &o, st);
                for e in [start, end, step].into_iter().flatten() {
                    self.eval(fr, e, st);
                }
            }
            ExtExpr::Lambda(f) => return self.closure(fr.file, f, st),
        }
        AV::Unknown
    }

    /// A closure over `func` capturing the path's current values (names the enclosing
    /// function assigns more than once are unknown to it, as in the concrete domain).
    fn closure(&self, file: FileId, func: &std::sync::Arc<FuncDef>, st: &State) -> AV {
        let captured = st
            .vars
            .iter()
            .map(|(n, v)| (n.clone(), self.effective(v, st)))
            .collect();
        AV::Closure(Rc::new(AbsClosure {
            file,
            func: func.clone(),
            captured,
        }))
    }

    /// `ctx.toolchains[key]`: a slot read (or an undeclared access).
    fn access(
        &mut self,
        fr: &Frame,
        e: &Expr,
        c: u32,
        g: Option<String>,
        key: &Expr,
        st: &mut State,
    ) -> AV {
        let Some(ty) = self.key_label(fr, key, st, c) else {
            return AV::Unknown;
        };
        let s = self.slot_of(c, g, ty);
        match self.declared(s) {
            Ok(None) => {
                self.record(fr, EventKind::Undeclared, e.range, s);
                // Bazel fails the analysis here.
                st.dead = true;
                AV::Unknown
            }
            Ok(Some(_)) => self.effective(&AV::Tc(s, Null::Maybe), st),
            Err(()) => AV::Unknown,
        }
    }

    fn is_builtin(&self, file: FileId, name: &str) -> bool {
        let f = &self.facts[file.0 as usize];
        !f.bindings.iter().any(|b| b.name == name)
            && !f.functions.iter().any(|d| d.name == name)
            && !f
                .loads
                .iter()
                .any(|l| l.symbols.iter().any(|s| s.local() == name))
    }

    /// A function loaded from a repository toolcheck cannot read whose contract it knows.
    fn well_known(&self, file: FileId, callee: &Expr) -> Option<&'static str> {
        let ExprKind::Name(n) = &callee.kind else {
            return None;
        };
        let f = &self.facts[file.0 as usize];
        for l in &f.loads {
            for s in &l.symbols {
                let exported = s.exported();
                if s.local() == n {
                    let cc = l.module.starts_with("@rules_cc//cc")
                        || l.module.starts_with("@bazel_tools//tools/cpp");
                    let invisible = self.env.resolve_load(file, &l.module).is_err();
                    return match exported {
                        "find_cc_toolchain" | "find_cpp_toolchain" if cc && invisible => {
                            Some("find_cc_toolchain")
                        }
                        _ => None,
                    };
                }
            }
        }
        None
    }

    fn eval_call(&mut self, fr: &mut Frame, e: &Expr, call: &Call, st: &mut State) -> AV {
        // Callee first (Bazel evaluates it before the arguments).
        let callee_name = call.func.dotted_name();
        let local_callee = match &call.func.kind {
            ExprKind::Name(n) => st.vars.contains_key(n.as_str()),
            _ => false,
        };
        let builtin = |this: &Self, n: &str| {
            !local_callee && callee_name.as_deref() == Some(n) && this.is_builtin(fr.file, n)
        };
        if builtin(self, "fail") {
            for a in &call.args {
                self.eval(fr, a, st);
            }
            // A `fail()` reached while a slot is known absent: this function fails on None.
            let absent: Vec<SlotId> = st
                .slots
                .iter()
                .filter(|(_, n)| **n == Null::IsNone)
                .map(|(s, _)| *s)
                .collect();
            fr.fails_on_none.extend(absent);
            st.dead = true;
            return AV::Unknown;
        }
        if builtin(self, "getattr") || builtin(self, "hasattr") {
            let obj = call.args.first().map(|a| (a, self.eval(fr, a, st)));
            for a in call.args.iter().skip(1) {
                self.eval(fr, a, st);
            }
            if let Some((a, v)) = obj {
                // `getattr(None, "f")` without a default fails.
                if callee_name.as_deref() == Some("getattr") && call.args.len() == 2 {
                    self.deref(fr, a, &v, st);
                }
            }
            return AV::Unknown;
        }
        if builtin(self, "len") {
            if let Some(a) = call.args.first() {
                let v = self.eval(fr, a, st);
                self.deref(fr, a, &v, st);
            }
            return AV::Unknown;
        }
        if builtin(self, "struct") && !call.has_splat() {
            for a in &call.args {
                self.eval(fr, a, st);
            }
            let mut fields = Vec::new();
            for k in &call.kwargs {
                let v = self.eval(fr, &k.value, st);
                fields.push((k.name.to_string(), v));
            }
            return AV::Struct(fields);
        }
        // `"a/b".rsplit("/")`: a method of a value this domain knows concretely.
        let mut method_of: Option<(Val, &str)> = None;
        let callee = match &call.func.kind {
            ExprKind::Attr(attr) => {
                let (obj, _) = &**attr;
                let o = self.eval(fr, obj, st);
                if let (AV::Const(c), ExprKind::Attr(a)) = (&o, &call.func.kind) {
                    if matches!(c.v, V::Str(_) | V::List(_) | V::Dict(_)) {
                        method_of = Some((c.clone(), a.1.as_str()));
                    }
                }
                if matches!(o, AV::Tc(..)) {
                    self.deref(fr, obj, &o, st);
                    AV::Unknown
                } else if let (AV::Actions, ExprKind::Attr(a)) = (&o, &call.func.kind) {
                    let m = &a.1;
                    if m == "run" || m == "run_shell" {
                        // Bazel (`StarlarkActionFactory.run`/`registerStarlarkAction`) asks for
                        // `toolchain` when automatic exec groups are on, `exec_group` is unset
                        // or None, and the executable (`run` only; a File without executable
                        // runfiles or a FilesToRunProvider not from the rule's own deps) or an
                        // element of `tools` (a File, FilesToRunProvider or depset) is not the
                        // rule's own. A string executable is never checked.
                        let kw = |n: &str| call.kwargs.iter().find(|k| k.name.as_str() == n);
                        let unset = !call.has_splat()
                            && kw("toolchain").is_none()
                            && kw("exec_group")
                                .is_none_or(|k| matches!(k.value.kind, ExprKind::None));
                        let mut tools: Vec<(SlotId, &'static str, TextRange)> = Vec::new();
                        for k in &call.kwargs {
                            let v = match (&k.value.kind, k.name.as_str()) {
                                (ExprKind::List(items), "tools") => {
                                    for item in items.iter() {
                                        let v = self.eval(fr, item, st);
                                        if let AV::TcPart(s, _) = v {
                                            tools.push((s, "tools", item.range));
                                        }
                                    }
                                    AV::Unknown
                                }
                                _ => self.eval(fr, &k.value, st),
                            };
                            if matches!(k.name.as_str(), "executable" | "inputs" | "tools")
                                && matches!(v, AV::Tc(..))
                            {
                                self.deref(fr, &k.value, &v, st);
                            }
                            if let (AV::TcPart(s, true), "executable", "run") =
                                (&v, k.name.as_str(), m.as_str())
                            {
                                tools.push((*s, "executable", k.value.range));
                            }
                        }
                        for a in &call.args {
                            self.eval(fr, a, st);
                        }
                        if unset && !st.dead {
                            for (slot, argument, range) in tools {
                                self.record(
                                    fr,
                                    EventKind::ActionWithoutToolchain {
                                        argument,
                                        callee: call.func.range,
                                    },
                                    range,
                                    slot,
                                );
                            }
                        }
                        return AV::Unknown;
                    }
                    AV::Unknown
                } else if let ExprKind::Attr(attr) = &call.func.kind {
                    let (_, m) = &**attr;
                    attr_of(o, m)
                } else {
                    AV::Unknown
                }
            }
            _ => self.eval(fr, &call.func, st),
        };
        if matches!(callee, AV::Tc(..)) {
            self.deref(fr, &call.func, &callee, st);
        }
        let args: Vec<AV> = call.args.iter().map(|a| self.eval(fr, a, st)).collect();
        let kwargs: Vec<(String, AV)> = call
            .kwargs
            .iter()
            .map(|k| (k.name.to_string(), self.eval(fr, &k.value, st)))
            .collect();
        if st.dead {
            return AV::Unknown;
        }
        let known_args = || -> Option<Args<Val>> {
            if call.has_splat() {
                return None;
            }
            let pos = args
                .iter()
                .map(|a| match a {
                    AV::Const(v) if !v.is_unknown() => Some(v.clone()),
                    _ => None,
                })
                .collect::<Option<Vec<Val>>>()?;
            let kw = kwargs
                .iter()
                .map(|(n, a)| match a {
                    AV::Const(v) if !v.is_unknown() => Some((n.clone(), v.clone())),
                    _ => None,
                })
                .collect::<Option<Vec<(String, Val)>>>()?;
            Some(Args {
                pos,
                kw,
                complete: true,
            })
        };
        // Calls whose callee and arguments are known fold through the interpreter's one
        // builtin table, as the concrete domain evaluates them.
        if let Some((receiver, m)) = method_of {
            return match known_args() {
                Some(a) => {
                    let v = self.env.call_method(receiver, m, fr.file, &a, e.range);
                    if v.is_unknown() {
                        AV::Unknown
                    } else {
                        AV::Const(v)
                    }
                }
                None => AV::Unknown,
            };
        }
        match callee {
            AV::Const(Val {
                v: V::Func(ff, fi), ..
            }) if !call.has_splat() => {
                let before = st.clone();
                let summary = self.call_function(ff, fi, args, kwargs, st);
                let name = self.facts[ff.0 as usize].functions[fi].name.clone();
                self.apply_summary(fr, e, call, &summary, &name, &before, st);
                summary.ret
            }
            AV::Closure(c) if !call.has_splat() => {
                let before = st.clone();
                let summary = self.call_closure(&c, args, kwargs, st);
                self.apply_summary(fr, e, call, &summary, &c.func.name, &before, st);
                summary.ret
            }
            AV::Const(Val {
                v: V::Builtin(ref name),
                ..
            }) => match known_args().and_then(|a| self.env.builtin(name, fr.file, &a, e.range)) {
                Some(v) if !v.is_unknown() => AV::Const(v),
                _ => AV::Unknown,
            },
            AV::Unknown => {
                if self.well_known(fr.file, &call.func) == Some("find_cc_toolchain") {
                    return self.find_cc_toolchain(fr, e, call, &args, &kwargs, st);
                }
                AV::Unknown
            }
            _ => AV::Unknown,
        }
    }

    /// rules_cc's `find_cc_toolchain(ctx, mandatory = True)` when its source is not visible:
    /// it fails when the C++ toolchain did not resolve, or returns `None` with
    /// `mandatory = False`.
    fn find_cc_toolchain(
        &mut self,
        fr: &mut Frame,
        e: &Expr,
        call: &Call,
        args: &[AV],
        kwargs: &[(String, AV)],
        st: &mut State,
    ) -> AV {
        let Some(AV::Ctx(c)) = args.first() else {
            return AV::Unknown;
        };
        let cc = Label::new(
            toolcheck_index::label::RepoName::new("bazel_tools"),
            "tools/cpp",
            "toolchain_type",
        );
        let s = self.slot_of(*c, None, cc);
        let mandatory = match kwargs.iter().find(|(n, _)| n == "mandatory") {
            None => Some(true),
            Some((_, AV::Const(Val { v: V::Bool(b), .. }))) => Some(*b),
            _ => None,
        };
        let n = self.slot_null(s, st);
        match mandatory {
            Some(true) => {
                if n == Null::Maybe
                    && self.declared(s) == Ok(Some(Some(false)))
                    && fr.feature_depth == 0
                {
                    self.record(
                        fr,
                        EventKind::MandatoryHelper {
                            callee: call.func.dotted_name().unwrap_or_default(),
                        },
                        e.range,
                        s,
                    );
                }
                if n != Null::Unknown {
                    st.slots.insert(s, Null::NonNull);
                }
                AV::Unknown
            }
            // Optional form: the result is `None` exactly when the slot is.
            Some(false) if matches!(self.declared(s), Ok(Some(_))) => {
                self.effective(&AV::Tc(s, Null::Maybe), st)
            }
            _ => AV::Unknown,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn apply_summary(
        &mut self,
        fr: &mut Frame,
        e: &Expr,
        call: &Call,
        summary: &Summary,
        callee_name: &str,
        before: &State,
        st: &mut State,
    ) {
        let Some(exit) = &summary.exit else {
            st.dead = true;
            return;
        };
        for s in &summary.fails_on_none {
            if self.slot_null(*s, before) == Null::Maybe && fr.feature_depth == 0 {
                let callee = call
                    .func
                    .dotted_name()
                    .unwrap_or_else(|| callee_name.to_string());
                self.record(fr, EventKind::MandatoryHelper { callee }, e.range, *s);
            }
            fr.nested_fails.insert(*s);
        }
        // Guards the callee established on every returning path hold after the call.
        for (s, n) in &exit.slots {
            if *n == Null::NonNull && self.slot_null(*s, st) != Null::NonNull {
                st.slots.insert(*s, Null::NonNull);
            }
        }
        // A parameter present at every return: the callee fails (or never returns) on None.
        for (i, a) in call.args.iter().enumerate() {
            if summary.param_exit.get(i).copied().flatten() == Some(Null::NonNull) {
                if let Some((p, s)) = self.place(fr, a, st) {
                    self.set_place(&p, s, Null::NonNull, st);
                }
            }
        }
    }

    fn memo_key(
        &self,
        file: FileId,
        idx: usize,
        args: &[AV],
        kwargs: &[(String, AV)],
        st: &State,
    ) -> Option<String> {
        use std::fmt::Write;
        let mut key = format!("{}:{idx}", file.0);
        let mut ctx_dependent = false;
        let mut closure = false;
        let mut put = |key: &mut String, v: &AV| {
            match v {
                AV::Const(c) => match &c.v {
                    V::Str(_) | V::Bool(_) | V::Int(_) | V::None | V::Label(_) | V::Func(..) => {
                        let _ = write!(key, "|{:?}", c.v);
                    }
                    _ => {
                        let _ = write!(key, "|C{}@{}", c.loc.file.0, c.loc.range.start);
                    }
                },
                AV::Unknown => key.push_str("|?"),
                // A closure's summary depends on everything it captured: not memoised.
                AV::Closure(_) => closure = true,
                other => {
                    ctx_dependent = true;
                    let _ = write!(key, "|{other:?}");
                }
            };
        };
        for a in args {
            put(&mut key, a);
        }
        for (n, a) in kwargs {
            key.push('|');
            key.push_str(n);
            put(&mut key, a);
        }
        if ctx_dependent {
            let _ = write!(key, "#{}", self.cur_ctx);
            for (s, n) in &st.slots {
                let _ = write!(key, "/{}{n:?}", s.0);
            }
            for (s, _) in &st.members {
                let _ = write!(key, "/m{}", s.0);
            }
        }
        (!closure).then_some(key)
    }

    /// Analyses a call of function `idx` of `file` with abstract arguments; `caller` gives
    /// the guards that hold at the call.
    fn call_function(
        &mut self,
        file: FileId,
        idx: usize,
        args: Vec<AV>,
        kwargs: Vec<(String, AV)>,
        caller: &State,
    ) -> Summary {
        let unknown = Summary::unknown();
        let facts = self.facts;
        let Some(f) = facts
            .get(file.0 as usize)
            .and_then(|ff| ff.functions.get(idx))
        else {
            return unknown;
        };
        if f.body.truncated
            || self.exhausted
            || self.stack.len() >= MAX_CALL_DEPTH
            || self.stack.contains(&(file, idx))
        {
            return unknown;
        }
        let key = self.memo_key(file, idx, &args, &kwargs, caller);
        if let Some(s) = key.as_ref().and_then(|k| self.memo.get(k)) {
            return s.clone();
        }
        self.stack.push((file, idx));
        let summary = self.analyze_function(file, f, Vec::new(), args, kwargs, caller);
        self.stack.pop();
        if let (false, Some(key)) = (self.exhausted, key) {
            self.memo.insert(key, summary.clone());
        }
        summary
    }

    /// Analyses a call of a closure. Not memoised: its summary depends on what it captured.
    fn call_closure(
        &mut self,
        c: &AbsClosure,
        args: Vec<AV>,
        kwargs: Vec<(String, AV)>,
        caller: &State,
    ) -> Summary {
        if c.func.body.truncated || self.exhausted || self.stack.len() >= MAX_CALL_DEPTH {
            return Summary::unknown();
        }
        // Closures have no index; the marker only counts towards the depth.
        self.stack.push((c.file, usize::MAX));
        let summary =
            self.analyze_function(c.file, &c.func, c.captured.clone(), args, kwargs, caller);
        self.stack.pop();
        summary
    }

    fn analyze_function(
        &mut self,
        file: FileId,
        f: &FuncDef,
        captured: Vec<(String, AV)>,
        args: Vec<AV>,
        kwargs: Vec<(String, AV)>,
        caller: &State,
    ) -> Summary {
        let mut st = State {
            dead: false,
            vars: FxHashMap::default(),
            slots: caller.slots.clone(),
            members: caller.members.clone(),
        };
        // Parameters bind by the interpreter's one binder, so this domain and the concrete
        // one agree on what a call passes where.
        struct Abstract<'x, 'a> {
            analyzer: &'x Analyzer<'a>,
            file: FileId,
        }
        impl BindValues<AV> for Abstract<'_, '_> {
            fn tuple(&mut self, items: Vec<AV>) -> AV {
                AV::Tuple(items)
            }
            fn kwargs(&mut self, items: Vec<(String, AV)>) -> AV {
                let loc = Loc {
                    file: self.file,
                    range: TextRange::default(),
                };
                let mut pairs = Vec::with_capacity(items.len());
                for (k, v) in items {
                    let AV::Const(v) = v else {
                        return AV::Unknown;
                    };
                    pairs.push((Val { v: V::Str(k), loc }, v));
                }
                AV::Const(Val {
                    v: V::Dict(pairs),
                    loc,
                })
            }
            fn unknown(&mut self) -> AV {
                AV::Unknown
            }
            fn default(&mut self, expr: &Expr) -> AV {
                self.analyzer.global(self.file, expr)
            }
        }
        let args = Args {
            pos: args,
            kw: kwargs,
            complete: true,
        };
        let mut values = Abstract {
            analyzer: self,
            file,
        };
        let Ok(bound) = bind(Params::of(f), args, &mut values) else {
            return Summary::unknown();
        };
        st.vars.extend(captured);
        st.vars.extend(bound.locals);
        let mut fr = Frame {
            file,
            returns: Vec::new(),
            jumps: Vec::new(),
            fails_on_none: BTreeSet::new(),
            nested_fails: BTreeSet::new(),
            stmt: None,
            feature_depth: 0,
        };
        let end = self.exec_block(&mut fr, &f.body.stmts, st);
        if !end.dead {
            let none = AV::Const(Val {
                v: V::None,
                loc: Loc {
                    file,
                    range: f.name_range,
                },
            });
            fr.returns.push((none, end));
        }
        let mut ret: Option<AV> = None;
        let mut states = Vec::new();
        let mut returns_none: BTreeSet<SlotId> = BTreeSet::new();
        for (_, s) in &fr.returns {
            for k in &fr.fails_on_none {
                if self.slot_null(*k, s) != Null::NonNull {
                    returns_none.insert(*k);
                }
            }
        }
        for (v, s) in std::mem::take(&mut fr.returns) {
            let v = self.effective(&v, &s);
            ret = Some(match ret {
                None => v,
                Some(r) => join_av(r, v),
            });
            states.push(s);
        }
        let exit = if states.is_empty() {
            None
        } else {
            Some(self.join_all(states))
        };
        let param_exit = f
            .params
            .iter()
            .map(|(n, _)| {
                let s = exit.as_ref()?;
                match self.effective(s.vars.get(n)?, s) {
                    AV::Tc(_, n) => Some(n),
                    _ => None,
                }
            })
            .collect();
        let fails_on_none = fr
            .fails_on_none
            .iter()
            .filter(|s| !fr.nested_fails.contains(s) && !returns_none.contains(s))
            .copied()
            .collect();
        Summary {
            ret: ret.unwrap_or(AV::Unknown),
            exit,
            param_exit,
            fails_on_none,
        }
    }

    // ----- statements -----

    fn exec_block(&mut self, fr: &mut Frame, stmts: &[Stmt], mut st: State) -> State {
        for s in stmts {
            if st.dead || self.exhausted {
                return State::dead();
            }
            st = self.exec(fr, s, st);
        }
        st
    }

    fn bind(&mut self, fr: &mut Frame, target: &Target, v: AV, st: &mut State) {
        match target {
            Target::Name(n) => {
                st.vars.insert(n.clone(), v);
            }
            Target::Tuple(ts) => {
                let items = match v {
                    AV::Tuple(items) if items.len() == ts.len() => items,
                    AV::Const(Val {
                        v: V::List(items), ..
                    }) if items.len() == ts.len() => items.into_iter().map(AV::Const).collect(),
                    _ => vec![AV::Unknown; ts.len()],
                };
                for (t, v) in ts.iter().zip(items) {
                    self.bind(fr, t, v, st);
                }
            }
            Target::Other(e) => {
                let obj = match &e.kind {
                    ExprKind::Attr(a) => Some(&a.0),
                    ExprKind::Index(ops) => {
                        let [o, k] = &**ops;
                        self.eval(fr, k, st);
                        Some(o)
                    }
                    _ => None,
                };
                if let Some(o) = obj {
                    let ov = self.eval(fr, o, st);
                    self.deref(fr, o, &ov, st);
                }
            }
        }
    }

    fn exec(&mut self, fr: &mut Frame, s: &Stmt, mut st: State) -> State {
        if !self.tick() {
            return State::dead();
        }
        let fixable = !matches!(s.kind, StmtKind::If { elif: true, .. });
        fr.stmt = Some((s.range, fixable));
        match &s.kind {
            StmtKind::Assign { target, value } => {
                let mut v = self.eval(fr, value, &mut st);
                if matches!(v, AV::Unknown) && !st.dead {
                    if let Some(g) = self.guard_of(fr, value, &st) {
                        v = AV::Guard(Rc::new(g));
                    }
                }
                self.bind(fr, target, v, &mut st);
                st
            }
            StmtKind::AugAssign { target, value } => {
                let v = self.eval(fr, value, &mut st);
                if let Target::Name(n) = target {
                    let cur = st.vars.get(n).cloned();
                    if let Some(cur @ AV::Tc(..)) = cur {
                        let e = Expr {
                            kind: ExprKind::Name(n.as_str().into()),
                            range: s.range,
                        };
                        self.deref(fr, &e, &cur, &mut st);
                    }
                    let new = match (st.vars.get(n), &v) {
                        (Some(AV::Const(_)), AV::Const(_)) => AV::Unknown,
                        _ => AV::Unknown,
                    };
                    st.vars.insert(n.clone(), new);
                } else {
                    self.bind(fr, target, AV::Unknown, &mut st);
                }
                st
            }
            StmtKind::Expr(e) => {
                self.eval(fr, e, &mut st);
                st
            }
            StmtKind::Return(e) => {
                let v = match e {
                    Some(e) => self.eval(fr, e, &mut st),
                    None => AV::Const(Val {
                        v: V::None,
                        loc: Loc {
                            file: fr.file,
                            range: s.range,
                        },
                    }),
                };
                if !st.dead {
                    fr.returns.push((v, st));
                }
                State::dead()
            }
            StmtKind::If {
                cond, then, orelse, ..
            } => {
                let c = self.eval(fr, cond, &mut st);
                if st.dead {
                    return st;
                }
                if let AV::Const(v) = &c {
                    if let Some(t) = truthiness(&v.v) {
                        // Still assume the condition: it records `T in ctx.toolchains` tests.
                        let st = self.assume(fr, cond, t, st, 0);
                        return self.exec_block(fr, if t { then } else { orelse }, st);
                    }
                }
                let (t, f) = match &c {
                    AV::Guard(g) => {
                        let name = Expr {
                            kind: ExprKind::Name("$guard".into()),
                            range: cond.range,
                        };
                        let mut s2 = st.clone();
                        s2.vars.insert("$guard".into(), AV::Guard(g.clone()));
                        let t = self.assume(fr, &name, true, s2.clone(), 0);
                        let f = self.assume(fr, &name, false, s2, 0);
                        let strip = |mut s: State| {
                            s.vars.remove("$guard");
                            s
                        };
                        let t = self.assume(fr, cond, true, strip(t), 0);
                        let f = self.assume(fr, cond, false, strip(f), 0);
                        (t, f)
                    }
                    _ => (
                        self.assume(fr, cond, true, st.clone(), 0),
                        self.assume(fr, cond, false, st, 0),
                    ),
                };
                let feature = is_feature_check(cond);
                fr.feature_depth += feature as u32;
                let a = if t.dead {
                    t
                } else {
                    self.exec_block(fr, then, t)
                };
                let b = if f.dead {
                    f
                } else {
                    self.exec_block(fr, orelse, f)
                };
                fr.feature_depth -= feature as u32;
                self.join_state(a, b)
            }
            StmtKind::For { target, iter, body } => {
                let it = self.eval(fr, iter, &mut st);
                if matches!(it, AV::Tc(..)) {
                    self.deref(fr, iter, &it, &mut st);
                }
                if st.dead {
                    return st;
                }
                let mut entry = st.clone();
                self.bind(fr, target, AV::Unknown, &mut entry);
                fr.jumps.push(Vec::new());
                let out = self.exec_block(fr, body, entry);
                let jumps = fr.jumps.pop().unwrap_or_default();
                let mut acc = self.join_state(st, out);
                for j in jumps {
                    acc = self.join_state(acc, j);
                }
                acc
            }
            StmtKind::Break | StmtKind::Continue => {
                if let Some(j) = fr.jumps.last_mut() {
                    j.push(st);
                }
                State::dead()
            }
            StmtKind::Def(f) => {
                let c = self.closure(fr.file, f, &st);
                st.vars.insert(f.name.clone(), c);
                st
            }
            StmtKind::Opaque => st,
        }
    }
}

fn attr_of(o: AV, a: &str) -> AV {
    match o {
        AV::Ctx(c) => match a {
            "toolchains" => AV::Toolchains(c, None),
            "exec_groups" => AV::ExecGroups(c),
            "rule" => AV::CtxRule,
            "actions" => AV::Actions,
            _ => AV::Unknown,
        },
        AV::ExecGroup(c, g) if a == "toolchains" => AV::Toolchains(c, Some(g)),
        AV::Struct(fields) => fields
            .into_iter()
            .find(|(n, _)| n == a)
            .map(|(_, v)| v)
            .unwrap_or(AV::Unknown),
        AV::Const(Val {
            v: V::Struct(fields),
            ..
        }) => fields
            .into_iter()
            .find(|(n, _)| n == a)
            .map(|(_, v)| AV::Const(v))
            .filter(|v| !matches!(v, AV::Const(c) if c.is_unknown()))
            .unwrap_or(AV::Unknown),
        _ => AV::Unknown,
    }
}

fn index_of(o: AV, k: AV) -> AV {
    match (o, k) {
        (AV::Tuple(items), AV::Const(Val { v: V::Int(n), .. })) => {
            let n = if n < 0 { items.len() as i64 + n } else { n };
            usize::try_from(n)
                .ok()
                .and_then(|n| items.get(n).cloned())
                .unwrap_or(AV::Unknown)
        }
        (
            AV::Const(Val {
                v: V::List(items), ..
            }),
            AV::Const(Val { v: V::Int(n), .. }),
        ) => {
            let n = if n < 0 { items.len() as i64 + n } else { n };
            usize::try_from(n)
                .ok()
                .and_then(|n| items.get(n).cloned())
                .filter(|v| !v.is_unknown())
                .map(AV::Const)
                .unwrap_or(AV::Unknown)
        }
        (
            AV::Const(Val {
                v: V::Dict(pairs), ..
            }),
            AV::Const(key),
        ) if !key.is_unknown() => pairs
            .into_iter()
            .find(|(k, _)| k.v == key.v)
            .map(|(_, v)| v)
            .filter(|v| !v.is_unknown())
            .map(AV::Const)
            .unwrap_or(AV::Unknown),
        _ => AV::Unknown,
    }
}

/// Reporting helpers shared by the four checks.
impl FlowAnalysis {
    /// "rule `foo_binary`, which requests `T` with mandatory = False".
    pub fn context_phrase(&self, s: SlotId) -> String {
        let info = self.slot(s);
        let rule = &self.contexts[info.ctx as usize];
        let kind = if rule.is_aspect { "aspect" } else { "rule" };
        let how = match self.request(s).map(|r| r.mandatory) {
            Some(Some(false)) => " with mandatory = False",
            Some(Some(true)) => " as mandatory",
            _ => "",
        };
        match &info.group {
            None => format!("{kind} `{}`, which requests `{}`{how}", rule.name, info.ty),
            Some(g) => format!(
                "{kind} `{}`, whose exec group `{g}` requests `{}`{how}",
                rule.name, info.ty
            ),
        }
    }

    /// " (and N other rules)" when more contexts reach the same site.
    pub fn others_phrase(others: usize) -> String {
        match others {
            0 => String::new(),
            1 => " (and 1 other rule or aspect)".to_string(),
            n => format!(" (and {n} other rules or aspects)"),
        }
    }

    /// The rule or aspect of a slot.
    pub fn context_of(&self, s: SlotId) -> &RuleDecl {
        &self.contexts[self.slot(s).ctx as usize]
    }
}

/// The source text of a range, shortened for messages.
pub fn snippet(text: &str, range: TextRange) -> String {
    let s = text
        .get(range.start as usize..range.end as usize)
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if s.chars().count() > 60 {
        let cut: String = s.chars().take(57).collect();
        format!("{cut}...")
    } else {
        s
    }
}

/// Whether a condition detects a Bazel or ruleset feature (`bazel_features.x.y`,
/// `hasattr(cc_common, "...")`) rather than a fact of the build.
fn is_feature_check(e: &Expr) -> bool {
    let mut stack = vec![e];
    let mut n = 0;
    while let Some(e) = stack.pop() {
        n += 1;
        if n > 64 {
            return false;
        }
        match &e.kind {
            ExprKind::Name(x) if x == "bazel_features" => return true,
            ExprKind::Attr(a) => stack.push(&a.0),
            ExprKind::Not(x) => stack.push(x),
            ExprKind::BoolOp { operands, .. } => {
                let [left, right] = &**operands;
                stack.push(left);
                stack.push(right);
            }
            ExprKind::Call(c) => {
                if c.func.dotted_name().as_deref() == Some("hasattr") {
                    if let Some(ExprKind::Name(m)) = c.args.first().map(|a| &a.kind) {
                        if m.ends_with("_common") || m == "native" || m == "config_common" {
                            return true;
                        }
                    }
                }
                stack.push(&c.func);
            }
            _ => {}
        }
    }
    false
}
