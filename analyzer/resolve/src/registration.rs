//! Registered exec platforms and toolchains in priority order (spec §3.1–§3.4, observed
//! 4.2.3 behaviour from `bazel-oracle.md`).
//!
//! This module owns:
//! * the order of registration sources per Bazel version ([`source_rank`]): flags, then
//!   (≤ 6.x with bzlmod) every module in BFS order then WORKSPACE and its suffix, or (7.x/8.x)
//!   root module, WORKSPACE, non-root modules, suffix, or (9+) root and non-root modules only;
//! * flag semantics: `--extra_toolchains` first-wins up to 6.x and last-wins from 7.0 ("dedup
//!   keeping the first copy, then reverse" in 7.0-7.3, "keeping the last copy" from 7.4);
//!   `--extra_execution_platforms` accumulates up to 6.x and keeps only its last occurrence
//!   from 7.0;
//! * `dev_dependency` rules (kept only for the root module, unless `--ignore_dev_dependency`);
//! * pattern expansion: explicit labels of any kind (then checked), wildcards keep only
//!   `toolchain` rules / `platform` rules, `:all` in byte order of target name, `/...` with
//!   subpackages before their parent ([`RecursiveOrder`], a per-version rule);
//! * negative patterns, deduplication keeping the first copy, and the host platform appended
//!   last to the exec platforms (even when already registered).
//!
//! Anything that cannot be known (invisible repositories, packages whose target list may be
//! incomplete, `select()` aliases) becomes an entry with [`RegisteredEntry::unknown`] set, at
//! the earliest position it could occupy, so resolution can tell when it matters.

use std::cmp::Ordering;

use rustc_hash::FxHashSet;
use toolcheck_index::label::{Label, PackageId, SmolStr, TargetPattern};

use crate::model::{BazelVersion, Config, Known, Model, Origin, Registration, TargetKind};
use crate::platforms::{
    duplicate_values, resolve_alias, target_kind, AliasOutcome, MissingTarget, ValueList,
};
use crate::trace::UnknownCause;

/// What is being registered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegistrationKind {
    Toolchains,
    ExecPlatforms,
}

impl RegistrationKind {
    fn noun(self) -> &'static str {
        match self {
            RegistrationKind::Toolchains => "toolchain",
            RegistrationKind::ExecPlatforms => "execution platform",
        }
    }
}

/// The registered list, highest priority first, with what went wrong on the way.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Registered {
    pub entries: Vec<RegisteredEntry>,
    /// Errors Bazel reports for the registrations; each one fails every resolution that uses
    /// the list.
    pub errors: Vec<RegistrationError>,
    /// Registrations that were ignored, and other remarks.
    pub notes: Vec<RegistrationNote>,
}

/// One registered target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisteredEntry {
    /// The target after alias resolution. For an unknown entry, the last label reached (`None`
    /// for a placeholder standing for targets toolcheck cannot see).
    pub label: Option<Label>,
    /// Set when the entry's identity or facts are not statically known.
    pub unknown: Option<UnknownCause>,
    /// Index into the registration slice that produced the entry (`None` for the host).
    pub registration: Option<usize>,
    /// The [`Registration::source`] handle of that registration.
    pub source: Option<usize>,
    /// The host platform appended by Bazel.
    pub host: bool,
}

/// A registration error, with Bazel's message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistrationError {
    /// Index into the registrations; `usize::MAX` for an unparsable one
    /// ([`Model::invalid_registrations`]).
    pub registration: usize,
    pub source: usize,
    pub kind: RegistrationErrorKind,
    /// E.g. `invalid registered toolchain '//demo:invalid': target does not provide the
    /// DeclaredToolchainInfo provider`.
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegistrationErrorKind {
    NoSuchTarget,
    NoSuchPackage,
    NotAToolchain,
    NotAPlatform,
    /// The `toolchain()` target itself fails analysis (duplicate constraint values,
    /// `use_target_platform_constraints` together with explicit constraints).
    InvalidToolchain,
    AliasCycle,
    /// The registration's text is no absolute target pattern.
    InvalidPattern,
}

