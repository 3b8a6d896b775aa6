//! Continuum's engine layer: turning module bytes into something runnable.
//!
//! What it is for: one place that configures wasmtime the same way for every
//! command (Cranelift or the Pulley interpreter, the compilation target,
//! epoch interruption, stack limits), recognises what a user handed us (a
//! core module, WAT text, a precompiled `.cwasm`, or something else) with one
//! clear error per kind of bad input, compiles ahead of time for another
//! architecture, and keeps a content-addressed cache of compiled artifacts so
//! that the second run of a module does not compile.
//!
//! What it must never do: know about WASI, guests' state, snapshots or
//! nodes; or load a cached artifact that was produced for another engine
//! configuration (the cache key includes wasmtime's compatibility hash).
//!
//! ```no_run
//! use continuum_engine::{EngineConfig, ModuleLoader};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let loader = ModuleLoader::new(&EngineConfig::default(), None)?;
//! let module = loader.load(&std::fs::read("app.wasm")?)?;
//! # Ok(()) }
//! ```

mod cache;
mod config;
mod input;

pub use cache::{CACHE_FORMAT_VERSION, CompileCache, default_cache_dir, write_file_atomically};
pub use config::{EngineConfig, EngineKind, Target};
pub use input::{InputKind, classify};

use std::path::Path;
use wasmtime::{Engine, Module};

/// Why a module could not be loaded or compiled.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The bytes are not WebAssembly at all.
    #[error("not a WebAssembly module: {0}")]
    NotWasm(String),
    /// The file ends before the module header does.
    #[error("truncated WebAssembly module: only {0} bytes, the header alone is 8")]
    Truncated(usize),
    /// A component was given where a core module is expected.
    #[error(
        "this is a WebAssembly component, not a core module; Continuum runs core modules \
         (wasm32-wasip1), e.g. built with `--target wasm32-wasip1` or clang `--target=wasm32-wasi`"
    )]
    Component,
    /// The module failed to parse or validate.
    #[error("invalid WebAssembly module: {0}")]
    Invalid(String),
    /// A precompiled artifact does not fit this engine (version, target, flags).
    #[error("cannot load precompiled module: {0}")]
    Incompatible(String),
    /// This build has no compiler, so it only loads precompiled artifacts.
    #[error(
        "this continuum build has no compiler (runtime-only); compile the module first with \
         `continuum compile` and run the .cwasm"
    )]
    NoCompiler,
    /// The engine configuration itself is not supported.
    #[error("unsupported engine configuration: {0}")]
    Config(String),
    /// Reading or writing a file failed.
    #[error("{what}")]
    Io {
        /// What was being done.
        what: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// A loaded module and whether its code can be interrupted (epoch checks).
#[derive(Clone)]
pub struct LoadedModule {
    /// The module; create stores with `module.engine()`.
    pub module: Module,
    /// Whether the code checks epochs, so `Store::set_epoch_deadline` must be
    /// called and a watchdog can stop it.
    pub interruptible: bool,
}

impl std::fmt::Debug for LoadedModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedModule")
            .field("interruptible", &self.interruptible)
            .finish_non_exhaustive()
    }
}

/// Loads modules for one engine configuration, through the compile cache.
#[derive(Clone)]
pub struct ModuleLoader {
    config: EngineConfig,
    engine: Engine,
    cache: Option<CompileCache>,
}

impl std::fmt::Debug for ModuleLoader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModuleLoader")
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

impl ModuleLoader {
    /// Creates the engine for `config`; `cache` is where compiled artifacts
    /// are kept (`None`: compile every time).
    pub fn new(config: &EngineConfig, cache: Option<CompileCache>) -> Result<Self, EngineError> {
        let engine = config.build()?;
        Ok(ModuleLoader {
            config: config.clone(),
            engine,
            cache,
        })
    }

    /// The wasmtime engine every module of this loader belongs to.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Loads a module from any accepted input: Wasm binary, WAT text or a
    /// precompiled `.cwasm`. Wasm and WAT go through the compile cache.
    ///
    /// A `.cwasm` carries its own choice of epoch checks: if it differs from
    /// this loader's, the artifact is loaded into an engine that matches it
    /// (see [`LoadedModule::interruptible`]).
    pub fn load(&self, bytes: &[u8]) -> Result<LoadedModule, EngineError> {
        let interruptible = self.config.interruptible;
        match classify(bytes) {
            InputKind::Precompiled => match deserialize(&self.engine, bytes) {
                Ok(module) => Ok(LoadedModule {
                    module,
                    interruptible,
                }),
                Err(msg) if msg.contains("epoch interruption") => {
                    let other = EngineConfig {
                        interruptible: !interruptible,
                        ..self.config.clone()
                    };
                    let module =
                        deserialize(&other.build()?, bytes).map_err(EngineError::Incompatible)?;
                    Ok(LoadedModule {
                        module,
                        interruptible: !interruptible,
                    })
                }
                Err(msg) => Err(EngineError::Incompatible(msg)),
            },
            InputKind::CoreModule | InputKind::Wat => Ok(LoadedModule {
                module: self.compile_cached(bytes)?,
                interruptible,
            }),
            other => Err(other.error(bytes)),
        }
    }

    /// Loads a module from a file (see [`Self::load`]).
    pub fn load_file(&self, path: &Path) -> Result<LoadedModule, EngineError> {
        let bytes = std::fs::read(path).map_err(|source| EngineError::Io {
            what: format!("cannot read `{}`", path.display()),
            source,
        })?;
        self.load(&bytes)
    }

