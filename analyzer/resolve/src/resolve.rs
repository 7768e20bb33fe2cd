//! Toolchain resolution proper (spec §4.1 and §4.2): exec groups (with automatic exec groups
//! when enabled), exec platform filtering (predicate A), per-type per-platform first match
//! (predicate B), the missing-mandatory error, and the choice of the exec platform
//! ([`ExecSelection::FirstSuitable`] before 7.0, [`ExecSelection::MaxResolved`] from 7.0).
//!
//! A [`Resolver`] is built once from the model, the configuration and the registrations; it
//! precomputes every exec platform's constraint collection, the registered toolchains per type
//! and their configuration-only `target_settings` verdicts, then answers many [`Request`]s
//! cheaply (`&self`, thread-safe; target platforms are cached on first use).
//!
//! Unknown facts are never guessed: a toolchain whose applicability cannot be decided makes the
//! exec platforms it could claim "undecidable" for its type, and whatever depends on them (the
//! exec platform choice, the selected toolchain, the missing-type error) is reported in
//! [`GroupResolution::undecidable`] instead of being answered.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use rustc_hash::{FxHashMap, FxHashSet};
use toolcheck_index::label::Label;

use crate::config::{match_all, PreparedSetting, SettingMatch};
use crate::model::{
    BazelVersion, Config, ExecGroupRequest, Known, Model, Registration, TargetKind, TypeRequest,
};
use crate::platforms::{
    has_all, resolve_alias, target_kind, toolchain_matches, AliasOutcome, ConstraintSet, Defaults,
    Match, PlatformConstraints, ValueList,
};
use crate::registration::{registered_exec_platforms, registered_toolchains, Registered};
use crate::trace::{ExecChoice, ToolchainRef, TraceEvent, UnknownCause};

/// Records a trace event only when tracing is on: building events allocates, and callers
/// that resolve every target of a workspace (lints) do not need them.
macro_rules! emit {
    ($on:expr, $trace:expr, $event:expr) => {
        if $on {
            $trace.push($event);
        }
    };
}

/// How the exec platform is chosen among the suitable ones (spec §4.2 step 5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExecSelection {
    /// The first platform on which every mandatory type resolved (Bazel < 7.0; observed 4.2.3).
    FirstSuitable,
    /// The platform on which the most requested types resolved, ties to the earlier one
    /// (Bazel 7.0+, "most toolchains").
    MaxResolved,
}

impl ExecSelection {
    pub fn for_version(version: BazelVersion) -> ExecSelection {
        if version.major >= 7 {
            ExecSelection::MaxResolved
        } else {
            ExecSelection::FirstSuitable
        }
    }
}

/// One resolution request: a target platform and the exec groups of one target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub target_platform: Label,
    pub exec_groups: Vec<ExecGroupRequest>,
    /// The consumer's exec platform when resolving a toolchain's own toolchains (spec §4.5).
    pub forced_exec_platform: Option<Label>,
    /// `--incompatible_auto_exec_groups` (or the rule's `_use_auto_exec_groups`): the types of
    /// the default group each get their own group.
    pub auto_exec_groups: bool,
    /// With automatic exec groups: `exec_group_compatible_with` keyed by a type label.
    pub auto_exec_group_constraints: Vec<(Label, Known<Vec<Label>>)>,
    /// Overrides the version's [`ExecSelection`].
    pub selection: Option<ExecSelection>,
    /// Whether to record [`GroupResolution::trace`] (on by default; turn it off when only
    /// the outcome matters, e.g. when linting every target).
    pub trace: bool,
    /// Whether to record [`GroupResolution::per_exec`]: what each type gets on every
    /// available execution platform, not only the chosen one (one resolution instead of one
    /// per forced platform).
    pub per_exec: bool,
}

impl Request {
    /// A request for the default exec group only.
    pub fn new(target_platform: Label, types: Vec<TypeRequest>) -> Request {
        Request {
            target_platform,
            exec_groups: vec![ExecGroupRequest {
                name: None,
                types,
                exec_compatible_with: Known::Known(Vec::new()),
            }],
            forced_exec_platform: None,
            auto_exec_groups: false,
            auto_exec_group_constraints: Vec::new(),
            selection: None,
            trace: true,
            per_exec: false,
        }
    }
}

/// Everything [`resolve`] needs in one value.
#[derive(Clone, Debug)]
pub struct ResolveInput {
    pub config: Config,
    pub toolchain_registrations: Vec<Registration>,
    pub exec_platform_registrations: Vec<Registration>,
    pub request: Request,
}

/// The result for one target: one entry per exec group (automatic groups after the default).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolution {
    pub target_platform: Label,
    pub groups: Vec<GroupResolution>,
}

/// Which exec group a result belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GroupName {
    Default,
    Named(String),
    /// An automatic exec group, named after its type.
    Automatic(Label),
}

/// The resolution of one exec group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupResolution {
    pub group: GroupName,
    /// `None` on error or when undecidable.
    pub exec_platform: Option<Label>,
    /// Why the exec platform won.
    pub exec_choice: Option<ExecChoice>,
    /// The selected toolchain per type, in request order; unresolved optional types are absent.
    pub toolchains: Vec<SelectedToolchain>,
    pub error: Option<ResolveError>,
    /// Questions the simulator could not answer, and why.
    pub undecidable: Vec<Undecidable>,
    pub trace: Vec<TraceEvent>,
    /// With [`Request::per_exec`]: `(type, execution platform, toolchain)` for every type
    /// and every execution platform that is certainly available and on which the type
    /// certainly gets that toolchain (undecided ones are left out), in platform order.
    pub per_exec: Vec<(Label, Label, Label)>,
}

/// One resolved type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelectedToolchain {
    /// The type after alias resolution.
    pub toolchain_type: Label,
    /// The type label as requested (may be an alias).
    pub requested: Label,
    /// The `toolchain()` target.
    pub toolchain: Label,
    /// Its `toolchain` attribute; `None` when not statically known.
    pub implementation: Option<Label>,
}

/// A question left open, with the unknown fact it depends on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Undecidable {
    pub question: Question,
    pub cause: UnknownCause,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Question {
    /// Which label a requested type names.
    ToolchainType { requested: Label },
    /// Whether a requested type is resolved on any exec platform.
    TypeResolves { toolchain_type: Label },
    /// Which toolchain a type gets on the chosen exec platform.
    Toolchain {
        toolchain_type: Label,
        exec_platform: Label,
    },
    /// The implementation label of the selected toolchain.
    Implementation { toolchain: Label },
    /// Which exec platform is chosen.
    ExecPlatform,
}

impl std::fmt::Display for Question {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Question::ToolchainType { requested } => write!(f, "what type {requested} names"),
            Question::TypeResolves { toolchain_type } => {
                write!(f, "whether {toolchain_type} resolves")
            }
            Question::Toolchain {
                toolchain_type,
                exec_platform,
            } => write!(
                f,
                "which {toolchain_type} toolchain runs on {exec_platform}"
            ),
            Question::Implementation { toolchain } => {
                write!(f, "the implementation of {toolchain}")
            }
            Question::ExecPlatform => f.write_str("which execution platform is chosen"),
        }
    }
}

