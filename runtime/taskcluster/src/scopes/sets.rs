//! Scope sets: sort order, normalization, union and intersection.

use std::cmp::Ordering;
use std::collections::HashSet;

use super::expr::pattern_match;

/// Taskcluster's sort order for scopes (`scopeCompare`): as strings, but with a trailing `*`
/// sorting before the end of the string, so that `P*` comes right before `P`, which comes
/// before everything else starting with `P`: `*`, ``, `a*`, `a`, `a(`, `aa`, `b`.
///
/// Strings compare as JavaScript compares them, by UTF-16 code unit (the same as by byte for
/// ASCII, which all valid scopes are).
pub fn compare(a: &str, b: &str) -> Ordering {
    let (a_body, a_star) = strip_star(a);
    let (b_body, b_star) = strip_star(b);
    if a_star != b_star && a_body == b_body {
        return if a_star {
            Ordering::Less
        } else {
            Ordering::Greater
        };
    }
    compare_utf16(a_body, b_body)
}

fn strip_star(scope: &str) -> (&str, bool) {
    match scope.strip_suffix('*') {
        Some(body) => (body, true),
        None => (scope, false),
    }
}

/// Compares as JavaScript's `<` does: by UTF-16 code unit. That differs from byte order only
/// where a character beyond U+FFFF (a surrogate pair, from 0xD800) meets one from U+E000 to
/// U+FFFF.
fn compare_utf16(a: &str, b: &str) -> Ordering {
    let mut same = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    while !a.is_char_boundary(same) {
        same -= 1;
    }
    match (a[same..].chars().next(), b[same..].chars().next()) {
        (Some(x), Some(y)) => first_utf16_unit(x)
            .cmp(&first_utf16_unit(y))
            .then(x.cmp(&y)),
        (x, y) => x.is_some().cmp(&y.is_some()),
    }
}

fn first_utf16_unit(c: char) -> u32 {
    let mut units = [0; 2];
    u32::from(c.encode_utf16(&mut units)[0])
}

/// Sorts scopes in place by [`compare`].
pub fn sort(scopes: &mut [String]) {
    scopes.sort_by(|a, b| compare(a, b));
}

/// Normalizes a scope set: sorts it by [`compare`], then drops duplicates and every scope that
/// another scope of the set satisfies (`a*` satisfies `a`, `ab` and `a*b`). The result is sorted
/// (`normalizeScopeSet` on the sorted set).
pub fn normalize<S: AsRef<str>>(scopes: &[S]) -> Vec<String> {
    let mut sorted: Vec<String> = scopes.iter().map(|s| s.as_ref().to_owned()).collect();
    sort(&mut sorted);
    normalize_sorted(sorted)
}

/// `normalizeScopeSet`: the input must be sorted by [`compare`].
pub(super) fn normalize_sorted(sorted: Vec<String>) -> Vec<String> {
    let mut result: Vec<String> = Vec::with_capacity(sorted.len());
    let mut rest = sorted.into_iter().peekable();
    while let Some(scope) = rest.next() {
        while rest.next_if(|next| *next == scope).is_some() {}
        if let Some(prefix) = scope.strip_suffix('*') {
            while rest.next_if(|next| next.starts_with(prefix)).is_some() {}
        }
        result.push(scope);
    }
    result
}

/// The union of two scope sets, normalized (`scopeUnion`: both sets normalized, then
/// `mergeScopeSets`): a scope is satisfied by the result if and only if either set satisfies
/// it.
pub fn merge<S: AsRef<str>, T: AsRef<str>>(a: &[S], b: &[T]) -> Vec<String> {
    let a = normalize(a);
    let b = normalize(b);
    let mut merged = Vec::with_capacity(a.len() + b.len());
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    loop {
        let scope = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) if x == y => {
                b.next();
                a.next()
            }
            (Some(x), Some(y)) if compare(x, y) == Ordering::Less => a.next(),
            (Some(_), Some(_)) => b.next(),
            // One set is used up: the rest of the other is normalized already.
            (Some(_), None) => {
                merged.extend(a);
                break;
            }
            (None, _) => {
                merged.extend(b);
                break;
            }
        };
        let Some(scope) = scope else { break };
        if let Some(prefix) = scope.strip_suffix('*') {
            while a.next_if(|next| next.starts_with(prefix)).is_some() {}
            while b.next_if(|next| next.starts_with(prefix)).is_some() {}
        }
        merged.push(scope);
    }
    merged
}

/// The scopes of `a` satisfied by some scope of `b`, then the scopes of `b` satisfied by some
/// scope of `a`, each once, first occurrence kept (`scopeIntersection`). The result is
/// neither sorted nor normalized.
pub fn intersection<S: AsRef<str>, T: AsRef<str>>(a: &[S], b: &[T]) -> Vec<String> {
    let from_a = a
        .iter()
        .map(AsRef::as_ref)
        .filter(|x| b.iter().any(|y| pattern_match(y.as_ref(), x)));
    let from_b = b
        .iter()
        .map(AsRef::as_ref)
        .filter(|y| a.iter().any(|x| pattern_match(x.as_ref(), y)));
    let mut seen = HashSet::new();
    from_a
        .chain(from_b)
        .filter(|scope| seen.insert(*scope))
        .map(str::to_owned)
        .collect()
}
