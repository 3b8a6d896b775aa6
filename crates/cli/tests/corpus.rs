//! The WASI conformance corpus (tests/corpus/, described in its README.md).
//!
//! C programs are compiled with clang-19 for wasm32-wasi (and natively, for
//! the ones whose oracle is Linux), WAT programs are run as they are, and
//! every program runs under `continuum run` in a fresh sandbox:
//!
//! ```text
//! ROOT/box/                 preopened as "." (fd 3, or after --tcplisten sockets)
//! ROOT/outside/canary.txt   must be unchanged afterwards
//! ROOT/outside/secret.txt   "TOPSECRET...": must never appear in the output
//! ROOT/NAME/                extra preopens (`// preopen:`), seeded with files
//! ```
//!
//! Each #[test] below runs one group and reports every failing program with
//! its diff, not just the first. Environment:
//! - `CONTINUUM_BIN`: the continuum binary to test (default: this build's).
//! - `CONTINUUM_RUNNER`: a command prefix, e.g. `qemu-aarch64-static -L /usr/aarch64-linux-gnu`.
//! - `CONTINUUM_RUN_FLAGS`: extra flags for `continuum run` (e.g. `--engine pulley`).
//! - `CORPUS_FILTER`: only programs whose name contains this text.
//! - `CORPUS_TIMEOUT`: seconds a single run may take (default 120).
//! - `CORPUS_CLANG`, `CORPUS_WASI_SYSROOT`: the toolchain (default clang-19, /usr).

mod common;

use common::{
    Outcome, diff, escape_bytes, render_tree, run_with_limit, snapshot, split_words, tail, unescape,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

const SECRET: &str = "TOPSECRET-continuum-corpus-7f3a";
const CANARY: &str = "canary: must stay unchanged\n";

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/corpus")
        .canonicalize()
        .expect("tests/corpus exists")
}

