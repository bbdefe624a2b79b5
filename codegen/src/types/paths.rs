//! Names of items the generated code uses from elsewhere (`String`, `BTreeMap`, `Value`, …),
//! written plainly with a `use` where that is unambiguous, and by full path where a generated
//! type of the same name would shadow them.

use std::cell::RefCell;
use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::quote;

/// An item from outside the generated module.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Item {
    String,
    Vec,
    Option,
    Box,
    BTreeMap,
    Value,
    Map,
    Number,
    DateTime,
    Utc,
    Call,
    Client,
    ClientConfig,
    Method,
    Escape,
    Pages,
    Stream,
    RuntimeResult,
    Objects,
    Path,
    WholeMillis,
}

impl Item {
    fn name(self) -> &'static str {
        match self {
            Item::String => "String",
            Item::Vec => "Vec",
            Item::Option => "Option",
            Item::Box => "Box",
            Item::BTreeMap => "BTreeMap",
            Item::Value => "Value",
            Item::Map => "Map",
            Item::Number => "Number",
            Item::DateTime => "DateTime",
            Item::Utc => "Utc",
            Item::Call => "Call",
            Item::Client => "Client",
            Item::ClientConfig => "ClientConfig",
            Item::Method => "Method",
            Item::Escape => "escape",
            Item::Pages => "pages",
            Item::Stream => "Stream",
            Item::RuntimeResult => "Result",
            Item::Objects => "objects",
            Item::Path => "Path",
            Item::WholeMillis => "whole_millis",
        }
    }

    fn full_path(self) -> TokenStream {
        match self {
            Item::String => quote!(::std::string::String),
            Item::Vec => quote!(::std::vec::Vec),
            Item::Option => quote!(::std::option::Option),
            Item::Box => quote!(::std::boxed::Box),
            Item::BTreeMap => quote!(::std::collections::BTreeMap),
            Item::Value => quote!(::serde_json::Value),
            Item::Map => quote!(::serde_json::Map),
            Item::Number => quote!(::serde_json::Number),
            Item::DateTime => quote!(::chrono::DateTime),
            Item::Utc => quote!(::chrono::Utc),
            Item::Call => quote!(crate::runtime::Call),
            Item::Client => quote!(crate::runtime::Client),
            Item::ClientConfig => quote!(crate::runtime::ClientConfig),
            Item::Method => quote!(crate::runtime::Method),
            Item::Escape => quote!(crate::runtime::escape),
            Item::Pages => quote!(crate::runtime::pages),
            Item::Stream => quote!(crate::runtime::Stream),
            Item::RuntimeResult => quote!(crate::runtime::Result),
            Item::Objects => quote!(crate::runtime::objects),
            Item::Path => quote!(::std::path::Path),
            Item::WholeMillis => quote!(crate::runtime::time::whole_millis),
        }
    }

    /// The `use` that brings the item in, or `None` for the prelude.
    fn import(self) -> Option<(&'static str, &'static str)> {
        match self {
            Item::String | Item::Vec | Item::Option | Item::Box => None,
            Item::BTreeMap => Some(("std::collections", "BTreeMap")),
            Item::Value => Some(("serde_json", "Value")),
            Item::Map => Some(("serde_json", "Map")),
            Item::Number => Some(("serde_json", "Number")),
            Item::DateTime => Some(("chrono", "DateTime")),
            Item::Utc => Some(("chrono", "Utc")),
            Item::Call => Some(("crate::runtime", "Call")),
            Item::Client => Some(("crate::runtime", "Client")),
            Item::ClientConfig => Some(("crate::runtime", "ClientConfig")),
            Item::Method => Some(("crate::runtime", "Method")),
            Item::Escape => Some(("crate::runtime", "escape")),
            Item::Pages => Some(("crate::runtime", "pages")),
            Item::Stream => Some(("crate::runtime", "Stream")),
            Item::RuntimeResult => Some(("crate::runtime", "Result")),
            Item::Objects => Some(("crate::runtime", "objects")),
            Item::Path => Some(("std::path", "Path")),
            Item::WholeMillis => Some(("crate::runtime::time", "whole_millis")),
        }
    }
}

/// The paths one generated module uses, given the names it defines itself.
#[derive(Debug)]
pub struct Paths {
    locals: BTreeSet<String>,
    used: RefCell<BTreeSet<Item>>,
}

impl Paths {
    pub fn new(locals: impl IntoIterator<Item = String>) -> Self {
        Paths {
            locals: locals.into_iter().collect(),
            used: RefCell::default(),
        }
    }

    /// A copy with the same locals and nothing used yet: what [`Paths::get`] on it writes
    /// leaves this one's imports alone.
    pub fn scratch(&self) -> Paths {
        Paths::new(self.locals.iter().cloned())
    }

    /// How to write `item` in this module.
    pub fn get(&self, item: Item) -> TokenStream {
        if self.locals.contains(item.name()) {
            return item.full_path();
        }
        self.used.borrow_mut().insert(item);
        let name = proc_macro2::Ident::new(item.name(), proc_macro2::Span::call_site());
        quote!(#name)
    }

    /// The `use` items for what [`Paths::get`] wrote plainly, grouped by crate.
    pub fn imports(&self) -> TokenStream {
        let mut by_module: Vec<(&str, Vec<&str>)> = Vec::new();
        for item in self.used.borrow().iter() {
            let Some((module, name)) = item.import() else {
                continue;
            };
            match by_module.iter_mut().find(|(m, _)| *m == module) {
                Some((_, names)) => names.push(name),
                None => by_module.push((module, vec![name])),
            }
        }
        by_module.sort();
        let uses = by_module.into_iter().map(|(module, mut names)| {
            names.sort();
            let module: syn::Path = syn::parse_str(module).expect("a module path");
            let names = names
                .iter()
                .map(|n| proc_macro2::Ident::new(n, proc_macro2::Span::call_site()));
            if names.len() == 1 {
                quote!(use #module::#(#names)*;)
            } else {
                quote!(use #module::{#(#names),*};)
            }
        });
        quote!(#(#uses)*)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_unless_shadowed() {
        let paths = Paths::new(["Value".to_owned()]);
        assert_eq!(paths.get(Item::String).to_string(), "String");
        assert_eq!(paths.get(Item::Value).to_string(), ":: serde_json :: Value");
        assert_eq!(paths.get(Item::Map).to_string(), "Map");
        assert_eq!(paths.get(Item::Utc).to_string(), "Utc");
        assert_eq!(paths.get(Item::DateTime).to_string(), "DateTime");
        assert_eq!(
            paths.imports().to_string(),
            "use chrono :: { DateTime , Utc } ; use serde_json :: Map ;"
        );
    }
}
