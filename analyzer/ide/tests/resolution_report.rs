//! The toolchain-resolution report: candidates in registration order (the first toolchain
//! registration that names them or whose pattern covers them), then unregistered ones, each
//! group by label.

mod common;

use toolcheck_ide::FileKind;

const MODULE: &str = "module(name = \"m\")\n\nregister_toolchains(\"//other:z\", \"//tc:c\", \"//tc/...\", \"//other:x\")\n";
const TC_BUILD: &str = r#"toolchain_type(name = "t")

toolchain(name = "b", toolchain = ":impl", toolchain_type = ":t")

toolchain(name = "c", toolchain = ":impl", toolchain_type = ":t")

toolchain(name = "a", toolchain = ":impl", toolchain_type = ":t")

filegroup(name = "impl")
"#;
const OTHER_BUILD: &str = r#"toolchain(name = "y", toolchain = ":impl", toolchain_type = "//tc:t")

toolchain(name = "x", toolchain = ":impl", toolchain_type = "//tc:t")

toolchain(name = "w", toolchain = ":impl", toolchain_type = "//tc:t")

toolchain(name = "z", toolchain = ":impl", toolchain_type = "//tc:t")

filegroup(name = "impl")
"#;

#[test]
fn candidates_are_ranked_by_registration_then_label() {
    let mut host = common::host_with(&[
        ("MODULE.bazel", FileKind::Module, MODULE),
        ("tc/BUILD.bazel", FileKind::Build, TC_BUILD),
        ("other/BUILD.bazel", FileKind::Build, OTHER_BUILD),
    ]);
    let a = host.analysis();
    let tc = common::file_at(&a, "tc/BUILD.bazel");
    let report = a.resolution_report(tc, Some(17)).expect("a report");
    let order: Vec<&str> = report
        .lines()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_digit()))
        .map(|l| l.split('`').nth(1).unwrap())
        .collect();
    assert_eq!(
        order,
        [
            "//other:z",
            "//tc:c",
            "//tc:a",
            "//tc:b",
            "//other:x",
            "//other:w",
            "//other:y"
        ],
        "{report}"
    );
    assert!(
        report.contains("1. `//other:z`: registered by `//other:z`"),
        "{report}"
    );
    assert!(
        report.contains("3. `//tc:a`: registered by `//tc/...`"),
        "{report}"
    );
    assert!(
        report.contains("6. `//other:w`: **not registered**"),
        "{report}"
    );
}