fn work_dir() -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("corpus");
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn limit() -> Duration {
    let secs = std::env::var("CORPUS_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(120u64);
    Duration::from_secs(secs)
}

fn filter_ok(name: &str) -> bool {
    match std::env::var("CORPUS_FILTER") {
        Ok(f) if !f.is_empty() => name.contains(&f),
        _ => true,
    }
}

// ------------------------------------------------------------------ specs

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    C,
    Wat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Oracle {
    Native,
    Expected,
}

#[derive(Debug, Clone)]
struct Preopen {
    name: String,
    /// None: `--dir HOST` without `::GUEST`.
    guest: Option<String>,
    ro: bool,
}

/// A corpus program and its header directives (see tests/corpus/README.md).
#[derive(Debug, Clone)]
struct Spec {
    name: String,
    source: PathBuf,
    kind: Kind,
    oracle: Oracle,
    runs: Vec<Vec<String>>,
    env: Vec<(String, String)>,
    env_inherit: Vec<(String, String)>,
    flags: Vec<String>,
    stdin: Option<Vec<u8>>,
    exit: i32,
    preopens: Vec<Preopen>,
    files: Vec<(String, Vec<u8>)>,
    dirs: Vec<String>,
    symlinks: Vec<(String, String)>,
    hook: Option<String>,
    tcplisten: bool,
    client_send: Option<Vec<u8>>,
    client_expect: Option<Vec<u8>>,
    stderr_contains: Vec<String>,
    stderr_lines: Option<usize>,
    stderr_starts: Option<String>,
    invoke: Option<String>,
    cflags: Vec<String>,
}

const KEYS: &[&str] = &[
    "oracle",
    "run",
    "env",
    "env-inherit",
    "flags",
    "stdin",
    "exit",
    "preopen",
    "file",
    "dir",
    "symlink",
    "hook",
    "tcplisten",
    "client-send",
    "client-expect",
    "stderr-contains",
    "stderr-lines",
    "stderr-starts",
    "invoke",
    "cflags",
];

fn parse_spec(path: &Path) -> Result<Spec, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let name = path.file_stem().unwrap().to_string_lossy().into_owned();
    let kind = if path.extension().is_some_and(|e| e == "c") {
        Kind::C
    } else {
        Kind::Wat
    };
    let prefix = if kind == Kind::C { "//" } else { ";;" };
    let mut s = Spec {
        name: name.clone(),
        source: path.to_path_buf(),
        kind,
        oracle: Oracle::Expected,
        runs: Vec::new(),
        env: Vec::new(),
        env_inherit: Vec::new(),
        flags: Vec::new(),
        stdin: None,
        exit: 0,
        preopens: Vec::new(),
        files: Vec::new(),
        dirs: Vec::new(),
        symlinks: Vec::new(),
        hook: None,
        tcplisten: false,
        client_send: None,
        client_expect: None,
        stderr_contains: Vec::new(),
        stderr_lines: None,
        stderr_starts: None,
        invoke: None,
        cflags: Vec::new(),
    };
    let mut saw_oracle = false;
    for line in text.lines() {
        let Some(rest) = line.strip_prefix(prefix) else {
            break;
        };
        let rest = rest.trim();
        let (key, value) = match rest.split_once(':') {
            Some((k, v)) if KEYS.contains(&k.trim()) => (k.trim(), v.trim()),
            _ if KEYS.contains(&rest) => (rest, ""),
            _ => continue,
        };
        let bad = |what: &str| format!("{name}: bad `{key}` directive ({what}): {line}");
        match key {
            "oracle" => {
                saw_oracle = true;
                s.oracle = match value {
                    "native" => Oracle::Native,
                    "expected" => Oracle::Expected,
                    _ => return Err(bad("native or expected")),
                }
            }
            "run" => s.runs.push(split_words(value)),
            "env" => {
                for w in split_words(value) {
                    let (k, v) = w.split_once('=').ok_or_else(|| bad("KEY=VALUE"))?;
                    s.env.push((k.to_string(), v.to_string()));
                }
            }
            "env-inherit" => {
                for w in split_words(value) {
                    let (k, v) = w.split_once('=').ok_or_else(|| bad("KEY=VALUE"))?;
                    s.env_inherit.push((k.to_string(), v.to_string()));
                }
            }
            "flags" => s.flags.extend(split_words(value)),
            "stdin" => s.stdin = Some(unescape(value)),
            "exit" => s.exit = value.parse().map_err(|_| bad("a number"))?,
            "preopen" => {
                let w = split_words(value);
                if w.len() < 2 || w.len() > 3 || (w.len() == 3 && w[2] != "ro") {
                    return Err(bad("NAME GUEST|= [ro]"));
                }
                let guest = if w[1] == "=" {
                    None
                } else {
                    Some(w[1].clone())
                };
                s.preopens.push(Preopen {
                    name: w[0].clone(),
                    guest,
                    ro: w.len() == 3,
                });
            }
            "file" => {
                let (p, c) = value
                    .split_once(" = ")
                    .ok_or_else(|| bad("PATH = CONTENT"))?;
                s.files.push((p.trim().to_string(), unescape(c)));
            }
            "dir" => s.dirs.push(value.to_string()),
            "symlink" => {
                let (p, t) = value
                    .split_once(" -> ")
                    .ok_or_else(|| bad("PATH -> TARGET"))?;
                s.symlinks
                    .push((p.trim().to_string(), t.trim().to_string()));
            }
            "hook" => {
                if !["move-out", "swap-loop"].contains(&value) {
                    return Err(bad("move-out or swap-loop"));
                }
                s.hook = Some(value.to_string())
            }
            "tcplisten" => s.tcplisten = true,
            "client-send" => s.client_send = Some(unescape(value)),
            "client-expect" => s.client_expect = Some(unescape(value)),
            "stderr-contains" => s.stderr_contains.push(value.to_string()),
            "stderr-lines" => s.stderr_lines = Some(value.parse().map_err(|_| bad("a number"))?),
            "stderr-starts" => s.stderr_starts = Some(value.to_string()),
            "invoke" => s.invoke = Some(value.to_string()),
            "cflags" => s.cflags.extend(split_words(value)),
            _ => unreachable!(),
        }
    }
    if !saw_oracle {
        return Err(format!(
            "{name}: the first lines must say `{prefix} oracle: native` or `{prefix} oracle: expected`"
        ));
    }
    if s.kind == Kind::Wat && s.oracle == Oracle::Native {
        return Err(format!("{name}: WAT programs have no native oracle"));
    }
    if s.runs.is_empty() {
        s.runs.push(Vec::new());
    }
    Ok(s)
}

