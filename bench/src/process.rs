//! Running one child process and measuring it: wall time, the realtime clock
//! just before the spawn, and its peak memory from `wait4`'s rusage.

use anyhow::{Context, Result, bail};
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// What one run of a process gave.
#[derive(Debug)]
pub struct Sample {
    /// CLOCK_REALTIME in ns, read just before the spawn.
    pub spawned_at_ns: u128,
    /// From just before the spawn to the child being reaped.
    pub wall: Duration,
    /// Peak resident set size of the child in KiB (`ru_maxrss`).
    pub max_rss_kib: u64,
    /// Exit status (128 + signal number for a signal).
    pub status: i32,
    /// Everything the child wrote to stdout.
    pub stdout: String,
}

impl Sample {
    pub fn wall_s(&self) -> f64 {
        self.wall.as_secs_f64()
    }
}

/// Runs `cmd` to its end with stdout captured and stderr written to
/// `stderr_path`; returns the measurements whatever the exit status.
pub fn measure(cmd: &mut Command, stderr_path: &Path) -> Result<Sample> {
    let stderr = File::create(stderr_path)
        .with_context(|| format!("cannot create `{}`", stderr_path.display()))?;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(stderr))
        .env_remove("CONTINUUM_LOG");
    let spawned_at_ns = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    let started = Instant::now();
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot start {}", describe(cmd)))?;
    let mut stdout = Vec::new();
    if let Some(mut out) = child.stdout.take() {
        out.read_to_end(&mut stdout)
            .context("cannot read the child's stdout")?;
    }
    let pid = child.id() as libc::pid_t;
    let mut raw_status: libc::c_int = 0;
    // SAFETY: rusage is plain data, written by the kernel.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let reaped = loop {
        // SAFETY: valid pointers to locals; `pid` is our own unreaped child
        // (std's `Child` is never waited on, so this is the only reaper).
        let r = unsafe { libc::wait4(pid, &mut raw_status, 0, &mut usage) };
        if r == -1 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
            continue;
        }
        break r;
    };
    let wall = started.elapsed();
    if reaped != pid {
        bail!(
            "wait4 failed for {}: {}",
            describe(cmd),
            std::io::Error::last_os_error()
        );
    }
    let status = if libc::WIFEXITED(raw_status) {
        libc::WEXITSTATUS(raw_status)
    } else if libc::WIFSIGNALED(raw_status) {
        128 + libc::WTERMSIG(raw_status)
    } else {
        -1
    };
    Ok(Sample {
        spawned_at_ns,
        wall,
        max_rss_kib: usage.ru_maxrss.max(0) as u64,
        status,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
    })
}

/// Like [`measure`], but a non-zero exit status is an error that quotes the
/// child's stderr.
pub fn measure_ok(cmd: &mut Command, stderr_path: &Path) -> Result<Sample> {
    let s = measure(cmd, stderr_path)?;
    if s.status != 0 {
        bail!(
            "{} exited with status {}: {}",
            describe(cmd),
            s.status,
            stderr_text(stderr_path)
        );
    }
    Ok(s)
}

/// The child's stderr as one trimmed string (for error messages).
pub fn stderr_text(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let text = text.trim();
    if text.is_empty() {
        "(no stderr)".to_string()
    } else {
        text.to_string()
    }
}

/// `program arg1 arg2 ...` for messages.
pub fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    format!("`{s}`")
}

/// Runs a helper tool to its end and returns its stdout; errors name the
/// tool and quote its stderr.
pub fn output_of(cmd: &mut Command) -> Result<String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot start {}", describe(cmd)))?;
    if !out.status.success() {
        bail!(
            "{} failed ({}): {}",
            describe(cmd),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
