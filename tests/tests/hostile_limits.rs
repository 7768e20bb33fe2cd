//! More hostile input against the real binary, with time and peak memory measured for the
//! child (VmHWM from /proc): a 50 MB `.bzl`, 100,000-deep nesting (CLI and language server),
//! very long lines, 100,000 targets in one package, huge registration lists, alias and
//! platform parent cycles, odd labels, FIFOs where files are expected, files deleted while the
//! workspace is read, encodings, and the reading guarantee (nothing outside the workspace and
//! its configured repositories is read, symlinks and `..` included). Each workspace has a
//! control package whose finding must still be reported.

use std::path::Path;

use serde_json::json;
use toolcheck_tests::hostile::{self, has, run_check, Run, CONTROL, MAX_PEAK_KIB};
use toolcheck_tests::lsp::{file_uri, memory_kib, LspClient};
use toolcheck_tests::{scratch_dir, write_files};

/// Every run here ignores the exit code for findings (`--fail-on never`).
fn check_args(dir: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["--fail-on", "never"];
    args.extend_from_slice(extra);
    run_check(dir, &args)
}

fn check(dir: &Path) -> Run {
    check_args(dir, &[])
}

fn assert_control(run: &Run) {
    hostile::assert_control(run, 0)
}

/// FIFOs exist in the file system only on Unix (Windows keeps named pipes elsewhere).
#[cfg(unix)]
fn mkfifo(path: &Path) {
    let ok = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(ok, "mkfifo {}", path.display());
}

#[test]
fn fifty_megabyte_bzl_is_reported_in_bounded_memory() {
    let dir = scratch_dir("hostile-50mb");
    write_files(&dir, &[("WORKSPACE", ""), CONTROL, ("big/BUILD", "")]);
    let line = "X = [\"//pkg:target\", \"value\", 12345678]\n";
    let big = line.repeat((50 << 20) / line.len() + 1);
    std::fs::write(dir.join("big/huge.bzl"), &big).unwrap();
    drop(big);
    let run = check(&dir);
    assert_control(&run);
    assert!(
        has(&run, "unreadable-file", "big/huge.bzl", "limit"),
        "{:#?}",
        run.diags
    );
    assert!(run.peak_kib < 512 << 10, "peak {} KiB", run.peak_kib);
}

#[cfg(unix)]
#[test]
fn fifos_where_files_are_expected_do_not_block() {
    let dir = scratch_dir("hostile-fifo");
    write_files(&dir, &[("WORKSPACE", ""), CONTROL]);
    std::fs::create_dir_all(dir.join("pipe")).unwrap();
    mkfifo(&dir.join("pipe/BUILD"));
    mkfifo(&dir.join("pipe/defs.bzl"));
    mkfifo(&dir.join(".bazelversion"));
    mkfifo(&dir.join(".bazelignore"));
    let run = check(&dir);
    assert_control(&run);
}

