//! `continuum run --migratable`, `continuum restore`: running a guest that
//! can be checkpointed, and resuming one from a snapshot.

use crate::cli::{CheckpointArgs, RestoreArgs, RunArgs};
use crate::exit;
use anyhow::{Context, Result, bail};
use continuum_engine::{EngineConfig, ModuleLoader};
use continuum_snapshot::{Ended, Guest, Migratable, Next, Snapshot, add_to_linker};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;
use wasmtime::{Linker, Module, StoreLimits, StoreLimitsBuilder};

/// `run --migratable`: prepare (cached), instantiate, drive.
pub fn run(args: RunArgs) -> Result<i32> {
    let args = &args;
    // Listen before preparing and compiling, which take a while: a signal
    // that comes meanwhile waits in `signals` and is honoured at the
    // guest's first poll point instead of killing the process.
    let signals = listen(&args.checkpoint)?;
    let loader = crate::guest::loader(&engine_config(args.engine), &args.cache)?;
    let raw = std::fs::read(&args.module)
        .with_context(|| format!("cannot read `{}`", args.module.display()))?;
    let wasm = continuum_engine::wasm_binary(&raw)
        .with_context(|| format!("cannot load `{}`", args.module.display()))?;
    let prepared = continuum_snapshot::prepare_cached(&wasm, args.cache.dir().as_deref())
        .with_context(|| format!("cannot make `{}` migratable", args.module.display()))?;
    let module = load(&loader, &prepared, &args.module)?;
    crate::guest::check_imports(&module)?;
    let linker = linker(&module)?;
    let wasi = crate::guest::build_wasi(args)?;
    let guest = Guest::new(wasi, limits(args.max_memory));
    let app = Migratable::new(&prepared, &module, &linker, guest)
        .with_context(|| format!("cannot start `{}`", args.module.display()))?;
    drive(
        app,
        &prepared,
        &args.checkpoint,
        args.timeout,
        &args.module,
        signals,
    )
}

/// `continuum restore`.
pub fn restore(args: RestoreArgs) -> Result<i32> {
    // As in `run`: a signal during decoding and compiling waits for the
    // guest's first poll point.
    let signals = listen(&args.checkpoint)?;
    let file = std::fs::read(&args.snapshot)
        .with_context(|| format!("cannot read `{}`", args.snapshot.display()))?;
    let snapshot = Snapshot::decode(&file)
        .with_context(|| format!("cannot restore `{}`", args.snapshot.display()))?;
    let prepared = match (&args.module, snapshot.header.module_embedded) {
        (Some(path), _) => {
            let raw =
                std::fs::read(path).with_context(|| format!("cannot read `{}`", path.display()))?;
            let wasm = continuum_engine::wasm_binary(&raw)
                .with_context(|| format!("cannot load `{}`", path.display()))?;
            continuum_snapshot::prepare_cached(&wasm, args.cache.dir().as_deref())
                .with_context(|| format!("cannot make `{}` migratable", path.display()))?
        }
        (None, true) => snapshot.body.module.clone(),
        (None, false) => bail!(
            "`{}` does not embed its module; give the module with --module",
            args.snapshot.display()
        ),
    };
    let loader = crate::guest::loader(&engine_config(args.engine), &args.cache)?;
    let module = load(&loader, &prepared, &args.snapshot)?;
    let linker = linker(&module)?;

    let mut dirs: HashMap<String, PathBuf> = args
        .dirs
        .iter()
        .map(|d| (d.guest.clone(), d.host.clone()))
        .collect();
    for p in &snapshot.body.wasi.preopens {
        dirs.entry(p.guest_name.clone())
            .or_insert_with(|| PathBuf::from(&p.guest_name));
    }
    let wasi = continuum_wasi::WasiCtx::from_state(snapshot.body.wasi.clone(), &dirs).context(
        "cannot rebuild the guest's files and directories (map them with --dir HOST::GUEST)",
    )?;
    let guest = Guest::new(wasi, limits(args.max_memory));
    let app = Migratable::restore(&prepared, &module, &linker, guest, &snapshot)
        .with_context(|| format!("cannot restore `{}`", args.snapshot.display()))?;
    tracing::info!(sequence = snapshot.header.sequence, "restored");
    let name = snapshot_stem(&args.snapshot);
    drive(
        app,
        &prepared,
        &args.checkpoint,
        args.timeout,
        Path::new(&name),
        signals,
    )
}

fn engine_config(kind: continuum_engine::EngineKind) -> EngineConfig {
    EngineConfig {
        kind,
        ..EngineConfig::default()
    }
}

fn load(loader: &ModuleLoader, prepared: &[u8], what: &Path) -> Result<Module> {
    Ok(loader
        .load(prepared)
        .with_context(|| format!("cannot compile the migratable form of `{}`", what.display()))?
        .module)
}

fn linker(module: &Module) -> Result<Linker<Guest>> {
    let mut linker = Linker::new(module.engine());
    add_to_linker(&mut linker)?;
    Ok(linker)
}

fn limits(max_memory: Option<u64>) -> StoreLimits {
    let mut limits = StoreLimitsBuilder::new();
    if let Some(max) = max_memory {
        limits = limits.memory_size(usize::try_from(max).unwrap_or(usize::MAX));
    }
    limits.build()
}

/// `app-000003.snap` -> `app`, so that a restored run keeps numbering.
fn snapshot_stem(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "app".into());
    match stem.rsplit_once('-') {
        Some((base, n)) if n.chars().all(|c| c.is_ascii_digit()) && !base.is_empty() => {
            base.to_string()
        }
        _ => stem,
    }
}

