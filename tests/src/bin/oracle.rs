//! Differential tests of `toolcheck resolve` against a real Bazel 4.2.3 (Debian's
//! `bazel-bootstrap`).
//!
//! The binary generates seeded random WORKSPACE-mode workspaces, asks one warm Bazel server which
//! toolchains and execution platform it selects for a single toolchain-requesting target (under a
//! split transition over the requested target platforms), asks `toolcheck resolve` the same
//! question and compares the answers. Bazel reads each case's `.bazelrc` itself (`common`
//! before `build` lines, named and platform-specific configs), and the configs a case selects
//! go to both as `--config` / `--bazel-config`. See `tests/oracle/README.md`.
//!
//! Usage: `oracle [--cases N] [--seed S] [--only I] [--keep DIR] [--against toolcheck|model|both]
//! [--max-reports N] [--cache DIR] [--print-case] [--keep-server]`.
//!
//! `--against model` compares Bazel with a small reference model of Bazel 4.2.3's resolution
//! written inside this harness; it validates the generator and the output parser while the real
//! `toolcheck resolve` is not available, and helps tell toolcheck bugs from Bazel quirks.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

// ------------------------------------------------------------------------------------------------
// Deterministic PRNG (SplitMix64).

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

fn case_seed(seed: u64, index: usize) -> u64 {
    let mut r = Rng::new(seed.wrapping_mul(1_000_003).wrapping_add(index as u64));
    r.next()
}

// ------------------------------------------------------------------------------------------------
// The generated world.

/// Packages are `""`, `a/b` (main repository) or `@ext//`, `@ext//e` (the external
/// repository): a label is the package and the name, and its package a slice of it.
fn label(pkg: &str, name: &str) -> String {
    if pkg.starts_with('@') {
        format!("{pkg}:{name}")
    } else {
        format!("//{pkg}:{name}")
    }
}

fn pkg_of(label: &str) -> &str {
    let pkg = label.split(':').next().unwrap_or("");
    if pkg.starts_with('@') {
        pkg
    } else {
        pkg.trim_start_matches("//")
    }
}

fn in_ext(pkg: &str) -> bool {
    pkg.starts_with(EXT_ROOT)
}

/// Bazel 4.2.3's own `@platforms` (built in), which cases use but never write: toolcheck cannot
/// read it and models its layout instead.
const PLATFORMS_REPO: &str = "@platforms//";

fn in_platforms_repo(label: &str) -> bool {
    label.starts_with(PLATFORMS_REPO)
}

/// The external repository some cases have: `local_repository(name = "ext")` at [`EXT_DIR`]
/// (inside the main workspace, which its WORKSPACE file keeps out of `//...`).
const EXT_ROOT: &str = "@ext//";
const EXT_DIR: &str = "ext_repo";

fn name_of(label: &str) -> &str {
    label.rsplit(':').next().unwrap_or("")
}

struct Setting {
    label: String,
    values: Vec<String>,
    /// Alias label per value, if the value has one.
    value_alias: Vec<Option<String>>,
    default: Option<usize>,
}

struct Platform {
    label: String,
    alias: Option<String>,
    /// (setting, value) pairs set on the platform itself.
    cons: Vec<(usize, usize)>,
    parent: Option<usize>,
}

#[derive(Clone)]
enum Cond {
    CompilationMode(&'static str),
    /// `define_values = {key: value}` (or `values = {"define": "key=value"}` when `via_values`).
    Define {
        key: &'static str,
        value: &'static str,
        via_values: bool,
    },
}

struct ConfigDef {
    label: String,
    cond: Cond,
}

struct ToolchainDef {
    label: String,
    impl_label: String,
    ty: usize,
    exec: Vec<(usize, usize)>,
    target: Vec<(usize, usize)>,
    settings: Vec<usize>,
}

struct TypeDef {
    label: String,
    alias: Option<String>,
}

/// One `.bazelrc` line: `cmd ARGS` or, for a named config, `cmd:config ARGS`.
struct RcLine {
    cmd: &'static str,
    config: Option<&'static str>,
    args: Vec<String>,
}

/// Bazel 4.2.3's autodetected host platform.
const DEFAULT_HOST: &str = "@local_config_platform//:host";

/// Whether this machine is one the cases' default host is modelled for (Bazel detects
/// `@platforms//cpu:x86_64` and `@platforms//os:linux` on it).
const HOST_IS_X86_64_LINUX: bool = cfg!(all(target_os = "linux", target_arch = "x86_64"));

/// The name every case's WORKSPACE gives the main repository (`workspace(name = ...)`).
const MAIN_NAME: &str = "oracle_main";

struct World {
    packages: Vec<String>,
    settings: Vec<Setting>,
    platforms: Vec<Platform>,
    types: Vec<TypeDef>,
    configs: Vec<ConfigDef>,
    toolchains: Vec<ToolchainDef>,
    ws_toolchains: Vec<Vec<String>>,
    ws_exec: Vec<Vec<String>>,
    host: String,
    host_in_rc: bool,
    rc: Vec<RcLine>,
    /// `--config=NAME` on the command line (toolcheck: `--bazel-config NAME`), in order.
    cli_configs: Vec<&'static str>,
    consumer: String,
    consumer_bzl: String,
    consumer_types: Vec<usize>,
    target_exec: Vec<(usize, usize)>,
    rule_exec: Vec<(usize, usize)>,
    requested: Vec<String>,
    /// Alias label -> actual label.
    aliases: BTreeMap<String, String>,
}

impl World {
    fn resolve_alias<'a>(&'a self, l: &'a str) -> &'a str {
        self.aliases.get(l).map(String::as_str).unwrap_or(l)
    }
    fn platform_index(&self, l: &str) -> Option<usize> {
        let actual = self.resolve_alias(l);
        self.platforms.iter().position(|p| p.label == actual)
    }
    /// `value(platform, setting)`: own value, then the parent chain, then the default.
    fn value(&self, p: usize, s: usize) -> Option<usize> {
        let mut cur = Some(p);
        while let Some(i) = cur {
            if let Some(&(_, v)) = self.platforms[i].cons.iter().find(|(ss, _)| *ss == s) {
                return Some(v);
            }
            cur = self.platforms[i].parent;
        }
        self.settings[s].default
    }
    fn matches(&self, p: usize, cons: &[(usize, usize)]) -> bool {
        cons.iter().all(|&(s, v)| self.value(p, s) == Some(v))
    }
}

const PACKAGE_POOL: &[&str] = &["a", "a/b", "b", "c/d", "a-x"];
const NAME_CHARS: &[u8] = b"019AZ_az";

fn unique_name(rng: &mut Rng, prefix: &str, used: &mut BTreeSet<String>) -> String {
    loop {
        let len = rng.range(1, 2);
        let mut n = prefix.to_string();
        for _ in 0..len {
            n.push(*rng.pick(NAME_CHARS) as char);
        }
        if used.insert(n.clone()) {
            return n;
        }
    }
}

fn pick_cons(rng: &mut Rng, settings: &[Setting], p: f64) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (s, set) in settings.iter().enumerate() {
        if rng.chance(p) {
            out.push((s, rng.below(set.values.len())));
        }
    }
    out
}

