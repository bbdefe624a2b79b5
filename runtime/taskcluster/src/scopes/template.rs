//! Scope expression templates: the `scopes` of api.json methods, rendered with parameters.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer};
use serde_json::Value;

use super::expr::ScopeExpr;
use super::params::{Param, ParamKind, Params};

/// A scope expression template, as a method's `scopes` in api.json (Taskcluster's
/// `ScopeExpressionTemplate`): [`render`](Template::render) it with the request's parameters to
/// get the [`ScopeExpr`] the call requires.
///
/// Its JSON form: a string, in which `<name>` stands for parameter `name`
/// (`[a-zA-Z][a-zA-Z0-9_]*`; any other `<` is literal); `{"AllOf": [...]}`; `{"AnyOf": [...]}`;
/// `{"for": var, "in": list, "each": string}` (inside an `AllOf` or `AnyOf` only: its scopes
/// join that array); `{"if": flag, "then": template}` with an optional `"else"` (`then` and
/// `else` are not `for` templates). Deserializing refuses anything else, and a template that
/// uses one parameter as two kinds.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Template {
    /// A scope with `<param>`s.
    Scope(String),
    /// All of these.
    AllOf(Vec<Template>),
    /// Any of these.
    AnyOf(Vec<Template>),
    /// For each string in the list parameter `collection`, the scope `each` rendered with
    /// `<variable>` standing for that string.
    ForEach {
        /// The name each item is bound to in `each` (`for`).
        variable: String,
        /// The list parameter iterated (`in`).
        collection: String,
        /// The scope rendered for each item.
        each: String,
    },
    /// `then` if the boolean parameter `condition` is true, else `otherwise`, else nothing.
    If {
        /// The boolean parameter tested (`if`).
        condition: String,
        /// Rendered when it is true.
        then: Box<Template>,
        /// Rendered when it is false (`else`); without it, false renders nothing.
        otherwise: Option<Box<Template>>,
    },
}

/// Why a [`Template`] could not be rendered: a parameter missing or of the wrong kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderError {
    parameter: String,
    problem: Problem,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Problem {
    NotString,
    NotList,
    NotBool,
    ForAtRoot,
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = &self.parameter;
        match self.problem {
            Problem::NotString => write!(
                f,
                "scope template expects parameter `{p}` to be a string or number"
            ),
            Problem::NotList => write!(
                f,
                "scope template expects parameter `{p}` to be a list of strings"
            ),
            Problem::NotBool => write!(f, "scope template expects parameter `{p}` to be a boolean"),
            Problem::ForAtRoot => write!(
                f,
                "scope template has a `for` over parameter `{p}` outside AllOf or AnyOf"
            ),
        }
    }
}

impl std::error::Error for RenderError {}

/// So that `required_scopes::<method>(..)?` works in a function returning the crate's
/// [`Result`](crate::Result).
impl From<RenderError> for crate::Error {
    fn from(e: RenderError) -> crate::Error {
        crate::Error::new(crate::ErrorKind::InvalidInput, e.to_string())
    }
}

fn error(parameter: &str, problem: Problem) -> RenderError {
    RenderError {
        parameter: parameter.to_owned(),
        problem,
    }
}

/// What a template renders to before it is placed: nothing (a false `if` without `else`), one
/// expression, or the scopes of a `for` (which join the enclosing array).
enum Rendered<'t> {
    Nothing,
    One(ScopeExpr),
    Many(Vec<ScopeExpr>, &'t str),
}

impl Template {
    /// The scope expression this template requires with `params`.
    ///
    /// Each `<name>` needs a string parameter, each `for` a list, each `if` a boolean, else this
    /// fails naming the parameter. A false `if` without `else` renders nothing: at the root that
    /// means no scopes are needed, and renders as an empty `AllOf`.
    pub fn render(&self, params: &Params) -> Result<ScopeExpr, RenderError> {
        match self.render_node(params)? {
            Rendered::Nothing => Ok(ScopeExpr::AllOf(Vec::new())),
            Rendered::One(expr) => Ok(expr),
            Rendered::Many(_, collection) => Err(error(collection, Problem::ForAtRoot)),
        }
    }

