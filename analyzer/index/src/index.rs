//! The workspace index: every file's facts merged into packages, targets with typed
//! declarations, `rule()`/`aspect()` toolchain requests, the bzlmod module graph with
//! repository mappings, and every registration with its origin and source location.
//!
//! Labels here are resolved ([`Label`]); whatever could not be known statically is
//! [`Known::Unknown`]-like (`None` fields or [`RefList::Unknown`]), never guessed.

use std::collections::VecDeque;
use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use toolcheck_syntax::{FileKind, TextRange};

use crate::bazelrc::{BuildFlags, RcFile};
use crate::expr::{sym, Call, Expr, ExprKind, Sym};
use crate::facts::FileFacts;
use crate::interp::{Env, FileContext, Loc, Val, V};
use crate::label::{
    Label, LabelContext, LabelError, PackageId, RepoMapping, RepoName, SmolStr, TargetPattern,
};
use crate::module_version::ModuleVersion;
use crate::targets::{PackageUnit, Targets};
use crate::workspace::{FileId, FilesByPath, Workspace};

/// A label as referenced somewhere, with where it was written and how it resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct LabelRef {
    /// The label as written; interned (the literal's string is already in the table).
    pub text: Sym,
    pub label: Result<Label, LabelError>,
    pub loc: Loc,
}

/// A list of label references that may be unknown as a whole.
#[derive(Clone, Debug, PartialEq)]
pub enum RefList {
    Known(Vec<LabelRef>),
    /// The value is computed (`select()`, a macro argument, an unresolvable load).
    Unknown(Loc),
}

impl RefList {
    pub fn known(&self) -> Option<&[LabelRef]> {
        match self {
            RefList::Known(v) => Some(v),
            RefList::Unknown(_) => None,
        }
    }
    pub fn empty() -> RefList {
        RefList::Known(Vec::new())
    }
}

/// What toolcheck says of a value it cannot know statically, wherever it shows one.
pub const COMPUTED: &str = "computed (not known statically)";

/// The one way a label list reads in hovers, reports and dumps: the labels as written, each
/// in backticks; `none` for an empty list (whatever an empty list means for the attribute);
/// [`COMPUTED`] when unknown.
impl std::fmt::Display for RefList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RefList::Known(v) if v.is_empty() => f.write_str("none"),
            RefList::Known(v) => {
                for (i, r) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "`{}`", r.text)?;
                }
                Ok(())
            }
            RefList::Unknown(_) => f.write_str(COMPUTED),
        }
    }
}

/// A single-label attribute: absent, known or unknown.
#[derive(Clone, Debug, PartialEq)]
pub enum RefOne {
    Absent,
    Known(Box<LabelRef>),
    Unknown(Loc),
}

impl RefOne {
    pub fn known(&self) -> Option<&LabelRef> {
        match self {
            RefOne::Known(r) => Some(r),
            _ => None,
        }
    }
}

/// Reads like [`RefList`]'s rendering: the label in backticks, `not set`, or [`COMPUTED`].
impl std::fmt::Display for RefOne {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RefOne::Known(r) => write!(f, "`{}`", r.text),
            RefOne::Absent => f.write_str("not set"),
            RefOne::Unknown(_) => f.write_str(COMPUTED),
        }
    }
}

/// The attribute a label reference of a declaration is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefField {
    /// `constraint_setting(default_constraint_value = ...)`.
    DefaultConstraintValue,
    /// `constraint_value(constraint_setting = ...)`.
    ConstraintSetting,
    /// `platform(constraint_values = ...)`, `config_setting(constraint_values = ...)`.
    ConstraintValues,
    /// `platform(parents = ...)`.
    Parents,
    /// `toolchain(toolchain_type = ...)`.
    ToolchainType,
    /// `toolchain(toolchain = ...)`: the implementation, any kind of target.
    Toolchain,
    /// `exec_compatible_with` of a `toolchain()`, `rule()`, `aspect()` or exec group.
    ExecCompatibleWith,
    /// `toolchain(target_compatible_with = ...)`.
    TargetCompatibleWith,
    /// `toolchain(target_settings = ...)`.
    TargetSettings,
    /// The keys of `config_setting(flag_values = ...)`: flags, any kind of target.
    FlagValues,
    /// `alias(actual = ...)`: any kind of target.
    Actual,
    /// A type in `toolchains` of a `rule()`, `aspect()` or exec group.
    RequestedToolchainType,
}

impl Decl {
    /// Every label this declaration mentions, with the attribute it is written in, in
    /// attribute order. Lists and single labels that are unknown contribute nothing. The one
    /// walk over a declaration's labels: checks and navigation all use it, so a new
    /// label-bearing attribute is added here only.
    pub fn label_refs(&self) -> Vec<(RefField, &LabelRef)> {
        let mut out = Vec::new();
        let one = push_one;
        match self {
            Decl::ConstraintSetting { default } => {
                one(&mut out, RefField::DefaultConstraintValue, default)
            }
            Decl::ConstraintValue { setting } => {
                one(&mut out, RefField::ConstraintSetting, setting)
            }
            Decl::Alias { actual } => one(&mut out, RefField::Actual, actual),
            Decl::Platform(p) => {
                push_list(&mut out, RefField::ConstraintValues, &p.constraint_values);
                push_list(&mut out, RefField::Parents, &p.parents);
            }
            Decl::Toolchain(tc) => {
                one(&mut out, RefField::ToolchainType, &tc.toolchain_type);
                one(&mut out, RefField::Toolchain, &tc.toolchain);
                push_list(
                    &mut out,
                    RefField::ExecCompatibleWith,
                    &tc.exec_compatible_with,
                );
                push_list(
                    &mut out,
                    RefField::TargetCompatibleWith,
                    &tc.target_compatible_with,
                );
                push_list(&mut out, RefField::TargetSettings, &tc.target_settings);
            }
            Decl::ConfigSetting(c) => {
                push_list(&mut out, RefField::ConstraintValues, &c.constraint_values);
                out.extend(
                    c.flag_values
                        .iter()
                        .flatten()
                        .map(|(r, _)| (RefField::FlagValues, r)),
                );
            }
            Decl::ToolchainType | Decl::OtherNative | Decl::StarlarkRule { .. } | Decl::Unknown => {
            }
        }
        out
    }
}

fn push_one<'a>(out: &mut Vec<(RefField, &'a LabelRef)>, field: RefField, r: &'a RefOne) {
    if let RefOne::Known(r) = r {
        out.push((field, r));
    }
}

fn push_list<'a>(out: &mut Vec<(RefField, &'a LabelRef)>, field: RefField, l: &'a RefList) {
    if let RefList::Known(v) = l {
        out.extend(v.iter().map(|r| (field, r)));
    }
}

/// The typed facts of a target that matters to toolchain resolution.
#[derive(Clone, Debug, PartialEq)]
pub enum Decl {
    ConstraintSetting {
        default: RefOne,
    },
    ConstraintValue {
        setting: RefOne,
    },
    /// The large variants are boxed: every target carries a `Decl`, and few are platforms,
    /// toolchains or config settings.
    Platform(Box<PlatformDecl>),
    ToolchainType,
    Toolchain(Box<ToolchainDecl>),
    Alias {
        actual: RefOne,
    },
    ConfigSetting(Box<ConfigSettingDecl>),
    /// Another native rule.
    OtherNative,
    /// A Starlark rule defined by `rule()`: its name where it is defined, and that file.
    StarlarkRule {
        /// Interned: nearly every target of a real workspace is one, and a workspace defines
        /// few rules.
        name: Sym,
        file: FileId,
    },
    /// A macro or unknown callee: the target `name` probably exists, its kind is unknown.
    Unknown,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PlatformDecl {
    pub constraint_values: RefList,
    pub parents: RefList,
    /// `required_settings`: the `config_setting`s the target configuration must match for
    /// this platform to be an execution platform.
    pub required_settings: RefList,
    /// `allowed_toolchain_types` when `check_toolchain_types = True` (an unknown list when
    /// either is computed); `None` when the platform does not check types.
    pub allowed_toolchain_types: Option<RefList>,
    /// `exec_properties` (own keys only; `None` when computed).
    pub exec_properties: Option<Vec<ExecProperty>>,
}

/// One `exec_properties` entry of a platform, with where its value is written.
#[derive(Clone, Debug, PartialEq)]
pub struct ExecProperty {
    pub key: String,
    pub value: String,
    pub loc: Loc,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ToolchainDecl {
    pub toolchain_type: RefOne,
    /// Unknown (computed) when written as a `select()`; see `toolchain_select`.
    pub toolchain: RefOne,
    /// `toolchain = select({...})` written directly in the call, with every key and value a
    /// label string: the conditions (`None` for `//conditions:default`) and their labels.
    pub toolchain_select: Option<Vec<(Option<LabelRef>, LabelRef)>>,
    pub exec_compatible_with: RefList,
    pub target_compatible_with: RefList,
    pub target_settings: RefList,
    pub use_target_platform_constraints: Option<bool>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ConfigSettingDecl {
    /// Interned strings in exactly sized slices: nearly every package of a large workspace
    /// declares a `config_setting`, and its pairs (`compilation_mode`/`opt`) repeat. As
    /// `String`s collected in place they cost about 240 bytes a setting, as inline strings
    /// 48 bytes a pair; interned, 16.
    pub values: Option<Box<[(Sym, Sym)]>>,
    pub define_values: Option<Box<[(Sym, Sym)]>>,
    pub flag_values: Option<Box<[(LabelRef, String)]>>,
    pub constraint_values: RefList,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    pub label: Label,
    /// The rule kind as written (`toolchain`, `platform`, `cc_library`, `my_macro`).
    /// Interned: a workspace has few kinds and every target names one.
    pub kind: Sym,
    pub file: FileId,
    /// The whole call statement.
    pub range: TextRange,
    /// The callee identifier.
    pub callee_range: TextRange,
    /// The `name = "..."` string.
    pub name_range: TextRange,
    pub decl: Decl,
    /// Index into the file's `FileFacts::calls` (`u32::MAX` for a top-level statement that
    /// is not a call).
    pub call_index: u32,
    /// For a target created by a macro: the rule call the macro made (where, and the
    /// attributes read later). `range`, `callee_range` and `name_range` are the macro call in
    /// the BUILD file (what the user edits).
    pub macro_call: Option<MacroCall>,
}

impl Target {
    /// For a target created by a macro: the native rule (or rule) call inside the macro
    /// that declared it.
    pub fn macro_decl(&self) -> Option<Loc> {
        self.macro_call.as_ref().map(|m| m.loc)
    }
}

/// What a target a macro created keeps of the rule call the macro made. Inline in the
/// [`Target`] rather than the whole [`Emitted`](crate::interp::Emitted) behind an `Arc`:
/// half the targets of a macro-heavy workspace are made by macros, and nearly all of them
/// keep no attribute, so this costs no allocation where the `Arc` cost about 150 bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct MacroCall {
    /// The native rule (or rule) call inside the macro.
    pub loc: Loc,
    /// False when a `**kwargs` of unknown content was passed: an attribute missing from
    /// `attrs` may still be set.
    pub attrs_complete: bool,
    /// The attributes read after the index is built ([`LATER_MACRO_ATTRS`]); `None` when
    /// there are none, as for nearly every target. A boxed vector, not a boxed slice: its
    /// thin pointer keeps every `Target` 8 bytes smaller.
    #[allow(clippy::box_collection)]
    pub attrs: Option<Box<Vec<(String, Val)>>>,
}

impl MacroCall {
    /// The call as the macro run emitted it, with only the kept attributes (what attribute
    /// lookups read).
    fn emitted(&self) -> crate::interp::Emitted {
        crate::interp::Emitted {
            kind: String::new(),
            rule: None,
            args: Vec::new(),
            attrs: self.attrs.as_deref().cloned().unwrap_or_default(),
            attrs_complete: self.attrs_complete,
            loc: self.loc,
        }
    }
}

/// A package and what toolcheck knows of its targets.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Package {
    pub build_file: Option<FileId>,
    /// Whether macros or dynamic code may create targets toolcheck does not list.
    pub open: bool,
}

/// One requested toolchain type in a `rule()`/`aspect()`/`exec_group()`.
#[derive(Clone, Debug, PartialEq)]
pub struct TypeRequest {
    pub toolchain_type: LabelRef,
    /// `None` when `mandatory` is computed at runtime.
    pub mandatory: Option<bool>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ExecGroupDecl {
    pub name: String,
    pub toolchains: Option<Vec<TypeRequest>>,
    pub exec_compatible_with: RefList,
}

/// A `rule()` or `aspect()` bound at the top level of a .bzl file.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleDecl {
    pub name: String,
    pub is_aspect: bool,
    pub file: FileId,
    pub name_range: TextRange,
    /// `None` when the list is computed in a way toolcheck cannot follow.
    pub toolchains: Option<Vec<TypeRequest>>,
    pub exec_compatible_with: RefList,
    pub exec_groups: Option<Vec<ExecGroupDecl>>,
    /// The `implementation` function (file, index into `FileFacts::functions`), when it
    /// resolves statically (through `load()` included).
    pub implementation: Option<(FileId, usize)>,
    /// The rule's private `_use_auto_exec_groups = attr.bool(default = ...)`, which overrides
    /// `--incompatible_auto_exec_groups` for this rule (Bazel's `RuleContext` and
    /// `ToolchainResolutionFunction`/`PrerequisiteProducer` read `$use_auto_exec_groups`
    /// before the flag).
    pub use_auto_exec_groups: RuleSwitch,
    /// `rule(test = ...)`: `Some(false)` when absent, `None` when computed.
    pub test: Option<bool>,
}

/// A boolean a `rule()` may declare: absent, known, or computed in a way toolcheck does not
/// follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleSwitch {
    Absent,
    Set(bool),
    Unknown,
}

