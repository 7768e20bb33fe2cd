//! `.bazelrc` files: a small parser (commands, `build:NAME` configs, `import`/`try-import`,
//! shell-like quoting, line continuations) and the extraction of the options toolchain
//! resolution depends on, as Bazel would apply them to a `bazel build`.

use std::collections::BTreeMap;

use toolcheck_syntax::TextRange;

/// One parsed rc file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RcFile {
    pub entries: Vec<RcEntry>,
    pub imports: Vec<RcImport>,
    /// Lines that could not be parsed (unterminated quotes).
    pub errors: Vec<(TextRange, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RcEntry {
    pub command: String,
    pub config: Option<String>,
    pub args: Vec<(String, TextRange)>,
    pub range: TextRange,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RcImport {
    /// The path as written; `%workspace%` is left for the loader to substitute.
    pub path: String,
    pub optional: bool,
    pub range: TextRange,
}

/// Parses one rc file's text.
pub fn parse_rc(text: &str) -> RcFile {
    let mut file = RcFile::default();
    // Join continuation lines while keeping byte offsets of each token.
    let mut tokens: Vec<(String, TextRange)> = Vec::new();
    let mut line_start = 0u32;
    let bytes = text.as_bytes();
    let mut i = 0usize;
    let mut cur = String::new();
    let mut cur_start: Option<usize> = None;
    let mut quote: Option<u8> = None;
    let flush_line =
        |tokens: &mut Vec<(String, TextRange)>, file: &mut RcFile, start: u32, end: u32| {
            if tokens.is_empty() {
                return;
            }
            let range = TextRange::new(start, end);
            let (first, _) = tokens[0].clone();
            if first == "import" || first == "try-import" {
                let path = tokens[1..]
                    .iter()
                    .map(|t| t.0.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                file.imports.push(RcImport {
                    path,
                    optional: first == "try-import",
                    range,
                });
            } else {
                let (command, config) = match first.split_once(':') {
                    Some((c, n)) => (c.to_string(), Some(n.to_string())),
                    None => (first, None),
                };
                file.entries.push(RcEntry {
                    command,
                    config,
                    args: tokens[1..].to_vec(),
                    range,
                });
            }
            tokens.clear();
        };
    while i <= bytes.len() {
        let b = if i < bytes.len() { bytes[i] } else { b'\n' };
        if quote.is_none() && b == b'#' && cur.is_empty() && cur_start.is_none() {
            // A comment runs to the end of the line.
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if b == b'\\'
            && i + 1 < bytes.len()
            && (bytes[i + 1] == b'\n'
                || (bytes[i + 1] == b'\r' && bytes.get(i + 2) == Some(&b'\n')))
        {
            i += if bytes[i + 1] == b'\r' { 3 } else { 2 };
            continue;
        }
        match quote {
            Some(q) => {
                if b == q {
                    quote = None;
                } else if b == b'\n' {
                    file.errors.push((
                        TextRange::new(line_start, i as u32),
                        "unterminated quote".to_string(),
                    ));
                    quote = None;
                    cur.clear();
                    cur_start = None;
                    tokens.clear();
                    line_start = i as u32 + 1;
                } else {
                    push_byte(&mut cur, text, &mut i);
                    continue;
                }
            }
            None => {
                if b == b'"' || b == b'\'' {
                    quote = Some(b);
                    cur_start.get_or_insert(i);
                } else if b == b'\n' || b == b' ' || b == b'\t' || b == b'\r' {
                    if let Some(s) = cur_start.take() {
                        tokens.push((std::mem::take(&mut cur), TextRange::new(s as u32, i as u32)));
                    }
                    if b == b'\n' {
                        flush_line(
                            &mut tokens,
                            &mut file,
                            line_start,
                            i.min(bytes.len()) as u32,
                        );
                        line_start = i as u32 + 1;
                    }
                } else if b == b'\\' && i + 1 < bytes.len() {
                    cur_start.get_or_insert(i);
                    i += 1;
                    push_byte(&mut cur, text, &mut i);
                    continue;
                } else {
                    cur_start.get_or_insert(i);
                    push_byte(&mut cur, text, &mut i);
                    continue;
                }
            }
        }
        i += 1;
    }
    file
}

fn push_byte(cur: &mut String, text: &str, i: &mut usize) {
    // Push the whole UTF-8 character at `i`.
    let ch = text[*i..].chars().next().unwrap_or('\u{FFFD}');
    cur.push(ch);
    *i += ch.len_utf8().max(1);
}

/// Where an option value came from: rc file index (in the order given) and range, or the
/// command line (`file == None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlagValue {
    pub value: String,
    pub file: Option<usize>,
    pub range: TextRange,
}

/// The options of a `bazel build` that toolchain resolution depends on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BuildFlags {
    /// Every occurrence, in order (a value may hold a comma-separated list).
    pub extra_toolchains: Vec<FlagValue>,
    pub extra_execution_platforms: Vec<FlagValue>,
    pub platforms: Option<FlagValue>,
    pub host_platform: Option<FlagValue>,
    /// Native options relevant to `config_setting(values = ...)`, e.g. `compilation_mode`.
    pub options: BTreeMap<String, FlagValue>,
    pub defines: BTreeMap<String, FlagValue>,
    /// `--//pkg:flag=value` / `--@repo//pkg:flag=value`, keyed by the label text.
    pub starlark_flags: BTreeMap<String, FlagValue>,
    pub enable_bzlmod: Option<bool>,
    pub enable_workspace: Option<bool>,
    pub ignore_dev_dependency: Option<bool>,
    pub auto_exec_groups: Option<bool>,
    /// `--incompatible_use_plus_in_repo_names` (Bazel 7.4+; the default from 8.0).
    pub plus_repo_names: Option<bool>,
    /// `--enable_platform_specific_config`, its last occurrence (value `true`/`false`).
    pub platform_specific_config: Option<FlagValue>,
    /// `--config=NAME` values that name no `build:NAME` lines.
    pub unknown_configs: Vec<FlagValue>,
    /// `--remote_executor`: actions run remotely (on the execution platforms the build
    /// registers, not on the machine Bazel runs on).
    pub remote_executor: Option<FlagValue>,
    /// `--remote_cache`: action results are shared through a remote cache.
    pub remote_cache: Option<FlagValue>,
    /// `--[no]incompatible_strict_action_env`, its last occurrence (value `true`/`false`).
    pub strict_action_env: Option<FlagValue>,
    /// `--action_env` and `--host_action_env` values, in order (`NAME` inherits the
    /// client's variable, `NAME=value` sets it).
    pub action_env: Vec<FlagValue>,
    /// `--repo_env` values (`NAME=value` or `NAME`), in order: the environment repository
    /// rules see (`--action_env` values reach them too).
    pub repo_env: Vec<FlagValue>,
    /// `--remote_default_exec_properties` values (`key=value`), in order.
    pub remote_default_exec_properties: Vec<FlagValue>,
}

impl BuildFlags {
    /// What of these flags decides toolchain resolution: the platforms, the toolchains and
    /// execution platforms added, the registration modes, automatic exec groups and remote
    /// execution; and what decides whether remote execution and caching are hermetic (the
    /// remote cache, and with remote execution or caching on, the client environment actions
    /// inherit). Two configurations with the same projection resolve every target alike and
    /// get the same findings (the options `config_setting`s read aside: see `check_matrix` in
    /// `toolcheck_ide`).
    pub fn resolution_projection(&self) -> Vec<String> {
        let values = |v: &[FlagValue]| v.iter().map(|f| f.value.clone()).collect::<Vec<_>>();
        let one = |v: &Option<FlagValue>| v.as_ref().map(|f| f.value.clone()).unwrap_or_default();
        let remote = self.remote_executor.is_some() || self.remote_cache.is_some();
        vec![
            values(&self.extra_toolchains).join(","),
            values(&self.extra_execution_platforms).join(","),
            one(&self.platforms),
            one(&self.host_platform),
            one(&self.remote_executor),
            format!(
                "{:?}{:?}{:?}",
                self.enable_bzlmod, self.enable_workspace, self.auto_exec_groups
            ),
            one(&self.remote_cache),
            // Only what the hermeticity checks read: the strict mode and the variables taken
            // from the client (a config that sets `--action_env=X=fixed` changes nothing).
            if remote {
                let inherited: Vec<&str> = self
                    .action_env
                    .iter()
                    .map(|f| f.value.as_str())
                    .filter(|v| !v.contains('='))
                    .collect();
                format!("{}|{}", one(&self.strict_action_env), inherited.join(","))
            } else {
                String::new()
            },
        ]
    }

    /// The names of the flags by which `self` differs from `base` in what decides toolchain
    /// resolution and remote hermeticity ([`resolution_projection`](Self::resolution_projection)).
    pub fn resolution_changes(&self, base: &BuildFlags) -> Vec<&'static str> {
        const NAMES: [&str; 8] = [
            "--extra_toolchains",
            "--extra_execution_platforms",
            "--platforms",
            "--host_platform",
            "--remote_executor",
            "the registration mode or automatic exec groups",
            "--remote_cache",
            "the environment remote actions inherit",
        ];
        let (a, b) = (self.resolution_projection(), base.resolution_projection());
        NAMES
            .iter()
            .zip(a.iter().zip(&b))
            .filter(|(_, (x, y))| x != y)
            .map(|(n, _)| *n)
            .collect()
    }

    /// The value repository rules see for the environment variable `name` when the rc files
    /// or the command line set one: `--repo_env=NAME=value` over `--action_env=NAME=value`
    /// (repository rules see both), the last of each.
    pub fn repository_env(&self, name: &str) -> Option<&str> {
        self.action_env
            .iter()
            .chain(&self.repo_env)
            .rev()
            .filter_map(|f| f.value.split_once('='))
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
    }

    /// The option that makes actions share results remotely: `--remote_cache`, else
    /// `--remote_executor` (which caches remotely too). The cache comes first so that a config
    /// adding remote execution to a remotely cached build points at the same line.
    pub fn remote(&self) -> Option<&FlagValue> {
        self.remote_cache.as_ref().or(self.remote_executor.as_ref())
    }
}

/// The names of the configs the rc files define for `bazel build` (`build:NAME`,
/// `common:NAME`), in the order they first appear.
pub fn config_names(files: &[RcFile]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for f in files {
        for e in &f.entries {
            let applies = BUILD_COMMANDS
                .iter()
                .any(|c| c.contains(&e.command.as_str()));
            if let Some(name) = e.config.as_ref().filter(|_| applies) {
                if !out.contains(name) {
                    out.push(name.clone());
                }
            }
        }
    }
    out
}

/// The OS names `--enable_platform_specific_config` selects a config by.
pub const PLATFORM_CONFIG_NAMES: [&str; 5] = ["linux", "macos", "windows", "freebsd", "openbsd"];

/// The workspace's rc files parsed, and the build flags they and the command line give (for
/// the host OS the settings describe).
pub fn workspace_build_flags(ws: &crate::workspace::Workspace) -> (Vec<RcFile>, BuildFlags) {
    let rc_files: Vec<RcFile> = ws
        .rc_files
        .iter()
        .map(|(_, id)| parse_rc(&ws.file(*id).text()))
        .collect();
    let flags = build_flags(
        &rc_files,
        &ws.settings.command_line_flags,
        ws.settings.host_os().as_deref(),
    );
    (rc_files, flags)
}

/// The rc-line commands whose options apply to `bazel build`, in Bazel's order: every
/// `common` (or `always`) line of every rc file first, then every `build` line, each group in
/// rc order (imports in place). A `build` option written above a `common` one still comes
/// after it (Bazel's `BlazeOptionHandler.parseRcOptions` / `getCommandNamesToParse`).
const BUILD_COMMANDS: [&[&str]; 2] = [&["common", "always"], &["build"]];

/// The arguments of the rc lines for `config` (`None`: unconditional lines), in Bazel's order.
fn rc_args(files: &[RcFile], config: Option<&str>) -> (bool, Vec<FlagValue>) {
    let mut found = false;
    let mut out = Vec::new();
    for commands in BUILD_COMMANDS {
        for (fi, f) in files.iter().enumerate() {
            for e in &f.entries {
                if e.config.as_deref() == config && commands.contains(&e.command.as_str()) {
                    found = true;
                    out.extend(e.args.iter().map(|(v, r)| FlagValue {
                        value: v.clone(),
                        file: Some(fi),
                        range: *r,
                    }));
                }
            }
        }
    }
    (found, out)
}

/// Collects build options from rc files (already in Bazel's reading order, imports inlined by
/// the caller) followed by command-line arguments. `host_os` (`linux`, `macos`, `windows`,
/// `freebsd`, `openbsd`) is the OS `--enable_platform_specific_config` expands the config of.
pub fn build_flags(files: &[RcFile], command_line: &[String], host_os: Option<&str>) -> BuildFlags {
    let (_, mut args) = rc_args(files, None);
    // Command-line options outrank every rc option.
    args.extend(command_line.iter().map(|v| FlagValue {
        value: v.clone(),
        file: None,
        range: TextRange::default(),
    }));
    let mut flags = BuildFlags::default();
    let mut stack: Vec<String> = Vec::new();
    let mut flat = expand_configs(&args, files, &mut flags, &mut stack);
    // `--enable_platform_specific_config`: Bazel parses the host OS's config (when one is
    // defined) as the expansion of the flag's last occurrence, so it lands right there: options
    // after that occurrence still override it, and accumulating ones (`--extra_toolchains`) put
    // its values ahead of theirs. Bazel 4.2.3 shows this (`common --enable_platform_specific_config`
    // then `build -c dbg` beats `build:linux -c opt`).
    if let (Some((at, true)), Some(os)) = (last_platform_specific_config(&flat), host_os) {
        if let Some(expanded) = config_args(files, os) {
            stack.push(os.to_string());
            let expanded = expand_configs(&expanded, files, &mut flags, &mut stack);
            stack.pop();
            flat.splice(at + 1..at + 1, expanded);
        }
    }
    apply_args(&flat, &mut flags);
    flags
}

fn config_args(files: &[RcFile], name: &str) -> Option<Vec<FlagValue>> {
    let (found, out) = rc_args(files, Some(name));
    found.then_some(out)
}

/// Whether option `name` (as written, without `=value`) takes a value that may be the next
/// argument.
fn takes_value(name: &str) -> bool {
    matches!(
        name,
        "--extra_toolchains"
            | "--extra_execution_platforms"
            | "--platforms"
            | "--host_platform"
            | "-c"
            | "--compilation_mode"
            | "--define"
            | "--config"
            | "--cpu"
            | "--host_cpu"
            | "--crosstool_top"
            | "--java_runtime_version"
            | "--java_language_version"
            | "--tool_java_runtime_version"
            | "--remote_executor"
            | "--remote_cache"
            | "--action_env"
            | "--host_action_env"
            | "--repo_env"
            | "--remote_default_exec_properties"
    )
}

/// `args` with every `--config=NAME` (or `--config NAME`) replaced in place by the config's
/// arguments, recursively; undefined configs are recorded in `flags.unknown_configs`.
fn expand_configs(
    args: &[FlagValue],
    files: &[RcFile],
    flags: &mut BuildFlags,
    stack: &mut Vec<String>,
) -> Vec<FlagValue> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        let (name, inline_value) = match arg.value.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (arg.value.as_str(), None),
        };
        let separate = inline_value.is_none() && takes_value(name) && i + 1 < args.len();
        if name != "--config" {
            out.push(arg.clone());
            if separate {
                out.push(args[i + 1].clone());
                i += 1;
            }
            i += 1;
            continue;
        }
        let value = match inline_value {
            Some(v) => Some(v),
            None if separate => {
                i += 1;
                Some(args[i].value.clone())
            }
            None => None,
        };
        i += 1;
        let Some(v) = value else { continue };
        if stack.len() >= 32 || stack.contains(&v) {
            continue;
        }
        match config_args(files, &v) {
            Some(expanded) => {
                stack.push(v);
                out.extend(expand_configs(&expanded, files, flags, stack));
                stack.pop();
            }
            None => flags.unknown_configs.push(FlagValue {
                value: v,
                file: arg.file,
                range: arg.range,
            }),
        }
    }
    out
}

