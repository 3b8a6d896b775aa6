//! The aarch64 build of `continuum`, run under qemu-user on this x86-64 host.
//!
//! * builds the aarch64 binary with `scripts/aarch64-build.sh` (Debian's
//!   rustc-web + gcc-aarch64-linux-gnu, its own target directory), or takes it
//!   from `CONTINUUM_AARCH64_BIN`;
//! * runs a few WASI programs (compiled here from C with clang-19, plus one WAT
//!   module) on it and compares stdout, stderr, exit status and the files they
//!   leave behind with what the x86-64 binary under test produces;
//! * compiles modules ahead of time on x86-64 with
//!   `continuum compile --target aarch64` and runs the `.cwasm` on aarch64;
//! * runs the Pulley interpreter (`--engine pulley`) on aarch64;
//! * stops an endless loop with `--timeout` (a watchdog thread + epoch
//!   interruption) for each of the three kinds of guest code.
//!
//! qemu runs with `-L /`, so that the aarch64 dynamic loader and libc both come
//! from libc6:arm64 (with `-L /usr/aarch64-linux-gnu` the loader is
//! libc6-arm64-cross's and it loads libc6:arm64's libc.so.6, a different build:
//! every thread start then hangs; see scripts/aarch64-env.sh). Threads work,
//! so wasmtime's parallel compilation and the `--timeout` watchdog are tested
//! as they are, without `CONTINUUM_SERIAL_COMPILE`.
//!
//! When a Debian package this needs is missing (see scripts/setup.sh) the tests
//! print why and return without failing; every other problem is a failure.
//! The first build of the aarch64 binary takes a long time (wasmtime and
//! Cranelift, release profile); later runs are incremental.
//!
//! To run the whole conformance corpus on aarch64 as well, point the corpus
//! test at the aarch64 binary:
//! `. scripts/aarch64-env.sh; CONTINUUM_BIN=$CONTINUUM_AARCH64_BIN
//! CONTINUUM_RUNNER="$CONTINUUM_AARCH64_RUNNER" cargo test --release -p continuum-cli --test corpus`

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::aarch64::*;

// ---------------------------------------------------------------------------
// Running the two binaries.

#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Which `continuum` to run.
#[derive(Clone, Copy, Debug)]
enum Arch {
    X86_64,
    Aarch64,
}

fn command(arch: Arch) -> Command {
    match arch {
        Arch::X86_64 => Command::new(x86_bin()),
        Arch::Aarch64 => {
            let bin = aarch64_bin().expect("aarch64 prerequisites checked by the caller");
            let mut c = Command::new(QEMU);
            c.arg("-L").arg(AARCH64_SYSROOT).arg(bin);
            // Parallel compilation on, whatever the caller's environment says.
            c.env_remove("CONTINUUM_SERIAL_COMPILE");
            c
        }
    }
}

/// Runs `continuum ARGS...` with `stdin`, killing it after [`RUN_TIMEOUT`].
fn run(arch: Arch, args: &[&str], stdin: &[u8], cwd: &Path) -> Outcome {
    let mut cmd = command(arch);
    cmd.args(args)
        .current_dir(cwd)
        // Its own compile cache: no sharing with the user's or other tests'.
        .env("CONTINUUM_CACHE_DIR", cwd.join(format!(".cache-{arch:?}")))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("spawn {cmd:?}: {e}"));
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&stdin); // the program may not read it all
    });
    let mut out_pipe = child.stdout.take().unwrap();
    let mut err_pipe = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        out_pipe.read_to_end(&mut v).unwrap();
        v
    });
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        err_pipe.read_to_end(&mut v).unwrap();
        v
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > RUN_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{arch:?} `continuum {}` still running after {RUN_TIMEOUT:?}; killed",
                args.join(" ")
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    writer.join().unwrap();
    let outcome = Outcome {
        code: status.code(),
        stdout: String::from_utf8_lossy(&out_reader.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&err_reader.join().unwrap()).into_owned(),
    };
    eprintln!(
        "{arch:?} `continuum {}` -> {:?} in {:.1?}",
        args.join(" "),
        outcome.code,
        started.elapsed()
    );
    assert!(
        !outcome.stderr.contains("panicked at"),
        "{arch:?} `continuum {}` panicked:\n{}",
        args.join(" "),
        outcome.stderr
    );
    outcome
}

