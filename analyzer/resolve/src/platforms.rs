//! Constraint facts: alias resolution, constraint values, platforms with their parent chains
//! and setting defaults, and the two matching predicates of spec §2.
//!
//! This module owns `value(platform, setting)` (spec §2: own value, then the parent chain, then
//! the setting's `default_constraint_value`) and keeps the two predicates separate:
//! * predicate A, [`has_all`]: "the platform has every one of these constraint values" (exec
//!   constraints of rules, targets and exec groups; `config_setting.constraint_values`);
//! * predicate B, [`toolchain_matches`]: "every setting the toolchain names *explicitly* has the
//!   toolchain's value on the platform" (spec §2.2, the post-#8778 behaviour).
//!
//! Everything here is three-valued: a fact the workspace cannot state is reported as
//! [`UnknownCause`], never guessed. Alias chains and parent chains are followed iteratively with
//! a visited set, so cycles and very long chains terminate.

use std::borrow::Cow;
use std::collections::BTreeMap;

use rustc_hash::FxHashSet;
use toolcheck_index::label::Label;

use crate::model::{Known, Model, TargetKind};
use crate::platforms_repo::{platforms_layout, well_known, WellKnown};
use crate::trace::UnknownCause;

/// Where an alias chain ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AliasOutcome {
    /// A target that is not an alias (its label; the starting label when it is no alias).
    Target(Label),
    /// The chain cannot be followed statically.
    Unknown(UnknownCause),
    /// The chain reaches a label that does not exist.
    Missing(MissingTarget),
    /// The chain loops; the labels of the loop in order.
    Cycle(Vec<Label>),
}

/// A label that names nothing, with Bazel's wording for the two ways that can happen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissingTarget {
    pub label: Label,
    /// Whether the package exists (then the target is missing from it).
    pub package_exists: bool,
}

impl MissingTarget {
    /// Bazel's error text: `no such target '//p:x': target 'x' not declared in package 'p'` or
    /// `no such package 'p': BUILD file not found`.
    pub fn message(&self) -> String {
        let l = &self.label;
        if self.package_exists {
            format!(
                "no such target '{l}': target '{}' not declared in package '{}'",
                l.name, l.package
            )
        } else {
            format!(
                "no such package '{}': BUILD file not found in any of the following directories. Add a BUILD file to a directory to mark it as a package.",
                package_display(&l.package_id())
            )
        }
    }
}

/// Bazel's `PackageIdentifier` display: `pkg` in the main repository, `@repo//pkg` elsewhere.
pub fn package_display(pkg: &toolcheck_index::label::PackageId) -> String {
    if pkg.repo.is_main() {
        pkg.path.to_string()
    } else {
        pkg.to_string()
    }
}

/// What kind of target `label` is, consulting [`Model::targets`] first and the typed maps as a
/// fallback (a builder may fill only the typed maps).
pub fn target_kind(model: &Model, label: &Label) -> Option<TargetKind> {
    if let Some(kind) = model.targets.get(label) {
        return Some(kind.clone());
    }
    if let Some(kind) = model.kind_of(label) {
        return Some(kind.into_owned());
    }
    if model.platforms.contains_key(label) {
        Some(TargetKind::Platform)
    } else if model.toolchains.contains_key(label) {
        Some(TargetKind::Toolchain)
    } else if model.values.contains_key(label) {
        Some(TargetKind::ConstraintValue)
    } else if model.settings.contains_key(label) {
        Some(TargetKind::ConstraintSetting)
    } else if model.config_settings.contains_key(label) {
        Some(TargetKind::ConfigSetting)
    } else {
        well_known(model, label).map(|w| match w {
            WellKnown::Setting => TargetKind::ConstraintSetting,
            WellKnown::Value { .. } => TargetKind::ConstraintValue,
            WellKnown::Alias(actual) => TargetKind::Alias(Known::Known(actual)),
        })
    }
}

