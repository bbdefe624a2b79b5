//! Stage 3: the client model, everything the emitters need: the services a front end described
//! ([`crate::front::api`]), each body's schema replaced by the id of the type stage 2 resolved it
//! into ([`TypeId`]; its name is looked up where code shows it, [`Service::type_name`]), and every
//! Rust name the crate declares made unique.

pub mod scope_params;
mod type_ids;

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::front::api::SchemaRef;
use crate::idents::{Claimed, pascal, snake};
use crate::resolve::ResolvedSchemas;

pub use crate::front::api::{
    Answer, HeaderParam, HttpMethod, KeyPart, Param, PathPart, QueryKind, QueryParam, ScopeExpr,
    Stability,
};
pub(crate) use crate::front::docs;
pub use type_ids::{TypeId, TypeNames};

/// One method of a service's client, its bodies' types by id (in its service's [`TypeNames`]).
pub type Method = crate::front::api::Method<TypeId>;
/// A service's Pulse exchanges, their messages' types by id.
pub type Events = crate::front::api::Events<TypeId>;
/// One exchange, its message's type by id.
pub type Exchange = crate::front::api::Exchange<TypeId>;

/// One service's client.
#[derive(Debug)]
pub struct Service {
    /// `purge-cache`.
    pub name: String,
    /// `purge_cache`: module and cargo feature.
    pub module: String,
    /// `PurgeCache`: the client struct.
    pub client: String,
    /// `v1`, for a family whose services have versions (Taskcluster's).
    pub api_version: Option<String>,
    /// Title and description as rustdoc markdown (made safe by the `docs` module).
    pub title: String,
    pub description: String,
    /// The title as the reference has it, for plain-text help.
    pub plain_title: String,
    pub methods: Vec<Method>,
    /// The Pulse exchanges of `exchanges.json`, if the service has one.
    pub events: Option<Events>,
    pub schemas: ResolvedSchemas,
    /// The name of each type (each definition of `schemas`), by the id the model uses.
    pub types: TypeNames,
    /// The document this came from (`api.json`, else `exchanges.json`; the OpenAPI spec).
    pub file: PathBuf,
}

/// Builds the model of the services a front end described, whose schemas stage 2 resolved
/// into `schemas` (by service name).
pub fn build(
    described: Vec<crate::front::api::Service<SchemaRef>>,
    mut schemas: BTreeMap<String, ResolvedSchemas>,
) -> Vec<Service> {
    let mut services: Vec<Service> = described
        .into_iter()
        .map(|service| {
            let resolved = schemas
                .remove(&service.name)
                .expect("the pipeline resolves every service before building it");
            build_service(service, resolved)
        })
        .collect();
    // Modules (and features, and client names) are unique and never a name the crate uses
    // itself; services are sorted by name, so the numbering is stable.
    let mut modules = Claimed::reserving(CRATE_ITEMS);
    for service in &mut services {
        let base = if CRATE_ITEMS.contains(&service.module.as_str()) {
            format!("{}_service", service.module)
        } else {
            service.module.clone()
        };
        service.module = modules.claim(&base);
        if service.module != base {
            service.client = pascal(&service.module);
        }
    }
    services
}

impl Service {
    /// The name of the service's type `id`.
    pub fn type_name(&self, id: TypeId) -> &str {
        self.types.name(id)
    }
}

/// Names at the generated crate's root that a service module must not take.
pub const CRATE_ITEMS: &[&str] = &["chrono", "lib", "runtime", "serde_json"];

