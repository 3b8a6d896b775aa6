//! The command line, as clap sees it. Every flag is documented here; `--help`
//! prints these texts.

pub mod node;

use clap::{Args, Parser, Subcommand};
use continuum_engine::{EngineKind, Target};
use std::path::PathBuf;
use std::time::Duration;

/// Run WebAssembly (WASI preview1) programs anywhere on the cloud-edge continuum.
#[derive(Parser, Debug)]
#[command(name = "continuum", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// More log output on stderr (-v info, -vv debug, -vvv trace).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a WASI program (.wasm, .wat or a precompiled .cwasm).
    Run(Box<RunArgs>),
    /// Compile a module ahead of time into a .cwasm for a target architecture.
    Compile(CompileArgs),
    /// Resume a guest from a snapshot, on any architecture and engine.
    Restore(Box<RestoreArgs>),
    /// Work with snapshot files.
    #[command(subcommand)]
    Snapshot(SnapshotCommand),
    /// Make a module migratable ahead of time (what `run --migratable` does),
    /// e.g. for a build that cannot prepare modules itself.
    Prepare(PrepareArgs),
    /// Run the node agent: serve the node API (apps, output, checkpoints,
    /// live migration) on this machine.
    Node(Box<node::NodeArgs>),
    /// Live-migrate an app from one node to another.
    Migrate(node::MigrateArgs),
    /// List the apps of a node.
    Apps(node::AppsArgs),
    /// Start, follow, stop or checkpoint an app on a node.
    #[command(subcommand)]
    App(node::AppCommand),
    /// Introduce nodes to each other (peers may migrate apps to each other).
    #[command(subcommand)]
    Peers(node::PeersCommand),
}

#[derive(Subcommand, Debug)]
pub enum SnapshotCommand {
    /// Print what a snapshot holds: module, memories, stack, files, fds.
    Inspect(InspectArgs),
}

#[derive(Args, Debug)]
pub struct InspectArgs {
    /// Print the header and a summary of the body as JSON.
    #[arg(long)]
    pub json: bool,
    /// The snapshot file.
    #[arg(value_name = "SNAPSHOT")]
    pub snapshot: PathBuf,
}

#[derive(Args, Debug)]
pub struct PrepareArgs {
    /// Where to write the prepared module (default: MODULE.migratable.wasm).
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// The module to prepare (.wasm or .wat).
    #[arg(value_name = "MODULE")]
    pub module: PathBuf,
}

/// A signal that can ask for a checkpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckpointSignal(pub i32);

fn parse_signal(s: &str) -> Result<CheckpointSignal, String> {
    let name = s.trim().to_ascii_uppercase();
    let name = name.strip_prefix("SIG").unwrap_or(&name);
    let n = match name {
        "USR1" => signal_hook::consts::SIGUSR1,
        "USR2" => signal_hook::consts::SIGUSR2,
        "HUP" => signal_hook::consts::SIGHUP,
        "TERM" => signal_hook::consts::SIGTERM,
        "INT" => signal_hook::consts::SIGINT,
        _ => {
            return Err(format!(
                "`{s}` is not a signal Continuum checkpoints on (use SIGUSR1, SIGUSR2, SIGHUP, SIGTERM or SIGINT)"
            ));
        }
    };
    Ok(CheckpointSignal(n))
}

/// When and where to write snapshots of a migratable guest.
#[derive(Args, Debug, Clone, Default)]
pub struct CheckpointArgs {
    /// Write a snapshot when this signal arrives (e.g. SIGUSR1); the guest
    /// keeps running unless --checkpoint-and-exit.
    #[arg(long, value_name = "SIGNAL", value_parser = parse_signal)]
    pub checkpoint_on: Option<CheckpointSignal>,
    /// Write a snapshot every DURATION of running (e.g. 30s, 250ms).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub checkpoint_every: Option<Duration>,
    /// Directory for snapshots, named MODULE-NNNNNN.snap [default: ./checkpoints].
    #[arg(long, value_name = "DIR")]
    pub checkpoint_dir: Option<PathBuf>,
    /// Stop after writing the first snapshot (exit status 0): the guest
    /// lives on in the snapshot only.
    #[arg(long)]
    pub checkpoint_and_exit: bool,
    /// Carry in each snapshot the files the guest changed below its writable
    /// preopens since the run began; `restore` writes them back first.
    #[arg(long)]
    pub checkpoint_files: bool,
}

