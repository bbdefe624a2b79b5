//! A second front end: an OpenAPI 3.0 description (Rucio's) read into operations the later
//! stages can take, with the spec's known defects repaired by rule (see [`repairs`]) and
//! every operation named from its method and path (see [`naming`]).
//!
//! The spec is read as it is published (YAML), never edited: each repair is a function of
//! the spec, documented and tested, and what a repair must know that the spec does not say
//! sits in the one small table of `repairs.rs`. Errors name the file and the JSON pointer.
//!
//! [`describe`] then turns the operations into services and methods as the model has them: a
//! service per tag, a schema document per body and answer, so that types are resolved, named
//! and emitted as Taskcluster's are ([`crate::generate_rucio`]).

pub mod client_names;
pub mod describe;
pub mod filters;
pub mod naming;
pub mod repairs;
pub mod spec;

pub use spec::{Location, Operation, Parameter, Response, Segment, Spec, load, read_operations};

use crate::error::Result;

/// Every operation of `spec`, repaired and named.
pub fn operations(spec: &Spec) -> Result<Vec<Operation>> {
    let mut ops = spec::read_operations(spec)?;
    ops.extend(repairs::added_operations());
    repairs::apply_all(spec, &mut ops)?;
    naming::name_all(&spec.file, &mut ops)?;
    Ok(ops)
}
