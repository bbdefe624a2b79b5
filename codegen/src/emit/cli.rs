//! Stage 5e: a command-line client's command tree, for either family: every method of every
//! service as `<binary> <service> <method> [ROUTE PARAMS…] [--<query-param> VALUE…]
//! [--<header> VALUE…] [--input FILE|-]`, with the reference's title, description (and, for
//! Taskcluster, required scopes) as help, and the dispatch from a parsed command to the typed
//! call. Taskcluster's is `cli/src/api.rs` (binary `tc`), Rucio's `rucio-cli/src/api.rs` (binary
//! `rucio-rs`); what differs between them is a [`Family`]. The rest of each command (output,
//! errors, configuration, helpers) is its hand-written crate's; this file calls its `run`
//! module, which both crates give the same functions.
//!
//! How a method is called follows the model: a stream answer (`Call<Vec<T>>`) is printed as JSON
//! lines through `run::stream`, a text or redirect answer through `run::text`, every other
//! through `run::call`; a Taskcluster method with continuation tokens takes `--all`.
//!
//! For Taskcluster, also `tc listen <service> <exchange> [--<routing-key field> VALUE…]`: every
//! Pulse exchange as a command whose options are its routing-key fields, and the binding they
//! make with the generated routing-key struct; the listening itself is the `cli` crate's
//! `listen` module.

use heck::ToKebabCase;
use proc_macro2::TokenStream;
use quote::quote;

use crate::emit::helpers::{headers_struct, render_scopes};
use crate::idents::ident;
use crate::model::{Answer, HttpMethod, Method, QueryKind, Service, Stability};
use crate::types::typedefs::TypeDef;

/// What differs between the families' command-line clients; the command tree is the model's.
#[derive(Clone, Copy, Debug)]
pub struct Family {
    /// The binary, as help texts name it.
    pub binary: &'static str,
    /// The generated client crate, as the command-line crate names it.
    pub krate: &'static str,
    /// The type at the crate's root that `dispatch` takes and each service's client is made
    /// from (`Client::new(&it)`): a configuration, or a client that holds one and its login.
    pub made_from: &'static str,
    /// Command names the hand-written part of the binary uses, which a service's command must
    /// not take (it becomes `<service>-service`).
    pub reserved: &'static [&'static str],
    /// The reference's own method names (`listTaskGroup`) as visible aliases.
    pub aliases: bool,
    /// `--url` and `--signed-url` for `GET` methods (Hawk signs URLs; Rucio's tokens do not).
    pub urls: bool,
    /// `listen`: the Pulse exchanges as commands.
    pub listen: bool,
}

/// `tc`, over `tc_client`.
pub const TASKCLUSTER: Family = Family {
    binary: "tc",
    krate: "tc_client",
    made_from: "ClientConfig",
    reserved: &[
        "artifact",
        "completions",
        "from-now",
        "help",
        "listen",
        "scopes",
        "signed-url",
        "slugid",
    ],
    aliases: true,
    urls: true,
    listen: true,
};

/// `rucio-rs`, over `rucio_client`: each group's calls are made from one `RucioClient`, which
/// logs in once for all of them. `download` and `upload` are kept for the transfers.
pub const RUCIO: Family = Family {
    binary: "rucio-rs",
    krate: "rucio_client",
    made_from: "RucioClient",
    reserved: &["completions", "download", "help", "upload", "whoami"],
    aliases: false,
    urls: false,
    listen: false,
};

impl Family {
    fn krate(&self) -> proc_macro2::Ident {
        ident(self.krate)
    }

    /// A service's command name.
    pub fn service_command(&self, service: &Service) -> String {
        if self.reserved.contains(&service.name.as_str()) {
            format!("{}-service", service.name)
        } else {
            service.name.clone()
        }
    }
}

/// A method's command name: `listTaskGroup` → `list-task-group`.
pub fn method_command(method: &Method) -> String {
    method.function.trim_end_matches('_').to_kebab_case()
}

