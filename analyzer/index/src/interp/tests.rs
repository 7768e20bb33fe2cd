//! Tests of macro evaluation: targets created by loops, comprehensions, formatting and
//! wrapper macros; label contexts; unknowns; and hostile macros stopped by the bounds (run
//! on a small thread stack, as the language server's worker threads have).

use crate::index::{Decl, PlatformDecl, RefList, RefOne, ToolchainDecl, WorkspaceIndex};
use crate::label::{Label, RepoName};
use crate::workspace::Workspace;

fn build(files: &[(&str, &str)]) -> (Workspace, WorkspaceIndex) {
    let (ws, _, index) = crate::testing::indexed(files);
    (ws, index)
}

/// Indexes `h/defs.bzl` and `h/BUILD` on a 1 MiB stack (as the language server's workers
/// have): the bounds hit, sorted, and whether `target` exists.
fn on_a_small_stack(
    defs: &'static str,
    build_file: &'static str,
    target: &'static str,
) -> (Vec<String>, bool) {
    std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(move || {
            let (_, index) = build(&[
                ("WORKSPACE", ""),
                ("h/defs.bzl", defs),
                ("h/BUILD", build_file),
            ]);
            let mut whats: Vec<String> = index.eval_limits().map(|l| l.hit.what.clone()).collect();
            whats.sort();
            (whats, index.targets.contains_key(&label(target)))
        })
        .unwrap()
        .join()
        .expect("no stack overflow")
}

fn label(s: &str) -> Label {
    let (pkg, name) = s.trim_start_matches("//").split_once(':').unwrap();
    Label::new(RepoName::main(), pkg, name)
}

fn texts(l: &RefList) -> Option<Vec<String>> {
    l.known()
        .map(|v| v.iter().map(|r| r.text.to_string()).collect())
}

#[test]
fn loops_comprehensions_and_formatting_create_targets() {
    let (_, index) = build(&[
        ("WORKSPACE", ""),
        (
            "p/defs.bzl",
            r#"
PAIRS = [(os, cpu) for os in ["linux", "macos"] for cpu in ["x86_64", "arm64"] if (os, cpu) != ("macos", "x86_64")]

def platforms(prefix = "p"):
    for os, cpu in PAIRS:
        native.platform(
            name = "{prefix}_{}_{}".format(os, cpu, prefix = prefix),
            constraint_values = ["@platforms//os:%s" % os, "@platforms//cpu:" + cpu],
        )
    native.alias(name = "default", actual = ":%s_linux_x86_64" % prefix)
"#,
        ),
        (
            "p/BUILD",
            "load(\":defs.bzl\", \"platforms\")\nplatforms()\n",
        ),
    ]);
    let names: Vec<String> = index
        .packages()
        .flat_map(|(id, _)| {
            index
                .targets
                .package_names(id)
                .into_iter()
                .flatten()
                .map(|t| t.to_string())
        })
        .collect();
    assert_eq!(
        names,
        [
            "p_linux_x86_64",
            "p_linux_arm64",
            "p_macos_arm64",
            "default"
        ]
    );
    let t = &index.targets[&label("//p:p_macos_arm64")];
    assert!(t.macro_decl().is_some());
    let Decl::Platform(d_platform) = &t.decl else {
        panic!("{:?}", t.decl)
    };
    let PlatformDecl {
        constraint_values, ..
    } = &**d_platform;
    assert_eq!(
        texts(constraint_values).unwrap(),
        ["@platforms//os:macos", "@platforms//cpu:arm64"]
    );
    assert!(!index.packages().any(|(_, p)| p.open));
}