/// Why a label that is not in the model is not there: unknowable (invisible repository, open
/// package) or missing.
pub fn absent(model: &Model, label: &Label) -> Result<UnknownCause, MissingTarget> {
    if model.repo_invisible(&label.repo) {
        return Ok(UnknownCause::InvisibleRepo { label: *label });
    }
    let pkg = label.package_id();
    if model.open_packages.contains(&pkg)
        || model.partial_repos.contains(&label.repo) && !model.has_package(&pkg)
    {
        return Ok(UnknownCause::OpenPackage { label: *label });
    }
    Err(MissingTarget {
        label: *label,
        package_exists: model.has_package(&pkg),
    })
}

/// Follows `alias(actual = ...)` from `label` to the first non-alias target.
///
/// Iterative with a visited set: a cycle is reported, never looped on, whatever its length.
pub fn resolve_alias(model: &Model, label: &Label) -> AliasOutcome {
    // Fast path: most labels are not aliases (and aliases are always in `model.targets`,
    // but for the well-known one of `@platforms`, whose actual is no alias).
    match model.targets.get(label) {
        Some(TargetKind::Alias(_)) => {}
        Some(_) => return AliasOutcome::Target(*label),
        None => {
            if let Some(WellKnown::Alias(actual)) = well_known(model, label) {
                return AliasOutcome::Target(actual);
            }
            if target_kind(model, label).is_some() {
                return AliasOutcome::Target(*label);
            }
        }
    }
    let mut seen: FxHashSet<&Label> = FxHashSet::default();
    let mut chain: Vec<&Label> = Vec::new();
    let mut current = label;
    loop {
        if !seen.insert(current) {
            let start = chain.iter().position(|l| *l == current).unwrap_or(0);
            return AliasOutcome::Cycle(chain[start..].iter().map(|l| *(*l)).collect());
        }
        chain.push(current);
        match model.targets.get(current) {
            Some(TargetKind::Alias(Known::Known(next))) => current = next,
            Some(TargetKind::Alias(Known::Unknown)) => {
                return AliasOutcome::Unknown(UnknownCause::AliasActual { alias: *current })
            }
            Some(_) => return AliasOutcome::Target(*current),
            None => {
                if let Some(WellKnown::Alias(actual)) = well_known(model, current) {
                    return AliasOutcome::Target(actual);
                }
                if target_kind(model, current).is_some() {
                    return AliasOutcome::Target(*current);
                }
                return match absent(model, current) {
                    Ok(cause) => AliasOutcome::Unknown(cause),
                    Err(missing) => AliasOutcome::Missing(missing),
                };
            }
        }
    }
}

/// Turns an alias outcome into "the target, or why it cannot be used": unknown for unknowable
/// chains, [`UnknownCause::Invalid`] for errors Bazel would report (missing target, cycle).
pub fn resolve_or_cause(model: &Model, label: &Label) -> Result<Label, UnknownCause> {
    match resolve_alias(model, label) {
        AliasOutcome::Target(l) => Ok(l),
        AliasOutcome::Unknown(c) => Err(c),
        AliasOutcome::Missing(m) => Err(UnknownCause::Invalid {
            target: *label,
            message: m.message(),
        }),
        AliasOutcome::Cycle(c) => Err(UnknownCause::Invalid {
            target: *label,
            message: cycle_message(&c),
        }),
    }
}

/// Bazel-like text for an alias cycle.
pub fn cycle_message(cycle: &[Label]) -> String {
    let parts: Vec<String> = cycle.iter().map(|l| l.to_string()).collect();
    format!("cycle in dependency graph: {}", parts.join(" -> "))
}

/// One constraint value after alias resolution, with its setting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedValue {
    /// The label as written (reported in "missing constraint" lines).
    pub written: Label,
    pub value: Label,
    pub setting: Label,
}