fn generate(seed: u64) -> World {
    let rng = &mut Rng::new(seed);
    let mut used = BTreeSet::new();
    let mut packages = vec![String::new()];
    for p in PACKAGE_POOL {
        if rng.chance(if *p == "a-x" { 0.2 } else { 0.45 }) {
            packages.push(p.to_string());
        }
    }
    // Some cases put packages in an external repository too.
    if rng.chance(0.35) {
        packages.push(EXT_ROOT.to_string());
        if rng.chance(0.6) {
            packages.push(format!("{EXT_ROOT}e"));
        }
    }
    let mut aliases = BTreeMap::new();
    let pick_pkg = |rng: &mut Rng| packages[rng.below(packages.len())].clone();

    // Constraint settings and values.
    let mut settings = Vec::new();
    for i in 0..rng.range(1, 3) {
        let pkg = pick_pkg(rng);
        let n = rng.range(2, 3);
        let default = if rng.chance(0.4) {
            Some(rng.below(n))
        } else {
            None
        };
        let mut values = Vec::new();
        let mut value_alias = Vec::new();
        for j in 0..n {
            // A default must live in the setting's package; keep all values there then.
            let vpkg = if default.is_some() {
                pkg.clone()
            } else {
                pick_pkg(rng)
            };
            let v = label(&vpkg, &format!("s{i}_v{j}"));
            let a = if rng.chance(0.25) {
                let apkg = pick_pkg(rng);
                let a = label(&apkg, &format!("s{i}_v{j}_al"));
                aliases.insert(a.clone(), v.clone());
                Some(a)
            } else {
                None
            };
            values.push(v);
            value_alias.push(a);
        }
        settings.push(Setting {
            label: label(&pkg, &format!("s{i}")),
            values,
            value_alias,
            default,
        });
    }

    // Sometimes a setting of `@platforms`: `os` (with `macos`, Bazel's alias of `osx`) or
    // `cpu`, neither with a default. The `arm` CPU names are left out: their identity
    // changed between releases of `@platforms`, and toolcheck does not model them.
    if rng.chance(0.3) {
        let (pkg, names): (&str, &[&str]) = if rng.chance(0.5) {
            ("os", &["linux", "osx", "windows", "freebsd"])
        } else {
            ("cpu", &["x86_64", "x86_32", "ppc", "s390x"])
        };
        let n = rng.range(2, 3);
        let values: Vec<String> = names[..n]
            .iter()
            .map(|v| format!("{PLATFORMS_REPO}{pkg}:{v}"))
            .collect();
        let value_alias: Vec<Option<String>> = values
            .iter()
            .map(|v| {
                (v.ends_with("os:osx") && rng.chance(0.5)).then(|| {
                    let a = format!("{PLATFORMS_REPO}os:macos");
                    aliases.insert(a.clone(), v.clone());
                    a
                })
            })
            .collect();
        settings.push(Setting {
            label: format!("{PLATFORMS_REPO}{pkg}:{pkg}"),
            values,
            value_alias,
            default: None,
        });
    }

    // Platforms (parents point to earlier platforms only).
    let mut platforms: Vec<Platform> = Vec::new();
    for i in 0..rng.range(2, 5) {
        let pkg = pick_pkg(rng);
        let name = unique_name(rng, "p", &mut used);
        let parent = if i > 0 && rng.chance(0.3) {
            Some(rng.below(i))
        } else {
            None
        };
        let cons = pick_cons(rng, &settings, 0.55);
        let l = label(&pkg, &name);
        let alias = if rng.chance(0.3) {
            let a = label(&pick_pkg(rng), &format!("{name}_al"));
            aliases.insert(a.clone(), l.clone());
            Some(a)
        } else {
            None
        };
        platforms.push(Platform {
            label: l,
            alias,
            cons,
            parent,
        });
    }

    // Toolchain types.
    let mut types = Vec::new();
    for i in 0..rng.range(1, 3) {
        let l = label(&pick_pkg(rng), &format!("t{i}"));
        let alias = if rng.chance(0.3) {
            let a = label(&pick_pkg(rng), &format!("t{i}_al"));
            aliases.insert(a.clone(), l.clone());
            Some(a)
        } else {
            None
        };
        types.push(TypeDef { label: l, alias });
    }

    // Config settings used as target_settings.
    let mut configs = Vec::new();
    let pool = [
        ("is_opt", Cond::CompilationMode("opt")),
        ("is_dbg", Cond::CompilationMode("dbg")),
        ("is_fast", Cond::CompilationMode("fastbuild")),
        (
            "foo_x",
            Cond::Define {
                key: "foo",
                value: "x",
                via_values: false,
            },
        ),
        (
            "foo_y",
            Cond::Define {
                key: "foo",
                value: "y",
                via_values: true,
            },
        ),
        (
            "bar_1",
            Cond::Define {
                key: "bar",
                value: "1",
                via_values: false,
            },
        ),
    ];
    for (name, cond) in pool.iter() {
        if rng.chance(0.3) {
            configs.push(ConfigDef {
                label: label(&pick_pkg(rng), name),
                cond: cond.clone(),
            });
        }
    }

    // Toolchains.
    let mut toolchains = Vec::new();
    // Some cases constrain mostly the exec side: that is where "no execution platform" errors
    // and the dummy-toolchain hazard live.
    let (exec_p, target_p) = if rng.chance(0.35) {
        (0.7, 0.1)
    } else {
        (0.35, 0.25)
    };
    // With two types, sometimes give each a plain toolchain for another value of the first
    // setting on the exec side: no exec platform may then have both.
    let split_exec = types.len() >= 2 && rng.chance(0.3);
    for i in 0..rng.range(2, 9) {
        let pkg = pick_pkg(rng);
        let name = unique_name(rng, "tc", &mut used);
        // Every type gets at least one toolchain.
        let ty = if i < types.len() {
            i
        } else {
            rng.below(types.len())
        };
        let mut exec = pick_cons(rng, &settings, exec_p);
        let mut target = pick_cons(rng, &settings, target_p);
        if split_exec && i < 2 {
            exec = vec![(0, i)];
            target.clear();
        }
        let mut tsettings = Vec::new();
        let plain = split_exec && i < 2;
        if !configs.is_empty() && !plain && rng.chance(0.25) {
            tsettings.push(rng.below(configs.len()));
            if rng.chance(0.2) {
                let c = rng.below(configs.len());
                if !tsettings.contains(&c) {
                    tsettings.push(c);
                }
            }
        }
        toolchains.push(ToolchainDef {
            label: label(&pkg, &name),
            impl_label: label(&pkg, &format!("{name}_impl")),
            ty,
            exec,
            target,
            settings: tsettings,
        });
    }

    // Toolchain registrations.
    let mut tc_items: Vec<String> = Vec::new();
    for tc in &toolchains {
        let r = rng.below(10);
        if r < 5 {
            tc_items.push(tc.label.clone());
        } else if r < 9 {
            tc_items.push(label(pkg_of(&tc.label), "all"));
        }
    }
    // Bazel 4.2.3 orders sibling packages of a `/...` pattern in hash order (subpackages still come
    // before their parent): use such patterns only where the matched packages form one chain.
    let tc_pkgs: BTreeSet<&str> = toolchains.iter().map(|t| pkg_of(&t.label)).collect();
    for _ in 0..2 {
        if rng.chance(0.15) {
            let p = pick_pkg(rng);
            if is_chain(tc_pkgs.iter().copied().filter(|q| under(q, &p))) {
                tc_items.push(recursive_pattern(&p));
            }
        }
    }
    dedup_keep_first(&mut tc_items);
    rng.shuffle(&mut tc_items);

    // Execution platform registrations. Bazel 4.2.3 expands `:all` for execution platforms to
    // every alias too, and fails on aliases to non-platforms: wildcards only where that is safe.
    let non_platform_alias_pkgs: BTreeSet<String> = aliases
        .iter()
        .filter(|(_, actual)| !platforms.iter().any(|p| &p.label == *actual))
        .map(|(a, _)| pkg_of(a).to_string())
        .collect();
    let mut ex_items: Vec<String> = Vec::new();
    for p in &platforms {
        let r = rng.below(10);
        let pkg = pkg_of(&p.label);
        if r < 5 {
            ex_items.push(match &p.alias {
                Some(a) if rng.chance(0.5) => a.clone(),
                _ => p.label.clone(),
            });
        } else if r < 7 && !non_platform_alias_pkgs.contains(pkg) {
            ex_items.push(label(pkg, "all"));
        }
    }
    if rng.chance(0.15) {
        let p = pick_pkg(rng);
        let clean = !non_platform_alias_pkgs.iter().any(|q| under(q, &p));
        let matched = platforms
            .iter()
            .map(|x| pkg_of(&x.label))
            .chain(aliases.keys().map(|a| pkg_of(a)))
            .filter(|q| under(q, &p));
        if clean && is_chain(matched) {
            ex_items.push(recursive_pattern(&p));
        }
    }
    dedup_keep_first(&mut ex_items);
    rng.shuffle(&mut ex_items);

    let mut rc = Vec::new();
    let split = |rng: &mut Rng, items: Vec<String>, flag: &str, rc: &mut Vec<RcLine>| {
        let mut flags = Vec::new();
        let mut ws: Vec<Vec<String>> = Vec::new();
        for it in items {
            if rng.chance(0.3) {
                flags.push(it);
            } else {
                // WORKSPACE calls may spell the main repository by the workspace's own name.
                let it = if it.starts_with("//") && rng.chance(0.25) {
                    format!("@{MAIN_NAME}{it}")
                } else {
                    it
                };
                if ws.is_empty() || rng.chance(0.3) {
                    ws.push(vec![it]);
                } else {
                    ws.last_mut().unwrap().push(it);
                }
            }
        }
        // Flag values: one or more rc lines, comma lists inside a line.
        let mut i = 0;
        while i < flags.len() {
            let n = rng.range(1, flags.len() - i);
            let cmd = if rng.chance(0.2) { "common" } else { "build" };
            rc.push(RcLine {
                cmd,
                config: None,
                args: vec![format!("--{flag}={}", flags[i..i + n].join(","))],
            });
            i += n;
        }
        (flags, ws)
    };
    let (_, ws_toolchains) = split(rng, tc_items, "extra_toolchains", &mut rc);
    let (_, ws_exec) = split(rng, ex_items, "extra_execution_platforms", &mut rc);

    let platform_refs: Vec<String> = platforms
        .iter()
        .flat_map(|p| std::iter::once(p.label.clone()).chain(p.alias.clone()))
        .collect();
    let host = rng.pick(&platform_refs).clone();
    let host_in_rc = rng.chance(0.7);
    if host_in_rc {
        rc.push(RcLine {
            cmd: "build",
            config: None,
            args: vec![format!("--host_platform={host}")],
        });
    }
    if rng.chance(0.4) {
        rc.push(RcLine {
            cmd: "build",
            config: None,
            args: vec![format!("--platforms={}", rng.pick(&platform_refs))],
        });
    }
    for _ in 0..rng.range(0, 2) {
        let mode = *rng.pick(&["opt", "dbg", "fastbuild"]);
        let args = if rng.chance(0.5) {
            vec!["-c".to_string(), mode.to_string()]
        } else {
            vec![format!("--compilation_mode={mode}")]
        };
        rc.push(RcLine {
            cmd: "build",
            config: None,
            args,
        });
    }
    for _ in 0..rng.range(0, 2) {
        let d = *rng.pick(&["foo=x", "foo=y", "bar=1", "bar=2"]);
        let args = if rng.chance(0.5) {
            vec![format!("--define={d}")]
        } else {
            vec!["--define".to_string(), d.to_string()]
        };
        rc.push(RcLine {
            cmd: "build",
            config: None,
            args,
        });
    }
    rng.shuffle(&mut rc);

    // The consumer.
    // The consumer and its rule stay in the main repository.
    let cpkg = match pick_pkg(rng) {
        p if rng.chance(0.6) || in_ext(&p) => String::new(),
        p => p,
    };
    let consumer = label(&cpkg, "consumer");
    let consumer_bzl = if rng.chance(0.6) {
        "//:rules.bzl".to_string()
    } else {
        label(&cpkg, "consumer.bzl")
    };
    let mut consumer_types: Vec<usize> = (0..types.len()).filter(|_| rng.chance(0.7)).collect();
    if consumer_types.is_empty() {
        consumer_types.push(rng.below(types.len()));
    }
    let mut target_exec = Vec::new();
    let mut rule_exec = Vec::new();
    for (s, set) in settings.iter().enumerate() {
        let v = rng.below(set.values.len());
        if rng.chance(0.2) {
            target_exec.push((s, v));
        } else if rng.chance(0.08) {
            rule_exec.push((s, v));
        }
    }

    let mut requested = Vec::new();
    for _ in 0..rng.range(1, 3) {
        let p = rng.pick(&platform_refs).clone();
        if !requested.contains(&p) {
            requested.push(p);
        }
    }

    // In some cases the host platform is Bazel's own, detected on this machine (drawn last, so
    // every other case of a seed is what it was before these cases existed). Bazel 4.2.3 gives
    // `@local_config_platform//:host` this machine's `@platforms` CPU and OS; on 64-bit x86
    // Linux, the first value of either `@platforms` setting a case may have.
    let mut host = host;
    let mut host_in_rc = host_in_rc;
    let host_default = HOST_IS_X86_64_LINUX && rng.chance(0.25);
    if host_default {
        rc.retain(|l| !l.args.iter().any(|a| a.starts_with("--host_platform")));
        host = DEFAULT_HOST.to_string();
        host_in_rc = false;
        let cons = settings
            .iter()
            .enumerate()
            .filter(|(_, s)| in_platforms_repo(&s.label))
            .map(|(i, _)| (i, 0))
            .collect();
        platforms.push(Platform {
            label: host.clone(),
            alias: None,
            cons,
            parent: None,
        });
        if rng.chance(0.3) {
            requested.push(host.clone());
        }
    }

    // `.bazelrc` lines in both command orders, named configs and platform-specific configs:
    // their own random stream, so every other draw of a case is what it was before them.
    let pools = FlagPools {
        toolchains: toolchains
            .iter()
            .flat_map(|t| [t.label.clone(), label(pkg_of(&t.label), "all")])
            .collect(),
        exec: platforms
            .iter()
            .filter(|p| p.label != DEFAULT_HOST)
            .flat_map(|p| {
                let pkg = pkg_of(&p.label);
                let all = (!non_platform_alias_pkgs.contains(pkg)).then(|| label(pkg, "all"));
                std::iter::once(p.label.clone())
                    .chain(p.alias.clone())
                    .chain(all)
            })
            .collect(),
        platforms: platform_refs.clone(),
        host: !host_default,
    };
    let cli_configs = rc_variations(&mut Rng::new(seed ^ 0xBA2E_1C0F), &mut rc, &pools);

    World {
        packages,
        settings,
        platforms,
        types,
        configs,
        toolchains,
        ws_toolchains,
        ws_exec,
        host,
        host_in_rc,
        rc,
        cli_configs,
        consumer,
        consumer_bzl,
        consumer_types,
        target_exec,
        rule_exec,
        requested,
        aliases,
    }
}

