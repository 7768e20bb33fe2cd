//! `toolcheck resolve`: what Bazel will pick for a set of toolchain types or a target, per
//! target platform, and why — as sentences (`human`) or as the JSON contract (`json`).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use serde_json::{json, Value};
use toolcheck_ide::{GroupOutcome, PlatformOutcome, ResolveQuery};

#[derive(clap::Args)]
pub struct ResolveArgs {
    /// The workspace (default: the current directory's).
    #[arg(long, value_name = "DIR")]
    workspace: Option<PathBuf>,
    /// Target platforms to resolve for (default: the config's target_platforms, else
    /// .bazelrc --platforms, else the host platform).
    #[arg(long = "target-platform", value_name = "LABEL", num_args = 1.., value_delimiter = ',')]
    target_platforms: Vec<String>,
    /// Mandatory toolchain types to resolve.
    #[arg(long = "type", value_name = "LABEL", num_args = 1.., value_delimiter = ',', conflicts_with = "target")]
    types: Vec<String>,
    /// Optional toolchain types (as `config_common.toolchain_type(T, mandatory = False)`).
    #[arg(long = "optional-type", value_name = "LABEL", num_args = 1.., value_delimiter = ',', conflicts_with = "target")]
    optional_types: Vec<String>,
    /// A target whose rule's requests (and `exec_compatible_with`) to resolve.
    #[arg(long, value_name = "LABEL")]
    target: Option<String>,
    /// The host platform, appended last to the execution platforms (default: .bazelrc
    /// --host_platform, else Bazel's autodetected host for the version).
    #[arg(long = "host-platform", value_name = "LABEL")]
    host_platform: Option<String>,
    /// Force the execution platform, as Bazel does for a toolchain's implementation target,
    /// which runs on the execution platform of the target that requested the toolchain.
    #[arg(long = "exec-platform", value_name = "LABEL")]
    exec_platform: Option<String>,
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    #[command(flatten)]
    ws: crate::WorkspaceArgs,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Human,
    Json,
}

pub fn run(args: ResolveArgs) -> anyhow::Result<ExitCode> {
    if args.types.is_empty() && args.optional_types.is_empty() && args.target.is_none() {
        anyhow::bail!(
            "give the toolchain types to resolve (--type LABEL) or a target (--target LABEL)"
        );
    }
    if args.ws.hosts.len() > 1 {
        anyhow::bail!(
            "resolve explains one host: give --host once (`toolcheck check` checks several)"
        );
    }
    let start = match &args.workspace {
        Some(w) => w.clone(),
        None => std::env::current_dir().context("cannot read the current directory")?,
    };
    let mut loaded = crate::load(&start, &args.ws, Vec::new(), args.host_platform.clone())?;
    let analysis = loaded.host.analysis();
    crate::configured_platforms_exist(&analysis, &loaded.config)?;
    let query = ResolveQuery {
        target_platforms: args.target_platforms.clone(),
        types: args.types.clone(),
        optional_types: args.optional_types.clone(),
        target: args.target.clone(),
        exec_platform: args.exec_platform.clone(),
    };
    let outcomes = analysis
        .resolve(&query)
        .map_err(|e| anyhow::format_err!("{e}"))?;
    // A target platform or a `--type` that names nothing is a mistake in the question, not
    // an answer (Bazel fails the build the same way): a usage error, not a resolution. A
    // `--target` whose rule requests a missing type is an answer about the workspace.
    let asked_types = query.target.is_none();
    if let Some(e) = outcomes
        .iter()
        .flat_map(|o| &o.groups)
        .filter_map(|g| g.error.as_ref())
        .find(|e| {
            e.kind == "invalid_target_platform" || asked_types && e.kind == "invalid_toolchain_type"
        })
    {
        let what = if e.kind == "invalid_target_platform" {
            "invalid target platform"
        } else {
            "invalid toolchain type"
        };
        anyhow::bail!("{what}: {}", e.message);
    }
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            let resolutions: Vec<Value> = outcomes.iter().map(platform_json).collect();
            let host = analysis.host_note().map(|h| {
                json!({"platform": h.platform, "source": h.source, "constraint_values": h.constraint_values})
            });
            serde_json::to_writer(
                &mut out,
                &json!({ "host": host, "resolutions": resolutions }),
            )?;
            writeln!(out)?;
        }
        Format::Human => {
            if let Some(h) = analysis.host_note() {
                writeln!(out, "{}", h.sentence())?;
            }
            for o in &outcomes {
                writeln!(out, "Target platform {}:", o.target_platform)?;
                for line in o.explanation.lines() {
                    writeln!(out, "  {line}")?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn group_json(target_platform: &str, g: &GroupOutcome) -> Value {
    let mut v = json!({
        "target_platform": target_platform,
        "exec_platform": g.exec_platform,
        "toolchains": g.toolchains.iter().map(|t| json!({
            "type": t.toolchain_type,
            "toolchain": t.toolchain,
            "implementation": t.implementation,
        })).collect::<Vec<_>>(),
        "error": g.error.as_ref().map(|e| json!({"kind": e.kind, "types": e.types, "message": e.message})),
        "undecidable": g.undecidable,
        "trace": g.trace,
    });
    if let Some(name) = &g.name {
        v["name"] = json!(name);
    }
    if let Some(r) = &g.remote {
        v["remote"] = json!({
            "reason": r.reason,
            "image": r.image.as_ref().map(|(image, pinned)| json!({"image": image, "pinned": pinned})),
            "toolchains": r.toolchains.iter().map(|t| json!({
                "toolchain": t.toolchain,
                "absolute_paths": t.absolute_paths,
                "host_probed": t.host_probed,
                "bound": t.bound,
                "why": t.why,
            })).collect::<Vec<_>>(),
        });
    }
    if g.automatic {
        // An automatic exec group: the type it was made for, with its own exec platform.
        v["automatic"] = json!(true);
        v["type"] = json!(g.name);
    }
    v
}

/// One entry per target platform: the default exec group's result, with named exec groups
/// under `exec_groups`.
fn platform_json(o: &PlatformOutcome) -> Value {
    let mut groups = o.groups.iter();
    let Some(default) = groups.next() else {
        return json!({"target_platform": o.target_platform, "exec_platform": null, "toolchains": [], "error": null, "trace": []});
    };
    let mut v = group_json(&o.target_platform, default);
    let named: Vec<Value> = groups.map(|g| group_json(&o.target_platform, g)).collect();
    if !named.is_empty() {
        v["exec_groups"] = json!(named);
    }
    if let Some(a) = &o.auto_exec_groups {
        v["auto_exec_groups"] =
            json!({"enabled": a.enabled, "source": a.source, "reason": a.reason});
    }
    v
}
