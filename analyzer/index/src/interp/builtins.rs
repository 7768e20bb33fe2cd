//! The one builtin table: Starlark's global functions, the methods of strings, lists and
//! dicts, `native.*`, `Label`, `select`, `struct`, `config_common`, the rules_cc helpers
//! toolcheck knows by name, and `%`/`.format` formatting. A new builtin goes here, once:
//! the concrete evaluator calls [`Env::call_builtin`] and [`Env::method`], and the flow
//! analysis folds calls whose arguments it knows through the same functions. The builtins
//! of repository rules and module extensions (`repository_ctx`, `module_ctx`, `attr`) are
//! in [`super::repository`], which this table falls back to.

use crate::label::{Label, RepoName};
use crate::workspace::FileId;

use super::bounds::{MAX_LIST, MAX_STRING};
use super::call::Args;
use super::concrete::Env;
use super::value::{
    cmp_values, iter_items, repr, to_str, truthiness, unknown_v, value_attr, veq, Loc, RuleValue,
    Val, V,
};

/// Native functions that do not create a rule target.
pub(crate) const NATIVE_NON_RULES: &[&str] = &[
    "glob",
    "package_name",
    "repository_name",
    "repo_name",
    "existing_rule",
    "existing_rules",
    "package_relative_label",
    "module_name",
    "module_version",
    "subpackages",
    "exports_files",
    "licenses",
    "package",
    "package_default_visibility",
    "bazel_version",
];

/// The predeclared names that evaluate to a builtin (functions of this table, and the
/// modules whose members it knows: `native.*`, `config_common.*`). `True`, `False` and
/// `None` are literals.
const BUILTINS: &[&str] = &[
    "Label",
    "str",
    "select",
    "struct",
    "hasattr",
    "getattr",
    "native",
    "config_common",
    "len",
    "list",
    "dict",
    "package_name",
    "repository_name",
    "exec_group",
    "rule",
    "aspect",
    "module_extension",
    "range",
    "enumerate",
    "zip",
    "sorted",
    "reversed",
    "any",
    "all",
    "min",
    "max",
    "int",
    "bool",
    "tuple",
    "type",
    "repr",
    "print",
    "fail",
    "glob",
    "depset",
    "json",
    "abs",
    "attr",
    "tag_class",
    "dir",
];

/// `json.encode` of a known value (`None` when any part is unknown or not JSON).
fn json_encode(v: &V) -> Option<String> {
    fn go(v: &V, out: &mut String, depth: u32) -> Option<()> {
        if depth > super::bounds::MAX_NESTING {
            return None;
        }
        match v {
            V::Str(s) => out.push_str(&serde_json::to_string(s).ok()?),
            V::Int(i) => out.push_str(&i.to_string()),
            V::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            V::None => out.push_str("null"),
            V::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    go(&item.v, out, depth + 1)?;
                }
                out.push(']');
            }
            V::Dict(pairs) => {
                let entries: Option<Vec<(&str, &V)>> = pairs
                    .iter()
                    .map(|(k, x)| match &k.v {
                        V::Str(k) => Some((k.as_str(), &x.v)),
                        _ => None,
                    })
                    .collect();
                object(entries?, out, depth)?;
            }
            V::Struct(fields) => {
                let mut entries: Vec<(&str, &V)> =
                    fields.iter().map(|(k, x)| (k.as_str(), &x.v)).collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                object(entries, out, depth)?;
            }
            _ => return None,
        }
        (out.len() <= MAX_STRING).then_some(())
    }
    fn object(entries: Vec<(&str, &V)>, out: &mut String, depth: u32) -> Option<()> {
        out.push('{');
        for (i, (k, x)) in entries.into_iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&serde_json::to_string(k).ok()?);
            out.push(':');
            go(x, out, depth + 1)?;
        }
        out.push('}');
        Some(())
    }
    let mut out = String::new();
    go(v, &mut out, 0)?;
    Some(out)
}

/// The Starlark value of decoded JSON (`None` past the nesting or size bounds; a number
/// that is not an integer is unknown, since toolcheck has no floats).
fn json_value(j: &serde_json::Value, loc: Loc, depth: u32) -> Option<V> {
    if depth > super::bounds::MAX_NESTING {
        return None;
    }
    let val = |v: V| Val { v, loc };
    Some(match j {
        serde_json::Value::Null => V::None,
        serde_json::Value::Bool(b) => V::Bool(*b),
        serde_json::Value::Number(n) => n.as_i64().map_or_else(unknown_v, V::Int),
        serde_json::Value::String(s) => V::Str(s.clone()),
        serde_json::Value::Array(items) if items.len() <= MAX_LIST => V::List(
            items
                .iter()
                .map(|i| json_value(i, loc, depth + 1).map(val))
                .collect::<Option<_>>()?,
        ),
        serde_json::Value::Object(map) if map.len() <= MAX_LIST => V::Dict(
            map.iter()
                .map(|(k, x)| Some((val(V::Str(k.clone())), val(json_value(x, loc, depth + 1)?))))
                .collect::<Option<_>>()?,
        ),
        _ => return None,
    })
}