/// Resolves one written constraint value label.
pub fn resolve_value(model: &Model, written: &Label) -> Result<ResolvedValue, UnknownCause> {
    let value = resolve_or_cause(model, written)?;
    match model.values.get(&value) {
        Some(cv) => {
            // The setting may itself be referenced through an alias.
            let setting = resolve_or_cause(model, &cv.setting)?;
            Ok(ResolvedValue {
                written: *written,
                value,
                setting,
            })
        }
        None => match target_kind(model, &value) {
            Some(TargetKind::ConstraintValue) => match well_known(model, &value) {
                Some(WellKnown::Value { setting }) => Ok(ResolvedValue {
                    written: *written,
                    value,
                    setting,
                }),
                _ => Err(UnknownCause::NotModelled { label: value }),
            },
            Some(_) => Err(UnknownCause::Invalid {
                target: *written,
                message: format!(
                    "'{value}' does not have mandatory providers: 'ConstraintValueInfo'"
                ),
            }),
            None => Err(UnknownCause::NotModelled { label: value }),
        },
    }
}

/// A list of constraint values after resolution, as used by predicate A.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ValueList {
    pub values: Vec<ResolvedValue>,
    /// Set when some value (or the whole list) is not statically known.
    pub unknown: Option<UnknownCause>,
}

impl ValueList {
    /// Resolves a written list; `owner`/`attribute` name it in "unknown" reasons.
    pub fn resolve(
        model: &Model,
        list: &Known<Vec<Label>>,
        owner: Option<&Label>,
        attribute: &'static str,
    ) -> ValueList {
        let mut out = ValueList::default();
        match list {
            Known::Unknown => {
                out.unknown = Some(UnknownCause::Attribute {
                    target: owner.cloned(),
                    attribute,
                })
            }
            Known::Known(labels) => {
                for l in labels {
                    match resolve_value(model, l) {
                        Ok(v) => out.values.push(v),
                        Err(c) => {
                            // An invalid entry is an error whatever else is unknown, so its
                            // cause wins over an earlier unknown one.
                            let invalid =
                                |c: &UnknownCause| matches!(c, UnknownCause::Invalid { .. });
                            if out
                                .unknown
                                .as_ref()
                                .is_none_or(|u| !invalid(u) && invalid(&c))
                            {
                                out.unknown = Some(c);
                            }
                        }
                    }
                }
            }
        }
        out
    }
}

/// Bazel's `DuplicateConstraintException` text for the first setting listed twice, if any.
pub fn duplicate_values(values: &[ResolvedValue]) -> Option<String> {
    let mut by_setting: BTreeMap<&Label, Vec<&Label>> = BTreeMap::new();
    for v in values {
        let entry = by_setting.entry(&v.setting).or_default();
        if !entry.contains(&&v.value) {
            entry.push(&v.value);
        }
    }
    by_setting
        .into_iter()
        .find(|(_, vals)| vals.len() > 1)
        .map(|(setting, vals)| {
            let vals: Vec<String> = vals.iter().map(|v| v.to_string()).collect();
            format!(
                "Duplicate constraint values detected: constraint_setting {setting} has [{}]",
                vals.join(", ")
            )
        })
}

/// An explicit setting → value map, as a toolchain states its constraints (predicate B input).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConstraintSet {
    pub values: BTreeMap<Label, Label>,
    /// Set when the set may contain more entries than `values` (or is invalid).
    pub unknown: Option<UnknownCause>,
}

impl ConstraintSet {
    /// Builds the explicit map of a toolchain's list; duplicates make the set invalid.
    pub fn from_list(list: &ValueList, owner: &Label) -> ConstraintSet {
        let mut set = ConstraintSet {
            values: BTreeMap::new(),
            unknown: list.unknown.clone(),
        };
        if let Some(message) = duplicate_values(&list.values) {
            // Bazel rejects the target: no entry of it can be trusted.
            set.unknown = Some(UnknownCause::Invalid {
                target: *owner,
                message,
            });
            return set;
        }
        for v in &list.values {
            set.values.entry(v.setting).or_insert_with(|| v.value);
        }
        set
    }
}

