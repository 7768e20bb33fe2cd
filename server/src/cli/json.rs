//! `--format json`: one document in toolcheck's own schema, a stable contract that users parse:
//!
//! ```json
//! {"tool":"toolcheck","version":"X.Y.Z","diagnostics":[{"check":"kebab-name",
//!  "severity":"error|warning|info","path":"relative/to/workspace/root","line":1,"column":1,
//!  "end_line":1,"end_column":9,"message":"...",
//!  "related":[{"path":"...","line":1,"column":1,"message":"..."}]}],
//!  "coverage":{"complete":false,"summary":"1 rule with unknown toolchain requests",
//!  "counts":{"rules":1,"targets":0,"macros":0,"registrations":0,"repositories":0,
//!  "resolutions":0},"reasons":[{"category":"rules","reason":"...","count":1,
//!  "path":"defs.bzl","line":3,"column":1}]},
//!  "bazel":{"version":"7.6.1","source":"inferred","reason":"no .bazelversion; ..."},
//!  "matrix":{"configs":[{"name":"remote","changes":["--extra_execution_platforms"]}],
//!  "skipped_configs":[{"name":"opt","reason":"..."}],
//!  "hosts":[{"host":"linux-x86_64","name":"Linux x86_64","why":"..."}]}}
//! ```
//!
//! Each diagnostic also has `configs` and `hosts`: empty when the finding holds in the
//! default configuration on the analysed host (the first of `matrix.hosts`), else the named
//! configs and the hosts (`macos-aarch64`) it holds in. `matrix.hosts` is empty when the host
//! is fixed by `host_constraints`.
//!
//! `bazel.source` is `setting` (`--bazel-version`, `toolcheck.toml`), `bazelversion` or
//! `inferred` (then `reason` says why that version).
//!
//! Lines and columns are 1-based, columns count Unicode scalar values and the end is
//! exclusive. Existing fields never change name, type or meaning; a field is only ever added
//! (as `coverage` was), together with the README's description of the contract, so readers
//! that ignore unknown keys keep working.

use std::io::Write;

use serde::Serialize;
use toolcheck_ide::GapKind;

use super::report::{CoverageReport, Item, Report};

#[derive(Serialize)]
struct Document<'a> {
    tool: &'static str,
    version: &'static str,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    coverage: JsonCoverage<'a>,
    bazel: JsonBazel,
    matrix: JsonMatrix<'a>,
}

/// The `matrix` object: the named configs and hosts evaluated besides the default.
#[derive(Serialize)]
pub(crate) struct JsonMatrix<'a> {
    configs: Vec<JsonConfig<'a>>,
    skipped_configs: Vec<JsonSkipped<'a>>,
    hosts: Vec<JsonHost<'a>>,
}

#[derive(Serialize)]
struct JsonConfig<'a> {
    name: &'a str,
    changes: &'a [String],
}

#[derive(Serialize)]
struct JsonSkipped<'a> {
    name: &'a str,
    reason: &'a str,
}

#[derive(Serialize)]
struct JsonHost<'a> {
    host: String,
    name: String,
    why: &'a str,
}

/// The `matrix` object (also SARIF's run property of the same name).
pub(crate) fn matrix<'a>(m: &'a toolcheck_ide::MatrixSummary) -> JsonMatrix<'a> {
    JsonMatrix {
        configs: m
            .configs
            .iter()
            .map(|(name, changes)| JsonConfig { name, changes })
            .collect(),
        skipped_configs: m
            .skipped_configs
            .iter()
            .map(|(name, reason)| JsonSkipped { name, reason })
            .collect(),
        hosts: m
            .hosts
            .iter()
            .map(|(machine, why)| JsonHost {
                host: machine.id(),
                name: machine.display(),
                why,
            })
            .collect(),
    }
}

/// The `bazel` object: which Bazel version was simulated, and why (`source`: `setting`,
/// `bazelversion` or `inferred`; `reason` for an inferred one).
#[derive(Serialize)]
struct JsonBazel {
    version: String,
    source: &'static str,
    reason: Option<String>,
}

/// The `coverage` object: also SARIF's run property of the same name.
#[derive(Serialize)]
pub(crate) struct JsonCoverage<'a> {
    complete: bool,
    summary: Option<&'a str>,
    counts: JsonCounts,
    reasons: Vec<JsonCoverageReason<'a>>,
}

/// Every category, zero included, in the order of `GapKind::ALL` (the keys are
/// `GapKind::key`).
#[derive(Serialize)]
struct JsonCounts {
    rules: usize,
    targets: usize,
    macros: usize,
    registrations: usize,
    repositories: usize,
    resolutions: usize,
}

#[derive(Serialize)]
struct JsonCoverageReason<'a> {
    category: &'static str,
    reason: &'a str,
    count: usize,
    path: Option<&'a str>,
    line: Option<u32>,
    column: Option<u32>,
}

pub(crate) fn coverage<'a>(c: &'a CoverageReport<'a>) -> JsonCoverage<'a> {
    JsonCoverage {
        complete: c.summary.is_none(),
        summary: c.summary.as_deref(),
        counts: {
            let n = |kind: GapKind| {
                c.counts
                    .iter()
                    .find(|(k, _)| *k == kind)
                    .map_or(0, |(_, n)| *n)
            };
            JsonCounts {
                rules: n(GapKind::Rules),
                targets: n(GapKind::Targets),
                macros: n(GapKind::Macros),
                registrations: n(GapKind::Registrations),
                repositories: n(GapKind::Repositories),
                resolutions: n(GapKind::Resolutions),
            }
        },
        reasons: c
            .reasons
            .iter()
            .map(|r| JsonCoverageReason {
                category: r.kind.key(),
                reason: r.text,
                count: r.count,
                path: r.location.as_ref().map(|l| l.path.as_str()),
                line: r.location.as_ref().map(|l| l.start.line),
                column: r.location.as_ref().map(|l| l.start.col),
            })
            .collect(),
    }
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    check: &'static str,
    severity: &'static str,
    path: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    message: &'a str,
    related: Vec<JsonRelated<'a>>,
    configs: &'a [String],
    hosts: &'a [String],
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    path: &'a str,
    line: u32,
    column: u32,
    message: &'a str,
}

fn diagnostic<'a>(item: &'a Item<'a>) -> JsonDiagnostic<'a> {
    let loc = &item.location;
    JsonDiagnostic {
        check: item.check,
        severity: item.severity.as_str(),
        path: &loc.path,
        line: loc.start.line,
        column: loc.start.col,
        end_line: loc.end.line,
        end_column: loc.end.col,
        message: item.message,
        related: item
            .related
            .iter()
            .map(|r| JsonRelated {
                path: &r.location.path,
                line: r.location.start.line,
                column: r.location.start.col,
                message: r.message,
            })
            .collect(),
        configs: item.configs,
        hosts: item.hosts,
    }
}

pub(crate) fn write(report: &Report<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let doc = Document {
        tool: "toolcheck",
        version: env!("CARGO_PKG_VERSION"),
        diagnostics: report.items.iter().map(diagnostic).collect(),
        coverage: coverage(&report.coverage),
        bazel: {
            let choice = toolcheck_ide::bazel_version_choice(report.ws);
            JsonBazel {
                version: choice.version.to_string(),
                source: choice.source.key(),
                reason: match choice.source {
                    toolcheck_ide::VersionSource::Inferred(why) => Some(why),
                    _ => None,
                },
            }
        },
        matrix: matrix(report.matrix),
    };
    serde_json::to_writer(&mut *out, &doc)?;
    out.write_all(b"\n")?;
    out.flush()
}
