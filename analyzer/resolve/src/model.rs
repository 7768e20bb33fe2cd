//! The simulator's input: the Bazel facts resolution depends on, as plain data built by the
//! index layer (or by hand in tests), plus the configuration and the request.
//!
//! Everything a workspace could not tell statically is [`Known::Unknown`]; the simulator never
//! guesses it and reports "cannot decide" instead.

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap;
use toolcheck_index::label::{Label, PackageId, SmolStr, TargetPattern};

/// A value the workspace either states or leaves unknowable statically (a `select()`, a
/// value computed by a macro or a repository rule, a load from an unreadable repository).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Known<T> {
    Known(T),
    Unknown,
}

impl<T> Known<T> {
    pub fn as_known(&self) -> Option<&T> {
        match self {
            Known::Known(v) => Some(v),
            Known::Unknown => None,
        }
    }
    /// Whether the value is stated.
    pub fn is_known(&self) -> bool {
        matches!(self, Known::Known(_))
    }
}

/// A stated default value (an empty list for list attributes): attributes that are not
/// written are known to have their default.
impl<T: Default> Default for Known<T> {
    fn default() -> Known<T> {
        Known::Known(T::default())
    }
}

/// The Bazel version whose semantics are simulated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BazelVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl BazelVersion {
    pub const NEWEST: BazelVersion = BazelVersion {
        major: 8,
        minor: 4,
        patch: 0,
    };
    /// The oldest version toolcheck simulates.
    pub const OLDEST: BazelVersion = BazelVersion {
        major: 4,
        minor: 0,
        patch: 0,
    };
    /// The newest release toolcheck knows of each major version it simulates (what a
    /// `.bazelversion` of `7.x` means), oldest first.
    pub const NEWEST_OF_MAJOR: [BazelVersion; 6] = [
        BazelVersion::new(4, 2, 4),
        BazelVersion::new(5, 4, 1),
        BazelVersion::new(6, 5, 0),
        BazelVersion::new(7, 6, 1),
        BazelVersion::NEWEST,
        BazelVersion::new(9, 0, 0),
    ];

    /// Whether toolcheck simulates this version (4.0 to the last major it knows).
    pub fn is_supported(self) -> bool {
        self >= BazelVersion::OLDEST
            && self.major
                <= BazelVersion::NEWEST_OF_MAJOR[BazelVersion::NEWEST_OF_MAJOR.len() - 1].major
    }

    /// The newest release toolcheck knows of `major`.
    pub fn newest_of(major: u32) -> Option<BazelVersion> {
        BazelVersion::NEWEST_OF_MAJOR
            .into_iter()
            .find(|v| v.major == major)
    }

    pub const fn new(major: u32, minor: u32, patch: u32) -> BazelVersion {
        BazelVersion {
            major,
            minor,
            patch,
        }
    }
    /// Parses `7`, `7.1`, `7.1.2`, `8.0.0rc1`, `4.2.3-ds`; `None` for anything else.
    pub fn parse(text: &str) -> Option<BazelVersion> {
        let mut parts = text.trim().split('.');
        let num = |s: Option<&str>| -> Option<u32> {
            match s {
                None => Some(0),
                Some(s) => {
                    let digits: String = s.chars().take_while(|c| c.is_ascii_digit()).collect();
                    digits.parse().ok()
                }
            }
        };
        let major = num(parts.next())?;
        let minor = num(parts.next())?;
        let patch = num(parts.next())?;
        Some(BazelVersion {
            major,
            minor,
            patch,
        })
    }
}

