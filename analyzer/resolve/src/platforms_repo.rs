//! What toolcheck knows of the `platforms` repository without reading it.
//!
//! Nearly every workspace writes its platforms and toolchains with `@platforms//os:*` and
//! `@platforms//cpu:*`, and without an output base that repository is not on disk. Two facts
//! survive: the *layout* every release shares (which label is a setting, a value or an alias;
//! the simulation relies on it, [`platforms_layout`]), and *which release first declared* each
//! target of the `os`, `cpu`, `host` and root packages ([`declared`]), which tells a misspelt
//! label from one that only needs a newer release than the workspace asks for.
//!
//! The table was written from the BUILD files of releases 0.0.1 to 1.1.0 (May 2026). A name
//! no release declares may still come from a later release, so callers say up to which
//! release they know ([`NEWEST_RELEASE`]).

use toolcheck_index::label::Label;
use toolcheck_index::module_version::ModuleVersion;
use toolcheck_index::workspace::HostMachine;

use crate::model::Model;

/// The canonical name of the `platforms` repository (module or WORKSPACE repository) whose
/// layout [`platforms_layout`] knows.
pub const PLATFORMS_REPO: &str = "platforms";

/// Whether `repo` is the `@platforms` repository and toolcheck cannot read it: then what this
/// module knows stands in for its files.
pub fn is_unread_platforms(
    ws: &toolcheck_index::workspace::Workspace,
    repo: &toolcheck_index::label::RepoName,
) -> bool {
    repo.as_str() == PLATFORMS_REPO && ws.repo(repo).is_none()
}

/// The module name of `@platforms` in the bzlmod graph (for its requested release).
pub const PLATFORMS_MODULE: &str = "platforms";

/// The lowest release of `@platforms` the workspace's MODULE.bazel files select, if known.
pub fn requested_release(index: &toolcheck_index::index::WorkspaceIndex) -> Option<&ModuleVersion> {
    index.module_versions.get(PLATFORMS_MODULE)
}

/// From this release on `cpu:aarch32` and `cpu:aarch64` are values and `cpu:arm` and
/// `cpu:arm64` aliases of them; before, `arm` and `arm64` were the values (and `aarch64` an
/// alias of `arm64` from 0.0.3). No later release changed them.
const ARM_NAMES_SETTLED: &str = "0.0.7";

/// The newest release [`declared`] knows.
pub const NEWEST_RELEASE: &str = "1.1.0";

/// The oldest release: what every release declares is declared by this one.
const OLDEST_RELEASE: &str = "0.0.1";

/// What a label in an unreadable `@platforms` repository is known to be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WellKnown {
    Setting,
    Value { setting: Label },
    Alias(Label),
}

/// [`platforms_layout`] when `label` is in the repository the model marks as the unreadable
/// `@platforms` ([`Model::well_known_platforms`]).
pub fn well_known(model: &Model, label: &Label) -> Option<WellKnown> {
    if model.well_known_platforms.as_ref() != Some(&label.repo) {
        return None;
    }
    platforms_layout(label, model.well_known_platforms_release.as_ref())
}

/// The layout every release of `@platforms` shares, for a label of that repository: package
/// `os` has the constraint setting `os` (no default) and its values, the same for `cpu`, and
/// `os:macos` is an alias of `os:osx`; the root package has the setting `incompatible_setting`
/// with its value `incompatible`. An `os` or `cpu` name no release declares is still taken for
/// a value (whether it exists is [`declared`]'s question). Some identities changed:
/// `cpu:arm` and `cpu:arm64` were values before they became aliases of `aarch32` and
/// `aarch64` in 0.0.7, so those four are known only when the workspace selects 0.0.7 or later
/// (`at_least`, the lowest release it can get). `srcs` (a filegroup) stays unknown.
pub fn platforms_layout(label: &Label, at_least: Option<&ModuleVersion>) -> Option<WellKnown> {
    let package = label.package.as_str();
    let name = label.name.as_str();
    if package.is_empty() {
        return match name {
            "incompatible_setting" => Some(WellKnown::Setting),
            "incompatible" => Some(WellKnown::Value {
                setting: Label {
                    name: "incompatible_setting".into(),
                    ..*label
                },
            }),
            _ => None,
        };
    }
    if package != "os" && package != "cpu" {
        return None;
    }
    if name == package {
        return Some(WellKnown::Setting);
    }
    if package == "os" && name == "macos" {
        return Some(WellKnown::Alias(Label {
            name: "osx".into(),
            ..*label
        }));
    }
    if name == "srcs" {
        return None;
    }
    if package == "cpu" && matches!(name, "arm" | "arm64" | "aarch32" | "aarch64") {
        let settled = ModuleVersion::parse(ARM_NAMES_SETTLED);
        if at_least.is_none_or(|v| Some(v) < settled.as_ref()) {
            return None;
        }
        let value = |name: &str| Label {
            name: name.into(),
            ..*label
        };
        return Some(match name {
            "arm" => WellKnown::Alias(value("aarch32")),
            "arm64" => WellKnown::Alias(value("aarch64")),
            _ => WellKnown::Value {
                setting: value("cpu"),
            },
        });
    }
    Some(WellKnown::Value {
        setting: Label {
            name: package.into(),
            ..*label
        },
    })
}

