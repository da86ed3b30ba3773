//! Scanner: walks one file's tokens and extracts the module paths it
//! mentions (`crate::`, `super::`, `self::`, paths starting with a child
//! module, every leaf of a `use` tree), made absolute. It tracks inline
//! `mod x { .. }` blocks so `super`/`self` resolve from the right module, and
//! records what the file's top-level `use` items bind names to, so that
//! re-exports can be followed later.

use std::collections::{BTreeMap, HashSet};

use crate::lex::{Kind, Token};

/// A module path without the leading `crate` (the root is empty).
pub type ModPath = Vec<String>;

/// Stands for a leading `::` (`use ::std::x`): such a path names another
/// crate, so it never resolves inside this one.
const EXTERN_ROOT: &str = "::";

/// A path mentioned in a file, made absolute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub path: ModPath,
    pub line: usize,
}

/// What a top-level `use` binds a name to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A path inside this crate.
    Absolute(ModPath),
    /// A path whose first segment is not a module of this crate: another
    /// crate, or a name imported by another `use` of the same file.
    Relative(ModPath),
}

/// What one file contributes to the graph.
#[derive(Debug, Default)]
pub struct FileScan {
    pub references: Vec<Reference>,
    /// Names bound by the file's top-level `use` items, of any visibility:
    /// `pub use` re-exports, but also private imports, which descendants can
    /// name as `super::Name`.
    pub imports: BTreeMap<String, Target>,
}

/// Scans the tokens of the file that is module `module`. `modules` holds
/// every file module of the crate, to recognise paths that start with the
/// name of a child module (`startup::build()` in `lib.rs`).
pub fn scan(tokens: &[Token], module: &[String], modules: &HashSet<ModPath>) -> FileScan {
    let mut scanner = Scanner {
        tokens,
        modules,
        pos: 0,
        scope: module.to_vec(),
        depth: 0,
        inline_depths: Vec::new(),
        out: FileScan::default(),
    };
    scanner.run();
    scanner.out
}

struct Scanner<'a> {
    tokens: &'a [Token],
    modules: &'a HashSet<ModPath>,
    pos: usize,
    /// The module the current token is in: the file module plus the names
    /// of the inline modules around it.
    scope: ModPath,
    /// Current brace depth.
    depth: usize,
    /// For each open inline module, the brace depth of its body.
    inline_depths: Vec<usize>,
    out: FileScan,
}