fn all_specs() -> Vec<Spec> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "c" || e == "wat"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| parse_spec(p).unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

// ------------------------------------------------------------------ build

struct Toolchain {
    clang: String,
    sysroot: PathBuf,
}

fn toolchain() -> Result<Toolchain, String> {
    let clang = std::env::var("CORPUS_CLANG").unwrap_or_else(|_| "clang-19".into());
    let sysroot =
        PathBuf::from(std::env::var("CORPUS_WASI_SYSROOT").unwrap_or_else(|_| "/usr".into()));
    let ok = Command::new(&clang)
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    let hint = "install the Wasm C toolchain with `bash scripts/setup.sh` (clang-19, lld-19, wasi-libc, \
                libclang-rt-19-dev-wasm32), or point CORPUS_CLANG / CORPUS_WASI_SYSROOT at one";
    if !ok {
        return Err(format!(
            "the corpus needs `{clang}`, which is not runnable here: {hint}"
        ));
    }
    for f in [
        "include/wasm32-wasi/stdio.h",
        "lib/wasm32-wasi/libc.a",
        "lib/wasm32-wasi/crt1-command.o",
    ] {
        if !sysroot.join(f).exists() {
            return Err(format!(
                "the WASI sysroot has no {}: {hint}",
                sysroot.join(f).display()
            ));
        }
    }
    Ok(Toolchain { clang, sysroot })
}

/// Compiled artifacts of the C programs: name -> path (or the compiler's complaint).
struct Build {
    wasm: HashMap<String, Result<PathBuf, String>>,
    native: HashMap<String, Result<PathBuf, String>>,
}

fn mtime(p: &Path) -> Option<SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

fn compile(tc: &Toolchain, spec: &Spec, wasm: bool) -> Result<PathBuf, String> {
    let dir = work_dir().join("build");
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join(format!(
        "{}.{}",
        spec.name,
        if wasm { "wasm" } else { "native" }
    ));
    let corpus = corpus_dir();
    let newest_input = [
        spec.source.clone(),
        corpus.join("common.h"),
        corpus.join("escape.h"),
    ]
    .iter()
    .filter_map(|p| mtime(p))
    .max();
    if let (Some(o), Some(i)) = (mtime(&out), newest_input) {
        if o >= i {
            return Ok(out);
        }
    }
    let tmp = PathBuf::from(format!("{}.tmp{}", out.display(), std::process::id()));
    let mut cmd = Command::new(&tc.clang);
    if wasm {
        cmd.arg("--target=wasm32-wasi")
            .arg(format!("--sysroot={}", tc.sysroot.display()));
    }
    cmd.args([
        "-O2",
        "-Wall",
        "-Werror=implicit-function-declaration",
        "-I",
    ])
    .arg(&corpus);
    cmd.args(&spec.cflags).arg(&spec.source).arg("-o").arg(&tmp);
    let o = cmd
        .output()
        .map_err(|e| format!("cannot run {}: {e}", tc.clang))?;
    if !o.status.success() {
        return Err(format!(
            "{} failed to compile ({}):\n{}",
            spec.name,
            if wasm { "wasm32-wasi" } else { "native" },
            String::from_utf8_lossy(&o.stderr)
        ));
    }
    std::fs::rename(&tmp, &out).map_err(|e| e.to_string())?;
    Ok(out)
}

