//! Method names from method and path, for a spec without `operationId`s. The rule, on the
//! repaired path (literals and parameters):
//!
//! - the verb: `GET` is `list` when it answers many (a stream or an array) and names no item,
//!   else `get`; `POST` is `add`, `PUT` and `PATCH` `update`, `DELETE` `delete`;
//! - the object: the literals after the last parameter that precedes the last literal (the
//!   resource under its owner), the last one made singular when parameters follow it (one
//!   item of the collection);
//! - the owner: parameters before the last literal, as `_for_<names>`, or `_of_did` for a
//!   DID's `scope` and `name`.
//!
//! So `GET /scopes/{account}/scopes` is `list_scopes_for_account` and `POST /rses/{rse}` is
//! `add_rse`. Names that still clash within a tag get `_by_<item parameters>`; any that clash
//! after that are named from their summary; a clash left is an error.
//!
//! Then the names Rucio users know replace these where Rucio's Python client has a method for
//! the operation ([`super::client_names`]); the rule's name stays as a rustdoc alias.

use std::collections::BTreeMap;
use std::path::Path;

use heck::ToSnakeCase;

use super::client_names::CLIENT_NAMES;
use super::spec::{Operation, Response, Segment};
use crate::error::{Error, Result};
use crate::front::api::HttpMethod;

/// Names every operation, unique within its tag.
pub fn name_all(file: &Path, ops: &mut [Operation]) -> Result<()> {
    let bases: Vec<(String, Vec<String>)> = ops.iter().map(base_name).collect();
    let mut names: Vec<String> = bases.iter().map(|(n, _)| n.clone()).collect();
    for i in clashing(ops, &names) {
        if !bases[i].1.is_empty() {
            names[i] = format!("{}_by_{}", names[i], bases[i].1.join("_"));
        }
    }
    for i in clashing(ops, &names) {
        names[i] = identifier(&ops[i].summary);
    }
    if let Some(&i) = clashing(ops, &names).first() {
        return Err(Error::new(
            file,
            ops[i].pointer.clone(),
            format!(
                "no unique name for this operation of tag {:?}: {:?} is taken",
                ops[i].tag, names[i]
            ),
        ));
    }
    for (op, name) in ops.iter_mut().zip(names) {
        op.function = name;
    }
    for op in ops.iter_mut() {
        let route = route(op);
        if let Some((_, name, python)) = CLIENT_NAMES.iter().find(|(r, ..)| *r == route) {
            if op.function != *name {
                op.aliases
                    .push(std::mem::replace(&mut op.function, (*name).to_owned()));
            }
            op.counterpart = (!python.is_empty()).then(|| (*python).to_owned());
        }
    }
    if let Some(&i) = clashing(
        ops,
        &ops.iter().map(|o| o.function.clone()).collect::<Vec<_>>(),
    )
    .first()
    {
        return Err(Error::new(
            file,
            ops[i].pointer.clone(),
            format!(
                "the Rucio client's name {:?} is taken in tag {:?}",
                ops[i].function, ops[i].tag
            ),
        ));
    }
    Ok(())
}

/// `GET /dids/{scope}/{name}`: the method and the repaired path, as [`CLIENT_NAMES`] keys them.
pub fn route(op: &Operation) -> String {
    let path: String = op
        .path
        .iter()
        .map(|s| match s {
            Segment::Literal(l) => format!("/{l}"),
            Segment::Param(p) => format!("/{{{p}}}"),
        })
        .collect();
    format!("{} {path}", op.http.uppercase())
}

/// The operations whose name another operation of their tag has too.
fn clashing(ops: &[Operation], names: &[String]) -> Vec<usize> {
    let mut seen: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for (op, name) in ops.iter().zip(names) {
        *seen.entry((op.tag.as_str(), name.as_str())).or_default() += 1;
    }
    (0..ops.len())
        .filter(|&i| seen[&(ops[i].tag.as_str(), names[i].as_str())] > 1)
        .collect()
}

/// The name by rule, and the item parameters (after the last literal) to tell clashes apart.
fn base_name(op: &Operation) -> (String, Vec<String>) {
    let segments: Vec<&Segment> = op
        .path
        .iter()
        .filter(|s| **s != Segment::Literal(String::new()))
        .collect();
    let last_literal = segments
        .iter()
        .rposition(|s| matches!(s, Segment::Literal(_)));
    let param = |s: &Segment| match s {
        Segment::Param(p) => Some(p.clone()),
        Segment::Literal(_) => None,
    };
    let Some(last) = last_literal else {
        return (verb(op, false).to_owned(), Vec::new());
    };
    let owners: Vec<String> = segments[..last].iter().filter_map(|s| param(s)).collect();
    let keys: Vec<String> = segments[last..].iter().filter_map(|s| param(s)).collect();
    let owner_end = segments[..last]
        .iter()
        .rposition(|s| matches!(s, Segment::Param(_)))
        .map_or(0, |i| i + 1);
    let mut object: Vec<String> = segments[owner_end..=last]
        .iter()
        .filter_map(|s| match s {
            Segment::Literal(l) => Some(l.clone()),
            Segment::Param(_) => None,
        })
        .collect();
    if !keys.is_empty()
        && let Some(word) = object.last_mut()
    {
        *word = singular(word);
    }
    let mut name = format!("{}_{}", verb(op, !keys.is_empty()), object.join("_"));
    if owners == ["scope", "name"] {
        name.push_str("_of_did");
    } else if !owners.is_empty() {
        name.push_str("_for_");
        name.push_str(&owners.join("_"));
    }
    (identifier(&name), keys)
}