impl std::fmt::Display for BazelVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// What kind of target a label names, as far as resolution cares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetKind {
    ConstraintSetting,
    ConstraintValue,
    Platform,
    ToolchainType,
    Toolchain,
    ConfigSetting,
    /// `alias(actual = ...)`; `Unknown` when `actual` is a `select()` or computed.
    Alias(Known<Label>),
    /// Any other rule (the string is the rule kind, e.g. `filegroup`).
    Other(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConstraintSetting {
    /// `default_constraint_value`.
    pub default: Option<Label>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConstraintValue {
    pub setting: Label,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Platform {
    /// `constraint_values` as written (before alias resolution).
    pub constraint_values: Known<Vec<Label>>,
    /// `parents` as written (Bazel allows at most one).
    pub parents: Known<Vec<Label>>,
    /// `required_settings`: `config_setting`s the *target* configuration must match for this
    /// platform to be usable as an exec platform (applied for Bazel 8.0+; not inherited).
    pub required_settings: Known<Vec<Label>>,
    /// `allowed_toolchain_types` when `check_toolchain_types = True`, else `None` (HEAD /
    /// Bazel 9+ only: such an exec platform may only carry the listed types). Unknown when
    /// either attribute is computed: whether the platform serves a type is then undecided.
    pub allowed_toolchain_types: Option<Known<Vec<Label>>>,
}

impl Default for Platform {
    /// A platform with nothing set: no constraint values, no parent.
    fn default() -> Platform {
        Platform {
            constraint_values: Known::Known(Vec::new()),
            parents: Known::Known(Vec::new()),
            required_settings: Known::Known(Vec::new()),
            allowed_toolchain_types: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Toolchain {
    pub toolchain_type: Known<Label>,
    /// The `toolchain` attribute: the implementation target. Unknown when it is computed,
    /// or written as a `select()` ([`Toolchain::implementation_select`]).
    pub implementation: Known<Label>,
    /// `toolchain = select({...})` written out: each condition (`None` for
    /// `//conditions:default`) with its label. Bazel configures the attribute in the
    /// requesting target's configuration (`test_toolchain_modes`), so the implementation
    /// depends on the target platform and the flags, and is chosen per resolution.
    pub implementation_select: Option<Vec<(Option<Label>, Label)>>,
    pub exec_compatible_with: Known<Vec<Label>>,
    pub target_compatible_with: Known<Vec<Label>>,
    pub target_settings: Known<Vec<Label>>,
    pub use_target_platform_constraints: Known<bool>,
}

impl Toolchain {
    /// A toolchain of `toolchain_type` implemented by `implementation`, with no constraints,
    /// no `target_settings` and `use_target_platform_constraints = False`.
    pub fn new(toolchain_type: Label, implementation: Label) -> Toolchain {
        Toolchain {
            toolchain_type: Known::Known(toolchain_type),
            implementation: Known::Known(implementation),
            implementation_select: None,
            exec_compatible_with: Known::Known(Vec::new()),
            target_compatible_with: Known::Known(Vec::new()),
            target_settings: Known::Known(Vec::new()),
            use_target_platform_constraints: Known::Known(false),
        }
    }
}

/// A `config_setting`, reduced to what can be matched statically.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ConfigSetting {
    /// `values = {"compilation_mode": "opt", "define": "a=b", ...}`.
    pub values: Known<Vec<(String, String)>>,
    /// `define_values = {"a": "b"}`.
    pub define_values: Known<Vec<(String, String)>>,
    /// `flag_values = {"//flag:x": "v"}`.
    pub flag_values: Known<Vec<(Label, String)>>,
    /// `constraint_values`: matched against the target platform.
    pub constraint_values: Known<Vec<Label>>,
}

/// Targets and packages a [`Model`] does not hold itself, looked up on demand. A simulation
/// over a workspace index keeps only the kinds resolution models (constraints, platforms,
/// toolchains, aliases, config settings) in its maps and finds every other target (a
/// `filegroup`, a Starlark rule) and every package's target names here, instead of copying
/// the whole workspace.
pub trait TargetSource: Send + Sync {
    /// The kind of a target missing from [`Model::targets`].
    fn kind(&self, label: &Label) -> Option<TargetKind>;
    /// The target names of a package missing from [`Model::packages`].
    fn package(&self, pkg: &PackageId) -> Option<Vec<SmolStr>>;
    /// Whether it knows the package (without copying its names).
    fn has_package(&self, pkg: &PackageId) -> bool;
    /// Calls `f` with every package it knows.
    fn each_package(&self, f: &mut dyn FnMut(&PackageId));
    /// The `config_setting` a label missing from [`Model::config_settings`] names. A
    /// workspace typically declares one per package, and only the few that toolchains or
    /// flags name are ever matched, so a simulation over an index leaves them here rather
    /// than copying every one into the model (at 100,000 packages the copies were the
    /// largest of its maps).
    fn config_setting(&self, _label: &Label) -> Option<ConfigSetting> {
        None
    }
}

/// The optional [`TargetSource`] of a model.
#[derive(Clone, Default)]
pub struct External(pub Option<std::sync::Arc<dyn TargetSource>>);

impl std::fmt::Debug for External {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "External(index)"
        } else {
            "External(none)"
        })
    }
}

/// Whether `repo` is one toolcheck cannot read: listed as invisible, or outside the readable
/// ones when those are known ([`Model::visible_repos`]).
pub fn repo_invisible(
    invisible: &[toolcheck_index::label::RepoName],
    visible: Option<&rustc_hash::FxHashSet<toolcheck_index::label::RepoName>>,
    repo: &toolcheck_index::label::RepoName,
) -> bool {
    invisible.contains(repo) || visible.is_some_and(|v| !repo.is_main() && !v.contains(repo))
}

/// Every target resolution may look at, keyed by label, plus the package contents that
/// wildcard patterns expand over.
#[derive(Clone, Debug, Default)]
pub struct Model {
    pub targets: FxHashMap<Label, TargetKind>,
    pub settings: FxHashMap<Label, ConstraintSetting>,
    pub values: FxHashMap<Label, ConstraintValue>,
    pub platforms: FxHashMap<Label, Platform>,
    pub toolchains: FxHashMap<Label, Toolchain>,
    pub config_settings: FxHashMap<Label, ConfigSetting>,
    /// Target names per package (any order; the simulator sorts as Bazel does).
    pub packages: BTreeMap<PackageId, Vec<SmolStr>>,
    /// Packages whose target list is incomplete (a macro or an unreadable file could add
    /// targets): wildcard expansion over them is marked as possibly incomplete.
    /// A set: looked up once per missing label, so a list would make checks quadratic.
    pub open_packages: BTreeSet<PackageId>,
    /// Repositories toolcheck cannot see: labels in them are unknown, not missing.
    pub invisible_repos: Vec<toolcheck_index::label::RepoName>,
    /// Computed repositories toolcheck sees only in part (their rule downloads or runs
    /// something): a package missing from them is unknown, not missing.
    pub partial_repos: BTreeSet<toolcheck_index::label::RepoName>,
    /// When set, the repositories toolcheck can read (the main one aside): every other one
    /// is invisible too, wherever its labels appear (a rule's or a target's
    /// `exec_compatible_with` included), see [`Model::repo_invisible`].
    pub visible_repos:
        Option<std::sync::Arc<rustc_hash::FxHashSet<toolcheck_index::label::RepoName>>>,
    /// `build_setting_default` of Starlark flags, used by `config_setting.flag_values` when the
    /// configuration does not set the flag. A flag missing here (and from
    /// [`Config::flags`]) has an unknown value.
    pub build_setting_defaults: FxHashMap<Label, Known<String>>,
    /// Registrations in MODULE.bazel or WORKSPACE whose text is no absolute target pattern
    /// (`register_toolchains("/:x")`): Bazel rejects them, failing every resolution that
    /// uses the list. `(toolchains?, source, text)`; `source` is the caller's handle, as in
    /// [`Registration::source`].
    pub invalid_registrations: Vec<(bool, usize, String)>,
    /// Where targets and packages missing from the maps above are looked up.
    pub external: External,
    /// The `@platforms` repository, when toolcheck cannot read it: its `os` and `cpu`
    /// packages are modelled from the layout every release of it has
    /// ([`crate::platforms_repo::well_known`]).
    pub well_known_platforms: Option<toolcheck_index::label::RepoName>,
    /// The lowest release of that repository the workspace selects, when known: it settles
    /// the names whose identity changed between releases.
    pub well_known_platforms_release: Option<toolcheck_index::module_version::ModuleVersion>,
    /// Set when some registrations in effect are unknown (a WORKSPACE macro toolcheck could
    /// not follow, a computed argument): "nothing matches" is then never claimed, since what
    /// toolcheck did not see could match. Where in the order they would come is unknown too,
    /// so they do not change which known toolchain wins.
    pub unseen_registrations: Option<crate::trace::UnknownCause>,
}

impl Model {
    /// Whether labels in `repo` are unknowable (toolcheck cannot read it).
    pub fn repo_invisible(&self, repo: &toolcheck_index::label::RepoName) -> bool {
        repo_invisible(&self.invisible_repos, self.visible_repos.as_deref(), repo)
    }

    /// The kind of the target `label` names, from [`Model::targets`] or the external source.
    pub fn kind_of(&self, label: &Label) -> Option<std::borrow::Cow<'_, TargetKind>> {
        if let Some(k) = self.targets.get(label) {
            return Some(std::borrow::Cow::Borrowed(k));
        }
        self.external
            .0
            .as_ref()
            .and_then(|e| e.kind(label))
            .map(std::borrow::Cow::Owned)
    }

    /// The `config_setting` `label` names, from [`Model::config_settings`] or the external
    /// source.
    pub fn config_setting(&self, label: &Label) -> Option<std::borrow::Cow<'_, ConfigSetting>> {
        if let Some(c) = self.config_settings.get(label) {
            return Some(std::borrow::Cow::Borrowed(c));
        }
        self.external
            .0
            .as_ref()
            .and_then(|e| e.config_setting(label))
            .map(std::borrow::Cow::Owned)
    }

    /// The target names of a package, from [`Model::packages`] or the external source.
    pub fn package_names(&self, pkg: &PackageId) -> Option<std::borrow::Cow<'_, [SmolStr]>> {
        if let Some(names) = self.packages.get(pkg) {
            return Some(std::borrow::Cow::Borrowed(names.as_slice()));
        }
        self.external
            .0
            .as_ref()
            .and_then(|e| e.package(pkg))
            .map(std::borrow::Cow::Owned)
    }

    /// Whether a package exists (has a BUILD file toolcheck read).
    pub fn has_package(&self, pkg: &PackageId) -> bool {
        self.packages.contains_key(pkg)
            || self.external.0.as_ref().is_some_and(|e| e.has_package(pkg))
    }

    /// Every package, from [`Model::packages`] and the external source (possibly twice).
    pub fn each_package(&self, f: &mut dyn FnMut(&PackageId)) {
        for pkg in self.packages.keys() {
            f(pkg);
        }
        if let Some(e) = &self.external.0 {
            e.each_package(f);
        }
    }
}

