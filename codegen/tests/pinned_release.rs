//! Tests of the generator on the pinned release in `references/`: the checked-in crate is what
//! the generator makes of it, and each service's output is a reviewable insta snapshot.

use std::path::Path;
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

/// One snapshot per service: the listing of its public API ([`tc_codegen::api_diff::listing`]: methods
/// with their signatures, exchanges, types with their fields, enum values), so a reference
/// update shows up as a short diff to review with `cargo insta review`; the generated code
/// itself is guarded by `generated_crate_is_up_to_date`.
#[test]
fn service_snapshots() {
    let api = tc_codegen::api_diff::Api::taskcluster(&workspace().join("references"))
        .expect("references/ loads");
    let listings = api.listings();
    assert!(
        listings.len() >= 10,
        "expected every service, got {}",
        listings.len()
    );
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for (module, listing) in listings {
            insta::assert_snapshot!(module, listing);
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
        "pub fn create_task(\n        &self,\n        task_id: &str,\n        payload: &types::TaskDefinitionRequest,\n    ) -> Call<types::TaskStatusResponse>",
        "pub fn task(&self, task_id: &str) -> Call<types::Task>",
        "#[doc(alias = \"listTaskGroup\")]",
    ] {
        assert!(queue.contains(signature), "queue lacks {signature}");
    }
}

/// Every entry of the reviewed conversions table applies to the pinned references: a table
/// entry that no longer fits (a type renamed, a field's type changed) fails here, not silently.
#[test]
fn every_conversion_applies() {
    for c in tc_codegen::conversions::CONVERSIONS {
        let module = c.service.replace('-', "_");
        let types = &generated().files[Path::new(&format!("src/{module}/types.rs"))];
        let header = format!("impl From<{}> for {} {{", c.read, c.write);
        assert!(types.contains(&header), "{module}/types.rs lacks {header}");
    }
}