/// A remark about the registrations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegistrationNote {
    /// The registration does not count in this configuration.
    Ignored {
        registration: usize,
        source: usize,
        reason: String,
    },
    /// A `/...` pattern whose order differs between the observed 4.x post-order walk and the
    /// label-string sort of later docs (package names with characters sorting below `/`).
    AmbiguousOrder {
        registration: usize,
        source: usize,
        pattern: String,
    },
}

/// How `//pkg/...` orders the packages it matches. Both put subpackages before their parent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecursiveOrder {
    /// A post-order walk of the package tree, siblings in byte order of their path segment
    /// (observed with Bazel 4.2.3: `//a/b`, `//a`, `//b`, `//c`, `//`).
    PostOrder,
    /// Packages sorted by the string `"<path>:"` in byte order, the root package last (the
    /// spec's recommendation for later versions, §3.4).
    LabelString,
}

/// The `/...` order used for a Bazel version (a per-version rule; only 4.x is observed).
pub fn recursive_order(version: BazelVersion) -> RecursiveOrder {
    if version.major < 5 {
        RecursiveOrder::PostOrder
    } else {
        RecursiveOrder::LabelString
    }
}

/// The priority group of a registration, or why it is ignored. Lower ranks come first; the
/// second element orders modules by BFS position; ties keep source order.
pub fn source_rank(
    origin: &Origin,
    config: &Config,
    kind: RegistrationKind,
) -> Result<(u8, usize), String> {
    let v = config.version;
    let modern = v.major >= 7;
    let no_workspace = v.major >= 9;
    let _ = kind;
    match origin {
        Origin::Flag => Ok((0, 0)),
        Origin::RootModule { dev_dependency } => {
            if !config.bzlmod {
                return Err("bzlmod is not enabled".to_string());
            }
            if *dev_dependency && config.ignore_dev_dependency {
                return Err("dev_dependency registration with --ignore_dev_dependency".into());
            }
            Ok((1, 0))
        }
        Origin::Module {
            bfs_index,
            dev_dependency,
            ..
        } => {
            if !config.bzlmod {
                return Err("bzlmod is not enabled".to_string());
            }
            if *dev_dependency {
                return Err("dev_dependency registrations of non-root modules are ignored".into());
            }
            // ≤ 6.x: all modules (root first) in BFS order, before WORKSPACE.
            Ok(if modern {
                (3, *bfs_index)
            } else {
                (1, *bfs_index)
            })
        }
        Origin::Workspace => {
            if no_workspace {
                return Err(format!("Bazel {v} has no WORKSPACE"));
            }
            if !config.workspace {
                return Err("WORKSPACE is not enabled".to_string());
            }
            Ok((2, 0))
        }
        Origin::Library => {
            if no_workspace {
                return Err(format!(
                    "Bazel {v} has no WORKSPACE to call the macros from"
                ));
            }
            Ok((2, 0))
        }
        Origin::WorkspaceSuffix => {
            if no_workspace {
                return Err(format!("Bazel {v} has no WORKSPACE suffix"));
            }
            if !config.workspace || config.workspace_bzlmod_file {
                return Err(
                    "the WORKSPACE suffix is not used (no WORKSPACE, or WORKSPACE.bzlmod)".into(),
                );
            }
            Ok((4, 0))
        }
    }
}

/// Registered toolchains in priority order (spec §3.2), before `target_settings` are applied
/// (those depend on the requesting target's configuration; see [`crate::Resolver`]).
pub fn registered_toolchains(
    model: &Model,
    registrations: &[Registration],
    config: &Config,
) -> Registered {
    collect(model, registrations, config, RegistrationKind::Toolchains)
}

/// Registered exec platforms in priority order (spec §3.1), host platform last.
pub fn registered_exec_platforms(
    model: &Model,
    registrations: &[Registration],
    config: &Config,
) -> Registered {
    collect(
        model,
        registrations,
        config,
        RegistrationKind::ExecPlatforms,
    )
}

