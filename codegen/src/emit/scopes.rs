//! Stage 5c: a service's `required_scopes.rs`: per method with a scope template, a function
//! that takes what the call takes (its route parameters, and its body or query where the template
//! reads them) and gives the concrete scope expression the call needs, rendered by
//! `tc_runtime::scopes::Template` as the service renders it.

use proc_macro2::TokenStream;
use quote::quote;

use crate::emit::helpers::type_path;
use crate::idents::{Claimed, ident, snake};
use crate::model::scope_params::{Kind, Rule, derived, rules, template_params};
use crate::model::{Method, ScopeExpr, Service};
use crate::types::typedefs::{Kind as TypeKind, TypeDef};

/// The items of `required_scopes.rs`, or nothing when no method has scopes.
pub fn emit_required_scopes(service: &Service, defs: &[TypeDef]) -> TokenStream {
    let functions: Vec<TokenStream> = service
        .methods
        .iter()
        .filter_map(|m| Some(emit_function(service, m, m.scopes.as_ref()?, defs)))
        .collect();
    if functions.is_empty() {
        return quote!();
    }
    let uses_types = service.methods.iter().any(|m| {
        m.scopes.is_some() && needs_body(service, m, m.scopes.as_ref().expect("some"), defs)
    });
    let types = uses_types.then(|| {
        quote!(
            use super::types;
        )
    });
    let derive = service
        .methods
        .iter()
        .any(|m| m.scopes.is_some() && rules(&service.name, &m.name).iter().any(needs_derive))
        .then(|| {
            quote!(
                use crate::runtime::scopes::derive;
            )
        });
    quote! {
        #types
        #derive
        use crate::runtime::scopes::{Params, RenderError, ScopeExpr, Template};

        #(#functions)*
    }
}

fn needs_derive(rule: &Rule) -> bool {
    matches!(
        rule,
        Rule::Derive { .. } | Rule::BodyKeys { .. } | Rule::BodyMember { .. }
    )
}

/// The top-level members of a method's body, by JSON name, with their schema defaults.
fn body_members<'a>(
    service: &Service,
    method: &Method,
    defs: &'a [TypeDef],
) -> Vec<&'a crate::types::typedefs::Field> {
    let Some(input) = method.input else {
        return Vec::new();
    };
    let input = service.type_name(input);
    let Some(def) = defs.iter().find(|d| d.name == input) else {
        return Vec::new();
    };
    match &def.kind {
        TypeKind::Struct(s) => s.fields.iter().collect(),
        TypeKind::Union(u) => u
            .variants
            .iter()
            .filter_map(|v| match &v.ty {
                crate::types::typedefs::Ty::Named(n) => defs.iter().find(|d| &d.name == n),
                _ => None,
            })
            .filter_map(|d| match &d.kind {
                TypeKind::Struct(s) => Some(s.fields.iter()),
                _ => None,
            })
            .flatten()
            .collect(),
        _ => Vec::new(),
    }
}

/// Where a template parameter comes from.
enum Source {
    Route,
    Query(usize),
    Body,
    Derived,
    /// Not in the request: the caller passes it.
    Argument,
}

fn sources(
    service: &Service,
    method: &Method,
    template: &ScopeExpr,
    defs: &[TypeDef],
) -> Vec<(String, Kind, Source)> {
    let derived = derived(&service.name, &method.name);
    let members = body_members(service, method, defs);
    template_params(template)
        .into_iter()
        .map(|(name, kind)| {
            let source = if derived.contains(name.as_str()) {
                Source::Derived
            } else if method.args.iter().any(|a| a.name == name) {
                Source::Route
            } else if let Some(i) = method.query.iter().position(|q| q.name == name) {
                Source::Query(i)
            } else if members.iter().any(|f| f.json == name) {
                Source::Body
            } else {
                Source::Argument
            };
            (name, kind, source)
        })
        .collect()
}

fn needs_body(service: &Service, method: &Method, template: &ScopeExpr, defs: &[TypeDef]) -> bool {
    method.input.is_some()
        && (sources(service, method, template, defs)
            .iter()
            .any(|(_, _, s)| matches!(s, Source::Body))
            || rules(&service.name, &method.name)
                .iter()
                .any(Rule::reads_body))
}

