//! A deterministic, seeded generator of synthetic Bazel monorepos for toolcheck's benchmarks.
//!
//! Usage: `genrepo [--packages N] [--seed S] [--remote] [--force] OUT_DIR`.
//!
//! The output is a bzlmod workspace: a root `MODULE.bazel` with three local modules wired in by
//! `local_path_override` (each declaring a toolchain type, a toolchain rule, library and binary
//! rules, and registering its own toolchains), `.bazelrc` and `.bazelversion`, constraint
//! settings, platforms (with parents), `toolchain()` targets per language and platform, one
//! macro `.bzl` file per hundred packages (macros wrapping the module rules with `select()`s),
//! and N packages under `src/` whose BUILD files load rules and macros and declare libraries,
//! binaries, tests, config settings, filegroups, genrules, aliases and `select()`-valued
//! attributes. About one package in fifty also declares a toolchain, one in a hundred a
//! platform, one in two hundred a constraint setting, and one in ten has its own `defs.bzl`.
//! A few deliberate mistakes (one per thousand packages) give the checks something to report.
//!
//! Computed repositories, which toolcheck evaluates itself: each module exports a module
//! extension that makes one SDK repository per requested version (a repository rule that
//! downloads, then writes its BUILD file) and a hub whose BUILD file a template fills with a
//! toolchain per platform; the root registers every hub with `:all`. The root also creates one
//! repository per thousand packages with `use_repo_rule`, each from a template of ten
//! toolchains, and registers the first one's.
//!
//! `--remote` adds a remote execution setup for the hermeticity checks: a `build:remote`
//! config in `user.bazelrc` (`--remote_executor`, `--remote_cache`, an execution platform with a digest-pinned
//! image, a C++ toolchain bound to it by a capability constraint) in `rbe/`.
//!
//! The same `--packages`, `--seed` and `--remote` always produce byte-identical output.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// SplitMix64: tiny, deterministic, good enough for picking shapes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const LANGS: [(&str, &str); 3] = [
    ("rules_alpha", "alpha"),
    ("rules_beta", "beta"),
    ("rules_gamma", "gamma"),
];
const OSES: [&str; 3] = ["linux", "macos", "windows"];
const CPUS: [&str; 3] = ["x86_64", "arm64", "riscv64"];
const LIBCS: [&str; 2] = ["glibc", "musl"];
const WORDS: [&str; 24] = [
    "auth", "billing", "cache", "codec", "config", "crypto", "events", "flags", "geo", "grpc",
    "http", "index", "ingest", "logging", "metrics", "parser", "queue", "render", "search",
    "shard", "storage", "stream", "users", "util",
];

struct Gen {
    out: PathBuf,
    packages: usize,
    remote: bool,
    rng: Rng,
    files: usize,
    bytes: usize,
}

impl Gen {
    fn write(&mut self, rel: &str, text: &str) -> std::io::Result<()> {
        let path = self.out.join(rel);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        fs::write(&path, text)?;
        self.files += 1;
        self.bytes += text.len();
        Ok(())
    }

    /// `use_repo_rule` repositories of the root module: one per thousand packages.
    fn computed_repos(&self) -> usize {
        (self.packages / 1000).max(1)
    }

    fn macro_files(&self) -> usize {
        (self.packages / 100).max(4)
    }

    /// The package directory of package `i` (about fifty packages per directory).
    fn pkg_dir(i: usize) -> String {
        format!(
            "src/{}{}/{}/p{i}",
            WORDS[(i / 1000) % WORDS.len()],
            i / 1000 / WORDS.len(),
            WORDS[(i / 50) % WORDS.len()]
        )
    }

