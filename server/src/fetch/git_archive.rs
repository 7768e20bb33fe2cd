//! `git_override` sources that a forge also serves as a plain archive: a `remote` on
//! github.com or gitlab.com and a full 40-hex `commit` name one tarball the forge generates
//! from that commit, whose top directory is `<repository>-<commit>`.
//!
//! No integrity is pinned, and a git commit is no digest of an archive, so trust is
//! established as far as it can be without cloning, and said so:
//! - only a full commit id is accepted (a branch, a tag or a short id can move);
//! - the download is over HTTPS from the forge the `remote` names;
//! - the archive's top directory must be `<repository>-<commit>`: the forge names it after the
//!   commit it archived, so an archive of another commit or repository is refused;
//! - trust on first use: the SHA-256 of the first verified download is recorded in toolcheck's
//!   cache ([`pin_file`]), and from then on the archive is a pinned one, verified like any
//!   `integrity` (a forge that later serves different bytes for the same commit is an error,
//!   not a silent change). `toolcheck fetch` prints that digest so the user can pin it in
//!   MODULE.bazel (`archive_override(integrity = ...)`).

use std::path::{Path, PathBuf};

/// Where a forge serves a commit as an archive, and the archive's top directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GitArchive {
    pub url: String,
    pub top_dir: String,
}

/// The archive URL of `remote` at `commit`, or why there is none.
pub fn archive_of(remote: &str, commit: Option<&str>) -> Result<GitArchive, String> {
    let commit = commit.ok_or(
        "it names no commit (a branch or tag can move; toolcheck fetch takes only a full commit id)",
    )?;
    if commit.len() != 40 || !commit.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "commit '{commit}' is not a full 40-hex commit id (a short id, a branch or a tag can move)"
        ));
    }
    let commit = commit.to_ascii_lowercase();
    let (host, path) = split_remote(remote).ok_or_else(|| {
        format!("remote '{remote}' is not an https:// or git@ URL of a forge toolcheck knows")
    })?;
    let path = path.trim_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    let segments: Vec<&str> = path.split('/').collect();
    let safe = |s: &str| {
        !s.is_empty()
            && s != "."
            && s != ".."
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    if !segments.iter().all(|s| safe(s)) {
        return Err(format!(
            "remote '{remote}' has an unexpected repository path"
        ));
    }
    let name = *segments.last().unwrap_or(&"");
    let top_dir = format!("{name}-{commit}");
    match host.as_str() {
        "github.com" if segments.len() == 2 => Ok(GitArchive {
            url: format!("https://github.com/{path}/archive/{commit}.tar.gz"),
            top_dir,
        }),
        "gitlab.com" if segments.len() >= 2 => Ok(GitArchive {
            url: format!("https://gitlab.com/{path}/-/archive/{commit}/{name}-{commit}.tar.gz"),
            top_dir,
        }),
        _ => Err(format!(
            "remote '{remote}' is not a github.com or gitlab.com repository, whose archive URLs toolcheck knows"
        )),
    }
}

/// The host (lower case) and path of `https://host/path`, `git@host:path` or
/// `ssh://git@host/path`.
fn split_remote(remote: &str) -> Option<(String, String)> {
    let remote = remote.trim();
    let rest = remote
        .strip_prefix("https://")
        .or_else(|| remote.strip_prefix("ssh://"))
        .or_else(|| remote.strip_prefix("git://"));
    let (host, path) = match rest {
        Some(r) => r.split_once('/')?,
        None => remote.strip_prefix("git@")?.split_once(':')?,
    };
    let host = host.rsplit('@').next()?.to_ascii_lowercase();
    Some((host, path.to_string()))
}

/// Where the digest of the first verified download of `url` is kept in `cache`.
pub fn pin_file(cache: &Path, url: &str) -> PathBuf {
    cache.join("git-pins").join(format!(
        "{}.sri",
        &super::integrity::sha256_hex(url.as_bytes())[..32]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const C: &str = "0123456789abcdef0123456789ABCDEF01234567";

    #[test]
    fn forge_archive_urls() {
        let lower = C.to_ascii_lowercase();
        for remote in [
            "https://github.com/bazelbuild/rules_cc.git",
            "https://github.com/bazelbuild/rules_cc",
            "git@github.com:bazelbuild/rules_cc.git",
            "ssh://git@GitHub.com/bazelbuild/rules_cc.git",
        ] {
            assert_eq!(
                archive_of(remote, Some(C)),
                Ok(GitArchive {
                    url: format!("https://github.com/bazelbuild/rules_cc/archive/{lower}.tar.gz"),
                    top_dir: format!("rules_cc-{lower}"),
                }),
                "{remote}"
            );
        }
        assert_eq!(
            archive_of("https://gitlab.com/group/sub/tools.git", Some(C)),
            Ok(GitArchive {
                url: format!(
                    "https://gitlab.com/group/sub/tools/-/archive/{lower}/tools-{lower}.tar.gz"
                ),
                top_dir: format!("tools-{lower}"),
            })
        );
    }

    #[test]
    fn what_has_no_archive_is_refused_with_a_reason() {
        let err = |remote: &str, commit: Option<&str>| archive_of(remote, commit).unwrap_err();
        assert!(err("https://github.com/a/b", None).contains("no commit"));
        assert!(err("https://github.com/a/b", Some("main")).contains("40-hex"));
        assert!(err("https://github.com/a/b", Some(&C[..12])).contains("40-hex"));
        assert!(err("https://example.org/a/b", Some(C)).contains("github.com or gitlab.com"));
        assert!(err("https://github.com/a/b/c", Some(C)).contains("github.com or gitlab.com"));
        assert!(err("https://github.com/a/..", Some(C)).contains("unexpected"));
        assert!(err("https://github.com/a/b?x=1", Some(C)).contains("unexpected"));
        assert!(err("file:///srv/git/b", Some(C)).contains("https://"));
    }
}
