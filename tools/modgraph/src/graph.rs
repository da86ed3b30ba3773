//! The module graph of one crate: finds its file modules, resolves every
//! reference (following re-exports) to the module that owns the name, keeps
//! one example location per edge, and finds the cycles (strongly connected
//! components, by Tarjan's algorithm).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::{self, Write as _};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::lex::tokenize;
use crate::scan::{FileScan, ModPath, Target, scan};

/// How many re-exports a path may be followed through; more means the
/// re-exports go round in circles (which the compiler would reject anyway).
const MAX_HOPS: usize = 16;

/// Where a reference occurs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file, as the source root given to [`analyze`] joined with the
    /// file's path below it.
    pub file: PathBuf,
    /// 1-based.
    pub line: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

/// A dependency of one module on another, with the first place it occurs.
#[derive(Debug, Clone, Copy)]
pub struct Edge<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub at: &'a Location,
}

/// A set of modules that depend on each other in a circle.
#[derive(Debug, Clone)]
pub struct Cycle {
    /// Module names, sorted.
    pub members: Vec<String>,
    /// Every edge between members, each with an example location.
    pub edges: Vec<(String, String, Location)>,
}

impl fmt::Display for Cycle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "cycle of {} modules: {}",
            self.members.len(),
            self.members.join(", ")
        )?;
        for (from, to, at) in &self.edges {
            writeln!(f, "  {from} -> {to}  ({at})")?;
        }
        Ok(())
    }
}

/// The module graph of one crate.
#[derive(Debug)]
pub struct Graph {
    /// Module names (`crate`, `a`, `a::b`), in module path order: a parent
    /// right before its children.
    names: Vec<String>,
    /// Edges by (from, to) index into `names`, with the first occurrence.
    edges: BTreeMap<(usize, usize), Location>,
}

/// Builds the module graph of the crate whose source root is `src_root`
/// (the directory holding `lib.rs`).
pub fn analyze(src_root: &Path) -> io::Result<Graph> {
    let files = discover(src_root)?;
    if !files.iter().any(|(module, _)| module.is_empty()) {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("{}: no lib.rs", src_root.display()),
        ));
    }
    let mut paths: Vec<ModPath> = files.iter().map(|(module, _)| module.clone()).collect();
    paths.sort();
    paths.dedup();
    let known: HashSet<ModPath> = paths.iter().cloned().collect();

    let mut scans = Vec::new();
    for (module, file) in &files {
        let source = fs::read_to_string(file)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", file.display())))?;
        scans.push((module, file, scan(&tokenize(&source), module, &known)));
    }

    let resolver = Resolver::new(&paths, &scans);
    let mut edges = BTreeMap::new();
    for (module, file, file_scan) in &scans {
        let from = resolver.index[module.as_slice()];
        for reference in &file_scan.references {
            let Some(to) = resolver.resolve(reference.path.clone()) else {
                continue;
            };
            // A module naming its own descendants (declaring or re-exporting
            // them) is a namespace, not a dependency.
            if to == from || paths[to].starts_with(&paths[from]) {
                continue;
            }
            edges.entry((from, to)).or_insert_with(|| Location {
                file: (*file).clone(),
                line: reference.line,
            });
        }
    }

    Ok(Graph {
        names: paths.iter().map(|p| display_name(p)).collect(),
        edges,
    })
}

/// `crate` for the root, `a::b` otherwise (the `crate::` prefix would only
/// add noise to every line).
fn display_name(path: &[String]) -> String {
    if path.is_empty() {
        "crate".to_owned()
    } else {
        path.join("::")
    }
}

