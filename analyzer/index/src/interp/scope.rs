//! Local scopes: how a function body's names are bound, unpacked, forgotten and looked
//! up, and what a block may assign or leave early through (to forget what an unknown branch
//! may have changed).

use crate::body::{Stmt, StmtKind, Target as AssignTarget};
use crate::expr::{Call, Expr, ExprKind};

use super::value::{Loc, Val, V};

/// Local names bound while evaluating a function body.
pub(crate) type Scope = Vec<(String, Val)>;

/// Names a block may assign (to forget them when the block is skipped).
pub(crate) fn assigned_names(stmts: &[Stmt], out: &mut Vec<String>) {
    fn target(t: &AssignTarget, out: &mut Vec<String>) {
        match t {
            AssignTarget::Name(n) => out.push(n.clone()),
            AssignTarget::Tuple(ts) => ts.iter().for_each(|t| target(t, out)),
            AssignTarget::Other(e) => {
                if let Some(n) = root_name(e) {
                    out.push(n.to_string());
                }
            }
        }
    }
    for s in stmts {
        match &s.kind {
            StmtKind::Assign { target: t, .. } | StmtKind::AugAssign { target: t, .. } => {
                target(t, out)
            }
            StmtKind::Expr(e) => {
                if let ExprKind::Call(c) = &e.kind {
                    if let ExprKind::Attr(a) = &c.func.kind {
                        if popped_key(e).is_none() {
                            if let Some(n) = root_name(&a.0) {
                                out.push(n.to_string());
                            }
                        }
                    }
                }
            }
            StmtKind::If { then, orelse, .. } => {
                assigned_names(then, out);
                assigned_names(orelse, out);
            }
            StmtKind::For {
                target: t, body, ..
            } => {
                target(t, out);
                assigned_names(body, out);
            }
            StmtKind::Def(f) => out.push(f.name.clone()),
            _ => {}
        }
    }
}

/// `var.method(...)` called on a name: `(var, method, call)`.
pub(crate) fn method_call_on_name(e: &Expr) -> Option<(&str, &str, &Call)> {
    let ExprKind::Call(c) = &e.kind else {
        return None;
    };
    let ExprKind::Attr(a) = &c.func.kind else {
        return None;
    };
    let ExprKind::Name(var) = &a.0.kind else {
        return None;
    };
    Some((var.as_str(), a.1.as_str(), c))
}

/// `var.pop("key", ...)` written as a statement: `(var, key)`.
pub(crate) fn popped_key(e: &Expr) -> Option<(&str, &str)> {
    let (var, m, c) = method_call_on_name(e)?;
    (m == "pop").then_some(())?;
    Some((var, c.args.first()?.as_str()?))
}

/// `(var, key)` of every `var.pop("key")` statement in a block (nested blocks included).
pub(crate) fn popped_keys<'s>(stmts: &'s [Stmt], out: &mut Vec<(&'s str, &'s str)>) {
    for s in stmts {
        match &s.kind {
            StmtKind::Expr(e) => out.extend(popped_key(e)),
            StmtKind::If { then, orelse, .. } => {
                popped_keys(then, out);
                popped_keys(orelse, out);
            }
            StmtKind::For { body, .. } => popped_keys(body, out),
            _ => {}
        }
    }
}

/// Whether a block may leave the enclosing function or loop early.
pub(crate) fn may_exit(stmts: &[Stmt]) -> bool {
    stmts.iter().any(|s| match &s.kind {
        StmtKind::Return(_) | StmtKind::Break | StmtKind::Continue => true,
        StmtKind::Expr(e) => matches!(&e.kind, ExprKind::Call(c)
            if matches!(&c.func.kind, ExprKind::Name(n) if n == "fail")),
        StmtKind::If { then, orelse, .. } => may_exit(then) || may_exit(orelse),
        // `break`/`continue` inside a nested loop stay inside it; `return` does not.
        StmtKind::For { body, .. } => may_return(body),
        _ => false,
    })
}

pub(crate) fn may_return(stmts: &[Stmt]) -> bool {
    stmts.iter().any(|s| match &s.kind {
        StmtKind::Return(_) => true,
        StmtKind::Expr(e) => matches!(&e.kind, ExprKind::Call(c)
            if matches!(&c.func.kind, ExprKind::Name(n) if n == "fail")),
        StmtKind::If { then, orelse, .. } => may_return(then) || may_return(orelse),
        StmtKind::For { body, .. } => may_return(body),
        _ => false,
    })
}

/// The variable at the root of `a.b[c].d`.
pub(crate) fn root_name(e: &Expr) -> Option<&str> {
    let mut cur = e;
    for _ in 0..64 {
        match &cur.kind {
            ExprKind::Name(n) => return Some(n),
            ExprKind::Attr(a) => cur = &a.0,
            ExprKind::Index(ops) => cur = &ops[0],
            _ => return None,
        }
    }
    None
}

pub(crate) fn set_var(scope: &mut Scope, name: &str, v: Val) {
    match scope.iter_mut().rev().find(|(n, _)| n == name) {
        Some(slot) => slot.1 = v,
        None => scope.push((name.to_string(), v)),
    }
}

pub(crate) fn get_var<'s>(scope: &'s Scope, name: &str) -> Option<&'s Val> {
    scope.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v)
}

/// Binds an assignment or loop target; false when the value cannot be unpacked.
pub(crate) fn bind_target(t: &AssignTarget, v: Val, scope: &mut Scope) -> bool {
    match t {
        AssignTarget::Name(n) => {
            set_var(scope, n, v);
            true
        }
        AssignTarget::Tuple(ts) => match v.v {
            V::List(items) if items.len() == ts.len() => {
                for (t, item) in ts.iter().zip(items) {
                    if !bind_target(t, item, scope) {
                        return false;
                    }
                }
                true
            }
            _ => false,
        },
        AssignTarget::Other(_) => false,
    }
}

/// Sets every name of a target to unknown.
pub(crate) fn forget_target(t: &AssignTarget, loc: Loc, scope: &mut Scope) {
    match t {
        AssignTarget::Name(n) => set_var(scope, n, Val::unknown(loc)),
        AssignTarget::Tuple(ts) => ts.iter().for_each(|t| forget_target(t, loc, scope)),
        AssignTarget::Other(e) => {
            if let Some(n) = root_name(e) {
                if get_var(scope, n).is_some() {
                    set_var(scope, n, Val::unknown(loc));
                }
            }
        }
    }
}