/// A positive registration to expand, with the negative patterns written after it in its
/// source (they subtract from it).
struct Planned<'r> {
    index: usize,
    reg: &'r Registration,
    excluded: Vec<&'r TargetPattern>,
}

fn collect(
    model: &Model,
    registrations: &[Registration],
    config: &Config,
    kind: RegistrationKind,
) -> Registered {
    let mut out = Registered::default();
    let modern = config.version.major >= 7;
    for (toolchains, source, text) in &model.invalid_registrations {
        if *toolchains != (kind == RegistrationKind::Toolchains) {
            continue;
        }
        let function = match kind {
            RegistrationKind::Toolchains => "register_toolchains",
            RegistrationKind::ExecPlatforms => "register_execution_platforms",
        };
        out.errors.push(RegistrationError {
            // No entry of `registrations` stands for it.
            registration: usize::MAX,
            source: *source,
            kind: RegistrationErrorKind::InvalidPattern,
            message: format!(
                "Expected absolute target patterns (must begin with '//' or '@') for \
                 '{function}' argument, but got '{text}'"
            ),
        });
    }

    // `--extra_execution_platforms` is single-valued from 7.0: only the last occurrence counts.
    let last_platform_flag = registrations
        .iter()
        .filter(|r| r.origin == Origin::Flag)
        .map(|r| r.occurrence)
        .max();

    let mut ranked: Vec<((u8, usize), usize, &Registration)> = Vec::new();
    for (index, reg) in registrations.iter().enumerate() {
        if kind == RegistrationKind::ExecPlatforms
            && modern
            && reg.origin == Origin::Flag
            && Some(reg.occurrence) != last_platform_flag
        {
            out.notes.push(RegistrationNote::Ignored {
                registration: index,
                source: reg.source,
                reason: "a later --extra_execution_platforms overrides it (7.0+)".into(),
            });
            continue;
        }
        match source_rank(&reg.origin, config, kind) {
            Ok(rank) => ranked.push((rank, index, reg)),
            Err(reason) => out.notes.push(RegistrationNote::Ignored {
                registration: index,
                source: reg.source,
                reason,
            }),
        }
    }
    // Stable: source order is kept inside a group.
    ranked.sort_by_key(|(rank, _, _)| *rank);

    // Group by rank, attach negatives to earlier positives of the same group.
    let mut planned: Vec<Planned<'_>> = Vec::new();
    let mut start = 0;
    while start < ranked.len() {
        let rank = ranked[start].0;
        let end = ranked[start..]
            .iter()
            .position(|(r, _, _)| *r != rank)
            .map_or(ranked.len(), |n| start + n);
        let group = &ranked[start..end];
        let mut group_plan: Vec<Planned<'_>> = Vec::new();
        for (pos, (_, index, reg)) in group.iter().enumerate() {
            if reg.negative {
                continue;
            }
            let excluded = group[pos + 1..]
                .iter()
                .filter(|(_, _, r)| r.negative)
                .map(|(_, _, r)| &r.pattern)
                .collect();
            group_plan.push(Planned {
                index: *index,
                reg,
                excluded,
            });
        }
        if rank.0 == 0 && kind == RegistrationKind::Toolchains && modern {
            // 7.0+ (PR #20239): the list is reversed, so the last --extra_toolchains value
            // has the highest priority. Repeated values are deduplicated first: 7.0 to 7.3
            // kept the first copy (a LinkedHashSet), so `a,b,a` became `b,a`; 7.4.0 keeps the
            // last copy (bazelbuild/bazel#22912, fixed by PR #23670), so `a,b,a` is `a,b`.
            let keep_last = config.version >= BazelVersion::new(7, 4, 0);
            let mut seen: FxHashSet<&TargetPattern> = FxHashSet::default();
            let mut kept: Vec<Planned<'_>> = Vec::new();
            if keep_last {
                for p in group_plan.into_iter().rev() {
                    if seen.insert(&p.reg.pattern) {
                        kept.push(p);
                    }
                }
            } else {
                for p in group_plan {
                    if seen.insert(&p.reg.pattern) {
                        kept.push(p);
                    }
                }
                kept.reverse();
            }
            group_plan = kept;
        }
        planned.extend(group_plan);
        start = end;
    }

    let mut seen: FxHashSet<Label> = FxHashSet::default();
    for p in &planned {
        let mut entries = Vec::new();
        expand(model, config, kind, p, &mut entries, &mut out);
        for e in entries {
            if let (Some(label), None) = (&e.label, &e.unknown) {
                if !seen.insert(*label) {
                    continue;
                }
            }
            out.entries.push(e);
        }
    }

    if kind == RegistrationKind::ExecPlatforms {
        // Always appended, even when already registered (observed with 4.2.3; PlatformKeys).
        let host = &config.host_platform;
        let (label, unknown) = match resolve_alias(model, host) {
            AliasOutcome::Target(l) => (l, None),
            AliasOutcome::Unknown(c) => (*host, Some(c)),
            // A host platform the main repository lacks is Bazel's error
            // (PlatformLookupUtilTest: testPlatformLookup_targetDoesNotExist).
            AliasOutcome::Missing(m) if m.label.repo.is_main() => (
                m.label,
                Some(UnknownCause::Invalid {
                    target: *host,
                    message: m.message(),
                }),
            ),
            // Host platforms live in generated repositories (`@local_config_platform`,
            // `@platforms//host`) whose constraints are detected at run time (spec §2.6).
            AliasOutcome::Missing(m) => {
                (m.label, Some(UnknownCause::NotModelled { label: m.label }))
            }
            AliasOutcome::Cycle(c) => (
                *host,
                Some(UnknownCause::Invalid {
                    target: *host,
                    message: crate::platforms::cycle_message(&c),
                }),
            ),
        };
        out.entries.push(RegisteredEntry {
            label: Some(label),
            unknown,
            registration: None,
            source: None,
            host: true,
        });
    }
    out
}

