//! `toolcheck.toml`: the project configuration (checks on/off and severities, ignored paths,
//! target platforms of interest, Bazel version, host platform). Unknown keys are errors, so a
//! typo never silently does nothing.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use toolcheck_ide::{check_by_name, LintConfig, Severity};

/// The largest `toolcheck.toml` toolcheck reads.
const MAX_CONFIG_SIZE: u64 = 1 << 20;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    // Not `source`: the message already says it, and `{:#}` would print it twice.
    #[error("cannot read {path}: {cause}")]
    Read { path: String, cause: std::io::Error },
    /// `message` is what the command line prints (toml's includes the quoted line);
    /// `summary` is the message alone, for an editor that shows it at `span`.
    #[error("invalid {path}: {message}")]
    Parse {
        path: String,
        message: String,
        summary: String,
        span: Option<Range<usize>>,
    },
    #[error("{path}: unknown check '{check}' ({})", did_you_mean(.check))]
    UnknownCheck {
        path: String,
        check: String,
        span: Option<Range<usize>>,
    },
    #[error(
        "{path}: invalid severity '{value}' for '{check}' (expected error, warning, info or off)"
    )]
    BadSeverity {
        path: String,
        check: String,
        value: String,
        span: Option<Range<usize>>,
    },
}

/// The end of a message about an unknown check name: the closest check's name when one is
/// close (`unresolved_label` is a typo of `unresolved-label`), else where the list is.
pub fn did_you_mean(name: &str) -> String {
    match toolcheck_ide::closest_check(name) {
        Some(close) => format!("did you mean '{close}'?"),
        None => "see `toolcheck explain --list`".to_string(),
    }
}

impl ConfigError {
    /// Where in the file the error is, as a byte range of its text, when known: the language
    /// server shows the error there.
    pub fn span(&self) -> Option<Range<usize>> {
        match self {
            ConfigError::Read { .. } => None,
            ConfigError::Parse { span, .. }
            | ConfigError::UnknownCheck { span, .. }
            | ConfigError::BadSeverity { span, .. } => span.clone(),
        }
    }

    /// The configuration file's path, as given.
    pub fn path(&self) -> &str {
        match self {
            ConfigError::Read { path, .. }
            | ConfigError::Parse { path, .. }
            | ConfigError::UnknownCheck { path, .. }
            | ConfigError::BadSeverity { path, .. } => path,
        }
    }

    /// The error without the file's name (an editor shows it on the file).
    pub fn summary(&self) -> String {
        match self {
            ConfigError::Read { cause, .. } => format!("cannot read the file: {cause}"),
            ConfigError::Parse { summary, .. } => summary.clone(),
            ConfigError::UnknownCheck { check, .. } => {
                format!("unknown check '{check}' ({})", did_you_mean(check))
            }
            ConfigError::BadSeverity { check, value, .. } => format!(
                "invalid severity '{value}' for '{check}' (expected error, warning, info or off)"
            ),
        }
    }
}

/// The span of the key `key` where a line of `text` sets it (`key =`, maybe quoted).
fn key_span(text: &str, key: &str) -> Option<Range<usize>> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let start = offset + (line.len() - trimmed.len());
        offset += line.len();
        for written in [key.to_string(), format!("\"{key}\"")] {
            if let Some(rest) = trimmed.strip_prefix(&written) {
                if rest.trim_start().starts_with('=') {
                    return Some(start..start + written.len());
                }
            }
        }
    }
    None
}

/// The span of the first string literal `"value"` in `text`, else of a key `value`.
fn value_span(text: &str, value: &str) -> Option<Range<usize>> {
    let quoted = format!("\"{value}\"");
    text.find(&quoted)
        .map(|i| i..i + quoted.len())
        .or_else(|| key_span(text, value))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Bazel version whose semantics to simulate.
    pub bazel_version: Option<String>,
    /// The host platform's label.
    pub host_platform: Option<String>,
    /// What Bazel's autodetected host platform holds: `"detect"` (the machine toolcheck runs
    /// on, the default), `"unknown"`, or a list of constraint value labels.
    pub host_constraints: Option<HostConstraintsSetting>,
    /// Target platforms checks consider.
    #[serde(default)]
    pub target_platforms: Vec<String>,
    /// `"workspace"`, `"library"` or `"auto"` (the default: library for a module with a
    /// version). See `toolcheck explain library-mode`.
    pub mode: Option<String>,
    /// Bazel `--config` names to simulate, as `--bazel-config` (these first).
    #[serde(default)]
    pub bazel_configs: Vec<String>,
    /// Which named configs `check` evaluates besides the default configuration: `"all"`
    /// (every one that changes toolchain resolution, the default), `"none"`, or a list.
    pub configs: Option<WordOrList>,
    /// Configs `check` never evaluates.
    #[serde(default)]
    pub exclude_configs: Vec<String>,
    /// The hosts the checks consider: `"auto"` (the machine toolcheck runs on and those the
    /// workspace shows it is built on, the default) or a list of `OS-CPU` (`macos-aarch64`),
    /// the first being the analysed one.
    pub hosts: Option<WordOrList>,
    /// Glob patterns of workspace paths toolcheck does not read.
    #[serde(default)]
    pub ignore_paths: Vec<String>,
    #[serde(default)]
    pub checks: ChecksSection,
}

