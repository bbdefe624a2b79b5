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
use crate::front::references::HttpMethod;

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
    use super::*;

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
