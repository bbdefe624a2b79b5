//! The repairs of Rucio's spec, each a rule applied to every operation it fits:
//!
//! - [`SPLIT_SCOPE_NAME`]: a `{scope_name}` path parameter is a DID, `scope/name` in two
//!   segments (the server routes it as a path); it becomes `{scope}` and `{name}`.
//! - [`KNOWN_SCHEMAS`]: a `$ref` to a component schema the spec does not define is replaced by
//!   the schema of the table below (Rucio's enums, written as the server writes them: by
//!   name). A `$ref` the table does not know either is an error at its JSON pointer.
//! - [`PATH_PARAMETER_NOT_IN_PATH`]: a path parameter the path does not have is dropped (the
//!   one case, `POST /dids/{scope_name}/meta`'s `key`, documents an optional `/meta/<key>`
//!   route; the call without it, which sets several keys at once, is the one generated).
//! - [`EMPTY_ENUM`]: `enum: []` (which no value matches; written for answers with no values
//!   documented) is dropped, leaving the schema's `type`.
//! - [`PYTHON_TYPES`]: `type: str` (and `int`, `float`, `bool`, `dict`, `list`), Python's
//!   names, are JSON Schema's `string` (`integer`, `number`, `boolean`, `object`, `array`).
//! - [`RFC1123_DATES`]: `format: date-time` means RFC 3339, but Rucio's server writes its
//!   times as RFC 1123 (`Mon, 13 May 2013 10:23:03 UTC`, as the spec's own introduction says),
//!   so the format is dropped: such fields are strings, which any time reads as.
//! - [`WORD_ANSWERS`]: an answer documented as a one-word string enum (`"Created"`,
//!   `"Deleted"`, `""`, or none) is the server's plain-text acknowledgement, not JSON: the call
//!   answers nothing, its status says it worked.
//! - [`CORRECTED_MEMBERS`]: members the server reads or writes in another shape than the spec
//!   says, from the table below (each entry says what the server does).
//! - [`ANSWERS_REQUIRE_NOTHING`]: the spec marks answer fields required that the server
//!   leaves out or sends as `null` (a dataset's `md5` in a container's listing), so in answers
//!   nothing is required: every field is an `Option`, and an answer never fails to read for
//!   a field the server did not fill.
//! - [`STRING_ANSWERS`]: a JSON answer documented as a bare `type: string` is, from this
//!   server (which writes every answer with `render_json`), an object the docstring did not
//!   describe (`GET /rules/{rule_id}` answers the rule); such answers are read as any JSON.
//! - [`BODY_PARAMETER`]: a parameter `in: body` (OpenAPI 2's form) is the request body.
//! - [`AUTH_NEEDS_NO_TOKEN`]: `/auth/*` operations issue the token; they do not send one.
//! - [`ADDED_OPERATIONS`]: endpoints the server has that the spec lacks, from the table below.
//!
//! The tables are the only knowledge here that is not in the spec; they are short on purpose
//! and each entry says where its facts come from.

use serde_json::{Map, Value, json};

use super::{Location, Operation, Parameter, Response, Segment, Spec};
use crate::error::{Error, Result};
use crate::model::HttpMethod;

pub const SPLIT_SCOPE_NAME: &str = "split-scope-name";
pub const KNOWN_SCHEMAS: &str = "known-schemas";
pub const AUTH_NEEDS_NO_TOKEN: &str = "auth-needs-no-token";
pub const ADDED_OPERATIONS: &str = "added-operations";
pub const BODY_PARAMETER: &str = "body-parameter";
pub const EMPTY_ENUM: &str = "empty-enum";
pub const PYTHON_TYPES: &str = "python-types";
pub const RFC1123_DATES: &str = "rfc1123-dates";
pub const WORD_ANSWERS: &str = "word-answers";
pub const CORRECTED_MEMBERS: &str = "corrected-members";
pub const ANSWERS_REQUIRE_NOTHING: &str = "answers-require-nothing";
pub const STRING_ANSWERS: &str = "string-answers";

/// Where a correction applies: the request body or the answer (a stream's item).
#[derive(Clone, Copy)]
enum Part {
    Body,
    Answer,
}

/// What the member really is.
#[derive(Clone, Copy)]
enum Shape {
    /// A list of what the spec documents.
    ListOfIt,
    /// Any JSON (an object keyed by values, which the spec has no way to say here).
    AnyJson,
}