/// A resolution failure with Bazel's message for the version (spec §4.4), without the
/// target-level `While resolving toolchains for target …: ` prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResolveError {
    NoMatchingToolchains {
        types: Vec<Label>,
        message: String,
    },
    NoMatchingExecPlatform {
        types: Vec<Label>,
        target_platform: Label,
        available: Vec<Label>,
        message: String,
    },
    InvalidTargetPlatform {
        platform: Label,
        message: String,
    },
    InvalidToolchainType {
        requested: Label,
        message: String,
    },
    /// A registration error (invalid registered toolchain or exec platform) fails resolution.
    InvalidRegistration {
        message: String,
    },
    /// An execution platform that is no platform, or a platform Bazel rejects (the host
    /// platform a `filegroup`, a parent that is missing): Bazel loads every execution
    /// platform's `PlatformInfo` before filtering and fails (`InvalidPlatformException`).
    InvalidExecPlatform {
        platform: Label,
        message: String,
    },
    /// An `exec_compatible_with` entry (of the rule, the target or the exec group) that is no
    /// `constraint_value` (`InvalidConstraintValueException`).
    InvalidConstraintValue {
        label: Label,
        message: String,
    },
}

impl ResolveError {
    /// A stable snake_case kind for machine output.
    pub fn kind(&self) -> &'static str {
        match self {
            ResolveError::NoMatchingToolchains { .. } => "no_matching_toolchains",
            ResolveError::NoMatchingExecPlatform { .. } => "no_matching_exec_platform",
            ResolveError::InvalidTargetPlatform { .. } => "invalid_target_platform",
            ResolveError::InvalidToolchainType { .. } => "invalid_toolchain_type",
            ResolveError::InvalidRegistration { .. } => "invalid_registration",
            ResolveError::InvalidExecPlatform { .. } => "invalid_exec_platform",
            ResolveError::InvalidConstraintValue { .. } => "invalid_constraint_value",
        }
    }
    /// Bazel's message.
    pub fn message(&self) -> &str {
        match self {
            ResolveError::NoMatchingToolchains { message, .. }
            | ResolveError::NoMatchingExecPlatform { message, .. }
            | ResolveError::InvalidTargetPlatform { message, .. }
            | ResolveError::InvalidToolchainType { message, .. }
            | ResolveError::InvalidRegistration { message }
            | ResolveError::InvalidExecPlatform { message, .. }
            | ResolveError::InvalidConstraintValue { message, .. } => message,
        }
    }
    /// The types the error is about (empty for other kinds).
    pub fn types(&self) -> &[Label] {
        match self {
            ResolveError::NoMatchingToolchains { types, .. }
            | ResolveError::NoMatchingExecPlatform { types, .. } => types,
            _ => &[],
        }
    }
}

/// Bazel's "missing mandatory toolchain" message for `version` (spec §4.4; 4.x as observed).
pub fn no_matching_toolchains_message(version: BazelVersion, types: &[Label]) -> String {
    let list = join(types, ", ");
    match version.major {
        0..=4 => format!("no matching toolchains found for types {list}"),
        5 | 6 => format!(
            "No matching toolchains found for types {list}. Maybe --incompatible_use_cc_configure_from_rules_cc has been flipped and there is no default C++ toolchain added in the WORKSPACE file? See https://github.com/bazelbuild/bazel/issues/10134 for details and migration instructions."
        ),
        7 | 8 => format!(
            "No matching toolchains found for types {list}.\nTo debug, rerun with --toolchain_resolution_debug='{}'\nIf platforms or toolchains are a new concept for you, we'd encourage reading https://bazel.build/concepts/platforms-intro.",
            join(types, "|")
        ),
        _ => format!(
            "No matching toolchains found for types {list}.\nTo debug, rerun with --toolchain_resolution_debug='{}'\nFor more information on platforms or toolchains see https://bazel.build/concepts/platforms-intro.",
            join(types, "|")
        ),
    }
}

/// Bazel's "no exec platform" message (`NoMatchingPlatformData.formatError`).
pub fn no_matching_exec_platform_message(
    types: &[Label],
    target_platform: &Label,
    available: &[Label],
) -> String {
    if types.is_empty() {
        format!(
            "Unable to find an execution platform for target platform {target_platform} from available execution platforms [{}]",
            join(available, ", ")
        )
    } else {
        format!(
            "Unable to find an execution platform for toolchains [{}] and target platform {target_platform} from available execution platforms [{}]",
            join(types, ", "),
            join(available, ", ")
        )
    }
}

fn join(labels: &[Label], sep: &str) -> String {
    labels
        .iter()
        .map(|l| l.to_string())
        .collect::<Vec<_>>()
        .join(sep)
}

/// Resolves one request from scratch. To answer many requests, build a [`Resolver`] once.
pub fn resolve(model: &Model, input: &ResolveInput) -> Resolution {
    Resolver::new(
        model,
        &input.config,
        &input.toolchain_registrations,
        &input.exec_platform_registrations,
    )
    .resolve(&input.request)
}

/// A registered toolchain prepared for matching.
#[derive(Debug)]
struct PreparedToolchain {
    r: ToolchainRef,
    /// `toolchain = select(...)`: the conditions (`None`: `//conditions:default`) and labels.
    implementation_select: Option<Vec<(Option<PreparedSetting>, Label)>>,
    /// Why the whole toolchain is opaque (not modelled, placeholder), if it is.
    opaque: Option<UnknownCause>,
    settings: Vec<PreparedSetting>,
    settings_unknown: Option<UnknownCause>,
    exec: ConstraintSet,
    target: ConstraintSet,
    use_target: Known<bool>,
    type_unknown: Option<UnknownCause>,
}

/// A registered exec platform prepared for matching.
#[derive(Debug)]
struct PreparedExec {
    label: Label,
    constraints: Arc<PlatformConstraints>,
    unknown: Option<UnknownCause>,
    required: Known<Vec<PreparedSetting>>,
    allowed_types: Option<Vec<Label>>,
    /// `check_toolchain_types`/`allowed_toolchain_types` are computed (Bazel 9+: whether the
    /// platform serves a type is unknown).
    allowed_unknown: bool,
}

/// Answers resolution requests against fixed registrations and configuration.
pub struct Resolver<'m> {
    model: &'m Model,
    config: Config,
    defaults: Defaults,
    toolchains: Registered,
    exec_platforms: Registered,
    prepared: Vec<PreparedToolchain>,
    by_type: FxHashMap<Label, Vec<usize>>,
    any_type: Vec<usize>,
    exec: Vec<PreparedExec>,
    platform_cache: RwLock<FxHashMap<Label, Arc<PlatformConstraints>>>,
    /// Per toolchain (not `use_target_platform_constraints`), per exec platform: predicate B on
    /// the exec side, which no request changes.
    exec_matrix: Vec<Vec<Match>>,
    /// Per target platform: everything that depends on it, computed on first use.
    target_caches: RwLock<FxHashMap<Label, Arc<TargetCache>>>,
}