    #[cfg(feature = "compiler")]
    fn compile_cached(&self, bytes: &[u8]) -> Result<Module, EngineError> {
        let Some(cache) = &self.cache else {
            return compile(&self.engine, bytes);
        };
        if let Some(module) = cache.get(&self.engine, bytes) {
            return Ok(module);
        }
        let module = compile(&self.engine, bytes)?;
        cache.put(&self.engine, bytes, &module);
        Ok(module)
    }

    #[cfg(not(feature = "compiler"))]
    fn compile_cached(&self, _bytes: &[u8]) -> Result<Module, EngineError> {
        Err(EngineError::NoCompiler)
    }
}

/// wat's errors quote the source over several lines; keep the message and
/// the `--> file:line:col` location, on one line.
#[cfg(feature = "compiler")]
fn one_line_wat_error(text: &str) -> String {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let message = lines.next().unwrap_or("malformed WebAssembly text");
    match lines.find(|l| l.starts_with("-->")) {
        Some(at) => format!(
            "WAT syntax error: {message} (at {})",
            at.trim_start_matches("-->").trim()
        ),
        None => format!("WAT syntax error: {message}"),
    }
}

/// Loads a `.cwasm`; the error text is wasmtime's.
fn deserialize(engine: &Engine, bytes: &[u8]) -> Result<Module, String> {
    // SAFETY: a `.cwasm` is trusted native code, like a binary; wasmtime
    // checks its header, version, target and settings, and the CLI documents
    // that only trusted artifacts may be run.
    unsafe { Module::deserialize(engine, bytes) }.map_err(|e| format!("{e:#}"))
}

/// Compiles Wasm or WAT bytes with `engine`.
#[cfg(feature = "compiler")]
fn compile(engine: &Engine, bytes: &[u8]) -> Result<Module, EngineError> {
    let wasm = wat_to_wasm(bytes)?;
    Module::new(engine, &wasm).map_err(|e| EngineError::Invalid(format!("{e:#}")))
}

/// Compiles a module ahead of time for `config`'s target and returns the
/// `.cwasm` bytes.
pub fn precompile(config: &EngineConfig, bytes: &[u8]) -> Result<Vec<u8>, EngineError> {
    match classify(bytes) {
        InputKind::CoreModule | InputKind::Wat => {}
        InputKind::Precompiled => {
            return Err(EngineError::Invalid(
                "the input is already a precompiled .cwasm; give the .wasm instead".into(),
            ));
        }
        other => return Err(other.error(bytes)),
    }
    let engine = config.build()?;
    #[cfg(feature = "compiler")]
    {
        let wasm = wat_to_wasm(bytes)?;
        engine
            .precompile_module(&wasm)
            .map_err(|e| EngineError::Invalid(format!("{e:#}")))
    }
    #[cfg(not(feature = "compiler"))]
    {
        let _ = engine;
        Err(EngineError::NoCompiler)
    }
}

/// The Wasm binary of an input that must be transformed before compiling
/// (WAT is assembled; a binary is returned as it is). A `.cwasm` or anything
/// that is not a core module is refused.
pub fn wasm_binary(bytes: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, EngineError> {
    match classify(bytes) {
        InputKind::CoreModule => Ok(std::borrow::Cow::Borrowed(bytes)),
        #[cfg(feature = "compiler")]
        InputKind::Wat => wat_to_wasm(bytes),
        #[cfg(not(feature = "compiler"))]
        InputKind::Wat => Err(EngineError::NoCompiler),
        InputKind::Precompiled => Err(EngineError::Invalid(
            "a precompiled .cwasm is native code and cannot be transformed; give the .wasm".into(),
        )),
        other => Err(other.error(bytes)),
    }
}

#[cfg(feature = "compiler")]
fn wat_to_wasm(bytes: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, EngineError> {
    if classify(bytes) == InputKind::Wat {
        let text = std::str::from_utf8(bytes)
            .map_err(|_| EngineError::Invalid("WAT text is not UTF-8".into()))?;
        wat::parse_str(text)
            .map(std::borrow::Cow::Owned)
            .map_err(|e| EngineError::Invalid(one_line_wat_error(&e.to_string())))
    } else {
        Ok(std::borrow::Cow::Borrowed(bytes))
    }
}

#[cfg(all(test, feature = "compiler"))]
mod tests {
    use super::*;

    const WAT: &str = r#"(module (func (export "f")))"#;

    #[test]
    fn a_cwasm_is_loaded_with_its_own_epoch_setting() {
        for compiled_interruptible in [false, true] {
            let config = EngineConfig {
                interruptible: compiled_interruptible,
                ..Default::default()
            };
            let artifact = precompile(&config, WAT.as_bytes()).unwrap();
            for loader_interruptible in [false, true] {
                let loader = ModuleLoader::new(
                    &EngineConfig {
                        interruptible: loader_interruptible,
                        ..Default::default()
                    },
                    None,
                )
                .unwrap();
                let loaded = loader.load(&artifact).unwrap();
                assert_eq!(loaded.interruptible, compiled_interruptible);
            }
        }
    }

    #[test]
    fn a_foreign_architecture_is_refused_by_name() {
        let config = EngineConfig {
            target: Target::Aarch64,
            ..Default::default()
        };
        let artifact = precompile(&config, WAT.as_bytes()).unwrap();
        let loader = ModuleLoader::new(&EngineConfig::default(), None).unwrap();
        if cfg!(target_arch = "x86_64") {
            let err = loader.load(&artifact).unwrap_err().to_string();
            assert!(err.contains("aarch64"), "{err}");
        }
    }
}