/// The answer of `value(platform, setting)`. Borrowed: lookups run in the resolver's inner
/// loop and must not allocate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup<'a> {
    Value(&'a Label),
    /// The platform sets nothing and the setting has no default.
    NoValue,
    Unknown(Cow<'a, UnknownCause>),
}

/// A setting's default, resolved once.
#[derive(Clone, Debug, PartialEq, Eq)]
enum DefaultValue {
    Value(Label),
    NoValue,
    Unknown(UnknownCause),
}

/// A platform's constraint collection, flattened over its parent chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlatformConstraints {
    pub label: Label,
    /// setting → (value, certain). A value is uncertain when a more derived level of the chain
    /// has unknown entries that could override it.
    entries: BTreeMap<Label, (Label, bool)>,
    /// Why settings without an entry are not known to fall back to their default.
    open: Option<UnknownCause>,
    /// An error Bazel would report for this platform; every lookup is then unknown.
    invalid: Option<UnknownCause>,
}

impl PlatformConstraints {
    /// A platform nothing is known about (not in the model, invisible, ...).
    pub fn unknown(label: Label, cause: UnknownCause) -> PlatformConstraints {
        PlatformConstraints {
            label,
            entries: BTreeMap::new(),
            open: Some(cause),
            invalid: None,
        }
    }

    /// Flattens `label`'s parent chain (child values win). Iterative; a parent cycle or a bad
    /// parent makes the platform invalid, an unknown list makes the affected settings unknown.
    pub fn compute(model: &Model, label: &Label) -> PlatformConstraints {
        let mut pc = PlatformConstraints {
            label: *label,
            entries: BTreeMap::new(),
            open: None,
            invalid: None,
        };
        let mut seen: FxHashSet<Label> = FxHashSet::default();
        let mut current = match resolve_alias(model, label) {
            AliasOutcome::Target(l) => l,
            other => {
                pc.invalid = Some(outcome_cause(label, other));
                return pc;
            }
        };
        loop {
            if !seen.insert(current) {
                pc.invalid = Some(UnknownCause::Invalid {
                    target: *label,
                    message: format!("cycle in the parents of platform {current}"),
                });
                return pc;
            }
            let Some(platform) = model.platforms.get(&current) else {
                let cause = match target_kind(model, &current) {
                    Some(TargetKind::Platform) | None => UnknownCause::NotModelled {
                        label: current,
                    },
                    Some(_) => UnknownCause::Invalid {
                        target: *label,
                        message: format!(
                            "Target {current} was referenced as a platform, but does not provide PlatformInfo"
                        ),
                    },
                };
                if seen.len() == 1 || matches!(cause, UnknownCause::Invalid { .. }) {
                    // The platform itself is not modelled (nothing is known about it), or a
                    // parent is no platform (Bazel rejects the platform).
                    pc.invalid = Some(cause);
                } else {
                    pc.open.get_or_insert(cause);
                }
                return pc;
            };
            // This level's own values: certain unless a more derived level is open.
            let list = ValueList::resolve(
                model,
                &platform.constraint_values,
                Some(&current),
                "constraint_values",
            );
            if let Some(message) = duplicate_values(&list.values) {
                pc.invalid = Some(UnknownCause::Invalid {
                    target: current,
                    message,
                });
                return pc;
            }
            let certain = pc.open.is_none();
            for v in &list.values {
                pc.entries
                    .entry(v.setting)
                    .or_insert_with(|| (v.value, certain));
            }
            // A constraint value that is missing or of the wrong kind fails the platform in
            // Bazel; toolcheck leaves the platform's facts open instead of failing every
            // resolution that reads it (one typo in a registered execution platform would
            // hide every answer), and `unresolved-label`/`wrong-target-kind` report the entry.
            if let Some(cause) = list.unknown {
                pc.open.get_or_insert(cause);
            }
            match &platform.parents {
                Known::Unknown => {
                    pc.open.get_or_insert(UnknownCause::Attribute {
                        target: Some(current),
                        attribute: "parents",
                    });
                    return pc;
                }
                Known::Known(parents) => match parents.as_slice() {
                    [] => return pc,
                    [parent] => match resolve_alias(model, parent) {
                        AliasOutcome::Target(p) => current = p,
                        other => {
                            let cause = outcome_cause(parent, other);
                            if matches!(cause, UnknownCause::Invalid { .. }) {
                                pc.invalid = Some(cause);
                            } else {
                                pc.open.get_or_insert(cause);
                            }
                            return pc;
                        }
                    },
                    _ => {
                        pc.invalid = Some(UnknownCause::Invalid {
                            target: current,
                            message: "in parents attribute of platform rule: parents attribute must have a single value".to_string(),
                        });
                        return pc;
                    }
                },
            }
        }
    }

