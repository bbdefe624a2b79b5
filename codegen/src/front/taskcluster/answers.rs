//! Answers the references leave out. Every Taskcluster service has `version`
//! (`GET /__version__`), whose entry has no output schema although the service answers a JSON
//! document: the Dockerflow version object, read from the deployment's `version.json`
//! (`libraries/api/src/index.js` in Taskcluster's monorepo, `loadVersion`). Without a schema the
//! method would answer `()` and drop it; with this one it answers `types::VersionObject`.

use std::path::Path;

use serde_json::{Value, json};

use super::references::{References, SchemaDocument};

/// The `$id` of the version object's schema (not a Taskcluster schema: ours, for the method).
const VERSION_OBJECT: &str = "/schemas/common/dockerflow-version-object.json";

/// Gives every `version` entry without an output the version object's schema.
pub fn add_missing(dir: &Path, references: &mut References) {
    let mut used = false;
    for service in &mut references.services {
        for entry in &mut service.api.entries {
            if entry.name == "version" && entry.route == "/__version__" && entry.output.is_none() {
                entry.output = Some(format!("{VERSION_OBJECT}#"));
                used = true;
            }
        }
    }
    if used && !references.schemas.contains_key(VERSION_OBJECT) {
        references.schemas.insert(
            VERSION_OBJECT.to_owned(),
            SchemaDocument {
                file: dir.join("(the Dockerflow version object, which the references leave out)"),
                content: version_object(),
            },
        );
    }
}

/// Every member optional: a deployment's `version.json` is what its build wrote.
fn version_object() -> Value {
    let member = |description: &str| json!({"type": "string", "description": description});
    json!({
        "$id": format!("{VERSION_OBJECT}#"),
        "title": "Version Object",
        "description": "What a service's `version` answers: the Dockerflow version object \
                        (<https://github.com/mozilla-services/Dockerflow/blob/main/docs/version_object.md>), \
                        read from the deployment's `version.json`.",
        "type": "object",
        "properties": {
            "source": member("The URL of the source code repository."),
            "version": member("The deployment's version (a release's tag, say)."),
            "commit": member("The commit the deployment was built from."),
            "build": member("The URL of the CI build that made the deployment.")
        },
        "additionalProperties": true
    })
}