/// Request-independent facts for one target platform.
struct TargetCache {
    /// Per prepared toolchain: its `target_settings` verdict.
    settings: Vec<SettingMatch>,
    /// Per prepared toolchain: predicate B on the target side (`None` when not applicable).
    target: Vec<Option<Match>>,
    /// Per prepared toolchain with `use_target_platform_constraints`: predicate B of the target
    /// platform's constraints against each exec platform (empty for other toolchains).
    utpc_exec: Vec<Vec<Match>>,
    /// Per exec platform: its `required_settings` verdict.
    required: Vec<SettingMatch>,
    /// Per prepared toolchain whose `toolchain` is a `select()`: the implementation it
    /// chooses in this target configuration, or why that is unknown (empty for others).
    implementations: Vec<Option<Result<Label, UnknownCause>>>,
}

/// Membership of an exec platform in the filtered list.
#[derive(Clone, Debug)]
enum Member {
    Yes,
    Maybe(UnknownCause),
}

/// One available exec platform of a group.
struct Avail<'r> {
    /// Index into the resolver's exec platforms (and the precomputed matrices).
    index: usize,
    exec: &'r PreparedExec,
    member: Member,
}

/// The per-(type, exec platform) result.
#[derive(Clone, Debug)]
enum Cell {
    Empty,
    Selected(usize),
    /// `first` is the first toolchain (if any) whose applicability is unknown; `fallback` is
    /// whether a later toolchain definitely matches, so that the platform certainly gets
    /// *some* toolchain of the type.
    Undecidable {
        first: Option<usize>,
        cause: UnknownCause,
        fallback: bool,
    },
}

/// A requested type after alias resolution.
struct TypeState {
    requested: Label,
    label: Label,
    mandatory: Known<bool>,
    unknown: Option<UnknownCause>,
    cells: Vec<Cell>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tri {
    Yes,
    No,
    Maybe,
}

/// An exec group as resolved: types and exec constraints already combined.
struct GroupSpec {
    name: GroupName,
    types: Vec<TypeRequest>,
    exec_constraints: Known<Vec<Label>>,
}

impl<'m> Resolver<'m> {
    /// Computes the registered lists and prepares everything request-independent.
    pub fn new(
        model: &'m Model,
        config: &Config,
        toolchain_registrations: &[Registration],
        exec_platform_registrations: &[Registration],
    ) -> Resolver<'m> {
        let toolchains = registered_toolchains(model, toolchain_registrations, config);
        let exec_platforms = registered_exec_platforms(model, exec_platform_registrations, config);
        Resolver::from_registered(model, config, toolchains, exec_platforms)
    }

    /// Like [`Resolver::new`], from registered lists computed by the caller.
    pub fn from_registered(
        model: &'m Model,
        config: &Config,
        toolchains: Registered,
        exec_platforms: Registered,
    ) -> Resolver<'m> {
        let defaults = Defaults::new(model);
        let mut cache: FxHashMap<Label, Arc<PlatformConstraints>> = FxHashMap::default();
        let mut platform = |label: &Label| -> Arc<PlatformConstraints> {
            cache
                .entry(*label)
                .or_insert_with(|| Arc::new(PlatformConstraints::compute(model, label)))
                .clone()
        };

        let mut exec = Vec::new();
        for e in &exec_platforms.entries {
            let label = e.label.unwrap_or(config.host_platform);
            let p = model.platforms.get(&label);
            let required = match p.map(|p| &p.required_settings) {
                Some(Known::Known(list)) => Known::Known(
                    list.iter()
                        .map(|s| PreparedSetting::new(model, config, s))
                        .collect(),
                ),
                Some(Known::Unknown) => Known::Unknown,
                None => Known::Known(Vec::new()),
            };
            let allowed = p.and_then(|p| p.allowed_toolchain_types.as_ref());
            let allowed_unknown = matches!(allowed, Some(Known::Unknown));
            let allowed_types = allowed.and_then(Known::as_known).map(|l| {
                l.iter()
                    .map(|t| match resolve_alias(model, t) {
                        AliasOutcome::Target(x) => x,
                        _ => *t,
                    })
                    .collect()
            });
            exec.push(PreparedExec {
                constraints: match &e.unknown {
                    Some(c) => Arc::new(PlatformConstraints::unknown(label, c.clone())),
                    None => platform(&label),
                },
                label,
                unknown: e.unknown.clone(),
                required,
                allowed_types,
                allowed_unknown,
            });
        }

        let mut prepared = Vec::new();
        let mut by_type: FxHashMap<Label, Vec<usize>> = FxHashMap::default();
        let mut any_type = Vec::new();
        for (index, e) in toolchains.entries.iter().enumerate() {
            let tc = e.label.as_ref().and_then(|l| model.toolchains.get(l));
            let (p, type_label) = match (tc, &e.unknown, &e.label) {
                (Some(tc), None, Some(label)) => prepare_toolchain(model, config, label, tc),
                (_, unknown, label) => {
                    let cause = unknown
                        .clone()
                        .unwrap_or_else(|| UnknownCause::NotModelled {
                            label: (*label).unwrap_or(config.host_platform),
                        });
                    (
                        PreparedToolchain {
                            r: ToolchainRef {
                                toolchain: *label,
                                implementation: None,
                            },
                            implementation_select: None,
                            opaque: Some(cause.clone()),
                            settings: Vec::new(),
                            settings_unknown: None,
                            exec: ConstraintSet::default(),
                            target: ConstraintSet::default(),
                            use_target: Known::Known(false),
                            type_unknown: Some(cause),
                        },
                        None,
                    )
                }
            };
            match type_label {
                Some(t) => by_type.entry(t).or_default().push(index),
                None => any_type.push(index),
            }
            prepared.push(p);
        }

