//! The generated Rucio client against a real Rucio 41.5.1 server on 127.0.0.1
//! (`tc_testkit::rucio::RucioServer`, installed and started by `rucio/tests/server/`): userpass
//! login, whoami through its redirect, scopes, RSEs, DIDs (dataset, container, attach, list as
//! a stream), replicas, an account limit and a rule; typed errors for a wrong password; a forged
//! token and expiring tokens renewed unnoticed; and Rucio's own Python client reading what
//! this one wrote, and the other way round; error kinds from Rucio's `ExceptionClass` (an account
//! refused with `AccessDenied` is `InsufficientScopes`, not `AuthenticationFailed`).

use std::time::Duration;

use rucio_client::account_limit::types::SetLocalAccountLimitRequest;
use rucio_client::data_identifiers::ListDidsQuery;
use rucio_client::data_identifiers::types::AttachDidsRequest;
use rucio_client::data_identifiers::types::{AddDidRequest, AttachDidsRequestDidsItem};
use rucio_client::replicas::types::{AddReplicasRequest, AddReplicasRequestFilesItem};
use rucio_client::rucio_storage_elements::ListRsesQuery;
use rucio_client::rucio_storage_elements::types::AddRseRequest;
use rucio_client::rule::types::{AddReplicationRuleRequest, AddReplicationRuleRequestDidsItem};
use rucio_client::{Auth, AuthToken, ErrorKind, Rucio, RucioConfig, StreamExt};
use tc_testkit::rucio::RucioServer;

fn start(server: Result<RucioServer, String>) -> RucioServer {
    server.unwrap_or_else(|e| panic!("the Rucio test server did not start: {e}"))
}

fn config(server: &RucioServer) -> RucioConfig {
    RucioConfig::new(&server.host)
        .with_account(&server.account)
        .with_auth(Auth::userpass(&server.username, &server.password))
}

/// A name no other run has used, short enough for a scope (at most 25 characters).
fn unique(prefix: &str) -> String {
    tc_testkit::unique(prefix, 12)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "slow: starts a Rucio server (about 10 s); CI runs it with --include-ignored"]
