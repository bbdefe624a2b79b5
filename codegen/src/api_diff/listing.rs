//! A compact listing of a service's public API in the generated crate: the client's methods with
//! their signatures, query structs, Pulse exchanges, and every type with its fields (their Rust
//! types), enum values and union variants. It is what a user's code depends on, in a form a
//! reviewer reads in minutes (`codegen/tests/snapshots/<service>.snap`); the generated code
//! itself is guarded by the staleness test. [`api_diff`](crate::api_diff) compares the same
//! model.

use std::fmt::Write as _;

use crate::model::{Answer, Method, PathPart, QueryKind, ScopeExpr, Service, Stability};
use crate::types::typedefs::{Field, Kind, Presence, Ty, TypeDef, UNKNOWN_FIELDS, UNKNOWN_VARIANT};

/// The listing of `service`, whose types are `defs` (from [`crate::types::typedefs::build`]).
pub fn service(service: &Service, defs: &[TypeDef]) -> String {
    let mut out = String::new();
    let exchanges = service.events.as_ref().map_or(0, |e| e.exchanges.len());
    let _ = writeln!(
        out,
        "service {}{}: module {}, client {}; {} methods, {} exchanges, {} types",
        service.name,
        // An OpenAPI service has no version of its own.
        service
            .api_version
            .as_ref()
            .map_or(String::new(), |v| format!(" ({v})")),
        service.module,
        service.client,
        service.methods.len(),
        exchanges,
        defs.len()
    );
    if !service.methods.is_empty() {
        let _ = writeln!(out, "\nimpl {} {{", service.client);
        for method in &service.methods {
            let _ = writeln!(out, "  {}", signature(service, method));
            let _ = writeln!(out, "    // {}", method_facts(method));
            if let Some(stream) = &method.stream_function {
                let item = crate::types::paging::paging(service, method, defs)
                    .ok()
                    .flatten()
                    .map(|p| rust_ty(&p.item));
                if let Some(item) = item {
                    let _ = writeln!(
                        out,
                        "  fn {stream}({}) -> Stream<Item = Result<{item}>>",
                        params(service, method, true).join(", ")
                    );
                }
            }
        }
        out.push_str("}\n");
        for method in service.methods.iter().filter(|m| !m.query.is_empty()) {
            let fields: Vec<String> = method
                .query
                .iter()
                .map(|q| format!("{}: {}", q.ident, query_ty(q.kind)))
                .collect();
            let _ = writeln!(
                out,
                "struct {} {{ {} }}",
                method.query_struct(),
                fields.join(", ")
            );
        }
        for method in service.methods.iter().filter(|m| has_headers_struct(m)) {
            let fields: Vec<String> = method
                .headers
                .iter()
                .filter(|h| !h.required)
                .map(|h| format!("{}: Option<String>", h.ident))
                .collect();
            let _ = writeln!(
                out,
                "struct {} {{ {} }}",
                headers_struct(method),
                fields.join(", ")
            );
        }
    }
    if let Some(events) = &service.events {
        let _ = writeln!(out, "\nexchanges ({}):", events.prefix);
        for e in &events.exchanges {
            let key: Vec<String> = e
                .routing_key
                .iter()
                .map(|k| match &k.constant {
                    Some(c) => format!("{c:?}"),
                    None => format!("{}{}", k.ident, if k.multiple_words { "#" } else { "" }),
                })
                .collect();
            let _ = writeln!(
                out,
                "  struct {} [{}] {{ {} }} -> {}",
                e.ident,
                e.exchange,
                key.join(", "),
                service.type_name(e.message)
            );
        }
    }
    if !defs.is_empty() {
        out.push_str("\ntypes:\n");
        for def in defs {
            out.push_str(&typedef(def));
        }
    }
    out
}

