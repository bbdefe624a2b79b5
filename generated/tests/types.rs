//! The rules every generated type follows (the crate docs state them): building with `new` and
//! `with_*`, nothing invented on the wire, nothing from a newer service lost or refused, JSON
//! written as Taskcluster writes it, secrets kept out of `Debug`.

use tc_client::chrono::{DateTime, TimeZone, Utc};
use tc_client::queue::types::{
    ObjectServiceCredentials, PostArtifactResponse, Priority, State, TaskDefinitionRequest,
    TaskMetadata, TaskStatusResponse,
};
use tc_client::serde_json::{self, Value, json};

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0).unwrap()
}

fn definition() -> TaskDefinitionRequest {
    TaskDefinitionRequest::builder()
        .created(at(1_714_564_800))
        .deadline(at(1_714_568_400))
        .payload(json!({"command": ["true"]}))
        .metadata(
            TaskMetadata::builder()
                .name("n")
                .description("d")
                .owner("o@example.com")
                .source("https://example.com")
                .build()
                .unwrap(),
        )
        .build()
        .unwrap()
}

#[test]
fn building_sets_only_what_is_given() {
    let task = definition()
        .with_task_queue_id("proj/ci")
        .with_routes(["a", "b"])
        .with_tags([("purpose", "test")])
        .with_priority("high");
    assert_eq!(
        serde_json::to_value(&task).unwrap(),
        json!({
            "created": "2024-05-01T12:00:00.000Z",
            "deadline": "2024-05-01T13:00:00.000Z",
            "metadata": {
                "description": "d", "name": "n", "owner": "o@example.com",
                "source": "https://example.com"
            },
            "payload": {"command": ["true"]},
            "priority": "high",
            "routes": ["a", "b"],
            "tags": {"purpose": "test"},
            "taskQueueId": "proj/ci"
        }),
        "no default (retries, projectId, schedulerId, …) is filled in"
    );
    assert_eq!(task.priority, Some(Priority::High));
}

#[test]
fn newer_answers_are_read_and_written_back_unchanged() {
    let answer = json!({
        "status": {
            "taskId": "fN1WfIn6Spy2Dn6Uh2UeMg", "provisionerId": "p", "workerType": "w",
            "taskQueueId": "p/w", "schedulerId": "-", "projectId": "none",
            "taskGroupId": "fN1WfIn6Spy2Dn6Uh2UeMg", "deadline": "2024-05-01T13:00:00.123Z",
            "expires": "2025-05-01T13:00:00.000Z", "retriesLeft": 5,
            "state": "paused",
            "runs": [{"runId": 0, "state": "on-hold", "reasonCreated": "scheduled",
                      "scheduled": "2024-05-01T12:00:00.000Z", "newRunField": {"x": [1, 2.5]}}],
            "pausedBy": "someone"
        },
        "newTopLevel": true
    });
    let status: TaskStatusResponse = serde_json::from_value(answer.clone()).unwrap();
    // Unknown values are opaque: read as text, equal to the same text read again.
    assert!(matches!(status.status.state, State::Unknown(_)));
    assert_eq!(status.status.state.as_str(), "paused");
    assert_eq!(status.status.state, State::from("paused"));
    assert_ne!(status.status.state, State::from("running"));
    assert_eq!(status.status.unknown_fields["pausedBy"], "someone");
    assert_eq!(status.unknown_fields["newTopLevel"], true);
    assert_eq!(serde_json::to_value(&status).unwrap(), answer);
}

#[test]
fn legacy_values_round_trip() {
    let mut doc = serde_json::to_value(definition()).unwrap();
    doc["priority"] = json!("normal");
    let task: TaskDefinitionRequest = serde_json::from_value(doc.clone()).unwrap();
    assert_eq!(task.priority, Some(Priority::from("normal")));
    assert!(matches!(task.priority, Some(Priority::Unknown(_))));
    assert_eq!(serde_json::to_value(&task).unwrap(), doc);
}

#[test]
fn unions_keep_shapes_they_do_not_know() {
    let s3 = json!({"storageType": "s3", "putUrl": "https://s3.example.com/x?sig",
                    "expires": "2024-05-01T13:00:00.000Z", "contentType": "text/plain"});
    let parsed: PostArtifactResponse = serde_json::from_value(s3.clone()).unwrap();
    assert!(matches!(parsed, PostArtifactResponse::S3(_)), "{parsed:?}");
    assert_eq!(serde_json::to_value(&parsed).unwrap(), s3);
    let newer = json!({"storageType": "carrier-pigeon", "pigeon": "Percy"});
    let parsed: PostArtifactResponse = serde_json::from_value(newer.clone()).unwrap();
    assert_eq!(parsed, PostArtifactResponse::Unknown(newer.clone()));
    assert_eq!(serde_json::to_value(&parsed).unwrap(), newer);
    // A known tag with a body that does not fit is an error, not a silent `Unknown`.
    let broken = json!({"storageType": "s3", "putUrl": 5});
    assert!(serde_json::from_value::<PostArtifactResponse>(broken).is_err());
}

