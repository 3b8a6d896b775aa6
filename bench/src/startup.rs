//! Start-up as a user sees it, one process per run: time from the spawn to
//! the guest's `main`, wall time of an empty program, and peak memory of
//! hello world, for every way of running a program, round robin.

use crate::paths::{Paths, Variant};
use crate::process::{Sample, measure_ok};
use crate::progress;
use crate::stats::{Summary, paired_ratios, summarize};
use anyhow::{Context, Result, bail};

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

/// The variants that ran, and why the others did not.
pub type StartupOutcome = (Vec<Startup>, Vec<(Variant, String)>);

/// Runs program `name` once under `v`; a non-zero status is an error.
pub fn run_once(p: &Paths, v: Variant, name: &str, args: &[&str]) -> Result<Sample> {
    measure_ok(&mut v.command(p, name, args), &p.stderr_file())
}

/// The start probe prints `CLOCK_REALTIME` in ns as the first thing `main`
/// does; the harness read the same clock just before the spawn.
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

/// Measures `variants` (the first must be native) `runs` times each. Native
/// and JIT must work; any other variant that fails its warm-up is reported
/// and left out.
pub fn measure_startup(p: &Paths, variants: &[Variant], runs: usize) -> Result<StartupOutcome> {
    assert_eq!(
        variants.first(),
        Some(&Variant::Native),
        "native comes first"
    );
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