impl Scanner<'_> {
    fn kind(&self, pos: usize) -> Option<&Kind> {
        self.tokens.get(pos).map(|t| &t.kind)
    }

    fn is_ident(&self, pos: usize, word: &str) -> bool {
        matches!(self.kind(pos), Some(Kind::Ident(w)) if w == word)
    }

    fn run(&mut self) {
        while let Some(kind) = self.kind(self.pos) {
            match kind {
                Kind::Punct('{') => {
                    self.depth += 1;
                    self.pos += 1;
                }
                Kind::Punct('}') => {
                    if self.inline_depths.last() == Some(&self.depth) {
                        self.inline_depths.pop();
                        self.scope.pop();
                    }
                    self.depth = self.depth.saturating_sub(1);
                    self.pos += 1;
                }
                Kind::Ident(w) if w == "mod" => {
                    // `mod name { .. }` opens an inline module; `mod name;`
                    // only declares a file module, which is not a reference.
                    match (self.kind(self.pos + 1), self.kind(self.pos + 2)) {
                        (Some(Kind::Ident(name)), Some(Kind::Punct('{'))) => {
                            self.scope.push(name.clone());
                            self.depth += 1;
                            self.inline_depths.push(self.depth);
                            self.pos += 3;
                        }
                        _ => self.pos += 1,
                    }
                }
                Kind::Ident(w) if w == "use" => self.use_item(),
                Kind::Ident(_) if self.starts_path() => self.path(),
                _ => self.pos += 1,
            }
        }
    }

    /// A `use` item: every leaf is a reference; at the top level of the file
    /// (not in a function, not in an inline module) it also binds a name.
    fn use_item(&mut self) {
        let top_level = self.depth == 0 && self.inline_depths.is_empty();
        let mut leaves = Vec::new();
        // `impl Trait + use<'a>` (precise capturing) yields no leaves.
        self.pos = parse_tree(self.tokens, self.pos + 1, Vec::new(), &mut leaves);
        for leaf in leaves {
            let absolute = self.absolute(&leaf.segments);
            if let Some(path) = &absolute {
                self.out.references.push(Reference {
                    path: path.clone(),
                    line: leaf.line,
                });
            }
            if !top_level || leaf.glob {
                continue;
            }
            if let Some(name) = leaf.binding() {
                let target = match absolute {
                    Some(path) => Target::Absolute(path),
                    None => Target::Relative(leaf.segments),
                };
                self.out.imports.insert(name, target);
            }
        }
    }

    /// Whether the identifier at `pos` starts a path into this crate:
    /// `crate::`, `self::`, `super::` or `child::`, not preceded by `::`
    /// (then it is a later segment of some other path).
    fn starts_path(&self) -> bool {
        let Some(Kind::Ident(head)) = self.kind(self.pos) else {
            return false;
        };
        if self.kind(self.pos + 1) != Some(&Kind::PathSep) {
            return false;
        }
        if self.pos > 0 && self.kind(self.pos - 1) == Some(&Kind::PathSep) {
            return false;
        }
        // `pub(in crate::a)` restricts visibility to an ancestor: not a use of it.
        if self.pos >= 2
            && self.is_ident(self.pos - 1, "in")
            && self.kind(self.pos - 2) == Some(&Kind::Punct('('))
        {
            return false;
        }
        matches!(head.as_str(), "crate" | "self" | "super") || self.is_child(head)
    }

    fn is_child(&self, name: &str) -> bool {
        let mut child = self.scope.clone();
        child.push(name.to_owned());
        self.modules.contains(&child)
    }

    /// A path outside `use` (an expression, a type, inside a macro body).
    fn path(&mut self) {
        let mut leaves = Vec::new();
        self.pos = parse_tree(self.tokens, self.pos, Vec::new(), &mut leaves);
        for leaf in leaves {
            if let Some(path) = self.absolute(&leaf.segments) {
                self.out.references.push(Reference {
                    path,
                    line: leaf.line,
                });
            }
        }
    }

    /// `segments` as a path from the crate root, or `None` when it does not
    /// start inside this crate (another crate, a local name, `super` above
    /// the root).
    fn absolute(&self, segments: &[String]) -> Option<ModPath> {
        let head = segments.first()?;
        let (mut base, rest) = match head.as_str() {
            "crate" => (Vec::new(), &segments[1..]),
            "self" | "super" => {
                let mut base = self.scope.clone();
                let mut skip = 0;
                for segment in segments {
                    match segment.as_str() {
                        "self" => {}
                        "super" => {
                            base.pop()?;
                        }
                        _ => break,
                    }
                    skip += 1;
                }
                (base, &segments[skip..])
            }
            name if self.is_child(name) => (self.scope.clone(), segments),
            _ => return None,
        };
        base.extend(rest.iter().cloned());
        Some(base)
    }
}

/// One complete path of a use tree (or a plain path).
#[derive(Debug)]
struct Leaf {
    segments: ModPath,
    /// `as alias`.
    alias: Option<String>,
    /// Ends in `*`: `segments` is the module whose names are all imported.
    glob: bool,
    /// Line of the leaf's last segment, so a reference inside a multi-line
    /// `use` group points at the name itself.
    line: usize,
}

impl Leaf {
    fn new(mut segments: ModPath, alias: Option<String>, glob: bool, line: usize) -> Self {
        // `a::{self}` is `a` itself.
        if segments.len() > 1 && segments.last().is_some_and(|s| s == "self") {
            segments.pop();
        }
        Leaf {
            segments,
            alias,
            glob,
            line,
        }
    }

    /// The name a `use` of this leaf brings into scope, if any.
    fn binding(&self) -> Option<String> {
        let name = self.alias.as_ref().or(self.segments.last())?;
        match name.as_str() {
            "_" | "crate" | "self" | "super" | EXTERN_ROOT => None,
            _ => Some(name.clone()),
        }
    }
}

