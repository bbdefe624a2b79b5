//! Rucio's own Python client as the wire oracle. For each operation in the table below, Rucio's
//! `Client` and the generated client make the same call against one real server (41.5.1, from
//! `rucio/tests/server/`), each on objects of its own; the server records every request it
//! receives (`recording.py`), and what the two sent must be the same: method, path, query,
//! `X-Rucio-*` headers (secrets only as "set") and body, with each side's names in the same
//! places. A disagreement is a bug in the front end's repairs, unless the table of known
//! disagreements below says why it is not (and the test fails when one of those disappears, so
//! the table stays true).

use std::collections::BTreeMap;
use std::future::Future;

use rucio_client::account::types::{
    AddAccountRequest, AddAttrForAccountRequest, AddIdentitiesForAccountRequest,
};
use rucio_client::account_limit::types::AddLimitsLocalForAccountRequest;
use rucio_client::data_identifiers::types::{
    AddDidRequest, AddDidsOfDidRequest, AddDidsOfDidRequestDidsItem, AddMetaOfDidRequest,
    AddMetaOfDidRequestWithMeta, UpdateStatusOfDidRequest,
};
use rucio_client::data_identifiers::{
    GetDidByScopeNameQuery, GetMetaOfDidQuery, ListFilesOfDidQuery,
};
use rucio_client::replicas::types::{AddReplicasRequest, AddReplicasRequestFilesItem};
use rucio_client::rucio_storage_elements::types::{
    AddAttrForRseRequest, AddProtocolForRseRequest, AddRseRequest, UpdateLimitsForRseRequest,
    UpdateRseRequest, UpdateUsageForRseRequest,
};
use rucio_client::rucio_storage_elements::{ListRsesQuery, ListUsageForRseQuery};
use rucio_client::{Auth, ErrorKind, Rucio, RucioConfig, StreamExt};
use serde_json::{Value, json};
use tc_testkit::rucio::RucioServer;

/// Operations whose two requests differ for a reason that is not a bug, with the reason.
const KNOWN_DISAGREEMENTS: &[(&str, &str)] = &[
    (
        "data_identifiers.add_meta_of_did",
        "the Python client spells out `recursive: false`, the view's default (dids.py, Meta.post: \
         param_get_bool(parameters, 'recursive', default=False))",
    ),
    (
        "data_identifiers.get_meta_of_did",
        "the Python client spells out `plugin=DID_COLUMN`, the view's default (dids.py, Meta.get: \
         request.args.get('plugin', default='DID_COLUMN'))",
    ),
    (
        "replicas.add_replicas",
        "the Python client's add_replica sends `ignore_availability: true` and an empty `meta` by \
         default; the view's default is false (replicas.py, Replicas.post), so ours registers a \
         replica only on an RSE available for writing unless asked otherwise",
    ),
    (
        "rucio_storage_elements.add_protocol_for_rse",
        "the Python client repeats the path's scheme in the body; the view overwrites it with the \
         path's (rses.py, Protocol.post: parameters['scheme'] = scheme)",
    ),
    (
        "rucio_storage_elements.list_protocols_for_rse",
        "the Python client sends `protocol_domain=ALL`, which the view does not read (rses.py, \
         ProtocolList.get takes no query parameter)",
    ),
    (
        "account.add_attr_for_account",
        "the Python client repeats the path's key in the body; the view reads only `value` \
         (accounts.py, Attributes.post: param_get(parameters, 'value'))",
    ),
    (
        "scopes.add_scope",
        "the spec's POST /scopes/{account}/{scope} (scopes.py, Scope.post) where the Python \
         client posts to /accounts/{account}/scopes/{scope} (accounts.py, Scopes.post): two routes \
         to one gateway call, add_scope",
    ),
    (
        "scopes.list_scopes_for_account",
        "the spec's GET /scopes/{account}/scopes (scopes.py, AccountScopeList.get) where the \
         Python client reads /accounts/{account}/scopes/ (accounts.py, Scopes.get): two routes to \
         one gateway call, get_scopes",
    ),
];

/// One side's names: the Python client's objects are `py…`, ours `rs…`.
struct Names {
    scope: String,
    account: String,
    rse: String,
    dataset: String,
    file: String,
    /// A file registered as a replica.
    replica: String,
}

impl Names {
    fn new(side: &str) -> Names {
        let id: String = tc_runtime::slugid::nice()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(8)
            .collect::<String>()
            .to_lowercase();
        Names {
            scope: format!("{side}s{id}"),
            account: format!("{side}a{id}"),
            rse: format!("{side}r{id}").to_uppercase(),
            dataset: format!("{side}d{id}"),
            file: format!("{side}f{id}"),
            replica: format!("{side}p{id}"),
        }
    }

