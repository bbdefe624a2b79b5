//! Rucio's own Python client as the wire oracle. Every generated operation whose docs name a
//! method of Rucio's Python client (`Rucio's Python client: …`) is called once or more by both
//! clients, against one real server (41.5.1, from `rucio/tests/server/`), each side on objects
//! of its own. The server records every request it receives (`recording.py`), and what the two
//! sent for each call must be the same: method, path, query, `X-Rucio-*` headers (secrets only
//! as "set") and body, with each side's names in the same places. A disagreement is a bug in the
//! front end's repairs, unless [`KNOWN_DISAGREEMENTS`] says why it is not (and the test fails
//! when one of those disappears, so the table stays true).
//!
//! All the Python calls run in one process (a script of [`calls`]' Python expressions), then
//! ours; each call comes after a marker request (`GET /ping?wire=py<index>`, `…=rs<index>`)
//! that tells the recording where its requests begin. Our request bodies are read from the same
//! JSON as the Python call's arguments (the generated types read JSON), so what is compared is
//! what the types write; a member the spec does not document is sent from `unknown_fields`,
//! and [`UNDOCUMENTED_MEMBERS`] lists each.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::Instant;

use rucio_client::credentials::GetSignedUrlQuery;
use rucio_client::data_identifiers::{
    DeleteMetadataQuery, GetDidQuery, GetMetadataQuery, ListDidsQuery, ListFilesQuery,
    ScopeListQuery,
};
use rucio_client::lock::{GetDatasetLocksByRseQuery, GetDatasetLocksQuery};
use rucio_client::requests::{ListRequestsHistoryQuery, ListRequestsQuery};
use rucio_client::rucio_storage_elements::{Lfns2pfnsQuery, ListRsesQuery};
use rucio_client::runtime::Method;
use rucio_client::{Auth, ErrorKind, Rucio, RucioConfig, StreamExt};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tc_testkit::rucio::RucioServer;

/// Operations whose two requests differ for a reason that is not a bug, with the reason. Most
/// are the Python client spelling out a default; ours leaves it to the server.
const KNOWN_DISAGREEMENTS: &[(&str, &str)] = &[
    (
        "account::add_account_attribute",
        "the Python client repeats the path's key in the body; the view reads only `value` \
         (accounts.py, Attributes.post: param_get(parameters, 'value'))",
    ),
    (
        "account::add_identity",
        "the Python client spells out `default: false`, the view's default (accounts.py, \
         Identities.post: param_get_bool(parameters, 'default', default=False))",
    ),
    (
        "credentials::get_signed_url",
        "the Python client spells out its own default, `lifetime=3600`; ours leaves it to the \
         view, whose default is 600 (credentials.py, SignURL.get: request.args.get('lifetime', \
         type=int, default=600))",
    ),
    (
        "data_identifiers::attach_dids_to_dids",
        "the Python client spells out `ignore_duplicate: false`, the view's default (dids.py, \
         Attachments.post: param_get_bool(parameters, 'ignore_duplicate', default=False))",
    ),
    (
        "data_identifiers::get_metadata",
        "the Python client spells out `plugin=DID_COLUMN`, the view's default (dids.py, Meta.get: \
         request.args.get('plugin', default='DID_COLUMN'))",
    ),
    (
        "data_identifiers::get_metadata_bulk",
        "the Python client spells out `inherit: false` and `plugin: DID_COLUMN`, the view's \
         defaults (dids.py, BulkDIDsMeta._handle_get: param_get_bool(params, 'inherit', \
         default=False), param_get(params, 'plugin', default='DID_COLUMN'))",
    ),
    (
        "data_identifiers::list_dids",
        "ours sends each filter as a query parameter of its own (the typed-filters repair), the \
         form the view reads when there is no `filters` parameter (dids.py, Search.get); the \
         Python client sends `filters`, a Python literal of a list of filter dicts \
         (ast.literal_eval), which a JSON client cannot write faithfully (`True`, `None`): the \
         same DIDs for one filter dict, no OR of several. It also spells out `long=False` and \
         `recursive=False`, the view's defaults",
    ),
    (
        "data_identifiers::set_dids_metadata_bulk",
        "the Python client sends `recursive: false`, which the view does not read (dids.py, \
         BulkDIDsMeta._handle_set reads only `dids`)",
    ),
    (
        "data_identifiers::set_metadata_bulk",
        "the Python client spells out `recursive: false`, the view's default (dids.py, Meta.post: \
         param_get_bool(parameters, 'recursive', default=False))",
    ),
    (
        "dirac::add_files",
        "the Python client spells out `ignore_availability: false`, the view's default \
         (dirac.py, AddFiles.post: param_get_bool(parameters, 'ignore_availability', \
         default=False))",
    ),
    (
        "export::export_data",
        "the Python client spells out `distance=True`, the view's default (export.py, Export.get: \
         param_get_bool(request.args, 'distance', default=True))",
    ),
    (
        "lifetime_exceptions::add_exception",
        "the Python client sends `account`, which the view does not read: the exception is the \
         caller's (lifetime_exceptions.py, LifetimeException.post: \
         account=request.environ['issuer'])",
    ),
    (
        "open_data::get_opendata_did",
        "the Python client spells out `files=0`, `meta=0`, `doi=1`, `record_id=1` and \
         `download_urls=0`, the view's defaults (opendata.py, OpenDataDIDsView.get_helper: \
         request.args.get('files', default='0'), …)",
    ),
    (
        "open_data_public::get_opendata_did",
        "the Python client spells out `files=0`, `meta=0`, `doi=1`, `record_id=1` and \
         `download_urls=0`, the view's defaults (opendata_public.py, \
         OpenDataPublicDIDsView.get, through opendata.py, OpenDataDIDsView.get_helper)",
    ),
    (
        "replicas::add_replicas",
        "the Python client's add_replicas sends `ignore_availability: true` by default; the \
         view's default is false (replicas.py, Replicas.post: param_get_bool(parameters, \
         'ignore_availability', default=False)), so ours registers a replica only on an RSE \
         available for writing unless asked otherwise",
    ),
    (
        "replicas::declare_bad_file_replicas",
        "the Python client spells out `force: false`, the view's default (replicas.py, \
         BadReplicas.post: param_get_bool(parameters, 'force', default=False))",
    ),
    (
        "replicas::list_replicas",
        "the Python client spells out `all_states: false`, `resolve_archives: true` and \
         `resolve_parents: false`, the view's defaults, and `ignore_availability: true`, where \
         the view's default is false (replicas.py, ListReplicas.post: \
         param_get_bool(parameters, 'ignore_availability', default='unavailable' in parameters))",
    ),
    (
        "requests::delete_transfer_limit",
        "the Python client spells out `direction: D`, the view's default (requests.py, \
         TransferLimits.delete: param_get(parameters, 'direction', \
         default=TransferLimitDirection.DESTINATION))",
    ),
    (
        "requests::list_requests_history",
        "the Python client spells out `offset=0` and `limit=100`, the view's defaults \
         (requests.py, RequestHistoryList.get: request.args.get('offset', type=int, default=0), \
         request.args.get('limit', type=int, default=100))",
    ),
    (
        "requests::set_transfer_limit",
        "the Python client spells out `direction: D`, the view's default (requests.py, \
         TransferLimits.put: param_get(parameters, 'direction', \
         default=TransferLimitDirection.DESTINATION))",
    ),
    (
        "rucio_storage_elements::add_distance",
        "the Python client spells out `bidirectional: false`, the view's default (rses.py, \
         Distance.post: param_get_bool(parameters, 'bidirectional', default=False))",
    ),
    (
        "rucio_storage_elements::add_protocol",
        "the Python client repeats the path's scheme in the body; the view overwrites it with the \
         path's (rses.py, Protocol.post: parameters['scheme'] = scheme)",
    ),
    (
        "rucio_storage_elements::delete_distance",
        "the Python client spells out `bidirectional=False`, the view's default (rses.py, \
         Distance.delete: param_get_bool(request.args, 'bidirectional', default=False))",
    ),
    (
        "rucio_storage_elements::get_protocols",
        "the Python client sends `protocol_domain=ALL`, which the view does not read (rses.py, \
         ProtocolList.get takes no query parameter)",
    ),
    (
        "rucio_storage_elements::update_distance",
        "the Python client spells out `bidirectional: false`, the view's default (rses.py, \
         Distance.put: param_get_bool(parameters, 'bidirectional', default=False))",
    ),
    (
        "rule::add_replication_rule",
        "the Python client spells out `grouping: DATASET`, `priority: 3` and `false` for \
         `locked`, `purge_replicas`, `ignore_availability`, `ask_approval` and `asynchronous`, \
         the view's defaults (rules.py, AllRule.post), and `notify: N`, which the view's \
         default, None, means too (rucio.core.rule.add_rule: 'None = N')",
    ),
    (
        "rule::move_replication_rule",
        "the Python client repeats the path's rule id in the body; the view reads the body's and \
         falls back to the path's (rules.py, MoveRule.post: param_get(parameters, 'rule_id', \
         default=rule_id))",
    ),
    (
        "scopes::list_scope_owners",
        "the Python client asks for /scopes/owner, which the server redirects (308) to the \
         route, /scopes/owner/ (scopes.py: bp.add_url_rule('/owner/', ScopeOwnershipList)); \
         ours asks for the route",
    ),
    (
        "subscription::add_subscription",
        "the Python client spells out its own default, `priority: 3`; ours leaves it to the view, \
         whose default is false (subscriptions.py, Subscription.post: param_get(options, \
         'priority', default=False))",
    ),
];

