//! `continuum node`, `continuum migrate`, `continuum apps` and
//! `continuum app ...`: the node daemon and the small clients of its API
//! (docs/node-api.md).

use crate::cli::{CacheArgs, parse_duration, parse_size};
use crate::exit;
use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use continuum_engine::{EngineConfig, EngineKind};
use continuum_node::api::{
    AppInfo, DirMap, MigrateOutcome, MigrateRequest, PeerRequest, StartRequest,
};
use continuum_node::{AllowedDir, Client, Follow, NodeConfig, NodeLimits, Plaintext, Serve};
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

const DEFAULT_NODE: &str = "http://127.0.0.1:7070";

#[derive(Args, Debug)]
pub struct NodeArgs {
    /// Address to serve the node API on (port 0: any free port; the URL is
    /// printed on stdout once the node accepts connections). Binding
    /// beyond loopback needs `--insecure-plaintext`.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7070")]
    pub listen: String,
    /// The node's name, as its peers know it [default: the host name].
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Directory for the token, peers, modules, app records, output logs
    /// and the migration journal; a restarted node recovers from it.
    /// Without it, a temporary directory that nothing survives.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// File holding the admin token (created with a fresh token, mode
    /// 0600, if missing) [default: STATE/node.token]. Nodes may share one.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// A host directory (and everything below it) that apps may be given;
    /// `:ro` only read-only. Repeatable. Nothing else is ever mounted.
    #[arg(long = "allow-dir", value_name = "HOST[:ro]")]
    pub allow_dirs: Vec<AllowedDir>,
    /// The URL other nodes and clients reach this node at [default:
    /// http://ADDR as bound].
    #[arg(long, value_name = "URL")]
    pub advertise: Option<String>,
    /// Serve plain HTTP on a non-loopback address. Tokens, modules and
    /// snapshots then cross the network unencrypted.
    #[arg(long)]
    pub insecure_plaintext: bool,
    /// Largest module upload.
    #[arg(long, value_name = "SIZE", default_value = "64MiB", value_parser = parse_size)]
    pub max_module_size: u64,
    /// Memory cap (linear memories and tables) of an app that asks for none.
    #[arg(long, value_name = "SIZE", default_value = "256MiB", value_parser = parse_size)]
    pub default_app_memory: u64,
    /// Largest memory cap an app may ask for.
    #[arg(long, value_name = "SIZE", default_value = "4GiB", value_parser = parse_size)]
    pub max_app_memory: u64,
    /// Memory all incoming migrations may hold at once.
    #[arg(long, value_name = "SIZE", default_value = "4GiB", value_parser = parse_size)]
    pub max_inflight_memory: u64,
    /// Output kept per app and stream; older output is rotated away.
    #[arg(long, value_name = "SIZE", default_value = "64MiB", value_parser = parse_size)]
    pub max_log_size: u64,
    /// Wall-clock time an app may run (over all nodes) when it asks for
    /// none, and the most it may ask for [default: no limit].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub max_app_time: Option<Duration>,
    /// How guest code runs: `cranelift` or `pulley`.
    #[arg(long, value_name = "ENGINE", default_value = "cranelift", value_parser = clap::value_parser!(EngineKind))]
    pub engine: EngineKind,
    #[command(flatten)]
    pub cache: CacheArgs,
}

/// How a client finds its bearer token.
#[derive(Args, Debug, Clone)]
pub struct TokenArgs {
    /// The node's admin token [default: $CONTINUUM_TOKEN, then the file
    /// $XDG_CONFIG_HOME/continuum/token or ~/.config/continuum/token].
    #[arg(
        long,
        value_name = "TOKEN",
        env = "CONTINUUM_TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,
    /// Read the token from this file (e.g. a node's STATE/node.token).
    #[arg(long, value_name = "FILE", conflicts_with = "token")]
    pub token_file: Option<PathBuf>,
}

impl TokenArgs {
    fn client(&self) -> Result<Client> {
        Ok(Client::new(Some(self.token()?)))
    }