/// What the rc lines drawn by [`rc_variations`] may name.
struct FlagPools {
    /// Toolchain labels and `:all` patterns.
    toolchains: Vec<String>,
    /// Execution platforms, their aliases, and `:all` where every alias is a platform.
    exec: Vec<String>,
    /// Platforms and aliases for `--platforms` / `--host_platform`.
    platforms: Vec<String>,
    /// Whether `--host_platform` may be set (not where the host is Bazel's own).
    host: bool,
}

/// Names of the configs cases define; none is an OS name, so only
/// `--enable_platform_specific_config` selects the OS configs.
const CONFIG_NAMES: &[&str] = &["ci", "remote", "dev", "fast_1"];

/// The OS configs: `linux` is the oracle's host (and toolcheck's, which reads the machine it
/// runs on); the others must never apply.
const OS_CONFIGS: &[&str] = &["linux", "macos", "windows", "freebsd"];

/// One option (its tokens) for an rc line; `nested` names configs it may `--config` to.
fn rc_option(rng: &mut Rng, pools: &FlagPools, nested: &[&'static str]) -> Vec<String> {
    let comma_list = |rng: &mut Rng, pool: &[String]| {
        let mut items: Vec<String> = (0..rng.range(1, 2))
            .map(|_| rng.pick(pool).clone())
            .collect();
        dedup_keep_first(&mut items);
        items.join(",")
    };
    loop {
        match rng.below(12) {
            0..=2 => {
                return vec![format!(
                    "--extra_toolchains={}",
                    comma_list(rng, &pools.toolchains)
                )]
            }
            3 | 4 if !pools.exec.is_empty() => {
                return vec![format!(
                    "--extra_execution_platforms={}",
                    comma_list(rng, &pools.exec)
                )]
            }
            5 => return vec![format!("--platforms={}", rng.pick(&pools.platforms))],
            6 if pools.host => {
                return vec![format!("--host_platform={}", rng.pick(&pools.platforms))]
            }
            7 | 8 => {
                let mode = *rng.pick(&["opt", "dbg", "fastbuild"]);
                return if rng.chance(0.5) {
                    vec!["-c".to_string(), mode.to_string()]
                } else {
                    vec![format!("--compilation_mode={mode}")]
                };
            }
            9 | 10 => {
                let d = *rng.pick(&["foo=x", "foo=y", "bar=1", "bar=2"]);
                return if rng.chance(0.5) {
                    vec![format!("--define={d}")]
                } else {
                    vec!["--define".to_string(), d.to_string()]
                };
            }
            // Only as `--config=NAME`: Bazel 4.2.3 rejects `--config NAME` inside a config's
            // definition ("please do not provide the value in a separate token").
            11 if !nested.is_empty() => return vec![format!("--config={}", rng.pick(nested))],
            _ => {}
        }
    }
}

/// An rc line of 1-2 options.
fn rc_line(
    rng: &mut Rng,
    pools: &FlagPools,
    config: Option<&'static str>,
    nested: &[&'static str],
) -> RcLine {
    let mut args = Vec::new();
    for _ in 0..rng.range(1, 2) {
        args.extend(rc_option(rng, pools, nested));
    }
    RcLine {
        cmd: if rng.chance(0.35) { "common" } else { "build" },
        config,
        args,
    }
}

/// Inserts `line` at a random position of `rc` at or after `from`; returns its index.
fn insert_line(rng: &mut Rng, rc: &mut Vec<RcLine>, from: usize, line: RcLine) -> usize {
    let at = rng.range(from.min(rc.len()), rc.len());
    rc.insert(at, line);
    at
}

/// Adds to `rc` (from its own stream `rng`) unconditional lines in both command orders, named
/// configs (`build:NAME` / `common:NAME`, nested `--config`) and platform-specific configs
/// (`--enable_platform_specific_config` with `build:linux` and OS configs that must not apply);
/// returns the configs named on the command line. Every config referenced is defined, and
/// nesting goes from a config to later ones only (Bazel rejects cycles).
fn rc_variations(rng: &mut Rng, rc: &mut Vec<RcLine>, pools: &FlagPools) -> Vec<&'static str> {
    // Accumulating flags in both orders: a `build` line right above a `common` one (Bazel
    // still applies the `common` line first), and single lines anywhere.
    if rng.chance(0.3) {
        let mut pair = [
            rc_line(rng, pools, None, &[]),
            rc_line(rng, pools, None, &[]),
        ];
        let flag = if pools.exec.is_empty() || rng.chance(0.6) {
            "extra_toolchains"
        } else {
            "extra_execution_platforms"
        };
        for (line, cmd) in pair.iter_mut().zip(["build", "common"]) {
            let pool = if flag == "extra_toolchains" {
                &pools.toolchains
            } else {
                &pools.exec
            };
            line.cmd = cmd;
            line.args = vec![format!("--{flag}={}", rng.pick(pool))];
        }
        let [b, c] = pair;
        let at = insert_line(rng, rc, 0, b);
        rc.insert(at + 1, c);
    }
    if rng.chance(0.3) {
        for _ in 0..rng.range(1, 2) {
            let line = rc_line(rng, pools, None, &[]);
            insert_line(rng, rc, 0, line);
        }
    }

    // Named configs; `--config` inside one names a later one only.
    let mut cli = Vec::new();
    if rng.chance(0.5) {
        let mut names: Vec<&'static str> = CONFIG_NAMES.to_vec();
        rng.shuffle(&mut names);
        names.truncate(rng.range(1, 3));
        for (k, name) in names.iter().enumerate() {
            for _ in 0..rng.range(1, 3) {
                let line = rc_line(rng, pools, Some(name), &names[k + 1..]);
                insert_line(rng, rc, 0, line);
            }
        }
        // Several at once, in any order; sometimes one selected by an unconditional rc line
        // instead, and sometimes one defined but never selected.
        let mut selected = names.clone();
        rng.shuffle(&mut selected);
        selected.truncate(rng.range(1, selected.len()));
        if rng.chance(0.2) {
            let by_rc = selected.remove(0);
            let line = RcLine {
                cmd: if rng.chance(0.5) { "common" } else { "build" },
                config: None,
                args: if rng.chance(0.7) {
                    vec![format!("--config={by_rc}")]
                } else {
                    vec!["--config".to_string(), by_rc.to_string()]
                },
            };
            insert_line(rng, rc, 0, line);
        }
        cli = selected;
    }
    let named: Vec<&'static str> = rc.iter().filter_map(|l| l.config).collect();

    // Platform-specific configs.
    if rng.chance(0.35) {
        let enable = rng.chance(0.85);
        if enable {
            // Bazel's boolean converter takes any case and one-letter forms.
            let flag = if rng.chance(0.6) {
                "--enable_platform_specific_config"
            } else {
                *rng.pick(&[
                    "--enable_platform_specific_config=true",
                    "--enable_platform_specific_config=yes",
                    "--enable_platform_specific_config=1",
                    "--enable_platform_specific_config=Y",
                ])
            };
            let line = RcLine {
                cmd: if rng.chance(0.5) { "common" } else { "build" },
                config: None,
                args: vec![flag.to_string()],
            };
            // Sometimes inside a named config (selected or not) instead.
            match named.first() {
                Some(&c) if rng.chance(0.25) => {
                    let line = RcLine {
                        config: Some(c),
                        ..line
                    };
                    insert_line(rng, rc, 0, line);
                }
                _ => {
                    insert_line(rng, rc, 0, line);
                }
            }
        }
        for _ in 0..rng.range(1, 2) {
            let line = rc_line(rng, pools, Some("linux"), &named);
            insert_line(rng, rc, 0, line);
        }
        for os in &OS_CONFIGS[1..] {
            if rng.chance(0.3) {
                let line = rc_line(rng, pools, Some(os), &named);
                insert_line(rng, rc, 0, line);
            }
        }
        if enable && rng.chance(0.25) {
            let flag = if rng.chance(0.6) {
                "--noenable_platform_specific_config"
            } else {
                *rng.pick(&[
                    "--enable_platform_specific_config=false",
                    "--enable_platform_specific_config=no",
                    "--enable_platform_specific_config=0",
                    "--enable_platform_specific_config=F",
                ])
            };
            let line = RcLine {
                cmd: if rng.chance(0.5) { "common" } else { "build" },
                config: None,
                args: vec![flag.to_string()],
            };
            let enabled_at = rc
                .iter()
                .position(|l| l.args[0].starts_with("--enable_platform_specific_config"))
                .unwrap_or(0);
            insert_line(rng, rc, enabled_at + 1, line);
        }
    }
    cli
}

/// Whether package `pkg` is matched by the pattern `//prefix/...`.
fn under(pkg: &str, prefix: &str) -> bool {
    if prefix.is_empty() {
        return !in_ext(pkg);
    }
    if prefix == EXT_ROOT {
        return in_ext(pkg);
    }
    pkg == prefix || pkg.starts_with(&format!("{prefix}/"))
}

/// Whether every two of the packages are nested one inside the other.
fn is_chain<'a>(pkgs: impl Iterator<Item = &'a str>) -> bool {
    let pkgs: BTreeSet<&str> = pkgs.collect();
    pkgs.iter()
        .all(|a| pkgs.iter().all(|b| under(a, b) || under(b, a)))
}