/// Every target the tracked packages of `@platforms` have had: package, name, and the first
/// release that declared it. No release removed one.
const DECLARED: &[(&str, &str, &str)] = &[
    ("", "srcs", "0.0.1"),
    ("", "incompatible_setting", "0.0.2"),
    ("", "incompatible", "0.0.2"),
    ("", "license", "0.0.7"),
    ("", "package_metadata", "1.1.0"),
    ("", "package_metadata_license", "1.1.0"),
    ("os", "srcs", "0.0.1"),
    ("os", "os", "0.0.1"),
    ("os", "android", "0.0.1"),
    ("os", "freebsd", "0.0.1"),
    ("os", "ios", "0.0.1"),
    ("os", "linux", "0.0.1"),
    ("os", "macos", "0.0.1"),
    ("os", "nixos", "0.0.1"),
    ("os", "none", "0.0.1"),
    ("os", "openbsd", "0.0.1"),
    ("os", "osx", "0.0.1"),
    ("os", "qnx", "0.0.1"),
    ("os", "tvos", "0.0.1"),
    ("os", "watchos", "0.0.1"),
    ("os", "windows", "0.0.1"),
    ("os", "wasi", "0.0.2"),
    ("os", "fuchsia", "0.0.5"),
    ("os", "netbsd", "0.0.5"),
    ("os", "chromiumos", "0.0.6"),
    ("os", "haiku", "0.0.6"),
    ("os", "visionos", "0.0.7"),
    ("os", "vxworks", "0.0.8"),
    ("os", "emscripten", "0.0.9"),
    ("os", "uefi", "0.0.11"),
    ("os", "aix", "1.1.0"),
    ("cpu", "srcs", "0.0.1"),
    ("cpu", "cpu", "0.0.1"),
    ("cpu", "aarch64", "0.0.1"),
    ("cpu", "arm", "0.0.1"),
    ("cpu", "arm64", "0.0.1"),
    ("cpu", "arm64_32", "0.0.1"),
    ("cpu", "arm64e", "0.0.1"),
    ("cpu", "armv7", "0.0.1"),
    ("cpu", "armv7k", "0.0.1"),
    ("cpu", "i386", "0.0.1"),
    ("cpu", "ppc", "0.0.1"),
    ("cpu", "s390x", "0.0.1"),
    ("cpu", "wasm32", "0.0.1"),
    ("cpu", "wasm64", "0.0.1"),
    ("cpu", "x86_32", "0.0.1"),
    ("cpu", "x86_64", "0.0.1"),
    ("cpu", "armv6-m", "0.0.2"),
    ("cpu", "armv7-m", "0.0.4"),
    ("cpu", "armv7e-m", "0.0.4"),
    ("cpu", "armv7e-mf", "0.0.4"),
    ("cpu", "armv8-m", "0.0.4"),
    ("cpu", "mips64", "0.0.4"),
    ("cpu", "riscv64", "0.0.4"),
    ("cpu", "riscv32", "0.0.5"),
    ("cpu", "aarch32", "0.0.7"),
    ("cpu", "cortex-r52", "0.0.7"),
    ("cpu", "cortex-r82", "0.0.7"),
    ("cpu", "ppc32", "0.0.7"),
    ("cpu", "all", "0.0.8"),
    ("cpu", "ppc64le", "0.0.8"),
    ("cpu", "armv6", "1.1.0"),
    ("cpu", "avr", "1.1.0"),
    ("cpu", "bpfeb", "1.1.0"),
    ("cpu", "bpfel", "1.1.0"),
    ("cpu", "hexagon", "1.1.0"),
    ("cpu", "loongarch64", "1.1.0"),
    ("cpu", "mips32", "1.1.0"),
    ("cpu", "sparc64", "1.1.0"),
    ("cpu", "xtensa", "1.1.0"),
    ("host", "constraints.bzl", "0.0.9"),
    ("host", "extension.bzl", "0.0.9"),
    ("host", "host", "0.0.9"),
    ("host", "srcs", "0.0.9"),
    ("host", "constraints_lib", "0.0.10"),
    ("host", "extension_lib", "0.0.10"),
];