/// (operation, part, member pointer, shape), from the 41.5.1 server's code.
const CORRECTIONS: &[(&str, Part, &str, Shape)] = &[
    // `rucio.gateway.did.attach_dids` iterates over `dids`.
    (
        "/paths/~1dids~1{scope_name}~1dids/post",
        Part::Body,
        "/properties/dids",
        Shape::ListOfIt,
    ),
    // `list_replicas` answers `pfns` keyed by PFN and `rses` keyed by RSE.
    (
        "/paths/~1replicas~1{scope_name}/get",
        Part::Answer,
        "/properties/pfns",
        Shape::AnyJson,
    ),
    (
        "/paths/~1replicas~1{scope_name}/get",
        Part::Answer,
        "/properties/rses",
        Shape::AnyJson,
    ),
];

pub const PATH_PARAMETER_NOT_IN_PATH: &str = "path-parameter-not-in-path";

/// Component schemas the spec refers to without defining them: Rucio's enums
/// (`rucio.db.sqla.constants` of 41.5.1), which the server's JSON encoder writes by name.
const SCHEMA_TABLE: &[(&str, &[&str])] = &[
    ("AccountType", &["USER", "GROUP", "SERVICE"]),
    (
        "DIDType",
        &[
            "FILE",
            "DATASET",
            "CONTAINER",
            "ARCHIVE",
            "DELETED_FILE",
            "DELETED_DATASET",
            "DELETED_CONTAINER",
        ],
    ),
    (
        "IdentityType",
        &["X509", "GSS", "USERPASS", "SSH", "SAML", "OIDC"],
    ),
    (
        "KeyType",
        &[
            "ALL",
            "COLLECTION",
            "CONTAINER",
            "DATASET",
            "FILE",
            "DERIVED",
        ],
    ),
    ("LockState", &["REPLICATING", "OK", "STUCK"]),
    ("OpenDataDIDState", &["PUBLIC", "DRAFT", "SUSPENDED"]),
    (
        "RequestState",
        &[
            "QUEUED",
            "SUBMITTING",
            "SUBMITTED",
            "FAILED",
            "DONE",
            "LOST",
            "NO_SOURCES",
            "ONLY_TAPE_SOURCES",
            "SUBMISSION_FAILED",
            "MISMATCH_SCHEME",
            "SUSPEND",
            "WAITING",
            "PREPARING",
        ],
    ),
    (
        "RequestType",
        &["TRANSFER", "UPLOAD", "DOWNLOAD", "STAGEIN", "STAGEOUT"],
    ),
    ("RSEType", &["DISK", "TAPE"]),
    (
        "SubscriptionState",
        &["ACTIVE", "INACTIVE", "NEW", "UPDATED", "BROKEN"],
    ),
];

