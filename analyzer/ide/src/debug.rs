//! A plain-text dump of the declaration facts toolcheck derived (targets with their origin,
//! open packages, macro gaps and evaluation limits, rules with their toolchain requests), for the hidden `toolcheck __facts`
//! subcommand used to measure macro-evaluation coverage on real rulesets. Attribute values
//! read as they do in hovers (`RefList`'s and `RefOne`'s `Display`).

use std::fmt::Write as _;

use toolcheck_index::index::{ConfigSettingDecl, Decl, PlatformDecl, ToolchainDecl};

use crate::{Analysis, FileId};

impl Analysis {
    fn debug_loc(&self, file: FileId, offset: u32) -> String {
        let lc = self.line_index(file).line_col_utf8(offset);
        format!("{}:{}", self.display_path(file), lc.line + 1)
    }

    /// One line per toolchain-relevant target (toolchain, platform, constraint, type, alias,
    /// config setting), rules and aspects with their requests, then open packages, macro gaps
    /// and evaluation limits. Sorted, so two runs can be diffed.
    pub fn debug_facts(&self) -> String {
        let index = self.index();
        let mut lines: Vec<String> = Vec::new();
        for t in index.targets.values() {
            let detail = match &t.decl {
                Decl::Toolchain(d_toolchain) => {
                    let ToolchainDecl {
                        toolchain_type,
                        toolchain,
                        exec_compatible_with,
                        target_compatible_with,
                        target_settings,
                        ..
                    } = &**d_toolchain;
                    format!(
                        "type={} impl={} exec={} target={} settings={}",
                        toolchain_type,
                        toolchain,
                        exec_compatible_with,
                        target_compatible_with,
                        target_settings
                    )
                }
                Decl::Platform(d_platform) => {
                    let PlatformDecl {
                        constraint_values,
                        parents,
                        ..
                    } = &**d_platform;
                    format!("constraints={} parents={}", constraint_values, parents)
                }
                Decl::ConstraintValue { setting } => format!("setting={}", setting),
                Decl::ConstraintSetting { default } => format!("default={}", default),
                Decl::Alias { actual } => format!("actual={}", actual),
                Decl::ConfigSetting(d_configsetting) => {
                    let ConfigSettingDecl {
                        constraint_values, ..
                    } = &**d_configsetting;
                    format!("constraints={}", constraint_values)
                }
                Decl::ToolchainType => String::new(),
                _ => continue,
            };
            let origin = match t.macro_decl() {
                Some(d) => format!("macro@{}", self.debug_loc(d.file, d.range.start)),
                None => "literal".into(),
            };
            lines.push(format!(
                "target {} {} {} {} {}",
                t.label,
                t.kind,
                self.debug_loc(t.file, t.range.start),
                origin,
                detail
            ));
        }
        // Rules and aspects with what they request: `?` for a list toolcheck cannot
        // evaluate; `T` mandatory, `T?` optional, `T*` with a computed `mandatory`.
        let requests = |r: &Option<Vec<toolcheck_index::index::TypeRequest>>| match r {
            None => "?".to_string(),
            Some(v) => format!(
                "[{}]",
                v.iter()
                    .map(|q| format!(
                        "{}{}",
                        q.toolchain_type.text,
                        match q.mandatory {
                            Some(true) => "",
                            Some(false) => "?",
                            None => "*",
                        }
                    ))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        };
        for r in &index.rules {
            let groups = match &r.exec_groups {
                None => "?".to_string(),
                Some(gs) => gs
                    .iter()
                    .map(|g| format!("{}={}", g.name, requests(&g.toolchains)))
                    .collect::<Vec<_>>()
                    .join(";"),
            };
            lines.push(format!(
                "rule {} {} {} impl={} toolchains={} exec_groups={{{}}}",
                if r.is_aspect { "aspect" } else { "rule" },
                r.name,
                self.debug_loc(r.file, r.name_range.start),
                if r.implementation.is_some() {
                    "yes"
                } else {
                    "no"
                },
                requests(&r.toolchains),
                groups
            ));
        }
        for (id, p) in index.packages() {
            if p.open {
                lines.push(format!("open {id}"));
            }
        }
        for (call, gap) in index.macro_gaps() {
            lines.push(format!(
                "gap {}: {} (at {})",
                self.debug_loc(call.file, call.range.start),
                gap.why,
                self.debug_loc(gap.loc.file, gap.loc.range.start)
            ));
        }
        for l in index.eval_limits() {
            lines.push(format!(
                "limit {}: {} (at {})",
                self.debug_loc(l.call.file, l.call.range.start),
                l.hit.what,
                self.debug_loc(l.hit.loc.file, l.hit.loc.range.start)
            ));
        }
        lines.sort();
        let mut out = String::new();
        for l in lines {
            let _ = writeln!(out, "{l}");
        }
        out
    }
}