fn build() -> &'static Result<Build, String> {
    static BUILD: OnceLock<Result<Build, String>> = OnceLock::new();
    BUILD.get_or_init(|| {
        let tc = toolchain()?;
        let specs: Vec<Spec> = all_specs()
            .into_iter()
            .filter(|s| s.kind == Kind::C && filter_ok(&s.name))
            .collect();
        let mut jobs: Vec<(Spec, bool)> = Vec::new();
        for s in &specs {
            jobs.push((s.clone(), true));
            if s.oracle == Oracle::Native {
                jobs.push((s.clone(), false));
            }
        }
        let jobs = Mutex::new(jobs);
        let results = Mutex::new(Vec::new());
        std::thread::scope(|sc| {
            for _ in 0..2 {
                sc.spawn(|| {
                    loop {
                        let Some((spec, wasm)) = jobs.lock().unwrap().pop() else {
                            break;
                        };
                        let r = compile(&tc, &spec, wasm);
                        results.lock().unwrap().push((spec.name.clone(), wasm, r));
                    }
                });
            }
        });
        let mut b = Build {
            wasm: HashMap::new(),
            native: HashMap::new(),
        };
        for (name, wasm, r) in results.into_inner().unwrap() {
            if wasm {
                b.wasm.insert(name, r);
            } else {
                b.native.insert(name, r);
            }
        }
        Ok(b)
    })
}

fn built(spec: &Spec) -> Result<(PathBuf, Option<PathBuf>), String> {
    if spec.kind == Kind::Wat {
        return Ok((spec.source.clone(), None));
    }
    let b = build().as_ref().map_err(|e| e.clone())?;
    let wasm = b
        .wasm
        .get(&spec.name)
        .cloned()
        .unwrap_or_else(|| Err("not built".into()))?;
    let native = match spec.oracle {
        Oracle::Native => Some(
            b.native
                .get(&spec.name)
                .cloned()
                .unwrap_or_else(|| Err("not built".into()))?,
        ),
        Oracle::Expected => None,
    };
    Ok((wasm, native))
}

// ------------------------------------------------------------------ running

fn continuum_command() -> Command {
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

fn command_line(cmd: &Command) -> String {
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

/// A fresh sandbox for one run.
struct Sandbox {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    boxdir: PathBuf,
    outside: PathBuf,
}

fn new_root() -> (tempfile::TempDir, PathBuf) {
    let base = work_dir().join("runs");
    std::fs::create_dir_all(&base).unwrap();
    let tmp = tempfile::Builder::new()
        .prefix("run-")
        .tempdir_in(&base)
        .unwrap();
    let root = tmp.path().canonicalize().unwrap();
    (tmp, root)
}

fn populate(dir: &Path, spec: &Spec, root: &Path) {
    for d in &spec.dirs {
        std::fs::create_dir_all(dir.join(d)).unwrap();
    }
    for (p, c) in &spec.files {
        let p = dir.join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, c).unwrap();
    }
    for (p, t) in &spec.symlinks {
        let t = t
            .replace("{OUTSIDE}", &root.join("outside").to_string_lossy())
            .replace("{ROOT}", &root.to_string_lossy());
        let p = dir.join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(t, p).unwrap();
    }
}

fn sandbox(spec: &Spec) -> Sandbox {
    let (tmp, root) = new_root();
    let boxdir = root.join("box");
    let outside = root.join("outside");
    std::fs::create_dir_all(&boxdir).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("canary.txt"), CANARY).unwrap();
    std::fs::write(outside.join("secret.txt"), format!("{SECRET}\n")).unwrap();
    populate(&boxdir, spec, &root);
    for p in &spec.preopens {
        let d = root.join(&p.name);
        std::fs::create_dir_all(d.join("sub")).unwrap();
        std::fs::create_dir_all(d.join("empty")).unwrap();
        std::fs::write(d.join("hello.txt"), format!("hello from {}\n", p.name)).unwrap();
        std::fs::write(d.join("sub/inner.txt"), format!("inner of {}\n", p.name)).unwrap();
    }
    match spec.hook.as_deref() {
        Some("swap-loop") => {
            std::fs::create_dir_all(boxdir.join("d")).unwrap();
            std::fs::write(boxdir.join("d/f"), "inside\n").unwrap();
            std::fs::write(outside.join("f"), format!("{SECRET}\n")).unwrap();
        }
        Some("move-out") | None => {}
        Some(h) => panic!("unknown hook {h}"),
    }
    Sandbox {
        _tmp: tmp,
        root,
        boxdir,
        outside,
    }
}

