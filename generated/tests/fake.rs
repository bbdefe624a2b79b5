//! The in-process fake: code under test uses the real client; the fake answers with typed
//! values, sees typed request bodies, turns its errors into the errors a deployment's would be,
//! and records every call.

use tc_client::ErrorKind;
use tc_client::chrono::{TimeZone, Utc};
use tc_client::queue::types::{
    TaskDefinitionRequest, TaskMetadata, TaskStatusResponse, TaskStatusStructure,
};
use tc_client::queue::{ListTaskGroupQuery, Queue, endpoints};
use tc_client::runtime::fake::{Fake, FakeError};
use tc_client::serde_json::{self, json};

fn status(task_id: &str) -> TaskStatusStructure {
    serde_json::from_value(json!({
        "taskId": task_id, "provisionerId": "p", "workerType": "w", "taskQueueId": "p/w",
        "schedulerId": "-", "projectId": "none", "taskGroupId": "G",
        "deadline": "2024-05-01T00:00:00.000Z", "expires": "2025-05-01T00:00:00.000Z",
        "retriesLeft": 5, "state": "pending", "runs": []
    }))
    .unwrap()
}

#[tokio::test]
async fn typed_bodies_in_typed_answers_out() {
    let fake = Fake::new();
    fake.on(endpoints::CREATE_TASK, |call| {
        let task: &TaskDefinitionRequest = &call.body;
        assert_eq!(
            task.metadata.as_ref().map(|m| m.name.as_str()),
            Some("hello")
        );
        assert_eq!(task.task_queue_id.as_deref(), Some("p/w"));
        Ok(TaskStatusResponse::new(status(call.arg("taskId"))))
    });
    let queue = Queue::new(&fake.config());
    let at = Utc.timestamp_opt(1_714_521_600, 0).unwrap();
    let task = TaskDefinitionRequest::builder()
        .created(at)
        .deadline(at)
        .payload(json!({}))
        .metadata(
            TaskMetadata::builder()
                .name("hello")
                .description("d")
                .owner("o@example.com")
                .source("https://example.com")
                .build()
                .unwrap(),
        )
        .build()
        .unwrap()
        .with_task_queue_id("p/w");
    let answer = queue.create_task("abc/def", &task).await.unwrap();
    assert_eq!(
        answer.status.task_id, "abc/def",
        "route parameters arrive decoded"
    );

    let calls = fake.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(
        (calls[0].method.as_str(), calls[0].path.as_str()),
        ("PUT", "task/abc%2Fdef")
    );
    assert_eq!(calls[0].body.as_ref().unwrap()["metadata"]["name"], "hello");
}

#[tokio::test]
async fn errors_are_the_errors_a_deployment_would_give() {
    let fake = Fake::new();
    fake.on(endpoints::TASK, |_| {
        Err(FakeError::new(403, "InsufficientScopes", "no"))
    });
    let queue = Queue::new(&fake.config());
    let err = queue.task("t").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Forbidden);
    assert_eq!(err.code(), Some("InsufficientScopes"));
}

#[tokio::test]
async fn an_unanswered_call_is_an_error_of_its_own_naming_the_endpoint() {
    let fake = Fake::new();
    fake.on(endpoints::TASK, |_| {
        Err(FakeError::new(404, "ResourceNotFound", "no task"))
    });
    let queue = Queue::new(&fake.config());
    // A 404 the test asked for is the deployment's 404 ...
    assert_eq!(
        queue.task("t").await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    // ... an endpoint nothing answers is not: no status, no Taskcluster code.
    let err = queue.status("t%").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::FakeUnanswered);
    assert_eq!((err.status(), err.code()), (None, None));
    assert_eq!(
        err.message(),
        "queue status (GET task/t%25/status): no `Fake::on` answers this endpoint"
    );
    assert!(
        err.to_string()
            .contains("unanswered by the fake: queue status (GET task/t%25/status)"),
        "{err}"
    );
    let err = queue.cancel_task("t").await.unwrap_err();
    assert!(
        err.message()
            .starts_with("queue cancelTask (POST task/t/cancel):"),
        "{err}"
    );
    // Recorded all the same.
    assert_eq!(fake.calls().len(), 3);
}

#[tokio::test]
#[should_panic(expected = "the strict fake has no answer for queue status (GET task/t/status)")]
async fn a_strict_fake_panics_on_an_unanswered_call() {
    let fake = Fake::strict();
    fake.on(endpoints::TASK, |_| {
        Err(FakeError::new(403, "InsufficientScopes", "no"))
    });
    let queue = Queue::new(&fake.config());
    // Answered endpoints answer as usual.
    assert_eq!(
        queue.task("t").await.unwrap_err().kind(),
        ErrorKind::Forbidden
    );
    let _ = queue.status("t").await;
}

#[tokio::test]
async fn query_parameters_and_streams_go_through_the_fake_too() {
    let fake = Fake::new();
    fake.on(endpoints::LIST_TASK_GROUP, |call| {
        let token = call.query("continuationToken");
        let mut page = json!({"taskGroupId": "G", "schedulerId": "-",
                              "expires": "2025-05-01T00:00:00.000Z", "tasks": []});
        if token.is_none() {
            page["continuationToken"] = json!("second");
        }
        serde_json::from_value(page).map_err(|e| FakeError::new(500, "Bad", e.to_string()))
    });
    let queue = Queue::new(&fake.config());
    let query = ListTaskGroupQuery::default().with_limit(7);
    let page = queue.list_task_group("G", &query).await.unwrap();
    assert_eq!(page.continuation_token.as_deref(), Some("second"));
    use tc_client::runtime::TryStreamExt;
    let all: Vec<_> = queue
        .list_task_group_stream("G", &query)
        .try_collect()
        .await
        .unwrap();
    assert!(all.is_empty());
    let limits: Vec<_> = fake
        .calls()
        .iter()
        .map(|c| {
            c.query
                .iter()
                .find(|(k, _)| k == "limit")
                .map(|(_, v)| v.clone())
        })
        .collect();
    assert_eq!(limits, vec![Some("7".to_owned()); 3]);
}

/// A fake's answer from a fixture (the `fixtures` feature): only the fields the test cares
/// about are set; the rest are placeholders, required ones included, so no `json!` is needed.
#[tokio::test]
async fn answers_built_from_fixtures() {
    use tc_client::queue::types::{State, TaskStatusStructure};
    use tc_client::runtime::fake::Fixture;
    let fake = Fake::new();
    fake.on(endpoints::STATUS, |call| {
        let mut status = TaskStatusStructure::fixture();
        status.task_id = call.arg("taskId").into();
        status.state = State::Completed;
        Ok(TaskStatusResponse::new(status))
    });
    let queue = Queue::new(&fake.config());
    let answer = queue.status("abc").await.unwrap();
    assert_eq!(answer.status.task_id, "abc");
    assert_eq!(answer.status.state, State::Completed);
    assert_eq!(answer.status.retries_left, 0, "a placeholder");
    assert!(answer.status.runs.is_empty());
}
