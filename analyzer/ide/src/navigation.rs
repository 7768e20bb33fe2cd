//! Editor navigation over a snapshot: hover, go to definition, references, document symbols,
//! label completion and a toolchain-resolution report. Plain data in, plain data out.
//!
//! Everything is built on the label references the index records (`Decl::label_refs` and
//! `RuleDecl::label_refs`, the walk the checks use too, plus registrations) and on the
//! targets it declares; nothing is evaluated beyond that. Hover on the kinds toolchain
//! resolution reads is described by `describe.rs`.

use rustc_hash::FxHashMap;
use toolcheck_index::index::{
    Decl, LabelRef, RefOne, RegistrationKind, RuleDecl, Target, ToolchainDecl,
};
use toolcheck_index::label::{Label, TargetPattern};

use crate::{Analysis, FileId, TextRange};

/// Markdown shown on hover, and the range it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HoverResult {
    pub range: TextRange,
    pub markdown: String,
}

/// A place to navigate to: the whole declaration and the part to select (its name).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NavTarget {
    pub file: FileId,
    pub range: TextRange,
    pub focus: TextRange,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct FileRange {
    pub file: FileId,
    pub range: TextRange,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymbolKind {
    Target,
    ToolchainType,
    Toolchain,
    Platform,
    ConstraintSetting,
    ConstraintValue,
    Function,
    Variable,
    Load,
}

/// A top-level symbol of a file, in source order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    pub name: String,
    /// The rule kind or other short context.
    pub detail: Option<String>,
    pub kind: SymbolKind,
    pub range: TextRange,
    pub focus_range: TextRange,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompletionKind {
    Label,
    Package,
    Repository,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    /// The text to insert over `replace`.
    pub label: String,
    pub detail: Option<String>,
    pub kind: CompletionKind,
    pub replace: TextRange,
}

/// What is under the cursor.
enum Subject<'a> {
    /// A label written in an attribute or a registration.
    Ref(&'a LabelRef),
    /// The callee or `name` of a target declaration.
    Decl(&'a Target),
}

const MAX_COMPLETIONS: usize = 500;

impl Analysis {
    /// Every label reference the index knows, with the file it is written in.
    fn label_refs(&self) -> Vec<&LabelRef> {
        let index = self.index();
        collect_label_refs(index.targets.values(), index.rules.iter())
    }

    /// The label references that can be written in `file` (those of the targets and rules
    /// declared in it or in files that load it).
    fn label_refs_in(&self, file: FileId) -> Vec<&LabelRef> {
        let ctx = self.lint_context().scoped_to(file);
        let targets: Vec<&Target> = ctx.source_targets().collect();
        let rules = self.index().rules.iter().filter(|r| ctx.in_sources(r.file));
        collect_label_refs(targets.into_iter(), rules)
    }
}

/// The label references of `targets` and `rules`: [`Decl::label_refs`] and
/// [`RuleDecl::label_refs`], the same walk the checks use.
fn collect_label_refs<'x>(
    targets: impl Iterator<Item = &'x Target>,
    rules: impl Iterator<Item = &'x RuleDecl>,
) -> Vec<&'x LabelRef> {
    let mut out: Vec<&LabelRef> = Vec::new();
    for t in targets {
        out.extend(t.decl.label_refs().into_iter().map(|(_, r)| r));
    }
    for rule in rules {
        out.extend(rule.label_refs().into_iter().map(|(_, _, r)| r));
    }
    out
}

