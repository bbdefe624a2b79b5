//! Stage 5: emit a service's client struct, its methods and their query structs.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::model::{Method, PathPart, QueryKind, ScopeExpr, Service, Stability};
use crate::types::emit_types::TypeWriter;
use crate::types::paging::Paging;
use crate::types::paths::{Item, Paths};
use crate::types::typedefs::TypeDef;

/// The service module: client struct, methods, query structs; types live in `types`.
pub fn emit_client(
    service: &Service,
    defs: &[TypeDef],
    has_wire: bool,
    has_scopes: bool,
    has_events: bool,
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
    let version = &service.api_version;
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
            let call = emit_method(&paths, m);
            // Methods whose output cannot be paged are not streamed (see `paging`).
            let stream = match crate::types::paging::paging(m, defs) {
                Ok(Some(paging)) => emit_stream(&writer, m, &paging),
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
    let transfers = crate::emit::transfers::emit_transfers(&paths, service);
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

            #transfers
        }

        #(#query_structs)*

        #endpoints
    }
}

/// `pub mod endpoints`: every method as a [`Endpoint`](crate::runtime::fake::Endpoint) of the
/// fake's `service_name`, for tests; a streamed answer is a `Vec` of its items.
pub(crate) fn emit_endpoints(service: &Service, service_name: &str) -> TokenStream {
    let consts = service.methods.iter().map(|m| {
        let name = ident(&m.function.to_uppercase());
        let input = m.input.as_ref().map_or(quote!(()), |ty| {
            let ty = ident(ty);
            quote!(types::#ty)
        });
        let output = match (&m.output, m.answer) {
            (Some(ty), crate::model::Answer::Stream) => {
                let ty = ident(ty);
                quote!(Vec<types::#ty>)
            }
            (Some(ty), _) => {
                let ty = ident(ty);
                quote!(types::#ty)
            }
            (None, crate::model::Answer::Text | crate::model::Answer::Location) => quote!(String),
            (None, _) => quote!(()),
        };
        let method = m.http.uppercase();
        let route: String = m
            .path
            .iter()
            .map(|p| match p {
                PathPart::Literal(text) => text.clone(),
                PathPart::Param(i) => format!("<{}>", m.args[*i].name),
            })
            .collect();
        let doc = format!("[`{0}::{1}`](super::{0}::{1}).", service.client, m.function);
        quote! {
            #[doc = #doc]
            pub const #name: Endpoint<#input, #output> = Endpoint::new(#service_name, #method, #route);
        }
    });
    let doc = format!(
        "The methods of the {} as [endpoints](crate::runtime::fake::Endpoint), to answer them with a \
         [`Fake`](crate::runtime::fake::Fake) in tests.",
        service.title
    );
    let typed = service
        .methods
        .iter()
        .any(|m| m.input.is_some() || m.output.is_some());
    let types = typed.then(|| {
        quote!(
            use super::types;
        )
    });
    quote! {
        #[doc = #doc]
        pub mod endpoints {
            #types
            use crate::runtime::fake::Endpoint;

            #(#consts)*
        }
    }
}

fn emit_method(paths: &Paths, method: &Method) -> TokenStream {
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
    let payload_arg = method.input.as_ref().map(|ty| {
        let ty = ident(ty);
        quote!(payload: &types::#ty,)
    });
    let (output, call) = match &method.output {
        Some(ty) => {
            let ty = ident(ty);
            (quote!(types::#ty), quote!(.call()))
        }
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
fn emit_stream(w: &TypeWriter<'_>, method: &Method, paging: &Paging) -> TokenStream {
    let stream_fn = ident(method.stream_function.as_deref().unwrap_or_default());
    let item = w.ty(&paging.item);
    let page = ident(method.output.as_deref().unwrap_or_default());
    let (stream, result, pages) = (
        w.paths.get(Item::Stream),
        w.paths.get(Item::RuntimeResult),
        w.paths.get(Item::Pages),
    );
    let args: Vec<Ident> = method.args.iter().map(|a| ident(&a.ident)).collect();
    let query_ty = ident(&method.query_struct());
    let payload = method.input.as_ref().map(|ty| {
        let ty = ident(ty);
        quote!(payload: &types::#ty,)
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
                |page: types::#page| (#items, #token),
            )
        }
    }
}

/// `self.client.request(Method::GET, format!(..)).name("task").query(..)..`
pub(crate) fn request_expr(paths: &Paths, method: &Method) -> TokenStream {
    let http = ident(method.http.uppercase());
    let mut template = String::new();
    let mut params = Vec::new();
    for part in &method.path {
        match part {
            PathPart::Literal(text) => {
                template.push_str(&text.replace('{', "{{").replace('}', "}}"))
            }
            PathPart::Param(i) => {
                template.push_str("{}");
                let arg = ident(&method.args[*i].ident);
                let escape = paths.get(Item::Escape);
                params.push(quote!(#escape(#arg)));
            }
        }
    }
    let path = if params.is_empty() {
        let string = paths.get(Item::String);
        quote!(#string::from(#template))
    } else {
        quote!(format!(#template, #(#params),*))
    };
    let query = method.query.iter().map(|q| {
        let name = &q.name;
        let field = ident(&q.ident);
        match q.kind {
            QueryKind::String => quote!(.query(#name, query.#field.as_deref())),
            QueryKind::Integer | QueryKind::Boolean => quote!(.query(#name, query.#field)),
            QueryKind::Pairs => quote!(.query_pairs(&query.#field)),
        }
    });
    let http_method = paths.get(Item::Method);
    // The reference's name, for the call's span (`tc.method`).
    let name = &method.name;
    quote! {
        self.client.request(#http_method::#http, #path).name(#name) #(#query)*
    }
}

pub(crate) fn emit_query_struct(paths: &Paths, service: &Service, method: &Method) -> TokenStream {
    let string = paths.get(Item::String);
    let option = paths.get(Item::Option);
    let name = ident(&method.query_struct());
    let doc = format!(
        "Query-string parameters of [`{}::{}`]; every one is optional: start from `default()` \
         and set what you need with the `with_*` methods.",
        service.client, method.function
    );
    let ty = |q: &crate::model::QueryParam| match q.kind {
        QueryKind::String => string.clone(),
        QueryKind::Integer => quote!(u32),
        QueryKind::Boolean => quote!(bool),
        QueryKind::Pairs => quote!((#string, #string)),
    };
    let fields = method.query.iter().map(|q| {
        let field = ident(&q.ident);
        let ty = ty(q);
        let mut doc = match q.kind {
            QueryKind::Pairs => "Each `key=value` pair in the query string.".to_owned(),
            _ => format!("`{}` in the query string.", q.name),
        };
        if !q.description.trim().is_empty() {
            doc.push(' ');
            doc.push_str(q.description.trim());
        }
        match q.kind {
            QueryKind::Pairs => quote! {
                #[doc = #doc]
                pub #field: Vec<#ty>,
            },
            _ => quote! {
                #[doc = #doc]
                pub #field: #option<#ty>,
            },
        }
    });
    let setters = method.query.iter().map(|q| {
        let field = ident(&q.ident);
        let bare = q.ident.trim_end_matches('_');
        if q.kind == QueryKind::Pairs {
            let setter = quote::format_ident!("with_{}", bare.strip_suffix('s').unwrap_or(bare));
            let doc = format!("Adds a pair to [`{}`](Self::{}).", q.ident, q.ident);
            return quote! {
                #[doc = #doc]
                pub fn #setter(mut self, key: impl Into<#string>, value: impl Into<#string>) -> Self {
                    self.#field.push((key.into(), value.into()));
                    self
                }
            };
        }
        let setter = quote::format_ident!("with_{bare}");
        let doc = format!("Sets [`{}`](Self::{}).", q.ident, q.ident);
        let (param, value) = match q.kind {
            QueryKind::String => (quote!(impl Into<#string>), quote!(#field.into())),
            _ => (ty(q), quote!(#field)),
        };
        quote! {
            #[doc = #doc]
            pub fn #setter(mut self, #field: #param) -> Self {
                self.#field = Some(#value);
                self
            }
        }
    });
    quote! {
        #[doc = #doc]
        #[derive(Clone, Debug, Default, PartialEq)]
        #[non_exhaustive]
        pub struct #name {
            #(#fields)*
        }

        impl #name {
            #(#setters)*
        }
    }
}

pub(crate) fn method_doc(method: &Method) -> String {
    let mut doc = format!("{}\n\n{}", method.title.trim(), method.description.trim());
    match method.stability {
        Stability::Experimental => doc
            .push_str("\n\n**Experimental**: this method may change or be removed without notice."),
        Stability::Deprecated => {
            doc.push_str("\n\n**Deprecated** in the Taskcluster API reference.")
        }
        Stability::Stable => {}
    }
    if let Some(scopes) = &method.scopes {
        doc.push_str("\n\n# Required scopes\n\n");
        match scopes {
            ScopeExpr::Scope(s) => doc.push_str(&format!("`{s}`")),
            other => render_scopes(other, 0, &mut doc),
        }
        doc.push_str(&format!(
            "\n\n[`required_scopes::{}`] renders them for given arguments.",
            method.function
        ));
    }
    doc
}

/// Renders a scope expression as a nested markdown list.
pub(crate) fn render_scopes(expr: &ScopeExpr, depth: usize, out: &mut String) {
    let indent = "  ".repeat(depth);
    match expr {
        ScopeExpr::Scope(s) => out.push_str(&format!("`{s}`")),
        ScopeExpr::AllOf(items) | ScopeExpr::AnyOf(items) => {
            let label = if matches!(expr, ScopeExpr::AllOf(_)) {
                "All of:"
            } else {
                "Any of:"
            };
            out.push_str(label);
            for item in items {
                out.push_str(&format!("\n{indent}- "));
                render_scopes(item, depth + 1, out);
            }
        }
        ScopeExpr::If {
            condition,
            then,
            otherwise,
        } => {
            out.push_str(&format!("If `{condition}`:\n{indent}- "));
            render_scopes(then, depth + 1, out);
            if let Some(otherwise) = otherwise {
                out.push_str(&format!("\n\n{indent}Otherwise:\n{indent}- "));
                render_scopes(otherwise, depth + 1, out);
            }
        }
        ScopeExpr::ForEach {
            variable,
            collection,
            each,
        } => out.push_str(&format!(
            "For each `{variable}` in `{collection}`: `{each}`"
        )),
    }
}

fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_scopes_render_as_lists() {
        let expr = ScopeExpr::AllOf(vec![
            ScopeExpr::Scope("a:<x>".into()),
            ScopeExpr::AnyOf(vec![
                ScopeExpr::Scope("b".into()),
                ScopeExpr::Scope("c".into()),
            ]),
        ]);
        let mut out = String::new();
        render_scopes(&expr, 0, &mut out);
        assert_eq!(out, "All of:\n- `a:<x>`\n- Any of:\n  - `b`\n  - `c`");
    }
}