/// Every `.rs` file below `src_root` with its module path, sorted by file.
/// `main.rs` and `bin/` at the root are skipped: they are other crates.
fn discover(src_root: &Path) -> io::Result<Vec<(ModPath, PathBuf)>> {
    let mut files = Vec::new();
    let mut dirs = vec![(src_root.to_path_buf(), Vec::new())];
    while let Some((dir, module)) = dirs.pop() {
        let entries =
            fs::read_dir(&dir).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", dir.display())))?;
        for entry in entries {
            let path = entry?.path();
            let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
                continue;
            };
            let at_root = module.is_empty();
            if path.is_dir() {
                if !(at_root && name == "bin") {
                    let mut child = module.clone();
                    child.push(name);
                    dirs.push((path, child));
                }
                continue;
            }
            let Some(stem) = name.strip_suffix(".rs") else {
                continue;
            };
            let file_module = match (at_root, stem) {
                (true, "lib") => Vec::new(),
                (true, "main") => continue,
                (false, "mod") => module.clone(),
                _ => {
                    let mut m = module.clone();
                    m.push(stem.to_owned());
                    m
                }
            };
            files.push((file_module, path));
        }
    }
    files.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(files)
}

/// Resolves absolute paths to the module that owns the named item.
struct Resolver<'a> {
    index: HashMap<&'a [String], usize>,
    /// What each file module's top-level `use` items bind, by module index.
    imports: HashMap<usize, BTreeMap<&'a str, &'a Target>>,
}

impl<'a> Resolver<'a> {
    fn new(paths: &'a [ModPath], scans: &'a [(&'a ModPath, &'a PathBuf, FileScan)]) -> Self {
        let index: HashMap<&[String], usize> =
            paths.iter().enumerate().map(|(i, p)| (p.as_slice(), i)).collect();
        let mut imports: HashMap<usize, BTreeMap<&str, &Target>> = HashMap::new();
        for (module, _, file_scan) in scans {
            let entry = imports.entry(index[module.as_slice()]).or_default();
            for (name, target) in &file_scan.imports {
                entry.insert(name, target);
            }
        }
        Resolver { index, imports }
    }

    /// The module that owns `path`: the longest prefix that is a file
    /// module, unless the next segment is a name that module imports, in
    /// which case the import is followed. `None` when the name lives in
    /// another crate.
    fn resolve(&self, mut path: ModPath) -> Option<usize> {
        let mut module = 0;
        for _ in 0..MAX_HOPS {
            // The root (index 0) is always known, so some prefix always is.
            let k = (0..=path.len())
                .rev()
                .find(|&k| self.index.contains_key(&path[..k]))
                .unwrap_or(0);
            module = self.index.get(&path[..k]).copied().unwrap_or(0);
            let Some(name) = path.get(k) else {
                return Some(module);
            };
            let Some(target) = self.imports.get(&module).and_then(|m| m.get(name.as_str())) else {
                return Some(module);
            };
            let mut followed = self.expand(module, target, 0)?;
            followed.extend(path[k + 1..].iter().cloned());
            path = followed;
        }
        Some(module)
    }

    /// An import's target as an absolute path, following a first segment
    /// that names another import of the same module (`use a::b; use b::C;`).
    /// `None` when it leads out of the crate.
    fn expand(&self, module: usize, target: &Target, hops: usize) -> Option<ModPath> {
        match target {
            Target::Absolute(path) => Some(path.clone()),
            Target::Relative(segments) => {
                let (head, rest) = segments.split_first()?;
                let inner = self.imports.get(&module)?.get(head.as_str())?;
                if hops >= MAX_HOPS || *inner == target {
                    return None;
                }
                let mut path = self.expand(module, inner, hops + 1)?;
                path.extend(rest.iter().cloned());
                Some(path)
            }
        }
    }
}

impl Graph {
    /// Module names, root (`crate`) first, parents before children.
    pub fn modules(&self) -> &[String] {
        &self.names
    }