impl Analysis {
    fn subject_at(&self, file: FileId, offset: u32) -> Option<Subject<'_>> {
        if let Some(r) = self
            .label_refs_in(file)
            .into_iter()
            .filter(|r| r.loc.file == file && r.loc.range.contains_inclusive(offset))
            .min_by_key(|r| r.loc.range.len())
        {
            return Some(Subject::Ref(r));
        }
        self.index()
            .targets
            .values_by_position_in(|f| f == file)
            .filter(|t| {
                t.callee_range.contains_inclusive(offset) || t.name_range.contains_inclusive(offset)
            })
            // A macro call declares several targets: take the first by label, deterministically.
            .min_by(|a, b| a.label.cmp(&b.label))
            .map(Subject::Decl)
    }

    /// Hover text for a label the index has no target for: missing, or in a repository
    /// toolcheck cannot read (for `@platforms`, what its layout says).
    fn describe_unread(&self, label: &Label) -> String {
        if label.repo.is_main() || self.workspace().repo(&label.repo).is_some() {
            return format!("`{label}`\n\nNo such target in the repositories toolcheck can read.");
        }
        use toolcheck_resolve::platforms_repo::{
            declared, is_unread_platforms, platforms_layout, requested_release, Declared,
            WellKnown, NEWEST_RELEASE,
        };
        let is_platforms = is_unread_platforms(self.workspace(), &label.repo);
        let releases = if is_platforms {
            match declared(label) {
                Declared::Always => "Declared by every release of `@platforms`.\n\n".to_string(),
                Declared::Since(since) => {
                    format!("Declared by `@platforms` releases since {since}.\n\n")
                }
                Declared::Never { closest } => format!(
                    "Declared by no release of `@platforms` up to {NEWEST_RELEASE}{}.\n\n",
                    closest
                        .map(|c| format!(" (did you mean `{c}`?)"))
                        .unwrap_or_default()
                ),
                Declared::Untracked => String::new(),
            }
        } else {
            String::new()
        };
        let layout = is_platforms
            .then(|| platforms_layout(label, requested_release(self.index())))
            .flatten()
            .map(|w| match w {
                WellKnown::Setting => {
                    "By the layout of `@platforms`: a `constraint_setting`, without a default.\n\n"
                        .to_string()
                }
                WellKnown::Value { setting } => format!(
                    "By the layout of `@platforms`: a `constraint_value` of `{setting}` (no default).\n\n"
                ),
                WellKnown::Alias(actual) => format!(
                    "By the layout of `@platforms`: an alias of `{actual}`.\n\n"
                ),
            })
            .unwrap_or_default();
        format!(
            "`{label}`\n\n{layout}{releases}In `@{}`, which toolcheck cannot read: run `toolcheck fetch`, or pass `--output-base` (after one `bazel fetch`) or `--repo {}=DIR`.",
            label.repo.as_str(),
            label.repo.as_str()
        )
    }

    /// Registrations written at `offset` (their patterns are not label references).
    fn registration_at(
        &self,
        file: FileId,
        offset: u32,
    ) -> Option<(&toolcheck_index::index::Registration, TextRange)> {
        self.index().registrations.iter().find_map(|r| {
            let loc = r.loc?;
            (loc.file == file && loc.range.contains_inclusive(offset)).then_some((r, loc.range))
        })
    }

    /// Hover: what a label names, or what a declaration declares.
    pub fn hover(&self, file: FileId, offset: u32) -> Option<HoverResult> {
        match self.subject_at(file, offset) {
            Some(Subject::Ref(r)) => {
                let markdown = match &r.label {
                    Ok(label) => match self.index().targets.get(label) {
                        Some(t) => self.describe_target(t),
                        None => self.describe_unread(label),
                    },
                    Err(e) => format!("`{}`\n\nInvalid label: {e}", r.text),
                };
                Some(HoverResult {
                    range: r.loc.range,
                    markdown,
                })
            }
            Some(Subject::Decl(t)) => {
                let range = if t.callee_range.contains_inclusive(offset) {
                    t.callee_range
                } else {
                    t.name_range
                };
                let markdown = if t.macro_decl().is_some() {
                    self.describe_macro_call(t)
                } else {
                    self.describe_target(t)
                };
                Some(HoverResult { range, markdown })
            }
            None => {
                let (reg, range) = self.registration_at(file, offset)?;
                let what = match reg.kind {
                    RegistrationKind::Toolchain => "toolchains",
                    RegistrationKind::ExecutionPlatform => "execution platforms",
                };
                let matched: Vec<String> = match &reg.pattern {
                    Ok(p) => self
                        .registered_matches(p)
                        .into_iter()
                        .map(|t| format!("- `{}`", t.label))
                        .collect(),
                    Err(e) => {
                        return Some(HoverResult {
                            range,
                            markdown: format!("Invalid pattern `{}`: {e}", reg.text),
                        })
                    }
                };
                let list = if matched.is_empty() {
                    "(no matching targets found)".to_owned()
                } else {
                    matched.join("\n")
                };
                Some(HoverResult {
                    range,
                    markdown: format!("Registers {what} matching `{}`:\n\n{list}", reg.text),
                })
            }
        }
    }

    fn registered_matches(&self, pattern: &TargetPattern) -> Vec<&Target> {
        let mut out: Vec<&Target> = match pattern {
            TargetPattern::Single(l) => self.index().targets.get(l).into_iter().collect(),
            _ => self
                .index()
                .targets
                .values()
                .filter(|t| pattern.matches_package(&t.label.package_id()))
                .filter(|t| matches!(t.decl, Decl::Toolchain(_) | Decl::Platform(_)))
                .collect(),
        };
        out.sort_by_key(|a| a.label);
        out
    }

    /// Markdown describing a declared target: the rich descriptions of `describe.rs` for
    /// the kinds toolchain resolution reads, the attributes toolcheck typed for the others.
    fn describe_target(&self, t: &Target) -> String {
        let header = format!("**{}** `{}`", t.kind, t.label);
        let described = match &t.decl {
            Decl::ToolchainType => self.describe_toolchain_type(t),
            Decl::Toolchain(_) => self.describe_toolchain(t),
            Decl::Platform(_) => self.describe_platform(t),
            Decl::ConstraintValue { .. } | Decl::ConstraintSetting { .. } => {
                self.describe_constraint(t)
            }
            Decl::Alias { actual } => format!("{header}\n\n- actual: {actual}"),
            Decl::ConfigSetting(c) => {
                format!("{header}\n\n- constraint_values: {}", c.constraint_values)
            }
            Decl::StarlarkRule { .. } => format!("{header}\n\nStarlark rule `{}`", t.kind),
            Decl::OtherNative | Decl::Unknown => header,
        };
        format!("{}\n\n{}", described.trim_end(), self.declared_in(t))
    }

    /// "Declared in `path`", naming the macro's declaration for targets a macro created.
    fn declared_in(&self, t: &Target) -> String {
        match t.macro_decl() {
            Some(d) => {
                let line = self.line_index(d.file).line_col_utf8(d.range.start).line + 1;
                format!(
                    "Declared in `{}` by a macro call (the macro declares it at `{}:{line}`)",
                    self.display_path(t.file),
                    self.display_path(d.file)
                )
            }
            None => format!("Declared in `{}`", self.display_path(t.file)),
        }
    }

    /// Hover on a macro call: every toolchain-relevant target it declares.
    fn describe_macro_call(&self, call: &Target) -> String {
        const MAX_SHOWN: usize = 20;
        let mut created: Vec<&Target> = self
            .index()
            .targets
            .values()
            .filter(|t| t.file == call.file && t.range == call.range && t.macro_decl().is_some())
            .collect();
        created.sort_by_key(|a| a.label);
        let mut s = format!(
            "Macro call declaring {} target(s) (evaluated by toolcheck):\n",
            created.len()
        );
        for t in created.iter().take(MAX_SHOWN) {
            s.push_str(&format!("- `{}` ({})\n", t.label, t.kind));
        }
        if created.len() > MAX_SHOWN {
            s.push_str(&format!("- ... and {} more\n", created.len() - MAX_SHOWN));
        }
        if let Some(first) = created
            .iter()
            .find(|t| !matches!(t.decl, Decl::OtherNative | Decl::StarlarkRule { .. }))
        {
            s.push_str("\n---\n\n");
            s.push_str(&self.describe_target(first));
        }
        s.trim_end().to_owned()
    }

    /// Go to definition: the declaration a label names.
    pub fn goto_definition(&self, file: FileId, offset: u32) -> Vec<NavTarget> {
        let label = match self.subject_at(file, offset) {
            Some(Subject::Ref(r)) => r.label.as_ref().ok().cloned(),
            Some(Subject::Decl(_)) | None => match self.registration_at(file, offset) {
                Some((reg, _)) => match &reg.pattern {
                    Ok(TargetPattern::Single(l)) => Some(*l),
                    Ok(p) => {
                        return self
                            .registered_matches(p)
                            .into_iter()
                            .flat_map(nav_targets)
                            .collect()
                    }
                    Err(_) => None,
                },
                None => None,
            },
        };
        label
            .and_then(|l| self.index().targets.get(&l))
            .map(nav_targets)
            .unwrap_or_default()
            .into_iter()
            .map(|t| self.shown_target(t))
            .collect()
    }

    /// A place as the user can open it: one in a generated file of a computed repository is
    /// shown at the template line or the call that wrote it.
    pub(crate) fn shown(&self, file: FileId, range: TextRange) -> (FileId, TextRange) {
        toolcheck_index::computed::source_of(self.workspace(), file, range).unwrap_or((file, range))
    }

    fn shown_target(&self, t: NavTarget) -> NavTarget {
        let (file, range) = self.shown(t.file, t.range);
        let (_, focus) = self.shown(t.file, t.focus);
        NavTarget {
            file,
            range,
            // The focus must lie inside the range; in a template, the line is both.
            focus: if focus.start >= range.start && focus.end <= range.end {
                focus
            } else {
                range
            },
        }
    }

    /// References to the label under the cursor (a reference or a declaration's name).
    pub fn references(
        &self,
        file: FileId,
        offset: u32,
        include_declaration: bool,
    ) -> Vec<FileRange> {
        let label: Label = match self.subject_at(file, offset) {
            Some(Subject::Ref(r)) => match &r.label {
                Ok(l) => *l,
                Err(_) => return Vec::new(),
            },
            Some(Subject::Decl(t)) => t.label,
            None => return Vec::new(),
        };
        let mut out: Vec<FileRange> = self
            .label_refs()
            .into_iter()
            .filter(|r| r.label.as_ref().ok() == Some(&label))
            .map(|r| FileRange {
                file: r.loc.file,
                range: r.loc.range,
            })
            .collect();
        for reg in &self.index().registrations {
            if let (Ok(TargetPattern::Single(l)), Some(loc)) = (&reg.pattern, reg.loc) {
                if l == &label {
                    out.push(FileRange {
                        file: loc.file,
                        range: loc.range,
                    });
                }
            }
        }
        if include_declaration {
            if let Some(t) = self.index().targets.get(&label) {
                out.push(FileRange {
                    file: t.file,
                    range: t.name_range,
                });
            }
        }
        for r in &mut out {
            (r.file, r.range) = self.shown(r.file, r.range);
        }
        out.sort();
        out.dedup();
        out
    }

    /// Targets, functions, top-level variables and loads of a file, in source order.
    pub fn document_symbols(&self, file: FileId) -> Vec<Symbol> {
        let mut out: Vec<Symbol> = self
            .index()
            .targets
            .values()
            .filter(|t| t.file == file)
            .map(|t| Symbol {
                name: t.label.name.to_string(),
                detail: Some(t.kind.to_string()),
                kind: match t.decl {
                    Decl::ToolchainType => SymbolKind::ToolchainType,
                    Decl::Toolchain(_) => SymbolKind::Toolchain,
                    Decl::Platform(_) => SymbolKind::Platform,
                    Decl::ConstraintSetting { .. } => SymbolKind::ConstraintSetting,
                    Decl::ConstraintValue { .. } => SymbolKind::ConstraintValue,
                    _ => SymbolKind::Target,
                },
                range: t.range,
                focus_range: t.name_range,
            })
            .collect();
        if let Some(facts) = self.facts().get(file.0 as usize) {
            for f in &facts.functions {
                out.push(Symbol {
                    name: f.name.clone(),
                    detail: Some("def".to_owned()),
                    kind: SymbolKind::Function,
                    range: f.range,
                    focus_range: f.name_range,
                });
            }
            for b in &facts.bindings {
                out.push(Symbol {
                    name: b.name.clone(),
                    detail: None,
                    kind: SymbolKind::Variable,
                    range: b.name_range.cover(b.value.range),
                    focus_range: b.name_range,
                });
            }
            for l in &facts.loads {
                out.push(Symbol {
                    name: l.module.to_string(),
                    detail: Some("load".to_owned()),
                    kind: SymbolKind::Load,
                    range: l.range,
                    focus_range: l.module_range,
                });
            }
        }
        out.sort_by_key(|s| (s.range.start, s.range.end));
        out
    }

    /// Label completions inside the string literal at `offset`.
    pub fn completions(&self, file: FileId, offset: u32) -> Vec<Completion> {
        let text = self.file_text(file);
        let Some((start, prefix)) = string_prefix(&text, offset as usize) else {
            return Vec::new();
        };
        if !(prefix.is_empty()
            || prefix.starts_with(':')
            || prefix.starts_with("//")
            || prefix.starts_with('@'))
        {
            return Vec::new();
        }
        let replace = TextRange::new(start as u32, offset);
        let here = self.workspace().file(file);
        let (here_repo, here_pkg) = (here.repo, here.dir().to_owned());
        let spell = RepoSpelling::new(self.index().mappings.get(&here_repo), &here_repo);
        let mut items: Vec<Completion> = Vec::new();
        let mut targets: Vec<&Target> = self.index().targets.values().collect();
        targets.sort_by_key(|a| a.label);
        for t in targets {
            let l = &t.label;
            // A repository this file cannot name: Bazel would reject the label.
            let Some(repo) = spell.of(&l.repo) else {
                continue;
            };
            let absolute = format!("{repo}//{}:{}", l.package, l.name);
            let mut candidates = vec![absolute];
            if l.repo == here_repo && l.package == here_pkg {
                candidates.insert(0, format!(":{}", l.name));
            }
            for c in candidates {
                if c.starts_with(prefix) {
                    items.push(Completion {
                        label: c,
                        detail: Some(t.kind.to_string()),
                        kind: CompletionKind::Label,
                        replace,
                    });
                }
            }
            if items.len() >= MAX_COMPLETIONS {
                return items;
            }
        }
        self.platforms_completions(&spell, prefix, replace, &mut items);
        items.truncate(MAX_COMPLETIONS);
        items
    }

    /// Completions of `@platforms` labels from what toolcheck knows of its releases, when the
    /// repository is not readable (else its targets are in the index).
    fn platforms_completions(
        &self,
        spell: &RepoSpelling<'_>,
        prefix: &str,
        replace: TextRange,
        items: &mut Vec<Completion>,
    ) {
        use toolcheck_resolve::platforms_repo::{
            declared_targets, platforms_layout, requested_release, Declared, WellKnown,
            PLATFORMS_MODULE, PLATFORMS_REPO,
        };
        let platforms = toolcheck_index::label::RepoName::new(PLATFORMS_REPO);
        // Readable (under any canonical name): its targets are in the index.
        let readable = self
            .workspace()
            .repos
            .iter()
            .any(|r| r.name == platforms || r.module_name.as_deref() == Some(PLATFORMS_MODULE));
        if readable {
            return;
        }
        let Some(repo) = spell.of(&platforms) else {
            return;
        };
        let release = requested_release(self.index());
        let first = items.len();
        for (package, name, declared) in declared_targets() {
            let label = Label::new(platforms, package, name);
            let kind = match platforms_layout(&label, release) {
                Some(WellKnown::Setting) => "constraint_setting",
                Some(WellKnown::Value { .. }) => "constraint_value",
                Some(WellKnown::Alias(_)) => "alias",
                // Names whose identity changed between releases, and the host platform.
                None if package == "cpu" && name != "srcs" => "constraint_value or alias",
                None if package == "host" && name == "host" => "platform",
                None => continue,
            };
            let text = format!("{repo}//{package}:{name}");
            if !text.starts_with(prefix) {
                continue;
            }
            let detail = match declared {
                Declared::Since(release) => format!("{kind} (@platforms {release} and later)"),
                _ => kind.to_string(),
            };
            items.push(Completion {
                label: text,
                detail: Some(detail),
                kind: CompletionKind::Label,
                replace,
            });
        }
        // The table is in release order; the index's targets come sorted by label.
        items[first..].sort_by(|a, b| a.label.cmp(&b.label));
    }

    /// A Markdown report of toolchain registration for the subject at `offset` (or for every
    /// toolchain type the file declares or uses, when `offset` is `None` or on nothing).
    pub fn resolution_report(&self, file: FileId, offset: Option<u32>) -> Option<String> {
        let index = self.index();
        let types: Vec<Label> = match offset.and_then(|o| self.subject_at(file, o)) {
            Some(Subject::Ref(r)) => match (
                &r.label,
                r.label.as_ref().ok().and_then(|l| index.targets.get(l)),
            ) {
                (_, Some(t)) => type_of(t).into_iter().collect(),
                (Ok(l), None) => vec![*l],
                _ => Vec::new(),
            },
            Some(Subject::Decl(t)) => type_of(t).into_iter().collect(),
            None => {
                let mut v: Vec<Label> = index
                    .targets
                    .values()
                    .filter(|t| t.file == file)
                    .filter_map(type_of)
                    .collect();
                v.sort();
                v.dedup();
                v
            }
        };
        if types.is_empty() {
            return None;
        }
        // Where each toolchain is registered: the first toolchain registration that names it,
        // or whose package pattern covers it. Built once, so ranking the candidates is not a
        // scan of every registration per candidate.
        let mut first_single: FxHashMap<&Label, usize> = FxHashMap::default();
        let mut package_patterns: Vec<(usize, &TargetPattern)> = Vec::new();
        for (i, r) in index.registrations.iter().enumerate() {
            if r.kind != RegistrationKind::Toolchain || r.negative {
                continue;
            }
            match &r.pattern {
                Ok(TargetPattern::Single(l)) => {
                    first_single.entry(l).or_insert(i);
                }
                Ok(p) => package_patterns.push((i, p)),
                Err(_) => {}
            }
        }
        let rank_of = |c: &Target| -> Option<usize> {
            let single = first_single.get(&c.label).copied();
            let pkg = c.label.package_id();
            let pattern = package_patterns
                .iter()
                .take_while(|(i, _)| single.is_none_or(|s| *i < s))
                .find(|(_, p)| p.matches_package(&pkg))
                .map(|(i, _)| *i);
            pattern.or(single)
        };
        // The toolchains of each requested type, in one pass over the targets: a file can
        // name many types (a macro loop declaring one per platform), and a scan per type was
        // quadratic.
        let mut of_type: FxHashMap<&Label, Vec<&Target>> =
            types.iter().map(|t| (t, Vec::new())).collect();
        for c in index.targets.values() {
            let ty = match &c.decl {
                Decl::Toolchain(tc) => match &tc.toolchain_type {
                    RefOne::Known(r) => r.label.as_ref().ok(),
                    _ => None,
                },
                _ => None,
            };
            if let Some(v) = ty.and_then(|l| of_type.get_mut(l)) {
                v.push(c);
            }
        }
        let mut out = format!("# Toolchain resolution (Bazel {})\n", self.bazel_version());
        if let Some(h) = self.host_note() {
            out.push_str(&format!("\n{}\n", h.sentence()));
        }
        for ty in &types {
            out.push_str(&format!("\n## `{ty}`\n\n"));
            match index.targets.get(ty) {
                Some(t) if matches!(t.decl, Decl::ToolchainType) => {
                    out.push_str(&format!("Declared in `{}`.\n\n", self.display_path(t.file)))
                }
                Some(t) => out.push_str(&format!(
                    "**Not a toolchain type**: `{ty}` is a `{}`.\n\n",
                    t.kind
                )),
                None => out.push_str("**No such target**: nothing can resolve for this type.\n\n"),
            }
            let mut ranked: Vec<(Option<usize>, &Target)> =
                of_type[ty].iter().map(|c| (rank_of(c), *c)).collect();
            if ranked.is_empty() {
                out.push_str("No `toolchain()` of this type is declared.\n");
                continue;
            }
            out.push_str("Candidates, in registration order (Bazel picks the first whose constraints match):\n\n");
            // Registered first, by registration; then by label (labels are unique). Compared
            // in place: a sort key would clone every label at every comparison.
            ranked.sort_unstable_by(|(ra, a), (rb, b)| {
                (ra.is_none(), ra)
                    .cmp(&(rb.is_none(), rb))
                    .then_with(|| a.label.cmp(&b.label))
            });
            for (i, (rank, c)) in ranked.iter().enumerate() {
                let reg = match rank {
                    Some(r) => format!("registered by `{}`", index.registrations[*r].text),
                    None => "**not registered**: never considered".to_owned(),
                };
                let (exec, target) = match &c.decl {
                    Decl::Toolchain(d_toolchain) => {
                        let ToolchainDecl {
                            exec_compatible_with,
                            target_compatible_with,
                            ..
                        } = &**d_toolchain;
                        (
                            exec_compatible_with.to_string(),
                            target_compatible_with.to_string(),
                        )
                    }
                    _ => (String::new(), String::new()),
                };
                out.push_str(&format!(
                    "{}. `{}`: {reg}; exec: {exec}; target: {target}\n",
                    i + 1,
                    c.label
                ));
            }
        }
        Some(out)
    }
}

