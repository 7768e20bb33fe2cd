//! The one argument binder: how a call's arguments bind to a function's parameters
//! (positional, keyword, defaults, keyword-only, `*args`, `**kwargs`), for every kind of
//! callable and both domains. It is generic over the value type, so the concrete evaluator
//! binds [`Val`](super::Val)s and the flow analysis binds its abstract values with the same
//! rules; a binding rule is fixed here once.

use crate::expr::Expr;
use crate::facts::FuncDef;

/// Evaluated call arguments.
#[derive(Clone, Debug, PartialEq)]
pub struct Args<T> {
    pub pos: Vec<T>,
    pub kw: Vec<(String, T)>,
    /// False when a `*args`/`**kwargs` of unknown content was passed: any parameter may
    /// have been given a value toolcheck does not see.
    pub complete: bool,
}

impl<T> Args<T> {
    /// The argument given at position `i`, else by keyword `name`.
    pub fn get(&self, i: usize, name: &str) -> Option<&T> {
        self.pos
            .get(i)
            .or_else(|| self.kw.iter().find(|(n, _)| n == name).map(|(_, v)| v))
    }
}

/// The parameters of a callable, as the binder needs them.
#[derive(Clone, Copy, Debug)]
pub struct Params<'f> {
    /// Parameters with their default values (`None` for required ones).
    pub names: &'f [(String, Option<Expr>)],
    /// How many of `names` may be given by position (the rest are keyword-only).
    pub positional: usize,
    pub star_args: Option<&'f str>,
    pub star_kwargs: Option<&'f str>,
}

impl<'f> Params<'f> {
    pub fn of(f: &'f FuncDef) -> Params<'f> {
        Params {
            names: &f.params,
            positional: f.positional_params,
            star_args: f.star_params.0.as_deref(),
            star_kwargs: f.star_params.1.as_deref(),
        }
    }
}

/// Why a call cannot bind (Starlark fails the call).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BindError {
    TooManyPositional,
    Twice(String),
    NoSuchParameter(String),
}

impl BindError {
    /// The reason in words, for a function called `name`.
    pub fn describe(&self, name: &str) -> String {
        match self {
            BindError::TooManyPositional => format!("`{name}` called with too many arguments"),
            BindError::Twice(p) => format!("`{name}` got `{p}` twice"),
            BindError::NoSuchParameter(p) => format!("`{name}` has no parameter `{p}`"),
        }
    }
}

/// What the binder needs from a domain: how to make the values it builds itself.
pub trait BindValues<T> {
    /// The `*args` tuple of the extra positional arguments.
    fn tuple(&mut self, items: Vec<T>) -> T;
    /// The `**kwargs` dict of the extra keyword arguments.
    fn kwargs(&mut self, items: Vec<(String, T)>) -> T;
    /// A value toolcheck cannot know (a parameter an unknown `**kwargs` may have set).
    fn unknown(&mut self) -> T;
    /// The value of a parameter's default expression (evaluated in the function's file).
    fn default(&mut self, expr: &Expr) -> T;
}

/// A successful binding: every parameter's value, in declaration order, then `*args` and
/// `**kwargs`.
#[derive(Debug)]
pub struct Bound<T> {
    pub locals: Vec<(String, T)>,
    /// Required parameters no argument gave (Starlark fails the call; they are bound to
    /// unknown so the analysis may go on and say so).
    pub missing: Vec<String>,
}

