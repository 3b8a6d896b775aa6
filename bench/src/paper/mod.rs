//! `continuum-bench paper [--quick]`: the paper's evaluation (PolyBench/C
//! and SQLite speedtest1, Wasm against native, x86-64 and aarch64 under
//! qemu), end to end: builds, checks results against native, measures every
//! configuration round robin, writes every measurement to
//! `docs/bench/paper.csv`, the figures to `docs/bench/*.svg|png`, and its
//! section of `docs/benchmarks.md` (between the paper markers; the rest of
//! the file belongs to the default command and is kept).
//!
//! Modules: `suite` (what runs, sizes, flags), `config` (how each
//! configuration runs), `build` (tools and programs), `measure` (runs and
//! rows), `results` (medians, ratios, geomeans), `report` (Markdown),
//! `plot` (figures).

mod build;
mod config;
mod measure;
mod notes;
mod plot;
pub mod report;
mod results;
mod suite;

use anyhow::{Context, Result};
use build::{Dirs, Flavour};
use config::{Config, Program, Tools};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use suite::{Class, KERNELS, Plan};

pub use report::{BEGIN, END};

/// The command that regenerates the paper section.
pub const COMMAND: &str = "cargo run --release -p continuum-bench -- paper [--quick]";

/// Progress on stderr: a bar on a terminal, one line per step otherwise.
pub struct Log {
    bar: ProgressBar,
    term: bool,
}

