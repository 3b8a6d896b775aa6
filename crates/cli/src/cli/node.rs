//! The clap types of the node commands (`node`, `migrate`, `apps`, `app`,
//! `peers`) and the resolution of the token they send.

use super::{CacheArgs, parse_duration, parse_size};
use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use continuum_engine::EngineKind;
use continuum_node::api::DirMap;
use continuum_node::{AllowedDir, Client};
use std::path::PathBuf;
use std::time::Duration;

pub(crate) const DEFAULT_NODE: &str = "http://127.0.0.1:7070";

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
    pub(crate) fn client(&self) -> Result<Client> {
        Ok(Client::new(Some(self.token()?)))
    }

    pub(crate) fn token(&self) -> Result<String> {
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

pub(crate) fn default_token_file() -> Option<PathBuf> {
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

pub(crate) fn parse_dir(s: &str) -> Result<DirMap, String> {
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