async fn a_data_management_session() {
    let server = start(RucioServer::start());
    let rucio = Rucio::new(&config(&server)).unwrap();

    // whoami answers 303 to /accounts/root; the client follows it.
    let me = rucio.account().get_account("whoami").await.unwrap();
    assert_eq!(me.account.as_deref(), Some("root"));

    let scope = unique("test");
    rucio.scopes().add_scope("root", &scope).await.unwrap();
    let scopes = rucio
        .scopes()
        .list_scopes_for_account("root")
        .await
        .unwrap();
    assert!(scopes.contains(&scope), "{scopes:?}");

    let rse = unique("MOCK").to_uppercase();
    let rses = rucio.rucio_storage_elements();
    rses.add_rse(&rse, &AddRseRequest::default().with_deterministic(true))
        .await
        .unwrap();
    let listed: Vec<_> = rses
        .list_rses(&ListRsesQuery::default().with_expression(rse.clone()))
        .stream()
        .collect()
        .await;
    let listed = listed
        .into_iter()
        .collect::<rucio_client::Result<Vec<_>>>()
        .unwrap();
    let names: Vec<_> = listed.iter().filter_map(|r| r.rse.as_deref()).collect();
    assert_eq!(names, [rse.as_str()]);

    // A file replica, a dataset holding it, a container holding the dataset.
    let dids = rucio.data_identifiers();
    let replica = AddReplicasRequestFilesItem::builder()
        .scope(&scope)
        .name("file1")
        .bytes(1234)
        .adler32("0cc737eb")
        .build()
        .unwrap();
    rucio
        .replicas()
        .add_replicas(&AddReplicasRequest::new(&rse, [replica]))
        .await
        .unwrap();
    dids.add_did(&scope, "dataset1", &AddDidRequest::new("DATASET"))
        .await
        .unwrap();
    dids.add_did(&scope, "container1", &AddDidRequest::new("CONTAINER"))
        .await
        .unwrap();
    let did = |name: &str| {
        AttachDidsRequestDidsItem::new()
            .with_scope(scope.clone())
            .with_name(name)
    };
    dids.attach_dids(&scope, "dataset1", &AttachDidsRequest::new([did("file1")]))
        .await
        .unwrap();
    dids.attach_dids(
        &scope,
        "container1",
        &AttachDidsRequest::new([did("dataset1")]),
    )
    .await
    .unwrap();

    // Listings are streams of typed items.
    let mut content = dids.list_content(&scope, "container1").stream();
    let mut inside = Vec::new();
    while let Some(item) = content.next().await {
        let item = item.unwrap();
        inside.push((
            item.name.unwrap_or_default(),
            item.type_.unwrap_or_default(),
        ));
    }
    assert_eq!(inside, [("dataset1".to_owned(), "DATASET".to_owned())]);
    let files: Vec<_> = dids
        .list_files(&scope, "dataset1", &Default::default())
        .stream()
        .map(|f| f.unwrap())
        .collect()
        .await;
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].name.as_deref(), Some("file1"));
    assert_eq!(files[0].bytes, Some(1234));
    let found: Vec<_> = dids
        .list_dids(&scope, &ListDidsQuery::default().with_type("dataset"))
        .stream()
        .map(|d| d.unwrap())
        .collect()
        .await;
    assert_eq!(found.len(), 1, "{found:?}");
    let mut replicas = rucio
        .replicas()
        .get_replica(&scope, "file1", &Default::default(), &Default::default())
        .stream();
    let first = replicas.next().await.expect("a replica").unwrap();
    assert_eq!(first.name.as_deref(), Some("file1"));

    // A rule needs an account limit at the RSE.
    rucio
        .account_limit()
        .set_local_account_limit("root", &rse, &SetLocalAccountLimitRequest::new(1 << 30))
        .await
        .unwrap();
    let target = AddReplicationRuleRequestDidsItem::new()
        .with_scope(scope.clone())
        .with_name("dataset1");
    let rules = rucio
        .rule()
        .add_replication_rule(
            &AddReplicationRuleRequest::builder()
                .dids([target])
                .account("root")
                .copies(1)
                .rse_expression(&rse)
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(rules.len(), 1, "{rules:?}");
    let rule = rucio.rule().get_replication_rule(&rules[0]).await.unwrap();
    assert_eq!(rule["rse_expression"], rse.as_str(), "{rule}");

    // Errors are typed and carry Rucio's exception class.
    let missing = rses.get_rse("NO_SUCH_RSE").await.unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound, "{missing}");
    assert_eq!(missing.code(), Some("RSENotFound"), "{missing}");
    let duplicate = rucio.scopes().add_scope("root", &scope).await.unwrap_err();
    assert_eq!(duplicate.code(), Some("Duplicate"), "{duplicate}");
    assert_eq!(
        rucio.client().logins(),
        1,
        "one login for the whole session"
    );

    // What this client wrote, Rucio's own client reads.
    let listed = server
        .python(&format!(
            "from rucio.client import Client\n\
             c = Client()\n\
             print(sorted(d['name'] for d in c.list_content('{scope}', 'dataset1')))"
        ))
        .unwrap();
    assert_eq!(listed.trim(), "['file1']");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "slow: starts a Rucio server (about 10 s); CI runs it with --include-ignored"]
