//! Reads a task definition from a JSON file and submits it; fields this client does not know
//! (written for a newer Taskcluster) are sent as they are.
//!
//! ```sh
//! cargo run -p tc-client --example submit_task_file -- task.json
//! ```

use tc_client::queue::Queue;
use tc_client::queue::types::TaskDefinitionRequest;
use tc_client::{ClientConfig, runtime::slugid};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: submit_task_file <task.json>")?;
    let text = std::fs::read_to_string(&path)?;
    let task: TaskDefinitionRequest =
        tc_client::serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
    if !task.unknown_fields.is_empty() {
        let names: Vec<&String> = task.unknown_fields.keys().collect();
        eprintln!("note: sending fields this client does not know: {names:?}");
    }
    let queue = Queue::new(&ClientConfig::from_env()?);
    let task_id = slugid::nice();
    let status = queue.create_task(&task_id, &task).await?;
    println!("{task_id} {}", status.status.state);
    Ok(())
}
