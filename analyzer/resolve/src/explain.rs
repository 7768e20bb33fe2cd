//! Human-readable renderings of resolution results.
//!
//! * [`explain`]: the trace as sentences in the structure of Bazel 7.x's
//!   `--toolchain_resolution_debug` output (spec §5.2: a block per type, a recap, the removed
//!   exec platforms, the final "Selected execution platform" line), plus what Bazel never prints:
//!   why the exec platform won, and what could not be decided.
//! * [`summary`]: one line per exec group (exec platform, reason, toolchains or error).
//! * [`render_registered`]: a registered list with its errors and notes.
//!
//! Bazel prints the *names* of mismatching constraint values but full labels elsewhere; this
//! module follows that.

use std::fmt::Write;

use toolcheck_index::label::Label;

use crate::registration::{Registered, RegistrationNote};
use crate::resolve::{GroupName, GroupResolution, Resolution};
use crate::trace::{ExecChoice, TraceEvent};

fn names(values: &[Label]) -> String {
    values
        .iter()
        .map(|l| l.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn labels(values: &[Label]) -> String {
    values
        .iter()
        .map(|l| l.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn group_title(g: &GroupName) -> String {
    match g {
        GroupName::Default => "default exec group".to_string(),
        GroupName::Named(n) => format!("exec group '{n}'"),
        GroupName::Automatic(t) => format!("automatic exec group {t}"),
    }
}

/// Renders every exec group of `res` as explanation text.
pub fn explain(res: &Resolution) -> String {
    let mut out = String::new();
    let titled = res.groups.len() > 1
        || res
            .groups
            .iter()
            .any(|g| !matches!(g.group, GroupName::Default));
    for g in &res.groups {
        if titled {
            let _ = writeln!(out, "== {} ==", group_title(&g.group));
        }
        explain_group(&mut out, &res.target_platform, g);
    }
    out
}

fn explain_group(out: &mut String, p: &Label, g: &GroupResolution) {
    // Per-type blocks first, as Bazel prints them.
    for ev in &g.trace {
        match ev {
            TraceEvent::TypeStart {
                toolchain_type,
                requested,
                mandatory,
            } => {
                let alias = if requested != toolchain_type {
                    format!(" (requested as {requested})")
                } else {
                    String::new()
                };
                let kind = match mandatory {
                    Some(true) => "",
                    Some(false) => " [optional]",
                    None => " [mandatory: unknown]",
                };
                let _ = writeln!(
                    out,
                    "Performing resolution of {toolchain_type}{alias}{kind} for target platform {p}"
                );
            }
            TraceEvent::TypeIgnored { requested, reason } => {
                let _ = writeln!(out, "Ignoring requested type {requested}: {reason}");
            }
            TraceEvent::ExecPlatformTypeNotAllowed {
                platform,
                toolchain_type: Some(t),
            } => {
                let _ = writeln!(out, "  Skipping execution platform {platform}; its allowed toolchain types does not contain the current toolchain type {t}");
            }
            TraceEvent::ToolchainRejectedSettings {
                toolchain,
                settings,
                ..
            } => {
                let tc = toolchain
                    .toolchain
                    .as_ref()
                    .map_or_else(|| toolchain.to_string(), |l| l.to_string());
                let _ = writeln!(
                    out,
                    "  Rejected toolchain {tc}; mismatching target_settings: {}",
                    names(settings)
                );
            }
            TraceEvent::ToolchainRejectedTarget {
                toolchain,
                mismatching,
                ..
            } => {
                let _ = writeln!(
                    out,
                    "  Rejected toolchain {toolchain}; mismatching values: {}",
                    names(mismatching)
                );
            }
            TraceEvent::ToolchainCompatibleWithTarget { toolchain, .. } => {
                let _ = writeln!(out, "  Toolchain {toolchain} is compatible with target platform, searching for execution platforms:");
            }
            TraceEvent::ToolchainUndecidable {
                toolchain,
                exec_platform: None,
                cause,
                ..
            } => {
                let _ = writeln!(out, "  Toolchain {toolchain} may or may not apply ({cause}), searching for execution platforms:");
            }
            TraceEvent::ToolchainUndecidable {
                exec_platform: Some(e),
                cause,
                ..
            } => {
                let _ = writeln!(out, "    Cannot decide execution platform {e}: {cause}");
            }
            TraceEvent::ToolchainSelected { exec_platform, .. } => {
                let _ = writeln!(out, "    Compatible execution platform {exec_platform}");
            }
            TraceEvent::ToolchainRejectedExec {
                exec_platform,
                mismatching,
                ..
            } => {
                let _ = writeln!(
                    out,
                    "    Incompatible execution platform {exec_platform}; mismatching values: {}",
                    names(mismatching)
                );
            }
            TraceEvent::ToolchainSkipped { exec_platform, .. } => {
                let _ = writeln!(
                    out,
                    "    Skipping execution platform {exec_platform}; it has already selected a toolchain"
                );
            }
            TraceEvent::AllExecPlatformsAssigned { toolchain_type } => {
                let _ = writeln!(out, "  All execution platforms have been assigned a {toolchain_type} toolchain, stopping");
            }
            TraceEvent::TypeRecap {
                toolchain_type,
                selected,
            } => {
                let _ = writeln!(
                    out,
                    "Recap of selected {toolchain_type} toolchains for target platform {p}:"
                );
                for (e, tc) in selected {
                    let _ = writeln!(out, "  Selected {tc} to run on execution platform {e}");
                }
            }
            TraceEvent::NoToolchainFound { toolchain_type } => {
                let _ = writeln!(
                    out,
                    "No {toolchain_type} toolchain found for target platform {p}."
                );
            }
            _ => {}
        }
    }
    // Then the exec platform filtering.
    for ev in &g.trace {
        match ev {
            TraceEvent::ExecPlatformRemoved { platform, missing } => {
                for c in missing {
                    let _ = writeln!(out, "Removed execution platform {platform} from available execution platforms, it is missing constraint {c}");
                }
            }
            TraceEvent::ExecPlatformRejectedSettings { platform, settings } => {
                let _ = writeln!(
                    out,
                    "Rejected execution platform {platform}; mismatching required_settings: {}",
                    names(settings)
                );
            }
            TraceEvent::ExecPlatformUndecidable { platform, cause } => {
                let _ = writeln!(
                    out,
                    "Cannot decide whether execution platform {platform} is available: {cause}"
                );
            }
            TraceEvent::ExecPlatformDuplicate { platform } => {
                let _ = writeln!(
                    out,
                    "Ignoring execution platform {platform}: registered again later in the list"
                );
            }
            TraceEvent::ExecPlatformTypeNotAllowed {
                platform,
                toolchain_type: None,
            } => {
                let _ = writeln!(out, "Skipping execution platform {platform}; it checks toolchain types and this exec group requests none");
            }
            TraceEvent::ForcedExecPlatformIgnored { platform, reason } => {
                let _ = writeln!(
                    out,
                    "Forced execution platform {platform} not used: {reason}"
                );
            }
            _ => {}
        }
    }
    // The outcome.
    if let Some(e) = &g.exec_platform {
        let mut line = format!("Target platform {p}: Selected execution platform {e}");
        for t in &g.toolchains {
            let imp = t.implementation.as_ref().map_or_else(
                || format!("{} (implementation unknown)", t.toolchain),
                |l| l.to_string(),
            );
            let _ = write!(line, ", type {} -> toolchain {imp}", t.toolchain_type);
        }
        let _ = writeln!(out, "{line}");
    }
    if let (Some(e), Some(reason)) = (&g.exec_platform, &g.exec_choice) {
        let _ = writeln!(out, "Why {e}: {}", why(reason));
    }
    if let Some(err) = &g.error {
        let _ = writeln!(out, "Error ({}): {}", err.kind(), err.message());
    }
    for u in &g.undecidable {
        let _ = writeln!(out, "Cannot decide {}: {}", u.question, u.cause);
    }
}

/// The sentence saying why the exec platform won (Bazel never prints it).
pub fn why(reason: &ExecChoice) -> String {
    match reason {
        ExecChoice::Forced => {
            "forced: it is the consumer's execution platform and every mandatory type resolves on it".to_string()
        }
        ExecChoice::FirstSuitable {
            resolved,
            requested,
        } => format!(
            "first suitable: it is the highest-priority available platform on which every mandatory type resolved ({resolved} of {requested} types resolved)"
        ),
        ExecChoice::MostResolved {
            resolved,
            requested,
            passed_over,
        } => {
            let over: Vec<String> = passed_over
                .iter()
                .map(|(l, n)| format!("{l} ({n})"))
                .collect();
            format!(
                "most resolved toolchains ({resolved} of {requested}); earlier suitable platforms resolved fewer: {}",
                over.join(", ")
            )
        }
    }
}

/// One line per exec group.
pub fn summary(res: &Resolution) -> String {
    let mut out = String::new();
    for g in &res.groups {
        let _ = write!(out, "[{}] ", group_title(&g.group));
        if let Some(err) = &g.error {
            let _ = write!(out, "error {}: {}", err.kind(), err.message());
        } else if let Some(e) = &g.exec_platform {
            let reason = match &g.exec_choice {
                Some(ExecChoice::Forced) => "forced".to_string(),
                Some(ExecChoice::FirstSuitable {
                    resolved,
                    requested,
                }) => format!("first suitable, {resolved}/{requested}"),
                Some(ExecChoice::MostResolved {
                    resolved,
                    requested,
                    ..
                }) => format!("most resolved, {resolved}/{requested}"),
                None => String::new(),
            };
            let _ = write!(out, "exec {e} ({reason})");
            for t in &g.toolchains {
                let _ = write!(out, "; {} -> {}", t.toolchain_type, t.toolchain);
            }
        } else {
            let _ = write!(out, "undecided");
        }
        for u in &g.undecidable {
            let _ = write!(out, "; cannot decide {}: {}", u.question, u.cause);
        }
        out.push('\n');
    }
    out
}

/// A registered list: one label per line, then errors and notes.
pub fn render_registered(reg: &Registered) -> String {
    let mut out = String::new();
    for e in &reg.entries {
        let label = e
            .label
            .as_ref()
            .map_or_else(|| "<unseen targets>".to_string(), |l| l.to_string());
        let mut line = label;
        if e.host {
            line.push_str(" (host)");
        }
        if let Some(c) = &e.unknown {
            let _ = write!(line, " [unknown: {c}]");
        }
        let _ = writeln!(out, "{line}");
    }
    for e in &reg.errors {
        let _ = writeln!(out, "error: {}", e.message);
    }
    for n in &reg.notes {
        match n {
            RegistrationNote::Ignored {
                registration,
                reason,
                ..
            } => {
                let _ = writeln!(out, "note: registration #{registration} ignored: {reason}");
            }
            RegistrationNote::AmbiguousOrder { pattern, .. } => {
                let _ = writeln!(
                    out,
                    "note: the order of {pattern} differs between Bazel versions (low confidence)"
                );
            }
        }
    }
    out
}

/// Comma-joined labels (used by callers rendering error lists).
pub fn join_labels(values: &[Label]) -> String {
    labels(values)
}