    /// `value(platform, setting)` of spec §2, with `default` the setting's default lookup.
    pub fn lookup<'s>(&'s self, setting: &Label, defaults: &'s Defaults) -> Lookup<'s> {
        if let Some(cause) = &self.invalid {
            return Lookup::Unknown(Cow::Borrowed(cause));
        }
        match self.entries.get(setting) {
            Some((value, true)) => Lookup::Value(value),
            Some((_, false)) => Lookup::Unknown(Cow::Owned(self.open_cause())),
            None => match &self.open {
                Some(cause) => Lookup::Unknown(Cow::Borrowed(cause)),
                None => defaults.get(setting),
            },
        }
    }

    fn open_cause(&self) -> UnknownCause {
        self.open
            .clone()
            .unwrap_or(UnknownCause::NotModelled { label: self.label })
    }

    /// The error that makes this platform unusable, if any.
    pub fn invalid(&self) -> Option<&UnknownCause> {
        self.invalid.as_ref()
    }

    /// The platform's explicit (own + inherited) values as a toolchain-style set, used for
    /// `use_target_platform_constraints` (spec §2.2: defaults are not included).
    pub fn as_constraint_set(&self) -> ConstraintSet {
        let uncertain = self.entries.values().any(|(_, certain)| !certain);
        ConstraintSet {
            values: self.entries.iter().map(|(s, (v, _))| (*s, *v)).collect(),
            unknown: self.invalid.clone().or_else(|| {
                if uncertain || self.open.is_some() {
                    Some(self.open_cause())
                } else {
                    None
                }
            }),
        }
    }
}

fn outcome_cause(label: &Label, outcome: AliasOutcome) -> UnknownCause {
    match outcome {
        AliasOutcome::Target(l) => UnknownCause::NotModelled { label: l },
        AliasOutcome::Unknown(c) => c,
        AliasOutcome::Missing(m) => UnknownCause::Invalid {
            target: *label,
            message: m.message(),
        },
        AliasOutcome::Cycle(c) => UnknownCause::Invalid {
            target: *label,
            message: cycle_message(&c),
        },
    }
}

/// The default value of every constraint setting, resolved once.
#[derive(Clone, Debug, Default)]
pub struct Defaults {
    map: rustc_hash::FxHashMap<Label, DefaultValue>,
    invisible: Vec<toolcheck_index::label::RepoName>,
    visible: Option<std::sync::Arc<rustc_hash::FxHashSet<toolcheck_index::label::RepoName>>>,
    /// [`Model::well_known_platforms`]: its settings have no default.
    well_known: Option<toolcheck_index::label::RepoName>,
}