    /// `rbe/`: the remote execution platform and its C++ toolchain (`--remote`).
    fn remote_setup(&mut self) -> std::io::Result<()> {
        self.write(
            "rbe/config.bzl",
            "def _impl(ctx):\n    return []\n\n\
             cc_toolchain_config = rule(\n    implementation = _impl,\n    attrs = {\n        \"cxx_builtin_include_directories\": attr.string_list(),\n        \"tool_paths\": attr.string_dict(),\n    },\n)\n",
        )?;
        self.write(
            "rbe/BUILD.bazel",
            "load(\":config.bzl\", \"cc_toolchain_config\")\n\n\
             constraint_setting(name = \"image\")\n\n\
             constraint_value(name = \"rbe_image\", constraint_setting = \":image\")\n\n\
             platform(\n    name = \"platform\",\n    parents = [\"//platforms:linux_x86_64_glibc\"],\n    constraint_values = [\":rbe_image\"],\n    exec_properties = {\n        \"container-image\": \"docker://gcr.io/example/rbe-ubuntu@sha256:0f3e0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a\",\n        \"OSFamily\": \"Linux\",\n    },\n)\n\n\
             cc_toolchain_config(\n    name = \"cc_config\",\n    cxx_builtin_include_directories = [\"/usr/include\", \"/usr/lib/gcc/x86_64-linux-gnu/12/include\"],\n    tool_paths = {\"gcc\": \"/usr/bin/gcc\", \"ld\": \"/usr/bin/ld\"},\n)\n\n\
             cc_toolchain(\n    name = \"cc\",\n    all_files = \":empty\",\n    compiler_files = \":empty\",\n    dwp_files = \":empty\",\n    linker_files = \":empty\",\n    objcopy_files = \":empty\",\n    strip_files = \":empty\",\n    toolchain_config = \":cc_config\",\n)\n\n\
             filegroup(name = \"empty\")\n\n\
             toolchain(\n    name = \"cc_toolchain\",\n    exec_compatible_with = [\":rbe_image\"],\n    toolchain = \":cc\",\n    toolchain_type = \"@rules_alpha//alpha:toolchain_type\",\n)\n",
        )
    }

    fn run(&mut self) -> std::io::Result<()> {
        self.root_files()?;
        for (module, lang) in LANGS {
            self.module(module, lang)?;
        }
        self.constraints()?;
        if self.remote {
            self.remote_setup()?;
        }
        self.platforms()?;
        self.toolchains()?;
        for m in 0..self.macro_files() {
            self.macro_file(m)?;
        }
        for i in 0..self.packages {
            self.package(i)?;
        }
        Ok(())
    }