/// Members the Python client sends that the spec does not document, so that ours can send them
/// only through a type's `unknown_fields`, by operation.
/// (`override` of `rule::move_replication_rule` was one, until the `corrected-members` repair
/// added it.)
const UNDOCUMENTED_MEMBERS: &[(&str, &[&str], &str)] = &[];

/// Operations with a Python counterpart that are not compared, and why.
const NOT_COMPARED: &[(&str, &str)] = &[];

/// One side's names: the Python client's objects are `py…`, ours `rs…`. Each becomes
/// `<field>` when two requests are compared.
struct Names {
    scope: String,
    account: String,
    rse: String,
    /// A second RSE: distances, a rule moved, requests between the two.
    rse2: String,
    /// An RSE that is deleted.
    rse3: String,
    host: String,
    dataset: String,
    dataset2: String,
    container: String,
    file: String,
    file2: String,
    /// A file DIRAC registers.
    file3: String,
    sample: String,
    guid: String,
    guid3: String,
    section: String,
    key: String,
    subscription: String,
    /// Values the calls return that later calls use (a rule's id), by name.
    kept: Mutex<BTreeMap<String, String>>,
}

impl Names {
    fn new(side: &str) -> Names {
        let id = tc_testkit::unique("", 8);
        // Distinct letters of one length, so that no name is part of another.
        let name = |letter: &str| format!("{side}{letter}{id}");
        let hex: String = name("").bytes().map(|b| format!("{b:02x}")).collect();
        Names {
            scope: name("s"),
            account: name("a"),
            rse: name("r").to_uppercase(),
            rse2: name("q").to_uppercase(),
            rse3: name("x").to_uppercase(),
            host: format!("{}.example.org", name("h")),
            dataset: name("d"),
            dataset2: name("e"),
            container: name("c"),
            file: name("f"),
            file2: name("g"),
            file3: name("i"),
            sample: name("m"),
            guid: format!("{hex:0<31}1"),
            guid3: format!("{hex:0<31}3"),
            section: name("k"),
            key: name("y"),
            subscription: name("b"),
            kept: Mutex::default(),
        }
    }

    /// Each name by its field's name, then the kept values.
    fn fields(&self) -> Vec<(String, String)> {
        let names = [
            ("scope", &self.scope),
            ("account", &self.account),
            ("rse", &self.rse),
            ("rse2", &self.rse2),
            ("rse3", &self.rse3),
            ("host", &self.host),
            ("dataset", &self.dataset),
            ("dataset2", &self.dataset2),
            ("container", &self.container),
            ("file", &self.file),
            ("file2", &self.file2),
            ("file3", &self.file3),
            ("sample", &self.sample),
            ("guid", &self.guid),
            ("guid3", &self.guid3),
            ("section", &self.section),
            ("key", &self.key),
            ("subscription", &self.subscription),
        ];
        let kept = self.kept.lock().unwrap().clone();
        names
            .into_iter()
            .map(|(field, name)| (field.to_owned(), name.clone()))
            .chain(kept)
            .collect()
    }

    /// Each name and the placeholder it becomes, the longest first (a kept PFN holds names).
    fn placeholders(&self) -> Vec<(String, String)> {
        let mut all: Vec<(String, String)> = self
            .fields()
            .into_iter()
            .map(|(field, name)| (name, format!("<{field}>")))
            .collect();
        all.sort_by_key(|(name, _)| std::cmp::Reverse(name.len()));
        all
    }

    fn keep(&self, key: &str, value: impl Into<String>) {
        self.kept
            .lock()
            .unwrap()
            .insert(key.to_owned(), value.into());
    }

    fn kept(&self, key: &str) -> String {
        self.kept
            .lock()
            .unwrap()
            .get(key)
            .cloned()
            .unwrap_or_default()
    }
}

/// Our side of a call: the error it ended with, if any.
type RustCall = Box<dyn FnOnce(&'static Names) -> Pin<Box<dyn Future<Output = Option<String>>>>>;

/// One call of an operation: a Python expression (`c`, a `Client`; `n`, its names; `keep(key,
/// value)` keeps a value for later calls as `n.<key>`) and the same call by ours.
struct Call {
    operation: &'static str,
    python: &'static str,
    rust: RustCall,
}

macro_rules! call {
    // A block (rustfmt's way with a long closure) is unwrapped: the temporaries of a block's
    // tail, which the call's future borrows, would not outlive it.
    ($operation:literal, $python:literal, |$n:ident| { $($rust:tt)* }) => {
        call!($operation, $python, |$n| ($($rust)*))
    };
    ($operation:literal, $python:literal, |$n:ident| $rust:expr) => {
        Call {
            operation: $operation,
            python: $python,
            rust: Box::new(move |$n: &'static Names| {
                Box::pin(async move {
                    let result = $rust.await;
                    outcome(result)
                })
            }),
        }
    };
}

/// An answer that does not decode is the conformance suite's business; what was sent is
/// compared all the same.
fn outcome<T>(result: rucio_client::Result<T>) -> Option<String> {
    match result {
        Err(e) if e.kind() != ErrorKind::Schema => Some(e.to_string()),
        _ => None,
    }
}

async fn drain<T: serde::de::DeserializeOwned + Send + 'static>(
    call: rucio_client::Call<Vec<T>>,
) -> rucio_client::Result<Vec<T>> {
    let mut stream = call.stream();
    let mut items = Vec::new();
    while let Some(item) = stream.next().await {
        items.push(item?);
    }
    Ok(items)
}

/// The members of request bodies the spec does not document (sent from `unknown_fields`).
static UNDOCUMENTED: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// A request body from its JSON, as the Python call's arguments spell it.
fn body<T: DeserializeOwned + std::fmt::Debug>(value: Value) -> T {
    let typed: T = serde_json::from_value(value.clone())
        .unwrap_or_else(|e| panic!("{value} is no {}: {e}", std::any::type_name::<T>()));
    UNDOCUMENTED
        .lock()
        .unwrap()
        .extend(unknown_keys(&format!("{typed:?}")));
    typed
}

/// The keys of every non-empty `unknown_fields` map in a value's `Debug` output.
fn unknown_keys(debug: &str) -> Vec<String> {
    let mut keys = Vec::new();
    for (at, _) in debug.match_indices("unknown_fields: {") {
        let (mut depth, mut string, mut escaped) = (0, None::<String>, false);
        let mut last = None;
        for c in debug[at + "unknown_fields: ".len()..].chars() {
            if let Some(text) = string.as_mut() {
                match (escaped, c) {
                    (false, '\\') => escaped = true,
                    (false, '"') => last = string.take(),
                    _ => {
                        text.push(c);
                        escaped = false;
                    }
                }
                continue;
            }
            match c {
                '"' => string = Some(String::new()),
                ':' if depth == 1 => keys.extend(last.take()),
                '{' | '[' | '(' => depth += 1,
                '}' | ']' | ')' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                ' ' => {}
                _ => last = None,
            }
        }
    }
    keys
}

