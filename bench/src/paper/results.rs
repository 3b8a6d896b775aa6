//! From rows to figures: the CSV of every measurement, medians per
//! (configuration, benchmark), ratios to the native baseline of the same
//! architecture, and geometric means.

use super::config::Config;
use super::measure::Row;
use super::suite::{KERNELS, Plan, SPEEDTEST_EXCLUDED, SPEEDTEST_TESTS};
use crate::stats::{geomean, summarize};
use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::path::Path;

/// Writes every row to `path`.
pub fn write_csv(path: &Path, rows: &[Row]) -> Result<()> {
    let mut w =
        csv::Writer::from_path(path).with_context(|| format!("cannot write {}", path.display()))?;
    w.write_record([
        "suite",
        "arch",
        "config",
        "benchmark",
        "size",
        "repetition",
        "seconds",
        "wall_seconds",
    ])?;
    for r in rows {
        w.write_record([
            r.suite.to_string(),
            r.arch.to_string(),
            r.config.id().to_string(),
            r.benchmark.clone(),
            r.size.clone(),
            r.repetition.to_string(),
            format!("{:.6}", r.seconds),
            format!("{:.4}", r.wall_seconds),
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// The suites.
pub const POLYBENCH: &str = "polybench";
pub const SPEEDTEST: &str = "speedtest1";

/// Medians, ratios and geomeans of one run.
#[derive(Debug)]
pub struct Results {
    pub plan: Plan,
    /// (suite, config, benchmark) -> all its seconds.
    samples: BTreeMap<(&'static str, Config, String), Vec<f64>>,
    /// (suite, config) -> the size it ran at.
    pub sizes: BTreeMap<(&'static str, Config), String>,
    pub failures: BTreeMap<(&'static str, Config), String>,
    /// speedtest1 `--verify` hashes: (config, size, hash line).
    pub hashes: Vec<(Config, u32, String)>,
    pub names: BTreeMap<u32, String>,
    pub rows: usize,
}

impl Results {
    pub fn new(
        rows: &[Row],
        failures: &BTreeMap<(&'static str, Config), String>,
        hashes: Vec<(Config, u32, String)>,
        names: BTreeMap<u32, String>,
        plan: Plan,
    ) -> Self {
        let mut samples: BTreeMap<_, Vec<f64>> = BTreeMap::new();
        let mut sizes = BTreeMap::new();
        for r in rows {
            samples
                .entry((r.suite, r.config, r.benchmark.clone()))
                .or_default()
                .push(r.seconds);
            let size = match r.suite {
                POLYBENCH => r.size.split(' ').next().unwrap_or("").to_string(),
                _ => format!("--size {}", r.size),
            };
            sizes.insert((r.suite, r.config), size);
        }
        Results {
            plan,
            samples,
            sizes,
            failures: failures.clone(),
            hashes,
            names,
            rows: rows.len(),
        }
    }

    /// The benchmarks of a suite, in order.
    pub fn benchmarks(suite: &str) -> Vec<String> {
        if suite == POLYBENCH {
            KERNELS.iter().map(|k| k.name.to_string()).collect()
        } else {
            SPEEDTEST_TESTS.iter().map(|t| t.to_string()).collect()
        }
    }

    /// The benchmarks a suite's headline geomean is over (speedtest1: the
    /// 29 kept tests).
    pub fn kept(suite: &str) -> Vec<String> {
        Self::benchmarks(suite)
            .into_iter()
            .filter(|b| {
                suite == POLYBENCH || !SPEEDTEST_EXCLUDED.iter().any(|e| e.to_string() == *b)
            })
            .collect()
    }

    /// Configurations with results in `suite`, in enum order.
    pub fn configs(&self, suite: &str) -> Vec<Config> {
        let mut v: Vec<Config> = self
            .samples
            .keys()
            .filter(|(s, _, _)| *s == suite)
            .map(|(_, c, _)| *c)
            .collect();
        v.dedup();
        v
    }

    pub fn median(&self, suite: &'static str, c: Config, b: &str) -> Option<f64> {
        let v = self.samples.get(&(suite, c, b.to_string()))?;
        summarize(v).map(|s| s.median)
    }

    /// Median time ÷ the median time of the native baseline run at the same
    /// size, on the same architecture.
    pub fn ratio(&self, suite: &'static str, c: Config, b: &str) -> Option<f64> {
        let n = self.median(suite, c.baseline(), b)?;
        let t = self.median(suite, c, b)?;
        (n > 0.0 && t > 0.0).then(|| t / n)
    }

    /// Geometric mean of the ratios over `benches` that have one (a
    /// speedtest1 test too short to register natively has none: only in
    /// `--quick` runs).
    pub fn geomean(&self, suite: &'static str, c: Config, benches: &[String]) -> Option<f64> {
        let r: Vec<f64> = benches
            .iter()
            .filter_map(|b| self.ratio(suite, c, b))
            .collect();
        geomean(&r)
    }
}
