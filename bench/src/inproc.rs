//! In-process instantiation: the library crates driven exactly as
//! `crates/cli/src/run.rs` drives them without `--timeout` (engine from the
//! default `EngineConfig`, so no epoch checks; `ModuleLoader` through the
//! compile cache; a `WasiCtx` and `StoreLimits` in a store of the module's
//! engine; a fresh `Linker` with the WASI functions; `instantiate`; then
//! `_start`), each phase timed on its own.

use crate::stats::{Summary, summarize};
use anyhow::{Context, Result, bail};
use continuum_engine::{CompileCache, EngineConfig, EngineKind, LoadedModule, ModuleLoader};
use continuum_wasi::{WasiCtx, WasiCtxBuilder};
use std::path::Path;
use std::time::Instant;
use wasmtime::{Linker, Module, Store, StoreLimits, StoreLimitsBuilder};

/// What a store holds for one guest (as in the CLI).
struct Host {
    wasi: WasiCtx,
    limits: StoreLimits,
}

/// Medians (in µs) of each phase for one engine kind.
#[derive(Debug)]
pub struct Phases {
    /// The first engine of the process (what one CLI run pays).
    pub engine_first: f64,
    pub engine: Summary,
    pub load_cached: Summary,
    pub load_cwasm: Summary,
    pub linker: Summary,
    pub instantiate: Summary,
    pub start: Summary,
    /// Size of the cached artifact and of the `.cwasm` file in bytes.
    pub artifact_bytes: u64,
}

/// How many times each phase is repeated.
#[derive(Clone, Copy, Debug)]
pub struct Iterations {
    pub engine: usize,
    pub load: usize,
    pub instantiate: usize,
}

fn micros(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1e6
}

fn summary(values: &[f64]) -> Summary {
    summarize(values).expect("at least one iteration")
}

fn store(loaded: &LoadedModule, argv0: &str) -> Result<Store<Host>> {
    let wasi = WasiCtxBuilder::new().arg(argv0).build()?;
    let limits = StoreLimitsBuilder::new().instances(1);
    let mut store = Store::new(
        loaded.module.engine(),
        Host {
            wasi,
            limits: limits.build(),
        },
    );
    store.limiter(|h| &mut h.limits);
    // As in the CLI: a deadline only for code with epoch checks (none here,
    // unless the artifact was compiled with them).
    if loaded.interruptible {
        store.set_epoch_deadline(u64::MAX / 2);
    }
    Ok(store)
}

fn linker(loaded: &LoadedModule) -> Result<Linker<Host>> {
    let mut linker: Linker<Host> = Linker::new(loaded.module.engine());
    continuum_wasi::add_to_linker(&mut linker, |h: &mut Host| &mut h.wasi)?;
    Ok(linker)
}

/// Measures the phases for `kind` with the module `wasm` (an empty `main`)
/// loaded through the compile cache in `cache_dir`, and its precompiled
/// `cwasm` loaded directly.
pub fn measure(
    kind: EngineKind,
    cache_dir: &Path,
    wasm: &Path,
    cwasm: &Path,
    it: Iterations,
) -> Result<Phases> {
    let config = EngineConfig {
        kind,
        ..EngineConfig::default()
    };
    let new_loader = || -> Result<ModuleLoader> {
        Ok(ModuleLoader::new(
            &config,
            Some(CompileCache::new(cache_dir)),
        )?)
    };

    let mut engine = Vec::with_capacity(it.engine);
    for _ in 0..it.engine {
        let t = Instant::now();
        let l = new_loader()?;
        engine.push(micros(t));
        drop(l);
    }
    let loader = new_loader()?;

    // The cache must be warm: load once (compiling and storing on a miss),
    // then insist that the entry exists.
    let bytes = std::fs::read(wasm).with_context(|| format!("cannot read `{}`", wasm.display()))?;
    let cache = CompileCache::new(cache_dir);
    let entry = cache.path_of(&CompileCache::key(loader.engine(), &bytes));
    loader.load_file(wasm)?;
    if !entry.exists() {
        bail!(
            "the compile cache did not keep `{}` for {kind:?} (expected `{}`): \
             in-process load times would include compilation",
            wasm.display(),
            entry.display()
        );
    }
    let artifact_bytes = std::fs::metadata(&entry).map(|m| m.len()).unwrap_or(0);

    let mut load_cached = Vec::with_capacity(it.load);
    for _ in 0..it.load {
        let t = Instant::now();
        let m = loader.load_file(wasm)?;
        load_cached.push(micros(t));
        drop(m);
    }
    let mut load_cwasm = Vec::with_capacity(it.load);
    for _ in 0..it.load {
        let t = Instant::now();
        let m = loader.load_file(cwasm)?;
        load_cwasm.push(micros(t));
        drop(m);
    }

    let loaded = loader.load_file(wasm)?;
    if loaded.interruptible {
        bail!("the default engine configuration compiled epoch checks in");
    }
    let module: &Module = &loaded.module;
    let argv0 = wasm.display().to_string();
    // One untimed round first (first-use costs of this engine and store
    // machinery); the medians are of warm iterations.
    {
        let l = linker(&loaded)?;
        let mut s = store(&loaded, &argv0)?;
        l.instantiate(&mut s, module)?;
    }
    let mut link = Vec::with_capacity(it.instantiate);
    let mut inst = Vec::with_capacity(it.instantiate);
    let mut start = Vec::with_capacity(it.instantiate);
    for _ in 0..it.instantiate {
        let t = Instant::now();
        let l = linker(&loaded)?;
        link.push(micros(t));

        let t = Instant::now();
        let mut s = store(&loaded, &argv0)?;
        let instance = l.instantiate(&mut s, module)?;
        inst.push(micros(t));

        let t = Instant::now();
        let f = instance.get_typed_func::<(), ()>(&mut s, "_start")?;
        f.call(&mut s, ())?;
        start.push(micros(t));
    }
    Ok(Phases {
        engine_first: engine[0],
        engine: summary(&engine),
        load_cached: summary(&load_cached),
        load_cwasm: summary(&load_cwasm),
        linker: summary(&link),
        instantiate: summary(&inst),
        start: summary(&start),
        artifact_bytes,
    })
}
