//! The configurations and hosts a workspace is checked in: the named `--config`s of its rc
//! files that change what toolchain resolution depends on, and the kinds of machine its
//! developers build on (the host matrix).
//!
//! A Bazel workspace is not one build: `bazel build --config=remote` on a Linux CI machine and
//! `bazel build` on a developer's Mac resolve toolchains differently. `toolcheck check`
//! evaluates every configuration and host this module plans (see `check_matrix` in
//! `toolcheck_ide`); the host-dependent checks read the host list directly.

use rayon::prelude::*;
use toolcheck_index::bazelrc::{self, BuildFlags, RcFile, PLATFORM_CONFIG_NAMES};
use toolcheck_index::index::WorkspaceIndex;
use toolcheck_index::workspace::{
    ConfigSelect, FileId, HostConstraints, HostMachine, RepoOrigin, Workspace,
};
use toolcheck_syntax::FileKind;

/// At most this many named configs are evaluated unless `toolcheck.toml` lists them.
pub const MAX_CONFIGS: usize = 16;

/// Why the analysed machine is in the host matrix ([`PlannedHost::why`]).
pub const THIS_MACHINE: &str = "the machine toolcheck runs on";
/// Why a host `toolcheck.toml` (or `--host`) lists is in the matrix.
pub const LISTED: &str = "listed in `hosts`";

/// A named config to evaluate, and the flags by which it changes toolchain resolution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedConfig {
    pub name: String,
    /// Empty for a config the user listed that changes nothing toolcheck models.
    pub changes: Vec<&'static str>,
    /// Other configs that set the same (`build:ci --config=musl`): evaluated once, with
    /// this one, and named with it.
    pub same: Vec<String>,
}

/// A host to evaluate, and why it is in the matrix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedHost {
    pub machine: HostMachine,
    pub why: String,
}

/// The named configs to evaluate besides the default configuration, and those left out with
/// the reason. Configs the command line already selects are part of the default.
pub fn configs(
    ws: &Workspace,
    index: &WorkspaceIndex,
) -> (Vec<PlannedConfig>, Vec<(String, String)>) {
    let matrix = &ws.settings.config_matrix;
    let files: &[RcFile] = &index.rc_files;
    let host_os = ws.settings.host_os();
    let base_line = &ws.settings.command_line_flags;
    let base = &index.flags;
    let selected: Vec<String> = base_line
        .iter()
        .filter_map(|f| f.strip_prefix("--config="))
        .map(str::to_string)
        .collect();
    let platform_specific = base
        .platform_specific_config
        .as_ref()
        .is_some_and(|f| f.value == "true");
    let (names, listed) = match &matrix.select {
        ConfigSelect::None => return (Vec::new(), Vec::new()),
        ConfigSelect::All => (bazelrc::config_names(files), false),
        ConfigSelect::Only(names) => (names.clone(), true),
    };
    let mut planned: Vec<PlannedConfig> = Vec::new();
    let mut projections: Vec<Vec<String>> = Vec::new();
    let mut skipped = Vec::new();
    for name in names {
        if matrix.exclude.contains(&name) || selected.contains(&name) {
            continue;
        }
        // With `--enable_platform_specific_config`, `build:macos` is what a macOS host
        // reads: the host matrix covers it.
        if platform_specific && !listed && PLATFORM_CONFIG_NAMES.contains(&name.as_str()) {
            continue;
        }
        let mut line = base_line.clone();
        line.push(format!("--config={name}"));
        let flags: BuildFlags = bazelrc::build_flags(files, &line, host_os.as_deref());
        let changes = flags.resolution_changes(base);
        let projection = flags.resolution_projection();
        if let Some(i) = projections.iter().position(|p| *p == projection) {
            let first: &mut PlannedConfig = &mut planned[i];
            first.same.push(name);
            continue;
        }
        if changes.is_empty() && !listed {
            skipped.push((
                name,
                "changes nothing toolchain resolution depends on".to_string(),
            ));
            continue;
        }
        if planned.len() >= MAX_CONFIGS && !listed {
            skipped.push((
                name,
                format!("more than {MAX_CONFIGS} configs: list the ones to check in toolcheck.toml `configs`"),
            ));
            continue;
        }
        projections.push(projection);
        planned.push(PlannedConfig {
            name,
            changes,
            same: Vec::new(),
        });
    }
    (planned, skipped)
}

