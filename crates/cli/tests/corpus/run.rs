//! Running a program under `continuum run` (and natively, for the Linux
//! oracle) and judging the result: exit status, stdout, the final directory
//! tree, stderr directives, sandbox containment. A group's failures are
//! reported together, each with its command line and diff.

use crate::build::{build, built};
use crate::common::{
    Outcome, diff, escape_bytes, render_tree, run_with_limit, snapshot, split_words, tail,
};
use crate::hooks::{free_port, start_client, start_hook};
use crate::sandbox::{Sandbox, new_root, populate, sandbox};
use crate::spec::{Kind, Oracle, Spec, all_specs};
use crate::{filter_ok, limit, work_dir};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub fn continuum_command() -> Command {
    let bin = std::env::var("CONTINUUM_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_continuum").to_string());
    let runner = std::env::var("CONTINUUM_RUNNER")
        .map(|r| split_words(&r))
        .unwrap_or_default();
    let mut cmd = if let Some((first, rest)) = runner.split_first() {
        let mut c = Command::new(first);
        c.args(rest).arg(bin);
        c
    } else {
        Command::new(bin)
    };
    cmd.arg("run");
    if let Ok(f) = std::env::var("CONTINUUM_RUN_FLAGS") {
        cmd.args(split_words(&f));
    }
    let cache = work_dir().join("compile-cache");
    cmd.env("CONTINUUM_CACHE_DIR", cache);
    cmd
}

pub fn command_line(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        let a = a.to_string_lossy();
        if a.is_empty() || a.contains(char::is_whitespace) {
            write!(s, " \"{a}\"").unwrap();
        } else {
            write!(s, " {a}").unwrap();
        }
    }
    s
}

/// Runs one wasm run of a spec; returns the outcome and any harness-side
/// failures (sandbox checks, hook and client results).
fn run_wasm(
    spec: &Spec,
    module: &Path,
    args: &[String],
) -> (Outcome, Vec<String>, Sandbox, String) {
    let sb = sandbox(spec);
    let mut problems = Vec::new();
    let mut cmd = continuum_command();
    let mut port = None;
    if spec.tcplisten {
        let p = free_port();
        port = Some(p);
        cmd.arg("--tcplisten").arg(format!("127.0.0.1:{p}"));
    }
    cmd.arg("--dir").arg(format!("{}::.", sb.boxdir.display()));
    for p in &spec.preopens {
        let host = sb.root.join(&p.name);
        let flag = if p.ro { "--ro-dir" } else { "--dir" };
        match &p.guest {
            Some(g) => cmd.arg(flag).arg(format!("{}::{g}", host.display())),
            None => cmd.arg(flag).arg(&host),
        };
    }
    for (k, v) in &spec.env {
        cmd.arg("--env").arg(format!("{k}={v}"));
    }
    for (k, v) in &spec.env_inherit {
        cmd.arg("--env").arg(k);
        cmd.env(k, v);
    }
    cmd.args(&spec.flags);
    if let Some(f) = &spec.invoke {
        cmd.arg("--invoke").arg(f);
    }
    cmd.arg(module).args(args);
    cmd.current_dir(&sb.root);
    let line = command_line(&cmd);

    let ro_before: Vec<_> = spec
        .preopens
        .iter()
        .filter(|p| p.ro)
        .map(|p| (p.name.clone(), snapshot(&sb.root.join(&p.name), true)))
        .collect();
    let outside_before = snapshot(&sb.outside, true);
    let running = Arc::new(AtomicBool::new(true));
    let hook = start_hook(spec, &sb, running.clone());
    let client = match (port, &spec.client_send) {
        (Some(p), Some(send)) => Some(start_client(p, send.clone(), running.clone())),
        _ => None,
    };
    let outcome = match run_with_limit(cmd, spec.stdin.clone(), limit(), Some(running.clone())) {
        Ok(o) => o,
        Err(e) => panic!("cannot start `{line}`: {e}"),
    };
    running.store(false, Ordering::SeqCst);
    if let Some(h) = hook {
        let msg = h.join().unwrap_or_else(|_| "hook thread panicked".into());
        if !msg.is_empty() {
            problems.push(msg);
        }
    }
    if let Some(c) = client {
        match c.join() {
            Ok(Ok(got)) => {
                if let Some(want) = &spec.client_expect {
                    if &got != want {
                        problems.push(format!(
                            "the TCP client received {} instead of {}",
                            escape_bytes(&got),
                            escape_bytes(want)
                        ));
                    }
                }
            }
            Ok(Err(e)) => problems.push(format!("the TCP client failed: {e}")),
            Err(_) => problems.push("the TCP client thread panicked".into()),
        }
    }

    // Containment: nothing outside changed, nothing secret came out.
    let mut outside_after = snapshot(&sb.outside, true);
    if spec.hook.as_deref() == Some("move-out") {
        outside_after.retain(|k, _| k != "d" && !k.starts_with("d/"));
    }
    if outside_after != outside_before {
        problems.push(format!(
            "SANDBOX: ROOT/outside changed during the run:\n{}",
            diff(
                &render_tree(&outside_before),
                &render_tree(&outside_after),
                40
            )
        ));
    }
    for (name, before) in ro_before {
        let after = snapshot(&sb.root.join(&name), true);
        if after != before {
            problems.push(format!(
                "SANDBOX: the read-only preopen {name} changed:\n{}",
                diff(&render_tree(&before), &render_tree(&after), 40)
            ));
        }
    }
    for (what, bytes) in [("stdout", &outcome.stdout), ("stderr", &outcome.stderr)] {
        let text = String::from_utf8_lossy(bytes);
        if text.contains("TOPSECRET") {
            problems.push(format!(
                "SANDBOX: the secret from ROOT/outside/secret.txt appeared on {what}"
            ));
        }
        if text.contains("root:x:0:0") {
            problems.push(format!("SANDBOX: /etc/passwd appeared on {what}"));
        }
    }
    (outcome, problems, sb, line)
}

