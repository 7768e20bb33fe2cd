//! One module per check, plus `refs`, the shared walk over every label reference whose
//! target kind Bazel constrains.

pub(crate) mod conflicting_constraint_values;
pub(crate) mod empty_registration_pattern;
pub(crate) mod platform_parent_cycle;
pub(crate) mod refs;
pub(crate) mod syntax_error;
pub(crate) mod unreadable_file;
pub(crate) mod unresolved_label;
pub(crate) mod wrong_target_kind;
