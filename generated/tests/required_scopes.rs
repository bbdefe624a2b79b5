//! The generated `required_scopes` functions against what Taskcluster's services require:
//! each construct of the templates (`<param>` from route, body and query, body defaults,
//! `for`/`in`/`each`, `if`/`then`/`else`, `AnyOf`, `AllOf`) and the parameters handlers derive,
//! `createTask` above all.

use tc_client::chrono::{TimeZone, Utc};
use tc_client::queue::types::{TaskDefinitionRequest, TaskMetadata};
use tc_client::runtime::scopes::ScopeExpr;
use tc_client::serde_json::{self, json};

fn all(items: Vec<ScopeExpr>) -> ScopeExpr {
    ScopeExpr::AllOf(items)
}

fn any(items: Vec<ScopeExpr>) -> ScopeExpr {
    ScopeExpr::AnyOf(items)
}

fn s(scope: &str) -> ScopeExpr {
    ScopeExpr::from(scope)
}

fn definition() -> TaskDefinitionRequest {
    let at = Utc.timestamp_opt(1_714_521_600, 0).unwrap();
    TaskDefinitionRequest::builder()
        .created(at)
        .deadline(at)
        .payload(json!({}))
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
fn create_task_as_the_queue_authorizes_it() {
    let task = definition()
        .with_task_queue_id("proj/ci")
        .with_scheduler_id("taskcluster-github")
        .with_project_id("proj")
        .with_priority("high")
        .with_routes(["index.a.b"])
        .with_scopes(["secrets:get:x", "queue:get-artifact:private/*"]);
    let expr = tc_client::queue::required_scopes::create_task("T", &task).unwrap();
    assert_eq!(
        expr,
        all(vec![
            s("secrets:get:x"),
            s("queue:get-artifact:private/*"),
            s("queue:route:index.a.b"),
            s("queue:create-task:project:proj"),
            s("queue:scheduler-id:taskcluster-github"),
            any(vec![
                s("queue:create-task:highest:proj/ci"),
                s("queue:create-task:very-high:proj/ci"),
                s("queue:create-task:high:proj/ci"),
            ]),
        ])
    );
    let mine = [
        "secrets:get:x",
        "queue:get-artifact:private/*",
        "queue:route:index.*",
        "queue:create-task:project:proj",
        "queue:scheduler-id:taskcluster-github",
        "queue:create-task:highest:proj/*",
    ];
    assert!(
        expr.is_satisfied_by(&mine),
        "a higher priority allows a lower one"
    );
    assert!(
        !expr.is_satisfied_by(&mine[1..]),
        "every scope the task gets must be held"
    );
    assert!(!expr.is_satisfied_by(&["queue:create-task:low:proj/ci"]));
}

#[test]
fn create_task_with_the_services_defaults() {
    let task = definition()
        .with_provisioner_id("prov")
        .with_worker_type("wt");
    let expr = tc_client::queue::required_scopes::create_task("T", &task).unwrap();
    let ScopeExpr::AllOf(items) = &expr else {
        panic!("{expr}")
    };
    assert_eq!(items[0], s("queue:create-task:project:none"));
    assert_eq!(items[1], s("queue:scheduler-id:-"));
    let ScopeExpr::AnyOf(priorities) = &items[2] else {
        panic!("{expr}")
    };
    assert_eq!(
        priorities.len(),
        7,
        "the default `lowest`: any priority allows it"
    );
    assert_eq!(priorities[6], s("queue:create-task:lowest:prov/wt"));
    assert!(expr.is_satisfied_by(&["queue:create-task:*", "queue:scheduler-id:-"]));
}

#[test]
fn a_task_without_a_queue_is_an_error_naming_what_is_missing() {
    let err = tc_client::queue::required_scopes::create_task("T", &definition()).unwrap_err();
    assert!(err.to_string().contains("provisionerId"), "{err}");
}

#[test]
fn route_parameters_and_derived_lists() {
    let expr =
        tc_client::queue::required_scopes::get_artifact("T", "0", "public/logs/live.log").unwrap();
    assert_eq!(
        expr,
        all(vec![s("queue:get-artifact:public/logs/live.log")])
    );
    let expr = tc_client::queue::required_scopes::task("T").unwrap();
    assert_eq!(expr, s("queue:get-task:T"));
}

#[test]
fn if_then_else() {
    let read_only =
        tc_client::auth::required_scopes::aws_s3_credentials("read-only", "b", "p/").unwrap();
    assert_eq!(
        read_only,
        any(vec![
            s("auth:aws-s3:read-only:b/p/"),
            s("auth:aws-s3:read-write:b/p/")
        ])
    );
    let read_write =
        tc_client::auth::required_scopes::aws_s3_credentials("read-write", "b", "p/").unwrap();
    assert_eq!(read_write, s("auth:aws-s3:read-write:b/p/"));
}

#[test]
fn body_members_and_server_records() {
    let request = serde_json::from_value(json!({"expires": "2030-01-01T00:00:00.000Z",
        "description": "d", "scopes": ["a:b", "c:*"]}))
    .unwrap();
    let expr = tc_client::auth::required_scopes::create_client("me/ci", &request).unwrap();
    assert_eq!(
        expr,
        all(vec![s("auth:create-client:me/ci"), s("a:b"), s("c:*")])
    );
    // The task's scheduler, group and project are not in a cancelTask request.
    let expr = tc_client::queue::required_scopes::cancel_task("T", "sched", "G", "proj").unwrap();
    assert!(expr.is_satisfied_by(&["queue:cancel-task:sched/G/T"]));
    assert!(expr.is_satisfied_by(&["queue:cancel-task-in-project:proj"]));
    assert!(!expr.is_satisfied_by(&["queue:cancel-task:other/G/T"]));
    let provisioner =
        serde_json::from_value(json!({"stability": "stable", "description": "x"})).unwrap();
    let expr =
        tc_client::queue::required_scopes::declare_provisioner("prov", &provisioner).unwrap();
    assert_eq!(
        expr,
        all(vec![
            s("queue:declare-provisioner:prov#description"),
            s("queue:declare-provisioner:prov#stability"),
        ])
    );
}

#[test]
fn query_parameters_with_the_services_default() {
    use tc_client::worker_manager::WorkerPoolErrorStatsQuery;
    let all_pools = WorkerPoolErrorStatsQuery::default();
    let expr =
        tc_client::worker_manager::required_scopes::worker_pool_error_stats(&all_pools).unwrap();
    assert_eq!(expr, s("worker-manager:list-worker-pool-errors:*"));
    let one = WorkerPoolErrorStatsQuery::default().with_worker_pool_id("proj/pool");
    let expr = tc_client::worker_manager::required_scopes::worker_pool_error_stats(&one).unwrap();
    assert_eq!(expr, s("worker-manager:list-worker-pool-errors:proj/pool"));
}

#[test]
fn github_repository_tokens() {
    let request = serde_json::from_value(json!({"repositories": ["Repo"],
        "permissions": {"contents": "read"}}))
    .unwrap();
    let expr =
        tc_client::auth::required_scopes::github_repo_token("app", "Mozilla", &request).unwrap();
    assert_eq!(
        expr,
        all(vec![s(
            "auth:github-repo-token:app/mozilla/repo:contents:read"
        )])
    );
}

/// The helpers' errors convert into the crate's, so `?` composes in a program's own functions.
#[test]
fn errors_compose_with_question_marks() {
    fn deadline_and_scopes(offset: &str, task: &TaskDefinitionRequest) -> tc_client::Result<()> {
        let _deadline = tc_client::runtime::time::from_now(offset)?;
        let _needed = tc_client::queue::required_scopes::create_task("T", task)?;
        Ok(())
    }
    let task = definition().with_task_queue_id("proj/ci");
    assert!(deadline_and_scopes("1 hour", &task).is_ok());
    let offset = deadline_and_scopes("soon", &task).unwrap_err();
    assert_eq!(offset.kind(), tc_client::ErrorKind::InvalidInput);
    let scopes = deadline_and_scopes("1 hour", &definition()).unwrap_err();
    assert_eq!(scopes.kind(), tc_client::ErrorKind::InvalidInput);
    assert!(scopes.to_string().contains("provisionerId"), "{scopes}");
}
