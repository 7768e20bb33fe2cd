//! The direct reader (`analyzer/index/src/build_reader.rs`) against the parser: wherever the
//! reader accepts a text, its facts must equal tree-sitter's lowering of that text, ranges
//! included. Checked on hand-written forms, on every corpus fixture, the example workspace and
//! the fuzz seeds, on mutations of each of those, and on a generated monorepo (where it must
//! also accept nearly every BUILD file: the cold check's speed rests on that).

use std::path::{Path, PathBuf};
use std::process::Command;

use toolcheck_ide::{build_reader, lower_parsed, FileKind};
use toolcheck_tests::{repo_root, scratch_dir};

/// Whether the reader accepted `text`; panics when it disagrees with the parser.
fn agree(text: &str, what: &str) -> bool {
    let Some(direct) = build_reader::read(text) else {
        return false;
    };
    let parsed = lower_parsed(FileKind::Build, text);
    assert!(
        direct == parsed,
        "{what}: the direct reader and the parser disagree on\n---\n{text}\n---\n\
         direct: {direct:#?}\nparsed: {parsed:#?}"
    );
    true
}

#[test]
fn plain_build_files_are_read_directly_and_agree() {
    let accepted = [
        "",
        "\n\n# only a comment\n",
        "cc_library(name = \"a\")\n",
        "cc_library(name = \"a\")",
        "load(\"//tools:defs.bzl\", \"my_rule\", alias_name = \"other\")\nmy_rule(name = \"x\")\n",
        "load(\"@rules_cc//cc:defs.bzl\", \"cc_library\")  # trailing comment\n\ncc_library(\n    name = \"lib\",\n    srcs = glob([\"*.cc\"], exclude = [\"x.cc\"]),\n    deps = [\n        \":a\",  # why\n        \"//b\",\n    ],\n    copts = [\"-O2\"] + select({\n        \"//conditions:default\": [],\n        \":linux\": [\"-DLINUX\"],\n    }),\n    linkstatic = True,\n    alwayslink = False,\n    stamp = -1,\n    shard_count = 4,\n    tags = None,\n)\n",
        "\"\"\"Package docstring.\n\nWith \"quotes\" and 'apostrophes'.\n\"\"\"\n\npackage(default_visibility = [\"//visibility:public\"])\n",
        "'''single-quoted docstring'''\nlicenses(['notice'])\n",
        "COPTS = [\"-Wall\"]\nDEPS = COPTS + [\":x\"] + [\":y\"]\n\ncc_binary(name = \"b\", copts = COPTS, deps = DEPS)\n",
        "toolchain(\n    name = \"t\",\n    exec_compatible_with = [\"@platforms//os:linux\"],\n    target_compatible_with = [],\n    toolchain = \":impl\",\n    toolchain_type = \"//tc:type\",\n)\n",
        "native.alias(name = \"n\", actual = \"//x\")\n",
        "x = \"{}-{}\".format(\"a\", 1)\nfoo(name = \",\".join([\"a\", \"b\"]))\n",
        "f(a)(b)\n",
        "platform(name = \"p\", constraint_values = [\n    # a comment inside\n    \"@platforms//os:linux\",\n], parents = [\":base\"],)\n",
        "exports_files([\"a.txt\"])\ngenrule(name = \"g\", outs = [\"o\"], cmd = \"echo $@ > $(OUTS)\")\n",
        "cc_test(name = \"t\", size = \"small\", timeout = \"short\", args = [\"--x=1\"], env = {\"A\": \"b\"})\n",
        "x = 0\ny = -x\nz = 9223372036854775807\nw = 99999999999999999999\n",
        "a = {}\nb = []\nc = {\"k\": [1, 2], 3: {\"n\": None}}\n",
        "s = \"unicode: é ✓ 😀\"  # comment: ü\n",
        "#- not a header\n#!shebang-like comment\n\t\n   \n",
        "x = [\n\n\t1,\n\n]\n",
        "# toolcheck: disable=unresolved-label\nalias(name = \"a\", actual = \"//missing\")\nalias(name = \"b\", actual = \"//m\")  # toolcheck: disable=unresolved-label, shadowed-toolchain\n# toolcheck: disable-file=missing-exec-compatible-with\n",
        "foo (name = \"spaced\")\nbar . baz(1)\n",
        "x = \"esc\\n\" + 'it\\'s' + \"a \\\"quoted\\\" word\" + \"\\\\\" + \"tab\\there\"\n",
        "y = \"\"\"triple \\\" and \\\\ and \\n\"\"\" + \"unknown \\d escape\" + \"\\u00e9 \\x41 \\N{DASH}\"\n",
        "genrule(name = \"g\", outs = [\"o\"], cmd = \"echo \\\"$@\\\" > $@\")\n",
        "f(type = 1)\n",
        "cc_library(name = \"l\", type = \"static\", copts = [\"-DV=\\\"1\\\"\"])\n",
        "x = \"a\"\n\"a separate statement\"\n",
    ];
    for (i, text) in accepted.iter().enumerate() {
        assert!(
            agree(text, &format!("accepted case {i}")),
            "case {i} should be read directly:\n{text}"
        );
        // The same with Windows line breaks.
        let crlf = text.replace('\n', "\r\n");
        assert!(
            agree(&crlf, &format!("accepted case {i} with CRLF")),
            "case {i} with CRLF should be read directly:\n{crlf:?}"
        );
    }
}