/// Every call, in order: each side creates what it uses before using it.
fn calls(rucio: &'static Rucio) -> Vec<Call> {
    vec![
        // Accounts and scopes.
        call!(
            "account::add_account",
            "c.add_account(n.account, 'USER', 'someone@example.com')",
            |n| rucio.account().add_account(
                &n.account,
                &body(json!({"type": "USER", "email": "someone@example.com"}))
            )
        ),
        call!("account::get_account", "c.get_account(n.account)", |n| {
            rucio.account().get_account(&n.account)
        }),
        call!(
            "account::update_account",
            "c.update_account(n.account, 'email', 'other@example.com')",
            |n| rucio
                .account()
                .update_account(&n.account, &json!({"email": "other@example.com"}))
        ),
        call!("account::list_accounts", "c.list_accounts()", |_n| drain(
            rucio.account().list_accounts(&Default::default())
        )),
        call!(
            "account::add_account_attribute",
            "c.add_account_attribute(n.account, 'color', 'blue')",
            |n| rucio.account().add_account_attribute(
                &n.account,
                "color",
                &body(json!({"value": "blue"}))
            )
        ),
        call!(
            "account::list_account_attributes",
            "c.list_account_attributes(n.account)",
            |n| rucio.account().list_account_attributes(&n.account)
        ),
        call!(
            "account::delete_account_attribute",
            "c.delete_account_attribute(n.account, 'color')",
            |n| rucio
                .account()
                .delete_account_attribute(&n.account, "color")
        ),
        call!(
            "account::add_identity",
            "c.add_identity(n.account, n.account + '@EXAMPLE.COM', 'GSS', 'x@example.com')",
            |n| rucio.account().add_identity(
                &n.account,
                &body(json!({"identity": format!("{}@EXAMPLE.COM", n.account),
                    "authtype": "GSS", "email": "x@example.com"}))
            )
        ),
        call!(
            "account::list_identities",
            "c.list_identities(n.account)",
            |n| drain(rucio.account().list_identities(&n.account))
        ),
        call!(
            "account::del_identity",
            "c.del_identity(n.account, n.account + '@EXAMPLE.COM', 'GSS')",
            |n| rucio.account().del_identity(
                &n.account,
                &body(json!({"identity": format!("{}@EXAMPLE.COM", n.account),
                    "authtype": "GSS"}))
            )
        ),
        call!(
            "account::add_scope",
            "c.add_scope(n.account, n.scope)",
            |n| rucio.account().add_scope(&n.account, &n.scope)
        ),
        call!(
            "scopes::update_scope",
            "c.update_scope(n.account, n.scope)",
            |n| rucio.scopes().update_scope(&n.account, &n.scope)
        ),
        call!("scopes::list_scope_owners", "c.list_scope_owners()", |_n| {
            rucio.scopes().list_scope_owners()
        }),
        // Storage elements.
        call!("rucio_storage_elements::add_rse", "c.add_rse(n.rse)", |n| {
            rucio
                .rucio_storage_elements()
                .add_rse(&n.rse, &body(json!({})))
        }),
        call!(
            "rucio_storage_elements::add_rse",
            "c.add_rse(n.rse2)",
            |n| {
                rucio
                    .rucio_storage_elements()
                    .add_rse(&n.rse2, &body(json!({})))
            }
        ),
        call!(
            "rucio_storage_elements::add_rse",
            "c.add_rse(n.rse3)",
            |n| {
                rucio
                    .rucio_storage_elements()
                    .add_rse(&n.rse3, &body(json!({})))
            }
        ),
        call!("rucio_storage_elements::get_rse", "c.get_rse(n.rse)", |n| {
            rucio.rucio_storage_elements().get_rse(&n.rse)
        }),
        call!(
            "rucio_storage_elements::update_rse",
            "c.update_rse(n.rse, {'city': 'Geneva'})",
            |n| rucio
                .rucio_storage_elements()
                .update_rse(&n.rse, &body(json!({"city": "Geneva"})))
        ),
        call!("rucio_storage_elements::list_rses", "c.list_rses()", |_n| {
            drain(
                rucio
                    .rucio_storage_elements()
                    .list_rses(&ListRsesQuery::default()),
            )
        }),
        call!(
            "rucio_storage_elements::add_rse_attribute",
            "c.add_rse_attribute(n.rse, 'tier', '1')",
            |n| rucio.rucio_storage_elements().add_rse_attribute(
                &n.rse,
                "tier",
                &body(json!({"value": "1"}))
            )
        ),
        call!(
            "rucio_storage_elements::list_rse_attributes",
            "c.list_rse_attributes(n.rse)",
            |n| rucio.rucio_storage_elements().list_rse_attributes(&n.rse)
        ),
        call!(
            "rucio_storage_elements::delete_rse_attribute",
            "c.delete_rse_attribute(n.rse, 'tier')",
            |n| rucio
                .rucio_storage_elements()
                .delete_rse_attribute(&n.rse, "tier")
        ),
        call!(
            "rucio_storage_elements::add_distance",
            "c.add_distance(n.rse2, n.rse, {'distance': 1})",
            |n| rucio.rucio_storage_elements().add_distance(
                &n.rse2,
                &n.rse,
                &body(json!({"distance": 1}))
            )
        ),
        call!(
            "rucio_storage_elements::get_distance",
            "c.get_distance(n.rse2, n.rse)",
            |n| rucio.rucio_storage_elements().get_distance(&n.rse2, &n.rse)
        ),
        call!(
            "rucio_storage_elements::update_distance",
            "c.update_distance(n.rse2, n.rse, {'distance': 2})",
            |n| rucio.rucio_storage_elements().update_distance(
                &n.rse2,
                &n.rse,
                &body(json!({"distance": 2}))
            )
        ),
        call!(
            "rucio_storage_elements::delete_distance",
            "c.delete_distance(n.rse2, n.rse)",
            |n| rucio.rucio_storage_elements().delete_distance(
                &n.rse2,
                &n.rse,
                &Default::default()
            )
        ),
        call!(
            "rucio_storage_elements::add_protocol",
            "c.add_protocol(n.rse, {'scheme': 'srm', 'hostname': n.host, 'port': 8443, \
             'prefix': '/data/', 'impl': 'rucio.rse.protocols.gfal.Default', \
             'extended_attributes': {'web_service_path': '/srm/managerv2?SFN='}, \
             'domains': {'lan': {'read': 1, 'write': 1, 'delete': 1}, \
             'wan': {'read': 1, 'write': 1, 'delete': 1}}})",
            |n| rucio.rucio_storage_elements().add_protocol(
                &n.rse,
                "srm",
                &body(json!({"hostname": n.host, "port": 8443, "prefix": "/data/",
                    "impl": "rucio.rse.protocols.gfal.Default",
                    "extended_attributes": {"web_service_path": "/srm/managerv2?SFN="},
                    "domains": {"lan": {"read": 1, "write": 1, "delete": 1},
                        "wan": {"read": 1, "write": 1, "delete": 1}}}))
            )
        ),
        call!(
            "rucio_storage_elements::add_protocol",
            "c.add_protocol(n.rse, {'scheme': 'root', 'hostname': n.host, 'port': 1094, \
             'prefix': '/data/', 'impl': 'rucio.rse.protocols.posix.Default'})",
            |n| rucio.rucio_storage_elements().add_protocol(
                &n.rse,
                "root",
                &body(json!({"hostname": n.host, "port": 1094, "prefix": "/data/",
                    "impl": "rucio.rse.protocols.posix.Default"}))
            )
        ),
        call!(
            "rucio_storage_elements::get_protocols",
            "c.get_protocols(n.rse)",
            |n| rucio.rucio_storage_elements().get_protocols(&n.rse)
        ),
        call!(
            "rucio_storage_elements::update_protocols",
            "c.update_protocols(n.rse, 'root', {'prefix': '/other/'}, hostname=n.host, port=1094)",
            |n| rucio.rucio_storage_elements().update_protocols(
                &n.rse,
                "root",
                &n.host,
                "1094",
                &json!({"prefix": "/other/"})
            )
        ),
        call!(
            "rucio_storage_elements::delete_protocols",
            "c.delete_protocols(n.rse, 'root', hostname=n.host, port=1094)",
            |n| rucio
                .rucio_storage_elements()
                .delete_protocols(&n.rse, "root", &n.host, "1094")
        ),
        call!(
            "rucio_storage_elements::set_rse_usage",
            "c.set_rse_usage(n.rse, 'srm', 10, 90)",
            |n| rucio.rucio_storage_elements().set_rse_usage(
                &n.rse,
                &body(json!({"source": "srm", "used": 10, "free": 90}))
            )
        ),
        call!(
            "rucio_storage_elements::get_rse_usage",
            "c.get_rse_usage(n.rse)",
            |n| drain(
                rucio
                    .rucio_storage_elements()
                    .get_rse_usage(&n.rse, &Default::default())
            )
        ),
        call!(
            "rucio_storage_elements::list_rse_usage_history",
            "c.list_rse_usage_history(n.rse)",
            |n| drain(
                rucio
                    .rucio_storage_elements()
                    .list_rse_usage_history(&n.rse)
            )
        ),
        call!(
            "rucio_storage_elements::set_rse_limits",
            "c.set_rse_limits(n.rse, 'MinFreeSpace', 10)",
            |n| rucio
                .rucio_storage_elements()
                .set_rse_limits(&n.rse, &body(json!({"name": "MinFreeSpace", "value": 10})))
        ),
        call!(
            "rucio_storage_elements::get_rse_limits",
            "c.get_rse_limits(n.rse)",
            |n| rucio.rucio_storage_elements().get_rse_limits(&n.rse)
        ),
        call!(
            "rucio_storage_elements::delete_rse_limits",
            "c.delete_rse_limits(n.rse, 'MinFreeSpace')",
            |n| rucio
                .rucio_storage_elements()
                .delete_rse_limits(&n.rse, &body(json!({"name": "MinFreeSpace"})))
        ),
        call!(
            "rucio_storage_elements::add_qos_policy",
            "c.add_qos_policy(n.rse, 'SLOW')",
            |n| rucio
                .rucio_storage_elements()
                .add_qos_policy(&n.rse, "SLOW")
        ),
        call!(
            "rucio_storage_elements::delete_qos_policy",
            "c.delete_qos_policy(n.rse, 'SLOW')",
            |n| rucio
                .rucio_storage_elements()
                .delete_qos_policy(&n.rse, "SLOW")
        ),
        call!(
            "rucio_storage_elements::delete_rse",
            "c.delete_rse(n.rse3)",
            |n| { rucio.rucio_storage_elements().delete_rse(&n.rse3) }
        ),
        // Account limits and usage; the account's rules below count against them.
        call!(
            "account_limit::set_local_account_limit",
            "c.set_local_account_limit(n.account, n.rse, 1000)",
            |n| rucio.account_limit().set_local_account_limit(
                &n.account,
                &n.rse,
                &body(json!({"bytes": 1000}))
            )
        ),
        call!(
            "account_limit::set_local_account_limit",
            "c.set_local_account_limit(n.account, n.rse2, 1000)",
            |n| rucio.account_limit().set_local_account_limit(
                &n.account,
                &n.rse2,
                &body(json!({"bytes": 1000}))
            )
        ),
        call!(
            "account::get_local_account_limit",
            "c.get_local_account_limit(n.account, n.rse)",
            |n| rucio.account().get_local_account_limit(&n.account, &n.rse)
        ),
        call!(
            "account::get_local_account_usage",
            "c.get_local_account_usage(n.account, n.rse)",
            |n| drain(rucio.account().get_local_account_usage(&n.account, &n.rse))
        ),
        call!(
            "account::get_account_usage_history",
            "c.get_account_usage_history(n.account, n.rse)",
            |n| rucio
                .account()
                .get_account_usage_history(&n.account, &n.rse)
        ),
        call!(
            "account_limit::set_global_account_limit",
            "c.set_global_account_limit(n.account, n.rse, 1000)",
            |n| rucio.account_limit().set_global_account_limit(
                &n.account,
                &n.rse,
                &body(json!({"bytes": 1000}))
            )
        ),
        call!(
            "account::get_global_account_limit",
            "c.get_global_account_limit(n.account, n.rse)",
            |n| rucio.account().get_global_account_limit(&n.account, &n.rse)
        ),
        call!(
            "account::get_global_account_usage",
            "c.get_global_account_usage(n.account, n.rse)",
            |n| drain(rucio.account().get_global_account_usage(&n.account, &n.rse))
        ),
        // Data identifiers: two files with replicas, two datasets, a container.
        call!(
            "replicas::add_replicas",
            "c.add_replicas(n.rse, [{'scope': n.scope, 'name': n.file, 'bytes': 1, \
             'adler32': '0cc737eb', 'meta': {'guid': n.guid}}, {'scope': n.scope, \
             'name': n.file2, 'bytes': 1, 'adler32': '0cc737eb'}])",
            |n| rucio
                .replicas()
                .add_replicas(&body(json!({"rse": n.rse, "files": [
                {"scope": n.scope, "name": n.file, "bytes": 1, "adler32": "0cc737eb",
                    "meta": {"guid": n.guid}},
                {"scope": n.scope, "name": n.file2, "bytes": 1, "adler32": "0cc737eb"}]})))
        ),
        call!(
            "data_identifiers::add_did",
            "c.add_did(n.scope, n.dataset, 'DATASET')",
            |n| rucio.data_identifiers().add_did(
                &n.scope,
                &n.dataset,
                &body(json!({"type": "DATASET"}))
            )
        ),
        call!(
            "data_identifiers::add_dids",
            "c.add_dids([{'scope': n.scope, 'name': n.dataset2, 'type': 'DATASET'}, \
             {'scope': n.scope, 'name': n.container, 'type': 'CONTAINER'}])",
            |n| rucio.data_identifiers().add_dids(&body(json!([
                {"scope": n.scope, "name": n.dataset2, "type": "DATASET"},
                {"scope": n.scope, "name": n.container, "type": "CONTAINER"}])))
        ),
        call!(
            "data_identifiers::attach_dids",
            "c.attach_dids(n.scope, n.dataset, [{'scope': n.scope, 'name': n.file}])",
            |n| rucio.data_identifiers().attach_dids(
                &n.scope,
                &n.dataset,
                &body(json!({"dids": [{"scope": n.scope, "name": n.file}]}))
            )
        ),
        call!(
            "data_identifiers::attach_dids",
            "c.attach_dids(n.scope, n.dataset2, [{'scope': n.scope, 'name': n.file2}], rse=n.rse)",
            |n| rucio.data_identifiers().attach_dids(
                &n.scope,
                &n.dataset2,
                &body(json!({"dids": [{"scope": n.scope, "name": n.file2}], "rse": n.rse}))
            )
        ),
        call!(
            "data_identifiers::attach_dids_to_dids",
            "c.attach_dids_to_dids([{'scope': n.scope, 'name': n.container, \
             'dids': [{'scope': n.scope, 'name': n.dataset}]}])",
            |n| rucio
                .data_identifiers()
                .attach_dids_to_dids(&body(json!({"attachments": [{"scope": n.scope,
                    "name": n.container, "dids": [{"scope": n.scope, "name": n.dataset}]}]})))
        ),
        call!(
            "data_identifiers::detach_dids",
            "c.detach_dids(n.scope, n.dataset2, [{'scope': n.scope, 'name': n.file2}])",
            |n| rucio.data_identifiers().detach_dids(
                &n.scope,
                &n.dataset2,
                &body(json!({"dids": [{"scope": n.scope, "name": n.file2}]}))
            )
        ),
        call!(
            "data_identifiers::list_content",
            "c.list_content(n.scope, n.container)",
            |n| drain(
                rucio
                    .data_identifiers()
                    .list_content(&n.scope, &n.container)
            )
        ),
        call!(
            "data_identifiers::list_content_history",
            "c.list_content_history(n.scope, n.dataset2)",
            |n| drain(
                rucio
                    .data_identifiers()
                    .list_content_history(&n.scope, &n.dataset2)
            )
        ),
        call!(
            "data_identifiers::list_files",
            "c.list_files(n.scope, n.dataset)",
            |n| drain(rucio.data_identifiers().list_files(
                &n.scope,
                &n.dataset,
                &ListFilesQuery::default()
            ))
        ),
        call!(
            "data_identifiers::list_parent_dids",
            "c.list_parent_dids(n.scope, n.file)",
            |n| drain(rucio.data_identifiers().list_parent_dids(&n.scope, &n.file))
        ),
        call!(
            "data_identifiers::list_dids",
            "c.list_dids(n.scope, [{'name': n.dataset}], did_type='all')",
            |n| drain(
                rucio.data_identifiers().list_dids(
                    &n.scope,
                    &ListDidsQuery::default()
                        .with_name(n.dataset.as_str())
                        .with_type("all")
                )
            )
        ),
        call!(
            "data_identifiers::scope_list",
            "c.scope_list(n.scope, name=n.dataset)",
            |n| drain(rucio.data_identifiers().scope_list(
                &n.scope,
                &ScopeListQuery::default().with_name(n.dataset.as_str())
            ))
        ),
        call!(
            "data_identifiers::get_did",
            "c.get_did(n.scope, n.dataset)",
            |n| {
                rucio
                    .data_identifiers()
                    .get_did(&n.scope, &n.dataset, &GetDidQuery::default())
            }
        ),
        call!(
            "data_identifiers::get_dataset_by_guid",
            "c.get_dataset_by_guid(n.guid)",
            |n| drain(rucio.data_identifiers().get_dataset_by_guid(&n.guid))
        ),
        call!(
            "data_identifiers::set_status",
            "c.set_status(n.scope, n.dataset2, open=False)",
            |n| rucio.data_identifiers().set_status(
                &n.scope,
                &n.dataset2,
                &body(json!({"open": false}))
            )
        ),
        call!(
            "data_identifiers::set_metadata_bulk",
            "c.set_metadata_bulk(n.scope, n.dataset, {'project': 'wire'})",
            |n| rucio.data_identifiers().set_metadata_bulk(
                &n.scope,
                &n.dataset,
                &body(json!({"meta": {"project": "wire"}}))
            )
        ),
        call!(
            "data_identifiers::get_metadata",
            "c.get_metadata(n.scope, n.dataset)",
            |n| rucio.data_identifiers().get_metadata(
                &n.scope,
                &n.dataset,
                &GetMetadataQuery::default()
            )
        ),
        call!(
            "data_identifiers::delete_metadata",
            "c.delete_metadata(n.scope, n.dataset, 'project')",
            |n| rucio.data_identifiers().delete_metadata(
                &n.scope,
                &n.dataset,
                &DeleteMetadataQuery::default().with_key("project")
            )
        ),
        call!(
            "data_identifiers::set_dids_metadata_bulk",
            "c.set_dids_metadata_bulk([{'scope': n.scope, 'name': n.dataset2, \
             'meta': {'project': 'wire'}}])",
            |n| rucio
                .data_identifiers()
                .set_dids_metadata_bulk(&body(json!({"dids": [{"scope": n.scope,
                    "name": n.dataset2, "meta": {"project": "wire"}}]})))
        ),
        call!(
            "data_identifiers::get_metadata_bulk",
            "c.get_metadata_bulk([{'scope': n.scope, 'name': n.dataset2}])",
            |n| drain(rucio.data_identifiers().get_metadata_bulk(&body(
                json!({"dids": [{"scope": n.scope, "name": n.dataset2}]})
            )))
        ),
        call!(
            "data_identifiers::bulk_list_files",
            "c.bulk_list_files([{'scope': n.scope, 'name': n.dataset}])",
            |n| drain(rucio.data_identifiers().bulk_list_files(&body(
                json!({"dids": [{"scope": n.scope, "name": n.dataset}]})
            )))
        ),
        call!(
            "data_identifiers::create_did_sample",
            "c.create_did_sample(n.scope, n.dataset, n.scope, n.sample, 1)",
            |n| rucio
                .data_identifiers()
                .create_did_sample(&body(json!({"input_scope": n.scope,
                    "input_name": n.dataset, "output_scope": n.scope,
                    "output_name": n.sample, "nbfiles": "1"})))
        ),
        // Only a deleted DID can be brought back; the request is compared all the same.
        call!(
            "data_identifiers::resurrect",
            "c.resurrect([{'scope': n.scope, 'name': n.sample}])",
            |n| rucio
                .data_identifiers()
                .resurrect(&body(json!([{"scope": n.scope, "name": n.sample}])))
        ),
        // Replicas, by the PFNs of the first RSE's `srm` protocol.
        call!(
            "rucio_storage_elements::lfns2pfns",
            "keep('pfn', list(c.lfns2pfns(n.rse, [n.scope + ':' + n.file], \
             scheme='srm').values())[0])",
            |n| async {
                let lfn = format!("{}:{}", n.scope, n.file);
                let query = Lfns2pfnsQuery::default().with_lfn(lfn).with_scheme("srm");
                let pfns = rucio
                    .rucio_storage_elements()
                    .lfns2pfns(&n.rse, &query)
                    .await?;
                n.keep("pfn", pfns.into_values().next().unwrap_or_default());
                Ok(())
            }
        ),
        call!(
            "rucio_storage_elements::lfns2pfns",
            "keep('pfn2', list(c.lfns2pfns(n.rse, [n.scope + ':' + n.file2], \
             scheme='srm').values())[0])",
            |n| async {
                let lfn = format!("{}:{}", n.scope, n.file2);
                let query = Lfns2pfnsQuery::default().with_lfn(lfn).with_scheme("srm");
                let pfns = rucio
                    .rucio_storage_elements()
                    .lfns2pfns(&n.rse, &query)
                    .await?;
                n.keep("pfn2", pfns.into_values().next().unwrap_or_default());
                Ok(())
            }
        ),
        call!(
            "replicas::list_replicas",
            "c.list_replicas([{'scope': n.scope, 'name': n.file}])",
            |n| drain(rucio.replicas().list_replicas(
                &Default::default(),
                &Default::default(),
                &body(json!({"dids": [{"scope": n.scope, "name": n.file}]}))
            ))
        ),
        call!(
            "replicas::list_datasets_per_rse",
            "c.list_datasets_per_rse(n.rse)",
            |n| drain(rucio.replicas().list_datasets_per_rse(&n.rse))
        ),
        call!(
            "replicas::get_did_from_pfns",
            "c.get_did_from_pfns([n.pfn], n.rse)",
            |n| drain(
                rucio
                    .replicas()
                    .get_did_from_pfns(&body(json!({"pfns": [n.kept("pfn")], "rse": n.rse})))
            )
        ),
        call!(
            "replicas::list_dataset_replicas",
            "c.list_dataset_replicas(n.scope, n.dataset)",
            |n| drain(rucio.replicas().list_dataset_replicas(
                &n.scope,
                &n.dataset,
                &Default::default()
            ))
        ),
        call!(
            "replicas::list_dataset_replicas_bulk",
            "c.list_dataset_replicas_bulk([{'scope': n.scope, 'name': n.dataset}])",
            |n| drain(rucio.replicas().list_dataset_replicas_bulk(&body(
                json!({"dids": [{"scope": n.scope, "name": n.dataset}]})
            )))
        ),
        call!(
            "replicas::list_dataset_replicas_vp",
            "c.list_dataset_replicas_vp(n.scope, n.dataset)",
            |n| drain(rucio.replicas().list_dataset_replicas_vp(
                &n.scope,
                &n.dataset,
                &Default::default()
            ))
        ),
        call!(
            "replicas::declare_suspicious_file_replicas",
            "c.declare_suspicious_file_replicas([n.pfn], 'test')",
            |n| rucio.replicas().declare_suspicious_file_replicas(&body(
                json!({"pfns": [n.kept("pfn")], "reason": "test"})
            ))
        ),
        call!(
            "replicas::list_suspicious_replicas",
            "c.list_suspicious_replicas()",
            |_n| rucio
                .replicas()
                .list_suspicious_replicas(&Default::default())
        ),
        call!(
            "replicas::declare_bad_did_replicas",
            "c.declare_bad_did_replicas(n.rse, [{'scope': n.scope, 'name': n.file2}], 'test')",
            |n| rucio
                .replicas()
                .declare_bad_did_replicas(&body(json!({"rse": n.rse,
                    "dids": [{"scope": n.scope, "name": n.file2}], "reason": "test"})))
        ),
        call!(
            "replicas::add_bad_pfns",
            "c.add_bad_pfns(['file:///x'], 'test', 'BAD', None)",
            |_n| rucio.replicas().add_bad_pfns(&body(
                json!({"pfns": ["file:///x"], "reason": "test", "state": "BAD"})
            ))
        ),
        call!(
            "replicas::declare_bad_file_replicas",
            "c.declare_bad_file_replicas([n.pfn2], 'test')",
            |n| rucio.replicas().declare_bad_file_replicas(&body(
                json!({"replicas": [n.kept("pfn2")], "reason": "test"})
            ))
        ),
        call!(
            "replicas::quarantine_replicas",
            "c.quarantine_replicas([{'path': '/dark/x'}], rse=n.rse)",
            |n| rucio.replicas().quarantine_replicas(&body(
                json!({"replicas": [{"path": "/dark/x"}], "rse": n.rse})
            ))
        ),
        call!(
            "replicas::set_tombstone",
            "c.set_tombstone([{'rse': n.rse, 'scope': n.scope, 'name': n.file2}])",
            |n| rucio.replicas().set_tombstone(&body(
                json!({"replicas": [{"rse": n.rse, "scope": n.scope, "name": n.file2}]})
            ))
        ),
        // Rules and locks.
        call!(
            "rule::add_replication_rule",
            "keep('rule', c.add_replication_rule([{'scope': n.scope, 'name': n.dataset}], 1, \
             n.rse, account=n.account)[0])",
            |n| async {
                let ids = rucio
                    .rule()
                    .add_replication_rule(&body(json!({
                        "dids": [{"scope": n.scope, "name": n.dataset}],
                        "copies": 1, "rse_expression": n.rse, "account": n.account})))
                    .await?;
                n.keep("rule", ids.first().cloned().unwrap_or_default());
                Ok(())
            }
        ),
        call!(
            "rule::get_replication_rule",
            "c.get_replication_rule(n.rule)",
            |n| rucio.rule().get_replication_rule(&n.kept("rule"))
        ),
        call!(
            "rule::list_replication_rules",
            "c.list_replication_rules()",
            |_n| drain(rucio.rule().list_replication_rules(&Default::default()))
        ),
        call!(
            "rule::update_replication_rule",
            "c.update_replication_rule(n.rule, {'comment': 'kept'})",
            |n| rucio.rule().update_replication_rule(
                &n.kept("rule"),
                &body(json!({"options": {"comment": "kept"}}))
            )
        ),
        call!(
            "rule::list_replica_locks",
            "c.list_replica_locks(n.rule)",
            |n| drain(rucio.rule().list_replica_locks(&n.kept("rule")))
        ),
        call!(
            "rule::list_replication_rule_full_history",
            "c.list_replication_rule_full_history(n.scope, n.dataset)",
            |n| drain(
                rucio
                    .rule()
                    .list_replication_rule_full_history(&n.scope, &n.dataset)
            )
        ),
        call!(
            "rule::examine_replication_rule",
            "c.examine_replication_rule(n.rule)",
            |n| rucio.rule().examine_replication_rule(&n.kept("rule"))
        ),
        call!(
            "data_identifiers::list_did_rules",
            "c.list_did_rules(n.scope, n.dataset)",
            |n| drain(
                rucio
                    .data_identifiers()
                    .list_did_rules(&n.scope, &n.dataset)
            )
        ),
        call!(
            "data_identifiers::list_associated_rules_for_file",
            "c.list_associated_rules_for_file(n.scope, n.file)",
            |n| drain(
                rucio
                    .data_identifiers()
                    .list_associated_rules_for_file(&n.scope, &n.file)
            )
        ),
        call!(
            "account::list_account_rules",
            "c.list_account_rules(n.account)",
            |n| drain(
                rucio
                    .account()
                    .list_account_rules(&n.account, &Default::default())
            )
        ),
        // The Python client asks for dataset locks only (`did_type=dataset`).
        call!(
            "lock::get_dataset_locks_by_rse",
            "c.get_dataset_locks_by_rse(n.rse)",
            |n| drain(rucio.lock().get_dataset_locks_by_rse(
                &n.rse,
                &GetDatasetLocksByRseQuery::default().with_did_type("dataset")
            ))
        ),
        call!(
            "lock::get_dataset_locks",
            "c.get_dataset_locks(n.scope, n.dataset)",
            |n| drain(rucio.lock().get_dataset_locks(
                &n.scope,
                &n.dataset,
                &GetDatasetLocksQuery::default().with_did_type("dataset")
            ))
        ),
        call!(
            "lock::get_locks_for_dids",
            "c.get_locks_for_dids([{'scope': n.scope, 'name': n.dataset}])",
            |n| drain(rucio.lock().get_locks_for_dids(&body(
                json!({"dids": [{"scope": n.scope, "name": n.dataset}]})
            )))
        ),
        // A rule of one copy cannot be reduced to one; the request is compared all the same.
        call!(
            "rule::reduce_replication_rule",
            "c.reduce_replication_rule(n.rule, 1)",
            |n| rucio
                .rule()
                .reduce_replication_rule(&n.kept("rule"), &body(json!({"copies": 1})))
        ),
        call!(
            "rule::move_replication_rule",
            "c.move_replication_rule(n.rule, n.rse2, {})",
            |n| rucio.rule().move_replication_rule(
                &n.kept("rule"),
                &body(json!({"rse_expression": n.rse2, "override": {}}))
            )
        ),
        call!(
            "rule::delete_replication_rule",
            "c.delete_replication_rule(n.rule)",
            |n| rucio
                .rule()
                .delete_replication_rule(&n.kept("rule"), &body(json!({})))
        ),
        // Requests: none exist (no transfer was queued); the requests are compared all the same.
        call!(
            "requests::list_request_by_did",
            "c.list_request_by_did(n.file, n.rse2, n.scope)",
            |n| rucio
                .requests()
                .list_request_by_did(&n.scope, &n.file, &n.rse2)
        ),
        call!(
            "requests::list_request_history_by_did",
            "c.list_request_history_by_did(n.file, n.rse2, n.scope)",
            |n| rucio
                .requests()
                .list_request_history_by_did(&n.scope, &n.file, &n.rse2)
        ),
        call!(
            "requests::list_requests",
            "c.list_requests(n.rse, n.rse2, 'Q')",
            |n| drain(
                rucio.requests().list_requests(
                    &ListRequestsQuery::default()
                        .with_src_rse(n.rse.as_str())
                        .with_dst_rse(n.rse2.as_str())
                        .with_request_states("Q")
                )
            )
        ),
        call!(
            "requests::list_requests_history",
            "c.list_requests_history(n.rse, n.rse2, 'D')",
            |n| drain(
                rucio.requests().list_requests_history(
                    &ListRequestsHistoryQuery::default()
                        .with_src_rse(n.rse.as_str())
                        .with_dst_rse(n.rse2.as_str())
                        .with_request_states("D")
                )
            )
        ),
        call!(
            "requests::set_transfer_limit",
            "c.set_transfer_limit(n.rse, max_transfers=10)",
            |n| rucio
                .requests()
                .set_transfer_limit(&body(json!({"rse_expression": n.rse, "max_transfers": 10})))
        ),
        call!(
            "requests::list_transfer_limits",
            "c.list_transfer_limits()",
            |_n| drain(rucio.requests().list_transfer_limits())
        ),
        call!(
            "requests::delete_transfer_limit",
            "c.delete_transfer_limit(n.rse)",
            |n| rucio
                .requests()
                .delete_transfer_limit(&body(json!({"rse_expression": n.rse})))
        ),
        // Subscriptions.
        call!(
            "subscription::add_subscription",
            "c.add_subscription(n.subscription, n.account, {'scope': [n.scope]}, \
             [{'rse_expression': n.rse, 'copies': 1, 'activity': 'User Subscriptions'}], \
             'test', 30, False, False)",
            |n| rucio.subscription().add_subscription(
                &n.account,
                &n.subscription,
                &body(json!({"options": {"filter": {"scope": [n.scope]},
                    "replication_rules": [{"rse_expression": n.rse, "copies": 1,
                        "activity": "User Subscriptions"}],
                    "comments": "test", "lifetime": 30, "retroactive": false,
                    "dry_run": false}}))
            )
        ),
        call!(
            "subscription::update_subscription",
            "c.update_subscription(n.subscription, account=n.account, comments='new')",
            |n| rucio.subscription().update_subscription(
                &n.account,
                &n.subscription,
                &body(json!({"options": {"comments": "new"}}))
            )
        ),
        call!(
            "subscription::list_subscriptions",
            "c.list_subscriptions(account=n.account)",
            |n| drain(rucio.subscription().list_subscriptions(&n.account))
        ),
        call!(
            "subscription::get_subscription",
            "c.list_subscriptions(name=n.subscription, account=n.account)",
            |n| drain(
                rucio
                    .subscription()
                    .get_subscription(&n.account, &n.subscription)
            )
        ),
        call!(
            "subscription::list_subscriptions_by_name",
            "c.list_subscriptions(name=n.subscription)",
            |n| drain(
                rucio
                    .subscription()
                    .list_subscriptions_by_name(&n.subscription)
            )
        ),
        call!(
            "subscription::list_subscription_rules",
            "c.list_subscription_rules(n.account, n.subscription)",
            |n| drain(rucio.subscription().list_subscription_rules(
                &n.account,
                &n.subscription,
                &Default::default()
            ))
        ),
        call!(
            "subscription::list_subscription_rule_states",
            "c.list_subscription_rule_states(n.account, n.subscription)",
            |n| drain(rucio.subscription().list_subscription_rule_states(
                &n.account,
                &n.subscription,
                &Default::default()
            ))
        ),
        // Configuration.
        call!(
            "config::set_config_option",
            "c.set_config_option(n.section, 'a', '1')",
            |n| rucio
                .config()
                .set_config_option(&json!({n.section.clone(): {"a": "1"}}))
        ),
        call!(
            "config::set_config_option_by_path",
            "c.set_config_option(n.section, 'b', '2', use_body_for_params=False)",
            |n| rucio
                .config()
                .set_config_option_by_path(&n.section, "b", "2")
        ),
        call!("config::get_config", "c.get_config()", |_n| rucio
            .config()
            .get_config()),
        call!(
            "config::get_config_section",
            "c.get_config(n.section)",
            |n| rucio.config().get_config_section(&n.section)
        ),
        call!(
            "config::get_config_option",
            "c.get_config(n.section, 'a')",
            |n| rucio.config().get_config_option(&n.section, "a")
        ),
        call!(
            "config::delete_config_option",
            "c.delete_config_option(n.section, 'a')",
            |n| rucio.config().delete_config_option(&n.section, "a")
        ),
        call!(
            "config::delete_config_section",
            "c.delete_config_section(n.section)",
            |n| rucio.config().delete_config_section(&n.section)
        ),
        // Lifetime exceptions: refused without `lifetime_model.cutoff_date` set; the requests
        // are compared all the same.
        call!(
            "lifetime_exceptions::add_exception",
            "c.add_exception([{'scope': n.scope, 'name': n.dataset, 'did_type': 'DATASET'}], \
             n.account, n.scope + ':' + n.dataset, 'test', datetime.datetime(2030, 1, 1))",
            |n| rucio.lifetime_exceptions().add_exception(&body(json!({
                "dids": [{"scope": n.scope, "name": n.dataset, "did_type": "DATASET"}],
                "pattern": format!("{}:{}", n.scope, n.dataset),
                "comments": "test", "expires_at": "Tue, 01 Jan 2030 00:00:00 UTC"})))
        ),
        call!(
            "lifetime_exceptions::list_exceptions",
            "c.list_exceptions()",
            |_n| drain(rucio.lifetime_exceptions().list_exceptions())
        ),
        // Metadata conventions.
        call!("meta::add_key", "c.add_key(n.key, 'ALL')", |n| rucio
            .meta()
            .add_key(&n.key, &body(json!({"key_type": "ALL"})))),
        call!("meta::add_value", "c.add_value(n.key, 'v1')", |n| rucio
            .meta()
            .add_value(&n.key, &body(json!({"value": "v1"})))),
        call!("meta::list_values", "c.list_values(n.key)", |n| rucio
            .meta()
            .list_values(&n.key)),
        // Open data.
        call!(
            "open_data::add_opendata_did",
            "c.add_opendata_did(scope=n.scope, name=n.dataset2)",
            |n| rucio.open_data().add_opendata_did(&n.scope, &n.dataset2)
        ),
        call!(
            "open_data::update_opendata_did",
            "c.update_opendata_did(scope=n.scope, name=n.dataset2, state='PUBLIC')",
            |n| rucio.open_data().update_opendata_did(
                &n.scope,
                &n.dataset2,
                &body(json!({"state": "PUBLIC"}))
            )
        ),
        call!(
            "open_data::get_opendata_did",
            "c.get_opendata_did(scope=n.scope, name=n.dataset2)",
            |n| rucio
                .open_data()
                .get_opendata_did(&n.scope, &n.dataset2, &Default::default())
        ),
        call!(
            "open_data::list_opendata_dids",
            "c.list_opendata_dids()",
            |_n| rucio.open_data().list_opendata_dids(&Default::default())
        ),
        call!(
            "open_data_public::list_opendata_dids",
            "c.list_opendata_dids(public=True)",
            |_n| rucio
                .open_data_public()
                .list_opendata_dids(&Default::default())
        ),
        call!(
            "open_data_public::get_opendata_did",
            "c.get_opendata_did(scope=n.scope, name=n.dataset2, public=True)",
            |n| rucio.open_data_public().get_opendata_did(
                &n.scope,
                &n.dataset2,
                &Default::default()
            )
        ),
        // Only a draft can be removed.
        call!(
            "open_data::add_opendata_did",
            "c.add_opendata_did(scope=n.scope, name=n.dataset)",
            |n| rucio.open_data().add_opendata_did(&n.scope, &n.dataset)
        ),
        call!(
            "open_data::remove_opendata_did",
            "c.remove_opendata_did(scope=n.scope, name=n.dataset)",
            |n| rucio.open_data().remove_opendata_did(&n.scope, &n.dataset)
        ),
        // Refused by a server without cloud storage, or (DIRAC) without its namespace; the
        // requests are compared all the same.
        call!(
            "credentials::get_signed_url",
            "c.get_signed_url(n.rse, 'gcs', 'read', 'gs://bucket/x')",
            |n| rucio.credentials().get_signed_url(
                &GetSignedUrlQuery::default()
                    .with_rse(n.rse.as_str())
                    .with_svc("gcs")
                    .with_op("read")
                    .with_url("gs://bucket/x")
            )
        ),
        call!(
            "dirac::add_files",
            "c.add_files([{'lfn': '/' + n.scope + '/' + n.scope + '/dirac/' + n.file3, \
             'rse': n.rse, 'bytes': 10, 'adler32': '0cc737eb', 'guid': n.guid3}])",
            |n| rucio.dirac().add_files(&body(json!({"lfns": [{
                "lfn": format!("/{}/{}/dirac/{}", n.scope, n.scope, n.file3), "rse": n.rse,
                "bytes": 10, "adler32": "0cc737eb", "guid": n.guid3}]})))
        ),
        call!("export::export_data", "c.export_data()", |_n| rucio
            .export()
            .export_data(&Default::default())),
        call!("import::import_data", "c.import_data({})", |_n| rucio
            .import()
            .import_data(&body(json!({})))),
        // Clean-up.
        call!(
            "account_limit::delete_local_account_limit",
            "c.delete_local_account_limit(n.account, n.rse)",
            |n| rucio
                .account_limit()
                .delete_local_account_limit(&n.account, &n.rse)
        ),
        call!(
            "account_limit::delete_global_account_limit",
            "c.delete_global_account_limit(n.account, n.rse)",
            |n| rucio
                .account_limit()
                .delete_global_account_limit(&n.account, &n.rse)
        ),
        call!(
            "account::delete_account",
            "c.delete_account(n.account)",
            |n| rucio.account().delete_account(&n.account)
        ),
        call!("ping::ping", "c.ping()", |_n| rucio.ping().ping()),
    ]
}

