//! Remote execution as the hermeticity checks and hover see it: the `exec_properties` a
//! platform gives its actions (its own over its parents'), and whether a platform sends
//! actions to a remote executor's image.
//!
//! Bazel merges `exec_properties` along `parents` (`PlatformInfo.Builder`): the child's keys
//! win, and a key the child sets to the empty string is removed. Only the first parent
//! counts (Bazel rejects more than one).

use toolcheck_index::index::{Decl, ExecProperty, PlatformDecl, RefList, WorkspaceIndex};
use toolcheck_index::label::Label;

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
    let mut current = Some(sim.actual(platform).unwrap_or_else(|| platform.clone()));
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
