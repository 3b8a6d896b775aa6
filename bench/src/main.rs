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
//! compile cache, an ahead-of-time `.cwasm`, and the Pulley interpreter).
//! Every figure is a median over repeated runs, with ratios to a native
//! baseline measured in the same run, because the machine is shared and
//! noisy. The kernels' checksums must be identical natively and in Wasm, or
//! the run fails.
//!
//! What it never does: write build outputs into the repository (everything
//! goes below `$CARGO_TARGET_DIR/bench-work/`), touch the user's compile
//! cache (it uses its own, under `bench-work/`), edit any file but the
//! report, or pass/fail on speed: it is a measurement, not a test.

mod diag;
mod inproc;
mod machine;
mod process;
mod report;
mod stats;

use anyhow::{Context, Result, bail};
use continuum_engine::EngineKind;
use process::{Sample, measure, measure_ok, output_of, stderr_text};
use stats::{Summary, summarize};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The command that regenerates the report (printed at its top).
pub const COMMAND: &str = "cargo run --release -p continuum-bench -- [--quick]";

const USAGE: &str = "\
usage: continuum-bench [--quick] [--no-build] [--output FILE]

Measures Continuum and rewrites docs/benchmarks.md.

  --quick        fewer iterations (a few minutes less; noisier figures)
  --no-build     use the continuum binaries already built instead of running
                 `cargo build` first
  --output FILE  write the report to FILE instead of docs/benchmarks.md

Run it as: cargo run --release -p continuum-bench -- [--quick]
Needs clang-19 and wasi-libc (bash scripts/setup.sh).";

#[derive(Debug)]
struct Options {
    quick: bool,
    build: bool,
    output: Option<PathBuf>,
}

