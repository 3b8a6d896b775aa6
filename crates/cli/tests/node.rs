//! `continuum node` and live migration, end to end: real node processes on
//! loopback ports run C programs from `tests/migrate/`, move them between
//! nodes mid-run, and the followed output and the files they wrote must be
//! byte-identical to an uninterrupted run. Fault injection kills the source
//! or the target at each step of the migration protocol
//! (`CONTINUUM_FAULT`), restarts it on its state directory, and checks the
//! exactly-once rule: the app finishes on exactly one node, its output
//! complete and not duplicated.

mod common;

use common::nodes::{
    NodeProc, admin, bin, dir_map, follower, free_port, introduce, start_app, token,
};
use common::{render_tree, run_with_limit, snapshot};
use continuum_node::api::{AppState, MigrateOutcome, MigrateRequest, StartRequest};
use continuum_node::{Client, Follow};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(120);

fn build(dir: &Path, name: &str) -> PathBuf {
    common::chain::build_migrate_program(dir, name)
}

/// An uninterrupted plain run: stdout and the files it left.
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

fn state_on(client: &Client, node: &str, id: &str) -> Option<AppState> {
    client.app(node, id).ok().map(|a| a.state)
}

#[test]
fn app_moves_between_three_nodes_many_times_with_identical_output_and_files() {
    let tmp = tempfile::tempdir().unwrap();
    let wasm = build(tmp.path(), "files");
    // About 2 s of work: several moves land mid-run.
    let args = ["300000"];
    let (want_out, want_files) = baseline(&wasm, &args, &tmp.path().join("plain"));
    let mut nodes: Vec<NodeProc> = ["a", "b", "c"]
        .iter()
        .map(|n| NodeProc::new(tmp.path(), n))
        .collect();
    for n in &mut nodes {
        n.start(None);
    }
    introduce(tmp.path(), &nodes.iter().collect::<Vec<_>>());
    let client = admin(tmp.path());
    let data = |i: usize| tmp.path().join(format!("data-{i}"));
    start_app(&client, &nodes[0].url, &wasm, "files", &args, &data(0));
    let follow = follower(&client, &nodes[0].url, "files");

    let mut at = 0usize;
    let mut moves = 0;
    let mut downtimes = Vec::new();
    let deadline = Instant::now() + LIMIT;
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(60 + 37 * (moves % 5) as u64));
        let next = (at + 1) % nodes.len();
        std::fs::create_dir_all(data(next)).unwrap();
        // Pre-copy and stop-and-copy in turn.
        let precopy = moves % 2 == 0;
        let req = MigrateRequest {
            to: nodes[next].url.clone(),
            dirs: vec![dir_map(&data(next))],
            precopy,
        };
        match client.migrate(&nodes[at].url, "files", &req) {
            Ok(r) => {
                assert_eq!(r.outcome, MigrateOutcome::Moved, "{r:?}");
                assert_eq!(r.precopy_rounds > 0, precopy, "{r:?}");
                downtimes.push(r.downtime_ms);
                at = next;
                moves += 1;
            }
            // The app finished: no more moves.
            Err(e) => {
                let s = state_on(&client, &nodes[at].url, "files");
                assert_eq!(
                    s,
                    Some(AppState::Exited),
                    "migrate failed with the app {s:?}: {e}"
                );
                break;
            }
        }
    }
    let (got, end) = follow.join().unwrap();
    assert!(moves >= 3, "only {moves} moves before the app ended");
    assert_eq!(end.state, AppState::Exited);
    assert_eq!(end.exit_code, Some(0));
    assert_eq!(end.node, nodes[at].url);
    assert!(
        got == want_out,
        "followed output differs after {moves} moves:\n{}",
        common::diff(
            &String::from_utf8_lossy(&want_out),
            &String::from_utf8_lossy(&got),
            20
        )
    );
    assert_eq!(
        render_tree(&snapshot(&data(at), false)),
        want_files,
        "files differ after {moves} moves"
    );
    // A late follower, from any node the app passed through, reads the
    // same stream: each node keeps what was written there, and sends the
    // follower on to where the rest is.
    for n in &nodes {
        let mut again = Vec::new();
        let end = client
            .follow(
                Follow {
                    node: &n.url,
                    app: "files",
                    stream: "stdout",
                    offset: 0,
                    follow: true,
                    retry_for: Duration::from_secs(5),
                },
                |b| again.extend_from_slice(b),
            )
            .unwrap();
        assert_eq!(end.node, nodes[at].url);
        assert!(
            again == want_out,
            "late follower from {} got other output",
            n.url
        );
    }
    // Exactly one node finished it; the others handed it on.
    for (i, n) in nodes.iter().enumerate() {
        let s = state_on(&client, &n.url, "files");
        if i == at {
            assert_eq!(s, Some(AppState::Exited));
        } else {
            assert_eq!(s, Some(AppState::Moved), "node {i}");
        }
    }
    eprintln!("{moves} moves; downtimes (ms): {downtimes:?}");
}

/// Which node must finish the app when the fault hits at `step`.
fn finishes_at_target(step: &str) -> bool {
    let order = continuum_node::fault::STEPS;
    let decision = order
        .iter()
        .position(|s| *s == "source-after-decision")
        .unwrap();
    order.iter().position(|s| *s == step).unwrap() >= decision
}

