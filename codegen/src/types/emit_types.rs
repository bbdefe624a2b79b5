//! Stage 4b: a service's `types.rs`: the structs, enums and unions of
//! [`typedefs`](super::typedefs), their constructors and `with_*` setters, and the string
//! enums' conversions.
//!
//! Every type follows the same rules, documented once in the generated crate's docs:
//! `Type::new(required fields…)`, `with_<field>(value)` for the optional ones (taking anything
//! that converts: `&str` for strings and enums, `json!(…)` for free-form JSON, arrays for lists),
//! public fields, `Default` when nothing is required, `#[non_exhaustive]` so that a newer
//! reference may add fields and variants without breaking code written against this one.

use std::collections::BTreeMap;

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::idents::ident;
use crate::types::paths::{Item, Paths};
use crate::types::typedefs::{
    Field, Kind, Presence, StringEnum, Struct, Ty, TypeDef, UNKNOWN_FIELDS, UNKNOWN_VARIANT, Union,
};

/// How the emitters write types: plain names with imports, `types::` before generated names
/// outside `types.rs`.
pub(crate) struct TypeWriter<'a> {
    pub(crate) paths: &'a Paths,
    pub(crate) prefix: Option<TokenStream>,
    /// Kind of every generated type, by name.
    pub(crate) kinds: BTreeMap<&'a str, &'a Kind>,
}