fn recursive_pattern(pkg: &str) -> String {
    if pkg.is_empty() {
        "//...".to_string()
    } else if pkg == EXT_ROOT {
        format!("{EXT_ROOT}...")
    } else if in_ext(pkg) {
        format!("{pkg}/...")
    } else {
        format!("//{pkg}/...")
    }
}

fn dedup_keep_first(items: &mut Vec<String>) {
    let mut seen = BTreeSet::new();
    items.retain(|i| seen.insert(i.clone()));
}

// ------------------------------------------------------------------------------------------------
// Rendering a world into files.

struct Builder {
    /// package -> (target name, text); sorted by a random key when rendered.
    targets: BTreeMap<String, Vec<(u64, String)>>,
    loads: BTreeMap<String, BTreeSet<(String, String)>>,
}

impl Builder {
    fn add(&mut self, rng: &mut Rng, pkg: &str, text: String) {
        self.targets
            .entry(pkg.to_string())
            .or_default()
            .push((rng.next(), text));
    }
    fn load(&mut self, pkg: &str, bzl: &str, sym: &str) {
        self.loads
            .entry(pkg.to_string())
            .or_default()
            .insert((bzl.to_string(), sym.to_string()));
    }
}

/// How a BUILD file of `from_pkg` spells label `l`: relative to the package sometimes, and
/// from the external repository, its own labels without the repository and the main
/// repository's as `@//` or by the workspace's name.
fn r(rng: &mut Rng, from_pkg: &str, l: &str) -> String {
    if in_platforms_repo(l) {
        return l.to_string();
    }
    if pkg_of(l) == from_pkg && rng.chance(0.5) {
        return format!(":{}", name_of(l));
    }
    match (in_ext(from_pkg), in_ext(l)) {
        (true, true) if rng.chance(0.5) => format!("//{}", &l[EXT_ROOT.len()..]),
        (true, false) if rng.chance(0.5) => format!("@{l}"),
        (true, false) => format!("@{MAIN_NAME}{l}"),
        _ => l.to_string(),
    }
}

fn list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("\"{i}\"")).collect();
    format!("[{}]", quoted.join(", "))
}

fn value_ref(rng: &mut Rng, w: &World, from_pkg: &str, (s, v): (usize, usize)) -> String {
    let set = &w.settings[s];
    match &set.value_alias[v] {
        Some(a) if rng.chance(0.5) => r(rng, from_pkg, a),
        _ => r(rng, from_pkg, &set.values[v]),
    }
}

fn value_refs(rng: &mut Rng, w: &World, from_pkg: &str, cons: &[(usize, usize)]) -> Vec<String> {
    cons.iter()
        .map(|&c| value_ref(rng, w, from_pkg, c))
        .collect()
}

/// The `.bzl` text defining `consumer_rule`, written in one of the forms real rulesets use:
/// 0 a `rule()` bound directly; 1 a rule factory taking `**kwargs`; 2 `rule(**dict)`;
/// 3 attribute lists computed by nested helper calls (a comprehension, `+`, a loop);
/// 4 a builder: a struct of settings and the function that makes the rule from them.
fn consumer_rule_text(form: usize, type_refs: &[String], rule_exec: &[String]) -> String {
    let mut text = String::from("def _consumer_impl(ctx):\n    return []\n\n");
    let exec_kw = if rule_exec.is_empty() {
        String::new()
    } else {
        format!(", exec_compatible_with = {}", list(rule_exec))
    };
    match form {
        1 => {
            let _ = write!(
                text,
                "def _make_rule(types, impl = _consumer_impl, **kwargs):\n    \
                 return rule(implementation = impl, toolchains = types, **kwargs)\n\n\
                 consumer_rule = _make_rule({}{exec_kw})\n",
                list(type_refs)
            );
        }
        2 => {
            let _ = write!(
                text,
                "_RULE_ARGS = {{\n    \"implementation\": _consumer_impl,\n    \"toolchains\": {},\n}}\n",
                list(type_refs)
            );
            if !rule_exec.is_empty() {
                let _ = writeln!(
                    text,
                    "_RULE_ARGS[\"exec_compatible_with\"] = {}",
                    list(rule_exec)
                );
            }
            text.push_str("\nconsumer_rule = rule(**_RULE_ARGS)\n");
        }
        3 => {
            // Halves joined by helpers: `[t for t in ...]`, `+`, and a loop with append.
            let half = type_refs.len() / 2;
            let _ = write!(
                text,
                "def _copy(items):\n    return [t for t in items]\n\n\
                 def _joined(first, second):\n    out = []\n    for t in _copy(first) + second:\n        out.append(t)\n    return out\n\n\
                 def _exec():\n    return {}\n\n\
                 consumer_rule = rule(\n    implementation = _consumer_impl,\n    toolchains = _joined({}, {}),\n    exec_compatible_with = _exec(),\n)\n",
                list(rule_exec),
                list(&type_refs[..half]),
                list(&type_refs[half..])
            );
        }
        4 => {
            // Bazel 4 has no nested functions: the builder is a struct of settings and
            // a top-level function that reads them.
            let _ = write!(
                text,
                "def _build(settings, **kw):\n    \
                 return rule(implementation = settings.impl, toolchains = settings.types, **kw)\n\n\
                 def _builder(types):\n    return struct(types = types, impl = _consumer_impl, build = _build)\n\n\
                 _BUILDER = _builder({})\n\n\
                 consumer_rule = _BUILDER.build(_BUILDER{exec_kw})\n",
                list(type_refs),
            );
        }
        _ => {
            let _ = write!(
                text,
                "consumer_rule = rule(\n    implementation = _consumer_impl,\n    toolchains = {},\n",
                list(type_refs)
            );
            if !rule_exec.is_empty() {
                let _ = writeln!(text, "    exec_compatible_with = {},", list(rule_exec));
            }
            text.push_str(")\n");
        }
    }
    text
}

