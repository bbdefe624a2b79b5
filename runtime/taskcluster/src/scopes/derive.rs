//! Parameters that Taskcluster's services derive from a request before rendering a method's
//! scope template; the generated `required_scopes` functions call these (which for which is in
//! the generator's table, `codegen/src/scope_params.rs`).

use serde_json::Value;

use super::{Param, Params};

/// Priorities from the highest down, as the queue orders them.
const PRIORITIES: [&str; 7] = [
    "highest",
    "very-high",
    "high",
    "medium",
    "low",
    "very-low",
    "lowest",
];

/// `priorities` for `queue.createTask`: every priority from the highest down to the task's
/// (`lowest` when unset), any of which allows creating it. An unknown priority gives none.
pub fn task_priorities(params: &mut Params, _body: &Value) {
    let priority = match params.get("priority") {
        Some(Param::Str(p)) => p.clone(),
        _ => "lowest".to_owned(),
    };
    let levels = match PRIORITIES.iter().position(|p| *p == priority) {
        Some(i) => PRIORITIES[..=i].iter().map(|p| (*p).to_owned()).collect(),
        None => Vec::new(),
    };
    params.set("priorities", levels);
}

/// `provisionerId` and `workerType` for `queue.createTask`: given, or split from `taskQueueId`
/// (`<provisionerId>/<workerType>`) when the definition has only that.
pub fn split_task_queue_id(params: &mut Params, _body: &Value) {
    let given = |name: &str| matches!(params.get(name), Some(Param::Str(_)));
    if given("provisionerId") && given("workerType") {
        return;
    }
    if let Some(Param::Str(queue)) = params.get("taskQueueId")
        && let Some((provisioner, worker_type)) = queue.split_once('/')
    {
        let (provisioner, worker_type) = (provisioner.to_owned(), worker_type.to_owned());
        params.set("provisionerId", provisioner);
        params.set("workerType", worker_type);
    }
}

/// `owner` (lower-cased) and `repoPerms` for `auth.githubRepoToken`: `<repo>:<permission>:<level>`
/// for each repository (lower-cased) and each permission the body asks for.
pub fn github_repo_perms(params: &mut Params, body: &Value) {
    if let Some(Param::Str(owner)) = params.get("owner") {
        let owner = owner.to_lowercase();
        params.set("owner", owner);
    }
    let repositories: Vec<String> = body["repositories"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_lowercase)
        .collect();
    let mut perms = Vec::new();
    if let Some(permissions) = body["permissions"].as_object() {
        for (permission, level) in permissions {
            let level = level.as_str().unwrap_or_default();
            for repo in &repositories {
                perms.push(format!("{repo}:{permission}:{level}"));
            }
        }
    }
    params.set("repoPerms", perms);
}

/// The names of the body's members (`properties` for `queue.declareProvisioner` and kin).
pub fn member_names(body: &Value) -> Vec<String> {
    body.as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

/// Sets `to` to the value of `from` (`indexPaths` from `indexes` for `index.findTasksAtIndex`).
pub fn copy(params: &mut Params, from: &str, to: &str) {
    if let Some(value) = params.get(from).cloned() {
        params.set(to, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn queue_priorities_and_task_queues() {
        let mut p = Params::from_object(&json!({"priority": "high", "taskQueueId": "prov/wt"}));
        task_priorities(&mut p, &json!({}));
        split_task_queue_id(&mut p, &json!({}));
        assert_eq!(
            p.get("priorities"),
            Some(&Param::List(vec![
                "highest".into(),
                "very-high".into(),
                "high".into()
            ]))
        );
        assert_eq!(p.get("provisionerId"), Some(&Param::Str("prov".into())));
        assert_eq!(p.get("workerType"), Some(&Param::Str("wt".into())));
        let mut p = Params::new();
        task_priorities(&mut p, &json!({}));
        assert_eq!(
            p.get("priorities")
                .map(|v| matches!(v, Param::List(l) if l.len() == 7)),
            Some(true)
        );
    }

    #[test]
    fn github_permissions() {
        let body = json!({"repositories": ["Repo"], "permissions": {"contents": "read", "issues": "write"}});
        let mut p = Params::new();
        p.set("owner", "Mozilla");
        github_repo_perms(&mut p, &body);
        assert_eq!(p.get("owner"), Some(&Param::Str("mozilla".into())));
        assert_eq!(
            p.get("repoPerms"),
            Some(&Param::List(vec![
                "repo:contents:read".into(),
                "repo:issues:write".into()
            ]))
        );
    }
}