/// The script that makes every call with Rucio's Python client, in one process: before each, a
/// marker request; after all, the errors (by call) and the kept values as JSON on stdout.
fn python_script(calls: &[Call], names: &Names) -> String {
    let expressions: Vec<&str> = calls.iter().map(|c| c.python).collect();
    let names: BTreeMap<String, String> = names.fields().into_iter().collect();
    format!(
        r#"import datetime, json, urllib.request
from types import SimpleNamespace
from rucio.client import Client
c = Client()
fields = json.loads({names:?})
n = SimpleNamespace(**fields)
def keep(key, value):
    setattr(n, key, value)
    return value
errors = {{}}
for i, expression in enumerate(json.loads({calls:?})):
    urllib.request.urlopen(f'{{c.host}}/ping?wire=py{{i}}').read()
    try:
        r = eval(expression)
        if hasattr(r, '__next__'):
            list(r)
    except Exception as e:
        errors[i] = f'{{type(e).__name__}}: {{e}}'.splitlines()[0]
kept = {{k: str(v) for k, v in vars(n).items() if k not in fields}}
print(json.dumps({{'errors': errors, 'kept': kept}}))
"#,
        names = serde_json::to_string(&names).unwrap(),
        calls = serde_json::to_string(&expressions).unwrap(),
    )
}

