//! A tiny line-based DSL that builds a resolution world (model, config, registrations,
//! request), so scenarios read like data. One statement per line; `#` starts a comment.
//!
//! ```text
//! version 7.0.0                 bazel version (default 7.0.0)
//! host //p:host                 --host_platform (default //p:host)
//! bzlmod | noworkspace | workspace_bzlmod | ignore_dev
//! setting //c:os = linux mac    constraint_setting //c:os with values //c:linux, //c:mac
//! setting //c:s default=a = a b default_constraint_value //c:a
//! platform //p:x //c:linux ...  [parent=//p:y] [parents=?] [values=?] [required=//s:x]
//!                               [allowed=//t:a,//t:b]
//! type //tc:type
//! toolchain //tc:x type=//tc:type [exec=v1,v2|?] [target=v|?] [settings=s1,s2|?]
//!                  [impl=//l:i|?] [utpc|utpc=?]       (impl defaults to <name>_impl)
//! config_setting //s:x [opt=value] [define:a=b] [flag://f:x=v] [constraint=//c:v] [values=?]
//! alias //a:x //b:y | alias //a:x ?
//! rule //x:fg filegroup
//! open //pkg                    a package whose target list may be incomplete
//! invisible repo                a repository toolcheck cannot read
//! visible repo...               only these repositories can be read (the others are invisible)
//! well_known_platforms          `@platforms` unreadable, modelled from its fixed layout
//! flagdefault //f:x v           build_setting_default
//! option compilation_mode=opt | define a=b | flag //f:x=v
//! toolchains <origin> pat...    register toolchains; origin: flag[@occurrence] | root |
//! exec <origin> pat...          root-dev | ws | suffix | module:NAME:BFS | module-dev:NAME:BFS
//!                               a pattern starting with `-` is negative
//! request //p:target            target platform
//! group [NAME] types=T1,T2?,T3~,T4! [exec=v1,v2|?]   `?` optional, `~` mandatory unknown,
//!                                                  `!` optional and skipped when no type (genrule)
//! forced //p:x | aeg | aeg_exec //t:type v1,v2 | select first|max
//! ```

#![allow(dead_code)]

use toolcheck_index::label::{
    Label, LabelContext, PackageId, RepoMapping, RepoName, TargetPattern,
};
use toolcheck_resolve::explain::{explain, render_registered, summary};
use toolcheck_resolve::model::*;
use toolcheck_resolve::{resolve, Request, ResolveInput, Resolver};

pub struct World {
    pub model: Model,
    pub input: ResolveInput,
}

pub fn l(text: &str) -> Label {
    // WORKSPACE-style mapping: every `@name` is the repository `name`.
    let mut mapping = RepoMapping::default();
    mapping.identity_fallback = true;
    match LabelContext::main_root(&mapping).resolve(text) {
        Ok(l) => l,
        Err(e) => panic!("bad label {text}: {e}"),
    }
}

fn list(text: &str) -> Known<Vec<Label>> {
    if text == "?" {
        Known::Unknown
    } else {
        Known::Known(text.split(',').filter(|s| !s.is_empty()).map(l).collect())
    }
}

fn add_target(model: &mut Model, label: &Label, kind: TargetKind) {
    model.targets.insert(*label, kind);
    // Duplicates are harmless: the simulator sorts and deduplicates package contents.
    model
        .packages
        .entry(label.package_id())
        .or_default()
        .push(toolcheck_index::label::SmolStr::new(label.name));
}

fn pattern(text: &str) -> TargetPattern {
    let mut mapping = RepoMapping::default();
    mapping.identity_fallback = true;
    match TargetPattern::parse(text, &LabelContext::main_root(&mapping)) {
        Ok(p) => p,
        Err(e) => panic!("bad pattern {text}: {e}"),
    }
}