/// The index and value of the last `--[no]enable_platform_specific_config` in `args`.
fn last_platform_specific_config(args: &[FlagValue]) -> Option<(usize, bool)> {
    args.iter().enumerate().rev().find_map(|(i, a)| {
        let on = match a.value.split_once('=') {
            None if a.value == "--enable_platform_specific_config" => true,
            None if a.value == "--noenable_platform_specific_config" => false,
            Some(("--enable_platform_specific_config", v)) => parse_bool(v).unwrap_or(false),
            _ => return None,
        };
        Some((i, on))
    })
}

/// The current name of an option Bazel still accepts under an old one (`oldName` in its
/// option classes), with or without the `no` of a boolean.
fn current_name(name: &str) -> &str {
    // `oldName = "experimental_enable_bzlmod"` on `enable_bzlmod`, from Bazel 6 through 9
    // (rules_go's .bazelrc turns Bzlmod off with it).
    const OLD_NAMES: &[(&str, &str)] = &[
        ("--experimental_enable_bzlmod", "--enable_bzlmod"),
        ("--noexperimental_enable_bzlmod", "--noenable_bzlmod"),
        // `oldName = "experimental_strict_action_env"` on `incompatible_strict_action_env`.
        (
            "--experimental_strict_action_env",
            "--incompatible_strict_action_env",
        ),
        (
            "--noexperimental_strict_action_env",
            "--noincompatible_strict_action_env",
        ),
    ];
    OLD_NAMES
        .iter()
        .find(|(old, _)| *old == name)
        .map_or(name, |(_, new)| new)
}

