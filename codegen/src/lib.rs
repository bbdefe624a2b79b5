//! Generates typed Rust client crates from API descriptions: Taskcluster's references, and
//! Rucio's OpenAPI description.
//!
//! The pipeline runs one way, a folder per stage; a stage uses only the stages above it, and
//! this file drives them in order:
//!
//! 1. [`front`], a front end per family, describes its services as the model has them
//!    ([`front::api`]: methods with their parameters by location, body, answer and
//!    authentication), each body named by its schema, with the schema documents:
//!    [`front::taskcluster`] reads `manifest.json`, each `api.json` and every schema;
//!    [`front::openapi`] reads an OpenAPI spec, repairs it by rule and names its operations;
//! 2. [`resolve`]: per service, bundle the schemas the bodies name into uniquely named
//!    definitions;
//! 3. [`model`]: the described services with each body's and message's type by id (in the
//!    service's table of type names, [`model::TypeNames`]), and every Rust name unique;
//! 4. [`types`]: the Rust types those schemas describe ([`types::typedefs`]), and the code
//!    declaring them and how they read and write JSON;
//! 5. [`emit`]: clients, scopes, events, the crates' roots and the command-line clients (one
//!    emitter for both families, [`emit::cli::Family`] saying what differs), as sibling
//!    emitters sharing [`emit::helpers`];
//! 6. [`output`]: prettyplease, then rustfmt, so the output is what `cargo fmt` keeps; then
//!    swap the new files in, all or nothing.
//!
//! [`generate`] and [`generate_rucio`] run stages 1–5 and formatting in memory; nothing touches
//! the disk until [`output::write::write`]. [`api_diff`] compares what two reference sets make
//! (stages 1–4), with each service's API as a listing.

pub mod api_diff;
pub mod emit;
pub mod error;
pub mod front;
mod idents;
pub mod model;
pub mod output;
pub mod resolve;
pub mod types;

// Paths other crates use.
pub use front::taskcluster::references::References;
pub use front::{openapi, taskcluster as load};
pub use model::scope_params;
pub use output::{GeneratedCrate, Summary, write};
pub use types::{conversions, typedefs};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use emit::helpers::Source;
use output::format;

pub use error::{Error, Result};

/// Stages 1 (describing), 2 and 3 for Taskcluster's references: each service described,
/// its schemas resolved, then the model of every service.
pub fn services(refs: &References) -> Result<Vec<model::Service>> {
    let described = front::taskcluster::describe(refs)?;
    model_of(described, &refs.schemas)
}

/// The services of an OpenAPI spec's operations, as the OpenAPI front end describes them,
/// through stages 2 and 3.
pub fn rucio_services(
    spec: &openapi::Spec,
    ops: &[openapi::Operation],
) -> Result<Vec<model::Service>> {
    let described = openapi::describe::describe(spec, ops)?;
    let mut services = model_of(described.services, &described.schemas)?;
    // A group's client must not shadow a name the crate root re-exports: `rucio_client::Auth`
    // is the login method, so the `auth` group's calls are `auth::AuthCalls`.
    for service in &mut services {
        if emit::rucio::ROOT_ITEMS.contains(&service.client.as_str()) {
            service.client.push_str("Calls");
        }
    }
    Ok(services)
}

/// Stages 2 and 3 for the services a front end described, whose bodies name `schemas`.
fn model_of(
    described: Vec<front::api::Service<front::api::SchemaRef>>,
    schemas: &front::api::Schemas,
) -> Result<Vec<model::Service>> {
    let resolved = described
        .iter()
        .map(|service| {
            let roots = resolve::roots(service);
            let resolved = resolve::resolve(schemas, &service.name, &roots)?;
            Ok((service.name.clone(), resolved))
        })
        .collect::<Result<_>>()?;
    Ok(model::build(described, resolved))
}