fn emit_function(
    service: &Service,
    method: &Method,
    template: &ScopeExpr,
    defs: &[TypeDef],
) -> TokenStream {
    let function = ident(&method.function);
    let sources = sources(service, method, template, defs);
    let rules = rules(&service.name, &method.name);
    let body = needs_body(service, method, template, defs);

    // Every route parameter, as the service renders with them, in the call's order.
    let route: Vec<usize> = (0..method.args.len()).collect();
    let query = sources
        .iter()
        .any(|(_, _, s)| matches!(s, Source::Query(_)))
        || rules.iter().any(|r| matches!(r, Rule::QueryOr { .. }));

    let mut idents = Claimed::reserving(&["payload", "query", "params", "body"]);
    let mut params_decl = Vec::new();
    let mut sets = Vec::new();
    for &i in &route {
        let arg = &method.args[i];
        let name = ident(&idents.claim(&arg.ident));
        let json = &arg.name;
        params_decl.push(quote!(#name: &str));
        sets.push(quote!(params.set(#json, #name);));
    }
    if query {
        let ty = ident(&method.query_struct());
        params_decl.push(quote!(query: &super::#ty));
    }
    if let Some(input) = method.input.filter(|_| body) {
        let ty = type_path(service, input);
        params_decl.push(quote!(payload: &#ty));
    }
    let mut argument_docs = Vec::new();
    for (name, kind, source) in &sources {
        match source {
            Source::Query(i) => {
                let q = &method.query[*i];
                let field = ident(&q.ident);
                sets.push(quote! {
                    if let Some(value) = &query.#field {
                        params.set(#name, value.to_string());
                    }
                });
            }
            Source::Argument => {
                let arg = ident(&idents.claim(&snake(name)));
                let ty = match kind {
                    Kind::String => quote!(&str),
                    Kind::List => quote!(&[String]),
                    Kind::Bool => quote!(bool),
                };
                params_decl.push(quote!(#arg: #ty));
                let value = match kind {
                    Kind::List => quote!(#arg.to_vec()),
                    _ => quote!(#arg),
                };
                sets.push(quote!(params.set(#name, #value);));
                argument_docs.push(format!("`{arg}`"));
            }
            Source::Route | Source::Body | Source::Derived => {}
        }
    }
    // What the body schema says the service assumes when a member is left out.
    if body {
        for field in body_members(service, method, defs) {
            let used = sources
                .iter()
                .any(|(n, _, s)| *n == field.json && matches!(s, Source::Body));
            let Some(default) = field.default.as_ref().filter(|_| used) else {
                continue;
            };
            let json = &field.json;
            let value = match default {
                serde_json::Value::String(s) => quote!(#s),
                serde_json::Value::Bool(b) => quote!(#b),
                serde_json::Value::Array(items) if items.iter().all(|v| v.is_string()) => {
                    let items = items.iter().filter_map(|v| v.as_str());
                    quote!(vec![#(String::from(#items)),*])
                }
                serde_json::Value::Number(n) => {
                    let n = n.to_string();
                    quote!(#n)
                }
                _ => continue,
            };
            sets.push(quote!(params.set_default(#json, #value);));
        }
    }
    for rule in rules {
        sets.push(match rule {
            Rule::ListOfArg { param, from } => {
                let arg = arg_ident(method, from);
                quote!(params.set(#param, vec![#arg.to_owned()]);)
            }
            Rule::ArgEquals { param, from, value } => {
                let arg = arg_ident(method, from);
                quote!(params.set(#param, #arg == #value);)
            }
            Rule::BodyKeys { param } => quote!(params.set(#param, derive::member_names(&body));),
            Rule::BodyMember { param, from } => quote!(derive::copy(&mut params, #from, #param);),
            Rule::QueryOr { param, default } => {
                let field = method
                    .query
                    .iter()
                    .find(|q| q.name == *param)
                    .map(|q| ident(&q.ident));
                match field {
                    Some(field) => {
                        quote!(params.set(#param, query.#field.as_deref().unwrap_or(#default));)
                    }
                    None => quote!(params.set(#param, #default);),
                }
            }
            Rule::Derive { name, .. } => {
                let f = ident(name);
                quote!(derive::#f(&mut params, &body);)
            }
        });
    }
    let init = if body {
        let binding = if sets.is_empty() {
            quote!(params)
        } else {
            quote!(mut params)
        };
        quote! {
            let body = serde_json::to_value(payload).unwrap_or_default();
            let #binding = Params::from_object(&body);
        }
    } else if sets.is_empty() {
        quote!(let params = Params::new();)
    } else {
        quote!(let mut params = Params::new();)
    };
    let template = template_tokens(template);
    let mut doc = format!(
        "The scopes [`{c}::{f}`](super::{c}::{f}) needs, for these arguments: Taskcluster's \
         template rendered as the service renders it. Check them with \
         [`ScopeExpr::is_satisfied_by`] before calling.",
        c = service.client,
        f = method.function
    );
    if !argument_docs.is_empty() {
        doc.push_str(&format!(
            "\n\n{} {} not in the request: the service takes {} from its own records (the task, \
             the client, …), so pass what you know.",
            argument_docs.join(", "),
            if argument_docs.len() == 1 {
                "is"
            } else {
                "are"
            },
            if argument_docs.len() == 1 {
                "it"
            } else {
                "them"
            },
        ));
    }
    doc.push_str(
        "\n\nAn error says which parameter the template lacked, as the service would refuse the \
         call.",
    );
    quote! {
        #[doc = #doc]
        pub fn #function(#(#params_decl),*) -> Result<ScopeExpr, RenderError> {
            #init
            #(#sets)*
            #template.render(&params)
        }
    }
}

fn arg_ident(method: &Method, name: &str) -> proc_macro2::Ident {
    let arg = method
        .args
        .iter()
        .find(|a| a.name == name)
        .map_or_else(|| snake(name), |a| a.ident.clone());
    ident(&arg)
}

/// `Template::AllOf(vec![...])`, and so on, for a template.
fn template_tokens(t: &ScopeExpr) -> TokenStream {
    match t {
        ScopeExpr::Scope(s) => quote!(Template::Scope(#s.into())),
        ScopeExpr::AllOf(items) => {
            let items = items.iter().map(template_tokens);
            quote!(Template::AllOf(vec![#(#items),*]))
        }
        ScopeExpr::AnyOf(items) => {
            let items = items.iter().map(template_tokens);
            quote!(Template::AnyOf(vec![#(#items),*]))
        }
        ScopeExpr::ForEach {
            variable,
            collection,
            each,
        } => quote! {
            Template::ForEach {
                variable: #variable.into(),
                collection: #collection.into(),
                each: #each.into(),
            }
        },
        ScopeExpr::If {
            condition,
            then,
            otherwise,
        } => {
            let then = template_tokens(then);
            let otherwise = match otherwise {
                Some(o) => {
                    let o = template_tokens(o);
                    quote!(Some(Box::new(#o)))
                }
                None => quote!(None),
            };
            quote! {
                Template::If {
                    condition: #condition.into(),
                    then: Box::new(#then),
                    otherwise: #otherwise,
                }
            }
        }
    }
}
