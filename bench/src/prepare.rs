//! Everything built before measuring: the toolchain check, the two
//! `continuum` binaries (full, and runtime-only without Cranelift), the C
//! programs natively and for `wasm32-wasi`, their `.cwasm` artifacts, and
//! the binary sizes (unstripped and stripped).

use crate::kernels::KERNELS;
use crate::paths::Paths;
use crate::process::output_of;
use crate::progress;
use anyhow::{Context, Result, bail};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The guests of the start-up measurements (`bench/guests/`).
pub const GUESTS: [&str; 3] = ["start", "empty", "hello"];

/// Fails with a hint when clang-19 or wasi-libc is missing.
pub fn check_clang() -> Result<()> {
    match Command::new("clang-19").arg("--version").output() {
        Ok(o) if o.status.success() => {}
        Ok(_) | Err(_) => bail!(
            "clang-19 is missing or does not run: install the C-to-Wasm toolchain with \
             `bash scripts/setup.sh` (clang-19, lld-19, wasi-libc, libclang-rt-19-dev-wasm32)"
        ),
    }
    if !Path::new("/usr/include/wasm32-wasi").exists()
        && !Path::new("/usr/lib/wasm32-wasi").exists()
    {
        bail!("wasi-libc is missing (no /usr/lib/wasm32-wasi): run `bash scripts/setup.sh`");
    }
    Ok(())
}

/// Builds the full `continuum` (failure is fatal) and the runtime-only one
/// into its own target directory (failure is reported in the results).
pub fn build_binaries(p: &Paths) -> Result<std::result::Result<(), String>> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    progress("cargo build --release -p continuum-cli");
    let status = Command::new(&cargo)
        .args(["build", "--release", "-p", "continuum-cli"])
        .env("CARGO_TARGET_DIR", &p.target)
        .current_dir(&p.workspace)
        .status()
        .context("cannot run cargo")?;
    if !status.success() {
        bail!("`cargo build --release -p continuum-cli` failed ({status})");
    }
    progress(format!(
        "cargo build --release -p continuum-cli --no-default-features (into {})",
        p.runtime_target.display()
    ));
    let out = Command::new(&cargo)
        .args([
            "build",
            "--release",
            "-p",
            "continuum-cli",
            "--no-default-features",
        ])
        .env("CARGO_TARGET_DIR", &p.runtime_target)
        .current_dir(&p.workspace)
        .output()
        .context("cannot run cargo")?;
    if out.status.success() {
        Ok(Ok(()))
    } else {
        let err = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = err.lines().rev().take(15).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        progress("  the runtime-only build failed; continuing without it");
        Ok(Err(format!(
            "build failed ({}):\n{}",
            out.status,
            tail.join("\n")
        )))
    }
}

/// Compiles every C program natively and to Wasm, and precompiles the Wasm
/// with the full `continuum` (the guests also for pulley64, which the
/// runtime-only build runs). Clears the benchmark's compile cache: the
/// warm-up runs fill it.
pub fn prepare_programs(p: &Paths) -> Result<()> {
    progress("compiling the C programs (native and wasm32-wasi) and .cwasm artifacts");
    for dir in ["native", "wasm", "aot"] {
        std::fs::create_dir_all(p.work.join(dir))
            .with_context(|| format!("cannot create `{}`", p.work.join(dir).display()))?;
    }
    if p.cache.exists() {
        std::fs::remove_dir_all(&p.cache)
            .with_context(|| format!("cannot clear `{}`", p.cache.display()))?;
    }
    let bench = p.workspace.join("bench");
    let mut sources: Vec<(&str, PathBuf, bool)> = Vec::new();
    for name in GUESTS {
        sources.push((name, bench.join("guests").join(format!("{name}.c")), true));
    }
    for k in KERNELS {
        sources.push((
            k.name,
            bench.join("kernels").join(format!("{}.c", k.name)),
            false,
        ));
    }
    for (name, src, guest) in sources {
        output_of(
            Command::new("clang-19")
                .args(["-O2"])
                .arg(&src)
                .arg("-o")
                .arg(p.native(name))
                .arg("-lm"),
        )?;
        output_of(
            Command::new("clang-19")
                .args(["--target=wasm32-wasi", "--sysroot=/usr", "-O2"])
                .arg(&src)
                .arg("-o")
                .arg(p.wasm(name)),
        )
        .context(
            "cannot build for wasm32-wasi (is wasi-libc installed? run `bash scripts/setup.sh`)",
        )?;
        output_of(
            Command::new(&p.continuum)
                .arg("compile")
                .arg(p.wasm(name))
                .arg("-o")
                .arg(p.cwasm(name)),
        )?;
        if guest {
            output_of(
                Command::new(&p.continuum)
                    .args(["compile", "--target", "pulley64"])
                    .arg(p.wasm(name))
                    .arg("-o")
                    .arg(p.pulley_cwasm(name)),
            )?;
        }
    }
    Ok(())
}

/// A binary's size.
#[derive(Debug)]
pub struct Size {
    pub label: &'static str,
    pub path: PathBuf,
    /// (unstripped bytes, stripped bytes or why stripping failed), or why
    /// there is no binary.
    pub result: std::result::Result<(u64, std::result::Result<u64, String>), String>,
}

/// The full binary's label in the size rows.
pub const FULL_LABEL: &str = "full (`cargo build --release`)";
/// The runtime-only binary's label in the size rows.
pub const RUNTIME_ONLY_LABEL: &str = "runtime-only (`--no-default-features`, no Cranelift)";

/// The sizes of both binaries; the runtime-only one only if it was built in
/// this run (an older binary may still lie there).
pub fn sizes(p: &Paths, runtime_only_build: &std::result::Result<(), String>) -> Vec<Size> {
    progress("binary sizes");
    vec![
        size(p, FULL_LABEL, &p.continuum, "continuum-full"),
        match runtime_only_build {
            Err(_) => Size {
                label: RUNTIME_ONLY_LABEL,
                path: p.continuum_rt.clone(),
                result: Err("the build failed, see section 1".into()),
            },
            Ok(()) => size(
                p,
                RUNTIME_ONLY_LABEL,
                &p.continuum_rt,
                "continuum-runtime-only",
            ),
        },
    ]
}

/// The size of `bin`, and of a copy (`copy_name` in the work directory)
/// passed through `strip`.
fn size(p: &Paths, label: &'static str, bin: &Path, copy_name: &str) -> Size {
    let result = (|| {
        let unstripped = std::fs::metadata(bin)
            .map_err(|e| format!("`{}`: {e}", bin.display()))?
            .len();
        let copy = p.work.join("strip").join(copy_name);
        let stripped = (|| -> Result<u64> {
            std::fs::create_dir_all(copy.parent().expect("has a parent"))?;
            std::fs::copy(bin, &copy)?;
            output_of(Command::new("strip").arg(&copy))?;
            Ok(std::fs::metadata(&copy)?.len())
        })()
        .map_err(|e| format!("{e:#}"));
        Ok((unstripped, stripped))
    })();
    Size {
        label,
        path: bin.to_path_buf(),
        result,
    }
}
