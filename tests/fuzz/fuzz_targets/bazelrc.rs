//! Fuzz target: the `.bazelrc` parser and flag evaluation (`toolcheck_index::bazelrc`).
//! Input: one or more rc files separated by lines `#- next`, then command-line flags after a
//! line `#- flags` (one per line).
#![no_main]

use libfuzzer_sys::fuzz_target;
use toolcheck_index::bazelrc::{build_flags, parse_rc};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (rcs, flags) = text.split_once("#- flags\n").unwrap_or((&text, ""));
    let files: Vec<_> = rcs.split("#- next\n").map(parse_rc).collect();
    let flags: Vec<String> = flags.lines().map(str::to_string).collect();
    let _ = build_flags(&files, &flags, Some("linux"));
});
