//! The bridge from the workspace index to the resolution simulator: builds the simulator's
//! [`Model`], [`Config`] and registrations from the index once, and turns rules and targets
//! into resolution requests. Checks, `toolcheck resolve` and hover all resolve through this.

use rustc_hash::FxHashSet;
use std::sync::Arc;
use toolcheck_index::expr::Sym;
use toolcheck_index::index::{
    ConfigSettingDecl, Decl, PlatformDecl, RefList, RefOne, RegistrationKind, RegistrationOrigin,
    RuleDecl, RuleSwitch, Target, ToolchainDecl, TypeRequest as IndexTypeRequest, WorkspaceIndex,
};
use toolcheck_index::label::{Label, RepoName};
use toolcheck_index::label::{PackageId, SmolStr};
use toolcheck_index::targets::{PackageUnit, Targets};
use toolcheck_index::workspace::Workspace;
use toolcheck_resolve::model::{
    BazelVersion, Config, ConfigSetting, ConstraintSetting, ConstraintValue, ExecGroupRequest,
    External, Known, Model, Origin, Platform, Registration, TargetKind, TargetSource, Toolchain,
    TypeRequest,
};
use toolcheck_resolve::platforms_repo::PLATFORMS_MODULE;
use toolcheck_resolve::{registered_exec_platforms, registered_toolchains, Registered, Resolver};

/// Everything the simulator needs, built once per analysis.
pub struct Simulation {
    pub model: Model,
    pub config: Config,
    pub toolchain_registrations: Vec<Registration>,
    pub exec_platform_registrations: Vec<Registration>,
    /// The registered toolchains in priority order.
    pub toolchains: Registered,
    /// The registered exec platforms in priority order, host last.
    pub exec_platforms: Registered,
    /// Target platforms checks and hover consider (see [`target_platforms`]).
    pub target_platforms: Vec<Label>,
    /// Where the host platform's constraint values come from.
    pub host: HostSource,
    /// `--[no]incompatible_auto_exec_groups` from the rc files and the command line.
    pub auto_exec_groups_flag: Option<bool>,
    /// Whether test rules get Bazel 9's implicit `test` exec group (see
    /// [`implicit_test_exec_group`]), and @bazel_tools' test toolchains were modelled for it.
    pub test_exec_group: bool,
}

/// Whether automatic exec groups (AEGs) are on for a rule, and why (spec §4.1).
///
/// Confirmed in Bazel's sources: `CoreOptions.java` declares `incompatible_auto_exec_groups`
/// with `defaultValue = "false"` in every stored revision (the 7.x help text and the later
/// text-block one), and issue bazelbuild/bazel#17134 lists it as "Available since: Bazel 7,
/// Flipped in: not yet" (rules_python#2282: "will not be flipped by default for Bazel 8").
/// `RuleContext.useAutoExecGroups()` and `ConfiguredTargetFunction`/`PrerequisiteProducer`
/// (`getUnloadedToolchainContextsInputs`) read the rule's `$use_auto_exec_groups` attribute
/// (Starlark `_use_auto_exec_groups`, a private attribute, so its default is its value) when
/// the rule defines it, and the flag otherwise: the attribute overrides the flag both ways.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AutoExecGroups {
    /// Bazel before 7.0, which has no automatic exec groups.
    Unsupported,
    /// The rule's `_use_auto_exec_groups = attr.bool(default = ...)`.
    Attribute(bool),
    /// `--[no]incompatible_auto_exec_groups`.
    Flag(bool),
    /// The flag's default (false in every release toolcheck simulates).
    Default,
    /// The rule's `_use_auto_exec_groups` is computed in a way toolcheck does not follow.
    Unknown,
}

impl AutoExecGroups {
    /// `None` when unknown.
    pub fn enabled(self) -> Option<bool> {
        match self {
            AutoExecGroups::Unsupported | AutoExecGroups::Default => Some(false),
            AutoExecGroups::Attribute(b) | AutoExecGroups::Flag(b) => Some(b),
            AutoExecGroups::Unknown => None,
        }
    }

    /// Why, in words (`toolcheck resolve` prints it).
    pub fn reason(self) -> &'static str {
        match self {
            AutoExecGroups::Unsupported => "Bazel before 7.0 has no automatic exec groups",
            AutoExecGroups::Attribute(true) => {
                "the rule sets `_use_auto_exec_groups = attr.bool(default = True)`, which overrides --incompatible_auto_exec_groups"
            }
            AutoExecGroups::Attribute(false) => {
                "the rule sets `_use_auto_exec_groups = attr.bool(default = False)`, which overrides --incompatible_auto_exec_groups"
            }
            AutoExecGroups::Flag(true) => "--incompatible_auto_exec_groups is set",
            AutoExecGroups::Flag(false) => "--noincompatible_auto_exec_groups is set",
            AutoExecGroups::Default => {
                "--incompatible_auto_exec_groups is not set and is false by default in this Bazel version"
            }
            AutoExecGroups::Unknown => {
                "the rule's `_use_auto_exec_groups` is computed in a way toolcheck does not follow"
            }
        }
    }
}

/// The toolchain type of Bazel 9's implicit `test` exec group.
pub fn default_test_toolchain_type() -> Label {
    Label::new(
        RepoName::new("bazel_tools"),
        "tools/test",
        "default_test_toolchain_type",
    )
}

/// Whether a Bazel release gives every test rule (`rule(test = True)`) an implicit `test` exec
/// group with a mandatory request for `@bazel_tools//tools/test:default_test_toolchain_type`.
///
/// What was confirmed: Bazel's own analysis-test setup (`BazelMockAnalysisToolsConfig`'s
/// stripped-down `@bazel_tools//tools/test`) declares the type, a `bool_flag`
/// `incompatible_use_default_test_toolchain` (default True) and three toolchains, registered by
/// `register_toolchains("//tools/test:all")` in the `bazel_tools` module; its test
/// (`TestActionBuilderTest`) expects "No matching toolchains found for types ...
/// //tools/test:default_test_toolchain_type" for a test whose target platform's constraints no
/// execution platform has; the test encyclopedia ("Execution platform") calls the request
/// mandatory unless the rule overrides the `test` group. Reports of `tools/test/BUILD.tools`
/// at the 9.0.0, 9.1.0 and 9.2.0 tags show the same block, and none at 8.x. A later release
/// reportedly makes the request optional; that is not confirmed, so toolcheck models the group
/// for 9.0 to 9.2 only and adds nothing elsewhere.
pub fn implicit_test_exec_group(version: BazelVersion) -> bool {
    version.major == 9 && version.minor <= 2
}

