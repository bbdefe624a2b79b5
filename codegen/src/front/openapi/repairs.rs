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
//! - [`HEADERS_IN_QUERY`]: a query parameter named `X-…` is a header (the views read
//!   `request.headers`); a password sent there would end up in the URL.
//! - [`GET_BODIES`]: a GET's JSON body is never read (Flask views read a GET's parameters from
//!   `request.args`): its members are query parameters, or dropped where the view reads none.
//! - [`JSON_BODIES`]: views that read a JSON body (`json_parameters()`) the spec does not
//!   give, or whose members it puts in the query: the body of the table below.
//! - [`NDJSON_AS_JSON`]: views that stream one JSON document a line (`try_stream`) where the
//!   spec documents one document, or labels the stream `application/json`: the call is a
//!   stream of the documented items.
//! - [`TEXT_ANSWERS`]: views that answer a plain string (`Response(id, status=201)`,
//!   `str(url)`) where the spec documents JSON: the call answers text.
//! - [`EMPTY_ANSWERS`]: views that answer an empty body (`return '', 200`) where the spec
//!   documents JSON: the call answers nothing, from the table below.
//! - [`REDIRECT_ANSWERS`]: a view that answers a redirect to the data (a replica on its
//!   storage): the call answers the URL, without following it (the client has no business
//!   downloading the file, nor sending the storage its token).
//! - [`AVAILABILITY_FLAGS`]: an RSE's `availability_read`, `_write`, `_delete` and
//!   `staging_area` are booleans wherever they appear (`rucio.db.sqla.models.RSE`'s Boolean
//!   columns), not integers or strings.
//! - [`RENAMED_PARAMETERS`]: parameters and members the spec spells differently from the view
//!   that reads or writes them, from the table below.
//! - [`TYPED_FILTERS`](super::filters::TYPED_FILTERS): list views that read their filters
//!   from the whole query string document none: their filters, from the table of
//!   [`super::filters`].
//! - [`TOKEN_CHECKS`]: `/auth/validate` is the one `/auth/*` call that checks the token it is
//!   sent (`auth.py`, `Validate.get`), so it sends the client's.
//!
//! The tables are the only knowledge here that is not in the spec; they are short on purpose
//! and each entry says where its facts come from.

use serde_json::{Map, Value, json};

use super::spec::{Location, Operation, Parameter, Response, Segment, Spec};
use crate::error::{Error, Result};
use crate::front::api::HttpMethod;