impl RuleDecl {
    /// Every label this `rule()` or `aspect()` mentions: its requested types and
    /// `exec_compatible_with`, then each exec group's (with the group), in that order. The
    /// rule-side counterpart of [`Decl::label_refs`].
    pub fn label_refs(&self) -> Vec<(Option<&ExecGroupDecl>, RefField, &LabelRef)> {
        fn requests<'a>(
            out: &mut Vec<(Option<&'a ExecGroupDecl>, RefField, &'a LabelRef)>,
            group: Option<&'a ExecGroupDecl>,
            toolchains: &'a Option<Vec<TypeRequest>>,
            exec: &'a RefList,
        ) {
            let mut own = Vec::new();
            for req in toolchains.iter().flatten() {
                own.push((RefField::RequestedToolchainType, &req.toolchain_type));
            }
            push_list(&mut own, RefField::ExecCompatibleWith, exec);
            out.extend(own.into_iter().map(|(field, r)| (group, field, r)));
        }
        let mut out = Vec::new();
        requests(&mut out, None, &self.toolchains, &self.exec_compatible_with);
        for g in self.exec_groups.iter().flatten() {
            requests(&mut out, Some(g), &g.toolchains, &g.exec_compatible_with);
        }
        out
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegistrationKind {
    Toolchain,
    ExecutionPlatform,
}

/// Where a registration came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegistrationOrigin {
    /// `--extra_toolchains` / `--extra_execution_platforms` (rc files first, then the command line).
    Flag,
    RootModule {
        dev_dependency: bool,
    },
    Workspace,
    /// Library mode: registered by the exported macro `function` (of `file`), run with its
    /// defaults as a consuming workspace would call it. Ordered like WORKSPACE registrations.
    Library {
        function: String,
        file: FileId,
    },
    /// A non-root module at `bfs_index` in the module graph's BFS order.
    Module {
        name: String,
        bfs_index: usize,
        dev_dependency: bool,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Registration {
    pub kind: RegistrationKind,
    pub text: String,
    pub pattern: Result<TargetPattern, LabelError>,
    pub negative: bool,
    pub origin: RegistrationOrigin,
    /// Where it is written; `None` for command-line flags.
    pub loc: Option<Loc>,
    /// For flags: which occurrence of the flag (in Bazel's reading order) holds this value.
    pub occurrence: usize,
}

/// A place where registrations may hide that toolcheck could not expand: an argument of
/// `register_toolchains` / `register_execution_platforms` it cannot compute, or a WORKSPACE
/// call that may register something it could not follow (a macro run that stopped early, a
/// function loaded from a repository it cannot read). Read by the coverage report, so that a
/// run never looks complete while registrations are missing.
#[derive(Clone, Debug, PartialEq)]
pub struct RegistrationGap {
    /// The argument, or the WORKSPACE call.
    pub loc: Loc,
    pub why: String,
    /// The repository the callee was loaded from, when toolcheck cannot read it.
    pub unreadable_repo: Option<RepoName>,
}

/// A module of the resolved bzlmod graph.
#[derive(Clone, Debug, PartialEq)]
pub struct Module {
    pub name: String,
    pub repo: RepoName,
    /// The MODULE.bazel file, when visible.
    pub file: Option<FileId>,
    pub bfs_index: usize,
    /// Its distance from the root module (0 for the root): Bazel's implicit `bazel_tools`
    /// dependency sits after the root's own dependencies, at depth 1.
    pub depth: usize,
}

/// Which registration mechanisms are active.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Modes {
    pub bzlmod: bool,
    pub workspace: bool,
    pub workspace_bzlmod_file: bool,
}

/// The registration mechanisms Bazel `major_version` uses with `flags` in a main repository
/// whose root holds the files `has` says it holds, and the WORKSPACE file it reads (none when
/// WORKSPACE is off). `toolcheck fetch` asks the same question: it fetches a WORKSPACE's
/// `http_archive`s only when Bazel would read that file.
pub fn active_modes(
    has: impl Fn(&str) -> bool,
    flags: &BuildFlags,
    major_version: u32,
) -> (Modes, Option<&'static str>) {
    let bzlmod = has("MODULE.bazel")
        && flags.enable_bzlmod.unwrap_or(major_version >= 7)
        && major_version >= 5;
    let workspace_bzlmod = has("WORKSPACE.bzlmod");
    // WORKSPACE.bzlmod replaces WORKSPACE only while Bzlmod is on; with it off (a
    // repository that keeps both, switched by a `--config`), WORKSPACE is read.
    let workspace_file = if workspace_bzlmod && bzlmod {
        Some("WORKSPACE.bzlmod")
    } else {
        ["WORKSPACE.bazel", "WORKSPACE"]
            .into_iter()
            .find(|n| has(n))
    };
    let workspace_on = workspace_file.is_some()
        && major_version < 9
        && (major_version < 7 || !bzlmod || flags.enable_workspace.unwrap_or(major_version < 8));
    let modes = Modes {
        bzlmod,
        workspace: workspace_on,
        workspace_bzlmod_file: workspace_bzlmod && bzlmod,
    };
    (modes, workspace_file.filter(|_| workspace_on))
}

/// The merged workspace.
pub struct WorkspaceIndex {
    /// Every package and target, by BUILD file (see [`Targets`]).
    pub targets: Targets,
    pub rules: Vec<RuleDecl>,
    pub registrations: Vec<Registration>,
    /// Registrations toolcheck could not expand (see [`RegistrationGap`]).
    pub registration_gaps: Vec<RegistrationGap>,
    pub modules: Vec<Module>,
    pub mappings: FxHashMap<RepoName, RepoMapping>,
    pub contexts: Arc<Vec<FileContext>>,
    pub file_by_path: Arc<FilesByPath>,
    pub flags: BuildFlags,
    pub rc_files: Vec<RcFile>,
    pub modes: Modes,
    /// Repositories referenced but not readable.
    pub invisible_repos: FxHashSet<RepoName>,
    /// For each module of the bzlmod graph, the lowest version Bazel can select: the highest
    /// any readable MODULE.bazel requests (minimal version selection takes the highest request
    /// of the whole graph, and unreadable modules may request more), or the root's
    /// `single_version_override`. Absent when a non-registry override replaces the module or
    /// no readable request states a version.
    pub module_versions: FxHashMap<String, ModuleVersion>,
    /// Modules whose version the root pins with `single_version_override(version = ...)`:
    /// for them [`WorkspaceIndex::module_versions`] is the version Bazel selects.
    pub pinned_modules: FxHashSet<String>,
    pub has_optional_toolchains: bool,
    /// `--platforms` and `--host_platform` values written in `.bazelrc` files.
    pub flag_platforms: Vec<LabelRef>,
    /// Every Starlark file's `load()`s that resolve to a file, indexed by `FileId`: what an
    /// edit to a `.bzl` file can affect.
    pub load_edges: Arc<Vec<Box<[FileId]>>>,
    /// Whether the workspace is checked as a library (see [`crate::workspace::AnalysisMode`]).
    pub library: bool,
    /// Repository rule calls met in MODULE.bazel (`use_repo_rule`) and WORKSPACE files
    /// (directly or through the macros they call), in order: see [`crate::computed`].
    pub instantiations: Vec<crate::computed::Instantiation>,
    /// The module extensions the module graph uses, with every module's tags.
    pub extension_usages: Vec<crate::computed::ExtensionUsage>,
    /// The Bazel major version the index was built for.
    major_version: u32,
    /// How many files were live when the index was built: with the slot count (the length of
    /// `contexts`), what tells [`WorkspaceIndex::update`] that the set of files changed.
    live_files: usize,
}

/// The outcome of [`WorkspaceIndex::update`].
pub struct Update {
    pub index: WorkspaceIndex,
    /// BUILD files whose units were re-evaluated (the changed ones and those loading a
    /// changed `.bzl` file), with their previous units.
    pub replaced: Vec<(FileId, Arc<PackageUnit>)>,
    /// `.bzl` files whose `rule()`s were re-read.
    pub rule_files: Vec<FileId>,
    /// Flags, modes, modules or registrations were recomputed (a MODULE.bazel, WORKSPACE or
    /// rc file changed): what depends on them, such as the resolution simulation, must be too.
    pub globals_changed: bool,
}

/// Native rules whose attributes toolcheck types.
const NATIVE_KINDS: &[&str] = &[
    "constraint_setting",
    "constraint_value",
    "platform",
    "toolchain_type",
    "toolchain",
    "alias",
    "config_setting",
    "label_setting",
    "label_flag",
];

impl WorkspaceIndex {
    /// Where each file sits: its package and repository, and files by path. Depends only on
    /// the set of files.
    fn layout(ws: &Workspace) -> (Vec<FileContext>, FilesByPath) {
        let file_by_path = FilesByPath::new(ws);
        let mut build_dirs: FxHashSet<(RepoName, String)> = FxHashSet::default();
        for id in ws.file_ids() {
            let f = ws.file(id);
            if f.kind == FileKind::Build {
                build_dirs.insert((f.repo, f.dir().to_string()));
            }
        }
        // One context per slot, tombstones included, so that `contexts[id]` stays aligned
        // with the file ids (a tombstone's context is never asked for).
        let contexts: Vec<FileContext> = ws
            .files
            .iter()
            .map(|f| {
                let mut dir = f.dir().to_string();
                let package = loop {
                    if build_dirs.contains(&(f.repo, dir.clone())) || dir.is_empty() {
                        break dir;
                    }
                    dir = dir
                        .rfind('/')
                        .map(|i| dir[..i].to_string())
                        .unwrap_or_default();
                };
                FileContext {
                    repo: f.repo,
                    package: sym(&package),
                }
            })
            .collect();
        (contexts, file_by_path)
    }

    /// Merges per-file facts (indexed like `ws.files`) into the workspace index.
    /// `major_version` is the simulated Bazel major version (it decides the active modes).
    pub fn build(ws: &Workspace, facts: &[Arc<FileFacts>], major_version: u32) -> WorkspaceIndex {
        Self::globals_only(ws, facts, major_version).complete(ws, facts)
    }

    /// The index without packages, rules or load edges: file layout, flags, modes, the
    /// module graph, mappings, registrations, repository rule instantiations and extension
    /// uses. Enough to compute repositories ([`WorkspaceIndex::computed_repos`]);
    /// [`WorkspaceIndex::complete`] adds the rest for the same inputs.
    pub fn globals_only(
        ws: &Workspace,
        facts: &[Arc<FileFacts>],
        major_version: u32,
    ) -> WorkspaceIndex {
        let (contexts, file_by_path) = Self::layout(ws);
        Self::globals(
            ws,
            facts,
            major_version,
            Arc::new(contexts),
            Arc::new(file_by_path),
        )
    }

    /// [`WorkspaceIndex::globals_only`] with the file layout of `same_files`, an index built
    /// from the same file table: the layout depends on the files' repositories, paths and
    /// kinds only, and a fork for another config or host would otherwise build a second copy
    /// of it (a path map and a context per file) while the first is alive.
    pub fn globals_with_layout(
        ws: &Workspace,
        facts: &[Arc<FileFacts>],
        major_version: u32,
        same_files: &WorkspaceIndex,
    ) -> WorkspaceIndex {
        Self::globals(
            ws,
            facts,
            major_version,
            same_files.contexts.clone(),
            same_files.file_by_path.clone(),
        )
    }

    /// Adds the load edges, package units and rules to an index from
    /// [`WorkspaceIndex::globals_only`] of the same `ws` and `facts`.
    pub fn complete(self, ws: &Workspace, facts: &[Arc<FileFacts>]) -> WorkspaceIndex {
        let mut index = self;
        // Per-slot vectors: a tombstone loads nothing, defines no package and no rules.
        index.load_edges = Arc::new(
            (0..ws.files.len() as u32)
                .map(|i| index.file_load_edges(ws, facts, FileId(i)))
                .collect(),
        );
        let units: Vec<Option<Arc<PackageUnit>>> = ws
            .files
            .par_iter()
            .enumerate()
            .map(|(i, f)| {
                (f.kind == FileKind::Build && !f.is_removed())
                    .then(|| Arc::new(index.package_unit(ws, facts, FileId(i as u32))))
            })
            .collect();
        index.targets = Targets::new(units);
        let rules: Vec<Vec<RuleDecl>> = ws
            .files
            .par_iter()
            .enumerate()
            .map(|(i, f)| {
                if f.kind == FileKind::Bzl && !f.is_removed() {
                    index.file_rules(ws, facts, FileId(i as u32))
                } else {
                    Vec::new()
                }
            })
            .collect();
        index.rules = rules.into_iter().flatten().collect();
        index
    }