/// Whether, and since which release, `@platforms` declares a target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Declared {
    /// By every release.
    Always,
    /// From this release on.
    Since(&'static str),
    /// By no release up to [`NEWEST_RELEASE`]; with the declared name of the same package
    /// that is closest to it, when one is close.
    Never { closest: Option<&'static str> },
    /// A package whose targets are not tracked (files, other packages).
    Untracked,
}

fn since(release: &'static str) -> Declared {
    if release == OLDEST_RELEASE {
        Declared::Always
    } else {
        Declared::Since(release)
    }
}

/// Every target of the tracked packages some release declares: package, name, and which
/// releases declare it (for completion).
pub fn declared_targets() -> impl Iterator<Item = (&'static str, &'static str, Declared)> {
    DECLARED.iter().map(|&(p, n, s)| (p, n, since(s)))
}

/// Which releases of `@platforms` declare `label` (a label of that repository).
pub fn declared(label: &Label) -> Declared {
    let package = label.package.as_str();
    let name = label.name.as_str();
    let mut same_package = DECLARED.iter().filter(|(p, ..)| *p == package).peekable();
    if same_package.peek().is_none() {
        return Declared::Untracked;
    }
    let mut names = Vec::new();
    for &(_, n, first) in same_package {
        if n == name {
            return since(first);
        }
        names.push(n);
    }
    // The root package holds files besides its targets (LICENSE, MODULE.bazel, ...).
    if package.is_empty() && name.contains('.') {
        return Declared::Untracked;
    }
    let closest = closest_name(name, names);
    Declared::Never { closest }
}

/// Whether a release at least `since` is certain when the workspace requests `version` of
/// `platforms` (`None`: no version known, so only what every release declares is certain).
pub fn certainly_declared(declared: &Declared, version: Option<&ModuleVersion>) -> bool {
    match declared {
        Declared::Always => true,
        Declared::Since(since) => match (version, ModuleVersion::parse(since)) {
            (Some(v), Some(s)) => *v >= s,
            _ => false,
        },
        Declared::Never { .. } | Declared::Untracked => false,
    }
}

/// The `@platforms` constraint values Bazel gives its autodetected host platform on `machine`:
/// OS and CPU, each when Bazel knows it. Bazel 7+ names them in `@platforms//host` (the
/// `host_platform` extension of `@platforms`), Bazel 4 to 6 in `@local_config_platform`; the
/// two map a machine alike but for little-endian 64-bit PowerPC, which the older one calls
/// `ppc`. The machine is an input (the server reads it), so the answer is the same wherever
/// toolcheck itself runs.
pub fn detected_host(machine: &HostMachine, bazel_major: u32) -> Vec<String> {
    let cpu = match machine.arch.as_str() {
        "x86" => Some("x86_32"),
        "x86_64" => Some("x86_64"),
        "arm" => Some("arm"),
        "aarch64" => Some("aarch64"),
        "powerpc" => Some("ppc"),
        "powerpc64" if machine.little_endian && bazel_major >= 7 => Some("ppc64le"),
        "powerpc64" => Some("ppc"),
        "s390x" => Some("s390x"),
        "mips64" => Some("mips64"),
        "riscv64" => Some("riscv64"),
        _ => None,
    };
    let os = match machine.os.as_str() {
        "linux" => Some("linux"),
        "macos" => Some("osx"),
        "windows" => Some("windows"),
        "freebsd" => Some("freebsd"),
        "openbsd" => Some("openbsd"),
        _ => None,
    };
    // Bazel lists the CPU first.
    cpu.map(|c| format!("@{PLATFORMS_REPO}//cpu:{c}"))
        .into_iter()
        .chain(os.map(|o| format!("@{PLATFORMS_REPO}//os:{o}")))
        .collect()
}

/// The candidate closest to `name`, when it is close: at most a third of the characters
/// differ (`linx` for `linux`, `x86-64`, `aarch_64`, `unresolved_label`). Not `name` itself.
/// The first of equally close candidates wins, so callers pass them in a stable order.
pub fn closest_name<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    nearest(name, candidates, 3)
}