/// Generates the client crate from the references in `references_dir`.
pub fn generate(references_dir: &Path) -> Result<GeneratedCrate> {
    let refs = front::taskcluster::load(references_dir)?;
    let services = services(&refs)?;
    let has_object_service = services.iter().any(|s| s.name == "object");

    let mut files = BTreeMap::new();
    let mut all_defs = Vec::with_capacity(services.len());
    let mut summary = Summary {
        services: services.len(),
        ..Summary::default()
    };
    for service in &services {
        let origin = format!("{}/schemas/{}", references_dir.display(), service.name);
        let defs = types::typedefs::build(&origin, service)?;
        let dir = PathBuf::from("src").join(&service.module);
        let module_origin = service.file.display().to_string();

        let has_wire =
            emit_types_and_wire(service, &defs, &origin, &dir, &mut files, &mut summary)?;

        let scopes = emit::scopes::emit_required_scopes(service, &defs);
        let has_scopes = !scopes.is_empty();
        if has_scopes {
            let scopes_doc = format!(
                "The scopes each method of the {} needs, for given arguments.",
                service.title
            );
            let scopes_file = format::format_file(&module_origin, &scopes_doc, scopes)?;
            files.insert(dir.join("required_scopes.rs"), scopes_file);
        }
        let events = emit::events::emit_events(service);
        let has_events = !events.is_empty();
        if let (true, Some(e)) = (has_events, &service.events) {
            let events_doc = format!("{}\n\n{}", e.title, e.description.trim());
            let events_origin = e.file.display().to_string();
            let events_file = format::format_file(&events_origin, &events_doc, events)?;
            files.insert(dir.join("events.rs"), events_file);
            summary.exchanges += e.exchanges.len();
        }
        let transfers = emit::transfers::emit_transfers(service, &defs, has_object_service);
        let transfers_gate = transfers.as_ref().map(|t| t.gate.clone());
        if let Some(t) = transfers {
            let doc = format!(
                "Uploads and downloads, their hashes checked, as methods of [`{}`](super::{}), \
                 over `runtime::objects` (feature `transfers`).",
                service.client, service.client
            );
            let file = format::format_file(&module_origin, &doc, t.items)?;
            files.insert(dir.join("transfers.rs"), file);
        }
        let client = emit::client::emit_client(
            service,
            &defs,
            has_wire,
            has_scopes,
            has_events,
            transfers_gate,
        );
        let module_doc = format!("{}\n\n{}", service.title, service.description.trim());
        let client_file = format::format_file(&module_origin, &module_doc, client)?;
        files.insert(dir.join("mod.rs"), client_file);
        summary.methods += service.methods.len();
        all_defs.push(defs);
    }
    let with_defs: Vec<(&model::Service, &[types::typedefs::TypeDef])> = services
        .iter()
        .zip(&all_defs)
        .map(|(s, d)| (s, d.as_slice()))
        .collect();
    let cli = format::format_file(
        "cli/src/api.rs",
        "Every method of every service as a command (see `crate::run` for what they share).",
        emit::cli::emit_cli(&emit::cli::TASKCLUSTER, &with_defs),
    )?;
    let cli = format::rustfmt_text(&cli)?;
    let lib = emit::crate_root::emit_lib(&services, &taskcluster_source(references_dir)?);
    let lib_doc = emit::crate_root::lib_docs(&services);
    let lib_file = format::format_file("lib.rs", &lib_doc, lib)?;
    files.insert(PathBuf::from("src/lib.rs"), lib_file);
    files.insert(
        PathBuf::from("Cargo.toml"),
        emit::crate_root::cargo_toml(&services),
    );
    format::rustfmt_all(&mut files)?;
    summary.lines = files.values().map(|f| f.lines().count()).sum();
    Ok(GeneratedCrate {
        files,
        cli,
        summary,
    })
}

/// A service's `types.rs` and, if its types need any, `wire.rs`; whether it has `wire.rs`.
fn emit_types_and_wire(
    service: &model::Service,
    defs: &[types::typedefs::TypeDef],
    origin: &str,
    dir: &Path,
    files: &mut BTreeMap<PathBuf, String>,
    summary: &mut Summary,
) -> Result<bool> {
    let types_doc = format!("Request and response types of the {}.", service.title);
    let code = types::emit_types::emit_types(&service.name, defs);
    let types_file = format::format_file(origin, &types_doc, code)?;
    summary.types += count_types(&types_file);
    files.insert(dir.join("types.rs"), types_file);

    let wire = types::emit_wire::emit_wire(defs);
    let has_wire = !wire.is_empty();
    if has_wire {
        let wire_doc = format!(
            "How the types of the {} read and write JSON (see [`wire`](crate::runtime::wire)).",
            service.title
        );
        let wire_file = format::format_file(origin, &wire_doc, wire)?;
        files.insert(dir.join("wire.rs"), wire_file);
    }
    Ok(has_wire)
}

