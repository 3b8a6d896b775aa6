//! The machine and toolchain a measurement was taken on.

use crate::process::output_of;
use std::path::Path;
use std::process::Command;

/// Facts printed at the top of the report.
#[derive(Debug, Default)]
pub struct Machine {
    pub nproc: String,
    pub cpu: String,
    pub memory: String,
    pub kernel: String,
    pub rustc: String,
    pub wasmtime: String,
    pub clang: String,
    pub date: String,
    pub commit: String,
    pub load_before: String,
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").trim().to_string()
}

fn tool(program: &str, args: &[&str], dir: &Path) -> String {
    output_of(Command::new(program).args(args).current_dir(dir))
        .map(|s| first_line(&s))
        .unwrap_or_else(|e| format!("unknown ({e:#})"))
}

/// Reads the machine details; nothing here fails the run.
pub fn describe(workspace: &Path) -> Machine {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            (k.trim() == "model name").then(|| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let flags = cpuinfo
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            (k.trim() == "flags").then(|| v.to_string())
        })
        .unwrap_or_default();
    let simd: Vec<&str> = ["sse4_2", "avx", "avx2", "fma", "avx512f"]
        .into_iter()
        .filter(|f| flags.split_whitespace().any(|x| x == *f))
        .collect();
    let cpu = if simd.is_empty() {
        cpu
    } else {
        format!("{cpu} (flags include {})", simd.join(", "))
    };
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines().find_map(|l| {
                let rest = l.strip_prefix("MemTotal:")?;
                let kib: f64 = rest.trim().trim_end_matches("kB").trim().parse().ok()?;
                Some(format!("{:.1} GiB", kib / (1024.0 * 1024.0)))
            })
        })
        .unwrap_or_else(|| "unknown".into());
    let nproc = output_of(&mut Command::new("nproc"))
        .map(|s| first_line(&s))
        .unwrap_or_else(|_| {
            std::thread::available_parallelism()
                .map(|n| n.to_string())
                .unwrap_or_else(|_| "unknown".into())
        });
    let commit = {
        let head = tool("git", &["rev-parse", "--short", "HEAD"], workspace);
        let dirty = output_of(
            Command::new("git")
                .args(["status", "--porcelain", "--untracked-files=no"])
                .current_dir(workspace),
        )
        .map(|s| !s.trim().is_empty())
        .unwrap_or(false);
        if dirty {
            format!("{head} with uncommitted changes")
        } else {
            head
        }
    };
    Machine {
        nproc,
        cpu,
        memory,
        kernel: tool("uname", &["-srm"], workspace),
        rustc: tool("rustc", &["--version"], workspace),
        wasmtime: wasmtime_version(workspace),
        clang: tool("clang-19", &["--version"], workspace),
        date: tool("date", &["-u", "+%Y-%m-%d %H:%M UTC"], workspace),
        commit,
        load_before: load_average(),
    }
}

/// `/proc/loadavg`'s 1, 5 and 15 minute figures.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// The wasmtime version the workspace is locked to.
fn wasmtime_version(workspace: &Path) -> String {
    let lock = std::fs::read_to_string(workspace.join("Cargo.lock")).unwrap_or_default();
    let mut lines = lock.lines();
    while let Some(l) = lines.next() {
        if l.trim() == "name = \"wasmtime\""
            && let Some(v) = lines
                .next()
                .and_then(|v| v.trim().strip_prefix("version = "))
        {
            return v.trim_matches('"').to_string();
        }
    }
    "unknown".into()
}
