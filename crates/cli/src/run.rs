//! `continuum run`.

use crate::cli::RunArgs;
use crate::guest::{Host, build_wasi, check_imports, guest_failure, loader};
use anyhow::{Context, Result, bail};
use continuum_engine::{EngineConfig, EngineKind};
use std::time::Instant;
use wasmtime::{Linker, Module, Store, StoreLimitsBuilder};

pub fn run(args: RunArgs) -> Result<i32> {
    let ck = &args.checkpoint;
    if !args.migratable
        && (ck.checkpoint_on.is_some()
            || ck.checkpoint_every.is_some()
            || ck.checkpoint_dir.is_some()
            || ck.checkpoint_and_exit
            || ck.checkpoint_files)
    {
        bail!("the --checkpoint-* flags need --migratable");
    }
    if args.migratable {
        bail!("internal: `run --migratable` is dispatched to the migratable module by main");
    }
    let config = EngineConfig {
        kind: args.engine,
        max_wasm_stack: args.max_wasm_stack.map(|s| s as usize),
        // Epoch checks only where a timeout needs them: they cost speed.
        interruptible: args.timeout.is_some(),
        ..EngineConfig::default()
    };
    let loader = loader(&config, &args.cache)?;
    let started = Instant::now();
    let loaded = loader
        .load_file(&args.module)
        .map_err(|e| with_hint(e, args.engine))
        .with_context(|| format!("cannot load `{}`", args.module.display()))?;
    if args.timeout.is_some() && !loaded.interruptible {
        bail!(
            "`{}` was compiled without interruption checks, so --timeout could not stop it; \
             compile it with `continuum compile --interruptible`, or run the .wasm",
            args.module.display()
        );
    }
    let module = loaded.module;
    tracing::info!(elapsed = ?started.elapsed(), "module ready");
    check_imports(&module)?;
    if let Some(max) = args.max_memory {
        check_initial_memory(&module, max)?;
    }

    let wasi = build_wasi(&args)?;
    let mut limits = StoreLimitsBuilder::new().instances(1);
    if let Some(max) = args.max_memory {
        limits = limits.memory_size(usize::try_from(max).unwrap_or(usize::MAX));
    }
    // A .cwasm may have been loaded into an engine other than the loader's
    // (its own epoch setting): the module's engine is the one to use.
    let engine = module.engine().clone();
    let mut store = Store::new(
        &engine,
        Host {
            wasi,
            limits: limits.build(),
        },
    );
    store.limiter(|h| &mut h.limits);
    if loaded.interruptible {
        arm_timeout(&mut store, &engine, args.timeout);
    }

    let mut linker: Linker<Host> = Linker::new(&engine);
    continuum_wasi::add_to_linker(&mut linker, |h: &mut Host| &mut h.wasi)?;
    let instance = match linker.instantiate(&mut store, &module) {
        Ok(i) => i,
        Err(e) => {
            return guest_failure(e, args.timeout, &args.module, "instantiating the module");
        }
    };

    let outcome =
        match &args.invoke {
            Some(name) => crate::invoke::invoke(&mut store, &instance, name, &args.args),
            None => {
                let start = instance.get_typed_func::<(), ()>(&mut store, "_start").map_err(|_| {
                let reactor = instance.get_func(&mut store, "_initialize").is_some();
                anyhow::anyhow!(
                    "`{}` exports no `_start` function{}; choose a function with --invoke FUNC",
                    args.module.display(),
                    if reactor { " (it is a reactor module)" } else { "" }
                )
            });
                match start {
                    Ok(f) => f.call(&mut store, ()),
                    Err(e) => return Err(e),
                }
            }
        };
    match outcome {
        Ok(()) => Ok(0),
        Err(e) => guest_failure(e, args.timeout, &args.module, "running"),
    }
}

/// Adds what to do about an artifact built for another engine or machine.
fn with_hint(err: continuum_engine::EngineError, engine: EngineKind) -> anyhow::Error {
    let text = err.to_string();
    let hint = if text.contains("'pulley64'") && engine != EngineKind::Pulley {
        Some("it is Pulley bytecode: run it with --engine pulley")
    } else if text.contains("compiled for architecture") {
        Some(
            "a .cwasm runs only on the architecture it was compiled for: run the .wasm, or compile it here with `continuum compile`",
        )
    } else {
        None
    };
    match hint {
        Some(h) => anyhow::anyhow!("{err}; {h}"),
        None => err.into(),
    }
}

/// Refuses, before instantiation, a module whose initial memory is already
/// larger than `--max-memory`.
fn check_initial_memory(module: &Module, max: u64) -> Result<()> {
    for export in module.exports() {
        if let wasmtime::ExternType::Memory(m) = export.ty() {
            let need = m.minimum().saturating_mul(m.page_size());
            if need > max {
                bail!(
                    "the module needs {} KiB of linear memory at start (memory `{}`), more than --max-memory allows ({} KiB)",
                    need >> 10,
                    export.name(),
                    max >> 10
                );
            }
        }
    }
    Ok(())
}

/// For code with epoch checks: a run without `--timeout` gets a deadline it
/// cannot reach. With one, a watchdog thread bumps the epoch
/// (stopping guest code) and sets the WASI interrupt flag (ending a wait in
/// a host call) when the time is up.
fn arm_timeout(
    store: &mut Store<Host>,
    engine: &wasmtime::Engine,
    timeout: Option<std::time::Duration>,
) {
    let Some(timeout) = timeout else {
        store.set_epoch_deadline(u64::MAX / 2);
        return;
    };
    store.set_epoch_deadline(1);
    store
        .data_mut()
        .wasi
        .set_deadline(Some(Instant::now() + timeout));
    let engine = engine.clone();
    let flag = store.data().wasi.interrupt_flag();
    std::thread::spawn(move || {
        std::thread::sleep(timeout);
        flag.store(true, std::sync::atomic::Ordering::Relaxed);
        engine.increment_epoch();
    });
}