/// Where a registration came from; decides its priority together with the Bazel version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// `--extra_toolchains` / `--extra_execution_platforms`, in the order the flag values
    /// were given (`.bazelrc` values first, then the command line).
    Flag,
    /// `register_*` in the root module's MODULE.bazel.
    RootModule { dev_dependency: bool },
    /// `register_*` in the user WORKSPACE (or WORKSPACE.bzlmod).
    Workspace,
    /// `register_*` in a non-root module; `bfs_index` is its position in BFS order (root = 0).
    Module {
        name: String,
        bfs_index: usize,
        dev_dependency: bool,
    },
    /// Bazel's built-in WORKSPACE suffix.
    WorkspaceSuffix,
    /// Library mode: a consumer's WORKSPACE calling the library's exported macros. Ordered
    /// like [`Origin::Workspace`], and counted whether or not the library's own workspace
    /// reads a WORKSPACE file (its consumers do), except where Bazel has none at all.
    Library,
}

/// One registered pattern, in source order within its origin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registration {
    pub pattern: TargetPattern,
    /// `-//foo` in a flag value.
    pub negative: bool,
    pub origin: Origin,
    /// An opaque handle the caller uses to point diagnostics back at the source (an index into
    /// its own table); the simulator only copies it into results.
    pub source: usize,
    /// For [`Origin::Flag`]: which occurrence of the flag the value came from, counting from 0
    /// in the order Bazel sees them (`.bazelrc` occurrences first, then the command line).
    /// `--extra_execution_platforms=a,b` is one occurrence with two values. Bazel 7.0+ keeps
    /// only the last occurrence of `--extra_execution_platforms`. Ignored for other origins.
    pub occurrence: usize,
}