fn origin(text: &str) -> (Origin, usize) {
    let parts: Vec<&str> = text.split(':').collect();
    match parts.as_slice() {
        [f] if f.starts_with("flag") => {
            let occ = f
                .strip_prefix("flag@")
                .map_or(0, |n| n.parse().unwrap_or(0));
            (Origin::Flag, occ)
        }
        ["root"] => (
            Origin::RootModule {
                dev_dependency: false,
            },
            0,
        ),
        ["root-dev"] => (
            Origin::RootModule {
                dev_dependency: true,
            },
            0,
        ),
        ["ws"] => (Origin::Workspace, 0),
        ["suffix"] => (Origin::WorkspaceSuffix, 0),
        [m, name, bfs] if *m == "module" || *m == "module-dev" => (
            Origin::Module {
                name: name.to_string(),
                bfs_index: bfs.parse().unwrap_or(0),
                dev_dependency: *m == "module-dev",
            },
            0,
        ),
        _ => panic!("bad origin {text}"),
    }
}

/// Builds a world from DSL text.
pub fn world(text: &str) -> World {
    let mut model = Model::default();
    let mut config = Config {
        version: BazelVersion::new(7, 0, 0),
        bzlmod: false,
        workspace: true,
        workspace_bzlmod_file: false,
        ignore_dev_dependency: false,
        host_platform: l("//p:host"),
        options: Default::default(),
        defines: Default::default(),
        flags: Default::default(),
    };
    let mut toolchain_regs = Vec::new();
    let mut exec_regs = Vec::new();
    let mut request = Request::new(l("//p:host"), Vec::new());
    request.exec_groups.clear();
    let mut source = 0;

    for raw in text.lines() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        let kw = |key: &str| -> Option<&str> {
            words
                .iter()
                .find_map(|w| w.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
        };
        match words[0] {
            "version" => {
                config.version = BazelVersion::parse(words[1]).expect("version");
            }
            "host" => config.host_platform = l(words[1]),
            "bzlmod" => config.bzlmod = true,
            "noworkspace" => config.workspace = false,
            "workspace_bzlmod" => config.workspace_bzlmod_file = true,
            "ignore_dev" => config.ignore_dev_dependency = true,
            "setting" => {
                let setting = l(words[1]);
                let eq = words.iter().position(|w| *w == "=").unwrap_or(words.len());
                let pkg = setting.package;
                let value = |n: &str| l(&format!("//{pkg}:{n}"));
                let default = kw("default").map(value);
                add_target(&mut model, &setting, TargetKind::ConstraintSetting);
                model
                    .settings
                    .insert(setting, ConstraintSetting { default });
                for n in words.iter().skip(eq + 1) {
                    let v = value(n);
                    add_target(&mut model, &v, TargetKind::ConstraintValue);
                    model.values.insert(v, ConstraintValue { setting });
                }
            }
            "platform" => {
                let label = l(words[1]);
                let values: Vec<Label> = words[2..]
                    .iter()
                    .filter(|w| w.starts_with("//") || w.starts_with('@'))
                    .map(|w| l(w))
                    .collect();
                let mut p = Platform {
                    constraint_values: Known::Known(values),
                    ..Default::default()
                };
                if let Some(v) = kw("values") {
                    p.constraint_values = list(v);
                }
                if let Some(v) = kw("parent") {
                    p.parents = list(v);
                }
                if let Some(v) = kw("parents") {
                    p.parents = list(v);
                }
                if let Some(v) = kw("required") {
                    p.required_settings = list(v);
                }
                if let Some(v) = kw("allowed") {
                    p.allowed_toolchain_types = Some(list(v));
                }
                add_target(&mut model, &label, TargetKind::Platform);
                model.platforms.insert(label, p);
            }
            "type" => add_target(&mut model, &l(words[1]), TargetKind::ToolchainType),
            "toolchain" => {
                let label = l(words[1]);
                let ty = kw("type").map(l).expect("toolchain needs type=");
                let imp = l(&format!("//{}:{}_impl", label.package, label.name));
                let mut tc = Toolchain::new(ty, imp);
                if let Some(t) = kw("type") {
                    if t == "?" {
                        tc.toolchain_type = Known::Unknown;
                    }
                }
                if let Some(v) = kw("impl") {
                    tc.implementation = if v == "?" {
                        Known::Unknown
                    } else {
                        Known::Known(l(v))
                    };
                }
                if let Some(v) = kw("exec") {
                    tc.exec_compatible_with = list(v);
                }
                if let Some(v) = kw("target") {
                    tc.target_compatible_with = list(v);
                }
                if let Some(v) = kw("settings") {
                    tc.target_settings = list(v);
                }
                if words.contains(&"utpc") {
                    tc.use_target_platform_constraints = Known::Known(true);
                }
                if kw("utpc") == Some("?") {
                    tc.use_target_platform_constraints = Known::Unknown;
                }
                add_target(&mut model, &label, TargetKind::Toolchain);
                model.toolchains.insert(label, tc);
            }
            "config_setting" => {
                let label = l(words[1]);
                let mut cs = ConfigSetting::default();
                let mut values = Vec::new();
                let mut defines = Vec::new();
                let mut flags = Vec::new();
                let mut constraints = Vec::new();
                for w in &words[2..] {
                    if let Some(rest) = w.strip_prefix("define:") {
                        let (k, v) = rest.split_once('=').expect("define:k=v");
                        defines.push((k.to_string(), v.to_string()));
                    } else if let Some(rest) = w.strip_prefix("flag:") {
                        let (k, v) = rest.split_once('=').expect("flag:label=v");
                        flags.push((l(k), v.to_string()));
                    } else if let Some(rest) = w.strip_prefix("constraint=") {
                        constraints.push(l(rest));
                    } else if *w == "values=?" {
                        cs.values = Known::Unknown;
                        continue;
                    } else if let Some((k, v)) = w.split_once('=') {
                        values.push((k.to_string(), v.to_string()));
                    }
                }
                if cs.values.is_known() {
                    cs.values = Known::Known(values);
                }
                cs.define_values = Known::Known(defines);
                cs.flag_values = Known::Known(flags);
                cs.constraint_values = Known::Known(constraints);
                add_target(&mut model, &label, TargetKind::ConfigSetting);
                model.config_settings.insert(label, cs);
            }
            "alias" => {
                let label = l(words[1]);
                let actual = if words[2] == "?" {
                    Known::Unknown
                } else {
                    Known::Known(l(words[2]))
                };
                add_target(&mut model, &label, TargetKind::Alias(actual));
            }
            "rule" => add_target(
                &mut model,
                &l(words[1]),
                TargetKind::Other(words[2].to_string()),
            ),
            "open" => {
                let probe = l(&format!("{}:x", words[1]));
                model.open_packages.insert(probe.package_id());
            }
            "package" => {
                let probe = l(&format!("{}:x", words[1]));
                model.packages.entry(probe.package_id()).or_default();
            }
            "invisible" => model.invisible_repos.push(RepoName::new(words[1])),
            "visible" => {
                model.visible_repos = Some(std::sync::Arc::new(
                    words[1..].iter().map(|w| RepoName::new(*w)).collect(),
                ))
            }
            "well_known_platforms" => model.well_known_platforms = Some(RepoName::new("platforms")),
            "flagdefault" => {
                model
                    .build_setting_defaults
                    .insert(l(words[1]), Known::Known(words[2].to_string()));
            }
            "option" => {
                let (k, v) = words[1].split_once('=').expect("option k=v");
                config.options.insert(k.to_string(), v.to_string());
            }
            "define" => {
                let (k, v) = words[1].split_once('=').expect("define k=v");
                config.defines.insert(k.to_string(), v.to_string());
            }
            "flag" => {
                let (k, v) = words[1].split_once('=').expect("flag //l=v");
                config.flags.insert(l(k), v.to_string());
            }
            "toolchains" | "exec" => {
                let (origin, occurrence) = origin(words[1]);
                for w in &words[2..] {
                    let (negative, text) = match w.strip_prefix('-') {
                        Some(t) => (true, t),
                        None => (false, *w),
                    };
                    let reg = Registration {
                        pattern: pattern(text),
                        negative,
                        origin: origin.clone(),
                        source,
                        occurrence,
                    };
                    source += 1;
                    if words[0] == "toolchains" {
                        toolchain_regs.push(reg);
                    } else {
                        exec_regs.push(reg);
                    }
                }
            }
            "request" => request.target_platform = l(words[1]),
            "group" => {
                let name = words
                    .get(1)
                    .filter(|w| !w.contains('='))
                    .map(|s| s.to_string());
                let types = kw("types")
                    .unwrap_or("")
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(|t| {
                        if let Some(t) = t.strip_suffix('!') {
                            TypeRequest {
                                toolchain_type: l(t),
                                mandatory: Known::Known(false),
                                ignore_if_invalid: true,
                            }
                        } else if let Some(t) = t.strip_suffix('?') {
                            TypeRequest {
                                toolchain_type: l(t),
                                mandatory: Known::Known(false),
                                ignore_if_invalid: false,
                            }
                        } else if let Some(t) = t.strip_suffix('~') {
                            TypeRequest {
                                toolchain_type: l(t),
                                mandatory: Known::Unknown,
                                ignore_if_invalid: false,
                            }
                        } else {
                            TypeRequest {
                                toolchain_type: l(t),
                                mandatory: Known::Known(true),
                                ignore_if_invalid: false,
                            }
                        }
                    })
                    .collect();
                request.exec_groups.push(ExecGroupRequest {
                    name,
                    types,
                    exec_compatible_with: list(kw("exec").unwrap_or("")),
                });
            }
            "forced" => request.forced_exec_platform = Some(l(words[1])),
            "aeg" => request.auto_exec_groups = true,
            "aeg_exec" => request
                .auto_exec_group_constraints
                .push((l(words[1]), list(words[2]))),
            "select" => {
                request.selection = Some(match words[1] {
                    "first" => toolcheck_resolve::ExecSelection::FirstSuitable,
                    _ => toolcheck_resolve::ExecSelection::MaxResolved,
                })
            }
            other => panic!("unknown DSL statement {other}"),
        }
    }
    if request.exec_groups.is_empty() {
        request.exec_groups.push(ExecGroupRequest {
            name: None,
            types: Vec::new(),
            exec_compatible_with: Known::Known(Vec::new()),
        });
    }
    let _ = PackageId::new(RepoName::main(), "");
    World {
        model,
        input: ResolveInput {
            config,
            toolchain_registrations: toolchain_regs,
            exec_platform_registrations: exec_regs,
            request,
        },
    }
}

/// One line per exec group.
pub fn summarize(text: &str) -> String {
    let w = world(text);
    summary(&resolve(&w.model, &w.input))
}

/// The full explanation.
pub fn explained(text: &str) -> String {
    let w = world(text);
    explain(&resolve(&w.model, &w.input))
}

/// The registered toolchains, then the registered exec platforms.
pub fn registered(text: &str) -> String {
    let w = world(text);
    let r = Resolver::new(
        &w.model,
        &w.input.config,
        &w.input.toolchain_registrations,
        &w.input.exec_platform_registrations,
    );
    format!(
        "toolchains:\n{}exec platforms:\n{}",
        render_registered(r.registered_toolchains()),
        render_registered(r.registered_exec_platforms())
    )
}

/// A common base: an `os` setting with linux/mac, platforms for both and a linux host, one
/// toolchain type.
pub const OS: &str = "
setting //c:os = linux mac
platform //p:linux //c:linux
platform //p:mac //c:mac
platform //p:host //c:linux
type //tc:type
";