/// Adds @bazel_tools' test toolchains to the model as Bazel 9.0 to 9.2 declare them in
/// `tools/test/BUILD.tools` (unless the workspace reads @bazel_tools itself), and returns the
/// toolchains to register, in Bazel's order:
/// * `default_test_toolchain`: `use_target_platform_constraints = True`, selected when
///   `--use_target_platform_for_tests` is false and
///   `--@bazel_tools//tools/test:incompatible_use_default_test_toolchain` is true (its
///   default): the test action needs an execution platform with every constraint of the
///   target platform;
/// * `legacy_test_toolchain`: no constraints, selected when that flag is false;
/// * `legacy_test_toolchain_use_target_platform_for_tests`: no constraints, selected by
///   `--use_target_platform_for_tests`.
///
/// They come from the `bazel_tools` module, after every registration of the workspace; only
/// whether some toolchain matches decides the missing-type error, and that does not depend
/// on the order.
fn model_test_toolchains(model: &mut Model) -> Vec<Label> {
    let tools = RepoName::new("bazel_tools");
    let l = |name: &str| Label::new(tools, "tools/test", name);
    let ty = default_test_toolchain_type();
    let flag = l("incompatible_use_default_test_toolchain");
    let toolchains = [
        (
            "default_test_toolchain",
            "use_default_test_toolchain",
            vec![("use_target_platform_for_tests", "false")],
            Some("true"),
            true,
        ),
        (
            "legacy_test_toolchain",
            "use_legacy_test_toolchain_due_to_incompatible_flag",
            vec![],
            Some("false"),
            false,
        ),
        (
            "legacy_test_toolchain_use_target_platform_for_tests",
            "use_legacy_test_toolchain_due_to_use_target_platform_for_tests",
            vec![("use_target_platform_for_tests", "true")],
            None,
            false,
        ),
    ];
    let declared = model.toolchains.contains_key(&l("default_test_toolchain"));
    let mut out = Vec::new();
    for (name, setting, values, flag_value, utpc) in toolchains {
        let label = l(name);
        if !declared {
            let setting_label = l(setting);
            model.config_settings.insert(
                setting_label,
                ConfigSetting {
                    values: Known::Known(
                        values
                            .iter()
                            .map(|(k, v)| (k.to_string(), v.to_string()))
                            .collect(),
                    ),
                    define_values: Known::Known(Vec::new()),
                    flag_values: Known::Known(
                        flag_value
                            .map(|v| vec![(flag, v.to_string())])
                            .unwrap_or_default(),
                    ),
                    constraint_values: Known::Known(Vec::new()),
                },
            );
            model
                .targets
                .insert(setting_label, TargetKind::ConfigSetting);
            let mut tc = Toolchain::new(ty, l("empty_toolchain"));
            tc.target_settings = Known::Known(vec![setting_label]);
            tc.use_target_platform_constraints = Known::Known(utpc);
            model.toolchains.insert(label, tc);
            model.targets.insert(label, TargetKind::Toolchain);
        }
        if model.toolchains.contains_key(&label) {
            out.push(label);
        }
    }
    if !declared {
        model
            .build_setting_defaults
            .insert(flag, Known::Known("true".to_string()));
        model.targets.insert(ty, TargetKind::ToolchainType);
    }
    out
}

/// Where the host platform's constraint values come from (spec §2.6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostSource {
    /// The platform the host label names in the workspace (or nothing toolcheck can model).
    Declared,
    /// Bazel's autodetected host platform, given the values Bazel would detect on the machine
    /// the loader described (`Settings::host_machine`).
    Detected(Vec<Label>),
    /// Bazel's autodetected host platform, given the values of `host_constraints` in
    /// `toolcheck.toml`.
    Configured(Vec<Label>),
    /// Bazel's autodetected host platform, left unknown (`host_constraints = "unknown"`, no
    /// machine given, or one Bazel has no values for).
    Unknown,
}

/// Whether `label` is one of the platforms Bazel fills from the machine it runs on:
/// `@platforms//host` (7+) or `@local_config_platform//:host` (4 to 6).
/// (`@bazel_tools//tools:host_platform`, an alias of the version's one, is replaced by it
/// before this is asked.)
fn is_autodetected_host(ws: &Workspace, label: &Label) -> bool {
    let repo = label.repo.as_str();
    let is_platforms = repo == toolcheck_resolve::platforms_repo::PLATFORMS_REPO
        || ws
            .repo(&label.repo)
            .is_some_and(|r| r.module_name.as_deref() == Some(PLATFORMS_MODULE));
    (is_platforms && label.package == "host" && label.name == "host")
        || (repo == "local_config_platform" && label.package.is_empty() && label.name == "host")
}

/// Gives Bazel's autodetected host platform its constraint values, unless the workspace
/// already declares them (an output base holds the generated host repository).
fn model_host(
    ws: &Workspace,
    main_ctx: &toolcheck_index::label::LabelContext<'_>,
    version: BazelVersion,
    host: &Label,
    model: &mut Model,
) -> HostSource {
    use toolcheck_index::workspace::HostConstraints;
    if !is_autodetected_host(ws, host) {
        return HostSource::Declared;
    }
    if let Some(p) = model.platforms.get(host) {
        if matches!(p.constraint_values, Known::Known(_)) {
            return HostSource::Declared;
        }
    }
    let (written, detected) = match &ws.settings.host_constraints {
        HostConstraints::Unknown => return HostSource::Unknown,
        HostConstraints::Detect => match &ws.settings.host_machine {
            Some(m) => (
                toolcheck_resolve::platforms_repo::detected_host(m, version.major),
                true,
            ),
            None => return HostSource::Unknown,
        },
        HostConstraints::Labels(l) => (l.clone(), false),
    };
    // `@platforms` resolves through the main repository's mapping; a root module that does
    // not depend on it still gets Bazel's (the host platform lives there).
    let platforms_repo = ws
        .repos
        .iter()
        .find(|r| r.module_name.as_deref() == Some(PLATFORMS_MODULE))
        .map(|r| r.name)
        .unwrap_or_else(|| RepoName::new(toolcheck_resolve::platforms_repo::PLATFORMS_REPO));
    let mut values = Vec::with_capacity(written.len());
    for text in &written {
        let platforms_label = || {
            let (package, name) = text.strip_prefix("@platforms//")?.split_once(':')?;
            Some(Label::new(platforms_repo, package, name))
        };
        match main_ctx.resolve(text).ok().or_else(platforms_label) {
            Some(l) => values.push(l),
            // A label that names nothing the main repository can see: the host is unknown.
            None => return HostSource::Unknown,
        }
    }
    if values.is_empty() {
        return HostSource::Unknown;
    }
    model.platforms.insert(
        *host,
        Platform {
            constraint_values: Known::Known(values.clone()),
            ..Platform::default()
        },
    );
    model.targets.insert(*host, TargetKind::Platform);
    if detected {
        HostSource::Detected(values)
    } else {
        HostSource::Configured(values)
    }
}