fn run_native(spec: &Spec, exe: &Path, args: &[String]) -> (Outcome, tempfile::TempDir, PathBuf) {
    let (tmp, root) = new_root();
    let cwd = root.join("box");
    std::fs::create_dir_all(&cwd).unwrap();
    populate(&cwd, spec, &root);
    let mut cmd = Command::new(exe);
    cmd.args(args).current_dir(&cwd).env_clear();
    for (k, v) in spec.env.iter().chain(&spec.env_inherit) {
        cmd.env(k, v);
    }
    let o = run_with_limit(cmd, spec.stdin.clone(), limit(), None)
        .unwrap_or_else(|e| panic!("cannot run native {}: {e}", exe.display()));
    (o, tmp, cwd)
}

/// Checks one program (all its runs); returns a failure report or None.
fn check(spec: &Spec) -> Option<String> {
    let (module, native) = match built(spec) {
        Ok(x) => x,
        Err(e) => return Some(format!("=== FAIL {}: not built\n{e}\n", spec.name)),
    };
    let mut report = String::new();
    for (i, args) in spec.runs.iter().enumerate() {
        let label = if spec.runs.len() > 1 {
            format!("{} (run {}: {:?})", spec.name, i + 1, args)
        } else {
            spec.name.clone()
        };
        let mut problems = Vec::new();
        let (out, harness_problems, sb, line) = run_wasm(spec, &module, args);
        problems.extend(harness_problems);

        let (want_code, want_stdout, native_tree) = match spec.oracle {
            Oracle::Native => {
                let (nat, _tmp, cwd) = run_native(spec, native.as_ref().unwrap(), args);
                if nat.timed_out || nat.code.is_none() {
                    problems.push(format!(
                        "the native oracle itself failed: {}",
                        nat.status_text()
                    ));
                }
                (
                    nat.code.unwrap_or(-1),
                    nat.stdout.clone(),
                    Some(render_tree(&snapshot(&cwd, false))),
                )
            }
            Oracle::Expected => {
                let exp = spec.source.with_extension("expected");
                let want = std::fs::read(&exp).unwrap_or_else(|_| {
                    problems.push(format!("missing {}", exp.display()));
                    Vec::new()
                });
                (spec.exit, want, None)
            }
        };
        if out.timed_out || out.code != Some(want_code) {
            problems.push(format!(
                "exit status: expected exit {want_code}, got {}",
                out.status_text()
            ));
        }
        if out.stdout != want_stdout {
            let w = String::from_utf8_lossy(&want_stdout);
            let g = String::from_utf8_lossy(&out.stdout);
            problems.push(format!(
                "stdout differs (- expected, + actual):\n{}",
                diff(&w, &g, 60)
            ));
        }
        if let Some(nt) = native_tree {
            let wt = render_tree(&snapshot(&sb.boxdir, false));
            if nt != wt {
                problems.push(format!(
                    "final directory tree differs (- native cwd, + wasm preopen):\n{}",
                    diff(&nt, &wt, 40)
                ));
            }
        }
        let err = String::from_utf8_lossy(&out.stderr);
        for needle in &spec.stderr_contains {
            if !err.to_lowercase().contains(&needle.to_lowercase()) {
                problems.push(format!("stderr does not contain `{needle}`"));
            }
        }
        let err_lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
        if let Some(n) = spec.stderr_lines {
            if err_lines.len() != n {
                problems.push(format!(
                    "stderr has {} non-empty lines, expected {n}",
                    err_lines.len()
                ));
            }
        }
        if let Some(p) = &spec.stderr_starts {
            if !err.starts_with(p.as_str()) {
                problems.push(format!("stderr does not start with `{p}`"));
            }
        }
        if err.contains("panicked at") || err.contains("RUST_BACKTRACE") {
            problems.push("stderr shows a Rust panic".into());
        }
        if !problems.is_empty() {
            writeln!(
                report,
                "=== FAIL {label} [{:?} oracle, {:.1}s]",
                spec.oracle,
                out.elapsed.as_secs_f64()
            )
            .unwrap();
            writeln!(report, "  command: {line}").unwrap();
            for p in &problems {
                for (k, l) in p.lines().enumerate() {
                    writeln!(report, "  {}{l}", if k == 0 { "- " } else { "  " }).unwrap();
                }
            }
            if !out.stderr.is_empty() {
                writeln!(report, "  stderr:\n{}", tail(&err, 15)).unwrap();
            }
        }
    }
    if report.is_empty() {
        None
    } else {
        Some(report)
    }
}

/// Runs every spec selected by `pick`, panicking with all failures at the end.
pub fn run_group(group: &str, pick: impl Fn(&Spec) -> bool) {
    let specs: Vec<Spec> = all_specs()
        .into_iter()
        .filter(|s| pick(s) && filter_ok(&s.name))
        .collect();
    if specs.iter().any(|s| s.kind == Kind::C) {
        if let Err(e) = build() {
            panic!("corpus group `{group}`: {e}");
        }
    }
    let mut failures = Vec::new();
    for s in &specs {
        if let Some(r) = check(s) {
            failures.push((s.name.clone(), r));
        }
    }
    if !failures.is_empty() {
        let names: Vec<&str> = failures.iter().map(|(n, _)| n.as_str()).collect();
        let mut msg = format!(
            "corpus group `{group}`: {} of {} programs failed: {}\n\n",
            failures.len(),
            specs.len(),
            names.join(", ")
        );
        for (_, r) in &failures {
            msg.push_str(r);
            msg.push('\n');
        }
        panic!("{msg}");
    }
    eprintln!("corpus group `{group}`: {} programs passed", specs.len());
}
