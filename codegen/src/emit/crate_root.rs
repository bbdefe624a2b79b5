//! Stage 5b: the crate around the service modules: `lib.rs` and `Cargo.toml`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::emit::helpers::{GENERATED, Source, unknown_value};
use crate::model::Service;

/// The crate's `lib.rs` items: one feature-gated module per service, and re-exports.
pub fn emit_lib(services: &[Service], source: &Source) -> TokenStream {
    let modules = services.iter().map(|s| {
        let module = format_ident!("{}", s.module);
        let feature = &s.module;
        let doc = format!("{} (`{}`).", s.title, s.name);
        quote! {
            #[doc = #doc]
            #[cfg(feature = #feature)]
            pub mod #module;
        }
    });
    let source = source.emit();
    let unknown = unknown_value("tc_client");
    quote! {
        // Every public item is documented, the generated ones included: a regression fails the
        // build under `-D warnings`.
        #![warn(missing_docs)]

        #source

        #unknown

        pub use tc_runtime::{Call, ClientConfig, Credentials, Error, ErrorKind, MissingFields, Result, TaskclusterError};
        #[doc = "The runtime every service client is built on, shown here in full: the\n\
                 [fake](runtime::fake) for tests, [scopes](runtime::scopes), [time](runtime::time),\n\
                 [slugids](runtime::slugid), [events](runtime::events), and with their features\n\
                 the object transfers (`transfers`, on by default) and Pulse (`pulse`)."]
        #[doc(inline)]
        pub use tc_runtime as runtime;
        pub use chrono;
        pub use serde_json;

        #(#modules)*
    }
}

/// The crate-level documentation: usage, the rules every generated type follows (stated once,
/// here), and a table of the services.
pub fn lib_docs(services: &[Service]) -> String {
    let has_queue_task = services
        .iter()
        .any(|s| s.name == "queue" && s.methods.iter().any(|m| m.name == "task"));
    let example = match services.first() {
        _ if has_queue_task => QUEUE_EXAMPLE.to_owned(),
        Some(s) => format!(
            "# fn example() -> tc_client::Result<()> {{\n\
             use tc_client::{{ClientConfig, {module}::{client}}};\n\n\
             // TASKCLUSTER_ROOT_URL, TASKCLUSTER_CLIENT_ID, TASKCLUSTER_ACCESS_TOKEN, ...\n\
             let config = ClientConfig::from_env()?;\n\
             let client = {client}::new(&config);\n\
             # Ok(())\n\
             # }}\n",
            module = s.module,
            client = s.client
        ),
        None => "# fn example() {}\n".to_owned(),
    };
    let mut doc = CRATE_DOCS.replace("{example}\n", &example);
    doc.push_str("\n| Module | Service | Methods |\n|---|---|---|\n");
    for s in services {
        doc.push_str(&format!(
            "| [`{m}`] | {} | {} |\n",
            s.title,
            s.methods.len(),
            m = s.module
        ));
    }
    doc
}

const QUEUE_EXAMPLE: &str = r#"# async fn example() -> tc_client::Result<()> {
use std::time::Duration;
use tc_client::{ClientConfig, queue::Queue};

// TASKCLUSTER_ROOT_URL, TASKCLUSTER_CLIENT_ID, TASKCLUSTER_ACCESS_TOKEN, ...
let config = ClientConfig::from_env()?;
let queue = Queue::new(&config);
let task = queue.task("fN1WfIn6Spy2Dn6Uh2UeMg").await?;
println!("{}", task.metadata.name);
let link = queue.task("fN1WfIn6Spy2Dn6Uh2UeMg").signed_url(Duration::from_secs(600))?;
# Ok(())
# }
"#;

const CRATE_DOCS: &str = r#"A typed client for Taskcluster's APIs.

Generated from Taskcluster's API references: every method of every service, with typed request
and response bodies.

```no_run
{example}
```

# Calls

Each method returns a [`Call`]: `.await` it to send the request (signed, retried on
5xx and transport errors) and get the typed answer, or take its `url()` or, for a `GET`, its
`signed_url(ttl)`. Route parameters are `&str`, query parameters a `…Query` struct, the request
body `&T`.

# Types

Every request and response type follows the same rules:

- **Building.** `Type::new(…)` takes the fields the schema requires, in the schema's order,
  when they cannot be swapped silently: at most four, no two of one type. Other types are built
  by name: `Type::builder()`, a setter per field named as the field, then `build()`, which fails
  with `MissingFields` (into the crate's `Error` by `?`) naming any required field left unset.
  `with_<field>(value)` sets each optional one. Strings and enums take `&str`, free-form JSON takes
  `serde_json::json!(…)`, lists take arrays or iterators, maps arrays of pairs. Types with no
  required field implement `Default`. Fields are public; types are `#[non_exhaustive]`, so a newer
  reference can add fields and variants without breaking code written against this one.
- **Optional means optional.** A field the schema does not require is an `Option`, `None` when
  absent, and is not written when `None`. A default the service applies is documented on the
  field, never filled in by the client. In types that are only ever sent (request bodies), every
  field is an `Option` (the service decides what it requires, and a newer one may require
  less); `new` takes those this release requires.
- **Newer services.** Fields a type does not know are kept in its `unknown_fields` and written
  back unchanged; string enums keep values they do not know in `Unknown(UnknownValue)`, whose
  text only `as_str()` reads (`From<&str>` and `as_str()` convert both ways, so code that
  compares `as_str()` keeps working when a later release makes the value a variant); unions keep
  shapes they do not know in `Unknown(Value)`. Reading a document and writing it back never
  loses anything, from a newer service or not; a document that names a field twice is refused.
- **Unions.** A tagged union (`storageType`, `method`, …) reads the branch its tag names. An
  untagged one reads the first typed branch, in the schema's order, that takes the document
  with nothing left over; else the first that takes it at all (extra members kept in its
  `unknown_fields`); only then a branch of any JSON; else `Unknown(Value)`. So a newer service's
  extra member never turns a known shape into another branch.
- **JSON as Taskcluster writes it.** Date-times are `chrono::DateTime<Utc>` written with
  milliseconds (`2024-05-01T12:00:00.000Z`), whole numbers in `number` fields without a fraction,
  so a document written back is the one that was read. `new`, builders and setters keep a
  date-time's whole milliseconds (`runtime::time::whole_millis`), as do `runtime::time::now` and
  `from_now`, so a value built with `Utc::now()` equals itself read back.
- **Secrets stay secret.** `Debug` shows `***` for access tokens, certificates, signed URLs and
  secret values.

# Features

Each service is a module behind a cargo feature of the same name, all enabled by default;
depend with `default-features = false, features = ["queue"]` to build only what you use.
`transfers` (on by default) adds the object and artifact transfers
(`object.upload_from_file(..)`, `queue.download_artifact_to_file(..)`, …, over
`runtime::objects`); `events` the exchanges and message types, `pulse` those and the consumer.
"#;

/// The crate's `Cargo.toml`.
pub fn cargo_toml(services: &[Service]) -> String {
    let mut out = format!("# {}\n", GENERATED);
    out.push_str(
        "[package]\n\
         name = \"tc-client\"\n\
         version = \"0.1.0\"\n\
         description = \"A typed client for Taskcluster's APIs.\"\n\
         edition.workspace = true\n\
         rust-version.workspace = true\n\
         license.workspace = true\n\
         publish.workspace = true\n\
         \n\
         [features]\n",
    );
    let mut features: Vec<String> = services
        .iter()
        .map(|s| format!("\"{}\"", s.module))
        .collect();
    features.push("\"transfers\"".to_owned());
    out.push_str(&format!("default = [{}]\n", features.join(", ")));
    for s in services {
        out.push_str(&format!("{} = []\n", s.module));
    }
    out.push_str(
        "# Object and artifact transfers as methods of the object and queue clients\n\
         # (`runtime::objects`: hashing, retries, gzip); without it no transfer engine is compiled.\n\
         transfers = [\"tc-runtime/transfers\"]\n",
    );
    out.push_str(
        "# Pulse: each service's exchanges and message types (`<service>::events`), and with\n\
         # `pulse` the consumer too (`runtime::pulse`, an AMQP stack).\n\
         events = []\n\
         pulse = [\"events\", \"tc-runtime/pulse\"]\n\
         # For tests: `runtime::fake::Fixture` for every type (placeholders to answer a fake with).\n\
         fixtures = []\n",
    );
    out.push_str(
        "\n[dependencies]\n\
         chrono.workspace = true\n\
         serde.workspace = true\n\
         serde_json.workspace = true\n\
         tc-runtime.workspace = true\n\
         \n\
         [dev-dependencies]\n\
         # The transfer tests hash what storage received and send a request the client would not\n\
         # (both already built for the runtime).\n\
         aws-lc-rs = { version = \"1.19\", default-features = false, features = [\"aws-lc-sys\"] }\n\
         reqwest.workspace = true\n\
         # The crate's own tests see its events and consume them from a broker.\n\
         tc-client = { path = \".\", features = [\"pulse\", \"fixtures\"] }\n\
         tc-testkit.workspace = true\n\
         tokio.workspace = true\n",
    );
    out.push_str(
        "\n# The rendered docs show everything: every service, `events` and `pulse`.\n\
         [package.metadata.docs.rs]\n\
         all-features = true\n",
    );
    out
}
