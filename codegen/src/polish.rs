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
}