/// The toolchain type a target is about: itself for a `toolchain_type`, its type for a
/// `toolchain`.
fn type_of(t: &Target) -> Option<Label> {
    match &t.decl {
        Decl::ToolchainType => Some(t.label),
        Decl::Toolchain(tc) => match &tc.toolchain_type {
            RefOne::Known(r) => r.label.as_ref().ok().cloned(),
            _ => None,
        },
        _ => None,
    }
}

/// How a file writes the repository part of a label: nothing for its own repository, else
/// `@` and the shortest apparent name its repository mapping gives the repository. A
/// repository the mapping does not reach has no spelling (a Bazel module sees only its
/// dependencies); under WORKSPACE every repository is named by its own name.
struct RepoSpelling<'a> {
    here: &'a toolcheck_index::label::RepoName,
    mapping: Option<&'a toolcheck_index::label::RepoMapping>,
    apparent: FxHashMap<&'a toolcheck_index::label::RepoName, &'a str>,
}

impl<'a> RepoSpelling<'a> {
    fn new(
        mapping: Option<&'a toolcheck_index::label::RepoMapping>,
        here: &'a toolcheck_index::label::RepoName,
    ) -> RepoSpelling<'a> {
        let mut apparent: FxHashMap<&toolcheck_index::label::RepoName, &str> = FxHashMap::default();
        for (name, canonical) in mapping.into_iter().flat_map(|m| m.iter()) {
            let e = apparent.entry(canonical).or_insert(name);
            if (name.len(), name) < (e.len(), *e) {
                *e = name;
            }
        }
        RepoSpelling {
            here,
            mapping,
            apparent,
        }
    }

    fn of(&self, repo: &toolcheck_index::label::RepoName) -> Option<String> {
        if repo == self.here {
            return Some(String::new());
        }
        if let Some(name) = self.apparent.get(repo) {
            return Some(format!("@{name}"));
        }
        match self.mapping {
            // `@//` is the main repository from anywhere.
            Some(m) if m.identity_fallback || repo.is_main() => Some(format!("@{}", repo.as_str())),
            Some(_) => None,
            None => Some(format!("@{}", repo.as_str())),
        }
    }
}

