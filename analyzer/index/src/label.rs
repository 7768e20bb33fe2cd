//! Bazel labels and target patterns as typed values: parsing of every written form, resolution
//! against a package and a repository mapping, and Bazel's display form.
//!
//! Past the lowering layer labels are [`Label`] values, never strings. A [`Label`] names its
//! repository by canonical name (the main repository is the empty name); apparent names
//! (`@foo`) only exist in [`RawLabel`], before a [`RepoMapping`] is applied.

use std::fmt;

use rustc_hash::FxHashMap;
pub use smol_str::SmolStr;

use crate::expr::{sym, Sym};

/// A canonical repository name. The main repository is `""`.
///
/// Interned ([`Sym`]) like every part of a [`Label`]: the few repositories of a workspace
/// are named in every label.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RepoName(pub Sym);

impl RepoName {
    pub fn main() -> RepoName {
        RepoName(Sym::default())
    }
    pub fn new(name: impl AsRef<str>) -> RepoName {
        RepoName(sym(name.as_ref()))
    }
    pub fn is_main(&self) -> bool {
        self.0.is_empty()
    }
    pub fn as_str(&self) -> &'static str {
        self.0.as_str()
    }
}

/// A fully resolved label: canonical repository, package path and target name.
///
/// The parts are interned strings ([`Sym`], 8 bytes each; a label is 24 bytes and `Copy`):
/// a workspace holds a label for every target and reference, and the parts repeat (every
/// target of a package repeats its repository and package, and names like `lib` or `test`
/// recur in every package). Interned strings live as long as the process, which is what a
/// workspace's names do anyway; the language server's memory grows only by names that were
/// never seen before. Ordering and equality are those of the strings, field by field, as
/// with owned strings; hashing uses the interner's precomputed hash (nothing's output
/// follows hash order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Label {
    pub repo: RepoName,
    pub package: Sym,
    pub name: Sym,
}

impl Label {
    pub fn new(repo: RepoName, package: impl AsRef<str>, name: impl AsRef<str>) -> Label {
        Label {
            repo,
            package: sym(package.as_ref()),
            name: sym(name.as_ref()),
        }
    }

    /// Parses a label written in the main repository's root package (tests, CLI flags).
    pub fn parse_main(text: &str) -> Result<Label, LabelError> {
        RawLabel::parse(text)?.resolve(&LabelContext::main_root(&RepoMapping::default()))
    }

    /// The package this label belongs to.
    pub fn package_id(&self) -> PackageId {
        PackageId {
            repo: self.repo,
            path: self.package,
        }
    }
}

/// Bazel's display form: `//pkg:name` in the main repository, `@repo//pkg:name` elsewhere.
impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.repo.is_main() {
            write!(f, "@{}", self.repo.0)?;
        }
        write!(f, "//{}:{}", self.package, self.name)
    }
}

/// A package: a repository and a path inside it (interned, like a [`Label`]'s parts).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PackageId {
    pub repo: RepoName,
    pub path: Sym,
}

impl PackageId {
    pub fn new(repo: RepoName, path: impl AsRef<str>) -> PackageId {
        PackageId {
            repo,
            path: sym(path.as_ref()),
        }
    }
}

impl fmt::Display for PackageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.repo.is_main() {
            write!(f, "@{}", self.repo.0)?;
        }
        write!(f, "//{}", self.path)
    }
}

/// How a label string names its repository, before repository mapping.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RawRepo {
    /// No `@`: the repository of the context the string is resolved in.
    Current,
    /// `@//...` or `@@//...`: always the main repository.
    Main,
    /// `@name//...`: looked up in the context's repository mapping.
    Apparent(String),
    /// `@@name//...`: never remapped.
    Canonical(String),
}

/// A label as written, before it is resolved against a package and a repository mapping.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RawLabel {
    pub repo: RawRepo,
    /// `None` for package-relative labels (`:x`, `x`).
    pub package: Option<String>,
    pub name: String,
}

/// Why a label string is not a valid label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelError(pub String);

impl fmt::Display for LabelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn err<T>(msg: impl Into<String>) -> Result<T, LabelError> {
    Err(LabelError(msg.into()))
}

fn valid_repo_name(name: &str, canonical: bool) -> bool {
    !name.is_empty()
        && name.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, '_' | '-' | '.')
                || (canonical && matches!(c, '~' | '+'))
        })
}