fn render(w: &World, seed: u64) -> BTreeMap<String, String> {
    let rng = &mut Rng::new(seed ^ 0x5EED);
    let mut b = Builder {
        targets: BTreeMap::new(),
        loads: BTreeMap::new(),
    };
    for s in w.settings.iter().filter(|s| !in_platforms_repo(&s.label)) {
        let pkg = pkg_of(&s.label);
        let default = match s.default {
            Some(d) => format!(
                ", default_constraint_value = \"{}\"",
                r(rng, pkg, &s.values[d])
            ),
            None => String::new(),
        };
        b.add(
            rng,
            pkg,
            format!(
                "constraint_setting(name = \"{}\"{default})",
                name_of(&s.label)
            ),
        );
        for v in &s.values {
            let vp = pkg_of(v);
            let text = format!(
                "constraint_value(name = \"{}\", constraint_setting = \"{}\")",
                name_of(v),
                r(rng, vp, &s.label)
            );
            b.add(rng, vp, text);
        }
    }
    for (a, actual) in w.aliases.iter().filter(|(a, _)| !in_platforms_repo(a)) {
        let ap = pkg_of(a);
        let text = format!(
            "alias(name = \"{}\", actual = \"{}\")",
            name_of(a),
            r(rng, ap, actual)
        );
        b.add(rng, ap, text);
    }
    for p in &w.platforms {
        if p.label == DEFAULT_HOST {
            // Bazel's own: not in the workspace.
            continue;
        }
        let pkg = pkg_of(&p.label);
        let mut text = format!("platform(name = \"{}\"", name_of(&p.label));
        if !p.cons.is_empty() || rng.chance(0.3) {
            let _ = write!(
                text,
                ", constraint_values = {}",
                list(&value_refs(rng, w, pkg, &p.cons))
            );
        }
        if let Some(parent) = p.parent {
            let _ = write!(
                text,
                ", parents = [\"{}\"]",
                r(rng, pkg, &w.platforms[parent].label)
            );
        }
        text.push(')');
        b.add(rng, pkg, text);
    }
    for t in &w.types {
        b.add(
            rng,
            pkg_of(&t.label),
            format!("toolchain_type(name = \"{}\")", name_of(&t.label)),
        );
    }
    for c in &w.configs {
        let pkg = pkg_of(&c.label);
        let body = match &c.cond {
            Cond::CompilationMode(m) => format!("values = {{\"compilation_mode\": \"{m}\"}}"),
            Cond::Define {
                key,
                value,
                via_values: false,
            } => {
                format!("define_values = {{\"{key}\": \"{value}\"}}")
            }
            Cond::Define {
                key,
                value,
                via_values: true,
            } => {
                format!("values = {{\"define\": \"{key}={value}\"}}")
            }
        };
        b.add(
            rng,
            pkg,
            format!("config_setting(name = \"{}\", {body})", name_of(&c.label)),
        );
    }
    for tc in &w.toolchains {
        let pkg = pkg_of(&tc.label);
        b.load(pkg, "//:rules.bzl", "dummy_toolchain");
        b.add(
            rng,
            pkg,
            format!("dummy_toolchain(name = \"{}\")", name_of(&tc.impl_label)),
        );
        let ty = &w.types[tc.ty];
        let ty_ref = match &ty.alias {
            Some(a) if rng.chance(0.5) => r(rng, pkg, a),
            _ => r(rng, pkg, &ty.label),
        };
        let mut text = format!(
            "toolchain(\n    name = \"{}\",\n    toolchain_type = \"{ty_ref}\",\n    toolchain = \"{}\",\n",
            name_of(&tc.label),
            r(rng, pkg, &tc.impl_label)
        );
        if !tc.exec.is_empty() {
            let _ = writeln!(
                text,
                "    exec_compatible_with = {},",
                list(&value_refs(rng, w, pkg, &tc.exec))
            );
        }
        if !tc.target.is_empty() {
            let _ = writeln!(
                text,
                "    target_compatible_with = {},",
                list(&value_refs(rng, w, pkg, &tc.target))
            );
        }
        if !tc.settings.is_empty() {
            let refs: Vec<String> = tc
                .settings
                .iter()
                .map(|&c| r(rng, pkg, &w.configs[c].label))
                .collect();
            let _ = writeln!(text, "    target_settings = {},", list(&refs));
        }
        text.push(')');
        b.add(rng, pkg, text);
    }

    // Consumer rule and target.
    let cpkg = pkg_of(&w.consumer);
    let type_refs: Vec<String> = w
        .consumer_types
        .iter()
        .map(|&t| match &w.types[t].alias {
            Some(a) if rng.chance(0.5) => a.clone(),
            _ => w.types[t].label.clone(),
        })
        .collect();
    let rule_exec: Vec<String> = w
        .rule_exec
        .iter()
        .map(|&(s, v)| match &w.settings[s].value_alias[v] {
            Some(a) if rng.chance(0.5) => a.clone(),
            _ => w.settings[s].values[v].clone(),
        })
        .collect();
    // How the rule is written: its own random stream, so every other draw of the case is
    // the one it had before rule factories were generated.
    let form = Rng::new(seed ^ 0xFAC7_0E1E).below(5);
    let consumer_rule = consumer_rule_text(form, &type_refs, &rule_exec);
    b.load(cpkg, &w.consumer_bzl, "consumer_rule");
    let mut text = String::from("consumer_rule(name = \"consumer\"");
    if !w.target_exec.is_empty() {
        let _ = write!(
            text,
            ", exec_compatible_with = {}",
            list(&value_refs(rng, w, cpkg, &w.target_exec))
        );
    }
    text.push(')');
    b.add(rng, cpkg, text);

    let mut files = BTreeMap::new();
    let mut rules_bzl = String::from(
        "\"\"\"Rules of a generated oracle case.\"\"\"\n\ndef _dummy_impl(ctx):\n    return [platform_common.ToolchainInfo()]\n\ndummy_toolchain = rule(implementation = _dummy_impl)\n",
    );
    if w.consumer_bzl == "//:rules.bzl" {
        rules_bzl.push('\n');
        rules_bzl.push_str(&consumer_rule);
    } else {
        let path = if cpkg.is_empty() {
            "consumer.bzl".to_string()
        } else {
            format!("{cpkg}/consumer.bzl")
        };
        files.insert(path, consumer_rule);
    }
    files.insert("rules.bzl".to_string(), rules_bzl);

    for pkg in &w.packages {
        let mut text = String::new();
        let mut by_bzl: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        if let Some(loads) = b.loads.get(pkg) {
            for (bzl, sym) in loads {
                by_bzl.entry(bzl).or_default().push(sym);
            }
        }
        for (bzl, syms) in by_bzl {
            let syms: Vec<String> = syms.iter().map(|s| format!("\"{s}\"")).collect();
            // The external repository loads the main repository's rules.
            let at = if in_ext(pkg) { "@" } else { "" };
            let _ = writeln!(text, "load(\"{at}{bzl}\", {})", syms.join(", "));
        }
        text.push_str("\npackage(default_visibility = [\"//visibility:public\"])\n");
        let mut targets = b.targets.remove(pkg).unwrap_or_default();
        targets.sort();
        for (_, t) in targets {
            text.push('\n');
            text.push_str(&t);
            text.push('\n');
        }
        let path = if pkg.is_empty() {
            "BUILD".to_string()
        } else if let Some(rest) = pkg.strip_prefix(EXT_ROOT) {
            if rest.is_empty() {
                format!("{EXT_DIR}/BUILD")
            } else {
                format!("{EXT_DIR}/{rest}/BUILD")
            }
        } else {
            format!("{pkg}/BUILD")
        };
        files.insert(path, text);
    }

    let mut ws = format!("workspace(name = \"{MAIN_NAME}\")\n");
    if w.packages.iter().any(|p| in_ext(p)) {
        let name = EXT_ROOT.trim_matches(|c| c == '@' || c == '/');
        let _ = writeln!(
            ws,
            "local_repository(name = \"{name}\", path = \"{EXT_DIR}\")"
        );
        files.insert(
            format!("{EXT_DIR}/WORKSPACE"),
            format!("workspace(name = \"{name}\")\n"),
        );
    }
    for call in &w.ws_toolchains {
        let _ = writeln!(ws, "register_toolchains({})", quoted_args(call));
    }
    for call in &w.ws_exec {
        let _ = writeln!(ws, "register_execution_platforms({})", quoted_args(call));
    }
    files.insert("WORKSPACE".to_string(), ws);
    let mut rc = String::new();
    for line in &w.rc {
        let cmd = match line.config {
            Some(c) => format!("{}:{c}", line.cmd),
            None => line.cmd.to_string(),
        };
        let _ = writeln!(rc, "{cmd} {}", line.args.join(" "));
    }
    files.insert(".bazelrc".to_string(), rc);
    files
}

fn quoted_args(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("\"{i}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

// ------------------------------------------------------------------------------------------------
// Answers.

#[derive(Clone, Debug, PartialEq, Eq)]
enum Answer {
    Resolved {
        exec: String,
        toolchains: BTreeMap<String, String>,
    },
    NoMatchingToolchains(Vec<String>),
    NoMatchingExecPlatform(Vec<String>),
}

impl std::fmt::Display for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Answer::Resolved { exec, toolchains } => {
                write!(f, "exec {exec}")?;
                for (t, i) in toolchains {
                    write!(f, ", {t} -> {i}")?;
                }
                Ok(())
            }
            Answer::NoMatchingToolchains(t) => {
                write!(f, "error no_matching_toolchains [{}]", t.join(", "))
            }
            Answer::NoMatchingExecPlatform(t) => {
                write!(f, "error no_matching_exec_platform [{}]", t.join(", "))
            }
        }
    }
}

/// Brings a label to one display form and resolves the case's aliases.
fn norm(w: &World, l: &str) -> String {
    let mut s = l.trim().to_string();
    if let Some(rest) = s.strip_prefix("@//") {
        s = format!("//{rest}");
    }
    if s.starts_with("//") && !s.contains(':') {
        let last = s.rsplit('/').next().unwrap_or("").to_string();
        s = format!("{s}:{last}");
    }
    w.resolve_alias(&s).to_string()
}

fn norm_answer(w: &World, a: Answer) -> Answer {
    let sorted = |v: Vec<String>| {
        let set: BTreeSet<String> = v.iter().map(|t| norm(w, t)).collect();
        set.into_iter().collect::<Vec<_>>()
    };
    match a {
        Answer::Resolved { exec, toolchains } => Answer::Resolved {
            exec: norm(w, &exec),
            toolchains: toolchains
                .into_iter()
                .map(|(t, i)| (norm(w, &t), norm(w, &i)))
                .collect(),
        },
        Answer::NoMatchingToolchains(t) => Answer::NoMatchingToolchains(sorted(t)),
        Answer::NoMatchingExecPlatform(t) => Answer::NoMatchingExecPlatform(sorted(t)),
    }
}

// ------------------------------------------------------------------------------------------------
// Reference model of Bazel 4.2.3 (WORKSPACE mode, mandatory toolchains only).

/// Package directories under `prefix` in Bazel 4's `/...` order: post-order, siblings by name.
fn packages_under(w: &World, prefix: &str) -> Vec<String> {
    // Bazel's order: a depth-first walk with sorted children, each package after the packages
    // below it. Sorting by path components with a greatest element appended gives that order.
    let components = |p: &str| -> Vec<String> {
        let path = p.strip_prefix(EXT_ROOT).unwrap_or(p);
        let mut v: Vec<String> = path
            .split('/')
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect();
        v.push(char::MAX.to_string());
        v
    };
    let mut out: Vec<String> = w
        .packages
        .iter()
        .filter(|p| under(p, prefix))
        .cloned()
        .collect();
    out.sort_by_key(|p| components(p));
    out
}

