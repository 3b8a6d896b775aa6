//! `continuum node`, `continuum migrate`, `continuum apps` and
//! `continuum app ...`: the node daemon and the small clients of its API
//! (docs/node-api.md).

use crate::cli::CacheArgs;
use crate::exit;
use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use continuum_engine::{EngineConfig, EngineKind};
use continuum_node::api::{AppInfo, DirMap, MigrateOutcome, MigrateRequest, StartRequest};
use continuum_node::{Client, NodeConfig};
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

const DEFAULT_NODE: &str = "http://127.0.0.1:7070";

#[derive(Args, Debug)]
pub struct NodeArgs {
    /// Address to serve the node API on (port 0: any free port; the URL is
    /// printed on stdout once the node accepts connections).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7070")]
    pub listen: String,
    /// Directory for modules, app records, output logs and the migration
    /// journal; a restarted node recovers from it. Without it, a
    /// temporary directory that nothing survives.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// The URL other nodes and clients reach this node at [default:
    /// http://ADDR as bound].
    #[arg(long, value_name = "URL")]
    pub advertise: Option<String>,
    /// How guest code runs: `cranelift` or `pulley`.
    #[arg(long, value_name = "ENGINE", default_value = "cranelift", value_parser = clap::value_parser!(EngineKind))]
    pub engine: EngineKind,
    #[command(flatten)]
    pub cache: CacheArgs,
}

#[derive(Args, Debug)]
pub struct MigrateArgs {
    /// The app's id.
    #[arg(value_name = "APP")]
    pub app: String,
    /// URL of the node that runs the app now.
    #[arg(long, value_name = "URL")]
    pub from: String,
    /// URL of the node to move it to.
    #[arg(long, value_name = "URL")]
    pub to: String,
    /// Host directory on the target for the app's preopen GUEST
    /// (`HOST::GUEST`); others get a fresh directory in the target's state.
    #[arg(long = "dir", value_name = "HOST::GUEST", value_parser = parse_dir)]
    pub dirs: Vec<DirMap>,
    /// Stop and copy: no pre-copy rounds while the app runs.
    #[arg(long)]
    pub no_precopy: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct AppsArgs {
    /// URL of the node.
    #[arg(long, value_name = "URL", default_value = DEFAULT_NODE)]
    pub node: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand, Debug)]
pub enum AppCommand {
    /// Upload a module to a node and start it there (migratable).
    Start(StartArgs),
    /// Print an app's output, following it across nodes.
    Logs(LogsArgs),
    /// Stop an app.
    Stop(AppRef),
    /// Write a snapshot of a running app (it keeps running).
    Checkpoint(CheckpointArgs),
}

#[derive(Args, Debug)]
pub struct AppRef {
    #[arg(value_name = "APP")]
    pub app: String,
    #[arg(long, value_name = "URL", default_value = DEFAULT_NODE)]
    pub node: String,
}

#[derive(Args, Debug)]
pub struct StartArgs {
    #[arg(long, value_name = "URL", default_value = DEFAULT_NODE)]
    pub node: String,
    /// The app's id [default: a fresh one, printed].
    #[arg(long, value_name = "ID")]
    pub id: Option<String>,
    /// Directory on the node's machine for the guest (`HOST::GUEST`).
    #[arg(long = "dir", value_name = "HOST::GUEST", value_parser = parse_dir)]
    pub dirs: Vec<DirMap>,
    /// Environment variable for the guest.
    #[arg(long = "env", value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// Do not carry changed files when the app migrates.
    #[arg(long)]
    pub no_carry_files: bool,
    /// The module (.wasm, .wat, or prepared with `continuum prepare`).
    #[arg(value_name = "MODULE")]
    pub module: PathBuf,
    /// Arguments for the guest.
    #[arg(
        value_name = "ARGS",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub args: Vec<String>,
}

#[derive(Args, Debug)]
pub struct LogsArgs {
    #[arg(value_name = "APP")]
    pub app: String,
    #[arg(long, value_name = "URL", default_value = DEFAULT_NODE)]
    pub node: String,
    /// Keep following until the app ends (across migrations).
    #[arg(short, long)]
    pub follow: bool,
    /// The app's stderr instead of its stdout.
    #[arg(long)]
    pub stderr: bool,
    /// Start at this byte of the stream.
    #[arg(long, default_value_t = 0)]
    pub offset: u64,
}

#[derive(Args, Debug)]
pub struct CheckpointArgs {
    #[arg(value_name = "APP")]
    pub app: String,
    #[arg(long, value_name = "URL", default_value = DEFAULT_NODE)]
    pub node: String,
    /// Where to write the snapshot.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
}

fn parse_dir(s: &str) -> Result<DirMap, String> {
    let (host, guest) = s.split_once("::").unwrap_or((s, s));
    if host.is_empty() || guest.is_empty() {
        return Err(format!("`{s}` is not HOST::GUEST"));
    }
    Ok(DirMap {
        host: host.to_string(),
        guest: guest.to_string(),
        read_only: false,
    })
}

fn done(r: Result<i32>) -> i32 {
    r.unwrap_or_else(|e| exit::report(&e))
}

