//! The target table of a [`WorkspaceIndex`](crate::index::WorkspaceIndex): one
//! [`PackageUnit`] per BUILD file (its package, targets and evaluation gaps), shared by `Arc`
//! between successive index states, plus lookup tables from packages to their BUILD files.
//!
//! An edit to one BUILD file replaces one unit; the tables change only when BUILD files are
//! added or removed. That keeps an incremental index update proportional to the edit: the
//! new state copies a vector of pointers, not the targets.

use std::ops::RangeBounds;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::expr::Sym;
use crate::index::{Package, Target};
use crate::interp::Loc;
use crate::interp::{Gap, MacroLimit};
use crate::label::{Label, PackageId, RepoName, SmolStr};
use crate::workspace::{repo_path_hash, FileId, FileIdsByHash};

/// What one BUILD file contributes to the index.
#[derive(Debug, PartialEq)]
pub struct PackageUnit {
    pub id: PackageId,
    pub package: Package,
    /// The targets it declares, in declaration order, without duplicate names (the first
    /// declaration of a name wins).
    ///
    /// This and the other lists are boxed slices: a unit never grows after it is built, and
    /// a slice is a word smaller than a vector (a workspace has a unit per package).
    pub targets: Box<[Target]>,
    /// Macro calls whose evaluation was stopped by a bound.
    pub eval_limits: Box<[MacroLimit]>,
    /// Macro calls whose targets may be incomplete: the call, and why.
    pub macro_gaps: Box<[(Loc, Gap)]>,
    /// Indices into `targets`, sorted by name (a lookup table that does not copy the names).
    by_name: Box<[u32]>,
    /// The build settings (Starlark flags) the file declares with a plain rule call: target
    /// name and `build_setting_default` (`None` when it is not a literal string, bool or
    /// int). Per package rather than per target: few targets are flags.
    pub build_settings: Box<[(SmolStr, Option<String>)]>,
}

impl PackageUnit {
    pub fn new(
        id: PackageId,
        package: Package,
        declared: Vec<Target>,
        eval_limits: Vec<MacroLimit>,
        macro_gaps: Vec<(Loc, Gap)>,
    ) -> PackageUnit {
        let mut seen: rustc_hash::FxHashSet<&str> = rustc_hash::FxHashSet::default();
        let keep: Vec<bool> = declared
            .iter()
            .map(|t| seen.insert(t.label.name.as_str()))
            .collect();
        drop(seen);
        // Collecting in place would keep the pushed vector's spare capacity.
        let targets: Vec<Target> = toolcheck_syntax::exact(
            declared
                .into_iter()
                .zip(keep)
                .filter_map(|(t, keep)| keep.then_some(t))
                .collect(),
        );
        let mut by_name: Box<[u32]> = (0..targets.len() as u32).collect();
        by_name.sort_by(|&a, &b| {
            targets[a as usize]
                .label
                .name
                .cmp(&targets[b as usize].label.name)
        });
        PackageUnit {
            id,
            package,
            targets: targets.into_boxed_slice(),
            eval_limits: eval_limits.into_boxed_slice(),
            macro_gaps: macro_gaps.into_boxed_slice(),
            by_name,
            build_settings: Box::default(),
        }
    }

    pub fn target(&self, name: &str) -> Option<&Target> {
        let i = self
            .by_name
            .binary_search_by(|&i| self.targets[i as usize].label.name.as_str().cmp(name))
            .ok()?;
        Some(&self.targets[self.by_name[i] as usize])
    }
}

/// Which targets of each BUILD file that shares its package it owns: a file's declaration of
/// a name wins unless an earlier file of the package declares it (what [`Targets::get`]
/// finds).
fn ownership(units: &[Option<Arc<PackageUnit>>], layout: &Layout) -> FxHashMap<FileId, Vec<bool>> {
    let mut out = FxHashMap::default();
    for files in &layout.shared {
        let mut earlier: rustc_hash::FxHashSet<&str> = Default::default();
        for &f in files {
            let Some(u) = units[f.0 as usize].as_deref() else {
                continue;
            };
            let names = u.targets.iter().map(|t| t.label.name.as_str());
            out.insert(f, names.clone().map(|n| !earlier.contains(n)).collect());
            earlier.extend(names);
        }
    }
    out
}

/// Which BUILD files make up each package (normally one; a directory with both `BUILD` and
/// `BUILD.bazel` has two, in file order). Depends only on the set of files.
///
/// File ids rather than maps keyed by [`PackageId`]: a map from every package to a vector of
/// its files cost about 200 bytes a package (21 MB at 100,000 packages), these tables about
/// 25.
#[derive(Debug, Default)]
struct Layout {
    /// Every BUILD file, sorted by its package and then by file, so that the files of a
    /// package are adjacent and in file order.
    ordered: Vec<FileId>,
    /// The BUILD files of each package hash, in file order (more than one for a package with
    /// two BUILD files, or a collision).
    by_hash: FileIdsByHash,
    /// The BUILD files of each package that has more than one (a directory with both `BUILD`
    /// and `BUILD.bazel`), in file order: only their targets need an owner.
    shared: Vec<Vec<FileId>>,
}