        let exec_matrix = prepared
            .iter()
            .map(|tc| match (&tc.opaque, &tc.use_target) {
                (None, Known::Known(false)) => exec
                    .iter()
                    .map(|e| toolchain_matches(&tc.exec, &e.constraints, &defaults))
                    .collect(),
                _ => Vec::new(),
            })
            .collect();
        Resolver {
            model,
            config: config.clone(),
            defaults,
            toolchains,
            exec_platforms,
            prepared,
            by_type,
            any_type,
            exec,
            platform_cache: RwLock::new(cache),
            exec_matrix,
            target_caches: RwLock::new(FxHashMap::default()),
        }
    }

    /// The registered toolchains (before `target_settings`), highest priority first.
    pub fn registered_toolchains(&self) -> &Registered {
        &self.toolchains
    }

    /// The registered exec platforms, host last.
    pub fn registered_exec_platforms(&self) -> &Registered {
        &self.exec_platforms
    }

    /// The exec selection rule in effect for this resolver's Bazel version.
    pub fn selection(&self) -> ExecSelection {
        ExecSelection::for_version(self.config.version)
    }

    fn platform(&self, label: &Label) -> Arc<PlatformConstraints> {
        if let Ok(cache) = self.platform_cache.read() {
            if let Some(p) = cache.get(label) {
                return p.clone();
            }
        }
        let p = Arc::new(PlatformConstraints::compute(self.model, label));
        if let Ok(mut cache) = self.platform_cache.write() {
            cache.insert(*label, p.clone());
        }
        p
    }

    fn target_cache(&self, label: &Label) -> Arc<TargetCache> {
        if let Ok(cache) = self.target_caches.read() {
            if let Some(c) = cache.get(label) {
                return c.clone();
            }
        }
        let target = self.platform(label);
        let defaults = &self.defaults;
        let mut c = TargetCache {
            settings: Vec::with_capacity(self.prepared.len()),
            target: Vec::with_capacity(self.prepared.len()),
            utpc_exec: Vec::with_capacity(self.prepared.len()),
            implementations: Vec::with_capacity(self.prepared.len()),
            required: self
                .exec
                .iter()
                .map(|e| match &e.required {
                    Known::Known(settings) => match_all(settings, &target, defaults),
                    Known::Unknown => SettingMatch::Match,
                })
                .collect(),
        };
        let target_set = target.as_constraint_set();
        for tc in &self.prepared {
            c.implementations
                .push(tc.implementation_select.as_ref().map(|branches| {
                    choose_branch(tc.r.toolchain.as_ref(), branches, &target, defaults)
                }));
            c.settings.push(match_all(&tc.settings, &target, defaults));
            let set = match (&tc.opaque, &tc.use_target) {
                (None, Known::Known(true)) => Some(&target_set),
                (None, Known::Known(false)) => Some(&tc.target),
                _ => None,
            };
            c.target
                .push(set.map(|set| toolchain_matches(set, &target, defaults)));
            c.utpc_exec.push(match (&tc.opaque, &tc.use_target) {
                (None, Known::Known(true)) => self
                    .exec
                    .iter()
                    .map(|e| toolchain_matches(&target_set, &e.constraints, defaults))
                    .collect(),
                _ => Vec::new(),
            });
        }
        let c = Arc::new(c);
        if let Ok(mut cache) = self.target_caches.write() {
            cache.insert(*label, c.clone());
        }
        c
    }

    /// Resolves every exec group of `request`.
    pub fn resolve(&self, request: &Request) -> Resolution {
        let mut groups = Vec::new();
        for g in &request.exec_groups {
            let name = match &g.name {
                None => GroupName::Default,
                Some(n) => GroupName::Named(n.clone()),
            };
            if request.auto_exec_groups && g.name.is_none() {
                groups.push(GroupSpec {
                    name,
                    types: Vec::new(),
                    exec_constraints: g.exec_compatible_with.clone(),
                });
                for t in &g.types {
                    let extra = request
                        .auto_exec_group_constraints
                        .iter()
                        .find(|(k, _)| *k == t.toolchain_type)
                        .map(|(_, v)| v.clone())
                        .unwrap_or(Known::Known(Vec::new()));
                    let exec_constraints = match (&g.exec_compatible_with, extra) {
                        (Known::Known(a), Known::Known(b)) => {
                            Known::Known(a.iter().chain(b.iter()).cloned().collect())
                        }
                        _ => Known::Unknown,
                    };
                    groups.push(GroupSpec {
                        name: GroupName::Automatic(t.toolchain_type),
                        types: vec![t.clone()],
                        exec_constraints,
                    });
                }
            } else {
                groups.push(GroupSpec {
                    name,
                    types: g.types.clone(),
                    exec_constraints: g.exec_compatible_with.clone(),
                });
            }
        }
        let selection = request
            .selection
            .unwrap_or_else(|| ExecSelection::for_version(self.config.version));
        let groups = groups
            .into_iter()
            .map(|g| self.resolve_group(request, &g, selection))
            .collect();
        Resolution {
            target_platform: request.target_platform,
            groups,
        }
    }

    fn resolve_group(
        &self,
        request: &Request,
        group: &GroupSpec,
        selection: ExecSelection,
    ) -> GroupResolution {
        let mut out = GroupResolution {
            group: group.name.clone(),
            exec_platform: None,
            exec_choice: None,
            toolchains: Vec::new(),
            error: None,
            undecidable: Vec::new(),
            trace: Vec::new(),
            per_exec: Vec::new(),
        };
        let version = self.config.version;
        let on = request.trace;

        // Registration errors fail resolution as in Bazel (the registered lists are shared).
        let reg_error = self.exec_platforms.errors.first().or_else(|| {
            if group.types.is_empty() {
                None
            } else {
                self.toolchains.errors.first()
            }
        });
        if let Some(e) = reg_error {
            out.error = Some(ResolveError::InvalidRegistration {
                message: e.message.clone(),
            });
            return out;
        }

        // The target platform.
        let target_label = &request.target_platform;
        match resolve_alias(self.model, target_label) {
            AliasOutcome::Target(l) => {
                if !matches!(target_kind(self.model, &l), Some(TargetKind::Platform)) {
                    out.error = Some(ResolveError::InvalidTargetPlatform {
                        platform: *target_label,
                        message: format!(
                            "Target {l} was referenced as a platform, but does not provide PlatformInfo"
                        ),
                    });
                    return out;
                }
            }
            AliasOutcome::Missing(m) => {
                out.error = Some(ResolveError::InvalidTargetPlatform {
                    platform: *target_label,
                    message: m.message(),
                });
                return out;
            }
            AliasOutcome::Unknown(_) | AliasOutcome::Cycle(_) => {}
        }
        // A platform Bazel rejects (a cyclic alias or parent chain, two parents, a parent of
        // the wrong kind or missing) fails as a target platform too.
        if let Some(UnknownCause::Invalid { message, .. }) = self.platform(target_label).invalid() {
            out.error = Some(ResolveError::InvalidTargetPlatform {
                platform: *target_label,
                message: message.clone(),
            });
            return out;
        }
        // Every execution platform must be a platform: Bazel reads each one's `PlatformInfo`
        // before filtering (ToolchainResolutionFunctionTest: resolve_invalidHostPlatform).
        // Only a label that is certainly no platform (of another kind, missing from the main
        // repository, an alias cycle) fails here; a platform toolcheck cannot read stays
        // undecided below, and so does a platform whose own attributes are broken (a missing
        // parent or constraint value): Bazel fails on it too, but that would hide every answer
        // behind one typo, and the checks report the attribute.
        if let Some((platform, message)) = self.exec.iter().find_map(|e| match &e.unknown {
            Some(UnknownCause::Invalid { message, .. }) => Some((&e.label, message.clone())),
            Some(_) => None,
            None => match target_kind(self.model, &e.label) {
                Some(TargetKind::Platform) | Some(TargetKind::Alias(_)) | None => None,
                Some(_) => Some((
                    &e.label,
                    format!(
                        "Target {} was referenced as a platform, but does not provide PlatformInfo",
                        e.label
                    ),
                )),
            },
        }) {
            out.error = Some(ResolveError::InvalidExecPlatform {
                platform: *platform,
                message,
            });
            return out;
        }
        let tcache = self.target_cache(target_label);
        let defaults = &self.defaults;

        // 1. Available exec platforms (predicate A on the group's exec constraints).
        let constraints = ValueList::resolve(
            self.model,
            &group.exec_constraints,
            None,
            "exec_compatible_with",
        );
        // An entry that is no constraint value fails resolution whatever else is unknown
        // (resolve_execConstraints_invalid); `ValueList` keeps such a cause first.
        if let Some(UnknownCause::Invalid { target, message }) = &constraints.unknown {
            out.error = Some(ResolveError::InvalidConstraintValue {
                label: *target,
                message: message.clone(),
            });
            return out;
        }
        let mut avail: Vec<Avail<'_>> = Vec::new();
        let mut seen: FxHashSet<&Label> = FxHashSet::default();
        for (index, e) in self.exec.iter().enumerate() {
            if !seen.insert(&e.label) {
                emit!(
                    on,
                    out.trace,
                    TraceEvent::ExecPlatformDuplicate { platform: e.label }
                );
                continue;
            }
            // Whether the entry is a platform at all is unknown for placeholders and
            // unresolvable aliases; a known platform with unknown facts is still registered.
            let mut maybe: Option<UnknownCause> = match &e.unknown {
                Some(UnknownCause::NotModelled { .. })
                | Some(UnknownCause::Invalid { .. })
                | None => None,
                Some(other) => Some(other.clone()),
            };
            if version.major >= 9 && e.allowed_unknown {
                maybe.get_or_insert(UnknownCause::Attribute {
                    target: Some(e.label),
                    attribute: "allowed_toolchain_types",
                });
            }
            if version.major >= 8 {
                match &e.required {
                    Known::Known(_) => match &tcache.required[index] {
                        SettingMatch::Match => {}
                        SettingMatch::NoMatch(settings) => {
                            emit!(
                                on,
                                out.trace,
                                TraceEvent::ExecPlatformRejectedSettings {
                                    platform: e.label,
                                    settings: settings.clone(),
                                }
                            );
                            continue;
                        }
                        SettingMatch::Unknown(c) => {
                            maybe.get_or_insert(c.clone());
                        }
                    },
                    Known::Unknown => {
                        maybe.get_or_insert(UnknownCause::Attribute {
                            target: Some(e.label),
                            attribute: "required_settings",
                        });
                    }
                }
            }
            match has_all(&e.constraints, &constraints, defaults) {
                Match::No(missing) => {
                    emit!(
                        on,
                        out.trace,
                        TraceEvent::ExecPlatformRemoved {
                            platform: e.label,
                            missing,
                        }
                    );
                    continue;
                }
                Match::Unknown(c) => {
                    maybe.get_or_insert(c);
                }
                Match::Yes => {}
            }
            let member = match maybe {
                None => {
                    emit!(
                        on,
                        out.trace,
                        TraceEvent::ExecPlatformKept { platform: e.label }
                    );
                    Member::Yes
                }
                Some(cause) => {
                    emit!(
                        on,
                        out.trace,
                        TraceEvent::ExecPlatformUndecidable {
                            platform: e.label,
                            cause: cause.clone(),
                        }
                    );
                    Member::Maybe(cause)
                }
            };
            avail.push(Avail {
                index,
                exec: e,
                member,
            });
        }
        let check_types = version.major >= 9;

        // 2–3. Per type, per platform, the first matching toolchain.
        let mut types: Vec<TypeState> = Vec::new();
        let mut seen_types: FxHashSet<Label> = FxHashSet::default();
        for t in &group.types {
            let (label, unknown) = match resolve_alias(self.model, &t.toolchain_type) {
                AliasOutcome::Target(l) => {
                    if matches!(target_kind(self.model, &l), Some(TargetKind::ToolchainType)) {
                        (l, None)
                    } else if t.ignore_if_invalid {
                        // genrule `toolchains`: labels that are no types are silently ignored.
                        emit!(
                            on,
                            out.trace,
                            TraceEvent::TypeIgnored {
                                requested: t.toolchain_type,
                                reason: format!("{l} is not a toolchain_type"),
                            }
                        );
                        continue;
                    } else {
                        out.error = Some(ResolveError::InvalidToolchainType {
                            requested: t.toolchain_type,
                            message: format!(
                                "Target {l} was referenced as a toolchain type, but does not provide ToolchainTypeInfo"
                            ),
                        });
                        return out;
                    }
                }
                AliasOutcome::Missing(m) => {
                    out.error = Some(ResolveError::InvalidToolchainType {
                        requested: t.toolchain_type,
                        message: m.message(),
                    });
                    return out;
                }
                AliasOutcome::Unknown(c) => (t.toolchain_type, Some(c)),
                AliasOutcome::Cycle(c) => {
                    out.error = Some(ResolveError::InvalidToolchainType {
                        requested: t.toolchain_type,
                        message: crate::platforms::cycle_message(&c),
                    });
                    return out;
                }
            };
            if !seen_types.insert(label) {
                continue;
            }
            if let Some(c) = &unknown {
                out.undecidable.push(Undecidable {
                    question: Question::ToolchainType {
                        requested: t.toolchain_type,
                    },
                    cause: c.clone(),
                });
            }
            let mut state = TypeState {
                requested: t.toolchain_type,
                label,
                mandatory: t.mandatory.clone(),
                unknown,
                cells: vec![Cell::Empty; avail.len()],
            };
            self.resolve_type(&mut state, &avail, &tcache, check_types, on, &mut out.trace);
            types.push(state);
        }

        if request.per_exec {
            for t in &types {
                for (a, cell) in avail.iter().zip(&t.cells) {
                    if let (Member::Yes, Cell::Selected(idx)) = (&a.member, cell) {
                        if let Some(toolchain) = &self.prepared[*idx].r.toolchain {
                            out.per_exec.push((t.label, a.exec.label, *toolchain));
                        }
                    }
                }
            }
        }

        // 4. Mandatory types with no toolchain on any available platform.
        let mut missing = Vec::new();
        for t in &types {
            let definite = avail.iter().zip(&t.cells).any(|(a, c)| {
                matches!(a.member, Member::Yes)
                    && matches!(
                        c,
                        Cell::Selected(_) | Cell::Undecidable { fallback: true, .. }
                    )
            });
            let possible = t.cells.iter().any(|c| !matches!(c, Cell::Empty));
            if definite {
                continue;
            }
            let cause = t.cells.iter().find_map(|c| match c {
                Cell::Undecidable { cause, .. } => Some(cause.clone()),
                _ => None,
            });
            let cause = cause.or_else(|| {
                avail.iter().find_map(|a| match &a.member {
                    Member::Maybe(c) => Some(c.clone()),
                    Member::Yes => None,
                })
            });
            match (&t.mandatory, possible, cause) {
                (Known::Known(true), false, _) => match &self.model.unseen_registrations {
                    Some(unseen) => out.undecidable.push(Undecidable {
                        question: Question::TypeResolves {
                            toolchain_type: t.label,
                        },
                        cause: unseen.clone(),
                    }),
                    None => missing.push(t.label),
                },
                (Known::Unknown, false, _) => out.undecidable.push(Undecidable {
                    question: Question::TypeResolves {
                        toolchain_type: t.label,
                    },
                    cause: UnknownCause::Mandatory {
                        toolchain_type: t.label,
                    },
                }),
                (Known::Known(true) | Known::Unknown, true, Some(cause)) => {
                    out.undecidable.push(Undecidable {
                        question: Question::TypeResolves {
                            toolchain_type: t.label,
                        },
                        cause,
                    })
                }
                _ => {}
            }
        }
        if !missing.is_empty() {
            out.error = Some(ResolveError::NoMatchingToolchains {
                message: no_matching_toolchains_message(version, &missing),
                types: missing,
            });
            return out;
        }

        // 5. Choose the exec platform.
        let n_types = types.len();
        let mut suit = Vec::with_capacity(avail.len());
        let mut lo = Vec::with_capacity(avail.len());
        let mut hi = Vec::with_capacity(avail.len());
        for (i, a) in avail.iter().enumerate() {
            let mut s = match a.member {
                Member::Yes => Tri::Yes,
                Member::Maybe(_) => Tri::Maybe,
            };
            if types.is_empty() && check_types && a.exec.allowed_types.is_some() {
                emit!(
                    on,
                    out.trace,
                    TraceEvent::ExecPlatformTypeNotAllowed {
                        platform: a.exec.label,
                        toolchain_type: None,
                    }
                );
                s = Tri::No;
            }
            let (mut l, mut h) = (0, 0);
            for t in &types {
                let has = match &t.cells[i] {
                    Cell::Selected(_) => {
                        l += 1;
                        h += 1;
                        Tri::Yes
                    }
                    Cell::Undecidable { fallback: true, .. } => {
                        l += 1;
                        h += 1;
                        Tri::Yes
                    }
                    Cell::Undecidable { .. } => {
                        h += 1;
                        Tri::Maybe
                    }
                    Cell::Empty => Tri::No,
                };
                let need = match (&t.mandatory, has) {
                    (Known::Known(false), _) | (_, Tri::Yes) => Tri::Yes,
                    (Known::Known(true), other) => other,
                    (Known::Unknown, _) => Tri::Maybe,
                };
                s = and(s, need);
            }
            suit.push(s);
            lo.push(l);
            hi.push(h);
        }

        let mut winner: Option<(usize, ExecChoice)> = None;
        if let Some(forced) = &request.forced_exec_platform {
            let forced = match resolve_alias(self.model, forced) {
                AliasOutcome::Target(l) => l,
                _ => *forced,
            };
            match avail.iter().position(|a| a.exec.label == forced) {
                Some(i) if suit[i] == Tri::Yes => winner = Some((i, ExecChoice::Forced)),
                Some(i) if suit[i] == Tri::Maybe => {
                    out.undecidable.push(Undecidable {
                        question: Question::ExecPlatform,
                        cause: self.maybe_cause(&avail[i], &types, i),
                    });
                    return out;
                }
                Some(_) => emit!(
                    on,
                    out.trace,
                    TraceEvent::ForcedExecPlatformIgnored {
                        platform: forced,
                        reason: "a mandatory toolchain type does not resolve on it".into(),
                    }
                ),
                None => emit!(
                    on,
                    out.trace,
                    TraceEvent::ForcedExecPlatformIgnored {
                        platform: forced,
                        reason: "it is not an available execution platform".into(),
                    }
                ),
            }
        }
        if winner.is_none() {
            let candidates: Vec<usize> = (0..avail.len()).filter(|&i| suit[i] != Tri::No).collect();
            if candidates.is_empty() {
                // An execution platform toolcheck did not see could suit.
                if let Some(unseen) = &self.model.unseen_registrations {
                    out.undecidable.push(Undecidable {
                        question: Question::ExecPlatform,
                        cause: unseen.clone(),
                    });
                    return out;
                }
                let available: Vec<Label> = avail.iter().map(|a| a.exec.label).collect();
                let type_labels: Vec<Label> = types.iter().map(|t| t.label).collect();
                out.error = Some(ResolveError::NoMatchingExecPlatform {
                    message: no_matching_exec_platform_message(
                        &type_labels,
                        target_label,
                        &available,
                    ),
                    types: type_labels,
                    target_platform: *target_label,
                    available,
                });
                return out;
            }
            let first = candidates[0];
            let chosen = match selection {
                ExecSelection::FirstSuitable => (suit[first] == Tri::Yes).then_some(first),
                ExecSelection::MaxResolved => candidates.iter().copied().find(|&w| {
                    suit[w] == Tri::Yes
                        && candidates.iter().all(|&e| {
                            e == w || (e < w && hi[e] < lo[w]) || (e > w && hi[e] <= lo[w])
                        })
                }),
            };
            match chosen {
                Some(w) => {
                    let reason = if w == first {
                        ExecChoice::FirstSuitable {
                            resolved: lo[w],
                            requested: n_types,
                        }
                    } else {
                        ExecChoice::MostResolved {
                            resolved: lo[w],
                            requested: n_types,
                            passed_over: candidates
                                .iter()
                                .filter(|&&e| e < w)
                                .map(|&e| (avail[e].exec.label, hi[e]))
                                .collect(),
                        }
                    };
                    winner = Some((w, reason));
                }
                None => {
                    let blocking = candidates
                        .iter()
                        .copied()
                        .find(|&e| suit[e] == Tri::Maybe || lo[e] != hi[e])
                        .unwrap_or(first);
                    out.undecidable.push(Undecidable {
                        question: Question::ExecPlatform,
                        cause: self.maybe_cause(&avail[blocking], &types, blocking),
                    });
                    return out;
                }
            }
        }
        let Some((w, reason)) = winner else {
            return out;
        };
        let platform = avail[w].exec.label;
        emit!(
            on,
            out.trace,
            TraceEvent::ExecPlatformChosen {
                platform,
                reason: reason.clone(),
            }
        );
        out.exec_platform = Some(platform);
        out.exec_choice = Some(reason);

        // 6. The toolchains on the chosen platform.
        for t in &types {
            match &t.cells[w] {
                Cell::Selected(idx) => {
                    let p = &self.prepared[*idx];
                    let Some(toolchain) = p.r.toolchain else {
                        continue;
                    };
                    let mut implementation = p.r.implementation;
                    let mut unknown = UnknownCause::Attribute {
                        target: Some(toolchain),
                        attribute: "toolchain",
                    };
                    match tcache.implementations.get(*idx) {
                        Some(Some(Ok(chosen))) => implementation = Some(*chosen),
                        Some(Some(Err(cause))) => unknown = cause.clone(),
                        _ => {}
                    }
                    if implementation.is_none() {
                        out.undecidable.push(Undecidable {
                            question: Question::Implementation { toolchain },
                            cause: unknown,
                        });
                    }
                    out.toolchains.push(SelectedToolchain {
                        toolchain_type: t.label,
                        requested: t.requested,
                        toolchain,
                        implementation,
                    });
                }
                Cell::Undecidable { cause, .. } => out.undecidable.push(Undecidable {
                    question: Question::Toolchain {
                        toolchain_type: t.label,
                        exec_platform: platform,
                    },
                    cause: cause.clone(),
                }),
                Cell::Empty => {}
            }
        }
        out
    }

    /// The unknown fact that keeps platform `i` from being decided.
    fn maybe_cause(&self, a: &Avail<'_>, types: &[TypeState], i: usize) -> UnknownCause {
        if let Member::Maybe(c) = &a.member {
            return c.clone();
        }
        for t in types {
            if let Cell::Undecidable { cause: c, .. } = &t.cells[i] {
                return c.clone();
            }
            if t.mandatory == Known::Unknown {
                return UnknownCause::Mandatory {
                    toolchain_type: t.label,
                };
            }
        }
        UnknownCause::NotModelled {
            label: a.exec.label,
        }
    }

    /// The candidate toolchains of `type_label` in priority order: those of that type plus
    /// those whose type is unknown.
    fn candidates(&self, type_label: &Label) -> Vec<usize> {
        let typed = self
            .by_type
            .get(type_label)
            .map_or(&[][..], |v| v.as_slice());
        let mut out = Vec::with_capacity(typed.len() + self.any_type.len());
        let (mut i, mut j) = (0, 0);
        while i < typed.len() || j < self.any_type.len() {
            let take_typed =
                j >= self.any_type.len() || (i < typed.len() && typed[i] < self.any_type[j]);
            if take_typed {
                out.push(typed[i]);
                i += 1;
            } else {
                out.push(self.any_type[j]);
                j += 1;
            }
        }
        out
    }

    /// Bazel's loop for one type: toolchains outside, exec platforms inside; the first match
    /// claims a platform.
    fn resolve_type(
        &self,
        t: &mut TypeState,
        avail: &[Avail<'_>],
        tcache: &TargetCache,
        check_types: bool,
        on: bool,
        trace: &mut Vec<TraceEvent>,
    ) {
        let ty = t.label;
        emit!(
            on,
            trace,
            TraceEvent::TypeStart {
                toolchain_type: ty,
                requested: t.requested,
                mandatory: t.mandatory.as_known().copied(),
            }
        );
        let mut eligible = vec![true; avail.len()];
        for (i, a) in avail.iter().enumerate() {
            if let (true, Some(allowed)) = (check_types, &a.exec.allowed_types) {
                if !allowed.contains(&ty) {
                    eligible[i] = false;
                    emit!(
                        on,
                        trace,
                        TraceEvent::ExecPlatformTypeNotAllowed {
                            platform: a.exec.label,
                            toolchain_type: Some(ty),
                        }
                    );
                }
            }
        }
        let mut remaining = eligible.iter().filter(|e| **e).count();
        if let Some(cause) = &t.unknown {
            // The type itself is unknown: nothing about it can be decided.
            for (i, cell) in t.cells.iter_mut().enumerate() {
                if eligible[i] {
                    *cell = Cell::Undecidable {
                        first: None,
                        cause: cause.clone(),
                        fallback: false,
                    };
                }
            }
            return;
        }
        let mut assigned: Vec<(usize, usize)> = Vec::new();
        let mut announced = false;
        for idx in self.candidates(&ty) {
            // Bazel stops once every platform is assigned; the simulator keeps looking for a
            // definite fallback behind undecidable assignments.
            let pending = t.cells.iter().any(|c| {
                matches!(
                    c,
                    Cell::Undecidable {
                        first: Some(_),
                        fallback: false,
                        ..
                    }
                )
            });
            if remaining == 0 && !pending {
                break;
            }
            let tc = &self.prepared[idx];
            let r = &tc.r;
            let mut cond: Option<UnknownCause> = tc.opaque.clone().or(tc.type_unknown.clone());
            if cond.is_none() {
                match &tcache.settings[idx] {
                    SettingMatch::NoMatch(settings) => {
                        emit!(
                            on,
                            trace,
                            TraceEvent::ToolchainRejectedSettings {
                                toolchain_type: ty,
                                toolchain: r.clone(),
                                settings: settings.clone(),
                            }
                        );
                        continue;
                    }
                    SettingMatch::Unknown(c) => cond = Some(c.clone()),
                    SettingMatch::Match => cond = tc.settings_unknown.clone(),
                }
            }
            if tc.opaque.is_none() && tc.use_target == Known::Unknown {
                cond.get_or_insert(UnknownCause::Attribute {
                    target: r.toolchain,
                    attribute: "use_target_platform_constraints",
                });
            }
            match &tcache.target[idx] {
                Some(Match::No(mismatching)) => {
                    emit!(
                        on,
                        trace,
                        TraceEvent::ToolchainRejectedTarget {
                            toolchain_type: ty,
                            toolchain: r.clone(),
                            mismatching: mismatching.clone(),
                        }
                    );
                    continue;
                }
                Some(Match::Unknown(c)) => {
                    cond.get_or_insert(c.clone());
                }
                Some(Match::Yes) | None => {}
            }
            match &cond {
                None => emit!(
                    on,
                    trace,
                    TraceEvent::ToolchainCompatibleWithTarget {
                        toolchain_type: ty,
                        toolchain: r.clone(),
                    }
                ),
                Some(c) => emit!(
                    on,
                    trace,
                    TraceEvent::ToolchainUndecidable {
                        toolchain_type: ty,
                        toolchain: r.clone(),
                        exec_platform: None,
                        cause: c.clone(),
                    }
                ),
            }
            for (i, a) in avail.iter().enumerate() {
                if !eligible[i] {
                    continue;
                }
                let platform = &a.exec.label;
                // Exec-side verdicts are precomputed: per toolchain and exec platform, or per
                // target platform for `use_target_platform_constraints`.
                let unknown_exec = |c: Option<&UnknownCause>| {
                    Match::Unknown(
                        c.cloned()
                            .unwrap_or(UnknownCause::NotModelled { label: *platform }),
                    )
                };
                let exec_match: std::borrow::Cow<'_, Match> = match (&tc.opaque, &tc.use_target) {
                    (Some(_), _) | (None, Known::Unknown) => {
                        std::borrow::Cow::Owned(unknown_exec(cond.as_ref()))
                    }
                    (None, Known::Known(true)) => tcache.utpc_exec[idx].get(a.index).map_or_else(
                        || std::borrow::Cow::Owned(unknown_exec(None)),
                        std::borrow::Cow::Borrowed,
                    ),
                    (None, Known::Known(false)) => self.exec_matrix[idx].get(a.index).map_or_else(
                        || std::borrow::Cow::Owned(unknown_exec(None)),
                        std::borrow::Cow::Borrowed,
                    ),
                };
                match &mut t.cells[i] {
                    Cell::Selected(sel) => {
                        let sel = *sel;
                        emit!(
                            on,
                            trace,
                            TraceEvent::ToolchainSkipped {
                                toolchain_type: ty,
                                toolchain: r.clone(),
                                exec_platform: *platform,
                                selected: self.prepared[sel].r.clone(),
                            }
                        );
                        continue;
                    }
                    Cell::Undecidable {
                        first: Some(sel),
                        fallback,
                        ..
                    } => {
                        let sel = *sel;
                        if cond.is_none() && *exec_match == Match::Yes {
                            *fallback = true;
                        }
                        emit!(
                            on,
                            trace,
                            TraceEvent::ToolchainSkipped {
                                toolchain_type: ty,
                                toolchain: r.clone(),
                                exec_platform: *platform,
                                selected: self.prepared[sel].r.clone(),
                            }
                        );
                        continue;
                    }
                    Cell::Undecidable { first: None, .. } => continue,
                    Cell::Empty => {}
                }
                match (exec_match.into_owned(), &cond) {
                    (Match::No(mismatching), _) => emit!(
                        on,
                        trace,
                        TraceEvent::ToolchainRejectedExec {
                            toolchain_type: ty,
                            toolchain: r.clone(),
                            exec_platform: *platform,
                            mismatching,
                        }
                    ),
                    (Match::Yes, None) => {
                        t.cells[i] = Cell::Selected(idx);
                        remaining -= 1;
                        assigned.push((i, idx));
                        emit!(
                            on,
                            trace,
                            TraceEvent::ToolchainSelected {
                                toolchain_type: ty,
                                toolchain: r.clone(),
                                exec_platform: *platform,
                            }
                        );
                    }
                    (m, _) => {
                        // The toolchain's own unknown (settings, target side) is the better
                        // explanation; otherwise the exec side's.
                        let c = match (cond.clone(), m) {
                            (Some(c), _) => c,
                            (None, Match::Unknown(c)) => c,
                            (None, _) => UnknownCause::NotModelled { label: *platform },
                        };
                        t.cells[i] = Cell::Undecidable {
                            first: Some(idx),
                            cause: c.clone(),
                            fallback: false,
                        };
                        remaining -= 1;
                        emit!(
                            on,
                            trace,
                            TraceEvent::ToolchainUndecidable {
                                toolchain_type: ty,
                                toolchain: r.clone(),
                                exec_platform: Some(*platform),
                                cause: c,
                            }
                        );
                    }
                }
            }
            if remaining == 0 && !announced {
                announced = true;
                emit!(
                    on,
                    trace,
                    TraceEvent::AllExecPlatformsAssigned { toolchain_type: ty }
                );
            }
        }
        let undecided = t
            .cells
            .iter()
            .any(|c| matches!(c, Cell::Undecidable { .. }));
        if assigned.is_empty() && !undecided {
            emit!(
                on,
                trace,
                TraceEvent::NoToolchainFound { toolchain_type: ty }
            );
        } else if !assigned.is_empty() {
            emit!(
                on,
                trace,
                TraceEvent::TypeRecap {
                    toolchain_type: ty,
                    selected: assigned
                        .iter()
                        .map(|(i, idx)| (avail[*i].exec.label, self.prepared[*idx].r.clone()))
                        .collect(),
                }
            );
        }
    }
}