/// The operations the server has and the spec lacks, from the views of
/// `rucio.web.rest.flaskapi.v1` in 41.5.1 (their docstrings are where the spec comes from;
/// these three did not make it): `/auth/x509_proxy` routes to the `/auth/x509` view,
/// `POST /dids/<scope_name>` creates a DID, `POST /replicas` adds replicas.
pub fn added_operations() -> Vec<Operation> {
    let header = |name: &str, required: bool, description: &str| Parameter {
        name: name.to_owned(),
        location: Location::Header,
        required,
        description: description.to_owned(),
        schema: json!({"type": "string"}),
    };
    let path_param = |name: &str, description: &str| Parameter {
        name: name.to_owned(),
        location: Location::Path,
        required: true,
        description: description.to_owned(),
        schema: json!({"type": "string"}),
    };
    let literal = |s: &str| Segment::Literal(s.to_owned());
    let added = |tag: &str, summary: &str, description: &str, http, path, params, body| Operation {
        tag: tag.to_owned(),
        function: String::new(),
        summary: summary.to_owned(),
        description: description.to_owned(),
        http,
        path,
        params,
        body,
        response: Response::Empty,
        needs_token: true,
        pointer: String::new(),
        repairs: vec![ADDED_OPERATIONS],
    };
    let did_ref = json!({
        "type": "object",
        "required": ["scope", "name"],
        "properties": {
            "scope": {"type": "string", "description": "The scope of the DID."},
            "name": {"type": "string", "description": "The name of the DID."}
        }
    });
    vec![
        added(
            "Auth",
            "x509 proxy",
            "Authenticate a Rucio account temporarily via an x509 proxy certificate (the \
             client certificate of the TLS connection).",
            HttpMethod::Get,
            vec![literal("auth"), literal("x509_proxy")],
            vec![
                header("X-Rucio-Account", true, "Account identifier as a string."),
                header(
                    "X-Rucio-AppID",
                    false,
                    "Application identifier as a string.",
                ),
            ],
            None,
        ),
        added(
            "Data Identifiers",
            "Create DID",
            "Create a new data identifier.",
            HttpMethod::Post,
            vec![
                literal("dids"),
                Segment::Param("scope".into()),
                Segment::Param("name".into()),
            ],
            vec![
                path_param("scope", "The scope of the DID."),
                path_param("name", "The name of the DID."),
            ],
            Some(json!({
                "type": "object",
                "required": ["type"],
                "properties": {
                    "type": {"type": "string", "description": "The type of the DID: `DATASET`, `CONTAINER` or `FILE`."},
                    "statuses": {"type": "object", "description": "The statuses of the DID (for example `{\"monotonic\": true}`)."},
                    "meta": {"type": "object", "description": "The metadata of the DID."},
                    "rules": {"type": "array", "items": {"type": "object"}, "description": "Replication rules to create with the DID."},
                    "lifetime": {"type": "integer", "description": "The lifetime of the DID, in seconds."},
                    "dids": {"type": "array", "items": did_ref, "description": "DIDs to attach to it."},
                    "rse": {"type": "string", "description": "The RSE of the DID's files."}
                }
            })),
        ),
        added(
            "Replicas",
            "Add replicas",
            "Add file replicas at an RSE (the files are registered as DIDs if they are not \
             yet).",
            HttpMethod::Post,
            vec![literal("replicas")],
            Vec::new(),
            Some(json!({
                "type": "object",
                "required": ["rse", "files"],
                "properties": {
                    "rse": {"type": "string", "description": "The RSE of the replicas."},
                    "files": {
                        "type": "array",
                        "description": "The files: scope, name, bytes, adler32, and optionally md5, pfn and meta.",
                        "items": {
                            "type": "object",
                            "required": ["scope", "name", "bytes", "adler32"],
                            "properties": {
                                "scope": {"type": "string"},
                                "name": {"type": "string"},
                                "bytes": {"type": "integer"},
                                "adler32": {"type": "string"},
                                "md5": {"type": "string"},
                                "pfn": {"type": "string"},
                                "meta": {"type": "object"}
                            }
                        }
                    },
                    "ignore_availability": {"type": "boolean", "description": "Add them even if the RSE is not available for writing."}
                }
            })),
        ),
    ]
}

/// Applies every repair to every operation.
pub fn apply_all(spec: &Spec, ops: &mut [Operation]) -> Result<()> {
    for op in ops.iter_mut() {
        word_answers(op);
        string_answers(op);
        corrected_members(op);
        path_parameter_not_in_path(op);
        split_scope_name(op);
        auth_needs_no_token(op);
        known_schemas(spec, op)?;
        fix_schemas(op, EMPTY_ENUM, empty_enum);
        fix_schemas(op, PYTHON_TYPES, python_types);
        fix_schemas(op, RFC1123_DATES, rfc1123_dates);
        fix_answer(op, ANSWERS_REQUIRE_NOTHING, answers_require_nothing);
    }
    Ok(())
}

fn corrected_members(op: &mut Operation) {
    for (operation, part, member, shape) in CORRECTIONS {
        if op.pointer != *operation {
            continue;
        }
        let root = match part {
            Part::Body => op.body.as_mut(),
            Part::Answer => match &mut op.response {
                Response::Json(s) | Response::Stream(s) => Some(s),
                _ => None,
            },
        };
        let Some(schema) = root.and_then(|r| r.pointer_mut(member)) else {
            continue;
        };
        let description = schema.get("description").cloned();
        let mut corrected = match shape {
            Shape::ListOfIt => json!({"type": "array", "items": schema.take()}),
            Shape::AnyJson => json!({}),
        };
        if let Some(d) = description {
            corrected["description"] = d;
        }
        *schema = corrected;
        if !op.repairs.contains(&CORRECTED_MEMBERS) {
            op.repairs.push(CORRECTED_MEMBERS);
        }
    }
}

