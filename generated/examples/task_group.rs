//! Lists a task group's tasks and prints a signed link to each definition.
//!
//! ```sh
//! TASKCLUSTER_ROOT_URL=https://tc.example.com cargo run -p tc-client --example task_group -- <taskGroupId>
//! ```

use std::time::Duration;

use tc_client::ClientConfig;
use tc_client::queue::{ListTaskGroupQuery, Queue};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let task_group_id = std::env::args()
        .nth(1)
        .ok_or("usage: task_group <taskGroupId>")?;
    let queue = Queue::new(&ClientConfig::from_env()?);
    let mut query = ListTaskGroupQuery::default().with_limit(100);
    loop {
        let page = queue.list_task_group(&task_group_id, &query).await?;
        for task in &page.tasks {
            let link = queue
                .task(&task.status.task_id)
                .signed_url(Duration::from_secs(600))?;
            println!("{} {:?} {link}", task.task.metadata.name, task.status.state);
        }
        match page.continuation_token {
            Some(token) => query.continuation_token = Some(token),
            None => break,
        }
    }
    Ok(())
}