/// A setting written as a word or a list of strings.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum WordOrList {
    Word(String),
    List(Vec<String>),
}

/// `configs` (from `toolcheck.toml` or `--configs`), or why it is invalid.
pub fn parse_configs(setting: &WordOrList) -> Result<toolcheck_ide::ConfigSelect, String> {
    use toolcheck_ide::ConfigSelect;
    match setting {
        WordOrList::Word(w) if w == "all" => Ok(ConfigSelect::All),
        WordOrList::Word(w) if w == "none" => Ok(ConfigSelect::None),
        WordOrList::Word(w) => Err(format!(
            "configs = \"{w}\": expected \"all\", \"none\" or a list of config names"
        )),
        WordOrList::List(names) => Ok(ConfigSelect::Only(names.clone())),
    }
}

/// `hosts` (from `toolcheck.toml` or `--host`): `None` for `"auto"`.
pub fn parse_hosts(
    setting: &WordOrList,
) -> Result<Option<Vec<toolcheck_ide::HostMachine>>, String> {
    match setting {
        WordOrList::Word(w) if w == "auto" => Ok(None),
        WordOrList::Word(w) => toolcheck_ide::HostMachine::parse(w).map(|m| Some(vec![m])),
        WordOrList::List(l) if l.is_empty() => {
            Err("hosts = []: list at least one host, or \"auto\"".to_string())
        }
        WordOrList::List(l) => l
            .iter()
            .map(|h| toolcheck_ide::HostMachine::parse(h))
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
    }
}

/// A Bazel version given in `toolcheck.toml` or with `--bazel-version`, or why toolcheck
/// cannot simulate it.
pub fn check_bazel_version(v: &str) -> Result<(), String> {
    use toolcheck_ide::BazelVersion;
    match BazelVersion::parse(v) {
        None => Err(format!("invalid Bazel version '{v}' (expected e.g. 7.4.1)")),
        Some(parsed) if !parsed.is_supported() => Err(format!(
            "Bazel {v} is not one toolcheck simulates: it simulates {} to {}.x (`toolcheck versions` lists them)",
            BazelVersion::OLDEST,
            BazelVersion::NEWEST_OF_MAJOR[BazelVersion::NEWEST_OF_MAJOR.len() - 1].major
        )),
        Some(_) => Ok(()),
    }
}

/// `host_constraints` as written: a word or a list of labels.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum HostConstraintsSetting {
    Word(String),
    Labels(Vec<String>),
}

/// A `mode` value (from `toolcheck.toml` or `--mode`), or why it is invalid.
pub fn parse_mode(word: &str) -> Result<toolcheck_ide::AnalysisMode, String> {
    use toolcheck_ide::AnalysisMode;
    match word {
        "auto" => Ok(AnalysisMode::Auto),
        "workspace" => Ok(AnalysisMode::Workspace),
        "library" => Ok(AnalysisMode::Library),
        w => Err(format!(
            "mode = \"{w}\": expected \"auto\", \"workspace\" or \"library\""
        )),
    }
}