fn list(l: &RefList, seen: &mut FxHashSet<RepoName>) -> Known<Vec<Label>> {
    match l {
        RefList::Known(items) => {
            let mut out = Vec::with_capacity(items.len());
            for r in items {
                match &r.label {
                    Ok(label) => {
                        seen.insert(label.repo);
                        out.push(*label);
                    }
                    Err(_) => return Known::Unknown,
                }
            }
            Known::Known(out)
        }
        RefList::Unknown(_) => Known::Unknown,
    }
}

fn one(r: &RefOne, seen: &mut FxHashSet<RepoName>) -> Option<Known<Label>> {
    match r {
        RefOne::Absent => None,
        RefOne::Known(r) => Some(match &r.label {
            Ok(l) => {
                seen.insert(l.repo);
                Known::Known(*l)
            }
            Err(_) => Known::Unknown,
        }),
        RefOne::Unknown(_) => Some(Known::Unknown),
    }
}

/// The host platform Bazel uses by default for a version.
pub fn default_host_platform(version: BazelVersion) -> Label {
    if version.major >= 7 {
        Label::new(
            RepoName::new(toolcheck_resolve::platforms_repo::PLATFORMS_REPO),
            "host",
            "host",
        )
    } else {
        Label::new(RepoName::new("local_config_platform"), "", "host")
    }
}

/// What the simulator's model holds for one target, besides its kind.
#[derive(PartialEq)]
enum Entry {
    Setting(ConstraintSetting),
    Value(ConstraintValue),
    Platform(Platform),
    Toolchain(Toolchain),
    ConfigSetting(ConfigSetting),
    Plain,
}

/// A target as the simulator models it (`None`: not modelled); records the repositories its
/// labels name in `seen_repos`.
fn model_entry(t: &Target, seen_repos: &mut FxHashSet<RepoName>) -> Option<(TargetKind, Entry)> {
    Some(match &t.decl {
        Decl::ConstraintSetting { default } => {
            let default = one(default, seen_repos).and_then(|k| k.as_known().cloned());
            (
                TargetKind::ConstraintSetting,
                Entry::Setting(ConstraintSetting { default }),
            )
        }
        Decl::ConstraintValue { setting } => {
            if let Some(Known::Known(s)) = one(setting, seen_repos) {
                (
                    TargetKind::ConstraintValue,
                    Entry::Value(ConstraintValue { setting: s }),
                )
            } else {
                // A value without a known setting cannot be matched; leave it out so
                // that resolution treats it as not modelled.
                return None;
            }
        }
        Decl::Platform(d_platform) => {
            let PlatformDecl {
                constraint_values,
                parents,
                required_settings,
                allowed_toolchain_types,
                ..
            } = &**d_platform;
            (
                TargetKind::Platform,
                Entry::Platform(Platform {
                    constraint_values: list(constraint_values, seen_repos),
                    parents: list(parents, seen_repos),
                    required_settings: list(required_settings, seen_repos),
                    allowed_toolchain_types: allowed_toolchain_types
                        .as_ref()
                        .map(|l| list(l, seen_repos)),
                }),
            )
        }
        Decl::ToolchainType => (TargetKind::ToolchainType, Entry::Plain),
        Decl::Toolchain(d_toolchain) => {
            let ToolchainDecl {
                toolchain_type,
                toolchain,
                toolchain_select,
                exec_compatible_with,
                target_compatible_with,
                target_settings,
                use_target_platform_constraints,
            } = &**d_toolchain;
            // Every label of a `select()` must be known, or the select stays unknown.
            let implementation_select = toolchain_select.as_ref().and_then(|branches| {
                branches
                    .iter()
                    .map(|(condition, value)| {
                        let condition = match condition {
                            None => None,
                            Some(c) => Some(c.label.clone().ok()?),
                        };
                        Some((condition, value.label.clone().ok()?))
                    })
                    .collect::<Option<Vec<_>>>()
            });
            for (condition, value) in implementation_select.iter().flatten() {
                seen_repos.insert(value.repo);
                if let Some(c) = condition {
                    seen_repos.insert(c.repo);
                }
            }
            (
                TargetKind::Toolchain,
                Entry::Toolchain(Toolchain {
                    toolchain_type: one(toolchain_type, seen_repos).unwrap_or(Known::Unknown),
                    implementation: one(toolchain, seen_repos).unwrap_or(Known::Unknown),
                    implementation_select,
                    exec_compatible_with: list(exec_compatible_with, seen_repos),
                    target_compatible_with: list(target_compatible_with, seen_repos),
                    target_settings: list(target_settings, seen_repos),
                    use_target_platform_constraints: match use_target_platform_constraints {
                        Some(b) => Known::Known(*b),
                        None => Known::Unknown,
                    },
                }),
            )
        }
        Decl::Alias { actual } => (
            TargetKind::Alias(one(actual, seen_repos).unwrap_or(Known::Unknown)),
            Entry::Plain,
        ),
        Decl::ConfigSetting(d_configsetting) => {
            let ConfigSettingDecl {
                values,
                define_values,
                flag_values,
                constraint_values,
            } = &**d_configsetting;
            let known = |v: &Option<Box<[(Sym, Sym)]>>| match v {
                Some(v) => Known::Known(
                    v.iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                ),
                None => Known::Unknown,
            };
            (
                TargetKind::ConfigSetting,
                Entry::ConfigSetting(ConfigSetting {
                    values: known(values),
                    define_values: known(define_values),
                    flag_values: match flag_values {
                        Some(fv) => fv
                            .iter()
                            .map(|(r, v)| r.label.clone().ok().map(|l| (l, v.clone())))
                            .collect::<Option<Vec<_>>>()
                            .map(Known::Known)
                            .unwrap_or(Known::Unknown),
                        None => Known::Unknown,
                    },
                    constraint_values: list(constraint_values, seen_repos),
                }),
            )
        }
        Decl::OtherNative => (TargetKind::Other(t.kind.to_string()), Entry::Plain),
        Decl::StarlarkRule { name, .. } => (TargetKind::Other(name.to_string()), Entry::Plain),
        // A macro call: the target probably exists but its kind is unknown; its
        // package is open, so resolution treats its labels as unknown.
        Decl::Unknown => return None,
    })
}

/// `target_platforms` of `toolcheck.toml`, resolved from the main repository.
fn configured_target_platforms(ws: &Workspace, index: &WorkspaceIndex) -> Vec<Label> {
    let ctx = index.main_context();
    ws.settings
        .target_platforms
        .iter()
        .filter_map(|t| ctx.resolve(t).ok())
        .collect()
}