pub const SPLIT_SCOPE_NAME: &str = "split-scope-name";
pub const KNOWN_SCHEMAS: &str = "known-schemas";
pub const AUTH_NEEDS_NO_TOKEN: &str = "auth-needs-no-token";
pub const ADDED_OPERATIONS: &str = "added-operations";
pub use super::spec::BODY_PARAMETER;
pub const EMPTY_ENUM: &str = "empty-enum";
pub const PYTHON_TYPES: &str = "python-types";
pub const RFC1123_DATES: &str = "rfc1123-dates";
pub const WORD_ANSWERS: &str = "word-answers";
pub const CORRECTED_MEMBERS: &str = "corrected-members";
pub const ANSWERS_REQUIRE_NOTHING: &str = "answers-require-nothing";
pub const STRING_ANSWERS: &str = "string-answers";
pub const HEADERS_IN_QUERY: &str = "headers-in-query";
pub const GET_BODIES: &str = "get-bodies";
pub const JSON_BODIES: &str = "json-bodies";
pub const NDJSON_AS_JSON: &str = "ndjson-as-json";
pub const TEXT_ANSWERS: &str = "text-answers";
pub const EMPTY_ANSWERS: &str = "empty-answers";
pub const REDIRECT_ANSWERS: &str = "redirect-answers";
pub const AVAILABILITY_FLAGS: &str = "availability-flags";
pub const RENAMED_PARAMETERS: &str = "renamed-parameters";
pub const TOKEN_CHECKS: &str = "token-checks";

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
    /// This schema (JSON text).
    Schema(&'static str),
    /// An object with the documented schema as its one (required) member.
    WrapIn(&'static str),
    /// Either what the spec documents or this schema (JSON text).
    OrElse(&'static str),
    /// A member the spec leaves out (the pointer names it: `/properties/override`), with this
    /// schema (JSON text).
    Added(&'static str),
}

/// A rule's description, as the server writes it.
const RULE_SCHEMA: &str = r#"{"type": "object", "description": "A replication rule, as `GET /rules/{rule_id}` answers it."}"#;

/// The replicas a declaration (bad, suspicious) did not declare, by RSE.
const NOT_DECLARED: &str = r#"{"type": "object", "description": "The replicas not declared, by RSE name.", "additionalProperties": {"type": "array", "items": {"type": "string"}}}"#;

/// (operation, part, member pointer (`""`: the whole body or answer item), shape), from the
/// 41.5.1 server's code.
const CORRECTIONS: &[(&str, Part, &str, Shape)] = &[
    // rules.py `MoveRule.post`: `override = param_get(parameters, 'override', default={})`,
    // the options of the new rule that differ from the moved one's.
    (
        "/paths/~1rules~1{rule_id}~1move/post",
        Part::Body,
        "/properties/override",
        Shape::Added(
            r#"{"type": "object", "description": "Options of the new rule that differ from the moved rule's (`copies`, `grouping`, `lifetime`, `weight`, `locked`, `comment`, …)."}"#,
        ),
    ),
    // accounts.py `Identities.get` yields `render_json(**identity)` per identity: objects.
    (
        "/paths/~1accounts~1{account}~1identities/get",
        Part::Answer,
        "",
        Shape::Schema(
            r#"{"type": "object", "description": "An identity of the account.", "properties": {
                "type": {"type": "string", "description": "The identity's type (`USERPASS`, `X509`, …)."},
                "identity": {"type": "string", "description": "The identity."},
                "email": {"type": "string", "description": "Its email address."}}}"#,
        ),
    ),
    // accounts.py `Rules.get` yields `render_json(**rule)` per rule.
    (
        "/paths/~1accounts~1{account}~1rules/get",
        Part::Answer,
        "",
        Shape::Schema(RULE_SCHEMA),
    ),
    // dids.py `Scope.get` yields `list_dids`' items, whose `parent` is a DID (`{"scope", "name"}`).
    (
        "/paths/~1dids~1{scope}~1/get",
        Part::Answer,
        "/properties/parent",
        Shape::Schema(
            r#"{"type": "object", "description": "The parent of the DID.", "properties": {
                "scope": {"type": "string"}, "name": {"type": "string"}}}"#,
        ),
    ),
    // replicas.py `ListReplicas.post` writes `pfns` keyed by PFN and `rses` keyed by RSE,
    // as `GET /replicas/{scope}/{name}` does.
    (
        "/paths/~1replicas~1list/post",
        Part::Answer,
        "/items/properties/pfns",
        Shape::AnyJson,
    ),
    (
        "/paths/~1replicas~1list/post",
        Part::Answer,
        "/items/properties/rses",
        Shape::AnyJson,
    ),
    // rses.py `ProtocolList.get` answers `p_list['protocols']`, a bare list of protocols.
    (
        "/paths/~1rses~1{rse}~1protocols/get",
        Part::Answer,
        "",
        Shape::Schema(
            r#"{"type": "array", "description": "The RSE's protocols.", "items": {"type": "object", "properties": {
                "scheme": {"type": "string"}, "hostname": {"type": "string"}, "port": {"type": "integer"},
                "prefix": {"type": "string"}, "impl": {"type": "string"}, "domains": {"type": "object"},
                "extended_attributes": {}}}}"#,
        ),
    ),
    // requests.py `RequestGet.get` writes the request's `attributes` as an object.
    (
        "/paths/~1requests~1{scope_name}~1{rse}/get",
        Part::Answer,
        "/properties/attributes",
        Shape::AnyJson,
    ),
    // rules.py `MoveRule.post` answers `dumps(rule_id)`: the new rule's id, a string.
    (
        "/paths/~1rules~1{rule_id}~1move/post",
        Part::Answer,
        "",
        Shape::Schema(r#"{"type": "string", "description": "The id of the new rule."}"#),
    ),
    // subscriptions.py `Subscription.post`/`put` hand `filter`, `replication_rules` and
    // `lifetime` to `rucio.gateway.subscription`, which requires a dict, a list of dicts and
    // a number of days.
    (
        "/paths/~1subscriptions~1{account}~1{name}/post",
        Part::Body,
        "/properties/options/properties/filter",
        Shape::Schema(SUBSCRIPTION_FILTER),
    ),
    (
        "/paths/~1subscriptions~1{account}~1{name}/post",
        Part::Body,
        "/properties/options/properties/replication_rules",
        Shape::Schema(SUBSCRIPTION_RULES),
    ),
    (
        "/paths/~1subscriptions~1{account}~1{name}/post",
        Part::Body,
        "/properties/options/properties/lifetime",
        Shape::Schema(SUBSCRIPTION_LIFETIME),
    ),
    (
        "/paths/~1subscriptions~1{account}~1{name}/put",
        Part::Body,
        "/properties/options/properties/filter",
        Shape::Schema(SUBSCRIPTION_FILTER),
    ),
    (
        "/paths/~1subscriptions~1{account}~1{name}/put",
        Part::Body,
        "/properties/options/properties/replication_rules",
        Shape::Schema(SUBSCRIPTION_RULES),
    ),
    (
        "/paths/~1subscriptions~1{account}~1{name}/put",
        Part::Body,
        "/properties/options/properties/lifetime",
        Shape::Schema(SUBSCRIPTION_LIFETIME),
    ),
    // dids.py `Attachments.post` takes a list of attachments, or an object with the list as
    // `attachments` and `ignore_duplicate` (the spec: one attachment, and `ignore_duplicates`).
    (
        "/paths/~1dids~1attachments/post",
        Part::Body,
        "",
        Shape::Schema(
            r#"{"type": "object", "required": ["attachments"], "properties": {
                "attachments": {"type": "array", "description": "The attachments.", "items": {
                    "type": "object", "required": ["scope", "name", "dids"], "properties": {
                        "scope": {"type": "string", "description": "The scope of the DID to attach to."},
                        "name": {"type": "string", "description": "The name of the DID to attach to."},
                        "rse": {"type": "string", "description": "The RSE of the files, if they are new."},
                        "dids": {"type": "array", "description": "The DIDs to attach.", "items": {
                            "type": "object", "required": ["scope", "name"], "properties": {
                                "scope": {"type": "string"}, "name": {"type": "string"}}}}}}},
                "ignore_duplicate": {"type": "boolean", "description": "Skip DIDs already attached."}}}"#,
        ),
    ),
    // dids.py `BulkFiles.post` reads `param_get(parameters, 'dids')` from a JSON object.
    (
        "/paths/~1dids~1bulkfiles/post",
        Part::Body,
        "",
        Shape::WrapIn("dids"),
    ),
    // lifetime_exceptions.py `LifetimeException.post`: `rucio.core.lifetime_exception` reads
    // each DID's `scope`, `name` and `did_type`.
    (
        "/paths/~1lifetime_exceptions~1/post",
        Part::Body,
        "/properties/dids/items",
        Shape::Schema(
            r#"{"type": "object", "description": "A DID.", "required": ["scope", "name", "did_type"], "properties": {
                "scope": {"type": "string", "description": "The scope of the DID."},
                "name": {"type": "string", "description": "The name of the DID."},
                "did_type": {"type": "string", "description": "`DATASET` or `CONTAINER`."}}}"#,
        ),
    ),
    // `rucio.gateway.did.attach_dids` iterates over `dids`.
    (
        "/paths/~1dids~1{scope_name}~1dids/post",
        Part::Body,
        "/properties/dids",
        Shape::ListOfIt,
    ),
    // replicas.py `BadReplicas.post` and `SuspiciousReplicas.post` answer what
    // `rucio.gateway.replica.declare_bad_file_replicas` and `declare_suspicious_file_replicas`
    // return: the replicas not declared, by RSE (`{rse_name: [replica, …]}`).
    (
        "/paths/~1replicas~1bad/post",
        Part::Answer,
        "",
        Shape::Schema(NOT_DECLARED),
    ),
    (
        "/paths/~1replicas~1suspicious/post",
        Part::Answer,
        "",
        Shape::Schema(NOT_DECLARED),
    ),
    // rules.py `ReduceRule.post` answers `dumps(rule_ids)`, where `rucio.core.rule.reduce_rule`
    // returns `new_rule_id[0]`: one id, not a list.
    (
        "/paths/~1rules~1{rule_id}~1reduce/post",
        Part::Answer,
        "",
        Shape::Schema(
            r#"{"type": "string", "description": "The id of the rule that replaces it."}"#,
        ),
    ),
    // subscriptions.py `States.get` writes `list_subscription_rule_states`' rows: with
    // `include_details` dicts, as documented; without, `SubscriptionRuleState` namedtuples,
    // which `json.dumps` writes as arrays.
    (
        "/paths/~1subscriptions~1{account}~1{name}~1rules~1states/get",
        Part::Answer,
        "",
        Shape::OrElse(
            r#"{"type": "array", "description": "Without `include_details`: `[account, name, state, count]`.", "items": {}}"#,
        ),
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

const SUBSCRIPTION_FILTER: &str = r#"{"type": "object", "description": "Which DIDs the subscription applies to: `scope` (a list), `pattern`, `account`, `did_type`, metadata keys."}"#;
const SUBSCRIPTION_RULES: &str = r#"{"type": "array", "items": {"type": "object"}, "description": "The rules to create for each DID: `rse_expression`, `copies`, `lifetime`, `activity`, …"}"#;
const SUBSCRIPTION_LIFETIME: &str =
    r#"{"type": "integer", "description": "The subscription's lifetime, in days."}"#;

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
/// these did not make it): `/auth/x509_proxy` routes to the `/auth/x509` view,
/// `POST /dids/<scope_name>` creates a DID, `POST /replicas` adds replicas; and five calls
/// Rucio's own Python client makes: an account's attributes, an RSE's attributes, adding a
/// protocol, one DID, an account's subscriptions.
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
        aliases: Vec::new(),
        counterpart: None,
        summary: summary.to_owned(),
        description: description.to_owned(),
        http,
        path,
        params,
        body,
        response: Response::Empty,
        needs_token: true,
        deprecated: false,
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
                    "type": {"$ref": "#/components/schemas/DIDType", "description": "The type of the DID."},
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
        // The calls below are methods of Rucio's own Python client.
        // accounts.py `Attributes.get` (`AccountClient.list_account_attributes`).
        Operation {
            response: Response::Json(json!({
                "type": "array",
                "description": "The account's attributes.",
                "items": {"type": "object", "properties": {
                    "key": {"type": "string", "description": "The attribute's key."},
                    "value": {"type": "string", "description": "Its value."}
                }}
            })),
            ..added(
                "Account",
                "List account attributes",
                "List the attributes of an account.",
                HttpMethod::Get,
                vec![
                    literal("accounts"),
                    Segment::Param("account".into()),
                    literal("attr"),
                    literal(""),
                ],
                vec![path_param("account", "The account.")],
                None,
            )
        },
        // rses.py `Attributes.get` (`RSEClient.list_rse_attributes`).
        Operation {
            response: Response::Json(json!({
                "type": "object",
                "description": "The RSE's attributes, keyed by name (values are strings, numbers or booleans).",
                "additionalProperties": true
            })),
            ..added(
                "Rucio Storage Elements",
                "List RSE attributes",
                "List the attributes of an RSE.",
                HttpMethod::Get,
                vec![
                    literal("rses"),
                    Segment::Param("rse".into()),
                    literal("attr"),
                    literal(""),
                ],
                vec![path_param("rse", "The RSE.")],
                None,
            )
        },
        // rses.py `Protocol.post` (`RSEClient.add_protocol`).
        added(
            "Rucio Storage Elements",
            "Add protocol",
            "Add a protocol (a way to reach the RSE's storage) to an RSE.",
            HttpMethod::Post,
            vec![
                literal("rses"),
                Segment::Param("rse".into()),
                literal("protocols"),
                Segment::Param("scheme".into()),
            ],
            vec![
                path_param("rse", "The RSE."),
                path_param("scheme", "The protocol's scheme (`root`, `davs`, `file`, …)."),
            ],
            Some(json!({
                "type": "object",
                "required": ["hostname", "port", "prefix", "impl"],
                "properties": {
                    "hostname": {"type": "string", "description": "The storage's host name."},
                    "port": {"type": "integer", "description": "Its port."},
                    "prefix": {"type": "string", "description": "The path prefix of the RSE's files."},
                    "impl": {"type": "string", "description": "The protocol implementation (`rucio.rse.protocols.posix.Default`, …)."},
                    "domains": {"type": "object", "description": "Priorities per domain and operation: `{\"lan\": {\"read\": 1, …}, \"wan\": {…}}`."},
                    "extended_attributes": {"type": "object", "description": "Attributes of the protocol implementation."}
                }
            })),
        ),
        // dids.py `DIDs.get` (`DIDClient.get_did`).
        Operation {
            response: Response::Json(json!({
                "type": "object",
                "description": "The DID.",
                "properties": {
                    "scope": {"type": "string", "description": "The scope of the DID."},
                    "name": {"type": "string", "description": "The name of the DID."},
                    "type": {"type": "string", "description": "`FILE`, `DATASET` or `CONTAINER`."},
                    "account": {"type": "string", "description": "The account that owns it."},
                    "bytes": {"type": "integer", "description": "Its size (of its files, for a collection)."},
                    "length": {"type": "integer", "description": "The number of its files."},
                    "md5": {"type": "string", "description": "A file's MD5."},
                    "adler32": {"type": "string", "description": "A file's Adler-32."},
                    "open": {"type": "boolean", "description": "Whether a collection is open."},
                    "monotonic": {"type": "boolean", "description": "Whether a collection is monotonic."},
                    "expired_at": {"type": "string", "description": "When it expires."}
                }
            })),
            ..added(
                "Data Identifiers",
                "Get DID",
                "Get a data identifier.",
                HttpMethod::Get,
                vec![
                    literal("dids"),
                    Segment::Param("scope".into()),
                    Segment::Param("name".into()),
                ],
                vec![
                    path_param("scope", "The scope of the DID."),
                    path_param("name", "The name of the DID."),
                    Parameter {
                        name: "dynamic_depth".into(),
                        location: Location::Query,
                        required: false,
                        description: "`FILE` or `DATASET`: compute a collection's size and length down to this level.".into(),
                        schema: json!({"type": "string"}),
                    },
                ],
                None,
            )
        },
        // subscriptions.py `Subscription.get` (`SubscriptionClient.list_subscriptions`).
        Operation {
            response: Response::Stream(json!({
                "type": "object",
                "description": "A subscription.",
                "properties": {
                    "id": {"type": "string", "description": "The subscription's id."},
                    "name": {"type": "string", "description": "Its name."},
                    "account": {"type": "string", "description": "Its account."},
                    "filter": {"type": "string", "description": "Its filter (JSON text)."},
                    "replication_rules": {"type": "string", "description": "Its rules (JSON text)."},
                    "state": {"type": "string", "description": "Its state."},
                    "comments": {"type": "string", "description": "Its comments."}
                }
            })),
            ..added(
                "Subscription",
                "List subscriptions of account",
                "List the subscriptions of an account.",
                HttpMethod::Get,
                vec![literal("subscriptions"), Segment::Param("account".into())],
                vec![path_param("account", "The account.")],
                None,
            )
        },
    ]
}

