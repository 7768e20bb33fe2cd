//! Remote execution as the hermeticity checks and hover see it: the `exec_properties` a
//! platform gives its actions (its own over its parents'), and whether a platform sends
//! actions to a remote executor's image.
//!
//! Bazel merges `exec_properties` along `parents` (`PlatformInfo.Builder`): the child's keys
//! win, and a key the child sets to the empty string is removed. Only the first parent
//! counts (Bazel rejects more than one).

use toolcheck_index::index::{Decl, ExecProperty, PlatformDecl, RefList, WorkspaceIndex};
use toolcheck_index::label::Label;
use toolcheck_resolve::model::Model;
use toolcheck_resolve::platforms::{
    toolchain_matches, ConstraintSet, Defaults, Match, PlatformConstraints, ValueList,
};
use toolcheck_resolve::trace::UnknownCause;

use crate::Simulation;

/// The keys remote executors and Bazel's Docker strategy read the container image from.
pub const IMAGE_KEYS: [&str; 2] = ["container-image", "dockerImage"];

/// How many platforms of a `parents` chain are followed (Bazel reports cycles; toolcheck's
/// `platform-parent-cycle` does too, so a bound is all this needs).
const MAX_CHAIN: usize = 64;

/// A platform's `exec_properties` as its actions get them: its own keys over its parents'
/// (each with where it is written). `None` when a level of the chain is computed or a parent
/// is not a platform toolcheck knows.
pub fn exec_properties(
    index: &WorkspaceIndex,
    sim: &Simulation,
    platform: &Label,
) -> Option<Vec<ExecProperty>> {
    let mut levels: Vec<&[ExecProperty]> = Vec::new();
    let mut current = Some(sim.actual(platform).unwrap_or(*platform));
    let mut seen: Vec<Label> = Vec::new();
    while let Some(label) = current.take() {
        if seen.contains(&label) || seen.len() >= MAX_CHAIN {
            break;
        }
        let Some(target) = index.targets.get(&label) else {
            // A platform the model knows without reading it (the autodetected host
            // platform) sets no `exec_properties`.
            if sim.model.platforms.contains_key(&label) {
                break;
            }
            return None;
        };
        let Decl::Platform(d) = &target.decl else {
            return None;
        };
        let PlatformDecl {
            parents,
            exec_properties,
            ..
        } = &**d;
        levels.push(exec_properties.as_deref()?);
        seen.push(label);
        current = match parents {
            RefList::Known(p) => match p.first() {
                None => None,
                Some(r) => Some(sim.actual(r.label.as_ref().ok()?)?),
            },
            RefList::Unknown(_) => return None,
        };
    }
    let mut merged: Vec<ExecProperty> = Vec::new();
    for level in levels.iter().rev() {
        for p in level.iter() {
            merged.retain(|m| m.key != p.key);
            if !p.value.is_empty() {
                merged.push(p.clone());
            }
        }
    }
    merged.sort_by(|a, b| a.key.cmp(&b.key));
    Some(merged)
}

/// The container image a platform's actions run in, when its (merged) `exec_properties`
/// name one.
pub fn container_image(props: &[ExecProperty]) -> Option<&ExecProperty> {
    props
        .iter()
        .find(|p| IMAGE_KEYS.contains(&p.key.as_str()) && !p.value.is_empty())
}

/// Whether an image reference names one image for good: a digest (`name@sha256:...`), or
/// `none` (Bazel's way of saying "no container").
pub fn is_pinned_image(value: &str) -> bool {
    let v = value.trim();
    v.eq_ignore_ascii_case("none") || v.contains("@sha256:")
}

/// Execution platforms that send actions somewhere else than the machine Bazel runs on: the
/// registered ones (Bazel's host platform aside) whose merged `exec_properties` are not empty,
/// in priority order, with those properties.
pub fn remote_exec_platforms(
    index: &WorkspaceIndex,
    sim: &Simulation,
) -> Vec<(Label, Vec<ExecProperty>)> {
    let mut out: Vec<(Label, Vec<ExecProperty>)> = Vec::new();
    for e in &sim.exec_platforms.entries {
        let Some(label) = e.label.as_ref().filter(|_| !e.host) else {
            continue;
        };
        if out.iter().any(|(l, _)| l == label) {
            continue;
        }
        if let Some(props) = exec_properties(index, sim, label).filter(|p| !p.is_empty()) {
            out.push((*label, props));
        }
    }
    out
}

/// The host platform Bazel appends to the execution platforms.
pub fn host_platform(sim: &Simulation) -> Option<&Label> {
    sim.exec_platforms
        .entries
        .iter()
        .find(|e| e.host)
        .and_then(|e| e.label.as_ref())
}

/// Predicate B of toolchain resolution for one side of a toolchain (its
/// `exec_compatible_with` or `target_compatible_with`) against one platform, with the
/// platforms' flattened constraints computed once.
pub struct Matcher<'m> {
    model: &'m Model,
    defaults: Defaults,
    platforms: std::cell::RefCell<rustc_hash::FxHashMap<Label, std::rc::Rc<PlatformConstraints>>>,
}

/// Which side of a toolchain to match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Exec,
    Target,
}

impl<'m> Matcher<'m> {
    pub fn new(model: &'m Model) -> Matcher<'m> {
        Matcher {
            model,
            defaults: Defaults::new(model),
            platforms: Default::default(),
        }
    }

    /// Whether `platform` satisfies `toolchain`'s constraints on `side`.
    pub fn matches(&self, toolchain: &Label, side: Side, platform: &Label) -> Match {
        let Some(tc) = self.model.toolchains.get(toolchain) else {
            return Match::Unknown(UnknownCause::NotModelled { label: *toolchain });
        };
        let (list, attribute) = match side {
            Side::Exec => (&tc.exec_compatible_with, "exec_compatible_with"),
            Side::Target => (&tc.target_compatible_with, "target_compatible_with"),
        };
        let values = ValueList::resolve(self.model, list, Some(toolchain), attribute);
        let set = ConstraintSet::from_list(&values, toolchain);
        let pc = self
            .platforms
            .borrow_mut()
            .entry(*platform)
            .or_insert_with(|| std::rc::Rc::new(PlatformConstraints::compute(self.model, platform)))
            .clone();
        toolchain_matches(&set, &pc, &self.defaults)
    }
}