fn verb(op: &Operation, names_an_item: bool) -> &'static str {
    match op.http {
        HttpMethod::Get => {
            let many = match &op.response {
                Response::Stream(_) => true,
                Response::Json(schema) => {
                    schema.get("type").and_then(|t| t.as_str()) == Some("array")
                }
                _ => false,
            };
            if many && !names_an_item {
                "list"
            } else {
                "get"
            }
        }
        HttpMethod::Post => "add",
        HttpMethod::Put | HttpMethod::Patch => "update",
        HttpMethod::Delete => "delete",
    }
}

/// `rses` → `rse`, `policies` → `policy`; `status` and `class` stay.
fn singular(word: &str) -> String {
    if let Some(stem) = word.strip_suffix("ies") {
        format!("{stem}y")
    } else if word.ends_with("ss") || word.ends_with("us") || word.len() <= 3 {
        word.to_owned()
    } else if let Some(stem) = word.strip_suffix('s') {
        stem.to_owned()
    } else {
        word.to_owned()
    }
}

/// snake_case, ASCII letters, digits and `_` only.
fn identifier(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    cleaned.to_snake_case()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// An operation of tag `Things` at `path` (`{x}` a parameter), as read, not yet named.
    fn op(http: HttpMethod, path: &str, response: Response) -> Operation {
        Operation {
            tag: "Things".into(),
            function: String::new(),
            aliases: Vec::new(),
            counterpart: None,
            summary: format!("{} {path}", http.uppercase()),
            description: String::new(),
            http,
            path: path
                .split('/')
                .skip(1)
                .map(
                    |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                        Some(p) => Segment::Param(p.into()),
                        None => Segment::Literal(s.into()),
                    },
                )
                .collect(),
            params: Vec::new(),
            body: None,
            response,
            needs_token: true,
            deprecated: false,
            pointer: format!("/paths/{path}"),
            repairs: Vec::new(),
        }
    }

    fn named(mut ops: Vec<Operation>) -> Vec<String> {
        name_all(Path::new("spec.yaml"), &mut ops).unwrap_or_else(|e| panic!("{e}"));
        ops.into_iter().map(|o| o.function).collect()
    }

    fn many() -> Response {
        Response::Stream(json!({"type": "object"}))
    }

    fn one() -> Response {
        Response::Json(json!({"type": "object"}))
    }

    #[test]
    fn names_come_from_the_verb_the_object_and_its_owner() {
        use HttpMethod::*;
        let names = named(vec![
            op(Get, "/things", many()),
            op(Get, "/things/{id}", one()),
            op(Post, "/things/{id}", Response::Empty),
            op(Put, "/things/{id}", Response::Empty),
            op(Delete, "/things/{id}", Response::Empty),
            op(Get, "/accounts/{account}/things", many()),
            op(Get, "/dids/{scope}/{name}/things", many()),
            // A JSON array answers many, too; a trailing `/` is no word.
            op(Get, "/policies/", Response::Json(json!({"type": "array"}))),
        ]);
        assert_eq!(
            names,
            [
                "list_things",
                "get_thing",
                "add_thing",
                "update_thing",
                "delete_thing",
                "list_things_for_account",
                "list_things_of_did",
                "list_policies",
            ]
        );
    }

    #[test]
    fn clashes_are_told_apart_by_item_parameters_then_by_summary() {
        use HttpMethod::*;
        let names = named(vec![
            op(Get, "/things/{id}", one()),
            op(Get, "/things/{id}/{version}", one()),
            op(Get, "/x/things", one()),
            op(Get, "/y/things", one()),
        ]);
        assert_eq!(
            names,
            [
                "get_thing_by_id",
                "get_thing_by_id_version",
                "get_x_things",
                "get_y_things",
            ]
        );
        let names = named(vec![
            op(Get, "/a/{k}/things", one()),
            op(Get, "/b/{k}/things", one()),
        ]);
        // Same verb, object and owner, no item parameter: the summaries name them.
        assert_eq!(names, ["get_a_k_things", "get_b_k_things"]);
    }

    #[test]
    fn a_clash_nothing_resolves_is_an_error_at_the_operation() {
        let mut a = op(HttpMethod::Get, "/things", one());
        let mut b = op(HttpMethod::Get, "/things/", one());
        a.summary = "Same".into();
        b.summary = "Same".into();
        let mut ops = vec![a, b];
        let e = name_all(Path::new("spec.yaml"), &mut ops).unwrap_err();
        assert_eq!(
            e.to_string(),
            "spec.yaml: /paths//things: no unique name for this operation of tag \"Things\": \
             \"same\" is taken"
        );
    }

    #[test]
    fn rucio_client_names_replace_the_rule_which_stays_an_alias() {
        let (route, name, python) = CLIENT_NAMES[0];
        let (method, path) = route.split_once(' ').unwrap();
        let http = HttpMethod::parse(&method.to_lowercase()).unwrap();
        let mut ops = vec![op(http, path, Response::Empty)];
        name_all(Path::new("spec.yaml"), &mut ops).unwrap();
        assert_eq!(route, "DELETE /accounts/{account}/attr/{key}");
        assert_eq!(ops[0].function, name);
        assert_eq!(ops[0].aliases, ["delete_attr_for_account"]);
        assert_eq!(ops[0].counterpart.as_deref(), Some(python));
    }

    #[test]
    fn singular_words() {
        assert_eq!(singular("rses"), "rse");
        assert_eq!(singular("policies"), "policy");
        assert_eq!(singular("status"), "status");
        assert_eq!(singular("attr"), "attr");
        assert_eq!(singular("distances"), "distance");
    }

    #[test]
    fn identifiers() {
        assert_eq!(
            identifier("Approve/Reject exception"),
            "approve_reject_exception"
        );
        assert_eq!(identifier("get_lfns2pfns"), "get_lfns2pfns");
    }
}