async fn logins_tokens_and_the_python_client() {
    let server = start(RucioServer::start_with_token_lifetime(Duration::from_secs(
        3,
    )));

    // A wrong password: a typed authentication error, and no secret in it.
    let wrong = RucioConfig::new(&server.host)
        .with_account(&server.account)
        .with_auth(Auth::userpass(&server.username, "not-the-password"));
    let err = Rucio::new(&wrong)
        .unwrap()
        .account()
        .get_account("whoami")
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(401), "{err}");
    assert_eq!(err.code(), Some("CannotAuthenticate"), "{err}");
    assert!(!format!("{err} {err:?}").contains("not-the-password"));

    // A forged token: refused once, then the client logs in and the call goes through.
    let forged = config(&server).with_token(AuthToken::new("root-forged-token"));
    let rucio = Rucio::new(&forged).unwrap();
    let me = rucio.account().get_account("whoami").await.unwrap();
    assert_eq!(me.account.as_deref(), Some("root"));
    assert_eq!(rucio.client().logins(), 1);

    // Tokens that last 3 s, across 8 s of calls: renewed before they expire, unnoticed.
    let scope = unique("tok");
    rucio.scopes().add_scope("root", &scope).await.unwrap();
    for _ in 0..8 {
        let scopes = rucio
            .scopes()
            .list_scopes_for_account("root")
            .await
            .unwrap();
        assert!(scopes.contains(&scope));
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    assert!(
        rucio.client().logins() >= 3,
        "{} logins",
        rucio.client().logins()
    );

    // What Rucio's own client writes, this one reads.
    let dataset = unique("py");
    server
        .python(&format!(
            "from rucio.client import Client\n\
             Client().add_dataset('{scope}', '{dataset}')\n\
             print('ok')"
        ))
        .unwrap();
    let status = rucio
        .data_identifiers()
        .get_status_of_did(&scope, &dataset, &Default::default())
        .await
        .unwrap();
    let status = rucio_client::serde_json::to_value(&status).unwrap();
    assert_eq!(status["type"], "DATASET", "{status}");
}

/// Error kinds follow Rucio's `ExceptionClass` where it says more than the status: the gateway's
/// `AccessDenied` comes as HTTP 401, but the credentials were fine, the account may not do this.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "slow: starts a Rucio server (about 10 s); CI runs it with --include-ignored"]
async fn error_kinds_follow_rucios_exception_class() {
    let server = start(RucioServer::start());
    // An ordinary account with a userpass identity, made with Rucio's own client.
    let user = unique("user");
    let password = "tc-test-user-password";
    server
        .python(&format!(
            "from rucio.client import Client\nc = Client()\n\
             c.add_account({user:?}, 'USER', 'u@example.com')\n\
             c.add_identity({user:?}, {user:?}, 'USERPASS', 'u@example.com', password={password:?})\n"
        ))
        .unwrap();
    let as_user = Rucio::new(
        &RucioConfig::new(&server.host)
            .with_account(&user)
            .with_auth(Auth::userpass(&user, password)),
    )
    .unwrap();
    let me = as_user.account().get_account(&user).await.unwrap();
    assert_eq!(me.account.as_deref(), Some(user.as_str()));

    let refused = as_user
        .rucio_storage_elements()
        .add_rse("TC_REFUSED", &AddRseRequest::new())
        .await
        .unwrap_err();
    assert_eq!(
        (refused.kind(), refused.status(), refused.code()),
        (ErrorKind::Forbidden, Some(401), Some("AccessDenied")),
        "{refused}"
    );

    let root = Rucio::new(&config(&server)).unwrap();
    let missing = root
        .account()
        .get_account("nosuchaccount")
        .await
        .unwrap_err();
    assert_eq!(
        (missing.kind(), missing.code()),
        (ErrorKind::NotFound, Some("AccountNotFound")),
        "{missing}"
    );
    let wrong = Rucio::new(
        &RucioConfig::new(&server.host)
            .with_account(&user)
            .with_auth(Auth::userpass(&user, "not-the-password")),
    )
    .unwrap();
    let denied = wrong.account().get_account(&user).await.unwrap_err();
    assert_eq!(denied.kind(), ErrorKind::AuthenticationFailed, "{denied}");
    assert!(!denied.to_string().contains("not-the-password"));
}
