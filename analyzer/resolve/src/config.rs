//! Matching `config_setting`s (a toolchain's `target_settings`, a platform's
//! `required_settings`) against the target configuration ([`Config`]).
//!
//! A known option value either matches or not; an option whose value (and Bazel default) is
//! not known gives [`SettingMatch::Unknown`], never a guess. `constraint_values` of a
//! `config_setting` are matched against the target platform with predicate A (spec §2.1).
//! The platform-independent part is evaluated once per setting ([`PreparedSetting`]) so that a
//! resolver can answer many requests cheaply.

use toolcheck_index::label::Label;

use crate::model::{Config, Known, Model, TargetKind};
use crate::platforms::{
    has_all, resolve_alias, target_kind, AliasOutcome, Defaults, Match, PlatformConstraints,
    ValueList,
};
use crate::trace::UnknownCause;

/// The verdict for one `config_setting` (or a list of them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SettingMatch {
    Match,
    /// The settings (as written) that do not match.
    NoMatch(Vec<Label>),
    Unknown(UnknownCause),
}

/// A `config_setting` with the configuration-only part already evaluated.
#[derive(Clone, Debug)]
pub struct PreparedSetting {
    /// The label as written in `target_settings`.
    pub written: Label,
    /// Verdict of `values`, `define_values` and `flag_values`.
    config_part: SettingMatch,
    /// `constraint_values`, matched against the target platform per request.
    constraints: Option<ValueList>,
}

impl PreparedSetting {
    /// Resolves `written` (through aliases) and evaluates everything but the platform part.
    pub fn new(model: &Model, config: &Config, written: &Label) -> PreparedSetting {
        let unknown = |cause| PreparedSetting {
            written: *written,
            config_part: SettingMatch::Unknown(cause),
            constraints: None,
        };
        let label = match resolve_alias(model, written) {
            AliasOutcome::Target(l) => l,
            AliasOutcome::Unknown(c) => return unknown(c),
            AliasOutcome::Missing(m) => {
                return unknown(UnknownCause::Invalid {
                    target: *written,
                    message: m.message(),
                })
            }
            AliasOutcome::Cycle(c) => {
                return unknown(UnknownCause::Invalid {
                    target: *written,
                    message: crate::platforms::cycle_message(&c),
                })
            }
        };
        let Some(cs) = model.config_setting(&label) else {
            let cause = match target_kind(model, &label) {
                Some(TargetKind::ConfigSetting) | None => UnknownCause::NotModelled { label },
                Some(_) => UnknownCause::Invalid {
                    target: *written,
                    message: format!("{label} does not provide ConfigMatchingProvider"),
                },
            };
            return unknown(cause);
        };
        let mut verdict = Verdict::default();
        match &cs.values {
            Known::Known(values) => {
                for (key, expected) in values {
                    verdict.add(match_option(config, key, expected));
                }
            }
            Known::Unknown => verdict.add(Err(UnknownCause::Attribute {
                target: Some(label),
                attribute: "values",
            })),
        }
        match &cs.define_values {
            Known::Known(values) => {
                for (name, expected) in values {
                    verdict.add(Ok(config.defines.get(name) == Some(expected)));
                }
            }
            Known::Unknown => verdict.add(Err(UnknownCause::Attribute {
                target: Some(label),
                attribute: "define_values",
            })),
        }
        match &cs.flag_values {
            Known::Known(values) => {
                for (flag, expected) in values {
                    verdict.add(match_flag(model, config, flag, expected));
                }
            }
            Known::Unknown => verdict.add(Err(UnknownCause::Attribute {
                target: Some(label),
                attribute: "flag_values",
            })),
        }
        let constraints = match &cs.constraint_values {
            Known::Known(v) if v.is_empty() => None,
            list => Some(ValueList::resolve(
                model,
                list,
                Some(&label),
                "constraint_values",
            )),
        };
        PreparedSetting {
            written: *written,
            config_part: verdict.finish(written),
            constraints,
        }
    }

    /// The full verdict for a target platform.
    pub fn matches(&self, target: &PlatformConstraints, defaults: &Defaults) -> SettingMatch {
        let platform_part = match &self.constraints {
            None => SettingMatch::Match,
            Some(list) => match has_all(target, list, defaults) {
                Match::Yes => SettingMatch::Match,
                Match::No(_) => SettingMatch::NoMatch(vec![self.written]),
                Match::Unknown(c) => SettingMatch::Unknown(c),
            },
        };
        combine([self.config_part.clone(), platform_part])
    }
}

