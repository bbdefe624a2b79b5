//! Stage 5: emit a service's client struct, its methods and their query structs.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use crate::emit::helpers::{
    emit_endpoints, emit_query_struct, method_doc, request_expr, type_path,
};
use crate::idents::ident;
use crate::model::{Method, Service, Stability};
use crate::types::emit_types::TypeWriter;
use crate::types::paging::Paging;
use crate::types::paths::{Item, Paths};
use crate::types::typedefs::TypeDef;

/// The service module: client struct, methods, query structs; types live in `types`.
/// `extra_methods` adds hand-designed methods to the client and items to the module (the
/// transfers and their seam, which the pipeline passes in so that emitters never call each
/// other), written with the module's paths.
pub fn emit_client(
    service: &Service,
    defs: &[TypeDef],
    has_wire: bool,
    has_scopes: bool,
    has_events: bool,
    transfers_gate: Option<TokenStream>,
) -> TokenStream {
    // What the module defines itself, which plain names from elsewhere must not shadow.
    let locals = std::iter::once(service.client.clone()).chain(
        service
            .methods
            .iter()
            .filter(|m| !m.query.is_empty())
            .map(Method::query_struct),
    );
    let paths = Paths::new(locals);
    let client = ident(&service.client);
    let name = &service.name;
    // Taskcluster's front end gives every service the version its URLs carry.
    let version = service
        .api_version
        .as_deref()
        .expect("a Taskcluster service has an API version");
    let struct_doc = format!(
        "Client for the {} (`{name}/{version}`).\n\nBuild it once from a \
         [configuration](crate::ClientConfig) and share it; it is cheap to clone. Each method \
         returns a [call](crate::Call): `.await` it for the result, or take its `url()` or \
         `signed_url(ttl)`.",
        service.title
    );
    let writer = TypeWriter {
        paths: &paths,
        prefix: Some(quote!(types)),
        kinds: defs.iter().map(|d| (d.name.as_str(), &d.kind)).collect(),
    };
    let methods: Vec<TokenStream> = service
        .methods
        .iter()
        .map(|m| {
            let call = emit_method(&paths, service, m);
            // Methods whose output cannot be paged are not streamed (see `paging`).
            let stream = match crate::types::paging::paging(service, m, defs) {
                Ok(Some(paging)) => emit_stream(&writer, service, m, &paging),
                _ => quote!(),
            };
            quote!(#call #stream)
        })
        .collect();
    let query_structs: Vec<TokenStream> = service
        .methods
        .iter()
        .filter(|m| !m.query.is_empty())
        .map(|m| emit_query_struct(&paths, service, m))
        .collect();
    let endpoints = emit_endpoints(service, &service.name);
    let runtime_client = paths.get(Item::Client);
    let config = paths.get(Item::ClientConfig);
    let imports = paths.imports();
    let wire = has_wire.then(|| {
        quote!(
            mod wire;
        )
    });
    let scopes = has_scopes.then(|| {
        quote!(
            pub mod required_scopes;
        )
    });
    // The transfers' module (`emit::transfers`) adds methods to the client, with its feature.
    let transfers = transfers_gate.map(|gate| {
        quote!(
            #gate
            mod transfers;
        )
    });
    let events = has_events.then(|| {
        quote!(
            #[cfg(feature = "events")]
            pub mod events;
        )
    });
    quote! {
        pub mod types;
        #events
        #scopes
        #wire
        #transfers

        #imports

        #[doc = #struct_doc]
        #[derive(Clone, Debug)]
        pub struct #client {
            client: #runtime_client,
        }

        impl #client {
            #[doc = "Creates a client for this service from `config`."]
            pub fn new(config: &#config) -> Self {
                Self { client: #runtime_client::new(config, #name, #version) }
            }

            #(#methods)*
        }

        #(#query_structs)*

        #endpoints
    }
}