#[test]
fn hundred_thousand_deep_nesting() {
    let dir = scratch_dir("hostile-deep-100k");
    let depth = 100_000;
    let lists = format!("X = {}{}\n", "[".repeat(depth), "]".repeat(depth));
    let calls = format!("Y = {}1{}\n", "f(".repeat(depth), ")".repeat(depth));
    let dicts = format!("Z = {}1{}\n", "{1: ".repeat(depth), "}".repeat(depth));
    let parens = format!(
        "toolchain_type(name = {}\"t\"{})\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    let unary = format!("W = {}1\n", "-".repeat(depth));
    let binary = format!("V = 1{}\n", " + 1".repeat(depth));
    let unclosed = format!("U = {}\n", "[(".repeat(depth));
    write_files(
        &dir,
        &[
            ("WORKSPACE", ""),
            CONTROL,
            ("deep/lists.bzl", &lists),
            ("deep/calls.bzl", &calls),
            ("deep/dicts.bzl", &dicts),
            ("deep/unary.bzl", &unary),
            ("deep/binary.bzl", &binary),
            ("deep/unclosed.bzl", &unclosed),
            ("deep/BUILD", &parens),
        ],
    );
    let run = check(&dir);
    assert_control(&run);

    // The language server: open the same texts, ask for everything, stay alive.
    let mut c = LspClient::spawn(&dir);
    c.initialize(Some(&dir));
    for (name, text) in [
        ("lists.bzl", &lists),
        ("calls.bzl", &calls),
        ("unclosed.bzl", &unclosed),
        ("BUILD", &parens),
    ] {
        let uri = file_uri(&dir.join("deep").join(name));
        c.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "starlark", "version": 1, "text": text}}),
        );
        for method in [
            "textDocument/hover",
            "textDocument/definition",
            "textDocument/completion",
        ] {
            let r = c.request(
                method,
                json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 50_000}}),
            );
            assert!(r.get("error").is_none(), "{method} on {name}: {r}");
        }
        let r = c.request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": uri}}),
        );
        assert!(r.get("error").is_none(), "symbols on {name}: {r}");
    }
    let (_, peak) = memory_kib(c.pid()).unwrap();
    assert!(peak < MAX_PEAK_KIB, "language server peak {peak} KiB");
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn extremely_long_lines() {
    let dir = scratch_dir("hostile-long-lines");
    let one_line_list = format!(
        "X = [{}]\n",
        (0..200_000)
            .map(|i| format!("\"//p:t{i}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let identifier = format!("{} = 1\n", "x".repeat(4 << 20));
    let comment = format!(
        "#{}\ntoolchain_type(name = \"t\")\n",
        "\u{e9}".repeat(2 << 20)
    );
    let string = format!("toolchain_type(name = \"{}\")\n", "s".repeat(4 << 20));
    write_files(
        &dir,
        &[
            ("WORKSPACE", ""),
            CONTROL,
            ("long/list.bzl", &one_line_list),
            ("long/ident.bzl", &identifier),
            ("long/BUILD", &comment),
            ("long2/BUILD", &string),
        ],
    );
    let run = check(&dir);
    assert_control(&run);
}

#[test]
fn hundred_thousand_targets_in_one_package() {
    let dir = scratch_dir("hostile-100k-targets");
    let mut build = String::new();
    for i in 0..100_000 {
        build.push_str(&format!("toolchain_type(name = \"t{i}\")\n"));
    }
    build.push_str(
        "toolchain(name = \"tc\", toolchain = \":t1\", toolchain_type = \":t_missing\")\n",
    );
    write_files(&dir, &[("WORKSPACE", ""), CONTROL, ("many/BUILD", &build)]);
    let run = check(&dir);
    assert_control(&run);
    assert!(
        has(&run, "unresolved-label", "many/BUILD", "t_missing"),
        "{:#?}",
        run.diags.iter().take(5).collect::<Vec<_>>()
    );
}

#[test]
fn huge_registration_lists() {
    let dir = scratch_dir("hostile-registrations");
    let mut module = String::from("module(name = \"m\")\n");
    let labels: Vec<String> = (0..30_000).map(|i| format!("\"//tc{i}:all\"")).collect();
    module.push_str(&format!("register_toolchains({})\n", labels.join(", ")));
    let patterns: Vec<String> = (0..30_000).map(|i| format!("\"//p{i}/...\"")).collect();
    module.push_str(&format!(
        "register_execution_platforms({})\n",
        patterns.join(", ")
    ));
    for i in 0..2_000 {
        module.push_str(&format!("register_toolchains(\"//tc:t{i}\")\n"));
    }
    write_files(
        &dir,
        &[
            ("MODULE.bazel", &module),
            CONTROL,
            ("tc/BUILD", "toolchain_type(name = \"ty\")\n"),
        ],
    );
    let run = check(&dir);
    assert_control(&run);
}

#[test]
fn alias_and_platform_parent_cycles() {
    let dir = scratch_dir("hostile-cycles");
    let mut chain = String::new();
    for i in 0..500 {
        chain.push_str(&format!(
            "alias(name = \"a{i}\", actual = \":a{}\")\n",
            i + 1
        ));
    }
    chain.push_str("alias(name = \"a500\", actual = \":a0\")\n");
    chain.push_str("toolchain(name = \"tc\", toolchain = \":a0\", toolchain_type = \":a3\")\n");
    chain.push_str(
        "platform(name = \"p\", parents = [\":q\"])\nplatform(name = \"q\", parents = [\":p\"])\n",
    );
    chain.push_str("platform(name = \"self\", parents = [\":self\"])\n");
    chain.push_str(
        "alias(name = \"pa\", actual = \":pb\")\nalias(name = \"pb\", actual = \":pa\")\n",
    );
    chain.push_str("platform(name = \"via_alias\", parents = [\":pa\"])\n");
    write_files(&dir, &[("WORKSPACE", ""), CONTROL, ("cyc/BUILD", &chain)]);
    let run = check(&dir);
    assert_control(&run);
    assert!(
        run.diags
            .iter()
            .any(|(c, p, _)| c == "platform-parent-cycle" && p == "cyc/BUILD"),
        "{:#?}",
        run.diags
    );
}

#[test]
fn labels_with_dotdot_absolute_paths_and_odd_characters() {
    let dir = scratch_dir("hostile-labels");
    let outside = scratch_dir("hostile-labels-outside");
    write_files(
        &outside,
        &[
            ("BUILD", "toolchain_type(name = \"zzz_secret_type\")\n"),
            ("defs.bzl", "SECRET = [\"//zzz_secret_pkg:v\"]\n"),
        ],
    );
    let rel_outside = "../hostile-labels-outside";
    let odd = [
        "//../../etc:passwd",
        "//pkg/../x:y",
        "//./x:y",
        "/abs/path:t",
        "@../x//:y",
        "//p:t\\u0000",
        "//p:\\n",
        "//p:t with spaces",
        "//p:\u{202e}rtl",
        "@@//:\u{1F600}",
        "//p:t:u",
        "////:x",
        "@//..:x",
        "//...:all",
        "-//p:t",
    ];
    let mut build = format!(
        "load(\"//{rel_outside}:defs.bzl\", \"SECRET\")\nload(\"//../../etc:passwd.bzl\", \"X\")\nload(\"/etc/passwd\", \"Y\")\nplatform(name = \"s\", constraint_values = SECRET)\n"
    );
    for (i, l) in odd.iter().enumerate() {
        build.push_str(&format!(
            "toolchain(name = \"t{i}\", toolchain = \"{l}\", toolchain_type = \"{l}\")\n"
        ));
    }
    write_files(
        &dir,
        &[
            ("WORKSPACE", ""),
            CONTROL,
            ("odd/BUILD", &build),
            (
                "MODULE.bazel",
                &format!(
                    "register_toolchains(\"//{rel_outside}:all\", \"//../..:all\", \"/etc/...\")\n"
                ),
            ),
        ],
    );
    let run = check(&dir);
    assert_control(&run);
    assert!(
        !run.diags
            .iter()
            .any(|(_, _, m)| m.contains("zzz_secret_pkg") || m.contains("root:")),
        "a file outside the workspace was read: {:#?}",
        run.diags
    );
}

#[cfg(unix)]
#[test]
fn nothing_outside_the_workspace_is_read_but_configured_repositories_are() {
    use std::os::unix::fs::symlink;
    let dir = scratch_dir("hostile-reading");
    let outside = scratch_dir("hostile-reading-outside");
    let repo = scratch_dir("hostile-reading-repo");
    write_files(
        &outside,
        &[
            ("version", "99.99.99-zzz_secret\n"),
            ("ignore", "control\n"),
            ("BUILD.secret", "toolchain(name = \"x\", toolchain = \":i\", toolchain_type = \"//zzz_secret:t\")\n"),
            ("defs.bzl", "X = 1\n"),
        ],
    );
    write_files(
        &repo,
        &[(
            "BUILD",
            "toolchain(name = \"x\", toolchain = \":i\", toolchain_type = \"//repo_finding:t\")\n",
        )],
    );
    write_files(
        &dir,
        &[
            (
                "WORKSPACE",
                &format!(
                    "new_local_repository(name = \"nl\", path = \"nl\", build_file = \"//../hostile-reading-outside:BUILD.secret\")\nlocal_repository(name = \"configured\", path = \"{}\")\nregister_toolchains(\"@configured//:all\")\n",
                    repo.display()
                ),
            ),
            CONTROL,
            ("nl/README", ""),
        ],
    );
    symlink(outside.join("version"), dir.join(".bazelversion")).unwrap();
    symlink(outside.join("ignore"), dir.join(".bazelignore")).unwrap();
    symlink(outside.join("defs.bzl"), dir.join("control/defs.bzl")).unwrap();
    symlink(&outside, dir.join("linked")).unwrap();
    let run = check(&dir);
    assert_control(&run);
    assert!(
        !run.diags.iter().any(|(_, _, m)| m.contains("zzz_secret")),
        "a file outside the workspace was read: {:#?}",
        run.diags
    );
    // A repository the workspace configures (`local_repository`) is read, wherever it is (its
    // finding is reported at the registration that brings its toolchain in: it lives outside
    // the main repository).
    assert!(
        run.diags.iter().any(|(_, _, m)| m.contains("repo_finding")),
        "the configured repository was not read: {:#?}",
        run.diags
    );
}

#[test]
fn files_deleted_while_indexing() {
    let dir = scratch_dir("hostile-deleted");
    write_files(&dir, &[("WORKSPACE", ""), CONTROL]);
    let n = 3_000;
    for i in 0..n {
        write_files(
            &dir,
            &[(
                &format!("churn/p{i}/BUILD"),
                &format!("toolchain_type(name = \"t{i}\")\n{}", "# pad\n".repeat(200)),
            )],
        );
    }
    for round in 0..3 {
        let churn = dir.join("churn");
        let deleter = std::thread::spawn(move || {
            for i in (round..n).step_by(3) {
                let _ = std::fs::remove_dir_all(churn.join(format!("p{i}")));
            }
        });
        let run = check(&dir);
        deleter.join().unwrap();
        assert_control(&run);
    }
}

#[test]
fn encodings_boms_crlf_and_nul_bytes() {
    let dir = scratch_dir("hostile-encodings");
    write_files(&dir, &[("WORKSPACE", ""), CONTROL]);
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("be16/BUILD", {
            let mut v = vec![0xfe, 0xff];
            for u in "toolchain_type(name = \"t\")\n".encode_utf16() {
                v.extend(u.to_be_bytes());
            }
            v
        }),
        ("odd16/BUILD", vec![0xff, 0xfe, b'a', 0, b'b']),
        ("bom_only/BUILD", b"\xef\xbb\xbf".to_vec()),
        (
            "double_bom/BUILD",
            b"\xef\xbb\xbf\xef\xbb\xbftoolchain_type(name = \"t\")\n".to_vec(),
        ),
        (
            "cr_only/BUILD",
            b"toolchain_type(name = \"a\")\rtoolchain_type(name = \"b\")\r".to_vec(),
        ),
        (
            "mixed/BUILD",
            b"toolchain_type(\r\n  name = \"a\",\n)\r\ntoolchain_type(name = \"b\")\r".to_vec(),
        ),
        ("late_nul/BUILD", {
            let mut v = "# padding\n".repeat(1_000).into_bytes();
            v.extend_from_slice(b"toolchain_type(name = \"t\0x\")\n\0\0\0");
            v
        }),
        (
            "overlong/BUILD",
            b"toolchain_type(name = \"\xc0\xaf\xed\xa0\x80\xf8\x88\x80\x80\x80\")\n".to_vec(),
        ),
        ("binary/BUILD", (0..=255u8).cycle().take(100_000).collect()),
        ("binary/defs.bzl", vec![0; 4096]),
    ];
    for (path, bytes) in &files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    let run = check(&dir);
    assert_control(&run);
    assert!(
        has(&run, "unreadable-file", "be16/BUILD", "UTF-16"),
        "{:#?}",
        run.diags
    );
    assert!(
        has(&run, "unreadable-file", "binary/BUILD", "binary"),
        "{:#?}",
        run.diags
    );
    assert!(
        has(&run, "unreadable-file", "overlong/BUILD", "UTF-8"),
        "{:#?}",
        run.diags
    );
}

#[cfg(unix)]
#[test]
fn unreadable_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch_dir("hostile-unreadable-file");
    write_files(
        &dir,
        &[
            ("WORKSPACE", ""),
            CONTROL,
            ("locked/BUILD", "toolchain_type(name = \"t\")\n"),
        ],
    );
    std::fs::set_permissions(
        dir.join("locked/BUILD"),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    let run = check(&dir);
    std::fs::set_permissions(
        dir.join("locked/BUILD"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    // Root reads it anyway; otherwise it is reported. Either way the rest is checked.
    assert_control(&run);
}
