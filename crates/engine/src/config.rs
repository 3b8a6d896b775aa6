//! How wasmtime is configured, in one place for every command.

use crate::EngineError;
use std::str::FromStr;
use wasmtime::{Config, Engine};

/// How guest code is executed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EngineKind {
    /// Native code from Cranelift (JIT or ahead of time).
    #[default]
    Cranelift,
    /// wasmtime's portable Pulley interpreter: no native code is generated,
    /// for devices where a JIT is not allowed.
    Pulley,
}

impl FromStr for EngineKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "cranelift" => Ok(EngineKind::Cranelift),
            "pulley" => Ok(EngineKind::Pulley),
            _ => Err(format!(
                "unknown engine `{s}` (expected `cranelift` or `pulley`)"
            )),
        }
    }
}

/// The machine code a module is compiled for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Target {
    /// This machine.
    #[default]
    Host,
    /// 64-bit x86 (cloud servers).
    X86_64,
    /// 64-bit Arm (edge boxes, boards).
    Aarch64,
    /// Pulley bytecode for a 64-bit host (portable, interpreted).
    Pulley64,
}

impl Target {
    /// The triple wasmtime compiles for, `None` for the host.
    pub fn triple(self) -> Option<&'static str> {
        match self {
            Target::Host => None,
            Target::X86_64 => Some("x86_64-unknown-linux-gnu"),
            Target::Aarch64 => Some("aarch64-unknown-linux-gnu"),
            Target::Pulley64 => Some("pulley64"),
        }
    }
}

impl FromStr for Target {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "host" | "native" => Ok(Target::Host),
            "x86_64" | "x86-64" | "x86_64-unknown-linux-gnu" => Ok(Target::X86_64),
            "aarch64" | "arm64" | "aarch64-unknown-linux-gnu" => Ok(Target::Aarch64),
            "pulley64" | "pulley" => Ok(Target::Pulley64),
            _ => Err(format!(
                "unknown target `{s}` (expected x86_64, aarch64, pulley64 or host)"
            )),
        }
    }
}

/// Settings that shape compiled code; everything that runs or compiles a
/// module builds its engine from one of these, so artifacts from
/// `continuum compile` load in `continuum run`.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// Native code or the interpreter.
    pub kind: EngineKind,
    /// Compilation target (only `Host` can run here).
    pub target: Target,
    /// Maximum guest stack in bytes (`None`: wasmtime's default, 512 KiB).
    pub max_wasm_stack: Option<usize>,
    /// Compile functions on one thread (less peak memory on small devices);
    /// set by env `CONTINUUM_SERIAL_COMPILE=1` in [`EngineConfig::default`].
    /// Parallel compilation works under qemu-user too, provided the loader
    /// and libc come from the same glibc (`qemu-aarch64-static -L /`).
    pub serial_compile: bool,
    /// Compile epoch checks into guest code so that a running guest can be
    /// stopped (`--timeout`). Off by default: the checks cost 1.5x (geomean of
    /// 4 kernels; 2.75x on gemm) on hot loops (docs/benchmarks.md).
    pub interruptible: bool,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            kind: EngineKind::Cranelift,
            target: Target::Host,
            max_wasm_stack: None,
            serial_compile: std::env::var_os("CONTINUUM_SERIAL_COMPILE")
                .is_some_and(|v| v != "0" && !v.is_empty()),
            interruptible: false,
        }
    }
}

impl EngineConfig {
    /// The wasmtime configuration.
    pub fn to_wasmtime(&self) -> Result<Config, EngineError> {
        let mut c = Config::new();
        c.epoch_interruption(self.interruptible);
        c.wasm_backtrace_details(wasmtime::WasmBacktraceDetails::Disable);
        // Linear memories stay where they were first mapped: pre-copy reads
        // a running guest's memory from another thread by address
        // (continuum-snapshot's `live`). With the default 4 GiB reservation
        // on 64-bit hosts a 32-bit memory grows in place anyway; this makes
        // it a guarantee (a growth that would have to move fails instead).
        c.memory_may_move(false);
        #[cfg(feature = "compiler")]
        {
            c.cranelift_opt_level(wasmtime::OptLevel::Speed);
            c.parallel_compilation(!self.serial_compile);
        }
        if let Some(stack) = self.max_wasm_stack {
            c.max_wasm_stack(stack);
        }
        let target = match (self.kind, self.target) {
            (EngineKind::Pulley, Target::Host | Target::Pulley64) => Some("pulley64"),
            (EngineKind::Pulley, other) => {
                return Err(EngineError::Config(format!(
                    "the pulley engine interprets pulley64 bytecode; it cannot target {other:?}"
                )));
            }
            (EngineKind::Cranelift, t) => t.triple(),
        };
        if let Some(triple) = target {
            c.target(triple)
                .map_err(|e| EngineError::Config(format!("{e:#}")))?;
        }
        Ok(c)
    }

    /// Builds the engine.
    pub fn build(&self) -> Result<Engine, EngineError> {
        Engine::new(&self.to_wasmtime()?).map_err(|e| EngineError::Config(format!("{e:#}")))
    }
}
