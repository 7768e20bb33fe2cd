//! `host-include-in-cross-toolchain`: a C++ toolchain that runs on one kind of machine and
//! builds for another (its execution and target constraints disagree on a setting) whose
//! configuration lists the host's own header directories (`/usr/include`,
//! `/usr/local/include`) as builtin include directories or `-isystem`/`-I` flags.

use toolcheck_index::index::{Decl, ToolchainDecl};
use toolcheck_index::label::Label;
use toolcheck_resolve::model::Known;
use toolcheck_resolve::platforms::resolve_value;
use toolcheck_semantics::toolchain_impl::binding;

use crate::context::LintContext;
use crate::diagnostic::{Diagnostic, Severity};
use crate::registry::CheckMeta;

pub(crate) static CHECK: CheckMeta = CheckMeta {
    name: "host-include-in-cross-toolchain",
    default_severity: Severity::Warning,
    summary: "a cross-compiling C++ toolchain that includes the host's system headers",
    docs: "## What it does
Reports `/usr/include` and `/usr/local/include` in the `cxx_builtin_include_directories`,
`compile_flags` or `cxx_flags` (`-isystem`, `-I`) of the `toolchain_config` behind a
`cc_toolchain`, when the `toolchain()` that registers it is a cross toolchain: its
`exec_compatible_with` and `target_compatible_with` name different values of one constraint
setting (`@platforms//cpu:x86_64` and `@platforms//cpu:aarch64`, say). Multiarch directories
(`/usr/include/aarch64-linux-gnu`), sysroot-relative paths (`%sysroot%/usr/include`) and
paths inside the execution root are left alone.

## Why it matters
`/usr/include` on the build machine holds the headers of the build machine's architecture and
C library. A cross compiler that searches it compiles target objects against the host's
`bits/` headers: wrong type sizes, wrong syscall numbers, and headers Bazel does not track as
inputs, so the result depends on which packages each developer and each remote executor has
installed. Bazel's header checking reports them as \"undeclared inclusion(s)\" once the compiler
is swapped, as in a TensorFlow Lite cross build whose template hard-coded these directories.

## Example
```starlark
cc_toolchain_config(
    name = \"arm_config\",
    cxx_builtin_include_directories = [\"/usr/include\"],
    ...
)

toolchain(
    name = \"arm_toolchain\",
    exec_compatible_with = [\"@platforms//cpu:x86_64\"],
    target_compatible_with = [\"@platforms//cpu:aarch64\"],
    toolchain = \":arm_cc_toolchain\",
    toolchain_type = \"@bazel_tools//tools/cpp:toolchain_type\",
)
```

## What to do
Point the toolchain at a sysroot for the target (`builtin_sysroot`, and
`%sysroot%/usr/include` in the include directories), or at the cross compiler's own
directories (`/usr/aarch64-linux-gnu/include`, `/usr/include/aarch64-linux-gnu`).
",
    run,
};

/// The host's system header directories.
const HOST_INCLUDES: [&str; 2] = ["/usr/include", "/usr/local/include"];

fn run(ctx: &LintContext<'_>, acc: &mut Vec<Diagnostic>) {
    let sim = ctx.simulation();
    for t in ctx.source_targets() {
        let Decl::Toolchain(d) = &t.decl else {
            continue;
        };
        let Some((exec_value, target_value)) = cross(ctx, &t.label) else {
            continue;
        };
        let b = binding(ctx.ws, ctx.facts, ctx.index, sim, &t.label);
        if b.implementation.as_ref().map(|(_, k)| k.as_str()) != Some("cc_toolchain") {
            continue;
        }
        let ToolchainDecl {
            target_compatible_with,
            ..
        } = &**d;
        for dir in &b.include_dirs {
            let normal = dir.path.trim_end_matches('/');
            if !HOST_INCLUDES.contains(&normal) || !ctx.in_scope(dir.loc.file) {
                continue;
            }
            let mut diag = Diagnostic::new(
                CHECK.name,
                CHECK.default_severity,
                dir.loc.file,
                dir.loc.range,
                format!(
                    "`{}` in `{}` of '{}' is the build machine's own header directory, but toolchain '{}' cross-compiles (runs on `{exec_value}`, builds for `{target_value}`): target objects would compile against host headers",
                    dir.path,
                    dir.attr,
                    b.config.as_ref().map_or_else(|| t.label.to_string(), |c| c.to_string()),
                    t.label,
                ),
            );
            if let Some(first) = target_compatible_with.known().and_then(|l| l.first()) {
                diag =
                    diag.with_related(first.loc.file, first.loc.range, "the target it builds for");
            }
            acc.push(diag);
        }
    }
}

/// A value of `@platforms//os` or `@platforms//cpu` by the layout every release of that
/// repository has, for a workspace where toolcheck does not read it: the cross-compilation
/// question only needs to know that `cpu:x86_64` and `cpu:aarch64` are two values of one
/// setting. Names that mean one machine across releases (`arm64` and `aarch64`, `arm` and
/// `aarch32`, `macos` and `osx`) count as one.
fn platforms_value(label: &Label) -> Option<(Label, Label)> {
    if label.repo.0.trim_end_matches('+') != "platforms" {
        return None;
    }
    let package = label.package.as_str();
    if package != "os" && package != "cpu" {
        return None;
    }
    let name = match (package, label.name.as_str()) {
        (_, n) if n == package => return None,
        ("os", "macos") => "osx",
        ("cpu", "arm64") => "aarch64",
        ("cpu", "arm") => "aarch32",
        (_, n) => n,
    };
    let setting = Label {
        name: package.into(),
        ..*label
    };
    let value = Label {
        name: name.into(),
        ..*label
    };
    Some((setting, value))
}

/// For a cross toolchain: the execution and target values of the first setting both sides
/// name with different values.
fn cross(ctx: &LintContext<'_>, toolchain: &Label) -> Option<(Label, Label)> {
    let model = &ctx.simulation().model;
    let tc = model.toolchains.get(toolchain)?;
    let (Known::Known(exec), Known::Known(target)) =
        (&tc.exec_compatible_with, &tc.target_compatible_with)
    else {
        return None;
    };
    let resolved = |list: &[Label]| -> Vec<(Label, Label)> {
        list.iter()
            .filter_map(|l| match resolve_value(model, l) {
                Ok(v) => Some((v.setting, v.value)),
                Err(_) => platforms_value(l),
            })
            .collect()
    };
    let (exec, target) = (resolved(exec), resolved(target));
    exec.iter().find_map(|(setting, ev)| {
        let (_, tv) = target.iter().find(|(s, _)| s == setting)?;
        (tv != ev).then_some((*ev, *tv))
    })
}