impl Defaults {
    pub fn new(model: &Model) -> Defaults {
        let map = model
            .settings
            .iter()
            .map(|(label, setting)| {
                let lookup = match &setting.default {
                    None => DefaultValue::NoValue,
                    Some(d) => match resolve_or_cause(model, d) {
                        Ok(v) => DefaultValue::Value(v),
                        Err(c) => DefaultValue::Unknown(c),
                    },
                };
                (*label, lookup)
            })
            .collect();
        Defaults {
            map,
            invisible: model.invisible_repos.clone(),
            visible: model.visible_repos.clone(),
            well_known: model.well_known_platforms,
        }
    }

    /// The default of `setting`; unknown when the setting itself is not modelled.
    pub fn get(&self, setting: &Label) -> Lookup<'_> {
        match self.map.get(setting) {
            Some(DefaultValue::Value(v)) => Lookup::Value(v),
            Some(DefaultValue::NoValue) => Lookup::NoValue,
            Some(DefaultValue::Unknown(c)) => Lookup::Unknown(Cow::Borrowed(c)),
            None if self.well_known.as_ref() == Some(&setting.repo)
                && platforms_layout(setting, None) == Some(WellKnown::Setting) =>
            {
                Lookup::NoValue
            }
            None if crate::model::repo_invisible(
                &self.invisible,
                self.visible.as_deref(),
                &setting.repo,
            ) =>
            {
                Lookup::Unknown(Cow::Owned(UnknownCause::InvisibleRepo { label: *setting }))
            }
            None => Lookup::Unknown(Cow::Owned(UnknownCause::NotModelled { label: *setting })),
        }
    }
}

/// A three-valued match result with the reasons of a mismatch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Match {
    Yes,
    /// The offending constraint values: for predicate A the *required* values the platform
    /// lacks, for predicate B the toolchain's values the platform disagrees with.
    No(Vec<Label>),
    Unknown(UnknownCause),
}

/// Predicate A (spec §2.1): `value(platform, v.setting) == v` for every `v`. A definite
/// mismatch wins over unknowns (the answer is "no" whatever the unknowns are).
pub fn has_all(platform: &PlatformConstraints, values: &ValueList, defaults: &Defaults) -> Match {
    let mut missing = Vec::new();
    let mut unknown = values.unknown.clone();
    for v in &values.values {
        match platform.lookup(&v.setting, defaults) {
            Lookup::Value(x) if *x == v.value => {}
            Lookup::Value(_) | Lookup::NoValue => missing.push(v.written),
            Lookup::Unknown(c) => {
                if unknown.is_none() {
                    unknown = Some(c.into_owned());
                }
            }
        }
    }
    finish(missing, unknown)
}

/// Predicate B (spec §2.2): for each setting the toolchain names explicitly, the platform's
/// value (including parents and defaults) must equal the toolchain's. Settings the toolchain
/// does not name never cause a mismatch.
pub fn toolchain_matches(
    toolchain: &ConstraintSet,
    platform: &PlatformConstraints,
    defaults: &Defaults,
) -> Match {
    let mut mismatching = Vec::new();
    let mut unknown = toolchain.unknown.clone();
    for (setting, value) in &toolchain.values {
        match platform.lookup(setting, defaults) {
            Lookup::Value(x) if x == value => {}
            Lookup::Value(_) | Lookup::NoValue => mismatching.push(*value),
            Lookup::Unknown(c) => {
                if unknown.is_none() {
                    unknown = Some(c.into_owned());
                }
            }
        }
    }
    finish(mismatching, unknown)
}

