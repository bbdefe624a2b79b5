//! Stage 5d: a service's `events.rs`, from its `exchanges.json`: per exchange a routing-key
//! struct (its name, binding patterns from the fields a consumer sets, a concrete key's fields),
//! and one enum of every exchange's messages that decodes a delivery by its exchange.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::emit::helpers::type_path;
use crate::idents::{Claimed, ident};
use crate::model::{Events, Exchange, Service};

/// The items of `events.rs`, or nothing for a service without exchanges.
pub fn emit_events(service: &Service) -> TokenStream {
    let Some(events) = &service.events else {
        return quote!();
    };
    let enum_name = event_enum(service);
    let structs = events
        .exchanges
        .iter()
        .map(|e| emit_exchange(service, events, e));
    let variants = events.exchanges.iter().map(|e| {
        let variant = ident(&e.ident);
        let message = type_path(service, e.message);
        let doc = format!("A message of [`{}`].", e.ident);
        quote! {
            #[doc = #doc]
            #variant(#message),
        }
    });
    let arms = events.exchanges.iter().map(|e| {
        let variant = ident(&e.ident);
        quote!(#variant::EXCHANGE => events::decode_json(exchange, payload).map(#enum_name::#variant),)
    });
    let enum_doc = format!(
        "A message of any exchange of the {}: what a consumer bound to several of them \
         receives. [`Event::decode`] picks the variant by the exchange it came from.",
        service.title
    );
    let exchange_arms = events.exchanges.iter().map(|e| {
        let variant = ident(&e.ident);
        quote!(#enum_name::#variant(_) => #variant::EXCHANGE,)
    });
    let serialize_arms = events.exchanges.iter().map(|e| {
        let variant = ident(&e.ident);
        quote!(#enum_name::#variant(message) => serde::Serialize::serialize(message, serializer),)
    });
    let not_ours = format!("not an exchange of the {}", service.title);
    quote! {
        // `Event` is what decodes a message (`QueueEvent::decode`): in scope with the enum.
        pub use crate::runtime::events::{Binding, DecodeError, Event};
        use crate::runtime::events::{self, KeyPart};

        use super::types;

        #(#structs)*

        #[doc = #enum_doc]
        #[derive(Clone, Debug, PartialEq)]
        #[non_exhaustive]
        pub enum #enum_name {
            #(#variants)*
        }

        impl #enum_name {
            #[doc = "The exchange a message of this variant is published to."]
            pub fn exchange(&self) -> &'static str {
                match self {
                    #(#exchange_arms)*
                }
            }
        }

        #[doc = "The message's payload, as published: to store it or publish it again."]
        impl serde::Serialize for #enum_name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    #(#serialize_arms)*
                }
            }
        }

        impl Event for #enum_name {
            fn decode(exchange: &str, _routing_key: &str, payload: &[u8]) -> Result<Self, DecodeError> {
                match exchange {
                    #(#arms)*
                    _ => Err(DecodeError::new(exchange, "", #not_ours)),
                }
            }
        }
    }
}

/// `QueueEvent`: the enum of a service's messages.
pub fn event_enum(service: &Service) -> Ident {
    format_ident!("{}Event", service.client)
}

fn emit_exchange(service: &Service, events: &Events, e: &Exchange) -> TokenStream {
    let name = ident(&e.ident);
    let full = format!("{}{}", events.prefix, e.exchange);
    let message = service.type_name(e.message);
    let doc = format!(
        "{}\n\n{}\n\nThe exchange `{full}`; its messages are [`types::{message}`]. Set the \
         routing-key fields to match and bind with [`{n}::binding`]; unset fields match \
         anything.",
        e.title.trim(),
        e.description.trim(),
        n = e.ident
    );
    let fields: Vec<_> = e
        .routing_key
        .iter()
        .filter(|p| p.constant.is_none())
        .collect();
    let field_decls = fields.iter().map(|p| {
        let field = ident(&p.ident);
        let mut doc = p.summary.trim().to_owned();
        if p.multiple_words {
            doc.push_str("\n\nAny number of words.");
        }
        quote! {
            #[doc = #doc]
            pub #field: Option<String>,
        }
    });
    let setters = fields.iter().map(|p| {
        let field = ident(&p.ident);
        let setter = format_ident!("with_{}", p.ident.trim_end_matches('_'));
        let doc = format!("Sets [`{0}`](Self::{0}).", p.ident);
        quote! {
            #[doc = #doc]
            pub fn #setter(mut self, #field: impl Into<String>) -> Self {
                self.#field = Some(#field.into());
                self
            }
        }
    });
    let parts = e.routing_key.iter().map(|p| {
        let key = &p.name;
        match (&p.constant, p.multiple_words) {
            (Some(c), _) => quote!(KeyPart::constant(#key, #c)),
            (None, true) => quote!(KeyPart::words(#key)),
            (None, false) => quote!(KeyPart::word(#key)),
        }
    });
    let values = e.routing_key.iter().map(|p| match p.constant {
        Some(_) => quote!(None),
        None => {
            let field = ident(&p.ident);
            quote!(self.#field.as_deref())
        }
    });
    let mut locals = Claimed::reserving(&["values", "routing_key"]);
    let reads = e.routing_key.iter().map(|p| match p.constant {
        // A constant's place in the key, already checked by `parse`.
        Some(_) => quote!(values.next();),
        None => {
            let local = ident(&locals.claim(&p.ident));
            quote!(let #local = values.next().flatten();)
        }
    });
    let mut locals = Claimed::reserving(&["values", "routing_key"]);
    let inits = fields.iter().map(|p| {
        let field = ident(&p.ident);
        let local = ident(&locals.claim(&p.ident));
        if field == local {
            quote!(#field,)
        } else {
            quote!(#field: #local,)
        }
    });
    quote! {
        #[doc = #doc]
        #[derive(Clone, Debug, Default, PartialEq, Eq)]
        #[non_exhaustive]
        pub struct #name {
            #(#field_decls)*
        }

        impl #name {
            #[doc = "The exchange's full name."]
            pub const EXCHANGE: &'static str = #full;

            const KEY: &'static [KeyPart] = &[#(#parts),*];

            #[doc = "Every message of the exchange: no field set."]
            pub fn new() -> Self {
                Self::default()
            }

            #(#setters)*

            #[doc = "The routing-key pattern of the fields set: `*` for each unset word, `#` for \
                     an unset part of several words."]
            pub fn routing_key_pattern(&self) -> String {
                events::pattern(Self::KEY, &[#(#values),*])
            }

            #[doc = "The binding that consumes the messages these fields match."]
            pub fn binding(&self) -> Binding {
                Binding::new(Self::EXCHANGE, self.routing_key_pattern())
            }

            #[doc = "The fields of a concrete routing key of this exchange (`_`, a service's \
                     \"no value\", reads as `None`), or `None` if the key has another shape."]
            pub fn parse(routing_key: &str) -> Option<Self> {
                let mut values = events::parse(Self::KEY, routing_key)?.into_iter();
                #(#reads)*
                Some(#name { #(#inits)* })
            }
        }
    }
}