fn expand(w: &World, pattern: &str, toolchains: bool) -> Vec<String> {
    // `@<workspace name>//x` is `//x` (the main repository, since Bazel 2.0).
    let pattern = pattern
        .strip_prefix('@')
        .and_then(|p| p.strip_prefix(MAIN_NAME))
        .unwrap_or(pattern);
    let in_pkg = |pkg: &str| -> Vec<String> {
        let mut names: Vec<String> = if toolchains {
            w.toolchains
                .iter()
                .filter(|t| pkg_of(&t.label) == pkg)
                .map(|t| t.label.clone())
                .collect()
        } else {
            let mut v: Vec<String> = w
                .platforms
                .iter()
                .filter(|p| pkg_of(&p.label) == pkg)
                .map(|p| p.label.clone())
                .collect();
            v.extend(w.aliases.keys().filter(|a| pkg_of(a) == pkg).cloned());
            v
        };
        names.sort_by(|a, b| name_of(a).cmp(name_of(b)));
        names
    };
    let labels = if let Some(prefix) = pattern.strip_suffix("...") {
        let prefix = if prefix == EXT_ROOT {
            prefix
        } else {
            prefix.trim_start_matches("//").trim_end_matches('/')
        };
        packages_under(w, prefix)
            .iter()
            .flat_map(|p| in_pkg(p))
            .collect()
    } else if let Some(pkg) = pattern.strip_suffix(":all") {
        in_pkg(pkg_of(&format!("{pkg}:all")))
    } else {
        vec![pattern.to_string()]
    };
    labels
        .iter()
        .map(|l| w.resolve_alias(l).to_string())
        .collect()
}

/// The arguments of `bazel build` as Bazel 4.2.3 orders them (observed with the real binary):
/// every unconditional `common` rc line, then every `build` line, then the command line; each
/// `--config=NAME` replaced in place by `common:NAME` then `build:NAME` lines (recursively);
/// and the host OS's config (`linux`, if it has lines) inserted right after the last
/// `--enable_platform_specific_config` when that last occurrence is true.
fn effective_args(w: &World) -> Vec<String> {
    let mut flat = args_without_os_config(w);
    if let Some(i) = platform_config_at(w, &flat) {
        let expanded = expand_configs(w, &config_lines(w, Some(OS_CONFIGS[0])));
        flat.splice(i + 1..i + 1, expanded);
    }
    flat
}

/// The rc lines and the command line in Bazel's order, named configs expanded.
fn args_without_os_config(w: &World) -> Vec<String> {
    let mut args: Vec<String> = config_lines(w, None);
    args.extend(w.cli_configs.iter().map(|c| format!("--config={c}")));
    if !w.host_in_rc && w.host != DEFAULT_HOST {
        args.push(format!("--host_platform={}", w.host));
    }
    expand_configs(w, &args)
}

/// Where the host OS's config expands in `flat` (configs expanded): after the last
/// `--[no]enable_platform_specific_config` if that one is true and the config has lines.
fn platform_config_at(w: &World, flat: &[String]) -> Option<usize> {
    let i = flat.iter().rposition(|a| {
        a.starts_with("--enable_platform_specific_config")
            || a.starts_with("--noenable_platform_specific_config")
    })?;
    let on = match flat[i].split_once('=') {
        Some((_, v)) => ["true", "yes", "1", "t", "y"].contains(&v.to_lowercase().as_str()),
        None => flat[i].starts_with("--enable"),
    };
    let defined = w.rc.iter().any(|l| l.config == Some(OS_CONFIGS[0]));
    (on && defined).then_some(i)
}

/// The arguments of the rc lines of `config`: `common` lines first, then `build` lines.
fn config_lines(w: &World, config: Option<&str>) -> Vec<String> {
    ["common", "build"]
        .iter()
        .flat_map(|cmd| {
            w.rc.iter()
                .filter(move |l| l.cmd == *cmd && l.config == config)
                .flat_map(|l| l.args.iter().cloned())
        })
        .collect()
}

fn expand_configs(w: &World, args: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let name = match a.strip_prefix("--config=") {
            Some(n) => n,
            None if a == "--config" => it.next().map(String::as_str).unwrap_or_default(),
            None => {
                out.push(a.clone());
                continue;
            }
        };
        out.extend(expand_configs(w, &config_lines(w, Some(name))));
    }
    out
}

fn model(w: &World, requested: &str) -> Answer {
    let p = w
        .platform_index(requested)
        .expect("requested platform exists");
    let mut mode = "fastbuild";
    let mut defines: BTreeMap<String, String> = BTreeMap::new();
    let mut host = DEFAULT_HOST.to_string();
    let args = effective_args(w);
    {
        let mut it = args.iter();
        while let Some(a) = it.next() {
            if let Some(h) = a.strip_prefix("--host_platform=") {
                host = h.to_string();
            }
            if a == "-c" {
                mode = it.next().map(|s| s.as_str()).unwrap_or(mode);
                mode = ["opt", "dbg", "fastbuild"]
                    .into_iter()
                    .find(|m| *m == mode)
                    .unwrap_or(mode);
            } else if let Some(m) = a.strip_prefix("--compilation_mode=") {
                mode = ["opt", "dbg", "fastbuild"]
                    .into_iter()
                    .find(|x| *x == m)
                    .unwrap_or(mode);
            } else if a == "--define" || a.starts_with("--define=") {
                let d = if a == "--define" {
                    it.next().cloned().unwrap_or_default()
                } else {
                    a[9..].to_string()
                };
                if let Some((k, v)) = d.split_once('=') {
                    defines.insert(k.to_string(), v.to_string());
                }
            }
        }
    }
    let cond_ok = |c: &Cond| match c {
        Cond::CompilationMode(m) => *m == mode,
        Cond::Define { key, value, .. } => defines.get(*key).map(String::as_str) == Some(*value),
    };

    // Flag values in the order Bazel applies them.
    let flag_values = |flag: &str| -> Vec<String> {
        let prefix = format!("--{flag}=");
        args.iter()
            .filter_map(|a| a.strip_prefix(&prefix))
            .flat_map(|v| v.split(','))
            .map(str::to_string)
            .collect()
    };
    let mut tc_labels: Vec<String> = Vec::new();
    for pat in flag_values("extra_toolchains")
        .iter()
        .chain(w.ws_toolchains.iter().flatten())
    {
        tc_labels.extend(expand(w, pat, true));
    }
    dedup_keep_first(&mut tc_labels);
    let registered: Vec<&ToolchainDef> = tc_labels
        .iter()
        .filter_map(|l| w.toolchains.iter().find(|t| &t.label == l))
        .filter(|t| t.settings.iter().all(|&c| cond_ok(&w.configs[c].cond)))
        .collect();

    let mut exec_labels: Vec<String> = Vec::new();
    for pat in flag_values("extra_execution_platforms")
        .iter()
        .chain(w.ws_exec.iter().flatten())
    {
        exec_labels.extend(expand(w, pat, false));
    }
    exec_labels.push(w.resolve_alias(&host).to_string());
    dedup_keep_first(&mut exec_labels);
    let exec_cons: Vec<(usize, usize)> = w
        .target_exec
        .iter()
        .chain(w.rule_exec.iter())
        .copied()
        .collect();
    let execs: Vec<usize> = exec_labels
        .iter()
        .filter_map(|l| w.platform_index(l))
        .filter(|&e| w.matches(e, &exec_cons))
        .collect();

    // Predicate B: only settings the toolchain lists explicitly.
    let mut table: BTreeMap<(usize, usize), &ToolchainDef> = BTreeMap::new();
    for &t in &w.consumer_types {
        for &e in &execs {
            if let Some(tc) = registered
                .iter()
                .find(|tc| tc.ty == t && w.matches(p, &tc.target) && w.matches(e, &tc.exec))
            {
                table.insert((e, t), tc);
            }
        }
    }
    let type_labels = |ts: Vec<usize>| {
        ts.iter()
            .map(|&t| w.types[t].label.clone())
            .collect::<Vec<_>>()
    };
    let missing: Vec<usize> = w
        .consumer_types
        .iter()
        .copied()
        .filter(|&t| !execs.iter().any(|&e| table.contains_key(&(e, t))))
        .collect();
    if !missing.is_empty() {
        return Answer::NoMatchingToolchains(type_labels(missing));
    }
    match execs.iter().find(|&&e| {
        w.consumer_types
            .iter()
            .all(|&t| table.contains_key(&(e, t)))
    }) {
        Some(&e) => Answer::Resolved {
            exec: w.platforms[e].label.clone(),
            toolchains: w
                .consumer_types
                .iter()
                .map(|&t| (w.types[t].label.clone(), table[&(e, t)].impl_label.clone()))
                .collect(),
        },
        None => Answer::NoMatchingExecPlatform(type_labels(w.consumer_types.clone())),
    }
}

// ------------------------------------------------------------------------------------------------
// Bazel.

const HARNESS_PKG: &str = "oracle_harness";
const HARNESS_BZL: &str = r#""""Split transition over --platforms for the oracle harness."""

def _split_impl(settings, attr):
    return {str(i): {"//command_line_option:platforms": p} for i, p in enumerate(attr.target_platforms)}

_split = transition(
    implementation = _split_impl,
    inputs = [],
    outputs = ["//command_line_option:platforms"],
)

def _root_impl(ctx):
    return []

oracle_root = rule(
    implementation = _root_impl,
    attrs = {
        "dep": attr.label(cfg = _split),
        "target_platforms": attr.string_list(),
        "_allowlist_function_transition": attr.label(
            default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
        ),
    },
)
"#;

struct Bazel {
    cache: PathBuf,
    ws: PathBuf,
    nonce: u64,
}

fn write_files(dir: &Path, files: &BTreeMap<String, String>) -> std::io::Result<()> {
    if dir.exists() {
        for entry in std::fs::read_dir(dir)? {
            let p = entry?.path();
            if p.is_dir() {
                std::fs::remove_dir_all(&p)?;
            } else {
                std::fs::remove_file(&p)?;
            }
        }
    }
    std::fs::create_dir_all(dir)?;
    for (path, text) in files {
        let full = dir.join(path);
        std::fs::create_dir_all(full.parent().unwrap())?;
        std::fs::write(full, text)?;
    }
    Ok(())
}

impl Bazel {
    fn startup_args(&self) -> Vec<String> {
        // The workspace's `.bazelrc` is read (it is the case's); the system rc is not, nor a
        // home one: Debian's `/etc/bazel/bazelrc` adds noisy sandbox debugging and a javabase.
        vec![
            "--nosystem_rc".into(),
            "--nohome_rc".into(),
            "--install_base=/usr/share/bazel".into(),
            "--trust_install_base".into(),
            format!("--output_user_root={}", self.cache.join("out").display()),
            "--host_jvm_args=-Xmx1g".into(),
            "--max_idle_secs=900".into(),
        ]
    }