/// Runs the same command on both architectures, asserts identical outcomes and
/// returns it. `args` may contain `{dir}`, replaced by a fresh per-arch scratch
/// directory (returned too, for inspecting files the program left).
fn same_on_both(args: &[&str], stdin: &[u8], work: &Path) -> (Outcome, PathBuf, PathBuf) {
    let mut results = Vec::new();
    for arch in [Arch::X86_64, Arch::Aarch64] {
        let dir = work.join(format!("{arch:?}-{}", unique()));
        std::fs::create_dir_all(&dir).unwrap();
        let dir_s = dir.to_str().unwrap().to_string();
        let args: Vec<String> = args.iter().map(|a| a.replace("{dir}", &dir_s)).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        results.push((run(arch, &args, stdin, work), dir));
    }
    let (a, dir_a) = results.remove(1);
    let (x, dir_x) = results.remove(0);
    assert_eq!(
        x,
        a,
        "x86-64 and aarch64 differ for `continuum {}`",
        args.join(" ")
    );
    (x, dir_x, dir_a)
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// Every file under `dir` with its contents, sorted, for comparing two trees.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
            if p.is_dir() {
                out.push((format!("{rel}/"), Vec::new()));
                walk(base, &p, out);
            } else {
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    let mut v = Vec::new();
    walk(dir, dir, &mut v);
    v.sort();
    v
}

// ---------------------------------------------------------------------------
// The programs.

const HELLO_WAT: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello from wat\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 15))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
"#;

/// Integer, 64-bit, floating-point and libc (qsort, libm) work whose output
/// must be bit-identical on every architecture.
const COMPUTE_C: &str = r#"
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <math.h>

static int cmp(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

int main(void) {
    enum { N = 200000 };
    static unsigned char comp[N + 1];
    int primes = 0;
    for (int i = 2; i <= N; i++)
        if (!comp[i]) { primes++; for (long j = (long)i * i; j <= N; j += i) comp[j] = 1; }
    uint64_t s = 0x9E3779B97F4A7C15ull, h = 0xcbf29ce484222325ull;
    static uint32_t v[50000];
    for (int i = 0; i < 50000; i++) {
        s ^= s << 13; s ^= s >> 7; s ^= s << 17;
        v[i] = (uint32_t)(s >> 16);
        for (int b = 0; b < 8; b++) { h ^= (s >> (8 * b)) & 0xff; h *= 0x100000001b3ull; }
    }
    qsort(v, 50000, sizeof v[0], cmp);
    double acc = 0.0;
    for (int i = 1; i <= 100000; i++) acc += sin((double)i) / i + sqrt((double)i) * 1e-6;
    float f = 1.0f;
    for (int i = 0; i < 1000; i++) f = f * 1.0001f + 0.5f / (float)(i + 1);
    int32_t m = INT32_MIN; uint32_t u = 0xdeadbeefu;
    printf("primes=%d\n", primes);
    printf("fnv=%016llx\n", (unsigned long long)h);
    printf("sorted=%u,%u,%u\n", v[0], v[25000], v[49999]);
    printf("acc=%.12f f=%.6f\n", acc, f);
    printf("int=%d %u %d %lld\n", m / -3, u >> 7, (int32_t)(u << 3), (long long)INT64_MIN / 7);
    return 0;
}
"#;

/// Arguments, environment, stdin, stderr and the exit status.
const IO_C: &str = r#"
#include <stdio.h>
#include <stdlib.h>
#include <ctype.h>
int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) printf("arg%d=%s\n", i, argv[i]);
    const char *g = getenv("GREETING");
    printf("GREETING=%s\n", g ? g : "(unset)");
    int c; long n = 0;
    while ((c = getchar()) != EOF) { putchar(toupper(c)); n++; }
    printf("stdin_bytes=%ld\n", n);
    fprintf(stderr, "to stderr\n");
    return argc > 1 ? atoi(argv[1]) : 0;
}
"#;

/// Files in a preopened directory: write, stat, seek, append, mkdir, rename,
/// readdir, and a `..` escape that must be refused.
const FILEIO_C: &str = r#"
#include <stdio.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fcntl.h>
#include <errno.h>

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: fileio DIR\n"); return 2; }
    const char *d = argv[1];
    char p[512], q[512];
    snprintf(p, sizeof p, "%s/a.txt", d);
    FILE *f = fopen(p, "w");
    if (!f) { perror("fopen w"); return 1; }
    for (int i = 0; i < 1000; i++) fprintf(f, "line %d\n", i);
    fclose(f);
    struct stat st;
    if (stat(p, &st) != 0) { perror("stat"); return 1; }
    printf("size=%lld\n", (long long)st.st_size);
    f = fopen(p, "r+");
    fseek(f, 7000, SEEK_SET);
    char buf[32] = {0};
    fgets(buf, sizeof buf, f);
    printf("at7000=%s", buf);
    fseek(f, 0, SEEK_END);
    fputs("tail\n", f);
    printf("tell=%ld\n", ftell(f));
    fclose(f);
    snprintf(q, sizeof q, "%s/sub", d);
    if (mkdir(q, 0755) != 0) { perror("mkdir"); return 1; }
    snprintf(q, sizeof q, "%s/sub/b.txt", d);
    if (rename(p, q) != 0) { perror("rename"); return 1; }
    int gone = access(p, F_OK) != 0 && errno == ENOENT;
    printf("old_gone=%d\n", gone);
    int fd = open(q, O_RDONLY);
    char last[8];
    lseek(fd, -5, SEEK_END);
    ssize_t n = read(fd, last, sizeof last);
    printf("last=%.*s", (int)n, last);
    close(fd);
    snprintf(q, sizeof q, "%s/sub", d);
    DIR *dir = opendir(q);
    struct dirent *e; int count = 0;
    while ((e = readdir(dir))) if (e->d_name[0] != '.') { printf("entry=%s\n", e->d_name); count++; }
    closedir(dir);
    printf("entries=%d\n", count);
    snprintf(p, sizeof p, "%s/keep.txt", d);
    f = fopen(p, "w"); fputs("kept\n", f); fclose(f);
    snprintf(p, sizeof p, "%s/../escape.txt", d);
    f = fopen(p, "w");
    printf("escape_blocked=%d\n", f == NULL);
    if (f) fclose(f);
    return 0;
}
"#;