/// Starts listening for the checkpoint signal, if one was asked for.
fn listen(checkpoint: &CheckpointArgs) -> Result<Option<signal_hook::iterator::Signals>> {
    checkpoint
        .checkpoint_on
        .map(|sig| {
            signal_hook::iterator::Signals::new([sig.0])
                .context("cannot listen for the checkpoint signal")
        })
        .transpose()
}

/// What the driver loop is asked to do while the guest is paused.
enum Request {
    /// A checkpoint signal or period.
    Checkpoint,
    /// `--timeout` passed.
    TimeUp,
}

/// Why the driver loop ended the run before the guest exited.
enum Stop {
    /// `--checkpoint-and-exit`: the guest lives on in this snapshot.
    Checkpointed,
    TimedOut,
}

/// Runs the guest to its end, writing a snapshot at each requested pause
/// and stopping it at `--timeout`. Snapshots are encoded and written by a
/// background thread while the guest goes on; all are on disk before this
/// returns.
fn drive(
    mut app: Migratable,
    prepared: &[u8],
    checkpoint: &CheckpointArgs,
    timeout: Option<Duration>,
    module: &Path,
    signals: Option<signal_hook::iterator::Signals>,
) -> Result<i32> {
    let dir = checkpoint
        .checkpoint_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from("checkpoints"));
    let stem = module
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "app".into());
    app.carry_files(checkpoint.checkpoint_files);
    let requests = app.requests::<Request>();
    if let Some(every) = checkpoint.checkpoint_every {
        let requests = requests.clone();
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(every);
                requests.send(Request::Checkpoint);
            }
        });
    }
    if let Some(mut signals) = signals {
        let requests = requests.clone();
        std::thread::spawn(move || {
            for _ in signals.forever() {
                requests.send(Request::Checkpoint);
            }
        });
    }
    if let Some(timeout) = timeout {
        let requests = requests.clone();
        std::thread::spawn(move || {
            std::thread::sleep(timeout);
            requests.send(Request::TimeUp);
        });
    }
    let writer = Writer::start();
    let ended = app.drive(&requests, |app, request| match request {
        Request::TimeUp => Next::Stop(Stop::TimedOut),
        // A failed capture or write loses nothing: the guest resumes.
        Request::Checkpoint => match app.capture(Some(prepared)) {
            Ok(snapshot) => {
                let seq = snapshot.header.sequence;
                let path = dir.join(format!("{stem}-{seq:06}.snap"));
                if !checkpoint.checkpoint_and_exit {
                    writer.send(path, snapshot);
                    return Next::Continue;
                }
                match write_snapshot(&path, &snapshot) {
                    Ok(()) => {
                        eprintln!(
                            "continuum: checkpoint #{seq} written to {}; the guest is stopped",
                            path.display()
                        );
                        Next::Stop(Stop::Checkpointed)
                    }
                    Err(e) => {
                        eprintln!("warning: {e:#}; the guest goes on");
                        Next::Continue
                    }
                }
            }
            Err(e) => {
                eprintln!("warning: cannot capture the guest: {e:#}; it goes on");
                Next::Continue
            }
        },
    });
    writer.finish()?;
    match ended {
        Ended::Exited(code) => Ok(code),
        Ended::Trapped(e) => crate::guest::guest_failure(e, None, module, "running"),
        Ended::ResumeFailed(e) => {
            Err(anyhow::Error::from(e).context("cannot resume the guest after a checkpoint"))
        }
        Ended::Stopped(Stop::Checkpointed) => Ok(0),
        Ended::Stopped(Stop::TimedOut) => {
            let t = timeout
                .map(humantime::format_duration)
                .map(|d| d.to_string());
            eprintln!(
                "error: `{}` timed out after {} (--timeout)",
                module.display(),
                t.unwrap_or_default()
            );
            Ok(exit::TIMEOUT)
        }
    }
}

fn write_snapshot(path: &Path, snapshot: &Snapshot) -> Result<()> {
    let bytes = snapshot.encode();
    continuum_engine::write_file_atomically(path, &bytes)
        .with_context(|| format!("cannot write snapshot `{}`", path.display()))?;
    tracing::info!(path = %path.display(), bytes = bytes.len(), "checkpoint written");
    Ok(())
}

/// The background snapshot writer.
struct Writer {
    tx: mpsc::Sender<(PathBuf, Snapshot)>,
    thread: JoinHandle<()>,
}

impl Writer {
    fn start() -> Writer {
        let (tx, rx) = mpsc::channel::<(PathBuf, Snapshot)>();
        // A failed write is reported and the next checkpoint is tried: the
        // guest itself is never stopped by a snapshot that could not be kept.
        let thread = std::thread::spawn(move || {
            for (path, snapshot) in rx {
                if let Err(e) = write_snapshot(&path, &snapshot) {
                    eprintln!("warning: {e:#}; the guest goes on");
                }
            }
        });
        Writer { tx, thread }
    }

    fn send(&self, path: PathBuf, snapshot: Snapshot) {
        // A send fails only if the writer thread is gone (it panicked),
        // which `finish` reports.
        let _ = self.tx.send((path, snapshot));
    }

    fn finish(self) -> Result<()> {
        drop(self.tx);
        if self.thread.join().is_err() {
            bail!("the snapshot writer crashed");
        }
        Ok(())
    }
}