impl Layout {
    fn new(units: &[Option<Arc<PackageUnit>>]) -> Layout {
        let id = |f: &FileId| &units[f.0 as usize].as_ref().expect("a BUILD file").id;
        let mut layout = Layout::default();
        for (i, u) in units.iter().enumerate() {
            let Some(u) = u else { continue };
            let file = FileId(i as u32);
            layout.ordered.push(file);
            layout
                .by_hash
                .insert(repo_path_hash(u.id.repo, &u.id.path), file);
        }
        // Stable: the files of a package stay in file order.
        layout.ordered.sort_by(|a, b| id(a).cmp(id(b)));
        layout.shared = layout
            .ordered
            .chunk_by(|a, b| id(a) == id(b))
            .filter(|files| files.len() > 1)
            .map(<[FileId]>::to_vec)
            .collect();
        layout
    }

    /// The BUILD files whose package hashes to `hash`, in file order.
    fn files_with_hash(&self, hash: u64) -> &[FileId] {
        self.by_hash.get(hash)
    }
}

/// Every package and target of the workspace, by BUILD file.
#[derive(Clone, Debug, Default)]
pub struct Targets {
    /// Indexed by `FileId`; `Some` exactly for BUILD files.
    units: Vec<Option<Arc<PackageUnit>>>,
    layout: Arc<Layout>,
    /// For each BUILD file that shares its package: which of its targets it owns (no earlier
    /// file of the package declares the name). Decided once per table, not per query.
    owned: Arc<FxHashMap<FileId, Vec<bool>>>,
}

impl Targets {
    /// Builds the tables from every BUILD file's unit (`units[i]` belongs to `FileId(i)`).
    pub fn new(units: Vec<Option<Arc<PackageUnit>>>) -> Targets {
        let layout = Layout::new(&units);
        let owned = Arc::new(ownership(&units, &layout));
        Targets {
            units,
            layout: Arc::new(layout),
            owned,
        }
    }

    /// The same table with some BUILD files' units replaced (their packages unchanged).
    pub fn with_units(&self, replaced: Vec<(FileId, Arc<PackageUnit>)>) -> Targets {
        let mut units = self.units.clone();
        for (file, unit) in replaced {
            debug_assert!(units[file.0 as usize]
                .as_ref()
                .is_some_and(|u| u.id == unit.id));
            units[file.0 as usize] = Some(unit);
        }
        let owned = if self.layout.shared.is_empty() {
            self.owned.clone()
        } else {
            Arc::new(ownership(&units, &self.layout))
        };
        Targets {
            units,
            layout: self.layout.clone(),
            owned,
        }
    }

    /// The unit of a BUILD file.
    pub fn unit(&self, file: FileId) -> Option<&Arc<PackageUnit>> {
        self.units.get(file.0 as usize).and_then(|u| u.as_ref())
    }

    /// Every unit, in file order.
    pub fn units(&self) -> impl Iterator<Item = &PackageUnit> {
        self.units.iter().flatten().map(|u| &**u)
    }