const COMPUTE_EXPECTED_HEAD: &str = "primes=17984\n";

// ---------------------------------------------------------------------------
// CLI syntax used here (kept in one place).

/// `continuum run [flags] MODULE [ARGS...]`
fn run_args<'a>(flags: &[&'a str], module: &'a str, args: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec!["run"];
    v.extend_from_slice(flags);
    v.push(module);
    v.extend_from_slice(args);
    v
}

// ---------------------------------------------------------------------------
// The tests.

#[test]
fn aarch64_binary_runs_version() {
    let _ = require!(aarch64_bin());
    let tmp = tempfile::tempdir().unwrap();
    let x = run(Arch::X86_64, &["--version"], b"", tmp.path());
    let a = run(Arch::Aarch64, &["--version"], b"", tmp.path());
    assert_eq!(a.code, Some(0), "aarch64 --version failed: {a:?}");
    assert_eq!(x, a, "--version differs between x86-64 and aarch64");
    assert!(a.stdout.contains(env!("CARGO_PKG_VERSION")), "{a:?}");
}

#[test]
fn aarch64_runs_hello_wat_like_x86() {
    let _ = require!(aarch64_bin());
    let tmp = tempfile::tempdir().unwrap();
    let wat = tmp.path().join("hello.wat");
    std::fs::write(&wat, HELLO_WAT).unwrap();
    let (out, _, _) = same_on_both(&run_args(&[], wat.to_str().unwrap(), &[]), b"", tmp.path());
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(out.stdout, "hello from wat\n");
}