/// Whether `label` (as registered or after alias resolution) is matched by a negative pattern.
fn excluded(p: &Planned<'_>, written: &Label, resolved: &Label) -> bool {
    p.excluded.iter().any(|pat| {
        let hits = |l: &Label| match pat {
            TargetPattern::Single(x) => x == l,
            other => other.matches_package(&l.package_id()),
        };
        hits(written) || hits(resolved)
    })
}

fn expand(
    model: &Model,
    config: &Config,
    kind: RegistrationKind,
    p: &Planned<'_>,
    entries: &mut Vec<RegisteredEntry>,
    out: &mut Registered,
) {
    let reg = p.reg;
    let pattern_text = reg.pattern.to_string();
    let entry = |label: Option<Label>, unknown: Option<UnknownCause>| RegisteredEntry {
        label,
        unknown,
        registration: Some(p.index),
        source: Some(reg.source),
        host: false,
    };
    let mut wildcard_errors = Vec::new();
    let mut errors = Vec::new();
    let mut error = |kind_: RegistrationErrorKind, detail: String| {
        errors.push(RegistrationError {
            registration: p.index,
            source: reg.source,
            kind: kind_,
            message: format!(
                "invalid registered {} '{pattern_text}': {detail}",
                kind.noun()
            ),
        })
    };
    'done: {
        match &reg.pattern {
            TargetPattern::Single(written) => match resolve_alias(model, written) {
                AliasOutcome::Target(label) => {
                    if excluded(p, written, &label) {
                        break 'done;
                    }
                    match check_kind(model, kind, &label) {
                        Checked::Ok => entries.push(entry(Some(label), None)),
                        Checked::Unknown(c) => entries.push(entry(Some(label), Some(c))),
                        Checked::Error(k, detail) => error(k, detail),
                    }
                }
                AliasOutcome::Unknown(c) => {
                    if !excluded(p, written, written) {
                        entries.push(entry(Some(*written), Some(c)))
                    }
                }
                AliasOutcome::Missing(m) => error(missing_kind(&m), m.message()),
                AliasOutcome::Cycle(c) => error(
                    RegistrationErrorKind::AliasCycle,
                    crate::platforms::cycle_message(&c),
                ),
            },
            TargetPattern::AllInPackage(pkg) => {
                // A package a partial (computed) repository lacks may still be there.
                if model.repo_invisible(&pkg.repo)
                    || model.partial_repos.contains(&pkg.repo) && !model.has_package(pkg)
                {
                    entries.push(entry(None, Some(incomplete(&pattern_text))));
                    break 'done;
                }
                if !model.has_package(pkg) && !model.open_packages.contains(pkg) {
                    error(
                        RegistrationErrorKind::NoSuchPackage,
                        format!(
                        "no such package '{}': BUILD file not found in any of the following directories. Add a BUILD file to a directory to mark it as a package.",
                        crate::platforms::package_display(pkg)
                    ),
                    );
                    break 'done;
                }
                expand_package(
                    model,
                    config.version.major,
                    kind,
                    p,
                    pkg,
                    entries,
                    &mut wildcard_errors,
                    &entry,
                );
            }
            TargetPattern::Recursive(root) => {
                if model.repo_invisible(&root.repo) {
                    entries.push(entry(None, Some(incomplete(&pattern_text))));
                    break 'done;
                }
                // Packages a partial repository lacks may match too.
                if model.partial_repos.contains(&root.repo) {
                    entries.push(entry(None, Some(incomplete(&pattern_text))));
                }
                let mut matching: Vec<PackageId> = Vec::new();
                model.each_package(&mut |pkg| {
                    if reg.pattern.matches_package(pkg) {
                        matching.push(*pkg);
                    }
                });
                let mut packages: Vec<&PackageId> = matching
                    .iter()
                    .chain(
                        model
                            .open_packages
                            .iter()
                            .filter(|pkg| reg.pattern.matches_package(pkg)),
                    )
                    .collect();
                packages.sort();
                packages.dedup();
                let order = recursive_order(config.version);
                let mut alt = packages.clone();
                packages.sort_by(|a, b| compare_packages(order, &a.path, &b.path));
                let other = match order {
                    RecursiveOrder::PostOrder => RecursiveOrder::LabelString,
                    RecursiveOrder::LabelString => RecursiveOrder::PostOrder,
                };
                alt.sort_by(|a, b| compare_packages(other, &a.path, &b.path));
                if alt != packages {
                    out.notes.push(RegistrationNote::AmbiguousOrder {
                        registration: p.index,
                        source: reg.source,
                        pattern: pattern_text.clone(),
                    });
                }
                for pkg in packages {
                    expand_package(
                        model,
                        config.version.major,
                        kind,
                        p,
                        pkg,
                        entries,
                        &mut wildcard_errors,
                        &entry,
                    );
                }
            }
        }
    }
    out.errors.extend(errors);
    out.errors.extend(wildcard_errors);
}

