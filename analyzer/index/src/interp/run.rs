//! Macro evaluation: runs the legacy macros (`def` functions in `.bzl` files) and symbolic
//! macros (`macro()`) that BUILD and WORKSPACE files call, and records every native rule,
//! Starlark rule and `register_*` call they make, with its evaluated attributes.
//!
//! A run is the concrete evaluator ([`super::concrete`]) with a [`Run`] under way: calls to
//! `native.*` and to rules are recorded as [`Emitted`] targets of the BUILD file whose
//! package is being built, and package-dependent builtins (`native.package_name()`) answer
//! for it. What cannot be known (`select()`, `glob()`, loads from repositories toolcheck
//! cannot read, conditions on such values) stays unknown for that value only; when it may
//! change which targets exist, the run is marked incomplete and the package stays open.
//!
//! Everything is bounded: a step budget per macro call, a limit on the call stack (Starlark
//! forbids recursion; it is reported), and caps on string length, list length and value
//! nesting. A run that hits a bound stops with a [`LimitHit`] that the `evaluation-limit`
//! check reports; nothing here can hang or exhaust memory.

use crate::expr::Call;
use crate::workspace::FileId;

use super::bounds::{FILE_STEP_BUDGET, MAX_EMITTED, RUN_STEP_BUDGET};
use super::call::Args;
use super::concrete::{Env, Flow};
use super::scope::Scope;
use super::value::{Loc, Val, V};

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
    /// The steps the run started with, and whether the file's budget cut them short.
    budget: u64,
    file_limited: bool,
    /// Evaluating a module-level value: native calls are not package code.
    pub(crate) in_global: u32,
    /// The top-level functions the run called (what library mode needs to tell the macros
    /// a consumer calls from the helpers they call).
    pub called: Vec<(FileId, usize)>,
    /// The evaluation state the run replaced (steps left, bound hit, call stack).
    outer: (u64, Option<LimitHit>, Vec<super::concrete::Frame>),
}

