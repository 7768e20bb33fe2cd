//! The `toolcheck` binary: `check` (CI linter), `explain` (check docs), `resolve` (what Bazel
//! will pick and why), `graph` (the picture of it) and `lsp` (the language server), all over
//! one analysis API.

// Built by `cargo fuzz` as the protocol fuzzer (tests/fuzz, target `lsp`): libFuzzer owns
// `main`, and the harness is `fuzz_lsp`.
#![cfg_attr(fuzzing, no_main)]
#![cfg_attr(fuzzing, allow(dead_code, unused_imports))]

mod bazel_paths;
mod bench;
mod cache;
mod cli;
mod config;
mod facts_cmd;
mod fetch;
mod fix;
#[cfg(fuzzing)]
mod fuzz_lsp;
mod graph;
mod links;
mod lsp;
mod repo_cache;
mod resolve_cmd;
mod result_cache;
mod topics;
mod vfs;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use toolcheck_ide::{AnalysisHost, Severity, ALL_CHECKS};

// mimalloc: the analysis makes millions of small allocations on every core, and a cold
// check spends 13% less CPU than with glibc's malloc (BENCHMARKS.md).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "toolcheck",
    version,
    about = "Static checks for Bazel toolchains and platforms"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Human,
    Json,
    Sarif,
    Github,
    Gitlab,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