#[test]
fn everything_outside_the_subset_goes_to_the_parser() {
    let declined = [
        "def f():\n    pass\n",
        "[cc_library(name = n) for n in NAMES]\n",
        "if True:\n    x = 1\n",
        "x = 1 if y else 2\n",
        "x = a - b\n",
        "x = a * 2\n",
        "x = \"%s\" % y\n",
        "x = a == b\n",
        "x = not a\n",
        "x += [1]\n",
        "x = y = 1\n",
        "a, b = 1, 2\n",
        "x = (1)\n",
        "x = (1, 2)\n",
        "x = a[0]\n",
        "x = a[1:2]\n",
        "x = 1.5\n",
        "x = 0x10\n",
        "x = 1_000\n",
        "x = 007\n",
        "x = 10L\n",
        "x = r\"raw\"\n",
        "x = b\"bytes\"\n",
        "x = f\"{y}\"\n",
        "x = \"continued \\\n line\"\n",
        "x = '''continued \\\n line'''\n",
        "x = \"ends in a backslash\\",
        "x = \"a\" \"b\"\n",
        "x = \"unterminated\n",
        "x = 'a\n",
        "x = \"\"\"unterminated\n",
        "f(*args)\n",
        "f(**kwargs)\n",
        "f(,)\n",
        "f(a b)\n",
        "f(a) g(b)\n",
        "f(a); g(b)\n",
        "f(a),\n",
        "  f(a)\n",
        "\tf(a)\n",
        "   # indented comment\nf(a)\n",
        "f(a)\n  g(b)\n",
        "x = 1 +\\\n  2\n",
        "x = 1 +\n  2\n",
        "x\n",
        "f(a).b\n",
        "[1]\n",
        "x: int = 1\n",
        "x = lambda: 1\n",
        "x = -(1)\n",
        "x = --1\n",
        "type = 1\n",
        "x = type\n",
        "f(print = 1)\n",
        "print(1)\n",
        "match(x)\n",
        "f(True = 1)\n",
        "x = y.if\n",
        "x = 1 .real\n",
        "café = 1\n",
        "\u{feff}f(a)\n",
        "f(a)\r\r\n",
        "f(a)\rg(b)\n",
        "x = \"a\r\nb\"\r\n",
        "x = 1 +\\\r\n  2\r\n",
        "f(\"nul\0\")\n",
        "f(a)\x0c\n",
        "@decorator\n",
        "x = a.b.\n",
        "f(a\n",
        "f(a))\n",
        "x = [1, 2\n",
        "x = {1 2}\n",
        "x = {1: 2, **y}\n",
        "x = {k: v for k, v in y}\n",
        "x = [*y]\n",
    ];
    for (i, text) in declined.iter().enumerate() {
        assert!(
            build_reader::read(text).is_none(),
            "declined case {i} was read directly:\n{text}"
        );
    }
}

#[test]
fn nesting_beyond_what_lowering_keeps_goes_to_the_parser() {
    // Lowering keeps 48 levels; the reader declines rather than imitate where it stops.
    for depth in [10, 40, 46, 47, 48, 49, 50, 60, 2000] {
        let text = format!("x = {}1{}\n", "[".repeat(depth), "]".repeat(depth));
        let read = agree(&text, &format!("lists nested {depth} deep"));
        assert_eq!(read, depth <= 48, "lists nested {depth} deep");
        let call = format!("f({}1{})\n", "g(".repeat(depth), ")".repeat(depth));
        agree(&call, &format!("calls nested {depth} deep"));
        let chain = format!("x = {}\n", vec!["a"; depth].join(" + "));
        agree(&chain, &format!("a chain of {depth} additions"));
    }
}

fn starlark_texts_under(dir: &Path, out: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            starlark_texts_under(&path, out);
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let name = path.display().to_string();
        // Fixtures hold several files; each is a text of its own, and so is the whole.
        if let Ok(fixture) = toolcheck_fixture::Fixture::parse(&text, "BUILD.bazel") {
            for f in fixture.files {
                out.push((format!("{name}:{}", f.path), f.text));
            }
        }
        out.push((name, text));
    }
}

