//! The WASI conformance corpus (tests/corpus/, described in its README.md).
//!
//! C programs are compiled with clang-19 for wasm32-wasi (and natively, for
//! the ones whose oracle is Linux), WAT programs are run as they are, and
//! every program runs under `continuum run` in a fresh sandbox:
//!
//! ```text
//! ROOT/box/                 preopened as "." (fd 3, or after --tcplisten sockets)
//! ROOT/outside/canary.txt   must be unchanged afterwards
//! ROOT/outside/secret.txt   "TOPSECRET...": must never appear in the output
//! ROOT/NAME/                extra preopens (`// preopen:`), seeded with files
//! ```
//!
//! Each #[test] below runs one group and reports every failing program with
//! its diff, not just the first. Environment:
//! - `CONTINUUM_BIN`: the continuum binary to test (default: this build's).
//! - `CONTINUUM_RUNNER`: a command prefix, e.g. `qemu-aarch64-static -L /usr/aarch64-linux-gnu`.
//! - `CONTINUUM_RUN_FLAGS`: extra flags for `continuum run` (e.g. `--engine pulley`).
//! - `CORPUS_FILTER`: only programs whose name contains this text.
//! - `CORPUS_TIMEOUT`: seconds a single run may take (default 120).
//! - `CORPUS_CLANG`, `CORPUS_WASI_SYSROOT`: the toolchain (default clang-19, /usr).

mod common;

// The harness's own modules live in tests/corpus/ next to this file. A test
// crate root resolves `mod x;` like lib.rs does, to tests/x.rs (which Cargo
// would also take for a test crate of its own), hence the `#[path]`s.
#[path = "corpus/bad_inputs.rs"]
mod bad_inputs;
#[path = "corpus/build.rs"]
mod build;
#[path = "corpus/coverage.rs"]
mod coverage;
#[path = "corpus/hooks.rs"]
mod hooks;
#[path = "corpus/run.rs"]
mod run;
#[path = "corpus/sandbox.rs"]
mod sandbox;
#[path = "corpus/spec.rs"]
mod spec;

use run::run_group;
use spec::{Kind, Oracle, Spec};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/corpus")
        .canonicalize()
        .expect("tests/corpus exists")
}

fn work_dir() -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("corpus");
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn limit() -> Duration {
    let secs = std::env::var("CORPUS_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(120u64);
    Duration::from_secs(secs)
}

fn filter_ok(name: &str) -> bool {
    match std::env::var("CORPUS_FILTER") {
        Ok(f) if !f.is_empty() => name.contains(&f),
        _ => true,
    }
}

fn is_escape(s: &Spec) -> bool {
    s.name.starts_with("escape_")
}

#[test]
fn native_oracle_programs() {
    run_group("native oracle", |s| {
        s.kind == Kind::C && s.oracle == Oracle::Native
    });
}

#[test]
fn expected_output_programs() {
    run_group("expected output", |s| {
        s.kind == Kind::C && s.oracle == Oracle::Expected && !is_escape(s) && !s.tcplisten
    });
}

#[test]
fn sandbox_escapes_are_contained() {
    run_group("sandbox escapes", is_escape);
}

#[test]
fn sockets() {
    run_group("sockets", |s| s.tcplisten);
}

#[test]
fn wat_programs() {
    run_group("wat", |s| s.kind == Kind::Wat);
}

/// Module files and command lines that must be refused with exit 1 (or 2 for
/// usage errors) and exactly one line on stderr starting with `error:`.
#[test]
fn bad_inputs_get_one_clear_line() {
    if !filter_ok("bad_inputs") {
        return;
    }
    bad_inputs::check();
}

/// The corpus as a whole calls every WASI preview1 function: the imports of
/// the compiled C programs plus the functions the WAT programs call.
#[test]
fn corpus_calls_every_wasi_function() {
    if std::env::var("CORPUS_FILTER").is_ok_and(|f| !f.is_empty()) {
        return; // a filtered build does not hold the whole corpus
    }
    coverage::check();
}
