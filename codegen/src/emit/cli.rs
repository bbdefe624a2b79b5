//! Stage 5e: the command-line client's command tree, `cli/src/api.rs`: every method of every
//! service as `tc <service> <method> [ROUTE PARAMS…] [--<query-param> VALUE…] [--input FILE|-]`,
//! with the reference's title, description and required scopes as help, and the dispatch from a
//! parsed command to the typed call. The rest of the command (output, errors, helpers) is the
//! hand-written `cli` crate's; this file calls its `run` module.
//!
//! Also `tc listen <service> <exchange> [--<routing-key field> VALUE…]`: every Pulse exchange as
//! a command whose options are its routing-key fields, and the binding they make with the
//! generated routing-key struct; the listening itself is the `cli` crate's `listen` module.

use heck::ToKebabCase;
use proc_macro2::TokenStream;
use quote::quote;

use crate::emit::helpers::render_scopes;
use crate::idents::ident;
use crate::model::{HttpMethod, Method, QueryKind, Service, Stability};
use crate::types::typedefs::TypeDef;

/// Command names the CLI itself uses, which a service's command must not take.
pub const CLI_COMMANDS: &[&str] = &[
    "artifact",
    "completions",
    "from-now",
    "help",
    "listen",
    "scopes",
    "signed-url",
    "slugid",
];

/// A service's command name.
pub fn service_command(service: &Service) -> String {
    if CLI_COMMANDS.contains(&service.name.as_str()) {
        format!("{}-service", service.name)
    } else {
        service.name.clone()
    }
}

/// A method's command name: `listTaskGroup` → `list-task-group`.
pub fn method_command(method: &Method) -> String {
    method.function.trim_end_matches('_').to_kebab_case()
}

/// The items of `cli/src/api.rs` for `services` (with each one's types, for paging).
pub fn emit_cli(services: &[(&Service, &[TypeDef])]) -> TokenStream {
    let builders = services.iter().map(|(s, _)| emit_service_command(s));
    let names = services
        .iter()
        .map(|(s, _)| ident(&format!("{}_command", s.module)));
    let arms = services.iter().flat_map(|(s, defs)| {
        s.methods
            .iter()
            .map(move |m| emit_dispatch_arm(s, m, defs))
            .collect::<Vec<_>>()
    });
    let listen = emit_listen(services);
    quote! {
        use clap::{Arg, ArgMatches, Command};
        use tc_client::ClientConfig;

        use crate::run::{self, Outcome, Problem};

        #[doc = "The command of each service, with a subcommand per method."]
        pub fn services() -> Vec<Command> {
            vec![#(#names()),*]
        }

        #(#builders)*

        #listen

        #[doc = "Runs the method `method` of `service` with the parsed `args`."]
        pub async fn dispatch(
            config: &ClientConfig,
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

fn emit_service_command(service: &Service) -> TokenStream {
    let function = ident(&format!("{}_command", service.module));
    let name = service_command(service);
    let about = service.plain_title.trim().to_owned();
    // `--help` shows the commands first: the service's prose (48 lines for the queue) comes
    // after them, where a reader looking for a command need not scroll past it.
    let long_about = format!(
        "{about}\n\nEvery method is a subcommand; `tc {name} <method> --help` says what it takes \
         (the service's description follows the list)."
    );
    let after_long_help = strip_markdown(&service.description);
    let methods = service
        .methods
        .iter()
        .map(|m| emit_method_command(service, m));
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

fn emit_method_command(_service: &Service, method: &Method) -> TokenStream {
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
    // The reference's own name (`listTaskGroup`) works too.
    let alias = (method.name != name).then(|| {
        let alias = &method.name;
        quote!(.visible_alias(#alias))
    });
    let positional = method.args.iter().map(|a| {
        let id = &a.name;
        let help = format!("`{}` in the route", a.name);
        quote!(Arg::new(#id).value_name(#id).required(true).help(#help))
    });
    // No Taskcluster method has open `key=value` filters (`QueryKind::Pairs`).
    let options = method
        .query
        .iter()
        .filter(|q| q.kind != QueryKind::Pairs)
        .map(|q| {
            let id = format!("query:{}", q.name);
            let long = q.name.to_kebab_case();
            let help = format!("`{}` in the query string", q.name);
            let parser = match q.kind {
                QueryKind::String | QueryKind::Pairs => quote!(),
                QueryKind::Integer => quote!(.value_parser(clap::value_parser!(u32))),
                QueryKind::Boolean => quote!(.value_parser(clap::value_parser!(bool))),
            };
            quote!(Arg::new(#id).long(#long).value_name("VALUE").help(#help) #parser)
        });
    let input = method
        .input
        .is_some()
        .then(|| quote!(.arg(run::input_arg())));
    let urls = (method.http == HttpMethod::Get).then(|| quote!(.args(run::url_args())));
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
            #input
            #urls
            #all
    }
}

fn emit_dispatch_arm(service: &Service, method: &Method, defs: &[TypeDef]) -> TokenStream {
    let service_name = service_command(service);
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
    let query = (!method.query.is_empty()).then(|| {
        let ty = ident(&method.query_struct());
        let sets = method
            .query
            .iter()
            .filter(|q| q.kind != QueryKind::Pairs)
            .map(|q| {
                let field = ident(&q.ident);
                let id = format!("query:{}", q.name);
                match q.kind {
                    QueryKind::String => quote!(query.#field = run::option::<String>(args, #id);),
                    QueryKind::Integer => quote!(query.#field = run::option::<u32>(args, #id);),
                    QueryKind::Boolean => quote!(query.#field = run::option::<bool>(args, #id);),
                    QueryKind::Pairs => quote!(),
                }
            });
        quote! {
            let mut query = tc_client::#module::#ty::default();
            #(#sets)*
        }
    });
    let query_arg = query.as_ref().map(|_| quote!(&query,));
    let payload = method.input.map(|ty| {
        let ty = ident(service.type_name(ty));
        quote!(let payload: tc_client::#module::types::#ty = run::input(args)?;)
    });
    let payload_arg = payload.as_ref().map(|_| quote!(&payload,));
    let stream = match crate::types::paging::paging(service, method, defs) {
        Ok(Some(_)) => {
            let stream_fn = ident(method.stream_function.as_deref().unwrap_or_default());
            Some(quote! {
                if run::wants_all(args) {
                    return run::stream(client.#stream_fn(#(#args,)* #query_arg #payload_arg)).await;
                }
            })
        }
        _ => None,
    };
    let deprecated = (method.stability == Stability::Deprecated).then(|| {
        quote!(#[allow(deprecated, reason = "the command runs the deprecated method it is named for")])
    });
    quote! {
        #deprecated
        (#service_name, #method_name) => {
            let client = tc_client::#module::#client::new(config);
            #query
            #payload
            #stream
            run::call(client.#function(#(#args,)* #query_arg #payload_arg), args).await
        }
    }
}

/// `listen_command()` (a subcommand per service with exchanges, then per exchange, with an
/// option per routing-key field) and `listen_binding()` (the binding those options make).
fn emit_listen(services: &[(&Service, &[TypeDef])]) -> TokenStream {
    let with_events: Vec<(&Service, &crate::model::Events)> = services
        .iter()
        .filter_map(|(s, _)| s.events.as_ref().map(|e| (*s, e)))
        .collect();
    let service_commands = with_events.iter().map(|(service, events)| {
        let name = service_command(service);
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
        let service_name = service_command(service);
        let module = ident(&service.module);
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
                    let mut key = tc_client::#module::events::#key::new();
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
        ) -> Option<(tc_client::runtime::pulse::Binding, bool)> {
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
