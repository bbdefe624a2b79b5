//! Creates a task with only the fields that matter, and prints its status.
//!
//! ```sh
//! TASKCLUSTER_ROOT_URL=https://tc.example.com TASKCLUSTER_CLIENT_ID=... TASKCLUSTER_ACCESS_TOKEN=... \
//!     cargo run -p tc-client --example create_task -- proj-example/ci
//! ```

use tc_client::chrono::{Duration, Utc};
use tc_client::queue::Queue;
use tc_client::queue::types::{TaskDefinitionRequest, TaskMetadata};
use tc_client::serde_json::json;
use tc_client::{ClientConfig, runtime::slugid};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let task_queue_id = std::env::args()
        .nth(1)
        .ok_or("usage: create_task <taskQueueId>")?;
    let queue = Queue::new(&ClientConfig::from_env()?);

    let now = Utc::now();
    let task = TaskDefinitionRequest::builder()
        .created(now)
        .deadline(now + Duration::hours(1))
        .payload(json!({"command": ["echo", "hello"], "maxRunTime": 600}))
        .metadata(
            TaskMetadata::builder()
                .name("hello")
                .description("Says hello")
                .owner("me@example.com")
                .source("https://github.com/example/repo")
                .build()?,
        )
        .task_queue_id(task_queue_id)
        .routes(["notify.email.me@example.com.on-failed"])
        .build()?;

    let task_id = slugid::nice();
    let status = queue.create_task(&task_id, &task).await?;
    println!("created {task_id}: {}", status.status.state);
    Ok(())
}