/// Applies arguments whose configs are already expanded, in order (later values win, repeated
/// list options accumulate).
fn apply_args(args: &[FlagValue], flags: &mut BuildFlags) {
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        let text = arg.value.as_str();
        let (name, inline_value) = match text.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (text, None),
        };
        let name = current_name(name);
        // Options that take a value may take it from the next argument.
        let takes_value = takes_value(name);
        let (value, consumed) = match inline_value {
            Some(v) => (Some(v), 1),
            None if takes_value && i + 1 < args.len() => (Some(args[i + 1].value.clone()), 2),
            None => (None, 1),
        };
        let fv = |v: String| FlagValue {
            value: v,
            file: arg.file,
            range: arg.range,
        };
        match (name, value) {
            ("--extra_toolchains", Some(v)) => flags.extra_toolchains.push(fv(v)),
            ("--extra_execution_platforms", Some(v)) => flags.extra_execution_platforms.push(fv(v)),
            ("--platforms", Some(v)) => flags.platforms = Some(fv(v)),
            // An empty value turns remote execution off again.
            ("--remote_executor", Some(v)) => {
                flags.remote_executor = (!v.is_empty()).then(|| fv(v));
            }
            ("--remote_cache", Some(v)) => {
                flags.remote_cache = (!v.is_empty()).then(|| fv(v));
            }
            ("--incompatible_strict_action_env", None) => {
                flags.strict_action_env = Some(fv("true".into()))
            }
            ("--noincompatible_strict_action_env", None) => {
                flags.strict_action_env = Some(fv("false".into()))
            }
            ("--incompatible_strict_action_env", Some(v)) => {
                if let Some(on) = parse_bool(&v) {
                    flags.strict_action_env = Some(fv(on.to_string()));
                }
            }
            ("--action_env" | "--host_action_env", Some(v)) => flags.action_env.push(fv(v)),
            ("--repo_env", Some(v)) => flags.repo_env.push(fv(v)),
            ("--remote_default_exec_properties", Some(v)) => {
                flags.remote_default_exec_properties.push(fv(v))
            }
            ("--host_platform", Some(v)) => flags.host_platform = Some(fv(v)),
            ("-c" | "--compilation_mode", Some(v)) => {
                flags.options.insert("compilation_mode".to_string(), fv(v));
            }
            ("--define", Some(v)) => {
                if let Some((k, val)) = v.split_once('=') {
                    flags.defines.insert(k.to_string(), fv(val.to_string()));
                }
            }
            ("--enable_bzlmod", None) => flags.enable_bzlmod = Some(true),
            ("--noenable_bzlmod", None) => flags.enable_bzlmod = Some(false),
            ("--enable_bzlmod", Some(v)) => flags.enable_bzlmod = parse_bool(&v),
            ("--enable_workspace", None) => flags.enable_workspace = Some(true),
            ("--noenable_workspace", None) => flags.enable_workspace = Some(false),
            ("--enable_workspace", Some(v)) => flags.enable_workspace = parse_bool(&v),
            ("--ignore_dev_dependency", None) => flags.ignore_dev_dependency = Some(true),
            ("--noignore_dev_dependency", None) => flags.ignore_dev_dependency = Some(false),
            ("--incompatible_auto_exec_groups", None) => flags.auto_exec_groups = Some(true),
            ("--noincompatible_auto_exec_groups", None) => flags.auto_exec_groups = Some(false),
            ("--incompatible_auto_exec_groups", Some(v)) => flags.auto_exec_groups = parse_bool(&v),
            // A native option `config_setting(values = ...)` reads; @bazel_tools' test
            // toolchains (Bazel 9) select on it. The second decides whether Bazel's C++
            // rules resolve toolchains at all (default true from 7.0).
            ("--use_target_platform_for_tests", v)
            | ("--nouse_target_platform_for_tests", v)
            | ("--incompatible_enable_cc_toolchain_resolution", v)
            | ("--noincompatible_enable_cc_toolchain_resolution", v) => {
                let on = if name.starts_with("--no") {
                    Some(false)
                } else {
                    v.as_deref().map_or(Some(true), parse_bool)
                };
                if let Some(on) = on {
                    flags.options.insert(
                        name.trim_start_matches("--no")
                            .trim_start_matches("--")
                            .to_string(),
                        fv(on.to_string()),
                    );
                }
            }
            ("--enable_platform_specific_config", None) => {
                flags.platform_specific_config = Some(fv("true".into()))
            }
            ("--noenable_platform_specific_config", None) => {
                flags.platform_specific_config = Some(fv("false".into()))
            }
            ("--enable_platform_specific_config", Some(v)) => {
                let on = parse_bool(&v).unwrap_or(false);
                flags.platform_specific_config = Some(fv(on.to_string()))
            }
            ("--incompatible_use_plus_in_repo_names", None) => flags.plus_repo_names = Some(true),
            ("--noincompatible_use_plus_in_repo_names", None) => {
                flags.plus_repo_names = Some(false)
            }
            ("--incompatible_use_plus_in_repo_names", Some(v)) => {
                flags.plus_repo_names = parse_bool(&v)
            }
            // `--no//pkg:flag` / `--no@repo//pkg:flag`: a boolean Starlark flag set to false.
            (n, None) if n.starts_with("--no//") || n.starts_with("--no@") => {
                let label = n.trim_start_matches("--no").to_string();
                flags.starlark_flags.insert(label, fv("false".to_string()));
            }
            (n, v) if n.starts_with("--//") || n.starts_with("--@") => {
                let label = n.trim_start_matches("--").to_string();
                flags
                    .starlark_flags
                    .insert(label, fv(v.unwrap_or_else(|| "true".to_string())));
            }
            (n, Some(v)) if n.starts_with("--") && takes_value => {
                flags
                    .options
                    .insert(n.trim_start_matches("--").to_string(), fv(v));
            }
            _ => {}
        }
        i += consumed;
    }
}