#[test]
fn untagged_unions_read_the_first_typed_branch_that_fits_then_any_json() {
    use tc_client::hooks::types::TriggerHookResponse;
    // The rule (crate docs): the first typed branch that reads the document with nothing left
    // over; else the first that reads it, extra members kept; only then a branch of any JSON.
    let read = |v: Value| serde_json::from_value::<TriggerHookResponse>(v).unwrap();
    match read(json!({"taskId": "fN1SbArXTPSVFNUvaOlinQ"})) {
        TriggerHookResponse::WithTaskId(t) => assert!(t.unknown_fields.is_empty()),
        other => panic!("{other:?}"),
    }
    // A newer service's extra member keeps the task's shape (it was read as the empty answer).
    match read(json!({"taskId": "fN1SbArXTPSVFNUvaOlinQ", "newMember": 1})) {
        TriggerHookResponse::WithTaskId(t) => assert_eq!(t.unknown_fields["newMember"], 1),
        other => panic!("{other:?}"),
    }
    assert!(matches!(read(json!({})), TriggerHookResponse::Empty(_)));
}

#[test]
fn a_field_named_twice_is_refused() {
    // As serde's derives refuse it: the last value would otherwise win silently. (A `Value`
    // cannot hold a duplicate, so the documents are text.)
    let known = r#"{"name": "a", "name": "b", "description": "d", "owner": "o@example.com",
                    "source": "https://example.com"}"#;
    let err = serde_json::from_str::<TaskMetadata>(known).unwrap_err();
    assert!(err.to_string().contains("duplicate field `name`"), "{err}");
    let optional = r#"{"name": "a", "description": "d", "owner": "o@example.com",
                       "source": "https://example.com", "x-new": 1, "x-new": 2}"#;
    let err = serde_json::from_str::<TaskMetadata>(optional).unwrap_err();
    assert!(err.to_string().contains("duplicate field `x-new`"), "{err}");
    // Each once is fine.
    let once = r#"{"name": "a", "description": "d", "owner": "o@example.com",
                   "source": "https://example.com", "x-new": 1}"#;
    let read = serde_json::from_str::<TaskMetadata>(once).unwrap();
    assert_eq!(read.unknown_fields["x-new"], 1);
}

#[test]
fn missing_required_fields_are_named() {
    let err = serde_json::from_value::<TaskStatusResponse>(json!({"status": {}})).unwrap_err();
    assert!(
        err.to_string().contains("missing field `deadline`"),
        "{err}"
    );
}