/// Starts the harness side of a hook; returns its thread.
fn start_hook(
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
fn start_client(
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

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
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
fn run_group(group: &str, pick: impl Fn(&Spec) -> bool) {
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

fn is_escape(s: &Spec) -> bool {
    s.name.starts_with("escape_")
}

#[test]
fn native_oracle_programs() {
    run_group("native oracle", |s| {
        s.kind == Kind::C && s.oracle == Oracle::Native
    });
}

#[test]
fn expected_output_programs() {
    run_group("expected output", |s| {
        s.kind == Kind::C && s.oracle == Oracle::Expected && !is_escape(s) && !s.tcplisten
    });
}

#[test]
fn sandbox_escapes_are_contained() {
    run_group("sandbox escapes", is_escape);
}

#[test]
fn sockets() {
    run_group("sockets", |s| s.tcplisten);
}

#[test]
fn wat_programs() {
    run_group("wat", |s| s.kind == Kind::Wat);
}

// ------------------------------------------------------------------ bad inputs

/// A minimal valid module: `(module (func (export "_start")))`.
const MINIMAL: &[u8] = &[
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
    0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type section: func [] -> []
    0x03, 0x02, 0x01, 0x00, // function section
    0x07, 0x0a, 0x01, 0x06, b'_', b's', b't', b'a', b'r', b't', 0x00, 0x00, // export "_start"
    0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b, // code section
];

/// Module files and command lines that must be refused with exit 1 (or 2 for
/// usage errors) and exactly one line on stderr starting with `error:`.
#[test]
fn bad_inputs_get_one_clear_line() {
    if !filter_ok("bad_inputs") {
        return;
    }
    let (_tmp, root) = new_root();
    let f = |name: &str, bytes: &[u8]| {
        let p = root.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    let mut garbage = Vec::new();
    let mut x: u32 = 12345;
    for _ in 0..4096 {
        x = x.wrapping_mul(1103515245).wrapping_add(12345);
        garbage.push((x >> 16) as u8);
    }
    let mut bad_version = MINIMAL.to_vec();
    bad_version[4] = 0x02;
    let mut bad_section = MINIMAL.to_vec();
    bad_section[9] = 0x7f; // type section claims 127 bytes
    let ok = f("ok.wasm", MINIMAL);
    let dir = root.join("a-directory");
    std::fs::create_dir_all(&dir).unwrap();
    let not_dir = f("plain-file", b"x");
    let cases: Vec<(&str, Vec<String>, i32)> = vec![
        (
            "minimal valid module runs",
            vec![ok.display().to_string()],
            0,
        ),
        (
            "empty file",
            vec![f("empty.wasm", b"").display().to_string()],
            1,
        ),
        (
            "garbage bytes",
            vec![f("garbage.wasm", &garbage).display().to_string()],
            1,
        ),
        (
            "a text file",
            vec![f("text.wasm", b"hello, world\n").display().to_string()],
            1,
        ),
        (
            "truncated after the header",
            vec![f("trunc8.wasm", &MINIMAL[..8]).display().to_string()],
            1,
        ),
        (
            "truncated mid-section",
            vec![f("trunc20.wasm", &MINIMAL[..20]).display().to_string()],
            1,
        ),
        (
            "truncated by one byte",
            vec![
                f("trunc-1.wasm", &MINIMAL[..MINIMAL.len() - 1])
                    .display()
                    .to_string(),
            ],
            1,
        ),
        (
            "wrong version",
            vec![f("version.wasm", &bad_version).display().to_string()],
            1,
        ),
        (
            "section length past the end",
            vec![f("section.wasm", &bad_section).display().to_string()],
            1,
        ),
        (
            "half a magic number",
            vec![f("magic.wasm", b"\0as").display().to_string()],
            1,
        ),
        (
            "WAT with a syntax error",
            vec![
                f("bad.wat", b"(module (func $f (i32.bogus)))")
                    .display()
                    .to_string(),
            ],
            1,
        ),
        (
            "WAT that does not validate",
            vec![
                f("invalid.wat", b"(module (func (result i32)))")
                    .display()
                    .to_string(),
            ],
            1,
        ),
        (
            "a module path that does not exist",
            vec![root.join("missing.wasm").display().to_string()],
            1,
        ),
        (
            "a directory as the module",
            vec![dir.display().to_string()],
            1,
        ),
        (
            "--dir that does not exist",
            vec![
                "--dir".into(),
                format!("{}::.", root.join("nope").display()),
                ok.display().to_string(),
            ],
            1,
        ),
        (
            "--dir naming a file",
            vec![
                "--dir".into(),
                format!("{}::.", not_dir.display()),
                ok.display().to_string(),
            ],
            1,
        ),
        (
            "an unknown flag",
            vec!["--no-such-flag".into(), ok.display().to_string()],
            2,
        ),
        (
            "--max-open-files not a number",
            vec![
                "--max-open-files".into(),
                "many".into(),
                ok.display().to_string(),
            ],
            2,
        ),
        (
            "--timeout not a duration",
            vec!["--timeout".into(), "soon".into(), ok.display().to_string()],
            2,
        ),
        ("no module at all", vec![], 2),
    ];
    let mut report = String::new();
    for (what, args, want) in &cases {
        let mut cmd = continuum_command();
        cmd.args(args);
        let line = command_line(&cmd);
        let o = run_with_limit(cmd, None, limit(), None)
            .unwrap_or_else(|e| panic!("cannot start `{line}`: {e}"));
        let err = String::from_utf8_lossy(&o.stderr);
        let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
        let mut problems = Vec::new();
        if o.code != Some(*want) {
            problems.push(format!("expected exit {want}, got {}", o.status_text()));
        }
        if *want == 1 {
            if lines.len() != 1 {
                problems.push(format!(
                    "expected exactly one line on stderr, got {}",
                    lines.len()
                ));
            }
            if !err.starts_with("error:") {
                problems.push("stderr does not start with `error:`".into());
            }
        }
        if *want == 0 && !o.stderr.is_empty() {
            problems.push("expected nothing on stderr".into());
        }
        if err.contains("panicked at") {
            problems.push("stderr shows a Rust panic".into());
        }
        if !problems.is_empty() {
            writeln!(report, "=== FAIL bad input: {what}\n  command: {line}").unwrap();
            for p in problems {
                writeln!(report, "  - {p}").unwrap();
            }
            writeln!(report, "  stderr:\n{}", tail(&err, 8)).unwrap();
        }
    }
    if !report.is_empty() {
        panic!("bad inputs:\n{report}");
    }
}

// ------------------------------------------------------------------ coverage

/// Every wasi_snapshot_preview1 function.
const WASI_FUNCTIONS: &[&str] = &[
    "args_get",
    "args_sizes_get",
    "environ_get",
    "environ_sizes_get",
    "clock_res_get",
    "clock_time_get",
    "fd_advise",
    "fd_allocate",
    "fd_close",
    "fd_datasync",
    "fd_fdstat_get",
    "fd_fdstat_set_flags",
    "fd_fdstat_set_rights",
    "fd_filestat_get",
    "fd_filestat_set_size",
    "fd_filestat_set_times",
    "fd_pread",
    "fd_prestat_get",
    "fd_prestat_dir_name",
    "fd_pwrite",
    "fd_read",
    "fd_readdir",
    "fd_renumber",
    "fd_seek",
    "fd_sync",
    "fd_tell",
    "fd_write",
    "path_create_directory",
    "path_filestat_get",
    "path_filestat_set_times",
    "path_link",
    "path_open",
    "path_readlink",
    "path_remove_directory",
    "path_rename",
    "path_symlink",
    "path_unlink_file",
    "poll_oneoff",
    "proc_exit",
    "proc_raise",
    "random_get",
    "sched_yield",
    "sock_accept",
    "sock_recv",
    "sock_send",
    "sock_shutdown",
];

fn leb(b: &[u8], i: &mut usize) -> Option<u32> {
    let mut r: u32 = 0;
    let mut shift = 0;
    loop {
        let byte = *b.get(*i)?;
        *i += 1;
        r |= ((byte & 0x7f) as u32) << shift;
        if byte & 0x80 == 0 {
            return Some(r);
        }
        shift += 7;
        if shift > 28 {
            return None;
        }
    }
}

/// The wasi_snapshot_preview1 function imports of a module binary.
fn wasi_imports(wasm: &[u8]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut i = 8;
    while i < wasm.len() {
        let id = wasm[i];
        i += 1;
        let Some(len) = leb(wasm, &mut i) else { break };
        let end = i + len as usize;
        if id == 2 {
            let mut j = i;
            let n = leb(wasm, &mut j).unwrap_or(0);
            for _ in 0..n {
                let name = |j: &mut usize| -> Option<String> {
                    let l = leb(wasm, j)? as usize;
                    let s = String::from_utf8_lossy(wasm.get(*j..*j + l)?).into_owned();
                    *j += l;
                    Some(s)
                };
                let (Some(m), Some(f)) = (name(&mut j), name(&mut j)) else {
                    break;
                };
                let kind = wasm[j];
                j += 1;
                match kind {
                    0 => {
                        leb(wasm, &mut j);
                    }
                    1 => {
                        j += 1;
                        let flags = leb(wasm, &mut j).unwrap_or(0);
                        leb(wasm, &mut j);
                        if flags & 1 != 0 {
                            leb(wasm, &mut j);
                        }
                    }
                    2 => {
                        let flags = leb(wasm, &mut j).unwrap_or(0);
                        leb(wasm, &mut j);
                        if flags & 1 != 0 {
                            leb(wasm, &mut j);
                        }
                    }
                    3 => j += 2,
                    _ => break,
                }
                if m == "wasi_snapshot_preview1" && kind == 0 {
                    out.insert(f);
                }
            }
        }
        i = end;
    }
    out
}

/// The corpus as a whole calls every WASI preview1 function: the imports of
/// the compiled C programs plus the functions the WAT programs call.
#[test]
fn corpus_calls_every_wasi_function() {
    if std::env::var("CORPUS_FILTER").is_ok_and(|f| !f.is_empty()) {
        return; // a filtered build does not hold the whole corpus
    }
    let b = build().as_ref().unwrap_or_else(|e| panic!("{e}"));
    let mut covered: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, r) in &b.wasm {
        if let Ok(p) = r {
            for f in wasi_imports(&std::fs::read(p).unwrap()) {
                covered.entry(f).or_default().push(name.clone());
            }
        }
    }
    for s in all_specs().into_iter().filter(|s| s.kind == Kind::Wat) {
        let text = std::fs::read_to_string(&s.source).unwrap();
        for f in WASI_FUNCTIONS {
            if text.contains(&format!("(call ${f} ")) || text.contains(&format!("(call ${f})")) {
                covered
                    .entry(f.to_string())
                    .or_default()
                    .push(s.name.clone());
            }
        }
    }
    let missing: Vec<&str> = WASI_FUNCTIONS
        .iter()
        .copied()
        .filter(|f| !covered.contains_key(*f))
        .collect();
    assert!(
        missing.is_empty(),
        "no corpus program calls: {}",
        missing.join(", ")
    );
    let unknown: Vec<&String> = covered
        .keys()
        .filter(|k| !WASI_FUNCTIONS.contains(&k.as_str()))
        .collect();
    assert!(
        unknown.is_empty(),
        "corpus programs import functions outside preview1: {unknown:?}"
    );
}