/// When `offset` is inside a string literal on its line, the literal's content start and the
/// text typed so far.
fn string_prefix(text: &str, offset: usize) -> Option<(usize, &str)> {
    if offset > text.len() || !text.is_char_boundary(offset) {
        return None;
    }
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let mut open: Option<(usize, char)> = None;
    for (i, c) in text[line_start..offset].char_indices() {
        match open {
            None if c == '"' || c == '\'' => open = Some((line_start + i + 1, c)),
            Some((_, q)) if c == q => open = None,
            None if c == '#' => return None,
            _ => {}
        }
    }
    let (start, _) = open?;
    Some((start, &text[start..offset]))
}

/// Where a target is declared: its call in the BUILD file, then (for a target a macro
/// created) the native rule call inside the macro.
fn nav_targets(t: &Target) -> Vec<NavTarget> {
    let mut out = vec![NavTarget {
        file: t.file,
        range: t.range,
        focus: t.name_range,
    }];
    if let Some(d) = t.macro_decl() {
        out.push(NavTarget {
            file: d.file,
            range: d.range,
            focus: d.range,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::string_prefix;

    #[test]
    fn string_prefix_finds_the_open_literal() {
        let t = "x = [\":a\", \"//pk";
        assert_eq!(string_prefix(t, t.len()), Some((12, "//pk")));
        assert_eq!(string_prefix("x = 1 # \"a", 10), None);
        assert_eq!(string_prefix("f(\"a\")", 6), None);
    }
}