    fn root_files(&mut self) -> std::io::Result<()> {
        let mut m = String::new();
        m.push_str("\"\"\"Synthetic monorepo generated by toolcheck's genrepo.\"\"\"\n\n");
        m.push_str("module(\n    name = \"mono\",\n    version = \"0.0.0\",\n)\n\n");
        for (module, _) in LANGS {
            let _ = write!(
                m,
                "bazel_dep(name = \"{module}\", version = \"1.0.0\")\nlocal_path_override(\n    module_name = \"{module}\",\n    path = \"third_party/{module}\",\n)\n\n"
            );
        }
        m.push_str("register_execution_platforms(\"//platforms:all\")\n\n");
        m.push_str("register_toolchains(\n");
        for (_, lang) in LANGS {
            let _ = writeln!(m, "    \"//toolchains/{lang}:all\",");
        }
        m.push_str(
            ")\n\nregister_toolchains(\n    \"//tools/dev:all\",\n    dev_dependency = True,\n)\n",
        );
        // Module extension hubs and `use_repo_rule` repositories (computed by toolcheck).
        for (module, lang) in LANGS {
            let _ = write!(
                m,
                "\n{lang}_sdks = use_extension(\"@{module}//{lang}:extensions.bzl\", \"sdks\")\n\
                 {lang}_sdks.sdk(version = \"2.1.0\")\n\
                 {lang}_sdks.sdk(version = \"2.2.0\")\n\
                 use_repo({lang}_sdks, \"{lang}_toolchains\")\n\
                 register_toolchains(\"@{lang}_toolchains//:all\")\n"
            );
        }
        m.push_str("\ntool_repo = use_repo_rule(\"//tools/repos:repo.bzl\", \"tool_repo\")\n");
        // Like most repositories a monorepo pulls in, only one of them registers toolchains.
        for r in 0..self.computed_repos() {
            let _ = write!(
                m,
                "\ntool_repo(\n    name = \"tools_{r}\",\n    flavor = \"f{r}\",\n)\n"
            );
        }
        m.push_str("\nregister_toolchains(\"@tools_0//:all\")\n");
        self.write("MODULE.bazel", &m)?;
        self.write(
            "tools/repos/BUILD.bazel",
            "toolchain_type(name = \"tool_type\")\n",
        )?;
        self.write(
            "tools/repos/repo.bzl",
            "\"\"\"A repository of prebuilt tools, written from a template.\"\"\"\n\n\
             def _tool_repo_impl(rctx):\n    rctx.template(\n        \"BUILD.bazel\",\n        rctx.attr._template,\n        substitutions = {\n            \"%{flavor}\": rctx.attr.flavor,\n            \"%{name}\": rctx.attr.name,\n        },\n    )\n\n\
             tool_repo = repository_rule(\n    implementation = _tool_repo_impl,\n    attrs = {\n        \"flavor\": attr.string(mandatory = True),\n        \"_template\": attr.label(default = \"//tools/repos:BUILD.tool.tpl\"),\n    },\n)\n",
        )?;
        let mut tpl = String::from("# Tools of flavour %{flavor} (repository %{name}).\n\n");
        for t in 0..10 {
            let os = OSES[t % OSES.len()];
            let cpu = CPUS[t % CPUS.len()];
            let _ = write!(
                tpl,
                "toolchain(\n    name = \"%{{flavor}}_{t}\",\n    exec_compatible_with = [\n        \"@@//constraints/os:{os}\",\n        \"@@//constraints/cpu:{cpu}\",\n    ],\n    toolchain = \":impl_{t}\",\n    toolchain_type = \"@@//tools/repos:tool_type\",\n)\n\nfilegroup(name = \"impl_{t}\")\n\n"
            );
        }
        self.write("tools/repos/BUILD.tool.tpl", &tpl)?;
        self.write("BUILD.bazel", "exports_files([\"README.md\"])\n")?;
        self.write(".bazelversion", "7.4.1\n")?;
        self.write(
            ".bazelrc",
            "common --enable_bzlmod\n\
             build --incompatible_strict_action_env\n\
             build --host_platform=//platforms:linux_x86_64_glibc\n\
             build --extra_toolchains=//toolchains/alpha:alpha_linux_x86_64_glibc\n\
             build:mac --platforms=//platforms:macos_arm64_glibc\n\
             build:musl --platforms=//platforms:linux_x86_64_musl\n\
             build:ci --config=musl\n\
             test --test_output=errors\n\
             try-import %workspace%/user.bazelrc\n",
        )?;
        if self.remote {
            self.write(
                "user.bazelrc",
                "build:remote --remote_executor=grpcs://remote.example.com\n\
                 build:remote --remote_cache=grpcs://remote.example.com\n\
                 build:remote --extra_execution_platforms=//rbe:platform\n\
                 build:remote --extra_toolchains=//rbe:cc_toolchain\n\
                 build:remote --action_env=BAZEL_DO_NOT_DETECT_CPP_TOOLCHAIN=1\n",
            )?;
        }
        self.write(
            "tools/dev/BUILD.bazel",
            "load(\"@rules_alpha//alpha:toolchain.bzl\", \"alpha_toolchain\")\n\n\
             alpha_toolchain(\n    name = \"alpha_dev_impl\",\n    version = \"dev\",\n)\n\n\
             toolchain(\n    name = \"alpha_dev\",\n    toolchain = \":alpha_dev_impl\",\n    toolchain_type = \"@rules_alpha//alpha:toolchain_type\",\n)\n",
        )
    }