/// Parses a use tree (`a::b::{c, d::*, e as f}`) or a plain path starting
/// at `pos`, below the segments `prefix` of the enclosing group. Appends
/// its leaves and returns the position after it.
fn parse_tree(tokens: &[Token], mut pos: usize, prefix: ModPath, leaves: &mut Vec<Leaf>) -> usize {
    let kind = |pos: usize| tokens.get(pos).map(|t| &t.kind);
    let line = |pos: usize| tokens.get(pos).map_or(0, |t| t.line);
    let start_len = prefix.len();
    let mut segments = prefix;
    if segments.is_empty() && kind(pos) == Some(&Kind::PathSep) {
        segments.push(EXTERN_ROOT.to_owned());
        pos += 1;
    }
    let mut last_line = line(pos);
    loop {
        match kind(pos) {
            Some(Kind::Ident(name)) => {
                segments.push(name.clone());
                last_line = line(pos);
                pos += 1;
                if kind(pos) == Some(&Kind::PathSep) {
                    pos += 1;
                    continue;
                }
                let mut alias = None;
                if matches!(kind(pos), Some(Kind::Ident(w)) if w == "as") {
                    if let Some(Kind::Ident(name)) = kind(pos + 1) {
                        alias = Some(name.clone());
                    }
                    pos += 2;
                }
                leaves.push(Leaf::new(segments, alias, false, last_line));
                return pos;
            }
            Some(Kind::Punct('{')) => {
                pos += 1;
                loop {
                    match kind(pos) {
                        None => return pos,
                        Some(Kind::Punct('}')) => return pos + 1,
                        Some(Kind::Punct(',')) => pos += 1,
                        Some(_) => {
                            let next = parse_tree(tokens, pos, segments.clone(), leaves);
                            // Skip a token that starts no tree, so a malformed
                            // group cannot stall the parse.
                            pos = if next == pos { pos + 1 } else { next };
                        }
                    }
                }
            }
            Some(Kind::Punct('*')) => {
                leaves.push(Leaf::new(segments, None, true, line(pos)));
                return pos + 1;
            }
            _ => {
                // A path cut short, e.g. `crate::a::f::<T>()`: keep what was read.
                if segments.len() > start_len {
                    leaves.push(Leaf::new(segments, None, false, last_line));
                }
                return pos;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::{ModPath, Target, scan};
    use crate::lex::tokenize;

    fn path(s: &str) -> ModPath {
        s.split("::")
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// The references of `source` in module `module`, as `a::b@line`.
    fn refs(source: &str, module: &str, modules: &[&str]) -> Vec<String> {
        let modules: HashSet<ModPath> = modules.iter().map(|m| path(m)).collect();
        scan(&tokenize(source), &path(module), &modules)
            .references
            .into_iter()
            .map(|r| format!("{}@{}", r.path.join("::"), r.line))
            .collect()
    }

    #[test]
    fn use_trees_expand_to_every_leaf() {
        let src = "use crate::{db::{entities::user, pool}, x::*};\nuse super::{self, E, p};";
        assert_eq!(
            refs(src, "s::auth", &[]),
            [
                "db::entities::user@1",
                "db::pool@1",
                "x@1",
                "s@2",
                "s::E@2",
                "s::p@2"
            ]
        );
    }

    #[test]
    fn super_inside_inline_modules() {
        let src = "mod tests {\n use super::*;\n mod deeper { fn f() { super::super::g(); self::h(); } }\n}\nfn k() { super::m(); }";
        assert_eq!(
            refs(src, "a::b", &[]),
            ["a::b@2", "a::b::g@3", "a::b::tests::deeper::h@3", "a::m@5"]
        );
    }

    #[test]
    fn child_module_heads_and_later_segments() {
        // `startup::x` starts at a child module; `other::startup::y` does not;
        // `pub(in crate::a)` is a visibility, not a use.
        let src = "startup::x(); other::startup::y(); pub(in crate::a) fn f() {}";
        assert_eq!(refs(src, "", &["", "startup"]), ["startup::x@1"]);
    }

    #[test]
    fn top_level_imports_bind_names() {
        let modules: HashSet<ModPath> = ["", "startup"].iter().map(|m| path(m)).collect();
        let src =
            "pub use startup::{AppState, Application as App};\nuse std::fmt;\nfn f() { use crate::Inner; }";
        let imports = scan(&tokenize(src), &[], &modules).imports;
        assert_eq!(
            imports.get("AppState"),
            Some(&Target::Absolute(path("startup::AppState")))
        );
        assert_eq!(
            imports.get("App"),
            Some(&Target::Absolute(path("startup::Application")))
        );
        assert_eq!(imports.get("fmt"), Some(&Target::Relative(path("std::fmt"))));
        assert_eq!(
            imports.get("Inner"),
            None,
            "a use inside a function binds nothing at module level"
        );
    }
}