fn emit_method(paths: &Paths, service: &Service, method: &Method) -> TokenStream {
    let function = ident(&method.function);
    let alias = (method.name != method.function).then(|| {
        let alias = &method.name;
        quote!(#[doc(alias = #alias)])
    });
    let doc = method_doc(method);
    let deprecated = (method.stability == Stability::Deprecated)
        .then(|| quote!(#[deprecated(note = "deprecated in the Taskcluster API reference")]));
    let args = method.args.iter().map(|a| {
        let name = ident(&a.ident);
        quote!(#name: &str)
    });
    let call_ty = paths.get(Item::Call);
    let query_arg = (!method.query.is_empty()).then(|| {
        let ty = ident(&method.query_struct());
        quote!(query: &#ty,)
    });
    let payload_arg = method.input.map(|ty| {
        let ty = type_path(service, ty);
        quote!(payload: &#ty,)
    });
    let (output, call) = match method.output {
        Some(ty) => (type_path(service, ty), quote!(.call())),
        None => (quote!(()), quote!(.call_empty())),
    };
    let body = method.input.as_ref().map(|_| quote!(.json(payload)));
    let request = request_expr(paths, method);
    quote! {
        #[doc = #doc]
        #alias
        #deprecated
        pub fn #function(&self, #(#args,)* #query_arg #payload_arg) -> #call_ty<#output> {
            #request #body #call
        }
    }
}

/// `<method>_stream`: every item of a paginated method.
fn emit_stream(
    w: &TypeWriter<'_>,
    service: &Service,
    method: &Method,
    paging: &Paging,
) -> TokenStream {
    let stream_fn = ident(method.stream_function.as_deref().unwrap_or_default());
    let item = w.ty(&paging.item);
    let page = type_path(service, method.output.expect("a page is an answer"));
    let (stream, result, pages) = (
        w.paths.get(Item::Stream),
        w.paths.get(Item::RuntimeResult),
        w.paths.get(Item::Pages),
    );
    let args: Vec<Ident> = method.args.iter().map(|a| ident(&a.ident)).collect();
    let query_ty = ident(&method.query_struct());
    let payload = method.input.map(|ty| {
        let ty = type_path(service, ty);
        quote!(payload: &#ty,)
    });
    let clone_payload = payload
        .is_some()
        .then(|| quote!(let payload = payload.clone();));
    let body = payload.is_some().then(|| quote!(.json(&payload)));
    // The request itself rather than a call of the method, which may be deprecated.
    let request = request_expr(w.paths, method);
    let items_field = ident(&paging.items_field);
    let items = if paging.items_optional {
        quote!(page.#items_field.unwrap_or_default())
    } else {
        quote!(page.#items_field)
    };
    let token_field = ident(&paging.token_field);
    let token = if paging.token_optional {
        quote!(page.#token_field)
    } else {
        quote!(Some(page.#token_field))
    };
    let has_limit = method.query.iter().any(|q| q.name == "limit");
    let doc = format!(
        "Every item of [`Self::{}`], page after page: the calls follow the continuation tokens \
         until the last page{}. Each call is retried as any call is; an error that remains is \
         the stream's last item.",
        method.function,
        if has_limit {
            "; `query.limit` sets the page size"
        } else {
            ""
        }
    );
    let deprecated = (method.stability == Stability::Deprecated)
        .then(|| quote!(#[deprecated(note = "deprecated in the Taskcluster API reference")]));
    quote! {
        #[doc = #doc]
        #deprecated
        pub fn #stream_fn<'a>(
            &'a self,
            #(#args: &str,)*
            query: &#query_ty,
            #payload
        ) -> impl #stream<Item = #result<#item>> + Send + Unpin + use<'a> {
            #(let #args = #args.to_owned();)*
            #clone_payload
            let mut query = query.clone();
            #pages(
                move |token| {
                    query.continuation_token = token;
                    let query = &query;
                    #(let #args = #args.as_str();)*
                    #request #body .call()
                },
                |page: #page| (#items, #token),
            )
        }
    }
}