/// A boolean option's value as Bazel's converter reads it: any case, and the one-letter
/// forms too (Bazel 4.2.3 takes `--enable_platform_specific_config=Y` and `=f`).
fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "t" | "y" => Some(true),
        "false" | "0" | "no" | "f" | "n" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lines_configs_and_imports() {
        let rc = parse_rc(
            "# comment\nbuild --extra_toolchains=//a:b \\\n  --platforms //p:linux\nimport %workspace%/x.bazelrc\ntry-import user.bazelrc\nbuild:ci --define=k=v -c opt\ncommon --'//flag:x'=1\n",
        );
        assert_eq!(rc.imports.len(), 2);
        assert!(rc.imports[1].optional);
        assert_eq!(rc.entries.len(), 3);
        assert_eq!(rc.entries[0].args.len(), 3);
        let flags = build_flags(std::slice::from_ref(&rc), &[], None);
        assert_eq!(flags.extra_toolchains[0].value, "//a:b");
        assert_eq!(flags.platforms.as_ref().unwrap().value, "//p:linux");
        assert!(flags.defines.is_empty());
        assert_eq!(flags.starlark_flags.get("//flag:x").unwrap().value, "1");
        let with_ci = build_flags(&[rc], &["--config=ci".to_string()], None);
        assert_eq!(with_ci.defines.get("k").unwrap().value, "v");
        assert_eq!(
            with_ci.options.get("compilation_mode").unwrap().value,
            "opt"
        );
    }

    #[test]
    fn old_option_names_set_the_current_option() {
        let off = parse_rc("common --noexperimental_enable_bzlmod\n");
        assert_eq!(build_flags(&[off], &[], None).enable_bzlmod, Some(false));
        let on = parse_rc("common --experimental_enable_bzlmod\n");
        assert_eq!(build_flags(&[on], &[], None).enable_bzlmod, Some(true));
    }

    #[test]
    fn remote_caching_and_the_client_environment() {
        let rc = parse_rc(
            "build --remote_cache=grpcs://cache\nbuild --action_env PATH --action_env=CC=/usr/bin/cc\nbuild --noexperimental_strict_action_env\nbuild:local --remote_cache=\nbuild:asan --action_env ASAN_OPTIONS=x=1\nbuild:leaky --host_action_env=HOME\n",
        );
        let files = std::slice::from_ref(&rc);
        let flags = build_flags(files, &[], None);
        assert_eq!(flags.remote().unwrap().value, "grpcs://cache");
        let env: Vec<&str> = flags.action_env.iter().map(|f| f.value.as_str()).collect();
        assert_eq!(env, ["PATH", "CC=/usr/bin/cc"]);
        // The old name sets the option.
        assert_eq!(flags.strict_action_env.as_ref().unwrap().value, "false");
        // An empty value turns the cache off again.
        let local = build_flags(files, &["--config=local".to_string()], None);
        assert!(local.remote().is_none());
        // A fixed value changes nothing the checks read; a client variable does.
        let asan = build_flags(files, &["--config=asan".to_string()], None);
        assert!(asan.resolution_changes(&flags).is_empty());
        let leaky = build_flags(files, &["--config=leaky".to_string()], None);
        assert_eq!(
            leaky.resolution_changes(&flags),
            ["the environment remote actions inherit"]
        );
    }

    #[test]
    fn config_cycles_terminate() {
        let rc = parse_rc("build:a --config=b\nbuild:b --config=a\nbuild --config=a\n");
        let flags = build_flags(&[rc], &[], None);
        assert!(flags.extra_toolchains.is_empty());
    }

    #[test]
    fn unterminated_quote_is_an_error() {
        let rc = parse_rc("build --define='x\nbuild -c opt\n");
        assert_eq!(rc.errors.len(), 1);
        assert_eq!(rc.entries.len(), 1);
    }

    #[test]
    fn common_lines_come_before_build_lines_whatever_the_file_order() {
        let first = parse_rc("build --extra_toolchains=//:b1\ncommon --extra_toolchains=//:c1\n");
        let second = parse_rc(
            "build --extra_toolchains=//:b2\ncommon --extra_toolchains=//:c2\nbuild:ci --extra_toolchains=//:ci_build\ncommon:ci --extra_toolchains=//:ci_common\n",
        );
        let values = |f: &BuildFlags| -> Vec<String> {
            f.extra_toolchains.iter().map(|v| v.value.clone()).collect()
        };
        let flags = build_flags(
            &[first.clone(), second.clone()],
            &["--config=ci".into(), "--extra_toolchains=//:cli".into()],
            None,
        );
        // Every `common` line (all files), then every `build` line, then the command line
        // with its `--config` expanded in place (`common:ci` before `build:ci`).
        assert_eq!(
            values(&flags),
            [
                "//:c1",
                "//:c2",
                "//:b1",
                "//:b2",
                "//:ci_common",
                "//:ci_build",
                "//:cli"
            ]
        );
    }

    #[test]
    fn platform_specific_configs_follow_the_host_os() {
        let rc = parse_rc(
            "common --enable_platform_specific_config\nbuild:linux --extra_toolchains=//:linux\nbuild:macos --extra_toolchains=//:macos\n",
        );
        let on = |os: Option<&str>| -> Vec<String> {
            build_flags(std::slice::from_ref(&rc), &[], os)
                .extra_toolchains
                .iter()
                .map(|v| v.value.clone())
                .collect()
        };
        assert_eq!(on(Some("linux")), ["//:linux"]);
        assert_eq!(on(Some("macos")), ["//:macos"]);
        assert!(on(Some("windows")).is_empty());
        assert!(on(None).is_empty());
        let off = parse_rc(
            "common --enable_platform_specific_config\ncommon --noenable_platform_specific_config\nbuild:linux --extra_toolchains=//:linux\n",
        );
        assert!(build_flags(&[off], &[], Some("linux"))
            .extra_toolchains
            .is_empty());
    }

    #[test]
    fn the_platform_config_lands_at_the_last_enable_flag() {
        let values = |rc: &str, cli: &[&str]| -> (Vec<String>, String) {
            let cli: Vec<String> = cli.iter().map(|a| a.to_string()).collect();
            let flags = build_flags(&[parse_rc(rc)], &cli, Some("linux"));
            let tcs = flags
                .extra_toolchains
                .iter()
                .map(|v| v.value.clone())
                .collect();
            let mode = flags
                .options
                .get("compilation_mode")
                .map(|v| v.value.clone())
                .unwrap_or_default();
            (tcs, mode)
        };
        // Enabled by a `common` line: the config comes before every `build` value and the
        // command line's, and a later `build -c` overrides its `-c` (as Bazel 4.2.3 does).
        let (tcs, mode) = values(
            "build --extra_toolchains=//:b -c dbg\ncommon --enable_platform_specific_config\nbuild:linux --extra_toolchains=//:linux -c opt\n",
            &["--extra_toolchains=//:cli"],
        );
        assert_eq!(tcs, ["//:linux", "//:b", "//:cli"]);
        assert_eq!(mode, "dbg");
        // Only the last occurrence counts, wherever an earlier one was.
        let (tcs, _) = values(
            "build --enable_platform_specific_config\nbuild --extra_toolchains=//:b\nbuild --enable_platform_specific_config\nbuild:linux --extra_toolchains=//:linux\n",
            &[],
        );
        assert_eq!(tcs, ["//:b", "//:linux"]);
        // Enabled inside a config named on the command line: at the config's place.
        let (tcs, _) = values(
            "build:ci --enable_platform_specific_config\nbuild:linux --extra_toolchains=//:linux\n",
            &[
                "--extra_toolchains=//:first",
                "--config",
                "ci",
                "--extra_toolchains=//:last",
            ],
        );
        assert_eq!(tcs, ["//:first", "//:linux", "//:last"]);
        // The last occurrence in Bazel's order decides: a `common` line written below a
        // `build` one is still applied before it.
        let (tcs, _) = values(
            "build --enable_platform_specific_config\ncommon --noenable_platform_specific_config\nbuild:linux --extra_toolchains=//:linux\n",
            &[],
        );
        assert_eq!(tcs, ["//:linux"]);
        let (tcs, _) = values(
            "common --enable_platform_specific_config\nbuild --enable_platform_specific_config=false\nbuild:linux --extra_toolchains=//:linux\n",
            &[],
        );
        assert!(tcs.is_empty());
    }

    #[test]
    fn booleans_take_every_spelling_bazel_takes() {
        for (v, on) in [
            ("TRUE", true),
            ("y", true),
            ("T", true),
            ("No", false),
            ("f", false),
        ] {
            let rc = parse_rc(&format!(
                "build --enable_platform_specific_config={v}\nbuild:linux --define=os=linux\n"
            ));
            let flags = build_flags(&[rc], &[], Some("linux"));
            assert_eq!(flags.defines.contains_key("os"), on, "{v}");
        }
    }
}