fn parse_args() -> Result<Options> {
    let mut o = Options {
        quick: false,
        build: true,
        output: None,
    };
    let mut args = std::env::args_os().skip(1);
    while let Some(a) = args.next() {
        match a.to_str() {
            Some("--quick") => o.quick = true,
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
    fn new(quick: bool) -> Self {
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

/// Where everything is.
#[derive(Debug)]
pub struct Paths {
    pub workspace: PathBuf,
    pub target: PathBuf,
    pub work: PathBuf,
    pub cache: PathBuf,
    pub continuum: PathBuf,
    pub runtime_target: PathBuf,
    pub continuum_rt: PathBuf,
    /// This program (for the diagnostic runner).
    pub bench: PathBuf,
}

impl Paths {
    fn find() -> Result<Self> {
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .context("the bench crate has no parent directory")?
            .to_path_buf();
        // This binary is `<target>/release/continuum-bench`: the continuum
        // binary is built next to it.
        let exe = std::env::current_exe().context("cannot find this program's path")?;
        let target = exe
            .parent()
            .and_then(Path::parent)
            .context("cannot derive the target directory from this program's path")?
            .to_path_buf();
        let runtime_target = match std::env::var_os("CONTINUUM_RUNTIME_ONLY_TARGET_DIR") {
            Some(d) => PathBuf::from(d),
            None => PathBuf::from(std::env::var_os("HOME").context("HOME is not set")?)
                .join(".cache/continuum/target-runtime-only"),
        };
        let work = target.join("bench-work");
        Ok(Paths {
            workspace,
            cache: work.join("cache"),
            continuum: target.join("release/continuum"),
            continuum_rt: runtime_target.join("release/continuum"),
            target,
            work,
            runtime_target,
            bench: exe,
        })
    }

    fn native(&self, name: &str) -> PathBuf {
        self.work.join("native").join(name)
    }
    fn wasm(&self, name: &str) -> PathBuf {
        self.work.join("wasm").join(format!("{name}.wasm"))
    }
    fn cwasm(&self, name: &str) -> PathBuf {
        self.work.join("aot").join(format!("{name}.cwasm"))
    }
    fn pulley_cwasm(&self, name: &str) -> PathBuf {
        self.work.join("aot").join(format!("{name}.pulley.cwasm"))
    }
    fn no_epoch_cwasm(&self, name: &str) -> PathBuf {
        self.work.join("aot").join(format!("{name}.no-epoch.cwasm"))
    }
    fn stderr_file(&self) -> PathBuf {
        self.work.join("last-stderr.txt")
    }
}

/// One way of running a program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    Native,
    Jit,
    Aot,
    Pulley,
    RuntimeOnlyAot,
    RuntimeOnlyPulley,
    /// Diagnostic: Continuum's engine settings without epoch interruption.
    NoEpoch,
}

impl Variant {
    pub fn label(self) -> &'static str {
        match self {
            Variant::Native => "native (clang-19 -O2)",
            Variant::Jit => "`continuum run x.wasm` (Cranelift, warm cache)",
            Variant::Aot => "`continuum run x.cwasm` (Cranelift, AOT)",
            Variant::Pulley => "`continuum run --engine pulley x.wasm` (warm cache)",
            Variant::RuntimeOnlyAot => "runtime-only `continuum run x.cwasm`",
            Variant::RuntimeOnlyPulley => {
                "runtime-only `continuum run --engine pulley x.pulley.cwasm`"
            }
            Variant::NoEpoch => "diagnostic: AOT without epoch interruption",
        }
    }

    fn command(self, p: &Paths, name: &str, args: &[&str]) -> Command {
        self.command_with(p, &[], name, args)
    }

    /// The command, with `run_opts` added to `continuum run`'s options
    /// (ignored for native).
    fn command_with(self, p: &Paths, run_opts: &[&str], name: &str, args: &[&str]) -> Command {
        let run = |bin: &Path, pulley: bool, module: PathBuf| {
            let mut c = Command::new(bin);
            c.arg("run").args(run_opts);
            if pulley {
                c.args(["--engine", "pulley"]);
            }
            c.arg("--cache-dir").arg(&p.cache).arg(module);
            c
        };
        let mut c = match self {
            Variant::Native => Command::new(p.native(name)),
            Variant::Jit => run(&p.continuum, false, p.wasm(name)),
            Variant::Aot => run(&p.continuum, false, p.cwasm(name)),
            Variant::Pulley => run(&p.continuum, true, p.wasm(name)),
            Variant::RuntimeOnlyAot => run(&p.continuum_rt, false, p.cwasm(name)),
            Variant::RuntimeOnlyPulley => run(&p.continuum_rt, true, p.pulley_cwasm(name)),
            Variant::NoEpoch => {
                let mut c = Command::new(&p.bench);
                c.args([diag::FLAG, "run"]).arg(p.no_epoch_cwasm(name));
                c
            }
        };
        c.args(args).current_dir(&p.work);
        c
    }
}

/// Startup figures of one variant.
#[derive(Debug)]
pub struct Startup {
    pub variant: Variant,
    /// ms from just before the spawn to the first line of `main`.
    pub start_to_main_ms: Summary,
    /// ms of wall time for the empty program.
    pub empty_wall_ms: Summary,
    /// Per round: this variant's empty wall time ÷ native's in that round.
    pub empty_x_native: Summary,
    /// KiB of peak RSS for hello world.
    pub hello_rss_kib: Summary,
}

/// A binary's size.
#[derive(Debug)]
pub struct Size {
    pub label: &'static str,
    pub path: PathBuf,
    pub result: std::result::Result<(u64, std::result::Result<u64, String>), String>,
}

/// A compute kernel: its program name, what it computes, and its arguments
/// at full size and at the smaller size used for Pulley.
#[derive(Debug)]
pub struct KernelSpec {
    pub name: &'static str,
    pub what: &'static str,
    pub full: &'static [&'static str],
    pub small: &'static [&'static str],
}

pub const KERNELS: &[KernelSpec] = &[
    KernelSpec {
        name: "gemm",
        what: "dense matrix multiply C = αAB + βC, doubles, n × n",
        full: &["1100"],
        small: &["320"],
    },
    KernelSpec {
        name: "jacobi2d",
        what: "5-point Jacobi stencil, doubles, n × n grid, t double sweeps",
        full: &["1000", "100"],
        small: &["500", "40"],
    },
    KernelSpec {
        name: "sieve",
        what: "sieve of Eratosthenes up to n, r repetitions (bytes, integers)",
        full: &["20000000", "3"],
        small: &["8000000", "1"],
    },
    KernelSpec {
        name: "nbody",
        what: "direct N-body gravitation with softening, doubles + sqrt, bodies × steps",
        full: &["1000", "80"],
        small: &["400", "40"],
    },
];

