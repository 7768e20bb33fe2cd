//! Bazel's minimal version selection over a discovered module graph: every module gets the
//! highest version anything reachable requests, then only what the root reaches through the
//! selected versions is kept. A request for a version with another `compatibility_level` than
//! the selected one is an error, as in Bazel (without `max_compatibility_level` support).

use std::collections::{BTreeMap, VecDeque};

use toolcheck_ide::module_version::ModuleVersion;

/// One discovered module version: its compatibility level and its (non-dev) dependencies,
/// overrides already applied to their versions.
#[derive(Clone, Debug, Default)]
pub struct Node {
    pub compatibility_level: i64,
    pub deps: Vec<(String, String)>,
}

/// (name, version) keys; an overridden module's version is the empty string.
pub type Graph = BTreeMap<(String, String), Node>;

/// A request to visit: module name, the module asking (none: the root), version asked for.
type Request = (String, Option<(String, String)>, String);

/// The selected (name, version) pairs reachable from `root_deps`, in breadth-first order.
pub fn select(
    root_deps: &[(String, String)],
    graph: &Graph,
) -> Result<Vec<(String, String)>, String> {
    let mut best: BTreeMap<&str, &str> = BTreeMap::new();
    for (name, version) in graph.keys() {
        match best.get(name.as_str()) {
            None => {
                best.insert(name, version);
            }
            Some(current) => {
                if newer(version, current)? {
                    best.insert(name, version);
                }
            }
        }
    }
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut queue: VecDeque<Request> = root_deps
        .iter()
        .map(|(n, v)| (n.clone(), None, v.clone()))
        .collect();
    while let Some((name, from, requested)) = queue.pop_front() {
        let Some(selected) = best.get(name.as_str()) else {
            return Err(format!("module '{name}' was not discovered"));
        };
        let node = &graph[&(name.clone(), selected.to_string())];
        if let Some(asked) = graph.get(&(name.clone(), requested.clone())) {
            if asked.compatibility_level != node.compatibility_level {
                let who = from
                    .map(|(n, v)| format!("{n}@{v}"))
                    .unwrap_or_else(|| "the root module".to_string());
                return Err(format!(
                    "{who} depends on {name}@{requested} (compatibility level {}), but {name}@{selected} (level {}) is selected; Bazel refuses this graph too (align the versions or use multiple_version_override)",
                    asked.compatibility_level, node.compatibility_level
                ));
            }
        }
        if !seen.insert(name.clone()) {
            continue;
        }
        out.push((name.clone(), selected.to_string()));
        for (dn, dv) in &node.deps {
            queue.push_back((
                dn.clone(),
                Some((name.clone(), selected.to_string())),
                dv.clone(),
            ));
        }
    }
    Ok(out)
}

/// Whether version `a` is newer than `b` (the empty version, an override, wins: it is the
/// only one discovered).
fn newer(a: &str, b: &str) -> Result<bool, String> {
    if a.is_empty() || b.is_empty() {
        return Ok(a.is_empty());
    }
    let pa = ModuleVersion::parse(a).ok_or_else(|| format!("'{a}' is not a module version"))?;
    let pb = ModuleVersion::parse(b).ok_or_else(|| format!("'{b}' is not a module version"))?;
    Ok(pa > pb)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(level: i64, deps: &[(&str, &str)]) -> Node {
        Node {
            compatibility_level: level,
            deps: deps
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        }
    }

    fn key(n: &str, v: &str) -> (String, String) {
        (n.to_string(), v.to_string())
    }

    #[test]
    fn highest_requested_version_wins_and_unreachable_is_dropped() {
        let mut g = Graph::new();
        g.insert(key("a", "1.0"), node(0, &[("b", "1.0")]));
        g.insert(key("b", "1.0"), node(0, &[]));
        g.insert(key("c", "1.0"), node(0, &[("b", "1.2")]));
        g.insert(key("b", "1.2"), node(0, &[("d", "1.0")]));
        g.insert(key("d", "1.0"), node(0, &[]));
        // Only b@1.0 reaches d? No: b@1.2 does, and it is selected through c.
        let s = select(&[key("a", "1.0"), key("c", "1.0")], &g).unwrap();
        assert_eq!(
            s,
            vec![
                key("a", "1.0"),
                key("c", "1.0"),
                key("b", "1.2"),
                key("d", "1.0")
            ]
        );
        // Without c, b@1.2 is never requested and d is unreachable.
        let mut g2 = Graph::new();
        g2.insert(key("a", "1.0"), node(0, &[("b", "1.0")]));
        g2.insert(key("b", "1.0"), node(0, &[]));
        assert_eq!(select(&[key("a", "1.0")], &g2).unwrap().len(), 2);
    }

    #[test]
    fn versions_compare_numerically() {
        let mut g = Graph::new();
        g.insert(key("a", "1.10"), node(0, &[]));
        g.insert(key("a", "1.9"), node(0, &[]));
        let s = select(&[key("a", "1.9"), key("a", "1.10")], &g).unwrap();
        assert_eq!(s, vec![key("a", "1.10")]);
    }

    #[test]
    fn compatibility_levels_must_agree() {
        let mut g = Graph::new();
        g.insert(key("a", "1.0"), node(1, &[]));
        g.insert(key("a", "2.0"), node(2, &[]));
        let e = select(&[key("a", "1.0"), key("a", "2.0")], &g).unwrap_err();
        assert!(e.contains("compatibility level 1"), "{e}");
    }
}