    fn module(&mut self, module: &str, lang: &str) -> std::io::Result<()> {
        let base = format!("third_party/{module}");
        self.write(
            &format!("{base}/MODULE.bazel"),
            &format!(
                "module(\n    name = \"{module}\",\n    version = \"1.0.0\",\n)\n\nregister_toolchains(\"//{lang}/toolchains:all\")\n"
            ),
        )?;
        self.write(&format!("{base}/BUILD.bazel"), "")?;
        self.write(
            &format!("{base}/{lang}/BUILD.bazel"),
            "toolchain_type(\n    name = \"toolchain_type\",\n    visibility = [\"//visibility:public\"],\n)\n\n\
                 toolchain_type(\n    name = \"runtime_type\",\n    visibility = [\"//visibility:public\"],\n)\n\n\
                 exports_files([\n    \"defs.bzl\",\n    \"toolchain.bzl\",\n])\n",
        )?;
        let up = lang.to_uppercase();
        self.write(
            &format!("{base}/{lang}/toolchain.bzl"),
            &format!(
                "\"\"\"The {lang} toolchain rule.\"\"\"\n\n\
                 {up}Info = provider(\n    doc = \"A {lang} compiler.\",\n    fields = [\"compiler\", \"version\"],\n)\n\n\
                 def _{lang}_toolchain_impl(ctx):\n    return [platform_common.ToolchainInfo(\n        {lang} = {up}Info(\n            compiler = ctx.executable.compiler,\n            version = ctx.attr.version,\n        ),\n    )]\n\n\
                 {lang}_toolchain = rule(\n    implementation = _{lang}_toolchain_impl,\n    attrs = {{\n        \"compiler\": attr.label(allow_single_file = True, cfg = \"exec\", executable = True),\n        \"version\": attr.string(mandatory = True),\n    }},\n)\n"
            ),
        )?;
        self.write(
            &format!("{base}/{lang}/defs.bzl"),
            &format!(
                "\"\"\"Public rules of {module}.\"\"\"\n\n\
                 {up}_TOOLCHAIN_TYPE = \"@{module}//{lang}:toolchain_type\"\n\
                 {up}_RUNTIME_TYPE = Label(\"//{lang}:runtime_type\")\n\n\
                 def _compile(ctx):\n    tc = ctx.toolchains[{up}_TOOLCHAIN_TYPE].{lang}\n    outs = []\n    for src in ctx.files.srcs:\n        out = ctx.actions.declare_file(src.basename + \".o\")\n        ctx.actions.run(\n            executable = tc.compiler,\n            arguments = [\"-c\", src.path, \"-o\", out.path],\n            inputs = [src],\n            outputs = [out],\n            mnemonic = \"{up}Compile\",\n        )\n        outs.append(out)\n    return [DefaultInfo(files = depset(outs))]\n\n\
                 {lang}_library = rule(\n    implementation = _compile,\n    attrs = {{\n        \"srcs\": attr.label_list(allow_files = True),\n        \"deps\": attr.label_list(),\n        \"copts\": attr.string_list(),\n    }},\n    toolchains = [{up}_TOOLCHAIN_TYPE],\n)\n\n\
                 {lang}_binary = rule(\n    implementation = _compile,\n    executable = True,\n    attrs = {{\n        \"srcs\": attr.label_list(allow_files = True),\n        \"deps\": attr.label_list(),\n    }},\n    toolchains = [\n        {up}_TOOLCHAIN_TYPE,\n        config_common.toolchain_type({up}_RUNTIME_TYPE, mandatory = False),\n    ],\n)\n\n\
                 {lang}_test = rule(\n    implementation = _compile,\n    test = True,\n    attrs = {{\n        \"srcs\": attr.label_list(allow_files = True),\n        \"deps\": attr.label_list(),\n        \"size\": attr.string(default = \"small\"),\n    }},\n    toolchains = [{up}_TOOLCHAIN_TYPE],\n)\n"
            ),
        )?;
        self.write(
            &format!("{base}/{lang}/extensions.bzl"),
            &format!(
                "\"\"\"The {lang} SDKs: one repository per version, and a hub of toolchains.\"\"\"\n\n\
                 _PLATFORMS = [(\"linux\", \"x86_64\"), (\"linux\", \"arm64\"), (\"macos\", \"arm64\")]\n\n\
                 def _sdk_impl(rctx):\n    rctx.download_and_extract(url = \"https://example.invalid/{lang}-\" + rctx.attr.version + \".tar.gz\")\n    rctx.file(\"BUILD.bazel\", 'filegroup(name = \"sdk\", visibility = [\"//visibility:public\"])\\n')\n\n\
                 {lang}_sdk = repository_rule(implementation = _sdk_impl, attrs = {{\"version\": attr.string()}})\n\n\
                 def _hub_impl(rctx):\n    parts = []\n    for version in rctx.attr.versions:\n        for os, cpu in _PLATFORMS:\n            parts.append(\"\"\"toolchain(\n    name = \"{{v}}_{{os}}_{{cpu}}\",\n    exec_compatible_with = [\"@@//constraints/os:{{os}}\", \"@@//constraints/cpu:{{cpu}}\"],\n    toolchain = \"@{lang}_sdk_{{v}}//:sdk\",\n    toolchain_type = \"@{module}//{lang}:runtime_type\",\n)\n\"\"\".format(v = version.replace(\".\", \"_\"), os = os, cpu = cpu))\n    rctx.template(\"BUILD.bazel\", rctx.attr._template, {{\"%{{toolchains}}\": \"\\n\".join(parts)}})\n\n\
                 {lang}_hub = repository_rule(\n    implementation = _hub_impl,\n    attrs = {{\n        \"versions\": attr.string_list(),\n        \"_template\": attr.label(default = \"//{lang}:BUILD.hub.tpl\"),\n    }},\n)\n\n\
                 def _sdks_impl(mctx):\n    versions = []\n    for mod in mctx.modules:\n        for tag in mod.tags.sdk:\n            if tag.version not in versions:\n                versions.append(tag.version)\n                {lang}_sdk(name = \"{lang}_sdk_\" + tag.version.replace(\".\", \"_\"), version = tag.version)\n    {lang}_hub(name = \"{lang}_toolchains\", versions = versions)\n\n\
                 sdks = module_extension(\n    implementation = _sdks_impl,\n    tag_classes = {{\"sdk\": tag_class(attrs = {{\"version\": attr.string(mandatory = True)}})}},\n)\n"
            ),
        )?;
        self.write(
            &format!("{base}/{lang}/BUILD.hub.tpl"),
            "# The toolchains of every requested SDK version.\n\n%{toolchains}\n",
        )?;
        let mut tcs = format!(
            "load(\"//{lang}:toolchain.bzl\", \"{lang}_toolchain\")\n\npackage(default_visibility = [\"//visibility:public\"])\n\n"
        );
        // The module's fallback toolchain: no constraints, registered after the root's.
        let _ = write!(
            tcs,
            "{lang}_toolchain(\n    name = \"{lang}_fallback_impl\",\n    version = \"1.0.0\",\n)\n\n\
             toolchain(\n    name = \"{lang}_fallback\",\n    toolchain = \":{lang}_fallback_impl\",\n    toolchain_type = \"//{lang}:toolchain_type\",\n)\n"
        );
        self.write(&format!("{base}/{lang}/toolchains/BUILD.bazel"), &tcs)
    }

