//! OneThing (一件事) shared crate: the domain (catalog, validators, merge,
//! state machine), the wire types of the REST API, the API client, and the
//! Leptos pages. Compiled natively for the server (`ssr`) and to WASM for the
//! browser (`hydrate`); in the browser only the `#[island]` components run.

#![recursion_limit = "256"]

pub mod api;
pub mod browser;
pub mod catalog;
pub mod client;
mod components;
pub mod domain;
mod pages;
pub mod paths;
mod shell;
pub mod workflow;

pub use shell::{App, shell};

/// Hydrates the islands of a server-rendered page (called by `frontend`).
#[cfg(feature = "hydrate")]
pub fn hydrate() {
    leptos::mount::hydrate_islands();
}
