//! Rich descriptions of toolchain facts for hover: a toolchain type's toolchains in priority
//! order with their constraints, where each is registered, and what Bazel picks per target
//! platform; a toolchain's rank and whether it can ever be selected; a platform's full
//! constraint set with inherited and default values; a constraint value's setting and default.
//! Output is Markdown (plain data); the language server only wraps it.

use std::fmt::Write;

use toolcheck_index::index::{
    Decl, PlatformDecl, RefList, RefOne, RegistrationOrigin, Target, ToolchainDecl,
};
use toolcheck_index::label::Label;
use toolcheck_resolve::model::{Known, TypeRequest};
use toolcheck_resolve::Request;

use crate::Analysis;

/// Entries listed in a hover before the rest is summarised as a count: a macro that declares
/// thousands of toolchains must not produce a hover of thousands of lines.
const HOVER_LIST_LIMIT: usize = 50;

/// What Bazel picks for a toolchain type on one target platform.
enum Pick {
    Selected {
        toolchain: Label,
        exec: Option<Label>,
    },
    Fails(String),
    Undecided(String),
}

/// Text for one cell of a Markdown table: a `|` would end the cell, a line break the row.
fn table_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// Comment lines directly above a declaration, as its documentation.
fn doc_comment(text: &str, start: u32) -> Option<String> {
    let before = text.get(..start as usize)?;
    // Whole lines only: the declaration's own line (up to `start`) is not documentation.
    let before = &before[..before.rfind('\n').map_or(0, |i| i + 1)];
    let mut lines: Vec<&str> = Vec::new();
    for line in before.lines().rev() {
        let t = line.trim();
        match t.strip_prefix('#') {
            Some(c) if !c.trim_start().starts_with("toolcheck:") => lines.push(c.trim()),
            _ => break,
        }
    }
    if lines.is_empty() {
        return None;
    }
    lines.reverse();
    Some(lines.join("\n"))
}

impl Analysis {
    fn origin_text(&self, source: Option<usize>) -> String {
        let Some(reg) = source.and_then(|s| self.index().registrations.get(s)) else {
            return "registered".to_string();
        };
        let how = match &reg.origin {
            RegistrationOrigin::Flag => "by `--extra_toolchains`".to_string(),
            RegistrationOrigin::RootModule { .. } => "in the root module".to_string(),
            RegistrationOrigin::Workspace => "in WORKSPACE".to_string(),
            RegistrationOrigin::Library { function, .. } => {
                format!("for a workspace that calls `{function}()`")
            }
            RegistrationOrigin::Module { name, .. } => format!("by module `{name}`"),
        };
        match reg.loc {
            Some(loc) => {
                let line = self.line_index(loc.file).line_of(loc.range.start) + 1;
                format!(
                    "registered {how} as `{}` ({}:{line})",
                    reg.text,
                    self.display_path(loc.file)
                )
            }
            None => format!("registered {how} as `{}`", reg.text),
        }
    }