    /// Everything but the package units, the rules and the load edges: flags, modes, the
    /// module graph, repository mappings and registrations. Depends on MODULE.bazel,
    /// WORKSPACE and rc files (and the `.bzl` files WORKSPACE macros load).
    fn globals(
        ws: &Workspace,
        facts: &[Arc<FileFacts>],
        major_version: u32,
        contexts: Arc<Vec<FileContext>>,
        file_by_path: Arc<FilesByPath>,
    ) -> WorkspaceIndex {
        let (rc_files, flags) = crate::bazelrc::workspace_build_flags(ws);

        let main_file = |name: &str| file_by_path.get(ws, RepoName::main(), name);
        let root_module = main_file("MODULE.bazel");
        let modes = active_modes(|name| main_file(name).is_some(), &flags, major_version).0;
        // The file registrations and the module graph read WORKSPACE's calls from (they
        // consult `modes.workspace` themselves).
        let workspace_file = main_file("WORKSPACE.bzlmod")
            .filter(|_| modes.bzlmod)
            .or_else(|| {
                ["WORKSPACE.bazel", "WORKSPACE"]
                    .iter()
                    .find_map(|n| main_file(n))
            });

        let mut index = WorkspaceIndex {
            targets: Targets::default(),
            rules: Vec::new(),
            registrations: Vec::new(),
            registration_gaps: Vec::new(),
            modules: Vec::new(),
            mappings: FxHashMap::default(),
            contexts,
            file_by_path,
            flags,
            rc_files,
            modes,
            invisible_repos: FxHashSet::default(),
            module_versions: FxHashMap::default(),
            pinned_modules: FxHashSet::default(),
            has_optional_toolchains: major_version >= 6,
            flag_platforms: Vec::new(),
            load_edges: Arc::default(),
            instantiations: Vec::new(),
            extension_usages: Vec::new(),
            library: match ws.settings.mode {
                crate::workspace::AnalysisMode::Library => true,
                crate::workspace::AnalysisMode::Workspace => false,
                crate::workspace::AnalysisMode::Auto => root_module
                    .and_then(|f| {
                        facts[f.0 as usize]
                            .calls
                            .iter()
                            .find(|c| c.call.func.dotted_name().as_deref() == Some("module"))
                    })
                    .and_then(|c| c.call.kwarg("version"))
                    .and_then(|k| k.value.as_str())
                    .is_some_and(|v| !v.is_empty()),
            },
            major_version,
            live_files: ws.live_file_count(),
        };
        index.build_module_graph(ws, facts, root_module, workspace_file);
        index.collect_registrations(ws, facts, root_module, workspace_file);
        index
    }

    /// The index after `changed` files' texts (and so their facts) changed, when that can be
    /// computed from `self` by re-evaluating only what the changes can affect, in an unchanged
    /// set of files: the edited BUILD files and those loading an edited `.bzl` file; after a
    /// MODULE.bazel, WORKSPACE or rc file edit (or a `.bzl` file WORKSPACE loads), also the
    /// flags, modules and registrations. `None` means "rebuild": files were added or removed,
    /// or the repository mappings changed (every label was resolved through them).
    /// `settings_changed`: the workspace's settings (flags, host) are not those `self` was
    /// built with, so the global part is recomputed whatever changed.
    pub fn update(
        &self,
        ws: &Workspace,
        facts: &[Arc<FileFacts>],
        changed: &[FileId],
        major_version: u32,
        settings_changed: bool,
    ) -> Option<Update> {
        if major_version != self.major_version
            || ws.files.len() != self.contexts.len()
            || ws.live_file_count() != self.live_files
            || facts.len() != ws.files.len()
        {
            return None;
        }
        let mut changed_bzl = Vec::new();
        let mut changed_build = Vec::new();
        // MODULE.bazel, WORKSPACE, rc files: flags, modes, modules and registrations are
        // recomputed; the package units stay valid as long as the repository mappings do.
        let mut globals_changed = settings_changed;
        for &id in changed {
            if ws.is_removed(id) {
                // Removing a file is a change to the set of files: rebuild.
                return None;
            }
            match ws.files.get(id.0 as usize)?.kind {
                FileKind::Build => changed_build.push(id),
                FileKind::Bzl => changed_bzl.push(id),
                _ => globals_changed = true,
            }
        }
        // Loads may have changed in the edited files.
        let mut load_edges = self.load_edges.clone();
        for &id in changed {
            let edges = self.file_load_edges(ws, facts, id);
            if *edges != *load_edges[id.0 as usize] {
                Arc::make_mut(&mut load_edges)[id.0 as usize] = edges;
            }
        }
        // Everything that loads a changed .bzl file, directly or not.
        let mut affected = vec![false; ws.files.len()];
        for &id in &changed_bzl {
            affected[id.0 as usize] = true;
        }
        if !changed_bzl.is_empty() {
            let mut dependents: Vec<Vec<FileId>> = vec![Vec::new(); ws.files.len()];
            for (from, tos) in load_edges.iter().enumerate() {
                for to in tos.iter() {
                    dependents[to.0 as usize].push(FileId(from as u32));
                }
            }
            let mut stack = changed_bzl.clone();
            while let Some(f) = stack.pop() {
                for &d in &dependents[f.0 as usize] {
                    if !affected[d.0 as usize] {
                        affected[d.0 as usize] = true;
                        stack.push(d);
                    }
                }
            }
        }
        for &id in &changed_build {
            affected[id.0 as usize] = true;
        }
        // The affected files by kind, in file order, in one pass.
        let (mut builds, mut bzls) = (Vec::new(), Vec::new());
        for id in ws.file_ids().filter(|id| affected[id.0 as usize]) {
            match ws.file(id).kind {
                FileKind::Build => builds.push(id),
                FileKind::Bzl => bzls.push(id),
                // WORKSPACE registrations run macros from .bzl files.
                FileKind::Workspace if self.modes.workspace => globals_changed = true,
                _ => {}
            }
        }
        let mut index = if globals_changed {
            let g = Self::globals(
                ws,
                facts,
                major_version,
                self.contexts.clone(),
                self.file_by_path.clone(),
            );
            // Every label in every unit was resolved through the mappings.
            if g.mappings != self.mappings {
                return None;
            }
            g
        } else {
            WorkspaceIndex {
                targets: Targets::default(),
                rules: Vec::new(),
                registrations: self.registrations.clone(),
                registration_gaps: self.registration_gaps.clone(),
                modules: self.modules.clone(),
                mappings: self.mappings.clone(),
                contexts: self.contexts.clone(),
                file_by_path: self.file_by_path.clone(),
                flags: self.flags.clone(),
                rc_files: self.rc_files.clone(),
                modes: self.modes,
                invisible_repos: self.invisible_repos.clone(),
                module_versions: self.module_versions.clone(),
                pinned_modules: self.pinned_modules.clone(),
                has_optional_toolchains: self.has_optional_toolchains,
                flag_platforms: self.flag_platforms.clone(),
                load_edges: Arc::default(),
                instantiations: self.instantiations.clone(),
                extension_usages: self.extension_usages.clone(),
                library: self.library,
                major_version,
                live_files: self.live_files,
            }
        };
        index.load_edges = load_edges;
        let mut replaced = Vec::new();
        let mut new_units = Vec::new();
        for &id in &builds {
            let old = self.targets.unit(id)?.clone();
            let unit = Arc::new(index.package_unit(ws, facts, id));
            if unit.id != old.id {
                return None;
            }
            replaced.push((id, old));
            new_units.push((id, unit));
        }
        index.targets = self.targets.with_units(new_units);
        let mut rules: Vec<RuleDecl> = self
            .rules
            .iter()
            .filter(|r| !affected[r.file.0 as usize])
            .cloned()
            .collect();
        for &id in &bzls {
            rules.extend(index.file_rules(ws, facts, id));
        }
        rules.sort_by_key(|r| r.file);
        index.rules = rules;
        Some(Update {
            index,
            replaced,
            rule_files: bzls,
            globals_changed,
        })
    }

    /// The files `id`'s `load()`s resolve to.
    fn file_load_edges(
        &self,
        ws: &Workspace,
        facts: &[Arc<FileFacts>],
        id: FileId,
    ) -> Box<[FileId]> {
        if !ws.file(id).kind.is_starlark() || ws.is_removed(id) {
            return Box::default();
        }
        let env = self.env(ws, facts);
        let mut out: Vec<FileId> = facts[id.0 as usize]
            .loads
            .iter()
            .filter_map(|l| env.resolve_load(id, &l.module).ok())
            .collect();
        out.sort();
        out.dedup();
        out.into_boxed_slice()
    }

    /// Every package, ordered by id.
    pub fn packages(&self) -> impl Iterator<Item = (&PackageId, &Package)> {
        self.targets.packages()
    }

    pub fn package(&self, id: &PackageId) -> Option<&Package> {
        self.targets.package(id)
    }

    /// Macro calls whose evaluation was stopped by a bound.
    pub fn eval_limits(&self) -> impl Iterator<Item = &crate::interp::MacroLimit> {
        self.targets.units().flat_map(|u| &u.eval_limits)
    }

    /// Macro calls whose targets may be incomplete: the call, and why (where in the macro).
    pub fn macro_gaps(&self) -> impl Iterator<Item = &(Loc, crate::interp::Gap)> {
        self.targets.units().flat_map(|u| &u.macro_gaps)
    }