#[test]
fn timestamps_and_numbers_as_taskcluster_writes_them() {
    let task = definition();
    let text = serde_json::to_string(&task).unwrap();
    assert!(
        text.contains(r#""created":"2024-05-01T12:00:00.000Z""#),
        "{text}"
    );
    let offset: TaskDefinitionRequest = serde_json::from_value(json!({
        "created": "2024-05-01T14:00:00+02:00", "deadline": "2024-05-01T13:00:00.5Z",
        "payload": {}, "metadata": {"name": "n", "description": "d", "owner": "o", "source": "s"}
    }))
    .unwrap();
    let back = serde_json::to_value(&offset).unwrap();
    assert_eq!(back["created"], "2024-05-01T12:00:00.000Z");
    assert_eq!(back["deadline"], "2024-05-01T13:00:00.500Z");
}

#[test]
fn debug_hides_credentials() {
    let creds: ObjectServiceCredentials = serde_json::from_value(json!({
        "clientId": "task-client/abc", "accessToken": "secret-token-value",
        "certificate": "{\"seed\":\"secret-seed\"}", "newSecret": "secret-new"
    }))
    .unwrap();
    let shown = format!("{creds:?} {creds:#?}");
    assert!(shown.contains("task-client/abc"), "{shown}");
    assert!(
        shown.contains("newSecret"),
        "unknown fields are named: {shown}"
    );
    for secret in ["secret-token-value", "secret-seed", "secret-new"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    let value: Value = serde_json::to_value(&creds).unwrap();
    assert_eq!(
        value["accessToken"], "secret-token-value",
        "only Debug hides them"
    );
}

/// A constant the schema requires (a union's tag) is filled in by `new` and written even when a
/// program cleared it: the queue refuses an artifact request without its `storageType`.
#[test]
fn required_constants_reach_the_wire() {
    use tc_client::queue::types::{
        ErrorArtifactRequest, PostArtifactRequest, RedirectArtifactRequest,
    };
    let redirect = RedirectArtifactRequest::builder()
        .expires(at(0))
        .url("https://example.com/x")
        .content_type("text/plain")
        .build()
        .unwrap();
    assert_eq!(redirect.storage_type.as_deref(), Some("reference"));
    let body = serde_json::to_value(PostArtifactRequest::Reference(redirect.clone())).unwrap();
    assert_eq!(body["storageType"], "reference");

    let mut cleared = ErrorArtifactRequest::new(at(0), "file-missing-on-worker", "gone");
    cleared.storage_type = None;
    let body = serde_json::to_value(PostArtifactRequest::Error(cleared)).unwrap();
    assert_eq!(
        body,
        json!({
            "expires": "1970-01-01T00:00:00.000Z",
            "message": "gone",
            "reason": "file-missing-on-worker",
            "storageType": "error",
        })
    );
}

/// A type whose required fields could be swapped (two date-times, four strings) is built by
/// name: `build()` names what is unset, and its error composes with `?` into the crate's.
#[test]
fn builders_name_the_required_fields_left_unset() {
    use tc_client::MissingFields;
    let unset = TaskMetadata::builder()
        .name("n")
        .source("https://example.com")
        .build()
        .unwrap_err();
    assert_eq!(unset.type_name(), "TaskMetadata");
    assert_eq!(unset.fields(), ["description", "owner"]);
    assert_eq!(
        unset.to_string(),
        "TaskMetadata: required fields `description`, `owner` not set"
    );
    fn create() -> tc_client::Result<TaskDefinitionRequest> {
        Ok(TaskDefinitionRequest::builder()
            .created(at(0))
            .payload(json!({}))
            .build()?)
    }
    let error = create().unwrap_err();
    assert_eq!(error.kind(), tc_client::ErrorKind::InvalidInput);
    assert!(
        error.to_string().contains("`deadline`, `metadata` not set"),
        "{error}"
    );
    let _: fn(MissingFields) -> tc_client::Error = Into::into;

    // Set by name, optional fields too, in any order: the same value as built field by field.
    let built = TaskDefinitionRequest::builder()
        .priority("high")
        .metadata(
            TaskMetadata::builder()
                .owner("o@example.com")
                .source("https://example.com")
                .description("d")
                .name("n")
                .build()
                .unwrap(),
        )
        .payload(json!({"command": ["true"]}))
        .deadline(at(1_714_568_400))
        .created(at(1_714_564_800))
        .build()
        .unwrap();
    assert_eq!(built, definition().with_priority("high"));
}

/// A task read from the queue converts into the request that creates it again, without a serde
/// round trip: every field moved, a member a newer queue added kept, nothing invented.
#[test]
fn a_task_read_converts_into_the_request_that_recreates_it() {
    use tc_client::queue::types::Task;
    let read = json!({
        "provisionerId": "proj", "workerType": "ci", "taskQueueId": "proj/ci",
        "schedulerId": "-", "projectId": "none", "taskGroupId": "fN1SbArXTPSVFNUvaOlinQ",
        "dependencies": [], "requires": "all-completed", "routes": ["index.x"],
        "priority": "lowest", "retries": 5,
        "created": "2024-05-01T12:00:00.000Z", "deadline": "2024-05-01T13:00:00.000Z",
        "expires": "2025-05-01T12:00:00.000Z", "scopes": [],
        "payload": {"command": ["true"]},
        "metadata": {"name": "n", "description": "d", "owner": "o@example.com",
                     "source": "https://example.com"},
        "tags": {"kind": "test"}, "extra": {},
        "aNewerMember": {"kept": true}
    });
    let task: Task = serde_json::from_value(read.clone()).unwrap();
    let request = TaskDefinitionRequest::from(task);
    assert_eq!(serde_json::to_value(&request).unwrap(), read);
    assert_eq!(request.priority, Some(Priority::Lowest));
}

/// `version` answers the Dockerflow version object that `__version__` serves (from the
/// deployment's `version.json`; the references give the method no output schema): typed, and
/// what a newer deployment adds kept.
#[tokio::test]
async fn version_answers_the_version_object() {
    use tc_client::ClientConfig;
    use tc_client::queue::Queue;
    use tc_testkit::{Reply, Server};
    let server = Server::start(|seen| match seen.path() {
        "/api/queue/v1/__version__" => Reply::Json(
            200,
            json!({
                "source": "https://github.com/taskcluster/taskcluster",
                "version": "v106.0.0",
                "commit": "9d59eb59f6",
                "build": "https://community-tc.services.mozilla.com/tasks/abc",
                "channel": "release"
            }),
        ),
        other => Reply::Json(404, json!({"code": "ResourceNotFound", "message": other})),
    })
    .await;
    let queue = Queue::new(&ClientConfig::new(server.root_url()));
    let version = queue.version().await.unwrap();
    assert_eq!(version.version.as_deref(), Some("v106.0.0"));
    assert_eq!(version.commit.as_deref(), Some("9d59eb59f6"));
    assert_eq!(version.unknown_fields["channel"], "release");
}
