//! `continuum node`, `continuum migrate`, `continuum apps` and
//! `continuum app ...`: the node daemon and the small clients of its API
//! (docs/node-api.md).

use crate::cli::node::*;
use anyhow::{Context, Result, bail};
use continuum_engine::EngineConfig;
use continuum_node::api::{AppInfo, MigrateOutcome, MigrateRequest, PeerRequest, StartRequest};
use continuum_node::{Client, Follow, NodeConfig, NodeLimits, Plaintext, Serve};
use std::io::Write;
use std::time::Duration;

/// `continuum node`.
pub fn node(args: NodeArgs) -> Result<i32> {
    (|| {
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
    })()
}

fn host_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| continuum_node::check_id(h).is_ok())
        .unwrap_or_else(|| "node".into())
}

/// `continuum peers ...`.
pub fn peers(cmd: PeersCommand) -> Result<i32> {
    match cmd {
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
    }
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
pub fn migrate(args: MigrateArgs) -> Result<i32> {
    (|| {
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
    })()
}

/// `continuum apps`.
pub fn apps(args: AppsArgs) -> Result<i32> {
    (|| {
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
    })()
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
pub fn app(cmd: AppCommand) -> Result<i32> {
    match cmd {
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
    }
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
