//! Paginated methods as streams, against a loopback queue: every item of every page in order,
//! a transient 5xx on a middle page retried, the page size sent on every call, an error that
//! remains ending the stream.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tc_client::queue::{ListTaskGroupQuery, Queue};
use tc_client::runtime::{RetryConfig, StreamExt, TryStreamExt};
use tc_client::serde_json::{Value, json};
use tc_client::{ClientConfig, ErrorKind};
use tc_testkit::{Reply, Server};

fn task(id: &str) -> Value {
    let at = "2024-05-14T09:21:07.393Z";
    json!({
        "task": {
            "provisionerId": "p", "workerType": "w", "taskQueueId": "p/w", "schedulerId": "-",
            "taskGroupId": "G", "dependencies": [], "requires": "all-completed", "routes": [],
            "priority": "lowest", "retries": 5, "created": at, "deadline": at, "scopes": [],
            "payload": {}, "metadata": {"name": id, "description": "", "owner": "o@example.com",
            "source": "https://example.com"}, "tags": {}, "extra": {}
        },
        "status": {
            "taskId": id, "provisionerId": "p", "workerType": "w", "taskQueueId": "p/w",
            "schedulerId": "-", "projectId": "none", "taskGroupId": "G", "deadline": at,
            "expires": at, "retriesLeft": 5, "state": "pending", "runs": []
        }
    })
}

/// A page of `listTaskGroup`, with a continuation token or without.
fn page(tasks: &[&str], token: Option<&str>) -> Reply {
    let mut page = json!({
        "taskGroupId": "G", "schedulerId": "-", "expires": "2024-05-14T09:21:07.393Z",
        "tasks": tasks.iter().map(|id| task(id)).collect::<Vec<_>>()
    });
    if let Some(token) = token {
        page["continuationToken"] = json!(token);
    }
    Reply::Json(200, page)
}

fn config(server: &Server) -> ClientConfig {
    ClientConfig::new(server.root_url()).with_retry_config(RetryConfig {
        retries: 3,
        delay_factor: Duration::from_millis(1),
        ..RetryConfig::default()
    })
}

#[tokio::test]
async fn every_item_of_every_page_with_a_retried_middle_page() {
    let failures = AtomicUsize::new(0);
    let server = Server::start(move |req| {
        assert_eq!(req.path(), "/api/queue/v1/task-group/G/list");
        assert_eq!(
            req.query("limit").as_deref(),
            Some("2"),
            "the page size, every time"
        );
        match req.query("continuationToken").as_deref() {
            None => page(&["a", "b"], Some("page 2")),
            Some("page 2") if failures.fetch_add(1, Ordering::SeqCst) == 0 => {
                Reply::Json(503, json!({"code": "Unavailable", "message": "try again"}))
            }
            Some("page 2") => page(&["c", "d"], Some("page/3")),
            Some("page/3") => page(&["e"], None),
            Some(other) => panic!("unexpected token {other}"),
        }
    })
    .await;
    let queue = Queue::new(&config(&server));
    let ids: Vec<String> = queue
        .list_task_group_stream("G", &ListTaskGroupQuery::default().with_limit(2))
        .map_ok(|t| t.status.task_id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, ["a", "b", "c", "d", "e"]);
    let tokens: Vec<Option<String>> = server
        .requests()
        .iter()
        .map(|r| r.query("continuationToken"))
        .collect();
    assert_eq!(
        tokens,
        [
            None,
            Some("page 2".into()),
            Some("page 2".into()),
            Some("page/3".into())
        ],
        "one retry of the page that failed, and the token escaped and sent back as given"
    );
}

#[tokio::test]
async fn an_error_that_remains_is_the_last_item() {
    let server = Server::start(|req| match req.query("continuationToken") {
        None => page(&["a"], Some("next")),
        Some(_) => Reply::Json(404, json!({"code": "ResourceNotFound", "message": "gone"})),
    })
    .await;
    let queue = Queue::new(&config(&server));
    let mut stream = Box::pin(queue.list_task_group_stream("G", &ListTaskGroupQuery::default()));
    assert_eq!(stream.next().await.unwrap().unwrap().status.task_id, "a");
    let err = stream.next().await.unwrap().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.code(), Some("ResourceNotFound"));
    assert!(
        stream.next().await.is_none(),
        "the stream ends after the error"
    );
    assert_eq!(server.requests().len(), 2, "a 404 is not retried");
}