/// Results of one kernel.
#[derive(Debug)]
pub struct Kernel {
    pub spec: &'static KernelSpec,
    pub checksum: String,
    pub native_s: Summary,
    pub jit_s: Summary,
    pub aot_s: Summary,
    pub no_epoch_s: Summary,
    pub native_rss_kib: Summary,
    pub jit_rss_kib: Summary,
    pub native_small_s: Summary,
    pub pulley_s: std::result::Result<Summary, String>,
    /// Ratios to native, paired by round (each against the native run of
    /// the same round, which ran seconds before it).
    pub jit_x: Summary,
    pub aot_x: Summary,
    pub no_epoch_x: Summary,
    pub pulley_x: Option<Summary>,
}

/// Summary of `a[i] / b[i]` over the rounds both have.
fn paired_ratios(a: &[f64], b: &[f64]) -> Option<Summary> {
    let r: Vec<f64> = a.iter().zip(b).map(|(x, y)| x / y).collect();
    summarize(&r)
}

/// Everything the report shows.
#[derive(Debug)]
pub struct Results {
    pub quick: bool,
    pub plan: Plan,
    pub machine: machine::Machine,
    pub load_after: String,
    pub runtime_only_build: std::result::Result<(), String>,
    pub startup: Vec<Startup>,
    pub startup_failures: Vec<(Variant, String)>,
    pub inproc: Vec<(EngineKind, std::result::Result<inproc::Phases, String>)>,
    pub sizes: Vec<Size>,
    pub kernels: Vec<Kernel>,
}

fn progress(msg: impl AsRef<str>) {
    eprintln!("[bench] {}", msg.as_ref());
}

fn main() {
    let mut args: Vec<OsString> = std::env::args_os().skip(1).collect();
    if args.first().is_some_and(|a| a == diag::FLAG) {
        args.remove(0);
        match diag::main(args) {
            Ok(code) => std::process::exit(code),
            Err(e) => {
                eprintln!("continuum-bench {}: error: {e:#}", diag::FLAG);
                std::process::exit(1);
            }
        }
    }
    match run() {
        Ok(path) => progress(format!("wrote {}", path.display())),
        Err(e) => {
            eprintln!("continuum-bench: error: {e:#}");
            std::process::exit(1);
        }
    }
}

fn run() -> Result<PathBuf> {
    let opts = parse_args()?;
    if cfg!(debug_assertions) {
        bail!(
            "this is a debug build, whose in-process figures would measure unoptimised \
             wasmtime: run `{COMMAND}`"
        );
    }
    let plan = Plan::new(opts.quick);
    let paths = Paths::find()?;
    check_clang()?;
    let machine = machine::describe(&paths.workspace);
    progress(format!(
        "{} run; work directory {}",
        if opts.quick { "quick" } else { "full" },
        paths.work.display()
    ));

    let runtime_only_build = if opts.build {
        build_binaries(&paths)?
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
    prepare_programs(&paths)?;

    let mut variants = vec![Variant::Native, Variant::Jit, Variant::Aot, Variant::Pulley];
    if runtime_only_build.is_ok() {
        variants.extend([Variant::RuntimeOnlyAot, Variant::RuntimeOnlyPulley]);
    }
    let (startup, startup_failures) = measure_startup(&paths, &variants, plan.startup_runs)?;

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

    progress("binary sizes");
    let rt_label = "runtime-only (`--no-default-features`, no Cranelift)";
    let sizes = vec![
        size(
            &paths,
            "full (`cargo build --release`)",
            &paths.continuum,
            "continuum-full",
        ),
        match &runtime_only_build {
            // An older binary may still lie there: do not report its size.
            Err(_) => Size {
                label: rt_label,
                path: paths.continuum_rt.clone(),
                result: Err("the build failed, see section 1".into()),
            },
            Ok(()) => size(
                &paths,
                rt_label,
                &paths.continuum_rt,
                "continuum-runtime-only",
            ),
        },
    ];

    let mut kernels = Vec::new();
    for spec in KERNELS {
        kernels.push(measure_kernel(&paths, spec, &plan)?);
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
        kernels,
    };
    let out = opts
        .output
        .unwrap_or_else(|| paths.workspace.join("docs/benchmarks.md"));
    let text = report::render(&results);
    std::fs::write(&out, text).with_context(|| format!("cannot write `{}`", out.display()))?;
    eprint!("{}", report::summary(&results));
    Ok(out)
}

fn check_clang() -> Result<()> {
    match Command::new("clang-19").arg("--version").output() {
        Ok(o) if o.status.success() => {}
        Ok(_) | Err(_) => bail!(
            "clang-19 is missing or does not run: install the C-to-Wasm toolchain with \
             `bash scripts/setup.sh` (clang-19, lld-19, wasi-libc, libclang-rt-19-dev-wasm32)"
        ),
    }
    if !Path::new("/usr/include/wasm32-wasi").exists()
        && !Path::new("/usr/lib/wasm32-wasi").exists()
    {
        bail!("wasi-libc is missing (no /usr/lib/wasm32-wasi): run `bash scripts/setup.sh`");
    }
    Ok(())
}

/// Builds the full `continuum` (failure is fatal) and the runtime-only one
/// into its own target directory (failure is reported in the results).
fn build_binaries(p: &Paths) -> Result<std::result::Result<(), String>> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    progress("cargo build --release -p continuum-cli");
    let status = Command::new(&cargo)
        .args(["build", "--release", "-p", "continuum-cli"])
        .env("CARGO_TARGET_DIR", &p.target)
        .current_dir(&p.workspace)
        .status()
        .context("cannot run cargo")?;
    if !status.success() {
        bail!("`cargo build --release -p continuum-cli` failed ({status})");
    }
    progress(format!(
        "cargo build --release -p continuum-cli --no-default-features (into {})",
        p.runtime_target.display()
    ));
    let out = Command::new(&cargo)
        .args([
            "build",
            "--release",
            "-p",
            "continuum-cli",
            "--no-default-features",
        ])
        .env("CARGO_TARGET_DIR", &p.runtime_target)
        .current_dir(&p.workspace)
        .output()
        .context("cannot run cargo")?;
    if out.status.success() {
        Ok(Ok(()))
    } else {
        let err = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = err.lines().rev().take(15).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        progress("  the runtime-only build failed; continuing without it");
        Ok(Err(format!(
            "build failed ({}):\n{}",
            out.status,
            tail.join("\n")
        )))
    }
}

