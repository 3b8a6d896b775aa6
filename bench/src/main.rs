//! `continuum-bench`: measures Continuum on this machine and rewrites
//! `docs/benchmarks.md` from scratch.
//!
//! What it is for: one command (`cargo run --release -p continuum-bench --
//! [--quick]`) that builds the `continuum` binary (full, and the runtime-only
//! build without Cranelift), builds its own small C programs natively and to
//! `wasm32-wasi` with the same compiler and flags, and measures, side by
//! side in one run: time from process start to the guest's `main`; process
//! wall time of an empty program; in-process engine creation, module load and
//! instantiation through the library crates; peak memory; binary sizes; and
//! compute kernels against the same C compiled natively (JIT from the warm
//! compile cache, the same with `--timeout` and so with epoch checks, an
//! ahead-of-time `.cwasm`, and the Pulley interpreter). Every figure is a
//! median over repeated runs, with ratios to a native baseline measured in
//! the same run, because the machine is shared and noisy. The kernels'
//! checksums must be identical natively and in Wasm, or the run fails.
//!
//! What it never does: write build outputs into the repository (everything
//! goes below `$CARGO_TARGET_DIR/bench-work/`), touch the user's compile
//! cache (it uses its own, under `bench-work/`), edit any file but the
//! report, or pass/fail on speed: it is a measurement, not a test.
//!
//! Modules: `cli` (arguments, iteration plan), `paths` (where things are,
//! the measured command lines), `prepare` (builds, programs, sizes),
//! `process` (one measured child), `startup`, `inproc`, `kernels` (the
//! measurements), `machine`, `stats`, `report` (the Markdown).

mod cli;
mod inproc;
mod kernels;
mod machine;
mod migration;
mod paper;
mod paths;
mod prepare;
mod process;
mod report;
mod startup;
mod stats;

use anyhow::{Context, Result, bail};
use continuum_engine::EngineKind;
use paths::{Paths, Variant};
use std::path::PathBuf;

/// The command that regenerates the report (printed at its top).
pub const COMMAND: &str = "cargo run --release -p continuum-bench -- [--quick]";

/// Everything the report shows.
#[derive(Debug)]
pub struct Results {
    pub quick: bool,
    pub plan: cli::Plan,
    pub machine: machine::Machine,
    pub load_after: String,
    pub runtime_only_build: std::result::Result<(), String>,
    pub startup: Vec<startup::Startup>,
    pub startup_failures: Vec<(Variant, String)>,
    pub inproc: Vec<(EngineKind, std::result::Result<inproc::Phases, String>)>,
    pub sizes: Vec<prepare::Size>,
    pub kernels: Vec<kernels::Kernel>,
}

/// A progress line on stderr.
pub fn progress(msg: impl AsRef<str>) {
    eprintln!("[bench] {}", msg.as_ref());
}

fn main() {
    match run() {
        Ok(path) => progress(format!("wrote {}", path.display())),
        Err(e) => {
            eprintln!("continuum-bench: error: {e:#}");
            std::process::exit(1);
        }
    }
}

fn run() -> Result<PathBuf> {
    let opts = cli::parse_args()?;
    if cfg!(debug_assertions) {
        bail!(
            "this is a debug build, whose in-process figures would measure unoptimised \
             wasmtime: run `{COMMAND}`"
        );
    }
    let paths = Paths::find()?;
    if opts.paper {
        return paper::run(opts.quick, !opts.build, &paths.workspace, &paths.target);
    }
    if opts.migration {
        let doc = paths.workspace.join("docs/benchmarks.md");
        let section = migration::run(opts.quick)?;
        paper::report::splice_between(&doc, migration::BEGIN, migration::END, &section)?;
        return Ok(doc);
    }
    let plan = cli::Plan::new(opts.quick);
    prepare::check_clang()?;
    let machine = machine::describe(&paths.workspace);
    progress(format!(
        "{} run; work directory {}",
        if opts.quick { "quick" } else { "full" },
        paths.work.display()
    ));

    let runtime_only_build = if opts.build {
        prepare::build_binaries(&paths)?
    } else {
        progress("--no-build: using the binaries already built");
        if paths.continuum_rt.exists() {
            Ok(())
        } else {
            Err(format!(
                "not built (`{}` is missing)",
                paths.continuum_rt.display()
            ))
        }
    };
    if !paths.continuum.exists() {
        bail!(
            "`{}` does not exist: build it with `cargo build --release` (or drop --no-build)",
            paths.continuum.display()
        );
    }
    prepare::prepare_programs(&paths)?;

    let mut variants = vec![Variant::Native, Variant::Jit, Variant::Aot, Variant::Pulley];
    if runtime_only_build.is_ok() {
        variants.extend([Variant::RuntimeOnlyAot, Variant::RuntimeOnlyPulley]);
    }
    let (startup, startup_failures) =
        startup::measure_startup(&paths, &variants, plan.startup_runs)?;

    let mut inproc_results = Vec::new();
    for kind in [EngineKind::Cranelift, EngineKind::Pulley] {
        progress(format!("in-process instantiation ({kind:?})"));
        let cwasm = match kind {
            EngineKind::Cranelift => paths.cwasm("empty"),
            EngineKind::Pulley => paths.pulley_cwasm("empty"),
        };
        let r = inproc::measure(
            kind,
            &paths.cache,
            &paths.wasm("empty"),
            &cwasm,
            plan.inproc,
        )
        .map_err(|e| format!("{e:#}"));
        if let Err(e) = &r {
            progress(format!("  failed: {e}"));
        }
        inproc_results.push((kind, r));
    }

    let sizes = prepare::sizes(&paths, &runtime_only_build);

    let mut kernel_results = Vec::new();
    for spec in kernels::KERNELS {
        kernel_results.push(kernels::measure_kernel(&paths, spec, &plan)?);
    }

    let results = Results {
        quick: opts.quick,
        plan,
        machine,
        load_after: machine::load_average(),
        runtime_only_build,
        startup,
        startup_failures,
        inproc: inproc_results,
        sizes,
        kernels: kernel_results,
    };
    let out = opts
        .output
        .unwrap_or_else(|| paths.workspace.join("docs/benchmarks.md"));
    let mut text = report::render(&results);
    // Section 6 belongs to `continuum-bench paper`: keep it.
    let old = std::fs::read_to_string(&out).unwrap_or_default();
    if let (Some(b), Some(e)) = (old.find(paper::BEGIN), old.find(paper::END)) {
        text = format!("{}\n{}\n", text.trim_end(), &old[b..e + paper::END.len()]);
    }
    std::fs::write(&out, text).with_context(|| format!("cannot write `{}`", out.display()))?;
    eprint!("{}", report::summary(&results));
    Ok(out)
}
