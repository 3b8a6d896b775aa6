//! What every way of running a guest shares (`run`, `run --invoke`,
//! `run --migratable`, `restore`): the module loader, the import check, the
//! WASI context from the command line, and how a guest's end becomes an
//! exit status.

use crate::cli::{CacheArgs, RunArgs};
use crate::exit;
use anyhow::{Context, Result, bail};
use continuum_engine::{CompileCache, EngineConfig, ModuleLoader};
use continuum_wasi::{GuestExit, WasiCtx, WasiCtxBuilder};
use wasmtime::{Module, StoreLimits, Trap};

/// What a store holds for one guest.
pub struct Host {
    pub(crate) wasi: WasiCtx,
    pub(crate) limits: StoreLimits,
}

pub fn loader(config: &EngineConfig, cache: &CacheArgs) -> Result<ModuleLoader> {
    Ok(ModuleLoader::new(
        config,
        cache.dir().map(CompileCache::new),
    )?)
}

/// Refuses a module that imports anything this host does not provide,
/// naming every such import, before any guest code runs.
pub fn check_imports(module: &Module) -> Result<()> {
    use continuum_snapshot::layout::{POLL_MODULE, POLL_NAME};
    let unknown: Vec<String> = module
        .imports()
        .filter(|i| {
            let wasi = i.module() == continuum_wasi::MODULE
                && continuum_wasi::FUNCTIONS.contains(&i.name());
            let poll = i.module() == POLL_MODULE && i.name() == POLL_NAME;
            !wasi && !poll
        })
        .map(|i| format!("`{}::{}`", i.module(), i.name()))
        .collect();
    if !unknown.is_empty() {
        bail!(
            "the module imports {} that Continuum does not provide (it provides the {} functions of {})",
            unknown.join(", "),
            continuum_wasi::FUNCTIONS.len(),
            continuum_wasi::MODULE
        );
    }
    Ok(())
}

pub(crate) fn build_wasi(args: &RunArgs) -> Result<WasiCtx> {
    let argv0 = args
        .argv0
        .clone()
        .unwrap_or_else(|| args.module.display().to_string());
    let mut b = WasiCtxBuilder::new().arg(argv0);
    if args.invoke.is_none() {
        for a in &args.args {
            b = b.arg(a.clone());
        }
    }
    for e in &args.env {
        match &e.value {
            Some(v) => b = b.env(&e.key, v),
            None => {
                if let Ok(v) = std::env::var(&e.key) {
                    b = b.env(&e.key, &v);
                }
            }
        }
    }
    for (d, read_only) in &args.preopens {
        b = b.preopen_dir(&d.host, &d.guest, *read_only)?;
    }
    for addr in &args.tcplisten {
        let listener = std::net::TcpListener::bind(addr)
            .with_context(|| format!("cannot listen on `{addr}` (--tcplisten)"))?;
        b = b.tcp_listener(listener)?;
    }
    if let Some(n) = args.max_open_files {
        b = b.max_open_files(n);
    }
    Ok(b.build()?)
}

/// Turns a guest's end into an exit status: its own exit code, a timeout,
/// or a trap (printed with the Wasm backtrace).
pub fn guest_failure(
    err: wasmtime::Error,
    timeout: Option<std::time::Duration>,
    module: &std::path::Path,
    phase: &str,
) -> Result<i32> {
    if let Some(GuestExit(code)) = err.downcast_ref::<GuestExit>() {
        return Ok(*code);
    }
    match err.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => {
            let t = timeout
                .map(|t| humantime::format_duration(t).to_string())
                .unwrap_or_default();
            eprintln!(
                "error: `{}` timed out after {t} (--timeout)",
                module.display()
            );
            Ok(exit::TIMEOUT)
        }
        Some(trap) => {
            let hint = match trap {
                Trap::StackOverflow => {
                    " (the guest's call stack is exhausted; raise it with --max-wasm-stack)"
                }
                Trap::MemoryOutOfBounds => " (the guest accessed memory outside its linear memory)",
                _ => "",
            };
            eprintln!(
                "error: `{}` trapped while {phase}{hint}\n{err:?}",
                module.display()
            );
            Ok(exit::TRAP)
        }
        None => {
            Err(anyhow::Error::from(err).context(format!("while {phase} `{}`", module.display())))
        }
    }
}