/// Compiles every C program natively and to Wasm, and precompiles the Wasm.
fn prepare_programs(p: &Paths) -> Result<()> {
    progress("compiling the C programs (native and wasm32-wasi) and .cwasm artifacts");
    for dir in ["native", "wasm", "aot"] {
        std::fs::create_dir_all(p.work.join(dir))
            .with_context(|| format!("cannot create `{}`", p.work.join(dir).display()))?;
    }
    // A fresh compile cache: the warm-up runs fill it.
    if p.cache.exists() {
        std::fs::remove_dir_all(&p.cache)
            .with_context(|| format!("cannot clear `{}`", p.cache.display()))?;
    }
    let bench = p.workspace.join("bench");
    let mut sources = Vec::new();
    for name in ["start", "empty", "hello"] {
        sources.push((name, bench.join("guests").join(format!("{name}.c")), true));
    }
    for k in KERNELS {
        sources.push((
            k.name,
            bench.join("kernels").join(format!("{}.c", k.name)),
            false,
        ));
    }
    for (name, src, guest) in sources {
        output_of(
            Command::new("clang-19")
                .args(["-O2"])
                .arg(&src)
                .arg("-o")
                .arg(p.native(name))
                .arg("-lm"),
        )?;
        output_of(
            Command::new("clang-19")
                .args(["--target=wasm32-wasi", "--sysroot=/usr", "-O2"])
                .arg(&src)
                .arg("-o")
                .arg(p.wasm(name)),
        )
        .context(
            "cannot build for wasm32-wasi (is wasi-libc installed? run `bash scripts/setup.sh`)",
        )?;
        output_of(
            Command::new(&p.continuum)
                .arg("compile")
                .arg(p.wasm(name))
                .arg("-o")
                .arg(p.cwasm(name)),
        )?;
        if !guest {
            output_of(
                Command::new(&p.bench)
                    .args([diag::FLAG, "compile"])
                    .arg(p.wasm(name))
                    .arg(p.no_epoch_cwasm(name)),
            )?;
        }
        if guest {
            output_of(
                Command::new(&p.continuum)
                    .args(["compile", "--target", "pulley64"])
                    .arg(p.wasm(name))
                    .arg("-o")
                    .arg(p.pulley_cwasm(name)),
            )?;
        }
    }
    Ok(())
}

fn run_once(p: &Paths, v: Variant, name: &str, args: &[&str]) -> Result<Sample> {
    measure_ok(&mut v.command(p, name, args), &p.stderr_file())
}