fn check_package(pkg: &str) -> Result<(), LabelError> {
    if pkg.starts_with('/') || pkg.ends_with('/') {
        return err(format!(
            "invalid package name '{pkg}': package names may not start or end with '/'"
        ));
    }
    if pkg.contains("//") {
        return err(format!(
            "invalid package name '{pkg}': package names may not contain '//'"
        ));
    }
    for seg in pkg.split('/').filter(|s| !s.is_empty()) {
        if seg == "." || seg == ".." {
            return err(format!(
                "invalid package name '{pkg}': package names may not contain '.' or '..' segments"
            ));
        }
    }
    if pkg.contains(':') || pkg.chars().any(|c| c.is_control()) {
        return err(format!("invalid package name '{pkg}'"));
    }
    Ok(())
}

fn check_name(name: &str) -> Result<(), LabelError> {
    if name.is_empty() {
        return err("empty target name");
    }
    if name.starts_with('/') || name.ends_with('/') || name.contains("//") {
        return err(format!("invalid target name '{name}': target names may not start or end with '/' or contain '//'"));
    }
    for seg in name.split('/') {
        if seg == ".." || seg == "." {
            return err(format!(
                "invalid target name '{name}': target names may not contain '.' or '..' segments"
            ));
        }
    }
    if name.chars().any(|c| c.is_control() || c == ':') {
        return err(format!("invalid target name '{name}'"));
    }
    Ok(())
}

impl RawLabel {
    /// Parses every label form Bazel accepts: `@@repo//pkg:name`, `@repo//pkg:name`,
    /// `@//pkg:name`, `//pkg:name`, `//pkg` (= `//pkg:pkg`), `@repo` (= `@repo//:repo`), `:name`
    /// and `name`.
    pub fn parse(text: &str) -> Result<RawLabel, LabelError> {
        if text.is_empty() {
            return err("empty label");
        }
        if text.trim() != text {
            return err(format!(
                "invalid label '{text}': leading or trailing whitespace"
            ));
        }
        let (repo, rest) = if let Some(rest) = text.strip_prefix("@@") {
            match rest.find("//") {
                Some(i) => {
                    let name = &rest[..i];
                    let repo = if name.is_empty() {
                        RawRepo::Main
                    } else {
                        RawRepo::Canonical(name.to_string())
                    };
                    (repo, Some(&rest[i..]))
                }
                None => (RawRepo::Canonical(rest.to_string()), None),
            }
        } else if let Some(rest) = text.strip_prefix('@') {
            match rest.find("//") {
                Some(i) => {
                    let name = &rest[..i];
                    let repo = if name.is_empty() {
                        RawRepo::Main
                    } else {
                        RawRepo::Apparent(name.to_string())
                    };
                    (repo, Some(&rest[i..]))
                }
                None => (RawRepo::Apparent(rest.to_string()), None),
            }
        } else {
            (RawRepo::Current, Some(text))
        };
        match &repo {
            RawRepo::Apparent(n) if !valid_repo_name(n, false) => {
                return err(format!("invalid repository name '@{n}'"))
            }
            RawRepo::Canonical(n) if !valid_repo_name(n, true) => {
                return err(format!("invalid repository name '@@{n}'"))
            }
            _ => {}
        }
        let Some(rest) = rest else {
            // `@repo` alone is short for `@repo//:repo`.
            let name = match &repo {
                RawRepo::Apparent(n) | RawRepo::Canonical(n) => n.clone(),
                _ => return err(format!("invalid label '{text}'")),
            };
            return Ok(RawLabel {
                repo,
                package: Some(String::new()),
                name,
            });
        };
        if let Some(abs) = rest.strip_prefix("//") {
            let (pkg, name) = match abs.find(':') {
                Some(i) => (&abs[..i], abs[i + 1..].to_string()),
                None => {
                    let last = abs.rsplit('/').next().unwrap_or("");
                    if last.is_empty() {
                        return err(format!("invalid label '{text}': empty package shorthand"));
                    }
                    (abs, last.to_string())
                }
            };
            check_package(pkg)?;
            check_name(&name)?;
            Ok(RawLabel {
                repo,
                package: Some(pkg.to_string()),
                name,
            })
        } else if repo != RawRepo::Current {
            err(format!("invalid label '{text}'"))
        } else {
            let name = rest.strip_prefix(':').unwrap_or(rest);
            check_name(name)?;
            Ok(RawLabel {
                repo,
                package: None,
                name: name.to_string(),
            })
        }
    }

