//! Module import graph of a Rust crate's `src/` directory, to catch import
//! cycles between file modules (`a.rs` uses `b.rs` which uses `a.rs`).
//!
//! Std only, no parser crate: a small tokenizer ([`lex`]) drops comments and
//! literals, a scanner ([`scan`]) extracts the paths into the crate that each
//! file mentions, and [`graph`] resolves them (following re-exports such as
//! `pub use startup::AppState;`) to the file modules that own the names,
//! then reports strongly connected components.
//!
//! Known approximations: `#[path]` attributes and `include!` are not
//! followed; a glob re-export (`pub use x::*;`) is not followed through (the
//! name resolves to the re-exporting module); a name imported from another
//! crate and named through a module of this one (`super::FieldError` where
//! the parent has `use app::api::FieldError;`) is no edge at all.

pub mod graph;
pub mod lex;
pub mod scan;

pub use graph::{Cycle, Edge, Graph, Location, analyze};

#[cfg(test)]
mod tests;