fn fault_case(step: &str, wasm: &Path, args: &[&str], want_out: &[u8]) {
    let tmp = tempfile::tempdir().unwrap();
    let mut src = NodeProc::new(tmp.path(), "src");
    let mut dst = NodeProc::new(tmp.path(), "dst");
    let source_fault = step.starts_with("source-");
    src.start(source_fault.then_some(step));
    dst.start((!source_fault).then_some(step));
    introduce(tmp.path(), &[&src, &dst]);
    let client = admin(tmp.path());
    let id = "victim";
    start_app(
        &client,
        &src.url,
        wasm,
        id,
        args,
        &tmp.path().join("src-data"),
    );
    let follow = follower(&client, &src.url, id);
    std::thread::sleep(Duration::from_millis(300));
    let req = MigrateRequest {
        to: dst.url.clone(),
        dirs: vec![],
        precopy: true,
    };
    let answer = client.migrate(&src.url, id, &req);
    let victim = if source_fault { &mut src } else { &mut dst };
    assert!(
        victim.wait_dead(Duration::from_secs(20)),
        "{step}: the fault did not fire (migrate answered {answer:?})"
    );
    // What the caller was told must not contradict where the app ends.
    match &answer {
        Ok(r) if r.outcome == MigrateOutcome::Moved => {
            panic!("{step}: reported moved although a node died: {r:?}")
        }
        Ok(r) if r.outcome == MigrateOutcome::Aborted => {
            assert!(!finishes_at_target(step), "{step}: {r:?}")
        }
        _ => {}
    }
    victim.start(None);
    let (got, end) = follow.join().unwrap();
    let want_node = if finishes_at_target(step) {
        &dst.url
    } else {
        &src.url
    };
    assert_eq!(
        end.state,
        AppState::Exited,
        "{step}: {end:?}\nsource log:\n{}\ntarget log:\n{}",
        src.log_text(),
        dst.log_text()
    );
    assert_eq!(&end.node, want_node, "{step}: finished on the wrong node");
    assert!(
        got == want_out,
        "{step}: output differs:\n{}",
        common::diff(
            &String::from_utf8_lossy(want_out),
            &String::from_utf8_lossy(&got),
            20
        )
    );
    // Never both: the other node does not run or finish it.
    let other = if finishes_at_target(step) {
        &src.url
    } else {
        &dst.url
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let s = state_on(&client, other, id);
        let settled = match s {
            None => true,
            Some(AppState::Moved) => finishes_at_target(step),
            Some(_) => false,
        };
        if settled {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{step}: the other node still holds the app as {s:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        state_on(&client, want_node, id),
        Some(AppState::Exited),
        "{step}"
    );
}

#[test]
fn killing_either_node_at_each_protocol_step_keeps_the_app_exactly_once() {
    let tmp = tempfile::tempdir().unwrap();
    let wasm = build(tmp.path(), "compute");
    // About 2 s of work: the migration starts mid-run.
    let args = ["2000"];
    let (want_out, _) = baseline(&wasm, &args, &tmp.path().join("plain"));
    for step in continuum_node::fault::STEPS {
        eprintln!("fault at {step}");
        fault_case(step, &wasm, &args, &want_out);
    }
}

#[test]
fn bad_input_gets_one_clear_error_and_the_app_goes_on() {
    let tmp = tempfile::tempdir().unwrap();
    let wasm = build(tmp.path(), "compute");
    let args = ["1000"];
    let (want_out, _) = baseline(&wasm, &args, &tmp.path().join("plain"));
    let mut node = NodeProc::new(tmp.path(), "n");
    node.start(None);
    let client = admin(tmp.path());
    let url = node.url.clone();

    let err = client.app(&url, "nope").unwrap_err().to_string();
    assert!(err.contains("no app `nope`"), "{err}");
    let err = client
        .put_module(&url, b"\0asm\x01\0\0\0garbage")
        .unwrap_err()
        .to_string();
    assert!(err.contains("module"), "{err}");
    let err = client
        .start(
            &url,
            &StartRequest {
                module: "0".repeat(64),
                ..Default::default()
            },
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("no module"), "{err}");

    start_app(&client, &url, &wasm, "calc", &args, &tmp.path().join("d"));
    let follow = follower(&client, &url, "calc");
    // A target that is not a peer: refused before anything is sent, so a
    // node never calls an address taken from a request.
    let dead = format!("http://127.0.0.1:{}", free_port());
    let req = MigrateRequest {
        to: dead.clone(),
        dirs: vec![],
        precopy: true,
    };
    let err = client.migrate(&url, "calc", &req).unwrap_err().to_string();
    assert!(err.contains("is not a peer"), "{err}");
    // A dead peer: the migration fails with the cause, the app goes on.
    let mut gone = NodeProc::new(tmp.path(), "gone");
    gone.start(None);
    introduce(tmp.path(), &[&node, &gone]);
    gone.kill();
    let out = Command::new(bin())
        .args(["migrate", "calc", "--from", &url, "--to", &gone.url])
        .env("CONTINUUM_TOKEN", token(tmp.path()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("nothing changed at")
            && stderr.contains("cannot be reached")
            && stderr.lines().count() == 1,
        "{stderr}"
    );
    let (got, end) = follow.join().unwrap();
    assert_eq!(end.state, AppState::Exited);
    assert!(got == want_out, "output differs");
    let out = Command::new(bin())
        .args(["apps", "--node", &url])
        .env("CONTINUUM_TOKEN", token(tmp.path()))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("calc"));
}