    /// Resolves against a package and repository mapping.
    pub fn resolve(&self, ctx: &LabelContext<'_>) -> Result<Label, LabelError> {
        let repo = match &self.repo {
            RawRepo::Current => *ctx.repo,
            RawRepo::Main => RepoName::main(),
            RawRepo::Canonical(n) => RepoName::new(n.clone()),
            RawRepo::Apparent(n) => match ctx.mapping.get(n) {
                Some(r) => r,
                None => {
                    return Err(LabelError(format!(
                        "no repository visible as '@{n}' from {}",
                        ctx.describe()
                    )))
                }
            },
        };
        let package = match &self.package {
            Some(p) => p.as_str(),
            None => ctx.package,
        };
        Ok(Label::new(repo, package, &self.name))
    }
}

/// Apparent repository names visible from one repository, mapped to canonical names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RepoMapping {
    map: FxHashMap<String, RepoName>,
    /// When set, names missing from the map resolve to a repository of the same canonical
    /// name (WORKSPACE mode, where apparent and canonical names are the same).
    pub identity_fallback: bool,
}

impl RepoMapping {
    pub fn insert(&mut self, apparent: impl Into<String>, canonical: RepoName) {
        self.map.entry(apparent.into()).or_insert(canonical);
    }
    pub fn get(&self, apparent: &str) -> Option<RepoName> {
        match self.map.get(apparent) {
            Some(r) => Some(*r),
            None if self.identity_fallback => Some(RepoName::new(apparent)),
            None => None,
        }
    }
    pub fn iter(&self) -> impl Iterator<Item = (&str, &RepoName)> {
        self.map.iter().map(|(k, v)| (k.as_str(), v))
    }
}

/// Where a label string is resolved: the repository and package it is written in, and the
/// repository mapping of that repository.
#[derive(Clone, Copy, Debug)]
pub struct LabelContext<'a> {
    pub repo: &'a RepoName,
    pub package: &'a str,
    pub mapping: &'a RepoMapping,
}

/// The main repository's name as a `'static` reference (an interned string is made at run
/// time, so it cannot be a plain `static`).
fn main_repo() -> &'static RepoName {
    static MAIN: std::sync::OnceLock<RepoName> = std::sync::OnceLock::new();
    MAIN.get_or_init(RepoName::main)
}

impl<'a> LabelContext<'a> {
    pub fn main_root(mapping: &'a RepoMapping) -> LabelContext<'a> {
        LabelContext {
            repo: main_repo(),
            package: "",
            mapping,
        }
    }
    fn describe(&self) -> String {
        if self.repo.is_main() {
            "the main repository".to_string()
        } else {
            format!("repository @{}", self.repo.0)
        }
    }
    /// Parses and resolves a label string in this context.
    pub fn resolve(&self, text: &str) -> Result<Label, LabelError> {
        RawLabel::parse(text)?.resolve(self)
    }
}

/// A target pattern as used by `register_toolchains`, `register_execution_platforms` and the
/// `--extra_*` flags.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TargetPattern {
    /// One explicitly named target, of any kind.
    Single(Label),
    /// `//pkg:all`, `//pkg:*`, `//pkg:all-targets`: every target of one package.
    AllInPackage(PackageId),
    /// `//pkg/...` (optionally `:all`/`:*`): every target of the package and its subpackages.
    Recursive(PackageId),
}

impl TargetPattern {
    /// Parses a pattern in `ctx`. A leading `-` (negative pattern) is reported by the caller.
    pub fn parse(text: &str, ctx: &LabelContext<'_>) -> Result<TargetPattern, LabelError> {
        let (base, suffix) = match text.rfind(':') {
            Some(i) if !text[i..].contains('/') => (&text[..i], Some(&text[i + 1..])),
            _ => (text, None),
        };
        let wildcard = matches!(suffix, Some("all" | "*" | "all-targets"));
        if let Some(prefix) = base.strip_suffix("...") {
            if suffix.is_some() && !wildcard {
                return err(format!("invalid target pattern '{text}'"));
            }
            let prefix = if prefix.ends_with("//") {
                prefix
            } else {
                prefix.strip_suffix('/').unwrap_or(prefix)
            };
            let probe = format!("{prefix}:x");
            let label = RawLabel::parse(&probe)
                .map_err(|e| LabelError(format!("invalid target pattern '{text}': {e}")))?;
            if label.package.is_none() {
                return err(format!(
                    "invalid target pattern '{text}': recursive patterns must be absolute"
                ));
            }
            let l = label.resolve(ctx)?;
            return Ok(TargetPattern::Recursive(l.package_id()));
        }
        if wildcard {
            let probe = format!("{base}:x");
            let label = RawLabel::parse(&probe)
                .map_err(|e| LabelError(format!("invalid target pattern '{text}': {e}")))?;
            let l = label.resolve(ctx)?;
            return Ok(TargetPattern::AllInPackage(l.package_id()));
        }
        Ok(TargetPattern::Single(RawLabel::parse(text)?.resolve(ctx)?))
    }