/// The target platforms the workspace says it builds for: `target_platforms` in
/// `toolcheck.toml`, else `--platforms` from the rc files (and named configs in force).
/// Unlike [`target_platforms`], no declared `platform()` is assumed to be one (a platform a
/// transition targets is no sign that tests are built for it).
pub fn chosen_target_platforms(ws: &Workspace, index: &WorkspaceIndex) -> Vec<Label> {
    let configured = configured_target_platforms(ws, index);
    if !configured.is_empty() {
        return configured;
    }
    let ctx = index.main_context();
    index
        .flags
        .platforms
        .iter()
        .flat_map(|fv| fv.value.split(','))
        .filter_map(|t| ctx.resolve(t).ok())
        .collect()
}

/// Target platforms checks consider: the configured ones, else `--platforms` from
/// `.bazelrc`, else every `platform()` declared in the main repository.
pub(crate) fn target_platforms(ws: &Workspace, index: &WorkspaceIndex) -> Vec<Label> {
    let configured = configured_target_platforms(ws, index);
    if !configured.is_empty() {
        return configured;
    }
    let ctx = index.main_context();
    let mut out: Vec<Label> = index
        .targets
        .values()
        .filter(|t| t.label.repo.is_main() && matches!(t.decl, Decl::Platform(_)))
        .map(|t| t.label)
        .collect();
    if let Some(fv) = &index.flags.platforms {
        out.extend(fv.value.split(',').filter_map(|t| ctx.resolve(t).ok()));
    }
    out.sort();
    out.dedup();
    out
}

/// Whether two states of a BUILD file's package give the simulator the same model: the same
/// target names, openness and resolution-relevant declarations (positions aside). When every
/// re-evaluated package passes, a simulation built before an edit still holds after it.
pub fn same_for_resolution(a: &PackageUnit, b: &PackageUnit) -> bool {
    let mut seen = FxHashSet::default();
    a.id == b.id
        && a.package.open == b.package.open
        && a.build_settings == b.build_settings
        && a.targets.len() == b.targets.len()
        && a.targets.iter().zip(&b.targets).all(|(x, y)| {
            x.label == y.label && model_entry(x, &mut seen) == model_entry(y, &mut seen)
        })
}

/// The index's targets and packages as the model's external source: only the modelled kinds
/// are copied into the model, every other target is looked up here when resolution asks.
struct IndexTargets(Targets);

impl TargetSource for IndexTargets {
    fn kind(&self, label: &Label) -> Option<TargetKind> {
        let t = self.0.get(label)?;
        if let Decl::ConfigSetting(_) = t.decl {
            // The kind alone: building the setting only to drop it would cost allocations.
            return Some(TargetKind::ConfigSetting);
        }
        model_entry(t, &mut FxHashSet::default()).map(|(kind, _)| kind)
    }

    fn config_setting(&self, label: &Label) -> Option<ConfigSetting> {
        let t = self.0.get(label)?;
        if !matches!(t.decl, Decl::ConfigSetting(_)) {
            return None;
        }
        match model_entry(t, &mut FxHashSet::default())? {
            (_, Entry::ConfigSetting(c)) => Some(c),
            _ => None,
        }
    }

    fn package(&self, pkg: &PackageId) -> Option<Vec<SmolStr>> {
        self.0
            .package_names(pkg)
            .map(|names| names.map(SmolStr::new).collect())
    }

    fn has_package(&self, pkg: &PackageId) -> bool {
        self.0.package(pkg).is_some()
    }

    fn each_package(&self, f: &mut dyn FnMut(&PackageId)) {
        for (id, _) in self.0.packages() {
            f(id);
        }
    }
}