    pub fn env<'a>(&'a self, ws: &'a Workspace, facts: &'a [Arc<FileFacts>]) -> Env<'a> {
        let mut env = Env::new(
            ws,
            facts,
            &self.file_by_path,
            &self.contexts,
            &self.mappings,
            self.has_optional_toolchains,
        );
        env.cc_toolchain_mandatory_by_default = self.cc_toolchain_mandatory_by_default();
        env
    }

    /// Whether rules_cc's `use_cc_toolchain()` is mandatory by default in this workspace:
    /// rules_cc 0.1.2 made it so. Known when the module graph selects a rules_cc version
    /// (at least the highest readable request; exactly that when every module is readable).
    pub fn cc_toolchain_mandatory_by_default(&self) -> Option<bool> {
        let first_mandatory = ModuleVersion::parse("0.1.2")?;
        let selected = self.module_versions.get("rules_cc")?;
        if *selected >= first_mandatory {
            return Some(true);
        }
        // An unreadable module may request a later rules_cc, unless the root pins it.
        let exact = self.pinned_modules.contains("rules_cc")
            || self.modules.iter().all(|m| m.file.is_some());
        exact.then_some(false)
    }

    /// The label context of the main repository's root: how command-line flags, `.bazelrc`
    /// values and `toolcheck.toml` labels are read.
    pub fn main_context(&self) -> LabelContext<'_> {
        LabelContext::main_root(
            self.mappings
                .get(&RepoName::main())
                .unwrap_or(&crate::interp::EMPTY_MAPPING),
        )
    }

    /// Whether labels in `repo` can be checked (its files are visible).
    /// Whether the target `label` (a toolchain's implementation) can carry a tool that runs
    /// on the execution platform: `Some(false)` for a target of a Starlark rule none of whose
    /// attributes is built for the execution platform (`cfg = "exec"`, `executable = True`):
    /// such a toolchain only describes the target (flags, a target triple), so where it
    /// executes does not matter. `None` when toolcheck cannot tell (native rules, macros,
    /// attributes it cannot evaluate).
    pub fn implementation_has_tools(
        &self,
        ws: &Workspace,
        facts: &[Arc<FileFacts>],
        label: &Label,
    ) -> Option<bool> {
        let Decl::StarlarkRule { name, file } = &self.targets.get(label)?.decl else {
            return None;
        };
        let env = self.env(ws, facts);
        let V::Rule(rfile, bi) = env.global(*file, name, TextRange::default()).v else {
            return None;
        };
        let call = facts[rfile.0 as usize].bindings[bi].value.as_call()?;
        if call.func.dotted_name().as_deref() != Some("rule") {
            return None;
        }
        let Some(attrs) = call.kwarg("attrs") else {
            return Some(false);
        };
        let V::Dict(pairs) = env.eval(rfile, &attrs.value).v else {
            return None;
        };
        for (_, schema) in &pairs {
            let V::Struct(fields) = &schema.v else {
                return None;
            };
            let field = |n: &str| fields.iter().find(|(k, _)| k == n).map(|(_, v)| &v.v);
            match field("cfg") {
                None => {}
                Some(V::Str(s)) if s == "target" => {}
                // "exec", "host", or a transition toolcheck cannot see into.
                Some(_) => return Some(true),
            }
            match field("executable") {
                None | Some(V::Bool(false)) => {}
                Some(_) => return Some(true),
            }
        }
        Some(false)
    }

    /// Whether canonical repository names use `+` (Bazel 8, or 7.4+ with
    /// `--incompatible_use_plus_in_repo_names`) rather than `~`.
    pub fn plus_repo_names(&self) -> bool {
        self.flags
            .plus_repo_names
            .unwrap_or(self.major_version >= 8)
    }

    /// The Bazel major version the index was built for.
    pub fn major_version(&self) -> u32 {
        self.major_version
    }

    pub fn repo_visible(&self, ws: &Workspace, repo: &RepoName) -> bool {
        ws.repo(repo).is_some()
    }

    fn build_module_graph(
        &mut self,
        ws: &Workspace,
        facts: &[Arc<FileFacts>],
        root_module: Option<FileId>,
        workspace_file: Option<FileId>,
    ) {
        let ignore_dev = self.flags.ignore_dev_dependency.unwrap_or(false);
        let mut main_mapping = RepoMapping::default();
        if self.modes.workspace || !self.modes.bzlmod {
            main_mapping.identity_fallback = true;
        }
        // `workspace(name = "x")`: since Bazel 2.0 (`--incompatible_remap_main_repo`), `@x`
        // names the main repository, from it and from every WORKSPACE-defined repository
        // (checked against Bazel 4.2.3).
        let workspace_name = workspace_file
            .filter(|_| self.modes.workspace)
            .and_then(|f| called_name(&facts[f.0 as usize], "workspace"));
        // Every repository is visible to itself by name in WORKSPACE mode and for repos that
        // are not modules (their own mapping is unknown, so fall back to identity). Without
        // Bzlmod a repository's MODULE.bazel means nothing: `@apple_support` (a module) sees
        // `@platforms` and every other WORKSPACE repository by name, as Bazel's WORKSPACE
        // repositories all see each other, including ones defined by macros toolcheck did
        // not run (those are then unknown, never unresolved).
        for r in &ws.repos {
            if !r.name.is_main() && (r.module_name.is_none() || !self.modes.bzlmod) {
                let mut m = RepoMapping::default();
                m.identity_fallback = true;
                m.insert(r.name.as_str(), r.name);
                if let Some(n) = &workspace_name {
                    m.insert(n.clone(), RepoName::main());
                }
                self.mappings.insert(r.name, m);
            }
        }
        main_mapping.insert("bazel_tools", RepoName::new("bazel_tools"));
        if let Some(n) = workspace_name {
            main_mapping.insert(n, RepoName::main());
        }
        for alias in &ws.main_aliases {
            main_mapping.insert(alias.clone(), RepoName::main());
        }
        if !self.modes.bzlmod {
            self.mappings.insert(RepoName::main(), main_mapping);
            return;
        }
        let find_module_repo = |name: &str| -> RepoName {
            ws.repos
                .iter()
                .find(|r| r.module_name.as_deref() == Some(name))
                .map(|r| r.name)
                .unwrap_or_else(|| RepoName::new(name))
        };
        // A repository a module extension (or `use_repo_rule`) creates: the one on disk or
        // computed under the canonical name Bazel gives it (`expected`), else one on disk
        // whose canonical name ends in it (an output base of another Bazel version).
        let find_ext_repo = |name: &str, expected: &RepoName| -> RepoName {
            ws.repos
                .iter()
                .find(|r| &r.name == expected || r.name.as_str() == name)
                .or_else(|| {
                    ws.repos.iter().find(|r| {
                        let n = r.name.as_str();
                        n.len() > name.len()
                            && n.ends_with(name)
                            && matches!(n.as_bytes()[n.len() - name.len() - 1], b'~' | b'+')
                    })
                })
                .map(|r| r.name)
                // Not there (yet): the name as written, which is what messages about an
                // unreadable repository should show.
                .unwrap_or_else(|| RepoName::new(name))
        };
        let plus = self.plus_repo_names();
        // Module files hold literals: their values need no repository mapping.
        let no_mappings = FxHashMap::default();
        let (fbp, ctxs) = (self.file_by_path.clone(), self.contexts.clone());
        let env = Env::new(
            ws,
            facts,
            &fbp,
            &ctxs,
            &no_mappings,
            self.has_optional_toolchains,
        );
        let mut usages: Vec<crate::computed::ExtensionUsage> = Vec::new();
        // An override (only the root's count) is final wherever it is written: requests met
        // after it are ignored, and it replaces what requests before it raised.
        let mut requested: FxHashMap<String, ModuleVersion> = FxHashMap::default();
        let mut overridden: FxHashSet<String> = FxHashSet::default();
        let mut queue: VecDeque<(String, RepoName, Option<FileId>, bool, usize)> = VecDeque::new();
        let mut seen: FxHashSet<String> = FxHashSet::default();
        let root_name = root_module
            .and_then(|f| module_name(&facts[f.0 as usize]))
            .unwrap_or_default();
        queue.push_back((root_name.clone(), RepoName::main(), root_module, true, 0));
        seen.insert(root_name);
        while let Some((name, repo, file, is_root, depth)) = queue.pop_front() {
            let bfs_index = self.modules.len();
            self.modules.push(Module {
                name: name.clone(),
                repo,
                file,
                bfs_index,
                depth,
            });
            let mut mapping = if is_root {
                main_mapping.clone()
            } else {
                RepoMapping::default()
            };
            mapping.insert("bazel_tools", RepoName::new("bazel_tools"));
            if builtin_local_config_platform(self.major_version) {
                mapping.insert(
                    "local_config_platform",
                    RepoName::new("local_config_platform"),
                );
            }
            let Some(file) = file else {
                self.mappings.entry(repo).or_insert(mapping);
                continue;
            };
            for (segment, call) in self.module_calls(ws, facts, &repo, file) {
                let Some(callee) = call.call.func.dotted_name() else {
                    continue;
                };
                let kw_str = |n: &str| {
                    call.call
                        .kwarg(n)
                        .and_then(|k| k.value.as_str())
                        .map(str::to_string)
                };
                let dev = matches!(
                    call.call.kwarg("dev_dependency").map(|k| &k.value.kind),
                    Some(crate::expr::ExprKind::Bool(true))
                );
                match callee.as_str() {
                    "module" => {
                        if let Some(n) = kw_str("name") {
                            mapping.insert(n, repo);
                        }
                        if let Some(n) = kw_str("repo_name") {
                            mapping.insert(n, repo);
                        }
                    }
                    "bazel_dep" => {
                        let Some(dep) = kw_str("name") else { continue };
                        if dev && (!is_root || ignore_dev) {
                            continue;
                        }
                        if let Some(v) = kw_str("version").as_deref().and_then(ModuleVersion::parse)
                        {
                            if !overridden.contains(&dep) {
                                match requested.get(&dep) {
                                    Some(old) if *old >= v => {}
                                    _ => {
                                        requested.insert(dep.clone(), v);
                                    }
                                }
                            }
                        }
                        let dep_repo = find_module_repo(&dep);
                        let apparent = match call.call.kwarg("repo_name").map(|k| &k.value) {
                            Some(Expr {
                                kind: crate::expr::ExprKind::None,
                                ..
                            }) => None,
                            Some(e) => e.as_str().map(str::to_string),
                            None => Some(dep.clone()),
                        };
                        if let Some(a) = apparent {
                            mapping.insert(a, dep_repo);
                        }
                        if ws.repo(&dep_repo).is_none() {
                            self.invisible_repos.insert(dep_repo);
                        }
                        if seen.insert(dep.clone()) {
                            let dep_file = self.file_by_path.get(ws, dep_repo, "MODULE.bazel");
                            queue.push_back((dep, dep_repo, dep_file, false, depth + 1));
                        }
                    }
                    c if is_repo_rule(&facts[segment.0 as usize], c) => {
                        if dev && (!is_root || ignore_dev) {
                            continue;
                        }
                        if let Some(n) = kw_str("name") {
                            let owner = (!is_root).then_some(name.as_str());
                            let expected = crate::computed::extension_repo_name(
                                plus,
                                owner,
                                "_repo_rules",
                                &n,
                            );
                            let r = find_ext_repo(&n, &expected);
                            if ws.repo(&r).is_none() {
                                self.invisible_repos.insert(r);
                            }
                            if let Some((bzl, rule)) =
                                repo_rule_source(&facts[segment.0 as usize], c)
                            {
                                // Computed under the name Bazel gives it, unless it is on disk.
                                let canonical = if ws.repo(&r).is_some() { r } else { expected };
                                self.instantiations.push(crate::computed::Instantiation {
                                    name: n.clone(),
                                    canonical,
                                    rule: crate::computed::RuleRef::Module { bzl, name: rule },
                                    args: crate::computed::module_call_args(
                                        &env, segment, &call.call,
                                    ),
                                    site: Loc {
                                        file: segment,
                                        range: call.range,
                                    },
                                    context: repo,
                                    siblings: Arc::default(),
                                    mapping_from: Some(repo),
                                });
                            }
                            mapping.insert(n, r);
                        }
                    }
                    // Only the root module's overrides count (Bazel ignores the others).
                    "single_version_override" if is_root => {
                        let Some(m) = kw_str("module_name") else {
                            continue;
                        };
                        // Without a version it only patches: selection is unchanged.
                        if let Some(v) = kw_str("version").as_deref().and_then(ModuleVersion::parse)
                        {
                            requested.insert(m.clone(), v);
                            overridden.insert(m);
                        }
                    }
                    "archive_override" | "git_override" | "local_path_override" if is_root => {
                        let Some(m) = kw_str("module_name") else {
                            continue;
                        };
                        requested.remove(&m);
                        overridden.insert(m);
                    }
                    "use_repo" => {
                        // `use_repo` takes its dev-ness from the extension proxy.
                        let dev = dev
                            || call.call.args.first().is_some_and(|proxy| {
                                is_dev_extension(&facts[segment.0 as usize], proxy)
                            });
                        if dev && (!is_root || ignore_dev) {
                            continue;
                        }
                        let ext = call
                            .call
                            .args
                            .first()
                            .and_then(|proxy| extension_of(&facts[segment.0 as usize], proxy));
                        let owner_module = ext.as_ref().and_then(|(bzl, _, _)| {
                            let o = extension_owner(&repo, &mapping, bzl)?;
                            (!o.is_main()).then(|| {
                                ws.repo(&o)
                                    .and_then(|r| r.module_name.clone())
                                    .unwrap_or_else(|| o.as_str().to_string())
                            })
                        });
                        let expected = |n: &str| match &ext {
                            Some((_, ext_name, _)) => crate::computed::extension_repo_name(
                                plus,
                                owner_module.as_deref(),
                                ext_name,
                                n,
                            ),
                            None => RepoName::new(n),
                        };
                        for a in call.call.args.iter().skip(1) {
                            if let Some(n) = a.as_str() {
                                let r = find_ext_repo(n, &expected(n));
                                if ws.repo(&r).is_none() {
                                    self.invisible_repos.insert(r);
                                }
                                mapping.insert(n, r);
                            }
                        }
                        for k in &call.call.kwargs {
                            if let Some(n) = k.value.as_str() {
                                let r = find_ext_repo(n, &expected(n));
                                if ws.repo(&r).is_none() {
                                    self.invisible_repos.insert(r);
                                }
                                mapping.insert(k.name, r);
                            }
                        }
                    }
                    _ => {}
                }
            }
            self.collect_extension_usages(
                &env,
                ws,
                facts,
                (&name, &repo, file, is_root),
                &mapping,
                &mut usages,
            );
            self.mappings.insert(repo, mapping);
        }
        drop(env);
        self.extension_usages = usages;
        // A root `single_version_override` with a version fixes what Bazel selects.
        self.pinned_modules = overridden
            .iter()
            .filter(|m| requested.contains_key(*m))
            .cloned()
            .collect();
        self.module_versions = requested;
        // A computed repository sees what the module that made it sees (the module that
        // owns the extension, or calls `use_repo_rule`), its siblings of the same extension,
        // and itself. One a WORKSPACE file made sees the root module's names and, like every
        // WORKSPACE repository, the others by their own names (Bazel composes the two in
        // this hybrid mode).
        for r in &ws.repos {
            let crate::workspace::RepoOrigin::Computed(o) = &r.origin else {
                continue;
            };
            let mut m = match &o.mapping_from {
                Some(from) => self.mappings.get(from).cloned().unwrap_or_default(),
                None => {
                    let mut m = self
                        .mappings
                        .get(&RepoName::main())
                        .cloned()
                        .unwrap_or_default();
                    m.identity_fallback = true;
                    m
                }
            };
            for (apparent, canonical) in o.siblings.iter() {
                m.insert(apparent.clone(), *canonical);
            }
            m.insert(o.apparent.clone(), r.name);
            m.insert(r.name.as_str(), r.name);
            self.mappings.insert(r.name, m);
        }
        // Repositories outside the resolved module graph (a module directory nobody depends
        // on, a WORKSPACE repository in bzlmod mode): their mapping is unknown, so names
        // resolve to repositories of the same name.
        for r in &ws.repos {
            self.mappings.entry(r.name).or_insert_with(|| {
                let mut m = RepoMapping::default();
                m.identity_fallback = true;
                m.insert(r.name.as_str(), r.name);
                m
            });
        }
    }

    /// Adds the module extensions module `repo` uses, with its tags, to `usages` (in the
    /// graph's order: an extension's first user decides its place).
    fn collect_extension_usages(
        &self,
        env: &Env<'_>,
        ws: &Workspace,
        facts: &[Arc<FileFacts>],
        (name, repo, file, is_root): (&str, &RepoName, FileId, bool),
        mapping: &RepoMapping,
        usages: &mut Vec<crate::computed::ExtensionUsage>,
    ) {
        let ignore_dev = self.flags.ignore_dev_dependency.unwrap_or(false);
        let calls = self.module_calls(ws, facts, repo, file);
        let mut segments: Vec<FileId> = Vec::new();
        for (seg, _) in &calls {
            if !segments.contains(seg) {
                segments.push(*seg);
            }
        }
        let version = calls
            .iter()
            .find(|(_, c)| c.call.func.dotted_name().as_deref() == Some("module"))
            .and_then(|(_, c)| c.call.kwarg("version"))
            .and_then(|k| k.value.as_str())
            .map(str::to_string);
        for &seg in &segments {
            for b in facts[seg.0 as usize].bindings.iter() {
                let Some((bzl, ext, dev)) = b.value.as_call().and_then(use_extension_call) else {
                    continue;
                };
                if dev && (!is_root || ignore_dev) {
                    continue;
                }
                let Ok(label) = (LabelContext {
                    repo,
                    package: "",
                    mapping,
                })
                .resolve(&bzl) else {
                    continue;
                };
                let prefix = format!("{}.", b.name);
                let tags: Vec<(String, crate::interp::Args<Val>, Loc)> = calls
                    .iter()
                    .filter(|(s, _)| *s == seg)
                    .filter_map(|(s, c)| {
                        let callee = c.call.func.dotted_name()?;
                        let tag = callee.strip_prefix(&prefix)?;
                        Some((
                            tag.to_string(),
                            crate::computed::module_call_args(env, *s, &c.call),
                            Loc {
                                file: *s,
                                range: c.range,
                            },
                        ))
                    })
                    .collect();
                let module = crate::computed::ModuleTags {
                    name: name.to_string(),
                    version: version.clone(),
                    repo: *repo,
                    is_root,
                    tags,
                };
                match usages
                    .iter_mut()
                    .find(|u| u.label == label && u.name == ext)
                {
                    Some(u) => match u.modules.iter_mut().find(|m| &m.repo == repo) {
                        Some(m) => m.tags.extend(module.tags),
                        None => u.modules.push(module),
                    },
                    None => usages.push(crate::computed::ExtensionUsage {
                        bzl: bzl.clone(),
                        name: ext,
                        owner: label.repo,
                        label,
                        modules: vec![module],
                        site: Loc {
                            file: seg,
                            range: b.name_range,
                        },
                    }),
                }
            }
        }
        let _ = ws;
    }

    /// The top-level calls of a module's MODULE.bazel with the segments it `include()`s
    /// (Bazel 7.2+) expanded in place, each with the file it is written in. An include names
    /// a `*.MODULE.bazel` file of the module's own repository; one that cannot be found, or
    /// that would include itself again, is skipped.
    fn module_calls<'f>(
        &self,
        ws: &Workspace,
        facts: &'f [Arc<FileFacts>],
        repo: &RepoName,
        file: FileId,
    ) -> Vec<(FileId, &'f crate::facts::TopCall)> {
        let mut out = Vec::new();
        self.expand_module_calls(ws, facts, repo, file, &mut vec![file], &mut out);
        out
    }

    fn expand_module_calls<'f>(
        &self,
        ws: &Workspace,
        facts: &'f [Arc<FileFacts>],
        repo: &RepoName,
        file: FileId,
        stack: &mut Vec<FileId>,
        out: &mut Vec<(FileId, &'f crate::facts::TopCall)>,
    ) {
        for call in &facts[file.0 as usize].calls {
            if call.call.func.dotted_name().as_deref() != Some("include") {
                out.push((file, call));
                continue;
            }
            let Some(path) = call
                .call
                .args
                .first()
                .and_then(|a| a.as_str())
                .and_then(include_path)
            else {
                continue;
            };
            let Some(segment) = self.file_by_path.get(ws, *repo, &path) else {
                continue;
            };
            if stack.contains(&segment) || stack.len() > MAX_INCLUDE_DEPTH {
                continue;
            }
            stack.push(segment);
            self.expand_module_calls(ws, facts, repo, segment, stack, out);
            stack.pop();
        }
    }

    fn collect_registrations(
        &mut self,
        ws: &Workspace,
        facts: &[Arc<FileFacts>],
        root_module: Option<FileId>,
        workspace_file: Option<FileId>,
    ) {
        // Flags (rc files first, then the command line), parsed in the main repository.
        let main_mapping = self
            .mappings
            .get(&RepoName::main())
            .cloned()
            .unwrap_or_default();
        let main_ctx = LabelContext::main_root(&main_mapping);
        for fv in [&self.flags.platforms, &self.flags.host_platform]
            .into_iter()
            .flatten()
        {
            let Some(fi) = fv.file else { continue };
            let file = ws.rc_files[fi].1;
            // `--platforms` takes a list; every entry must be a platform.
            for (part, range) in flag_list_parts(ws, file, fv) {
                if !part.is_empty() {
                    self.flag_platforms.push(LabelRef {
                        text: sym(part),
                        label: main_ctx.resolve(part),
                        loc: Loc { file, range },
                    });
                }
            }
        }
        let flag_sets = [
            (
                RegistrationKind::Toolchain,
                self.flags.extra_toolchains.clone(),
            ),
            (
                RegistrationKind::ExecutionPlatform,
                self.flags.extra_execution_platforms.clone(),
            ),
        ];
        for (kind, values) in flag_sets {
            for (occurrence, fv) in values.into_iter().enumerate() {
                let file = fv.file.map(|fi| ws.rc_files[fi].1);
                let parts: Vec<(&str, Option<Loc>)> = match file {
                    Some(file) => flag_list_parts(ws, file, &fv)
                        .map(|(part, range)| (part, Some(Loc { file, range })))
                        .collect(),
                    None => fv.value.split(',').map(|part| (part, None)).collect(),
                };
                for (part, loc) in parts {
                    if part.is_empty() {
                        continue;
                    }
                    let (negative, text) = match part.strip_prefix('-') {
                        Some(t) => (true, t),
                        None => (false, part),
                    };
                    self.registrations.push(Registration {
                        kind,
                        text: part.to_string(),
                        pattern: TargetPattern::parse(text, &main_ctx),
                        negative,
                        origin: RegistrationOrigin::Flag,
                        loc,
                        occurrence,
                    });
                }
            }
        }
        if self.modes.bzlmod {
            for m in self.modules.clone() {
                let Some(file) = m.file else { continue };
                let is_root = Some(file) == root_module;
                let mapping = self.mappings.get(&m.repo).cloned().unwrap_or_default();
                let ctx = LabelContext {
                    repo: &m.repo,
                    package: "",
                    mapping: &mapping,
                };
                for (segment, call) in self.module_calls(ws, facts, &m.repo, file) {
                    let dev = matches!(
                        call.call.kwarg("dev_dependency").map(|k| &k.value.kind),
                        Some(crate::expr::ExprKind::Bool(true))
                    );
                    // Bazel drops a dependency's `dev_dependency = True` calls unread: its
                    // dev repositories do not exist for the root, so there is nothing to
                    // register or to check.
                    if dev && !is_root {
                        continue;
                    }
                    let origin = if is_root {
                        RegistrationOrigin::RootModule {
                            dev_dependency: dev,
                        }
                    } else {
                        RegistrationOrigin::Module {
                            name: m.name.clone(),
                            bfs_index: m.bfs_index,
                            dev_dependency: dev,
                        }
                    };
                    self.push_register_call(segment, &call.call, &ctx, origin, |_| None);
                }
            }
        }
        // Functions WORKSPACE calls (directly or not): library mode need not run them again.
        let mut workspace_called: Vec<(FileId, usize)> = Vec::new();
        if self.modes.workspace {
            if let Some(file) = workspace_file {
                let env = self.env(ws, facts);
                // WORKSPACE register calls may use constants loaded from .bzl files.
                // With the repository (and its mapping) of the `.bzl` a macro's
                // `native.register_*` call is written in, when that is not the main one.
                let mut evaluated: Vec<(Call, Vec<Val>, Option<WrittenIn>)> = Vec::new();
                // Appended once `env` (which borrows the index) is dropped.
                let mut gaps: Vec<RegistrationGap> = Vec::new();
                let mut instantiations = Vec::new();
                for call in &facts[file.0 as usize].calls {
                    // Macros (`rules_x_register_toolchains()`) register through
                    // `native.register_*`; their registrations take the call's place. They
                    // and repository rule calls may create repositories.
                    let repo_call = crate::computed::is_repo_rule_call(&env, file, &call.call);
                    if repo_call || crate::interp::is_macro_call(&env, file, &call.call) {
                        let outcome = env.run_macro(file, &call.call, call.range);
                        workspace_called.extend(outcome.called.iter().copied());
                        // A run that stopped early may have missed registrations.
                        let stopped = outcome
                            .limit
                            .as_ref()
                            .map(|l| l.what.clone())
                            .or_else(|| outcome.incomplete.as_ref().map(|g| g.why.clone()));
                        if let Some(why) = stopped {
                            let callee = call.call.func.dotted_name().unwrap_or_default();
                            gaps.push(RegistrationGap {
                                loc: Loc {
                                    file,
                                    range: call.range,
                                },
                                why: format!(
                                    "`{callee}` may register toolchains or platforms toolcheck did not see: {why}"
                                ),
                                unreadable_repo: None,
                            });
                        }
                        for e in outcome.emitted {
                            if let Some(i) = crate::computed::workspace_instantiation(&env, &e) {
                                instantiations.push(i);
                                continue;
                            }
                            if let Some(synthetic) =
                                register_call(&e, call.call.func.range, call.range)
                            {
                                let repo = *env.label_context(e.loc.file).repo;
                                let written_in = (!repo.is_main()).then(|| {
                                    let mapping = env.mapping(&repo).clone();
                                    (repo, mapping)
                                });
                                evaluated.push((synthetic, e.args, written_in));
                            }
                        }
                        continue;
                    }
                    // A function loaded from a repository toolcheck cannot read may register
                    // anything (`go_register_toolchains()`).
                    if let V::Unknown(crate::interp::Unknown::InvisibleRepo(repo)) =
                        env.eval(file, &call.call.func).v
                    {
                        let callee = call.call.func.dotted_name().unwrap_or_default();
                        gaps.push(RegistrationGap {
                            loc: Loc {
                                file,
                                range: call.range,
                            },
                            why: format!(
                                "`{callee}` is loaded from '@{repo}', which toolcheck cannot read: what it registers is not known"
                            ),
                            unreadable_repo: Some(RepoName::new(&repo)),
                        });
                        continue;
                    }
                    let args = call.call.args.iter().map(|a| env.eval(file, a)).collect();
                    evaluated.push((call.call.clone(), args, None));
                }
                drop(env);
                self.registration_gaps.extend(gaps);
                self.instantiations.extend(instantiations);
                let main_ctx = LabelContext::main_root(&main_mapping);
                // A WORKSPACE macro of another repository registers patterns relative to that
                // repository from 7.0 (`testRegisteredExecutionPlatforms_targetPattern_otherRepo`
                // at a 7.x commit). Earlier releases were not checked against Bazel's tests and
                // keep the main repository, toolcheck's behaviour before.
                let macro_repo_relative = self.major_version >= 7;
                for (call, args, written_in) in evaluated.drain(..) {
                    let ctx = match &written_in {
                        Some((repo, mapping)) if macro_repo_relative => LabelContext {
                            repo,
                            package: "",
                            mapping,
                        },
                        _ => main_ctx,
                    };
                    self.push_register_call(
                        file,
                        &call,
                        &ctx,
                        RegistrationOrigin::Workspace,
                        |i| args.get(i).cloned(),
                    );
                }
            }
        }
        if self.library {
            self.collect_library(ws, facts, &main_mapping, &workspace_called);
        }
    }

    /// Library mode: runs the exported macros of the main repository's `.bzl` files that a
    /// consuming WORKSPACE would call (public, every parameter defaulted, not in a test or
    /// example directory) and records what the outermost ones register and instantiate, as
    /// if a consumer called each. A macro another one calls is not run on its own (its
    /// registrations would count twice), nor one the workspace's own WORKSPACE calls.
    fn collect_library(
        &mut self,
        ws: &Workspace,
        facts: &[Arc<FileFacts>],
        main_mapping: &RepoMapping,
        workspace_called: &[(FileId, usize)],
    ) {
        const SKIPPED_DIRS: &[&str] = &[
            "test", "tests", "testing", "testdata", "example", "examples", "e2e", "docs",
        ];
        let mut files: Vec<FileId> = ws
            .file_ids()
            .filter(|&f| {
                let sf = ws.file(f);
                sf.repo.is_main()
                    && sf.kind == FileKind::Bzl
                    && !sf.path.split('/').any(|seg| SKIPPED_DIRS.contains(&seg))
            })
            .collect();
        files.sort_by(|a, b| ws.file(*a).path.cmp(&ws.file(*b).path));
        let env = self.env(ws, facts);
        let mut runs: Vec<((FileId, usize), crate::interp::MacroOutcome)> = Vec::new();
        // Every exported function is tried, so all of them share one budget (each run gets at
        // most a fixed share of it): a ruleset of thousands of helpers stays cheap.
        let mut left = LIBRARY_STEP_BUDGET;
        for file in files {
            for (i, f) in facts[file.0 as usize].functions.iter().enumerate() {
                if f.name.starts_with('_')
                    || f.params.iter().any(|(_, default)| default.is_none())
                    || workspace_called.contains(&(file, i))
                    || left == 0
                {
                    continue;
                }
                let share = LIBRARY_RUN_STEPS.min(left);
                env.file_steps.set(share);
                let outcome = env.run_function(file, i);
                left -= share - env.file_steps.get().min(share);
                let registers = outcome.emitted.iter().any(|e| {
                    matches!(
                        e.kind.as_str(),
                        "register_toolchains" | "register_execution_platforms"
                    )
                });
                if registers {
                    runs.push(((file, i), outcome));
                }
            }
        }
        let inner: FxHashSet<(FileId, usize)> = runs
            .iter()
            .flat_map(|(f, o)| o.called.iter().filter(move |c| *c != f).copied())
            .collect();
        let mut pushes: Vec<(FileId, Call, Vec<Val>, RegistrationOrigin)> = Vec::new();
        let mut instantiations = Vec::new();
        for ((file, i), outcome) in runs {
            if inner.contains(&(file, i)) {
                continue;
            }
            let function = facts[file.0 as usize].functions[i].name.clone();
            for e in outcome.emitted {
                if let Some(inst) = crate::computed::workspace_instantiation(&env, &e) {
                    instantiations.push(inst);
                    continue;
                }
                let Some(synthetic) = register_call(&e, e.loc.range, e.loc.range) else {
                    continue;
                };
                pushes.push((
                    e.loc.file,
                    synthetic,
                    e.args,
                    RegistrationOrigin::Library {
                        function: function.clone(),
                        file,
                    },
                ));
            }
        }
        drop(env);
        self.instantiations.extend(instantiations);
        let ctx = LabelContext::main_root(main_mapping);
        let before = self.registrations.len();
        for (file, call, args, origin) in pushes {
            self.push_register_call(file, &call, &ctx, origin, |i| args.get(i).cloned());
        }
        // Two exported macros registering the same pattern: a consumer calls one of them,
        // so the pattern counts once.
        let mut seen: FxHashSet<String> = FxHashSet::default();
        let mut i = before;
        while i < self.registrations.len() {
            let r = &self.registrations[i];
            let key = format!("{:?}{:?}", r.kind, r.pattern);
            if seen.insert(key) {
                i += 1;
            } else {
                self.registrations.remove(i);
            }
        }
    }

    fn push_register_call(
        &mut self,
        file: FileId,
        call: &Call,
        ctx: &LabelContext<'_>,
        origin: RegistrationOrigin,
        evaluated: impl Fn(usize) -> Option<Val>,
    ) {
        let kind = match call.func.dotted_name().as_deref() {
            Some("register_toolchains" | "native.register_toolchains") => {
                RegistrationKind::Toolchain
            }
            Some("register_execution_platforms" | "native.register_execution_platforms") => {
                RegistrationKind::ExecutionPlatform
            }
            _ => return,
        };
        let function = match kind {
            RegistrationKind::Toolchain => "register_toolchains",
            RegistrationKind::ExecutionPlatform => "register_execution_platforms",
        };
        if call.splat.is_some() {
            self.registration_gaps.push(RegistrationGap {
                loc: Loc {
                    file,
                    range: call.func.range,
                },
                why: format!("`{function}` is called with `*args`, which toolcheck cannot expand"),
                unreadable_repo: None,
            });
        }
        for (i, arg) in call.args.iter().enumerate() {
            let mut strings = Vec::new();
            let complete = match (arg.as_str(), evaluated(i)) {
                (Some(s), _) => {
                    strings.push((s.to_string(), arg.range));
                    true
                }
                (None, Some(v)) => collect_strings(&v, file, arg.range, &mut strings),
                _ => false,
            };
            if !complete {
                self.registration_gaps.push(RegistrationGap {
                    loc: Loc {
                        file,
                        range: arg.range,
                    },
                    why: format!("an argument of `{function}` is computed (not known statically)"),
                    unreadable_repo: None,
                });
            }
            for (s, range) in strings {
                self.registrations.push(Registration {
                    kind,
                    pattern: TargetPattern::parse(&s, ctx),
                    text: s,
                    negative: false,
                    origin: origin.clone(),
                    loc: Some(Loc { file, range }),
                    occurrence: 0,
                });
            }
        }
    }

    /// What one BUILD file declares, evaluated on its own (a fresh evaluation environment,
    /// so the result depends only on the files it loads, never on what was evaluated before).
    fn package_unit(&self, ws: &Workspace, facts: &[Arc<FileFacts>], id: FileId) -> PackageUnit {
        let mut targets = Vec::new();
        let mut limits = Vec::new();
        let mut gaps = Vec::new();
        let mut build_settings = Vec::new();
        let env = self.env(ws, facts);
        let (pkg, package) = {
            {
                let pkg = ws.package_of_build_file(id);
                let ff = &facts[id.0 as usize];
                let mut package = Package {
                    build_file: Some(id),
                    // Dynamic statements are evaluated below; the package stays open when
                    // one cannot be followed.
                    open: ff.has_dynamic_statements && ff.top_level().truncated,
                };
                for (ci, call) in ff.calls.iter().enumerate() {
                    let Some(callee) = call.call.func.dotted_name() else {
                        package.open = true;
                        continue;
                    };
                    let bound = is_bound(ff, callee.split('.').next().unwrap_or(""));
                    let (kind, native) = match callee.strip_prefix("native.") {
                        Some(k) => (k.to_string(), true),
                        None => (callee.clone(), !bound && !callee.contains('.')),
                    };
                    let name = call
                        .call
                        .kwarg("name")
                        .map(|k| (env.eval(id, &k.value), k.value.range));
                    let decl = if native {
                        if kind == "exports_files"
                            || kind == "package"
                            || kind == "licenses"
                            || kind == "package_group"
                        {
                            if kind == "package_group" {
                                // package_group creates a target too.
                            } else {
                                continue;
                            }
                        }
                        if NATIVE_KINDS.contains(&kind.as_str()) {
                            lower_decl(&env, id, &kind, &Attrs::Call(&call.call))
                        } else {
                            Decl::OtherNative
                        }
                    } else {
                        if crate::interp::is_macro_call(&env, id, &call.call) {
                            let outcome = env.run_macro(id, &call.call, call.range);
                            let mut last_gap = outcome.incomplete.clone().map(|g| {
                                (
                                    Loc {
                                        file: id,
                                        range: call.range,
                                    },
                                    g,
                                )
                            });
                            macro_targets(
                                &env,
                                id,
                                ci,
                                call,
                                &pkg,
                                outcome,
                                &mut package,
                                &mut targets,
                                &mut limits,
                            );
                            if let Some(g) = last_gap.take() {
                                gaps.push(g);
                            }
                            continue;
                        }
                        match env.eval(id, &call.call.func).v {
                            V::Rule(rf, bi) => {
                                let b = &facts[rf.0 as usize].bindings[bi];
                                Decl::StarlarkRule {
                                    name: sym(&b.name),
                                    file: rf,
                                }
                            }
                            V::RuleDef(r) if r.kind == "rule" => match &r.exported {
                                Some((file, name)) => Decl::StarlarkRule {
                                    name: sym(name),
                                    file: *file,
                                },
                                None => {
                                    package.open = true;
                                    Decl::Unknown
                                }
                            },
                            _ => {
                                package.open = true;
                                Decl::Unknown
                            }
                        }
                    };
                    let Some((
                        Val {
                            v: V::Str(name), ..
                        },
                        name_range,
                    )) = name
                    else {
                        if call.call.kwarg("name").is_some() {
                            package.open = true;
                        }
                        continue;
                    };
                    let name = SmolStr::from(name);
                    // Only build-setting rules may set `build_setting_default` (Bazel
                    // rejects it on any other rule), so it marks the flags whose default
                    // `config_setting(flag_values = ...)` reads.
                    if matches!(decl, Decl::StarlarkRule { .. }) {
                        if let Some(k) = call.call.kwarg("build_setting_default") {
                            let default = match env.eval(id, &k.value).v {
                                V::Str(s) => Some(s.to_string()),
                                V::Bool(b) => Some(if b { "true" } else { "false" }.to_string()),
                                V::Int(i) => Some(i.to_string()),
                                _ => None,
                            };
                            build_settings.push((name.clone(), default));
                        }
                    }
                    targets.push(Target {
                        label: Label::new(pkg.repo, pkg.path, name),
                        kind: kind.into(),
                        file: id,
                        range: call.range,
                        callee_range: call.call.func.range,
                        name_range,
                        decl,
                        call_index: ci as u32,
                        macro_call: None,
                    });
                }
                // Comprehensions (and loops) at the top level, in statement order after the
                // plain calls (the order only matters for duplicate names).
                // Read (for a BUILD file: decompressed) once for all its dynamic statements.
                let text = (!ff.top_level().stmts.is_empty()).then(|| ws.file(id).text());
                for si in 0..ff.top_level().stmts.len() {
                    let outcome = env.run_top_level_statement(id, si);
                    let range = ff.top_level().stmts[si].range;
                    if let Some(g) = outcome.incomplete.clone() {
                        gaps.push((Loc { file: id, range }, g));
                    }
                    // The statement's first character stands for its callee (`[`, `for`, or
                    // whatever is there, which may be wider than a byte).
                    let first = text
                        .as_deref()
                        .and_then(|t| t.get(range.start as usize..))
                        .and_then(|t| t.chars().next())
                        .map_or(0, char::len_utf8) as u32;
                    let stmt = crate::facts::TopCall {
                        call: Call {
                            func: Expr::unknown(TextRange::new(range.start, range.start + first)),
                            args: Box::default(),
                            kwargs: Box::default(),
                            splat: None,
                        },
                        range,
                    };
                    macro_targets(
                        &env,
                        id,
                        usize::MAX,
                        &stmt,
                        &pkg,
                        outcome,
                        &mut package,
                        &mut targets,
                        &mut limits,
                    );
                }
                (pkg, package)
            }
        };
        let mut unit = PackageUnit::new(pkg, package, targets, limits, gaps);
        unit.build_settings = build_settings.into_boxed_slice();
        unit
    }

    /// The `rule()`s and `aspect()`s bound at the top level of a `.bzl` file: written there
    /// (`x = rule(...)`), or made by a function and exported there (`x = make_rule(...)`,
    /// a rule factory or builder).
    fn file_rules(&self, ws: &Workspace, facts: &[Arc<FileFacts>], id: FileId) -> Vec<RuleDecl> {
        let env = self.env(ws, facts);
        let mut rules = Vec::new();
        for b in &facts[id.0 as usize].bindings {
            let Some(call) = b.value.as_call() else {
                continue;
            };
            let direct = match call.func.dotted_name().as_deref() {
                _ if call.has_splat() => None,
                Some("rule") => Some(false),
                Some("aspect") => Some(true),
                _ => None,
            };
            let decl = match direct {
                Some(is_aspect) => {
                    let arg = |n: &str| {
                        call.kwarg(n)
                            .map(|k| (env.eval(id, &k.value), k.value.range))
                    };
                    rule_decl(&env, id, is_aspect, arg)
                }
                None => {
                    // Only a call can make a rule; a rule exported under another name
                    // elsewhere (an alias) is that name's, not this one's.
                    let v = env.global(id, &b.name, b.name_range);
                    let V::RuleDef(r) = v.v else { continue };
                    // A module extension a helper made is no rule a target instantiates.
                    if r.kind == "module_extension"
                        || r.exported.as_ref() != Some(&(id, b.name.clone()))
                    {
                        continue;
                    }
                    let arg = |n: &str| {
                        r.arg(n).map(|v| {
                            let range = if v.loc.file == r.file {
                                v.loc.range
                            } else {
                                r.loc.range
                            };
                            (v, range)
                        })
                    };
                    rule_decl(&env, r.file, r.kind == "aspect", arg)
                }
            };
            rules.push(RuleDecl {
                name: b.name.clone(),
                file: id,
                name_range: b.name_range,
                ..decl
            });
        }
        rules
    }

    /// Reads a target's attributes as its BUILD file's call wrote them, or as the macro run
    /// that created it kept them ([`LATER_MACRO_ATTRS`]); `None` when the call is not in the
    /// facts.
    fn with_target_attrs<R>(
        &self,
        ws: &Workspace,
        facts: &[Arc<FileFacts>],
        target: &Target,
        read: impl FnOnce(&Env<'_>, &Attrs<'_>) -> R,
    ) -> Option<R> {
        let env = self.env(ws, facts);
        if let Some(m) = &target.macro_call {
            let emitted = m.emitted();
            let attrs = Attrs::Macro {
                emitted: &emitted,
                use_site: target.range,
            };
            return Some(read(&env, &attrs));
        }
        let call = facts[target.file.0 as usize]
            .calls
            .get(target.call_index as usize)?;
        Some(read(&env, &Attrs::Call(&call.call)))
    }

    /// Whether a target's call may set `attr`: written there, possibly in its `**kwargs`, or
    /// kept from a macro run. A cheap test before evaluating the attribute, for analyses that
    /// visit every target.
    pub fn target_may_set(&self, facts: &[Arc<FileFacts>], target: &Target, attr: &str) -> bool {
        if let Some(m) = &target.macro_call {
            return !m.attrs_complete
                || m.attrs
                    .as_ref()
                    .is_some_and(|a| a.iter().any(|(n, _)| n == attr));
        }
        facts[target.file.0 as usize]
            .calls
            .get(target.call_index as usize)
            .is_some_and(|c| c.call.has_splat() || c.call.kwarg(attr).is_some())
    }

    /// A label-list attribute of a target (e.g. its `exec_compatible_with`), evaluated in its
    /// BUILD file. For a target a macro created, only [`LATER_MACRO_ATTRS`] are kept.
    pub fn target_label_list(
        &self,
        ws: &Workspace,
        facts: &[Arc<FileFacts>],
        target: &Target,
        attr: &str,
    ) -> RefList {
        self.with_target_attrs(ws, facts, target, |env, attrs| {
            ref_list_attr(env, target.file, attrs, attr)
        })
        .unwrap_or(RefList::Unknown(Loc {
            file: target.file,
            range: target.range,
        }))
    }

    /// A label attribute of a target (e.g. a `cc_toolchain`'s `toolchain_config`), evaluated
    /// in its BUILD file. For a target a macro created, only [`LATER_MACRO_ATTRS`] are kept.
    pub fn target_label(
        &self,
        ws: &Workspace,
        facts: &[Arc<FileFacts>],
        target: &Target,
        attr: &str,
    ) -> RefOne {
        self.with_target_attrs(ws, facts, target, |env, attrs| {
            ref_one(env, target.file, attrs, attr)
        })
        .unwrap_or(RefOne::Unknown(Loc {
            file: target.file,
            range: target.range,
        }))
    }

    /// An attribute of a target, evaluated in its BUILD file: its value (each part with where
    /// it is written) and the range to report it at. `None` when absent; for a target a macro
    /// created, only [`LATER_MACRO_ATTRS`] are kept, and an attribute the macro may have set
    /// through `**kwargs` of unknown content is unknown, not absent.
    pub fn target_attr(
        &self,
        ws: &Workspace,
        facts: &[Arc<FileFacts>],
        target: &Target,
        attr: &str,
    ) -> Option<(Val, TextRange)> {
        let found = self.with_target_attrs(ws, facts, target, |env, attrs| {
            attrs.get(env, target.file, attr)
        })?;
        match found {
            None if target
                .macro_call
                .as_ref()
                .is_some_and(|m| !m.attrs_complete) =>
            {
                Some((
                    Val::unknown(Loc {
                        file: target.file,
                        range: target.range,
                    }),
                    target.range,
                ))
            }
            found => found,
        }
    }

    /// The `rule()` a Starlark-rule target instantiates.
    pub fn rule_of(&self, target: &Target) -> Option<&RuleDecl> {
        match &target.decl {
            Decl::StarlarkRule { name, file } => self
                .rules
                .iter()
                .find(|r| r.name == name.as_str() && r.file == *file),
            _ => None,
        }
    }

    /// Resolves aliases (bounded; cycles and unknown `actual`s give `None`).
    pub fn resolve_alias(&self, label: &Label) -> Option<Label> {
        let mut cur = *label;
        for _ in 0..64 {
            match self.targets.get(&cur).map(|t| &t.decl) {
                Some(Decl::Alias { actual }) => {
                    match actual.known().and_then(|r| r.label.as_ref().ok()) {
                        Some(next) => cur = *next,
                        None => return None,
                    }
                }
                _ => return Some(cur),
            }
        }
        None
    }
}