    fn token(&self) -> Result<String> {
        if let Some(t) = &self.token {
            return Ok(t.trim().to_string());
        }
        let file = match &self.token_file {
            Some(f) => f.clone(),
            None => default_token_file().ok_or_else(|| {
                anyhow::anyhow!(
                    "no token: pass --token, --token-file or CONTINUUM_TOKEN (a node writes its admin token to STATE/node.token)"
                )
            })?,
        };
        let t = std::fs::read_to_string(&file)
            .with_context(|| format!("cannot read the token file `{}`", file.display()))?;
        Ok(t.trim().to_string())
    }
}

fn default_token_file() -> Option<PathBuf> {
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    let f = config.join("continuum").join("token");
    f.exists().then_some(f)
}

#[derive(Args, Debug)]
pub struct MigrateArgs {
    /// The app's id.
    #[arg(value_name = "APP")]
    pub app: String,
    /// URL of the node that runs the app now.
    #[arg(long, value_name = "URL")]
    pub from: String,
    /// The node to move it to: the name or URL of a peer of the source
    /// (see `continuum peers introduce`).
    #[arg(long, value_name = "PEER")]
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
    #[command(flatten)]
    pub auth: TokenArgs,
}

#[derive(Args, Debug)]
pub struct AppsArgs {
    /// URL of the node.
    #[arg(long, value_name = "URL", default_value = DEFAULT_NODE)]
    pub node: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub auth: TokenArgs,
}

#[derive(Subcommand, Debug)]
pub enum PeersCommand {
    /// Make two nodes peers of each other: each gets the same fresh secret
    /// and may then migrate apps to the other. Needs the admin token of
    /// both (the same one with --token, or --other-token for the second).
    Introduce(IntroduceArgs),
    /// List a node's peers.
    List(AppsArgs),
}

#[derive(Args, Debug)]
pub struct IntroduceArgs {
    /// URL of one node.
    #[arg(value_name = "URL")]
    pub a: String,
    /// URL of the other.
    #[arg(value_name = "URL")]
    pub b: String,
    #[command(flatten)]
    pub auth: TokenArgs,
    /// The second node's admin token, if it is not the same.
    #[arg(long, value_name = "TOKEN")]
    pub other_token: Option<String>,
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
    #[command(flatten)]
    pub auth: TokenArgs,
}

#[derive(Args, Debug)]
pub struct StartArgs {
    #[arg(long, value_name = "URL", default_value = DEFAULT_NODE)]
    pub node: String,
    /// The app's id [default: a fresh one, printed].
    #[arg(long, value_name = "ID")]
    pub id: Option<String>,
    /// Directory for the guest: `HOST::GUEST` (HOST inside one the node
    /// allows) or `::GUEST` (a fresh private directory on the node).
    #[arg(long = "dir", value_name = "[HOST]::GUEST", value_parser = parse_dir)]
    pub dirs: Vec<DirMap>,
    /// Memory cap (linear memories and tables) [default: the node's].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_memory: Option<u64>,
    /// Wall-clock time the app may run, over all nodes [default: the node's].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub time_limit: Option<Duration>,
    #[command(flatten)]
    pub auth: TokenArgs,
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
    #[command(flatten)]
    pub auth: TokenArgs,
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
    #[command(flatten)]
    pub auth: TokenArgs,
}

fn parse_dir(s: &str) -> Result<DirMap, String> {
    let (host, guest) = s.split_once("::").unwrap_or((s, s));
    if guest.is_empty() {
        return Err(format!("`{s}` is not [HOST]::GUEST"));
    }
    Ok(DirMap {
        host: (!host.is_empty()).then(|| host.to_string()),
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
        let name = args.name.clone().unwrap_or_else(host_name);
        let config = NodeConfig {
            name,
            state_dir: args.state_dir.clone(),
            url: args.advertise.clone().unwrap_or_default(),
            engine: EngineConfig {
                kind: args.engine,
                ..EngineConfig::default()
            },
            cache_dir,
            token_file: args.token_file.clone(),
            limits: NodeLimits {
                max_module_bytes: args.max_module_size,
                default_app_memory: args.default_app_memory,
                max_app_memory: args.max_app_memory,
                max_inflight_bytes: args.max_inflight_memory,
                max_log_bytes: args.max_log_size,
                max_app_time: args.max_app_time,
                ..NodeLimits::default()
            },
            allowed_dirs: args.allow_dirs.clone(),
        };
        if config.limits.default_app_memory > config.limits.max_app_memory {
            bail!("--default-app-memory is larger than --max-app-memory");
        }
        let how = Serve {
            listen: args.listen.clone(),
            plaintext: if args.insecure_plaintext {
                Plaintext::Anywhere
            } else {
                Plaintext::LoopbackOnly
            },
        };
        continuum_node::serve(config, &how, |node| {
            // One write, errors ignored: whoever reads this may be gone.
            let mut out = std::io::stdout().lock();
            let _ = write!(
                out,
                "continuum node {} listening on {}\nadmin token in {}\n",
                node.name(),
                node.url(),
                node.token_path().display()
            );
            let _ = out.flush();
        })
        .map_err(|e| match e {
            continuum_node::NodeError::Forbidden(_) => anyhow::Error::new(e).context(
                "refusing to start (pass --insecure-plaintext to serve plain HTTP beyond loopback anyway)",
            ),
            e => anyhow::Error::new(e).context(format!("the node on {} stopped", args.listen)),
        })?;
        Ok(0)
    })())
}

