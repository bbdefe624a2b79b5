//! What an OpenAPI operation says that `api.json` cannot, added to the model of its method:
//! how the answer is read, whether the call is authenticated, other names, the query
//! parameters' types and the headers.

use super::docs;
use super::{Answer, HeaderParam, QueryKind, Service};
use crate::front::openapi::references::{method_name, service_name};
use crate::front::openapi::{Location, Operation, Response};
use crate::idents::{Claimed, snake};

/// Completes `services` (built from [`references`](crate::front::openapi::references)) with
/// what their operations `ops` say.
pub fn complete(services: &mut [Service], ops: &[Operation]) {
    for service in services {
        for method in &mut service.methods {
            let Some(op) = ops
                .iter()
                .find(|o| service_name(o) == service.name && method_name(o) == method.name)
            else {
                continue;
            };
            method.answer = match op.response {
                Response::Stream(_) => Answer::Stream,
                Response::Text => Answer::Text,
                Response::Location => Answer::Location,
                Response::Json(_) | Response::Empty => Answer::Json,
            };
            method.authenticated = op.needs_token;
            method.aliases = op.aliases.clone();
            method.counterpart = op.counterpart.clone();
            for q in &mut method.query {
                if let Some(p) = op
                    .params
                    .iter()
                    .find(|p| p.location == Location::Query && p.name == q.name)
                {
                    q.kind = QueryKind::of_schema(&p.schema);
                    q.description = docs::markdown(&p.description);
                }
            }
            let mut taken: Vec<&str> = method.args.iter().map(|a| a.ident.as_str()).collect();
            taken.extend(["payload", "query"]);
            let mut idents = Claimed::reserving(&taken);
            method.headers = op
                .params
                .iter()
                .filter(|p| p.location == Location::Header)
                .map(|p| HeaderParam {
                    name: p.name.clone(),
                    ident: idents.claim(&snake(&p.name)),
                    required: p.required,
                    description: p.description.clone(),
                })
                .collect();
        }
    }
}
