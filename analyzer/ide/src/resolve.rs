//! Resolution queries for front ends: "what will Bazel pick for these types (or this target)
//! on these target platforms, and why", answered as plain data shared by `toolcheck resolve`
//! and the language server's `toolcheck/resolve` request.

use toolcheck_index::label::Label;
use toolcheck_resolve::model::{ExecGroupRequest, Known, TypeRequest};
use toolcheck_resolve::{explain, GroupName, Request, Resolution};
use toolcheck_semantics::simulation::target_exec_groups;

use crate::Analysis;

/// What to resolve. Labels are written as on Bazel's command line (main repository).
#[derive(Clone, Debug, Default)]
pub struct ResolveQuery {
    /// Empty: the configured target platforms, else `.bazelrc --platforms`, else the host.
    pub target_platforms: Vec<String>,
    pub types: Vec<String>,
    pub optional_types: Vec<String>,
    /// A target whose rule's requests to resolve (instead of `types`).
    pub target: Option<String>,
    /// The execution platform Bazel forces on the resolution: a toolchain's implementation
    /// target (and what it requests) runs on the execution platform of the target that
    /// requested the toolchain (spec §4.5; ToolchainResolutionFunctionTest's
    /// `forceExecutionPlatform`, ToolchainsForTargetsTest: keepParentToolchainContext).
    pub exec_platform: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolchainChoice {
    pub toolchain_type: String,
    /// The `toolchain()` target.
    pub toolchain: String,
    /// Its `toolchain` attribute (the implementation), when known.
    pub implementation: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolveFailure {
    /// `no_matching_toolchains`, `no_matching_exec_platform`, ...
    pub kind: &'static str,
    pub types: Vec<String>,
    /// Bazel's message for the simulated version.
    pub message: String,
}

/// The outcome for one exec group on one target platform.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupOutcome {
    /// `None` for the default exec group.
    pub name: Option<String>,
    /// An automatic exec group: `name` is the toolchain type it was made for.
    pub automatic: bool,
    pub exec_platform: Option<String>,
    pub toolchains: Vec<ToolchainChoice>,
    pub error: Option<ResolveFailure>,
    /// Questions toolcheck could not decide statically, with the reason.
    pub undecidable: Vec<String>,
    /// The decision trace as sentences.
    pub trace: Vec<String>,
    /// When the chosen execution platform runs actions remotely: what ties the chosen
    /// toolchains to it.
    pub remote: Option<RemoteBinding>,
}

/// What a remote execution platform binds the toolchains it gets to: the image its actions
/// run in, and per toolchain the absolute paths it carries and whether they are tied to that
/// image (a constraint the host platform lacks) or could as well be the workstation's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteBinding {
    /// Why the platform runs actions remotely.
    pub reason: String,
    /// The container image (`container-image` or `dockerImage`) and whether a digest pins it.
    pub image: Option<(String, bool)>,
    pub toolchains: Vec<ToolchainBinding>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolchainBinding {
    pub toolchain: String,
    /// `attribute: path` for every absolute path the implementation names.
    pub absolute_paths: Vec<String>,
    /// The implementation comes from a repository Bazel generates by probing the host.
    pub host_probed: bool,
    /// Whether nothing of the workstation can end up on the remote platform through it.
    pub bound: bool,
    pub why: String,
}

impl RemoteBinding {
    /// The binding as lines for `toolcheck resolve`'s human output.
    pub fn lines(&self, exec_platform: &str) -> Vec<String> {
        let image = match &self.image {
            Some((image, true)) => format!(", image `{image}` (pinned by digest)"),
            Some((image, false)) => format!(", image `{image}` (NOT pinned by digest)"),
            None => String::new(),
        };
        let mut out = vec![format!(
            "Remote execution on {exec_platform} ({}{image}):",
            self.reason
        )];
        for t in &self.toolchains {
            let paths = if t.absolute_paths.is_empty() {
                String::new()
            } else {
                format!(" {};", t.absolute_paths.join(", "))
            };
            out.push(format!(
                "  '{}':{paths} {}: {}",
                t.toolchain,
                if t.bound {
                    "bound"
                } else {
                    "NOT bound to the remote platform"
                },
                t.why
            ));
        }
        out
    }
}

/// Whether automatic exec groups were on for the resolution, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AutoExecGroupsNote {
    pub enabled: bool,
    /// `attribute` (the rule's `_use_auto_exec_groups`), `flag`
    /// (`--[no]incompatible_auto_exec_groups`), `default` (the version's default) or
    /// `unsupported` (Bazel before 7.0).
    pub source: &'static str,
    /// The reason in words.
    pub reason: String,
}

