//! The resolution picture (`toolcheck graph`, the language server's resolution view) as plain
//! data: the platforms, constraint settings and values, toolchain types, the registered
//! toolchains in priority order with where each was registered, and the resolution matrix
//! (target platform x toolchain type -> execution platform and toolchain).
//!
//! Everything comes from the snapshot's one `Simulation` (the resolver `toolcheck resolve` and
//! the checks use), and the hazard marks are the findings of the existing checks, mapped to the
//! toolchains and cells they are about by place: a second judgement of what is hazardous here
//! would drift from what `toolcheck check` reports. Rendering belongs to the server.

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap;
use toolcheck_index::index::{Decl, RegistrationOrigin};
use toolcheck_index::label::{Label, TargetPattern};
use toolcheck_index::workspace::FileId;
use toolcheck_lints::{LintConfig, Severity};
use toolcheck_resolve::model::{Known, TypeRequest};
use toolcheck_resolve::trace::TraceEvent;
use toolcheck_resolve::{Request, ResolveError};
use toolcheck_syntax::TextRange;

use crate::{Analysis, Cancellable, Cancelled};

/// The checks whose findings mark the picture. Their names are the only link: a check
/// renamed here must keep its old name working anyway (CONTRIBUTING.md).
pub const HAZARD_CHECKS: &[&str] = &[
    "dummy-toolchain-precedence",
    "missing-exec-compatible-with",
    "no-matching-toolchain",
    "shadowed-toolchain",
];

/// Checks whose finding about a toolchain makes every cell that selects it hazardous: they
/// are about what happens when the toolchain is picked (a catch-all taking a platform). A
/// toolchain another one's finding names as the cause (the catch-all that shadows it,
/// [`MarkRole::Cause`]) marks the cells that select it too.
const SELECTION_CHECKS: &[&str] = &["dummy-toolchain-precedence", "missing-exec-compatible-with"];

/// How a marked toolchain takes part in a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkRole {
    /// The finding is about it (reported at its registration or declaration).
    Subject,
    /// Named in the finding's related information as what causes it: the earlier toolchain
    /// that shadows another ([`CAUSE_IN_RELATED`]).
    Cause,
    /// Named in the related information otherwise (the real toolchain a catch-all beats).
    Named,
}

/// Checks whose related information names the cause of the finding: the toolchain there is
/// the hazard, and picking it marks a cell.
const CAUSE_IN_RELATED: &[&str] = &["shadowed-toolchain"];

/// A finding shown on the picture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    pub check: &'static str,
    pub severity: Severity,
    /// The finding's message.
    pub message: String,
    /// How the toolchain takes part in the finding.
    pub role: MarkRole,
    /// Where the finding is reported (display path, 1-based line).
    pub path: String,
    pub line: u32,
}