fn incomplete(pattern: &str) -> UnknownCause {
    UnknownCause::IncompleteExpansion {
        pattern: pattern.to_string(),
    }
}

fn missing_kind(m: &MissingTarget) -> RegistrationErrorKind {
    if m.package_exists {
        RegistrationErrorKind::NoSuchTarget
    } else {
        RegistrationErrorKind::NoSuchPackage
    }
}

/// Expands one package for a wildcard: `toolchain` rule instances (aliases skipped), or
/// platforms and aliases to platforms, in byte order of target name. An open package gets a placeholder first: a
/// target toolcheck cannot see could sort before any of the known ones.
#[allow(clippy::too_many_arguments)]
fn expand_package(
    model: &Model,
    version_major: u32,
    kind: RegistrationKind,
    p: &Planned<'_>,
    pkg: &PackageId,
    entries: &mut Vec<RegisteredEntry>,
    errors: &mut Vec<RegistrationError>,
    entry: &dyn Fn(Option<Label>, Option<UnknownCause>) -> RegisteredEntry,
) {
    if model.open_packages.contains(pkg) {
        entries.push(entry(None, Some(incomplete(&p.reg.pattern.to_string()))));
    }
    let Some(names) = model.package_names(pkg) else {
        return;
    };
    let mut names: Vec<&SmolStr> = names.iter().collect();
    names.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    names.dedup();
    for name in names {
        let label = Label::new(pkg.repo, pkg.path, name.clone());
        // Exec-platform wildcards keep every target that provides PlatformInfo, and an alias
        // forwards its actual's providers: an alias to a platform is registered (Bazel 4.2.3
        // observed; the spec's §3.1 filter says the same for later versions). Bazel 4.x
        // fails on an alias to anything else; later versions filter it out.
        if kind == RegistrationKind::ExecPlatforms {
            if let Some(TargetKind::Alias(_)) = target_kind(model, &label) {
                if excluded(p, &label, &label) {
                    continue;
                }
                match resolve_alias(model, &label) {
                    AliasOutcome::Target(actual) => match target_kind(model, &actual) {
                        Some(TargetKind::Platform) => entries.push(entry(Some(actual), None)),
                        Some(_) if version_major < 5 => errors.push(RegistrationError {
                            registration: p.index,
                            source: p.reg.source,
                            kind: RegistrationErrorKind::NotAPlatform,
                            message: format!(
                                "invalid registered {} '{label}': target does not provide PlatformInfo",
                                kind.noun()
                            ),
                        }),
                        Some(_) => {}
                        None => entries.push(entry(
                            Some(actual),
                            Some(UnknownCause::NotModelled { label: actual }),
                        )),
                    },
                    AliasOutcome::Unknown(c) => entries.push(entry(Some(label), Some(c))),
                    AliasOutcome::Missing(_) | AliasOutcome::Cycle(_) => {}
                }
                continue;
            }
        }
        // Bazel filters wildcards by rule class name, and a Starlark rule's is the name it is
        // exported under: a `.bzl` that exports a rule as `toolchain` (or `platform`) puts
        // its targets in the expansion, where they fail for not providing the info
        // (`testRegisteredToolchains_wildcard_fakeToolchain`).
        let wanted = match (kind, target_kind(model, &label)) {
            (RegistrationKind::Toolchains, Some(TargetKind::Toolchain))
            | (RegistrationKind::ExecPlatforms, Some(TargetKind::Platform)) => true,
            (RegistrationKind::Toolchains, Some(TargetKind::Other(rule))) => rule == "toolchain",
            (RegistrationKind::ExecPlatforms, Some(TargetKind::Other(rule))) => rule == "platform",
            _ => false,
        };
        if !wanted || excluded(p, &label, &label) {
            continue;
        }
        // Wildcards find rule instances of the right rule class name; only a Starlark rule
        // of that name produces a "does not provide" error here, and an invalid toolchain
        // still fails when configured.
        match check_kind(model, kind, &label) {
            Checked::Ok => entries.push(entry(Some(label), None)),
            Checked::Unknown(c) => entries.push(entry(Some(label), Some(c))),
            Checked::Error(k, detail) => errors.push(RegistrationError {
                registration: p.index,
                source: p.reg.source,
                kind: k,
                message: format!("invalid registered {} '{label}': {detail}", kind.noun()),
            }),
        }
    }
}