/// The requests of one call without the logins, each side's names replaced by placeholders,
/// and the members a `null` stands for left out (the server reads absent and `null` alike).
fn normalized(requests: &[Value], names: &Names) -> Vec<Value> {
    let placeholders = names.placeholders();
    requests
        .iter()
        .filter(|r| !r["path"].as_str().unwrap_or("").starts_with("/auth/"))
        .map(|r| {
            let mut text = r.to_string();
            for (name, placeholder) in &placeholders {
                text = text.replace(name.as_str(), placeholder);
            }
            let mut request: Value = serde_json::from_str(&text).unwrap();
            if let Some(body) = request["body"].get_mut("json") {
                drop_nulls(body);
            }
            if let Some(headers) = request["headers"].as_object_mut() {
                // The program's name, for the server's logs; the body's type, which the views
                // do not look at (they parse the body whatever it says).
                headers.remove("x-rucio-script");
                headers.remove("content-type");
                // The server's VO when none is named.
                if headers.get("x-rucio-vo") == Some(&Value::from("def")) {
                    headers.remove("x-rucio-vo");
                }
            }
            request
        })
        .fold(Vec::new(), |mut requests, request| {
            // A retry (the Python client's on a 401, ours on a 5xx) is the client's policy,
            // not what the call sends.
            if requests.last() != Some(&request) {
                requests.push(request);
            }
            requests
        })
}