/// The items of the command tree (`cli/src/api.rs`, `rucio-cli/src/api.rs`) of `family` for
/// `services` (with each one's types, for paging).
pub fn emit_cli(family: &Family, services: &[(&Service, &[TypeDef])]) -> TokenStream {
    let krate = family.krate();
    let made_from = ident(family.made_from);
    let builders = services
        .iter()
        .map(|(s, _)| emit_service_command(family, s));
    let names = services
        .iter()
        .map(|(s, _)| ident(&format!("{}_command", s.module)));
    let arms = services.iter().flat_map(|(s, defs)| {
        s.methods
            .iter()
            .map(move |m| emit_dispatch_arm(family, s, m, defs))
            .collect::<Vec<_>>()
    });
    let listen = family.listen.then(|| emit_listen(family, services));
    let made_from_doc = format!(
        "Runs the method `method` of `service` with the parsed `args`, through a client made \
         from `{}`.",
        family.made_from
    );
    quote! {
        use clap::{Arg, ArgMatches, Command};
        use #krate::#made_from;

        use crate::run::{self, Outcome, Problem};

        #[doc = "The command of each service, with a subcommand per method."]
        pub fn services() -> Vec<Command> {
            vec![#(#names()),*]
        }

        #(#builders)*

        #listen

        #[doc = #made_from_doc]
        pub async fn dispatch(
            config: &#made_from,
            service: &str,
            method: &str,
            args: &ArgMatches,
        ) -> Result<Outcome, Problem> {
            match (service, method) {
                #(#arms)*
                _ => Err(Problem::usage(format!("no method {method} in {service}"))),
            }
        }
    }
}

fn emit_service_command(family: &Family, service: &Service) -> TokenStream {
    let function = ident(&format!("{}_command", service.module));
    let name = family.service_command(service);
    let about = service.plain_title.trim().to_owned();
    // `--help` shows the commands first: the service's prose (48 lines for the queue) comes
    // after them, where a reader looking for a command need not scroll past it.
    let long_about = format!(
        "{about}\n\nEvery method is a subcommand; `{} {name} <method> --help` says what it takes \
         (the service's description follows the list).",
        family.binary
    );
    let after_long_help = strip_markdown(&service.description);
    let methods = service
        .methods
        .iter()
        .map(|m| emit_method_command(family, m));
    quote! {
        fn #function() -> Command {
            Command::new(#name)
                .about(#about)
                .long_about(#long_about)
                .after_long_help(#after_long_help)
                .subcommand_required(true)
                #(.subcommand(#methods))*
        }
    }
}

/// A parameter's help: what the reference says of it, else where it goes.
fn param_help(description: &str, place: String) -> String {
    let description = strip_markdown(description.trim());
    let first = description
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .trim_end_matches('.');
    if first.is_empty() {
        place
    } else {
        format!("{first} ({place})")
    }
}

fn emit_method_command(family: &Family, method: &Method) -> TokenStream {
    let name = method_command(method);
    let mut about = method.title.trim().to_owned();
    match method.stability {
        Stability::Deprecated => about.push_str(" (deprecated)"),
        Stability::Experimental => about.push_str(" (experimental)"),
        Stability::Stable => {}
    }
    let mut long = format!("{about}\n\n{}", method.plain_description.trim());
    if let Some(scopes) = &method.scopes {
        long.push_str("\n\nRequired scopes:\n  ");
        let mut text = String::new();
        render_scopes(scopes, 0, &mut text);
        long.push_str(&text.replace('`', "").replace('\n', "\n  "));
    }
    match method.answer {
        Answer::Stream => long.push_str("\n\nPrints one JSON line per item, as they arrive."),
        Answer::Text | Answer::Location => long.push_str("\n\nPrints the answer as text."),
        Answer::Json => {}
    }
    if let Some(python) = &method.counterpart {
        long.push_str(&format!("\n\nRucio's Python client: {python}."));
    }
    // The reference's own name (`listTaskGroup`) works too.
    let alias = (family.aliases && method.name != name).then(|| {
        let alias = &method.name;
        quote!(.visible_alias(#alias))
    });
    let positional = method.args.iter().map(|a| {
        let id = &a.name;
        let help = param_help(&a.description, format!("`{}` in the route", a.name));
        quote!(Arg::new(#id).value_name(#id).required(true).help(#help))
    });
    let options = method.query.iter().map(|q| {
        let id = format!("query:{}", q.name);
        let long = q.name.to_kebab_case();
        if q.kind == QueryKind::Pairs {
            let help = param_help(
                &q.description,
                "each KEY=VALUE a query parameter of its own; repeat".to_owned(),
            );
            return quote! {
                Arg::new(#id)
                    .long(#long)
                    .value_name("KEY=VALUE")
                    .action(clap::ArgAction::Append)
                    .help(#help)
            };
        }
        let help = param_help(&q.description, format!("`{}` in the query string", q.name));
        let parser = match q.kind {
            QueryKind::String | QueryKind::Pairs => quote!(),
            QueryKind::Integer => quote!(.value_parser(clap::value_parser!(u32))),
            QueryKind::Boolean => quote!(.value_parser(clap::value_parser!(bool))),
        };
        quote!(Arg::new(#id).long(#long).value_name("VALUE").help(#help) #parser)
    });
    let headers = method.headers.iter().map(|h| {
        let id = format!("header:{}", h.name);
        // `X-Rucio-Account` → `--x-rucio-account`: the header as Rucio's docs name it.
        let long = h.name.to_kebab_case();
        let help = param_help(&h.description, format!("the `{}` header", h.name));
        let required = h.required;
        quote!(Arg::new(#id).long(#long).value_name("VALUE").required(#required).help(#help))
    });
    let input = method
        .input
        .is_some()
        .then(|| quote!(.arg(run::input_arg())));
    let urls =
        (family.urls && method.http == HttpMethod::Get).then(|| quote!(.args(run::url_args())));
    let all = method
        .stream_function
        .is_some()
        .then(|| quote!(.arg(run::all_arg())));
    quote! {
        Command::new(#name)
            #alias
            .about(#about)
            .long_about(#long)
            #(.arg(#positional))*
            #(.arg(#options))*
            #(.arg(#headers))*
            #input
            #urls
            #all
    }
}

fn emit_dispatch_arm(
    family: &Family,
    service: &Service,
    method: &Method,
    defs: &[TypeDef],
) -> TokenStream {
    let krate = family.krate();
    let service_name = family.service_command(service);
    let method_name = method_command(method);
    let module = ident(&service.module);
    let client = ident(&service.client);
    let function = ident(&method.function);
    let args: Vec<TokenStream> = method
        .args
        .iter()
        .map(|a| {
            let id = &a.name;
            quote!(run::arg(args, #id))
        })
        .collect();
    let required_headers: Vec<TokenStream> = method
        .headers
        .iter()
        .filter(|h| h.required)
        .map(|h| {
            let id = format!("header:{}", h.name);
            quote!(run::arg(args, #id))
        })
        .collect();
    let optional_headers = method.headers.iter().any(|h| !h.required).then(|| {
        let ty = ident(&headers_struct(method));
        let sets = method.headers.iter().filter(|h| !h.required).map(|h| {
            let field = ident(&h.ident);
            let id = format!("header:{}", h.name);
            quote!(headers.#field = run::option::<String>(args, #id);)
        });
        quote! {
            let mut headers = #krate::#module::#ty::default();
            #(#sets)*
        }
    });
    let headers_arg = optional_headers.as_ref().map(|_| quote!(&headers,));
    let query = (!method.query.is_empty()).then(|| {
        let ty = ident(&method.query_struct());
        let sets = method.query.iter().map(|q| {
            let field = ident(&q.ident);
            let id = format!("query:{}", q.name);
            match q.kind {
                QueryKind::String => quote!(query.#field = run::option::<String>(args, #id);),
                QueryKind::Integer => quote!(query.#field = run::option::<u32>(args, #id);),
                QueryKind::Boolean => quote!(query.#field = run::option::<bool>(args, #id);),
                QueryKind::Pairs => quote!(query.#field = run::pairs(args, #id)?;),
            }
        });
        quote! {
            let mut query = #krate::#module::#ty::default();
            #(#sets)*
        }
    });
    let query_arg = query.as_ref().map(|_| quote!(&query,));
    let payload = method.input.map(|ty| {
        let ty = ident(service.type_name(ty));
        quote!(let payload: #krate::#module::types::#ty = run::input(args)?;)
    });
    let payload_arg = payload.as_ref().map(|_| quote!(&payload,));
    let call_args = quote!(#(#args,)* #(#required_headers,)* #headers_arg #query_arg #payload_arg);
    let paged = match crate::types::paging::paging(service, method, defs) {
        Ok(Some(_)) => {
            let stream_fn = ident(method.stream_function.as_deref().unwrap_or_default());
            Some(quote! {
                if run::wants_all(args) {
                    return run::stream(client.#stream_fn(#call_args)).await;
                }
            })
        }
        _ => None,
    };
    let finish = match method.answer {
        Answer::Stream => quote!(run::stream(client.#function(#call_args).stream()).await),
        Answer::Text | Answer::Location => quote!(run::text(client.#function(#call_args)).await),
        Answer::Json => quote!(run::call(client.#function(#call_args), args).await),
    };
    let deprecated = (method.stability == Stability::Deprecated).then(|| {
        quote!(#[allow(deprecated, reason = "the command runs the deprecated method it is named for")])
    });
    quote! {
        #deprecated
        (#service_name, #method_name) => {
            let client = #krate::#module::#client::new(config);
            #optional_headers
            #query
            #payload
            #paged
            #finish
        }
    }
}

/// `listen_command()` (a subcommand per service with exchanges, then per exchange, with an
/// option per routing-key field) and `listen_binding()` (the binding those options make).
fn emit_listen(family: &Family, services: &[(&Service, &[TypeDef])]) -> TokenStream {
    let krate = family.krate();
    let with_events: Vec<(&Service, &crate::model::Events)> = services
        .iter()
        .filter_map(|(s, _)| s.events.as_ref().map(|e| (*s, e)))
        .collect();
    let service_commands = with_events.iter().map(|(service, events)| {
        let name = family.service_command(service);
        let about = format!("Pulse messages of the {}", service.plain_title.trim());
        let exchanges = events.exchanges.iter().map(|x| {
            let exchange = &x.exchange;
            let about = strip_markdown(x.title.trim());
            let description = strip_markdown(x.description.trim());
            let long = [
                about.clone(),
                description,
                format!("Exchange: {}{exchange}", events.prefix),
                "Each option narrows the binding to messages whose routing key has that value; \
                 without any, every message of the exchange arrives (unless --route is given)."
                    .to_owned(),
            ]
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join("\n\n");
            let fields = x
                .routing_key
                .iter()
                .filter(|k| k.constant.is_none())
                .map(|k| {
                    let id = format!("key:{}", k.name);
                    let flag = k.name.to_kebab_case();
                    let mut help = strip_markdown(k.summary.trim());
                    if k.multiple_words {
                        help.push_str(" (several dot-separated words)");
                    }
                    quote!(.arg(Arg::new(#id).long(#flag).value_name("VALUE").help(#help)))
                });
            quote! {
                Command::new(#exchange)
                    .about(#about)
                    .long_about(#long)
                    #(#fields)*
                    .args(run::listen_args())
            }
        });
        quote! {
            Command::new(#name)
                .about(#about)
                .subcommand_required(true)
                #(.subcommand(#exchanges))*
        }
    });
    let arms = with_events.iter().flat_map(|(service, events)| {
        let service_name = family.service_command(service);
        let module = ident(&service.module);
        let krate = krate.clone();
        events.exchanges.iter().map(move |x| {
            let exchange = &x.exchange;
            let key = ident(&x.ident);
            let sets = x
                .routing_key
                .iter()
                .filter(|k| k.constant.is_none())
                .map(|k| {
                    let id = format!("key:{}", k.name);
                    let setter = ident(&format!("with_{}", k.ident.trim_end_matches('_')));
                    quote! {
                        if let Some(value) = run::option::<String>(args, #id) {
                            key = key.#setter(value);
                            narrowed = true;
                        }
                    }
                });
            quote! {
                (#service_name, #exchange) => {
                    let mut key = #krate::#module::events::#key::new();
                    let mut narrowed = false;
                    #(#sets)*
                    Some((key.binding(), narrowed))
                }
            }
        })
    });
    quote! {
        #[doc = "`tc listen`: a command per service with exchanges, then per exchange."]
        pub fn listen_command() -> Command {
            Command::new("listen")
                .about("Print Pulse messages of an exchange as JSON lines")
                .long_about(
                    "Print the messages of a Taskcluster exchange as JSON lines, one per message \
                     ({\"exchange\", \"routingKey\", \"routes\", \"redelivered\", \"payload\"}), \
                     acknowledging each once printed.\n\nThe broker is --pulse-url, else \
                     PULSE_USERNAME, PULSE_PASSWORD, PULSE_HOSTNAME and PULSE_VHOST (amqps unless \
                     PULSE_AMQPS=false).",
                )
                .subcommand_required(true)
                #(.subcommand(#service_commands))*
        }

        #[doc = "The binding the routing-key options of `tc listen <service> <exchange>` make, \
                 and whether any was given."]
        pub fn listen_binding(
            service: &str,
            exchange: &str,
            args: &ArgMatches,
        ) -> Option<(#krate::runtime::pulse::Binding, bool)> {
            match (service, exchange) {
                #(#arms)*
                _ => None,
            }
        }
    }
}

/// Markdown made plain enough for a terminal: escapes undone.
fn strip_markdown(text: &str) -> String {
    text.replace("\\<", "<")
        .replace("\\[", "[")
        .replace("\\]", "]")
        .replace("\\`", "`")
}
