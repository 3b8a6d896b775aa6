//! Where everything lives (the workspace, the two `continuum` builds, the
//! work directory with the compiled programs and the benchmark's own compile
//! cache) and the ways of running one program ([`Variant`]), each as the
//! exact command line that is measured.

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The `--timeout` of [`Variant::JitInterruptible`]: long enough never to
/// expire, so only the cost of the checks it compiles in is measured.
pub const INTERRUPTIBLE_TIMEOUT: &str = "1h";

/// Where everything is.
#[derive(Debug)]
pub struct Paths {
    pub workspace: PathBuf,
    /// The target directory of the full build (this program's own).
    pub target: PathBuf,
    /// `<target>/bench-work`: every build output and cache of the benchmark.
    pub work: PathBuf,
    /// The compile cache the measured runs use (`--cache-dir`).
    pub cache: PathBuf,
    /// The full `continuum` (with Cranelift).
    pub continuum: PathBuf,
    /// The target directory of the runtime-only build.
    pub runtime_target: PathBuf,
    /// The runtime-only `continuum` (`--no-default-features`, no Cranelift).
    pub continuum_rt: PathBuf,
}

impl Paths {
    pub fn find() -> Result<Self> {
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .context("the bench crate has no parent directory")?
            .to_path_buf();
        // This binary is `<target>/release/continuum-bench`: the continuum
        // binary is built next to it.
        let exe = std::env::current_exe().context("cannot find this program's path")?;
        let target = exe
            .parent()
            .and_then(Path::parent)
            .context("cannot derive the target directory from this program's path")?
            .to_path_buf();
        let runtime_target = match std::env::var_os("CONTINUUM_RUNTIME_ONLY_TARGET_DIR") {
            Some(d) => PathBuf::from(d),
            None => PathBuf::from(std::env::var_os("HOME").context("HOME is not set")?)
                .join(".cache/continuum/target-runtime-only"),
        };
        let work = target.join("bench-work");
        Ok(Paths {
            workspace,
            cache: work.join("cache"),
            continuum: target.join("release/continuum"),
            continuum_rt: runtime_target.join("release/continuum"),
            target,
            work,
            runtime_target,
        })
    }

    pub fn native(&self, name: &str) -> PathBuf {
        self.work.join("native").join(name)
    }
    pub fn wasm(&self, name: &str) -> PathBuf {
        self.work.join("wasm").join(format!("{name}.wasm"))
    }
    /// From `continuum compile` (Cranelift, host, no epoch checks).
    pub fn cwasm(&self, name: &str) -> PathBuf {
        self.work.join("aot").join(format!("{name}.cwasm"))
    }
    /// From `continuum compile --target pulley64`.
    pub fn pulley_cwasm(&self, name: &str) -> PathBuf {
        self.work.join("aot").join(format!("{name}.pulley.cwasm"))
    }
    /// Where the last measured child's stderr goes.
    pub fn stderr_file(&self) -> PathBuf {
        self.work.join("last-stderr.txt")
    }
}

/// One way of running a program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    Native,
    /// `continuum run x.wasm`: Cranelift from the warm cache, no epoch checks.
    Jit,
    /// `continuum run --timeout 1h x.wasm`: the same with the epoch checks
    /// that `--timeout` compiles in (a cache entry of its own).
    JitInterruptible,
    /// `continuum run x.cwasm` from `continuum compile`.
    Aot,
    /// `continuum run --engine pulley x.wasm`, the interpreter.
    Pulley,
    /// The runtime-only build running the full build's `.cwasm`.
    RuntimeOnlyAot,
    /// The runtime-only build running the full build's pulley64 `.cwasm`.
    RuntimeOnlyPulley,
}

