//! Stage 1, the front ends: each reads one family's API description into the references the
//! later stages take.

pub mod openapi;
pub mod references;
pub mod taskcluster;