#[test]
fn aarch64_runs_c_programs_like_x86() {
    let _ = require!(aarch64_bin());
    let tmp = tempfile::tempdir().unwrap();
    let compute = require!(c_to_wasm(tmp.path(), "compute", COMPUTE_C));
    let io = require!(c_to_wasm(tmp.path(), "io", IO_C));
    let fileio = require!(c_to_wasm(tmp.path(), "fileio", FILEIO_C));

    let (out, _, _) = same_on_both(
        &run_args(&[], compute.to_str().unwrap(), &[]),
        b"",
        tmp.path(),
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(out.stdout.starts_with(COMPUTE_EXPECTED_HEAD), "{out:?}");

    let input = b"some input\nover two lines\n";
    let (out, _, _) = same_on_both(
        &run_args(
            &["--env", "GREETING=hi there"],
            io.to_str().unwrap(),
            &["7", "two words", "-x"],
        ),
        input,
        tmp.path(),
    );
    assert_eq!(out.code, Some(7), "{out:?}");
    assert_eq!(
        out.stdout,
        "arg1=7\narg2=two words\narg3=-x\nGREETING=hi there\nSOME INPUT\nOVER TWO LINES\nstdin_bytes=26\n"
    );
    assert_eq!(out.stderr, "to stderr\n");

    let (out, dir_x, dir_a) = same_on_both(
        &run_args(
            &["--dir", "{dir}::/data"],
            fileio.to_str().unwrap(),
            &["/data"],
        ),
        b"",
        tmp.path(),
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(out.stdout.contains("escape_blocked=1\n"), "{out:?}");
    let files = tree(&dir_a);
    assert_eq!(tree(&dir_x), files, "the two runs left different files");
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["keep.txt", "sub/", "sub/b.txt"]);
}

#[test]
fn cwasm_compiled_on_x86_for_aarch64_runs_on_aarch64() {
    let _ = require!(aarch64_bin());
    let tmp = tempfile::tempdir().unwrap();
    let compute = require!(c_to_wasm(tmp.path(), "compute", COMPUTE_C));
    let wat = tmp.path().join("hello.wat");
    std::fs::write(&wat, HELLO_WAT).unwrap();

    for module in [compute.as_path(), wat.as_path()] {
        let cwasm = module.with_extension("aarch64.cwasm");
        let c = run(
            Arch::X86_64,
            &[
                "compile",
                "--target",
                "aarch64",
                module.to_str().unwrap(),
                "-o",
                cwasm.to_str().unwrap(),
            ],
            b"",
            tmp.path(),
        );
        assert_eq!(
            c.code,
            Some(0),
            "x86-64 compile --target aarch64 failed: {c:?}"
        );
        assert!(cwasm.is_file(), "compile wrote no {}", cwasm.display());

        let native = run(
            Arch::Aarch64,
            &run_args(&[], module.to_str().unwrap(), &[]),
            b"",
            tmp.path(),
        );
        let aot = run(
            Arch::Aarch64,
            &run_args(&[], cwasm.to_str().unwrap(), &[]),
            b"",
            tmp.path(),
        );
        assert_eq!(native.code, Some(0), "{native:?}");
        assert_eq!(
            aot, native,
            "the x86-64-compiled .cwasm behaves differently on aarch64"
        );

        // The x86-64 binary cannot run an aarch64 artifact: one clear error.
        let wrong = run(
            Arch::X86_64,
            &run_args(&[], cwasm.to_str().unwrap(), &[]),
            b"",
            tmp.path(),
        );
        assert_ne!(
            wrong.code,
            Some(0),
            "x86-64 ran an aarch64 .cwasm: {wrong:?}"
        );
        assert!(
            !wrong.stderr.trim().is_empty(),
            "no error message: {wrong:?}"
        );
    }
}

#[test]
fn pulley_interpreter_runs_on_aarch64() {
    let _ = require!(aarch64_bin());
    let tmp = tempfile::tempdir().unwrap();
    let compute = require!(c_to_wasm(tmp.path(), "compute", COMPUTE_C));
    let wat = tmp.path().join("hello.wat");
    std::fs::write(&wat, HELLO_WAT).unwrap();

    let out = run(
        Arch::Aarch64,
        &run_args(&["--engine", "pulley"], wat.to_str().unwrap(), &[]),
        b"",
        tmp.path(),
    );
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (Some(0), "hello from wat\n"),
        "{out:?}"
    );

    let cranelift = run(
        Arch::X86_64,
        &run_args(&[], compute.to_str().unwrap(), &[]),
        b"",
        tmp.path(),
    );
    let pulley = run(
        Arch::Aarch64,
        &run_args(&["--engine", "pulley"], compute.to_str().unwrap(), &[]),
        b"",
        tmp.path(),
    );
    assert_eq!(
        pulley, cranelift,
        "Pulley on aarch64 differs from Cranelift on x86-64"
    );
}

/// The `--timeout` watchdog is a second thread bumping wasmtime's epoch: this
/// checks thread start-up under qemu and epoch interruption in aarch64 code,
/// for Cranelift code compiled on aarch64, Cranelift code compiled on x86-64
/// (`.cwasm`) and Pulley.
#[test]
fn timeout_stops_an_endless_loop_on_aarch64() {
    let _ = require!(aarch64_bin());
    let tmp = tempfile::tempdir().unwrap();
    let wat = tmp.path().join("spin.wat");
    std::fs::write(&wat, SPIN_WAT).unwrap();
    let cwasm = tmp.path().join("spin.aarch64.cwasm");
    let c = run(
        Arch::X86_64,
        &[
            "compile",
            "--interruptible",
            "--target",
            "aarch64",
            wat.to_str().unwrap(),
            "-o",
            cwasm.to_str().unwrap(),
        ],
        b"",
        tmp.path(),
    );
    assert_eq!(c.code, Some(0), "{c:?}");
    let wat = wat.to_str().unwrap();
    let cwasm = cwasm.to_str().unwrap();
    for (flags, module) in [
        (&["--timeout", "1s"][..], wat),
        (&["--timeout", "1s"][..], cwasm),
        (&["--timeout", "1s", "--engine", "pulley"][..], wat),
    ] {
        let started = Instant::now();
        let out = run(
            Arch::Aarch64,
            &run_args(flags, module, &[]),
            b"",
            tmp.path(),
        );
        assert_eq!(out.code, Some(124), "{flags:?} {module}: {out:?}");
        assert_eq!(
            out.stdout, "spinning\n",
            "output before the timeout is kept"
        );
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the 1s timeout took {:?}",
            started.elapsed()
        );
    }
}

const SPIN_WAT: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "spinning\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 9))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (loop $l (br $l))))
"#;