fn answers_require_nothing(map: &mut Map<String, Value>) -> bool {
    // A list, not a property that happens to be called `required`.
    map.get("required").is_some_and(Value::is_array) && map.remove("required").is_some()
}

fn string_answers(op: &mut Operation) {
    if let Response::Json(schema) = &mut op.response
        && schema.get("type").and_then(Value::as_str) == Some("string")
        && schema.get("enum").is_none()
    {
        let description = schema.get("description").cloned();
        *schema = json!({});
        if let Some(d) = description {
            schema["description"] = d;
        }
        op.repairs.push(STRING_ANSWERS);
    }
}

fn word_answers(op: &mut Operation) {
    let Response::Json(schema) = &op.response else {
        return;
    };
    let is_word = schema.get("type").and_then(Value::as_str) == Some("string")
        && schema
            .get("enum")
            .and_then(Value::as_array)
            .is_some_and(|values| values.len() <= 1);
    if is_word {
        op.response = Response::Empty;
        op.repairs.push(WORD_ANSWERS);
    }
}

fn path_parameter_not_in_path(op: &mut Operation) {
    let before = op.params.len();
    let path = &op.path;
    op.params
        .retain(|p| p.location != Location::Path || path.contains(&Segment::Param(p.name.clone())));
    if op.params.len() != before {
        op.repairs.push(PATH_PARAMETER_NOT_IN_PATH);
    }
}

fn split_scope_name(op: &mut Operation) {
    let is_did = |s: &Segment| *s == Segment::Param("scope_name".into());
    if !op.path.iter().any(is_did) {
        return;
    }
    op.path = op
        .path
        .drain(..)
        .flat_map(|s| {
            if is_did(&s) {
                vec![
                    Segment::Param("scope".into()),
                    Segment::Param("name".into()),
                ]
            } else {
                vec![s]
            }
        })
        .collect();
    let at = op
        .params
        .iter()
        .position(|p| p.location == Location::Path && p.name == "scope_name");
    let part = |name: &str, description: &str| Parameter {
        name: name.to_owned(),
        location: Location::Path,
        required: true,
        description: description.to_owned(),
        schema: json!({"type": "string"}),
    };
    let split = [
        part("scope", "The scope of the DID."),
        part("name", "The name of the DID."),
    ];
    match at {
        Some(i) => {
            op.params.splice(i..=i, split);
        }
        None => op.params.extend(split),
    }
    op.repairs.push(SPLIT_SCOPE_NAME);
}

fn auth_needs_no_token(op: &mut Operation) {
    if op.path.first() == Some(&Segment::Literal("auth".into())) && op.needs_token {
        op.needs_token = false;
        op.repairs.push(AUTH_NEEDS_NO_TOKEN);
    }
}

/// The schemas of an operation (parameters, body, answer), each with its pointer.
fn schemas_mut(op: &mut Operation) -> Vec<(&mut Value, String)> {
    let pointer = op.pointer.clone();
    let mut all: Vec<(&mut Value, String)> = op
        .params
        .iter_mut()
        .enumerate()
        .map(|(i, p)| (&mut p.schema, format!("{pointer}/parameters/{i}/schema")))
        .collect();
    if let Some(body) = &mut op.body {
        all.push((body, format!("{pointer}/requestBody")));
    }
    if let Response::Json(s) | Response::Stream(s) = &mut op.response {
        all.push((s, format!("{pointer}/responses")));
    }
    all
}

/// A fix of one schema object: whether it changed it.
type Fix = fn(&mut Map<String, Value>) -> bool;

/// Applies `fix` to every object in `v`.
fn walk(v: &mut Value, fix: Fix) -> bool {
    match v {
        Value::Object(map) => {
            let mut changed = fix(map);
            for child in map.values_mut() {
                changed |= walk(child, fix);
            }
            changed
        }
        Value::Array(items) => items.iter_mut().fold(false, |c, v| walk(v, fix) | c),
        _ => false,
    }
}

/// Applies `fix` to every schema object of `op`, recording `rule` if it changed one.
fn fix_schemas(op: &mut Operation, rule: &'static str, fix: Fix) {
    let mut changed = false;
    for (schema, _) in schemas_mut(op) {
        changed |= walk(schema, fix);
    }
    if changed {
        op.repairs.push(rule);
    }
}

