//! Stage 4c: a service's `wire.rs`: how its types read and write JSON.
//!
//! Written out rather than derived, for three reasons: a struct keeps the fields it does not
//! know without `#[serde(flatten)]` (which buffers every document and is slow), a string enum
//! keeps values it does not know, and a union picks the branch that fits best and keeps shapes it
//! does not know. The impls are also much smaller than serde's derives (no sequence form, no field
//! enums), which is most of the generated crate's compile time.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::idents::ident;
use crate::types::emit_types::TypeWriter;
use crate::types::paths::{Item, Paths};
use crate::types::typedefs::{
    Field, Kind, Presence, Struct, Ty, TypeDef, UNKNOWN_FIELDS, Union, Variant,
};

/// The items of `wire.rs`.
pub fn emit_wire(defs: &[TypeDef]) -> TokenStream {
    let paths = Paths::new(Vec::new());
    let writer = TypeWriter {
        paths: &paths,
        prefix: Some(quote!(types)),
        kinds: defs.iter().map(|d| (d.name.as_str(), &d.kind)).collect(),
    };
    let impls: Vec<TokenStream> = defs
        .iter()
        .map(|def| {
            let name = ident(&def.name);
            let impls = match &def.kind {
                Kind::Struct(s) => struct_impls(&writer, &name, s),
                Kind::Enum(_) => enum_impls(&name),
                Kind::Union(u) => union_impls(&writer, &name, u),
                Kind::Alias(_) => quote!(),
            };
            crate::types::emit_types::events_gate(def, impls)
        })
        .collect();
    let has = |f: &dyn Fn(&Kind) -> bool| defs.iter().any(|d| f(&d.kind));
    let structs = has(&|k| matches!(k, Kind::Struct(_)));
    let enums = has(&|k| matches!(k, Kind::Enum(_)));
    let encodes = has(&|k| match k {
        Kind::Struct(s) => s.fields.iter().any(|f| f.ty.needs_encoding()),
        Kind::Union(u) => u.variants.iter().any(|v| v.ty.needs_encoding()),
        _ => false,
    });
    let requires = has(&|k| match k {
        Kind::Struct(s) => s.fields.iter().any(|f| f.presence.is_required()),
        _ => false,
    });
    let mut runtime = Vec::new();
    if encodes {
        runtime.push(quote!(Encoded));
    }
    if structs {
        runtime.extend([
            quote!(Key),
            quote!(Object),
            quote!(object),
            quote!(unknown_field),
        ]);
    }
    let fielded = has(&|k| matches!(k, Kind::Struct(s) if !s.fields.is_empty()));
    if fielded {
        runtime.push(quote!(first));
    }
    if requires {
        runtime.push(quote!(required));
    }
    if enums {
        runtime.push(quote!(string_enum));
    }
    if structs {
        runtime.push(quote!(unknown_fields));
    }
    let de = structs.then(|| {
        quote!(
            use serde::de::MapAccess;
        )
    });
    let ser = structs.then(|| {
        quote!(
            use serde::ser::SerializeMap;
        )
    });
    let runtime = (!runtime.is_empty()).then(|| quote!(use crate::runtime::wire::{#(#runtime),*};));
    let imports = paths.imports();
    if impls.iter().all(TokenStream::is_empty) {
        return quote!();
    }
    quote! {
        #de
        #ser
        use serde::{Deserialize, Deserializer, Serialize, Serializer};
        #imports
        #runtime

        use super::types;

        #(#impls)*
    }
}

/// `&self.x`, through `Encoded` where the runtime chooses the JSON form.
fn written(ty: &Ty, value: TokenStream) -> TokenStream {
    if ty.needs_encoding() {
        quote!(&Encoded(#value))
    } else {
        value
    }
}

/// Locals of `visit_map` that a field's own local must not shadow.
const LOCALS: &[&str] = &["map", "key", UNKNOWN_FIELDS];

fn local(field: &Field) -> proc_macro2::Ident {
    if LOCALS.contains(&field.ident.as_str()) {
        format_ident!("{}_field", field.ident)
    } else {
        ident(&field.ident)
    }
}

fn struct_impls(w: &TypeWriter<'_>, name: &proc_macro2::Ident, s: &Struct) -> TokenStream {
    let unknown = ident(UNKNOWN_FIELDS);
    let entries = s.fields.iter().enumerate().map(|(i, f)| {
        let field = ident(&f.ident);
        let json = &f.json;
        match f.presence {
            Presence::Required | Presence::RequiredNullable => {
                let value = written(&f.ty_with_presence(), quote!(&self.#field));
                quote!(map.serialize_entry(#json, #value)?;)
            }
            // A constant the schema requires is written even when unset.
            Presence::Optional if s.constants.contains(&i) => {
                let value = f.constant.as_deref().unwrap_or_default();
                quote! {
                    map.serialize_entry(#json, self.#field.as_deref().unwrap_or(#value))?;
                }
            }
            Presence::Optional | Presence::OptionalNullable => {
                let inner = match f.presence {
                    Presence::OptionalNullable => Ty::Nullable(Box::new(f.ty.clone())),
                    _ => f.ty.clone(),
                };
                let value = written(&inner, quote!(value));
                quote! {
                    if let Some(value) = &self.#field {
                        map.serialize_entry(#json, #value)?;
                    }
                }
            }
        }
    });
    // Typed locals, so that no `next_value()` waits for inference from the struct literal.
    let lets = s.fields.iter().map(|f| {
        let local = local(f);
        let declared = w.field_ty(f);
        let ty = match f.presence {
            Presence::Optional | Presence::OptionalNullable => declared,
            Presence::Required | Presence::RequiredNullable => quote!(Option<#declared>),
        };
        quote!(let mut #local: #ty = None;)
    });
    // A field named twice is an error (`first`), as serde's derives make it.
    let arms = s.fields.iter().enumerate().map(|(i, f)| {
        let local = local(f);
        let json = &f.json;
        let value = match f.presence {
            // `null` reads as `None`.
            Presence::Optional => quote!(map.next_value()?),
            _ => quote!(Some(map.next_value()?)),
        };
        quote!(#json => {
            first(&mut seen[#i], #json)?;
            #local = #value;
        })
    });
    let field_count = s.fields.len();
    let seen = (field_count > 0).then(|| quote!(let mut seen = [false; #field_count];));
    let inits = s.fields.iter().map(|f| {
        let field = ident(&f.ident);
        let local = local(f);
        let json = &f.json;
        if f.presence.is_required() {
            quote!(#field: required(#local, #json)?,)
        } else if local == field {
            quote!(#field,)
        } else {
            quote!(#field: #local,)
        }
    });
    let expecting = format!("a {name} object");
    let map_ty = w.paths.get(Item::Map);
    quote! {
        impl Serialize for types::#name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(None)?;
                #(#entries)*
                unknown_fields(&mut map, &self.#unknown)?;
                map.end()
            }
        }

        impl<'de> Deserialize<'de> for types::#name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                object(deserializer)
            }
        }

        impl Object for types::#name {
            const EXPECTING: &str = #expecting;

            fn read<'de, A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
                #(#lets)*
                #seen
                let mut #unknown = #map_ty::new();
                while let Some(key) = map.next_key::<Key<'de>>()? {
                    match key.as_str() {
                        #(#arms)*
                        _ => unknown_field(&mut #unknown, key, map.next_value()?)?,
                    }
                }
                Ok(types::#name {
                    #(#inits)*
                    #unknown,
                })
            }
        }
    }
}

fn enum_impls(name: &proc_macro2::Ident) -> TokenStream {
    quote! {
        impl Serialize for types::#name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for types::#name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                string_enum(deserializer)
            }
        }
    }
}

fn union_impls(w: &TypeWriter<'_>, name: &proc_macro2::Ident, u: &Union) -> TokenStream {
    let value_ty = w.paths.get(Item::Value);
    let writes = u.variants.iter().map(|v| {
        let variant = ident(&v.ident);
        let write = if v.ty.needs_encoding() {
            quote!(Encoded(value).serialize(serializer))
        } else {
            quote!(value.serialize(serializer))
        };
        quote!(types::#name::#variant(value) => #write,)
    });
    let read = match &u.tag {
        Some(tag) => {
            let arms = u.variants.iter().map(|v| {
                let variant = ident(&v.ident);
                let ty = w.ty(&v.ty);
                let tag_value = v.tag_value.as_deref().unwrap_or_default();
                quote!(Some(#tag_value) => <#ty>::deserialize(&value).map(types::#name::#variant),)
            });
            quote! {
                let parsed = match value.get(#tag).and_then(#value_ty::as_str) {
                    #(#arms)*
                    _ => return Ok(types::#name::Unknown(value)),
                };
                parsed.map_err(serde::de::Error::custom)
            }
        }
        None => {
            // A branch of any JSON reads everything: it is tried last, after a typed branch
            // that read the value with leftovers, so that a newer service's extra field never
            // turns a known shape into the catch-all (a `triggerHook` answer with a `taskId`
            // and a new member is still the task's, not the empty answer).
            let (catch_all, typed): (Vec<_>, Vec<_>) =
                u.variants.iter().partition(|v| v.ty == Ty::Json);
            let attempt = |v: &&Variant| {
                let variant = ident(&v.ident);
                let ty = w.ty(&v.ty);
                match exactness(w, &v.ty) {
                    Exactness::Exact => quote! {
                        if let Ok(parsed) = <#ty>::deserialize(&value) {
                            return Ok(types::#name::#variant(parsed));
                        }
                    },
                    Exactness::Check(check) => quote! {
                        if let Ok(parsed) = <#ty>::deserialize(&value) {
                            if #check {
                                return Ok(types::#name::#variant(parsed));
                            }
                            fallback.get_or_insert(types::#name::#variant(parsed));
                        }
                    },
                }
            };
            let typed_tries: Vec<TokenStream> = typed.iter().map(attempt).collect();
            let catch_all_tries: Vec<TokenStream> = catch_all.iter().map(attempt).collect();
            let needs_fallback = typed
                .iter()
                .any(|v| matches!(exactness(w, &v.ty), Exactness::Check(_)));
            let (declare, before_catch_all, finish) = if needs_fallback {
                (
                    quote!(let mut fallback = None;),
                    (!catch_all.is_empty()).then(|| {
                        quote! {
                            if let Some(read) = fallback {
                                return Ok(read);
                            }
                        }
                    }),
                    if catch_all.is_empty() {
                        quote!(Ok(fallback.unwrap_or(types::#name::Unknown(value))))
                    } else {
                        quote!(Ok(types::#name::Unknown(value)))
                    },
                )
            } else {
                (quote!(), None, quote!(Ok(types::#name::Unknown(value))))
            };
            quote! {
                // The first typed branch that reads the value without leftovers wins; else the
                // first that reads it at all; else a branch of any JSON.
                #declare
                #(#typed_tries)*
                #before_catch_all
                #(#catch_all_tries)*
                #finish
            }
        }
    };
    quote! {
        impl Serialize for types::#name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    #(#writes)*
                    types::#name::Unknown(value) => value.serialize(serializer),
                }
            }
        }

        impl<'de> Deserialize<'de> for types::#name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = #value_ty::deserialize(deserializer)?;
                #read
            }
        }
    }
}

/// Whether a branch that reads a value fits it exactly, or only if a check passes (no unknown
/// fields, a known enum value).
enum Exactness {
    Exact,
    Check(TokenStream),
}

fn exactness(w: &TypeWriter<'_>, ty: &Ty) -> Exactness {
    match ty {
        Ty::Box(inner) => exactness(w, inner),
        Ty::Named(n) => match w.kinds.get(n.as_str()) {
            Some(Kind::Struct(_)) => Exactness::Check(quote!(parsed.unknown_fields.is_empty())),
            Some(Kind::Enum(_) | Kind::Union(_)) => {
                let name = ident(n);
                Exactness::Check(quote!(!matches!(parsed, types::#name::Unknown(_))))
            }
            Some(Kind::Alias(t)) => exactness(w, t),
            None => Exactness::Exact,
        },
        _ => Exactness::Exact,
    }
}

impl Field {
    /// The field's type as declared, `Option` included, for how it is written.
    fn ty_with_presence(&self) -> Ty {
        match self.presence {
            Presence::Required => self.ty.clone(),
            _ => Ty::Nullable(Box::new(self.ty.clone())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::typedefs::{UNKNOWN_VARIANT, Variant};

    fn def(name: &str, kind: Kind) -> TypeDef {
        TypeDef {
            name: name.into(),
            doc: None,
            kind,
            sources: Vec::new(),
            events_only: false,
        }
    }

    fn object(fields: &[(&str, Presence)]) -> Kind {
        Kind::Struct(Struct {
            fields: fields
                .iter()
                .map(|(json, presence)| Field {
                    json: (*json).into(),
                    ident: (*json).into(),
                    ty: Ty::String,
                    presence: *presence,
                    doc: None,
                    default: None,
                    secret: false,
                    constant: None,
                })
                .collect(),
            required: Vec::new(),
            constants: Vec::new(),
        })
    }

    fn union(variants: &[(&str, Ty, Option<&str>)], tag: Option<&str>) -> Kind {
        Kind::Union(Union {
            variants: variants
                .iter()
                .map(|(ident, ty, tag_value)| Variant {
                    ident: (*ident).into(),
                    ty: ty.clone(),
                    tag_value: tag_value.map(str::to_owned),
                    doc: None,
                })
                .collect(),
            tag: tag.map(str::to_owned),
        })
    }

    /// `wire.rs` for `defs`, without whitespace (token spacing is not what is tested).
    fn wire(defs: &[TypeDef]) -> String {
        let tokens = emit_wire(defs);
        syn::parse2::<syn::File>(tokens.clone()).expect("wire.rs parses");
        tokens.to_string().split_whitespace().collect()
    }

    /// Checks that `text` holds each of `parts` (whitespace ignored), in this order.
    fn in_order(text: &str, parts: &[&str]) {
        let mut from = 0;
        for part in parts {
            let part: String = part.split_whitespace().collect();
            let part = part.as_str();
            let at = text[from..]
                .find(part)
                .unwrap_or_else(|| panic!("{part:?} missing after byte {from} of:\n{text}"));
            from += at + part.len();
        }
    }

    #[test]
    fn an_untagged_union_of_overlapping_objects_falls_back_to_the_first_that_reads() {
        let short = def("Short", object(&[("name", Presence::Required)]));
        let long = def(
            "Long",
            object(&[("name", Presence::Optional), ("size", Presence::Optional)]),
        );
        let entry = def(
            "Entry",
            union(
                &[
                    ("Short", Ty::Named("Short".into()), None),
                    ("Long", Ty::Named("Long".into()), None),
                ],
                None,
            ),
        );
        let text = wire(&[short, long, entry]);
        // A branch wins outright only if nothing was left over; else the first that read the
        // value at all, else the value as it came.
        in_order(
            &text,
            &[
                "impl<'de> Deserialize<'de> for types::Entry",
                "let mut fallback = None;",
                "if let Ok(parsed) = <types::Short>::deserialize(&value)",
                "if parsed.unknown_fields.is_empty() { return Ok(types::Entry::Short(parsed)); }",
                "fallback.get_or_insert(types::Entry::Short(parsed));",
                "if let Ok(parsed) = <types::Long>::deserialize(&value)",
                "fallback.get_or_insert(types::Entry::Long(parsed));",
                &format!("Ok(fallback.unwrap_or(types::Entry::{UNKNOWN_VARIANT}(value)))"),
            ],
        );
    }

    #[test]
    fn a_branch_of_any_json_comes_after_a_typed_branch_with_leftovers() {
        let with_id = def("WithId", object(&[("taskId", Presence::Required)]));
        let answer = def(
            "Answer",
            union(
                &[
                    ("Empty", Ty::Json, None),
                    ("WithId", Ty::Named("WithId".into()), None),
                ],
                None,
            ),
        );
        let text = wire(&[with_id, answer]);
        in_order(
            &text,
            &[
                "if let Ok(parsed) = <types::WithId>::deserialize(&value)",
                "fallback.get_or_insert(types::Answer::WithId(parsed));",
                "if let Some(read) = fallback { return Ok(read); }",
                "if let Ok(parsed) = <Value>::deserialize(&value) { return Ok(types::Answer::Empty(parsed)); }",
                "Ok(types::Answer::Unknown(value))",
            ],
        );
    }

    #[test]
    fn a_union_of_plain_values_takes_the_first_that_reads_with_no_fallback() {
        let id = def(
            "Id",
            union(
                &[("String", Ty::String, None), ("I64", Ty::I64, None)],
                None,
            ),
        );
        let text = wire(&[id]);
        assert!(!text.contains("fallback"), "{text}");
        in_order(
            &text,
            &[
                "if let Ok(parsed) = <String>::deserialize(&value) { return Ok(types::Id::String(parsed)); }",
                "if let Ok(parsed) = <i64>::deserialize(&value) { return Ok(types::Id::I64(parsed)); }",
                "Ok(types::Id::Unknown(value))",
            ],
        );
    }

    #[test]
    fn a_tagged_union_reads_the_branch_its_tag_names() {
        let s3 = def("S3", object(&[("url", Presence::Optional)]));
        let error = def("Failure", object(&[("reason", Presence::Optional)]));
        let artifact = def(
            "Artifact",
            union(
                &[
                    ("S3", Ty::Named("S3".into()), Some("s3")),
                    ("Error", Ty::Named("Failure".into()), Some("error")),
                ],
                Some("storageType"),
            ),
        );
        let text = wire(&[s3, error, artifact]);
        in_order(
            &text,
            &[
                "match value.get(\"storageType\")",
                "Some(\"s3\") => <types::S3>::deserialize(&value).map(types::Artifact::S3),",
                "Some(\"error\") => <types::Failure>::deserialize(&value).map(types::Artifact::Error),",
                "_ => return Ok(types::Artifact::Unknown(value)),",
            ],
        );
        assert!(!text.contains("fallback"), "{text}");
    }

    #[test]
    fn only_types_with_impls_make_a_wire_file() {
        let alias = def("Names", Kind::Alias(Ty::Vec(Box::new(Ty::String))));
        assert!(emit_wire(&[alias]).is_empty());
    }
}
