//! Stage 5b: the crate around the service modules: `lib.rs` and `Cargo.toml`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::model::Service;

/// The crate's `lib.rs` items: one feature-gated module per service, and re-exports.
pub fn emit_lib(services: &[Service]) -> TokenStream {
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
    quote! {
        pub use tc_runtime::{ClientConfig, Credentials, Error, ErrorKind, Result};
        pub use tc_runtime as runtime;

        #(#modules)*
    }
}

/// The crate-level documentation: usage, and a table of the services.
pub fn lib_docs(services: &[Service]) -> String {
    let mut doc = String::from(
        "A typed client for Taskcluster's APIs.\n\
         \n\
         Generated from Taskcluster's API references: every method of every service, with typed request and response bodies.\n\
         \n\
         ```no_run\n\
         # async fn example() -> tc_client::Result<()> {\n\
         use tc_client::{ClientConfig, queue::Queue};\n\
         \n\
         // TASKCLUSTER_ROOT_URL, TASKCLUSTER_CLIENT_ID, TASKCLUSTER_ACCESS_TOKEN, ...\n\
         let config = ClientConfig::from_env()?;\n\
         let queue = Queue::new(&config);\n\
         let task = queue.task(\"fN1WfIn6Spy2Dn6Uh2UeMg\").await?;\n\
         println!(\"{}\", task.metadata.name);\n\
         # Ok(())\n\
         # }\n\
         ```\n\
         \n\
         Each service is a module behind a cargo feature of the same name, all enabled by \
         default; depend with `default-features = false, features = [\"queue\"]` to build only \
         what you use.\n\
         \n\
         | Module | Service | Methods |\n\
         |---|---|---|\n",
    );
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

/// The crate's `Cargo.toml`.
pub fn cargo_toml(services: &[Service]) -> String {
    let mut out = format!("# {}\n", crate::format::GENERATED);
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
    let features: Vec<String> = services
        .iter()
        .map(|s| format!("\"{}\"", s.module))
        .collect();
    out.push_str(&format!("default = [{}]\n", features.join(", ")));
    for s in services {
        out.push_str(&format!("{} = []\n", s.module));
    }
    out.push_str(
        "\n[dependencies]\n\
         chrono.workspace = true\n\
         serde.workspace = true\n\
         serde_json.workspace = true\n\
         tc-runtime.workspace = true\n\
         \n\
         [dev-dependencies]\n\
         tokio.workspace = true\n",
    );
    out
}
