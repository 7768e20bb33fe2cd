//! Where toolcheck keeps what `toolcheck fetch` downloads: `$TOOLCHECK_CACHE_DIR`, else
//! `$XDG_CACHE_HOME/toolcheck`, else `~/.cache/toolcheck`.

use std::path::PathBuf;

/// toolcheck's cache directory, or `None` when no environment variable locates one (no
/// `HOME`).
pub fn toolcheck_cache_dir() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = var("TOOLCHECK_CACHE_DIR") {
        return Some(PathBuf::from(dir));
    }
    if let Some(x) = var("XDG_CACHE_HOME") {
        return Some(PathBuf::from(x).join("toolcheck"));
    }
    var("HOME").map(|h| PathBuf::from(h).join(".cache").join("toolcheck"))
}
