//! The in-process fake with Rucio's endpoint constants: the same idiom as the Taskcluster
//! crate's (`Call`, `url()`, streams), no server.

use rucio_client::account::endpoints::{GET_ACCOUNT, LIST_ACCOUNTS};
use rucio_client::account::types::{GetAccountResponse, ListAccountsItem};
use rucio_client::runtime::fake::{Fake, FakeError};
use rucio_client::{ErrorKind, Rucio, StreamExt};

fn item(name: &str) -> ListAccountsItem {
    let mut item = ListAccountsItem::new();
    item.account = Some(name.to_owned());
    item
}

#[tokio::test]
async fn calls_and_streams_are_answered_by_endpoint() {
    let fake = Fake::new();
    fake.on(GET_ACCOUNT, |call| match call.arg("account") {
        "root" => {
            let mut account = GetAccountResponse::new();
            account.account = Some("root".into());
            account.account_type = Some("SERVICE".into());
            Ok(account)
        }
        other => Err(FakeError::new(
            404,
            "AccountNotFound",
            format!("no account {other}"),
        )),
    });
    fake.on(LIST_ACCOUNTS, |call| {
        assert_eq!(call.query("account_type"), Some("USER"));
        Ok(vec![item("alice"), item("bob")])
    });
    let rucio = Rucio::new(&fake.config()).unwrap();

    let root = rucio.account().get_account("root").await.unwrap();
    assert_eq!(root.account_type.as_deref(), Some("SERVICE"));
    let missing = rucio.account().get_account("nobody").await.unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    assert_eq!(missing.code(), Some("AccountNotFound"));

    let query = rucio_client::account::ListAccountsQuery::default().with_account_type("USER");
    // Awaited: every item; streamed: each as it comes.
    let all = rucio.account().list_accounts(&query).await.unwrap();
    assert_eq!(all.len(), 2);
    let mut names = Vec::new();
    let mut items = rucio.account().list_accounts(&query).stream();
    while let Some(item) = items.next().await {
        names.push(item.unwrap().account.unwrap());
    }
    assert_eq!(names, ["alice", "bob"]);

    // The calls the code under test made, in order (the path is the host-relative one).
    let calls = fake.calls();
    assert_eq!(calls.len(), 4);
    assert_eq!(
        (calls[0].method.as_str(), calls[0].path.as_str()),
        ("GET", "accounts/root")
    );
}

#[tokio::test]
async fn an_unanswered_call_names_its_endpoint_and_calls_have_urls() {
    let fake = Fake::new();
    let rucio = Rucio::new(&fake.config()).unwrap();
    let e = rucio.account().get_account("root").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::FakeUnanswered);
    assert!(e.message().contains("accounts/root"), "{e}");
    assert_eq!(
        rucio.account().get_account("a b").url().unwrap(),
        "https://rucio.fake.invalid/accounts/a%20b"
    );
}