/// `service`'s model: its bodies' types found, its functions unique.
fn build_service(
    service: crate::front::api::Service<SchemaRef>,
    schemas: ResolvedSchemas,
) -> Service {
    let types = TypeNames::new(schemas.definitions.keys().cloned());
    let id_of = |r: SchemaRef| {
        types
            .id(&schemas.roots[&r.reference])
            .expect("stage 2 defines every root it names")
    };
    let mut methods: Vec<Method> = service
        .methods
        .into_iter()
        .map(|m| m.with_types(id_of))
        .collect();
    // The client's own `new`; a method called `new` becomes `new_`.
    let mut functions = Claimed::reserving(&["new"]);
    for method in &mut methods {
        let base = if method.function == "new" {
            "new_".to_owned()
        } else {
            method.function.clone()
        };
        method.function = functions.claim(&base);
    }
    // Then the names derived from methods' own, so that no method is renamed for them.
    for method in &mut methods {
        if method.query.iter().any(|q| q.name == "continuationToken") {
            method.stream_function = Some(functions.claim(&format!("{}_stream", method.function)));
        }
    }
    let events = service.events.map(|e| e.with_types(id_of));
    Service {
        module: snake(&service.name),
        client: pascal(&service.name),
        name: service.name,
        api_version: service.api_version,
        title: service.title,
        description: service.description,
        plain_title: service.plain_title,
        methods,
        events,
        schemas,
        types,
        file: service.file,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::front::api::{
        Answer, Events as DescribedEvents, Exchange as DescribedExchange, Method as Described,
        Service as DescribedService,
    };

    fn schema_ref(reference: &str) -> SchemaRef {
        SchemaRef {
            reference: reference.into(),
            file: PathBuf::from("api.json"),
            pointer: "/entries/0/output".into(),
        }
    }

    fn method(name: &str, query: &[&str], output: Option<&str>) -> Described<SchemaRef> {
        Described {
            name: name.into(),
            function: snake(name),
            title: String::new(),
            description: String::new(),
            plain_description: String::new(),
            http: HttpMethod::Get,
            path: Vec::new(),
            args: Vec::new(),
            query: query
                .iter()
                .map(|q| QueryParam {
                    name: (*q).into(),
                    ident: snake(q),
                    kind: QueryKind::String,
                    description: String::new(),
                })
                .collect(),
            headers: Vec::new(),
            input: None,
            output: output.map(schema_ref),
            scopes: None,
            stability: Stability::Stable,
            stream_function: None,
            answer: Answer::Json,
            authenticated: true,
            aliases: Vec::new(),
            counterpart: None,
        }
    }

    fn service(name: &str, methods: Vec<Described<SchemaRef>>) -> DescribedService<SchemaRef> {
        DescribedService {
            name: name.into(),
            api_version: None,
            title: String::new(),
            description: String::new(),
            plain_title: String::new(),
            methods,
            events: None,
            file: PathBuf::from("api.json"),
        }
    }

    #[test]
    fn bodies_get_their_types_and_names_are_made_unique() {
        let mut lib = service(
            "lib",
            vec![
                method("listThings", &["continuationToken"], Some("v1/list.json#")),
                // Its own name is taken before `listThings`'s stream takes one.
                method("listThingsStream", &[], None),
                method("new", &[], None),
            ],
        );
        lib.events = Some(DescribedEvents {
            title: String::new(),
            description: String::new(),
            prefix: "exchange/lib/v1/".into(),
            exchanges: vec![DescribedExchange {
                name: "thingMade".into(),
                ident: "ThingMade".into(),
                exchange: "thing-made".into(),
                title: String::new(),
                description: String::new(),
                routing_key: Vec::new(),
                message: schema_ref("v1/thing-message.json#"),
            }],
            file: PathBuf::from("exchanges.json"),
        });
        let described = vec![lib, service("lib-", Vec::new())];
        let resolved = ResolvedSchemas {
            roots: [
                ("v1/list.json#".to_owned(), "ThingList".to_owned()),
                ("v1/thing-message.json#".to_owned(), "Thing".to_owned()),
            ]
            .into(),
            definitions: ["Thing", "ThingList"]
                .map(|name| (name.to_owned(), serde_json::json!({"type": "object"})))
                .into(),
            ..ResolvedSchemas::default()
        };
        let schemas = [
            ("lib".to_owned(), resolved),
            ("lib-".to_owned(), ResolvedSchemas::default()),
        ]
        .into();
        let services = build(described, schemas);
        let functions: Vec<(&str, Option<&str>)> = services[0]
            .methods
            .iter()
            .map(|m| (m.function.as_str(), m.stream_function.as_deref()))
            .collect();
        assert_eq!(
            functions,
            [
                ("list_things", Some("list_things_stream_2")),
                ("list_things_stream", None),
                ("new_", None),
            ]
        );
        // The answer's type by id, which names it in its service's table.
        let service = &services[0];
        let output = service.methods[0].output.expect("listThings answers");
        assert_eq!(service.types.len(), 2);
        assert_eq!(service.types.id("ThingList"), Some(output));
        assert_eq!(service.type_name(output), "ThingList");
        assert_eq!(service.methods[1].output, None);
        let events = service.events.as_ref().expect("lib has exchanges");
        let message = events.exchanges[0].message;
        assert_eq!(service.type_name(message), "Thing");
        assert_ne!(message, output);
        // `lib` is the crate's own module (its client struct may keep the name); the second
        // `lib_service` is numbered, and so is its client.
        let modules: Vec<(&str, &str)> = services
            .iter()
            .map(|s| (s.module.as_str(), s.client.as_str()))
            .collect();
        assert_eq!(
            modules,
            [("lib_service", "Lib"), ("lib_service_2", "LibService2")]
        );
    }
}