/// The configuration resolution runs in: flags that decide `target_settings`, plus the mode.
#[derive(Clone, Debug)]
pub struct Config {
    pub version: BazelVersion,
    /// Whether bzlmod (MODULE.bazel) is in effect.
    pub bzlmod: bool,
    /// Whether WORKSPACE registrations are in effect.
    pub workspace: bool,
    /// Whether `WORKSPACE.bzlmod` replaced WORKSPACE (no suffix then).
    pub workspace_bzlmod_file: bool,
    /// `--ignore_dev_dependency`.
    pub ignore_dev_dependency: bool,
    /// The host platform (appended last to the exec platforms).
    pub host_platform: Label,
    /// Option values known for the target configuration, e.g. `compilation_mode` -> `opt`.
    /// Options that are absent take Bazel's default when [`Config::option_default`] knows
    /// it, and are otherwise unknown.
    pub options: BTreeMap<String, String>,
    /// `--define` values.
    pub defines: BTreeMap<String, String>,
    /// Starlark flag values (`--//flag:x=v`).
    pub flags: BTreeMap<Label, String>,
}

impl Config {
    /// Bazel's default for an option the user did not set, when it does not depend on the
    /// host machine.
    pub fn option_default(option: &str) -> Option<&'static str> {
        Some(match option {
            "compilation_mode" => "fastbuild",
            "stamp" => "false",
            "collect_code_coverage" => "false",
            // CoreOptions: `use_target_platform_for_tests`, default false (read by
            // @bazel_tools//tools/test's config settings in Bazel 9).
            "use_target_platform_for_tests" => "false",
            _ => return None,
        })
    }
}

/// One requested toolchain type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeRequest {
    pub toolchain_type: Label,
    /// `Unknown` when `mandatory` was computed at runtime.
    pub mandatory: Known<bool>,
    /// A label that is no `toolchain_type` is skipped instead of failing resolution: Bazel's
    /// `ToolchainTypeRequirement.ignoreIfInvalid`, set for the `toolchains` attribute of
    /// native rules such as `genrule` (which also lists make-variable providers). Starlark
    /// requests, optional or not, fail on a non-type
    /// (ToolchainResolutionFunctionTest: resolve_invalidToolchainType_ignored).
    pub ignore_if_invalid: bool,
}

/// What one exec group (the default group of a rule, or a named group) asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecGroupRequest {
    /// `None` for the default exec group.
    pub name: Option<String>,
    pub types: Vec<TypeRequest>,
    /// The rule's/group's `exec_compatible_with` plus the target's.
    pub exec_compatible_with: Known<Vec<Label>>,
}