impl Simulation {
    pub fn build(ws: &Workspace, index: &WorkspaceIndex, version: BazelVersion) -> Simulation {
        let mut model = Model::default();
        // The maps are sized up front: grown by doubling they were a third empty on average,
        // the largest part of a check's peak memory.
        let mut counts = [0usize; 5];
        for t in index.targets.values() {
            let slot = match t.decl {
                Decl::OtherNative
                | Decl::StarlarkRule { .. }
                | Decl::ConfigSetting(_)
                | Decl::Unknown => continue,
                Decl::ConstraintSetting { .. } => 0,
                Decl::ConstraintValue { .. } => 1,
                Decl::Platform(_) => 2,
                Decl::Toolchain(_) => 3,
                Decl::ToolchainType | Decl::Alias { .. } => 4,
            };
            counts[slot] += 1;
        }
        model.settings.reserve(counts[0]);
        model.values.reserve(counts[1]);
        model.platforms.reserve(counts[2]);
        model.toolchains.reserve(counts[3]);
        model.targets.reserve(counts.iter().sum());
        let mut seen_repos: FxHashSet<RepoName> = FxHashSet::default();
        for t in index.targets.values() {
            // Other rules, and config settings (one per package in a typical workspace, few
            // of them ever matched), are looked up in the index when resolution asks
            // (`IndexTargets`). The repositories a config setting names need not be
            // recorded in `seen_repos`: every repository the workspace cannot read is
            // invisible through `visible_repos` anyway.
            if matches!(
                t.decl,
                Decl::OtherNative
                    | Decl::StarlarkRule { .. }
                    | Decl::ConfigSetting(_)
                    | Decl::Unknown
            ) {
                continue;
            }
            let Some((kind, entry)) = model_entry(t, &mut seen_repos) else {
                continue;
            };
            let label = &t.label;
            match entry {
                Entry::Setting(s) => {
                    model.settings.insert(*label, s);
                }
                Entry::Value(v) => {
                    model.values.insert(*label, v);
                }
                Entry::Platform(p) => {
                    model.platforms.insert(*label, p);
                }
                Entry::Toolchain(tc) => {
                    model.toolchains.insert(*label, tc);
                }
                Entry::ConfigSetting(c) => {
                    model.config_settings.insert(*label, c);
                }
                Entry::Plain => {}
            }
            model.targets.insert(*label, kind);
        }
        model.external = External(Some(Arc::new(IndexTargets(index.targets.clone()))));
        // Starlark flags' defaults: what `config_setting(flag_values = ...)` compares with when
        // the configuration does not set the flag (a default that is not a literal stays
        // unknown).
        for unit in index.targets.units() {
            for (name, default) in &unit.build_settings {
                let label = Label::new(unit.id.repo, unit.id.path, name.clone());
                let value = match default {
                    Some(v) => Known::Known(v.clone()),
                    None => Known::Unknown,
                };
                model.build_setting_defaults.insert(label, value);
            }
        }
        for (id, pkg) in index.packages() {
            if pkg.open {
                model.open_packages.insert(*id);
            }
        }
        for r in &ws.repos {
            if ws
                .computed_origin(&r.name)
                .is_some_and(|o| o.partial.is_some())
            {
                model.partial_repos.insert(r.name);
            }
        }
        // Registrations.
        let mut toolchain_registrations = Vec::new();
        let mut exec_platform_registrations = Vec::new();
        for (i, r) in index.registrations.iter().enumerate() {
            let Ok(pattern) = &r.pattern else {
                // Bazel rejects a MODULE.bazel registration that is no absolute pattern (test
                // `test_register_toolchain_error_invalid_label`). Other texts toolcheck cannot
                // parse, and WORKSPACE ones (whose 4.x parsing was not checked), are left out
                // as before (the `unresolved-label` check names them).
                let relative = !r.text.starts_with("//")
                    && !r.text.starts_with('@')
                    && !r.text.starts_with('-');
                let module = matches!(
                    r.origin,
                    RegistrationOrigin::RootModule { .. } | RegistrationOrigin::Module { .. }
                );
                if relative && module {
                    model.invalid_registrations.push((
                        r.kind == RegistrationKind::Toolchain,
                        i,
                        r.text.clone(),
                    ));
                }
                continue;
            };
            let origin = match &r.origin {
                RegistrationOrigin::Flag => Origin::Flag,
                RegistrationOrigin::RootModule { dev_dependency } => Origin::RootModule {
                    dev_dependency: *dev_dependency,
                },
                RegistrationOrigin::Workspace => Origin::Workspace,
                RegistrationOrigin::Library { .. } => Origin::Library,
                RegistrationOrigin::Module {
                    name,
                    bfs_index,
                    dev_dependency,
                } => Origin::Module {
                    name: name.clone(),
                    bfs_index: *bfs_index,
                    dev_dependency: *dev_dependency,
                },
            };
            let reg = Registration {
                pattern: pattern.clone(),
                negative: r.negative,
                origin,
                source: i,
                occurrence: r.occurrence,
            };
            match r.kind {
                RegistrationKind::Toolchain => toolchain_registrations.push(reg),
                RegistrationKind::ExecutionPlatform => exec_platform_registrations.push(reg),
            }
        }
        // Configuration.
        let main_ctx = index.main_context();
        let host_platform = ws
            .settings
            .host_platform
            .as_deref()
            .or(index.flags.host_platform.as_ref().map(|f| f.value.as_str()))
            .and_then(|t| main_ctx.resolve(t).ok())
            .unwrap_or_else(|| default_host_platform(version));
        // `@bazel_tools//tools:host_platform` is an alias of the version's default host, and
        // Bazel lists execution platforms by what aliases end at.
        let host_platform = if host_platform.repo.as_str() == "bazel_tools"
            && host_platform.package == "tools"
            && host_platform.name == "host_platform"
        {
            default_host_platform(version)
        } else {
            host_platform
        };
        // Bazel's `@bazel_tools//tools:host_platform` is an alias of the version's default
        // host (`@local_config_platform//:host` up to 6.x, `@platforms//host` from 7.0);
        // platforms name it in `parents` (exec_group_test.sh does). Modelled when the
        // workspace does not bring its own `@bazel_tools`.
        let tools_host = Label::new(RepoName::new("bazel_tools"), "tools", "host_platform");
        if !model.targets.contains_key(&tools_host) && index.targets.get(&tools_host).is_none() {
            model.targets.insert(
                tools_host,
                TargetKind::Alias(Known::Known(default_host_platform(version))),
            );
        }
        let host = model_host(ws, &main_ctx, version, &host_platform, &mut model);
        seen_repos.insert(host_platform.repo);
        let config = Config {
            version,
            bzlmod: index.modes.bzlmod,
            workspace: index.modes.workspace,
            workspace_bzlmod_file: index.modes.workspace_bzlmod_file,
            ignore_dev_dependency: index.flags.ignore_dev_dependency.unwrap_or(false),
            host_platform,
            options: index
                .flags
                .options
                .iter()
                .map(|(k, v)| (k.clone(), v.value.clone()))
                .collect(),
            defines: index
                .flags
                .defines
                .iter()
                .map(|(k, v)| (k.clone(), v.value.clone()))
                .collect(),
            flags: index
                .flags
                .starlark_flags
                .iter()
                .filter_map(|(k, v)| main_ctx.resolve(k).ok().map(|l| (l, v.value.clone())))
                .collect(),
        };
        for r in index.registrations.iter() {
            if let Ok(p) = &r.pattern {
                match p {
                    toolcheck_index::label::TargetPattern::Single(l) => seen_repos.insert(l.repo),
                    toolcheck_index::label::TargetPattern::AllInPackage(p)
                    | toolcheck_index::label::TargetPattern::Recursive(p) => {
                        seen_repos.insert(p.repo)
                    }
                };
            }
        }
        let mut invisible: Vec<RepoName> = seen_repos
            .into_iter()
            .filter(|r| !r.is_main() && ws.repo(r).is_none())
            .collect();
        invisible.extend(
            index
                .invisible_repos
                .iter()
                .filter(|r| ws.repo(r).is_none())
                .cloned(),
        );
        invisible.sort();
        invisible.dedup();
        model.invisible_repos = invisible;
        // Any other repository toolcheck cannot read is invisible too: a rule's or a target's
        // `exec_compatible_with` may be the only place that names it.
        model.visible_repos = Some(Arc::new(ws.repos.iter().map(|r| r.name).collect()));
        // The `platforms` module (or WORKSPACE repository), when unreadable: nearly every
        // workspace's platforms and toolchains are written with its `os` and `cpu` values.
        let platforms = RepoName::new(toolcheck_resolve::platforms_repo::PLATFORMS_REPO);
        if toolcheck_resolve::platforms_repo::is_unread_platforms(ws, &platforms) {
            model.well_known_platforms = Some(platforms);
            model.well_known_platforms_release =
                toolcheck_resolve::platforms_repo::requested_release(index).cloned();
        }
        // Registrations toolcheck did not see (a WORKSPACE macro it could not follow, a
        // computed argument): that nothing matches is then unknown, never claimed. A macro
        // from a built-in repository registers nothing a workspace resolves against.
        if let Some(gap) = index.registration_gaps.iter().find(|g| {
            !g.unreadable_repo
                .as_ref()
                .is_some_and(|r| crate::coverage::is_builtin_repo(r.as_str()))
        }) {
            let line = toolcheck_syntax::LineIndex::new(&ws.file(gap.loc.file).text())
                .line_of(gap.loc.range.start)
                + 1;
            model.unseen_registrations = Some(
                toolcheck_resolve::trace::UnknownCause::UnseenRegistrations {
                    why: format!("{}, {}:{line}", gap.why, ws.display_path(gap.loc.file)),
                },
            );
        }
        if version.major < 9 {
            // `toolchain(use_target_platform_constraints = ...)`: the attribute and its effect
            // are confirmed in Bazel 9 (@bazel_tools' `default_test_toolchain` relies on it;
            // `ToolchainRule`'s doc: the toolchain behaves as if its constraints were the
            // target platform's). Which 8.x release added it, and whether it took effect
            // there, could not be confirmed, so before 9.0 a `True` is unknown, never guessed.
            for tc in model.toolchains.values_mut() {
                if tc.use_target_platform_constraints == Known::Known(true) {
                    tc.use_target_platform_constraints = Known::Unknown;
                }
            }
        }
        let test_exec_group = implicit_test_exec_group(version);
        let test_toolchains = if test_exec_group {
            model_test_toolchains(&mut model)
        } else {
            Vec::new()
        };
        // Bazel's own toolchains (the autodetected repositories'), where its registration
        // order puts them; bound to the host Bazel runs on.
        let host_values = match &host {
            HostSource::Detected(v) | HostSource::Configured(v) => Some(v.as_slice()),
            HostSource::Declared | HostSource::Unknown => None,
        };
        let builtins =
            crate::builtin::model_builtin_toolchains(ws, index, version, host_values, &mut model);
        let mut toolchains = registered_toolchains(&model, &toolchain_registrations, &config);
        let at = crate::builtin::insertion_point(
            index,
            version,
            &toolchains.entries,
            &toolchain_registrations,
        );
        let builtin_count = builtins.len();
        toolchains.entries.splice(
            at..at,
            builtins
                .into_iter()
                .map(|label| toolcheck_resolve::registration::RegisteredEntry {
                    label: Some(label),
                    unknown: None,
                    registration: None,
                    source: None,
                    host: false,
                }),
        );
        // What an unreadable module registers is unknown: stand-ins for @bazel_tools' types
        // where it comes in Bazel's order (before deeper modules, and before the
        // `bazel_tools` module itself when it is one of the root's own dependencies).
        if let Some((bfs, depth, stand_ins)) =
            crate::builtin::model_unread_module(ws, index, &mut model)
        {
            let pos = toolchains
                .entries
                .iter()
                .enumerate()
                .position(|(i, e)| {
                    let builtin = (at..at + builtin_count).contains(&i);
                    let module_after = e
                        .registration
                        .and_then(|r| toolchain_registrations.get(r))
                        .is_some_and(|r| {
                            matches!(&r.origin, Origin::Module { bfs_index, .. } if *bfs_index > bfs)
                        });
                    module_after || builtin && depth <= 1
                })
                .unwrap_or(toolchains.entries.len());
            toolchains.entries.splice(
                pos..pos,
                stand_ins.into_iter().map(|label| {
                    toolcheck_resolve::registration::RegisteredEntry {
                        label: Some(label),
                        unknown: None,
                        registration: None,
                        source: None,
                        host: false,
                    }
                }),
            );
        }
        for label in test_toolchains {
            toolchains
                .entries
                .push(toolcheck_resolve::registration::RegisteredEntry {
                    label: Some(label),
                    unknown: None,
                    registration: None,
                    source: None,
                    host: false,
                });
        }
        let exec_platforms =
            registered_exec_platforms(&model, &exec_platform_registrations, &config);
        Simulation {
            model,
            config,
            toolchain_registrations,
            exec_platform_registrations,
            toolchains,
            exec_platforms,
            target_platforms: target_platforms(ws, index),
            host,
            auto_exec_groups_flag: index.flags.auto_exec_groups,
            test_exec_group,
        }
    }

