//! The workspace as analysis input: repositories, files (identified by [`FileId`], with their
//! repository and repository-relative path), `.bazelrc` files and command-line settings.
//!
//! This is plain data filled by a loader (the server's disk loader, or tests); nothing here
//! does I/O.
//!
//! File ids are stable for the workspace's lifetime: a removed file leaves a tombstone in its
//! slot (its path stays, its text is emptied), so every vector indexed by `FileId` stays
//! aligned and no other file's id changes. A tombstone's slot is only ever reused by the same
//! path coming back. [`Workspace::file_ids`] yields live files only; code that keeps a
//! per-slot vector sizes it by `files.len()` and asks [`Workspace::is_removed`].

use std::sync::Arc;

use toolcheck_syntax::FileKind;

use crate::label::{PackageId, RepoName};

/// An opaque file handle. Paths are looked up through the [`Workspace`]. Stable: removing
/// a file never changes another file's id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// How toolcheck learned about a repository.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RepoOrigin {
    Main,
    /// `local_path_override(module_name = ...)` in MODULE.bazel.
    LocalPathOverride,
    /// `local_repository` / `new_local_repository` in WORKSPACE.
    LocalRepository,
    /// `--repo NAME=DIR` on the command line.
    Explicit,
    /// A directory under the output base's `external/`.
    OutputBase,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepoInfo {
    /// The canonical name toolcheck uses (the main repository is `""`).
    pub name: RepoName,
    /// Where the repository lives, for display (an absolute or workspace-relative path).
    pub root_display: String,
    /// Workspace-relative prefix of this repository's files when it lives inside the main
    /// workspace (used to print paths relative to the workspace root).
    pub display_prefix: String,
    pub origin: RepoOrigin,
    /// The module this repository holds, when it is a bzlmod module.
    pub module_name: Option<String>,
}

#[derive(Clone, Debug)]
pub struct SourceFile {
    pub repo: RepoName,
    /// Path relative to the repository root, with `/` separators.
    pub path: String,
    pub kind: FileKind,
    pub text: Arc<str>,
    /// A tombstone: the file was removed, its slot is kept so that ids stay stable.
    removed: bool,
}

impl SourceFile {
    /// The directory of this file inside its repository (`""` for the root).
    pub fn dir(&self) -> &str {
        self.path.rfind('/').map(|i| &self.path[..i]).unwrap_or("")
    }
    pub fn file_name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
    /// Whether this slot is the tombstone of a removed file.
    pub fn is_removed(&self) -> bool {
        self.removed
    }
}

/// A problem the loader met reading the workspace (turned into diagnostics by the analysis).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadProblem {
    /// Display path (workspace-relative where possible).
    pub path: String,
    /// The file the problem is about, when it was still added to the workspace.
    pub file: Option<FileId>,
    pub message: String,
    pub severity_error: bool,
}

/// Analysis settings that come from the command line or the editor, not from files.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// `--bazel-version`; `None` means `.bazelversion`, else the newest supported.
    pub bazel_version: Option<String>,
    /// Extra Bazel flags, as if given on the command line after the rc files.
    pub command_line_flags: Vec<String>,
    /// Target platforms of interest, from the configuration file.
    pub target_platforms: Vec<String>,
    /// The host platform's label, overriding the rc files and autodetection.
    pub host_platform: Option<String>,
    /// What Bazel's autodetected host platform holds (spec §2.6).
    pub host_constraints: HostConstraints,
    /// The machine [`HostConstraints::Detect`] describes, as the loader read it. The analysis
    /// never looks at the machine it runs on (it is a pure function of its inputs, and its
    /// tests must mean the same everywhere); `None` leaves a detected host unknown.
    pub host_machine: Option<HostMachine>,
}

/// A machine Bazel could run on, in the vocabulary of Rust's `std::env::consts` (`os`:
/// `linux`, `macos`, `windows`, ...; `arch`: `x86_64`, `aarch64`, `powerpc64`, `s390x`, ...).
/// Endianness is separate because Rust names both 64-bit PowerPCs `powerpc64` while Bazel
/// tells them apart.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct HostMachine {
    pub os: String,
    pub arch: String,
    pub little_endian: bool,
}

/// The constraint values of Bazel's autodetected host platform (`@platforms//host`,
/// `@local_config_platform//:host`), which Bazel reads from the machine it runs on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum HostConstraints {
    /// The machine in [`Settings::host_machine`], mapped as Bazel maps it.
    #[default]
    Detect,
    /// Not known: what depends on the host is reported as undecided.
    Unknown,
    /// These constraint values (labels as the main repository writes them).
    Labels(Vec<String>),
}