/// Whether Bazel `major` makes `@local_config_platform` visible from every module.
///
/// Confirmed in Bazel's sources: `ModuleFileFunction.getBuiltinModules` (the 6.x to 8.x
/// revisions) declares two built-in modules, `bazel_tools` and `local_config_platform` (the
/// native `local_config_platform` repository rule, `LocalConfigPlatformFunction`), which "are
/// treated as implicit dependencies of every other module", so `@local_config_platform//:host`
/// resolves from the root module and from every dependency under Bzlmod. bazelbuild/bazel#26182
/// (8.3.0) drops the built-in module only under `--incompatible_disable_native_repo_rules`
/// (default false in 8.x), and bazelbuild/bazel#22080 removes it in 9.0: from 9 the name is
/// visible only where a module declares it.
fn builtin_local_config_platform(major: u32) -> bool {
    major <= 8
}

fn module_name(f: &FileFacts) -> Option<String> {
    called_name(f, "module")
}

/// The `name` given to the first top-level call of `func` (`module(name = ...)`,
/// `workspace(name = ...)`).
fn called_name(f: &FileFacts, func: &str) -> Option<String> {
    f.calls.iter().find_map(|c| {
        (c.call.func.dotted_name().as_deref() == Some(func))
            .then(|| {
                c.call
                    .kwarg("name")
                    .and_then(|k| k.value.as_str())
                    .map(str::to_string)
            })
            .flatten()
    })
}