#[test]
fn wrapper_defaults_and_label_contexts() {
    let (_, index) = build(&[
        ("WORKSPACE", ""),
        (
            "rules/defs.bzl",
            r#"
def my_toolchain(name, impl, exec_compatible_with = None, **kwargs):
    native.toolchain(
        name = name,
        toolchain = impl,
        toolchain_type = Label("//rules:type"),
        exec_compatible_with = exec_compatible_with or [],
        **kwargs
    )
"#,
        ),
        ("rules/BUILD", "toolchain_type(name = \"type\")\n"),
        (
            "app/BUILD",
            "load(\"//rules:defs.bzl\", \"my_toolchain\")\nmy_toolchain(name = \"any\", impl = \":x\", target_settings = [\":s\"])\n",
        ),
    ]);
    let t = &index.targets[&label("//app:any")];
    let Decl::Toolchain(d_toolchain) = &t.decl else {
        panic!("{:?}", t.decl)
    };
    let ToolchainDecl {
        toolchain_type,
        toolchain,
        exec_compatible_with,
        target_settings,
        target_compatible_with,
        ..
    } = &**d_toolchain;
    // `Label()` resolves in the .bzl's package, plain strings in the BUILD file's.
    assert_eq!(
        toolchain_type.known().unwrap().label.as_ref().unwrap(),
        &label("//rules:type")
    );
    assert_eq!(
        toolchain.known().unwrap().label.as_ref().unwrap(),
        &label("//app:x")
    );
    assert_eq!(texts(exec_compatible_with).unwrap(), Vec::<String>::new());
    assert_eq!(texts(target_settings).unwrap(), [":s"]);
    assert_eq!(texts(target_compatible_with).unwrap(), Vec::<String>::new());
}

#[test]
fn unknown_values_stay_unknown_and_open_the_package() {
    let (_, index) = build(&[
        ("WORKSPACE", ""),
        (
            "a/defs.bzl",
            r#"
load("@invisible//:x.bzl", "helper")

def tcs(name, flag):
    native.toolchain(
        name = name,
        toolchain = ":impl",
        toolchain_type = "//a:type",
        exec_compatible_with = select({"//c:x": ["//c:y"], "//conditions:default": []}),
        target_compatible_with = helper(),
    )
    if flag:
        native.toolchain(name = name + "_2", toolchain = ":impl", toolchain_type = "//a:type")
"#,
        ),
        (
            "a/BUILD",
            "load(\":defs.bzl\", \"tcs\")\ntcs(name = \"t\", flag = glob([\"x\"]))\n",
        ),
    ]);
    let t = &index.targets[&label("//a:t")];
    let Decl::Toolchain(d_toolchain) = &t.decl else {
        panic!()
    };
    let ToolchainDecl {
        exec_compatible_with,
        target_compatible_with,
        toolchain,
        ..
    } = &**d_toolchain;
    assert!(matches!(exec_compatible_with, RefList::Unknown(_)));
    assert!(matches!(target_compatible_with, RefList::Unknown(_)));
    assert!(matches!(toolchain, RefOne::Known(_)));
    assert!(
        index
            .packages()
            .find(|(id, _)| {
                index
                    .targets
                    .package_names(id)
                    .is_some_and(|mut names| names.any(|t| t == "t"))
            })
            .unwrap()
            .1
            .open
    );
    assert!(!index.targets.contains_key(&label("//a:t_2")));
}

#[test]
fn symbolic_macros_run_their_implementation() {
    let (_, index) = build(&[
        ("WORKSPACE", ""),
        (
            "m/defs.bzl",
            r#"
def _impl(name, visibility, oses, exec):
    for os in oses:
        native.toolchain(
            name = name + "_" + os,
            toolchain = ":impl",
            toolchain_type = "//m:type",
            exec_compatible_with = exec,
        )

toolchains = macro(
    implementation = _impl,
    attrs = {
        "oses": attr.string_list(default = ["linux"]),
        "exec": attr.label_list(),
    },
)
"#,
        ),
        (
            "m/BUILD",
            "load(\":defs.bzl\", \"toolchains\")\ntoolchains(name = \"tc\", oses = [\"linux\", \"windows\"])\n",
        ),
    ]);
    assert!(index.targets.contains_key(&label("//m:tc_windows")));
    let Decl::Toolchain(d_toolchain) = &index.targets[&label("//m:tc_linux")].decl else {
        panic!()
    };
    let ToolchainDecl {
        exec_compatible_with,
        ..
    } = &**d_toolchain;
    assert_eq!(texts(exec_compatible_with).unwrap(), Vec::<String>::new());
}

