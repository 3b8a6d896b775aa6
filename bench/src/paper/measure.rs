//! Running the benchmark programs and recording every measurement: one
//! PolyBench kernel run (its own `time` line, checksum compared with the
//! native one), one speedtest1 run (its 32 per-test times), and the
//! untimed `--verify` runs that compare speedtest1's result hash.

use super::Log;
use super::config::{Config, Program, Tools, command};
use crate::process::{describe, measure_within, stderr_text};
use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// A run longer than this is killed and counted as a failure.
const LIMIT: Duration = Duration::from_secs(900);

/// One measurement: a row of the CSV.
#[derive(Clone, Debug)]
pub struct Row {
    pub suite: &'static str,
    pub arch: &'static str,
    pub config: Config,
    pub benchmark: String,
    /// The size: PolyBench class + repeat, or speedtest1's `--size`.
    pub size: String,
    pub repetition: usize,
    /// What the program timed itself (kernel only; one speedtest1 test).
    pub seconds: f64,
    /// Wall time of the whole process (start-up and compilation included).
    pub wall_seconds: f64,
}

/// Collects rows and failures.
pub struct Runner<'a> {
    pub tools: &'a Tools,
    pub log: &'a Log,
    pub stderr: PathBuf,
    pub rows: Vec<Row>,
    /// Why a configuration has no results in a suite.
    pub failures: BTreeMap<(&'static str, Config), String>,
    /// speedtest1's test names, from the native x86-64 runs.
    pub names: BTreeMap<u32, String>,
}