fn drop_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(drop_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

/// The requests of each side's calls, split at the markers: the Python client's calls' first,
/// then ours, call `i`'s at `i`.
fn split_at_markers(requests: &[Value], count: usize) -> [Vec<Vec<Value>>; 2] {
    let mut calls = [vec![Vec::new(); count], vec![Vec::new(); count]];
    let mut current = None;
    for request in requests {
        let marker = (request["path"] == "/ping")
            .then(|| request["query"]["wire"][0].as_str())
            .flatten();
        match (marker, current) {
            (Some(marker), _) => {
                let (side, i) = marker.split_at(2);
                current = Some((usize::from(side == "rs"), i.parse::<usize>().unwrap()));
            }
            (None, Some((side, i))) => calls[side][i].push(request.clone()),
            (None, None) => {}
        }
    }
    calls
}

/// The operations whose docs name a method of Rucio's Python client, `module::function`, from
/// the generated sources (as conformance.rs reads the routes). The logins' (`/auth/…`) name
/// none: they are the Python client's private methods.
fn operations_with_a_python_counterpart() -> BTreeSet<String> {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut ops = BTreeSet::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let dir = entry.unwrap().path();
        let Ok(text) = std::fs::read_to_string(dir.join("mod.rs")) else {
            continue;
        };
        let module = dir.file_name().unwrap().to_str().unwrap().to_owned();
        let mut named = false;
        for line in text.lines().map(str::trim) {
            if line.starts_with("/// Rucio's Python client: `") {
                named = true;
            } else if named && let Some(rest) = line.strip_prefix("pub ") {
                let rest = rest.strip_prefix("async ").unwrap_or(rest);
                let name = rest.strip_prefix("fn ").unwrap();
                ops.insert(format!("{module}::{}", &name[..name.find('(').unwrap()]));
                named = false;
            }
        }
    }
    ops
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "slow: starts a Rucio server and runs Rucio's Python client; CI runs it with --include-ignored"]
async fn the_generated_client_sends_what_rucios_own_client_sends() {
    let server = RucioServer::start().unwrap_or_else(|e| panic!("no Rucio test server: {e}"));
    let config = RucioConfig::new(&server.host)
        .with_account(&server.account)
        .with_auth(Auth::userpass(&server.username, &server.password));
    let rucio: &'static Rucio = Box::leak(Box::new(Rucio::new(&config).unwrap()));
    let py = Names::new("py");
    let rs: &'static Names = Box::leak(Box::new(Names::new("rs")));
    let calls = calls(rucio);

    // Every operation with a Python counterpart is compared or said not to be.
    let named = operations_with_a_python_counterpart();
    let compared: BTreeSet<&str> = calls.iter().map(|c| c.operation).collect();
    let not_compared: BTreeMap<&str, &str> = NOT_COMPARED.iter().copied().collect();
    for op in compared.iter().chain(not_compared.keys()) {
        assert!(named.contains(*op), "{op} names no Python method");
    }
    let missing: Vec<&String> = named
        .iter()
        .filter(|op| !compared.contains(op.as_str()) && !not_compared.contains_key(op.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "operations with a Python counterpart neither compared nor in NOT_COMPARED: {missing:?}"
    );
    let both: Vec<&&str> = compared
        .iter()
        .filter(|op| not_compared.contains_key(**op))
        .collect();
    assert!(both.is_empty(), "compared and in NOT_COMPARED: {both:?}");

    // The Python client's calls, all in one process. Then ours: the two at once would write
    // to the server's SQLite database at once, which it refuses at times ("database is locked").
    let clock = Instant::now();
    let output = server
        .python(&python_script(&calls, &py))
        .unwrap_or_else(|e| panic!("the Python client's script failed: {e}"));
    let python_time = clock.elapsed();

    // Ours, one call at a time, each after a marker.
    let clock = Instant::now();
    let mut our_errors = BTreeMap::new();
    let mut undocumented: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let operations: Vec<&str> = calls.iter().map(|c| c.operation).collect();
    for (i, call) in calls.into_iter().enumerate() {
        rucio
            .client()
            .request(Method::GET, "ping")
            .query("wire", Some(format!("rs{i}")))
            .without_auth()
            .send_text()
            .await
            .unwrap_or_else(|e| panic!("no marker: {e}"));
        if let Some(error) = (call.rust)(rs).await {
            our_errors.insert(i, error);
        }
        let sent = std::mem::take(&mut *UNDOCUMENTED.lock().unwrap());
        if !sent.is_empty() {
            undocumented.entry(call.operation).or_default().extend(sent);
        }
    }
    let our_time = clock.elapsed();

    let report: Value = serde_json::from_str(output.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("the Python script printed no report ({e}): {output}"));
    for (key, value) in report["kept"].as_object().unwrap() {
        py.keep(key, value.as_str().unwrap());
    }
    let python_errors: BTreeMap<usize, String> = report["errors"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(i, e)| (i.parse().unwrap(), e.as_str().unwrap().to_owned()))
        .collect();
    let [theirs, ours] = split_at_markers(&server.requests(), operations.len());

    // The comparison, by operation: it agrees when every call of it does.
    let mut disagreed: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut refused_alike = BTreeSet::new();
    for (i, (operation, (theirs, mine))) in
        operations.iter().zip(theirs.iter().zip(&ours)).enumerate()
    {
        let (theirs, mine) = (normalized(theirs, &py), normalized(mine, rs));
        let errors = (python_errors.get(&i), our_errors.get(&i));
        if theirs == mine {
            if let (Some(_), Some(_)) = errors {
                refused_alike.insert(*operation);
            }
            continue;
        }
        let error = |e: Option<&String>| e.map(|e| format!(" ({e})")).unwrap_or_default();
        disagreed.entry(operation).or_default().push(format!(
            "call {i}\n    Python{}: {}\n    ours{}:   {}",
            error(errors.0),
            Value::from(theirs),
            error(errors.1),
            Value::from(mine)
        ));
    }

    for (operation, diffs) in &disagreed {
        println!("DISAGREES {operation}:");
        for diff in diffs {
            println!("  {diff}");
        }
    }
    // Calls the server refused (on purpose: see the comments in `calls`), from either client.
    for (i, operation) in operations.iter().enumerate() {
        let (theirs, mine) = (python_errors.get(&i), our_errors.get(&i));
        if theirs.is_some() || mine.is_some() {
            println!("REFUSED call {i} ({operation}): Python: {theirs:?}; ours: {mine:?}");
        }
    }
    for (operation, members) in &undocumented {
        println!("UNDOCUMENTED members sent by {operation}: {members:?}");
    }
    let refused_alike = refused_alike
        .difference(&disagreed.keys().copied().collect())
        .count();
    println!(
        "wire: {} operations name a Python method; {} compared in {} calls: {} agree ({} of \
         them on calls the server refused from both clients), {} known disagreements; {} not \
         compared (the calls took {:.1} s in Python, {:.1} s in ours, on a server started in \
         {:.1} s)",
        named.len(),
        compared.len(),
        operations.len(),
        compared.len() - disagreed.len(),
        refused_alike,
        disagreed.len(),
        NOT_COMPARED.len(),
        python_time.as_secs_f64(),
        our_time.as_secs_f64(),
        server.startup_time().as_secs_f64()
    );

    let known: BTreeMap<&str, &str> = KNOWN_DISAGREEMENTS.iter().copied().collect();
    let unexplained: Vec<&&str> = disagreed
        .keys()
        .filter(|op| !known.contains_key(**op))
        .collect();
    let resolved: Vec<&&str> = known
        .keys()
        .filter(|op| !disagreed.contains_key(**op))
        .collect();
    assert!(
        unexplained.is_empty() && resolved.is_empty(),
        "disagreements not in the table: {unexplained:?}; table entries that now agree: {resolved:?}"
    );
    let expected: BTreeMap<&str, BTreeSet<String>> = UNDOCUMENTED_MEMBERS
        .iter()
        .map(|(op, members, _)| (*op, members.iter().map(|m| m.to_string()).collect()))
        .collect();
    assert_eq!(
        undocumented, expected,
        "members sent through unknown_fields differ from UNDOCUMENTED_MEMBERS"
    );
    // The requests carried no secret (recording.py writes them as "<set>").
    let recorded = serde_json::to_string(&server.requests()).unwrap();
    assert!(!recorded.contains(&server.password));
}