impl HostConstraintsSetting {
    /// The setting, or why it is invalid.
    pub fn value(&self) -> Result<toolcheck_ide::HostConstraints, String> {
        use toolcheck_ide::HostConstraints;
        match self {
            HostConstraintsSetting::Word(w) if w == "detect" => Ok(HostConstraints::Detect),
            HostConstraintsSetting::Word(w) if w == "unknown" => Ok(HostConstraints::Unknown),
            HostConstraintsSetting::Word(w) => Err(format!(
                "host_constraints = \"{w}\": expected \"detect\", \"unknown\" or a list of constraint value labels"
            )),
            HostConstraintsSetting::Labels(labels) => {
                for l in labels {
                    // Written in the main repository: only absolute labels make sense here.
                    let absolute = (l.starts_with("//") || l.starts_with('@')) && l.contains("//");
                    if !absolute {
                        return Err(format!(
                            "host_constraints: '{l}' is not an absolute label (e.g. \"@platforms//os:linux\")"
                        ));
                    }
                }
                Ok(HostConstraints::Labels(labels.clone()))
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecksSection {
    /// Only these checks run.
    #[serde(default)]
    pub select: Vec<String>,
    /// These checks never run.
    #[serde(default)]
    pub disable: Vec<String>,
    /// Per-check severity: `error`, `warning`, `info` or `off`.
    #[serde(default)]
    pub severity: BTreeMap<String, String>,
}

impl ConfigFile {
    pub fn load(path: &Path) -> Result<ConfigFile, ConfigError> {
        let display = path.display().to_string();
        let read_error = |cause| ConfigError::Read {
            path: display.clone(),
            cause,
        };
        // A configuration file is small and regular: a FIFO or a device would block or never
        // end, so only regular files under a bound are read.
        let meta = std::fs::metadata(path).map_err(read_error)?;
        if !meta.is_file() || meta.len() > MAX_CONFIG_SIZE {
            return Err(read_error(std::io::Error::other(format!(
                "not a regular file of at most {} KB",
                MAX_CONFIG_SIZE / 1024
            ))));
        }
        let text = std::fs::read_to_string(path).map_err(read_error)?;
        let config: ConfigFile = toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: display.clone(),
            message: e.to_string(),
            // One line: toml adds what it expected on a line of its own.
            summary: e.message().trim().replace('\n', "; "),
            span: e.span(),
        })?;
        config.validate(&display, &text)?;
        Ok(config)
    }

    /// Checks the values serde cannot; `text` is the file's, to locate the error in it.
    fn validate(&self, path: &str, text: &str) -> Result<(), ConfigError> {
        let parse_error = |message: String, key: &str| ConfigError::Parse {
            path: path.to_string(),
            summary: message.clone(),
            message,
            span: key_span(text, key),
        };
        if let Some(Err(message)) = self.bazel_version.as_deref().map(check_bazel_version) {
            return Err(parse_error(
                format!("bazel_version: {message}"),
                "bazel_version",
            ));
        }
        // Labels are checked here, before any analysis: a label that does not parse would
        // otherwise be dropped where it is used, and the check would run as if it were unset.
        // Only the syntax: which repository names exist is for the analysis to say.
        for label in &self.target_platforms {
            if let Err(e) = toolcheck_ide::RawLabel::parse(label) {
                return Err(parse_error(
                    format!("target_platforms: '{label}': {e}"),
                    "target_platforms",
                ));
            }
        }
        if let Some(label) = &self.host_platform {
            if let Err(e) = toolcheck_ide::RawLabel::parse(label) {
                return Err(parse_error(
                    format!("host_platform: '{label}': {e}"),
                    "host_platform",
                ));
            }
        }
        if let Some(Err(message)) = self.host_constraints.as_ref().map(|h| h.value()) {
            return Err(parse_error(message, "host_constraints"));
        }
        if let Some(Err(message)) = self.configs.as_ref().map(parse_configs) {
            return Err(parse_error(message, "configs"));
        }
        if let Some(Err(message)) = self.hosts.as_ref().map(parse_hosts) {
            return Err(parse_error(message, "hosts"));
        }
        // A host matrix means Bazel detects the host platform: fixed host constraints
        // contradict it.
        let fixed_host = matches!(&self.host_constraints, Some(h) if !matches!(h, HostConstraintsSetting::Word(w) if w == "detect"));
        let listed_hosts = matches!(&self.hosts, Some(WordOrList::List(_)));
        if fixed_host && listed_hosts {
            return Err(parse_error(
                "`hosts` and `host_constraints` both set: the host matrix is for a detected host platform (remove one)".to_string(),
                "hosts",
            ));
        }
        let names = self
            .checks
            .select
            .iter()
            .chain(&self.checks.disable)
            .chain(self.checks.severity.keys());
        for name in names {
            if check_by_name(name).is_none() {
                return Err(ConfigError::UnknownCheck {
                    path: path.to_string(),
                    check: name.clone(),
                    span: value_span(text, name),
                });
            }
        }
        for (check, value) in &self.checks.severity {
            if value != "off" && Severity::parse(value).is_none() {
                return Err(ConfigError::BadSeverity {
                    path: path.to_string(),
                    check: check.clone(),
                    value: value.clone(),
                    span: value_span(text, check),
                });
            }
        }
        Ok(())
    }

    /// The lint configuration this file describes.
    pub fn lint_config(&self) -> LintConfig {
        LintConfig {
            select: self.checks.select.clone(),
            ignore: self.checks.disable.clone(),
            severities: self
                .checks
                .severity
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        if v == "off" { None } else { Severity::parse(v) },
                    )
                })
                .collect(),
        }
    }
}
