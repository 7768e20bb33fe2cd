//! Every label reference in the workspace whose target must be of a given kind (a
//! `toolchain_type =` must name a `toolchain_type`, a `parents` entry a `platform`, ...), and
//! the lookup that says whether a label exists, is missing, or cannot be known. Which labels a
//! declaration holds is the index's `Decl::label_refs`; this module only says what kind each
//! attribute must name and how to call it in a message.

use toolcheck_index::index::{Decl, ExecGroupDecl, LabelRef, RefField, RegistrationKind, RuleDecl};
use toolcheck_index::label::{Label, TargetPattern};
// Repositories Bazel provides itself: their contents are never reported (the coverage report
// leaves them out by the same list).
use toolcheck_semantics::coverage::is_builtin_repo;

use crate::context::LintContext;

/// The kind of target a reference must name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Expected {
    ToolchainType,
    ConstraintValue,
    ConstraintSetting,
    Platform,
    ConfigSetting,
    Toolchain,
}

impl Expected {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Expected::ToolchainType => "a `toolchain_type`",
            Expected::ConstraintValue => "a `constraint_value`",
            Expected::ConstraintSetting => "a `constraint_setting`",
            Expected::Platform => "a `platform`",
            Expected::ConfigSetting => "a `config_setting`",
            Expected::Toolchain => "a `toolchain`",
        }
    }
}

pub(crate) struct Reference<'a> {
    pub(crate) r: &'a LabelRef,
    pub(crate) expected: Expected,
    /// What the reference is, for messages ("toolchain type of `//tc:linux`").
    pub(crate) role: String,
    /// The target whose attribute holds it, when a target's.
    pub(crate) owner: Option<&'a toolcheck_index::label::Label>,
}

/// The kind of target a label written in `field` must name; `None` for attributes that
/// take any target (a toolchain's implementation, an alias's `actual`, flag labels).
pub(crate) fn expected_for(field: RefField) -> Option<Expected> {
    Some(match field {
        RefField::DefaultConstraintValue
        | RefField::ConstraintValues
        | RefField::ExecCompatibleWith
        | RefField::TargetCompatibleWith => Expected::ConstraintValue,
        RefField::ConstraintSetting => Expected::ConstraintSetting,
        RefField::Parents => Expected::Platform,
        RefField::ToolchainType | RefField::RequestedToolchainType => Expected::ToolchainType,
        RefField::TargetSettings => Expected::ConfigSetting,
        RefField::Toolchain | RefField::FlagValues | RefField::Actual => return None,
    })
}

/// What a reference of target `l` in `field` is, for messages.
fn target_role(decl: &Decl, field: RefField, l: &Label) -> String {
    match field {
        RefField::DefaultConstraintValue => format!("default value of `{l}`"),
        RefField::ConstraintSetting => format!("setting of `{l}`"),
        RefField::ConstraintValues if matches!(decl, Decl::Platform(_)) => {
            format!("constraint value of platform `{l}`")
        }
        RefField::ConstraintValues => format!("constraint value of `{l}`"),
        RefField::Parents => format!("parent of platform `{l}`"),
        RefField::ToolchainType | RefField::RequestedToolchainType => {
            format!("toolchain type of `{l}`")
        }
        RefField::ExecCompatibleWith => format!("exec constraint of `{l}`"),
        RefField::TargetCompatibleWith => format!("target constraint of `{l}`"),
        RefField::TargetSettings => format!("target setting of `{l}`"),
        RefField::Toolchain => format!("implementation of `{l}`"),
        RefField::FlagValues => format!("flag of `{l}`"),
        RefField::Actual => format!("actual target of `{l}`"),
    }
}

/// What a reference in a `rule()`, `aspect()` or one of their exec groups is, for messages.
fn rule_role(rule: &RuleDecl, group: Option<&ExecGroupDecl>, field: RefField) -> String {
    let what = if rule.is_aspect { "aspect" } else { "rule" };
    match (group, field) {
        (None, RefField::RequestedToolchainType) => {
            format!("toolchain type requested by {what} `{}`", rule.name)
        }
        (None, _) => format!("exec constraint of {what} `{}`", rule.name),
        (Some(g), RefField::RequestedToolchainType) => format!(
            "toolchain type requested by exec group `{}` of `{}`",
            g.name, rule.name
        ),
        (Some(g), _) => format!("exec constraint of exec group `{}`", g.name),
    }
}

/// Collects every typed reference: the labels of toolchains, platforms, constraints and
/// config settings that must name a given kind of target (from [`Decl::label_refs`]),
/// `rule()` toolchain requests and `--platforms` flags.
pub(crate) fn references<'a>(ctx: &LintContext<'a>) -> Vec<Reference<'a>> {
    let mut out = Vec::new();
    for t in ctx.source_targets() {
        for (field, r) in t.decl.label_refs() {
            if let Some(expected) = expected_for(field) {
                out.push(Reference {
                    r,
                    expected,
                    role: target_role(&t.decl, field, &t.label),
                    owner: Some(&t.label),
                });
            }
        }
    }
    for r in &ctx.index.flag_platforms {
        out.push(Reference {
            r,
            expected: Expected::Platform,
            role: "platform flag".to_string(),
            owner: None,
        });
    }
    for rule in ctx.index.rules.iter().filter(|r| ctx.in_sources(r.file)) {
        for (group, field, r) in rule.label_refs() {
            if let Some(expected) = expected_for(field) {
                out.push(Reference {
                    r,
                    expected,
                    role: rule_role(rule, group, field),
                    owner: None,
                });
            }
        }
    }
    out
}