/// Generates the Rucio client crate (`rucio/`) from Rucio's OpenAPI description: the
/// [`openapi`] front end, then the stages Taskcluster's crate goes through, with the
/// [`emit::rucio`] client emitter.
pub fn generate_rucio(spec_file: &Path) -> Result<GeneratedCrate> {
    let spec = openapi::load(spec_file)?;
    let operations = openapi::operations(&spec)?;
    let services = rucio_services(&spec, &operations)?;
    let mut files = BTreeMap::new();
    let mut summary = Summary {
        services: services.len(),
        ..Summary::default()
    };
    let origin = spec_file.display().to_string();
    let mut all_defs = Vec::with_capacity(services.len());
    for service in &services {
        let defs = types::typedefs::build(&origin, service)?;
        let dir = PathBuf::from("src").join(&service.module);
        let has_wire =
            emit_types_and_wire(service, &defs, &origin, &dir, &mut files, &mut summary)?;
        let module = emit::rucio::emit_service(service, has_wire);
        let doc = format!("{}\n\n{}", service.title, service.description.trim());
        files.insert(
            dir.join("mod.rs"),
            format::format_file(&origin, &doc, module)?,
        );
        summary.methods += service.methods.len();
        all_defs.push(defs);
    }
    let with_defs: Vec<(&model::Service, &[types::typedefs::TypeDef])> = services
        .iter()
        .zip(&all_defs)
        .map(|(s, d)| (s, d.as_slice()))
        .collect();
    let cli = format::format_file(
        "rucio-cli/src/api.rs",
        "Every call of every group of Rucio's REST API as a command (see `crate::run` for what \
         they share).",
        emit::cli::emit_cli(&emit::cli::RUCIO, &with_defs),
    )?;
    let cli = format::rustfmt_text(&cli)?;
    let transfer = emit::rucio_transfers::emit_rucio_transfers(&with_defs);
    if let Some(code) = &transfer {
        files.insert(
            PathBuf::from("src/transfer.rs"),
            format::format_file(&origin, emit::rucio_transfers::MODULE_DOC, code.clone())?,
        );
    }
    let lib = emit::rucio::emit_lib(&services, &rucio_source(&spec)?, transfer.is_some());
    let lib_file = format::format_file(&origin, &emit::rucio::lib_docs(&services), lib)?;
    files.insert(PathBuf::from("src/lib.rs"), lib_file);
    files.insert(PathBuf::from("Cargo.toml"), emit::rucio::cargo_toml());
    format::rustfmt_all(&mut files)?;
    summary.lines = files.values().map(|f| f.lines().count()).sum();
    Ok(GeneratedCrate {
        files,
        cli,
        summary,
    })
}

/// What `references/source.json` (written by `import-references`) says the references came
/// from; without one (references written by hand, as tests do), a hash of the manifest.
fn taskcluster_source(dir: &Path) -> Result<Source> {
    let file = dir.join("source.json");
    let Ok(text) = std::fs::read_to_string(&file) else {
        let manifest = std::fs::read(dir.join("manifest.json")).unwrap_or_default();
        return Ok(Source {
            description: "Taskcluster references (no record of their source)".into(),
            sha256: hex(&Sha256::digest(manifest)),
        });
    };
    let record: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| error::Error::new(&file, "", format!("not JSON: {e}")))?;
    let field = |name: &str| {
        record
            .get(name)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
            .ok_or_else(|| error::Error::new(&file, format!("/{name}"), "missing"))
    };
    let source = field("source")?;
    // A file's name, not the path of the machine that imported it.
    let shown = Path::new(&source)
        .file_name()
        .filter(|_| !source.starts_with("http"))
        .map_or(source.clone(), |n| n.to_string_lossy().into_owned());
    let documents = record
        .get("documents")
        .and_then(|v| v.as_u64())
        .unwrap_or(0);
    Ok(Source {
        description: format!(
            "Taskcluster references from {shown} ({}, {documents} documents)",
            field("kind")?
        ),
        sha256: field("sha256")?,
    })
}

/// The spec's title and version, and a hash of the file as read.
fn rucio_source(spec: &openapi::Spec) -> Result<Source> {
    let bytes = std::fs::read(&spec.file)
        .map_err(|e| error::Error::new(&spec.file, "", format!("cannot read: {e}")))?;
    let version = spec
        .doc
        .pointer("/info/version")
        .and_then(|v| v.as_str())
        .unwrap_or("of no stated version");
    Ok(Source {
        description: format!("Rucio's OpenAPI description, version {version}"),
        sha256: hex(&Sha256::digest(bytes)),
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn count_types(source: &str) -> usize {
    source
        .lines()
        .filter(|l| {
            l.starts_with("pub struct ") || l.starts_with("pub enum ") || l.starts_with("pub type ")
        })
        .count()
}