fn finish(mismatch: Vec<Label>, unknown: Option<UnknownCause>) -> Match {
    if !mismatch.is_empty() {
        Match::No(mismatch)
    } else if let Some(c) = unknown {
        Match::Unknown(c)
    } else {
        Match::Yes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ConstraintSetting, ConstraintValue, Platform};

    fn l(s: &str) -> Label {
        Label::new(toolcheck_index::label::RepoName::main(), "c", s)
    }

    /// `os` (no default) with linux/mac, `cpu` defaulting to x86 with x86/arm; a parent
    /// platform {linux, arm} and a child overriding cpu to x86.
    fn model() -> Model {
        let mut m = Model::default();
        m.settings
            .insert(l("os"), ConstraintSetting { default: None });
        m.settings.insert(
            l("cpu"),
            ConstraintSetting {
                default: Some(l("x86")),
            },
        );
        for (v, s) in [
            ("linux", "os"),
            ("mac", "os"),
            ("x86", "cpu"),
            ("arm", "cpu"),
        ] {
            m.values.insert(l(v), ConstraintValue { setting: l(s) });
        }
        let platform = |values: &[&str], parent: Option<&str>| Platform {
            constraint_values: Known::Known(values.iter().map(|v| l(v)).collect()),
            parents: Known::Known(parent.map(l).into_iter().collect()),
            ..Default::default()
        };
        m.platforms
            .insert(l("parent"), platform(&["linux", "arm"], None));
        m.platforms
            .insert(l("child"), platform(&["x86"], Some("parent")));
        m.platforms.insert(l("empty"), platform(&[], None));
        m
    }

    fn list(m: &Model, values: &[&str]) -> ValueList {
        let labels = Known::Known(values.iter().map(|v| l(v)).collect());
        ValueList::resolve(m, &labels, None, "test")
    }

    #[test]
    fn value_lookup_follows_parents_then_defaults() {
        let m = model();
        let d = Defaults::new(&m);
        let child = PlatformConstraints::compute(&m, &l("child"));
        assert_eq!(child.lookup(&l("cpu"), &d), Lookup::Value(&l("x86")));
        assert_eq!(child.lookup(&l("os"), &d), Lookup::Value(&l("linux")));
        let empty = PlatformConstraints::compute(&m, &l("empty"));
        assert_eq!(empty.lookup(&l("cpu"), &d), Lookup::Value(&l("x86")));
        assert_eq!(empty.lookup(&l("os"), &d), Lookup::NoValue);
    }

    #[test]
    fn predicate_a_lists_required_values_the_platform_lacks() {
        let m = model();
        let d = Defaults::new(&m);
        let child = PlatformConstraints::compute(&m, &l("child"));
        assert_eq!(has_all(&child, &list(&m, &["linux"]), &d), Match::Yes);
        assert_eq!(
            has_all(&child, &list(&m, &["linux", "arm"]), &d),
            Match::No(vec![l("arm")])
        );
        // Two values of one setting can never both hold.
        assert_eq!(
            has_all(&child, &list(&m, &["x86", "arm"]), &d),
            Match::No(vec![l("arm")])
        );
    }

    #[test]
    fn predicate_b_only_checks_settings_the_toolchain_names() {
        let m = model();
        let d = Defaults::new(&m);
        let parent = PlatformConstraints::compute(&m, &l("parent"));
        // A toolchain naming nothing matches a platform with a non-default cpu (#8778).
        assert_eq!(
            toolchain_matches(&ConstraintSet::default(), &parent, &d),
            Match::Yes
        );
        let x86 = ConstraintSet::from_list(&list(&m, &["x86"]), &l("tc"));
        assert_eq!(
            toolchain_matches(&x86, &parent, &d),
            Match::No(vec![l("x86")])
        );
        // A duplicate makes the toolchain invalid: unknown, not guessed.
        let dup = ConstraintSet::from_list(&list(&m, &["x86", "arm"]), &l("tc"));
        assert!(matches!(
            toolchain_matches(&dup, &parent, &d),
            Match::Unknown(_)
        ));
    }

    #[test]
    fn alias_cycles_are_reported() {
        let mut m = model();
        m.targets
            .insert(l("a"), TargetKind::Alias(Known::Known(l("b"))));
        m.targets
            .insert(l("b"), TargetKind::Alias(Known::Known(l("a"))));
        assert_eq!(
            resolve_alias(&m, &l("a")),
            AliasOutcome::Cycle(vec![l("a"), l("b")])
        );
    }
}
