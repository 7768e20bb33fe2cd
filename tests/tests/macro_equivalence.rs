//! Acceptance for macro evaluation: a workspace whose platforms and toolchains come from
//! macros looping over (os, cpu) pairs (with a wrapper macro whose `exec_compatible_with`
//! defaults to `[]`, which makes the last one a catch-all) gets the same resolution and the
//! same hazard findings as the same declarations written out literally.

use std::path::Path;
use std::process::Command;

use toolcheck_tests::{scratch_dir, toolcheck_bin, write_files};

const OSES: [&str; 2] = ["linux", "macos"];
const CPUS: [&str; 2] = ["x86_64", "arm64"];

const WORKSPACE: &str =
    "register_execution_platforms(\"//plat:all\")\n\nregister_toolchains(\"//tc:all\")\n";

const PLAT_DEFS: &str = r#"OSES = ["linux", "macos"]
CPUS = ["x86_64", "arm64"]

def platforms():
    native.constraint_setting(name = "os")
    native.constraint_setting(name = "cpu")
    for os in OSES:
        native.constraint_value(name = os, constraint_setting = ":os")
    for cpu in CPUS:
        native.constraint_value(name = cpu, constraint_setting = ":cpu")
    for os, cpu in [(o, c) for o in OSES for c in CPUS]:
        native.platform(
            name = "%s_%s" % (os, cpu),
            constraint_values = [":" + os, ":{}".format(cpu)],
        )
"#;

const TC_DEFS: &str = r#"load("//plat:defs.bzl", "CPUS", "OSES")

def cc_toolchain(name, impl, exec_compatible_with = [], target_compatible_with = [], **kwargs):
    native.toolchain(
        name = name,
        toolchain = impl,
        toolchain_type = Label("//tc:type"),
        exec_compatible_with = exec_compatible_with,
        target_compatible_with = target_compatible_with,
        **kwargs
    )

def all_toolchains(prefix):
    pairs = [(os, cpu) for os in OSES for cpu in CPUS]
    for i, (os, cpu) in enumerate(pairs):
        constraints = ["//plat:" + os, "//plat:" + cpu]
        cc_toolchain(
            name = "%s_%02d_%s_%s" % (prefix, i, os, cpu),
            impl = ":impl",
            exec_compatible_with = constraints,
            target_compatible_with = constraints,
        )
    cc_toolchain(name = prefix + "_99_dummy", impl = ":dummy_impl")
"#;

const RULES: &str = "def _impl(ctx):\n    return [platform_common.ToolchainInfo()]\n\nfake_toolchain = rule(implementation = _impl)\n\ndef _use(ctx):\n    return []\n\nuse_tool = rule(implementation = _use, toolchains = [\"//tc:type\"])\n";

const TC_COMMON: &str = "toolchain_type(name = \"type\")\n\nfake_toolchain(name = \"impl\")\n\nfake_toolchain(name = \"dummy_impl\")\n\nuse_tool(name = \"consumer\")\n";

fn literal_files() -> (String, String) {
    let mut plat =
        String::from("constraint_setting(name = \"os\")\n\nconstraint_setting(name = \"cpu\")\n\n");
    for os in OSES {
        plat += &format!("constraint_value(name = \"{os}\", constraint_setting = \":os\")\n\n");
    }
    for cpu in CPUS {
        plat += &format!("constraint_value(name = \"{cpu}\", constraint_setting = \":cpu\")\n\n");
    }
    let mut tc = format!("load(\":rules.bzl\", \"fake_toolchain\", \"use_tool\")\n\n{TC_COMMON}\n");
    let mut i = 0;
    for os in OSES {
        for cpu in CPUS {
            plat += &format!(
                "platform(\n    name = \"{os}_{cpu}\",\n    constraint_values = [\":{os}\", \":{cpu}\"],\n)\n\n"
            );
            tc += &format!(
                "toolchain(\n    name = \"tc_{i:02}_{os}_{cpu}\",\n    toolchain = \":impl\",\n    toolchain_type = \"//tc:type\",\n    exec_compatible_with = [\"//plat:{os}\", \"//plat:{cpu}\"],\n    target_compatible_with = [\"//plat:{os}\", \"//plat:{cpu}\"],\n)\n\n"
            );
            i += 1;
        }
    }
    tc += "toolchain(\n    name = \"tc_99_dummy\",\n    toolchain = \":dummy_impl\",\n    toolchain_type = \"//tc:type\",\n)\n";
    (plat, tc)
}

fn json(args: &[&str], dir: &Path) -> serde_json::Value {
    let out = Command::new(toolcheck_bin())
        .args(args)
        .current_dir(dir)
        .output()
        .expect("toolcheck runs");
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("bad JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)))
}

/// Findings as (check, message), and resolutions per target platform.
fn observe(dir: &Path) -> (Vec<(String, String)>, serde_json::Value) {
    let check = json(&["check", "--format", "json", "--fail-on", "never"], dir);
    let mut findings: Vec<(String, String)> = check["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["check"].as_str().unwrap().to_string(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    findings.sort();
    let mut platforms = Vec::new();
    for os in OSES {
        for cpu in CPUS {
            platforms.push(format!("//plat:{os}_{cpu}"));
        }
    }
    let mut resolve = json(
        &[
            "resolve",
            "--format",
            "json",
            "--type",
            "//tc:type",
            "--host-platform",
            "//plat:linux_x86_64",
            "--target-platform",
            &platforms.join(","),
        ],
        dir,
    );
    // Traces mention source positions; compare what was picked.
    for r in resolve["resolutions"].as_array_mut().unwrap() {
        r.as_object_mut().unwrap().remove("trace");
    }
    (findings, resolve)
}

#[test]
fn macro_declared_toolchains_resolve_like_literal_ones() {
    let macro_dir = scratch_dir("macro-equivalence-macro");
    let tc_build = format!(
        "load(\":defs.bzl\", \"all_toolchains\")\nload(\":rules.bzl\", \"fake_toolchain\", \"use_tool\")\n\n{TC_COMMON}\nall_toolchains(\"tc\")\n"
    );
    write_files(
        &macro_dir,
        &[
            ("WORKSPACE", WORKSPACE),
            ("plat/defs.bzl", PLAT_DEFS),
            (
                "plat/BUILD",
                "load(\":defs.bzl\", \"platforms\")\n\nplatforms()\n",
            ),
            ("tc/defs.bzl", TC_DEFS),
            ("tc/rules.bzl", RULES),
            ("tc/BUILD", &tc_build),
        ],
    );
    let literal_dir = scratch_dir("macro-equivalence-literal");
    let (plat, tc) = literal_files();
    write_files(
        &literal_dir,
        &[
            ("WORKSPACE", WORKSPACE),
            ("plat/BUILD", &plat),
            ("tc/rules.bzl", RULES),
            ("tc/BUILD", &tc),
        ],
    );
    let (macro_findings, macro_resolve) = observe(&macro_dir);
    let (literal_findings, literal_resolve) = observe(&literal_dir);
    assert!(
        literal_findings
            .iter()
            .any(|(c, m)| c == "dummy-toolchain-precedence" && m.contains("//tc:tc_99_dummy")),
        "{literal_findings:?}"
    );
    assert_eq!(macro_findings, literal_findings);
    assert_eq!(macro_resolve, literal_resolve);
}
