//! One module per check, plus `refs`, the shared walk over every label reference whose
//! target kind Bazel constrains.

pub(crate) mod action_without_toolchain;
pub(crate) mod client_env_in_action_key;
pub(crate) mod conflicting_constraint_values;
pub(crate) mod dummy_toolchain_precedence;
pub(crate) mod empty_registration_pattern;
pub(crate) mod evaluation_limit;
pub(crate) mod host_include_in_cross_toolchain;
pub(crate) mod host_toolchain_on_remote_platform;
pub(crate) mod mandatory_helper_on_optional_toolchain;
pub(crate) mod membership_is_not_a_guard;
pub(crate) mod missing_exec_compatible_with;
pub(crate) mod no_matching_toolchain;
pub(crate) mod platform_parent_cycle;
pub(crate) mod refs;
pub(crate) mod remote_config_without_exec_platform;
pub(crate) mod remote_platform_without_constraints;
pub(crate) mod remote_toolchain_unmatched;
pub(crate) mod shadowed_toolchain;
pub(crate) mod syntax_error;
pub(crate) mod undeclared_repository_environ;
pub(crate) mod undeclared_toolchain_access;
pub(crate) mod unguarded_optional_toolchain;
pub(crate) mod unpinned_container_image;
pub(crate) mod unreadable_file;
pub(crate) mod unresolved_label;
pub(crate) mod wrong_target_kind;
