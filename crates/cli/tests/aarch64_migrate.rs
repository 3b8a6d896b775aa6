//! Issue 3's cross-architecture test: a running guest with open files moves
//! back and forth between the x86-64 build and the aarch64 build of
//! `continuum` (under qemu-user; see `aarch64.rs` for how that build is made
//! and run), on Cranelift and Pulley, and must end byte-identical to an
//! uninterrupted run.

mod common;

use common::aarch64::*;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

/// Issue 3's cross-architecture round trip: a running C program with open
/// files (one written, one read line by line, one rewritten in place) hops
/// x86-64 -> aarch64 -> x86-64 -> ... at pseudo-random moments, each side
/// with its own directory (the changed files travel in the snapshot), and
/// every fourth hop on aarch64 runs on Pulley. Output and files must equal
/// an uninterrupted x86-64 run byte for byte.
#[test]
fn a_running_guest_moves_between_x86_64_and_aarch64_with_its_open_files() {
    use common::chain::{Lcg, Link, run_chain};
    let a64 = require!(aarch64_bin());
    let tmp = tempfile::tempdir().unwrap();
    let source = std::fs::read_to_string(workspace_root().join("tests/migrate/files.c")).unwrap();
    let wasm = require!(c_to_wasm(tmp.path(), "files", &source));
    let args = ["60000"];

    let plain = tmp.path().join("plain");
    std::fs::create_dir_all(&plain).unwrap();
    let mut cmd = Command::new(x86_bin());
    cmd.arg("run")
        .arg("--dir")
        .arg(format!("{}::.", plain.display()))
        .arg(&wasm)
        .args(args);
    let want = common::run_with_limit(cmd, None, RUN_TIMEOUT, None).unwrap();
    assert_eq!(
        want.code,
        Some(0),
        "{}",
        String::from_utf8_lossy(&want.stderr)
    );

    let machines = [tmp.path().join("x86_64"), tmp.path().join("aarch64")];
    for m in &machines {
        std::fs::create_dir_all(m).unwrap();
    }
    let mut rng = Lcg(42);
    let mut last = 0;
    let got = run_chain(
        &wasm,
        &args,
        &tmp.path().join("ck"),
        |i| {
            last = i % 2;
            let on_aarch64 = last == 1;
            Link {
                bin: if on_aarch64 {
                    a64.to_path_buf()
                } else {
                    PathBuf::from(x86_bin())
                },
                runner: if on_aarch64 {
                    vec![QEMU.into(), "-L".into(), AARCH64_SYSROOT.into()]
                } else {
                    vec![]
                },
                engine: if on_aarch64 && i % 4 == 3 {
                    "pulley"
                } else {
                    "cranelift"
                },
                // qemu runs guest code about ten times slower.
                after: Duration::from_millis(if on_aarch64 {
                    rng.next_in(100, 400)
                } else {
                    rng.next_in(20, 60)
                }),
                data: machines[last].clone(),
                carry_files: true,
            }
        },
        RUN_TIMEOUT,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        got.checkpoints >= 3,
        "only {} hops: the guest finished before going x86 -> aarch64 -> x86 -> aarch64",
        got.checkpoints
    );
    assert_eq!(got.code, Some(0));
    assert_eq!(
        String::from_utf8_lossy(&got.stdout),
        String::from_utf8_lossy(&want.stdout),
        "stdout differs after {} hops",
        got.checkpoints
    );
    assert_eq!(
        common::render_tree(&common::snapshot(&machines[last], false)),
        common::render_tree(&common::snapshot(&plain, false)),
        "files differ after {} hops",
        got.checkpoints
    );
    eprintln!(
        "files.c: identical after {} hops between x86-64 and aarch64",
        got.checkpoints
    );
}