fn is_bound(f: &FileFacts, name: &str) -> bool {
    f.bindings.iter().any(|b| b.name == name)
        || f.functions.iter().any(|d| d.name == name)
        || f.loads
            .iter()
            .any(|l| l.symbols.iter().any(|s| s.local() == name))
}

/// Collects the strings of a registration argument (a string or a list of strings); `false`
/// when some of it is not a known string, so that the caller can report the gap.
fn collect_strings(
    v: &Val,
    file: FileId,
    fallback: TextRange,
    out: &mut Vec<(String, TextRange)>,
) -> bool {
    let range_of = |val: &Val| {
        if val.loc.file == file {
            val.loc.range
        } else {
            fallback
        }
    };
    match &v.v {
        V::Str(s) => {
            out.push((s.clone(), range_of(v)));
            true
        }
        V::List(items) => {
            let mut complete = true;
            for i in items {
                match &i.v {
                    V::Str(s) => out.push((s.clone(), range_of(i))),
                    _ => complete = false,
                }
            }
            complete
        }
        _ => false,
    }
}

/// The `register_*` call a macro run recorded, as a call whose arguments are the run's values
/// (`callee`: where the callee is shown, `args`: where the arguments are); `None` for any other
/// recorded call.
fn register_call(e: &crate::interp::Emitted, callee: TextRange, args: TextRange) -> Option<Call> {
    matches!(
        e.kind.as_str(),
        "register_toolchains" | "register_execution_platforms"
    )
    .then(|| Call {
        func: Expr {
            kind: crate::expr::ExprKind::Name(e.kind.as_str().into()),
            range: callee,
        },
        args: vec![Expr::unknown(args); e.args.len()].into(),
        kwargs: Box::default(),
        splat: None,
    })
}

