//! The module graph of this repository's own crates: no import cycles
//! allowed, and the resolver checked against edges known to exist.

use std::path::{Path, PathBuf};

use modgraph::{Graph, analyze};

/// `<crate>/src` of a workspace crate, from this crate's manifest directory;
/// canonical, so the `file:line`s in a failure read without `../..`.
fn src(krate: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(krate)
        .join("src");
    dir.canonicalize().unwrap_or(dir)
}

fn graph(krate: &str) -> Graph {
    analyze(&src(krate)).unwrap_or_else(|e| panic!("analyse {krate}/src: {e}"))
}

/// Cycles of `krates`, one line each, empty when there are none.
fn cycles(krates: &[&str]) -> String {
    let mut report = String::new();
    for krate in krates {
        for cycle in graph(krate).cycles() {
            report.push_str(&format!("{krate}/src: {cycle}"));
        }
    }
    report
}

#[test]
fn server_has_no_module_cycles() {
    let report = cycles(&["server"]);
    assert!(
        report.is_empty(),
        "module import cycles (run `cargo run -p modgraph -- server/src`):\n{report}"
    );
}

#[test]
fn app_has_no_module_cycles() {
    let report = cycles(&["app"]);
    assert!(
        report.is_empty(),
        "module import cycles (run `cargo run -p modgraph -- app/src`):\n{report}"
    );
}

#[test]
fn modgraph_itself_has_no_module_cycles() {
    let graph = analyze(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src")).expect("analyse modgraph/src");
    let report: String = graph.cycles().iter().map(ToString::to_string).collect();
    assert!(report.is_empty(), "{report}");
}

/// Edges that must be found in the real tree: if one goes missing because
/// the code changed, replace it with another real one, but keep one of each
/// kind (a `super::` path, a re-export through `crate::`, a `crate::` path
/// through a re-exporting parent).
#[test]
fn known_edges_are_found_in_the_real_tree() {
    let server = graph("server");
    let app = graph("app");
    let expected = [
        // `use super::audit::{self, Event};`
        (&server, "services::auth", "services::audit"),
        // `use crate::AppState;` through `pub use state::AppState;` in lib.rs.
        (&server, "services::auth", "state"),
        // `use crate::db::entities::{session, user};`
        (&server, "services::auth", "db::entities::user"),
        // `use super::FieldKind;` through `pub use fields::{.., FieldKind, ..}` in catalog/mod.rs.
        (&app, "catalog::values", "catalog::fields"),
        // `use crate::domain::{CreditCode, ..}` through `pub use credit_code::CreditCode;`.
        (&app, "catalog::values", "domain::credit_code"),
        // `use crate::pages::admin::AdminPage;`
        (&app, "shell", "pages::admin"),
    ];
    let mut missing = Vec::new();
    for (graph, from, to) in expected {
        if graph.edge(from, to).is_none() {
            missing.push(format!("{from} -> {to}"));
        }
    }
    assert!(missing.is_empty(), "edges not found: {missing:?}");

    // `crate::AppState` is owned by `state`, not by the crate root; and a
    // parent naming its children (`pub mod`, `pub use`) is no edge.
    assert!(server.edge("services::auth", "crate").is_none());
    assert!(server.edge("crate", "state").is_none());
    assert!(app.edge("catalog", "catalog::fields").is_none());
}
