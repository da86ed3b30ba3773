//! `modgraph`: prints the module graph of one or more crate `src/`
//! directories and exits with 1 when any of them has an import cycle.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use modgraph::Graph;

const USAGE: &str = "\
usage: modgraph [--edges | --dot] <src dir> [<src dir>...]

For each directory (a crate source root holding lib.rs) prints the number of
modules and edges and every cycle with an example file:line per edge.

  --edges  print the edge list (`a -> b`, sorted) on stdout, for diffing;
           the summary then goes to stderr. With several directories each
           list starts with a `# <dir>` line.
  --dot    print Graphviz dot on stdout (cycle edges red); summary to stderr.

Exit status: 0 no cycles, 1 some cycle, 2 usage or I/O error.";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Output {
    Summary,
    Edges,
    Dot,
}

fn main() -> ExitCode {
    let mut output = Output::Summary;
    let mut dirs = Vec::new();
    for arg in std::env::args().skip(1) {
        let wanted = match arg.as_str() {
            "--edges" => Output::Edges,
            "--dot" => Output::Dot,
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            flag if flag.starts_with('-') => return usage_error(&format!("unknown option {flag}")),
            _ => {
                dirs.push(PathBuf::from(arg));
                continue;
            }
        };
        if output != Output::Summary && output != wanted {
            return usage_error("--edges and --dot exclude each other");
        }
        output = wanted;
    }
    if dirs.is_empty() {
        return usage_error("no source directory given");
    }
    // Analyse everything first, so the exit status reflects the cycles even
    // when the output is cut short (`| head` closing the pipe).
    let mut graphs = Vec::new();
    for dir in dirs {
        match modgraph::analyze(&dir) {
            Ok(graph) => graphs.push((dir, graph)),
            Err(e) => {
                eprintln!("modgraph: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let any_cycle = graphs.iter().any(|(_, graph)| !graph.cycles().is_empty());
    match print(&graphs, output) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            eprintln!("modgraph: {e}");
            ExitCode::from(2)
        }
        _ if any_cycle => ExitCode::FAILURE,
        _ => ExitCode::SUCCESS,
    }
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("modgraph: {message}\n\n{USAGE}");
    ExitCode::from(2)
}

/// Prints the report of every graph in the form `output` asks for.
fn print(graphs: &[(PathBuf, Graph)], output: Output) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    for (dir, graph) in graphs {
        let cycles = graph.cycles();
        let mut summary = format!(
            "{}: {} modules, {} edges, {}\n",
            dir.display(),
            graph.modules().len(),
            graph.edge_count(),
            match cycles.len() {
                0 => "no cycles".to_owned(),
                1 => "1 cycle".to_owned(),
                n => format!("{n} cycles"),
            }
        );
        for cycle in &cycles {
            summary.push_str(&cycle.to_string());
        }

        match output {
            Output::Summary => write!(stdout, "{summary}")?,
            Output::Edges => {
                eprint!("{summary}");
                if graphs.len() > 1 {
                    writeln!(stdout, "# {}", dir.display())?;
                }
                for edge in graph.edges() {
                    writeln!(stdout, "{} -> {}", edge.from, edge.to)?;
                }
            }
            Output::Dot => {
                eprint!("{summary}");
                write!(stdout, "{}", graph.to_dot(&dir.display().to_string()))?;
            }
        }
    }
    stdout.flush()
}
