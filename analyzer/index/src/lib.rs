//! Bazel facts from Starlark files: labels, per-file summaries (`FileFacts`), `.bazelrc`
//! flags, and the workspace index that merges them.

pub mod label;
