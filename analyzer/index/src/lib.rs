//! Bazel facts from Starlark files: labels, per-file summaries ([`facts::FileFacts`]),
//! `.bazelrc` flags, the evaluation of module-level values across `load()`, and the workspace
//! index that merges everything into declarations and registrations.

pub mod bazelrc;
pub mod body;
pub mod build_reader;
pub mod cache_codec;
pub mod computed;
pub mod expr;
pub mod facts;
pub mod index;
pub mod interp;
pub mod label;
pub mod module_version;
pub mod targets;
#[doc(hidden)]
pub mod testing;
pub mod text;
pub mod workspace;

/// The inline string type of facts, for the crates that build or read them.
pub use smol_str::SmolStr;