/// Explicitly named registrations, with the kind they must name.
pub(crate) fn registered_labels<'a>(
    ctx: &LintContext<'a>,
) -> Vec<(
    &'a toolcheck_index::index::Registration,
    &'a Label,
    Expected,
)> {
    ctx.index
        .registrations
        .iter()
        .filter_map(|r| match &r.pattern {
            Ok(TargetPattern::Single(l)) if !r.negative => Some((
                r,
                l,
                match r.kind {
                    RegistrationKind::Toolchain => Expected::Toolchain,
                    RegistrationKind::ExecutionPlatform => Expected::Platform,
                },
            )),
            _ => None,
        })
        .collect()
}

/// Whether a label names a target toolcheck can see.
pub(crate) enum Lookup {
    Found,
    /// The target cannot exist; the string says why.
    Missing(String),
    /// toolcheck cannot tell (an unreadable repository, a package with macros).
    Unknown {
        invisible_repo: Option<String>,
    },
}

pub(crate) fn lookup(ctx: &LintContext<'_>, label: &Label) -> Lookup {
    if ctx.index.targets.contains_key(label) {
        return Lookup::Found;
    }
    if !label.repo.is_main() && ctx.ws.repo(&label.repo).is_none() {
        return Lookup::Unknown {
            invisible_repo: (!is_builtin_repo(label.repo.as_str()))
                .then(|| label.repo.as_str().to_string()),
        };
    }
    match ctx.index.package(&label.package_id()) {
        // A computed repository whose rule downloads or runs something may hold it.
        None if ctx
            .ws
            .computed_origin(&label.repo)
            .is_some_and(|o| o.partial.is_some()) =>
        {
            Lookup::Unknown {
                invisible_repo: None,
            }
        }
        None => {
            // A directory without a BUILD file is not a package; but a file loaded from a
            // subpackage could be anywhere, so check the label names no known file either.
            Lookup::Missing(format!("no such package '{}'", label.package_id()))
        }
        Some(p) if p.open => Lookup::Unknown {
            invisible_repo: None,
        },
        Some(_) => Lookup::Missing(format!(
            "target '{}' is not declared in package '{}'",
            label.name,
            label.package_id()
        )),
    }
}

/// Follows aliases from `label` to the target they end at (bounded; `None` when a chain is
/// unknown, cyclic or leaves the visible workspace).
pub(crate) fn resolve_target<'a>(
    ctx: &LintContext<'a>,
    label: &Label,
) -> Option<&'a toolcheck_index::index::Target> {
    let mut cur = *label;
    for _ in 0..64 {
        let t = ctx.index.targets.get(&cur)?;
        match &t.decl {
            Decl::Alias { actual } => cur = *actual.known()?.label.as_ref().ok()?,
            _ => return Some(t),
        }
    }
    None
}

/// Whether a target's declaration satisfies an expected kind; `None` when unknown.
pub(crate) fn kind_matches(decl: &Decl, expected: Expected) -> Option<bool> {
    Some(match (decl, expected) {
        (Decl::Unknown | Decl::StarlarkRule { .. } | Decl::Alias { .. }, _) => return None,
        (Decl::ToolchainType, Expected::ToolchainType)
        | (Decl::ConstraintValue { .. }, Expected::ConstraintValue)
        | (Decl::ConstraintSetting { .. }, Expected::ConstraintSetting)
        | (Decl::Platform(_), Expected::Platform)
        | (Decl::ConfigSetting(_), Expected::ConfigSetting)
        | (Decl::Toolchain(_), Expected::Toolchain) => true,
        _ => false,
    })
}

/// Where to report a finding about a registered toolchain or platform: the registration that
/// names it explicitly (that is what the user edits to change priority), else its
/// declaration's `name`.
pub(crate) fn registered_site(
    ctx: &LintContext<'_>,
    label: &Label,
    source: Option<usize>,
) -> Option<(
    toolcheck_index::workspace::FileId,
    toolcheck_syntax::TextRange,
)> {
    if let Some(reg) = source.and_then(|s| ctx.index.registrations.get(s)) {
        if let (Ok(TargetPattern::Single(_)), Some(loc)) = (&reg.pattern, reg.loc) {
            return Some((loc.file, loc.range));
        }
    }
    ctx.index.targets.get(label).map(|t| (t.file, t.name_range))
}

/// In library mode, who registers a toolchain for consumers: "a workspace that calls
/// `f()`" for an exported macro's registration, "a workspace that depends on this module" for
/// the module's own (non-dev) registration; with where it is registered. `None` for what only
/// the library's own builds register.
pub(crate) fn consumer_registration(
    ctx: &LintContext<'_>,
    source: Option<usize>,
) -> Option<(String, Option<toolcheck_index::interp::Loc>)> {
    use toolcheck_index::index::RegistrationOrigin;
    if !ctx.index.library {
        return None;
    }
    let reg = ctx.index.registrations.get(source?)?;
    match &reg.origin {
        RegistrationOrigin::Library { function, .. } => {
            Some((format!("a workspace that calls `{function}()`"), reg.loc))
        }
        RegistrationOrigin::RootModule {
            dev_dependency: false,
        } => Some((
            "a workspace that depends on this module".to_string(),
            reg.loc,
        )),
        _ => None,
    }
}

/// The declaration of a target, for related spans.
pub(crate) fn declaration(
    ctx: &LintContext<'_>,
    label: &Label,
) -> Option<(
    toolcheck_index::workspace::FileId,
    toolcheck_syntax::TextRange,
)> {
    ctx.index.targets.get(label).map(|t| (t.file, t.name_range))
}
