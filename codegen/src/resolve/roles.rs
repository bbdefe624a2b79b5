//! Names by role: the reviewed places where a schema's title or position names a type after
//! something it is not, so that the rules of `naming` would mislead a reader. Each entry says
//! why; an entry applies where its service has a type of that name (older releases may not).

use super::naming::Names;
use crate::error::{Error, Result};

/// One rename: in `service`, the type the rules name `from` is called `to`, because `why`.
struct Role {
    service: &'static str,
    from: &'static str,
    to: &'static str,
    why: &'static str,
}

const ROLES: &[Role] = &[
    Role {
        service: "queue",
        from: "TaskDefinitionsResponse",
        to: "TasksRequest",
        why: "the body `queue.tasks` and `queue.statuses` take (the task ids to fetch); its \
              schema's title says response",
    },
    Role {
        service: "queue",
        from: "TaskPendingMessageTask",
        to: "TaskSummary",
        why: "the task summary of every task message (pending, running, completed, failed, \
              exception), named after the first message the rules met it in",
    },
    Role {
        service: "queue",
        from: "TasksStatusesResponseStatusesItem",
        to: "TaskIdStatus",
        why: "one task's id and status in `queue.statuses`' answer, named by position",
    },
    Role {
        service: "queue",
        from: "TasksResponseTasksItem",
        to: "TaskIdDefinition",
        why: "one task's id and definition in `queue.tasks`' answer, named by position",
    },
    Role {
        service: "queue",
        from: "Method",
        to: "ActionMethod",
        why: "the HTTP verb of a task action (`Action.method`): `Method` alone reads as the \
              runtime's HTTP `Method` beside it",
    },
    Role {
        service: "worker-manager",
        from: "Method",
        to: "ActionMethod",
        why: "the HTTP verb of a worker or pool action (`Action.method`), as in the queue",
    },
];

/// Applies the table to `service`'s names. A new name that another type already has is an
/// error: two types must never share one.
pub(super) fn apply(names: &mut Names, service: &str) -> Result<()> {
    for role in ROLES.iter().filter(|r| r.service == service) {
        if !names.has(role.from) {
            continue;
        }
        if names.has(role.to) {
            return Err(Error::new(
                "codegen/src/resolve/roles.rs",
                "",
                format!(
                    "{service}: cannot rename {} to {} ({}): another type is called so",
                    role.from, role.to, role.why
                ),
            ));
        }
        names.rename(role.from, role.to);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_says_why_and_names_differ() {
        for role in ROLES {
            assert!(!role.why.trim().is_empty(), "{}", role.from);
            assert_ne!(role.from, role.to);
        }
    }

    #[test]
    fn renames_every_use_and_refuses_a_taken_name() {
        let mut names = Names::for_test(&["TaskPendingMessageTask", "TaskPendingMessage"]);
        apply(&mut names, "queue").unwrap();
        assert!(names.has("TaskSummary") && !names.has("TaskPendingMessageTask"));
        assert!(names.has("TaskPendingMessage"));
        // Another service keeps its names.
        let mut other = Names::for_test(&["TaskPendingMessageTask"]);
        apply(&mut other, "hooks").unwrap();
        assert!(other.has("TaskPendingMessageTask"));
        let mut taken = Names::for_test(&["TaskPendingMessageTask", "TaskSummary"]);
        let err = apply(&mut taken, "queue").unwrap_err();
        assert!(err.message.contains("TaskSummary"), "{err}");
    }
}
