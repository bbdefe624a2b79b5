//! Where each parameter of a method's scope template comes from, for the generated
//! `required_scopes` functions.
//!
//! The reference gives a template (`queue:create-task:project:<projectId>`) but not its
//! parameters' sources: Taskcluster's service renders it with route parameters, or with what the
//! method's handler passes (`req.authorize({...})`). Most parameters are route parameters or
//! members of the request body, with the body schema's defaults; the others are derived by the
//! handler from those, and [`RULES`] says how, per method: one small table, reviewed against the
//! services' sources at v106. A parameter found nowhere comes from the service's own records (a
//! task's `schedulerId` when it is cancelled): the function takes it as an argument.

use std::collections::BTreeSet;

use crate::model::ScopeExpr;

/// A parameter the handler derives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// `param` is a list of the one route parameter `from` (`names` for `getArtifact`).
    ListOfArg {
        param: &'static str,
        from: &'static str,
    },
    /// `param` is whether route parameter `from` is `value`.
    ArgEquals {
        param: &'static str,
        from: &'static str,
        value: &'static str,
    },
    /// `param` is the names of the body's members.
    BodyKeys { param: &'static str },
    /// `param` is the body's member `from`.
    BodyMember {
        param: &'static str,
        from: &'static str,
    },
    /// The query parameter `param`, or `default` without one.
    QueryOr {
        param: &'static str,
        default: &'static str,
    },
    /// A runtime derivation (`tc_runtime::scopes::derive::<name>`), reading the body.
    Derive {
        name: &'static str,
        params: &'static [&'static str],
    },
}

impl Rule {
    /// The parameters this rule sets.
    pub fn sets(&self) -> Vec<&'static str> {
        match self {
            Rule::ListOfArg { param, .. }
            | Rule::ArgEquals { param, .. }
            | Rule::BodyKeys { param }
            | Rule::BodyMember { param, .. }
            | Rule::QueryOr { param, .. } => vec![param],
            Rule::Derive { params, .. } => params.to_vec(),
        }
    }

    /// Whether the rule reads the request body.
    pub fn reads_body(&self) -> bool {
        matches!(
            self,
            Rule::BodyKeys { .. } | Rule::BodyMember { .. } | Rule::Derive { .. }
        )
    }
}

/// `(service, method, rules)`, from the handlers at v106 (paths in the Taskcluster monorepo).
pub const RULES: &[(&str, &str, &[Rule])] = &[
    // services/queue/src/api.js, `authorizeTaskCreation` and the taskQueueId transition.
    (
        "queue",
        "createTask",
        &[
            Rule::Derive {
                name: "split_task_queue_id",
                params: &["provisionerId", "workerType"],
            },
            Rule::Derive {
                name: "task_priorities",
                params: &["priorities"],
            },
        ],
    ),
    // services/queue/src/api.js: `names: [name]`.
    (
        "queue",
        "getArtifact",
        &[Rule::ListOfArg {
            param: "names",
            from: "name",
        }],
    ),
    (
        "queue",
        "getLatestArtifact",
        &[Rule::ListOfArg {
            param: "names",
            from: "name",
        }],
    ),
    (
        "queue",
        "artifact",
        &[Rule::ListOfArg {
            param: "names",
            from: "name",
        }],
    ),
    (
        "queue",
        "latestArtifact",
        &[Rule::ListOfArg {
            param: "names",
            from: "name",
        }],
    ),
    // services/queue/src/api.js: `properties: Object.keys(req.body)`.
    (
        "queue",
        "declareProvisioner",
        &[Rule::BodyKeys {
            param: "properties",
        }],
    ),
    (
        "queue",
        "declareWorkerType",
        &[Rule::BodyKeys {
            param: "properties",
        }],
    ),
    (
        "queue",
        "declareWorker",
        &[Rule::BodyKeys {
            param: "properties",
        }],
    ),
    // services/index/src/api.js: `indexPaths: req.body.indexes`.
    (
        "index",
        "findTasksAtIndex",
        &[Rule::BodyMember {
            param: "indexPaths",
            from: "indexes",
        }],
    ),
    // services/auth/src/api.js: `levelIsReadOnly: level === 'read-only'`.
    (
        "auth",
        "awsS3Credentials",
        &[Rule::ArgEquals {
            param: "levelIsReadOnly",
            from: "level",
            value: "read-only",
        }],
    ),
    (
        "auth",
        "azureTableSAS",
        &[Rule::ArgEquals {
            param: "levelIsReadOnly",
            from: "level",
            value: "read-only",
        }],
    ),
    (
        "auth",
        "azureContainerSAS",
        &[Rule::ArgEquals {
            param: "levelIsReadOnly",
            from: "level",
            value: "read-only",
        }],
    ),
    // services/auth/src/github.js: owner lower-cased, `repoPerms` per repository and permission.
    (
        "auth",
        "githubRepoToken",
        &[Rule::Derive {
            name: "github_repo_perms",
            params: &["owner", "repoPerms"],
        }],
    ),
    // services/worker-manager/src/api.js: the query's `workerPoolId`, else `*`.
    (
        "worker-manager",
        "workerPoolErrorStats",
        &[Rule::QueryOr {
            param: "workerPoolId",
            default: "*",
        }],
    ),
];