/// Applies every repair to every operation; a table entry that fits no operation is an
/// error (the spec changed under it).
pub fn apply_all(spec: &Spec, ops: &mut [Operation]) -> Result<()> {
    let mut used = vec![false; CORRECTIONS.len()];
    let mut tables = TableUse::default();
    for op in ops.iter_mut() {
        token_checks(op);
        headers_in_query(op);
        get_bodies(op, &mut tables);
        json_bodies(op, &mut tables);
        renamed_parameters(op, &mut tables);
        text_answers(op, &mut tables);
        empty_answers(op, &mut tables);
        redirect_answers(op, &mut tables);
        if let Some(entry) = super::filters::typed_filters(op) {
            tables.fit(entry);
        }
        word_answers(op);
        string_answers(op);
        corrected_members(op, &mut used);
        // After the corrections, whose pointers start at the documented answer.
        ndjson_as_json(op, &mut tables);
        path_parameter_not_in_path(op);
        split_scope_name(op);
        auth_needs_no_token(op);
        known_schemas(spec, op)?;
        fix_schemas(op, EMPTY_ENUM, empty_enum);
        fix_schemas(op, PYTHON_TYPES, python_types);
        fix_schemas(op, RFC1123_DATES, rfc1123_dates);
        fix_schemas(op, AVAILABILITY_FLAGS, availability_flags);
        fix_answer(op, ANSWERS_REQUIRE_NOTHING, answers_require_nothing);
    }
    let unused = CORRECTIONS
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|(c, _)| format!("{}{}", c.0, c.2))
        .chain(tables.unused());
    if let Some(entry) = unused.into_iter().next() {
        return Err(Error::new(
            &spec.file,
            entry,
            "a repair table's entry fits no operation of the spec",
        ));
    }
    Ok(())
}

