//! Scope expressions: the type, its JSON form, satisfaction and validity.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};

/// A scope expression: what a Taskcluster API method requires of its caller.
///
/// Its JSON form (in api.json, in `InsufficientScopes` errors) is a scope string, or an object
/// with exactly one key, `AllOf` or `AnyOf`, whose value is an array of scope expressions.
/// Anything else fails to deserialize. [`Display`](fmt::Display) writes the compact JSON.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ScopeExpr {
    /// A single scope: satisfied by a scope set with a scope that matches it (see
    /// [`pattern_match`]).
    Scope(String),
    /// Satisfied when every member is (so an empty `AllOf` always is).
    AllOf(Vec<ScopeExpr>),
    /// Satisfied when some member is (so an empty `AnyOf` never is).
    AnyOf(Vec<ScopeExpr>),
}

impl ScopeExpr {
    /// Whether the scope set `scopes` satisfies this expression (`satisfiesExpression`).
    ///
    /// A scope is satisfied by a given scope that matches it, `AllOf` by all its members,
    /// `AnyOf` by one of them. `assume:` scopes are not expanded: expand them first (the auth
    /// service's `expandScopes`) if the set may hold roles.
    pub fn is_satisfied_by<S: AsRef<str>>(&self, scopes: &[S]) -> bool {
        match self {
            ScopeExpr::Scope(scope) => is_given(scopes, scope),
            ScopeExpr::AllOf(members) => members.iter().all(|m| m.is_satisfied_by(scopes)),
            ScopeExpr::AnyOf(members) => members.iter().any(|m| m.is_satisfied_by(scopes)),
        }
    }

    /// Whether every scope in the expression is a valid scope ([`is_valid_scope`]), which is
    /// what `validExpression` checks beyond the structure this type already guarantees.
    pub fn is_valid(&self) -> bool {
        match self {
            ScopeExpr::Scope(scope) => is_valid_scope(scope),
            ScopeExpr::AllOf(members) | ScopeExpr::AnyOf(members) => {
                members.iter().all(ScopeExpr::is_valid)
            }
        }
    }
}

/// Whether some scope of `scopes` matches `scope` (used as a pattern: see [`pattern_match`]).
pub(super) fn is_given<S: AsRef<str>>(scopes: &[S], scope: &str) -> bool {
    scopes
        .iter()
        .any(|given| pattern_match(given.as_ref(), scope))
}

/// Whether `scope` is a valid scope (`validScope`): printable ASCII only, space included
/// (bytes `0x20` to `0x7e`). The empty string is a valid scope.
pub fn is_valid_scope(scope: &str) -> bool {
    scope.bytes().all(|b| (0x20..=0x7e).contains(&b))
}

/// Whether the given scope `pattern` satisfies the required `scope` (`patternMatch`): they are
/// equal, or `pattern` ends in `*` and `scope` starts with the rest of `pattern`. Only a
/// trailing `*` is special, and `*` alone matches every scope.
pub fn pattern_match(pattern: &str, scope: &str) -> bool {
    scope == pattern
        || pattern
            .strip_suffix('*')
            .is_some_and(|prefix| scope.starts_with(prefix))
}

impl From<&str> for ScopeExpr {
    fn from(scope: &str) -> Self {
        ScopeExpr::Scope(scope.to_owned())
    }
}

impl From<String> for ScopeExpr {
    fn from(scope: String) -> Self {
        ScopeExpr::Scope(scope)
    }
}

impl fmt::Display for ScopeExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let json = serde_json::to_string(self).map_err(|_| fmt::Error)?;
        f.write_str(&json)
    }
}

impl Serialize for ScopeExpr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (key, members) = match self {
            ScopeExpr::Scope(scope) => return serializer.serialize_str(scope),
            ScopeExpr::AllOf(members) => ("AllOf", members),
            ScopeExpr::AnyOf(members) => ("AnyOf", members),
        };
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(key, members)?;
        map.end()
    }
}

impl<'de> Deserialize<'de> for ScopeExpr {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ExprVisitor)
    }
}

struct ExprVisitor;

const KEYS: &[&str] = &["AllOf", "AnyOf"];

impl<'de> Visitor<'de> for ExprVisitor {
    type Value = ScopeExpr;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a scope expression: a scope, or an object with one key, AllOf or AnyOf")
    }

    fn visit_str<E: de::Error>(self, scope: &str) -> Result<ScopeExpr, E> {
        Ok(ScopeExpr::Scope(scope.to_owned()))
    }

    fn visit_string<E: de::Error>(self, scope: String) -> Result<ScopeExpr, E> {
        Ok(ScopeExpr::Scope(scope))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ScopeExpr, A::Error> {
        let Some(key) = map.next_key::<String>()? else {
            return Err(de::Error::custom(
                "a scope expression object needs one key, AllOf or AnyOf",
            ));
        };
        let expr = match key.as_str() {
            "AllOf" => ScopeExpr::AllOf(map.next_value()?),
            "AnyOf" => ScopeExpr::AnyOf(map.next_value()?),
            _ => return Err(de::Error::unknown_field(&key, KEYS)),
        };
        if let Some(other) = map.next_key::<String>()? {
            return Err(de::Error::custom(format_args!(
                "a scope expression object has exactly one key, but `{key}` is followed by `{other}`"
            )));
        }
        Ok(expr)
    }
}
