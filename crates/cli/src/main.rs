//! `continuum`: the command-line face of Continuum.
//!
//! What it is for: parsing what a user asks (`run`, `compile`, `restore`,
//! `snapshot inspect`, `prepare`), turning it
//! into calls on the library crates, and turning every failure into one
//! clear line and a documented exit status (docs/cli.md).
//!
//! What it must never do: hold logic the library crates should own (WASI
//! semantics, engine configuration, caching), or panic on user input.

mod cli;
mod compile;
mod exit;
mod guest;
mod inspect;
mod invoke;
mod migratable;
mod node;
mod run;

use clap::{CommandFactory, FromArgMatches};

fn main() {
    let matches = cli::Cli::command().get_matches();
    let mut cli = cli::Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    if let (cli::Command::Run(args), Some(("run", sub))) = (&mut cli.command, matches.subcommand())
    {
        args.order_preopens(sub);
    }
    init_tracing(cli.verbose);
    let result = match cli.command {
        cli::Command::Run(args) if args.migratable => migratable::run(*args),
        cli::Command::Run(args) => run::run(*args),
        cli::Command::Compile(args) => compile::compile(args),
        cli::Command::Restore(args) => migratable::restore(*args),
        cli::Command::Snapshot(cli::SnapshotCommand::Inspect(args)) => inspect::inspect(args),
        cli::Command::Prepare(args) => inspect::prepare(args),
        cli::Command::Node(args) => node::node(*args),
        cli::Command::Migrate(args) => node::migrate(args),
        cli::Command::Apps(args) => node::apps(args),
        cli::Command::App(cmd) => node::app(cmd),
        cli::Command::Peers(cmd) => node::peers(cmd),
    };
    // The one place errors are reported: one line (with its causes) and
    // the exit status docs/cli.md documents.
    let code = match result {
        Ok(code) => code,
        Err(err) => exit::report(&err),
    };
    std::process::exit(code);
}

/// Logs go to stderr; `-v` raises the level, `CONTINUUM_LOG` (a tracing
/// filter such as `continuum_engine=debug`) overrides it.
fn init_tracing(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("CONTINUUM_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