/// `"a/b"` → segments; the root package has none.
fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|s| !s.is_empty())
}

/// The package order of `/...` expansion.
pub fn compare_packages(order: RecursiveOrder, a: &str, b: &str) -> Ordering {
    match order {
        RecursiveOrder::PostOrder => {
            let mut sa = segments(a);
            let mut sb = segments(b);
            loop {
                match (sa.next(), sb.next()) {
                    (Some(x), Some(y)) => match x.as_bytes().cmp(y.as_bytes()) {
                        Ordering::Equal => continue,
                        other => return other,
                    },
                    // A descendant comes before its ancestor.
                    (Some(_), None) => return Ordering::Less,
                    (None, Some(_)) => return Ordering::Greater,
                    (None, None) => return Ordering::Equal,
                }
            }
        }
        RecursiveOrder::LabelString => match (a.is_empty(), b.is_empty()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => {
                let ka = a.bytes().chain(std::iter::once(b':'));
                let kb = b.bytes().chain(std::iter::once(b':'));
                ka.cmp(kb)
            }
        },
    }
}

enum Checked {
    Ok,
    Unknown(UnknownCause),
    Error(RegistrationErrorKind, String),
}

/// Checks that an explicitly registered (alias-resolved) target provides what is needed.
fn check_kind(model: &Model, kind: RegistrationKind, label: &Label) -> Checked {
    let actual = target_kind(model, label);
    match kind {
        RegistrationKind::Toolchains => match (model.toolchains.get(label), actual) {
            (Some(tc), _) => match toolchain_problem(model, label, tc) {
                Some(detail) => Checked::Error(RegistrationErrorKind::InvalidToolchain, detail),
                None => Checked::Ok,
            },
            (None, Some(TargetKind::Toolchain)) => {
                Checked::Unknown(UnknownCause::NotModelled { label: *label })
            }
            _ => Checked::Error(
                RegistrationErrorKind::NotAToolchain,
                "target does not provide the DeclaredToolchainInfo provider".into(),
            ),
        },
        RegistrationKind::ExecPlatforms => match (model.platforms.get(label), actual) {
            (Some(_), _) => Checked::Ok,
            (None, Some(TargetKind::Platform)) => {
                Checked::Unknown(UnknownCause::NotModelled { label: *label })
            }
            _ => Checked::Error(
                RegistrationErrorKind::NotAPlatform,
                format!(
                    "Target {label} was referenced as a platform, but does not provide PlatformInfo"
                ),
            ),
        },
    }
}

