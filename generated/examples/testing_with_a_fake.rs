//! How to unit-test code that calls Taskcluster: the code takes a real client, the test builds
//! it from a [`Fake`] that answers the methods the code calls, with typed values. No network, no
//! HTTP. Runs offline:
//!
//! ```sh
//! cargo run -p tc-client --example testing_with_a_fake
//! ```

use tc_client::queue::types::{TaskStatusResponse, TaskStatusStructure};
use tc_client::queue::{ListTaskGroupQuery, Queue, endpoints};
use tc_client::runtime::TryStreamExt;
use tc_client::runtime::fake::{Fake, FakeError};
use tc_client::serde_json::{self, json};

/// The code under test: reruns every task of a group that failed, and says which.
async fn rerun_failed(queue: &Queue, task_group_id: &str) -> tc_client::Result<Vec<String>> {
    let failed: Vec<String> = queue
        .list_task_group_stream(task_group_id, &ListTaskGroupQuery::default())
        .try_filter(|t| std::future::ready(t.status.state.as_str() == "failed"))
        .map_ok(|t| t.status.task_id)
        .try_collect()
        .await?;
    for task_id in &failed {
        queue.rerun_task(task_id).await?;
    }
    Ok(failed)
}

/// A task status, from JSON as a test would write it.
fn status(task_id: &str, state: &str) -> TaskStatusStructure {
    serde_json::from_value(json!({
        "taskId": task_id, "provisionerId": "p", "workerType": "w", "taskQueueId": "p/w",
        "schedulerId": "-", "projectId": "none", "taskGroupId": "G",
        "deadline": "2024-05-01T00:00:00.000Z", "expires": "2025-05-01T00:00:00.000Z",
        "retriesLeft": 5, "state": state, "runs": []
    }))
    .expect("a valid status")
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let fake = Fake::new();
    fake.on(endpoints::LIST_TASK_GROUP, |call| {
        let tasks: Vec<_> = [("a", "completed"), ("b", "failed"), ("c", "failed")]
            .iter()
            .map(|(id, state)| json!({"status": status(id, state), "task": task_definition()}))
            .collect();
        serde_json::from_value(json!({
            "taskGroupId": call.arg("taskGroupId"), "schedulerId": "-",
            "expires": "2025-05-01T00:00:00.000Z", "tasks": tasks
        }))
        .map_err(|e| FakeError::new(500, "InternalServerError", e.to_string()))
    });
    fake.on(endpoints::RERUN_TASK, |call| match call.arg("taskId") {
        "b" | "c" => Ok(TaskStatusResponse::new(status(
            call.arg("taskId"),
            "pending",
        ))),
        other => Err(FakeError::new(
            404,
            "ResourceNotFound",
            format!("no task {other}"),
        )),
    });

    let queue = Queue::new(&fake.config());
    let rerun = rerun_failed(&queue, "G").await?;
    println!("reran {rerun:?}");
    for call in fake.calls() {
        println!("{} {} {}", call.service, call.method, call.path);
    }
    Ok(())
}

fn task_definition() -> serde_json::Value {
    json!({
        "provisionerId": "p", "workerType": "w", "taskQueueId": "p/w", "schedulerId": "-",
        "taskGroupId": "G", "dependencies": [], "requires": "all-completed", "routes": [],
        "priority": "lowest", "retries": 5, "created": "2024-05-01T00:00:00.000Z",
        "deadline": "2024-05-01T01:00:00.000Z", "scopes": [], "payload": {},
        "metadata": {"name": "t", "description": "", "owner": "o@example.com",
                     "source": "https://example.com"},
        "tags": {}, "extra": {}
    })
}
