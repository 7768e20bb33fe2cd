//! The structured record of every decision the simulator takes: why a fact is unknown
//! ([`UnknownCause`]), and one [`TraceEvent`] per decision, in the order they were taken.
//!
//! The trace is plain data, so the CLI can serialize it and [`crate::explain`] can render it
//! as sentences (spec §5.2's 7.x debug structure plus "why this exec platform won").
//! Events are emitted in logical order: exec-platform filtering, then one block per requested
//! type (toolchains outside, exec platforms inside, as Bazel loops), then the exec platform
//! choice.

use std::fmt;

use toolcheck_index::label::Label;

/// Why a fact could not be decided statically.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum UnknownCause {
    /// An `alias` whose `actual` is a `select()` or computed.
    AliasActual { alias: Label },
    /// A label in a repository toolcheck cannot read.
    InvisibleRepo { label: Label },
    /// A label not declared in a package whose target list may be incomplete (macros).
    OpenPackage { label: Label },
    /// An attribute whose value is not statically known (`select()`, computed list).
    Attribute {
        target: Option<Label>,
        attribute: &'static str,
    },
    /// A target whose kind is known but whose facts are not in the model (e.g. the host
    /// platform, whose constraints are detected at run time).
    NotModelled { label: Label },
    /// A target Bazel would reject with an error; the simulator reports it instead of guessing.
    Invalid { target: Label, message: String },
    /// A command-line option whose value (and default) is not known.
    Option { name: String },
    /// A Starlark flag whose value (and default) is not known.
    Flag { flag: Label },
    /// Whether a requested type is mandatory is computed at run time.
    Mandatory { toolchain_type: Label },
    /// A registered pattern that could match targets the workspace does not show.
    IncompleteExpansion { pattern: String },
    /// Registrations toolcheck could not see (a WORKSPACE macro it could not follow, a
    /// computed argument) could register what is missing; `why` says where, for the first.
    UnseenRegistrations { why: String },
}

impl fmt::Display for UnknownCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnknownCause::AliasActual { alias } => {
                write!(f, "alias {alias} has a select() or computed `actual`")
            }
            UnknownCause::InvisibleRepo { label } => {
                write!(f, "{label} is in a repository toolcheck cannot read")
            }
            UnknownCause::OpenPackage { label } => write!(
                f,
                "{label} is not declared, but its package may define targets through macros"
            ),
            UnknownCause::Attribute {
                target: Some(t),
                attribute,
            } => write!(f, "`{attribute}` of {t} is not statically known"),
            UnknownCause::Attribute {
                target: None,
                attribute,
            } => write!(f, "`{attribute}` is not statically known"),
            UnknownCause::NotModelled { label } => {
                write!(f, "the facts of {label} are not statically known")
            }
            UnknownCause::Invalid { target, message } => {
                write!(f, "{target} is invalid: {message}")
            }
            UnknownCause::Option { name } => {
                write!(f, "the value of --{name} is not known")
            }
            UnknownCause::Flag { flag } => write!(f, "the value of flag {flag} is not known"),
            UnknownCause::Mandatory { toolchain_type } => {
                write!(
                    f,
                    "whether {toolchain_type} is mandatory is not statically known"
                )
            }
            UnknownCause::IncompleteExpansion { pattern } => write!(
                f,
                "pattern {pattern} may match targets toolcheck cannot see"
            ),
            UnknownCause::UnseenRegistrations { why } => write!(
                f,
                "registrations toolcheck could not see may provide it ({why})"
            ),
        }
    }
}

/// How one toolchain is named in the trace: the `toolchain()` target and its `toolchain`
/// attribute (what Bazel's debug output prints). Either may be unknown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolchainRef {
    /// The `toolchain()` target; `None` for a placeholder standing for targets toolcheck
    /// cannot see.
    pub toolchain: Option<Label>,
    /// The `toolchain` attribute; `None` when unknown.
    pub implementation: Option<Label>,
}

impl fmt::Display for ToolchainRef {
    /// The implementation label as Bazel prints it, falling back to the `toolchain()` target.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.implementation, &self.toolchain) {
            (Some(i), _) => write!(f, "{i}"),
            (None, Some(t)) => write!(f, "{t}"),
            (None, None) => f.write_str("<unknown toolchain>"),
        }
    }
}