    /// Markdown for a `toolchain_type`. It leads with the answer: what Bazel picks per target
    /// platform, as a table; then the documentation comment, and the registered toolchains in
    /// priority order, each marked when Bazel never selects it.
    pub fn describe_toolchain_type(&self, t: &Target) -> String {
        let mut s = format!("**toolchain_type** `{}`\n", t.label);
        let sim = self.simulation();
        let ty = &t.label;
        let picks = self.picks(ty);
        if !picks.is_empty() {
            s.push_str("\n**What Bazel picks** (as a mandatory type):\n\n");
            s.push_str("| target platform | toolchain | exec platform |\n|---|---|---|\n");
            for (platform, pick) in &picks {
                let (toolchain, exec) = match pick {
                    Pick::Selected { toolchain, exec } => (
                        format!("`{toolchain}`"),
                        exec.as_ref()
                            .map_or_else(|| "—".to_string(), |e| format!("`{e}`")),
                    ),
                    Pick::Fails(why) => (format!("fails: {why}"), "—".to_string()),
                    Pick::Undecided(why) => (format!("cannot decide: {why}"), "—".to_string()),
                };
                let _ = writeln!(
                    s,
                    "| `{platform}` | {} | {} |",
                    table_cell(&toolchain),
                    table_cell(&exec)
                );
            }
        }
        if let Some(doc) = doc_comment(&self.file_text(t.file), t.range.start) {
            let _ = write!(s, "\n{doc}\n");
        }
        let _ = write!(
            s,
            "\n**Registered toolchains** (priority order, Bazel {}):\n",
            self.bazel_version()
        );
        // A toolchain no target platform above gets is worth a mark only when every row is
        // decided: an undecided row might be the one it wins.
        let all_decided = !picks.is_empty()
            && picks
                .iter()
                .all(|(_, p)| matches!(p, Pick::Selected { .. } | Pick::Fails(_)));
        let registered_labels = sim.registered_toolchain_labels();
        let shadows = sim.shadowed_toolchains();
        let mut rank = 0;
        let mut registered = rustc_hash::FxHashSet::default();
        for (i, (label, source)) in registered_labels.iter().enumerate() {
            let Some(tc) = sim.model.toolchains.get(*label) else {
                continue;
            };
            let Known::Known(tt) = &tc.toolchain_type else {
                continue;
            };
            if sim.actual(tt).as_ref() != Some(ty) {
                continue;
            }
            rank += 1;
            registered.insert(*label);
            if rank > HOVER_LIST_LIMIT {
                continue;
            }
            let (exec, target) = match self.index().targets.get(label).map(|t| &t.decl) {
                Some(Decl::Toolchain(tc)) => (
                    tc.exec_compatible_with.to_string(),
                    tc.target_compatible_with.to_string(),
                ),
                _ => ("?".to_string(), "?".to_string()),
            };
            let mark = if let Some(shadow) = &shadows[i] {
                format!(
                    " — **never selected**: `{}`, registered earlier, matches everywhere it does",
                    registered_labels[shadow.by].0
                )
            } else if all_decided
                && !picks.iter().any(
                    |(_, p)| matches!(p, Pick::Selected { toolchain, .. } if toolchain == *label),
                )
            {
                " — **not selected** for any target platform above".to_string()
            } else {
                String::new()
            };
            let _ = writeln!(
                s,
                "{rank}. `{label}` — exec: {exec}; target: {target} — {}{mark}",
                self.origin_text(*source)
            );
        }
        if rank == 0 {
            s.push_str("none\n");
        } else if rank > HOVER_LIST_LIMIT {
            let _ = writeln!(s, "… and {} more", rank - HOVER_LIST_LIMIT);
        }
        let unregistered: Vec<String> = {
            // Every declared `toolchain()` is in the model (not only the registered ones).
            let mut v: Vec<String> = sim
                .model
                .toolchains
                .iter()
                .filter(|(label, tc)| {
                    matches!(&tc.toolchain_type, Known::Known(tt) if sim.actual(tt).as_ref() == Some(ty))
                        && !registered.contains(label)
                })
                .map(|(label, _)| format!("`{label}`"))
                .collect();
            v.sort();
            v
        };
        if !unregistered.is_empty() {
            let shown = unregistered.len().min(HOVER_LIST_LIMIT);
            let _ = write!(
                s,
                "\nDeclared but not registered: {}",
                unregistered[..shown].join(", ")
            );
            if unregistered.len() > shown {
                let _ = write!(s, " and {} more", unregistered.len() - shown);
            }
            s.push('\n');
        }
        s
    }

    /// What Bazel picks for `ty` as a mandatory type on each declared target platform (at
    /// most 12; stops early when cancelled).
    fn picks(&self, ty: &Label) -> Vec<(Label, Pick)> {
        let platforms = self.lint_context().target_platforms();
        let resolver = self.simulation().resolver();
        let mut out = Vec::new();
        for p in platforms.iter().take(12) {
            if self.is_cancelled() {
                break;
            }
            let request = Request {
                trace: false,
                ..Request::new(
                    *p,
                    vec![TypeRequest {
                        toolchain_type: *ty,
                        mandatory: Known::Known(true),
                        ignore_if_invalid: false,
                    }],
                )
            };
            let res = resolver.resolve(&request);
            let Some(g) = res.groups.first() else {
                continue;
            };
            let pick = if let Some(e) = &g.error {
                Pick::Fails(e.message().lines().next().unwrap_or("").to_string())
            } else if let Some(u) = g.undecidable.first() {
                Pick::Undecided(u.cause.to_string())
            } else {
                match g.toolchains.first() {
                    Some(tc) => Pick::Selected {
                        toolchain: tc.toolchain,
                        exec: g.exec_platform,
                    },
                    None => Pick::Undecided("no toolchain in the result".to_string()),
                }
            };
            out.push((*p, pick));
        }
        out
    }