/// Applies `fix` to the schema of `op`'s answer only.
fn fix_answer(op: &mut Operation, rule: &'static str, fix: Fix) {
    if let Response::Json(s) | Response::Stream(s) = &mut op.response
        && walk(s, fix)
    {
        op.repairs.push(rule);
    }
}

fn empty_enum(map: &mut Map<String, Value>) -> bool {
    let empty = map
        .get("enum")
        .and_then(Value::as_array)
        .is_some_and(Vec::is_empty);
    if empty {
        map.remove("enum");
    }
    empty
}

fn rfc1123_dates(map: &mut Map<String, Value>) -> bool {
    if map.get("format").and_then(Value::as_str) != Some("date-time") {
        return false;
    }
    map.remove("format");
    let note = "A time as Rucio writes them (RFC 1123): `Mon, 13 May 2013 10:23:03 UTC`.";
    let description = match map.get("description").and_then(Value::as_str) {
        Some(d) if !d.trim().is_empty() => format!("{}\n\n{note}", d.trim()),
        _ => note.to_owned(),
    };
    map.insert("description".into(), Value::String(description));
    true
}

fn python_types(map: &mut Map<String, Value>) -> bool {
    let Some(Value::String(ty)) = map.get_mut("type") else {
        return false;
    };
    let json = match ty.as_str() {
        "str" => "string",
        "int" => "integer",
        "float" => "number",
        "bool" => "boolean",
        "dict" => "object",
        "list" => "array",
        _ => return false,
    };
    *ty = json.to_owned();
    true
}

fn known_schemas(spec: &Spec, op: &mut Operation) -> Result<()> {
    let mut changed = false;
    let mut fix = |schema: &mut Value, at: String| -> Result<()> {
        replace_refs(schema, &mut |reference| {
            // A reference the spec resolves itself is left alone.
            if reference.starts_with('#') && spec.doc.pointer(&reference[1..]).is_some() {
                return Ok(None);
            }
            let name = reference.strip_prefix("#/components/schemas/").ok_or(())?;
            let (_, values) = SCHEMA_TABLE.iter().find(|(n, _)| *n == name).ok_or(())?;
            changed = true;
            Ok(Some(
                json!({"title": name, "type": "string", "enum": values}),
            ))
        })
        .map_err(|(reference, pointer)| {
            Error::new(
                &spec.file,
                format!("{at}{pointer}"),
                format!("$ref {reference:?} is neither in the spec nor in the known schemas"),
            )
        })
    };
    for (schema, at) in schemas_mut(op) {
        fix(schema, at)?;
    }
    if changed {
        op.repairs.push(KNOWN_SCHEMAS);
    }
    Ok(())
}

/// What to do with a `$ref`: replace it (`Some`), keep it (`None`), or fail (`Err`).
type RefRule<'a> = dyn FnMut(&str) -> std::result::Result<Option<Value>, ()> + 'a;

/// Replaces each `{"$ref": r}` in `schema` as `rule(r)` says; a `$ref` the rule refuses is an
/// error with the reference and its pointer.
fn replace_refs(
    schema: &mut Value,
    rule: &mut RefRule<'_>,
) -> std::result::Result<(), (String, String)> {
    fn walk(
        v: &mut Value,
        at: &mut String,
        known: &mut RefRule<'_>,
    ) -> std::result::Result<(), (String, String)> {
        match v {
            Value::Object(map) => {
                if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
                    let reference = reference.to_owned();
                    match known(&reference) {
                        Ok(Some(mut replacement)) => {
                            // Keep what sits beside the `$ref` (its description).
                            if let Some(fields) = replacement.as_object_mut() {
                                for (k, sibling) in map.iter().filter(|(k, _)| *k != "$ref") {
                                    fields.entry(k.clone()).or_insert(sibling.clone());
                                }
                            }
                            *v = replacement;
                        }
                        Ok(None) => {}
                        Err(()) => return Err((reference, at.clone())),
                    }
                    return Ok(());
                }
                for (k, child) in map.iter_mut() {
                    let len = at.len();
                    at.push('/');
                    at.push_str(&crate::error::pointer_token(k));
                    walk(child, at, known)?;
                    at.truncate(len);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter_mut().enumerate() {
                    let len = at.len();
                    at.push_str(&format!("/{i}"));
                    walk(child, at, known)?;
                    at.truncate(len);
                }
            }
            _ => {}
        }
        Ok(())
    }
    walk(schema, &mut String::new(), rule)
}
