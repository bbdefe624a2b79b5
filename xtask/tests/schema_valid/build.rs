//! Rust expressions that build a value of a generated type the way a user does: `new` with
//! sample arguments (or, for a type built by name, its builder with every required field), and in
//! `full` mode every optional field's setter too. Arguments come from the
//! *original* schemas (patterns, formats and bounds kept), found through the resolver's record
//! of where each type came from; the expressions go into a harness compiled against the crate.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;
use tc_codegen::typedefs::{Kind, Presence, Struct, Ty, TypeDef};
use tc_testkit::samples::{Samples, locate};

/// Nested types below this depth get only what `new` needs (recursive schemas end).
const FULL_DEPTH: usize = 4;

/// A schema node and the document its `$ref`s resolve against.
type Node = (String, Value);

pub struct Builder<'a> {
    /// `tc_client::queue::types`.
    types: TokenStream,
    defs: BTreeMap<&'a str, &'a TypeDef>,
    origins: &'a BTreeMap<String, BTreeSet<String>>,
    schemas: &'a BTreeMap<String, Value>,
    samples: Samples<'a>,
    /// Which union branch and enum value to take: the `round`-th, modulo their number.
    pub round: usize,
    /// Whether to set every optional field.
    pub full: bool,
}

impl<'a> Builder<'a> {
    pub fn new(
        module: &str,
        defs: &'a [TypeDef],
        origins: &'a BTreeMap<String, BTreeSet<String>>,
        schemas: &'a BTreeMap<String, Value>,
    ) -> Self {
        let module = format_ident!("{module}");
        Builder {
            types: quote!(tc_client::#module::types),
            defs: defs.iter().map(|d| (d.name.as_str(), d)).collect(),
            origins,
            schemas,
            samples: Samples::new(schemas),
            round: 0,
            full: false,
        }
    }

    /// The most branches or values of any union or enum `name` reaches: rounds worth building.
    pub fn choices(&self, name: &str) -> usize {
        let mut seen = BTreeSet::new();
        let mut stack = vec![name.to_owned()];
        let mut most = 1;
        while let Some(n) = stack.pop() {
            if !seen.insert(n.clone()) {
                continue;
            }
            let Some(def) = self.defs.get(n.as_str()) else {
                continue;
            };
            let mut held = Vec::new();
            match &def.kind {
                Kind::Struct(s) => held.extend(s.fields.iter().map(|f| &f.ty)),
                Kind::Union(u) => {
                    most = most.max(u.variants.len());
                    held.extend(u.variants.iter().map(|v| &v.ty));
                }
                Kind::Enum(e) => most = most.max(e.variants.len()),
                Kind::Alias(t) => held.push(t),
            }
            for ty in held {
                named(ty, &mut stack);
            }
        }
        most
    }

    /// An expression of type `types::<name>`.
    pub fn build(&mut self, name: &str) -> TokenStream {
        self.named(name, 0)
    }

    fn named(&mut self, name: &str, depth: usize) -> TokenStream {
        let def = self.defs[name];
        let schema = self.schema_of(def);
        let path = self.path(name);
        match &def.kind {
            Kind::Struct(s) => {
                let by_name = s.built_by_name();
                let mut args = Vec::new();
                for &i in &s.required {
                    let f = &s.fields[i];
                    let at = property(self.schemas, schema.as_ref(), &f.json);
                    args.push(match f.presence {
                        Presence::Required | Presence::Optional => {
                            self.value(&f.ty, at, depth + 1, true)
                        }
                        Presence::RequiredNullable | Presence::OptionalNullable => {
                            let inner = self.value(&f.ty, at, depth + 1, false);
                            quote!(Some(#inner))
                        }
                    });
                }
                // As many optional fields as the mode wants and the schema's bounds allow.
                let bound = |key: &str| {
                    let (_, node) = schema.as_ref()?;
                    node.get(key)?.as_u64().map(|n| n as usize)
                };
                let set = s.required.len() + s.constants.len();
                let wanted = if self.full && depth < FULL_DEPTH {
                    bound("maxProperties").unwrap_or(usize::MAX)
                } else {
                    bound("minProperties").unwrap_or(0)
                };
                let mut setters = Vec::new();
                if set < wanted {
                    for (i, f) in s.fields.iter().enumerate() {
                        if s.required.contains(&i) || s.constants.contains(&i) {
                            continue;
                        }
                        if set + setters.len() >= wanted {
                            break;
                        }
                        let at = property(self.schemas, schema.as_ref(), &f.json);
                        let setter = if by_name {
                            format_ident!("{}", Struct::builder_setter(&f.ident))
                        } else {
                            format_ident!("with_{}", f.ident.trim_end_matches('_'))
                        };
                        let arg = match f.presence {
                            Presence::OptionalNullable => {
                                let inner = self.value(&f.ty, at, depth + 1, false);
                                quote!(Some(#inner))
                            }
                            _ => self.value(&f.ty, at, depth + 1, true),
                        };
                        setters.push(quote!(.#setter(#arg)));
                    }
                }
                if by_name {
                    // The builder: the required fields by name, then the others, then `build`.
                    let required = s
                        .required
                        .iter()
                        .map(|&i| format_ident!("{}", Struct::builder_setter(&s.fields[i].ident)));
                    quote!(#path::builder() #(.#required(#args))* #(#setters)* .build().unwrap())
                } else {
                    quote!(#path::new(#(#args),*) #(#setters)*)
                }
            }
            Kind::Enum(e) => {
                let (variant, _) = &e.variants[self.round % e.variants.len()];
                let variant = format_ident!("{variant}");
                quote!(#path::#variant)
            }
            Kind::Union(u) => {
                let k = self.round % u.variants.len();
                let variant = &u.variants[k];
                let branch = schema.as_ref().and_then(|(doc, node)| {
                    let branches = node.get("oneOf")?.as_array()?;
                    (branches.len() == u.variants.len()).then(|| (doc.clone(), branches[k].clone()))
                });
                let inner = self.value(&variant.ty, branch, depth + 1, false);
                let variant = format_ident!("{}", variant.ident);
                quote!(#path::#variant(#inner))
            }
            Kind::Alias(ty) => self.value(ty, schema, depth, false),
        }
    }

    /// An expression of type `ty`; as a parameter of `new` or a setter when `param` (a boxed
    /// value is then taken unboxed).
    fn value(&mut self, ty: &Ty, schema: Option<Node>, depth: usize, param: bool) -> TokenStream {
        let schema = schema.map(|(doc, node)| deref(self.schemas, doc, node));
        match ty {
            Ty::Named(name) => self.named(name, depth),
            Ty::Box(inner) if param => self.value(inner, schema, depth, false),
            Ty::Box(inner) => {
                let inner = self.value(inner, schema, depth, false);
                quote!(Box::new(#inner))
            }
            Ty::Nullable(inner) => {
                let inner = self.value(inner, schema, depth, false);
                quote!(Some(#inner))
            }
            Ty::Vec(item) => {
                let items = schema.and_then(|(doc, node)| Some((doc, node.get("items")?.clone())));
                let item = self.value(item, items, depth + 1, false);
                quote!(vec![#item])
            }
            Ty::Map(values) => {
                let at = schema.as_ref().and_then(|(doc, node)| {
                    let values = node
                        .get("additionalProperties")
                        .filter(|v| v.is_object())
                        .or_else(|| node.get("patternProperties")?.as_object()?.values().next())?;
                    Some((doc.clone(), values.clone()))
                });
                let key = schema
                    .as_ref()
                    .and_then(|(doc, node)| {
                        let pattern = node.get("patternProperties")?.as_object()?.keys().next()?;
                        let key = serde_json::json!({"type": "string", "pattern": pattern});
                        Some(self.samples.value_of(&key, doc))
                    })
                    .and_then(|k| k.as_str().map(str::to_owned))
                    .unwrap_or_else(|| "some-key".to_owned());
                let value = self.value(values, at, depth + 1, false);
                let ty = self.rust_ty(ty);
                quote!([(String::from(#key), #value)].into_iter().collect::<#ty>())
            }
            primitive => {
                let sample = match &schema {
                    Some((doc, node)) => self.samples.value_of(node, doc),
                    None => fallback(primitive),
                };
                let text = sample.to_string();
                let ty = self.rust_ty(primitive);
                quote!(serde_json::from_str::<#ty>(#text).unwrap())
            }
        }
    }

    fn path(&self, name: &str) -> TokenStream {
        let types = &self.types;
        let name = format_ident!("{name}");
        quote!(#types::#name)
    }

    fn rust_ty(&self, ty: &Ty) -> TokenStream {
        match ty {
            Ty::Named(name) => self.path(name),
            Ty::String => quote!(String),
            Ty::Bool => quote!(bool),
            Ty::I64 => quote!(i64),
            Ty::U64 => quote!(u64),
            Ty::F64 => quote!(f64),
            Ty::Number => quote!(serde_json::Number),
            Ty::DateTime => quote!(tc_client::chrono::DateTime<tc_client::chrono::Utc>),
            Ty::Json => quote!(serde_json::Value),
            Ty::Vec(t) => {
                let t = self.rust_ty(t);
                quote!(Vec<#t>)
            }
            Ty::Map(t) => {
                let t = self.rust_ty(t);
                quote!(std::collections::BTreeMap<String, #t>)
            }
            Ty::Box(t) => {
                let t = self.rust_ty(t);
                quote!(Box<#t>)
            }
            Ty::Nullable(t) => {
                let t = self.rust_ty(t);
                quote!(Option<#t>)
            }
        }
    }

    /// The original schema of a generated type: where the resolver found it.
    fn schema_of(&self, def: &TypeDef) -> Option<Node> {
        let location = def
            .sources
            .iter()
            .find_map(|s| self.origins.get(s)?.first())?;
        let (doc, pointer) = location.split_once('#').unwrap_or((location, ""));
        let node = self.schemas.get(doc)?.pointer(pointer)?.clone();
        Some(deref(self.schemas, doc.to_owned(), node))
    }
}

/// The schema of property `json` of the object `schema`: in its `properties`, else in those of
/// the branches it combines.
fn property(schemas: &BTreeMap<String, Value>, schema: Option<&Node>, json: &str) -> Option<Node> {
    let (doc, node) = schema?;
    if let Some(found) = node.get("properties").and_then(|p| p.get(json)) {
        return Some((doc.clone(), found.clone()));
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        for branch in node
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let branch = deref(schemas, doc.clone(), branch.clone());
            if let Some(found) = property(schemas, Some(&branch), json) {
                return Some(found);
            }
        }
    }
    None
}

/// Follows `$ref`s to the schema they name.
fn deref(schemas: &BTreeMap<String, Value>, mut doc: String, mut node: Value) -> Node {
    for _ in 0..16 {
        let Some(reference) = node.get("$ref").and_then(Value::as_str) else {
            break;
        };
        let (target, pointer) = locate(&doc, reference);
        let Some(found) = schemas.get(&target).and_then(|d| d.pointer(&pointer)) else {
            break;
        };
        node = found.clone();
        doc = target;
    }
    (doc, node)
}

/// A value for a type whose schema could not be found.
fn fallback(ty: &Ty) -> Value {
    match ty {
        Ty::String => Value::from("text"),
        Ty::Bool => Value::from(true),
        Ty::I64 | Ty::U64 | Ty::Number => Value::from(1),
        Ty::F64 => Value::from(2.5),
        Ty::DateTime => Value::from("2024-05-01T12:34:56.789Z"),
        _ => serde_json::json!({}),
    }
}

fn named(ty: &Ty, out: &mut Vec<String>) {
    match ty {
        Ty::Named(n) => out.push(n.clone()),
        Ty::Vec(t) | Ty::Map(t) | Ty::Box(t) | Ty::Nullable(t) => named(t, out),
        _ => {}
    }
}
