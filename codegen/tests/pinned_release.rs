//! Tests of the generator on the pinned release in `references/`: the checked-in crate is what
//! the generator makes of it, and each service's output is a reviewable insta snapshot.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use tc_codegen::GeneratedCrate;

fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("codegen sits in the workspace")
}

fn generated() -> &'static GeneratedCrate {
    static GENERATED: OnceLock<GeneratedCrate> = OnceLock::new();
    GENERATED.get_or_init(|| {
        tc_codegen::generate(&workspace().join("references")).expect("references/ generates")
    })
}

/// rust-analyzer's discipline: a change to the generator or the references that is not followed
/// by `cargo xtask generate` fails here.
#[test]
fn generated_crate_is_up_to_date() {
    let stale = tc_codegen::write::stale_files(generated(), &workspace().join("generated"));
    assert!(
        stale.is_empty(),
        "generated/ is stale ({} files: {:?}); run `cargo xtask generate` and commit the result",
        stale.len(),
        stale
    );
}

/// The command-line client's command tree is generated too (`cli/src/api.rs`).
#[test]
fn cli_commands_are_up_to_date() {
    let on_disk = std::fs::read_to_string(workspace().join("cli/src/api.rs")).unwrap_or_default();
    assert!(
        on_disk == generated().cli,
        "cli/src/api.rs is stale; run `cargo xtask generate` and commit the result"
    );
}

/// One snapshot per service (client module, then types), so a reference update shows up as a
/// diff to review with `cargo insta review`.
#[test]
fn service_snapshots() {
    let files = &generated().files;
    let mut services: Vec<&str> = files
        .keys()
        .filter_map(|p| p.strip_prefix("src").ok()?.parent()?.to_str())
        .filter(|s| !s.is_empty())
        .collect();
    services.dedup();
    assert!(
        services.len() >= 10,
        "expected every service, got {services:?}"
    );
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for service in services {
            let dir = PathBuf::from("src").join(service);
            // What a reviewer of a reference update reads: the client, its types, its
            // events and required scopes (the wire impls follow from the types).
            let text: Vec<&str> = ["mod.rs", "types.rs", "events.rs", "required_scopes.rs"]
                .iter()
                .filter_map(|f| files.get(&dir.join(f)).map(String::as_str))
                .collect();
            let text = text.join("\n");
            insta::assert_snapshot!(service, text);
        }
    });
}

#[test]
fn every_method_is_typed() {
    let summary = generated().summary;
    assert_eq!(summary.services, 11);
    assert_eq!(summary.methods, 194);
    let queue = &generated().files[Path::new("src/queue/mod.rs")];
    for signature in [
        "pub fn create_task(\n        &self,\n        task_id: &str,\n        payload: &types::TaskDefinitionRequest,\n    ) -> Call<'_, types::TaskStatusResponse>",
        "pub fn task(&self, task_id: &str) -> Call<'_, types::Task>",
        "#[doc(alias = \"listTaskGroup\")]",
    ] {
        assert!(queue.contains(signature), "queue lacks {signature}");
    }
}