#[test]
fn hostile_macros_stop_on_a_small_stack() {
    let hostile = r#"
def _r(n):
    return _r(n + 1)

def rec(name):
    native.toolchain(name = name + str(_r(0)), toolchain = ":i", toolchain_type = ":t")

def big(name):
    for i in range(10000000000):
        pass

def strings(name):
    s = "ab"
    for i in range(100):
        s += s
    native.filegroup(name = name)

def nest(name):
    v = []
    for i in range(1000):
        v = [v]

def doubling(name):
    v = [1]
    for i in range(1000):
        v = [v, v]

def deep_expr(name):
    x = ((((((((((((((((((((((((((((((((((((((((((1))))))))))))))))))))))))))))))))))))))))))
    native.filegroup(name = name + str(x))
"#;
    let (whats, deep_ok) = on_a_small_stack(
        hostile,
        "load(\":defs.bzl\", \"rec\", \"big\", \"strings\", \"nest\", \"deep_expr\", \"doubling\")\nrec(name = \"a\")\nbig(name = \"b\")\nstrings(name = \"c\")\nnest(name = \"d\")\ndeep_expr(name = \"e\")\ndoubling(name = \"f\")\n",
        "//h:e1",
    );
    assert_eq!(whats.len(), 5, "{whats:?}");
    assert!(whats.iter().any(|w| w.contains("steps")));
    assert!(whats.iter().any(|w| w.contains("calls itself")));
    assert!(whats.iter().any(|w| w.contains("range()")));
    assert!(whats.iter().any(|w| w.contains("string grew")));
    assert!(whats.iter().any(|w| w.contains("nested")));
    assert!(deep_ok);
}

/// A large constant table indexed inside nested loops, also through a helper whose default
/// parameter is the whole table (rules_python's `print_toolchains_checksums` over
/// `TOOL_VERSIONS`): evaluated to the end, not stopped by the step budget.
#[test]
fn large_tables_indexed_in_loops_fit_the_budget() {
    let defs = r#"
def _platforms():
    out = {}
    for j in range(15):
        out["platform_" + str(j)] = "sha_" + str(j)
    return out

def _table():
    out = {}
    for i in range(60):
        out["3." + str(i)] = {"sha256": _platforms(), "url": "https://example/" + str(i), "strip_prefix": "python"}
    return out

TABLE = _table()

def _info(platform, version, table = TABLE):
    url = table[version]["url"]
    prefix = table[version].get("strip_prefix", None)
    return url + "/" + platform + "/" + prefix

def _commands(version):
    return "\n".join([
        version + ": " + _info(platform, version)
        for platform in TABLE[version]["sha256"].keys()
    ])

def checksums(name):
    by_version = {}
    all_commands = []
    for version in TABLE.keys():
        by_version[version] = _commands(version)
        all_commands.append(_commands(version))
    native.genrule(name = name, outs = [name + ".sh"], cmd = "\n".join(all_commands))
    native.filegroup(name = name + "_done")
"#;
    let (_, index) = build(&[
        ("WORKSPACE", ""),
        ("py/defs.bzl", defs),
        (
            "py/BUILD",
            "load(\":defs.bzl\", \"checksums\")\nchecksums(name = \"print\")\n",
        ),
    ]);
    let limits: Vec<String> = index.eval_limits().map(|l| l.hit.what.clone()).collect();
    assert!(limits.is_empty(), "{limits:?}");
    assert!(index.targets.contains_key(&label("//py:print")));
    assert!(index.targets.contains_key(&label("//py:print_done")));
}

/// The toolchain types a rule of `defs.bzl` requests, by rule name.
fn requests(index: &WorkspaceIndex, rule: &str) -> Option<Vec<String>> {
    let r = index.rules.iter().find(|r| r.name == rule)?;
    r.toolchains.as_ref().map(|reqs| {
        reqs.iter()
            .map(|t| match &t.toolchain_type.label {
                Ok(l) => format!("{l}{}", if t.mandatory == Some(false) { "?" } else { "" }),
                Err(_) => "?".to_string(),
            })
            .collect()
    })
}