    fn constraints(&mut self) -> std::io::Result<()> {
        for (setting, values) in [("os", &OSES[..]), ("cpu", &CPUS[..]), ("libc", &LIBCS[..])] {
            let mut b = format!(
                "package(default_visibility = [\"//visibility:public\"])\n\nconstraint_setting(\n    name = \"{setting}\",\n    default_constraint_value = \":{}\",\n)\n\n",
                values[0]
            );
            for v in values {
                let _ = write!(
                    b,
                    "constraint_value(\n    name = \"{v}\",\n    constraint_setting = \":{setting}\",\n)\n\n"
                );
            }
            self.write(&format!("constraints/{setting}/BUILD.bazel"), &b)?;
        }
        Ok(())
    }

    fn platforms(&mut self) -> std::io::Result<()> {
        let mut b = String::from("package(default_visibility = [\"//visibility:public\"])\n\n");
        for os in OSES {
            let _ = write!(
                b,
                "platform(\n    name = \"{os}_base\",\n    constraint_values = [\"//constraints/os:{os}\"],\n)\n\n"
            );
            for cpu in CPUS {
                for libc in LIBCS {
                    let _ = write!(
                        b,
                        "platform(\n    name = \"{os}_{cpu}_{libc}\",\n    constraint_values = [\n        \"//constraints/cpu:{cpu}\",\n        \"//constraints/libc:{libc}\",\n    ],\n    parents = [\":{os}_base\"],\n)\n\n"
                    );
                }
            }
        }
        self.write("platforms/BUILD.bazel", &b)
    }