/// Small edits at spread-out offsets: near-misses of the subset, where a reader that is too
/// lenient would show.
fn mutations(text: &str) -> Vec<String> {
    const INSERTS: [&str; 25] = [
        "+", "(", ")", "\"", "'", "#", "\n", " ", "-", ",", "=", ".", "[", "]", "{", "}", ":",
        "\\", "x", "1", "\t", "é", "\"\"\"", "*", "\r\n",
    ];
    let mut out = Vec::new();
    let steps = 40.min(text.len());
    for i in 0..steps {
        let mut at = i * text.len() / steps.max(1);
        while !text.is_char_boundary(at) {
            at += 1;
        }
        let next = text[at..].chars().next().map_or(0, char::len_utf8);
        out.push(format!("{}{}", &text[..at], &text[at + next..]));
        let insert = INSERTS[i % INSERTS.len()];
        out.push(format!("{}{insert}{}", &text[..at], &text[at..]));
        let other = INSERTS[(i * 7 + 3) % INSERTS.len()];
        out.push(format!("{}{other}{}", &text[..at], &text[at..]));
    }
    out
}

#[test]
fn corpus_seeds_and_their_mutations_agree() {
    let root = repo_root();
    let mut texts = Vec::new();
    starlark_texts_under(&root.join("corpus"), &mut texts);
    starlark_texts_under(&root.join("tests/fuzz/seeds/starlark"), &mut texts);
    starlark_texts_under(&root.join("tests/fuzz/seeds/workspace"), &mut texts);
    assert!(texts.len() > 100, "found only {} texts", texts.len());
    let (mut read, mut mutants_read) = (0, 0);
    for (name, text) in &texts {
        if agree(text, name) {
            read += 1;
        }
        agree(&text.replace('\n', "\r\n"), &format!("{name}, with CRLF"));
        for (i, m) in mutations(text).iter().enumerate() {
            if agree(m, &format!("{name}, mutation {i}")) {
                mutants_read += 1;
            }
        }
    }
    eprintln!(
        "{read} of {} texts and {mutants_read} mutants read directly",
        texts.len()
    );
    // The comparison means something only if the reader accepted a fair share.
    assert!(
        read >= 200,
        "only {read} of {} texts read directly",
        texts.len()
    );
    assert!(
        mutants_read >= 10_000,
        "only {mutants_read} mutants read directly"
    );
}

/// `TOOLCHECK_DIRECT_READER_DIRS` (colon-separated) adds real workspaces to compare on, e.g.
/// public rulesets checked out for reading; `SHOW_DECLINED=1` lists the BUILD files the reader
/// leaves to the parser (where widening its subset would pay).
#[test]
fn extra_workspaces_agree() {
    let Ok(dirs) = std::env::var("TOOLCHECK_DIRECT_READER_DIRS") else {
        return;
    };
    for dir in dirs.split(':').filter(|d| !d.is_empty()) {
        let mut texts = Vec::new();
        starlark_texts_under(Path::new(dir), &mut texts);
        // (files, read directly) for BUILD files and for the other Starlark files.
        let mut counts = [(0, 0), (0, 0)];
        for (name, text) in &texts {
            let file = name.rsplit('/').next().unwrap_or(name);
            let Some(kind) = FileKind::from_file_name(file).filter(|&k| k != FileKind::Bazelrc)
            else {
                continue;
            };
            let c = &mut counts[usize::from(kind != FileKind::Build)];
            c.0 += 1;
            if agree(text, name) {
                c.1 += 1;
            } else if kind == FileKind::Build && std::env::var_os("SHOW_DECLINED").is_some() {
                eprintln!("DECLINED {name}");
            }
        }
        eprintln!(
            "{dir}: {} of {} BUILD files and {} of {} other Starlark files read directly",
            counts[0].1, counts[0].0, counts[1].1, counts[1].0
        );
    }
}

#[test]
fn a_generated_monorepo_is_read_directly() {
    let dir = scratch_dir("direct-reader-genrepo");
    let status = Command::new(env!("CARGO_BIN_EXE_genrepo"))
        .args(["--packages", "400", "--seed", "7", "--force"])
        .arg(&dir)
        .status()
        .expect("genrepo runs");
    assert!(status.success());
    let mut texts = Vec::new();
    starlark_texts_under(&dir, &mut texts);
    let (mut builds, mut read) = (0, 0);
    for (name, text) in &texts {
        let file = name.rsplit('/').next().unwrap_or(name);
        match FileKind::from_file_name(file) {
            Some(FileKind::Build) => {
                builds += 1;
                if agree(text, name) {
                    read += 1;
                }
            }
            Some(FileKind::Module | FileKind::Workspace | FileKind::Repo) => {
                agree(text, name);
            }
            _ => {}
        }
    }
    assert!(builds >= 400, "{builds} BUILD files");
    assert!(
        read * 100 >= builds * 95,
        "only {read} of {builds} generated BUILD files read directly"
    );
}