/// A type's entry: `struct Name { field: Type, .. }` with `new`'s arguments (`builder`'s
/// required fields for a type built by name), an enum's values, a
/// union's variants, an alias's target.
pub fn typedef(def: &TypeDef) -> String {
    let events = if def.events_only { " (events)" } else { "" };
    match &def.kind {
        Kind::Struct(s) => {
            let mut out = format!("  struct {}{events} {{\n", def.name);
            for field in &s.fields {
                let _ = writeln!(out, "    {}", field_line(field));
            }
            let _ = writeln!(out, "    {UNKNOWN_FIELDS}");
            let args: Vec<&str> = s
                .required
                .iter()
                .map(|&i| s.fields[i].ident.as_str())
                .collect();
            let build = if s.built_by_name() { "builder" } else { "new" };
            let _ = writeln!(out, "  }} {build}({})", args.join(", "));
            out
        }
        Kind::Enum(e) => {
            let values: Vec<String> = e
                .variants
                .iter()
                .map(|(variant, value)| {
                    if variant == value {
                        variant.clone()
                    } else {
                        format!("{variant} = {value:?}")
                    }
                })
                .collect();
            format!(
                "  enum {}{events} {{ {}, {UNKNOWN_VARIANT}(UnknownValue) }}\n",
                def.name,
                values.join(", ")
            )
        }
        Kind::Union(u) => {
            let variants: Vec<String> = u
                .variants
                .iter()
                .map(|v| match &v.tag_value {
                    Some(tag) => format!("{}({}) = {tag:?}", v.ident, rust_ty(&v.ty)),
                    None => format!("{}({})", v.ident, rust_ty(&v.ty)),
                })
                .collect();
            let tag = u
                .tag
                .as_ref()
                .map_or(String::new(), |t| format!(" tagged by {t:?}"));
            format!(
                "  union {}{events}{tag} {{ {}, {UNKNOWN_VARIANT}(Value) }}\n",
                def.name,
                variants.join(", ")
            )
        }
        Kind::Alias(ty) => format!("  type {}{events} = {}\n", def.name, rust_ty(ty)),
    }
}

/// `ident: Type` (`"json"` when the property is named otherwise).
fn field_line(field: &Field) -> String {
    let json = if field.json == field.ident {
        String::new()
    } else {
        format!(" ({:?})", field.json)
    };
    let constant = field
        .constant
        .as_ref()
        .map_or(String::new(), |c| format!(" = {c:?}"));
    format!("{}: {}{json}{constant}", field.ident, field_ty(field))
}

/// A field's declared Rust type.
pub fn field_ty(field: &Field) -> String {
    let ty = rust_ty(&field.ty);
    match field.presence {
        Presence::Required => ty,
        Presence::Optional | Presence::RequiredNullable => format!("Option<{ty}>"),
        Presence::OptionalNullable => format!("Option<Option<{ty}>>"),
    }
}

/// A type as Rust writes it (plain names: `String`, `Value`, `DateTime<Utc>`).
pub fn rust_ty(ty: &Ty) -> String {
    match ty {
        Ty::Named(n) => n.clone(),
        Ty::String => "String".into(),
        Ty::Bool => "bool".into(),
        Ty::I64 => "i64".into(),
        Ty::U64 => "u64".into(),
        Ty::F64 => "f64".into(),
        Ty::Number => "Number".into(),
        Ty::DateTime => "DateTime<Utc>".into(),
        Ty::Json => "Value".into(),
        Ty::Vec(t) => format!("Vec<{}>", rust_ty(t)),
        Ty::Map(t) => format!("BTreeMap<String, {}>", rust_ty(t)),
        Ty::Box(t) => format!("Box<{}>", rust_ty(t)),
        Ty::Nullable(t) => format!("Option<{}>", rust_ty(t)),
    }
}

/// A query parameter's field type.
pub fn query_ty(kind: QueryKind) -> &'static str {
    match kind {
        QueryKind::String => "Option<String>",
        QueryKind::Integer => "Option<u32>",
        QueryKind::Boolean => "Option<bool>",
        QueryKind::Pairs => "Vec<(String, String)>",
    }
}

fn has_headers_struct(method: &Method) -> bool {
    method.headers.iter().any(|h| !h.required)
}