/// [`closest_name`] among the targets of one package the workspace declares, where at most
/// half of the characters may differ (`aarch64` for `arm64`): a package holds few names, all
/// chosen by the same people, so a looser bound still points at what was meant, and the
/// suggestion is only ever offered, never applied unasked.
pub fn closest_in_package<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    nearest(name, candidates, 2)
}

/// The nearest candidate whose distance is at most `1/denominator` of the longer name.
fn nearest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    denominator: usize,
) -> Option<&'a str> {
    // A suggestion for a long name would be no closer than a fraction of it anyway; the bound
    // keeps a pathological name (megabytes in one string) linear.
    if name.len() > 64 {
        return None;
    }
    let mut closest: Option<(usize, &'a str)> = None;
    for n in candidates {
        if n.len() > 3 * 64 {
            continue;
        }
        let d = edit_distance(name, n);
        if closest.is_none_or(|(best, _)| d < best) {
            closest = Some((d, n));
        }
    }
    closest
        .filter(|(d, n)| *d > 0 && *d * denominator <= name.chars().count().max(n.chars().count()))
        .map(|(_, n)| n)
}

/// Levenshtein distance over characters; both strings are short target names.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use toolcheck_index::label::RepoName;

    fn label(package: &str, name: &str) -> Label {
        Label::new(RepoName::new(PLATFORMS_REPO), package, name)
    }

    #[test]
    fn declared_by_release() {
        assert_eq!(declared(&label("os", "linux")), Declared::Always);
        assert_eq!(declared(&label("os", "macos")), Declared::Always);
        assert_eq!(declared(&label("cpu", "riscv64")), Declared::Since("0.0.4"));
        assert_eq!(
            declared(&label("", "incompatible")),
            Declared::Since("0.0.2")
        );
        assert_eq!(
            declared(&label("os", "linx")),
            Declared::Never {
                closest: Some("linux")
            }
        );
        assert_eq!(
            declared(&label("cpu", "x86-64")),
            Declared::Never {
                closest: Some("x86_64")
            }
        );
        assert_eq!(
            declared(&label("cpu", "pentium")),
            Declared::Never { closest: None }
        );
        assert_eq!(declared(&label("", "MODULE.bazel")), Declared::Untracked);
        assert_eq!(
            declared(&label("os", &"x".repeat(1 << 20))),
            Declared::Never { closest: None }
        );
        assert_eq!(declared(&label("distro", "x")), Declared::Untracked);
    }

    #[test]
    fn certainty_follows_the_requested_version() {
        let v = |s: &str| ModuleVersion::parse(s).unwrap();
        let riscv = declared(&label("cpu", "riscv64"));
        assert!(!certainly_declared(&riscv, None));
        assert!(!certainly_declared(&riscv, Some(&v("0.0.2"))));
        assert!(certainly_declared(&riscv, Some(&v("0.0.4"))));
        assert!(certainly_declared(&riscv, Some(&v("0.0.10"))));
        assert!(certainly_declared(&Declared::Always, None));
    }

    #[test]
    fn table_is_consistent_with_the_layout() {
        // Every `os`/`cpu` name the layout calls a setting or an alias is one the table has,
        // and the table has no duplicate.
        let mut seen = rustc_hash::FxHashSet::default();
        for &(p, n, since) in DECLARED {
            assert!(seen.insert((p, n)), "{p}:{n} twice");
            assert!(ModuleVersion::parse(since).is_some());
            assert!(
                ModuleVersion::parse(since) <= ModuleVersion::parse(NEWEST_RELEASE),
                "{p}:{n}"
            );
        }
        for (p, n) in [
            ("os", "os"),
            ("cpu", "cpu"),
            ("os", "macos"),
            ("", "incompatible"),
        ] {
            assert!(platforms_layout(&label(p, n), None).is_some());
            assert!(seen.contains(&(p, n)));
        }
    }

    fn machine(os: &str, arch: &str, little_endian: bool) -> HostMachine {
        HostMachine {
            os: os.into(),
            arch: arch.into(),
            little_endian,
        }
    }

    /// `(os, arch, little endian, Bazel major)` and the values Bazel detects there, written
    /// out for machines of every OS and CPU the table names, whatever machine runs the test.
    #[test]
    fn host_detection_maps_like_bazel() {
        let cases: &[(&str, &str, bool, u32, &[&str])] = &[
            ("linux", "x86_64", true, 7, &["cpu:x86_64", "os:linux"]),
            ("linux", "x86_64", true, 4, &["cpu:x86_64", "os:linux"]),
            ("linux", "aarch64", true, 8, &["cpu:aarch64", "os:linux"]),
            ("linux", "arm", true, 6, &["cpu:arm", "os:linux"]),
            ("linux", "x86", true, 7, &["cpu:x86_32", "os:linux"]),
            ("linux", "s390x", false, 7, &["cpu:s390x", "os:linux"]),
            ("linux", "riscv64", true, 7, &["cpu:riscv64", "os:linux"]),
            ("linux", "mips64", false, 6, &["cpu:mips64", "os:linux"]),
            ("linux", "powerpc", false, 7, &["cpu:ppc", "os:linux"]),
            // Little-endian 64-bit PowerPC: its own value from Bazel 7, `ppc` before.
            ("linux", "powerpc64", true, 7, &["cpu:ppc64le", "os:linux"]),
            ("linux", "powerpc64", true, 6, &["cpu:ppc", "os:linux"]),
            ("linux", "powerpc64", false, 7, &["cpu:ppc", "os:linux"]),
            ("macos", "aarch64", true, 8, &["cpu:aarch64", "os:osx"]),
            ("macos", "x86_64", true, 5, &["cpu:x86_64", "os:osx"]),
            ("windows", "x86_64", true, 7, &["cpu:x86_64", "os:windows"]),
            (
                "windows",
                "aarch64",
                true,
                7,
                &["cpu:aarch64", "os:windows"],
            ),
            ("windows", "x86", true, 4, &["cpu:x86_32", "os:windows"]),
            ("freebsd", "x86_64", true, 7, &["cpu:x86_64", "os:freebsd"]),
            (
                "openbsd",
                "aarch64",
                true,
                7,
                &["cpu:aarch64", "os:openbsd"],
            ),
            // What Bazel cannot name stays out, each part on its own.
            ("haiku", "x86_64", true, 7, &["cpu:x86_64"]),
            ("linux", "sparc64", false, 7, &["os:linux"]),
            ("haiku", "sparc64", false, 7, &[]),
            ("", "", true, 7, &[]),
        ];
        for &(os, arch, little_endian, major, want) in cases {
            let want: Vec<String> = want.iter().map(|v| format!("@platforms//{v}")).collect();
            assert_eq!(
                detected_host(&machine(os, arch, little_endian), major),
                want,
                "{os} {arch} little_endian={little_endian} Bazel {major}"
            );
        }
    }

    #[test]
    fn arm_names_are_known_from_the_release_that_settled_them() {
        let v = |s: &str| ModuleVersion::parse(s).unwrap();
        let arm64 = label("cpu", "arm64");
        assert_eq!(platforms_layout(&arm64, None), None);
        assert_eq!(platforms_layout(&arm64, Some(&v("0.0.6"))), None);
        assert_eq!(
            platforms_layout(&arm64, Some(&v("0.0.7"))),
            Some(WellKnown::Alias(label("cpu", "aarch64")))
        );
        assert_eq!(
            platforms_layout(&label("cpu", "aarch64"), Some(&v("1.0.0"))),
            Some(WellKnown::Value {
                setting: label("cpu", "cpu")
            })
        );
        assert_eq!(
            platforms_layout(&label("cpu", "arm"), Some(&v("0.0.10"))),
            Some(WellKnown::Alias(label("cpu", "aarch32")))
        );
    }

    #[test]
    fn distance() {
        assert_eq!(edit_distance("linux", "linux"), 0);
        assert_eq!(edit_distance("linx", "linux"), 1);
        assert_eq!(edit_distance("x86-64", "x86_64"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn closest_names() {
        let checks = ["unresolved-label", "unreadable-file", "syntax-error"];
        assert_eq!(
            closest_name("unresolved_label", checks),
            Some("unresolved-label")
        );
        assert_eq!(
            closest_name("unreadable_fil", checks),
            Some("unreadable-file")
        );
        assert_eq!(closest_name("no-such-check", checks), None);
        assert_eq!(
            closest_name("syntax-error", checks),
            None,
            "not the name itself"
        );
        assert_eq!(closest_name(&"x".repeat(100), checks), None);
        let cpus = ["cpu", "x86_64", "arm64"];
        assert_eq!(closest_name("aarch64", cpus), None);
        assert_eq!(closest_in_package("aarch64", cpus), Some("arm64"));
        assert_eq!(closest_in_package("riscv64", cpus), None);
    }
}
