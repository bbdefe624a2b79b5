//! Small rewrites of typify's output so that it passes `clippy -D warnings` as hand-written
//! code would, without `#[allow]`s.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Expr, Fields, ImplItem, Item, Stmt, Type};

/// Replaces `impl Default for E { fn default() -> Self { E::V } }` on an enum whose `V` is a
/// unit variant with `#[derive(Default)]` and `#[default]` on `V` (clippy's `derivable_impls`).
pub fn derive_enum_defaults(file: &mut syn::File) {
    let mut derived = Vec::new();
    for (index, item) in file.items.iter().enumerate() {
        if let Some((enum_name, variant)) = unit_default_impl(item) {
            derived.push((index, enum_name, variant));
        }
    }
    let mut remove = Vec::new();
    for (index, enum_name, variant) in derived {
        let Some(Item::Enum(e)) = file
            .items
            .iter_mut()
            .find(|i| matches!(i, Item::Enum(e) if e.ident == enum_name))
        else {
            continue;
        };
        let Some(v) = e.variants.iter_mut().find(|v| v.ident == variant) else {
            continue;
        };
        if !matches!(v.fields, Fields::Unit) {
            continue;
        }
        v.attrs.push(syn::parse_quote!(#[default]));
        add_derive(&mut e.attrs, quote!(Default));
        remove.push(index);
    }
    for index in remove.into_iter().rev() {
        file.items.remove(index);
    }
}

/// `(E, V)` for `impl Default for E { fn default() -> Self { E::V } }`.
fn unit_default_impl(item: &Item) -> Option<(syn::Ident, syn::Ident)> {
    let Item::Impl(imp) = item else {
        return None;
    };
    let (_, trait_path, _) = imp.trait_.as_ref()?;
    if trait_path.segments.last()?.ident != "Default" {
        return None;
    }
    let Type::Path(self_ty) = imp.self_ty.as_ref() else {
        return None;
    };
    let enum_name = self_ty.path.get_ident()?.clone();
    let [ImplItem::Fn(f)] = imp.items.as_slice() else {
        return None;
    };
    let [Stmt::Expr(Expr::Path(p), None)] = f.block.stmts.as_slice() else {
        return None;
    };
    let segments: Vec<_> = p.path.segments.iter().collect();
    match segments.as_slice() {
        [ty, variant] if ty.ident == enum_name => Some((enum_name, variant.ident.clone())),
        _ => None,
    }
}

fn add_derive(attrs: &mut Vec<syn::Attribute>, derive: TokenStream) {
    for attr in attrs.iter_mut() {
        if let syn::Meta::List(list) = &mut attr.meta
            && list.path.is_ident("derive")
        {
            let existing = list.tokens.clone();
            list.tokens = quote!(#existing, #derive);
            return;
        }
    }
    attrs.push(syn::parse_quote!(#[derive(#derive)]));
}

/// Trims typify's string-enum boilerplate, which costs build time every user pays: the three
/// `TryFrom<&str | &String | String>` impls (`FromStr` and `Display` stay) and the ordering
/// derives (`Eq` and `Hash` stay, for sets and map keys).
pub fn trim_string_enums(file: &mut syn::File) {
    file.items.retain(|item| {
        let Item::Impl(imp) = item else { return true };
        let Some((_, path, _)) = &imp.trait_ else {
            return true;
        };
        path.segments.last().is_none_or(|s| s.ident != "TryFrom")
    });
    for item in &mut file.items {
        if let Item::Enum(e) = item {
            remove_derives(&mut e.attrs, &["Ord", "PartialOrd"]);
        }
    }
}

fn remove_derives(attrs: &mut [syn::Attribute], names: &[&str]) {
    for attr in attrs.iter_mut() {
        if let syn::Meta::List(list) = &mut attr.meta
            && list.path.is_ident("derive")
        {
            let paths: syn::punctuated::Punctuated<syn::Path, syn::Token![,]> = list
                .parse_args_with(syn::punctuated::Punctuated::parse_terminated)
                .expect("derive list");
            let kept = paths.into_iter().filter(|p| {
                !names
                    .iter()
                    .any(|n| p.segments.last().is_some_and(|s| s.ident == n))
            });
            list.tokens = quote!(#(#kept),*);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_impl_becomes_a_derive() {
        let mut file: syn::File = syn::parse_quote! {
            #[derive(Clone, Debug)]
            pub enum Mode { A, B }
            impl ::std::default::Default for Mode {
                fn default() -> Self { Mode::B }
            }
        };
        derive_enum_defaults(&mut file);
        let text = quote!(#file).to_string();
        assert_eq!(file.items.len(), 1, "{text}");
        assert!(text.contains("Debug , Default"), "{text}");
        assert!(text.contains("# [default] B"), "{text}");
    }

    #[test]
    fn string_enums_lose_try_from_and_ordering() {
        let mut file: syn::File = syn::parse_quote! {
            #[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
            pub enum Mode { A }
            impl ::std::convert::TryFrom<&str> for Mode {
                type Error = ();
                fn try_from(value: &str) -> Result<Self, ()> { value.parse() }
            }
            impl ::std::str::FromStr for Mode {
                type Err = ();
                fn from_str(_: &str) -> Result<Self, ()> { Ok(Mode::A) }
            }
        };
        trim_string_enums(&mut file);
        let text = quote!(#file).to_string();
        assert_eq!(file.items.len(), 2, "{text}");
        assert!(text.contains("FromStr"), "{text}");
        assert!(!text.contains("TryFrom"), "{text}");
        assert!(
            text.contains("derive (Clone , Copy , Debug , Eq , Hash , PartialEq)"),
            "{text}"
        );
    }
}