fn and(a: Tri, b: Tri) -> Tri {
    match (a, b) {
        (Tri::No, _) | (_, Tri::No) => Tri::No,
        (Tri::Yes, Tri::Yes) => Tri::Yes,
        _ => Tri::Maybe,
    }
}

/// Prepares one modelled toolchain; returns it with its type label (`None` when unknown).
fn prepare_toolchain(
    model: &Model,
    config: &Config,
    label: &Label,
    tc: &crate::model::Toolchain,
) -> (PreparedToolchain, Option<Label>) {
    let (type_label, type_unknown) = match &tc.toolchain_type {
        Known::Known(t) => match resolve_alias(model, t) {
            AliasOutcome::Target(l) => (Some(l), None),
            AliasOutcome::Unknown(c) => (None, Some(c)),
            AliasOutcome::Missing(m) => (
                None,
                Some(UnknownCause::Invalid {
                    target: *label,
                    message: m.message(),
                }),
            ),
            AliasOutcome::Cycle(c) => (
                None,
                Some(UnknownCause::Invalid {
                    target: *label,
                    message: crate::platforms::cycle_message(&c),
                }),
            ),
        },
        Known::Unknown => (
            None,
            Some(UnknownCause::Attribute {
                target: Some(*label),
                attribute: "toolchain_type",
            }),
        ),
    };
    let (settings, settings_unknown) = match &tc.target_settings {
        Known::Known(list) => (
            list.iter()
                .map(|s| PreparedSetting::new(model, config, s))
                .collect(),
            None,
        ),
        Known::Unknown => (
            Vec::new(),
            Some(UnknownCause::Attribute {
                target: Some(*label),
                attribute: "target_settings",
            }),
        ),
    };
    let set = |list: &Known<Vec<Label>>, attr| {
        ConstraintSet::from_list(&ValueList::resolve(model, list, Some(label), attr), label)
    };
    let prepared = PreparedToolchain {
        r: ToolchainRef {
            toolchain: Some(*label),
            implementation: tc.implementation.as_known().cloned(),
        },
        implementation_select: tc.implementation_select.as_ref().map(|branches| {
            branches
                .iter()
                .map(|(condition, value)| {
                    (
                        condition
                            .as_ref()
                            .map(|c| PreparedSetting::new(model, config, c)),
                        *value,
                    )
                })
                .collect()
        }),
        opaque: None,
        settings,
        settings_unknown,
        exec: set(&tc.exec_compatible_with, "exec_compatible_with"),
        target: set(&tc.target_compatible_with, "target_compatible_with"),
        use_target: tc.use_target_platform_constraints.clone(),
        // A toolchain whose type is unknown is a candidate for every type, undecidably.
        type_unknown: type_unknown.clone(),
    };
    (prepared, type_label)
}

