//! orion-lint: a linter and autofixer for Docker Compose memory limits, Redis `maxmemory` and the
//! RAM budget of the server plan a stack runs on.
//!
//! Data flows one way: files ([`source`]) are parsed into spanned YAML trees ([`yaml`]), which
//! become a Compose project model ([`compose`]); rules ([`rules`]) turn the model into
//! [`diagnostic::Diagnostic`]s, which a renderer ([`render`]) prints.

pub mod source;
pub mod units;
pub mod yaml;
