//! The one Starlark interpreter toolcheck runs: over the facts IR ([`crate::expr`],
//! [`crate::body`]), never over syntax trees, never executing anything outside the
//! workspace's Starlark.
//!
//! | module | owns |
//! |---|---|
//! | [`value`] | the concrete values ([`Val`], [`V`], [`Unknown`]) and the operations on them both domains use (truthiness, equality, membership, ordering, `str()`) |
//! | [`bounds`] | every bound (steps, call depth, nesting, sizes), one name each |
//! | [`scope`] | local scopes: binding, unpacking and forgetting names |
//! | [`call`] | the one argument binder, generic over the value type |
//! | [`builtins`] | the one builtin table: global functions, methods, `native.*`, `Label`, `select`, `struct`, `config_common`, formatting |
//! | [`concrete`] | the concrete domain: [`Env`] evaluates expressions and runs function bodies, closures included |
//! | [`run`] | macro runs: the targets and registrations a BUILD file's macro calls create |
//! | [`repository`] | repository rules and module extensions: `repository_ctx`, `module_ctx`, `attr`, Bazel's repository rules, and the files a run generates |
//!
//! The abstract domain (the None-tracking flow analysis behind the optional-toolchain
//! checks) lives in `toolcheck-semantics`: it binds arguments with [`call::bind`], reads the
//! bounds from [`bounds`], and folds every call whose arguments it knows through
//! [`Env::builtin`] and [`Env::call_method`], so a builtin added to [`builtins`] is seen by
//! macros, rule factories and rule implementations alike.

pub mod bounds;
pub mod builtins;
pub mod call;
pub mod concrete;
pub mod repository;
pub mod run;
pub mod scope;
pub mod value;

pub use call::Args;
pub use concrete::{Env, FileContext};
pub use run::{is_macro_call, Emitted, Gap, LimitHit, MacroLimit, MacroOutcome};
pub use value::{canonical_string, truthiness, veq, Closure, Loc, Unknown, Val, V};

pub(crate) use concrete::EMPTY_MAPPING;

#[cfg(test)]
mod tests;
