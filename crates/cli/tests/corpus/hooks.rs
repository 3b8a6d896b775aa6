//! The harness's side of a run, on threads next to the guest: the `hook`
//! directives that race the sandbox from outside (`move-out` moves the
//! guest's directory out of the box, `swap-loop` keeps swapping it for a
//! symlink to ROOT/outside) and the TCP client for `tcplisten` programs.

use crate::sandbox::Sandbox;
use crate::spec::Spec;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Starts the harness side of a hook; returns its thread.
pub fn start_hook(
    spec: &Spec,
    sb: &Sandbox,
    running: Arc<AtomicBool>,
) -> Option<std::thread::JoinHandle<String>> {
    let boxdir = sb.boxdir.clone();
    let outside = sb.outside.clone();
    match spec.hook.as_deref() {
        Some("move-out") => Some(std::thread::spawn(move || {
            let start = Instant::now();
            while !boxdir.join("ready").exists() {
                if !running.load(Ordering::SeqCst) || start.elapsed() > Duration::from_secs(120) {
                    return "hook move-out: the guest never created `ready`".into();
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            if let Err(e) = std::fs::rename(boxdir.join("d"), outside.join("d")) {
                return format!("hook move-out: cannot move box/d out: {e}");
            }
            std::fs::write(outside.join("d/moved"), "moved\n").unwrap();
            String::new()
        })),
        Some("swap-loop") => Some(std::thread::spawn(move || {
            let d = boxdir.join("d");
            let real = boxdir.join("d.real");
            let mut swaps = 0u64;
            let mut abs = true;
            while running.load(Ordering::SeqCst) {
                if std::fs::rename(&d, &real).is_ok() {
                    let target = if abs {
                        outside.clone()
                    } else {
                        PathBuf::from("../outside")
                    };
                    abs = !abs;
                    if std::os::unix::fs::symlink(&target, &d).is_ok() {
                        std::thread::sleep(Duration::from_micros(300));
                        let _ = std::fs::remove_file(&d);
                    }
                    let _ = std::fs::rename(&real, &d);
                    swaps += 1;
                }
                std::thread::sleep(Duration::from_micros(300));
            }
            if swaps == 0 {
                "hook swap-loop: never managed to swap box/d".into()
            } else {
                String::new()
            }
        })),
        _ => None,
    }
}

/// The harness's TCP client for `// tcplisten` programs.
pub fn start_client(
    port: u16,
    send: Vec<u8>,
    running: Arc<AtomicBool>,
) -> std::thread::JoinHandle<Result<Vec<u8>, String>> {
    std::thread::spawn(move || {
        let start = Instant::now();
        let mut s = loop {
            match TcpStream::connect(("127.0.0.1", port)) {
                Ok(s) => break s,
                Err(e) => {
                    if !running.load(Ordering::SeqCst) || start.elapsed() > Duration::from_secs(120)
                    {
                        return Err(format!("could not connect to 127.0.0.1:{port}: {e}"));
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        };
        s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
        s.write_all(&send).map_err(|e| format!("send: {e}"))?;
        s.shutdown(Shutdown::Write)
            .map_err(|e| format!("shutdown: {e}"))?;
        let mut got = Vec::new();
        s.read_to_end(&mut got)
            .map_err(|e| format!("receive: {e}"))?;
        Ok(got)
    })
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