/// The optional headers' struct of a method (Rucio's), as `emit_rucio` names it.
fn headers_struct(method: &Method) -> String {
    format!(
        "{}Headers",
        heck::ToUpperCamelCase::to_upper_camel_case(method.function.as_str())
    )
}

/// The parameters a method of `service` takes after `&self`; `stream`: its stream's (which
/// always takes the query).
fn params(service: &Service, method: &Method, stream: bool) -> Vec<String> {
    let mut params: Vec<String> = method
        .args
        .iter()
        .map(|a| format!("{}: &str", a.ident))
        .collect();
    params.extend(
        method
            .headers
            .iter()
            .filter(|h| h.required)
            .map(|h| format!("{}: &str", h.ident)),
    );
    if has_headers_struct(method) {
        params.push(format!("headers: &{}", headers_struct(method)));
    }
    if stream || !method.query.is_empty() {
        params.push(format!("query: &{}", method.query_struct()));
    }
    if let Some(input) = method.input {
        params.push(format!("payload: &{}", service.type_name(input)));
    }
    params
}

/// `fn create_task(task_id: &str, payload: &TaskDefinitionRequest) -> TaskStatusResponse`: a
/// method of `service`.
pub fn signature(service: &Service, method: &Method) -> String {
    let output = method.output.map_or("()", |t| service.type_name(t));
    // Compared rather than matched, so that this compiles whether or not the model has the
    // answers a newer front end adds (`Location`: a redirect's URL, a `String`).
    let output = if method.answer == Answer::Json {
        output.to_owned()
    } else if method.answer == Answer::Stream {
        format!("Stream<{output}>")
    } else if method.answer == Answer::Text {
        "String".to_owned()
    } else {
        format!("{:?}: String", method.answer)
    };
    let deprecated = if method.stability == Stability::Deprecated {
        "#[deprecated] "
    } else {
        ""
    };
    format!(
        "{deprecated}fn {}({}) -> {output}",
        method.function,
        params(service, method, false).join(", ")
    )
}

/// `GET /task/<taskId>`, as the reference writes routes.
pub fn route(method: &Method) -> String {
    let path: String = method
        .path
        .iter()
        .map(|p| match p {
            PathPart::Literal(text) => text.clone(),
            PathPart::Param(i) => format!("<{}>", method.args[*i].name),
        })
        .collect();
    format!("{} {path}", method.http.uppercase())
}

/// `createTask, PUT /task/<taskId>, experimental, scopes: ...`.
fn method_facts(method: &Method) -> String {
    let mut facts = vec![method.name.clone(), route(method)];
    match method.stability {
        Stability::Stable => {}
        Stability::Experimental => facts.push("experimental".into()),
        Stability::Deprecated => facts.push("deprecated".into()),
    }
    if !method.authenticated {
        facts.push("unauthenticated".into());
    }
    if let Some(scopes) = &method.scopes {
        facts.push(format!("scopes: {}", scope_expr(scopes)));
    }
    facts.join(", ")
}

/// A scope expression on one line: `all(a, any(b, c))`, `if <p> then .. else ..`, `for ..`.
pub fn scope_expr(expr: &ScopeExpr) -> String {
    match expr {
        ScopeExpr::Scope(s) => s.clone(),
        ScopeExpr::AllOf(items) => format!(
            "all({})",
            items.iter().map(scope_expr).collect::<Vec<_>>().join(", ")
        ),
        ScopeExpr::AnyOf(items) => format!(
            "any({})",
            items.iter().map(scope_expr).collect::<Vec<_>>().join(", ")
        ),
        ScopeExpr::If {
            condition,
            then,
            otherwise,
        } => match otherwise {
            Some(o) => format!(
                "if {condition} then {} else {}",
                scope_expr(then),
                scope_expr(o)
            ),
            None => format!("if {condition} then {}", scope_expr(then)),
        },
        ScopeExpr::ForEach {
            variable,
            collection,
            each,
        } => format!("for {variable} in {collection}: {each}"),
    }
}
