//! `run --migratable`, `restore` and `snapshot inspect`, end to end: C
//! programs from `tests/migrate/` (compute, deep recursion, open files,
//! sleeps) are checkpointed and restored at pseudo-random moments many
//! times, on Cranelift and Pulley, and their output and files must be
//! byte-identical to an uninterrupted run. Corrupt snapshots must be refused
//! with a clear error. (The x86-64 <-> aarch64 chain is in `aarch64_migrate.rs`.)

mod common;

use common::chain::{Lcg, Link, run_chain};
use common::{render_tree, run_with_limit, snapshot};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(300);

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_continuum"))
}

fn build(dir: &Path, name: &str) -> PathBuf {
    common::chain::build_migrate_program(dir, name)
}

/// An uninterrupted plain run: stdout and the files left in its directory.
fn baseline(wasm: &Path, args: &[&str], data: &Path) -> (Vec<u8>, String) {
    std::fs::create_dir_all(data).unwrap();
    let mut cmd = Command::new(bin());
    cmd.arg("run")
        .arg("--dir")
        .arg(format!("{}::.", data.display()))
        .arg(wasm)
        .args(args);
    let out = run_with_limit(cmd, None, LIMIT, None).unwrap();
    assert_eq!(
        out.code,
        Some(0),
        "baseline failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (out.stdout, render_tree(&snapshot(data, false)))
}

fn check_chain(name: &str, args: &[&str], seed: u64, engines: &[&'static str], ms: (u64, u64)) {
    check_chain_on(name, args, seed, engines, ms, 1);
}

/// A chain whose links alternate between `machines` directories (each link
/// its own "machine"); with more than one, files travel in the snapshots.
fn check_chain_on(
    name: &str,
    args: &[&str],
    seed: u64,
    engines: &[&'static str],
    ms: (u64, u64),
    machines: usize,
) {
    let tmp = tempfile::tempdir().unwrap();
    let wasm = build(tmp.path(), name);
    let (want_out, want_files) = baseline(&wasm, args, &tmp.path().join("plain"));
    let dirs: Vec<PathBuf> = (0..machines)
        .map(|m| tmp.path().join(format!("machine{m}")))
        .collect();
    for d in &dirs {
        std::fs::create_dir_all(d).unwrap();
    }
    let mut last = 0;
    let mut rng = Lcg(seed);
    let got = run_chain(
        &wasm,
        args,
        &tmp.path().join("ck"),
        |i| Link {
            bin: bin(),
            runner: vec![],
            engine: engines[i % engines.len()],
            after: Duration::from_millis(rng.next_in(ms.0, ms.1)),
            data: {
                last = i % machines;
                dirs[last].clone()
            },
            carry_files: machines > 1,
        },
        LIMIT,
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(got.code, Some(0), "{name}: last link failed");
    assert!(
        got.checkpoints >= 3,
        "{name}: only {} checkpoints; the test did not interrupt the program",
        got.checkpoints
    );
    assert_eq!(
        String::from_utf8_lossy(&got.stdout),
        String::from_utf8_lossy(&want_out),
        "{name}: stdout differs after {} checkpoints",
        got.checkpoints
    );
    assert_eq!(
        render_tree(&snapshot(&dirs[last], false)),
        want_files,
        "{name}: files differ after {} checkpoints",
        got.checkpoints
    );
    eprintln!(
        "{name}: identical after {} checkpoint/restore cycles",
        got.checkpoints
    );
}

#[test]
fn compute_survives_many_checkpoints() {
    check_chain("compute", &["2000"], 1, &["cranelift"], (10, 80));
}

#[test]
fn deep_recursion_survives_many_checkpoints() {
    check_chain("recursion", &["900"], 2, &["cranelift"], (10, 80));
}

#[test]
fn open_files_survive_many_checkpoints() {
    check_chain("files", &["100000"], 3, &["cranelift"], (10, 90));
}

#[test]
fn sleeps_continue_for_the_time_left_and_clocks_never_go_back() {
    check_chain("sleeper", &["25"], 4, &["cranelift"], (5, 70));
}

#[test]
fn changed_files_travel_with_the_snapshots_between_machines() {
    check_chain_on("files", &["60000"], 6, &["cranelift"], (20, 120), 2);
}

#[test]
fn cranelift_and_pulley_take_turns() {
    check_chain("files", &["40000"], 5, &["cranelift", "pulley"], (5, 40));
}

#[test]
fn a_signal_checkpoints_while_the_guest_keeps_running() {
    let tmp = tempfile::tempdir().unwrap();
    let wasm = build(tmp.path(), "compute");
    let (want, _) = baseline(&wasm, &["2000"], &tmp.path().join("plain"));
    let ck = tmp.path().join("ck");
    let mut cmd = Command::new(bin());
    cmd.args([
        "run",
        "--migratable",
        "--checkpoint-on",
        "SIGUSR1",
        "--checkpoint-dir",
    ])
    .arg(&ck)
    .arg(&wasm)
    .arg("2000");
    let child_pid = std::sync::Arc::new(std::sync::Mutex::new(None::<u32>));
    let running = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    // Find the child by its unique checkpoint dir and signal it twice.
    let r = running.clone();
    let ck2 = ck.clone();
    let pid_slot = child_pid.clone();
    let signaller = std::thread::spawn(move || {
        let mut sent = 0;
        while sent < 2 && r.load(std::sync::atomic::Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(250));
            let pid = pid_slot.lock().unwrap().or_else(|| find_pid(&ck2));
            if let Some(pid) = pid {
                *pid_slot.lock().unwrap() = Some(pid);
                unsafe_kill(pid);
                sent += 1;
            }
        }
        sent
    });
    let out = run_with_limit(cmd, None, LIMIT, Some(running)).unwrap();
    let sent = signaller.join().unwrap();
    assert_eq!(
        out.code,
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        out.stdout, want,
        "a checkpoint changed the running guest's output"
    );
    assert!(sent >= 1, "the program ended before it could be signalled");
    let (seq, snap) = common::chain::newest_snapshot(&ck).expect("no snapshot written");
    assert!(
        seq as usize >= 1 && seq as usize <= sent,
        "seq {seq}, {sent} signals"
    );
    // Restoring the snapshot replays exactly the rest of the output.
    let mut cmd = Command::new(bin());
    cmd.arg("restore").arg(&snap);
    let rest = run_with_limit(cmd, None, LIMIT, None).unwrap();
    assert_eq!(
        rest.code,
        Some(0),
        "{}",
        String::from_utf8_lossy(&rest.stderr)
    );
    assert!(!rest.stdout.is_empty());
    assert!(
        want.ends_with(&rest.stdout),
        "the restored run's output is not the rest of the original:\n{}",
        String::from_utf8_lossy(&rest.stdout)
    );
}

fn find_pid(ck: &Path) -> Option<u32> {
    let needle = ck.to_str()?.as_bytes().to_vec();
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline"))
            && cmdline
                .windows(needle.len())
                .any(|w| w == needle.as_slice())
            && cmdline.starts_with(bin().to_str()?.as_bytes())
        {
            return Some(pid);
        }
    }
    None
}

fn unsafe_kill(pid: u32) {
    let _ = Command::new("kill")
        .args(["-USR1", &pid.to_string()])
        .status();
}

/// Takes one snapshot of `files` (with open files) and returns its path.
fn one_snapshot(tmp: &Path) -> PathBuf {
    let wasm = build(tmp, "files");
    let data = tmp.join("data");
    std::fs::create_dir_all(&data).unwrap();
    let ck = tmp.join("ck");
    let mut cmd = Command::new(bin());
    cmd.args([
        "run",
        "--migratable",
        "--checkpoint-every",
        "30ms",
        "--checkpoint-and-exit",
    ])
    .arg("--checkpoint-dir")
    .arg(&ck)
    .arg("--dir")
    .arg(format!("{}::.", data.display()))
    .arg(&wasm)
    .arg("100000");
    let out = run_with_limit(cmd, None, LIMIT, None).unwrap();
    assert_eq!(
        out.code,
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    common::chain::newest_snapshot(&ck).expect("no snapshot").1
}

#[test]
fn inspect_shows_what_a_snapshot_holds() {
    let tmp = tempfile::tempdir().unwrap();
    let snap = one_snapshot(tmp.path());
    let out = Command::new(bin())
        .args(["snapshot", "inspect"])
        .arg(&snap)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    for want in [
        "format         version 1",
        "checkpoint     #1",
        "memory 0",
        "preopen        .",
        ") at offset",
        "stack",
    ] {
        assert!(text.contains(want), "missing `{want}` in:\n{text}");
    }
    let out = Command::new(bin())
        .args(["snapshot", "inspect", "--json"])
        .arg(&snap)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["header"]["sequence"], 1);
    assert_eq!(v["wasi"]["preopens"][0]["guest_name"], ".");
}

#[test]
fn corrupt_truncated_and_foreign_snapshots_are_refused_clearly() {
    let tmp = tempfile::tempdir().unwrap();
    let snap = one_snapshot(tmp.path());
    let good = std::fs::read(&snap).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("truncated", good[..good.len() / 2].to_vec(), "truncated"),
        (
            "flipped",
            {
                let mut b = good.clone();
                let mid = b.len() / 2;
                b[mid] ^= 1;
                b
            },
            "checksum mismatch",
        ),
        (
            "foreign",
            b"hello, world".to_vec(),
            "not a Continuum snapshot",
        ),
        (
            "newer",
            {
                let mut b = good.clone();
                b[8] = 99;
                b
            },
            "newer than this build",
        ),
        ("empty", Vec::new(), "truncated"),
    ];
    for (what, bytes, want) in cases {
        let path = tmp.path().join(format!("{what}.snap"));
        std::fs::write(&path, bytes).unwrap();
        for sub in [&["restore"][..], &["snapshot", "inspect"][..]] {
            let out = Command::new(bin()).args(sub).arg(&path).output().unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{what} {sub:?}: {err}");
            assert!(err.contains(want), "{what} {sub:?}: `{want}` not in {err}");
            assert_eq!(err.trim().lines().count(), 1, "{what}: not one line: {err}");
            assert!(!err.contains("panicked"), "{what}: {err}");
        }
    }
}

#[test]
fn modules_that_cannot_be_made_migratable_are_refused_with_the_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let wat = tmp.path().join("tail.wat");
    std::fs::write(
        &wat,
        r#"(module (func $f (return_call $f)) (export "_start" (func $f)))"#,
    )
    .unwrap();
    let out = Command::new(bin())
        .args(["run", "--migratable"])
        .arg(&wat)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("cannot be made migratable") && err.contains("tail call"),
        "{err}"
    );
    let out = Command::new(bin())
        .args(["run", "--checkpoint-every", "1s"])
        .arg(&wat)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("need --migratable"));
}