fn start_to_main_ms(s: &Sample) -> Result<f64> {
    let at: i128 =
        s.stdout.trim().parse().with_context(|| {
            format!("the start probe printed `{}`, not a time", s.stdout.trim())
        })?;
    Ok((at - s.spawned_at_ns as i128) as f64 / 1e6)
}

/// One round of the three startup programs for `v`: (start-to-main ms,
/// empty wall ms, hello max RSS KiB).
fn startup_round(p: &Paths, v: Variant) -> Result<(f64, f64, f64)> {
    let s = run_once(p, v, "start", &[])?;
    let s2m = start_to_main_ms(&s)?;
    let e = run_once(p, v, "empty", &[])?;
    let h = run_once(p, v, "hello", &[])?;
    if h.stdout != "Hello, world!\n" {
        bail!("hello printed {:?} under {}", h.stdout, v.label());
    }
    Ok((s2m, e.wall.as_secs_f64() * 1e3, h.max_rss_kib as f64))
}

type StartupOutcome = (Vec<Startup>, Vec<(Variant, String)>);

fn measure_startup(p: &Paths, variants: &[Variant], runs: usize) -> Result<StartupOutcome> {
    progress(format!(
        "startup: warm-up (fills the compile cache) for {} variants",
        variants.len()
    ));
    let mut ok = Vec::new();
    let mut failures = Vec::new();
    for &v in variants {
        // Two rounds: the first compiles and stores, the second checks that
        // the cache is used.
        match startup_round(p, v).and_then(|_| startup_round(p, v)) {
            Ok(_) => ok.push(v),
            Err(e) => {
                progress(format!("  {} failed: {e:#}", v.label()));
                if v == Variant::Native || v == Variant::Jit {
                    return Err(e.context(format!("startup under {}", v.label())));
                }
                failures.push((v, format!("{e:#}")));
            }
        }
    }
    let mut s2m = vec![Vec::new(); ok.len()];
    let mut wall = vec![Vec::new(); ok.len()];
    let mut rss = vec![Vec::new(); ok.len()];
    for i in 0..runs {
        progress(format!("startup: round {}/{runs}", i + 1));
        // Round robin, so that noise from other jobs hits every variant.
        for (j, &v) in ok.iter().enumerate() {
            let (a, b, c) = startup_round(p, v)?;
            s2m[j].push(a);
            wall[j].push(b);
            rss[j].push(c);
        }
    }
    let startup = ok
        .iter()
        .enumerate()
        .map(|(j, &variant)| Startup {
            variant,
            start_to_main_ms: summarize(&s2m[j]).expect("runs > 0"),
            empty_wall_ms: summarize(&wall[j]).expect("runs > 0"),
            // `ok[0]` is native: it is measured first or the run fails.
            empty_x_native: paired_ratios(&wall[j], &wall[0]).expect("runs > 0"),
            hello_rss_kib: summarize(&rss[j]).expect("runs > 0"),
        })
        .collect();
    Ok((startup, failures))
}

fn size(p: &Paths, label: &'static str, bin: &Path, copy_name: &str) -> Size {
    let result = (|| {
        let unstripped = std::fs::metadata(bin)
            .map_err(|e| format!("`{}`: {e}", bin.display()))?
            .len();
        let copy = p.work.join("strip").join(copy_name);
        let stripped = (|| -> Result<u64> {
            std::fs::create_dir_all(copy.parent().expect("has a parent"))?;
            std::fs::copy(bin, &copy)?;
            output_of(Command::new("strip").arg(&copy))?;
            Ok(std::fs::metadata(&copy)?.len())
        })()
        .map_err(|e| format!("{e:#}"));
        Ok((unstripped, stripped))
    })();
    Size {
        label,
        path: bin.to_path_buf(),
        result,
    }
}

/// Checks that a Wasm run printed exactly what the native run printed.
fn same_output(spec: &KernelSpec, how: &str, native: &Sample, other: &Sample) -> Result<()> {
    if native.stdout != other.stdout {
        bail!(
            "CHECKSUM MISMATCH for kernel `{}` under {how}:\n--- native ---\n{}--- {how} ---\n{}",
            spec.name,
            native.stdout,
            other.stdout
        );
    }
    Ok(())
}

