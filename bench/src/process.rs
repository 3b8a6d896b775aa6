//! Running one child process and measuring it: wall time, the realtime clock
//! just before the spawn, and its peak memory from `wait4`'s rusage; a child
//! that outlives an optional limit is killed by the harness (not by
//! `continuum --timeout`, which would change the code being measured).

use anyhow::{Context, Result, bail};
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
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
    /// The harness killed the child because it outlived its limit.
    pub timed_out: bool,
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
    measure_within(cmd, stderr_path, None)
}

/// Kills a child with SIGKILL once `limit` has passed, unless told first
/// that the child has exited. The child is only reaped after [`Self::finish`]
/// (it stays a zombie until then), so its pid cannot be reused by another
/// process while the watchdog may still signal it.
struct Watchdog {
    state: Arc<(Mutex<(bool, bool)>, Condvar)>,
    thread: std::thread::JoinHandle<()>,
}

impl Watchdog {
    fn start(pid: libc::pid_t, limit: Duration) -> Self {
        // (the child has exited, the watchdog killed it)
        let state = Arc::new((Mutex::new((false, false)), Condvar::new()));
        let s = Arc::clone(&state);
        let thread = std::thread::spawn(move || {
            let (lock, cv) = &*s;
            let guard = lock.lock().unwrap_or_else(|e| e.into_inner());
            let (mut guard, _) = cv
                .wait_timeout_while(guard, limit, |(exited, _)| !*exited)
                .unwrap_or_else(|e| e.into_inner());
            if !guard.0 {
                // SAFETY: `pid` is our child and not yet reaped (see above).
                unsafe { libc::kill(pid, libc::SIGKILL) };
                guard.1 = true;
            }
        });
        Watchdog { state, thread }
    }

    /// Call once the child has exited but before it is reaped; returns
    /// whether the watchdog killed it.
    fn finish(self) -> bool {
        {
            let (lock, cv) = &*self.state;
            let mut guard = lock.lock().unwrap_or_else(|e| e.into_inner());
            guard.0 = true;
            cv.notify_all();
        }
        let _ = self.thread.join();
        let (lock, _) = &*self.state;
        lock.lock().unwrap_or_else(|e| e.into_inner()).1
    }
}

/// Waits until `pid` has exited without reaping it.
fn wait_exited(pid: libc::pid_t) -> std::io::Result<()> {
    loop {
        // SAFETY: siginfo_t is plain data, written by the kernel.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: a valid pointer to a local; WNOWAIT leaves the child
        // waitable, so it is still reaped below.
        let r = unsafe {
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        if r == 0 {
            return Ok(());
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// Like [`measure`]; with a `limit`, the harness kills the child (SIGKILL)
/// when it runs longer, and the sample says so.
pub fn measure_within(
    cmd: &mut Command,
    stderr_path: &Path,
    limit: Option<Duration>,
) -> Result<Sample> {
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
    let pid = child.id() as libc::pid_t;
    let watchdog = limit.map(|l| Watchdog::start(pid, l));
    let mut stdout = Vec::new();
    let read = match child.stdout.take() {
        Some(mut out) => out.read_to_end(&mut stdout).map(drop),
        None => Ok(()),
    };
    let mut timed_out = false;
    if let Some(w) = watchdog {
        // Without a limit nothing else may signal the child: no extra wait.
        let exited = wait_exited(pid);
        timed_out = w.finish();
        exited.with_context(|| format!("waitid failed for {}", describe(cmd)))?;
    }
    read.context("cannot read the child's stdout")?;
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
        timed_out,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn stderr_path(name: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!(
            "continuum-bench-test-{}-{name}.txt",
            std::process::id()
        ))
    }

    #[test]
    fn a_child_past_its_limit_is_killed_and_a_quick_one_is_not() {
        let err = stderr_path("limit");
        let s = measure_within(
            Command::new("sleep").arg("30"),
            &err,
            Some(Duration::from_millis(200)),
        )
        .unwrap();
        assert!(s.timed_out);
        assert_eq!(s.status, 128 + libc::SIGKILL);
        assert!(s.wall < Duration::from_secs(10), "{:?}", s.wall);

        let s = measure_within(
            Command::new("sh").args(["-c", "echo hi; exit 3"]),
            &err,
            Some(Duration::from_secs(30)),
        )
        .unwrap();
        assert!(!s.timed_out);
        assert_eq!((s.status, s.stdout.as_str()), (3, "hi\n"));

        let s = measure(Command::new("true").arg("x"), &err).unwrap();
        assert!(!s.timed_out && s.status == 0 && s.max_rss_kib > 0);
        let _ = std::fs::remove_file(err);
    }
}