pub(crate) fn is_builtin(name: &str) -> bool {
    BUILTINS.contains(&name)
}

/// `fmt % args`.
pub(crate) fn percent_format(fmt: &str, args: &V) -> Option<String> {
    let list: Vec<&V> = match args {
        V::List(items) => items.iter().map(|v| &v.v).collect(),
        other => vec![other],
    };
    let single = !matches!(args, V::List(_));
    let mut out = String::new();
    let mut it = list.into_iter();
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut conv = chars.next()?;
        let (mut zero, mut left) = (false, false);
        while matches!(conv, '0' | '-' | ' ' | '+') {
            zero |= conv == '0';
            left |= conv == '-';
            conv = chars.next()?;
        }
        let mut width = 0usize;
        while let Some(d) = conv.to_digit(10) {
            width = (width * 10 + d as usize).min(1000);
            conv = chars.next()?;
        }
        let piece = match conv {
            '%' => {
                out.push('%');
                continue;
            }
            's' => to_str(it.next()?)?,
            'r' => {
                let mut r = String::new();
                repr(it.next()?, &mut r)?;
                r
            }
            'd' | 'i' => match it.next()? {
                V::Int(i) => i.to_string(),
                V::Bool(b) => (if *b { "1" } else { "0" }).to_string(),
                _ => return None,
            },
            'x' | 'X' | 'o' => match it.next()? {
                V::Int(i) if conv == 'x' => format!("{i:x}"),
                V::Int(i) if conv == 'X' => format!("{i:X}"),
                V::Int(i) => format!("{i:o}"),
                _ => return None,
            },
            _ => return None,
        };
        let pad = width.saturating_sub(piece.chars().count());
        if left {
            out.push_str(&piece);
            out.extend(std::iter::repeat_n(' ', pad));
        } else if zero && conv != 's' && conv != 'r' {
            match piece.strip_prefix('-') {
                Some(rest) => {
                    out.push('-');
                    out.extend(std::iter::repeat_n('0', pad));
                    out.push_str(rest);
                }
                None => {
                    out.extend(std::iter::repeat_n('0', pad));
                    out.push_str(&piece);
                }
            }
        } else {
            out.extend(std::iter::repeat_n(' ', pad));
            out.push_str(&piece);
        }
    }
    // A single non-tuple operand is consumed by one directive; a tuple must match exactly.
    if !single && it.next().is_some() {
        return None;
    }
    Some(out)
}

/// `fmt.format(*pos, **kw)`.
pub(crate) fn brace_format(fmt: &str, pos: &[Val], kw: &[(String, Val)]) -> Option<String> {
    let mut out = String::new();
    let mut auto = 0usize;
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let mut field = String::new();
                loop {
                    match chars.next()? {
                        '}' => break,
                        c => field.push(c),
                    }
                }
                let field = field.split(['!', ':']).next().unwrap_or("");
                let v = if field.is_empty() {
                    auto += 1;
                    pos.get(auto - 1)?
                } else if let Ok(i) = field.parse::<usize>() {
                    pos.get(i)?
                } else {
                    &kw.iter().find(|(n, _)| n == field)?.1
                };
                out.push_str(&to_str(&v.v)?);
            }
            c => out.push(c),
        }
    }
    Some(out)
}

/// Functions of well-known rulesets whose meaning toolcheck knows even when their
/// repository is not visible.
pub(crate) fn well_known_symbol(module: &str, symbol: &str) -> Option<&'static str> {
    let rules_cc = module.starts_with("@rules_cc//cc");
    let bazel_tools_cc = module.starts_with("@bazel_tools//tools/cpp");
    let skylib_dicts = module.starts_with("@bazel_skylib//lib:dicts.bzl");
    match symbol {
        "use_cc_toolchain" | "use_cpp_toolchain" if rules_cc => Some("use_cc_toolchain"),
        "use_cc_toolchain" | "use_cpp_toolchain" if bazel_tools_cc => Some("use_cpp_toolchain"),
        "dicts" if skylib_dicts => Some("dicts"),
        _ => None,
    }
}

