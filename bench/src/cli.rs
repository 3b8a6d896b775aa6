//! The command line of `continuum-bench` and how many times each
//! measurement is repeated (the full plan, or the `--quick` one).

use crate::inproc;
use anyhow::{Context, Result, bail};
use std::path::PathBuf;

const USAGE: &str = "\
usage: continuum-bench [--quick] [--no-build] [--output FILE]
       continuum-bench paper [--quick] [--no-build]
       continuum-bench migration [--quick]

Measures Continuum and rewrites docs/benchmarks.md (all but its section 6).
`paper` runs the paper's evaluation instead (PolyBench/C and SQLite
speedtest1, Wasm against native, x86-64 and aarch64 under qemu) and rewrites
section 6 of docs/benchmarks.md, docs/bench/paper.csv and the figures in
docs/bench/ (full run ~35 minutes; --quick a few minutes, small sizes).

  --quick        fewer iterations (a few minutes less; noisier figures)
  --no-build     use the continuum binaries already built instead of running
                 `cargo build` first
  --output FILE  write the report to FILE instead of docs/benchmarks.md

`migration` measures checkpoint, restore and live migration in process
(16, 256 and 1024 MiB of touched memory) and rewrites section 7.

Run it as: cargo run --release -p continuum-bench -- [--quick]
Needs clang-19 and wasi-libc (bash scripts/setup.sh).";

/// What the command line asked for.
#[derive(Debug)]
pub struct Options {
    pub quick: bool,
    pub build: bool,
    pub output: Option<PathBuf>,
    /// `paper`: the paper evaluation.
    pub paper: bool,
    /// `migration`: checkpoint, restore and live migration.
    pub migration: bool,
}

/// Parses this process's arguments; `--help` prints the usage and exits.
pub fn parse_args() -> Result<Options> {
    parse(std::env::args_os().skip(1))
}

fn parse(args: impl IntoIterator<Item = std::ffi::OsString>) -> Result<Options> {
    let mut o = Options {
        quick: false,
        build: true,
        output: None,
        paper: false,
        migration: false,
    };
    let mut args = args.into_iter();
    while let Some(a) = args.next() {
        match a.to_str() {
            Some("--quick") => o.quick = true,
            Some("paper") => o.paper = true,
            Some("migration") => o.migration = true,
            Some("--no-build") => o.build = false,
            Some("--output") => {
                o.output = Some(
                    args.next()
                        .map(PathBuf::from)
                        .context("--output needs a file name")?,
                )
            }
            Some("-h" | "--help") => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            _ => bail!("unknown argument `{}`\n\n{USAGE}", a.to_string_lossy()),
        }
    }
    Ok(o)
}

/// How often each measurement is repeated.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    pub startup_runs: usize,
    pub kernel_runs: usize,
    pub pulley_runs: usize,
    pub inproc: inproc::Iterations,
}

impl Plan {
    pub fn new(quick: bool) -> Self {
        if quick {
            Plan {
                startup_runs: 20,
                kernel_runs: 3,
                pulley_runs: 1,
                inproc: inproc::Iterations {
                    engine: 10,
                    load: 50,
                    instantiate: 100,
                },
            }
        } else {
            Plan {
                startup_runs: 100,
                kernel_runs: 7,
                pulley_runs: 3,
                inproc: inproc::Iterations {
                    engine: 30,
                    load: 300,
                    instantiate: 1000,
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Result<Options> {
        parse(a.iter().map(std::ffi::OsString::from))
    }

    #[test]
    fn flags_are_parsed_and_unknown_ones_refused() {
        let o = args(&["--quick", "--no-build", "--output", "x.md"]).unwrap();
        assert!(o.quick && !o.build);
        assert_eq!(o.output, Some(PathBuf::from("x.md")));
        let o = args(&[]).unwrap();
        assert!(!o.quick && o.build && o.output.is_none());
        assert!(args(&["--output"]).is_err());
        assert!(args(&["--diag-no-epoch"]).is_err());
    }
}