impl Run {
    /// What a run that ran out of steps says.
    pub(crate) fn out_of_steps(&self) -> String {
        if self.file_limited {
            format!(
                "the macro calls of this file together ran out of their {FILE_STEP_BUDGET} steps"
            )
        } else {
            format!("evaluation stopped after {RUN_STEP_BUDGET} steps")
        }
    }
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

/// The result of [`Env::run_macro`] (and of the other runs: functions, statements,
/// module extensions).
#[derive(Clone, Debug, PartialEq)]
pub struct MacroOutcome {
    pub emitted: Vec<Emitted>,
    pub incomplete: Option<Gap>,
    pub limit: Option<LimitHit>,
    pub value: Val,
    /// The top-level functions the run called.
    pub called: Vec<(FileId, usize)>,
}

impl MacroOutcome {
    /// What a finished run made, with the bound it hit and the value its call returned.
    pub(crate) fn of(run: Run, limit: Option<LimitHit>, value: Val) -> MacroOutcome {
        MacroOutcome {
            emitted: run.emitted,
            incomplete: run.incomplete,
            limit,
            value,
            called: run.called,
        }
    }
}

impl<'a> Env<'a> {
    /// Records a target (or registration) the run's BUILD file gets; nothing outside a run
    /// or while a module-level value is computed.
    pub(crate) fn emit(
        &self,
        kind: String,
        rule: Option<(FileId, usize)>,
        args: Args<Val>,
        loc: Loc,
    ) {
        if self.limited() {
            return;
        }
        let mut guard = self.run.borrow_mut();
        let Some(run) = guard.as_mut() else { return };
        if run.in_global > 0 {
            return;
        }
        if run.emitted.len() >= MAX_EMITTED {
            drop(guard);
            self.hit_limit(
                loc,
                format!("a macro call created more than {MAX_EMITTED} targets"),
            );
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

    /// Instantiates a `rule()` (a target) or runs a symbolic `macro()`.
    pub(crate) fn instantiate(
        &self,
        rfile: FileId,
        bi: usize,
        args: Args<Val>,
        loc: Loc,
        depth: u32,
    ) -> Val {
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
            // A WORKSPACE macro or a module extension instantiating a repository.
            Some("repository_rule") => {
                self.emit(b.name.clone(), Some((rfile, bi)), args, loc);
                Val { v: V::None, loc }
            }
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
        args: Args<Val>,
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
        let given = |n: &str| args.kw.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
        let mut kw: Vec<(String, Val)> = vec![
            (
                "name".into(),
                given("name").unwrap_or_else(|| Val::unknown(loc)),
            ),
            (
                "visibility".into(),
                given("visibility").unwrap_or(Val { v: V::None, loc }),
            ),
        ];
        if let Some(attrs) = decl.kwarg("attrs") {
            let schema = self.eval_in(rfile, &attrs.value, &Vec::new(), depth + 1);
            let V::Dict(pairs) = &schema.v else {
                self.gap(
                    loc,
                    format!("the attributes of macro `{name}` are not all known"),
                );
                return Val::unknown(loc);
            };
            let declared: Vec<String> = pairs
                .iter()
                .filter_map(|(k, _)| match &k.v {
                    V::Str(s) => Some(s.clone()),
                    _ => None,
                })
                .collect();
            // Label attributes, given or defaulted, are read in the calling package.
            let ctx = self.label_context(build_file);
            for (k, v) in self.attribute_values(&schema.v, &args, &ctx, &ctx) {
                if declared.contains(&k) && k != "name" && k != "visibility" {
                    kw.push((k, v));
                }
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
        let body = self.facts[build_file.0 as usize].top_level();
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
        let (run, limit) = self.finish_run(previous);
        MacroOutcome {
            emitted: run.emitted,
            incomplete: run.incomplete,
            limit,
            value: Val { v: V::None, loc },
            called: run.called,
        }
    }

    /// Starts a run for `build_file` with what is left of the file's budget (at most
    /// [`RUN_STEP_BUDGET`]); returns the run it replaces, for [`Self::finish_run`].
    pub(crate) fn start_run(&self, build_file: FileId) -> Option<Run> {
        let left = self.file_steps.get();
        let steps = RUN_STEP_BUDGET.min(left);
        let outer = (
            self.steps.replace(steps),
            self.limit.borrow_mut().take(),
            std::mem::take(&mut *self.stack.borrow_mut()),
        );
        self.run.replace(Some(Run {
            build_file,
            emitted: Vec::new(),
            incomplete: None,
            budget: steps,
            file_limited: left < RUN_STEP_BUDGET,
            in_global: 0,
            called: Vec::new(),
            outer,
        }))
    }

    /// Ends the run under way, charging the steps it used to the file's budget; returns
    /// it with the bound it hit.
    pub(crate) fn finish_run(&self, previous: Option<Run>) -> (Run, Option<LimitHit>) {
        let mut run = self.run.replace(previous).expect("run in progress");
        let used = run.budget - self.steps.get();
        self.file_steps
            .set(self.file_steps.get().saturating_sub(used));
        let (steps, limit, stack) = std::mem::take(&mut run.outer);
        self.steps.set(steps);
        let hit = std::mem::replace(&mut *self.limit.borrow_mut(), limit);
        *self.stack.borrow_mut() = stack;
        (run, hit)
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
        let value = self.eval_call(build_file, call, loc, &Vec::new(), 0);
        let (run, limit) = self.finish_run(previous);
        MacroOutcome::of(run, limit, value)
    }

    /// Runs the top-level function `idx` of `file` with no arguments (its defaults), as a
    /// WORKSPACE file calling it would: what library mode does with a ruleset's exported
    /// registration macros.
    pub fn run_function(&self, file: FileId, idx: usize) -> MacroOutcome {
        let previous = self.start_run(file);
        let f = &self.facts[file.0 as usize].functions[idx];
        let loc = Loc {
            file,
            range: f.name_range,
        };
        let args = Args {
            pos: Vec::new(),
            kw: Vec::new(),
            complete: true,
        };
        let value = self.call_full(file, idx, args, loc, 0);
        let (run, limit) = self.finish_run(previous);
        MacroOutcome::of(run, limit, value)
    }
}
