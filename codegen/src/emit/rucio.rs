//! Stage 5, for an OpenAPI family (Rucio): a service's client over `rucio_runtime`'s
//! `RucioClient` (token login, `X-Rucio-Auth-Token`), its methods (each returning the core's
//! `Call`, as Taskcluster's do), query structs and fake endpoints, and the crate around the
//! services. Types, their JSON and formatting are
//! the common stages'; the request each method builds is [`emit_client`]'s.
//!
//! [`emit_client`]: crate::emit::client

use proc_macro2::TokenStream;
use quote::quote;

use crate::emit::helpers::{
    Source, emit_endpoints, emit_query_struct, headers_struct, method_doc, request_expr, type_path,
    unknown_value,
};
use crate::idents::ident;
use crate::model::{Answer, Method, Service};
use crate::types::paths::Paths;

/// A service module (`mod.rs`): the client struct, its methods, their query structs.
pub fn emit_service(service: &Service, has_wire: bool) -> TokenStream {
    let locals = std::iter::once(service.client.clone()).chain(
        service
            .methods
            .iter()
            .filter(|m| !m.query.is_empty())
            .map(Method::query_struct),
    );
    let paths = Paths::new(locals);
    let client = ident(&service.client);
    let doc = format!(
        "The {} calls of Rucio's REST API.\n\nMade from a [`RucioClient`] (or \
         [`Rucio`](crate::Rucio)); cheap to clone, and clones share the client's token.",
        service.plain_title
    );
    let methods: Vec<TokenStream> = service
        .methods
        .iter()
        .map(|m| emit_method(&paths, service, m))
        .collect();
    let queries: Vec<TokenStream> = service
        .methods
        .iter()
        .filter(|m| !m.query.is_empty())
        .map(|m| emit_query_struct(&paths, service, m))
        .collect();
    let header_structs: Vec<TokenStream> = service
        .methods
        .iter()
        .filter(|m| m.headers.iter().any(|h| !h.required))
        .map(|m| emit_headers_struct(service, m))
        .collect();
    let imports = paths.imports();
    let rucio_imports = quote!(
        use crate::runtime::RucioClient;
    );
    // The core client's service name: every group is one Rucio server.
    let endpoints = emit_endpoints(service, "rucio");
    let wire = has_wire.then(|| {
        quote!(
            mod wire;
        )
    });
    quote! {
        pub mod types;
        #wire

        #imports
        #rucio_imports

        #[doc = #doc]
        #[derive(Clone, Debug)]
        pub struct #client {
            client: RucioClient,
        }

        impl #client {
            #[doc = "The calls of this group through `client`."]
            pub fn new(client: &RucioClient) -> Self {
                Self { client: client.clone() }
            }

            #(#methods)*
        }

        #(#queries)*

        #(#header_structs)*

        #endpoints
    }
}

fn emit_headers_struct(service: &Service, method: &Method) -> TokenStream {
    let name = ident(&headers_struct(method));
    let doc = format!(
        "Optional headers of [`{}::{}`]: start from `default()` and set what you need with the \
         `with_*` methods.",
        service.client, method.function
    );
    let optional: Vec<_> = method.headers.iter().filter(|h| !h.required).collect();
    let fields = optional.iter().map(|h| {
        let field = ident(&h.ident);
        let doc = format!("The `{}` header. {}", h.name, h.description.trim());
        quote! {
            #[doc = #doc]
            pub #field: Option<String>,
        }
    });
    let setters = optional.iter().map(|h| {
        let field = ident(&h.ident);
        let setter = quote::format_ident!("with_{}", h.ident.trim_end_matches('_'));
        let doc = format!("Sets [`{0}`](Self::{0}).", h.ident);
        quote! {
            #[doc = #doc]
            pub fn #setter(mut self, #field: impl Into<String>) -> Self {
                self.#field = Some(#field.into());
                self
            }
        }
    });
    quote! {
        #[doc = #doc]
        #[derive(Clone, Default, PartialEq)]
        #[non_exhaustive]
        pub struct #name {
            #(#fields)*
        }

        impl #name {
            #(#setters)*
        }

        // Headers may carry secrets (a password, a token): `Debug` shows none of them.
        impl std::fmt::Debug for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!(#name)).finish_non_exhaustive()
            }
        }
    }
}

