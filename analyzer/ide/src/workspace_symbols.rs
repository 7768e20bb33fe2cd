//! Workspace symbols (`workspace/symbol`): the declarations toolchain resolution is made of
//! (toolchain types, toolchains, platforms, constraint settings and values, config settings)
//! and the Starlark rules and aspects that request toolchains, found by a query on their
//! labels.
//!
//! The query matches case-insensitively, best first: the name itself, a name starting with
//! it, a name containing it, a label containing it, then the query's characters in order
//! anywhere in the label (`tcx86` finds `//toolchains:cc_x86`). An empty query lists
//! everything, up to the limit.

use toolcheck_index::index::Decl;
use toolcheck_index::workspace::FileId;

use crate::cancel::Cancellable;
use crate::navigation::SymbolKind;
use crate::{Analysis, TextRange};

/// One declaration found by [`Analysis::workspace_symbols`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkspaceSymbol {
    /// The label (`//toolchains:cc_x86`), or the rule's name.
    pub name: String,
    /// What it is (`toolchain`, `rule in //tools:defs.bzl`, ...).
    pub detail: String,
    pub kind: SymbolKind,
    pub file: FileId,
    /// The name in the declaration.
    pub range: TextRange,
}

/// How well a candidate matches: lower is better.
fn score(query: &str, name: &str, label: &str) -> Option<u8> {
    if query.is_empty() {
        return Some(5);
    }
    let name = name.to_ascii_lowercase();
    if name == query {
        return Some(0);
    }
    if name.starts_with(query) {
        return Some(1);
    }
    if name.contains(query) {
        return Some(2);
    }
    let label = label.to_ascii_lowercase();
    if label.contains(query) {
        return Some(3);
    }
    let mut rest = label.chars();
    query
        .chars()
        .all(|q| rest.by_ref().any(|c| c == q))
        .then_some(4)
}

impl Analysis {
    /// The declarations whose labels match `query`, best first, at most `limit`. Polls for
    /// cancellation as it goes (a client sends one request per keystroke).
    pub fn workspace_symbols(
        &self,
        query: &str,
        limit: usize,
    ) -> Cancellable<Vec<WorkspaceSymbol>> {
        let query: String = query
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        let index = self.index();
        // (score, the short name's length, the symbol): shorter names rank first among
        // equals, so `cc` finds `cc_x86` before `cc_binary_like`.
        let mut found: Vec<(u8, usize, WorkspaceSymbol)> = Vec::new();
        for (i, t) in index.targets.values().enumerate() {
            if i % 4096 == 0 {
                self.check_cancelled()?;
            }
            let kind = match &t.decl {
                Decl::ToolchainType => SymbolKind::ToolchainType,
                Decl::Toolchain(_) => SymbolKind::Toolchain,
                Decl::Platform(_) => SymbolKind::Platform,
                Decl::ConstraintSetting { .. } => SymbolKind::ConstraintSetting,
                Decl::ConstraintValue { .. } => SymbolKind::ConstraintValue,
                Decl::ConfigSetting(_) => SymbolKind::Target,
                _ => continue,
            };
            let label = t.label.to_string();
            if let Some(s) = score(&query, &t.label.name, &label) {
                found.push((s, t.label.name.len(), {
                    let (file, range) = self.shown(t.file, t.name_range);
                    WorkspaceSymbol {
                        name: label,
                        detail: t.kind.to_string(),
                        kind,
                        file,
                        range,
                    }
                }));
            }
        }
        self.check_cancelled()?;
        for r in &index.rules {
            let requests = r.toolchains.as_ref().is_some_and(|v| !v.is_empty())
                || r.exec_groups
                    .iter()
                    .flatten()
                    .any(|g| g.toolchains.as_ref().is_some_and(|v| !v.is_empty()));
            if !requests {
                continue;
            }
            let place = self.display_path(r.file);
            if let Some(s) = score(&query, &r.name, &format!("{place}%{}", r.name)) {
                found.push((
                    s,
                    r.name.len(),
                    WorkspaceSymbol {
                        name: r.name.clone(),
                        detail: format!(
                            "{} in {place}",
                            if r.is_aspect { "aspect" } else { "rule" }
                        ),
                        kind: SymbolKind::Function,
                        file: r.file,
                        range: r.name_range,
                    },
                ));
            }
        }
        found.sort_by(|(sa, la, a), (sb, lb, b)| {
            (sa, la, &a.name, a.file, a.range.start).cmp(&(sb, lb, &b.name, b.file, b.range.start))
        });
        found.truncate(limit);
        Ok(found.into_iter().map(|(_, _, s)| s).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::score;

    #[test]
    fn ranking() {
        let l = "//toolchains:cc_x86";
        assert_eq!(score("cc_x86", "cc_x86", l), Some(0));
        assert_eq!(score("cc", "cc_x86", l), Some(1));
        assert_eq!(score("x86", "cc_x86", l), Some(2));
        assert_eq!(score("toolchains:", "cc_x86", l), Some(3));
        assert_eq!(score("tcx86", "cc_x86", l), Some(4));
        assert_eq!(score("x86cc", "cc_x86", l), None);
        assert_eq!(score("", "cc_x86", l), Some(5));
    }
}