fn corrected_members(op: &mut Operation, used: &mut [bool]) {
    for (i, (operation, part, member, shape)) in CORRECTIONS.iter().enumerate() {
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
        if let Shape::Added(text) = shape {
            let Some((parent, name)) = member.rsplit_once('/') else {
                continue;
            };
            let added: Value = serde_json::from_str(text).expect("a correction's schema is JSON");
            if let Some(Value::Object(props)) = root.and_then(|r| r.pointer_mut(parent))
                && !props.contains_key(name)
            {
                props.insert(name.to_owned(), added);
                used[i] = true;
                push_repair(op, CORRECTED_MEMBERS);
            }
            continue;
        }
        let Some(schema) = root.and_then(|r| r.pointer_mut(member)) else {
            continue;
        };
        used[i] = true;
        let description = schema.get("description").cloned();
        let mut corrected = match shape {
            Shape::ListOfIt => json!({"type": "array", "items": schema.take()}),
            Shape::AnyJson => json!({}),
            Shape::Schema(text) => {
                serde_json::from_str(text).expect("a correction's schema is JSON")
            }
            Shape::OrElse(text) => json!({"oneOf": [
                schema.take(),
                serde_json::from_str::<Value>(text).expect("a correction's schema is JSON"),
            ]}),
            Shape::Added(_) => continue, // handled above
            Shape::WrapIn(member) => json!({
                "type": "object",
                "required": [member],
                "properties": {*member: schema.take()}
            }),
        };
        if let Some(d) = description
            && corrected.get("description").is_none()
        {
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
    if op.path.first() == Some(&Segment::Literal("auth".into()))
        && op.needs_token
        && !op.repairs.contains(&TOKEN_CHECKS)
    {
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

/// Which entries of the small tables below fitted an operation.
#[derive(Default)]
struct TableUse(std::collections::BTreeSet<String>);

impl TableUse {
    fn fit(&mut self, entry: &str) {
        self.0.insert(entry.to_owned());
    }

    fn unused(&self) -> Vec<String> {
        GET_BODY_DROPPED
            .iter()
            .map(|(op, _)| *op)
            .chain(JSON_BODY_TABLE.iter().map(|(op, ..)| *op))
            .chain(NDJSON_TABLE.iter().map(|(op, _)| *op))
            .chain(TEXT_TABLE.iter().map(|(op, _)| *op))
            .chain(EMPTY_TABLE.iter().map(|(op, _)| *op))
            .chain(REDIRECT_TABLE.iter().map(|(op, _)| *op))
            .chain(RENAMES.iter().map(|(op, ..)| *op))
            .chain(super::filters::entries())
            .filter(|op| !self.0.contains(*op))
            .map(str::to_owned)
            .collect()
    }
}

/// GETs whose body the spec documents but whose view reads no parameter at all: the body is
/// dropped rather than made query parameters. (operation, view)
const GET_BODY_DROPPED: &[(&str, &str)] = &[(
    "/paths/~1config~1{section}/get",
    "config.py `Section.get`: `config.items(section)`, nothing read from the request",
)];

/// Views that read a JSON body (`json_parameters()`) where the spec has none or puts its
/// members in the query: (operation, query parameters that are body members, the body, view).
const JSON_BODY_TABLE: &[(&str, &[&str], &str, &str)] = &[
    (
        "/paths/~1rses~1{rse}~1protocols~1{scheme}~1{hostname}~1{port}/put",
        &[],
        r#"{"type": "object", "description": "The protocol's attributes to change (`domains`, `prefix`, `impl`, `extended_attributes`, …)."}"#,
        "rses.py `Protocol.put`: `update_protocols(…, data=json_parameters())`",
    ),
    (
        "/paths/~1rules~1{rule_id}/delete",
        &[],
        r#"{"type": "object", "properties": {"purge_replicas": {"type": "boolean", "description": "Delete the replicas the rule protected at once."}}}"#,
        "rules.py `Rule.delete`: `param_get(json_parameters(), 'purge_replicas')`",
    ),
    (
        "/paths/~1requests~1transfer_limits/delete",
        &["rse_expression"],
        r#"{"type": "object", "required": ["rse_expression"], "properties": {
            "rse_expression": {"type": "string", "description": "The RSE expression of the limit."},
            "activity": {"type": "string", "description": "The activity of the limit."},
            "direction": {"type": "string", "description": "`SOURCE` or `DESTINATION` (the default)."}}}"#,
        "requests.py `TransferLimits.delete`: `param_get(json_parameters(), 'rse_expression')`",
    ),
];

/// Views that stream one JSON document a line under `Content-Type: application/json`:
/// (operation, view).
const NDJSON_TABLE: &[(&str, &str)] = &[
    (
        "/paths/~1dids~1{scope_name}~1follow/get",
        "dids.py `Follow.get`: `try_stream(…, content_type='application/json')`",
    ),
    (
        "/paths/~1rses~1{rse}~1accounts~1usage/get",
        "rses.py `RSEAccountUsageLimit.get`: `try_stream(…, content_type='application/json')`",
    ),
    // Documented as one document (an array, or one item); `send` would read the lines as an
    // array, but a stream gives the items as they arrive, as every other listing does.
    (
        "/paths/~1rses~1/get",
        "rses.py `RSEs.get`: `try_stream(generate(…))`",
    ),
    (
        "/paths/~1rules~1/get",
        "rules.py `AllRule.get`: `try_stream(generate(…))`",
    ),
    (
        "/paths/~1rules~1{rule_id}~1locks/get",
        "rules.py `ReplicaLocks.get`: `try_stream(generate(…))`",
    ),
    (
        "/paths/~1replicas~1list/post",
        "replicas.py `ListReplicas.post`: `try_stream(generate(…))` (metalink aside)",
    ),
    (
        "/paths/~1replicas~1{scope_name}~1datasets_vp/get",
        "replicas.py `DatasetReplicasVP.get`: `try_stream(generate(…))`",
    ),
];

/// Views that answer a plain string where the spec documents JSON: (operation, view).
const TEXT_TABLE: &[(&str, &str)] = &[
    (
        "/paths/~1subscriptions~1{account}~1{name}/post",
        "subscriptions.py `Subscription.post`: `Response(subscription_id, status=201)`",
    ),
    (
        "/paths/~1credentials~1signurl/get",
        "credentials.py `SignURL.get`: `return str(result), 200`",
    ),
];

/// Views that answer a redirect to the data (303 to a replica's URL): (operation, view).
const REDIRECT_TABLE: &[(&str, &str)] = &[(
    "/paths/~1redirect~1{scope_name}/get",
    "redirect.py `HeaderRedirector.get`: `redirect(selected_url, code=303)`",
)];

/// Views that answer an empty body where the spec documents JSON: (operation, view).
const EMPTY_TABLE: &[(&str, &str)] = &[(
    "/paths/~1rses~1{rse}~1protocols~1{scheme}~1{hostname}~1{port}/put",
    "rses.py `Protocol.put`: `update_protocols(…)`, then `return '', 200`",
)];

/// Where a renamed parameter is.
#[derive(Clone, Copy, PartialEq)]
enum Place {
    Query,
    Body,
    /// A member of the answer (of each item of a list or stream).
    Answer,
}

/// Parameters and members the spec spells differently from the view that reads them:
/// (operation, where, the spec's name, the view's name, view).
const RENAMES: &[(&str, Place, &str, &str, &str)] = &[
    // `rucio.db.sqla.models.Request` and `RequestHistory` have `estimated_started_at`, which
    // every request answer carries; the spec spells it `estimated_stated_at`.
    (
        "/paths/~1requests~1{scope_name}~1{rse}/get",
        Place::Answer,
        "estimated_stated_at",
        "estimated_started_at",
        "requests.py `RequestGet.get`: `json.dumps(request_data)`, the row's columns",
    ),
    (
        "/paths/~1requests~1history~1{scope_name}~1{rse}/get",
        Place::Answer,
        "estimated_stated_at",
        "estimated_started_at",
        "requests.py `RequestHistoryGet.get`: `json.dumps(request_data)`, the row's columns",
    ),
    (
        "/paths/~1requests~1list/get",
        Place::Answer,
        "estimated_stated_at",
        "estimated_started_at",
        "requests.py `RequestList.get`: `render_json(**result)` per row",
    ),
    (
        "/paths/~1requests~1history~1list/get",
        Place::Answer,
        "estimated_stated_at",
        "estimated_started_at",
        "requests.py `RequestHistoryList.get`: `render_json(**result)` per row",
    ),
    (
        "/paths/~1rules~1/post",
        Place::Body,
        "sourse_replica_expression",
        "source_replica_expression",
        "rules.py `AllRule.post`: `param_get(parameters, 'source_replica_expression')`",
    ),
    (
        "/paths/~1requests~1list/get",
        Place::Query,
        "dest_rse",
        "dst_rse",
        "requests.py `RequestList.get`: `request.args.get('dst_rse')`",
    ),
    (
        "/paths/~1requests~1list/get",
        Place::Query,
        "dest_site",
        "dst_site",
        "requests.py `RequestList.get`: `request.args.get('dst_site')`",
    ),
    (
        "/paths/~1requests~1history~1list/get",
        Place::Query,
        "dest_rse",
        "dst_rse",
        "requests.py `RequestHistoryList.get`: `request.args.get('dst_rse')`",
    ),
    (
        "/paths/~1requests~1history~1list/get",
        Place::Query,
        "dest_site",
        "dst_site",
        "requests.py `RequestHistoryList.get`: `request.args.get('dst_site')`",
    ),
    (
        "/paths/~1requests~1metrics/get",
        Place::Query,
        "dest_rse",
        "dst_rse",
        "requests.py `RequestMetrics.get`: `request.args.get('dst_rse')`",
    ),
    (
        "/paths/~1requests~1metrics/get",
        Place::Query,
        "source_rse",
        "src_rse",
        "requests.py `RequestMetrics.get`: `request.args.get('src_rse')`",
    ),
];

fn push_repair(op: &mut Operation, rule: &'static str) {
    if !op.repairs.contains(&rule) {
        op.repairs.push(rule);
    }
}

fn token_checks(op: &mut Operation) {
    // Marked here, applied in `auth_needs_no_token`.
    if op.path
        == [
            Segment::Literal("auth".into()),
            Segment::Literal("validate".into()),
        ]
    {
        push_repair(op, TOKEN_CHECKS);
    }
}

fn headers_in_query(op: &mut Operation) {
    let mut changed = false;
    for p in &mut op.params {
        if p.location == Location::Query && p.name.to_ascii_lowercase().starts_with("x-") {
            p.location = Location::Header;
            changed = true;
        }
    }
    if changed {
        push_repair(op, HEADERS_IN_QUERY);
    }
}

fn get_bodies(op: &mut Operation, tables: &mut TableUse) {
    if op.http != HttpMethod::Get {
        return;
    }
    let Some(body) = op.body.take() else {
        return;
    };
    push_repair(op, GET_BODIES);
    if let Some((entry, _)) = GET_BODY_DROPPED.iter().find(|(p, _)| *p == op.pointer) {
        tables.fit(entry);
        return;
    }
    let required: Vec<&str> = body
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    for (name, schema) in body
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        op.params.push(Parameter {
            name: name.clone(),
            location: Location::Query,
            required: required.contains(&name.as_str()),
            description: schema
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            schema: schema.clone(),
        });
    }
}

fn json_bodies(op: &mut Operation, tables: &mut TableUse) {
    let Some((entry, moved, body, _)) = JSON_BODY_TABLE.iter().find(|(p, ..)| *p == op.pointer)
    else {
        return;
    };
    tables.fit(entry);
    op.params
        .retain(|p| !(p.location == Location::Query && moved.contains(&p.name.as_str())));
    op.body = Some(serde_json::from_str(body).expect("a table's body is JSON"));
    push_repair(op, JSON_BODIES);
}

fn renamed_parameters(op: &mut Operation, tables: &mut TableUse) {
    let pointer = op.pointer.clone();
    for (entry, place, from, to, _) in RENAMES.iter().filter(|(p, ..)| *p == pointer) {
        let renamed = match place {
            Place::Query => op
                .params
                .iter_mut()
                .find(|p| p.location == Location::Query && p.name == *from)
                .map(|p| p.name = (*to).to_owned())
                .is_some(),
            Place::Body => op
                .body
                .as_mut()
                .and_then(|b| b.get_mut("properties"))
                .and_then(Value::as_object_mut)
                .and_then(|props| rename_member(props, from, to))
                .is_some(),
            Place::Answer => match &mut op.response {
                Response::Json(s) | Response::Stream(s) => {
                    let item = if s.get("items").is_some() {
                        &mut s["items"]
                    } else {
                        s
                    };
                    item.get_mut("properties")
                        .and_then(Value::as_object_mut)
                        .and_then(|props| rename_member(props, from, to))
                        .is_some()
                }
                _ => false,
            },
        };
        if renamed {
            tables.fit(entry);
            push_repair(op, RENAMED_PARAMETERS);
        }
    }
}

fn rename_member(props: &mut Map<String, Value>, from: &str, to: &str) -> Option<()> {
    let schema = props.remove(from)?;
    props.insert(to.to_owned(), schema);
    Some(())
}

fn ndjson_as_json(op: &mut Operation, tables: &mut TableUse) {
    let Some((entry, _)) = NDJSON_TABLE.iter().find(|(p, _)| *p == op.pointer) else {
        return;
    };
    let item = match &op.response {
        Response::Json(schema) => schema.get("items").cloned().unwrap_or(Value::Bool(true)),
        Response::Empty => Value::Bool(true),
        Response::Stream(_) | Response::Text | Response::Location => return,
    };
    op.response = Response::Stream(item);
    tables.fit(entry);
    push_repair(op, NDJSON_AS_JSON);
}

fn text_answers(op: &mut Operation, tables: &mut TableUse) {
    let Some((entry, _)) = TEXT_TABLE.iter().find(|(p, _)| *p == op.pointer) else {
        return;
    };
    if op.response != Response::Text {
        op.response = Response::Text;
        tables.fit(entry);
        push_repair(op, TEXT_ANSWERS);
    }
}

fn redirect_answers(op: &mut Operation, tables: &mut TableUse) {
    let Some((entry, _)) = REDIRECT_TABLE.iter().find(|(p, _)| *p == op.pointer) else {
        return;
    };
    if op.response != Response::Location {
        op.response = Response::Location;
        tables.fit(entry);
        push_repair(op, REDIRECT_ANSWERS);
    }
}

fn empty_answers(op: &mut Operation, tables: &mut TableUse) {
    let Some((entry, _)) = EMPTY_TABLE.iter().find(|(p, _)| *p == op.pointer) else {
        return;
    };
    if op.response != Response::Empty {
        op.response = Response::Empty;
        tables.fit(entry);
        push_repair(op, EMPTY_ANSWERS);
    }
}

fn availability_flags(map: &mut Map<String, Value>) -> bool {
    let mut changed = false;
    if let Some(Value::Object(props)) = map.get_mut("properties") {
        for flag in [
            "availability_read",
            "availability_write",
            "availability_delete",
            "staging_area",
        ] {
            if let Some(Value::Object(schema)) = props.get_mut(flag)
                && schema.get("type").and_then(Value::as_str) != Some("boolean")
            {
                schema.insert("type".into(), "boolean".into());
                changed = true;
            }
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::front::openapi::spec::read_operations;

    /// A spec of `paths` (each operation tagged `t`), read but not repaired.
    fn read(paths: Value) -> (Spec, Vec<Operation>) {
        let mut paths = paths;
        for item in paths.as_object_mut().unwrap().values_mut() {
            for op in item.as_object_mut().unwrap().values_mut() {
                op["tags"] = json!(["t"]);
            }
        }
        let spec = Spec {
            file: PathBuf::from("spec.yaml"),
            doc: json!({"openapi": "3.0.0", "paths": paths}),
        };
        let ops = read_operations(&spec).unwrap_or_else(|e| panic!("{e}"));
        (spec, ops)
    }

    /// The one operation of a spec with one path and method.
    fn one(path: &str, method: &str, op: Value) -> Operation {
        let (_, mut ops) = read(json!({path: {method: op}}));
        assert_eq!(ops.len(), 1);
        ops.remove(0)
    }

    fn answer(schema: Value) -> Value {
        json!({"200": {"content": {"application/json": {"schema": schema}}}})
    }

    fn path(op: &Operation) -> String {
        op.path
            .iter()
            .map(|s| match s {
                Segment::Literal(l) => format!("/{l}"),
                Segment::Param(p) => format!("/{{{p}}}"),
            })
            .collect()
    }

    #[test]
    fn a_did_parameter_becomes_scope_and_name_and_a_stray_path_parameter_goes() {
        let mut op = one(
            "/dids/{scope_name}/meta",
            "post",
            json!({"parameters": [
                {"name": "scope_name", "in": "path", "schema": {"type": "string"}},
                {"name": "key", "in": "path", "schema": {"type": "string"}}
            ]}),
        );
        path_parameter_not_in_path(&mut op);
        split_scope_name(&mut op);
        assert_eq!(path(&op), "/dids/{scope}/{name}/meta");
        let params: Vec<&str> = op.params.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(params, ["scope", "name"]);
        assert!(
            op.params
                .iter()
                .all(|p| p.location == Location::Path && p.required)
        );
        assert_eq!(op.repairs, [PATH_PARAMETER_NOT_IN_PATH, SPLIT_SCOPE_NAME]);
    }

    #[test]
    fn schema_fixes_reach_every_depth_and_answers_require_nothing() {
        let mut op = one(
            "/rses/{rse}",
            "get",
            json!({"responses": answer(json!({
                "type": "object",
                "required": ["rse"],
                "properties": {
                    "rse": {"type": "str"},
                    "created_at": {"type": "string", "format": "date-time", "description": "When."},
                    "state": {"type": "string", "enum": []},
                    "availability_read": {"type": "integer"},
                    "list": {"type": "array", "items": {"type": "dict", "required": ["a"]}}
                }
            }))}),
        );
        fix_schemas(&mut op, EMPTY_ENUM, empty_enum);
        fix_schemas(&mut op, PYTHON_TYPES, python_types);
        fix_schemas(&mut op, RFC1123_DATES, rfc1123_dates);
        fix_schemas(&mut op, AVAILABILITY_FLAGS, availability_flags);
        fix_answer(&mut op, ANSWERS_REQUIRE_NOTHING, answers_require_nothing);
        let Response::Json(schema) = &op.response else {
            panic!("a JSON answer: {:?}", op.response);
        };
        assert_eq!(
            schema,
            &json!({
                "type": "object",
                "properties": {
                    "rse": {"type": "string"},
                    "created_at": {"type": "string", "description":
                        "When.\n\nA time as Rucio writes them (RFC 1123): `Mon, 13 May 2013 10:23:03 UTC`."},
                    "state": {"type": "string"},
                    "availability_read": {"type": "boolean"},
                    "list": {"type": "array", "items": {"type": "object"}}
                }
            })
        );
        assert_eq!(
            op.repairs,
            [
                EMPTY_ENUM,
                PYTHON_TYPES,
                RFC1123_DATES,
                AVAILABILITY_FLAGS,
                ANSWERS_REQUIRE_NOTHING
            ]
        );
        // A fix that finds nothing to do leaves no record.
        fix_schemas(&mut op, PYTHON_TYPES, python_types);
        assert_eq!(op.repairs.len(), 5);
    }

    #[test]
    fn answers_the_spec_misdescribes_are_read_as_the_server_writes_them() {
        let mut word = one(
            "/a",
            "post",
            json!({"responses": answer(json!({"type": "string", "enum": ["Created"]}))}),
        );
        word_answers(&mut word);
        assert_eq!(
            (word.response, word.repairs),
            (Response::Empty, vec![WORD_ANSWERS])
        );

        let mut string = one(
            "/b",
            "get",
            json!({"responses": answer(json!({"type": "string", "description": "A rule."}))}),
        );
        string_answers(&mut string);
        assert_eq!(
            string.response,
            Response::Json(json!({"description": "A rule."}))
        );
        assert_eq!(string.repairs, [STRING_ANSWERS]);

        // From the tables, by the operation's place in the spec.
        let (_, mut ops) = read(json!({
            "/credentials/signurl": {"get": {"responses": answer(json!({"type": "object"}))}},
            "/redirect/{scope_name}": {"get": {"responses": answer(json!({"type": "object"}))}},
            "/rules/": {"get": {"responses": answer(json!({"type": "array", "items": {"type": "object"}}))}},
            "/rses/{rse}/protocols/{scheme}/{hostname}/{port}": {"put": {"responses": answer(json!({"type": "object"}))}}
        }));
        let mut tables = TableUse::default();
        for op in &mut ops {
            text_answers(op, &mut tables);
            redirect_answers(op, &mut tables);
            ndjson_as_json(op, &mut tables);
            empty_answers(op, &mut tables);
        }
        let seen: Vec<(&Response, &[&str])> = ops
            .iter()
            .map(|o| (&o.response, o.repairs.as_slice()))
            .collect();
        assert_eq!(
            seen,
            [
                (&Response::Text, &[TEXT_ANSWERS][..]),
                (&Response::Location, &[REDIRECT_ANSWERS][..]),
                (
                    &Response::Stream(json!({"type": "object"})),
                    &[NDJSON_AS_JSON][..]
                ),
                (&Response::Empty, &[EMPTY_ANSWERS][..]),
            ]
        );
        assert!(tables.0.contains("/paths/~1credentials~1signurl/get"));
    }

    #[test]
    fn auth_calls_send_no_token_but_the_one_that_checks_it() {
        let mut login = one("/auth/userpass", "get", json!({}));
        let mut validate = one("/auth/validate", "get", json!({}));
        let mut other = one("/accounts/whoami", "get", json!({}));
        for op in [&mut login, &mut validate, &mut other] {
            token_checks(op);
            auth_needs_no_token(op);
        }
        assert!(!login.needs_token);
        assert_eq!(login.repairs, [AUTH_NEEDS_NO_TOKEN]);
        assert!(validate.needs_token);
        assert_eq!(validate.repairs, [TOKEN_CHECKS]);
        assert!(other.needs_token && other.repairs.is_empty());
    }

    #[test]
    fn parameters_and_bodies_go_where_the_views_read_them() {
        // OpenAPI 2's body parameter, taken as the body while reading.
        let op = one(
            "/a",
            "post",
            json!({"parameters": [{"name": "b", "in": "body",
                "content": {"application/json": {"schema": {"type": "object"}}}}]}),
        );
        assert_eq!(
            (op.body, op.repairs),
            (Some(json!({"type": "object"})), vec![BODY_PARAMETER])
        );

        let mut op = one(
            "/auth/userpass",
            "get",
            json!({"parameters": [{"name": "X-Rucio-Password", "in": "query", "schema": {"type": "string"}}]}),
        );
        headers_in_query(&mut op);
        assert_eq!(op.params[0].location, Location::Header);
        assert_eq!(op.repairs, [HEADERS_IN_QUERY]);

        let mut op = one(
            "/things",
            "get",
            json!({"requestBody": {"content": {"application/json": {"schema": {
                "type": "object", "required": ["name"],
                "properties": {"name": {"type": "string", "description": "Whose."}, "limit": {"type": "integer"}}
            }}}}}),
        );
        let mut tables = TableUse::default();
        get_bodies(&mut op, &mut tables);
        assert_eq!(op.body, None);
        let query: Vec<(&str, bool, &str)> = op
            .params
            .iter()
            .map(|p| (p.name.as_str(), p.required, p.description.as_str()))
            .collect();
        assert_eq!(query, [("name", true, "Whose."), ("limit", false, "")]);
        assert!(op.params.iter().all(|p| p.location == Location::Query));
        assert_eq!(op.repairs, [GET_BODIES]);

        let mut op = one(
            "/requests/transfer_limits",
            "delete",
            json!({"parameters": [{"name": "rse_expression", "in": "query", "schema": {"type": "string"}}]}),
        );
        json_bodies(&mut op, &mut tables);
        assert!(op.params.is_empty(), "the query member moved into the body");
        assert_eq!(
            op.body.as_ref().unwrap()["required"],
            json!(["rse_expression"])
        );
        assert_eq!(op.repairs, [JSON_BODIES]);

        let mut op = one(
            "/requests/{scope_name}/{rse}",
            "get",
            json!({"responses": answer(json!({"type": "object", "properties": {"estimated_stated_at": {"type": "string"}}}))}),
        );
        renamed_parameters(&mut op, &mut tables);
        let Response::Json(schema) = &op.response else {
            panic!("a JSON answer");
        };
        assert!(schema["properties"].get("estimated_started_at").is_some());
        assert!(schema["properties"].get("estimated_stated_at").is_none());
        assert_eq!(op.repairs, [RENAMED_PARAMETERS]);
    }

    #[test]
    fn members_the_server_shapes_otherwise_are_corrected_from_the_table() {
        let mut op = one(
            "/rules/{rule_id}/move",
            "post",
            json!({"requestBody": {"content": {"application/json": {"schema": {
                "type": "object", "properties": {"rse_expression": {"type": "string"}}
            }}}}}),
        );
        let mut used = vec![false; CORRECTIONS.len()];
        corrected_members(&mut op, &mut used);
        let body = op.body.as_ref().unwrap();
        assert_eq!(body["properties"]["override"]["type"], "object");
        assert!(body["properties"].get("rse_expression").is_some());
        assert_eq!(op.repairs, [CORRECTED_MEMBERS]);
        assert!(used[0]);
    }

    #[test]
    fn references_the_spec_lacks_come_from_the_known_schemas_or_fail_where_they_are() {
        let (spec, mut ops) = read(json!({
            "/dids": {"get": {"responses": answer(json!({"type": "object", "properties": {
                "type": {"$ref": "#/components/schemas/DIDType", "description": "Which kind."}
            }}))}},
            "/x": {"get": {"responses": answer(json!({"items": {"$ref": "#/components/schemas/Nope"}}))}}
        }));
        known_schemas(&spec, &mut ops[0]).unwrap();
        let Response::Json(schema) = &ops[0].response else {
            panic!("a JSON answer");
        };
        let ty = &schema["properties"]["type"];
        assert_eq!(ty["title"], "DIDType");
        assert_eq!(ty["enum"][0], "FILE");
        assert_eq!(ty["description"], "Which kind.");
        assert_eq!(ops[0].repairs, [KNOWN_SCHEMAS]);

        let e = known_schemas(&spec, &mut ops[1]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "spec.yaml: /paths/~1x/get/responses/items: $ref \"#/components/schemas/Nope\" is \
             neither in the spec nor in the known schemas"
        );
    }

    #[test]
    fn added_operations_are_marked_and_a_table_entry_that_fits_nothing_is_an_error() {
        let added = added_operations();
        assert!(!added.is_empty());
        assert!(added.iter().all(|o| o.repairs.contains(&ADDED_OPERATIONS)));

        // A spec without the operations the tables name: the first unused entry is reported.
        let (spec, mut ops) = read(json!({"/ping": {"get": {}}}));
        let e = apply_all(&spec, &mut ops).unwrap_err();
        assert_eq!(
            e.to_string(),
            "spec.yaml: /paths/~1rules~1{rule_id}~1move/post/properties/override: a repair \
             table's entry fits no operation of the spec"
        );
    }
}
