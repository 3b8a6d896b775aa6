//! The compute kernels (`bench/kernels/`) against the same C compiled
//! natively: JIT, JIT with the epoch checks that `--timeout` compiles in,
//! AOT `.cwasm` and the Pulley interpreter (at a smaller size), round robin
//! with a native run in every round, checksums compared on every run.

use crate::cli::Plan;
use crate::paths::{Paths, Variant};
use crate::process::{Sample, measure_within, stderr_text};
use crate::progress;
use crate::startup::run_once;
use crate::stats::{Summary, paired_ratios, summarize};
use anyhow::{Context, Result, bail};
use std::time::Duration;

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

/// The variants run at full size, in this order in even rounds and in the
/// reverse order in odd ones (so that none always runs right after native).
pub const FULL_SIZE: [Variant; 3] = [Variant::Jit, Variant::JitInterruptible, Variant::Aot];

/// One Pulley run at the small size longer than this is given up on (the
/// harness kills it).
const PULLEY_LIMIT: Duration = Duration::from_secs(60);

/// Times of one variant at full size.
#[derive(Debug)]
pub struct Timed {
    pub variant: Variant,
    /// Wall seconds.
    pub s: Summary,
    /// Per round: this variant's time ÷ the native time of the same round.
    pub x: Summary,
}

/// Results of one kernel.
#[derive(Debug)]
pub struct Kernel {
    pub spec: &'static KernelSpec,
    pub checksum: String,
    pub native_s: Summary,
    /// One per [`FULL_SIZE`] variant, in that order.
    pub full: Vec<Timed>,
    /// Per round: JIT + `--timeout` ÷ JIT.
    pub interruptible_x_jit: Summary,
    pub native_rss_kib: Summary,
    pub jit_rss_kib: Summary,
    pub native_small_s: Summary,
    pub pulley_s: std::result::Result<Summary, String>,
    /// Per round: Pulley ÷ native at the small size.
    pub pulley_x: Option<Summary>,
}

impl Kernel {
    /// The full-size figures of `v` (one of [`FULL_SIZE`]).
    pub fn timed(&self, v: Variant) -> &Timed {
        self.full
            .iter()
            .find(|t| t.variant == v)
            .expect("every full-size variant is measured")
    }

    /// The median Pulley ratio, if Pulley ran.
    pub fn pulley_ratio(&self) -> Option<f64> {
        self.pulley_s
            .as_ref()
            .ok()
            .and(self.pulley_x)
            .map(|x| x.median)
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

/// One Pulley run at the small size: its wall seconds, or why it did not
/// count. A wrong checksum is an error.
fn pulley_run(p: &Paths, spec: &KernelSpec, native_small: &Sample) -> Result<Result<f64, String>> {
    let err = p.stderr_file();
    let mut cmd = Variant::Pulley.command(p, spec.name, spec.small);
    let s = measure_within(&mut cmd, &err, Some(PULLEY_LIMIT))?;
    Ok(if s.timed_out {
        Err(format!(
            "skipped: one run at the small size took more than {} s",
            PULLEY_LIMIT.as_secs()
        ))
    } else if s.status != 0 {
        Err(format!(
            "failed with status {}: {}",
            s.status,
            stderr_text(&err)
        ))
    } else {
        same_output(spec, "pulley", native_small, &s)?;
        Ok(s.wall_s())
    })
}

/// Measures one kernel: a warm-up that checks every variant's output (and
/// fills the compile cache), then `plan.kernel_runs` rounds.
pub fn measure_kernel(p: &Paths, spec: &'static KernelSpec, plan: &Plan) -> Result<Kernel> {
    progress(format!("kernel {}: warm-up and checksums", spec.name));
    let native_ref = run_once(p, Variant::Native, spec.name, spec.full)?;
    for v in FULL_SIZE {
        let s = run_once(p, v, spec.name, spec.full)?;
        same_output(spec, v.label(), &native_ref, &s)?;
    }
    let native_small_ref = run_once(p, Variant::Native, spec.name, spec.small)?;
    // Pulley: the first run also fills the cache.
    let mut pulley_ok = pulley_run(p, spec, &native_small_ref)?.map(drop);

    let mut native = Vec::new();
    let mut times = vec![Vec::new(); FULL_SIZE.len()];
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
        let mut order: Vec<usize> = (0..FULL_SIZE.len()).collect();
        if i % 2 == 1 {
            order.reverse();
        }
        for j in order {
            let v = FULL_SIZE[j];
            let s = run_once(p, v, spec.name, spec.full)?;
            same_output(spec, v.label(), &native_ref, &s)?;
            times[j].push(s.wall_s());
            if v == Variant::Jit {
                jit_rss.push(s.max_rss_kib as f64);
            }
        }
        if i < plan.pulley_runs && pulley_ok.is_ok() {
            let ns = run_once(p, Variant::Native, spec.name, spec.small)?;
            same_output(spec, "native (small, repeat)", &native_small_ref, &ns)?;
            native_small.push(ns.wall_s());
            match pulley_run(p, spec, &native_small_ref)? {
                Ok(t) => pulley.push(t),
                Err(e) => pulley_ok = Err(e),
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
    let full = FULL_SIZE
        .iter()
        .zip(&times)
        .map(|(&variant, t)| {
            Ok(Timed {
                variant,
                s: summarize(t).context("no kernel runs")?,
                x: paired_ratios(t, &native).context("no kernel runs")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let at = |v: Variant| &times[FULL_SIZE.iter().position(|&f| f == v).expect("measured")];
    Ok(Kernel {
        spec,
        checksum,
        native_s: summarize(&native).context("no kernel runs")?,
        interruptible_x_jit: paired_ratios(at(Variant::JitInterruptible), at(Variant::Jit))
            .context("no kernel runs")?,
        full,
        native_rss_kib: summarize(&native_rss).context("no kernel runs")?,
        jit_rss_kib: summarize(&jit_rss).context("no kernel runs")?,
        native_small_s: summarize(&native_small).expect("not empty"),
        pulley_x: paired_ratios(&pulley, &native_small),
        pulley_s: pulley_ok.and_then(|()| summarize(&pulley).ok_or_else(|| "no runs".to_string())),
    })
}
