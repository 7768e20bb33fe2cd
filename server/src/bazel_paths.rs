//! Where Bazel keeps what it fetched for a workspace, found as Bazel's client computes it,
//! without running Bazel: the output user root, the output base
//! (`<output_user_root>/<md5 of the workspace path>`) and the repository cache; and where
//! toolcheck keeps its own downloads ([`toolcheck_cache_dir`]). The loader
//! (`vfs::Loader::load_output_base`) reads `external/` of every output base found here.
//!
//! Bazel's rules (its C++ client, `startup_options.cc` and `blaze_util_<os>.cc`):
//! - the output root is `$XDG_CACHE_HOME/bazel`, else `~/.cache/bazel` on Linux (releases
//!   before the XDG change always use `~/.cache/bazel`); `/var/tmp` on macOS (from Bazel 9
//!   `~/Library/Caches/bazel`, or `$XDG_CACHE_HOME/bazel`); on Windows `%HOME%`, else
//!   `%USERPROFILE%`; under a test (`$TEST_TMPDIR` set) it is `$TEST_TMPDIR`;
//! - the output user root is `<output root>/_bazel_<user>` unless `startup
//!   --output_user_root=DIR` says otherwise;
//! - the output base is `<output user root>/<md5 hex of the canonical workspace path>`
//!   unless `startup --output_base=DIR` says otherwise; on Windows the name is shorter:
//!   eight characters, one per byte of the first half of the MD5, from a 64-character
//!   alphabet ([`windows_base_name`]);
//! - the repository cache is `<output user root>/cache/repos/v1` unless `--repository_cache`
//!   names another directory (empty: disabled); `repo_cache` reads it.
//!
//! Startup options come from the rc files Bazel reads, in its order, the last one winning:
//! the system rc (`/etc/bazel.bazelrc`, `%ProgramData%\bazel.bazelrc` on Windows), the
//! workspace's `.bazelrc` (and the files it imports, as the loader reads them), then the
//! user's `~/.bazelrc` ([`user_rc_files`]). Only their `startup` and `--repository_cache`
//! lines are read here, to find directories: the user's build flags stay outside what
//! toolcheck simulates. (`--nosystem_rc`/`--nohome_rc` are startup options of a command
//! line toolcheck never sees, so both files are always read when they exist.) The
//! environment is passed in ([`Env`]) so that tests can describe any machine.

use std::path::{Path, PathBuf};

/// The parts of the environment Bazel's client reads to place its directories.
#[derive(Clone, Debug, Default)]
pub struct Env {
    pub os: String,
    pub home: Option<PathBuf>,
    pub user: Option<String>,
    pub xdg_cache_home: Option<PathBuf>,
    pub test_tmpdir: Option<PathBuf>,
    /// Windows' `%USERPROFILE%` (the output root when `%HOME%` is not set).
    pub userprofile: Option<PathBuf>,
    /// Windows' `%ProgramData%` (where the system rc file is).
    pub program_data: Option<PathBuf>,
}

impl Env {
    /// The environment of the process toolcheck runs in.
    pub fn current() -> Env {
        let path = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        Env {
            os: std::env::consts::OS.to_string(),
            home: path("HOME"),
            user: std::env::var("USER")
                .ok()
                .or_else(|| std::env::var("LOGNAME").ok())
                .or_else(|| std::env::var("USERNAME").ok())
                .filter(|u| !u.is_empty()),
            xdg_cache_home: path("XDG_CACHE_HOME"),
            test_tmpdir: path("TEST_TMPDIR"),
            userprofile: path("USERPROFILE"),
            program_data: path("ProgramData"),
        }
    }
}

/// The rc files outside the workspace that Bazel reads: the system rc (read before the
/// workspace's) and the user's `~/.bazelrc` (read after it). Whether they exist is the
/// caller's question.
pub fn user_rc_files(env: &Env) -> (Option<PathBuf>, Option<PathBuf>) {
    let system = if env.os == "windows" {
        env.program_data.as_ref().map(|p| p.join("bazel.bazelrc"))
    } else {
        Some(PathBuf::from("/etc/bazel.bazelrc"))
    };
    (system, env.home.as_ref().map(|h| h.join(".bazelrc")))
}