/// The rules of one method.
pub fn rules(service: &str, method: &str) -> &'static [Rule] {
    RULES
        .iter()
        .find(|(s, m, _)| *s == service && *m == method)
        .map_or(&[], |(_, _, rules)| rules)
}

/// What kind of value a template parameter must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    String,
    List,
    Bool,
}

/// The parameters `template` reads, in the order they first appear (loop variables excluded).
pub fn template_params(template: &ScopeExpr) -> Vec<(String, Kind)> {
    fn add(out: &mut Vec<(String, Kind)>, name: &str, kind: Kind) {
        if !out.iter().any(|(n, _)| n == name) {
            out.push((name.to_owned(), kind));
        }
    }
    fn strings(text: &str, except: Option<&str>, out: &mut Vec<(String, Kind)>) {
        let mut rest = text;
        while let Some(start) = rest.find('<') {
            let Some(len) = rest[start + 1..].find('>') else {
                break;
            };
            let name = &rest[start + 1..start + 1 + len];
            let valid = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if valid && Some(name) != except {
                add(out, name, Kind::String);
            }
            rest = &rest[start + 1 + len + 1..];
        }
    }
    fn walk(t: &ScopeExpr, out: &mut Vec<(String, Kind)>) {
        match t {
            ScopeExpr::Scope(s) => strings(s, None, out),
            ScopeExpr::AllOf(items) | ScopeExpr::AnyOf(items) => {
                items.iter().for_each(|i| walk(i, out))
            }
            ScopeExpr::ForEach {
                variable,
                collection,
                each,
            } => {
                add(out, collection, Kind::List);
                strings(each, Some(variable), out);
            }
            ScopeExpr::If {
                condition,
                then,
                otherwise,
            } => {
                add(out, condition, Kind::Bool);
                walk(then, out);
                if let Some(o) = otherwise {
                    walk(o, out);
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(template, &mut out);
    out
}

/// Every parameter some rule sets, for a method.
pub fn derived(service: &str, method: &str) -> BTreeSet<&'static str> {
    rules(service, method).iter().flat_map(Rule::sets).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_of_a_template() {
        let t = ScopeExpr::AllOf(vec![
            ScopeExpr::ForEach {
                variable: "scope".into(),
                collection: "scopes".into(),
                each: "<scope>".into(),
            },
            ScopeExpr::Scope("queue:route:<route>/<x_1>".into()),
            ScopeExpr::If {
                condition: "ok".into(),
                then: Box::new(ScopeExpr::Scope("a:<route>".into())),
                otherwise: None,
            },
        ]);
        assert_eq!(
            template_params(&t),
            [
                ("scopes".to_owned(), Kind::List),
                ("route".to_owned(), Kind::String),
                ("x_1".to_owned(), Kind::String),
                ("ok".to_owned(), Kind::Bool)
            ]
        );
        assert!(derived("queue", "createTask").contains("priorities"));
        assert!(rules("queue", "task").is_empty());
    }
}