/// `continuum node`.
pub fn node(args: NodeArgs) -> i32 {
    done((|| {
        let cache_dir = if args.cache.no_cache {
            None
        } else {
            args.cache
                .cache_dir
                .clone()
                .or_else(continuum_engine::default_cache_dir)
        };
        let config = NodeConfig {
            state_dir: args.state_dir.clone(),
            url: args.advertise.clone().unwrap_or_default(),
            engine: EngineConfig {
                kind: args.engine,
                ..EngineConfig::default()
            },
            cache_dir,
        };
        continuum_node::serve(config, &args.listen, |url| {
            println!("continuum node listening on {url}");
            let _ = std::io::stdout().flush();
        })
        .with_context(|| format!("the node on {} stopped", args.listen))?;
        Ok(0)
    })())
}

/// `continuum migrate`.
pub fn migrate(args: MigrateArgs) -> i32 {
    done((|| {
        let req = MigrateRequest {
            to: args.to.clone(),
            dirs: args.dirs.clone(),
            precopy: !args.no_precopy,
        };
        let report = Client::new()
            .migrate(&args.from, &args.app, &req)
            .with_context(|| {
                format!(
                    "cannot migrate `{}` (nothing changed at {})",
                    args.app, args.from
                )
            })?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&report)?);
        }
        match report.outcome {
            MigrateOutcome::Moved => {
                if !args.json {
                    println!(
                        "{} moved {} -> {}: downtime {:.1} ms, total {:.1} ms, {} bytes",
                        report.app,
                        report.from,
                        report.to,
                        report.downtime_ms,
                        report.total_ms,
                        report.snapshot_bytes
                    );
                }
                Ok(0)
            }
            MigrateOutcome::Aborted => bail!(
                "the migration of `{}` was aborted ({}); it goes on at {}",
                report.app,
                report.error.as_deref().unwrap_or("no reason given"),
                report.from
            ),
            MigrateOutcome::CommittedUnacknowledged => bail!(
                "`{}` is committed to {}, which has not confirmed yet ({}); {} keeps telling it",
                report.app,
                report.to,
                report.error.as_deref().unwrap_or("no answer"),
                report.from
            ),
        }
    })())
}

/// `continuum apps`.
pub fn apps(args: AppsArgs) -> i32 {
    done((|| {
        let apps = Client::new()
            .apps(&args.node)
            .with_context(|| format!("cannot list the apps of {}", args.node))?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&apps)?);
        } else {
            println!("{:<24} {:<10} {:>12}  WHERE", "APP", "STATE", "STDOUT");
            for a in &apps {
                println!(
                    "{:<24} {:<10} {:>12}  {}",
                    a.id,
                    state(a),
                    a.stdout.end,
                    detail(a)
                );
            }
        }
        Ok(0)
    })())
}

fn state(a: &AppInfo) -> String {
    serde_json::to_value(a.state)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn detail(a: &AppInfo) -> String {
    match (&a.moved_to, a.exit_code, &a.error) {
        (Some(to), _, _) => format!("moved to {to}"),
        (_, Some(code), _) => format!("exit status {code}"),
        (_, _, Some(e)) => e.clone(),
        _ => String::new(),
    }
}

/// `continuum app ...`.
pub fn app(cmd: AppCommand) -> i32 {
    done(match cmd {
        AppCommand::Start(a) => start(a),
        AppCommand::Logs(a) => logs(a),
        AppCommand::Stop(a) => (|| {
            let info = Client::new()
                .stop(&a.node, &a.app)
                .with_context(|| format!("cannot stop `{}` on {}", a.app, a.node))?;
            println!("{} {}", info.id, state(&info));
            Ok(0)
        })(),
        AppCommand::Checkpoint(a) => (|| {
            let bytes = Client::new()
                .checkpoint(&a.node, &a.app)
                .with_context(|| format!("cannot checkpoint `{}` on {}", a.app, a.node))?;
            continuum_engine::write_file_atomically(&a.output, &bytes)
                .with_context(|| format!("cannot write `{}`", a.output.display()))?;
            println!("{} bytes written to {}", bytes.len(), a.output.display());
            Ok(0)
        })(),
    })
}

fn start(a: StartArgs) -> Result<i32> {
    let client = Client::new();
    let bytes = std::fs::read(&a.module)
        .with_context(|| format!("cannot read `{}`", a.module.display()))?;
    let module = client
        .put_module(&a.node, &bytes)
        .with_context(|| format!("cannot upload `{}` to {}", a.module.display(), a.node))?;
    let info = client
        .start(
            &a.node,
            &StartRequest {
                module: module.sha256,
                id: a.id,
                args: a.args,
                env: a.env,
                dirs: a.dirs,
                carry_files: !a.no_carry_files,
                max_memory: None,
            },
        )
        .with_context(|| format!("cannot start `{}` on {}", a.module.display(), a.node))?;
    println!("{}", info.id);
    Ok(0)
}

fn logs(a: LogsArgs) -> Result<i32> {
    let stream = if a.stderr { "stderr" } else { "stdout" };
    let mut out = std::io::stdout().lock();
    let mut failed = None;
    let end = Client::new()
        .follow(
            a.node.clone(),
            &a.app,
            stream,
            a.offset,
            a.follow,
            Duration::from_secs(30),
            |b| {
                if failed.is_none()
                    && let Err(e) = out.write_all(b).and_then(|()| out.flush())
                {
                    failed = Some(e);
                }
            },
        )
        .with_context(|| format!("cannot read the output of `{}`", a.app))?;
    if let Some(e) = failed {
        return Err(e).context("cannot write the output");
    }
    tracing::info!(node = %end.node, offset = end.offset, "output ended");
    Ok(0)
}