    /// Markdown for a `toolchain()`.
    pub fn describe_toolchain(&self, t: &Target) -> String {
        let mut s = format!("**toolchain** `{}`\n\n", t.label);
        if let Decl::Toolchain(d_toolchain) = &t.decl {
            let ToolchainDecl {
                toolchain_type,
                toolchain,
                toolchain_select,
                exec_compatible_with,
                target_compatible_with,
                target_settings,
                use_target_platform_constraints,
            } = &**d_toolchain;
            let _ = writeln!(s, "- type: {}", toolchain_type);
            match toolchain_select {
                // Chosen in the requesting target's configuration.
                Some(branches) => {
                    let _ = writeln!(s, "- implementation: `select()`, per configuration:");
                    for (condition, value) in branches {
                        let condition = condition
                            .as_ref()
                            .map_or("//conditions:default", |c| &c.text);
                        let _ = writeln!(s, "  - `{condition}`: `{}`", value.text);
                    }
                }
                None => {
                    let _ = writeln!(s, "- implementation: {}", toolchain);
                }
            }
            if *use_target_platform_constraints == Some(true) {
                s.push_str(
                    "- constraints: the target platform's (`use_target_platform_constraints`)\n",
                );
            } else {
                let _ = writeln!(s, "- exec_compatible_with: {}", exec_compatible_with);
                let _ = writeln!(s, "- target_compatible_with: {}", target_compatible_with);
            }
            let _ = writeln!(s, "- target_settings: {}", target_settings);
        }
        let sim = self.simulation();
        let registered = sim.registered_toolchain_labels();
        match registered.iter().position(|(l, _)| *l == &t.label) {
            None => s.push_str("\nNot registered: Bazel never considers it.\n"),
            Some(i) => {
                let ty = sim
                    .model
                    .toolchains
                    .get(&t.label)
                    .and_then(|tc| tc.toolchain_type.as_known().cloned());
                let ty = ty.and_then(|l| sim.actual(&l));
                let rank = registered[..=i]
                    .iter()
                    .filter(|(l, _)| {
                        sim.model
                            .toolchains
                            .get(*l)
                            .and_then(|tc| tc.toolchain_type.as_known())
                            .and_then(|l| sim.actual(l))
                            == ty
                    })
                    .count();
                let _ = write!(
                    s,
                    "\nRank {rank} among the toolchains of its type; {}.\n",
                    self.origin_text(registered[i].1)
                );
                if let Some(ty) = ty {
                    let resolver = sim.resolver();
                    let platforms = self.lint_context().target_platforms();
                    let selected_on: Vec<String> = platforms
                        .iter()
                        .filter(|p| {
                            let request = Request {
                                trace: false,
                                ..Request::new(
                                    *(*p),
                                    vec![TypeRequest {
                                        toolchain_type: ty,
                                        mandatory: Known::Known(true),
                                        ignore_if_invalid: false,
                                    }],
                                )
                            };
                            resolver.resolve(&request).groups.first().is_some_and(|g| {
                                g.toolchains.iter().any(|c| c.toolchain == t.label)
                            })
                        })
                        .map(|p| format!("`{p}`"))
                        .collect();
                    if selected_on.is_empty() && !platforms.is_empty() {
                        s.push_str("Bazel selects it for none of the declared target platforms.\n");
                    } else if !selected_on.is_empty() {
                        let _ = writeln!(
                            s,
                            "Bazel selects it for target platform(s) {}.",
                            selected_on.join(", ")
                        );
                    }
                }
            }
        }
        s
    }