/// Evaluates a list of settings: all must match. A definite mismatch wins over unknowns.
pub fn match_all(
    settings: &[PreparedSetting],
    target: &PlatformConstraints,
    defaults: &Defaults,
) -> SettingMatch {
    combine(settings.iter().map(|s| s.matches(target, defaults)))
}

fn combine(items: impl IntoIterator<Item = SettingMatch>) -> SettingMatch {
    let mut failed = Vec::new();
    let mut unknown = None;
    for m in items {
        match m {
            SettingMatch::Match => {}
            SettingMatch::NoMatch(l) => failed.extend(l),
            SettingMatch::Unknown(c) => {
                unknown.get_or_insert(c);
            }
        }
    }
    if !failed.is_empty() {
        SettingMatch::NoMatch(failed)
    } else if let Some(c) = unknown {
        SettingMatch::Unknown(c)
    } else {
        SettingMatch::Match
    }
}

/// Accumulates per-key results of one `config_setting`.
#[derive(Default)]
struct Verdict {
    failed: bool,
    unknown: Option<UnknownCause>,
}

impl Verdict {
    fn add(&mut self, r: Result<bool, UnknownCause>) {
        match r {
            Ok(true) => {}
            Ok(false) => self.failed = true,
            Err(c) => {
                self.unknown.get_or_insert(c);
            }
        }
    }
    fn finish(self, written: &Label) -> SettingMatch {
        if self.failed {
            SettingMatch::NoMatch(vec![*written])
        } else if let Some(c) = self.unknown {
            SettingMatch::Unknown(c)
        } else {
            SettingMatch::Match
        }
    }
}

/// One `values = {key: expected}` entry.
fn match_option(config: &Config, key: &str, expected: &str) -> Result<bool, UnknownCause> {
    if key == "define" {
        // `values = {"define": "a=b"}` checks one --define.
        let Some((name, value)) = expected.split_once('=') else {
            return Ok(false);
        };
        return Ok(config.defines.get(name).map(String::as_str) == Some(value));
    }
    let actual = match config.options.get(key) {
        Some(v) => v.as_str(),
        None => match Config::option_default(key) {
            Some(d) => d,
            None => {
                return Err(UnknownCause::Option {
                    name: key.to_string(),
                })
            }
        },
    };
    Ok(option_values_equal(actual, expected))
}

/// Bazel accepts several spellings of booleans in `config_setting.values`.
fn option_values_equal(actual: &str, expected: &str) -> bool {
    fn as_bool(s: &str) -> Option<bool> {
        match s {
            "1" | "true" | "True" | "yes" => Some(true),
            "0" | "false" | "False" | "no" => Some(false),
            _ => None,
        }
    }
    actual == expected
        || matches!((as_bool(actual), as_bool(expected)), (Some(a), Some(b)) if a == b)
}

/// One `flag_values = {flag: expected}` entry.
fn match_flag(
    model: &Model,
    config: &Config,
    flag: &Label,
    expected: &str,
) -> Result<bool, UnknownCause> {
    // `//command_line_option:x` keys name native options.
    if flag.package == "command_line_option" {
        return match_option(config, &flag.name, expected);
    }
    // The value set in the configuration, or the flag's default; both are keyed by the label
    // as written and, failing that, by the label an alias names.
    let lookup = |flag: &Label| -> Option<Result<bool, UnknownCause>> {
        if let Some(v) = config.flags.get(flag) {
            return Some(Ok(option_values_equal(v, expected)));
        }
        match model.build_setting_defaults.get(flag) {
            Some(Known::Known(v)) => Some(Ok(option_values_equal(v, expected))),
            Some(Known::Unknown) => Some(Err(UnknownCause::Flag { flag: *flag })),
            None => None,
        }
    };
    if let Some(r) = lookup(flag) {
        return r;
    }
    let flag = match resolve_alias(model, flag) {
        AliasOutcome::Target(l) => l,
        AliasOutcome::Unknown(c) => return Err(c),
        _ => return Err(UnknownCause::Flag { flag: *flag }),
    };
    lookup(&flag).unwrap_or(Err(UnknownCause::Flag { flag }))
}