/// The hosts the checks consider, the analysed one first; empty when the host is fixed by
/// `host_constraints` (or unknown), so there is no matrix.
///
/// Without `hosts` in `toolcheck.toml`: the machine toolcheck runs on, and one machine of
/// each other OS the main repository shows it is built on: platform-specific rc configs
/// (`build:macos`) and `select()` keys on a host OS (`"@platforms//os:macos":`,
/// `@bazel_tools//src/conditions:darwin`). Target platforms alone are no such sign (a Linux
/// repository cross-compiles for Windows without Windows developers).
pub fn hosts(ws: &Workspace, index: &WorkspaceIndex) -> Vec<PlannedHost> {
    if ws.settings.host_constraints != HostConstraints::Detect {
        return Vec::new();
    }
    if let Some(list) = &ws.settings.hosts {
        return list
            .iter()
            .map(|m| PlannedHost {
                machine: m.clone(),
                why: LISTED.to_string(),
            })
            .collect();
    }
    let Some(this) = &ws.settings.host_machine else {
        return Vec::new();
    };
    let mut out = vec![PlannedHost {
        machine: this.clone(),
        why: THIS_MACHINE.to_string(),
    }];
    let mut add = |os: &str, why: String| {
        if out.iter().any(|h| h.machine.os == os) {
            return;
        }
        let arch = if os == "macos" { "aarch64" } else { "x86_64" };
        out.push(PlannedHost {
            machine: HostMachine {
                os: os.to_string(),
                arch: arch.to_string(),
                little_endian: true,
            },
            why,
        });
    };
    for (i, f) in index.rc_files.iter().enumerate() {
        for e in &f.entries {
            if let Some(os) = e
                .config
                .as_deref()
                .filter(|c| PLATFORM_CONFIG_NAMES.contains(c))
            {
                let path = ws
                    .rc_files
                    .get(i)
                    .map(|(p, _)| p.as_str())
                    .unwrap_or(".bazelrc");
                add(os, format!("{path} has `{}:{os}` lines", e.command));
            }
        }
    }
    // Every BUILD and `.bzl` file of the main repository is read: in parallel (BUILD texts
    // are kept compressed; each thread takes a contiguous run of ids, so it decompresses a
    // chunk once), the hosts then added in file order as before.
    let files: Vec<FileId> = ws
        .file_ids()
        .filter(|&id| {
            let f = ws.file(id);
            matches!(f.kind, FileKind::Build | FileKind::Bzl)
                && ws
                    .repo(&f.repo)
                    .is_some_and(|r| matches!(r.origin, RepoOrigin::Main))
        })
        .collect();
    let keys: Vec<(FileId, Vec<(&str, String)>)> = files
        .par_iter()
        .map(|&id| (id, select_keys_on_host_os(&ws.file(id).text())))
        .filter(|(_, keys)| !keys.is_empty())
        .collect();
    for (id, keys) in keys {
        for (os, why) in keys {
            add(os, format!("{} selects on {why}", ws.display_path(id)));
        }
    }
    out
}

/// The host OSes `text` uses as `select()` (or `config_setting` dict) keys: a quoted
/// label followed by `:`, naming an OS constraint value or one of `@bazel_tools`'s host
/// conditions.
fn select_keys_on_host_os(text: &str) -> Vec<(&'static str, String)> {
    const KEYS: [(&str, &str); 9] = [
        ("//os:macos", "macos"),
        ("//os:osx", "macos"),
        ("//os:windows", "windows"),
        ("//os:linux", "linux"),
        ("//os:freebsd", "freebsd"),
        ("//os:openbsd", "openbsd"),
        ("//src/conditions:darwin", "macos"),
        ("//src/conditions:windows", "windows"),
        ("//src/conditions:freebsd", "freebsd"),
    ];
    let mut out: Vec<(&'static str, String)> = Vec::new();
    for (needle, os) in KEYS {
        let mut from = 0;
        while let Some(at) = text[from..].find(needle) {
            let start = from + at;
            from = start + needle.len();
            // The label's start (its opening quote) and what follows its closing quote.
            let Some(open) = text[..start].rfind(['"', '\'']) else {
                continue;
            };
            let label = &text[open + 1..start + needle.len()];
            let rest = &text[from..];
            // `darwin_arm64`, `osx_x86_64`: the same OS.
            let suffix_len = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            let after = rest[suffix_len..].trim_start();
            let quoted = after.starts_with(['"', '\'']);
            let is_key = quoted && after[1..].trim_start().starts_with(':');
            let plausible = !label.contains(char::is_whitespace) && label.len() < 80;
            if is_key && plausible && !out.iter().any(|(o, _)| *o == os) {
                out.push((os, format!("`{}`", &text[open + 1..from + suffix_len])));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn select_keys_name_host_oses() {
        let text = r#"
cc_library(
    name = "x",
    copts = select({
        "@platforms//os:macos": ["-DMAC"],
        "@bazel_tools//src/conditions:windows": [],
        "//conditions:default": [],
    }),
    target_compatible_with = ["@platforms//os:linux"],
)
"#;
        let keys = select_keys_on_host_os(text);
        let oses: Vec<&str> = keys.iter().map(|(o, _)| *o).collect();
        // A constraint list is not a key: Linux is not named by this file.
        assert_eq!(oses, ["macos", "windows"]);
        assert_eq!(keys[0].1, "`@platforms//os:macos`");
        assert_eq!(
            select_keys_on_host_os("{\"@bazel_tools//src/conditions:darwin_arm64\": 1}")[0].1,
            "`@bazel_tools//src/conditions:darwin_arm64`"
        );
    }
}
