//! `From` conversions from a type a service answers to the type it takes back, for a
//! read-modify-write without a serde round trip: `TaskDefinitionRequest::from(queue.task(..))`.
//!
//! Which pairs: one reviewed table, each entry with the calls it links. A pair is emitted where
//! its service has both types and every field of the written type is in the read one with the
//! same type (an `Option` may wrap it); the read type's other fields (ids, timestamps the
//! service sets) are left out, and its `unknown_fields` are carried over, since what a newer
//! service added to the answer it usually takes back too, and a read-modify-write never loses
//! fields.

use proc_macro2::TokenStream;
use quote::quote;

use crate::idents::ident;
use crate::types::typedefs::{Kind, Presence, Struct, TypeDef, UNKNOWN_FIELDS};

/// One conversion: in `service`, `From<read> for write`, because `why`.
pub struct Conversion {
    pub service: &'static str,
    pub read: &'static str,
    pub write: &'static str,
    pub why: &'static str,
}

pub const CONVERSIONS: &[Conversion] = &[
    Conversion {
        service: "queue",
        read: "Task",
        write: "TaskDefinitionRequest",
        why: "`queue.task`'s answer, as the definition `createTask` takes to create it again",
    },
    Conversion {
        service: "hooks",
        read: "HookDefinition",
        write: "HookCreationRequest",
        why: "`hooks.hook`'s answer, as the definition `updateHook` (or `createHook`) takes",
    },
    Conversion {
        service: "auth",
        read: "GetRoleResponse",
        write: "CreateRoleRequest",
        why: "`auth.role`'s answer, as the role `updateRole` (or `createRole`) takes",
    },
    Conversion {
        service: "auth",
        read: "GetClientResponse",
        write: "CreateClientRequest",
        why: "`auth.client`'s answer, as the client `updateClient` (or `createClient`) takes",
    },
    Conversion {
        service: "index",
        read: "IndexedTaskResponse",
        write: "InsertTaskRequest",
        why: "`index.findTask`'s answer, as the entry `insertTask` takes to index it again",
    },
    Conversion {
        service: "worker-manager",
        read: "WorkerPoolFullDefinition",
        write: "UpdateWorkerPoolRequest",
        why: "`workerManager.workerPool`'s answer, as the definition `updateWorkerPool` takes",
    },
];

/// How many `Option`s a field's type wraps its value in.
fn depth(presence: Presence) -> usize {
    match presence {
        Presence::Required => 0,
        Presence::Optional | Presence::RequiredNullable => 1,
        Presence::OptionalNullable => 2,
    }
}

/// The field expressions of `write` made from a `read` value named `read`, if every field of
/// `write` can be: in `read`, the same type, no fewer `Option`s around it.
fn fields(read: &Struct, write: &Struct) -> Option<Vec<TokenStream>> {
    write
        .fields
        .iter()
        .map(|w| {
            let field = ident(&w.ident);
            let Some(r) = read.fields.iter().find(|r| r.json == w.json) else {
                return (depth(w.presence) > 0).then(|| quote!(#field: None));
            };
            if r.ty != w.ty || depth(w.presence) < depth(r.presence) {
                return None;
            }
            let from = ident(&r.ident);
            let mut value = quote!(read.#from);
            for _ in depth(r.presence)..depth(w.presence) {
                value = quote!(Some(#value));
            }
            Some(quote!(#field: #value))
        })
        .collect()
}

/// The conversions of `service` whose types `defs` has and can convert: `(read, write, why)`.
pub fn applicable<'a>(
    service: &str,
    defs: &'a [TypeDef],
) -> Vec<(&'a TypeDef, &'a TypeDef, &'static Conversion)> {
    let find = |name: &str| defs.iter().find(|d| d.name == name);
    CONVERSIONS
        .iter()
        .filter(|c| c.service == service)
        .filter_map(|c| {
            let (read, write) = (find(c.read)?, find(c.write)?);
            match (&read.kind, &write.kind) {
                (Kind::Struct(r), Kind::Struct(w)) => fields(r, w).map(|_| (read, write, c)),
                _ => None,
            }
        })
        .collect()
}

/// The `From` impls of `service`'s [`applicable`] conversions.
pub fn emit_conversions(service: &str, defs: &[TypeDef]) -> TokenStream {
    let unknown = ident(UNKNOWN_FIELDS);
    let impls = applicable(service, defs)
        .into_iter()
        .filter_map(|(read, write, c)| {
            let (Kind::Struct(r), Kind::Struct(w)) = (&read.kind, &write.kind) else {
                return None;
            };
            let fields = fields(r, w)?;
            let left_out: Vec<String> = r
                .fields
                .iter()
                .filter(|f| !w.fields.iter().any(|x| x.json == f.json))
                .map(|f| format!("`{}`", f.ident))
                .collect();
            let mut doc = format!(
                "{}: every field moved, and the members this version of the client does not know.",
                capitalized(c.why)
            );
            if !left_out.is_empty() {
                doc.push_str(&format!(
                    " Left out, since the service sets them: {}.",
                    left_out.join(", ")
                ));
            }
            let (read_ty, write_ty) = (ident(&read.name), ident(&write.name));
            let gate =
                (read.events_only || write.events_only).then(|| quote!(#[cfg(feature = "events")]));
            Some(quote! {
                #gate
                #[doc = #doc]
                impl From<#read_ty> for #write_ty {
                    fn from(read: #read_ty) -> Self {
                        #write_ty {
                            #(#fields,)*
                            #unknown: read.#unknown,
                        }
                    }
                }
            })
        });
    quote!(#(#impls)*)
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
