//! Stage 4: emit Rust types for a service's resolved schemas, through typify.

use std::panic::{AssertUnwindSafe, catch_unwind};

use proc_macro2::TokenStream;
use schemars::schema::Schema;
use typify::{TypeSpace, TypeSpaceSettings};

use crate::error::{Error, Result};
use crate::polish;
use crate::resolve::ResolvedSchemas;

/// The Rust items (structs, enums) for `resolved`; `origin` names the service's schemas in errors.
pub fn emit_types(origin: &str, resolved: &ResolvedSchemas) -> Result<TokenStream> {
    let mut definitions = Vec::with_capacity(resolved.definitions.len());
    for (name, body) in &resolved.definitions {
        let schema: Schema = serde_json::from_value(body.clone()).map_err(|e| {
            Error::new(
                origin,
                format!("/definitions/{name}"),
                format!("not a schema: {e}"),
            )
        })?;
        definitions.push((name.clone(), schema));
    }

    let mut settings = TypeSpaceSettings::default();
    settings.with_derive("PartialEq".to_owned());
    let mut space = TypeSpace::new(&settings);
    // typify reports some unsupported schemas by panicking; treat that like any bad input.
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        space.add_ref_types(definitions)?;
        Ok::<_, typify::Error>(space.to_stream())
    }));
    match outcome {
        Ok(Ok(tokens)) => {
            let mut file: syn::File = syn::parse2(tokens).map_err(|e| {
                Error::new(
                    origin,
                    "",
                    format!("typify emitted Rust that does not parse: {e}"),
                )
            })?;
            polish::derive_enum_defaults(&mut file);
            polish::trim_string_enums(&mut file);
            Ok(quote::quote!(#file))
        }
        Ok(Err(e)) => Err(Error::new(origin, "", format!("typify: {e}"))),
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("unknown panic");
            Err(Error::new(origin, "", format!("typify failed: {message}")))
        }
    }
}