    /// Whether `pkg` is matched by this pattern's package part.
    pub fn matches_package(&self, pkg: &PackageId) -> bool {
        match self {
            TargetPattern::Single(l) => l.repo == pkg.repo && l.package == pkg.path,
            TargetPattern::AllInPackage(p) => p == pkg,
            TargetPattern::Recursive(p) => {
                p.repo == pkg.repo
                    && (p.path.is_empty()
                        || pkg.path == p.path
                        || (pkg.path.starts_with(p.path.as_str())
                            && pkg.path.as_bytes().get(p.path.len()) == Some(&b'/')))
            }
        }
    }
}

impl fmt::Display for TargetPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TargetPattern::Single(l) => write!(f, "{l}"),
            TargetPattern::AllInPackage(p) => write!(f, "{p}:all"),
            TargetPattern::Recursive(p) if p.path.is_empty() => write!(f, "{}...", p),
            TargetPattern::Recursive(p) => write!(f, "{p}/..."),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx_resolve(text: &str, pkg: &str) -> Result<String, LabelError> {
        let mut m = RepoMapping::default();
        m.insert("platforms", RepoName::new("platforms"));
        m.insert("foo", RepoName::new("foo+"));
        let repo = RepoName::main();
        let ctx = LabelContext {
            repo: &repo,
            package: pkg,
            mapping: &m,
        };
        ctx.resolve(text).map(|l| l.to_string())
    }

    #[test]
    fn forms() {
        assert_eq!(ctx_resolve("//a/b:c", "x").unwrap(), "//a/b:c");
        assert_eq!(ctx_resolve("//a/b", "x").unwrap(), "//a/b:b");
        assert_eq!(ctx_resolve(":c", "x/y").unwrap(), "//x/y:c");
        assert_eq!(ctx_resolve("c", "x/y").unwrap(), "//x/y:c");
        assert_eq!(
            ctx_resolve("@platforms//os:linux", "").unwrap(),
            "@platforms//os:linux"
        );
        assert_eq!(ctx_resolve("@foo//:bar", "").unwrap(), "@foo+//:bar");
        assert_eq!(ctx_resolve("@foo", "").unwrap(), "@foo+//:foo");
        assert_eq!(ctx_resolve("@@bar~//p:q", "").unwrap(), "@bar~//p:q");
        assert_eq!(ctx_resolve("@//p:q", "z").unwrap(), "//p:q");
        assert_eq!(ctx_resolve("@@//p:q", "z").unwrap(), "//p:q");
        assert!(ctx_resolve("@nope//p:q", "").is_err());
        assert!(ctx_resolve("//a/../b:c", "").is_err());
        assert!(ctx_resolve("//a:", "").is_err());
        assert!(ctx_resolve("", "").is_err());
        assert!(ctx_resolve("//", "").is_err());
    }

    #[test]
    fn patterns() {
        let m = RepoMapping {
            identity_fallback: true,
            ..Default::default()
        };
        let ctx = LabelContext::main_root(&m);
        let p = |t| TargetPattern::parse(t, &ctx).map(|p| p.to_string());
        assert_eq!(p("//tc:all").unwrap(), "//tc:all");
        assert_eq!(p("//tc:*").unwrap(), "//tc:all");
        assert_eq!(p("//tc/...").unwrap(), "//tc/...");
        assert_eq!(p("//tc/...:all").unwrap(), "//tc/...");
        assert_eq!(p("//...").unwrap(), "//...");
        assert_eq!(p("@r//...").unwrap(), "@r//...");
        assert_eq!(p("//tc:x").unwrap(), "//tc:x");
        assert!(p("//tc/...:x").is_err());
    }
}