/// Where a registration is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphPlace {
    pub path: String,
    pub line: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphSetting {
    pub label: String,
    pub default: Option<String>,
    /// The values the picture shows, sorted.
    pub values: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphPlatform {
    pub label: String,
    /// `None` when not statically known.
    pub constraint_values: Option<Vec<String>>,
    pub parents: Vec<String>,
    /// 1-based position among the registered execution platforms (host last).
    pub exec_rank: Option<usize>,
    /// A row of the matrix.
    pub target: bool,
    /// Bazel's host platform.
    pub host: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphToolchain {
    /// 1-based priority: Bazel tries toolchains in this order.
    pub rank: usize,
    /// `None` for a placeholder standing for toolchains toolcheck cannot see.
    pub label: Option<String>,
    pub toolchain_type: Option<String>,
    pub implementation: Option<String>,
    /// `None`: not statically known.
    pub exec_compatible_with: Option<Vec<String>>,
    pub target_compatible_with: Option<Vec<String>>,
    /// The registration as written (`//toolchains:all`, `--extra_toolchains=...`).
    pub registered_by: String,
    /// Where that registration is written; `None` for the command line and Bazel's own.
    pub registered_at: Option<GraphPlace>,
    /// Why the entry is not statically known.
    pub unknown: Option<String>,
    pub marks: Vec<Mark>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CellOutcome {
    Selected {
        exec_platform: String,
        toolchain: String,
    },
    /// Bazel fails: no toolchain, or no execution platform (its message).
    NoMatch { message: String },
    /// toolcheck cannot decide (the questions left open, with their reasons).
    Undecided { reasons: Vec<String> },
}

/// What Bazel would pick on another execution platform, had the chosen one not been there
/// (an unavailable remote pool, another host): the toolchain each available execution
/// platform got during resolution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OtherPick {
    pub exec_platform: String,
    pub toolchain: String,
    /// The toolchain's marks that make picking it a hazard (see [`Cell::marks`]).
    pub marks: Vec<Mark>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    pub outcome: CellOutcome,
    /// Findings about the pick: those of the selected toolchain from checks about selecting
    /// it (a catch-all, [`SELECTION_CHECKS`]) or naming it as the cause, and the
    /// `no-matching-toolchain` finding of a type that fails here.
    pub marks: Vec<Mark>,
    /// The other execution platforms' picks, in Bazel's order, for a decided cell.
    pub others: Vec<OtherPick>,
}

impl Cell {
    /// Whether the cell needs attention: a finding, a failure, or an open question.
    pub fn is_hazard(&self) -> bool {
        !self.marks.is_empty() || !matches!(self.outcome, CellOutcome::Selected { .. })
    }

    /// Whether a marked toolchain (a flagged catch-all) is what Bazel picks on another
    /// execution platform: harmless while the chosen one is available.
    pub fn has_marked_fallback(&self) -> bool {
        self.others.iter().any(|o| !o.marks.is_empty())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolutionGraph {
    pub bazel_version: String,
    pub host_platform: String,
    pub settings: Vec<GraphSetting>,
    pub platforms: Vec<GraphPlatform>,
    pub toolchain_types: Vec<String>,
    pub toolchains: Vec<GraphToolchain>,
    /// The matrix rows.
    pub target_platforms: Vec<String>,
    /// `cells[row][column]`: rows are `target_platforms`, columns `toolchain_types`.
    pub cells: Vec<Vec<Cell>>,
}

impl ResolutionGraph {
    /// The picture's title, the same in every format.
    pub fn title(&self) -> String {
        format!(
            "Toolchain resolution (Bazel {}, host {})",
            self.bazel_version, self.host_platform
        )
    }
}

impl ResolutionGraph {
    pub fn cell(&self, target_platform: &str, toolchain_type: &str) -> Option<&Cell> {
        let row = self
            .target_platforms
            .iter()
            .position(|p| p == target_platform)?;
        let col = self
            .toolchain_types
            .iter()
            .position(|t| t == toolchain_type)?;
        Some(&self.cells[row][col])
    }
}

impl Analysis {
    /// The resolution picture. `lint` decides which of [`HAZARD_CHECKS`] may mark it (the
    /// user's disabled checks and suppressions hold here as in `toolcheck check`).
    pub fn resolution_graph(&self, lint: &LintConfig) -> ResolutionGraph {
        match self.resolution_graph_with(lint, &|| false) {
            Ok(g) => g,
            Err(Cancelled) => unreachable!("never cancelled"),
        }
    }

    /// [`resolution_graph`](Self::resolution_graph), its checks polling `cancelled`.
    pub(crate) fn resolution_graph_with(
        &self,
        lint: &LintConfig,
        cancelled: &(dyn Fn() -> bool + Sync),
    ) -> Cancellable<ResolutionGraph> {
        let index = self.index();
        let sim = self.simulation();
        let model = &sim.model;
        let host = sim.config.host_platform;

        // Matrix rows: the platforms the checks resolve for, and Bazel's default target
        // platform (the host) when the workspace names none.
        let mut rows: Vec<Label> = sim.target_platforms.clone();
        let named = !self.workspace().settings.target_platforms.is_empty()
            || index.flags.platforms.is_some();
        if !named && !rows.contains(&host) {
            rows.push(host);
        }

        // Columns: the types of registered toolchains, the types the main repository's
        // rules request, and the toolchain types it declares. Bazel's own toolchains (no
        // registration in the workspace: the autodetected ones, 9.x's test toolchains) add
        // no column: a type nothing of the workspace asks for is no question of its own.
        let mut types: BTreeSet<Label> = BTreeSet::new();
        for e in &sim.toolchains.entries {
            if e.source.is_none() {
                continue;
            }
            if let Some(Known::Known(ty)) = e
                .label
                .as_ref()
                .and_then(|l| model.toolchains.get(l))
                .map(|tc| &tc.toolchain_type)
            {
                types.insert(sim.actual(ty).unwrap_or(*ty));
            }
        }
        for rule in &index.rules {
            if !self.workspace().file(rule.file).repo.is_main() {
                continue;
            }
            for req in rule.toolchains.iter().flatten() {
                if let Ok(l) = &req.toolchain_type.label {
                    types.insert(sim.actual(l).unwrap_or(*l));
                }
            }
        }
        for t in index.targets.values() {
            if t.label.repo.is_main() && matches!(t.decl, Decl::ToolchainType) {
                types.insert(t.label);
            }
        }
        let types: Vec<Label> = types.into_iter().collect();

        let place = |file: FileId, range: TextRange| GraphPlace {
            path: self.display_path(file),
            line: self.line_index(file).line_of(range.start) + 1,
        };

        // Findings, and the places each toolchain is known by: the single-label registration
        // that names it and its `toolchain()` name.
        let diagnostics = {
            let ctx = self.lint_context().with_cancel(cancelled);
            toolcheck_lints::run_checks_until(&ctx, &hazard_config(lint), cancelled)
                .ok_or(Cancelled)?
        };
        let mut toolchains = Vec::new();
        let mut places_of: FxHashMap<(FileId, TextRange), Vec<usize>> = FxHashMap::default();
        for (i, e) in sim.toolchains.entries.iter().enumerate() {
            let reg = e.source.and_then(|s| index.registrations.get(s));
            if let Some(r) = reg {
                if let (Ok(TargetPattern::Single(_)), Some(loc)) = (&r.pattern, r.loc) {
                    places_of.entry((loc.file, loc.range)).or_default().push(i);
                }
            }
            if let Some(t) = e.label.as_ref().and_then(|l| index.targets.get(l)) {
                places_of.entry((t.file, t.name_range)).or_default().push(i);
            }
            let tc = e.label.as_ref().and_then(|l| model.toolchains.get(l));
            let list = |k: &Known<Vec<Label>>| match k {
                Known::Known(v) => Some(v.iter().map(Label::to_string).collect()),
                Known::Unknown => None,
            };
            let (registered_by, registered_at) = match reg {
                Some(r) => (
                    match r.origin {
                        RegistrationOrigin::Flag => format!("--extra_toolchains={}", r.text),
                        _ => r.text.clone(),
                    },
                    r.loc.map(|l| place(l.file, l.range)),
                ),
                None => ("Bazel's own test setup".to_owned(), None),
            };
            toolchains.push(GraphToolchain {
                rank: i + 1,
                label: e.label.as_ref().map(Label::to_string),
                toolchain_type: tc.and_then(|tc| match &tc.toolchain_type {
                    Known::Known(ty) => Some(sim.actual(ty).unwrap_or(*ty).to_string()),
                    Known::Unknown => None,
                }),
                implementation: tc
                    .and_then(|tc| tc.implementation.as_known().map(Label::to_string)),
                exec_compatible_with: tc.and_then(|tc| list(&tc.exec_compatible_with)),
                target_compatible_with: tc.and_then(|tc| list(&tc.target_compatible_with)),
                registered_by,
                registered_at,
                unknown: e.unknown.as_ref().map(ToString::to_string),
                marks: Vec::new(),
            });
        }
        // Rule requests by place, for `no-matching-toolchain` findings (reported on the type
        // in a rule's `toolchains`).
        let mut requests: FxHashMap<(FileId, TextRange), Label> = FxHashMap::default();
        for rule in &index.rules {
            let groups = rule.exec_groups.iter().flatten();
            let reqs = rule
                .toolchains
                .iter()
                .flatten()
                .chain(groups.flat_map(|g| g.toolchains.iter().flatten()));
            for req in reqs {
                if let Ok(l) = &req.toolchain_type.label {
                    let ty = sim.actual(l).unwrap_or(*l);
                    let loc = req.toolchain_type.loc;
                    requests.insert((loc.file, loc.range), ty);
                }
            }
        }
        let mut type_marks: BTreeMap<Label, Vec<Mark>> = BTreeMap::new();
        for d in &diagnostics {
            let at = place(d.file, d.range);
            let mark = |role: MarkRole| Mark {
                check: d.check,
                severity: d.severity,
                message: d.message.clone(),
                role,
                path: at.path.clone(),
                line: at.line,
            };
            let about: BTreeSet<usize> = std::iter::once((d.file, d.range))
                .chain(d.subject)
                .flat_map(|p| places_of.get(&p).into_iter().flatten().copied())
                .collect();
            for &i in &about {
                push_mark(&mut toolchains[i].marks, mark(MarkRole::Subject));
            }
            for r in &d.related {
                for &i in places_of.get(&(r.file, r.range)).into_iter().flatten() {
                    if !about.contains(&i) {
                        let role = if CAUSE_IN_RELATED.contains(&d.check) {
                            MarkRole::Cause
                        } else {
                            MarkRole::Named
                        };
                        push_mark(&mut toolchains[i].marks, mark(role));
                    }
                }
            }
            if d.check == "no-matching-toolchain" {
                if let Some(ty) = requests.get(&(d.file, d.range)) {
                    type_marks
                        .entry(*ty)
                        .or_default()
                        .push(mark(MarkRole::Subject));
                }
            }
        }

        // The matrix: each type alone, mandatory, on each target platform, as the checks ask.
        let resolver = sim.resolver();
        let by_label: FxHashMap<String, usize> = toolchains
            .iter()
            .enumerate()
            .filter_map(|(i, t)| t.label.clone().map(|l| (l, i)))
            .collect();
        let cells: Vec<Vec<Cell>> = rows
            .iter()
            .map(|p| {
                types
                    .iter()
                    .map(|ty| {
                        // Traced: the recap of what each execution platform got is the
                        // "elsewhere" part of the cell.
                        let res = resolver.resolve(&Request {
                            ..Request::new(
                                *p,
                                vec![TypeRequest {
                                    toolchain_type: *ty,
                                    mandatory: Known::Known(true),
                                    ignore_if_invalid: false,
                                }],
                            )
                        });
                        let g = res.groups.first();
                        let outcome = match g {
                            Some(g) if !g.undecidable.is_empty() => CellOutcome::Undecided {
                                reasons: g
                                    .undecidable
                                    .iter()
                                    .map(|u| format!("{}: {}", u.question, u.cause))
                                    .collect(),
                            },
                            Some(g) => match (&g.error, &g.exec_platform, g.toolchains.first()) {
                                (None, Some(exec), Some(sel)) => CellOutcome::Selected {
                                    exec_platform: exec.to_string(),
                                    toolchain: sel.toolchain.to_string(),
                                },
                                (Some(e), _, _) => CellOutcome::NoMatch {
                                    message: e.message().to_owned(),
                                },
                                _ => CellOutcome::Undecided {
                                    reasons: vec!["no outcome".to_owned()],
                                },
                            },
                            None => CellOutcome::Undecided {
                                reasons: vec!["no outcome".to_owned()],
                            },
                        };
                        let pick_marks = |toolchain: &str| {
                            let mut marks = Vec::new();
                            if let Some(&i) = by_label.get(toolchain) {
                                for m in &toolchains[i].marks {
                                    let hazard = match m.role {
                                        MarkRole::Subject => SELECTION_CHECKS.contains(&m.check),
                                        MarkRole::Cause => true,
                                        MarkRole::Named => false,
                                    };
                                    if hazard {
                                        push_mark(&mut marks, m.clone());
                                    }
                                }
                            }
                            marks
                        };
                        let mut marks = Vec::new();
                        let mut others = Vec::new();
                        if let CellOutcome::Selected {
                            toolchain,
                            exec_platform,
                        } = &outcome
                        {
                            marks = pick_marks(toolchain);
                            let recap =
                                g.into_iter().flat_map(|g| &g.trace).find_map(|e| match e {
                                    TraceEvent::TypeRecap {
                                        toolchain_type,
                                        selected,
                                    } if toolchain_type == ty => Some(selected),
                                    _ => None,
                                });
                            for (exec, tc) in recap.into_iter().flatten() {
                                let Some(tc) = &tc.toolchain else { continue };
                                let exec = exec.to_string();
                                if exec == *exec_platform {
                                    continue;
                                }
                                let tc = tc.to_string();
                                others.push(OtherPick {
                                    marks: pick_marks(&tc),
                                    exec_platform: exec,
                                    toolchain: tc,
                                });
                            }
                        }
                        let failed = g.and_then(|g| g.error.as_ref()).is_some_and(|e| {
                            matches!(
                                e,
                                ResolveError::NoMatchingToolchains { .. }
                                    | ResolveError::NoMatchingExecPlatform { .. }
                            )
                        });
                        if failed {
                            for m in type_marks.get(ty).into_iter().flatten() {
                                // The finding names the platforms it holds on; a cell of
                                // another platform fails for other rules' reasons, if at all.
                                if mentions(&m.message, p) {
                                    push_mark(&mut marks, m.clone());
                                }
                            }
                        }
                        Cell {
                            outcome,
                            marks,
                            others,
                        }
                    })
                    .collect()
            })
            .collect();

        // Platforms: every one the model knows in the main repository, the registered
        // execution platforms, the rows and the host.
        let mut exec_rank: FxHashMap<&Label, usize> = FxHashMap::default();
        for (i, e) in sim.exec_platforms.entries.iter().enumerate() {
            if let Some(l) = &e.label {
                exec_rank.entry(l).or_insert(i + 1);
            }
        }
        let mut shown: BTreeSet<Label> = model
            .platforms
            .keys()
            .filter(|l| l.repo.is_main())
            .cloned()
            .collect();
        shown.extend(exec_rank.keys().map(|l| *(*l)));
        shown.extend(rows.iter().cloned());
        shown.insert(host);
        let mut values_shown: BTreeSet<Label> = BTreeSet::new();
        let platforms: Vec<GraphPlatform> = shown
            .iter()
            .map(|l| {
                let p = model.platforms.get(l);
                let constraint_values = p.and_then(|p| p.constraint_values.as_known()).map(|v| {
                    values_shown.extend(v.iter().cloned());
                    v.iter().map(Label::to_string).collect()
                });
                GraphPlatform {
                    label: l.to_string(),
                    constraint_values,
                    parents: p
                        .and_then(|p| p.parents.as_known())
                        .map(|v| v.iter().map(Label::to_string).collect())
                        .unwrap_or_default(),
                    exec_rank: exec_rank.get(l).copied(),
                    target: rows.contains(l),
                    host: *l == host,
                }
            })
            .collect();
        for e in sim.toolchains.entries.iter().filter(|e| e.source.is_some()) {
            if let Some(tc) = e.label.as_ref().and_then(|l| model.toolchains.get(l)) {
                for list in [&tc.exec_compatible_with, &tc.target_compatible_with] {
                    if let Known::Known(v) = list {
                        values_shown.extend(v.iter().cloned());
                    }
                }
            }
        }
        values_shown.extend(model.values.keys().filter(|l| l.repo.is_main()).cloned());
        // Settings with their values; a value whose setting is not known is listed under
        // no setting rather than guessed into one.
        let mut settings: BTreeMap<String, GraphSetting> = model
            .settings
            .iter()
            .filter(|(l, _)| l.repo.is_main())
            .map(|(l, s)| {
                (
                    l.to_string(),
                    GraphSetting {
                        label: l.to_string(),
                        default: s.default.as_ref().map(Label::to_string),
                        values: Vec::new(),
                    },
                )
            })
            .collect();
        for v in &values_shown {
            let setting = match toolcheck_resolve::platforms::resolve_value(model, v) {
                Ok(r) => r.setting.to_string(),
                Err(_) => "(setting not known)".to_owned(),
            };
            let entry = settings.entry(setting.clone()).or_insert_with(|| {
                let default = model
                    .settings
                    .iter()
                    .find(|(l, _)| l.to_string() == setting)
                    .and_then(|(_, s)| s.default.as_ref().map(Label::to_string));
                GraphSetting {
                    label: setting,
                    default,
                    values: Vec::new(),
                }
            });
            entry.values.push(v.to_string());
        }
        let mut settings: Vec<GraphSetting> = settings.into_values().collect();
        for s in &mut settings {
            s.values.sort();
            s.values.dedup();
        }

        Ok(ResolutionGraph {
            bazel_version: self.bazel_version().to_string(),
            host_platform: host.to_string(),
            settings,
            platforms,
            toolchain_types: types.iter().map(Label::to_string).collect(),
            toolchains,
            target_platforms: rows.iter().map(Label::to_string).collect(),
            cells,
        })
    }
}

fn push_mark(marks: &mut Vec<Mark>, m: Mark) {
    if !marks
        .iter()
        .any(|x| x.check == m.check && x.message == m.message)
    {
        marks.push(m);
    }
}

/// Whether a finding's message names `platform` as a whole label (not a prefix of another).
fn mentions(message: &str, platform: &Label) -> bool {
    let text = platform.to_string();
    message.match_indices(&text).any(|(i, _)| {
        let after = message[i + text.len()..].chars().next();
        !matches!(after, Some(c) if c.is_alphanumeric() || "_-./:+@".contains(c))
    })
}

/// `lint` narrowed to [`HAZARD_CHECKS`]: the findings the picture shows, as `toolcheck check`
/// would report them.
fn hazard_config(lint: &LintConfig) -> LintConfig {
    let mut lint = lint.clone();
    lint.select = if lint.select.is_empty() {
        HAZARD_CHECKS.iter().map(|s| (*s).to_owned()).collect()
    } else {
        lint.select
            .into_iter()
            .filter(|s| HAZARD_CHECKS.contains(&s.as_str()))
            .collect()
    };
    if lint.select.is_empty() {
        // Every hazard check deselected: run none (an empty select would run all).
        lint.ignore
            .extend(HAZARD_CHECKS.iter().map(|s| (*s).to_owned()));
        lint.select = vec![HAZARD_CHECKS[0].to_owned()];
    }
    lint
}
