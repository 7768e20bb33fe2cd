//! Findings belong to the main repository.
//!
//! With `--repo NAME=DIR` or an output base, toolcheck reads dependencies' files too, and the
//! checks see them like any other. But a dependency's own problems (a label in its tests, a
//! toolchain nobody here registers) are not the user's to fix, and a wall of them hides what
//! is. So after every check ran, a finding in a file the main repository does not own is
//!
//! - kept, moved to where the main repository takes part, when its package holds toolchains
//!   or platforms a registration brings into the build (a `register_toolchains` pattern that
//!   covers it): at that registration when the main repository writes it, else at the
//!   `bazel_dep` that brings in the module whose MODULE.bazel registers it. The dependency's
//!   line stays as related information and the message names the file. A registration of
//!   the dependency's own (written in its WORKSPACE macro, say) that toolcheck cannot trace
//!   to a line of the main repository keeps the finding where it is: it still affects the
//!   build, and no place of the main repository is better;
//! - dropped otherwise: nothing of the main repository's build reads it.
//!
//! The main repository owns its own files and those of `local_path_override` and
//! `local_repository` directories inside it (they are checked in with it). Computed
//! repositories' findings were already moved to their sources ([`crate::generated`]), so a
//! template in the main repository keeps them, one in a dependency is judged like the
//! dependency's other files.
//!
//! A run scoped to one file sees only the findings its checks report in that file; a file
//! that may receive a dependency's findings ([`receives_moved_findings`]) is checked by the
//! whole run instead, filtered to it.

use rustc_hash::{FxHashMap, FxHashSet};
use toolcheck_index::index::RegistrationOrigin;
use toolcheck_index::label::{PackageId, TargetPattern};
use toolcheck_index::workspace::{FileId, RepoInfo, RepoOrigin};
use toolcheck_syntax::{FileKind, TextRange};

use crate::context::LintContext;
use crate::diagnostic::{Diagnostic, Related};

/// Whether the main repository owns `file`.
pub(crate) fn owned(ctx: &LintContext<'_>, file: FileId) -> bool {
    let repo = &ctx.ws.file(file).repo;
    repo.is_main() || ctx.ws.repo(repo).is_some_and(|r| owned_repo(ctx, r))
}

/// Whether the main repository owns the files of `repo`.
fn owned_repo(ctx: &LintContext<'_>, repo: &RepoInfo) -> bool {
    match repo.origin {
        RepoOrigin::Main => true,
        // Inside the main workspace when it has a workspace-relative prefix.
        RepoOrigin::LocalPathOverride | RepoOrigin::LocalRepository => {
            !repo.display_prefix.is_empty()
        }
        // Still in a generated file: no source line was found for it; it is judged by the
        // repository that wrote it.
        RepoOrigin::Computed(ref o) => owned(ctx, o.site.file),
        RepoOrigin::Explicit | RepoOrigin::OutputBase | RepoOrigin::RepositoryCache => false,
    }
}

/// The root module's MODULE.bazel, when it has one.
fn root_module_file(ctx: &LintContext<'_>) -> Option<FileId> {
    ctx.index
        .modules
        .iter()
        .find(|m| m.repo.is_main())
        .and_then(|m| m.file)
}

/// Whether findings of files the main repository does not own may be moved to `file`: it
/// holds one of the main repository's registrations or is its root MODULE.bazel (the
/// `bazel_dep` sites), and some repository of the workspace is not the main repository's.
pub fn receives_moved_findings(ctx: &LintContext<'_>, file: FileId) -> bool {
    if !owned(ctx, file) || ctx.ws.repos.iter().all(|r| owned_repo(ctx, r)) {
        return false;
    }
    root_module_file(ctx) == Some(file)
        || ctx
            .index
            .registrations
            .iter()
            .any(|r| r.loc.is_some_and(|l| l.file == file))
}

/// Applies ownership to `out` (ordered by place; left ordered by place); returns whether
/// anything changed.
pub(crate) fn assign(ctx: &LintContext<'_>, out: &mut Vec<Diagnostic>) -> bool {
    if !out.iter().any(|d| !owned(ctx, d.file)) {
        return false;
    }
    let covering = Covering::new(ctx);
    let mut kept = Vec::with_capacity(out.len());
    for mut d in out.drain(..) {
        if owned(ctx, d.file) {
            kept.push(d);
            continue;
        }
        match covering.anchor(ctx, d.file, d.range) {
            Anchor::None => {}
            Anchor::Here => kept.push(d),
            Anchor::At(file, range, why) => {
                let original = Related {
                    file: d.file,
                    range: d.range,
                    message: format!("reported here, in {}", ctx.ws.display_path(d.file)),
                };
                d.message = format!("{} (in {}; {why})", d.message, ctx.ws.display_path(d.file));
                d.related.insert(0, original);
                d.file = file;
                d.range = range;
                d.fixes.clear();
                kept.push(d);
            }
        }
    }
    *out = kept;
    true
}