#[derive(clap::Args, Clone)]
struct WorkspaceArgs {
    /// Bazel version whose semantics to simulate (default: .bazelversion, else the newest).
    #[arg(long, value_name = "V")]
    bazel_version: Option<String>,
    /// Configuration file (default: toolcheck.toml at the workspace root).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// An external repository's directory, as NAME=DIR (repeatable).
    #[arg(long = "repo", value_name = "NAME=DIR")]
    repos: Vec<String>,
    /// Bazel's output base, whose external/ holds fetched and generated repositories.
    #[arg(long, value_name = "DIR")]
    output_base: Option<PathBuf>,
    /// An rc file to read after the workspace's .bazelrc, wherever it is, as Bazel's
    /// --bazelrc (repeatable).
    #[arg(long = "bazelrc", value_name = "FILE")]
    bazelrcs: Vec<PathBuf>,
    /// Check as a workspace, or as a library consumers use (`auto`: library for a module
    /// with a version; see `toolcheck explain library-mode`).
    #[arg(long, value_name = "MODE", value_parser = ["auto", "workspace", "library"])]
    mode: Option<String>,
    /// Simulate `bazel build --config=NAME` (repeatable, in order): the `.bazelrc`
    /// `build:NAME`/`common:NAME` lines apply. An undefined config is an error, as in Bazel.
    #[arg(long = "bazel-config", value_name = "NAME")]
    bazel_configs: Vec<String>,
    /// A host machine to check for, as OS-CPU (`linux-x86_64`, `macos-aarch64`,
    /// `windows-x86_64`); repeatable for `check` (the first is analysed, the others checked
    /// too), once for `resolve`. Default: this machine, and for `check` the hosts the
    /// workspace shows it is built on (`toolcheck.toml` `hosts`).
    #[arg(long = "host", value_name = "OS-CPU")]
    hosts: Vec<String>,
    /// Load with the default configuration instead of `toolcheck.toml`: the language server's
    /// stand-in while the file has an error (`lsp/server.rs`). Not a command-line flag.
    #[arg(skip)]
    default_config: bool,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Files or directories to report on (default: the current directory's workspace).
    paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "human")]
    format: FormatArg,
    #[command(flatten)]
    ws: WorkspaceArgs,
    /// Only run these checks (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "CHECK,...")]
    select: Vec<String>,
    /// Do not run these checks (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "CHECK,...")]
    ignore: Vec<String>,
    /// Exit with 1 when a finding at or above this severity is reported.
    #[arg(long, value_enum, default_value = "warning")]
    fail_on: FailOn,
    /// The named configs to check besides the default configuration: `all` (each one that
    /// changes toolchain resolution; the default unless --bazel-config is given), `none`,
    /// or NAME,... (`toolcheck.toml` `configs`).
    #[arg(long, value_name = "all|none|NAME,...")]
    configs: Option<String>,
    /// Apply the safe quick fixes to the files, then report what remains.
    #[arg(long)]
    fix: bool,
    /// Print the fixes as a unified diff instead of applying them (writes nothing; exit 1 when
    /// there is a fix to print).
    #[arg(long)]
    diff: bool,
    /// With --fix or --diff, also apply the fixes that need review (they may change
    /// behaviour).
    #[arg(long)]
    unsafe_fixes: bool,
    #[command(flatten)]
    cache: cache::CacheArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Check a workspace and report findings.
    Check(Box<CheckArgs>),
    /// Print a check's documentation.
    Explain {
        /// The check's name; omit with --list to list every check.
        check: Option<String>,
        #[arg(long)]
        list: bool,
    },
    /// Explain which execution platform and toolchains Bazel will pick, and why.
    Resolve(Box<resolve_cmd::ResolveArgs>),
    /// Draw the platforms, constraints, toolchains in priority order and the resolution
    /// matrix (target platform x toolchain type), hazards marked, as DOT, Mermaid or HTML.
    Graph(Box<graph::GraphArgs>),
    /// Download the workspace's Bzlmod modules and pinned http_archives into toolcheck's
    /// cache, verified, for `check` and the language server to read.
    Fetch(Box<fetch::FetchArgs>),
    /// List the Bazel versions toolcheck simulates.
    Versions,
    /// Run the language server on stdin/stdout.
    Lsp {
        /// Accepted for clients that pass it (vscode-languageclient); stdio is the only transport.
        #[arg(long, hide = true)]
        stdio: bool,
    },
    /// Internal: print the declaration facts toolcheck derived (macro-evaluation coverage).
    #[command(name = "__facts", hide = true)]
    Facts(Box<facts_cmd::FactsArgs>),
    /// Internal: time the analysis phases and incremental updates (for the benchmarks).
    #[command(name = "__bench", hide = true)]
    Bench(bench::BenchArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    // `TOOLCHECK_DIRECT_READER=0` parses every file (the direct reader gives the same facts
    // where it applies): for measuring what the reader saves, and for ruling it out.
    if std::env::var_os("TOOLCHECK_DIRECT_READER").is_some_and(|v| v == "0") {
        toolcheck_ide::set_direct_reader(false);
    }
    let result = match cli.command {
        Command::Check(args) => {
            let args = *args;
            cache::configure(args.cache.clone());
            run_check(args)
        }
        Command::Explain { check, list } => run_explain(check, list),
        Command::Resolve(args) => resolve_cmd::run(*args),
        Command::Graph(args) => graph::run(*args),
        Command::Fetch(args) => fetch::run(*args),
        Command::Versions => run_versions(),
        Command::Lsp { stdio: _ } => lsp::run().map(|_| ExitCode::SUCCESS),
        Command::Facts(args) => facts_cmd::run(*args).map(|_| ExitCode::SUCCESS),
        Command::Bench(args) => bench::run(args).map(|_| ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("toolcheck: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run_versions() -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let newest = toolcheck_ide::BazelVersion::NEWEST_OF_MAJOR;
    writeln!(
        out,
        "toolcheck simulates Bazel {} to {}.x; `7.x` in .bazelversion means the newest it knows of 7:",
        toolcheck_ide::BazelVersion::OLDEST,
        newest[newest.len() - 1].major
    )?;
    for v in newest {
        let default = if v == toolcheck_ide::BazelVersion::NEWEST {
            "  (the default when nothing names a version, with MODULE.bazel)"
        } else if Some(v) == toolcheck_ide::BazelVersion::newest_of(7) {
            "  (the default for a WORKSPACE without MODULE.bazel)"
        } else {
            ""
        };
        writeln!(out, "{}.x  newest known {v}{default}", v.major)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn run_explain(check: Option<String>, list: bool) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    if list || check.is_none() {
        for c in ALL_CHECKS {
            writeln!(
                out,
                "{:<32} {:<8} {}",
                c.name,
                c.default_severity.as_str(),
                c.summary
            )?;
        }
        writeln!(out)?;
        for (name, _) in topics::TOPICS {
            writeln!(out, "{name:<32} {:<8} (topic)", "")?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let name = check.unwrap_or_default();
    if let Some((topic, text)) = topics::TOPICS.iter().find(|(n, _)| *n == name) {
        writeln!(out, "# {topic}\n\n{}", text.trim_end())?;
        return Ok(ExitCode::SUCCESS);
    }
    let Some(c) = toolcheck_ide::check_by_name(&name) else {
        let names = ALL_CHECKS
            .iter()
            .map(|c| c.name)
            .chain(topics::TOPICS.iter().map(|(n, _)| *n));
        match toolcheck_ide::closest_name(&name, names) {
            Some(close) => {
                anyhow::bail!("unknown check or topic '{name}' (did you mean '{close}'?)")
            }
            None => {
                anyhow::bail!("unknown check or topic '{name}' (run `toolcheck explain --list`)")
            }
        }
    };
    writeln!(
        out,
        "# {}\n\nDefault severity: {}\n\n{}",
        c.name,
        c.default_severity.as_str(),
        c.docs.trim_end()
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Everything `check` and `resolve` share: the workspace root, its configuration, and the
/// loaded analysis.
pub(crate) struct Loaded {
    pub root: PathBuf,
    pub config: config::ConfigFile,
    pub host: AnalysisHost,
}

pub(crate) fn load(
    start: &Path,
    args: &WorkspaceArgs,
    extra_flags: Vec<String>,
    host_platform: Option<String>,
) -> anyhow::Result<Loaded> {
    let inputs = load_inputs(start, args, extra_flags, host_platform)?;
    let cache_dir = cache::configured_dir();
    let (host, _) = cache::load_host(
        inputs.ws,
        cache_dir.as_deref(),
        &inputs.root,
        &inputs.config_key,
    );
    Ok(Loaded {
        root: inputs.root,
        config: inputs.config,
        host,
    })
}

/// The loaded workspace before any analysis.
pub(crate) struct Inputs {
    pub root: PathBuf,
    pub config: config::ConfigFile,
    pub ws: toolcheck_ide::Workspace,
    /// Everything besides file contents that cached facts and results depend on.
    pub config_key: String,
}

pub(crate) fn load_inputs(
    start: &Path,
    args: &WorkspaceArgs,
    extra_flags: Vec<String>,
    host_platform: Option<String>,
) -> anyhow::Result<Inputs> {
    let root = vfs::find_root(start).with_context(|| {
        format!(
            "no Bazel workspace at or above {} (looked for MODULE.bazel, REPO.bazel, WORKSPACE.bazel, WORKSPACE)",
            start.display()
        )
    })?;
    let config_path = args
        .config
        .clone()
        .unwrap_or_else(|| root.join("toolcheck.toml"));
    let config = if args.default_config {
        config::ConfigFile::default()
    } else if args.config.is_some() || config_path.is_file() {
        config::ConfigFile::load(&config_path)?
    } else {
        config::ConfigFile::default()
    };
    let mut repos = Vec::new();
    for r in &args.repos {
        let (name, dir) = r
            .split_once('=')
            .with_context(|| format!("--repo expects NAME=DIR, got '{r}'"))?;
        let name = name.trim_start_matches('@');
        if name.is_empty() || dir.is_empty() {
            anyhow::bail!("--repo expects NAME=DIR, got '{r}'");
        }
        if !Path::new(dir).is_dir() {
            anyhow::bail!("--repo {name}: '{dir}' is not a directory");
        }
        repos.push((name.to_string(), PathBuf::from(dir)));
    }
    if let Some(ob) = &args.output_base {
        if !ob.is_dir() {
            anyhow::bail!("--output-base '{}' is not a directory", ob.display());
        }
    }
    for rc in &args.bazelrcs {
        if !rc.is_file() {
            anyhow::bail!("--bazelrc '{}' is not a file", rc.display());
        }
    }
    let hosts = if args.hosts.is_empty() {
        match &config.hosts {
            Some(setting) => config::parse_hosts(setting).map_err(anyhow::Error::msg)?,
            None => None,
        }
    } else {
        let parsed: Result<Vec<_>, _> = args
            .hosts
            .iter()
            .map(|h| toolcheck_ide::HostMachine::parse(h))
            .collect();
        Some(parsed.map_err(anyhow::Error::msg)?)
    };
    let settings = toolcheck_ide::Settings {
        bazel_version: args
            .bazel_version
            .clone()
            .or_else(|| config.bazel_version.clone()),
        command_line_flags: {
            // `--bazel-config` (and `bazel_configs` in toolcheck.toml) as Bazel's `--config`,
            // after the flags the caller passes.
            let mut flags = extra_flags;
            let names = config.bazel_configs.iter().chain(args.bazel_configs.iter());
            flags.extend(names.map(|n| format!("--config={n}")));
            flags
        },
        target_platforms: config.target_platforms.clone(),
        host_platform: host_platform.or_else(|| config.host_platform.clone()),
        host_constraints: config
            .host_constraints
            .as_ref()
            .and_then(|h| h.value().ok())
            .unwrap_or_default(),
        host_machine: Some(match &hosts {
            Some(list) => list[0].clone(),
            None => vfs::this_machine(),
        }),
        hosts,
        config_matrix: toolcheck_ide::ConfigMatrix {
            select: match &config.configs {
                Some(setting) => config::parse_configs(setting).map_err(anyhow::Error::msg)?,
                // `--bazel-config` names the configuration to check.
                None if !args.bazel_configs.is_empty() => toolcheck_ide::ConfigSelect::None,
                None => toolcheck_ide::ConfigSelect::All,
            },
            exclude: config.exclude_configs.clone(),
        },
        mode: match args.mode.as_deref().or(config.mode.as_deref()) {
            Some(word) => config::parse_mode(word).map_err(anyhow::Error::msg)?,
            None => toolcheck_ide::AnalysisMode::Auto,
        },
    };
    if let Some(v) = &args.bazel_version {
        config::check_bazel_version(v).map_err(anyhow::Error::msg)?;
    }
    let opts = vfs::LoadOptions {
        repos,
        output_base: args.output_base.clone(),
        bazelrcs: args.bazelrcs.clone(),
        ignore: config.ignore_paths.clone(),
        max_file_size: vfs::DEFAULT_MAX_FILE_SIZE,
        settings,
        bazel_env: None,
        skip_fetched: false,
    };
    let ws = vfs::load_workspace(&root, opts)?;
    undefined_configs_are_errors(&ws)?;
    // Facts depend only on file contents and toolcheck's build; the configuration is part of
    // the key all the same so a changed toolcheck.toml can never reuse stale facts.
    let config_key = vfs::read_text_file(&config_path).unwrap_or_default();
    Ok(Inputs {
        root,
        config,
        ws,
        config_key,
    })
}

/// `--bazel-config NAME` naming no config of the rc files read: an error, as `bazel build
/// --config=NAME` is.
fn undefined_configs_are_errors(ws: &toolcheck_ide::Workspace) -> anyhow::Result<()> {
    let (rc, flags) = toolcheck_ide::bazelrc::workspace_build_flags(ws);
    let defined = toolcheck_ide::bazelrc::config_names(&rc);
    let listed = match &ws.settings.config_matrix.select {
        toolcheck_ide::ConfigSelect::Only(names) => names.as_slice(),
        _ => &[],
    };
    let listed_undefined =
        listed
            .iter()
            .find(|n| !defined.contains(n))
            .map(|n| toolcheck_ide::bazelrc::FlagValue {
                value: n.clone(),
                file: None,
                range: Default::default(),
            });
    if let Some(undefined) = flags
        .unknown_configs
        .iter()
        .find(|f| f.file.is_none())
        .or(listed_undefined.as_ref())
    {
        let read: Vec<&str> = ws.rc_files.iter().map(|(p, _)| p.as_str()).collect();
        anyhow::bail!(
            "config '{}' is not defined in any rc file read ({})",
            undefined.value,
            if read.is_empty() {
                "no .bazelrc".to_string()
            } else {
                read.join(", ")
            }
        );
    }
    Ok(())
}

/// Every diagnostic of the workspace and its coverage: the stored result of an identical
/// earlier run when there is one (see `result_cache.rs`), else a full analysis (whose result
/// is then stored).
fn check_diagnostics(inputs: Inputs, lint: &toolcheck_ide::LintConfig) -> anyhow::Result<CheckRun> {
    let Some(dir) = cache::configured_dir() else {
        let mut host = toolcheck_ide::AnalysisHost::new(inputs.ws);
        let out = toolcheck_ide::check_matrix(&mut host, lint);
        configured_platforms_exist(&out.analysis, &inputs.config)?;
        return Ok(CheckRun {
            ws: Checked::Analysed(out.analysis),
            diagnostics: out.diagnostics,
            coverage: out.coverage,
            summary: out.summary,
        });
    };
    let hashes = cache::text_hashes(&inputs.ws);
    let key = result_cache::key(&inputs.ws, &hashes, lint, &inputs.config_key);
    if let Some(stored) = result_cache::load(&dir, &inputs.root, key, &inputs.ws) {
        return Ok(CheckRun {
            ws: Checked::Stored(Box::new(inputs.ws)),
            diagnostics: stored.diagnostics,
            coverage: stored.coverage,
            summary: stored.summary,
        });
    }
    let (mut host, _) = cache::load_host_with(
        inputs.ws,
        &hashes,
        Some(&dir),
        &inputs.root,
        &inputs.config_key,
    );
    let out = toolcheck_ide::check_matrix(&mut host, lint);
    // Before the result is stored: a stored result is only ever one of a valid configuration.
    configured_platforms_exist(&out.analysis, &inputs.config)?;
    if !out.analysis.facts().iter().any(|f| f.parse_timed_out()) {
        result_cache::store(
            &dir,
            &inputs.root,
            key,
            &result_cache::Stored {
                diagnostics: out.diagnostics.clone(),
                coverage: out.coverage.clone(),
                summary: out.summary.clone(),
            },
        );
    }
    Ok(CheckRun {
        ws: Checked::Analysed(out.analysis),
        diagnostics: out.diagnostics,
        coverage: out.coverage,
        summary: out.summary,
    })
}

/// The platforms `toolcheck.toml` names (`target_platforms`, `host_platform`) must be
/// platforms: Bazel fails a build whose `--platforms` or `--host_platform` names nothing, and
/// a check run against a platform that does not exist would report nothing about the ones the
/// user meant. Labels into repositories toolcheck cannot read are unknown, not errors.
pub(crate) fn configured_platforms_exist(
    analysis: &toolcheck_ide::Analysis,
    config: &config::ConfigFile,
) -> anyhow::Result<()> {
    let named = config
        .target_platforms
        .iter()
        .map(|p| ("target_platforms", p))
        .chain(config.host_platform.iter().map(|p| ("host_platform", p)));
    for (key, platform) in named {
        let query = toolcheck_ide::ResolveQuery {
            target_platforms: vec![platform.clone()],
            ..Default::default()
        };
        // The syntax was checked with the file; what fails here is a repository name the
        // main repository's mapping lacks, which a WORKSPACE macro toolcheck could not run
        // may define: unknown, so no error.
        let Ok(outcomes) = analysis.resolve(&query) else {
            continue;
        };
        let invalid = outcomes
            .iter()
            .flat_map(|o| &o.groups)
            .filter_map(|g| g.error.as_ref())
            .find(|e| e.kind == "invalid_target_platform");
        if let Some(e) = invalid {
            anyhow::bail!(
                "toolcheck.toml: {key}: '{platform}' is not a platform: {}",
                e.message
            );
        }
    }
    Ok(())
}

/// What `check` found, in every configuration and host it evaluated.
struct CheckRun {
    ws: Checked,
    diagnostics: Vec<toolcheck_ide::Diagnostic>,
    coverage: toolcheck_ide::Coverage,
    summary: toolcheck_ide::MatrixSummary,
}

/// The workspace a check's diagnostics refer to.
enum Checked {
    Stored(Box<toolcheck_ide::Workspace>),
    Analysed(toolcheck_ide::Analysis),
}

impl std::ops::Deref for Checked {
    type Target = toolcheck_ide::Workspace;
    fn deref(&self) -> &toolcheck_ide::Workspace {
        match self {
            Checked::Stored(ws) => ws,
            Checked::Analysed(a) => a.workspace(),
        }
    }
}

/// What `check` reports: the findings in the requested paths and the path problems, over the
/// run that found them.
struct Reported {
    run: CheckRun,
    diagnostics: Vec<toolcheck_ide::Diagnostic>,
    problems: Vec<cli::PathProblem>,
}

/// The options of `check` that say what to analyse and report.
struct CheckScope<'a> {
    paths: &'a [PathBuf],
    start: &'a Path,
    args: &'a WorkspaceArgs,
    configs: &'a Option<String>,
    select: &'a [String],
    ignore: &'a [String],
}

/// Loads the workspace, runs every check and keeps what the requested paths cover. `--fix` runs
/// it twice: before and after the files change.
fn analyse(
    scope: &CheckScope<'_>,
) -> anyhow::Result<(PathBuf, toolcheck_ide::LintConfig, Reported)> {
    let mut inputs = load_inputs(scope.start, scope.args, Vec::new(), None)?;
    if let Some(word) = scope.configs {
        let setting = match word.as_str() {
            "all" | "none" => config::WordOrList::Word(word.clone()),
            names => config::WordOrList::List(
                names
                    .split(',')
                    .map(|n| n.trim().to_string())
                    .filter(|n| !n.is_empty())
                    .collect(),
            ),
        };
        inputs.ws.settings.config_matrix.select =
            config::parse_configs(&setting).map_err(anyhow::Error::msg)?;
        undefined_configs_are_errors(&inputs.ws)?;
    }
    let mut lint = inputs.config.lint_config();
    if !scope.select.is_empty() {
        lint.select = scope.select.to_vec();
    }
    lint.ignore.extend(scope.ignore.iter().cloned());
    let root = inputs.root.clone();
    let mut run = check_diagnostics(inputs, &lint)?;
    // Only report on the requested paths (everything is still analysed).
    let filters: Vec<String> = scope
        .paths
        .iter()
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .filter_map(|p| {
            p.strip_prefix(&root)
                .ok()
                .map(|r| r.to_string_lossy().replace('\\', "/"))
        })
        .collect();
    let in_scope = |path: &str| {
        filters.is_empty()
            || filters
                .iter()
                .any(|f| f.is_empty() || path == f || path.starts_with(&format!("{f}/")))
    };
    let ws = &run.ws;
    let diagnostics: Vec<_> = std::mem::take(&mut run.diagnostics)
        .into_iter()
        .filter(|d| in_scope(&ws.display_path(d.file)))
        .collect();
    // Problems with a path and no file are `unreadable-file` findings of their own: the
    // check's configured severity applies as to its other findings (`off` drops them), else
    // a note is `info` and a problem the check's default.
    let unreadable =
        toolcheck_ide::check_by_name("unreadable-file").context("unreadable-file is registered")?;
    let enabled = lint
        .severity_of(unreadable.name, unreadable.default_severity)
        .is_some();
    let problems: Vec<cli::PathProblem> = ws
        .problems
        .iter()
        .filter(|p| enabled && p.file.is_none() && in_scope(&p.path))
        .map(|p| cli::PathProblem {
            path: p.path.clone(),
            message: p.message.clone(),
            severity: match lint.severities.get(unreadable.name) {
                Some(Some(set)) => *set,
                _ if p.note => Severity::Info,
                _ => unreadable.default_severity,
            },
            check: unreadable.name,
        })
        .collect();
    Ok((
        root,
        lint,
        Reported {
            run,
            diagnostics,
            problems,
        },
    ))
}

fn run_check(check: CheckArgs) -> anyhow::Result<ExitCode> {
    let CheckArgs {
        paths,
        format,
        ws: args,
        select,
        ignore,
        fail_on,
        configs,
        fix,
        diff,
        unsafe_fixes,
        cache: _,
    } = check;
    for name in select.iter().chain(&ignore) {
        if toolcheck_ide::check_by_name(name).is_none() {
            match toolcheck_ide::closest_check(name) {
                Some(close) => anyhow::bail!("unknown check '{name}' (did you mean '{close}'?)"),
                None => anyhow::bail!("unknown check '{name}' (run `toolcheck explain --list`)"),
            }
        }
    }
    if unsafe_fixes && !(fix || diff) {
        anyhow::bail!("--unsafe-fixes applies with --fix or --diff");
    }
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let start = paths.first().cloned().unwrap_or_else(|| cwd.clone());
    if !start.exists() {
        anyhow::bail!("{} does not exist", start.display());
    }
    let scope = CheckScope {
        paths: &paths,
        start: &start,
        args: &args,
        configs: &configs,
        select: &select,
        ignore: &ignore,
    };
    let (root, _lint, mut reported) = analyse(&scope)?;
    // The root is canonical: so must the directory be that paths are made relative to.
    let canonical_cwd = std::fs::canonicalize(&cwd).ok();
    // What `--fix` did, for the report's last lines.
    let mut fixed_line = None;
    if fix || diff {
        let plan = fix::plan(&reported.run.ws, &root, &reported.diagnostics, unsafe_fixes);
        for s in &plan.skipped {
            eprintln!(
                "toolcheck: skipped the fix of `{}` at {}: {}",
                s.check, s.place, s.reason
            );
        }
        if diff {
            let mut out = std::io::stdout().lock();
            fix::write_diff(&plan, &mut out).context("cannot write the diff")?;
            out.flush().ok();
            eprintln!(
                "would fix {} {} in {} {} (--fix applies them)",
                plan.fixed,
                if plan.fixed == 1 {
                    "finding"
                } else {
                    "findings"
                },
                plan.changes.len(),
                if plan.changes.len() == 1 {
                    "file"
                } else {
                    "files"
                }
            );
            return Ok(if plan.changes.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            });
        }
        let failed = fix::apply(&plan);
        for (path, e) in &failed {
            eprintln!("toolcheck: could not write {path}: {e}");
        }
        if !failed.is_empty() {
            anyhow::bail!(
                "{} of {} files could not be written (each is unchanged)",
                failed.len(),
                plan.changes.len()
            );
        }
        let files = plan.changes.len();
        fixed_line = Some(format!(
            "fixed {} {} in {} {}",
            plan.fixed,
            if plan.fixed == 1 {
                "finding"
            } else {
                "findings"
            },
            files,
            if files == 1 { "file" } else { "files" }
        ));
        if files > 0 {
            // What remains, read from the files as they are now.
            reported = analyse(&scope)?.2;
        }
    }
    let Reported {
        run:
            CheckRun {
                ws,
                coverage,
                summary,
                ..
            },
        diagnostics,
        problems,
    } = reported;
    let threshold = match fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    let failing = threshold.is_some_and(|t| {
        diagnostics
            .iter()
            .map(|d| d.severity)
            .chain(problems.iter().map(|p| p.severity))
            .any(|s| s >= t)
    });
    let fmt = match format {
        FormatArg::Human => cli::Format::Human,
        FormatArg::Json => cli::Format::Json,
        FormatArg::Sarif => cli::Format::Sarif,
        FormatArg::Github => cli::Format::Github,
        FormatArg::Gitlab => cli::Format::Gitlab,
    };
    let color = matches!(format, FormatArg::Human)
        && anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never;
    let mut out = std::io::stdout().lock();
    cli::render(
        fmt,
        &ws,
        &diagnostics,
        &problems,
        cli::Evaluated {
            coverage: &coverage,
            matrix: &summary,
        },
        cli::Presentation {
            color,
            cwd: canonical_cwd.as_deref(),
        },
        &mut out,
    )
    .context("cannot write the report")?;
    // Fixes: what was applied and what still could be. The human report says it on stdout;
    // machine formats keep stdout to their document, so it goes to stderr there.
    let fixable = fix::fixable_line(fix::fixable(&diagnostics), unsafe_fixes);
    for line in fixed_line.iter().chain(fixable.iter()) {
        if matches!(format, FormatArg::Human) {
            writeln!(out, "{line}").context("cannot write the report")?;
        } else {
            eprintln!("{line}");
        }
    }
    out.flush().ok();
    // The process ends here: freeing the analysis (millions of small allocations, a tenth of
    // a cold check's CPU at 100k packages) would only delay the exit.
    std::mem::forget(ws);
    Ok(if failing {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
