//! OneThing (一件事) shared crate: the domain (catalog, validators, merge,
//! state machine), the wire types of the REST API, the API client, and the
//! Leptos pages. Compiled natively for the server (`ssr`) and to WASM for the
//! browser (`hydrate`); in the browser only the `#[island]` components run.
//!
//! # Layers
//!
//! Each layer imports only from the layers below it, so there are no
//! import cycles between modules:
//!
//! ```text
//! shell ─▶ pages ─▶ components ─▶ client ─▶ api ─▶ catalog ─▶ domain
//! ```
//!
//! | layer | modules | owns |
//! |---|---|---|
//! | shell | `shell` | the HTML document and the route table |
//! | pages | `pages::*` | one module per screen; pages never import each other |
//! | components | `components::*` | pieces shared by pages: layout, the field renderer, login guard, labels |
//! | client | [`client`], [`paths`], [`browser`] | calling the API, its typed paths, browser helpers |
//! | api | [`api`] | the wire types of the REST API (re-exports the domain and catalog types it sends) |
//! | catalog | [`catalog`], [`workflow`], [`feedback`] | the catalog model, the merged form and its checks; the work-item, rating and case state machines |
//! | domain | [`domain`] | validated newtypes and [`domain::FieldError`]; imports nothing from the crate |

#![recursion_limit = "256"]

pub mod api;
pub mod browser;
pub mod catalog;
pub mod client;
mod components;
pub mod domain;
pub mod feedback;
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
