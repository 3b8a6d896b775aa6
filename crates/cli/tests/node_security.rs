//! The node as an attacker meets it, on loopback: every probe gets one
//! clear refusal, the node stays up, its state directory stays clean and
//! the apps it runs are untouched. Raw HTTP is used where a well-behaved
//! client could not even express the attack.

mod common;

use common::nodes::{NodeProc, admin, bin, free_port, introduce, token};
use continuum_node::api::{API_VERSION, AppState, BeginRequest, DirMap, StartRequest};
use continuum_node::{Client, Follow};
use std::io::{Read, Write};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// One HTTP/1.1 request on a fresh connection: (status, body).
fn raw(
    url: &str,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> (u16, String) {
    let addr = url.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    let mut has_len = false;
    for (k, v) in headers {
        has_len |= k.eq_ignore_ascii_case("content-length");
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if !has_len {
        req.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let _ = s.write_all(body);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).to_string();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP answer: {text:?}"));
    let body = text
        .split_once("\r\n\r\n")
        .map(|x| x.1.to_string())
        .unwrap_or_default();
    (status, body)
}

fn bearer(t: &str) -> (&'static str, String) {
    ("Authorization", format!("Bearer {t}"))
}

/// The secret `node` shares with its peer `peer` (from its peers.json).
fn peer_secret(state: &Path, peer: &str) -> String {
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(state.join("peers.json")).unwrap()).unwrap();
    v["peers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == peer)
        .unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_string()
}

fn rss_kib(pid: u32) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap()
}

const GROWER: &str = r#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    ;; 512 MiB more: over the default cap of 256 MiB.
    (if (i32.eq (memory.grow (i32.const 8192)) (i32.const -1))
      (then (call $exit (i32.const 7))))
    (call $exit (i32.const 0))))"#;

/// Writes 4 KiB to stdout without end.
const SPAMMER: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 4096))
    (loop $l
      (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
      (br $l))))"#;