    fn command_args(&self, w: &World) -> Vec<String> {
        let stubs = self.cache.join("stubs");
        let mut args = vec![
            "build".to_string(),
            "--nobuild".into(),
            "--keep_going".into(),
            "--symlink_prefix=/".into(),
            "--toolchain_resolution_debug".into(),
            "--color=no".into(),
            "--curses=no".into(),
            "--noshow_progress".into(),
        ];
        for r in ["rules_cc", "rules_java", "rules_proto", "rules_python"] {
            args.push(format!(
                "--override_repository={r}={}",
                stubs.join(r).display()
            ));
        }
        // Bazel reads the case's .bazelrc itself; the host platform, when on the command line,
        // comes after the configs so that it wins over theirs (toolcheck's `--host-platform`
        // overrides every rc value).
        args.extend(w.cli_configs.iter().map(|c| format!("--config={c}")));
        if !w.host_in_rc && w.host != DEFAULT_HOST {
            args.push(format!("--host_platform={}", w.host));
        }
        args
    }

    fn shutdown(&self) {
        // `common` lines may hold build options, which `bazel shutdown` rejects.
        let _ = std::fs::remove_file(self.ws.join(".bazelrc"));
        let _ = Command::new("/usr/bin/bazel-4")
            .args(self.startup_args())
            .arg("shutdown")
            .current_dir(&self.ws)
            .output();
    }

    /// Runs Bazel on the case; returns one answer per distinct actual target platform.
    fn run(
        &mut self,
        w: &World,
        files: &BTreeMap<String, String>,
    ) -> Result<BTreeMap<String, Answer>, String> {
        let mut all = files.clone();
        let plats: Vec<String> = w.requested.iter().map(|p| format!("\"{p}\"")).collect();
        all.insert(format!("{HARNESS_PKG}/split.bzl"), HARNESS_BZL.to_string());
        all.insert(
            format!("{HARNESS_PKG}/BUILD"),
            format!(
                "load(\":split.bzl\", \"oracle_root\")\n\noracle_root(\n    name = \"root\",\n    dep = \"{}\",\n    target_platforms = [{}],\n)\n",
                w.consumer,
                plats.join(", ")
            ),
        );
        write_files(&self.ws, &all).map_err(|e| format!("writing the Bazel workspace: {e}"))?;
        self.nonce += 1;
        let out = Command::new("/usr/bin/bazel-4")
            .args(self.startup_args())
            .args(self.command_args(w))
            .arg(format!("--define=nonce={}", self.nonce))
            .arg(format!("//{HARNESS_PKG}:root"))
            .current_dir(&self.ws)
            .output()
            .map_err(|e| format!("running bazel-4: {e}"))?;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let code = out.status.code().unwrap_or(-1);
        if code != 0 && code != 1 {
            return Err(format!("bazel exited with {code}:\n{}", tail(&text, 60)));
        }
        let mut result = BTreeMap::new();
        for req in &w.requested {
            let actual = w.resolve_alias(req).to_string();
            if result.contains_key(&actual) {
                continue;
            }
            let a = parse_bazel(&text, &actual, &req.to_string())
                .map_err(|e| format!("{e}\n--- bazel output ---\n{}", tail(&text, 80)))?;
            result.insert(actual, norm_answer(w, a));
        }
        // Errors other than resolution errors mean the generated case is broken.
        for line in text.lines() {
            if let Some(msg) = line.strip_prefix("ERROR: ") {
                let benign = msg.contains("While resolving toolchains for target")
                    && (msg.contains("no matching toolchains found for types")
                        || msg.contains("Unable to find an execution platform"))
                    || msg.starts_with("command succeeded, but not all targets were analyzed")
                    || msg.starts_with("Analysis of target");
                if !benign {
                    return Err(format!(
                        "unexpected Bazel error: {msg}\n--- bazel output ---\n{}",
                        tail(&text, 80)
                    ));
                }
            }
        }
        Ok(result)
    }
}

fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.contains("Rejected toolchain"))
        .collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

const DEBUG: &str = "INFO: ToolchainResolution: ";

/// Extracts Bazel's decision for target platform `p` from `--toolchain_resolution_debug` output.
/// `written` is the label as requested: Bazel 4.2.3's "Unable to find an execution platform"
/// error names the target platform by the (possibly alias) label it was given.
fn parse_bazel(text: &str, p: &str, written: &str) -> Result<Answer, String> {
    let selected_prefix = format!("Target platform {p}: Selected execution platform ");
    let mut selected: Option<Answer> = None;
    let mut no_toolchains = BTreeSet::new();
    for line in text.lines() {
        let Some(msg) = line.strip_prefix(DEBUG) else {
            continue;
        };
        let msg = msg.trim();
        if let Some(rest) = msg.strip_prefix(&selected_prefix) {
            let mut parts = rest.split(", ");
            let exec = parts.next().unwrap_or("").trim_end_matches(',').to_string();
            let mut toolchains = BTreeMap::new();
            for part in parts {
                let part = part.trim();
                if part.is_empty() {
                    continue;
                }
                let body = part
                    .strip_prefix("type ")
                    .ok_or(format!("unparsed debug line: {line}"))?;
                let (t, i) = body
                    .split_once(" -> toolchain ")
                    .ok_or(format!("unparsed debug line: {line}"))?;
                toolchains.insert(t.to_string(), i.to_string());
            }
            if toolchains.is_empty() {
                continue; // a target that requests no toolchain types
            }
            let a = Answer::Resolved { exec, toolchains };
            if let Some(prev) = &selected {
                if *prev != a {
                    return Err(format!("two different decisions for {p}: {prev} and {a}"));
                }
            }
            selected = Some(a);
        } else if let Some(rest) = msg.strip_prefix("Type ") {
            if let Some(t) =
                rest.strip_suffix(&format!(": target platform {p}: No toolchains found."))
            {
                no_toolchains.insert(t.to_string());
            }
        }
    }
    if let Some(a) = selected {
        return Ok(a);
    }
    if !no_toolchains.is_empty() {
        return Ok(Answer::NoMatchingToolchains(
            no_toolchains.into_iter().collect(),
        ));
    }
    let needles = [
        format!("] and target platform {p} from available execution platforms"),
        format!("] and target platform {written} from available execution platforms"),
    ];
    for line in text.lines() {
        if let Some(i) = line.find("Unable to find an execution platform for toolchains [") {
            if needles.iter().any(|n| line.contains(n)) {
                let rest =
                    &line[i + "Unable to find an execution platform for toolchains [".len()..];
                let types = rest.split(']').next().unwrap_or("");
                return Ok(Answer::NoMatchingExecPlatform(
                    types.split(", ").map(str::to_string).collect(),
                ));
            }
        }
    }
    Err(format!(
        "no decision for target platform {p} in Bazel's output"
    ))
}

// ------------------------------------------------------------------------------------------------
// toolcheck.

struct Toolcheck {
    bin: Result<PathBuf, String>,
}

impl Toolcheck {
    fn locate(root: &Path) -> Toolcheck {
        if let Ok(b) = std::env::var("TOOLCHECK_BIN") {
            return Toolcheck {
                bin: Ok(PathBuf::from(b)),
            };
        }
        eprintln!("oracle: building toolcheck (cargo build -p toolcheck)");
        let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["build", "-q", "-p", "toolcheck"])
            .current_dir(root)
            .output();
        let bin = match out {
            Ok(o) if o.status.success() => Ok(root.join("target/debug/toolcheck")),
            Ok(o) => Err(format!(
                "cargo build -p toolcheck failed:\n{}",
                String::from_utf8_lossy(&o.stderr)
            )),
            Err(e) => Err(format!("running cargo: {e}")),
        };
        Toolcheck { bin }
    }

    fn args(w: &World, dir: &Path) -> Vec<String> {
        let mut args = vec![
            "resolve".to_string(),
            "--format".into(),
            "json".into(),
            "--bazel-version".into(),
            "4.2.3".into(),
            "--workspace".into(),
            dir.display().to_string(),
            "--target".into(),
            w.consumer.clone(),
        ];
        for p in &w.requested {
            args.push("--target-platform".into());
            args.push(p.clone());
        }
        for c in &w.cli_configs {
            args.push("--bazel-config".into());
            args.push(c.to_string());
        }
        if !w.host_in_rc && w.host != DEFAULT_HOST {
            args.push("--host-platform".into());
            args.push(w.host.clone());
        }
        args
    }

    /// One answer per requested platform, in request order.
    fn run(&self, w: &World, dir: &Path) -> Result<Vec<Answer>, String> {
        let bin = self.bin.as_ref().map_err(Clone::clone)?;
        let out = Command::new(bin)
            .args(Self::args(w, dir))
            .output()
            .map_err(|e| format!("running {}: {e}", bin.display()))?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let fail = |why: &str| {
            format!(
                "{why} (exit {:?})\n--- stdout ---\n{}\n--- stderr ---\n{}",
                out.status.code(),
                stdout.trim_end(),
                String::from_utf8_lossy(&out.stderr).trim_end()
            )
        };
        let json: serde_json::Value =
            serde_json::from_str(&stdout).map_err(|e| fail(&format!("not JSON: {e}")))?;
        let res = json["resolutions"]
            .as_array()
            .ok_or_else(|| fail("no \"resolutions\" array"))?;
        if res.len() != w.requested.len() {
            return Err(fail(&format!(
                "{} resolutions for {} target platforms",
                res.len(),
                w.requested.len()
            )));
        }
        let mut answers = Vec::new();
        for r in res {
            let a = if r["error"].is_null() {
                let exec = r["exec_platform"].as_str().unwrap_or("<null>").to_string();
                let mut toolchains = BTreeMap::new();
                for t in r["toolchains"]
                    .as_array()
                    .ok_or_else(|| fail("no \"toolchains\" array"))?
                {
                    let ty = t["type"]
                        .as_str()
                        .ok_or_else(|| fail("toolchain without \"type\""))?;
                    toolchains.insert(
                        ty.to_string(),
                        t["implementation"].as_str().unwrap_or("<null>").to_string(),
                    );
                }
                Answer::Resolved { exec, toolchains }
            } else {
                let types: Vec<String> = r["error"]["types"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|t| t.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                match r["error"]["kind"].as_str() {
                    Some("no_matching_toolchains") => Answer::NoMatchingToolchains(types),
                    Some("no_matching_exec_platform") => Answer::NoMatchingExecPlatform(types),
                    other => return Err(fail(&format!("unknown error kind {other:?}"))),
                }
            };
            answers.push(norm_answer(w, a));
        }
        Ok(answers)
    }
}

