//! End-to-end tests of [`analyze`] over small fixture crates written to a
//! unique temporary directory each.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::{Graph, analyze};

/// A fixture crate's `src/`, removed when dropped.
struct Fixture {
    root: PathBuf,
}

impl Fixture {
    /// Writes `files` (path below `src/`, contents) to a fresh directory.
    fn new(files: &[(&str, &str)]) -> Self {
        // Tests run in parallel threads, and other test runs may share the
        // temporary directory: process id plus a counter keeps them apart.
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let root = std::env::temp_dir().join(format!("modgraph-test-{}-{n}", std::process::id()));
        for (path, contents) in files {
            let file = root.join(path);
            fs::create_dir_all(file.parent().expect("file has a parent")).expect("create fixture dir");
            fs::write(&file, contents).expect("write fixture file");
        }
        Fixture { root }
    }

    fn graph(&self) -> Graph {
        analyze(&self.root).expect("analyse fixture")
    }

    fn file(&self, path: &str) -> PathBuf {
        self.root.join(path)
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.root);
    }
}

/// The edges of `graph` as `a -> b` lines.
fn edges(graph: &Graph) -> Vec<String> {
    graph.edges().map(|e| format!("{} -> {}", e.from, e.to)).collect()
}

#[test]
fn a_two_module_cycle_is_found_with_its_lines() {
    let fx = Fixture::new(&[
        ("lib.rs", "mod a;\nmod b;\n"),
        ("a.rs", "use crate::b::B;\npub struct A;\n"),
        ("b.rs", "pub struct B;\n\npub fn f(_: crate::a::A) {}\n"),
        ("main.rs", "use modgraph_fixture::a::A;\n"),
    ]);
    let graph = fx.graph();
    let cycles = graph.cycles();
    assert_eq!(cycles.len(), 1, "{cycles:?}");
    assert_eq!(cycles[0].members, ["a", "b"]);
    let lines: Vec<String> = cycles[0]
        .edges
        .iter()
        .map(|(from, to, at)| format!("{from} -> {to} {at}"))
        .collect();
    assert_eq!(
        lines,
        [
            format!("a -> b {}:1", fx.file("a.rs").display()),
            format!("b -> a {}:3", fx.file("b.rs").display()),
        ]
    );
    // main.rs is another crate: not a module.
    assert_eq!(graph.modules(), ["crate", "a", "b"]);
}

#[test]
fn super_inside_an_inline_test_module_is_not_a_cycle() {
    let fx = Fixture::new(&[
        ("lib.rs", "pub mod a;\n"),
        ("a/mod.rs", "pub mod b;\npub mod c;\npub fn helper() {}\n"),
        (
            "a/b.rs",
            "pub fn g() {}\n\
             #[cfg(test)]\n\
             mod tests {\n    use super::*;\n    #[test]\n    fn t() { super::g(); }\n\
             \x20   // `super::super` from inside `tests` is `a`, not the root.\n\
             \x20   fn u() { super::super::c::h(); }\n}\n",
        ),
        ("a/c.rs", "pub fn h() {}\n"),
    ]);
    let graph = fx.graph();
    assert!(graph.cycles().is_empty(), "{:?}", graph.cycles());
    assert_eq!(edges(&graph), ["a::b -> a::c"]);
    assert_eq!(graph.edge("a::b", "a::c").map(|at| at.line), Some(8));
}

#[test]
fn a_tests_file_module_using_its_parent_is_not_a_cycle() {
    let fx = Fixture::new(&[
        ("lib.rs", "pub mod a;\n"),
        ("a/mod.rs", "pub fn f() {}\n#[cfg(test)]\nmod tests;\n"),
        ("a/tests.rs", "use super::*;\n#[test]\nfn t() { f(); }\n"),
    ]);
    let graph = fx.graph();
    assert_eq!(edges(&graph), ["a::tests -> a"]);
    assert!(graph.cycles().is_empty());
}

#[test]
fn grouped_use_trees_resolve_every_leaf() {
    let fx = Fixture::new(&[
        ("lib.rs", "pub mod db;\npub mod services;\npub mod util;\n"),
        ("db/mod.rs", "pub mod entities;\npub mod pool;\n"),
        (
            "db/entities/mod.rs",
            "pub mod audit_head;\npub mod audit_log;\npub mod user;\n",
        ),
        ("db/entities/audit_head.rs", ""),
        ("db/entities/audit_log.rs", ""),
        ("db/entities/user.rs", ""),
        ("db/pool.rs", ""),
        ("util.rs", ""),
        (
            "services/mod.rs",
            "pub mod auth;\npub mod passwords;\npub enum ServiceError {}\n",
        ),
        ("services/passwords.rs", ""),
        (
            "services/auth.rs",
            "use crate::db::entities::{audit_head, audit_log};\n\
             use super::{self, ServiceError, passwords};\n\
             use crate::{\n    db::{entities::user, pool},\n    util::*,\n};\n",
        ),
    ]);
    let graph = fx.graph();
    let from_auth: Vec<String> = edges(&graph)
        .into_iter()
        .filter(|e| e.starts_with("services::auth "))
        .collect();
    assert_eq!(
        from_auth,
        [
            "services::auth -> db::entities::audit_head",
            "services::auth -> db::entities::audit_log",
            "services::auth -> db::entities::user",
            "services::auth -> db::pool",
            "services::auth -> services",
            "services::auth -> services::passwords",
            "services::auth -> util",
        ]
    );
    // The example line points at the leaf inside the multi-line group.
    assert_eq!(
        graph.edge("services::auth", "db::pool").map(|at| at.line),
        Some(4)
    );
}