/// Rules made by functions (factories, builders, `rule(**kwargs)`) are rules of the file
/// that exports them, with the requests they were made with; targets of them are Starlark
/// rule targets.
#[test]
fn rule_factories_builders_and_kwargs() {
    let (_, index) = build(&[
        ("WORKSPACE", ""),
        (
            "p/defs.bzl",
            r#"
def _impl(ctx):
    return []

def make_rule(types, **kwargs):
    return rule(implementation = _impl, toolchains = types, **kwargs)

def _optional(t):
    return config_common.toolchain_type(t, mandatory = False)

use_tc = make_rule(["//:tt0", "//:tt1"])
opt_tc = make_rule([_optional(t) for t in ["//:tt0"]] + ["//:tt1"])

def _build(settings, **kw):
    return rule(implementation = settings.impl, toolchains = settings.types, **kw)

_B = struct(types = ["//:tt1"], impl = _impl, build = _build)
built = _B.build(_B)

_ARGS = {"implementation": _impl}
_ARGS["toolchains"] = ["//:tt0"]
_MORE = ["//:tt0"]
_MORE += ["//:tt1"]
_MORE.append("//:tt2")
from_dict = rule(**_ARGS)
from_list = make_rule(_MORE)
alias_of_use_tc = use_tc
"#,
        ),
        (
            "p/BUILD",
            r#"
load(":defs.bzl", "use_tc", "alias_of_use_tc")
use_tc(name = "a")
alias_of_use_tc(name = "b")
"#,
        ),
    ]);
    assert_eq!(
        requests(&index, "use_tc"),
        Some(vec!["//:tt0".into(), "//:tt1".into()])
    );
    assert_eq!(
        requests(&index, "opt_tc"),
        Some(vec!["//:tt0?".into(), "//:tt1".into()])
    );
    assert_eq!(requests(&index, "built"), Some(vec!["//:tt1".into()]));
    assert_eq!(requests(&index, "from_dict"), Some(vec!["//:tt0".into()]));
    assert_eq!(
        requests(&index, "from_list"),
        Some(vec!["//:tt0".into(), "//:tt1".into(), "//:tt2".into()])
    );
    // An alias names the rule it was bound to first (as Bazel names rules).
    assert!(index.rules.iter().all(|r| r.name != "alias_of_use_tc"));
    for name in ["a", "b"] {
        let t = index.targets.get(&label(&format!("//p:{name}"))).unwrap();
        assert_eq!(index.rule_of(t).map(|r| r.name.as_str()), Some("use_tc"));
    }
}

/// Closures that call themselves (through a global, or through each other) stop at the
/// call-depth bound on a small stack, in a macro and in a module value alike.
#[test]
fn recursive_closures_stop_on_a_small_stack() {
    let hostile = r#"
_F = lambda n: _F(n + 1)
VALUE = _F(0)

def _deep(n):
    def inner(m):
        return _deep(m)
    return inner(n)

def rec(name):
    native.filegroup(name = name + str(_F(0)))

def mutual(name):
    native.filegroup(name = name + str(_deep(0)))
"#;
    let (whats, c_ok) = on_a_small_stack(
        hostile,
        "load(\":defs.bzl\", \"rec\", \"mutual\", \"VALUE\")\nrec(name = \"a\")\nmutual(name = \"b\")\nfilegroup(name = \"c\", srcs = [VALUE])\n",
        "//h:c",
    );
    assert!(c_ok);
    assert_eq!(whats.len(), 2, "{whats:?}");
    assert!(
        whats.iter().any(|w| w.contains("nested more than")),
        "{whats:?}"
    );
    assert!(
        whats.iter().any(|w| w.contains("calls itself")),
        "{whats:?}"
    );
}