/// Why the chosen exec platform won.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExecChoice {
    /// The forced exec platform (a toolchain's own toolchains use the consumer's platform).
    Forced,
    /// The first available platform on which every mandatory type resolved (no earlier
    /// platform qualified). `resolved` of `requested` types resolved on it.
    FirstSuitable { resolved: usize, requested: usize },
    /// "Most toolchains" (7.0+): it resolved more types than every earlier qualifying
    /// platform, listed with their counts in `passed_over`.
    MostResolved {
        resolved: usize,
        requested: usize,
        passed_over: Vec<(Label, usize)>,
    },
}

/// One decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TraceEvent {
    /// Exec platform `platform` stays available for this exec group.
    ExecPlatformKept { platform: Label },
    /// Removed by the group's exec constraints (predicate A); `missing` are the required
    /// constraint values it lacks.
    ExecPlatformRemoved {
        platform: Label,
        missing: Vec<Label>,
    },
    /// Whether the platform satisfies the exec constraints cannot be decided.
    ExecPlatformUndecidable {
        platform: Label,
        cause: UnknownCause,
    },
    /// A second registration of a platform already in the list; Bazel skips it.
    ExecPlatformDuplicate { platform: Label },
    /// Rejected because its `required_settings` do not match the target configuration.
    ExecPlatformRejectedSettings {
        platform: Label,
        settings: Vec<Label>,
    },
    /// A platform with `check_toolchain_types` that does not allow `toolchain_type`
    /// (`None`: the group requests no types, which such a platform never serves).
    ExecPlatformTypeNotAllowed {
        platform: Label,
        toolchain_type: Option<Label>,
    },
    /// A requested type that is ignored: an optional label that is not a toolchain type
    /// (genrule `toolchains`).
    TypeIgnored { requested: Label, reason: String },
    /// Start of the block for one requested type (after alias resolution).
    TypeStart {
        toolchain_type: Label,
        requested: Label,
        mandatory: Option<bool>,
    },
    /// Dropped before matching: its `target_settings` do not match the configuration.
    ToolchainRejectedSettings {
        toolchain_type: Label,
        toolchain: ToolchainRef,
        settings: Vec<Label>,
    },
    /// Its target constraints do not match the target platform (`mismatching` are the
    /// toolchain's values that differ).
    ToolchainRejectedTarget {
        toolchain_type: Label,
        toolchain: ToolchainRef,
        mismatching: Vec<Label>,
    },
    /// Its target side matches; exec platforms are searched next.
    ToolchainCompatibleWithTarget {
        toolchain_type: Label,
        toolchain: ToolchainRef,
    },
    /// Its exec constraints do not match this exec platform.
    ToolchainRejectedExec {
        toolchain_type: Label,
        toolchain: ToolchainRef,
        exec_platform: Label,
        mismatching: Vec<Label>,
    },
    /// The first match for this exec platform.
    ToolchainSelected {
        toolchain_type: Label,
        toolchain: ToolchainRef,
        exec_platform: Label,
    },
    /// The exec platform already has a toolchain of this type (`selected`): this later one is
    /// shadowed there.
    ToolchainSkipped {
        toolchain_type: Label,
        toolchain: ToolchainRef,
        exec_platform: Label,
        selected: ToolchainRef,
    },
    /// Whether this toolchain applies cannot be decided (for this exec platform, or for every
    /// remaining one when `exec_platform` is `None`); later toolchains cannot decide those
    /// platforms either.
    ToolchainUndecidable {
        toolchain_type: Label,
        toolchain: ToolchainRef,
        exec_platform: Option<Label>,
        cause: UnknownCause,
    },
    /// Every available exec platform has been assigned; the search stops.
    AllExecPlatformsAssigned { toolchain_type: Label },
    /// End of the type block: per exec platform (in assignment order) the chosen toolchain.
    TypeRecap {
        toolchain_type: Label,
        selected: Vec<(Label, ToolchainRef)>,
    },
    /// No toolchain of this type matched on any available exec platform.
    NoToolchainFound { toolchain_type: Label },
    /// The exec platform chosen for the group and why.
    ExecPlatformChosen { platform: Label, reason: ExecChoice },
    /// The forced exec platform was not usable, so normal selection applied.
    ForcedExecPlatformIgnored { platform: Label, reason: String },
}
