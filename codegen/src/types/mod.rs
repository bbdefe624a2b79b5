//! Stage 4, the type stage: the Rust types a service's schemas describe ([`typedefs`]), and
//! the files that declare them ([`emit_types`]) and read and write them as JSON ([`emit_wire`]).
//!
//! [`conversions`] adds `From` from a type a service answers to the one it takes back.
//! [`paging`] (which methods page, from their types) and `paths` (the names the generated code
//! uses from elsewhere) serve this stage and the emitters after it.

pub mod conversions;
pub mod emit_types;
pub mod emit_wire;
pub mod fixtures;
pub mod paging;
pub(crate) mod paths;
pub mod typedefs;
