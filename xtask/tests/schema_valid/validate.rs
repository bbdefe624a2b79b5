//! A release's schemas in the `jsonschema` crate's validator, `$ref`s resolved inside the bundle.

use std::collections::BTreeMap;

use jsonschema::{Draft, Registry, Validator};
use serde_json::{Value, json};

/// Schema ids are absolute paths (`/schemas/queue/v1/task.json#`); the validator wants absolute
/// URIs, so every id and reference lives under this base, which nothing ever fetches.
const BASE: &str = "https://tc.invalid";

pub struct Schemas {
    registry: Registry<'static>,
    validators: BTreeMap<String, Validator>,
}

impl Schemas {
    /// The documents by `$id` (without `#`).
    pub fn new(schemas: &BTreeMap<String, Value>) -> Schemas {
        let mut registry = Registry::new().draft(Draft::Draft6);
        for (id, doc) in schemas {
            let mut doc = doc.clone();
            if let Some(map) = doc.as_object_mut() {
                map.insert("$id".into(), json!(format!("{BASE}{id}#")));
                // Taskcluster's metaschemas are draft-06 with keywords of its own; no validator
                // knows them, and none is needed to validate values.
                map.insert(
                    "$schema".into(),
                    json!("http://json-schema.org/draft-06/schema#"),
                );
            }
            registry = registry
                .add(format!("{BASE}{id}"), doc)
                .unwrap_or_else(|e| panic!("{id}: {e}"));
        }
        Schemas {
            registry: registry.prepare().expect("the schemas resolve"),
            validators: BTreeMap::new(),
        }
    }

    /// The errors of `value` against the schema at `location` (`/schemas/x.json#/pointer`):
    /// `instance path: message`, none when it is valid.
    pub fn errors(&mut self, location: &str, value: &Value) -> Vec<String> {
        if !self.validators.contains_key(location) {
            let validator = jsonschema::options()
                .with_draft(Draft::Draft6)
                .should_validate_formats(true)
                .offline()
                .with_registry(&self.registry)
                .build(&json!({"$ref": format!("{BASE}{location}")}))
                .unwrap_or_else(|e| panic!("{location}: {e}"));
            self.validators.insert(location.to_owned(), validator);
        }
        self.validators[location]
            .iter_errors(value)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect()
    }
}