fn apps_dir_entries(state: &Path) -> Vec<String> {
    std::fs::read_dir(state.join("apps"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect()
}

#[test]
fn nobody_without_the_token_can_do_anything_and_peers_can_only_migrate() {
    let tmp = tempfile::tempdir().unwrap();
    let mut a = NodeProc::new(tmp.path(), "a");
    let mut b = NodeProc::new(tmp.path(), "b");
    a.start(None);
    b.start(None);
    introduce(tmp.path(), &[&a, &b]);
    let peer = peer_secret(&tmp.path().join("a-state"), "b");
    let admin_token = token(tmp.path());
    let routes = [
        ("GET", "/v1/node"),
        ("GET", "/v1/apps"),
        ("POST", "/v1/apps"),
        ("GET", "/v1/apps/x"),
        ("GET", "/v1/apps/x/output"),
        ("POST", "/v1/apps/x/checkpoint"),
        ("POST", "/v1/apps/x/stop"),
        ("POST", "/v1/apps/x/migrate"),
        ("PUT", "/v1/modules"),
        ("GET", "/v1/modules/00"),
        ("GET", "/v1/peers"),
        ("POST", "/v1/peers"),
        ("DELETE", "/v1/peers/b"),
        ("GET", "/v1/migrations/m"),
        ("POST", "/v1/migrations/m"),
        ("POST", "/v1/migrations/m/precopy"),
        ("POST", "/v1/migrations/m/prepare"),
        ("POST", "/v1/migrations/m/commit"),
        ("POST", "/v1/migrations/m/abort"),
    ];
    let wrong = "f".repeat(64);
    for (m, p) in routes {
        for headers in [
            vec![],
            vec![bearer(&wrong)],
            vec![("Authorization", admin_token.clone())],
        ] {
            let (status, body) = raw(&a.url, m, p, &headers, b"{}");
            assert_eq!(status, 401, "{m} {p} {headers:?}: {body}");
            assert!(
                body.contains("token") || body.contains("Authorization"),
                "{body}"
            );
        }
    }
    // The peer secret opens only the migration and module routes.
    for (m, p) in [
        ("GET", "/v1/apps"),
        ("POST", "/v1/apps"),
        ("GET", "/v1/apps/x/output"),
        ("POST", "/v1/apps/x/checkpoint"),
        ("POST", "/v1/apps/x/stop"),
        ("POST", "/v1/apps/x/migrate"),
        ("GET", "/v1/peers"),
        ("POST", "/v1/peers"),
        ("DELETE", "/v1/peers/b"),
    ] {
        let (status, body) = raw(&a.url, m, p, &[bearer(&peer)], b"{}");
        assert_eq!(status, 403, "peer {m} {p}: {body}");
    }
    // The admin token cannot pose as a peer either.
    let (status, _) = raw(
        &a.url,
        "POST",
        "/v1/migrations/m/commit",
        &[bearer(&admin_token)],
        b"",
    );
    assert_eq!(status, 403);
    // The description is public; nothing else changed.
    assert_eq!(raw(&a.url, "GET", "/openapi.yaml", &[], b"").0, 200);
    assert!(apps_dir_entries(&tmp.path().join("a-state")).is_empty());
    assert_eq!(admin(tmp.path()).peers(&a.url).unwrap().len(), 1);
    // The token file is the operator's alone.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(tmp.path().join("token"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn apps_get_only_the_directories_the_operator_allowed() {
    let tmp = tempfile::tempdir().unwrap();
    let mut n = NodeProc::new(tmp.path(), "n");
    n.start(None);
    let client = admin(tmp.path());
    let module = client.put_module(&n.url, GROWER.as_bytes()).unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(outside.path(), tmp.path().join("escape")).unwrap();
    for host in [
        "/".to_string(),
        "/etc".to_string(),
        outside.path().display().to_string(),
        tmp.path().join("escape").display().to_string(),
        format!("{}/../", tmp.path().display()),
    ] {
        let err = client
            .start(
                &n.url,
                &StartRequest {
                    module: module.sha256.clone(),
                    id: Some("sneaky".into()),
                    dirs: vec![DirMap {
                        host: Some(host.clone()),
                        guest: "/".into(),
                        read_only: false,
                    }],
                    ..Default::default()
                },
            )
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("not inside a directory this node allows"),
            "{host}: {err}"
        );
    }
    assert!(client.apps(&n.url).unwrap().is_empty());
    // The id was not left taken by the refused starts.
    let ok = client
        .start(
            &n.url,
            &StartRequest {
                module: module.sha256,
                id: Some("sneaky".into()),
                dirs: vec![DirMap {
                    host: None,
                    guest: "/data".into(),
                    read_only: false,
                }],
                max_memory: Some(1 << 30),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(ok.state, AppState::Running);
}

#[test]
fn hostile_migration_requests_are_refused_before_anything_is_held() {
    let tmp = tempfile::tempdir().unwrap();
    let mut a = NodeProc::new(tmp.path(), "a");
    let mut b = NodeProc::new(tmp.path(), "b");
    let mut c = NodeProc::new(tmp.path(), "c");
    for n in [&mut a, &mut b, &mut c] {
        n.start(None);
    }
    introduce(tmp.path(), &[&a, &b, &c]);
    let from_b = peer_secret(&tmp.path().join("a-state"), "b");
    let from_c = peer_secret(&tmp.path().join("a-state"), "c");
    let as_b = Client::new(Some(from_b.clone()));
    let as_c = Client::new(Some(from_c.clone()));
    let module = as_b.put_module(&a.url, GROWER.as_bytes()).unwrap().sha256;
    let pid = a.pid();
    let rss_before = rss_kib(pid);

    // Rounds and prepares of a migration never begun.
    let err = as_b
        .precopy_round(&a.url, "m1", &round(1, 0))
        .unwrap_err()
        .to_string();
    assert!(err.contains("not begun"), "{err}");
    let begin = |c: &Client, id: &str, max| {
        c.begin(
            &a.url,
            id,
            &BeginRequest {
                version: API_VERSION,
                app: "victim".into(),
                module: module.clone(),
                max_memory: max,
            },
        )
    };
    // A cap over the node's limit, an unknown module.
    assert!(
        begin(&as_b, "m1", u64::MAX)
            .unwrap_err()
            .to_string()
            .contains("limit")
    );
    begin(&as_b, "m1", 1 << 20).unwrap();
    // 20 bytes claiming 2^32 pages (256 TiB), then 17 pages over a 16-page cap.
    for pages in [1u64 << 32, 17] {
        let err = as_b
            .precopy_round(&a.url, "m1", &round(pages, 0))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("larger than this node's limit"),
            "{pages}: {err}"
        );
    }
    // Many rounds of the largest memory allowed hold it once, not per round.
    for _ in 0..20 {
        as_b.precopy_round(&a.url, "m1", &round(16, 8)).unwrap();
    }
    // Another peer may not touch b's migration, nor squat its id.
    for r in [
        as_c.precopy_round(&a.url, "m1", &round(1, 0)).map(drop),
        as_c.commit(&a.url, "m1").map(drop),
        as_c.abort(&a.url, "m1").map(drop),
        as_c.prepare(&a.url, "m1", b"xxxx").map(drop),
    ] {
        let err = r.unwrap_err().to_string();
        assert!(err.contains("belongs to another peer"), "{err}");
    }
    // A delta snapshot whose header claims a huge memory: refused from the
    // header, before its body is decoded.
    let offer = continuum_node::api::MigrationOffer {
        version: API_VERSION,
        migration: "m1".into(),
        app: "victim".into(),
        module: module.clone(),
        args: vec![],
        stdout_offset: 0,
        stderr_offset: 0,
        precopy_rounds: 20,
        dirs: vec![DirMap {
            host: Some("/".into()),
            guest: "/".into(),
            read_only: false,
        }],
        carry_files: false,
        max_memory: 1 << 20,
        time_limit_ms: None,
        time_used_ms: 0,
        started_unix_ms: 0,
    };
    let body = continuum_node::frame_offer(&offer, b"CONTSNAP but not really");
    let err = as_b.prepare(&a.url, "m1", &body).unwrap_err().to_string();
    assert!(err.contains("snapshot") || err.contains("corrupt"), "{err}");
    // Nothing of it remains: no app, no directory made on the host.
    assert!(apps_dir_entries(&tmp.path().join("a-state")).is_empty());
    assert!(admin(tmp.path()).apps(&a.url).unwrap().is_empty());
    let rss_after = rss_kib(pid);
    assert!(
        rss_after < rss_before + 64 * 1024,
        "the node holds {rss_after} KiB after the probes (was {rss_before})"
    );
    // An abort by its owner clears it; the id cannot be prepared after.
    as_b.abort(&a.url, "m1").unwrap();
    let err = as_b
        .precopy_round(&a.url, "m1", &round(1, 0))
        .unwrap_err()
        .to_string();
    assert!(err.contains("decided") || err.contains("Aborted"), "{err}");
    // The node is up.
    assert_eq!(admin(tmp.path()).node_info(&a.url).unwrap().name, "a");
}

/// A pre-copy round of one memory of `pages` pages with one run of `bytes` bytes.
fn round(pages: u64, bytes: usize) -> Vec<u8> {
    let mut out = 1u32.to_le_bytes().to_vec();
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&pages.to_le_bytes());
    let runs = u32::from(bytes > 0);
    out.extend_from_slice(&runs.to_le_bytes());
    if bytes > 0 {
        out.extend_from_slice(&0u64.to_le_bytes());
        out.extend_from_slice(&(bytes as u64).to_le_bytes());
        out.extend(std::iter::repeat_n(7u8, bytes));
    }
    out
}

#[test]
fn bodies_over_their_limit_get_413_without_being_read() {
    let tmp = tempfile::tempdir().unwrap();
    let mut n = NodeProc::new(tmp.path(), "n").with_args(&["--max-module-size", "1MiB"]);
    n.start(None);
    let t = token(tmp.path());
    // Announced sizes are checked before a byte of the body is read (the
    // bodies are not even sent here).
    let two_mib = ("Content-Length", (2u64 << 20).to_string());
    let (status, body) = raw(&n.url, "PUT", "/v1/modules", &[bearer(&t), two_mib], b"");
    assert_eq!(status, 413, "{body}");
    assert!(body.contains("larger than this node's limit"), "{body}");
    // A claimed 1.5 GB that never comes: answered at once.
    let started = Instant::now();
    let (status, _) = raw(
        &n.url,
        "PUT",
        "/v1/modules",
        &[bearer(&t), ("Content-Length", "1500000000".into())],
        b"",
    );
    assert_eq!(status, 413);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(rss_kib(n.pid()) < 200 * 1024);
}

#[test]
fn plain_http_beyond_loopback_is_refused_unless_forced() {
    let out = Command::new(bin())
        .args(["node", "--listen", &format!("0.0.0.0:{}", free_port())])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--insecure-plaintext") && err.contains("in the clear"),
        "{err}"
    );
}