    /// Each name and the placeholder it becomes when two requests are compared.
    fn placeholders(&self) -> [(&str, &'static str); 6] {
        [
            (&self.scope, "<scope>"),
            (&self.account, "<account>"),
            (&self.rse, "<rse>"),
            (&self.dataset, "<dataset>"),
            (&self.file, "<file>"),
            (&self.replica, "<replica>"),
        ]
    }
}

struct Wire<'a> {
    server: &'a RucioServer,
    py: Names,
    /// Ours, for as long as the test runs: the calls' futures borrow them.
    rs: &'static Names,
    agreed: Vec<&'static str>,
    disagreed: BTreeMap<&'static str, String>,
}

impl Wire<'_> {
    /// Runs the Python client's `call` (with `c`, a `Client`, and `n`, its names), then ours,
    /// and compares what the server received from each.
    async fn compare<F, Fut, T>(&mut self, operation: &'static str, python: &str, ours: F)
    where
        F: FnOnce(&'static Names) -> Fut,
        Fut: Future<Output = rucio_client::Result<T>>,
    {
        let before = self.server.requests().len();
        let n = &self.py;
        let script = format!(
            "from types import SimpleNamespace\nfrom rucio.client import Client\nc = Client()\n\
             n = SimpleNamespace(scope={:?}, account={:?}, rse={:?}, dataset={:?}, file={:?}, \
             replica={:?})\n\
             r = {python}\nif hasattr(r, '__next__'):\n    list(r)\n",
            n.scope, n.account, n.rse, n.dataset, n.file, n.replica
        );
        if let Err(e) = self.server.python(&script) {
            panic!("{operation}: the Python client failed: {e}");
        }
        let middle = self.server.requests().len();
        // An answer that does not decode is the conformance suite's business; what was sent
        // is compared all the same. A refusal means the server did not take our request.
        let refused = match ours(self.rs).await {
            Err(e) if e.kind() != ErrorKind::Schema => Some(e.to_string()),
            _ => None,
        };
        let requests = self.server.requests();
        let theirs = normalized(&requests[before..middle], &self.py);
        let mine = normalized(&requests[middle..], self.rs);
        if let Some(refused) = refused {
            self.disagreed
                .insert(operation, format!("the server refused ours: {refused}"));
        } else if theirs == mine {
            self.agreed.push(operation);
        } else {
            self.disagreed.insert(
                operation,
                format!(
                    "Python: {}\n  ours:   {}",
                    Value::from(theirs),
                    Value::from(mine)
                ),
            );
        }
    }
}

/// The requests of one call without the logins, each side's names replaced by placeholders,
/// and the members a `null` stands for left out (the server reads absent and `null` alike).
fn normalized(requests: &[Value], names: &Names) -> Vec<Value> {
    requests
        .iter()
        .filter(|r| !r["path"].as_str().unwrap_or("").starts_with("/auth/"))
        .map(|r| {
            let mut text = r.to_string();
            for (name, placeholder) in names.placeholders() {
                text = text.replace(name, placeholder);
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
        .collect()
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "slow: starts a Rucio server and runs Rucio's Python client; CI runs it with --include-ignored"]
async fn the_generated_client_sends_what_rucios_own_client_sends() {
    let server = RucioServer::start().unwrap_or_else(|e| panic!("no Rucio test server: {e}"));
    let config = RucioConfig::new(&server.host)
        .with_account(&server.account)
        .with_auth(Auth::userpass(&server.username, &server.password));
    let rucio: &'static Rucio = Box::leak(Box::new(Rucio::new(&config).unwrap()));
    let mut wire = Wire {
        server: &server,
        py: Names::new("py"),
        rs: Box::leak(Box::new(Names::new("rs"))),
        agreed: Vec::new(),
        disagreed: BTreeMap::new(),
    };

    // Accounts and scopes.
    wire.compare(
        "account.add_account",
        "c.add_account(n.account, 'USER', 'someone@example.com')",
        |n| async move {
            let request = AddAccountRequest::new("USER", "someone@example.com");
            rucio.account().add_account(&n.account, &request).await
        },
    )
    .await;
    wire.compare(
        "account.get_account",
        "c.get_account(n.account)",
        |n| async move { rucio.account().get_account(&n.account).await },
    )
    .await;
    wire.compare(
        "account.add_attr_for_account",
        "c.add_account_attribute(n.account, 'color', 'blue')",
        |n| async move {
            let request = AddAttrForAccountRequest::new("blue");
            rucio
                .account()
                .add_attr_for_account(&n.account, "color", &request)
                .await
        },
    )
    .await;
    wire.compare(
        "account.delete_attr_for_account",
        "c.delete_account_attribute(n.account, 'color')",
        |n| async move {
            rucio
                .account()
                .delete_attr_for_account(&n.account, "color")
                .await
        },
    )
    .await;
    wire.compare(
        "account.list_accounts",
        "c.list_accounts()",
        |_| async move {
            rucio.account().list_accounts().collect::<Vec<_>>().await;
            Ok(())
        },
    )
    .await;
    wire.compare(
        "scopes.add_scope",
        "c.add_scope(n.account, n.scope)",
        |n| async move { rucio.scopes().add_scope(&n.account, &n.scope).await },
    )
    .await;
    wire.compare(
        "scopes.list_scopes_for_account",
        "c.list_scopes_for_account(n.account)",
        |n| async move { rucio.scopes().list_scopes_for_account(&n.account).await },
    )
    .await;

    // Storage elements.
    wire.compare(
        "rucio_storage_elements.add_rse",
        "c.add_rse(n.rse)",
        |n| async move {
            rucio
                .rucio_storage_elements()
                .add_rse(&n.rse, &AddRseRequest::new())
                .await
        },
    )
    .await;
    wire.compare(
        "rucio_storage_elements.get_rse",
        "c.get_rse(n.rse)",
        |n| async move { rucio.rucio_storage_elements().get_rse(&n.rse).await },
    )
    .await;
    wire.compare(
        "rucio_storage_elements.add_attr_for_rse",
        "c.add_rse_attribute(n.rse, 'tier', '2')",
        |n| async move {
            let request = AddAttrForRseRequest::new("2");
            rucio
                .rucio_storage_elements()
                .add_attr_for_rse(&n.rse, "tier", &request)
                .await
        },
    )
    .await;
    wire.compare(
        "rucio_storage_elements.delete_attr_for_rse",
        "c.delete_rse_attribute(n.rse, 'tier')",
        |n| async move {
            rucio
                .rucio_storage_elements()
                .delete_attr_for_rse(&n.rse, "tier")
                .await
        },
    )
    .await;
    wire.compare(
        "rucio_storage_elements.add_qos_policy_for_rse",
        "c.add_qos_policy(n.rse, 'FAST')",
        |n| async move {
            rucio
                .rucio_storage_elements()
                .add_qos_policy_for_rse(&n.rse, "FAST")
                .await
        },
    )
    .await;
    wire.compare(
        "rucio_storage_elements.delete_qos_policy_for_rse",
        "c.delete_qos_policy(n.rse, 'FAST')",
        |n| async move {
            rucio
                .rucio_storage_elements()
                .delete_qos_policy_for_rse(&n.rse, "FAST")
                .await
        },
    )
    .await;
    wire.compare(
        "rucio_storage_elements.get_limits_for_rse",
        "c.get_rse_limits(n.rse)",
        |n| async move {
            rucio
                .rucio_storage_elements()
                .get_limits_for_rse(&n.rse)
                .await
        },
    )
    .await;

    // Data identifiers: a dataset of each side's scope, a file attached to it.
    wire.compare(
        "data_identifiers.add_did",
        "c.add_dataset(n.scope, n.dataset)",
        |n| async move {
            rucio
                .data_identifiers()
                .add_did(&n.scope, &n.dataset, &AddDidRequest::new("DATASET"))
                .await
        },
    )
    .await;
    wire.compare(
        "data_identifiers.add_dids_of_did",
        "c.add_files_to_dataset(n.scope, n.dataset, \
         [{'scope': n.scope, 'name': n.file, 'bytes': 1, 'adler32': '0cc737eb'}], rse=n.rse)",
        |n| async move {
            let mut file = AddDidsOfDidRequestDidsItem::new()
                .with_scope(n.scope.as_str())
                .with_name(n.file.as_str());
            // What the spec does not document goes as it is.
            file.unknown_fields.insert("bytes".into(), 1.into());
            file.unknown_fields
                .insert("adler32".into(), "0cc737eb".into());
            let request = AddDidsOfDidRequest::new([file]).with_rse(n.rse.as_str());
            rucio
                .data_identifiers()
                .add_dids_of_did(&n.scope, &n.dataset, &request)
                .await
        },
    )
    .await;
    wire.compare(
        "data_identifiers.list_dids_of_did",
        "c.list_content(n.scope, n.dataset)",
        |n| async move {
            let items: Vec<_> = rucio
                .data_identifiers()
                .list_dids_of_did(&n.scope, &n.dataset)
                .collect()
                .await;
            items.into_iter().collect::<rucio_client::Result<Vec<_>>>()
        },
    )
    .await;
    wire.compare(
        "account.update_account",
        "c.update_account(n.account, 'email', 'other@example.com')",
        |n| async move {
            let request = json!({"email": "other@example.com"});
            rucio.account().update_account(&n.account, &request).await
        },
    )
    .await;
    wire.compare(
        "account.add_identities_for_account",
        "c.add_identity(n.account, n.account + '@EXAMPLE.COM', 'GSS', 'x@example.com')",
        |n| async move {
            let identity = format!("{}@EXAMPLE.COM", n.account);
            let request = AddIdentitiesForAccountRequest::new(identity, "GSS", "x@example.com")
                .with_default(false);
            rucio
                .account()
                .add_identities_for_account(&n.account, &request)
                .await
        },
    )
    .await;
    wire.compare(
        "account.list_identities_for_account",
        "c.list_identities(n.account)",
        |n| async move {
            let stream = rucio.account().list_identities_for_account(&n.account);
            stream
                .collect::<Vec<_>>()
                .await
                .into_iter()
                .collect::<Result<Vec<_>, _>>()
        },
    )
    .await;
    wire.compare(
        "account.list_attr_for_account",
        "c.list_account_attributes(n.account)",
        |n| async move { rucio.account().list_attr_for_account(&n.account).await },
    )
    .await;
    wire.compare(
        "account_limit.add_limits_local_for_account",
        "c.set_local_account_limit(n.account, n.rse, 1000)",
        |n| async move {
            let request = AddLimitsLocalForAccountRequest::new(1000);
            rucio
                .account_limit()
                .add_limits_local_for_account(&n.account, &n.rse, &request)
                .await
        },
    )
    .await;
    wire.compare(
        "account.get_limits_local_for_account",
        "c.get_local_account_limit(n.account, n.rse)",
        |n| async move {
            rucio
                .account()
                .get_limits_local_for_account(&n.account, &n.rse)
                .await
        },
    )
    .await;
    wire.compare(
        "account.get_usage_local_for_account",
        "c.get_local_account_usage(n.account, n.rse)",
        |n| async move {
            let stream = rucio
                .account()
                .get_usage_local_for_account(&n.account, &n.rse);
            stream
                .collect::<Vec<_>>()
                .await
                .into_iter()
                .collect::<Result<Vec<_>, _>>()
        },
    )
    .await;
    wire.compare(
        "rucio_storage_elements.list_rses",
        "c.list_rses()",
        |_| async move {
            rucio
                .rucio_storage_elements()
                .list_rses(&ListRsesQuery::default())
                .await
        },
    )
    .await;
    wire.compare(
        "rucio_storage_elements.update_rse",
        "c.update_rse(n.rse, {'city': 'Geneva'})",
        |n| async move {
            let request = UpdateRseRequest::new().with_city("Geneva");
            rucio
                .rucio_storage_elements()
                .update_rse(&n.rse, &request)
                .await
        },
    )
    .await;
    wire.compare(
        "rucio_storage_elements.update_limits_for_rse",
        "c.set_rse_limits(n.rse, 'MinFreeSpace', 1000)",
        |n| async move {
            let request = UpdateLimitsForRseRequest::new()
                .with_name("MinFreeSpace")
                .with_value(1000);
            rucio
                .rucio_storage_elements()
                .update_limits_for_rse(&n.rse, &request)
                .await
        },
    )
    .await;
    wire.compare(
        "rucio_storage_elements.update_usage_for_rse",
        "c.set_rse_usage(n.rse, 'rucio', 100, 10)",
        |n| async move {
            let request = UpdateUsageForRseRequest::new()
                .with_source("rucio")
                .with_used(100)
                .with_free(10);
            rucio
                .rucio_storage_elements()
                .update_usage_for_rse(&n.rse, &request)
                .await
        },
    )
    .await;
    wire.compare(
        "rucio_storage_elements.list_usage_for_rse",
        "c.get_rse_usage(n.rse)",
        |n| async move {
            let stream = rucio
                .rucio_storage_elements()
                .list_usage_for_rse(&n.rse, &ListUsageForRseQuery::default());
            stream
                .collect::<Vec<_>>()
                .await
                .into_iter()
                .collect::<Result<Vec<_>, _>>()
        },
    )
    .await;
    wire.compare(
        "rucio_storage_elements.add_protocol_for_rse",
        "c.add_protocol(n.rse, {'scheme': 'file', 'hostname': 'localhost', 'port': 0, \
         'prefix': '/tmp/wire/', 'impl': 'rucio.rse.protocols.posix.Default'})",
        |n| async move {
            let request = AddProtocolForRseRequest::new(
                "localhost",
                0,
                "/tmp/wire/",
                "rucio.rse.protocols.posix.Default",
            );
            rucio
                .rucio_storage_elements()
                .add_protocol_for_rse(&n.rse, "file", &request)
                .await
        },
    )
    .await;
    wire.compare(
        "rucio_storage_elements.list_protocols_for_rse",
        "c.get_protocols(n.rse)",
        |n| async move {
            rucio
                .rucio_storage_elements()
                .list_protocols_for_rse(&n.rse)
                .await
        },
    )
    .await;
    wire.compare(
        "data_identifiers.get_did_by_scope_name",
        "c.get_did(n.scope, n.dataset)",
        |n| async move {
            rucio
                .data_identifiers()
                .get_did_by_scope_name(&n.scope, &n.dataset, &GetDidByScopeNameQuery::default())
                .await
        },
    )
    .await;
    wire.compare(
        "data_identifiers.add_meta_of_did",
        "c.set_metadata_bulk(n.scope, n.dataset, {'project': 'wire'})",
        |n| async move {
            let request = AddMetaOfDidRequest::WithMeta(AddMetaOfDidRequestWithMeta::new(
                json!({"project": "wire"}),
            ));
            rucio
                .data_identifiers()
                .add_meta_of_did(&n.scope, &n.dataset, &request)
                .await
        },
    )
    .await;
    wire.compare(
        "data_identifiers.get_meta_of_did",
        "c.get_metadata(n.scope, n.dataset)",
        |n| async move {
            rucio
                .data_identifiers()
                .get_meta_of_did(&n.scope, &n.dataset, &GetMetaOfDidQuery::default())
                .await
        },
    )
    .await;
    wire.compare(
        "data_identifiers.list_files_of_did",
        "c.list_files(n.scope, n.dataset)",
        |n| async move {
            let stream = rucio.data_identifiers().list_files_of_did(
                &n.scope,
                &n.dataset,
                &ListFilesOfDidQuery::default(),
            );
            stream
                .collect::<Vec<_>>()
                .await
                .into_iter()
                .collect::<Result<Vec<_>, _>>()
        },
    )
    .await;
    wire.compare(
        "data_identifiers.list_parents_of_did",
        "c.list_parent_dids(n.scope, n.file)",
        |n| async move {
            let stream = rucio
                .data_identifiers()
                .list_parents_of_did(&n.scope, &n.file);
            stream
                .collect::<Vec<_>>()
                .await
                .into_iter()
                .collect::<Result<Vec<_>, _>>()
        },
    )
    .await;
    wire.compare(
        "data_identifiers.update_status_of_did",
        "c.set_status(n.scope, n.dataset, open=False)",
        |n| async move {
            let request = UpdateStatusOfDidRequest::new().with_open(false);
            rucio
                .data_identifiers()
                .update_status_of_did(&n.scope, &n.dataset, &request)
                .await
        },
    )
    .await;
    wire.compare(
        "replicas.add_replicas",
        "c.add_replica(n.rse, n.scope, n.replica, 1, '0cc737eb')",
        |n| async move {
            let file = AddReplicasRequestFilesItem::new(&n.scope, &n.replica, 1, "0cc737eb");
            let request = AddReplicasRequest::new(&n.rse, [file]);
            rucio.replicas().add_replicas(&request).await
        },
    )
    .await;
    wire.compare("ping.get_ping", "c.ping()", |_| async move {
        rucio.ping().get_ping().await
    })
    .await;

    let comparisons = wire.agreed.len() + wire.disagreed.len();
    println!(
        "wire: {} of {comparisons} operations send what Rucio's Python client sends",
        wire.agreed.len()
    );
    for (operation, diff) in &wire.disagreed {
        println!("DISAGREES {operation}:\n  {diff}");
    }
    let known: BTreeMap<&str, &str> = KNOWN_DISAGREEMENTS.iter().copied().collect();
    let unexplained: Vec<&&str> = wire
        .disagreed
        .keys()
        .filter(|op| !known.contains_key(**op))
        .collect();
    let resolved: Vec<&&str> = known
        .keys()
        .filter(|op| !wire.disagreed.contains_key(**op))
        .collect();
    assert!(
        unexplained.is_empty() && resolved.is_empty(),
        "disagreements not in the table: {unexplained:?}; table entries that now agree: {resolved:?}"
    );
    // The requests carried no secret (recording.py writes them as "<set>").
    let recorded = serde_json::to_string(&server.requests()).unwrap();
    assert!(!recorded.contains(&server.password));
}
