//! Every bound of the interpreter, one name each. Both domains (the concrete evaluator and
//! the flow analysis in `toolcheck-semantics`) read them from here, so "how deep may calls
//! nest" has one answer.
//!
//! Hostile input (constants that double at each level, loops over huge ranges, deep call
//! chains) must cost time proportional to its size: every loop iteration, statement and
//! expression is charged a step, copies are charged by size, and values are capped.

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
/// Steps allowed for evaluating one value outside a macro run (an attribute, a
/// `rule(toolchains = ...)` list, a constant a flow analysis asks for). Function bodies run
/// in full there too (rule factories, helpers that build lists in loops), so the budget
/// is what bounds them.
pub const VALUE_STEP_BUDGET: u64 = if cfg!(fuzzing) { 20_000 } else { 200_000 };
/// Steps the flow analysis may spend on one rule implementation (its calls included); past
/// it the rule's findings are dropped.
pub const FLOW_STEP_BUDGET: u64 = 400_000;
/// Functions on the call stack, in either domain. Starlark forbids recursion, so real code
/// stays far below; the bound keeps mutually calling helpers of hostile code cheap.
pub const MAX_CALL_DEPTH: usize = 24;
/// Expression and call nesting (bounds native stack use; tested on a 1 MiB stack).
pub const MAX_EVAL_DEPTH: u32 = 400;
/// Longest string evaluation may build, in bytes.
pub const MAX_STRING: usize = 1 << 20;
/// Longest list or dict evaluation may build.
pub const MAX_LIST: usize = 100_000;
/// Deepest nesting of lists, dicts and structs evaluation may build.
pub const MAX_NESTING: u32 = 32;
/// Targets (and registrations) one macro call may create. Each costs far more downstream
/// (labels, index, resolution) than the few steps a loop iteration is charged, so a loop run
/// to the step budget could otherwise create hundreds of thousands.
pub const MAX_EMITTED: usize = 50_000;