    fn render_node(&self, params: &Params) -> Result<Rendered<'_>, RenderError> {
        Ok(match self {
            Template::Scope(scope) => {
                Rendered::One(ScopeExpr::Scope(substitute(scope, params, None)?))
            }
            Template::AllOf(members) => {
                Rendered::One(ScopeExpr::AllOf(render_members(members, params)?))
            }
            Template::AnyOf(members) => {
                Rendered::One(ScopeExpr::AnyOf(render_members(members, params)?))
            }
            Template::ForEach {
                variable,
                collection,
                each,
            } => match params.get(collection) {
                Some(Param::List(items)) => Rendered::Many(
                    items
                        .iter()
                        .map(|item| {
                            substitute(each, params, Some((variable, item))).map(ScopeExpr::Scope)
                        })
                        .collect::<Result<_, _>>()?,
                    collection,
                ),
                _ => return Err(error(collection, Problem::NotList)),
            },
            Template::If {
                condition,
                then,
                otherwise,
            } => match (params.get(condition), otherwise) {
                (Some(Param::Bool(true)), _) => then.render_node(params)?,
                (Some(Param::Bool(false)), Some(otherwise)) => otherwise.render_node(params)?,
                (Some(Param::Bool(false)), None) => Rendered::Nothing,
                _ => return Err(error(condition, Problem::NotBool)),
            },
        })
    }

    /// The parameters the template reads, with what kind each must be, in the order they first
    /// appear (a `for` variable is not one: `each` binds it). A name is listed twice only if a
    /// template built by hand uses it as two kinds (which deserializing refuses).
    pub fn params(&self) -> Vec<(String, ParamKind)> {
        let mut list = Vec::new();
        match self {
            Template::Scope(scope) => {
                for name in param_names(scope) {
                    add(&mut list, name, ParamKind::String);
                }
            }
            Template::AllOf(members) | Template::AnyOf(members) => {
                for member in members {
                    for (name, kind) in member.params() {
                        add(&mut list, &name, kind);
                    }
                }
            }
            Template::ForEach {
                variable,
                collection,
                each,
            } => {
                add(&mut list, collection, ParamKind::List);
                for name in param_names(each).filter(|name| name != variable) {
                    add(&mut list, name, ParamKind::String);
                }
            }
            Template::If {
                condition,
                then,
                otherwise,
            } => {
                add(&mut list, condition, ParamKind::Bool);
                for branch in std::iter::once(then).chain(otherwise) {
                    for (name, kind) in branch.params() {
                        add(&mut list, &name, kind);
                    }
                }
            }
        }
        list
    }
}

fn add(list: &mut Vec<(String, ParamKind)>, name: &str, kind: ParamKind) {
    if !list.iter().any(|(n, k)| n == name && *k == kind) {
        list.push((name.to_owned(), kind));
    }
}

fn render_members(members: &[Template], params: &Params) -> Result<Vec<ScopeExpr>, RenderError> {
    let mut rendered = Vec::with_capacity(members.len());
    for member in members {
        match member.render_node(params)? {
            Rendered::Nothing => {}
            Rendered::One(expr) => rendered.push(expr),
            Rendered::Many(exprs, _) => rendered.extend(exprs),
        }
    }
    Ok(rendered)
}

/// A piece of a template string: literal text, or the name in a `<name>`.
enum Piece<'s> {
    Text(&'s str),
    Param(&'s str),
}

/// Splits a template string as Taskcluster does, at every `<name>` (`<([a-zA-Z][a-zA-Z0-9_]*)>`).
fn pieces(template: &str) -> impl Iterator<Item = Piece<'_>> {
    let bytes = template.as_bytes();
    let mut text_start = 0;
    let mut at = 0;
    let mut pending: Option<&str> = None;
    let mut done = false;
    std::iter::from_fn(move || {
        if let Some(name) = pending.take() {
            return Some(Piece::Param(name));
        }
        while at < bytes.len() {
            if bytes[at] == b'<'
                && let Some(len) = name_then_close(&bytes[at + 1..])
            {
                let text = &template[text_start..at];
                pending = Some(&template[at + 1..at + 1 + len]);
                at += len + 2;
                text_start = at;
                return Some(Piece::Text(text));
            }
            at += 1;
        }
        if done {
            return None;
        }
        done = true;
        Some(Piece::Text(&template[text_start..]))
    })
}