/// `--timeout` with `--migratable` (and on `restore`): a spinning guest and
/// one asleep in poll_oneoff are both stopped near the deadline with status
/// 124, and a checkpoint signal before the deadline still works.
#[test]
fn timeout_stops_a_migratable_guest_spinning_or_asleep() {
    let tmp = tempfile::tempdir().unwrap();
    let spin = tmp.path().join("spin.wat");
    std::fs::write(
        &spin,
        r#"(module (memory (export "memory") 1)
             (func (export "_start") (loop $l (br $l))))"#,
    )
    .unwrap();
    let sleep = tmp.path().join("sleep.wat");
    // One poll_oneoff on a 60 s relative clock subscription.
    std::fs::write(
        &sleep,
        r#"(module
             (import "wasi_snapshot_preview1" "poll_oneoff"
               (func $poll (param i32 i32 i32 i32) (result i32)))
             (memory (export "memory") 1)
             (func (export "_start")
               (i64.store (i32.const 0) (i64.const 1))
               (i32.store8 (i32.const 8) (i32.const 0))
               (i32.store (i32.const 16) (i32.const 1))
               (i64.store (i32.const 24) (i64.const 60000000000))
               (drop (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128)))))"#,
    )
    .unwrap();
    for module in [&spin, &sleep] {
        let started = std::time::Instant::now();
        let out = Command::new(bin())
            .args(["run", "--migratable", "--timeout", "700ms"])
            .arg(module)
            .current_dir(tmp.path())
            .output()
            .unwrap();
        let took = started.elapsed();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(124), "{}: {err}", module.display());
        assert!(err.contains("timed out after 700ms"), "{err}");
        assert!(took >= Duration::from_millis(700), "{took:?}");
        assert!(took < Duration::from_secs(20), "{took:?}");
    }
    // A checkpoint of the spinning guest, restored with a timeout of its own.
    let out = Command::new(bin())
        .args([
            "run",
            "--migratable",
            "--checkpoint-every",
            "100ms",
            "--checkpoint-and-exit",
        ])
        .arg(&spin)
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let snap = tmp.path().join("checkpoints/spin-000001.snap");
    let out = Command::new(bin())
        .args(["restore", "--timeout", "300ms"])
        .arg(&snap)
        .current_dir(tmp.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(124), "{err}");
}