/// Everything the analysis reads.
#[derive(Clone, Debug, Default)]
pub struct Workspace {
    pub repos: Vec<RepoInfo>,
    pub files: Vec<SourceFile>,
    /// Repositories named by the workspace that toolcheck could not read (no directory known).
    pub invisible_repos: Vec<String>,
    /// `.bazelrc` files in Bazel's reading order (imports inlined), as `(display path, text)`.
    pub rc_files: Vec<(String, FileId)>,
    /// `.bazelversion` contents, if present.
    pub bazel_version_file: Option<String>,
    pub problems: Vec<LoadProblem>,
    pub settings: Settings,
    /// Repository names that designate the main repository itself (a `local_repository`
    /// whose path is the workspace root).
    pub main_aliases: Vec<String>,
    /// How many slots of `files` are tombstones: a workspace being loaded has none, so adding
    /// a file need not look for its old slot (a scan per file was quadratic at 100k files).
    /// Kept by [`Workspace::add_file`] and [`Workspace::remove_file`]; public only so other
    /// crates can build a `Workspace { .., ..Default::default() }`.
    pub tombstones: usize,
}

impl RepoInfo {
    /// The main repository, rooted at `root_display`.
    pub fn main(root_display: impl Into<String>) -> RepoInfo {
        RepoInfo {
            name: RepoName::main(),
            root_display: root_display.into(),
            display_prefix: String::new(),
            origin: RepoOrigin::Main,
            module_name: None,
        }
    }
}

impl Workspace {
    /// A workspace holding only its (empty) main repository, rooted at `root_display`.
    pub fn with_main_repo(root_display: impl Into<String>) -> Workspace {
        Workspace {
            repos: vec![RepoInfo::main(root_display)],
            ..Workspace::default()
        }
    }

    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }
    /// Every live file, in id order (tombstones of removed files are skipped).
    pub fn file_ids(&self) -> impl Iterator<Item = FileId> + '_ {
        (0..self.files.len() as u32)
            .map(FileId)
            .filter(|&id| !self.is_removed(id))
    }
    /// Whether `id` is the tombstone of a removed file (or no file at all).
    pub fn is_removed(&self, id: FileId) -> bool {
        self.files.get(id.0 as usize).is_none_or(|f| f.removed)
    }
    /// How many files are live (slots minus tombstones).
    pub fn live_file_count(&self) -> usize {
        self.files.iter().filter(|f| !f.removed).count()
    }
    pub fn repo(&self, name: &RepoName) -> Option<&RepoInfo> {
        self.repos.iter().find(|r| &r.name == name)
    }
    /// Adds a file and returns its id. A path that was removed before gets its old id back
    /// (its tombstone is revived); any other path gets a new slot.
    pub fn add_file(
        &mut self,
        repo: RepoName,
        path: impl Into<String>,
        kind: FileKind,
        text: Arc<str>,
    ) -> FileId {
        let path = path.into();
        let tombstone = if self.tombstones == 0 {
            None
        } else {
            self.files
                .iter()
                .position(|f| f.removed && f.repo == repo && f.path == path)
        };
        let file = SourceFile {
            repo,
            path,
            kind,
            text,
            removed: false,
        };
        match tombstone {
            Some(i) => {
                self.files[i] = file;
                self.tombstones -= 1;
                FileId(i as u32)
            }
            None => {
                self.files.push(file);
                FileId(self.files.len() as u32 - 1)
            }
        }
    }
    /// Removes a file, leaving a tombstone: its slot keeps the path (so the same path can
    /// come back under the same id) and loses its text; its rc file entries and load
    /// problems go. Returns whether a live file was removed.
    pub fn remove_file(&mut self, id: FileId) -> bool {
        if self.is_removed(id) {
            return false;
        }
        let f = &mut self.files[id.0 as usize];
        f.removed = true;
        self.tombstones += 1;
        f.text = Arc::from("");
        self.rc_files.retain(|(_, f)| *f != id);
        self.problems.retain(|p| p.file != Some(id));
        true
    }
    /// The path of a file relative to the workspace root when its repository lives inside
    /// the workspace, else `@repo//path`.
    pub fn display_path(&self, id: FileId) -> String {
        let f = self.file(id);
        match self.repo(&f.repo) {
            Some(r) if r.name.is_main() => f.path.clone(),
            Some(r) if !r.display_prefix.is_empty() => format!("{}/{}", r.display_prefix, f.path),
            Some(r) => format!("{}/{}", r.root_display.trim_end_matches('/'), f.path),
            None => format!("@{}//{}", f.repo.as_str(), f.path),
        }
    }
    /// The package a BUILD file defines.
    pub fn package_of_build_file(&self, id: FileId) -> PackageId {
        let f = self.file(id);
        PackageId::new(f.repo.clone(), f.dir())
    }
}