#[derive(Args, Debug)]
pub struct RestoreArgs {
    /// Host directory for the snapshot's preopen GUEST (`HOST::GUEST`); a
    /// preopen not given is looked for at its guest name.
    #[arg(long = "dir", value_name = "HOST::GUEST", value_parser = parse_dir)]
    pub dirs: Vec<DirMapping>,
    /// How guest code runs: `cranelift` or `pulley`; any engine restores any
    /// snapshot.
    #[arg(long, value_name = "ENGINE", default_value = "cranelift", value_parser = clap::value_parser!(EngineKind))]
    pub engine: EngineKind,
    /// The prepared module, for a snapshot taken without it embedded (a plain
    /// module is prepared again first, in a build that can).
    #[arg(long, value_name = "MODULE")]
    pub module: Option<PathBuf>,
    /// Largest linear memory the guest may have.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_memory: Option<u64>,
    /// Stop the guest after this much wall-clock time from the restore
    /// (e.g. 10s); exits with status 124.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,
    #[command(flatten)]
    pub checkpoint: CheckpointArgs,
    #[command(flatten)]
    pub cache: CacheArgs,
    /// The snapshot to resume.
    #[arg(value_name = "SNAPSHOT")]
    pub snapshot: PathBuf,
}

/// A directory to preopen: `HOST[::GUEST]`.
#[derive(Clone, Debug)]
pub struct DirMapping {
    pub host: PathBuf,
    pub guest: String,
}

fn parse_dir(s: &str) -> Result<DirMapping, String> {
    let (host, guest) = match s.split_once("::") {
        Some((h, g)) => (h, g),
        None => (s, s),
    };
    if host.is_empty() {
        return Err("the host directory is empty (expected HOST[::GUEST])".into());
    }
    if guest.is_empty() {
        return Err("the guest name is empty (expected HOST[::GUEST])".into());
    }
    Ok(DirMapping {
        host: PathBuf::from(host),
        guest: guest.to_string(),
    })
}

/// An environment variable: `KEY=VALUE`, or `KEY` to pass the host's value.
#[derive(Clone, Debug)]
pub struct EnvVar {
    pub key: String,
    pub value: Option<String>,
}

fn parse_env(s: &str) -> Result<EnvVar, String> {
    let (key, value) = match s.split_once('=') {
        Some((k, v)) => (k, Some(v.to_string())),
        None => (s, None),
    };
    if key.is_empty() {
        return Err("the variable name is empty (expected KEY=VALUE or KEY)".into());
    }
    Ok(EnvVar {
        key: key.to_string(),
        value,
    })
}

/// Parses sizes such as `65536`, `64KiB`, `512M`, `2GiB` (powers of 1024).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a size (e.g. 512MiB, 2G, 65536)"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        other => {
            return Err(format!(
                "unknown size unit `{other}` in `{s}` (use K, M, G or T)"
            ));
        }
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("size `{s}` is too large"))
}

pub fn parse_duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s)
        .map_err(|e| format!("`{s}` is not a duration (e.g. 500ms, 10s, 2m): {e}"))
}

/// Options shared by the commands that build an engine.
#[derive(Args, Debug, Clone)]
pub struct CacheArgs {
    /// Directory of the compile cache [default: $CONTINUUM_CACHE_DIR, else
    /// $XDG_CACHE_HOME/continuum, else ~/.cache/continuum].
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Do not read or write the compile cache.
    #[arg(long)]
    pub no_cache: bool,
}