    /// All edges, sorted by (from, to) in module order.
    pub fn edges(&self) -> impl Iterator<Item = Edge<'_>> {
        self.edges.iter().map(|(&(from, to), at)| Edge {
            from: &self.names[from],
            to: &self.names[to],
            at,
        })
    }

    pub fn edge_count(&self) -> usize {
        self.edges.len()
    }

    /// Where `from` first depends on `to`, if it does.
    pub fn edge(&self, from: &str, to: &str) -> Option<&Location> {
        let find = |name: &str| self.names.iter().position(|n| n == name);
        self.edges.get(&(find(from)?, find(to)?))
    }

    /// Strongly connected components of more than one module, each with the
    /// edges inside it; ordered by their first member.
    pub fn cycles(&self) -> Vec<Cycle> {
        let mut cycles: Vec<Cycle> = self
            .components()
            .into_iter()
            .filter(|component| component.len() > 1)
            .map(|mut component| {
                component.sort_unstable();
                let edges = self
                    .edges
                    .iter()
                    .filter(|((from, to), _)| component.contains(from) && component.contains(to))
                    .map(|(&(from, to), at)| (self.names[from].clone(), self.names[to].clone(), at.clone()))
                    .collect();
                Cycle {
                    members: component.iter().map(|&i| self.names[i].clone()).collect(),
                    edges,
                }
            })
            .collect();
        cycles.sort_by(|a, b| a.members.cmp(&b.members));
        cycles
    }

    /// The graph in Graphviz dot, edges inside a cycle in red.
    pub fn to_dot(&self, title: &str) -> String {
        let mut component = vec![0; self.names.len()];
        for (i, members) in self.components().iter().enumerate() {
            for &m in members {
                component[m] = i;
            }
        }
        let mut dot = String::new();
        let _ = writeln!(dot, "digraph {title:?} {{\n  rankdir=LR;\n  node [shape=box];");
        for name in &self.names {
            let _ = writeln!(dot, "  {name:?};");
        }
        for &(from, to) in self.edges.keys() {
            // No self edges exist, so both ends in one component means a cycle.
            let colour = if component[from] == component[to] {
                " [color=red]"
            } else {
                ""
            };
            let _ = writeln!(dot, "  {:?} -> {:?}{colour};", self.names[from], self.names[to]);
        }
        dot.push_str("}\n");
        dot
    }

    /// Strongly connected components, as module indices.
    fn components(&self) -> Vec<Vec<usize>> {
        let mut adjacency = vec![Vec::new(); self.names.len()];
        for &(from, to) in self.edges.keys() {
            adjacency[from].push(to);
        }
        strongly_connected(&adjacency)
    }
}

/// Tarjan's strongly connected components of the graph `adjacency`.
fn strongly_connected(adjacency: &[Vec<usize>]) -> Vec<Vec<usize>> {
    struct Tarjan<'a> {
        adjacency: &'a [Vec<usize>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        components: Vec<Vec<usize>>,
    }

    impl Tarjan<'_> {
        // Recursion depth is bounded by the number of modules (hundreds).
        fn visit(&mut self, v: usize) {
            self.index[v] = Some(self.next);
            self.low[v] = self.next;
            self.next += 1;
            self.stack.push(v);
            self.on_stack[v] = true;
            let adjacency = self.adjacency;
            for &w in &adjacency[v] {
                match self.index[w] {
                    None => {
                        self.visit(w);
                        self.low[v] = self.low[v].min(self.low[w]);
                    }
                    Some(w_index) if self.on_stack[w] => self.low[v] = self.low[v].min(w_index),
                    Some(_) => {}
                }
            }
            if Some(self.low[v]) == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                self.components.push(component);
            }
        }
    }

    let n = adjacency.len();
    let mut tarjan = Tarjan {
        adjacency,
        index: vec![None; n],
        low: vec![0; n],
        on_stack: vec![false; n],
        stack: Vec::new(),
        next: 0,
        components: Vec::new(),
    };
    for v in 0..n {
        if tarjan.index[v].is_none() {
            tarjan.visit(v);
        }
    }
    tarjan.components
}