    fn toolchains(&mut self) -> std::io::Result<()> {
        for (module, lang) in LANGS {
            let mut b =
                format!("load(\"@{module}//{lang}:toolchain.bzl\", \"{lang}_toolchain\")\n\n");
            for os in OSES {
                for cpu in CPUS {
                    for libc in LIBCS {
                        let n = format!("{lang}_{os}_{cpu}_{libc}");
                        let _ = write!(
                            b,
                            "{lang}_toolchain(\n    name = \"{n}_impl\",\n    compiler = \"//tools/bin:{lang}c_{os}_{cpu}\",\n    version = \"2.{}.0\",\n)\n\n\
                             toolchain(\n    name = \"{n}\",\n    exec_compatible_with = [\n        \"//constraints/os:{os}\",\n        \"//constraints/cpu:{cpu}\",\n    ],\n    target_compatible_with = [\"//constraints/libc:{libc}\"],\n    toolchain = \":{n}_impl\",\n    toolchain_type = \"@{module}//{lang}:toolchain_type\",\n)\n\n",
                            self.rng.below(9)
                        );
                    }
                }
            }
            self.write(&format!("toolchains/{lang}/BUILD.bazel"), &b)?;
        }
        Ok(())
    }

    fn macro_file(&mut self, m: usize) -> std::io::Result<()> {
        let (module, lang) = LANGS[m % LANGS.len()];
        let mut b = format!(
            "\"\"\"Macros for {lang} services ({m}).\"\"\"\n\n\
             load(\"@{module}//{lang}:defs.bzl\", \"{lang}_binary\", \"{lang}_library\", \"{lang}_test\")\n\n\
             DEFAULT_COPTS = [\n    \"-O2\",\n    \"-Wall\",\n]\n\n\
             PLATFORM_COPTS = select({{\n    \"//constraints/os:linux\": [\"-DLINUX\"],\n    \"//constraints/os:macos\": [\"-DMACOS\"],\n    \"//conditions:default\": [],\n}})\n\n\
             VISIBILITY = [\"//src:__subpackages__\"]\n\n"
        );
        let _ = write!(
            b,
            "def service_{m}(name, srcs = [], deps = [], copts = [], visibility = None, **kwargs):\n\
             \x20   \"\"\"A library, a binary and a test for one service.\"\"\"\n\
             \x20   {lang}_library(\n        name = name + \"_lib\",\n        srcs = srcs,\n        deps = deps,\n        copts = DEFAULT_COPTS + copts + PLATFORM_COPTS,\n        visibility = visibility or VISIBILITY,\n    )\n\
             \x20   {lang}_binary(\n        name = name,\n        deps = [\":\" + name + \"_lib\"],\n        **kwargs\n    )\n\
             \x20   {lang}_test(\n        name = name + \"_test\",\n        srcs = [name + \"_test.{lang}\"],\n        deps = [\":\" + name + \"_lib\"],\n    )\n\n\
             def generated_{m}(name, src, out = None):\n\
             \x20   native.genrule(\n        name = name,\n        srcs = [src],\n        outs = [out or name + \".out\"],\n        cmd = \"cp $< $@\",\n    )\n\n\
             def bundle_{m}(name, targets):\n\
             \x20   native.filegroup(\n        name = name,\n        srcs = targets,\n    )\n\
             \x20   for t in targets:\n        native.alias(\n            name = name + \"_\" + t.split(\":\")[-1],\n            actual = t,\n        )\n"
        );
        self.write(&format!("tools/macros/m{m}.bzl"), &b)
    }

