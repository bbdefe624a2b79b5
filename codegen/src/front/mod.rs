//! Stage 1, the front ends: each reads one family's API description into the same [`api`]
//! form, services and methods as the model has them, with the schema documents their bodies
//! name.

pub mod api;
pub(crate) mod docs;
pub mod openapi;
pub mod taskcluster;