/// Binds `args` to `params` as Starlark does.
pub fn bind<T>(
    params: Params<'_>,
    args: Args<T>,
    values: &mut impl BindValues<T>,
) -> Result<Bound<T>, BindError> {
    let n = params.names.len();
    let mut slots: Vec<Option<T>> = (0..n).map(|_| None).collect();
    let mut pos = args.pos.into_iter();
    for slot in slots.iter_mut().take(params.positional.min(n)) {
        match pos.next() {
            Some(v) => *slot = Some(v),
            None => break,
        }
    }
    let extra: Vec<T> = pos.collect();
    let star_args = match params.star_args {
        Some(name) => Some((
            name.to_string(),
            if args.complete {
                values.tuple(extra)
            } else {
                values.unknown()
            },
        )),
        None if !extra.is_empty() => return Err(BindError::TooManyPositional),
        None => None,
    };
    let mut rest: Vec<(String, T)> = Vec::new();
    for (name, v) in args.kw {
        match params.names.iter().position(|(p, _)| *p == name) {
            Some(i) if slots[i].is_some() => return Err(BindError::Twice(name)),
            Some(i) => slots[i] = Some(v),
            None => rest.push((name, v)),
        }
    }
    let star_kwargs = match params.star_kwargs {
        Some(name) => Some((
            name.to_string(),
            if args.complete {
                values.kwargs(rest)
            } else {
                values.unknown()
            },
        )),
        None => match rest.into_iter().next() {
            Some((name, _)) => return Err(BindError::NoSuchParameter(name)),
            None => None,
        },
    };
    let mut missing = Vec::new();
    let mut locals = Vec::with_capacity(n + 2);
    for ((name, default), slot) in params.names.iter().zip(slots) {
        let v = match slot {
            Some(v) => v,
            // An unknown `*args`/`**kwargs` may hold this parameter.
            None if !args.complete => values.unknown(),
            None => match default {
                Some(d) => values.default(d),
                None => {
                    missing.push(name.clone());
                    values.unknown()
                }
            },
        };
        locals.push((name.clone(), v));
    }
    locals.extend(star_args);
    locals.extend(star_kwargs);
    Ok(Bound { locals, missing })
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Plain;
    impl BindValues<String> for Plain {
        fn tuple(&mut self, items: Vec<String>) -> String {
            format!("({})", items.join(","))
        }
        fn kwargs(&mut self, items: Vec<(String, String)>) -> String {
            let parts: Vec<String> = items.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!("{{{}}}", parts.join(","))
        }
        fn unknown(&mut self) -> String {
            "?".into()
        }
        fn default(&mut self, _: &Expr) -> String {
            "default".into()
        }
    }

    fn params(names: &[(&str, bool)]) -> Vec<(String, Option<Expr>)> {
        names
            .iter()
            .map(|(n, d)| {
                (
                    n.to_string(),
                    d.then(|| Expr {
                        kind: crate::expr::ExprKind::None,
                        range: Default::default(),
                    }),
                )
            })
            .collect()
    }

    fn run(
        names: &[(&str, bool)],
        positional: usize,
        star: (Option<&str>, Option<&str>),
        pos: &[&str],
        kw: &[(&str, &str)],
        complete: bool,
    ) -> Result<Vec<String>, BindError> {
        let names = params(names);
        let p = Params {
            names: &names,
            positional,
            star_args: star.0,
            star_kwargs: star.1,
        };
        let args = Args {
            pos: pos.iter().map(|s| s.to_string()).collect(),
            kw: kw
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            complete,
        };
        let b = bind(p, args, &mut Plain)?;
        let mut out: Vec<String> = b.locals.iter().map(|(k, v)| format!("{k}={v}")).collect();
        out.extend(b.missing.iter().map(|m| format!("missing {m}")));
        Ok(out)
    }

    #[test]
    fn positional_keyword_default() {
        assert_eq!(
            run(
                &[("a", false), ("b", true)],
                2,
                (None, None),
                &["1"],
                &[],
                true
            ),
            Ok(vec!["a=1".into(), "b=default".into()])
        );
        assert_eq!(
            run(
                &[("a", false), ("b", true)],
                2,
                (None, None),
                &[],
                &[("b", "2")],
                true
            ),
            Ok(vec!["a=?".into(), "b=2".into(), "missing a".into()])
        );
    }

    #[test]
    fn keyword_only_parameters_do_not_take_positions() {
        // def f(a, *, b): f(1, 2) fails; f(1, b = 2) binds.
        assert_eq!(
            run(
                &[("a", false), ("b", false)],
                1,
                (None, None),
                &["1", "2"],
                &[],
                true
            ),
            Err(BindError::TooManyPositional)
        );
        assert_eq!(
            run(
                &[("a", false), ("b", false)],
                1,
                (None, None),
                &["1"],
                &[("b", "2")],
                true
            ),
            Ok(vec!["a=1".into(), "b=2".into()])
        );
    }

    #[test]
    fn star_args_and_kwargs_collect_the_rest() {
        assert_eq!(
            run(
                &[("a", false)],
                1,
                (Some("args"), Some("kwargs")),
                &["1", "2", "3"],
                &[("x", "4")],
                true
            ),
            Ok(vec![
                "a=1".into(),
                "args=(2,3)".into(),
                "kwargs={x=4}".into()
            ])
        );
    }

    #[test]
    fn errors() {
        assert_eq!(
            run(
                &[("a", false)],
                1,
                (None, None),
                &["1"],
                &[("a", "2")],
                true
            ),
            Err(BindError::Twice("a".into()))
        );
        assert_eq!(
            run(
                &[("a", false)],
                1,
                (None, None),
                &["1"],
                &[("z", "2")],
                true
            ),
            Err(BindError::NoSuchParameter("z".into()))
        );
    }

    #[test]
    fn unknown_splat_makes_unbound_parameters_unknown() {
        assert_eq!(
            run(
                &[("a", false), ("b", true)],
                2,
                (None, Some("kw")),
                &["1"],
                &[],
                false
            ),
            Ok(vec!["a=1".into(), "b=?".into(), "kw=?".into()])
        );
    }
}