impl TypeWriter<'_> {
    pub(crate) fn ty(&self, ty: &Ty) -> TokenStream {
        let p = self.paths;
        match ty {
            Ty::Named(name) => {
                let name = ident(name);
                match &self.prefix {
                    Some(prefix) => quote!(#prefix::#name),
                    None => quote!(#name),
                }
            }
            Ty::String => p.get(Item::String),
            Ty::Bool => quote!(bool),
            Ty::I64 => quote!(i64),
            Ty::U64 => quote!(u64),
            Ty::F64 => quote!(f64),
            Ty::Number => p.get(Item::Number),
            Ty::DateTime => {
                let (dt, utc) = (p.get(Item::DateTime), p.get(Item::Utc));
                quote!(#dt<#utc>)
            }
            Ty::Json => p.get(Item::Value),
            Ty::Vec(t) => {
                let (v, t) = (p.get(Item::Vec), self.ty(t));
                quote!(#v<#t>)
            }
            Ty::Map(t) => {
                let (m, s, t) = (p.get(Item::BTreeMap), p.get(Item::String), self.ty(t));
                quote!(#m<#s, #t>)
            }
            Ty::Box(t) => {
                let (b, t) = (p.get(Item::Box), self.ty(t));
                quote!(#b<#t>)
            }
            Ty::Nullable(t) => {
                let (o, t) = (p.get(Item::Option), self.ty(t));
                quote!(#o<#t>)
            }
        }
    }

    /// The declared type of a field.
    pub(crate) fn field_ty(&self, field: &Field) -> TokenStream {
        let ty = self.ty(&field.ty);
        let o = self.paths.get(Item::Option);
        match field.presence {
            Presence::Required => ty,
            Presence::Optional | Presence::RequiredNullable => quote!(#o<#ty>),
            Presence::OptionalNullable => quote!(#o<#o<#ty>>),
        }
    }

    /// Whether values of `ty` are taken as `impl Into<ty>` by constructors and setters.
    fn converts(&self, ty: &Ty) -> bool {
        match ty {
            Ty::String | Ty::Json => true,
            Ty::Named(n) => matches!(self.kinds.get(n.as_str()), Some(Kind::Enum(_))),
            _ => false,
        }
    }

    /// The value of a nullable parameter `name` (an `Option` of `ty`): a date-time in whole
    /// milliseconds, as [`TypeWriter::param`] makes it.
    fn nullable(&self, ty: &Ty, name: &Ident) -> TokenStream {
        match ty {
            Ty::DateTime => {
                let whole_millis = self.paths.get(Item::WholeMillis);
                quote!(#name.map(#whole_millis))
            }
            _ => quote!(#name),
        }
    }

    /// The parameter type a constructor or setter takes for a value of `ty`, and the expression
    /// that turns the parameter `name` into the value.
    fn param(&self, ty: &Ty, name: &Ident) -> (TokenStream, TokenStream) {
        let into = |t: &Ty| {
            let t = self.ty(t);
            quote!(impl Into<#t>)
        };
        match ty {
            // The wire keeps milliseconds: a value set with more would not read back equal.
            Ty::DateTime => {
                let whole_millis = self.paths.get(Item::WholeMillis);
                (self.ty(ty), quote!(#whole_millis(#name)))
            }
            t if self.converts(t) => (into(t), quote!(#name.into())),
            Ty::Vec(item) if self.converts(item) => {
                let item = into(item);
                (
                    quote!(impl IntoIterator<Item = #item>),
                    quote!(#name.into_iter().map(Into::into).collect()),
                )
            }
            Ty::Vec(item) => {
                let item = self.ty(item);
                (
                    quote!(impl IntoIterator<Item = #item>),
                    quote!(#name.into_iter().collect()),
                )
            }
            Ty::Map(value) => {
                let s = self.paths.get(Item::String);
                let (value_ty, value_expr) = if self.converts(value) {
                    (into(value), quote!(v.into()))
                } else {
                    (self.ty(value), quote!(v))
                };
                (
                    quote!(impl IntoIterator<Item = (impl Into<#s>, #value_ty)>),
                    quote!(#name.into_iter().map(|(k, v)| (k.into(), #value_expr)).collect()),
                )
            }
            Ty::Box(inner) => {
                let b = self.paths.get(Item::Box);
                (self.ty(inner), quote!(#b::new(#name)))
            }
            other => (self.ty(other), quote!(#name)),
        }
    }
}

/// The items of `types.rs`, imports first.
pub fn emit_types(service: &str, defs: &[TypeDef]) -> TokenStream {
    let paths = Paths::new(defs.iter().map(|d| d.name.clone()));
    let writer = TypeWriter {
        paths: &paths,
        prefix: None,
        kinds: defs.iter().map(|d| (d.name.as_str(), &d.kind)).collect(),
    };
    let items: Vec<TokenStream> = defs
        .iter()
        .map(|def| {
            // Every public item has docs: a schema without a description still says what the
            // type is and where its parts are described.
            let fallback;
            let doc = match def.doc.as_deref().filter(|d| !d.trim().is_empty()) {
                Some(doc) => doc,
                None => {
                    fallback = match &def.kind {
                        Kind::Struct(_) => format!(
                            "`{}`: the schema has no description; each field says what it holds.",
                            def.name
                        ),
                        Kind::Enum(_) => {
                            format!("`{}`: the values the schema allows.", def.name)
                        }
                        Kind::Union(_) => format!(
                            "`{}`: one of the shapes the schema allows (each variant names one).",
                            def.name
                        ),
                        Kind::Alias(_) => format!("`{}`: as the schema describes it.", def.name),
                    };
                    &fallback
                }
            };
            let doc = Some(quote!(#[doc = #doc]));
            let name = ident(&def.name);
            let items = match &def.kind {
                Kind::Struct(s) => emit_struct(&writer, &name, doc, s),
                Kind::Enum(e) => emit_enum(&name, doc, e),
                Kind::Union(u) => emit_union(&writer, &name, doc, u),
                Kind::Alias(ty) => {
                    let ty = writer.ty(ty);
                    quote! {
                        #doc
                        pub type #name = #ty;
                    }
                }
            };
            let fixture = super::fixtures::emit_fixture(def);
            events_gate(def, quote!(#items #fixture))
        })
        .collect();
    let uses_fmt = defs.iter().any(|d| match &d.kind {
        Kind::Enum(_) => true,
        Kind::Struct(s) => s.has_secrets(),
        _ => false,
    });
    let fmt = uses_fmt.then(|| {
        quote!(
            use std::fmt;
        )
    });
    let imports = paths.imports();
    let conversions = super::conversions::emit_conversions(service, defs);
    quote! {
        #fmt
        #imports
        #(#items)*
        #conversions
    }
}

/// `items` behind `#[cfg(feature = "events")]` when only Pulse messages use the type.
pub(crate) fn events_gate(def: &TypeDef, items: TokenStream) -> TokenStream {
    if !def.events_only {
        return items;
    }
    let file: syn::File = match syn::parse2(items.clone()) {
        Ok(file) => file,
        Err(_) => return items,
    };
    let gated = file.items.iter().map(|item| {
        quote! {
            #[cfg(feature = "events")]
            #item
        }
    });
    quote!(#(#gated)*)
}

fn field_doc(field: &Field) -> String {
    let mut doc = field.doc.clone().unwrap_or_default();
    if doc.trim().is_empty() {
        // The member's name, and the type whose docs describe it, where there is one.
        doc = match named(&field.ty) {
            Some(ty) => format!("The `{}` member: see [`{ty}`].", field.json),
            None => format!("The `{}` member.", field.json),
        };
    }
    if let Some(value) = &field.constant {
        if !doc.is_empty() {
            doc.push_str("\n\n");
        }
        doc.push_str(&format!("Always `{value:?}`."));
    }
    if let Some(default) = &field.default {
        if !doc.is_empty() {
            doc.push_str("\n\n");
        }
        doc.push_str(&format!("When unset, the service uses `{default}`."));
    }
    doc
}

/// The generated type a value of `ty` holds, if it is one (through `Option`, `Vec`, maps).
fn named(ty: &Ty) -> Option<&str> {
    match ty {
        Ty::Named(name) => Some(name),
        Ty::Vec(inner) | Ty::Map(inner) | Ty::Box(inner) | Ty::Nullable(inner) => named(inner),
        _ => None,
    }
}

fn emit_struct(
    w: &TypeWriter<'_>,
    name: &Ident,
    doc: Option<TokenStream>,
    s: &Struct,
) -> TokenStream {
    let map = w.paths.get(Item::Map);
    let string = w.paths.get(Item::String);
    let value = w.paths.get(Item::Value);
    let unknown = ident(UNKNOWN_FIELDS);
    let fields = s.fields.iter().map(|f| {
        let field = ident(&f.ident);
        let ty = w.field_ty(f);
        let doc = field_doc(f);
        let doc = (!doc.is_empty()).then(|| quote!(#[doc = #doc]));
        quote! {
            #doc
            pub #field: #ty,
        }
    });
    let unknown_doc = "Properties this version of the client does not know (from a newer service):\n\
                       kept when read and written back unchanged.";

    // `new(required…)`.
    let mut params = Vec::new();
    let mut inits = Vec::new();
    for (i, f) in s.fields.iter().enumerate() {
        let field = ident(&f.ident);
        if s.required.contains(&i) {
            continue;
        }
        match s.constant_value(i) {
            Some(value) => inits.push(quote!(#field: #value)),
            None => inits.push(quote!(#field: None)),
        }
    }
    let mut required_inits = Vec::new();
    for &i in &s.required {
        let f = &s.fields[i];
        let field = ident(&f.ident);
        let (ty, expr) = match f.presence {
            Presence::RequiredNullable => (w.field_ty(f), w.nullable(&f.ty, &field)),
            Presence::OptionalNullable => {
                let o = w.paths.get(Item::Option);
                let ty = w.ty(&f.ty);
                let expr = w.nullable(&f.ty, &field);
                (quote!(#o<#ty>), quote!(Some(#expr)))
            }
            Presence::Required => w.param(&f.ty, &field),
            Presence::Optional => {
                let (ty, expr) = w.param(&f.ty, &field);
                (ty, quote!(Some(#expr)))
            }
        };
        params.push(quote!(#field: #ty));
        if field == expr.to_string() {
            required_inits.push(quote!(#field));
        } else {
            required_inits.push(quote!(#field: #expr));
        }
    }
    let article = if name.to_string().starts_with(['A', 'E', 'I', 'O', 'U']) {
        "An"
    } else {
        "A"
    };
    let list = |fields: &[usize]| {
        let names: Vec<String> = fields
            .iter()
            .map(|&i| format!("`{}`", s.fields[i].ident))
            .collect();
        names.join(", ")
    };
    let filled = (!s.constants.is_empty()).then(|| {
        format!(
            "the constants the schema requires ({}) filled in",
            list(&s.constants)
        )
    });
    let new_doc = match (s.required.is_empty(), filled) {
        (true, None) => format!("{article} `{name}` with every field unset."),
        (true, Some(filled)) => {
            format!("{article} `{name}` with {filled}, every other field unset.")
        }
        (false, filled) => format!(
            "{article} `{name}` from its required fields ({}){}; set the others with the `with_*` \
             methods.",
            list(&s.required),
            filled.map(|f| format!(", with {f}")).unwrap_or_default()
        ),
    };
    let setters = s
        .fields
        .iter()
        .enumerate()
        .filter(|(i, _)| !s.required.contains(i) && !s.constants.contains(i))
        .map(|(_, f)| {
            let field = ident(&f.ident);
            let setter = format_ident!("with_{}", f.ident.trim_end_matches('_'));
            let (ty, expr) = match f.presence {
                Presence::OptionalNullable => {
                    let o = w.paths.get(Item::Option);
                    let ty = w.ty(&f.ty);
                    (quote!(#o<#ty>), w.nullable(&f.ty, &field))
                }
                _ => w.param(&f.ty, &field),
            };
            let doc = format!("Sets [`{}`](Self::{}).", f.ident, f.ident);
            quote! {
                #[doc = #doc]
                pub fn #setter(mut self, #field: #ty) -> Self {
                    self.#field = Some(#expr);
                    self
                }
            }
        });
    // Clippy's limit, 7: more is what the schema requires, not a design choice here.
    let many = (params.len() > 7).then(
        || quote!(#[allow(clippy::too_many_arguments, reason = "one argument per required field")]),
    );
    // Nothing to pass: `Default`, derived unless constants need filling in.
    let default = (s.required.is_empty() && s.constants.is_empty()).then(|| quote!(Default,));
    let default_impl = (s.required.is_empty() && !s.constants.is_empty()).then(|| {
        quote! {
            impl Default for #name {
                fn default() -> Self {
                    Self::new()
                }
            }
        }
    });
    let (construct, builder) = if s.built_by_name() {
        let (construct, builder) = emit_builder(w, name, s, article);
        (construct, Some(builder))
    } else {
        let construct = quote! {
            #[doc = #new_doc]
            #many
            pub fn new(#(#params),*) -> Self {
                #name {
                    #(#required_inits,)*
                    #(#inits,)*
                    #unknown: #map::new(),
                }
            }
        };
        (construct, None)
    };
    let debug = if s.has_secrets() {
        let shown = s.fields.iter().map(|f| {
            let field = ident(&f.ident);
            let label = &f.ident;
            match (f.secret, f.presence) {
                (false, _) => quote!(.field(#label, &self.#field)),
                (true, Presence::Required) => quote!(.field(#label, &"***")),
                (true, _) => quote!(.field(#label, &self.#field.as_ref().map(|_| "***"))),
            }
        });
        let label = name.to_string();
        Some(quote! {
            impl fmt::Debug for #name {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.debug_struct(#label)
                        #(#shown)*
                        .field("unknown_fields", &self.#unknown.keys().collect::<Vec<_>>())
                        .finish()
                }
            }
        })
    } else {
        None
    };
    let derive_debug = debug.is_none().then(|| quote!(Debug,));
    quote! {
        #doc
        #[derive(Clone, #derive_debug #default PartialEq)]
        #[non_exhaustive]
        pub struct #name {
            #(#fields)*
            #[doc = #unknown_doc]
            pub #unknown: #map<#string, #value>,
        }

        impl #name {
            #construct

            #(#setters)*
        }

        #builder

        #default_impl
        #debug
    }
}

/// `Type::builder()` and `TypeBuilder` for a type [built by name](Struct::built_by_name): a
/// setter per field named as the field, and `build()`, which names the required fields left
/// unset.
fn emit_builder(
    w: &TypeWriter<'_>,
    name: &Ident,
    s: &Struct,
    article: &str,
) -> (TokenStream, TokenStream) {
    let builder = format_ident!("{name}Builder");
    let map = w.paths.get(Item::Map);
    let o = w.paths.get(Item::Option);
    let unknown = ident(UNKNOWN_FIELDS);
    let mut slots = Vec::new();
    let mut setters = Vec::new();
    let mut inits = Vec::new();
    for (i, f) in s.fields.iter().enumerate() {
        let field = ident(&f.ident);
        let ty = w.field_ty(f);
        let required = s.required.contains(&i);
        if let Some(value) = s.constant_value(i) {
            inits.push(quote!(#field: #value));
            continue;
        }
        let (param, value) = match (required, f.presence) {
            (_, Presence::RequiredNullable) => (ty.clone(), w.nullable(&f.ty, &field)),
            (_, Presence::OptionalNullable) => {
                let inner = w.ty(&f.ty);
                let value = w.nullable(&f.ty, &field);
                (
                    quote!(#o<#inner>),
                    if required {
                        quote!(Some(#value))
                    } else {
                        value
                    },
                )
            }
            (true, Presence::Optional) => {
                let (param, value) = w.param(&f.ty, &field);
                (param, quote!(Some(#value)))
            }
            _ => w.param(&f.ty, &field),
        };
        let doc = if required {
            format!("Sets [`{name}::{}`] (required).", f.ident)
        } else {
            format!("Sets [`{name}::{}`].", f.ident)
        };
        if required {
            slots.push(quote!(#field: #o<#ty>,));
            inits.push(quote!(#field));
        } else {
            slots.push(quote!(#field: #ty,));
            inits.push(quote!(#field: self.#field));
        }
        let setter = ident(&Struct::builder_setter(&f.ident));
        setters.push(quote! {
            #[doc = #doc]
            pub fn #setter(mut self, #field: #param) -> Self {
                self.#field = Some(#value);
                self
            }
        });
    }
    let required: Vec<Ident> = s
        .required
        .iter()
        .map(|&i| ident(&s.fields[i].ident))
        .collect();
    let labels: Vec<&str> = s
        .required
        .iter()
        .map(|&i| s.fields[i].ident.as_str())
        .collect();
    let names = labels
        .iter()
        .map(|l| format!("`{l}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let label = name.to_string();
    let construct_doc = format!(
        "{article} `{name}` set field by field: its required fields ({names}) and any other, \
         then [`build`]({builder}::build), which fails naming a required field left unset."
    );
    let builder_doc = format!(
        "Builds {} [`{name}`] by name (from [`{name}::builder`]): a setter per field; \
         [`build`](Self::build) checks that the required ones ({names}) are set.",
        article.to_lowercase()
    );
    let build_doc = format!("The `{name}`, or the required fields left unset.");
    let derive_debug = (!s.has_secrets()).then(|| quote!(Debug,));
    let debug = s.has_secrets().then(|| {
        let label = builder.to_string();
        quote! {
            impl fmt::Debug for #builder {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.debug_struct(#label).finish_non_exhaustive()
                }
            }
        }
    });
    let construct = quote! {
        #[doc = #construct_doc]
        pub fn builder() -> #builder {
            <#builder as Default>::default()
        }
    };
    let builder = quote! {
        #[doc = #builder_doc]
        #[derive(Clone, #derive_debug Default)]
        #[must_use]
        pub struct #builder {
            #(#slots)*
        }

        impl #builder {
            #(#setters)*

            #[doc = #build_doc]
            pub fn build(self) -> ::std::result::Result<#name, crate::runtime::MissingFields> {
                match (#(self.#required,)*) {
                    (#(Some(#required),)*) => Ok(#name {
                        #(#inits,)*
                        #unknown: #map::new(),
                    }),
                    (#(#required,)*) => Err(crate::runtime::MissingFields::new(
                        #label,
                        &[#((#labels, #required.is_none()),)*],
                    )),
                }
            }
        }

        #debug
    };
    (construct, builder)
}

fn emit_enum(name: &Ident, doc: Option<TokenStream>, e: &StringEnum) -> TokenStream {
    let unknown = ident(UNKNOWN_VARIANT);
    let variants = e.variants.iter().map(|(variant, value)| {
        let variant = ident(variant);
        let doc = format!("`{value}`");
        quote! {
            #[doc = #doc]
            #variant,
        }
    });
    let to_str = e.variants.iter().map(|(variant, value)| {
        let variant = ident(variant);
        quote!(#name::#variant => #value,)
    });
    let from_str = e.variants.iter().map(|(variant, value)| {
        let variant = ident(variant);
        quote!(#value => #name::#variant,)
    });
    quote! {
        #doc
        #[derive(Clone, Debug, Eq, Hash, PartialEq)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            #[doc = "A value this version of the client does not know, as received: compare \
                     [`as_str`](Self::as_str), since a later version may know it as a variant."]
            #unknown(crate::UnknownValue),
        }

        impl #name {
            #[doc = "The value as the service writes it."]
            pub fn as_str(&self) -> &str {
                match self {
                    #(#to_str)*
                    #name::#unknown(value) => value.as_str(),
                }
            }
        }

        impl From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #(#from_str)*
                    other => #name::#unknown(crate::UnknownValue(other.into())),
                }
            }
        }

        impl fmt::Display for #name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    }
}

/// The fields from which a union's struct variant may outgrow its others by Clippy's 200 bytes.
const LARGE_STRUCT_FIELDS: usize = 8;

fn emit_union(
    w: &TypeWriter<'_>,
    name: &Ident,
    doc: Option<TokenStream>,
    u: &Union,
) -> TokenStream {
    let value = w.paths.get(Item::Value);
    let unknown = ident(UNKNOWN_VARIANT);
    let variants = u.variants.iter().map(|v| {
        let variant = ident(&v.ident);
        let ty = w.ty(&v.ty);
        let mut text = v.doc.clone().unwrap_or_default();
        if text.trim().is_empty() && u.tag.is_none() {
            text = match named(&v.ty) {
                Some(ty) => format!("A [`{ty}`]."),
                None => format!("The `{}` shape.", v.ident),
            };
        }
        if let (Some(tag), Some(tag_value)) = (&u.tag, &v.tag_value) {
            if !text.is_empty() {
                text.push_str("\n\n");
            }
            text.push_str(&format!("`{tag}` is `{tag_value}`."));
        }
        let doc = (!text.is_empty()).then(|| quote!(#[doc = #text]));
        quote! {
            #doc
            #variant(#ty),
        }
    });
    let unknown_doc = match &u.tag {
        Some(tag) => {
            format!("A `{tag}` this version of the client does not know: the value as received.")
        }
        None => "A shape this version of the client does not know: the value as received.".into(),
    };
    // A variant that is a large struct beside `Value`-sized ones (Clippy's limit is 200 bytes
    // of difference): each field is at least a byte, most 16 to 24, so many fields are large.
    let large = u.variants.iter().any(|v| match &v.ty {
        Ty::Named(n) => matches!(w.kinds.get(n.as_str()), Some(Kind::Struct(s)) if s.fields.len() >= LARGE_STRUCT_FIELDS),
        _ => false,
    });
    let allow = large.then(|| {
        quote!(#[allow(clippy::large_enum_variant, reason = "each variant is a shape the service sends, held as it is")])
    });
    quote! {
        #doc
        #[derive(Clone, Debug, PartialEq)]
        #[non_exhaustive]
        #allow
        pub enum #name {
            #(#variants)*
            #[doc = #unknown_doc]
            #unknown(#value),
        }
    }
}