impl CacheArgs {
    /// The cache directory to use, if any (`--no-cache` gives none).
    pub fn dir(&self) -> Option<PathBuf> {
        if self.no_cache {
            None
        } else {
            self.cache_dir
                .clone()
                .or_else(continuum_engine::default_cache_dir)
        }
    }
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// Preopen host directory HOST for the guest, under the name GUEST
    /// (default: HOST as written). `--dir data::.` makes relative paths work.
    #[arg(long = "dir", value_name = "HOST[::GUEST]", value_parser = parse_dir)]
    pub dirs: Vec<DirMapping>,
    /// Like --dir, but read-only: the guest cannot create, change, rename or
    /// delete anything below it.
    #[arg(long = "ro-dir", value_name = "HOST[::GUEST]", value_parser = parse_dir)]
    pub ro_dirs: Vec<DirMapping>,
    /// Set an environment variable for the guest; `--env KEY` passes the
    /// host's value of KEY.
    #[arg(long = "env", value_name = "KEY[=VALUE]", value_parser = parse_env)]
    pub env: Vec<EnvVar>,
    /// Listen on ADDR (e.g. 127.0.0.1:8080) and give the guest the listening
    /// socket as an fd (after the preopened directories).
    #[arg(long = "tcplisten", value_name = "ADDR")]
    pub tcplisten: Vec<String>,
    /// Call this exported function instead of `_start`, with ARGS as its
    /// parameters (i32, i64, f32, f64); prints the results. A reactor's
    /// `_initialize` runs first.
    #[arg(long, value_name = "FUNC")]
    pub invoke: Option<String>,
    /// Largest linear memory the guest may have (e.g. 256MiB). Growing past
    /// it fails inside the guest (memory.grow returns -1).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_memory: Option<u64>,
    /// Largest Wasm stack (e.g. 1MiB); deeper recursion traps.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_wasm_stack: Option<u64>,
    /// Stop the guest after this much wall-clock time (e.g. 10s, 500ms);
    /// exits with status 124. The module is compiled with interruption
    /// checks (a .cwasm must come from `continuum compile --interruptible`);
    /// with --migratable the guest is stopped at its next poll point instead
    /// (no extra checks, at most bounded guest work late).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,
    /// Most file descriptors the guest may hold open at once (stdio
    /// included); more opens fail with EMFILE.
    #[arg(long, value_name = "N")]
    pub max_open_files: Option<usize>,
    /// How guest code runs: `cranelift` (native code) or `pulley` (portable
    /// interpreter, no JIT).
    #[arg(long, value_name = "ENGINE", default_value = "cranelift", value_parser = clap::value_parser!(EngineKind))]
    pub engine: EngineKind,
    /// The program's name as the guest sees it in argv[0] (default: MODULE).
    #[arg(long, value_name = "NAME")]
    pub argv0: Option<String>,
    /// Run the module so that it can be paused, checkpointed and migrated
    /// while running (it is prepared first, and the result cached).
    #[arg(long, conflicts_with = "invoke")]
    pub migratable: bool,
    #[command(flatten)]
    pub checkpoint: CheckpointArgs,
    #[command(flatten)]
    pub cache: CacheArgs,
    /// `--dir` and `--ro-dir` in command-line order (read-only flag beside
    /// each); filled by [`RunArgs::order_preopens`].
    #[arg(skip)]
    pub preopens: Vec<(DirMapping, bool)>,
    /// The module to run: .wasm, .wat, or .cwasm from `continuum compile`
    /// (only run .cwasm files you trust: they are native code).
    #[arg(value_name = "MODULE")]
    pub module: PathBuf,
    /// Arguments passed to the guest (or to --invoke's function).
    #[arg(
        value_name = "ARGS",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub args: Vec<String>,
}

impl RunArgs {
    /// Puts `--dir` and `--ro-dir` back in the order they were given, which
    /// is the guest's fd order (clap keeps each flag's values apart).
    pub fn order_preopens(&mut self, matches: &clap::ArgMatches) {
        let rw = matches.indices_of("dirs").into_iter().flatten();
        let ro = matches.indices_of("ro_dirs").into_iter().flatten();
        let mut all: Vec<(usize, DirMapping, bool)> = rw
            .zip(self.dirs.iter().cloned())
            .map(|(i, d)| (i, d, false))
            .chain(
                ro.zip(self.ro_dirs.iter().cloned())
                    .map(|(i, d)| (i, d, true)),
            )
            .collect();
        all.sort_by_key(|(i, _, _)| *i);
        self.preopens = all.into_iter().map(|(_, d, ro)| (d, ro)).collect();
    }
}

#[derive(Args, Debug)]
pub struct CompileArgs {
    /// Architecture to compile for: x86_64, aarch64, pulley64, or host.
    #[arg(long, value_name = "TARGET", default_value = "host", value_parser = clap::value_parser!(Target))]
    pub target: Target,
    /// Where to write the artifact (default: MODULE with extension .cwasm).
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Largest Wasm stack the artifact will be run with (must match at run time).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_wasm_stack: Option<u64>,
    /// Compile in the checks that let `run --timeout` stop the guest (they
    /// cost speed on hot loops; without them --timeout refuses the artifact).
    #[arg(long)]
    pub interruptible: bool,
    /// The module to compile (.wasm or .wat).
    #[arg(value_name = "MODULE")]
    pub module: PathBuf,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_binary_units() {
        assert_eq!(parse_size("65536"), Ok(65536));
        assert_eq!(parse_size("64KiB"), Ok(64 << 10));
        assert_eq!(parse_size("512M"), Ok(512 << 20));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert!(parse_size("12 parsecs").unwrap_err().contains("unit"));
        assert!(parse_size("lots").is_err());
        assert!(
            parse_size("99999999999T")
                .unwrap_err()
                .contains("too large")
        );
    }

    #[test]
    fn dir_mappings_split_on_double_colon() {
        let d = parse_dir("/tmp/x::/data").unwrap();
        assert_eq!(
            (d.host.to_str().unwrap(), d.guest.as_str()),
            ("/tmp/x", "/data")
        );
        let d = parse_dir("out").unwrap();
        assert_eq!(d.guest, "out");
        assert!(parse_dir("::x").is_err());
        assert!(parse_dir("x::").is_err());
    }

    #[test]
    fn env_vars_take_a_value_or_inherit() {
        let e = parse_env("A=b=c").unwrap();
        assert_eq!((e.key.as_str(), e.value.as_deref()), ("A", Some("b=c")));
        assert_eq!(parse_env("HOME").unwrap().value, None);
        assert!(parse_env("=x").is_err());
    }
}