#[test]
fn re_exports_resolve_to_where_the_name_lives() {
    let fx = Fixture::new(&[
        (
            "lib.rs",
            "pub mod services;\npub mod startup;\npub mod x;\npub use startup::{AppState, Application};\n",
        ),
        ("startup.rs", "pub struct AppState;\npub struct Application;\n"),
        ("x/mod.rs", "pub mod y;\npub(crate) use y::Inner as Renamed;\n"),
        ("x/y.rs", "pub struct Inner;\n"),
        ("services/mod.rs", "pub mod auth;\npub use crate::x::Renamed;\n"),
        (
            "services/auth.rs",
            "use crate::AppState;\n\
             fn f(_: &crate::Application) {}\n\
             // A chain: services -> x -> x::y, with a rename on the way.\n\
             fn g(_: super::Renamed) {}\n",
        ),
    ]);
    let graph = fx.graph();
    assert_eq!(graph.edge("services::auth", "startup").map(|at| at.line), Some(1));
    assert!(
        graph.edge("services::auth", "crate").is_none(),
        "{:?}",
        edges(&graph)
    );
    assert!(
        graph.edge("services::auth", "x::y").is_some(),
        "{:?}",
        edges(&graph)
    );
    assert!(
        graph.edge("services::auth", "services").is_none(),
        "{:?}",
        edges(&graph)
    );
}

#[test]
fn strings_and_comments_mentioning_paths_are_ignored() {
    let fx = Fixture::new(&[
        ("lib.rs", "pub mod a;\npub mod b;\npub mod c;\n"),
        (
            "a.rs",
            r####"//! Module docs naming crate::b::X.
/// Doc comment: crate::b::X.
// Line comment: crate::b::X.
/* Block /* nested crate::b::X */ still a comment crate::b::X */
fn f<'a>(s: &'a str) -> &'a str {
    let _ = "crate::b::X";
    let _ = r#"raw "crate::b::X" string"#;
    let _ = b"crate::b::X";
    let _ = '"'; let _ = crate::c::real();
    s
}
"####,
        ),
        ("b.rs", "pub struct X;\n"),
        ("c.rs", "pub fn real() {}\n"),
    ]);
    let graph = fx.graph();
    assert_eq!(edges(&graph), ["a -> c"]);
    assert_eq!(graph.edge("a", "c").map(|at| at.line), Some(9));
}

#[test]
fn parent_to_child_edges_are_ignored_but_child_to_parent_count() {
    let fx = Fixture::new(&[
        ("lib.rs", "pub mod a;\npub use a::b::Thing;\n"),
        (
            "a/mod.rs",
            "pub mod b;\npub use b::Thing;\npub struct Shared;\n\
             fn f() { b::make(); self::b::make(); crate::a::b::make(); }\n",
        ),
        (
            "a/b.rs",
            "pub struct Thing;\npub fn make() -> super::Shared { super::Shared }\n",
        ),
    ]);
    let graph = fx.graph();
    assert_eq!(edges(&graph), ["a::b -> a"]);
    assert!(graph.cycles().is_empty());
}

#[test]
fn paths_in_macro_bodies_count() {
    let fx = Fixture::new(&[
        ("lib.rs", "mod components;\nmod pages;\n"),
        ("components.rs", "pub fn Layout() {}\n"),
        (
            "pages.rs",
            "fn page() { view! { <crate::components::Layout>\"crate::pages::x\"</crate::components::Layout> } }\n",
        ),
    ]);
    assert_eq!(edges(&fx.graph()), ["pages -> components"]);
}

#[test]
fn a_missing_lib_rs_is_an_error() {
    let fx = Fixture::new(&[("main.rs", "fn main() {}\n")]);
    let err = analyze(&fx.root).expect_err("no lib.rs");
    assert!(err.to_string().contains("no lib.rs"), "{err}");
    assert!(analyze(Path::new("/nonexistent/modgraph/src")).is_err());
}

#[test]
fn dot_output_marks_cycle_edges() {
    let fx = Fixture::new(&[
        ("lib.rs", "mod a;\nmod b;\nmod c;\n"),
        ("a.rs", "use crate::b::B;\n"),
        ("b.rs", "use crate::a::A;\n"),
        ("c.rs", "use crate::a::A;\n"),
    ]);
    let dot = fx.graph().to_dot("fixture");
    assert!(dot.contains("\"a\" -> \"b\" [color=red];"), "{dot}");
    assert!(dot.contains("\"c\" -> \"a\";"), "{dot}");
}