fn measure_kernel(p: &Paths, spec: &'static KernelSpec, plan: &Plan) -> Result<Kernel> {
    let err = p.stderr_file();
    progress(format!("kernel {}: warm-up and checksums", spec.name));
    let native_ref = run_once(p, Variant::Native, spec.name, spec.full)?;
    for v in [Variant::Jit, Variant::Aot, Variant::NoEpoch] {
        let s = run_once(p, v, spec.name, spec.full)?;
        same_output(spec, v.label(), &native_ref, &s)?;
    }
    let native_small_ref = run_once(p, Variant::Native, spec.name, spec.small)?;
    // Pulley: the first run also fills the cache; give up on it after 60 s.
    let pulley_cmd =
        || Variant::Pulley.command_with(p, &["--timeout", "60s"], spec.name, spec.small);
    let mut pulley_ok = match measure(&mut pulley_cmd(), &err)? {
        s if s.status == 124 => Err(
            "skipped: one run at the small size took more than 60 s (stopped by --timeout)".into(),
        ),
        s if s.status != 0 => Err(format!(
            "failed with status {}: {}",
            s.status,
            stderr_text(&err)
        )),
        s => {
            same_output(spec, "pulley", &native_small_ref, &s)?;
            Ok(())
        }
    };

    let mut native = Vec::new();
    let mut jit = Vec::new();
    let mut aot = Vec::new();
    let mut no_epoch = Vec::new();
    let mut native_rss = Vec::new();
    let mut jit_rss = Vec::new();
    let mut native_small = Vec::new();
    let mut pulley = Vec::new();
    for i in 0..plan.kernel_runs {
        progress(format!(
            "kernel {}: round {}/{}",
            spec.name,
            i + 1,
            plan.kernel_runs
        ));
        let n = run_once(p, Variant::Native, spec.name, spec.full)?;
        same_output(spec, "native (repeat)", &native_ref, &n)?;
        native.push(n.wall_s());
        native_rss.push(n.max_rss_kib as f64);
        let j = run_once(p, Variant::Jit, spec.name, spec.full)?;
        same_output(spec, Variant::Jit.label(), &native_ref, &j)?;
        jit.push(j.wall_s());
        jit_rss.push(j.max_rss_kib as f64);
        let a = run_once(p, Variant::Aot, spec.name, spec.full)?;
        same_output(spec, Variant::Aot.label(), &native_ref, &a)?;
        aot.push(a.wall_s());
        let d = run_once(p, Variant::NoEpoch, spec.name, spec.full)?;
        same_output(spec, Variant::NoEpoch.label(), &native_ref, &d)?;
        no_epoch.push(d.wall_s());
        if i < plan.pulley_runs && pulley_ok.is_ok() {
            let ns = run_once(p, Variant::Native, spec.name, spec.small)?;
            native_small.push(ns.wall_s());
            let s = measure(&mut pulley_cmd(), &err)?;
            if s.status != 0 {
                pulley_ok = Err(format!(
                    "failed with status {}: {}",
                    s.status,
                    stderr_text(&err)
                ));
            } else {
                same_output(spec, "pulley", &native_small_ref, &s)?;
                pulley.push(s.wall_s());
            }
        }
    }
    if native_small.is_empty() {
        native_small.push(native_small_ref.wall_s());
    }
    let checksum = native_ref
        .stdout
        .lines()
        .last()
        .unwrap_or("")
        .trim()
        .to_string();
    Ok(Kernel {
        spec,
        checksum,
        native_s: summarize(&native).context("no kernel runs")?,
        jit_s: summarize(&jit).context("no kernel runs")?,
        aot_s: summarize(&aot).context("no kernel runs")?,
        no_epoch_s: summarize(&no_epoch).context("no kernel runs")?,
        native_rss_kib: summarize(&native_rss).context("no kernel runs")?,
        jit_rss_kib: summarize(&jit_rss).context("no kernel runs")?,
        native_small_s: summarize(&native_small).expect("not empty"),
        jit_x: paired_ratios(&jit, &native).context("no kernel runs")?,
        aot_x: paired_ratios(&aot, &native).context("no kernel runs")?,
        no_epoch_x: paired_ratios(&no_epoch, &native).context("no kernel runs")?,
        pulley_x: paired_ratios(&pulley, &native_small),
        pulley_s: pulley_ok.and_then(|()| summarize(&pulley).ok_or_else(|| "no runs".to_string())),
    })
}