/// Groups the selected toolchains of a resolution by type (convenience for callers).
pub fn selected_by_type(group: &GroupResolution) -> BTreeMap<&Label, &SelectedToolchain> {
    group
        .toolchains
        .iter()
        .map(|t| (&t.toolchain_type, t))
        .collect()
}

/// The branch of a `toolchain = select(...)` the target configuration takes: the one
/// condition that matches, else `//conditions:default`. Several matching conditions (Bazel
/// then picks the most specialised one, or fails), no match without a default (Bazel fails)
/// and conditions toolcheck cannot evaluate leave it unknown: never a guess.
fn choose_branch(
    toolchain: Option<&Label>,
    branches: &[(Option<PreparedSetting>, Label)],
    target: &PlatformConstraints,
    defaults: &Defaults,
) -> Result<Label, UnknownCause> {
    let mut matched: Vec<&Label> = Vec::new();
    let mut default = None;
    for (condition, value) in branches {
        let Some(condition) = condition else {
            default = Some(value);
            continue;
        };
        match condition.matches(target, defaults) {
            SettingMatch::Match => matched.push(value),
            SettingMatch::NoMatch(_) => {}
            SettingMatch::Unknown(c) => return Err(c),
        }
    }
    let select_cause = |message: &str| UnknownCause::Invalid {
        target: toolchain.cloned().unwrap_or(target.label),
        message: message.to_string(),
    };
    match (matched.as_slice(), default) {
        ([one], _) => Ok(*(*one)),
        ([], Some(d)) => Ok(*d),
        ([], None) => Err(select_cause(
            "no condition of the toolchain's select() matches and it has no default",
        )),
        _ => Err(select_cause(
            "several conditions of the toolchain's select() match",
        )),
    }
}