/// A mutating method used as a value changes its receiver: `deps = kwargs.pop("deps")`
/// leaves `kwargs` without `deps`, in an assignment and inside a call's arguments.
#[test]
fn mutating_methods_in_expressions_change_their_receiver() {
    let (_, index) = build(&[
        ("WORKSPACE", ""),
        (
            "p/defs.bzl",
            r#"
def _inner(name, deps = [], **kwargs):
    native.filegroup(name = name, srcs = deps, **kwargs)

def assigned(name, **kwargs):
    deps = kwargs.pop("deps", [])
    _inner(name = name, deps = deps, **kwargs)

def in_argument(name, **kwargs):
    _inner(name = name, deps = kwargs.pop("deps", []), **kwargs)
    native.filegroup(name = name + "_after", srcs = kwargs.get("deps", ["gone"]))
"#,
        ),
        (
            "p/BUILD",
            r#"
load(":defs.bzl", "assigned", "in_argument")
assigned(name = "a", deps = ["x"], visibility = ["//visibility:public"])
in_argument(name = "b", deps = ["y"])
"#,
        ),
    ]);
    assert!(
        index.macro_gaps().next().is_none(),
        "{:?}",
        index.macro_gaps().collect::<Vec<_>>()
    );
    for name in ["a", "b", "b_after"] {
        assert!(
            index.targets.contains_key(&label(&format!("//p:{name}"))),
            "{name}"
        );
    }
}

/// Something unknown inside a module-level value a macro reads stays in that value: the
/// macro's package is not open because of it.
#[test]
fn unknowns_inside_globals_do_not_open_the_package() {
    let (_, index) = build(&[
        ("WORKSPACE", ""),
        (
            "p/defs.bzl",
            r#"
def _impl(ctx):
    return []

def _kwargs():
    return {"implementation": _impl, "attrs": {"deps": attr.label_list()}}

my_rule = rule(**_kwargs())

def wrap(name):
    my_rule(name = name)
"#,
        ),
        (
            "p/BUILD",
            "load(\":defs.bzl\", \"wrap\")\nwrap(name = \"a\")\n",
        ),
    ]);
    assert!(
        index.macro_gaps().next().is_none(),
        "{:?}",
        index.macro_gaps().collect::<Vec<_>>()
    );
    assert!(index.targets.contains_key(&label("//p:a")));
}

#[test]
fn json_and_dir_fold_known_values() {
    let (_, index) = build(&[
        ("WORKSPACE", ""),
        (
            "p/defs.bzl",
            r#"
DATA = json.decode('{"linux": ["x86_64", "aarch64"], "macos": ["aarch64"], "n": 3}')
ROUND = json.decode(json.encode({"a": [1, True, None, "s"]}))
FIELDS = dir(struct(b = 1, a = 2))
BAD = json.decode("not json", default = {"fallback": ["x"]})

def plats():
    for os in sorted(DATA.keys()):
        if os == "n":
            continue
        for cpu in DATA[os]:
            native.platform(name = "%s_%s" % (os, cpu))
    for f in FIELDS + BAD["fallback"]:
        native.platform(name = "field_" + f)
    if ROUND == {"a": [1, True, None, "s"]}:
        native.platform(name = "round_trip")
"#,
        ),
        ("p/BUILD", "load(\":defs.bzl\", \"plats\")\nplats()\n"),
    ]);
    for t in [
        "//p:linux_x86_64",
        "//p:linux_aarch64",
        "//p:macos_aarch64",
        "//p:field_a",
        "//p:field_b",
        "//p:field_x",
        "//p:round_trip",
    ] {
        assert!(index.targets.contains_key(&label(t)), "{t}");
    }
}

#[test]
fn well_known_helpers_of_unreadable_repositories_fold() {
    let (_, index) = build(&[
        ("WORKSPACE", ""),
        (
            "p/defs.bzl",
            r#"
load("@bazel_skylib//lib:dicts.bzl", "dicts")

GROUPS = dicts.add({"a": 1, "b": 2}, {"b": 3}, c = 4)

def plats():
    for k in sorted(GROUPS.keys()):
        native.platform(name = "%s%d" % (k, GROUPS[k]))
"#,
        ),
        ("p/BUILD", "load(\":defs.bzl\", \"plats\")\nplats()\n"),
    ]);
    for t in ["//p:a1", "//p:b3", "//p:c4"] {
        assert!(index.targets.contains_key(&label(t)), "{t}");
    }
}