/// Steps library mode may spend running a ruleset's exported functions, and one of them.
const LIBRARY_STEP_BUDGET: u64 = 40 * LIBRARY_RUN_STEPS;
const LIBRARY_RUN_STEPS: u64 = crate::interp::bounds::RUN_STEP_BUDGET / 4;

/// Whether `callee` is bound in a module file by `callee = use_repo_rule(...)`: calling it
/// with `name = "r"` creates the repository `r`, visible to the module as `@r`.
fn is_repo_rule(facts: &FileFacts, callee: &str) -> bool {
    facts.bindings.iter().any(|b| {
        b.name == callee
            && b.value
                .as_call()
                .and_then(|c| c.func.dotted_name())
                .as_deref()
                == Some("use_repo_rule")
    })
}

/// The `.bzl` label and rule name of `callee = use_repo_rule(bzl, name)` in a module file.
fn repo_rule_source(facts: &FileFacts, callee: &str) -> Option<(String, String)> {
    let call = facts
        .bindings
        .iter()
        .rev()
        .find(|b| b.name == callee)?
        .value
        .as_call()?;
    let bzl = call.args.first()?.as_str()?.to_string();
    let name = call.args.get(1)?.as_str()?.to_string();
    Some((bzl, name))
}

/// The `.bzl` label, extension name and dev-ness of the `use_extension` binding `proxy`
/// names in a module file.
fn extension_of(facts: &FileFacts, proxy: &Expr) -> Option<(String, String, bool)> {
    let crate::expr::ExprKind::Name(name) = &proxy.kind else {
        return None;
    };
    let call = facts
        .bindings
        .iter()
        .rev()
        .find(|b| b.name == name.as_str())?
        .value
        .as_call()?;
    use_extension_call(call)
}

/// The `.bzl` label, extension name and dev-ness of a `use_extension(...)` call.
fn use_extension_call(call: &Call) -> Option<(String, String, bool)> {
    if call.func.dotted_name().as_deref() != Some("use_extension") {
        return None;
    }
    let bzl = call
        .args
        .first()
        .or_else(|| call.kwarg("extension_bzl_file").map(|k| &k.value))?
        .as_str()?
        .to_string();
    let ext = call
        .args
        .get(1)
        .or_else(|| call.kwarg("extension_name").map(|k| &k.value))?
        .as_str()?
        .to_string();
    let dev = matches!(
        call.kwarg("dev_dependency").map(|k| &k.value.kind),
        Some(crate::expr::ExprKind::Bool(true))
    );
    Some((bzl, ext, dev))
}

/// The repository an extension's `.bzl` label names, read in module `repo`.
fn extension_owner(repo: &RepoName, mapping: &RepoMapping, bzl: &str) -> Option<RepoName> {
    LabelContext {
        repo,
        package: "",
        mapping,
    }
    .resolve(bzl)
    .ok()
    .map(|l| l.repo)
}

/// Whether `proxy` (the first argument of a `use_repo`) names a binding made by
/// `use_extension(..., dev_dependency = True)` in this module file.
fn is_dev_extension(facts: &FileFacts, proxy: &Expr) -> bool {
    let crate::expr::ExprKind::Name(name) = &proxy.kind else {
        return false;
    };
    facts.bindings.iter().any(|b| {
        b.name == name.as_str()
            && b.value.as_call().is_some_and(|c| {
                c.func.dotted_name().as_deref() == Some("use_extension")
                    && matches!(
                        c.kwarg("dev_dependency").map(|k| &k.value.kind),
                        Some(crate::expr::ExprKind::Bool(true))
                    )
            })
    })
}

/// Nesting of `include()`s followed in module files.
const MAX_INCLUDE_DEPTH: usize = 16;

/// The repository-relative path an `include()` label names (`//pkg:x.MODULE.bazel`, or
/// `:x.MODULE.bazel` at the repository root), when it names a module file segment.
fn include_path(label: &str) -> Option<String> {
    let (pkg, name) = match label.strip_prefix("//") {
        Some(rest) => rest.split_once(':')?,
        None => ("", label.strip_prefix(':')?),
    };
    if !name.ends_with(".MODULE.bazel") {
        return None;
    }
    Some(if pkg.is_empty() {
        name.to_string()
    } else {
        format!("{pkg}/{name}")
    })
}

/// The location to report a value at: where it was written when that is in `file`, else the
/// use site.
fn loc_in(val: &Val, file: FileId, use_site: TextRange) -> Loc {
    if val.loc.file == file {
        val.loc
    } else {
        Loc {
            file,
            range: use_site,
        }
    }
}

fn label_ref(env: &Env<'_>, file: FileId, val: &Val, use_site: TextRange) -> Option<LabelRef> {
    // An absolute label written in another file (a constant in a .bzl) means the same from
    // anywhere, so point at the literal itself: that is where a typo is fixed.
    let absolute = matches!(&val.v, V::Str(s) if s.starts_with("//") || s.starts_with('@'));
    let loc = if absolute {
        val.loc
    } else {
        loc_in(val, file, use_site)
    };
    match &val.v {
        V::Str(s) => Some(LabelRef {
            text: sym(s),
            label: env.label_context(file).resolve(s),
            loc,
        }),
        V::Label(l) => Some(LabelRef {
            text: sym(&l.to_string()),
            label: Ok(*l),
            loc,
        }),
        _ => None,
    }
}

/// Where a target's attribute values come from: a call written in its BUILD file, or the
/// values a macro passed to the native rule it called.
enum Attrs<'c> {
    Call(&'c Call),
    Macro {
        emitted: &'c crate::interp::Emitted,
        /// The macro call in the BUILD file.
        use_site: TextRange,
    },
}

impl Attrs<'_> {
    /// The value of an attribute and the range to report it at; `None` when absent.
    fn get(&self, env: &Env<'_>, file: FileId, attr: &str) -> Option<(Val, TextRange)> {
        match self {
            Attrs::Call(call) => call
                .kwarg(attr)
                .map(|k| (env.eval(file, &k.value), k.value.range)),
            Attrs::Macro { emitted, use_site } => emitted.attr(attr).map(|v| {
                let range = if v.loc.file == file {
                    v.loc.range
                } else {
                    *use_site
                };
                (v, range)
            }),
        }
    }
}

fn ref_one(env: &Env<'_>, file: FileId, call: &Attrs<'_>, attr: &str) -> RefOne {
    match call.get(env, file, attr) {
        None => RefOne::Absent,
        Some((v, range)) => {
            if matches!(v.v, V::None) {
                return RefOne::Absent;
            }
            match label_ref(env, file, &v, range) {
                Some(mut r) => {
                    // Labels a macro passed point at where they are written (in the macro or
                    // in the BUILD file's arguments), not at the whole macro call.
                    if matches!(call, Attrs::Macro { .. }) {
                        r.loc = v.loc;
                    }
                    RefOne::Known(Box::new(r))
                }
                None => RefOne::Unknown(Loc { file, range }),
            }
        }
    }
}

/// An attribute written as `select({"cond": "label", ...})` in the call itself (not through
/// a macro, not concatenated), with every key and value a label string: the branches, the
/// key `//conditions:default` as `None`. Anything else is `None`: the value stays unknown.
fn select_of_labels(
    env: &Env<'_>,
    file: FileId,
    call: &Attrs<'_>,
    attr: &str,
) -> Option<Vec<(Option<LabelRef>, LabelRef)>> {
    let Attrs::Call(call) = call else {
        return None;
    };
    let value = &call.kwarg(attr)?.value;
    let ExprKind::Call(select) = &value.kind else {
        return None;
    };
    if !matches!(&select.func.kind, ExprKind::Name(n) if n == "select")
        || select.args.len() != 1
        || select.splat.is_some()
        || select.kwargs.iter().any(|k| k.name != "no_match_error")
    {
        return None;
    }
    let ExprKind::Dict(pairs) = &select.args[0].kind else {
        return None;
    };
    let mut out = Vec::with_capacity(pairs.len());
    for (k, v) in pairs {
        let key = env.eval(file, k);
        let condition = match &key.v {
            V::Str(s) if s == "//conditions:default" || s == "@//conditions:default" => None,
            _ => Some(label_ref(env, file, &key, k.range)?),
        };
        let value = label_ref(env, file, &env.eval(file, v), v.range)?;
        out.push((condition, value));
    }
    Some(out)
}

fn ref_list(env: &Env<'_>, file: FileId, v: &Val, use_site: TextRange) -> RefList {
    match &v.v {
        V::List(items) => {
            let mut out = Vec::new();
            for i in items {
                match label_ref(env, file, i, use_site) {
                    Some(r) => out.push(r),
                    None => {
                        return RefList::Unknown(Loc {
                            file,
                            range: use_site,
                        })
                    }
                }
            }
            RefList::Known(out)
        }
        V::None => RefList::empty(),
        _ => RefList::Unknown(Loc {
            file,
            range: use_site,
        }),
    }
}

fn ref_list_attr(env: &Env<'_>, file: FileId, call: &Attrs<'_>, attr: &str) -> RefList {
    match call.get(env, file, attr) {
        None => RefList::empty(),
        Some((v, range)) => {
            let mut out = ref_list(env, file, &v, range);
            if let (Attrs::Macro { .. }, RefList::Known(refs), V::List(items)) =
                (call, &mut out, &v.v)
            {
                for (r, item) in refs.iter_mut().zip(items) {
                    r.loc = item.loc;
                }
            }
            out
        }
    }
}

