//! What the types do with an answer from a newer Taskcluster than they were generated from: a
//! task state they do not know and a field they have never seen. Nothing fails and nothing is
//! lost; runs offline.
//!
//! ```sh
//! cargo run -p tc-client --example newer_server
//! ```

use tc_client::queue::types::{State, TaskStatusResponse};
use tc_client::serde_json::{self, json};

fn main() -> Result<(), serde_json::Error> {
    let answer = json!({
        "status": {
            "taskId": "fN1WfIn6Spy2Dn6Uh2UeMg",
            "provisionerId": "proj", "workerType": "ci", "taskQueueId": "proj/ci",
            "schedulerId": "-", "projectId": "none", "taskGroupId": "fN1WfIn6Spy2Dn6Uh2UeMg",
            "deadline": "2024-05-01T13:00:00.000Z", "expires": "2025-05-01T13:00:00.000Z",
            "retriesLeft": 5,
            "state": "paused",
            "runs": [],
            "pausedBy": "someone@example.com"
        }
    });
    let status: TaskStatusResponse = serde_json::from_value(answer.clone())?;
    match &status.status.state {
        State::Completed => println!("done"),
        State::Unknown(state) => println!("a state this client does not know: {state}"),
        other => println!("{other}"),
    }
    println!(
        "fields kept: {:?}",
        status.status.unknown_fields.keys().collect::<Vec<_>>()
    );
    assert_eq!(
        serde_json::to_value(&status)?,
        answer,
        "written back unchanged"
    );
    println!("written back unchanged");
    Ok(())
}
