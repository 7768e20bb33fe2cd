//! Bzlmod module versions as MODULE.bazel writes them (`bazel_dep(version = "0.0.10")`,
//! `single_version_override(version = ...)`) and their order.
//!
//! Bazel compares versions by their release part (dot-separated identifiers, numbers before
//! other identifiers) and puts a prerelease (`-rc1`) before its release; a build suffix
//! (`+build`) is ignored. This is that order, so that "at least release X" can be asked of the
//! version a workspace requests.

use std::cmp::Ordering;

/// A parsed module version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModuleVersion {
    release: Vec<Identifier>,
    prerelease: Vec<Identifier>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Identifier {
    // Declared first: numbers order before text, as in Bazel's `Version`.
    Number(u64),
    Text(String),
}

impl Identifier {
    fn parse(s: &str) -> Option<Identifier> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return None;
        }
        if s.bytes().all(|b| b.is_ascii_digit()) {
            // Out-of-range numbers are compared as text: still a total order, never a panic.
            return Some(
                s.parse()
                    .map_or_else(|_| Identifier::Text(s.to_string()), Identifier::Number),
            );
        }
        Some(Identifier::Text(s.to_string()))
    }
}

impl ModuleVersion {
    /// Parses `1.2.3`, `0.0.4.bcr.1`, `1.0.0-rc1`, `2.0+build`; `None` for the empty version
    /// (which Bazel treats as "any") and for malformed text.
    pub fn parse(text: &str) -> Option<ModuleVersion> {
        let text = text.split('+').next().unwrap_or(text);
        let (release, prerelease) = match text.split_once('-') {
            Some((r, p)) => (r, Some(p)),
            None => (text, None),
        };
        let idents = |s: &str| {
            s.split('.')
                .map(Identifier::parse)
                .collect::<Option<Vec<_>>>()
        };
        let release = idents(release)?;
        let prerelease = match prerelease {
            Some(p) => idents(p)?,
            None => Vec::new(),
        };
        Some(ModuleVersion {
            release,
            prerelease,
        })
    }
}

impl Ord for ModuleVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.release.cmp(&other.release).then_with(|| {
            match (self.prerelease.is_empty(), other.prerelease.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => self.prerelease.cmp(&other.prerelease),
            }
        })
    }
}

impl PartialOrd for ModuleVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::ModuleVersion;

    fn v(s: &str) -> ModuleVersion {
        ModuleVersion::parse(s).unwrap()
    }

    #[test]
    fn order() {
        assert!(v("0.0.10") > v("0.0.9"));
        assert!(v("1.0.0") > v("0.0.11"));
        assert!(v("0.0.4.bcr.1") > v("0.0.4"));
        assert!(v("0.0.4.bcr.1") < v("0.0.5"));
        assert!(v("1.1.0-rc1") < v("1.1.0"));
        assert!(v("1.1.0-rc1") > v("1.0.0"));
        assert!(v("1.1.0-rc1") < v("1.1.0-rc2"));
        assert!(v("1.1.0-rc-1") < v("1.1.0"));
        assert_eq!(v("1.0+build"), v("1.0"));
        assert!(v("1.0.0") > v("1.0"));
        // Numbers before text, as Bazel orders identifiers.
        assert!(v("1.a") > v("1.2"));
    }

    #[test]
    fn malformed() {
        for bad in ["", "1..2", ".1", "1.", "1.0-", "-rc1", "1.0 beta", "v1.0/2"] {
            assert_eq!(ModuleVersion::parse(bad), None, "{bad}");
        }
        assert!(ModuleVersion::parse("99999999999999999999999.1").is_some());
    }
}