impl AutoExecGroupsNote {
    /// One sentence for people.
    pub fn sentence(&self) -> String {
        if self.enabled {
            format!(
                "Automatic exec groups are on ({}): each requested toolchain type gets its own exec group and picks its own execution platform; the default exec group requests no toolchains.",
                self.reason
            )
        } else {
            format!(
                "Automatic exec groups are off ({}): all toolchain types of the default exec group share one execution platform.",
                self.reason
            )
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlatformOutcome {
    pub target_platform: String,
    /// Set when automatic exec groups are on, or explicitly turned off.
    pub auto_exec_groups: Option<AutoExecGroupsNote>,
    pub groups: Vec<GroupOutcome>,
    /// The whole explanation as text.
    pub explanation: String,
}

fn group_outcome(target_platform: &Label, res: &Resolution, i: usize) -> GroupOutcome {
    let g = &res.groups[i];
    let single = Resolution {
        target_platform: *target_platform,
        groups: vec![g.clone()],
    };
    GroupOutcome {
        name: match &g.group {
            GroupName::Default => None,
            GroupName::Named(n) => Some(n.clone()),
            GroupName::Automatic(t) => Some(t.to_string()),
        },
        automatic: matches!(g.group, GroupName::Automatic(_)),
        exec_platform: g.exec_platform.as_ref().map(Label::to_string),
        toolchains: g
            .toolchains
            .iter()
            .map(|t| ToolchainChoice {
                toolchain_type: t.toolchain_type.to_string(),
                toolchain: t.toolchain.to_string(),
                implementation: t.implementation.as_ref().map(Label::to_string),
            })
            .collect(),
        error: g.error.as_ref().map(|e| ResolveFailure {
            kind: e.kind(),
            types: e.types().iter().map(Label::to_string).collect(),
            message: e.message().to_string(),
        }),
        undecidable: g
            .undecidable
            .iter()
            .map(|u| format!("{}: {}", u.question, u.cause))
            .collect(),
        trace: explain::explain(&single)
            .lines()
            .map(str::to_string)
            .collect(),
        remote: None,
    }
}

/// The binding of the toolchains a group got, when its execution platform runs actions
/// remotely: it has `exec_properties`, or `--remote_executor` sends every action away.
fn remote_binding(
    analysis: &Analysis,
    group: &toolcheck_resolve::GroupResolution,
) -> Option<RemoteBinding> {
    use toolcheck_resolve::platforms::Match;
    use toolcheck_semantics::remote::{self, Matcher, Side};
    use toolcheck_semantics::toolchain_impl::binding;
    let exec = group.exec_platform.as_ref()?;
    let index = analysis.index();
    let sim = analysis.simulation();
    let props = remote::exec_properties(index, sim, exec).unwrap_or_default();
    let reason = match (&index.flags.remote_executor, props.is_empty()) {
        (_, false) => "it has `exec_properties`".to_string(),
        (Some(r), true) => format!("`--remote_executor={}` sends every action away", r.value),
        (None, true) => return None,
    };
    let image = remote::container_image(&props)
        .map(|p| (p.value.clone(), remote::is_pinned_image(&p.value)));
    let host = remote::host_platform(sim);
    let matcher = Matcher::new(&sim.model);
    let toolchains = group
        .toolchains
        .iter()
        .map(|t| {
            let b = binding(analysis.workspace(), analysis.facts(), index, sim, &t.toolchain);
            let absolute_paths: Vec<String> = b
                .tool_paths
                .iter()
                .map(|p| format!("{} = {}", p.attr, p.path))
                .collect();
            let unbound: Vec<&str> = b
                .tool_paths
                .iter()
                .map(|p| p.path.as_str())
                .filter(|p| !p.starts_with("/nix/store/"))
                .collect();
            let host_match = host.map(|h| matcher.matches(&t.toolchain, Side::Exec, h));
            let (bound, why) = if b.host_probed {
                (false, format!("it comes from `@{}`, generated by probing the workstation", t.toolchain.repo.0))
            } else if unbound.is_empty() && !b.incomplete {
                (true, if b.tool_paths.is_empty() {
                    "it names no absolute host paths".to_string()
                } else {
                    "its absolute paths are content-addressed `/nix/store` paths".to_string()
                })
            } else {
                match host_match {
                    Some(Match::No(values)) => {
                        let v: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
                        (true, format!("its `exec_compatible_with` needs {}, which the host platform lacks", v.join(", ")))
                    }
                    Some(Match::Yes) if !unbound.is_empty() => (
                        false,
                        "its `exec_compatible_with` matches the host platform too, so nothing ties these paths to the image".to_string(),
                    ),
                    _ => (
                        false,
                        "toolcheck cannot read all of its implementation, so it cannot tell".to_string(),
                    ),
                }
            };
            ToolchainBinding {
                toolchain: t.toolchain.to_string(),
                absolute_paths,
                host_probed: b.host_probed,
                bound,
                why,
            }
        })
        .collect();
    Some(RemoteBinding {
        reason,
        image,
        toolchains,
    })
}

/// The host platform and where its constraint values come from, when Bazel fills it from the
/// machine it runs on (spec §2.6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostNote {
    pub platform: String,
    /// `detected`, `configured` or `unknown`.
    pub source: &'static str,
    pub constraint_values: Vec<String>,
    /// The machine a detected host was detected on (`macOS arm64`).
    pub machine: Option<String>,
}

impl HostNote {
    /// One sentence for people.
    pub fn sentence(&self) -> String {
        match self.source {
            "detected" => format!(
                "Host platform {}: {}, as Bazel detects {} (--host or `hosts` in toolcheck.toml describe another).",
                self.platform,
                self.constraint_values.join(", "),
                match &self.machine {
                    Some(m) => format!("a {m} host"),
                    None => "this machine".to_string(),
                }
            ),
            "configured" => format!(
                "Host platform {}: {}, from host_constraints in toolcheck.toml.",
                self.platform,
                self.constraint_values.join(", ")
            ),
            _ => format!(
                "Host platform {}: its constraint values are not known (Bazel detects them on the machine it runs on).",
                self.platform
            ),
        }
    }
}

impl Analysis {
    /// Where the host platform's constraint values come from, when Bazel autodetects them;
    /// `None` for a host platform the workspace declares.
    pub fn host_note(&self) -> Option<HostNote> {
        use toolcheck_semantics::simulation::HostSource;
        let sim = self.simulation();
        let (source, values) = match &sim.host {
            HostSource::Declared => return None,
            HostSource::Detected(v) => ("detected", v.as_slice()),
            HostSource::Configured(v) => ("configured", v.as_slice()),
            HostSource::Unknown => ("unknown", &[][..]),
        };
        Some(HostNote {
            platform: sim.config.host_platform.to_string(),
            source,
            constraint_values: values.iter().map(ToString::to_string).collect(),
            machine: self
                .workspace()
                .settings
                .host_machine
                .as_ref()
                .map(|m| m.display()),
        })
    }

    /// Resolves a query. Errors are usage errors (a label that does not parse, a target that
    /// does not exist or resolves nothing).
    pub fn resolve(&self, query: &ResolveQuery) -> Result<Vec<PlatformOutcome>, String> {
        let index = self.index();
        let sim = self.simulation();
        let ctx = index.main_context();
        let parse = |text: &str, what: &str| {
            ctx.resolve(text)
                .map_err(|e| format!("invalid {what} '{text}': {e}"))
        };
        let platform_texts: Vec<String> = if !query.target_platforms.is_empty() {
            query.target_platforms.clone()
        } else if !self.workspace().settings.target_platforms.is_empty() {
            self.workspace().settings.target_platforms.clone()
        } else if let Some(p) = &index.flags.platforms {
            p.value
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        } else {
            Vec::new()
        };
        let mut platforms = platform_texts
            .iter()
            .map(|t| parse(t, "target platform"))
            .collect::<Result<Vec<_>, _>>()?;
        if platforms.is_empty() {
            // Bazel 7+: with no --platforms, the target platform is the host platform.
            platforms.push(sim.config.host_platform);
        }
        // The rule whose `_use_auto_exec_groups` decides automatic exec groups (none for a
        // list of types, which resolves as a rule requesting them would, and for native rules).
        let mut rule = None;
        let groups: Vec<ExecGroupRequest> = match &query.target {
            Some(t) => {
                let label = parse(t, "target")?;
                let target = index.targets.get(&label).ok_or_else(|| {
                    format!("no target '{label}' in the repositories toolcheck can read")
                })?;
                rule = index.rule_of(target);
                target_exec_groups(sim, self.workspace(), self.facts(), index, target)
                    .map_err(|e| format!("cannot resolve '{label}': {e}"))?
            }
            None => {
                let mut types = Vec::new();
                for (texts, mandatory) in [(&query.types, true), (&query.optional_types, false)] {
                    for t in texts {
                        types.push(TypeRequest {
                            toolchain_type: parse(t, "toolchain type")?,
                            mandatory: Known::Known(mandatory),
                            ignore_if_invalid: false,
                        });
                    }
                }
                vec![ExecGroupRequest {
                    name: None,
                    types,
                    exec_compatible_with: Known::Known(Vec::new()),
                }]
            }
        };
        let aeg = sim.auto_exec_groups(rule);
        let Some(aeg_on) = aeg.enabled() else {
            return Err(format!(
                "cannot resolve '{}': toolcheck cannot tell whether automatic exec groups are on: {}",
                query.target.as_deref().unwrap_or_default(),
                aeg.reason()
            ));
        };
        use toolcheck_semantics::simulation::AutoExecGroups;
        let note = match aeg {
            AutoExecGroups::Attribute(_) | AutoExecGroups::Flag(_) => Some("explicit"),
            _ if aeg_on => Some("on"),
            _ => None,
        }
        .map(|_| AutoExecGroupsNote {
            enabled: aeg_on,
            source: match aeg {
                AutoExecGroups::Attribute(_) => "attribute",
                AutoExecGroups::Flag(_) => "flag",
                AutoExecGroups::Unsupported => "unsupported",
                _ => "default",
            },
            reason: aeg.reason().to_string(),
        });
        let forced = query
            .exec_platform
            .as_deref()
            .map(|t| parse(t, "execution platform"))
            .transpose()?;
        let resolver = sim.resolver();
        Ok(platforms
            .into_iter()
            .map(|p| {
                let request = Request {
                    exec_groups: groups.clone(),
                    auto_exec_groups: aeg_on,
                    forced_exec_platform: forced,
                    ..Request::new(p, Vec::new())
                };
                let res = resolver.resolve(&request);
                let mut explanation = String::new();
                if let Some(n) = &note {
                    explanation.push_str(&n.sentence());
                    explanation.push('\n');
                }
                explanation.push_str(&explain::explain(&res));
                let groups: Vec<GroupOutcome> = (0..res.groups.len())
                    .map(|i| GroupOutcome {
                        remote: remote_binding(self, &res.groups[i]),
                        ..group_outcome(&p, &res, i)
                    })
                    .collect();
                for g in &groups {
                    if let (Some(r), Some(e)) = (&g.remote, &g.exec_platform) {
                        if !explanation.ends_with('\n') {
                            explanation.push('\n');
                        }
                        let mut lines = r.lines(e);
                        // Several groups may run on the same platform: say whose lines these are.
                        if let (Some(name), Some(first)) = (&g.name, lines.first_mut()) {
                            *first = format!("Exec group '{name}': {first}");
                        }
                        explanation.push_str(&lines.join("\n"));
                    }
                }
                PlatformOutcome {
                    target_platform: p.to_string(),
                    auto_exec_groups: note.clone(),
                    groups,
                    explanation,
                }
            })
            .collect())
    }
}