    /// Whether automatic exec groups are on for `rule` (`None`: a native rule), and why.
    pub fn auto_exec_groups(&self, rule: Option<&RuleDecl>) -> AutoExecGroups {
        if self.config.version.major < 7 {
            return AutoExecGroups::Unsupported;
        }
        match rule.map(|r| r.use_auto_exec_groups) {
            Some(RuleSwitch::Set(b)) => return AutoExecGroups::Attribute(b),
            Some(RuleSwitch::Unknown) => return AutoExecGroups::Unknown,
            Some(RuleSwitch::Absent) | None => {}
        }
        match self.auto_exec_groups_flag {
            Some(b) => AutoExecGroups::Flag(b),
            None => AutoExecGroups::Default,
        }
    }

    /// The resolution request for a rule's (or native target's) exec groups on one target
    /// platform, with automatic exec groups as Bazel would have them. `None` when whether
    /// they are on is unknown.
    pub fn request(
        &self,
        rule: Option<&RuleDecl>,
        target_platform: Label,
        exec_groups: Vec<ExecGroupRequest>,
    ) -> Option<toolcheck_resolve::Request> {
        let aeg = self.auto_exec_groups(rule).enabled()?;
        Some(toolcheck_resolve::Request {
            exec_groups,
            auto_exec_groups: aeg,
            ..toolcheck_resolve::Request::new(target_platform, Vec::new())
        })
    }

    pub fn resolver(&self) -> Resolver<'_> {
        Resolver::from_registered(
            &self.model,
            &self.config,
            self.toolchains.clone(),
            self.exec_platforms.clone(),
        )
    }

    /// A resolver for the same workspace without some registered toolchains (to ask "what
    /// would Bazel pick if these toolchains were not there").
    pub fn resolver_without(&self, drop: impl Fn(&Label) -> bool) -> Resolver<'_> {
        let mut toolchains = self.toolchains.clone();
        toolchains
            .entries
            .retain(|e| !e.label.as_ref().is_some_and(&drop));
        Resolver::from_registered(
            &self.model,
            &self.config,
            toolchains,
            self.exec_platforms.clone(),
        )
    }

    /// Registered toolchains with known labels, first occurrence only, in priority order.
    pub fn registered_toolchain_labels(&self) -> Vec<(&Label, Option<usize>)> {
        let mut seen = FxHashSet::default();
        self.toolchains
            .entries
            .iter()
            .filter(|e| e.unknown.is_none())
            .filter_map(|e| e.label.as_ref().map(|l| (l, e.source)))
            .filter(|(l, _)| seen.insert(*l))
            .collect()
    }

    /// For each of [`Simulation::registered_toolchain_labels`], the earlier one that shadows
    /// it, if any: a toolchain of the same type, registered earlier, that asks for a subset of
    /// its constraints (every `exec_compatible_with` and `target_compatible_with` value and
    /// every `target_settings` entry, after aliases), so it matches wherever the later one
    /// would and Bazel always picks it first. Toolchains with unknown constraints, or that use
    /// the target platform's, are never shadowed (unknown is not guessed). The
    /// `shadowed-toolchain` check reports these; hover marks them.
    pub fn shadowed_toolchains(&self) -> Vec<Option<Shadow>> {
        let registered = self.registered_toolchain_labels();
        let reqs: Vec<Option<Requirements>> = registered
            .iter()
            .map(|(l, _)| {
                self.model
                    .toolchains
                    .get(*l)
                    .and_then(|tc| Requirements::of(self, tc))
            })
            .collect();
        reqs.iter()
            .enumerate()
            .map(|(i, req)| {
                let req = req.as_ref()?;
                let by = (0..i)
                    .find(|&j| reqs[j].as_ref().is_some_and(|earlier| earlier.covers(req)))?;
                Some(Shadow {
                    by,
                    toolchain_type: req.toolchain_type,
                })
            })
            .collect()
    }

    /// Follows aliases in the model (bounded; `None` when unknown or cyclic).
    pub fn actual(&self, label: &Label) -> Option<Label> {
        toolcheck_resolve::platforms::resolve_or_cause(&self.model, label).ok()
    }

    /// Whether a written label reference names `ty` once aliases are followed.
    pub fn names(&self, r: &toolcheck_index::index::LabelRef, ty: &Label) -> bool {
        r.label.as_ref().ok().and_then(|l| self.actual(l)).as_ref() == Some(ty)
    }
}