    /// Markdown for a `platform()`: every constraint setting with its value and where the
    /// value comes from (the platform itself, a parent, or the setting's default).
    pub fn describe_platform(&self, t: &Target) -> String {
        let mut s = format!("**platform** `{}`\n\n", t.label);
        let sim = self.simulation();
        // Walk the parent chain (bounded), collecting own values first.
        let mut values: Vec<(Label, Label, String)> = Vec::new();
        let mut current = Some(t.label);
        let mut seen = Vec::new();
        let mut open = false;
        while let Some(label) = current.take() {
            if seen.contains(&label) || seen.len() > 64 {
                break;
            }
            seen.push(label);
            let Some(Decl::Platform(d_platform)) =
                self.index().targets.get(&label).map(|t| &t.decl)
            else {
                open = true;
                break;
            };
            let PlatformDecl {
                constraint_values,
                parents,
                ..
            } = &**d_platform;
            let source = if label == t.label {
                "set here".to_string()
            } else {
                format!("inherited from `{label}`")
            };
            match constraint_values {
                RefList::Known(items) => {
                    for r in items {
                        let Some(v) = r.label.as_ref().ok().and_then(|l| sim.actual(l)) else {
                            continue;
                        };
                        let Some(setting) = sim.model.values.get(&v).map(|cv| cv.setting) else {
                            continue;
                        };
                        let setting = sim.actual(&setting).unwrap_or(setting);
                        if !values.iter().any(|(s2, _, _)| *s2 == setting) {
                            values.push((setting, v, source.clone()));
                        }
                    }
                }
                RefList::Unknown(_) => open = true,
            }
            current = match parents {
                RefList::Known(p) => p
                    .first()
                    .and_then(|r| r.label.as_ref().ok())
                    .and_then(|l| sim.actual(l)),
                RefList::Unknown(_) => {
                    open = true;
                    None
                }
            };
        }
        let mut settings: Vec<(&Label, &toolcheck_resolve::model::ConstraintSetting)> =
            sim.model.settings.iter().collect();
        settings.sort_by(|a, b| a.0.cmp(b.0));
        for (setting, decl) in settings {
            if values.iter().any(|(s2, _, _)| s2 == setting) {
                continue;
            }
            if let Some(d) = &decl.default {
                values.push((*setting, *d, "default of the setting".to_string()));
            }
        }
        values.sort_by_key(|a| a.0);
        if values.is_empty() {
            s.push_str("No constraint values.\n");
        }
        for (setting, value, source) in values {
            let _ = writeln!(s, "- `{setting}`: `{value}` ({source})");
        }
        if open {
            s.push_str("\nSome values are computed or come from targets toolcheck cannot see.\n");
        }
        let properties = toolcheck_semantics::remote::exec_properties(self.index(), sim, &t.label);
        match properties {
            None => s.push_str("\nexec_properties: computed (not known statically)\n"),
            Some(merged) if !merged.is_empty() => {
                let shown: Vec<String> = merged
                    .iter()
                    .map(|p| format!("`{}={}`", p.key, p.value))
                    .collect();
                let _ = writeln!(s, "\nexec_properties: {}", shown.join(", "));
            }
            Some(_) => {}
        }
        s
    }

    /// Markdown for a `constraint_value` or `constraint_setting`.
    pub fn describe_constraint(&self, t: &Target) -> String {
        match &t.decl {
            Decl::ConstraintValue { setting } => {
                let mut s = format!(
                    "**constraint_value** `{}`\n\n- setting: {}\n",
                    t.label, setting
                );
                let default = setting
                    .known()
                    .and_then(|r| r.label.as_ref().ok())
                    .and_then(|l| self.index().targets.get(l))
                    .and_then(|st| match &st.decl {
                        Decl::ConstraintSetting { default } => Some(default.to_string()),
                        _ => None,
                    });
                if let Some(d) = default {
                    let _ = writeln!(s, "- the setting's default: {d}");
                }
                s
            }
            Decl::ConstraintSetting { default } => {
                let values: Vec<String> = {
                    let mut v: Vec<String> = self
                        .index()
                        .targets
                        .values()
                        .filter(|c| matches!(&c.decl, Decl::ConstraintValue { setting: RefOne::Known(r) } if r.label.as_ref().ok() == Some(&t.label)))
                        .map(|c| format!("`{}`", c.label))
                        .collect();
                    v.sort();
                    v
                };
                format!(
                    "**constraint_setting** `{}`\n\n- default: {}\n- values: {}\n",
                    t.label,
                    default,
                    if values.is_empty() {
                        "none declared".to_string()
                    } else {
                        values.join(", ")
                    }
                )
            }
            _ => String::new(),
        }
    }
}
