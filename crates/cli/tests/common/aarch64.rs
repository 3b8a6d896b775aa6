//! Finding (or building) the aarch64 `continuum` and running programs under
//! qemu-user: shared by the aarch64 test files. qemu runs with `-L /`, so
//! that the aarch64 dynamic loader and libc both come from libc6:arm64 (see
//! scripts/aarch64-env.sh).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::tail;

pub const QEMU: &str = "qemu-aarch64-static";
/// qemu's `-L`: where the guest's `/lib/ld-linux-aarch64.so.1` is looked up.
pub const AARCH64_SYSROOT: &str = "/";
pub const AARCH64_LOADER: &str = "/lib/ld-linux-aarch64.so.1";
pub const CLANG: &str = "clang-19";
/// Generous: under qemu, Cranelift itself runs on an emulated CPU.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(600);

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

pub fn x86_bin() -> &'static str {
    env!("CARGO_BIN_EXE_continuum")
}

// ---------------------------------------------------------------------------
// Prerequisites: the aarch64 binary, qemu, the C-to-Wasm toolchain.

/// What finding or building the aarch64 binary came to.
pub enum Prereq {
    Ready(PathBuf),
    /// A Debian package is missing: the tests are skipped with this reason.
    Skip(String),
    /// Anything else: every test fails with this message.
    Fail(String),
}

/// The aarch64 binary, or the reason the tests are skipped (a failed build
/// panics). Found or built once per test process, whatever the number of tests
/// asking for it: a failure is recorded, not retried by each test.
pub fn aarch64_bin() -> Result<&'static Path, &'static str> {
    static BIN: OnceLock<Prereq> = OnceLock::new();
    match BIN.get_or_init(find_or_build) {
        Prereq::Ready(p) => Ok(p.as_path()),
        Prereq::Skip(reason) => Err(reason.as_str()),
        Prereq::Fail(msg) => panic!("{msg}"),
    }
}

pub fn find_or_build() -> Prereq {
    if !command_exists(QEMU) {
        return Prereq::Skip(format!(
            "{QEMU} is not installed (package qemu-user-static); run scripts/setup.sh"
        ));
    }
    if !Path::new(AARCH64_LOADER).exists() {
        return Prereq::Skip(format!(
            "no {AARCH64_LOADER} (package libc6:arm64, pulled in by libstd-rust-web-dev:arm64); \
             run scripts/setup.sh"
        ));
    }
    if let Some(bin) = std::env::var_os("CONTINUUM_AARCH64_BIN") {
        let bin = PathBuf::from(bin);
        if !bin.is_file() {
            return Prereq::Fail(format!(
                "CONTINUUM_AARCH64_BIN={} does not exist",
                bin.display()
            ));
        }
        return Prereq::Ready(bin);
    }
    let script = workspace_root().join("scripts/aarch64-build.sh");
    let started = Instant::now();
    let out = match Command::new("bash")
        .arg(&script)
        .current_dir(workspace_root())
        .stdin(Stdio::null())
        .output()
    {
        Ok(out) => out,
        Err(e) => return Prereq::Fail(format!("cannot run {}: {e}", script.display())),
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() == Some(3) {
        // The script's "missing package" exit status.
        return Prereq::Skip(stderr.trim().to_string());
    }
    if !out.status.success() {
        return Prereq::Fail(format!(
            "scripts/aarch64-build.sh failed ({}):\n{}",
            out.status,
            tail(&stderr, 60)
        ));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let bin = PathBuf::from(stdout.lines().last().unwrap_or_default().trim());
    if !bin.is_file() {
        return Prereq::Fail(format!(
            "scripts/aarch64-build.sh printed {:?} as the binary, which does not exist",
            bin
        ));
    }
    eprintln!(
        "aarch64 binary {} ready in {:.0?}",
        bin.display(),
        started.elapsed()
    );
    Prereq::Ready(bin)
}

pub fn command_exists(cmd: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {cmd}")])
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Unwraps a prerequisite, or skips the test (prints why and returns).
#[allow(unused_macros)]
macro_rules! require {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(reason) => {
                eprintln!("SKIPPED: {reason}");
                return;
            }
        }
    };
}

/// Compiles a C program to wasm32-wasi (clang-19 + Debian's wasi-libc).
pub fn c_to_wasm(dir: &Path, name: &str, source: &str) -> Result<PathBuf, String> {
    if !command_exists(CLANG) || !Path::new("/usr/lib/wasm32-wasi/libc.a").exists() {
        return Err(format!(
            "{CLANG} or wasi-libc is not installed (packages clang-19 lld-19 wasi-libc \
             libclang-rt-19-dev-wasm32); run scripts/setup.sh"
        ));
    }
    let src = dir.join(format!("{name}.c"));
    let wasm = dir.join(format!("{name}.wasm"));
    std::fs::write(&src, source).unwrap();
    let out = Command::new(CLANG)
        .args(["--target=wasm32-wasi", "--sysroot=/usr", "-O2"])
        .arg(&src)
        .arg("-o")
        .arg(&wasm)
        .arg("-lm")
        .output()
        .expect("spawn clang-19");
    assert!(
        out.status.success(),
        "clang-19 failed on {name}.c:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(wasm)
}

#[allow(unused_imports)]
pub(crate) use require;