    fn package(&mut self, i: usize) -> std::io::Result<()> {
        let dir = Self::pkg_dir(i);
        let (module, lang) = LANGS[self.rng.below(LANGS.len())];
        let m = self.rng.below(self.macro_files());
        let has_defs = self.rng.chance(10);
        let mut b = String::new();
        if self.rng.chance(30) {
            let _ = writeln!(
                b,
                "# Package {i}: {} {}.\n",
                self.rng.pick(&WORDS),
                self.rng.pick(&WORDS)
            );
        }
        let _ = writeln!(
            b,
            "load(\"@{module}//{lang}:defs.bzl\", \"{lang}_binary\", \"{lang}_library\", \"{lang}_test\")"
        );
        let _ = writeln!(
            b,
            "load(\"//tools/macros:m{m}.bzl\", \"bundle_{m}\", \"generated_{m}\", \"service_{m}\")"
        );
        if has_defs {
            let _ = writeln!(b, "load(\":defs.bzl\", \"local_rule_set\")");
        }
        let extra_toolchain = i % 50 == 7;
        if extra_toolchain {
            let _ = writeln!(
                b,
                "load(\"@{module}//{lang}:toolchain.bzl\", \"{lang}_toolchain\")"
            );
        }
        b.push_str("\npackage(default_visibility = [\"//visibility:public\"])\n\n");
        let word = self.rng.pick(&WORDS);
        // A library with files and dependencies on earlier packages.
        let mut deps: Vec<String> = Vec::new();
        for _ in 0..self.rng.below(4) {
            if i == 0 {
                break;
            }
            let j = self.rng.below(i);
            deps.push(format!("//{}:lib", Self::pkg_dir(j)));
        }
        if i % 1000 == 500 {
            // A deliberate mistake: a dependency on a package that does not exist.
            deps.push(format!("//{}/missing:lib", Self::pkg_dir(i)));
        }
        b.push_str(&format!(
            "{lang}_library(\n    name = \"lib\",\n    srcs = "
        ));
        if self.rng.chance(50) {
            let _ = write!(b, "glob([\"*.{lang}\"], exclude = [\"*_test.{lang}\"])");
        } else {
            b.push('[');
            for k in 0..1 + self.rng.below(4) {
                let _ = write!(b, "\n        \"{word}_{k}.{lang}\",");
            }
            b.push_str("\n    ]");
        }
        b.push_str(",\n    deps = [");
        for d in &deps {
            let _ = write!(b, "\n        \"{d}\",");
        }
        b.push_str(if deps.is_empty() { "]" } else { "\n    ]" });
        if self.rng.chance(35) {
            b.push_str(" + select({\n        \":opt\": [\":fast\"],\n        \"//conditions:default\": [],\n    })");
        }
        b.push_str(",\n");
        if self.rng.chance(40) {
            let _ = write!(
                b,
                "    copts = select({{\n        \"//constraints/os:linux\": [\"-fPIC\"],\n        \"//constraints/cpu:arm64\": [\"-march=armv8-a\"],\n        \"//conditions:default\": [],\n    }}),\n"
            );
        }
        b.push_str(")\n\n");
        let _ = write!(
            b,
            "{lang}_library(\n    name = \"fast\",\n    srcs = [\"fast.{lang}\"],\n    copts = [\"-O3\"],\n)\n\n\
             config_setting(\n    name = \"opt\",\n    values = {{\"compilation_mode\": \"opt\"}},\n)\n\n"
        );
        if self.rng.chance(40) {
            let _ = write!(
                b,
                "{lang}_test(\n    name = \"lib_test\",\n    srcs = [\"lib_test.{lang}\"],\n    deps = [\":lib\"],\n)\n\n"
            );
        }
        if self.rng.chance(50) {
            let _ = write!(
                b,
                "service_{m}(\n    name = \"{word}_server\",\n    srcs = [\"{word}_main.{lang}\"],\n    deps = [\":lib\"],\n)\n\n"
            );
        }
        if self.rng.chance(25) {
            let _ = write!(
                b,
                "generated_{m}(\n    name = \"version\",\n    src = \"version.txt.in\",\n)\n\n"
            );
        }
        if self.rng.chance(25) {
            let _ = write!(
                b,
                "{lang}_binary(\n    name = \"tool\",\n    srcs = [\"tool.{lang}\"],\n    deps = [\":lib\"],\n)\n\n\
                 bundle_{m}(\n    name = \"release\",\n    targets = [\n        \":lib\",\n        \":tool\",\n    ],\n)\n\n"
            );
        }
        if self.rng.chance(20) {
            b.push_str(
                "filegroup(\n    name = \"data\",\n    srcs = glob([\"testdata/**\"]),\n)\n\n",
            );
        }
        if self.rng.chance(15) {
            b.push_str("alias(\n    name = \"default\",\n    actual = \":lib\",\n)\n\n");
        }
        if has_defs {
            b.push_str("local_rule_set(name = \"extras\")\n\n");
        }
        if extra_toolchain {
            let os = self.rng.pick(&OSES);
            let cpu = self.rng.pick(&CPUS);
            let _ = write!(
                b,
                "{lang}_toolchain(\n    name = \"custom_impl\",\n    version = \"3.0.{i}\",\n)\n\n\
                 toolchain(\n    name = \"custom_toolchain\",\n    exec_compatible_with = [\n        \"//constraints/os:{os}\",\n        \"//constraints/cpu:{cpu}\",\n    ],\n    target_settings = [\":opt\"],\n    toolchain = \":custom_impl\",\n    toolchain_type = \"@{module}//{lang}:toolchain_type\",\n)\n\n"
            );
        }
        if i % 100 == 13 {
            let os = self.rng.pick(&OSES);
            let cpu = self.rng.pick(&CPUS);
            let parent = if i % 1000 == 113 {
                // A deliberate mistake: a parent that does not exist.
                format!("//platforms:{os}_bass")
            } else {
                format!("//platforms:{os}_base")
            };
            let _ = write!(
                b,
                "platform(\n    name = \"{word}_platform\",\n    constraint_values = [\n        \"//constraints/cpu:{cpu}\",\n        \"//constraints/libc:musl\",\n    ],\n    parents = [\"{parent}\"],\n)\n\n"
            );
        }
        if i % 200 == 71 {
            let _ = write!(
                b,
                "constraint_setting(name = \"{word}_mode\")\n\n\
                 constraint_value(\n    name = \"{word}_on\",\n    constraint_setting = \":{word}_mode\",\n)\n\n\
                 constraint_value(\n    name = \"{word}_off\",\n    constraint_setting = \":{word}_mode\",\n)\n\n"
            );
        }
        b.truncate(b.trim_end().len());
        b.push('\n');
        self.write(&format!("{dir}/BUILD.bazel"), &b)?;
        if has_defs {
            let d = format!(
                "\"\"\"Local helpers of package {i}.\"\"\"\n\n\
                 _SUFFIXES = [\"a\", \"b\"]\n\n\
                 def local_rule_set(name, visibility = None):\n\
                 \x20   \"\"\"Declares a filegroup per suffix.\"\"\"\n\
                 \x20   for s in _SUFFIXES:\n        native.filegroup(\n            name = name + \"_\" + s,\n            srcs = native.glob([\"*.\" + s]),\n            visibility = visibility,\n        )\n"
            );
            self.write(&format!("{dir}/defs.bzl"), &d)?;
        }
        Ok(())
    }
}

