//! Documentation topics `toolcheck explain` prints besides the checks: how toolcheck reads
//! what a workspace computes, and how it checks a ruleset on its own.

/// `(name, text)` of every topic, in the order `explain --list` shows them.
pub const TOPICS: &[(&str, &str)] = &[
    ("library-mode", LIBRARY_MODE),
    ("computed-repositories", COMPUTED_REPOSITORIES),
];

const LIBRARY_MODE: &str = "\
A ruleset (rules_go, toolchains_llvm, your company's rules_acme) is rarely built on its own:
its toolchains are registered by the workspaces that use it, through the registration macros
it exports (`acme_register_toolchains()`) or through its MODULE.bazel. Checked like a normal
workspace, nothing calls those macros, so toolcheck would see no registration and report
nothing. Library mode checks the ruleset as its consumers see it.

## When it is on
- `mode = \"library\"` in toolcheck.toml, or `--mode library` on the command line;
- by default (`mode = \"auto\"`), when the root MODULE.bazel declares
  `module(version = ...)`: a module published for others to depend on.
`mode = \"workspace\"` (or `--mode workspace`) turns it off.

## What it does
1. Every public function of the main repository's `.bzl` files whose parameters all have
   defaults (outside `test`, `tests`, `testing`, `testdata`, `example`, `examples`, `e2e` and
   `docs` directories) is run with its defaults, as a consumer's WORKSPACE would call it.
   Those that register toolchains or execution platforms are kept; one that another kept
   macro calls is not counted on its own, nor one the repository's own WORKSPACE calls.
2. What the kept macros register is added after the workspace's own registrations (in the
   WORKSPACE order), and the repositories they instantiate are computed (see
   `toolcheck explain computed-repositories`). The same pattern registered by two macros
   counts once: a consumer calls one of them.
3. Checks that judge registered toolchains speak for the consumer: findings say \"a
   workspace that calls `acme_register_toolchains()`\" (or \"a workspace that depends on this
   module\", for the module's own non-dev registrations) and point at the registration inside
   the macro as related information.
4. Hazards that depend on the consumer's machines are judged against the host matrix
   (linux, macos, windows on x86_64 or aarch64): `missing-exec-compatible-with` reports a
   consumer-facing toolchain without exec constraints even when the library's own workspace
   has a single kind of execution platform, when the toolchain is limited to some target
   platforms (its tool likely runs on one kind of machine). Not reported: toolchains with no
   constraints at all (deliberate catch-alls; `dummy-toolchain-precedence` judges those),
   toolchains behind `target_settings` (a configuration the consumer opts into), runtime
   types, and toolchains whose rule builds nothing for the execution platform (no
   `cfg = \"exec\"` or executable attribute: they only describe the target).

## Limits
Macros that need arguments are not run (toolcheck does not invent them); the evaluation
budget is shared by every exported function (each gets at most a quarter of a macro call's
budget), so a ruleset of thousands of helpers stays cheap; what the macros compute from the
machine follows the host toolcheck is told about (`host_constraints`).
";

const COMPUTED_REPOSITORIES: &str = "\
Most toolchains of public rulesets are not written in a BUILD file of the repository: a
repository rule writes them, from a template or a string, into a repository that exists only
after Bazel fetched it. toolcheck runs those rules itself, without running Bazel, downloading
anything or executing workspace code, and checks what they generate like files on disk.

## What is run
- `use_repo_rule(...)` instantiations in MODULE.bazel;
- repository rule calls in WORKSPACE, directly or in the macros it calls (`maybe()`
  included), and Bazel's `http_archive`/`git_repository`/`new_local_repository` with
  `build_file` or `build_file_content` (the given BUILD file becomes the repository's);
- module extensions, over the tags every module of the graph declares
  (`module_ctx.modules`, with each tag class's defaults); the repository rules they call
  become repositories named as Bazel names them (`+ext+name` in Bazel 8, `_main~ext~name` in
  Bazel 7), seeing each other by their names (hub repositories).

## What a repository rule can do here
`repository_ctx.file`, `.template` (the template's text with the substitutions applied in
order, as Bazel does) and `.symlink` of a workspace file write files; `.read` and `.path` of
workspace files work; `.attr` holds the instantiation's attributes with the declared
defaults; `.os.name` and `.os.arch` answer for the analysed host (the machine toolcheck runs
on, or `host_constraints`). `.execute`, downloads, extraction and patches are not performed:
their results are unknown, and the repository is marked as known only in part (a package
toolcheck does not have there is unknown, not missing). A repository toolcheck can read on
disk (`--output-base`, `--repo`, `local_repository`) always wins over the computed one.

## Where findings go
A finding in a generated BUILD file is reported at the template line it came from (or at the
`repository_ctx.file` call, or the `build_file` line), names the generated file and the rule
in its message, and points at the instantiation as related information. Rules and extensions
that could not run are listed in the coverage report with the reason.
";