fn emit_method(paths: &Paths, service: &Service, method: &Method) -> TokenStream {
    let function = ident(&method.function);
    let route: String = std::iter::once(String::new())
        .chain(method.path.iter().map(|p| match p {
            crate::model::PathPart::Literal(l) => l.clone(),
            crate::model::PathPart::Param(i) => format!("{{{}}}", method.args[*i].name),
        }))
        .collect::<Vec<_>>()
        .join("");
    let verb = method.http.uppercase();
    let mut doc = method_doc(method);
    doc.push_str(&format!("\n\n`{verb} /{route}`"));
    if !method.authenticated {
        doc.push_str(", sent without a token (it is how one gets one).");
    }
    if let Some(python) = &method.counterpart {
        doc.push_str(&format!("\n\nRucio's Python client: `{python}`."));
    }
    let headers_doc: Vec<String> = method
        .headers
        .iter()
        .map(|h| {
            let place = if h.required { "" } else { "headers." };
            let mut line = format!("- `{place}{}`: the `{}` header", h.ident, h.name);
            if !h.description.trim().is_empty() {
                line.push_str(&format!(": {}", h.description.trim()));
            }
            line
        })
        .collect();
    if !headers_doc.is_empty() {
        doc.push_str("\n\n# Headers\n\n");
        doc.push_str(&headers_doc.join("\n"));
    }
    // The name by rule (the path form) where Rucio's client's name replaced it.
    let aliases = &method.aliases;
    let alias = quote!(#(#[doc(alias = #aliases)])*);
    let args = method.args.iter().map(|a| {
        let name = ident(&a.ident);
        quote!(#name: &str)
    });
    let header_args = method.headers.iter().filter(|h| h.required).map(|h| {
        let name = ident(&h.ident);
        quote!(#name: &str)
    });
    let optional_arg = method.headers.iter().any(|h| !h.required).then(|| {
        let ty = ident(&headers_struct(method));
        quote!(headers: &#ty,)
    });
    let query_arg = (!method.query.is_empty()).then(|| {
        let ty = ident(&method.query_struct());
        quote!(query: &#ty,)
    });
    let payload_arg = method.input.map(|ty| {
        let ty = type_path(service, ty);
        quote!(payload: &#ty,)
    });
    let request = request_expr(paths, method);
    let required_headers = method.headers.iter().filter(|h| h.required).map(|h| {
        let (name, arg) = (&h.name, ident(&h.ident));
        quote!(.header(#name, #arg))
    });
    let optional_headers: Vec<TokenStream> = method
        .headers
        .iter()
        .filter(|h| !h.required)
        .map(|h| {
            let (name, arg) = (&h.name, ident(&h.ident));
            quote! {
                if let Some(value) = &headers.#arg {
                    request = request.header(#name, value);
                }
            }
        })
        .collect();
    let body = method.input.as_ref().map(|_| quote!(.json(payload)));
    let anonymous = (!method.authenticated).then(|| quote!(.without_auth()));
    let binding = if optional_headers.is_empty() {
        quote!(let request)
    } else {
        quote!(let mut request)
    };
    let build = quote! {
        #binding = #request #(#required_headers)* #body #anonymous;
        #(#optional_headers)*
    };
    let call = paths.get(crate::types::paths::Item::Call);
    let signature_args =
        quote!(&self, #(#args,)* #(#header_args,)* #optional_arg #query_arg #payload_arg);
    let (output, finish) = match (method.answer, method.output) {
        (Answer::Stream, Some(ty)) => {
            let ty = type_path(service, ty);
            (quote!(Vec<#ty>), quote!(call()))
        }
        (Answer::Location, _) => (quote!(String), quote!(call_location())),
        (Answer::Text, _) => (quote!(String), quote!(call_text())),
        (_, Some(ty)) => (type_path(service, ty), quote!(call())),
        (_, None) => (quote!(()), quote!(call_empty())),
    };
    quote! {
        #[doc = #doc]
        #alias
        pub fn #function(#signature_args) -> #call<#output> {
            #build
            request.#finish
        }
    }
}

/// The names the crate's root defines or re-exports, which a group's client must not take.
pub const ROOT_ITEMS: &[&str] = &[
    "Auth",
    "AuthToken",
    "Call",
    "Error",
    "ErrorKind",
    "MissingFields",
    "Result",
    "Rucio",
    "RucioClient",
    "RucioConfig",
    "RucioStream",
    "SshKey",
    "StreamExt",
    "UnknownValue",
];

/// The crate's `lib.rs`: re-exports, one module per service, and `Rucio` with an accessor
/// per service.
/// With `transfer`, the crate has `src/transfer.rs` (downloads and uploads, see
/// [`rucio_transfers`](crate::emit::rucio_transfers)).
pub fn emit_lib(services: &[Service], source: &Source, transfer: bool) -> TokenStream {
    let transfer = transfer.then(|| {
        quote! {
            #[doc = "Downloads and uploads of data: [`Rucio::download`], [`Rucio::upload`] (`rucio download`, `rucio upload`)."]
            pub mod transfer;
        }
    });
    let modules = services.iter().map(|s| {
        let module = ident(&s.module);
        let doc = format!("{} (`{}`).", s.plain_title, s.name);
        quote! {
            #[doc = #doc]
            pub mod #module;
        }
    });
    let accessors = services.iter().map(|s| {
        let module = ident(&s.module);
        let client = ident(&s.client);
        let doc = format!("The {} calls.", s.plain_title);
        quote! {
            #[doc = #doc]
            pub fn #module(&self) -> #module::#client {
                #module::#client::new(&self.client)
            }
        }
    });
    let source = source.emit();
    let unknown = unknown_value("rucio_client");
    quote! {
        // Every public item is documented, the generated ones included: a regression fails the
        // build under `-D warnings`.
        #![warn(missing_docs)]

        #source

        #unknown

        pub use rucio_runtime::{Auth, AuthToken, Call, Error, ErrorKind, MissingFields, Result, RucioClient, RucioConfig, RucioStream, SshKey, StreamExt};
        #[doc = "The Rucio family's runtime (over the runtime core): configuration, login, the fake."]
        pub use rucio_runtime as runtime;
        pub use chrono;
        pub use serde_json;

        #(#modules)*

        #transfer

        #[doc = "A Rucio server: every group of calls from one client (and its token)."]
        #[derive(Clone, Debug)]
        pub struct Rucio {
            client: RucioClient,
        }

        impl Rucio {
            #[doc = "A client for the server `config` names."]
            pub fn new(config: &RucioConfig) -> Result<Self> {
                Ok(Self { client: RucioClient::new(config)? })
            }

            #[doc = "A client configured from `RUCIO_HOST`, `RUCIO_ACCOUNT`, … and the `[client]` \
                     section of the `rucio.cfg` that `RUCIO_CONFIG` names."]
            pub fn from_env() -> Result<Self> {
                Self::new(&RucioConfig::from_env()?)
            }

            #[doc = "The client the calls go through."]
            pub fn client(&self) -> &RucioClient {
                &self.client
            }

            #(#accessors)*
        }
    }
}

/// The crate docs of the Rucio crate.
pub fn lib_docs(services: &[Service]) -> String {
    let mut doc = String::from(
        "A typed client for Rucio's REST API, generated by `cargo xtask generate` from Rucio's \
         OpenAPI description (`references/rucio/`), repaired by rule \
         (`codegen/src/openapi/repairs.rs`).\n\n\
         ```no_run\n\
         # async fn demo() -> rucio_client::Result<()> {\n\
         use rucio_client::{Rucio, StreamExt};\n\n\
         // RUCIO_HOST, RUCIO_ACCOUNT, and the [client] section of $RUCIO_CONFIG.\n\
         let rucio = Rucio::from_env()?;\n\
         let me = rucio.account().get_account(\"root\").await?;\n\
         // Calls that answer newline-delimited JSON are streams; filters are typed.\n\
         let query = rucio_client::account::ListAccountsQuery::default().with_account_type(\"USER\");\n\
         let mut accounts = rucio.account().list_accounts(&query).stream();\n\
         while let Some(account) = accounts.next().await {\n    println!(\"{:?}\", account?);\n}\n\
         # let _ = me; Ok(()) }\n\
         ```\n\n\
         Logging in is the client's: it logs in when it first needs a token (userpass or \
         x509), sends it as `X-Rucio-Auth-Token`, renews it before it expires, and logs in again \
         once if the server refuses it. Errors carry Rucio's `ExceptionClass` as \
         [`Error::code`] and its `ExceptionMessage` as [`Error::message`]. List calls that \
         answer newline-delimited JSON are [`Call`]s of a `Vec`: `.await` for all the items, or \
         `.stream()` for each as it arrives. Every method has an endpoint for the in-process \
         fake (`runtime::fake`), as the Taskcluster crate's do. Types keep unknown \
         fields and enum values, as the Taskcluster crate's do.\n\n\
         Data moves with [`Rucio::download`] and [`Rucio::upload`] (module `transfer`, as \
         `rucio download` and `rucio upload`): posix and WebDAV storage, adler32 and md5 \
         verified, replicas registered and attached.\n\n\
         | Module | Group | Calls |\n|---|---|---|\n",
    );
    for s in services {
        doc.push_str(&format!(
            "| [`{m}`] | {} | {} |\n",
            s.plain_title,
            s.methods.len(),
            m = s.module
        ));
    }
    doc
}

/// The crate's `Cargo.toml`.
pub fn cargo_toml() -> String {
    "# @generated by `cargo xtask generate` from `references/rucio/`. Do not edit by hand.\n\
     [package]\n\
     name = \"rucio-client\"\n\
     version = \"0.1.0\"\n\
     description = \"A typed client for Rucio's REST API.\"\n\
     edition.workspace = true\n\
     rust-version.workspace = true\n\
     license.workspace = true\n\
     publish.workspace = true\n\
     \n\
     [features]\n\
     # For tests: `runtime::fake::Fixture` for every type (placeholders to answer a fake with).\n\
     fixtures = []\n\
     \n\
     [dependencies]\n\
     chrono.workspace = true\n\
     serde.workspace = true\n\
     serde_json.workspace = true\n\
     rucio-runtime.workspace = true\n\
     \n\
     [dev-dependencies]\n\
     rucio-client = { path = \".\", features = [\"fixtures\"] }\n\
     tc-testkit.workspace = true\n\
     tempfile.workspace = true\n\
     tokio.workspace = true\n\
     \n\
     # The rendered docs show the fixtures too.\n\
     [package.metadata.docs.rs]\n\
     all-features = true\n"
        .to_owned()
}