impl<'a> Env<'a> {
    /// Calls the builtin function `name` (`len`, `str`, `native.package_name`, ...) with
    /// evaluated arguments, for a call written in `file`. `None` when `name` is not a
    /// function this table knows. Pure: besides the value, a builtin may only record a gap
    /// or a bound of the run under way (`fail()`, a `range()` too long).
    pub(crate) fn call_builtin(
        &self,
        name: &str,
        file: FileId,
        args: &Args<Val>,
        loc: Loc,
    ) -> Option<V> {
        // Package-dependent builtins answer for the BUILD file whose macro runs; outside a
        // run (a `.bzl` constant, a rule implementation) the package is not known.
        let build_file = self.run.borrow().as_ref().map(|r| r.build_file);
        let package = |f: &dyn Fn(FileId) -> V| match build_file {
            Some(b) => f(b),
            None => unknown_v(),
        };
        Some(match name {
            "package_name" | "native.package_name" => {
                package(&|b| V::Str(self.contexts[b.0 as usize].package.to_string()))
            }
            "repository_name" | "native.repository_name" => {
                package(&|b| V::Str(format!("@{}", self.contexts[b.0 as usize].repo.as_str())))
            }
            "native.repo_name" => {
                package(&|b| V::Str(self.contexts[b.0 as usize].repo.as_str().to_string()))
            }
            "native.package_relative_label" => match args.get(0, "input").map(|v| &v.v) {
                Some(V::Str(s)) => package(&|b| match self.label_context(b).resolve(s) {
                    Ok(l) => V::Label(l),
                    Err(_) => unknown_v(),
                }),
                Some(V::Label(l)) => V::Label(*l),
                _ => unknown_v(),
            },
            "Label" => match args.get(0, "input").map(|v| &v.v) {
                Some(V::Str(s)) => match self.label_context(file).resolve(s) {
                    Ok(l) => V::Label(l),
                    Err(_) => unknown_v(),
                },
                Some(V::Label(l)) => V::Label(*l),
                _ => unknown_v(),
            },
            "rule" | "aspect" | "module_extension" => {
                // `rule(impl)`: the implementation may be given by position. A
                // `module_extension()` made by a helper function (bazel_skylib's
                // `modules.as_extension(macro)`) is the same kind of value: the extension's
                // runner reads its `implementation` and `tag_classes` from it.
                let kwargs = args
                    .pos
                    .first()
                    .map(|i| ("implementation".to_string(), i.clone()))
                    .into_iter()
                    .chain(args.kw.iter().cloned())
                    .collect();
                V::RuleDef(std::sync::Arc::new(RuleValue {
                    kind: match name {
                        "rule" => "rule",
                        "aspect" => "aspect",
                        _ => "module_extension",
                    },
                    file,
                    kwargs,
                    complete: args.complete && args.pos.len() <= 1,
                    loc,
                    exported: None,
                }))
            }
            "struct" | "exec_group" => {
                if !args.complete || !args.pos.is_empty() {
                    unknown_v()
                } else {
                    V::Struct(args.kw.clone())
                }
            }
            "config_common.toolchain_type" => {
                let mandatory = match args.kw.iter().find(|(n, _)| n == "mandatory") {
                    None => Some(true),
                    Some((_, Val { v: V::Bool(b), .. })) => Some(*b),
                    Some(_) => None,
                };
                match args.get(0, "name") {
                    Some(t) if args.complete => V::ToolchainReq {
                        toolchain_type: Box::new(t.clone()),
                        mandatory,
                    },
                    _ => unknown_v(),
                }
            }
            "use_cc_toolchain" | "use_cpp_toolchain" => {
                // rules_cc's: mandatory by default since rules_cc 0.1.2 (the module graph
                // says which the workspace gets). `@bazel_tools`' default changed across
                // Bazel releases (5.1 added it mandatory, the optional C++ toolchain came
                // later): the type is requested, whether mandatorily is not known.
                let by_default = if name == "use_cpp_toolchain" {
                    None
                } else {
                    self.cc_toolchain_mandatory_by_default
                };
                let mandatory = match args.get(0, "mandatory").map(|v| &v.v) {
                    None => by_default,
                    Some(V::Bool(b)) => Some(*b),
                    Some(_) => None,
                };
                let ty = Val {
                    v: V::Label(Label::new(
                        RepoName::new("bazel_tools"),
                        "tools/cpp",
                        "toolchain_type",
                    )),
                    loc,
                };
                V::List(vec![Val {
                    v: V::ToolchainReq {
                        toolchain_type: Box::new(ty),
                        mandatory,
                    },
                    loc,
                }])
            }
            "glob"
            | "native.glob"
            | "depset"
            | "native.existing_rule"
            | "native.existing_rules"
            | "native.subpackages" => unknown_v(),
            "native.exports_files" | "native.licenses" | "native.package" | "print" => V::None,
            "select" => V::Select,
            "fail" => {
                self.gap(loc, "reaches `fail()`");
                return Some(unknown_v());
            }
            "len" => match args.get(0, "x").map(|v| &v.v) {
                Some(V::Str(s)) => V::Int(s.chars().count() as i64),
                Some(V::List(l)) => V::Int(l.len() as i64),
                Some(V::Dict(d)) => V::Int(d.len() as i64),
                _ => unknown_v(),
            },
            "str" => match args.get(0, "x") {
                Some(v) => to_str(&v.v).map_or_else(unknown_v, V::Str),
                None => V::Str(String::new()),
            },
            "repr" => {
                let mut s = String::new();
                match args.get(0, "x").and_then(|v| repr(&v.v, &mut s)) {
                    Some(()) => V::Str(s),
                    None => unknown_v(),
                }
            }
            "int" => match args.get(0, "x").map(|v| &v.v) {
                Some(V::Int(i)) => V::Int(*i),
                Some(V::Bool(b)) => V::Int(*b as i64),
                Some(V::Str(s)) => s.trim().parse().map_or_else(|_| unknown_v(), V::Int),
                _ => unknown_v(),
            },
            "bool" => match args.get(0, "x").map(|v| truthiness(&v.v)) {
                Some(Some(b)) => V::Bool(b),
                None => V::Bool(false),
                _ => unknown_v(),
            },
            "abs" => match args.get(0, "x").map(|v| &v.v) {
                Some(V::Int(i)) => i.checked_abs().map_or_else(unknown_v, V::Int),
                _ => unknown_v(),
            },
            "list" | "tuple" => match args.get(0, "x") {
                None => V::List(Vec::new()),
                Some(v) => iter_items(v).map_or_else(unknown_v, V::List),
            },
            "dict" => {
                let mut out: Vec<(Val, Val)> = Vec::new();
                match args.pos.first().map(|v| &v.v) {
                    None => {}
                    Some(V::Dict(pairs)) => out.extend(pairs.iter().cloned()),
                    Some(V::List(items)) => {
                        for it in items {
                            match &it.v {
                                V::List(kv) if kv.len() == 2 => {
                                    out.push((kv[0].clone(), kv[1].clone()))
                                }
                                _ => return Some(unknown_v()),
                            }
                        }
                    }
                    Some(_) => return Some(unknown_v()),
                }
                for (k, v) in args.kw.iter().cloned() {
                    out.push((Val { v: V::Str(k), loc }, v));
                }
                if !args.complete {
                    return Some(unknown_v());
                }
                let mut dedup: Vec<(Val, Val)> = Vec::new();
                for (k, v) in out {
                    match dedup
                        .iter_mut()
                        .find(|(k2, _)| veq(&k2.v, &k.v) == Some(true))
                    {
                        Some(slot) => slot.1 = v,
                        None => dedup.push((k, v)),
                    }
                }
                V::Dict(dedup)
            }
            "range" => {
                let ints: Option<Vec<i64>> = args
                    .pos
                    .iter()
                    .map(|v| match v.v {
                        V::Int(i) => Some(i),
                        _ => None,
                    })
                    .collect();
                let (start, stop, step) = match ints.as_deref() {
                    Some([stop]) => (0, *stop, 1),
                    Some([start, stop]) => (*start, *stop, 1),
                    Some([start, stop, step]) if *step != 0 => (*start, *stop, *step),
                    _ => return Some(unknown_v()),
                };
                let len = if step > 0 {
                    (stop.saturating_sub(start).max(0) as u64).div_ceil(step as u64)
                } else {
                    (start.saturating_sub(stop).max(0) as u64).div_ceil(step.unsigned_abs())
                };
                if len > MAX_LIST as u64 {
                    self.hit_limit(
                        loc,
                        format!("`range()` of {len} elements (the limit is {MAX_LIST})"),
                    );
                    return Some(unknown_v());
                }
                // Building the list costs a step per element, like copying one: a loop
                // that leaves early (`for j in range(n): break`) is otherwise almost free
                // while its `range()` is not, and nested in another loop it ran for hours.
                if !self.charge(len, loc) {
                    return Some(unknown_v());
                }
                V::List(
                    (0..len as i64)
                        .map(|i| Val {
                            v: V::Int(start + i * step),
                            loc,
                        })
                        .collect(),
                )
            }
            "enumerate" => match args.pos.first().and_then(iter_items) {
                Some(items) => V::List(
                    items
                        .into_iter()
                        .enumerate()
                        .map(|(i, v)| Val {
                            v: V::List(vec![
                                Val {
                                    v: V::Int(i as i64),
                                    loc,
                                },
                                v,
                            ]),
                            loc,
                        })
                        .collect(),
                ),
                None => unknown_v(),
            },
            "zip" => {
                let lists: Option<Vec<Vec<Val>>> = args.pos.iter().map(iter_items).collect();
                match lists {
                    Some(lists) if !lists.is_empty() => {
                        let n = lists.iter().map(Vec::len).min().unwrap_or(0);
                        V::List(
                            (0..n)
                                .map(|i| Val {
                                    v: V::List(lists.iter().map(|l| l[i].clone()).collect()),
                                    loc,
                                })
                                .collect(),
                        )
                    }
                    _ => unknown_v(),
                }
            }
            "sorted" | "reversed" | "min" | "max" | "any" | "all" => {
                let items = match (name, args.pos.as_slice()) {
                    ("min" | "max", [_, _, ..]) => args.pos.clone(),
                    (_, [one, ..]) => match iter_items(one) {
                        Some(items) => items,
                        None => return Some(unknown_v()),
                    },
                    _ => return Some(unknown_v()),
                };
                match name {
                    "reversed" => V::List(items.into_iter().rev().collect()),
                    "any" | "all" => {
                        let t: Option<Vec<bool>> = items.iter().map(|v| truthiness(&v.v)).collect();
                        match t {
                            Some(t) if name == "any" => V::Bool(t.iter().any(|b| *b)),
                            Some(t) => V::Bool(t.iter().all(|b| *b)),
                            None => unknown_v(),
                        }
                    }
                    _ => {
                        if args.kw.iter().any(|(n, _)| n == "key") {
                            return Some(unknown_v());
                        }
                        let mut items = items;
                        let mut ok = true;
                        items.sort_by(|x, y| {
                            cmp_values(&x.v, &y.v).unwrap_or_else(|| {
                                ok = false;
                                std::cmp::Ordering::Equal
                            })
                        });
                        if !ok {
                            return Some(unknown_v());
                        }
                        let reverse = args
                            .kw
                            .iter()
                            .any(|(n, v)| n == "reverse" && v.v == V::Bool(true));
                        if reverse {
                            items.reverse();
                        }
                        match name {
                            "sorted" => V::List(items),
                            "min" => items.first().map_or_else(unknown_v, |v| v.v.clone()),
                            _ => items.last().map_or_else(unknown_v, |v| v.v.clone()),
                        }
                    }
                }
            }
            "type" => match args.get(0, "x").map(|v| &v.v) {
                Some(V::Str(_)) => V::Str("string".into()),
                Some(V::Int(_)) => V::Str("int".into()),
                Some(V::Bool(_)) => V::Str("bool".into()),
                Some(V::None) => V::Str("NoneType".into()),
                Some(V::List(_)) => V::Str("list".into()),
                Some(V::Dict(_)) => V::Str("dict".into()),
                Some(V::Label(_)) => V::Str("Label".into()),
                Some(V::Struct(_)) => V::Str("struct".into()),
                Some(V::Select) => V::Str("select".into()),
                Some(V::Func(..) | V::Closure(_)) => V::Str("function".into()),
                Some(V::RuleDef(_) | V::Rule(..)) => V::Str("rule".into()),
                _ => unknown_v(),
            },
            "getattr" => match (args.pos.first(), args.pos.get(1).map(|v| &v.v)) {
                (Some(o), Some(V::Str(f))) => match &o.v {
                    V::Struct(fields) => match fields.iter().find(|(n, _)| n == f) {
                        Some((_, v)) => v.v.clone(),
                        None => match args.pos.get(2) {
                            Some(d) => d.v.clone(),
                            None => unknown_v(),
                        },
                    },
                    _ => value_attr(o, f).unwrap_or_else(unknown_v),
                },
                _ => unknown_v(),
            },
            "hasattr" => {
                match (
                    args.pos.first().map(|v| &v.v),
                    args.pos.get(1).map(|v| &v.v),
                ) {
                    (Some(V::Struct(fields)), Some(V::Str(f))) => {
                        V::Bool(fields.iter().any(|(n, _)| n == f))
                    }
                    (Some(V::Builtin(o)), Some(V::Str(a))) if o == "config_common" => {
                        V::Bool(a != "toolchain_type" || self.has_optional_toolchains)
                    }
                    _ => unknown_v(),
                }
            }
            "json.encode" => match args.get(0, "x") {
                Some(x) => match json_encode(&x.v) {
                    Some(s) if s.len() <= MAX_STRING => V::Str(s),
                    _ => unknown_v(),
                },
                None => unknown_v(),
            },
            "json.decode" => match args.get(0, "x").map(|v| &v.v) {
                Some(V::Str(s)) if s.len() <= MAX_STRING => {
                    match serde_json::from_str::<serde_json::Value>(s) {
                        Ok(j) => json_value(&j, loc, 0).unwrap_or_else(unknown_v),
                        // `default` is what a failed decode returns; without it, Starlark fails.
                        Err(_) => match args.kw.iter().find(|(n, _)| n == "default") {
                            Some((_, d)) => d.v.clone(),
                            None => {
                                self.gap(loc, "`json.decode` of text that is not JSON fails");
                                unknown_v()
                            }
                        },
                    }
                }
                _ => unknown_v(),
            },
            // bazel_skylib's `dicts.add(*dicts, **kwargs)`: merged left to right.
            "dicts.add" => {
                if !args.complete {
                    return Some(unknown_v());
                }
                let mut merged: Vec<(Val, Val)> = Vec::new();
                let mut put = |k: Val, v: Val| match merged.iter_mut().find(|(x, _)| x.v == k.v) {
                    Some(slot) => slot.1 = v,
                    None => merged.push((k, v)),
                };
                for d in &args.pos {
                    let V::Dict(pairs) = &d.v else {
                        return Some(unknown_v());
                    };
                    for (k, v) in pairs {
                        put(k.clone(), v.clone());
                    }
                }
                for (k, v) in &args.kw {
                    put(
                        Val {
                            v: V::Str(k.clone()),
                            loc,
                        },
                        v.clone(),
                    );
                }
                if merged.len() > MAX_LIST {
                    return Some(unknown_v());
                }
                V::Dict(merged)
            }
            "dir" => match args.get(0, "x").map(|v| &v.v) {
                Some(V::Struct(fields)) => {
                    let mut names: Vec<String> = fields
                        .iter()
                        .map(|(n, _)| n.clone())
                        .filter(|n| !n.starts_with('\u{1}'))
                        .collect();
                    names.sort();
                    names.dedup();
                    V::List(
                        names
                            .into_iter()
                            .map(|n| Val { v: V::Str(n), loc })
                            .collect(),
                    )
                }
                _ => unknown_v(),
            },
            _ => return self.call_repository_builtin(name, file, args, loc),
        })
    }