fn type_requests(reqs: &[IndexTypeRequest]) -> Option<Vec<TypeRequest>> {
    reqs.iter()
        .map(|r| {
            r.toolchain_type.label.as_ref().ok().map(|l| TypeRequest {
                toolchain_type: *l,
                mandatory: match r.mandatory {
                    Some(m) => Known::Known(m),
                    None => Known::Unknown,
                },
                ignore_if_invalid: false,
            })
        })
        .collect()
}

/// The resolutions of the main repository's rules (those whose requests are known and not
/// empty) on each of the simulation's target platforms, in that order.
pub struct RuleResolutions {
    /// (index into `WorkspaceIndex::rules`, one resolution per target platform).
    pub rules: Vec<(usize, Vec<toolcheck_resolve::Resolution>)>,
}

impl RuleResolutions {
    pub fn compute(ws: &Workspace, index: &WorkspaceIndex, sim: &Simulation) -> RuleResolutions {
        let mut rules = Vec::new();
        if sim.target_platforms.is_empty() {
            return RuleResolutions { rules };
        }
        let resolver = sim.resolver();
        for (i, rule) in index.rules.iter().enumerate() {
            if !ws.file(rule.file).repo.is_main() {
                continue;
            }
            let Some(groups) = rule_exec_groups(sim, rule, Known::Known(Vec::new())) else {
                continue;
            };
            if groups.iter().all(|g| g.types.is_empty()) {
                continue;
            }
            let per_platform = sim
                .target_platforms
                .iter()
                .map(|p| {
                    let request = sim.request(Some(rule), *p, groups.clone())?;
                    Some(resolver.resolve(&toolcheck_resolve::Request {
                        trace: false,
                        ..request
                    }))
                })
                .collect::<Option<Vec<_>>>();
            // Unknown whether automatic exec groups are on: nothing is claimed for the rule.
            let Some(per_platform) = per_platform else {
                continue;
            };
            rules.push((i, per_platform));
        }
        RuleResolutions { rules }
    }
}

/// The exec groups a rule asks to resolve (default group first; Bazel 9.0 to 9.2's implicit
/// `test` group of a test rule last). `None` when the rule's requests are not statically
/// known.
pub fn rule_exec_groups(
    sim: &Simulation,
    rule: &RuleDecl,
    target_exec: Known<Vec<Label>>,
) -> Option<Vec<ExecGroupRequest>> {
    let types = type_requests(rule.toolchains.as_ref()?)?;
    let rule_exec = match rule.exec_compatible_with.known() {
        Some(items) => items
            .iter()
            .map(|r| r.label.clone().ok())
            .collect::<Option<Vec<_>>>(),
        None => None,
    };
    let default_exec = match (rule_exec, target_exec) {
        (Some(mut a), Known::Known(b)) => {
            a.extend(b);
            Known::Known(a)
        }
        _ => Known::Unknown,
    };
    let mut groups = vec![ExecGroupRequest {
        name: None,
        types,
        exec_compatible_with: default_exec.clone(),
    }];
    for g in rule.exec_groups.as_ref()? {
        let types = type_requests(g.toolchains.as_ref()?)?;
        let exec = match g.exec_compatible_with.known() {
            Some(items) => match items
                .iter()
                .map(|r| r.label.clone().ok())
                .collect::<Option<Vec<_>>>()
            {
                Some(v) => Known::Known(v),
                None => Known::Unknown,
            },
            None => Known::Unknown,
        };
        groups.push(ExecGroupRequest {
            name: Some(g.name.clone()),
            types,
            exec_compatible_with: exec,
        });
    }
    // A test rule's own `test` exec group replaces the implicit one.
    if sim.test_exec_group
        && rule.test == Some(true)
        && !rule.is_aspect
        && !groups.iter().any(|g| g.name.as_deref() == Some("test"))
    {
        groups.push(implicit_test_group(default_exec));
    }
    Some(groups)
}

/// Bazel 9.0 to 9.2's implicit `test` exec group: a mandatory request for
/// `@bazel_tools//tools/test:default_test_toolchain_type`, with the execution constraints of
/// the default group (the rule's and the target's `exec_compatible_with`): the test action
/// runs where the target's constraints say (exec_group_test.sh:
/// test_starlark_test_has_test_execgroup_by_default; the 9.0 Test Encyclopedia: only test
/// actions "without manually specified exec constraints" go to the first execution
/// platform). Whether the group also copies the default group's toolchain types is not
/// confirmed; only the test type is requested.
fn implicit_test_group(exec_compatible_with: Known<Vec<Label>>) -> ExecGroupRequest {
    ExecGroupRequest {
        name: Some("test".to_string()),
        types: vec![TypeRequest {
            toolchain_type: default_test_toolchain_type(),
            mandatory: Known::Known(true),
            ignore_if_invalid: false,
        }],
        exec_compatible_with,
    }
}