/// Analysis errors of a `toolchain()` target that surface when it is configured.
fn toolchain_problem(model: &Model, label: &Label, tc: &crate::model::Toolchain) -> Option<String> {
    let non_empty = |l: &Known<Vec<Label>>| matches!(l, Known::Known(v) if !v.is_empty());
    if tc.use_target_platform_constraints == Known::Known(true)
        && (non_empty(&tc.exec_compatible_with) || non_empty(&tc.target_compatible_with))
    {
        return Some(
            "Cannot set use_target_platform_constraints to True and also set exec_compatible_with or target_compatible_with".into(),
        );
    }
    for (list, attr) in [
        (&tc.exec_compatible_with, "exec_compatible_with"),
        (&tc.target_compatible_with, "target_compatible_with"),
    ] {
        let values = ValueList::resolve(model, list, Some(label), attr);
        if let Some(message) = duplicate_values(&values.values) {
            return Some(message);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(order: RecursiveOrder, paths: &[&str]) -> Vec<String> {
        let mut v: Vec<&str> = paths.to_vec();
        v.sort_by(|a, b| compare_packages(order, a, b));
        v.into_iter().map(|p| format!("//{p}")).collect()
    }

    #[test]
    fn recursive_orders() {
        let paths = ["", "c", "a", "b", "a/b"];
        // Observed with Bazel 4.2.3.
        assert_eq!(
            sorted(RecursiveOrder::PostOrder, &paths),
            ["//a/b", "//a", "//b", "//c", "//"]
        );
        assert_eq!(
            sorted(RecursiveOrder::LabelString, &paths),
            ["//a/b", "//a", "//b", "//c", "//"]
        );
        // They differ when a name has a character below '/'.
        let paths = ["a", "a/b", "a-c"];
        assert_eq!(
            sorted(RecursiveOrder::PostOrder, &paths),
            ["//a/b", "//a", "//a-c"]
        );
        assert_eq!(
            sorted(RecursiveOrder::LabelString, &paths),
            ["//a-c", "//a/b", "//a"]
        );
    }
}
