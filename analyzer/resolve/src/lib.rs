//! `toolcheck-resolve`: a pure, deterministic simulator of Bazel's toolchain resolution.
//!
//! Given a [`model::Model`] of the workspace's platforms, constraints, toolchains and
//! `config_setting`s, the registrations ([`model::Registration`]) and a [`model::Config`], it
//! computes what Bazel would compute:
//! * the registered exec platforms and toolchains in priority order
//!   ([`registration::registered_exec_platforms`], [`registration::registered_toolchains`]);
//! * for a target platform and a target's exec groups, the chosen exec platform and the
//!   toolchain per type, or Bazel's error ([`Resolver::resolve`], [`resolve()`]);
//! * a structured trace of every decision ([`trace::TraceEvent`]) and its rendering as
//!   sentences ([`explain::explain`]).
//!
//! It follows `toolchain-resolution.md` (§0 summary, §2 the two matching predicates, §3
//! registration and ordering, §4 the algorithm and error texts, §5.2 the 7.x debug structure,
//! §6 the dummy-toolchain hazard, §8 edge cases, §10 version timeline) for Bazel 4.x to 9.x,
//! and `bazel-oracle.md` (observations of a real Bazel 4.2.3) where the two differ for 4.x:
//! first-suitable exec platform choice, first `--extra_toolchains` wins, post-order `/...`
//! expansion, lowercase "no matching toolchains" text. Version-dependent rules:
//! [`ExecSelection::for_version`], [`registration::recursive_order`],
//! [`registration::source_rank`], [`no_matching_toolchains_message`].
//!
//! Invariants: no I/O, no global state, no panics on any input; alias and parent chains are
//! followed iteratively with cycle detection; unknown facts ([`model::Known::Unknown`],
//! invisible repositories, open packages) are reported as undecidable, never guessed.

pub mod config;
pub mod explain;
pub mod model;
pub mod platforms;
pub mod platforms_repo;
pub mod registration;
pub mod resolve;
pub mod trace;

pub use registration::{registered_exec_platforms, registered_toolchains, Registered};
pub use resolve::{
    no_matching_exec_platform_message, no_matching_toolchains_message, resolve, selected_by_type,
    ExecSelection, GroupName, GroupResolution, Question, Request, Resolution, ResolveError,
    ResolveInput, Resolver, SelectedToolchain, Undecidable,
};
