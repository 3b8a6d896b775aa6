//! Checkpoint/restore chains: a guest run as a sequence of processes, each
//! stopping at a checkpoint (`--checkpoint-and-exit`) that the next one
//! restores, possibly on another binary (aarch64 under qemu) or engine.

use super::{Outcome, run_with_limit};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// How one link of a chain runs.
#[derive(Clone, Debug)]
pub struct Link {
    /// The `continuum` binary.
    pub bin: PathBuf,
    /// A program to run it under (e.g. `qemu-aarch64-static -L /`).
    pub runner: Vec<String>,
    /// `cranelift` or `pulley`.
    pub engine: &'static str,
    /// When this link checkpoints and stops.
    pub after: Duration,
    /// The host directory preopened as `.` (each machine has its own).
    pub data: PathBuf,
    /// Whether snapshots carry the changed files (`--checkpoint-files`), as
    /// they must when links use different directories.
    pub carry_files: bool,
}

/// What a whole chain produced.
#[derive(Debug)]
pub struct ChainResult {
    /// The stdout of all links, in order.
    pub stdout: Vec<u8>,
    /// Checkpoints taken (= restores done).
    pub checkpoints: usize,
    /// The last link's exit code.
    pub code: Option<i32>,
}

fn command(link: &Link) -> Command {
    match link.runner.split_first() {
        Some((prog, rest)) => {
            let mut c = Command::new(prog);
            c.args(rest).arg(&link.bin);
            c
        }
        None => Command::new(&link.bin),
    }
}

/// The newest `*.snap` in `dir` by the sequence number in its name.
pub fn newest_snapshot(dir: &Path) -> Option<(u64, PathBuf)> {
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "snap"))
        .filter_map(|p| {
            let stem = p.file_stem()?.to_str()?.to_string();
            let n = stem.rsplit_once('-')?.1.parse().ok()?;
            Some((n, p))
        })
        .max_by_key(|(n, _)| *n)
}

/// Runs `wasm` with `args` as a chain of links chosen by `link(i)`;
/// snapshots go to `checkpoints`. Stops when a link ends without writing a
/// newer snapshot (the guest finished).
pub fn run_chain(
    wasm: &Path,
    args: &[&str],
    checkpoints: &Path,
    mut link: impl FnMut(usize) -> Link,
    limit: Duration,
) -> Result<ChainResult, String> {
    let mut stdout = Vec::new();
    let mut last_seq = 0;
    let mut current: Option<PathBuf> = None;
    for i in 0..400 {
        let l = link(i);
        let mut cmd = command(&l);
        let every = format!("{}ms", l.after.as_millis().max(1));
        let dir = format!("{}::.", l.data.display());
        match &current {
            None => {
                cmd.args(["run", "--migratable", "--engine", l.engine, "--dir", &dir]);
            }
            Some(_) => {
                cmd.args(["restore", "--engine", l.engine, "--dir", &dir]);
            }
        }
        cmd.args(["--checkpoint-every", &every, "--checkpoint-and-exit"]);
        if l.carry_files {
            cmd.arg("--checkpoint-files");
        }
        cmd.arg("--checkpoint-dir").arg(checkpoints);
        match &current {
            None => {
                cmd.arg(wasm).args(args);
            }
            Some(snap) => {
                cmd.arg(snap);
            }
        }
        let out: Outcome = run_with_limit(cmd, None, limit, None).map_err(|e| e.to_string())?;
        stdout.extend_from_slice(&out.stdout);
        if out.timed_out || out.code.is_none() {
            return Err(format!(
                "link {i} ({l:?}) {}: {}",
                out.status_text(),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        match newest_snapshot(checkpoints) {
            Some((seq, path)) if seq > last_seq => {
                if out.code != Some(0) {
                    return Err(format!(
                        "link {i} wrote checkpoint {seq} but exited {:?}: {}",
                        out.code,
                        String::from_utf8_lossy(&out.stderr)
                    ));
                }
                last_seq = seq;
                current = Some(path);
            }
            _ => {
                return Ok(ChainResult {
                    stdout,
                    checkpoints: last_seq as usize,
                    code: out.code,
                });
            }
        }
    }
    Err("the chain did not finish in 400 links".into())
}

/// A small deterministic generator for checkpoint moments.
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next_in(&mut self, lo: u64, hi: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        lo + (self.0 >> 33) % (hi - lo + 1)
    }
}

/// Builds `tests/migrate/NAME.c` for wasm32-wasi into `dir` (clang-19 and
/// wasi-libc come from scripts/setup.sh, which the test command runs).
pub fn build_migrate_program(dir: &Path, name: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = dir.join(format!("{name}.wasm"));
    let o = Command::new("clang-19")
        .args(["--target=wasm32-wasi", "--sysroot=/usr", "-O2"])
        .arg(root.join("tests/migrate").join(format!("{name}.c")))
        .arg("-o")
        .arg(&out)
        .output()
        .expect("clang-19 (run scripts/setup.sh)");
    assert!(
        o.status.success(),
        "clang-19 failed on {name}.c: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}