/// The length of a parameter name at the start of `bytes` if a `>` follows it.
fn name_then_close(bytes: &[u8]) -> Option<usize> {
    if !bytes.first()?.is_ascii_alphabetic() {
        return None;
    }
    let len = bytes.iter().take_while(|b| is_name_byte(**b)).count();
    (bytes.get(len) == Some(&b'>')).then_some(len)
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Whether `name` can name a parameter: `[a-zA-Z][a-zA-Z0-9_]*`.
fn is_param_name(name: &str) -> bool {
    name.as_bytes().first().is_some_and(u8::is_ascii_alphabetic) && name.bytes().all(is_name_byte)
}

fn param_names(template: &str) -> impl Iterator<Item = &str> {
    pieces(template).filter_map(|piece| match piece {
        Piece::Param(name) => Some(name),
        Piece::Text(_) => None,
    })
}

/// `template` with each `<name>` replaced by its string parameter; `binding` is a `for`
/// variable and its current item.
fn substitute(
    template: &str,
    params: &Params,
    binding: Option<(&str, &str)>,
) -> Result<String, RenderError> {
    let mut out = String::with_capacity(template.len());
    for piece in pieces(template) {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Param(name) => match (binding, params.get(name)) {
                (Some((variable, item)), _) if variable == name => out.push_str(item),
                (_, Some(Param::Str(value))) => out.push_str(value),
                _ => return Err(error(name, Problem::NotString)),
            },
        }
    }
    Ok(out)
}

impl<'de> Deserialize<'de> for Template {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let json = Value::deserialize(deserializer)?;
        let template = parse(&json, "", true).map_err(de::Error::custom)?;
        let params = template.params();
        for (i, (name, kind)) in params.iter().enumerate() {
            if let Some((_, other)) = params[..i].iter().find(|(n, _)| n == name) {
                return Err(de::Error::custom(format_args!(
                    "invalid scope template: parameter `{name}` is used both as {} and as {}",
                    kind_name(*other),
                    kind_name(*kind)
                )));
            }
        }
        Ok(template)
    }
}

fn kind_name(kind: ParamKind) -> &'static str {
    match kind {
        ParamKind::String => "a string",
        ParamKind::List => "a list",
        ParamKind::Bool => "a boolean",
    }
}

/// A template from its JSON form (`validateTemplate`; `root`: `validRootTemplate`, which also
/// refuses a `for`); errors say where, as a path from the template's root.
fn parse(json: &Value, path: &str, root: bool) -> Result<Template, String> {
    let fail = |message: String| {
        let at = if path.is_empty() {
            String::new()
        } else {
            format!(" at `{path}`")
        };
        format!("invalid scope template{at}: {message}")
    };
    let object = match json {
        Value::String(scope) => return Ok(Template::Scope(scope.clone())),
        Value::Object(object) => object,
        _ => {
            return Err(fail(format!(
                "expected a string or an object, found {json}"
            )));
        }
    };
    let join = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    let name = |key: &str| match object.get(key) {
        Some(Value::String(name)) if is_param_name(name) => Ok(name.clone()),
        _ => Err(fail(format!(
            "`{key}` must be a parameter name ([a-zA-Z][a-zA-Z0-9_]*)"
        ))),
    };
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    match keys.as_slice() {
        [key @ ("AllOf" | "AnyOf")] => {
            let Some(Value::Array(items)) = object.get(*key) else {
                return Err(fail(format!("`{key}` must be an array of templates")));
            };
            let members = items
                .iter()
                .enumerate()
                .map(|(i, item)| parse(item, &format!("{}[{i}]", join(key)), false))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(if *key == "AllOf" {
                Template::AllOf(members)
            } else {
                Template::AnyOf(members)
            })
        }
        ["each", "for", "in"] => {
            if root {
                return Err(fail(
                    "a `for` template must be inside AllOf or AnyOf".to_owned(),
                ));
            }
            let Some(Value::String(each)) = object.get("each") else {
                return Err(fail("`each` must be a string".to_owned()));
            };
            Ok(Template::ForEach {
                variable: name("for")?,
                collection: name("in")?,
                each: each.clone(),
            })
        }
        ["if", "then"] | ["else", "if", "then"] => Ok(Template::If {
            condition: name("if")?,
            then: Box::new(parse(&object["then"], &join("then"), true)?),
            otherwise: match object.get("else") {
                Some(otherwise) => Some(Box::new(parse(otherwise, &join("else"), true)?)),
                None => None,
            },
        }),
        _ => Err(fail(format!(
            "expected an object with the keys AllOf, AnyOf, for/in/each or if/then/else, found {keys:?}"
        ))),
    }
}
