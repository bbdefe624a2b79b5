//! Which scopes satisfied an expression, which are missing, and simpler forms of an expression.

use std::collections::HashSet;

use super::expr::{ScopeExpr, is_given};
use super::sets::{compare, normalize_sorted};

/// The scopes of `expr` that `scopes` satisfies, sorted and normalized, or `None` if `scopes`
/// does not satisfy `expr` (`scopesSatisfying`).
///
/// These are the *expression's* scopes (a given `queue:*` satisfying `queue:get-task` yields
/// `queue:get-task`), from every satisfied member of an `AnyOf`, and from an `AllOf` only when
/// all of it is satisfied.
pub fn satisfying<S: AsRef<str>>(scopes: &[S], expr: &ScopeExpr) -> Option<Vec<String>> {
    let mut used = Vec::new();
    if !collect_satisfied(scopes, expr, &mut used) {
        return None;
    }
    used.sort_by(|a, b| compare(a, b));
    Some(normalize_sorted(used))
}

fn collect_satisfied<S: AsRef<str>>(
    scopes: &[S],
    expr: &ScopeExpr,
    used: &mut Vec<String>,
) -> bool {
    let start = used.len();
    let satisfied = match expr {
        ScopeExpr::Scope(scope) => {
            let given = is_given(scopes, scope);
            if given {
                used.push(scope.clone());
            }
            given
        }
        ScopeExpr::AllOf(members) => members.iter().all(|m| collect_satisfied(scopes, m, used)),
        ScopeExpr::AnyOf(members) => {
            // Every member is tried (no short cut), so the scopes of every satisfied one are
            // collected.
            let mut found = false;
            for member in members {
                found |= collect_satisfied(scopes, member, used);
            }
            found
        }
    };
    if !satisfied {
        used.truncate(start);
    }
    satisfied
}

/// What `scopes` is missing to satisfy `expr` (`removeGivenScopes`), for error messages:
/// `expr` without the scopes that `scopes` satisfies, or `None` if it satisfies all of `expr`.
///
/// Satisfied members leave an `AllOf` (an `AllOf` left empty is satisfied), a satisfied
/// member satisfies its whole `AnyOf`, and an `AllOf` or `AnyOf` left with one member becomes
/// that member. An empty `AnyOf` is never satisfied and stays as it is.
pub fn remove_given<S: AsRef<str>>(scopes: &[S], expr: &ScopeExpr) -> Option<ScopeExpr> {
    match expr {
        ScopeExpr::Scope(scope) => (!is_given(scopes, scope)).then(|| expr.clone()),
        ScopeExpr::AllOf(members) => {
            let mut missing: Vec<ScopeExpr> = members
                .iter()
                .filter_map(|m| remove_given(scopes, m))
                .collect();
            match missing.len() {
                0 => None,
                1 => missing.pop(),
                _ => Some(ScopeExpr::AllOf(missing)),
            }
        }
        ScopeExpr::AnyOf(members) => {
            let mut missing = members
                .iter()
                .map(|m| remove_given(scopes, m))
                .collect::<Option<Vec<ScopeExpr>>>()?;
            if missing.len() == 1 {
                missing.pop()
            } else {
                Some(ScopeExpr::AnyOf(missing))
            }
        }
    }
}

/// A simpler expression that the same scope sets satisfy (`simplifyScopeExpression`).
///
/// Duplicates are dropped; the scopes of an `AllOf` are sorted and normalized, those of an
/// `AnyOf` sorted (scopes first, then the other members in their order); an `AllOf` in an
/// `AllOf`, and an `AnyOf` in an `AnyOf`, are merged into it; an `AllOf` or `AnyOf` of one
/// member becomes that member. Empty ones stay.
///
/// Unlike the library, this simplifies expressions with invalid scopes too (the library
/// refuses them), and it does not fail where an `AnyOf` holds an `AnyOf` that simplifies to
/// something else (`{"AnyOf": [{"AnyOf": ["a"]}]}`: the library throws a `TypeError` or returns
/// `undefined`): that member is kept as it simplifies, here `"a"`.
pub fn simplify(expr: &ScopeExpr) -> ScopeExpr {
    match expr {
        ScopeExpr::Scope(_) => expr.clone(),
        ScopeExpr::AnyOf(members) => {
            let parts = Parts::divide(members.iter().cloned());
            let flatten = !parts.any_ofs.is_empty();
            let mut result: Vec<ScopeExpr> =
                parts.scopes.into_iter().map(ScopeExpr::Scope).collect();
            for any_of in &parts.any_ofs {
                match simplify(any_of) {
                    ScopeExpr::AnyOf(alternatives) => result.extend(alternatives),
                    other => result.push(other),
                }
            }
            result.extend(parts.all_ofs.iter().map(simplify));
            finish(result, flatten, ScopeExpr::AnyOf)
        }
        ScopeExpr::AllOf(members) => {
            let parts = Parts::divide(members.iter().map(simplify));
            let flatten = !parts.all_ofs.is_empty();
            let mut result: Vec<ScopeExpr> = normalize_sorted(parts.scopes)
                .into_iter()
                .map(ScopeExpr::Scope)
                .collect();
            result.extend(parts.any_ofs);
            for all_of in parts.all_ofs {
                match all_of {
                    ScopeExpr::AllOf(required) => result.extend(required),
                    other => result.push(other),
                }
            }
            finish(result, flatten, ScopeExpr::AllOf)
        }
    }
}

/// One member is the result; after merging nested members, the merged expression is
/// simplified again, as the library does.
fn finish(
    mut members: Vec<ScopeExpr>,
    again: bool,
    wrap: fn(Vec<ScopeExpr>) -> ScopeExpr,
) -> ScopeExpr {
    if members.len() == 1 {
        return members.pop().expect("one member");
    }
    let expr = wrap(members);
    if again { simplify(&expr) } else { expr }
}

/// The members of an `AllOf` or `AnyOf` by kind, each once (`divideSubexpressions`): scopes
/// sorted by [`compare`], the others in the order they first appear.
struct Parts {
    scopes: Vec<String>,
    any_ofs: Vec<ScopeExpr>,
    all_ofs: Vec<ScopeExpr>,
}

impl Parts {
    fn divide(members: impl Iterator<Item = ScopeExpr>) -> Parts {
        let mut parts = Parts {
            scopes: Vec::new(),
            any_ofs: Vec::new(),
            all_ofs: Vec::new(),
        };
        let mut seen = HashSet::new();
        for member in members {
            if seen.contains(&member) {
                continue;
            }
            seen.insert(member.clone());
            match member {
                ScopeExpr::Scope(scope) => parts.scopes.push(scope),
                ScopeExpr::AnyOf(_) => parts.any_ofs.push(member),
                ScopeExpr::AllOf(_) => parts.all_ofs.push(member),
            }
        }
        parts.scopes.sort_by(|a, b| compare(a, b));
        parts
    }
}
