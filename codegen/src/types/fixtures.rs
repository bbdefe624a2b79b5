//! `Fixture` for every generated type, behind the crate's `fixtures` feature: the placeholder
//! values tests answer a fake with (`runtime::fake::Fixture`, whose docs say what a placeholder
//! holds).

use proc_macro2::TokenStream;
use quote::quote;

use crate::idents::ident;
use crate::types::typedefs::{Kind, Presence, TypeDef, UNKNOWN_FIELDS};

/// The `Fixture` impl of `def`, if it is a struct, an enum or a union (an alias has its
/// target's).
pub fn emit_fixture(def: &TypeDef) -> Option<TokenStream> {
    let name = ident(&def.name);
    let fixture = quote!(crate::runtime::fake::Fixture::fixture());
    let body = match &def.kind {
        Kind::Struct(s) => {
            let unknown = ident(UNKNOWN_FIELDS);
            let fields = s.fields.iter().enumerate().map(|(i, f)| {
                let field = ident(&f.ident);
                let value = match (s.constant_value(i), f.presence) {
                    (Some(constant), _) => constant,
                    (None, Presence::Required) => fixture.clone(),
                    (None, Presence::Optional) if s.required.contains(&i) => quote!(Some(#fixture)),
                    _ => quote!(None),
                };
                quote!(#field: #value)
            });
            quote! {
                #name {
                    #(#fields,)*
                    #unknown: serde_json::Map::new(),
                }
            }
        }
        Kind::Enum(e) => match e.variants.first() {
            Some((variant, _)) => {
                let variant = ident(variant);
                quote!(#name::#variant)
            }
            None => quote!(#name::Unknown(crate::UnknownValue(String::new()))),
        },
        Kind::Union(u) => match u.variants.first() {
            Some(v) => {
                let variant = ident(&v.ident);
                quote!(#name::#variant(#fixture))
            }
            None => quote!(#name::Unknown(serde_json::Value::Null)),
        },
        Kind::Alias(_) => return None,
    };
    Some(quote! {
        #[cfg(feature = "fixtures")]
        impl crate::runtime::fake::Fixture for #name {
            fn fixture() -> Self {
                #body
            }
        }
    })
}