/// The exec groups a target asks to resolve: its rule's requests plus its own
/// `exec_compatible_with` (and, for `genrule`, its `toolchains` as optional types).
pub fn target_exec_groups(
    sim: &Simulation,
    ws: &Workspace,
    facts: &[std::sync::Arc<toolcheck_index::facts::FileFacts>],
    index: &WorkspaceIndex,
    target: &Target,
) -> Result<Vec<ExecGroupRequest>, String> {
    let target_exec = match index.target_label_list(ws, facts, target, "exec_compatible_with") {
        RefList::Known(items) => match items
            .iter()
            .map(|r| r.label.clone().ok())
            .collect::<Option<Vec<_>>>()
        {
            Some(v) => Known::Known(v),
            None => Known::Unknown,
        },
        RefList::Unknown(_) => Known::Unknown,
    };
    if let Some(rule) = index.rule_of(target) {
        return rule_exec_groups(sim, rule, target_exec).ok_or_else(|| {
            let what = match (&rule.toolchains, &rule.exec_groups) {
                (None, _) => "its `toolchains` are computed in a way toolcheck does not follow",
                (_, None) => "its `exec_groups` are computed in a way toolcheck does not follow",
                _ => {
                    "a requested type or constraint is computed in a way toolcheck does not follow"
                }
            };
            format!(
                "toolcheck cannot tell which toolchains `{}` requests: {what}",
                rule.name
            )
        });
    }
    match &target.decl {
        Decl::OtherNative => {
            use crate::builtin::NativeRequest;
            let native = crate::builtin::native_rule_request(
                &target.kind,
                sim.config.version,
                sim.config
                    .options
                    .get("incompatible_enable_cc_toolchain_resolution")
                    .and_then(|v| v.parse().ok()),
            );
            let mut types = match native {
                None => Vec::new(),
                Some(NativeRequest::Types(t)) => t,
                Some(NativeRequest::Legacy(why)) => {
                    return Err(format!("'{}' is a `{}`: {why}", target.label, target.kind))
                }
                Some(NativeRequest::Unknown(why)) => {
                    return Err(format!(
                        "toolcheck cannot tell which toolchains `{}` requests: {why}",
                        target.kind
                    ))
                }
            };
            if target.kind == "genrule" {
                if let RefList::Known(items) =
                    index.target_label_list(ws, facts, target, "toolchains")
                {
                    for r in items {
                        if let Ok(l) = &r.label {
                            types.push(TypeRequest {
                                toolchain_type: *l,
                                mandatory: Known::Known(false),
                                // Make-variable providers are listed there too.
                                ignore_if_invalid: true,
                            });
                        }
                    }
                }
            }
            let mut groups = vec![ExecGroupRequest {
                name: None,
                types,
                exec_compatible_with: target_exec.clone(),
            }];
            // Bazel 9.0 to 9.2's implicit `test` exec group, for native test rules too.
            if sim.test_exec_group && crate::builtin::is_native_test(&target.kind) {
                groups.push(implicit_test_group(target_exec));
            }
            Ok(groups)
        }
        Decl::StarlarkRule { name, .. } => {
            Err(format!("the definition of rule `{name}` was not found"))
        }
        // rules_cc's C++ rules, loaded straight into the BUILD file from an unreadable
        // @rules_cc: they request the C++ type as Bazel's own do (before 7.0 rules_cc's
        // rules were Bazel's), whether mandatorily depends on the rules_cc release.
        Decl::Unknown if rules_cc_rule(facts, target).is_some() => {
            use crate::builtin::NativeRequest;
            let kind = rules_cc_rule(facts, target).unwrap_or_default();
            let cc_flag = sim
                .config
                .options
                .get("incompatible_enable_cc_toolchain_resolution")
                .and_then(|v| v.parse().ok());
            match crate::builtin::native_rule_request(kind, sim.config.version, cc_flag) {
                Some(NativeRequest::Types(types)) => Ok(vec![ExecGroupRequest {
                    name: None,
                    types: types
                        .into_iter()
                        .map(|t| TypeRequest {
                            mandatory: Known::Unknown,
                            ..t
                        })
                        .collect(),
                    exec_compatible_with: target_exec,
                }]),
                Some(NativeRequest::Legacy(why)) => {
                    Err(format!("'{}' is a `{}`: {why}", target.label, target.kind))
                }
                _ => Err(format!(
                    "toolcheck cannot tell which toolchains `{}` requests",
                    target.kind
                )),
            }
        }
        // Never "does not resolve toolchains": the rule may well request some.
        Decl::Unknown => Err(format!(
            "toolcheck cannot tell which toolchains `{}` requests: it is a rule or macro \
             whose definition toolcheck could not evaluate (for '{}')",
            target.kind, target.label
        )),
        _ => Err(format!(
            "'{}' is a `{}`, which does not resolve toolchains",
            target.label, target.kind
        )),
    }
}

/// The rules_cc rule (`cc_binary`, ...) a target's callee is, when its BUILD file loads it
/// under that name straight from `@rules_cc//cc:...`.
fn rules_cc_rule<'a>(
    facts: &'a [std::sync::Arc<toolcheck_index::facts::FileFacts>],
    target: &Target,
) -> Option<&'a str> {
    let ff = facts.get(target.file.0 as usize)?;
    ff.loads.iter().find_map(|l| {
        if !l.module.trim_start_matches('@').starts_with("rules_cc//cc") {
            return None;
        }
        l.symbols.iter().find_map(|s| {
            (s.local() == target.kind.as_str() && crate::builtin::is_cc_rule(s.exported()))
                .then_some(s.exported())
        })
    })
}

/// A registered toolchain an earlier registration always beats
/// ([`Simulation::shadowed_toolchains`]).
#[derive(Clone, Debug)]
pub struct Shadow {
    /// The shadowing toolchain's index in `registered_toolchain_labels()`.
    pub by: usize,
    /// Their type (aliases followed).
    pub toolchain_type: Label,
}

/// What a toolchain asks of a platform pair and the configuration, aliases followed.
struct Requirements {
    toolchain_type: Label,
    exec: Vec<Label>,
    target: Vec<Label>,
    settings: Vec<Label>,
}

impl Requirements {
    /// `None` when any part is unknown, or the toolchain uses the target platform's
    /// constraints.
    fn of(sim: &Simulation, tc: &Toolchain) -> Option<Requirements> {
        if !matches!(tc.use_target_platform_constraints, Known::Known(false)) {
            return None;
        }
        let values = |list: &Known<Vec<Label>>| match list {
            Known::Known(v) => v.iter().map(|l| sim.actual(l)).collect(),
            Known::Unknown => None,
        };
        Some(Requirements {
            toolchain_type: sim.actual(tc.toolchain_type.as_known()?)?,
            exec: values(&tc.exec_compatible_with)?,
            target: values(&tc.target_compatible_with)?,
            settings: values(&tc.target_settings)?,
        })
    }

    /// Whether every platform pair and configuration `later` matches is matched by `self`.
    fn covers(&self, later: &Requirements) -> bool {
        self.toolchain_type == later.toolchain_type
            && self.exec.iter().all(|v| later.exec.contains(v))
            && self.target.iter().all(|v| later.target.contains(v))
            && self.settings.iter().all(|s| later.settings.contains(s))
    }
}