// ------------------------------------------------------------------------------------------------
// Driver.

struct Options {
    cases: usize,
    seed: u64,
    only: Option<usize>,
    keep: Option<PathBuf>,
    against_toolcheck: bool,
    against_model: bool,
    max_reports: usize,
    cache: PathBuf,
    print_case: bool,
    keep_server: bool,
}

fn parse_options() -> Result<Options, String> {
    let mut o = Options {
        cases: 300,
        seed: 1,
        only: None,
        keep: None,
        against_toolcheck: true,
        against_model: false,
        max_reports: 10,
        cache: PathBuf::from(
            std::env::var("TOOLCHECK_ORACLE_CACHE")
                .unwrap_or_else(|_| "/tmp/toolcheck-oracle".into()),
        ),
        print_case: false,
        keep_server: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) => (f.to_string(), Some(v.to_string())),
            None => (a.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or(format!("{flag} needs a value"))
        };
        let num = |v: String| v.parse::<u64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--cases" => o.cases = num(value()?)? as usize,
            "--seed" => o.seed = num(value()?)?,
            "--only" => o.only = Some(num(value()?)? as usize),
            "--keep" => o.keep = Some(PathBuf::from(value()?)),
            "--max-reports" => o.max_reports = num(value()?)? as usize,
            "--cache" => o.cache = PathBuf::from(value()?),
            "--print-case" => o.print_case = true,
            "--keep-server" => o.keep_server = true,
            "--against" => match value()?.as_str() {
                "toolcheck" => (o.against_toolcheck, o.against_model) = (true, false),
                "model" => (o.against_toolcheck, o.against_model) = (false, true),
                "both" => (o.against_toolcheck, o.against_model) = (true, true),
                v => return Err(format!("--against: unknown value {v}")),
            },
            "-h" | "--help" => {
                println!(
                    "oracle [--cases N] [--seed S] [--only I] [--keep DIR] [--against toolcheck|model|both] [--max-reports N] [--cache DIR] [--print-case] [--keep-server]"
                );
                std::process::exit(0);
            }
            _ => return Err(format!("unknown option {a}")),
        }
    }
    Ok(o)
}

fn format_case(files: &BTreeMap<String, String>) -> String {
    let mut s = String::new();
    for (path, text) in files {
        let _ = writeln!(s, "----- {path}");
        s.push_str(text);
        if !text.ends_with('\n') {
            s.push('\n');
        }
    }
    s
}

fn main() -> ExitCode {
    let opts = match parse_options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("oracle: {e}");
            return ExitCode::from(2);
        }
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf();
    let setup = root.join("tests/oracle/setup.sh");
    let status = Command::new("bash")
        .arg(&setup)
        .arg(&opts.cache)
        .stdout(std::process::Stdio::null())
        .status();
    if !matches!(status, Ok(s) if s.success()) {
        eprintln!("oracle: {} failed", setup.display());
        return ExitCode::from(2);
    }
    // One harness per cache dir at a time: the Bazel workspace and server are shared.
    let lock = std::fs::File::create(opts.cache.join("lock")).and_then(|f| {
        if f.try_lock().is_err() {
            eprintln!(
                "oracle: waiting for another oracle run that uses {}",
                opts.cache.display()
            );
            f.lock()?;
        }
        Ok(f)
    });
    if let Err(e) = &lock {
        eprintln!("oracle: cannot lock {}: {e}", opts.cache.display());
        return ExitCode::from(2);
    }
    let toolcheck = if opts.against_toolcheck {
        Some(Toolcheck::locate(&root))
    } else {
        None
    };
    if let Some(Toolcheck { bin: Err(e) }) = &toolcheck {
        eprintln!("oracle: toolcheck is not available; every case will fail:\n{e}");
    }
    let mut bazel = Bazel {
        cache: opts.cache.clone(),
        ws: opts.cache.join("ws"),
        nonce: std::process::id() as u64 * 100_000,
    };
    let case_dir = opts.cache.join("case");

    let indices: Vec<usize> = match opts.only {
        Some(i) => vec![i],
        None => (0..opts.cases).collect(),
    };
    let (mut agree, mut disagree, mut errors, mut reports) = (0usize, 0usize, 0usize, 0usize);
    let (mut t_bazel, mut t_tool) = (Duration::ZERO, Duration::ZERO);
    let mut kinds = [0usize; 3];
    let mut default_host = 0usize;
    // Cases with named configs, with some named on the command line, with an OS config, and
    // with the OS config applied.
    let mut rc_kinds = [0usize; 4];
    let start = Instant::now();
    for &i in &indices {
        let seed = case_seed(opts.seed, i);
        let w = generate(seed);
        default_host += usize::from(w.host == DEFAULT_HOST);
        let named = |l: &RcLine| l.config.is_some_and(|c| !OS_CONFIGS.contains(&c));
        let os_config = w.rc.iter().any(|l| l.config == Some(OS_CONFIGS[0]));
        let applied = platform_config_at(&w, &args_without_os_config(&w)).is_some();
        for (k, on) in [
            w.rc.iter().any(named),
            !w.cli_configs.is_empty(),
            os_config,
            applied,
        ]
        .into_iter()
        .enumerate()
        {
            rc_kinds[k] += usize::from(on);
        }
        let files = render(&w, seed);
        if opts.print_case {
            println!(
                "===== case {i} (seed {}):\n{}",
                opts.seed,
                format_case(&files)
            );
        }
        let t0 = Instant::now();
        let bazel_answers = bazel.run(&w, &files);
        t_bazel += t0.elapsed();

        let mut problems: Vec<String> = Vec::new();
        let mut harness_error = false;
        match &bazel_answers {
            Err(e) => {
                harness_error = true;
                problems.push(format!("Bazel side failed: {e}"));
            }
            Ok(b) => {
                for a in b.values() {
                    kinds[match a {
                        Answer::Resolved { .. } => 0,
                        Answer::NoMatchingToolchains(_) => 1,
                        Answer::NoMatchingExecPlatform(_) => 2,
                    }] += 1;
                }
                let expected: Vec<&Answer> =
                    w.requested.iter().map(|p| &b[w.resolve_alias(p)]).collect();
                if opts.print_case {
                    for (p, a) in w.requested.iter().zip(&expected) {
                        println!("bazel: {p}: {a}");
                    }
                }
                if opts.against_model {
                    for (p, a) in w.requested.iter().zip(&expected) {
                        let m = norm_answer(&w, model(&w, p));
                        if m != **a {
                            problems
                                .push(format!("target platform {p}:\n  bazel: {a}\n  model: {m}"));
                        }
                    }
                }
                if let Some(tc) = &toolcheck {
                    let t1 = Instant::now();
                    let got = write_files(&case_dir, &files)
                        .map_err(|e| format!("writing the case: {e}"))
                        .and_then(|_| tc.run(&w, &case_dir));
                    t_tool += t1.elapsed();
                    match got {
                        Err(e) => problems.push(format!("toolcheck failed: {e}")),
                        Ok(got) => {
                            for ((p, a), g) in w.requested.iter().zip(&expected).zip(&got) {
                                if g != *a {
                                    problems.push(format!(
                                        "target platform {p}:\n  bazel:     {a}\n  toolcheck: {g}"
                                    ));
                                }
                            }
                        }
                    }
                }
            }
        }
        if problems.is_empty() {
            agree += 1;
            continue;
        }
        if harness_error {
            errors += 1;
        } else {
            disagree += 1;
        }
        let mut report = format!(
            "=== oracle case {i} (--seed {} --only {i}) disagrees\n",
            opts.seed
        );
        for p in &problems {
            report.push_str(p);
            report.push('\n');
        }
        let _ = writeln!(
            report,
            "toolcheck command: toolcheck {}",
            Toolcheck::args(&w, Path::new("CASE_DIR")).join(" ")
        );
        let _ = writeln!(
            report,
            "bazel flags: {}",
            bazel.command_args(&w)[12..].join(" ")
        );
        report.push_str(&format_case(&files));
        if let Some(keep) = &opts.keep {
            let dir = keep.join(format!("case-{}-{i}", opts.seed));
            let _ = write_files(&dir, &files);
            let _ = std::fs::write(dir.join("REPRO.txt"), &report);
        }
        if reports < opts.max_reports {
            println!("{report}");
        } else {
            println!(
                "=== oracle case {i}: {}",
                problems[0].lines().next().unwrap_or("")
            );
        }
        reports += 1;
    }
    if !opts.keep_server {
        bazel.shutdown();
    }
    let n = indices.len();
    println!(
        "oracle: {n} cases, {agree} agree, {disagree} disagree, {errors} harness errors (seed {}, {:.1}s: bazel {:.1}s, toolcheck {:.1}s)",
        opts.seed,
        start.elapsed().as_secs_f64(),
        t_bazel.as_secs_f64(),
        t_tool.as_secs_f64()
    );
    println!(
        "oracle: Bazel's answers: {} resolved, {} no matching toolchains, {} no matching execution platform; {default_host} cases with Bazel's own host platform",
        kinds[0], kinds[1], kinds[2]
    );
    println!(
        "oracle: .bazelrc: {} cases with named configs ({} with --config on the command line), {} with a linux config ({} of them applied)",
        rc_kinds[0], rc_kinds[1], rc_kinds[2], rc_kinds[3]
    );
    if disagree + errors > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