impl Runner<'_> {
    pub fn failed(&self, suite: &'static str, c: Config) -> bool {
        self.failures.contains_key(&(suite, c))
    }

    fn fail(&mut self, suite: &'static str, c: Config, why: String) {
        self.log
            .line(format!("  {} {}: FAILED, dropped: {why}", suite, c.id()));
        self.failures.insert((suite, c), why);
    }

    /// Runs the program; `Ok(Err)` is a failed run (reported, the
    /// configuration dropped), `Err` a harness error.
    fn run(
        &mut self,
        c: Config,
        prog: &Program,
        args: &[String],
    ) -> Result<std::result::Result<(String, String, f64), String>> {
        let mut cmd = command(c, self.tools, prog, args);
        cmd.env_remove("CONTINUUM_LOG");
        let s = measure_within(&mut cmd, &self.stderr, Some(LIMIT))?;
        let err = std::fs::read_to_string(&self.stderr).unwrap_or_default();
        if s.timed_out {
            return Ok(Err(format!(
                "{} ran longer than {} s",
                describe(&cmd),
                LIMIT.as_secs()
            )));
        }
        if s.status != 0 {
            return Ok(Err(format!(
                "{} exited with status {}: {}",
                describe(&cmd),
                s.status,
                stderr_text(&self.stderr)
            )));
        }
        let wall = s.wall_s();
        Ok(Ok((s.stdout, err, wall)))
    }

    /// One PolyBench run; the checksum line must equal `expected` (set by
    /// the first successful run of the baseline). Returns false if `c`
    /// failed (and is now dropped from the suite).
    #[allow(clippy::too_many_arguments)]
    pub fn polybench(
        &mut self,
        c: Config,
        prog: &Program,
        kernel: &str,
        size: &str,
        rep: usize,
        expected: &mut BTreeMap<(String, &'static str), String>,
    ) -> Result<bool> {
        const SUITE: &str = "polybench";
        if self.failed(SUITE, c) {
            return Ok(false);
        }
        self.log
            .step(format!("{} {kernel} ({size}) {} #{rep}", c.arch(), c.id()));
        let (out, err, wall) = match self.run(c, prog, &[])? {
            Ok(r) => r,
            Err(why) => {
                self.fail(SUITE, c, why);
                return Ok(false);
            }
        };
        let checksum = out.trim().to_string();
        let key = (format!("{kernel}@{size}"), c.arch());
        match expected.get(&key) {
            None if c.is_native() => {
                expected.insert(key, checksum.clone());
            }
            None => bail!("no native checksum for {kernel} ({size}) before {}", c.id()),
            Some(e) if *e != checksum => bail!(
                "CHECKSUM MISMATCH for {kernel} ({size}) under {}: native `{e}`, got `{checksum}`",
                c.id()
            ),
            Some(_) => {}
        }
        let seconds = err
            .lines()
            .find_map(|l| l.strip_prefix("time "))
            .and_then(|t| t.trim().parse::<f64>().ok())
            .with_context(|| format!("{kernel} under {} printed no `time` line: {err}", c.id()))?;
        self.rows.push(Row {
            suite: SUITE,
            arch: c.arch(),
            config: c,
            benchmark: kernel.to_string(),
            size: size.to_string(),
            repetition: rep,
            seconds,
            wall_seconds: wall,
        });
        Ok(true)
    }

    /// The untimed `speedtest1 --verify` run; returns its hash line, or
    /// `None` if `c` failed (and is dropped).
    pub fn speedtest_hash(
        &mut self,
        c: Config,
        prog: &Program,
        size: u32,
    ) -> Result<Option<String>> {
        self.log.step(format!(
            "{} speedtest1 --verify --size {size} {}",
            c.arch(),
            c.id()
        ));
        let args = st_args(size, true);
        match self.run(c, prog, &args)? {
            Ok((out, _, _)) => {
                let hash = out
                    .lines()
                    .find(|l| l.starts_with("Verification Hash:"))
                    .map(|l| l.trim().to_string());
                match hash {
                    Some(h) => Ok(Some(h)),
                    None => {
                        self.fail("speedtest1", c, "no `Verification Hash` line".into());
                        Ok(None)
                    }
                }
            }
            Err(why) => {
                self.fail("speedtest1", c, why);
                Ok(None)
            }
        }
    }

    /// One timed speedtest1 run: a row per test.
    pub fn speedtest(&mut self, c: Config, prog: &Program, size: u32, rep: usize) -> Result<bool> {
        const SUITE: &str = "speedtest1";
        if self.failed(SUITE, c) {
            return Ok(false);
        }
        self.log.step(format!(
            "{} speedtest1 --size {size} {} #{rep}",
            c.arch(),
            c.id()
        ));
        let (out, _, wall) = match self.run(c, prog, &st_args(size, false))? {
            Ok(r) => r,
            Err(why) => {
                self.fail(SUITE, c, why);
                return Ok(false);
            }
        };
        let tests = parse_speedtest(&out);
        let missing: Vec<u32> = super::suite::SPEEDTEST_TESTS
            .iter()
            .filter(|t| !tests.iter().any(|(id, _, _)| id == *t))
            .copied()
            .collect();
        if !missing.is_empty() {
            self.fail(
                SUITE,
                c,
                format!("tests missing from the output: {missing:?}"),
            );
            return Ok(false);
        }
        for (id, name, secs) in tests {
            if c == Config::Native {
                self.names.insert(id, name);
            }
            self.rows.push(Row {
                suite: SUITE,
                arch: c.arch(),
                config: c,
                benchmark: id.to_string(),
                size: size.to_string(),
                repetition: rep,
                seconds: secs,
                wall_seconds: wall,
            });
        }
        Ok(true)
    }
}

fn st_args(size: u32, verify: bool) -> Vec<String> {
    let mut a = vec!["--memdb".to_string(), "--size".into(), size.to_string()];
    if verify {
        a.push("--verify".into());
    }
    a
}

/// speedtest1's per-test lines, ` 100 - 100000 INSERTs ... ....  0.083s`:
/// (test number, what it does, seconds).
pub fn parse_speedtest(out: &str) -> Vec<(u32, String, f64)> {
    out.lines()
        .filter_map(|l| {
            let (id, rest) = l.trim().split_once(" - ")?;
            let id: u32 = id.trim().parse().ok()?;
            let t = rest.split_whitespace().last()?.strip_suffix('s')?;
            let secs: f64 = t.parse().ok()?;
            let name = rest.split("...").next().unwrap_or("").trim().to_string();
            Some((id, name, secs))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speedtest_lines_are_parsed() {
        let out = " 100 - 100000 INSERTs into table with no index.......  0.083s\n\
                   \x20     TOTAL.......  8.744s\n 990 - ANALYZE....  0.080s\n";
        let t = parse_speedtest(out);
        assert_eq!(t.len(), 2);
        assert_eq!(
            t[0],
            (100, "100000 INSERTs into table with no index".into(), 0.083)
        );
        assert_eq!(t[1].0, 990);
    }
}