    fn files_of<'a, 'k>(
        &'a self,
        repo: &'k RepoName,
        path: &'k str,
    ) -> impl Iterator<Item = &'a PackageUnit> + use<'a, 'k> {
        self.layout
            .files_with_hash(repo_path_hash(*repo, path))
            .iter()
            .filter_map(|f| self.unit(*f).map(|u| &**u))
            .filter(move |u| u.id.repo == *repo && u.id.path == path)
    }

    pub fn get(&self, label: &Label) -> Option<&Target> {
        self.files_of(&label.repo, &label.package)
            .find_map(|u| u.target(&label.name))
    }

    pub fn contains_key(&self, label: &Label) -> bool {
        self.get(label).is_some()
    }

    /// The targets of `file`'s unit that it owns, in declaration order (all of them unless
    /// another BUILD file shares its package).
    fn owned_targets<'a>(
        &'a self,
        file: FileId,
        u: &'a PackageUnit,
    ) -> impl Iterator<Item = &'a Target> + use<'a> {
        let owned = self.owned.get(&file);
        u.targets
            .iter()
            .enumerate()
            .filter(move |(j, _)| owned.is_none_or(|o| o[*j]))
            .map(|(_, t)| t)
    }

    /// Every target, by BUILD file in file order, then in declaration order.
    pub fn values(&self) -> impl Iterator<Item = &Target> {
        self.units.iter().enumerate().flat_map(move |(i, u)| {
            u.as_deref()
                .into_iter()
                .flat_map(move |u| self.owned_targets(FileId(i as u32), u))
        })
    }

    /// Every target, ordered by BUILD file and then by position in it (ties in declaration
    /// order): the order checks report in.
    pub fn values_by_position(&self) -> impl Iterator<Item = &Target> {
        self.values_by_position_in(|_| true)
    }

    /// [`values_by_position`](Self::values_by_position) of the BUILD files `keep` accepts.
    pub fn values_by_position_in<'a, F: Fn(FileId) -> bool>(
        &'a self,
        keep: F,
    ) -> impl Iterator<Item = &'a Target> + use<'a, F> {
        let units = self.units.iter().enumerate().filter_map(move |(i, u)| {
            let u = u.as_deref()?;
            let file = FileId(i as u32);
            keep(file).then_some((file, u))
        });
        units.flat_map(move |(file, u)| {
            let mut v: Vec<&Target> = self.owned_targets(file, u).collect();
            v.sort_by_key(|t| t.range.start);
            v
        })
    }

    /// Every target's label, in the order of [`values`](Self::values).
    pub fn keys(&self) -> impl Iterator<Item = &Label> {
        self.values().map(|t| &t.label)
    }

    pub fn len(&self) -> usize {
        self.values().count()
    }

    pub fn is_empty(&self) -> bool {
        self.values().next().is_none()
    }

    /// A package (when a directory has two BUILD files, the later one in file order).
    pub fn package(&self, id: &PackageId) -> Option<&Package> {
        self.files_of(&id.repo, &id.path).last().map(|u| &u.package)
    }

    /// The target names of [`package`](Self::package), in declaration order.
    pub fn package_names(&self, id: &PackageId) -> Option<impl Iterator<Item = &Sym>> {
        let unit = self.files_of(&id.repo, &id.path).last()?;
        Some(unit.targets.iter().map(|t| &t.label.name))
    }

    /// Packages in order, restricted to a range of ids.
    pub fn packages_in(
        &self,
        range: impl RangeBounds<PackageId>,
    ) -> impl Iterator<Item = (&PackageId, &Package)> {
        use std::ops::Bound;
        let ordered = &self.layout.ordered;
        let id = |f: &FileId| &self.units[f.0 as usize].as_ref().expect("a BUILD file").id;
        let start = match range.start_bound() {
            Bound::Included(b) => ordered.partition_point(|f| id(f) < b),
            Bound::Excluded(b) => ordered.partition_point(|f| id(f) <= b),
            Bound::Unbounded => 0,
        };
        let end = match range.end_bound() {
            Bound::Included(b) => ordered.partition_point(|f| id(f) <= b),
            Bound::Excluded(b) => ordered.partition_point(|f| id(f) < b),
            Bound::Unbounded => ordered.len(),
        };
        let slice = &ordered[start..end.max(start)];
        // The last file of each package's run, as the package's entry.
        slice.iter().enumerate().filter_map(move |(k, f)| {
            if slice.get(k + 1).is_some_and(|next| id(next) == id(f)) {
                return None;
            }
            let unit = self.unit(*f)?;
            Some((&unit.id, &unit.package))
        })
    }

    /// Every package, ordered by id.
    pub fn packages(&self) -> impl Iterator<Item = (&PackageId, &Package)> {
        self.packages_in(..)
    }
}

impl std::ops::Index<&Label> for Targets {
    type Output = Target;
    fn index(&self, label: &Label) -> &Target {
        self.get(label).expect("no target with this label")
    }
}

#[cfg(test)]
mod tests {
    /// The sizes BENCHMARKS.md ("Memory, 2026-12-07") and ARCHITECTURE.md account with, on
    /// 64-bit targets: facts and units hold one of these per value, call or target, so a
    /// field that grows one of them is worth noticing (at 100,000 packages, 8 bytes more per
    /// `Target` is about 4 MB, per `Expr` about 25 MB).
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn sizes_of_what_facts_and_units_hold_per_item() {
        use std::mem::size_of;
        assert_eq!(size_of::<crate::expr::Expr>(), 24);
        assert_eq!(size_of::<crate::expr::Kwarg>(), 32);
        assert_eq!(size_of::<crate::expr::Call>(), 64);
        assert_eq!(size_of::<crate::facts::TopCall>(), 72);
        assert_eq!(size_of::<Option<crate::index::MacroCall>>(), 24);
        assert_eq!(size_of::<crate::label::Label>(), 24);
        assert_eq!(size_of::<crate::index::Decl>(), 24);
        assert_eq!(size_of::<crate::index::Target>(), 112);
    }
}