impl Variant {
    /// The row label: the command measured.
    pub fn label(self) -> &'static str {
        match self {
            Variant::Native => "native (clang-19 -O2)",
            Variant::Jit => "`continuum run x.wasm` (Cranelift, warm cache)",
            Variant::JitInterruptible => {
                "`continuum run --timeout 1h x.wasm` (Cranelift + epoch checks, warm cache)"
            }
            Variant::Aot => "`continuum run x.cwasm` (Cranelift, AOT)",
            Variant::Pulley => "`continuum run --engine pulley x.wasm` (warm cache)",
            Variant::RuntimeOnlyAot => "runtime-only `continuum run x.cwasm`",
            Variant::RuntimeOnlyPulley => {
                "runtime-only `continuum run --engine pulley x.pulley.cwasm`"
            }
        }
    }

    /// A column heading.
    pub fn short(self) -> &'static str {
        match self {
            Variant::Native => "native",
            Variant::Jit => "JIT",
            Variant::JitInterruptible => "JIT + `--timeout`",
            Variant::Aot => "AOT",
            Variant::Pulley => "Pulley",
            Variant::RuntimeOnlyAot => "runtime-only AOT",
            Variant::RuntimeOnlyPulley => "runtime-only Pulley",
        }
    }

    /// The command that runs program `name` with `args` this way, in the
    /// work directory.
    pub fn command(self, p: &Paths, name: &str, args: &[&str]) -> Command {
        let run = |bin: &Path, opts: &[&str], module: PathBuf| {
            let mut c = Command::new(bin);
            c.arg("run")
                .args(opts)
                .arg("--cache-dir")
                .arg(&p.cache)
                .arg(module);
            c
        };
        let pulley = ["--engine", "pulley"];
        let mut c = match self {
            Variant::Native => Command::new(p.native(name)),
            Variant::Jit => run(&p.continuum, &[], p.wasm(name)),
            Variant::JitInterruptible => run(
                &p.continuum,
                &["--timeout", INTERRUPTIBLE_TIMEOUT],
                p.wasm(name),
            ),
            Variant::Aot => run(&p.continuum, &[], p.cwasm(name)),
            Variant::Pulley => run(&p.continuum, &pulley, p.wasm(name)),
            Variant::RuntimeOnlyAot => run(&p.continuum_rt, &[], p.cwasm(name)),
            Variant::RuntimeOnlyPulley => run(&p.continuum_rt, &pulley, p.pulley_cwasm(name)),
        };
        c.args(args).current_dir(&p.work);
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths() -> Paths {
        let w = PathBuf::from("/w");
        Paths {
            workspace: w.clone(),
            target: w.join("t"),
            work: w.join("t/bench-work"),
            cache: w.join("t/bench-work/cache"),
            continuum: w.join("t/release/continuum"),
            runtime_target: w.join("rt"),
            continuum_rt: w.join("rt/release/continuum"),
        }
    }

    fn line(v: Variant) -> Vec<String> {
        let c = v.command(&paths(), "k", &["7"]);
        std::iter::once(c.get_program())
            .chain(c.get_args())
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn only_the_interruptible_variant_passes_timeout() {
        let cache = "/w/t/bench-work/cache";
        assert_eq!(line(Variant::Native), ["/w/t/bench-work/native/k", "7"]);
        assert_eq!(
            line(Variant::Jit),
            [
                "/w/t/release/continuum",
                "run",
                "--cache-dir",
                cache,
                "/w/t/bench-work/wasm/k.wasm",
                "7"
            ]
        );
        assert_eq!(
            line(Variant::JitInterruptible)[..4],
            ["/w/t/release/continuum", "run", "--timeout", "1h"]
        );
        for v in [
            Variant::Jit,
            Variant::Aot,
            Variant::Pulley,
            Variant::RuntimeOnlyAot,
            Variant::RuntimeOnlyPulley,
        ] {
            assert!(!line(v).iter().any(|a| a == "--timeout"), "{v:?}");
        }
        assert_eq!(
            line(Variant::RuntimeOnlyPulley),
            [
                "/w/rt/release/continuum",
                "run",
                "--engine",
                "pulley",
                "--cache-dir",
                cache,
                "/w/t/bench-work/aot/k.pulley.cwasm",
                "7"
            ]
        );
    }
}