/// The startup and fetch options of the workspace's rc files that move Bazel's directories.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RcDirs {
    pub output_user_root: Option<PathBuf>,
    pub output_base: Option<PathBuf>,
    /// `--repository_cache`; `Some(None)`: the cache is disabled (an empty value).
    pub repository_cache: Option<Option<PathBuf>>,
}

/// Reads `startup --output_user_root`/`--output_base` and `--repository_cache` (on `common`,
/// `build`, `fetch`, `sync` and `query` lines without a config) from rc file texts, in the
/// order Bazel reads them (the last one wins). Relative paths are taken from `root`;
/// `%workspace%` is the workspace root.
pub fn rc_dirs<'a>(texts: impl IntoIterator<Item = &'a str>, root: &Path) -> RcDirs {
    let mut out = RcDirs::default();
    let path = |v: &str| {
        let v = v.trim_matches(|c| c == '"' || c == '\'');
        let v = v.replace("%workspace%", &root.to_string_lossy());
        let p = PathBuf::from(v);
        if p.is_absolute() {
            p
        } else {
            root.join(p)
        }
    };
    for text in texts {
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or_default();
            let mut words = line.split_whitespace();
            let Some(command) = words.next() else {
                continue;
            };
            let args: Vec<&str> = words.collect();
            let mut i = 0;
            while i < args.len() {
                let (name, inline) = match args[i].split_once('=') {
                    Some((n, v)) => (n, Some(v.to_string())),
                    None => (args[i], None),
                };
                let value = |i: &mut usize| {
                    inline.clone().or_else(|| {
                        *i += 1;
                        args.get(*i).map(|s| s.to_string())
                    })
                };
                match (command, name) {
                    ("startup", "--output_user_root") => {
                        out.output_user_root = value(&mut i).map(|v| path(&v))
                    }
                    ("startup", "--output_base") => {
                        out.output_base = value(&mut i).map(|v| path(&v))
                    }
                    ("common" | "build" | "fetch" | "sync" | "query", "--repository_cache") => {
                        out.repository_cache =
                            value(&mut i).map(|v| (!v.is_empty()).then(|| path(&v)))
                    }
                    _ => {}
                }
                i += 1;
            }
        }
    }
    out
}

/// The output user roots Bazel may use on this machine, most likely first (`None` entries
/// are skipped): the rc file's, else the one a test sets, else the XDG one and the older
/// `~/.cache/bazel` on Linux, `/var/tmp` on macOS.
pub fn output_user_roots(env: &Env, rc: &RcDirs) -> Vec<PathBuf> {
    if let Some(r) = &rc.output_user_root {
        return vec![r.clone()];
    }
    let Some(user) = &env.user else {
        return Vec::new();
    };
    let dir = format!("_bazel_{user}");
    if let Some(t) = &env.test_tmpdir {
        return vec![t.join(dir)];
    }
    let mut roots = Vec::new();
    match env.os.as_str() {
        "macos" => {
            roots.push(PathBuf::from("/var/tmp"));
            if let Some(x) = &env.xdg_cache_home {
                roots.push(x.join("bazel"));
            }
            if let Some(h) = &env.home {
                roots.push(h.join("Library").join("Caches").join("bazel"));
            }
        }
        "windows" => {
            if let Some(h) = env.home.as_ref().or(env.userprofile.as_ref()) {
                roots.push(h.clone());
            }
        }
        _ => {
            if let Some(x) = &env.xdg_cache_home {
                roots.push(x.join("bazel"));
            }
            match &env.home {
                Some(h) => roots.push(h.join(".cache").join("bazel")),
                None => roots.push(PathBuf::from("/tmp")),
            }
        }
    }
    roots.dedup();
    roots.into_iter().map(|r| r.join(&dir)).collect()
}

/// The output bases Bazel may use for the workspace at `root` (canonical), most likely first.
pub fn output_base_candidates(root: &Path, env: &Env, rc: &RcDirs) -> Vec<PathBuf> {
    if let Some(b) = &rc.output_base {
        return vec![b.clone()];
    }
    let names: Vec<String> = if env.os == "windows" {
        windows_workspace_spellings(&root.to_string_lossy())
            .iter()
            .map(|w| windows_base_name(w.as_bytes()))
            .collect()
    } else {
        vec![md5_hex(root.to_string_lossy().as_bytes())]
    };
    let mut out = Vec::new();
    for r in output_user_roots(env, rc) {
        for n in &names {
            let base = r.join(n);
            if !out.contains(&base) {
                out.push(base);
            }
        }
    }
    out
}