fn host_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| continuum_node::check_id(h).is_ok())
        .unwrap_or_else(|| "node".into())
}

/// `continuum peers ...`.
pub fn peers(cmd: PeersCommand) -> i32 {
    done(match cmd {
        PeersCommand::Introduce(a) => introduce(a),
        PeersCommand::List(a) => (|| {
            let peers = a
                .auth
                .client()?
                .peers(&a.node)
                .with_context(|| format!("cannot list the peers of {}", a.node))?;
            if a.json {
                println!("{}", serde_json::to_string_pretty(&peers)?);
            } else {
                for p in peers {
                    println!("{:<24} {}", p.name, p.url);
                }
            }
            Ok(0)
        })(),
    })
}

fn introduce(a: IntroduceArgs) -> Result<i32> {
    let first = a.auth.client()?;
    let second = match &a.other_token {
        Some(t) => Client::new(Some(t.clone())),
        None => first.clone(),
    };
    let info_a = first
        .node_info(&a.a)
        .with_context(|| format!("cannot reach {}", a.a))?;
    let info_b = second
        .node_info(&a.b)
        .with_context(|| format!("cannot reach {}", a.b))?;
    if info_a.name == info_b.name {
        bail!(
            "both nodes are named `{}`: give them different --name",
            info_a.name
        );
    }
    let secret = continuum_node::auth::fresh_token()?;
    first
        .add_peer(
            &a.a,
            &PeerRequest {
                name: info_b.name.clone(),
                url: info_b.url.clone(),
                secret: secret.clone(),
            },
        )
        .with_context(|| format!("cannot introduce {} to {}", info_b.name, a.a))?;
    second
        .add_peer(
            &a.b,
            &PeerRequest {
                name: info_a.name.clone(),
                url: info_a.url.clone(),
                secret,
            },
        )
        .with_context(|| format!("cannot introduce {} to {}", info_a.name, a.b))?;
    println!("{} and {} are peers", info_a.name, info_b.name);
    Ok(0)
}

/// `continuum migrate`.
pub fn migrate(args: MigrateArgs) -> i32 {
    done((|| {
        let req = MigrateRequest {
            to: args.to.clone(),
            dirs: args.dirs.clone(),
            precopy: !args.no_precopy,
        };
        let report = args
            .auth
            .client()?
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
        let apps = args
            .auth
            .client()?
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

fn state(a: &AppInfo) -> &'static str {
    a.state.name()
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
            let info = a
                .auth
                .client()?
                .stop(&a.node, &a.app)
                .with_context(|| format!("cannot stop `{}` on {}", a.app, a.node))?;
            println!("{} {}", info.id, state(&info));
            Ok(0)
        })(),
        AppCommand::Checkpoint(a) => (|| {
            let bytes = a
                .auth
                .client()?
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
    let client = a.auth.client()?;
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
                max_memory: a.max_memory,
                time_limit_ms: a.time_limit.map(|d| d.as_millis() as u64),
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
    let end = a
        .auth
        .client()?
        .follow(
            Follow {
                node: &a.node,
                app: &a.app,
                stream,
                offset: a.offset,
                follow: a.follow,
                retry_for: Duration::from_secs(30),
            },
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