impl Log {
    fn new(total: u64) -> Self {
        let term = std::io::stderr().is_terminal();
        let bar = if term {
            ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
        } else {
            let b = ProgressBar::hidden();
            b.set_length(total);
            b
        };
        bar.set_style(
            ProgressStyle::with_template(
                "[paper] {elapsed_precise} {bar:30} {pos}/{len} runs, ETA {eta} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Log { bar, term }
    }
    /// A line that stays.
    pub fn line(&self, msg: impl AsRef<str>) {
        if self.term {
            self.bar.println(format!("[paper] {}", msg.as_ref()));
        } else {
            eprintln!("[paper] {}", msg.as_ref());
        }
    }
    /// The run about to start (counts one run).
    pub fn step(&self, msg: impl AsRef<str>) {
        self.bar.inc(1);
        if self.term {
            self.bar.set_message(msg.as_ref().to_string());
        } else {
            eprintln!(
                "[paper] {}/{} {}",
                self.bar.position(),
                self.bar.length().unwrap_or(0),
                msg.as_ref()
            );
        }
    }
}

/// Facts about the run that the report states.
#[derive(Debug)]
pub struct Setup {
    pub quick: bool,
    pub wasmtime: std::result::Result<String, String>,
    pub migratable: std::result::Result<(), String>,
    pub aarch64: std::result::Result<(), String>,
    pub sqlite_version: String,
    pub minutes: f64,
}

/// Runs the whole evaluation and writes its outputs; returns the report path.
pub fn run(quick: bool, no_build: bool, workspace: &Path, target: &Path) -> Result<PathBuf> {
    let started = std::time::Instant::now();
    let plan = Plan::new(quick);
    let d = Dirs {
        workspace: workspace.to_path_buf(),
        target: target.to_path_buf(),
        work: target.join("paper-work"),
    };
    let pre = Log::new(0);
    pre.line(format!(
        "{} run; work directory {}",
        if quick { "quick" } else { "full" },
        d.work.display()
    ));
    build::ensure_toolchains(&d, &pre)?;
    let font = build::ensure_font(&pre)?;
    let built = if no_build {
        d.target.join("release/continuum")
    } else {
        build::build_cli(&d, &pre)?
    };
    // A private copy: another build into the same target directory during
    // the run must not swap the binary under the measurements.
    let continuum = d.work.join("bin/continuum");
    std::fs::create_dir_all(d.work.join("bin"))?;
    std::fs::copy(&built, &continuum).with_context(|| {
        format!(
            "cannot copy {} (build it, or drop --no-build)",
            built.display()
        )
    })?;
    let help =
        crate::process::output_of(std::process::Command::new(&continuum).args(["run", "--help"]))?;
    let mut setup = Setup {
        quick,
        migratable: if help.contains("--migratable") {
            Ok(())
        } else {
            Err("`continuum run --help` does not list `--migratable` (not implemented yet): column skipped".into())
        },
        wasmtime: Err("not installed".into()),
        aarch64: Err("not built".into()),
        sqlite_version: String::new(),
        minutes: 0.0,
    };
    let continuum_a64 = if no_build {
        let bin = PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
            .join(".cache/continuum/target-aarch64/aarch64-unknown-linux-gnu/release/continuum");
        if bin.is_file() {
            Ok(bin)
        } else {
            Err(format!(
                "--no-build and no aarch64 build at {}",
                bin.display()
            ))
        }
    } else {
        build::build_cli_aarch64(&d, &pre)
    };
    setup.aarch64 = continuum_a64.as_ref().map(drop).map_err(Clone::clone);
    if let Err(e) = &continuum_a64 {
        pre.line(format!(
            "no aarch64 continuum, the Arm configurations are skipped: {e}"
        ));
    }
    let wasmtime = build::install_wasmtime(&pre);
    setup.wasmtime = wasmtime
        .as_ref()
        .map(|(_, v)| v.clone())
        .map_err(Clone::clone);
    if let Err(e) = &wasmtime {
        pre.line(format!("the wasmtime column is skipped: {e}"));
    }
    let arm = continuum_a64.is_ok();

    // Builds.
    for (f, class) in [
        (Flavour::X86, plan.pb_class),
        (Flavour::WasmPlain, plan.pb_class),
        (Flavour::WasmTuned, plan.pb_class),
        (Flavour::X86, plan.pb_small_class),
        (Flavour::WasmTuned, plan.pb_small_class),
    ] {
        build::build_polybench(&d, f, class, &pre)?;
    }
    if arm {
        build::build_polybench(&d, Flavour::Aarch64, plan.pb_arm_class, &pre)?;
        build::build_polybench(&d, Flavour::WasmTuned, plan.pb_arm_class, &pre)?;
    }
    let sqlite = build::build_sqlite(&d, arm, &pre)?;
    setup.sqlite_version = sqlite.version.clone();
    pre.line("continuum compile: .cwasm for x86-64 (and aarch64)");
    let mut x86_configs = vec![Config::Native, Config::Plain, Config::Jit, Config::Aot];
    if setup.migratable.is_ok() {
        x86_configs.push(Config::Migratable);
    }
    if wasmtime.is_ok() {
        x86_configs.push(Config::Wasmtime);
    }
    let arm_configs = [Config::ArmNative, Config::ArmAot];
    let pb_prog = |c: Config, class: Class, k: &str| -> Result<Program> {
        let file = match c {
            Config::Native | Config::NativeSmall => build::pb_path(&d, Flavour::X86, class, k),
            Config::ArmNative => build::pb_path(&d, Flavour::Aarch64, class, k),
            Config::Plain => build::pb_path(&d, Flavour::WasmPlain, class, k),
            Config::Aot => build::compile_cwasm(
                &continuum,
                &build::pb_path(&d, Flavour::WasmTuned, class, k),
                false,
            )?,
            Config::ArmAot => build::compile_cwasm(
                &continuum,
                &build::pb_path(&d, Flavour::WasmTuned, class, k),
                true,
            )?,
            Config::Jit | Config::Migratable | Config::Wasmtime | Config::Pulley => {
                build::pb_path(&d, Flavour::WasmTuned, class, k)
            }
        };
        Ok(Program { file })
    };
    let st_prog = |c: Config| -> Result<Program> {
        let file = match c {
            Config::Native | Config::NativeSmall => sqlite.native.clone(),
            Config::ArmNative => sqlite.native_a64.clone().context("no aarch64 speedtest1")?,
            Config::Plain => sqlite.plain_wasm.clone(),
            Config::Aot => build::compile_cwasm(&continuum, &sqlite.tuned_wasm, false)?,
            Config::ArmAot => build::compile_cwasm(&continuum, &sqlite.tuned_wasm, true)?,
            _ => sqlite.tuned_wasm.clone(),
        };
        Ok(Program { file })
    };
    let mut pb_progs = BTreeMap::new();
    let mut st_progs = BTreeMap::new();
    let all: Vec<(Config, Class)> = x86_configs
        .iter()
        .map(|&c| (c, plan.pb_class))
        .chain([
            (Config::NativeSmall, plan.pb_small_class),
            (Config::Pulley, plan.pb_small_class),
        ])
        .chain(
            arm_configs
                .iter()
                .filter(|_| arm)
                .map(|&c| (c, plan.pb_arm_class)),
        )
        .collect();
    for &(c, class) in &all {
        for k in KERNELS {
            pb_progs.insert((c, class.name(), k.name), pb_prog(c, class, k.name)?);
        }
        st_progs.insert(c, st_prog(c)?);
    }

    // Measurements.
    let n_pb = |configs: usize, reps: usize| (configs * reps * KERNELS.len()) as u64;
    let n_arm = if arm { 2 } else { 0 };
    let total = n_pb(x86_configs.len(), plan.reps)
        + n_pb(2, plan.small_reps)
        + n_pb(n_arm, plan.arm_reps)
        + (x86_configs.len() * (plan.reps + 1)
            + 2 * (plan.small_reps + 1)
            + n_arm * (plan.arm_reps + 1)) as u64;
    let log = Log::new(total);
    let cache = d.work.join("cache");
    let tools = Tools {
        continuum: continuum.clone(),
        continuum_a64: continuum_a64.ok(),
        wasmtime: wasmtime.ok().map(|(p, _)| p),
        cache_a64: d.work.join("cache-aarch64"),
        cache,
    };
    let mut runner = measure::Runner {
        tools: &tools,
        log: &log,
        stderr: d.work.join("last-stderr.txt"),
        rows: Vec::new(),
        failures: BTreeMap::new(),
        names: BTreeMap::new(),
    };
    let mut expected = BTreeMap::new();
    let mut groups: Vec<(&[Config], Class, usize)> = vec![
        (&x86_configs, plan.pb_class, plan.reps),
        (
            &[Config::NativeSmall, Config::Pulley],
            plan.pb_small_class,
            plan.small_reps,
        ),
    ];
    if arm {
        groups.push((&arm_configs, plan.pb_arm_class, plan.arm_reps));
    }
    for &(configs, class, reps) in &groups {
        for rep in 1..=reps {
            for k in KERNELS {
                let size = format!("{} x{}", class.name(), k.repeat);
                // Native first, then the others in an order that rotates.
                let rest = &configs[1..];
                let rot = rep % rest.len().max(1);
                for &c in std::iter::once(&configs[0])
                    .chain(rest[rot..].iter())
                    .chain(rest[..rot].iter())
                {
                    let prog = &pb_progs[&(c, class.name(), k.name)];
                    runner.polybench(c, prog, k.name, &size, rep, &mut expected)?;
                }
            }
        }
    }
    let mut st_groups: Vec<(&[Config], u32, u32, usize)> = vec![
        (&x86_configs, plan.st_size, plan.st_verify_size, plan.reps),
        (
            &[Config::NativeSmall, Config::Pulley],
            plan.st_small_size,
            plan.st_small_size,
            plan.small_reps,
        ),
    ];
    if arm {
        st_groups.push((
            &arm_configs,
            plan.st_arm_size,
            plan.st_arm_size,
            plan.arm_reps,
        ));
    }
    let mut hashes = Vec::new();
    for &(configs, size, verify_size, reps) in &st_groups {
        let mut native_hash = None;
        for &c in configs {
            if let Some(h) = runner.speedtest_hash(c, &st_progs[&c], verify_size)? {
                if c.is_native() {
                    native_hash = Some(h.clone());
                } else if native_hash.as_ref() != Some(&h) {
                    anyhow::bail!(
                        "speedtest1 results differ: {} `{h}`, native `{}`",
                        c.id(),
                        native_hash.unwrap_or_default()
                    );
                }
                hashes.push((c, verify_size, h));
            }
        }
        for rep in 1..=reps {
            let rest = &configs[1..];
            let rot = rep % rest.len().max(1);
            for &c in std::iter::once(&configs[0])
                .chain(rest[rot..].iter())
                .chain(rest[..rot].iter())
            {
                runner.speedtest(c, &st_progs[&c], size, rep)?;
            }
        }
    }
    log.bar.finish_and_clear();
    setup.minutes = started.elapsed().as_secs_f64() / 60.0;

    // Outputs.
    let out_dir = workspace.join("docs/bench");
    std::fs::create_dir_all(&out_dir)
        .with_context(|| format!("cannot create {}", out_dir.display()))?;
    let csv_path = out_dir.join(if quick {
        "paper-quick.csv"
    } else {
        "paper.csv"
    });
    results::write_csv(&csv_path, &runner.rows)?;
    let res = results::Results::new(
        &runner.rows,
        &runner.failures,
        hashes,
        runner.names.clone(),
        plan,
    );
    let figures = plot::draw_all(&res, &out_dir, &font, quick)?;
    let machine = crate::machine::describe(workspace);
    let section = report::render(&res, &setup, &machine, &figures, &csv_path, workspace);
    let doc = workspace.join("docs/benchmarks.md");
    report::splice(&doc, &section)?;
    eprint!("{}", report::summary(&res));
    Ok(doc)
}
