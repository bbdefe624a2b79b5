//! Taskcluster scopes, as `taskcluster-lib-scopes` 11.0.0 defines them: scope matching, scope
//! expressions, scope sets (sort order, normalization, union, intersection), explanations of
//! what satisfied an expression or what is missing; and the scope templates of api.json.
//!
//! A scope is a string of printable ASCII; a given scope ending in `*` satisfies every scope
//! that starts with the rest of it. A [`ScopeExpr`] says what a method requires: a scope, or
//! `AllOf` / `AnyOf` a list of expressions. Nothing here expands `assume:` scopes (roles): that
//! is the auth service's `expandScopes`.
//!
//! ```
//! use tc_runtime::scopes::{self, Params, ScopeExpr, Template};
//!
//! let required: ScopeExpr = serde_json::from_str(
//!     r#"{"AnyOf": ["queue:create-task:high:proj/ci",
//!                   {"AllOf": ["queue:define-task:proj/ci", "queue:schedule-task:proj/ci"]}]}"#,
//! )?;
//! let given = ["queue:define-task:proj/*", "queue:schedule-task:proj/ci"];
//! assert!(required.is_satisfied_by(&given));
//! assert_eq!(
//!     scopes::remove_given(&["queue:define-task:*"], &required).unwrap().to_string(),
//!     r#"{"AnyOf":["queue:create-task:high:proj/ci","queue:schedule-task:proj/ci"]}"#,
//! );
//! assert_eq!(scopes::normalize(&["a", "a*", "ab", "b"]), ["a*", "b"]);
//!
//! // A method's `scopes` from api.json, rendered with the request's parameters.
//! let template: Template = serde_json::from_str(
//!     r#"{"AllOf": ["queue:scheduler-id:<schedulerId>",
//!                   {"for": "route", "in": "routes", "each": "queue:route:<route>"}]}"#,
//! )?;
//! let mut params = Params::new();
//! params
//!     .set("schedulerId", "taskcluster-ui")
//!     .set("routes", vec!["index.a".to_string(), "index.b".to_string()]);
//! assert_eq!(
//!     template.render(&params)?.to_string(),
//!     r#"{"AllOf":["queue:scheduler-id:taskcluster-ui","queue:route:index.a","queue:route:index.b"]}"#,
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod derive;
mod explain;
mod expr;
mod params;
mod sets;
mod template;

pub use explain::{remove_given, satisfying, simplify};
pub use expr::{ScopeExpr, is_valid_scope, pattern_match};
pub use params::{Param, ParamKind, Params};
pub use sets::{compare, intersection, merge, normalize, sort};
pub use template::{RenderError, Template};
