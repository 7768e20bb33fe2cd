//! Opt-in logging to stderr for the language server.
//!
//! The server writes nothing to stderr unless `TOOLCHECK_LOG` is set (to `error`, `warn`,
//! `info` or `debug`): editors such as Neovim show every stderr line as an error.

use std::sync::OnceLock;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Level {
    Error,
    Warn,
    Info,
    Debug,
}

fn max_level() -> Option<Level> {
    static LEVEL: OnceLock<Option<Level>> = OnceLock::new();
    *LEVEL.get_or_init(|| {
        let v = std::env::var("TOOLCHECK_LOG").ok()?;
        Some(match v.to_ascii_lowercase().as_str() {
            "" | "0" | "off" => return None,
            "error" => Level::Error,
            "warn" | "warning" => Level::Warn,
            "debug" | "trace" => Level::Debug,
            _ => Level::Info,
        })
    })
}

pub(crate) fn enabled(level: Level) -> bool {
    max_level().is_some_and(|max| level <= max)
}

pub(crate) fn write(level: Level, args: std::fmt::Arguments<'_>) {
    if enabled(level) {
        eprintln!("toolcheck lsp [{level:?}] {args}");
    }
}

macro_rules! log {
    ($level:ident, $($arg:tt)*) => {
        $crate::lsp::log::write($crate::lsp::log::Level::$level, format_args!($($arg)*))
    };
}
pub(crate) use log;