fn string_pairs(v: &Val) -> Option<Box<[(Sym, Sym)]>> {
    match &v.v {
        V::Dict(pairs) => pairs
            .iter()
            .map(|(k, v)| match (&k.v, &v.v) {
                (V::Str(a), V::Str(b)) => Some((sym(a), sym(b))),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

/// A string-to-string dict with where each value is written; `None` when any key or value is
/// not a known string.
fn exec_property_list(v: &Val) -> Option<Vec<ExecProperty>> {
    match &v.v {
        V::Dict(pairs) => pairs
            .iter()
            .map(|(k, v)| match (&k.v, &v.v) {
                (V::Str(a), V::Str(b)) => Some(ExecProperty {
                    key: a.clone(),
                    value: b.clone(),
                    loc: v.loc,
                }),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

/// The repository a `.bzl` file is in, with that repository's mapping (where a macro's
/// `native.register_*` call is written).
type WrittenIn = (RepoName, RepoMapping);

fn lower_decl(env: &Env<'_>, file: FileId, kind: &str, call: &Attrs<'_>) -> Decl {
    match kind {
        "constraint_setting" => Decl::ConstraintSetting {
            default: ref_one(env, file, call, "default_constraint_value"),
        },
        "constraint_value" => Decl::ConstraintValue {
            setting: ref_one(env, file, call, "constraint_setting"),
        },
        "platform" => Decl::Platform(Box::new(PlatformDecl {
            constraint_values: ref_list_attr(env, file, call, "constraint_values"),
            parents: ref_list_attr(env, file, call, "parents"),
            required_settings: ref_list_attr(env, file, call, "required_settings"),
            allowed_toolchain_types: match call.get(env, file, "check_toolchain_types") {
                None => None,
                Some((v, range)) => match v.v {
                    V::Bool(false) => None,
                    V::Bool(true) => {
                        Some(ref_list_attr(env, file, call, "allowed_toolchain_types"))
                    }
                    _ => Some(RefList::Unknown(Loc { file, range })),
                },
            },
            exec_properties: match call.get(env, file, "exec_properties") {
                None => Some(Vec::new()),
                Some((v, _)) => exec_property_list(&v),
            },
        })),
        "toolchain_type" => Decl::ToolchainType,
        "toolchain" => Decl::Toolchain(Box::new(ToolchainDecl {
            toolchain_type: ref_one(env, file, call, "toolchain_type"),
            toolchain: ref_one(env, file, call, "toolchain"),
            toolchain_select: select_of_labels(env, file, call, "toolchain"),
            exec_compatible_with: ref_list_attr(env, file, call, "exec_compatible_with"),
            target_compatible_with: ref_list_attr(env, file, call, "target_compatible_with"),
            target_settings: ref_list_attr(env, file, call, "target_settings"),
            use_target_platform_constraints: match call.get(
                env,
                file,
                "use_target_platform_constraints",
            ) {
                None => Some(false),
                Some((v, _)) => match v.v {
                    V::Bool(b) => Some(b),
                    _ => None,
                },
            },
        })),
        "alias" => Decl::Alias {
            actual: ref_one(env, file, call, "actual"),
        },
        // Bazel implements these as aliases whose target is the flag's value in the
        // configuration (`LabelBuildSettings`): they forward any provider, and which target
        // they forward to is not known statically.
        "label_setting" | "label_flag" => Decl::Alias {
            actual: RefOne::Unknown(Loc {
                file,
                range: call
                    .get(env, file, "build_setting_default")
                    .map_or_else(TextRange::default, |(_, r)| r),
            }),
        },
        "config_setting" => {
            let pairs = |attr: &str| match call.get(env, file, attr) {
                None => Some(Box::default()),
                Some((v, _)) => string_pairs(&v),
            };
            let flag_values = match call.get(env, file, "flag_values") {
                None => Some(Box::default()),
                Some((v, range)) => match v.v {
                    V::Dict(pairs) => pairs
                        .iter()
                        .map(|(k2, v2)| match (label_ref(env, file, k2, range), &v2.v) {
                            (Some(r), V::Str(s)) => Some((r, s.clone())),
                            _ => None,
                        })
                        .collect(),
                    _ => None,
                },
            };
            Decl::ConfigSetting(Box::new(ConfigSettingDecl {
                values: pairs("values"),
                define_values: pairs("define_values"),
                flag_values,
                constraint_values: ref_list_attr(env, file, call, "constraint_values"),
            }))
        }
        _ => Decl::OtherNative,
    }
}

/// The requests of a rule or aspect from its evaluated arguments (`arg(name)`: the value
/// and where it is written), with label strings resolved in `file` (where `rule()` is
/// called). The name and location are the caller's to fill.
fn rule_decl(
    env: &Env<'_>,
    file: FileId,
    is_aspect: bool,
    arg: impl Fn(&str) -> Option<(Val, TextRange)>,
) -> RuleDecl {
    let toolchains = match arg("toolchains") {
        None => Some(Vec::new()),
        Some((v, _)) => type_requests(env, file, &v),
    };
    let exec_compatible_with = match arg("exec_compatible_with") {
        None => RefList::empty(),
        Some((v, range)) => ref_list(env, file, &v, range),
    };
    let exec_groups = match arg("exec_groups") {
        None => Some(Vec::new()),
        Some((v, _)) => exec_groups(env, file, &v),
    };
    let implementation = arg("implementation").and_then(|(v, _)| match v.v {
        V::Func(f, i) => Some((f, i)),
        _ => None,
    });
    let use_auto_exec_groups = match arg("attrs") {
        None => RuleSwitch::Absent,
        Some((v, _)) => private_bool_attr(&v, "_use_auto_exec_groups"),
    };
    let test = match arg("test") {
        None => Some(false),
        Some((v, _)) => match v.v {
            V::Bool(b) => Some(b),
            _ => None,
        },
    };
    RuleDecl {
        name: String::new(),
        is_aspect,
        file,
        name_range: TextRange::default(),
        toolchains,
        exec_compatible_with,
        exec_groups,
        implementation,
        use_auto_exec_groups,
        test,
    }
}

/// The default of a boolean attribute `name` in a rule's `attrs` dict (`attr.bool()` defaults
/// to `False`). A dict toolcheck cannot read whole, or a value that is not a known
/// `attr.bool`, is unknown: the attribute may be hidden in it.
fn private_bool_attr(attrs: &Val, name: &str) -> RuleSwitch {
    let V::Dict(pairs) = &attrs.v else {
        return RuleSwitch::Unknown;
    };
    let mut found = RuleSwitch::Absent;
    for (k, v) in pairs {
        match &k.v {
            V::Str(key) if key == name => {
                if crate::interp::repository::attr_type(&v.v) != Some("bool") {
                    return RuleSwitch::Unknown;
                }
                let V::Struct(fields) = &v.v else {
                    return RuleSwitch::Unknown;
                };
                found = match fields
                    .iter()
                    .find(|(f, _)| f == "default")
                    .map(|(_, d)| &d.v)
                {
                    None => RuleSwitch::Set(false),
                    Some(V::Bool(b)) => RuleSwitch::Set(*b),
                    Some(_) => RuleSwitch::Unknown,
                };
            }
            V::Str(_) => {}
            _ => return RuleSwitch::Unknown,
        }
    }
    found
}

fn type_requests(env: &Env<'_>, file: FileId, v: &Val) -> Option<Vec<TypeRequest>> {
    let V::List(items) = &v.v else { return None };
    let mut out = Vec::new();
    for item in items {
        match &item.v {
            V::ToolchainReq {
                toolchain_type,
                mandatory,
            } => {
                // Reported where the value is written when that is in the requesting file,
                // else at the `config_common.toolchain_type(...)` call: a range taken from
                // another file would point anywhere in this one.
                let r = label_ref(env, item.loc.file, toolchain_type, item.loc.range)?;
                out.push(TypeRequest {
                    toolchain_type: r,
                    mandatory: *mandatory,
                });
            }
            V::Str(_) | V::Label(_) => {
                // Strings in `rule(toolchains = ...)` resolve in the .bzl that defines the
                // rule; a string from a loaded constant keeps its own location but resolves
                // in the defining file's context.
                let mut r = label_ref(env, file, item, item.loc.range)?;
                r.loc = item.loc;
                out.push(TypeRequest {
                    toolchain_type: r,
                    mandatory: Some(true),
                });
            }
            _ => return None,
        }
    }
    Some(out)
}

fn exec_groups(env: &Env<'_>, file: FileId, v: &Val) -> Option<Vec<ExecGroupDecl>> {
    let V::Dict(pairs) = &v.v else { return None };
    let mut out = Vec::new();
    for (k, g) in pairs {
        let V::Str(name) = &k.v else { return None };
        let V::Struct(fields) = &g.v else { return None };
        let field = |n: &str| fields.iter().find(|(f, _)| f == n).map(|(_, v)| v);
        let toolchains = match field("toolchains") {
            None => Some(Vec::new()),
            Some(v) => type_requests(env, file, v),
        };
        let exec_compatible_with = match field("exec_compatible_with") {
            None => RefList::empty(),
            Some(v) => ref_list(env, file, v, v.loc.range),
        };
        out.push(ExecGroupDecl {
            name: name.clone(),
            toolchains,
            exec_compatible_with,
        });
    }
    Some(out)
}

/// The comma-separated parts of a flag's value, each with its range in the rc file: its own
/// when the value is written literally at the end of the argument (`--platforms=//a,//b`),
/// the whole argument's otherwise (quotes or escapes make the value's bytes differ from the
/// source, and computed offsets could land inside a character).
fn flag_list_parts<'v>(
    ws: &Workspace,
    file: FileId,
    fv: &'v crate::bazelrc::FlagValue,
) -> impl Iterator<Item = (&'v str, TextRange)> + 'v {
    let literal = ws
        .file(file)
        .text()
        .get(fv.range.start as usize..fv.range.end as usize)
        .is_some_and(|src| src.ends_with(fv.value.as_str()));
    let whole = fv.range;
    let mut offset = whole.end.saturating_sub(fv.value.len() as u32);
    fv.value.split(',').map(move |part| {
        let range = if literal {
            TextRange::new(offset, offset + part.len() as u32)
        } else {
            whole
        };
        offset += part.len() as u32 + 1;
        (part, range)
    })
}

/// The attributes of a macro-created target read after indexing (through
/// [`WorkspaceIndex::target_label_list`] and [`WorkspaceIndex::target_attr`]); the rest were
/// turned into its [`Decl`] already. Besides the rule's execution requirements, the attributes
/// that tie a toolchain implementation to a machine (`toolcheck_semantics::toolchain_impl`):
/// few targets set them, so keeping them costs little.
pub const LATER_MACRO_ATTRS: [&str; 13] = [
    "exec_compatible_with",
    "toolchains",
    "toolchain_config",
    "cxx_builtin_include_directories",
    "tool_paths",
    "builtin_sysroot",
    "compile_flags",
    "cxx_flags",
    "java_home",
    "interpreter_path",
    "interpreter",
    "path",
    "sysroot",
];

/// What a target keeps of the rule call a macro made: a workspace's macro-created targets
/// held every evaluated attribute (`srcs` lists and all), 7% of the index's memory.
fn kept_attrs(e: crate::interp::Emitted) -> MacroCall {
    MacroCall {
        loc: e.loc,
        attrs_complete: e.attrs_complete,
        attrs: {
            let kept: Vec<(String, Val)> = e
                .attrs
                .into_iter()
                .filter(|(n, _)| LATER_MACRO_ATTRS.contains(&n.as_str()))
                .collect();
            // Collecting in place keeps the source's capacity; `exact` copies.
            (!kept.is_empty()).then(|| Box::new(toolcheck_syntax::exact(kept)))
        },
    }
}

/// Adds the targets a macro call created to its package.
#[allow(clippy::too_many_arguments)]
fn macro_targets(
    env: &Env<'_>,
    id: FileId,
    ci: usize,
    call: &crate::facts::TopCall,
    pkg: &PackageId,
    outcome: crate::interp::MacroOutcome,
    package: &mut Package,
    targets: &mut Vec<Target>,
    limits: &mut Vec<crate::interp::MacroLimit>,
) {
    let callee = call.call.func.dotted_name().unwrap_or_default();
    if outcome.incomplete.is_some() || outcome.limit.is_some() {
        package.open = true;
    }
    if let Some(hit) = outcome.limit {
        limits.push(crate::interp::MacroLimit {
            call: Loc {
                file: id,
                range: call.call.func.range,
            },
            callee: callee.clone(),
            hit,
        });
    }
    let name_kwarg = call.call.kwarg("name").map(|k| k.value.range);
    let mut created_name = false;
    for e in outcome.emitted {
        let Some(name) = e.name().map(SmolStr::from) else {
            continue;
        };
        if matches!(
            e.kind.as_str(),
            "register_toolchains" | "register_execution_platforms"
        ) {
            continue;
        }
        let written_name = match call.call.kwarg("name") {
            Some(k) => matches!(env.eval(id, &k.value).v, V::Str(ref n) if *n == name),
            None => false,
        };
        created_name |= written_name;
        let decl = match e.rule {
            Some((rf, bi)) => Decl::StarlarkRule {
                name: sym(&env.facts[rf.0 as usize].bindings[bi].name),
                file: rf,
            },
            None if NATIVE_KINDS.contains(&e.kind.as_str()) => lower_decl(
                env,
                id,
                &e.kind,
                &Attrs::Macro {
                    emitted: &e,
                    use_site: call.range,
                },
            ),
            None => Decl::OtherNative,
        };
        targets.push(Target {
            label: Label::new(pkg.repo, pkg.path, name),
            kind: e.kind.as_str().into(),
            file: id,
            range: call.range,
            callee_range: call.call.func.range,
            name_range: name_kwarg.unwrap_or(call.call.func.range),
            decl,
            call_index: ci as u32,
            macro_call: Some(kept_attrs(e)),
        });
    }
    // A macro that could not be followed to the end probably still creates `name`.
    if !created_name && package.open {
        if let Some(k) = call.call.kwarg("name") {
            if let V::Str(name) = env.eval(id, &k.value).v {
                if !targets.iter().any(|t| t.label.name == name) {
                    targets.push(Target {
                        label: Label::new(pkg.repo, pkg.path, name),
                        kind: callee.into(),
                        file: id,
                        range: call.range,
                        callee_range: call.call.func.range,
                        name_range: k.value.range,
                        decl: Decl::Unknown,
                        call_index: ci as u32,
                        macro_call: None,
                    });
                }
            }
        }
    }
}
