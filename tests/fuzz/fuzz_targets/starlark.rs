//! Fuzz target: the Starlark pipeline (parse, lower, index, every check, navigation) on one
//! file's text, analysed both as a BUILD file and as a `.bzl` file that the BUILD file loads,
//! and the direct reader compared with the parser on it.
//! Seeds are the corpus fixtures; `starlark.dict` and the custom mutator below keep mutations
//! close to the grammar.
#![no_main]

mod common;

use libfuzzer_sys::{fuzz_mutator, fuzz_target};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    common::in_pool(|| run(&text, data.len() as u64));
});

/// The text as it is (parsed as the `.bzl` file below) and behind a `load()` (as the BUILD
/// file).
fn run(text: &str, seed: u64) {
    // Differential: wherever the direct reader accepts the text, its facts are the parser's.
    if let Some(direct) = toolcheck_ide::build_reader::read(text) {
        let parsed = toolcheck_ide::lower_parsed(toolcheck_ide::FileKind::Build, text);
        assert!(
            direct == parsed,
            "the direct reader disagrees with the parser:\n{direct:#?}\n{parsed:#?}"
        );
    }
    let files = vec![
        common::InFile {
            repo: String::new(),
            path: "MODULE.bazel".into(),
            text: String::new(),
        },
        common::InFile {
            repo: String::new(),
            path: "pkg/BUILD.bazel".into(),
            text: format!("load(\":defs.bzl\", \"X\")\n{text}"),
        },
        common::InFile {
            repo: String::new(),
            path: "pkg/defs.bzl".into(),
            text: text.to_string(),
        },
    ];
    common::exercise(common::workspace(&files), seed);
}

/// Starlark tokens the mutator splices in, besides libFuzzer's own mutations.
const TOKENS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "=",
    "+",
    "*",
    "**",
    "\n",
    "    ",
    "\"",
    "'",
    "\"\"\"",
    "#",
    "\\",
    "load(",
    "def ",
    "return ",
    "if ",
    "else:",
    "for ",
    " in ",
    "lambda ",
    "select(",
    "Label(",
    "toolchain(",
    "toolchain_type(",
    "platform(",
    "alias(",
    "constraint_value(",
    "constraint_setting(",
    "register_toolchains(",
    "register_execution_platforms(",
    "rule(",
    "name = ",
    "parents = ",
    "actual = ",
    "toolchain = ",
    "toolchains = ",
    "constraint_values = ",
    "exec_compatible_with = ",
    "target_compatible_with = ",
    "\"//pkg:x\"",
    "\":x\"",
    "\"@r//:y\"",
    "\"//...\"",
    "\"//pkg:all\"",
    "\"@@canon~//p:t\"",
    "\"//../x\"",
    "\"/abs\"",
    "None",
    "True",
    "[]",
    "1",
    "x",
    "X",
    "# toolcheck: disable=",
    "\u{feff}",
    "\u{1F600}",
    "\r\n",
    "\0",
];

fuzz_mutator!(|data: &mut [u8], size: usize, max_size: usize, seed: u32| {
    // Half of the time: splice a Starlark token at a line or token boundary; otherwise
    // libFuzzer's own byte-level mutations.
    if seed % 2 == 0 {
        return libfuzzer_sys::fuzzer_mutate(data, size, max_size);
    }
    let token = TOKENS[(seed as usize / 2) % TOKENS.len()].as_bytes();
    let mut bytes = data[..size].to_vec();
    let boundaries: Vec<usize> = (0..=bytes.len())
        .filter(|&i| {
            i == 0
                || i == bytes.len()
                || matches!(bytes[i - 1], b'\n' | b' ' | b'(' | b'[' | b',' | b'=')
        })
        .collect();
    let at = boundaries[(seed as usize / 7) % boundaries.len()];
    if (seed / 3) % 3 == 0 && at < bytes.len() {
        // Replace the token-ish run at `at`.
        let end = bytes[at..]
            .iter()
            .position(|b| matches!(b, b' ' | b'\n' | b'(' | b')' | b',' | b'='))
            .map(|p| at + p.max(1))
            .unwrap_or(bytes.len());
        bytes.splice(at..end, token.iter().copied());
    } else {
        bytes.splice(at..at, token.iter().copied());
    }
    let n = bytes.len().min(max_size);
    data[..n].copy_from_slice(&bytes[..n]);
    n
});