    /// `value.method(args)` for strings, lists and dicts (non-mutating forms).
    pub(crate) fn method(&self, o: Val, m: &str, args: &Args<Val>, loc: Loc) -> V {
        let s_arg = |i: usize, n: &str| match args.get(i, n).map(|v| &v.v) {
            Some(V::Str(s)) => Some(s.clone()),
            _ => None,
        };
        match (o.v, m) {
            (V::Str(s), "format") => {
                if !args.complete {
                    return unknown_v();
                }
                brace_format(&s, &args.pos, &args.kw).map_or_else(unknown_v, V::Str)
            }
            (V::Str(s), "join") => match args.pos.first().and_then(iter_items) {
                Some(items) => {
                    let parts: Option<Vec<String>> = items
                        .iter()
                        .map(|v| match &v.v {
                            V::Str(p) => Some(p.clone()),
                            _ => None,
                        })
                        .collect();
                    let joined = parts.map(|p| p.join(&s));
                    match joined {
                        Some(j) if j.len() > MAX_STRING => {
                            self.hit_limit(loc, format!("a string grew past {MAX_STRING} bytes"));
                            unknown_v()
                        }
                        Some(j) => V::Str(j),
                        None => unknown_v(),
                    }
                }
                None => unknown_v(),
            },
            (V::Str(s), "replace") => match (s_arg(0, "old"), s_arg(1, "new")) {
                (Some(a), Some(b)) if !a.is_empty() => {
                    let out = match args.pos.get(2).map(|v| &v.v) {
                        Some(V::Int(n)) if *n >= 0 => s.replacen(&a, &b, *n as usize),
                        None => s.replace(&a, &b),
                        _ => return unknown_v(),
                    };
                    if out.len() > MAX_STRING {
                        self.hit_limit(loc, format!("a string grew past {MAX_STRING} bytes"));
                        return unknown_v();
                    }
                    V::Str(out)
                }
                _ => unknown_v(),
            },
            (V::Str(s), "split" | "rsplit") => {
                let maxsplit = match args.get(1, "maxsplit").map(|v| &v.v) {
                    None => None,
                    Some(V::Int(n)) if *n >= 0 => Some(*n as usize),
                    Some(V::Int(_)) => None,
                    _ => return unknown_v(),
                };
                let parts: Vec<String> = match (s_arg(0, "sep"), maxsplit, m) {
                    (Some(sep), _, _) if sep.is_empty() => return unknown_v(),
                    (Some(sep), None, _) => s.split(sep.as_str()).map(str::to_string).collect(),
                    (Some(sep), Some(n), "split") => {
                        s.splitn(n + 1, sep.as_str()).map(str::to_string).collect()
                    }
                    (Some(sep), Some(n), _) => {
                        let mut v: Vec<String> =
                            s.rsplitn(n + 1, sep.as_str()).map(str::to_string).collect();
                        v.reverse();
                        v
                    }
                    (None, None, _) if args.pos.is_empty() => {
                        s.split_whitespace().map(str::to_string).collect()
                    }
                    _ => return unknown_v(),
                };
                V::List(
                    parts
                        .into_iter()
                        .map(|p| Val { v: V::Str(p), loc })
                        .collect(),
                )
            }
            (V::Str(s), "startswith" | "endswith") => {
                let prefixes: Vec<String> = match args.pos.first().map(|v| &v.v) {
                    Some(V::Str(p)) => vec![p.clone()],
                    Some(V::List(items)) => {
                        let v: Option<Vec<String>> = items
                            .iter()
                            .map(|i| match &i.v {
                                V::Str(p) => Some(p.clone()),
                                _ => None,
                            })
                            .collect();
                        match v {
                            Some(v) => v,
                            None => return unknown_v(),
                        }
                    }
                    _ => return unknown_v(),
                };
                V::Bool(prefixes.iter().any(|p| {
                    if m == "startswith" {
                        s.starts_with(p.as_str())
                    } else {
                        s.ends_with(p.as_str())
                    }
                }))
            }
            (V::Str(s), "upper") => V::Str(s.to_uppercase()),
            (V::Str(s), "lower") => V::Str(s.to_lowercase()),
            (V::Str(s), "capitalize") => {
                let mut c = s.chars();
                V::Str(match c.next() {
                    Some(f) => f
                        .to_uppercase()
                        .chain(c.flat_map(char::to_lowercase))
                        .collect(),
                    None => String::new(),
                })
            }
            // Each run of letters starts upper case and goes on lower case.
            (V::Str(s), "title") => {
                let mut out = String::with_capacity(s.len());
                let mut in_word = false;
                for c in s.chars() {
                    if in_word {
                        out.extend(c.to_lowercase());
                    } else {
                        out.extend(c.to_uppercase());
                    }
                    in_word = c.is_alphabetic();
                }
                V::Str(out)
            }
            (V::Str(s), "isspace") => V::Bool(!s.is_empty() && s.chars().all(char::is_whitespace)),
            (V::Str(s), "strip" | "lstrip" | "rstrip") => {
                let chars: Option<Vec<char>> = match args.pos.first().map(|v| &v.v) {
                    None | Some(V::None) => None,
                    Some(V::Str(c)) => Some(c.chars().collect()),
                    _ => return unknown_v(),
                };
                let pred = |c: char| match &chars {
                    Some(set) => set.contains(&c),
                    None => c.is_whitespace(),
                };
                V::Str(match m {
                    "strip" => s.trim_matches(pred).to_string(),
                    "lstrip" => s.trim_start_matches(pred).to_string(),
                    _ => s.trim_end_matches(pred).to_string(),
                })
            }
            (V::Str(s), "removeprefix") => match s_arg(0, "prefix") {
                Some(p) => V::Str(s.strip_prefix(p.as_str()).unwrap_or(&s).to_string()),
                None => unknown_v(),
            },
            (V::Str(s), "removesuffix") => match s_arg(0, "suffix") {
                Some(p) => V::Str(s.strip_suffix(p.as_str()).unwrap_or(&s).to_string()),
                None => unknown_v(),
            },
            (V::Str(s), "count") => match s_arg(0, "sub") {
                Some(p) if !p.is_empty() => V::Int(s.matches(p.as_str()).count() as i64),
                _ => unknown_v(),
            },
            (V::Str(s), "find" | "rfind" | "index" | "rindex") => match s_arg(0, "sub") {
                Some(p) => {
                    let pos = if m.starts_with('r') {
                        s.rfind(p.as_str())
                    } else {
                        s.find(p.as_str())
                    };
                    match pos {
                        Some(b) => V::Int(s[..b].chars().count() as i64),
                        None if m.ends_with("find") => V::Int(-1),
                        None => {
                            self.gap(loc, "`index()` of a missing substring fails");
                            unknown_v()
                        }
                    }
                }
                None => unknown_v(),
            },
            (V::Str(s), "partition" | "rpartition") => match s_arg(0, "sep") {
                Some(sep) if !sep.is_empty() => {
                    let found = if m == "partition" {
                        s.find(sep.as_str())
                    } else {
                        s.rfind(sep.as_str())
                    };
                    let (a, b, c) = match found {
                        Some(i) => (
                            s[..i].to_string(),
                            sep.clone(),
                            s[i + sep.len()..].to_string(),
                        ),
                        None if m == "partition" => (s.clone(), String::new(), String::new()),
                        None => (String::new(), String::new(), s.clone()),
                    };
                    V::List(
                        [a, b, c]
                            .into_iter()
                            .map(|p| Val { v: V::Str(p), loc })
                            .collect(),
                    )
                }
                _ => unknown_v(),
            },
            (V::Str(s), "isdigit") => {
                V::Bool(!s.is_empty() && s.chars().all(|c| c.is_ascii_digit()))
            }
            (V::Str(s), "isalpha") => V::Bool(!s.is_empty() && s.chars().all(char::is_alphabetic)),
            (V::Str(s), "isalnum") => {
                V::Bool(!s.is_empty() && s.chars().all(char::is_alphanumeric))
            }
            (V::Str(s), "islower") => {
                V::Bool(s.chars().any(char::is_lowercase) && !s.chars().any(char::is_uppercase))
            }
            (V::Str(s), "isupper") => {
                V::Bool(s.chars().any(char::is_uppercase) && !s.chars().any(char::is_lowercase))
            }
            (V::Str(s), "splitlines") => V::List(
                s.lines()
                    .map(|l| Val {
                        v: V::Str(l.to_string()),
                        loc,
                    })
                    .collect(),
            ),
            (V::Str(s), "elems") => V::List(
                s.chars()
                    .map(|c| Val {
                        v: V::Str(c.to_string()),
                        loc,
                    })
                    .collect(),
            ),
            (V::List(items), "index") => match args.pos.first() {
                Some(x) => {
                    let mut unknown = false;
                    for (i, it) in items.iter().enumerate() {
                        match veq(&it.v, &x.v) {
                            Some(true) => return V::Int(i as i64),
                            Some(false) => {}
                            None => unknown = true,
                        }
                    }
                    if !unknown {
                        self.gap(loc, "`index()` of a missing element fails");
                    }
                    unknown_v()
                }
                None => unknown_v(),
            },
            (V::List(items), "count") => match args.pos.first() {
                Some(x) => {
                    let mut n = 0;
                    for it in &items {
                        match veq(&it.v, &x.v) {
                            Some(true) => n += 1,
                            Some(false) => {}
                            None => return unknown_v(),
                        }
                    }
                    V::Int(n)
                }
                None => unknown_v(),
            },
            (V::Dict(pairs), "get") => match args.pos.first() {
                Some(k) => {
                    let mut unknown = k.is_unknown();
                    for (k2, v) in &pairs {
                        match veq(&k2.v, &k.v) {
                            Some(true) => return v.v.clone(),
                            Some(false) => {}
                            None => unknown = true,
                        }
                    }
                    if unknown {
                        unknown_v()
                    } else {
                        args.pos.get(1).map_or(V::None, |d| d.v.clone())
                    }
                }
                None => unknown_v(),
            },
            (V::Dict(pairs), "keys") => V::List(pairs.into_iter().map(|(k, _)| k).collect()),
            (V::Dict(pairs), "values") => V::List(pairs.into_iter().map(|(_, v)| v).collect()),
            (V::Dict(pairs), "items") => V::List(
                pairs
                    .into_iter()
                    .map(|(k, v)| Val {
                        v: V::List(vec![k, v]),
                        loc,
                    })
                    .collect(),
            ),
            _ => unknown_v(),
        }
    }
}