#[test]
fn apps_are_capped_in_memory_time_and_output() {
    let tmp = tempfile::tempdir().unwrap();
    let mut n = NodeProc::new(tmp.path(), "n").with_args(&["--max-log-size", "1MiB"]);
    n.start(None);
    let client = admin(tmp.path());
    let start = |wasm: &str, id: &str, max_memory, time_limit_ms| {
        let module = client.put_module(&n.url, wasm.as_bytes()).unwrap().sha256;
        client
            .start(
                &n.url,
                &StartRequest {
                    module,
                    id: Some(id.into()),
                    max_memory,
                    time_limit_ms,
                    ..Default::default()
                },
            )
            .unwrap()
    };
    let wait_end = |id: &str| {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let info = client.app(&n.url, id).unwrap();
            if info.state.is_final() {
                return info;
            }
            assert!(Instant::now() < deadline, "{id} did not end: {info:?}");
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    // The default cap (256 MiB) refuses the growth; a larger cap allows it.
    start(GROWER, "capped", None, None);
    assert_eq!(wait_end("capped").exit_code, Some(7));
    start(GROWER, "roomy", Some(1 << 30), None);
    assert_eq!(wait_end("roomy").exit_code, Some(0));
    let err = client
        .start(
            &n.url,
            &StartRequest {
                module: client.app(&n.url, "roomy").unwrap().module,
                max_memory: Some(1 << 40),
                ..Default::default()
            },
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("larger than this node's limit"), "{err}");
    // A writer without end under a 1.5 s limit: stopped, its log capped.
    start(SPAMMER, "spam", None, Some(1500));
    let info = wait_end("spam");
    assert_eq!(info.state, AppState::Failed);
    assert!(
        info.error.as_deref().unwrap_or("").contains("time limit"),
        "{info:?}"
    );
    let dir = tmp.path().join("n-state/apps/spam");
    let kept: u64 = ["stdout.log", "stdout.1.log"]
        .iter()
        .map(|f| std::fs::metadata(dir.join(f)).map(|m| m.len()).unwrap_or(0))
        .sum();
    assert!(kept <= (1 << 20) + 65536, "{kept} bytes kept");
    assert!(
        info.stdout.end > 4 << 20,
        "it wrote only {} bytes",
        info.stdout.end
    );
    assert_eq!(info.stdout.end - info.stdout.base, kept);
    // A follower from 0 is told what was rotated away, then gets the rest.
    let mut got = 0u64;
    let end = client
        .follow(
            Follow {
                node: &n.url,
                app: "spam",
                stream: "stdout",
                offset: 0,
                follow: true,
                retry_for: Duration::from_secs(5),
            },
            |b| got += b.len() as u64,
        )
        .unwrap();
    assert_eq!((got, end.offset), (kept, info.stdout.end));
}

#[test]
fn sigterm_checkpoints_running_apps_and_a_restart_resumes_them() {
    let tmp = tempfile::tempdir().unwrap();
    let wasm = common::chain::build_migrate_program(tmp.path(), "compute");
    let args = ["1500"];
    let plain = Command::new(bin())
        .arg("run")
        .arg(&wasm)
        .args(args)
        .output()
        .unwrap();
    assert!(plain.status.success());
    let mut n = NodeProc::new(tmp.path(), "n");
    n.start(None);
    let client = admin(tmp.path());
    common::nodes::start_app(&client, &n.url, &wasm, "calc", &args, &tmp.path().join("d"));
    std::thread::sleep(Duration::from_millis(400));
    n.terminate();
    let info_path = tmp.path().join("n-state/apps/calc/app.json");
    let record = std::fs::read_to_string(&info_path).unwrap();
    assert!(record.contains("suspended"), "{record}");
    assert!(tmp.path().join("n-state/apps/calc/suspend.snap").exists());
    n.start(None);
    let mut out = Vec::new();
    let end = client
        .follow(
            Follow {
                node: &n.url,
                app: "calc",
                stream: "stdout",
                offset: 0,
                follow: true,
                retry_for: Duration::from_secs(30),
            },
            |b| out.extend_from_slice(b),
        )
        .unwrap();
    assert_eq!((end.state, end.exit_code), (AppState::Exited, Some(0)));
    assert!(out == plain.stdout, "output differs after the restart");
}
