//! Date-times set through constructors, setters and the runtime's helpers keep whole
//! milliseconds, as the wire does: a value built from `Utc::now()` equals itself read back.

use tc_client::chrono::{Duration, SubsecRound, TimeZone, Utc};
use tc_client::queue::types::{RunInformation, TaskDefinitionRequest, TaskMetadata};
use tc_client::runtime::time;
use tc_client::serde_json::{self, json};

/// A time with microseconds and nanoseconds, as `Utc::now()` gives on most platforms.
fn fine() -> tc_client::chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0).unwrap() + Duration::nanoseconds(123_456_789)
}

fn round_trip<T: serde::Serialize + serde::de::DeserializeOwned>(value: &T) -> T {
    serde_json::from_slice(&serde_json::to_vec(value).unwrap()).unwrap()
}

#[test]
fn a_task_built_from_now_reads_back_equal() {
    for now in [Utc::now(), fine()] {
        let task = TaskDefinitionRequest::builder()
            .created(now)
            .deadline(now + Duration::hours(1))
            .payload(json!({"command": ["true"]}))
            .metadata(
                TaskMetadata::builder()
                    .name("t")
                    .description("d")
                    .owner("o@example.com")
                    .source("https://example.com")
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap()
            .with_expires(now + Duration::days(1))
            .with_task_queue_id("proj/ci");
        assert_eq!(round_trip(&task), task, "built at {now:?}");
        assert_eq!(task.created, Some(now.trunc_subsecs(3)));
    }
    let at = fine();
    let task = TaskDefinitionRequest::builder()
        .created(at)
        .deadline(at)
        .payload(json!({}))
        .metadata(
            TaskMetadata::builder()
                .name("t")
                .description("d")
                .owner("o@example.com")
                .source("https://example.com")
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    assert_eq!(
        serde_json::to_value(&task).unwrap()["created"],
        "2024-05-01T12:00:00.123Z"
    );
    assert_eq!(task.created.unwrap().timestamp_subsec_nanos(), 123_000_000);
}

#[test]
fn setters_of_optional_times_keep_whole_milliseconds_too() {
    let at = fine();
    let run = RunInformation::new(0, "running", "scheduled", at)
        .with_started(at)
        .with_taken_until(at + Duration::minutes(20))
        .with_resolved(Utc::now());
    assert_eq!(round_trip(&run), run);
    assert_eq!(run.started, Some(at.trunc_subsecs(3)));
}

#[test]
fn the_runtime_helpers_give_whole_milliseconds() {
    assert_eq!(
        time::whole_millis(fine()).timestamp_subsec_nanos(),
        123_000_000
    );
    assert_eq!(time::now().timestamp_subsec_nanos() % 1_000_000, 0);
    let later = time::offset_from(fine(), "1 hour").unwrap();
    assert_eq!(later, time::whole_millis(fine()) + Duration::hours(1));
    assert_eq!(
        time::from_now("-1 day").unwrap().timestamp_subsec_nanos() % 1_000_000,
        0
    );
}