enum Anchor {
    /// Nothing of the main repository's build reads it.
    None,
    /// It affects the build, but no line of the main repository says how: kept in place.
    Here,
    /// Moved to a line of the main repository, with why.
    At(FileId, TextRange, String),
}

/// The registrations that bring dependencies' packages into the build, and the files those
/// packages' BUILD files load.
struct Covering<'a> {
    registrations: Vec<&'a toolcheck_index::index::Registration>,
    /// Registration sites (a finding on the registration itself affects the build).
    sites: FxHashSet<(FileId, TextRange)>,
    /// Who loads each file (the reverse of the index's load edges), built on first use.
    dependents: std::cell::OnceCell<FxHashMap<FileId, Vec<FileId>>>,
}

impl<'a> Covering<'a> {
    fn new(ctx: &LintContext<'a>) -> Self {
        let registrations: Vec<_> = ctx
            .index
            .registrations
            .iter()
            .filter(|r| r.pattern.is_ok() && !r.negative)
            .collect();
        // Every registration's site, invalid ones included: a dependency's registration that
        // does not parse breaks the build of whoever uses the dependency.
        let sites = ctx
            .index
            .registrations
            .iter()
            .filter(|r| !r.negative)
            .filter_map(|r| r.loc.map(|l| (l.file, l.range)))
            .collect();
        Covering {
            registrations,
            sites,
            dependents: std::cell::OnceCell::new(),
        }
    }

    /// The registrations whose pattern covers the package `file` is in (for a `.bzl` file:
    /// any package whose BUILD file loads it, directly or not).
    fn covering(
        &self,
        ctx: &LintContext<'a>,
        file: FileId,
    ) -> Vec<&'a toolcheck_index::index::Registration> {
        let mut packages: Vec<PackageId> = Vec::new();
        let f = ctx.ws.file(file);
        match f.kind {
            FileKind::Build => packages.push(PackageId::new(f.repo, f.dir())),
            FileKind::Bzl => {
                // The BUILD files that load it, through any chain of loads.
                let dependents = self.dependents.get_or_init(|| {
                    let mut d: FxHashMap<FileId, Vec<FileId>> = FxHashMap::default();
                    for (from, tos) in ctx.index.load_edges.iter().enumerate() {
                        for to in tos.iter() {
                            d.entry(*to).or_default().push(FileId(from as u32));
                        }
                    }
                    d
                });
                let mut loaders: FxHashSet<FileId> = FxHashSet::default();
                let mut frontier = vec![file];
                while let Some(cur) = frontier.pop() {
                    for from in dependents.get(&cur).into_iter().flatten() {
                        if loaders.insert(*from) {
                            frontier.push(*from);
                        }
                    }
                }
                for l in loaders {
                    let lf = ctx.ws.file(l);
                    if lf.kind == FileKind::Build {
                        packages.push(PackageId::new(lf.repo, lf.dir()));
                    }
                }
            }
            _ => {}
        }
        self.registrations
            .iter()
            .copied()
            .filter(|r| match &r.pattern {
                Ok(p) => packages.iter().any(|pkg| p.matches_package(pkg)),
                Err(_) => false,
            })
            .collect()
    }

    fn anchor(&self, ctx: &LintContext<'a>, file: FileId, range: TextRange) -> Anchor {
        let mut regs = self.covering(ctx, file);
        // A finding on a registration of the dependency's own (its MODULE.bazel's
        // `register_toolchains`) is about what that registration brings in.
        if self.sites.contains(&(file, range)) {
            regs.extend(
                ctx.index
                    .registrations
                    .iter()
                    .filter(|r| r.loc.is_some_and(|l| (l.file, l.range) == (file, range))),
            );
        }
        if regs.is_empty() {
            return Anchor::None;
        }
        // The main repository's own registration, first in its order.
        if let Some((r, loc)) = regs
            .iter()
            .find_map(|r| r.loc.filter(|l| owned(ctx, l.file)).map(|l| (r, l)))
        {
            let what = match &r.pattern {
                Ok(TargetPattern::Single(_)) => "registered here",
                _ => "registered here by pattern",
            };
            return Anchor::At(loc.file, loc.range, what.to_string());
        }
        // A module's own registration: at the root module's `bazel_dep` on it.
        for r in &regs {
            if let RegistrationOrigin::Module { name, .. } = &r.origin {
                if let Some((f, range)) = bazel_dep_site(ctx, name) {
                    return Anchor::At(
                        f,
                        range,
                        format!("module '{name}' registers it, and this module depends on it"),
                    );
                }
            }
        }
        Anchor::Here
    }
}

/// The `name` of the root module's `bazel_dep` on `module`.
fn bazel_dep_site(ctx: &LintContext<'_>, module: &str) -> Option<(FileId, TextRange)> {
    let file = root_module_file(ctx)?;
    ctx.facts[file.0 as usize].calls.iter().find_map(|c| {
        if c.call.func.dotted_name().as_deref() != Some("bazel_dep") {
            return None;
        }
        let name = c.call.kwargs.iter().find(|k| k.name == "name")?;
        (name.value.as_str() == Some(module)).then_some((file, name.value.range))
    })
}