fn usage() -> ExitCode {
    eprintln!("usage: genrepo [--packages N] [--seed S] [--remote] [--force] OUT_DIR");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let mut packages = 1000usize;
    let mut seed = 1u64;
    let mut force = false;
    let mut remote = false;
    let mut out: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--packages" => match args.next().and_then(|v| v.parse().ok()) {
                Some(n) => packages = n,
                None => return usage(),
            },
            "--seed" => match args.next().and_then(|v| v.parse().ok()) {
                Some(s) => seed = s,
                None => return usage(),
            },
            "--force" => force = true,
            "--remote" => remote = true,
            "-h" | "--help" => return usage(),
            _ if out.is_none() && !a.starts_with('-') => out = Some(PathBuf::from(a)),
            _ => return usage(),
        }
    }
    let Some(out) = out else { return usage() };
    if out.exists() {
        let non_empty = fs::read_dir(&out)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true);
        if non_empty && !force {
            eprintln!(
                "genrepo: {} is not empty (use --force to replace it)",
                out.display()
            );
            return ExitCode::from(2);
        }
        if non_empty {
            if let Err(e) = fs::remove_dir_all(&out) {
                eprintln!("genrepo: cannot remove {}: {e}", out.display());
                return ExitCode::from(2);
            }
        }
    }
    let mut g = Gen {
        out: out.clone(),
        packages,
        remote,
        rng: Rng(seed),
        files: 0,
        bytes: 0,
    };
    if let Err(e) = g.run() {
        eprintln!("genrepo: writing {}: {e}", out.display());
        return ExitCode::from(1);
    }
    println!(
        "genrepo: {} packages, {} files, {} bytes in {}",
        packages,
        g.files,
        g.bytes,
        Path::new(&out).display()
    );
    ExitCode::SUCCESS
}