/// The output base's directory name Bazel's Windows client derives from the workspace path:
/// each of the first eight bytes of its MD5, masked to six bits, picks a character of a
/// 64-character alphabet. The alphabet is Bazel's as it stands, `g` twice and no `j`, so
/// that the names match the ones Bazel made.
pub fn windows_base_name(hashable: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"abcdefghigklmnopqrstuvwxyzABCDEFGHIGKLMNOPQRSTUVWXYZ0123456789_-";
    let digest = md5_bytes(hashable);
    digest[..8]
        .iter()
        .map(|b| ALPHABET[(b & 0x3f) as usize] as char)
        .collect()
}

/// The spellings under which Bazel's Windows client may have hashed the workspace path:
/// with `/` separators (how the client prints its paths) and as Windows writes it, each
/// also in lower case (the client normalises paths for comparison, and which form it hashes
/// was not confirmed across releases). A wrong spelling only names a directory that does not
/// exist, so every candidate is tried.
fn windows_workspace_spellings(path: &str) -> Vec<String> {
    let slashes = path.replace('\\', "/");
    let back = path.replace('/', "\\");
    let mut out = Vec::new();
    for s in [
        slashes.clone(),
        back.clone(),
        slashes.to_lowercase(),
        back.to_lowercase(),
    ] {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// Bazel's repository cache for the workspace, unless disabled: `--repository_cache`, else
/// `<output user root>/cache/repos/v1` of the first output user root that has one.
pub fn repository_cache(env: &Env, rc: &RcDirs) -> Option<PathBuf> {
    match &rc.repository_cache {
        Some(dir) => dir.clone(),
        None => output_user_roots(env, rc)
            .into_iter()
            .map(|r| r.join("cache").join("repos").join("v1"))
            .find(|d| d.is_dir()),
    }
}

/// Where Bazel's repository cache keeps a file by its SHA-256 (lowercase hex).
pub fn repository_cache_file(repo_cache: &Path, sha256: &str) -> PathBuf {
    repo_cache
        .join("content_addressable")
        .join("sha256")
        .join(sha256)
        .join("file")
}

/// toolcheck's own cache directory (facts, results, what `toolcheck fetch` downloads and what
/// is extracted from Bazel's repository cache): `$TOOLCHECK_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/toolcheck`, else `~/.cache/toolcheck`; `None` when none is known.
pub fn toolcheck_cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("TOOLCHECK_CACHE_DIR").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    let env = Env::current();
    env.xdg_cache_home
        .map(|x| x.join("toolcheck"))
        .or_else(|| env.home.map(|h| h.join(".cache").join("toolcheck")))
}

/// MD5 of `data` in lowercase hex (RFC 1321), which is how Bazel names an output base after
/// its workspace. Not used for anything security-related.
pub fn md5_hex(data: &[u8]) -> String {
    md5_bytes(data).iter().map(|b| format!("{b:02x}")).collect()
}

/// The 16 bytes of the MD5 of `data`.
fn md5_bytes(data: &[u8]) -> [u8; 16] {
    use md5::Digest;
    md5::Md5::digest(data).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_matches_rfc_1321_vectors() {
        assert_eq!(md5_hex(b""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(md5_hex(b"abc"), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(
            md5_hex(
                b"12345678901234567890123456789012345678901234567890123456789012345678901234567890"
            ),
            "57edf4a22be3c955ac49da2e2107b67a"
        );
    }

    fn linux() -> Env {
        Env {
            os: "linux".into(),
            home: Some("/home/ann".into()),
            user: Some("ann".into()),
            xdg_cache_home: None,
            test_tmpdir: None,
            userprofile: None,
            program_data: None,
        }
    }

    fn windows() -> Env {
        Env {
            os: "windows".into(),
            home: None,
            user: Some("ann".into()),
            xdg_cache_home: None,
            test_tmpdir: None,
            userprofile: Some("C:/Users/ann".into()),
            program_data: Some("C:/ProgramData".into()),
        }
    }

    #[test]
    fn windows_output_bases_have_short_names_under_the_profile() {
        // The name: the first eight MD5 bytes, six bits each, in Bazel's alphabet.
        // md5("abc") = 90 01 50 98 3c d2 4f b0 …, masked: 16 1 16 24 60 18 15 48 → q b q y
        // 8 s p W (the capitals start at 26, with `G` twice and no `J`; digits at 52).
        assert_eq!(windows_base_name(b"abc"), "qbqy8spW");
        let idx = |c: char| {
            b"abcdefghigklmnopqrstuvwxyzABCDEFGHIGKLMNOPQRSTUVWXYZ0123456789_-"
                .iter()
                .position(|&x| x as char == c)
        };
        assert!(windows_base_name(b"C:/src/demo")
            .chars()
            .all(|c| idx(c).is_some()));
        assert_eq!(
            output_user_roots(&windows(), &RcDirs::default()),
            vec![PathBuf::from("C:/Users/ann/_bazel_ann")]
        );
        // %HOME% wins over %USERPROFILE%.
        let home = Env {
            home: Some("D:/home".into()),
            ..windows()
        };
        assert_eq!(
            output_user_roots(&home, &RcDirs::default()),
            vec![PathBuf::from("D:/home/_bazel_ann")]
        );
        let bases =
            output_base_candidates(Path::new("C:\\src\\Demo"), &windows(), &RcDirs::default());
        let root = PathBuf::from("C:/Users/ann/_bazel_ann");
        assert_eq!(
            bases,
            [
                "C:/src/Demo",
                "C:\\src\\Demo",
                "c:/src/demo",
                "c:\\src\\demo"
            ]
            .iter()
            .map(|w| root.join(windows_base_name(w.as_bytes())))
            .collect::<Vec<_>>()
        );
        assert_eq!(
            user_rc_files(&windows()),
            (Some(PathBuf::from("C:/ProgramData/bazel.bazelrc")), None)
        );
        assert_eq!(
            user_rc_files(&linux()),
            (
                Some(PathBuf::from("/etc/bazel.bazelrc")),
                Some(PathBuf::from("/home/ann/.bazelrc"))
            )
        );
    }

    #[test]
    fn output_base_is_the_md5_of_the_workspace_under_the_user_root() {
        let root = Path::new("/home/ann/src/demo");
        let bases = output_base_candidates(root, &linux(), &RcDirs::default());
        assert_eq!(
            bases,
            vec![PathBuf::from(format!(
                "/home/ann/.cache/bazel/_bazel_ann/{}",
                md5_hex(b"/home/ann/src/demo")
            ))]
        );
        let xdg = Env {
            xdg_cache_home: Some("/x".into()),
            ..linux()
        };
        assert_eq!(
            output_user_roots(&xdg, &RcDirs::default()),
            vec![
                PathBuf::from("/x/bazel/_bazel_ann"),
                PathBuf::from("/home/ann/.cache/bazel/_bazel_ann")
            ]
        );
        let mac = Env {
            os: "macos".into(),
            ..linux()
        };
        assert_eq!(
            output_user_roots(&mac, &RcDirs::default()),
            vec![
                PathBuf::from("/var/tmp/_bazel_ann"),
                PathBuf::from("/home/ann/Library/Caches/bazel/_bazel_ann")
            ]
        );
        let test = Env {
            test_tmpdir: Some("/t".into()),
            ..linux()
        };
        assert_eq!(
            output_user_roots(&test, &RcDirs::default()),
            vec![PathBuf::from("/t/_bazel_ann")]
        );
    }

    #[test]
    fn rc_startup_lines_move_the_directories() {
        let root = Path::new("/w");
        let rc = rc_dirs(
            [
                "startup --output_user_root=/o # comment\nbuild --output_base=/not-startup\n",
                "startup --output_base %workspace%/.ob\nbuild --repository_cache /r\n",
            ],
            root,
        );
        assert_eq!(rc.output_user_root, Some(PathBuf::from("/o")));
        assert_eq!(rc.output_base, Some(PathBuf::from("/w/.ob")));
        assert_eq!(rc.repository_cache, Some(Some(PathBuf::from("/r"))));
        assert_eq!(
            output_base_candidates(root, &linux(), &rc),
            vec![PathBuf::from("/w/.ob")]
        );
        let rc = rc_dirs(
            ["startup --output_user_root=rel\ncommon --repository_cache=\n"],
            root,
        );
        assert_eq!(repository_cache(&linux(), &rc), None);
        assert_eq!(
            output_user_roots(&linux(), &rc),
            vec![PathBuf::from("/w/rel")]
        );
    }
}
