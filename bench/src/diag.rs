//! A diagnostic runner, not a Continuum configuration: Continuum's engine
//! settings with epoch interruption switched off, to measure what the epoch
//! checks (one at every loop header and function entry) cost in hot loops.
//!
//! `continuum-bench --diag-no-epoch compile IN.wasm OUT.cwasm` compiles;
//! `continuum-bench --diag-no-epoch run IN.cwasm ARGS...` runs `_start` with
//! the same WASI host, store and limits as `continuum run`. The harness
//! spawns it and measures it exactly like the other variants.

use anyhow::{Context, Result, bail};
use continuum_engine::EngineConfig;
use continuum_wasi::{GuestExit, WasiCtx, WasiCtxBuilder};
use std::ffi::OsString;
use wasmtime::{Engine, Linker, Module, Store, StoreLimits, StoreLimitsBuilder};

/// The first argument that selects this mode.
pub const FLAG: &str = "--diag-no-epoch";

struct Host {
    wasi: WasiCtx,
    limits: StoreLimits,
}

fn engine() -> Result<Engine> {
    let mut config = EngineConfig::default().to_wasmtime()?;
    config.epoch_interruption(false);
    Ok(Engine::new(&config)?)
}

/// Runs the diagnostic mode with the arguments after [`FLAG`]; returns the
/// exit status.
pub fn main(args: Vec<OsString>) -> Result<i32> {
    let mut args = args.into_iter();
    let mode = args
        .next()
        .context("--diag-no-epoch needs `compile` or `run`")?;
    match mode.to_str() {
        Some("compile") => {
            let (Some(input), Some(output)) = (args.next(), args.next()) else {
                bail!("usage: --diag-no-epoch compile IN.wasm OUT.cwasm");
            };
            let bytes = std::fs::read(&input)
                .with_context(|| format!("cannot read `{}`", input.to_string_lossy()))?;
            let artifact = engine()?.precompile_module(&bytes)?;
            std::fs::write(&output, artifact)
                .with_context(|| format!("cannot write `{}`", output.to_string_lossy()))?;
            Ok(0)
        }
        Some("run") => {
            let input = args
                .next()
                .context("usage: --diag-no-epoch run IN.cwasm ARGS...")?;
            let engine = engine()?;
            // SAFETY: an artifact this program just compiled with this engine.
            let module = unsafe { Module::deserialize_file(&engine, &input) }
                .map_err(anyhow::Error::from)
                .with_context(|| format!("cannot load `{}`", input.to_string_lossy()))?;
            let mut b = WasiCtxBuilder::new().arg(input.to_string_lossy());
            for a in args {
                b = b.arg(a.to_string_lossy());
            }
            let mut store = Store::new(
                &engine,
                Host {
                    wasi: b.build()?,
                    limits: StoreLimitsBuilder::new().instances(1).build(),
                },
            );
            store.limiter(|h| &mut h.limits);
            let mut linker: Linker<Host> = Linker::new(&engine);
            continuum_wasi::add_to_linker(&mut linker, |h: &mut Host| &mut h.wasi)?;
            let instance = linker.instantiate(&mut store, &module)?;
            let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
            match start.call(&mut store, ()) {
                Ok(()) => Ok(0),
                Err(e) => match e.downcast_ref::<GuestExit>() {
                    Some(GuestExit(code)) => Ok(*code),
                    None => Err(anyhow::Error::from(e)),
                },
            }
        }
        _ => bail!("--diag-no-epoch needs `compile` or `run`"),
    }
}
