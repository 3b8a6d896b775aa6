//! `continuum snapshot inspect` and `continuum prepare`.

use crate::cli::{InspectArgs, PrepareArgs};
use anyhow::{Context, Result};
use continuum_snapshot::Snapshot;
use continuum_wasi::state::FdKind;
use std::fmt::Write as _;

pub fn inspect(args: InspectArgs) -> Result<i32> {
    inspect_inner(args).map(|()| 0)
}

fn inspect_inner(args: InspectArgs) -> Result<()> {
    let bytes = std::fs::read(&args.snapshot)
        .with_context(|| format!("cannot read `{}`", args.snapshot.display()))?;
    let snap = Snapshot::decode(&bytes)
        .with_context(|| format!("cannot inspect `{}`", args.snapshot.display()))?;
    let h = &snap.header;
    let b = &snap.body;
    // Built whole, then written once: a closed pipe (`| head`) is not an error.
    let mut out = String::new();
    if args.json {
        let value = serde_json::json!({
            "file_bytes": bytes.len(),
            "header": h,
            "globals": b.globals,
            "wasi": b.wasi,
            "files": b.files.iter().map(|f| serde_json::json!({
                "preopen": f.preopen, "path": f.path, "bytes": f.contents.len()
            })).collect::<Vec<_>>(),
        });
        let _ = writeln!(out, "{}", serde_json::to_string_pretty(&value)?);
        emit(&out);
        return Ok(());
    }
    let _ = writeln!(out, "snapshot       {}", args.snapshot.display());
    let _ = writeln!(
        out,
        "format         version {} ({} bytes on disk, {} uncompressed)",
        h.format_version,
        bytes.len(),
        h.body_uncompressed
    );
    let _ = writeln!(
        out,
        "checkpoint     #{} taken on {} at {} ms since the epoch",
        h.sequence, h.taken_on, h.created_unix_ms
    );
    let _ = writeln!(
        out,
        "module         prepared {} (source {}){}",
        short(&h.prepared_sha256),
        short(&h.source_sha256),
        if h.module_embedded {
            format!(", embedded ({} bytes)", b.module.len())
        } else {
            ", not embedded".into()
        }
    );
    for m in &b.memories {
        let _ = writeln!(
            out,
            "memory {:<7} {} pages ({} KiB), {} KiB stored in {} runs",
            m.index,
            m.pages,
            m.pages * 64,
            m.stored_bytes() >> 10,
            m.runs.len()
        );
    }
    let _ = writeln!(out, "globals        {}", b.globals.len());
    let _ = writeln!(out, "stack          {} bytes unwound", b.stack.len());
    let _ = writeln!(out, "args           {:?}", b.wasi.args);
    let _ = writeln!(out, "env            {} variables", b.wasi.env.len());
    let _ = writeln!(
        out,
        "clocks         monotonic at {} ns, cpu {} ns{}",
        b.wasi.clocks.monotonic_base_ns,
        b.wasi.clocks.cputime_base_ns,
        match b.wasi.paused_poll_started_ns {
            Some(t) => format!(", paused in poll_oneoff begun at {t} ns"),
            None => String::new(),
        }
    );
    for p in &b.wasi.preopens {
        let _ = writeln!(
            out,
            "preopen        {}{}",
            p.guest_name,
            if p.read_only { " (read-only)" } else { "" }
        );
    }
    for (fd, e) in &b.wasi.fds {
        let what = match &e.kind {
            FdKind::Stdin => "stdin".to_string(),
            FdKind::Stdout => "stdout".to_string(),
            FdKind::Stderr => "stderr".to_string(),
            FdKind::PreopenDir { preopen } => format!("preopen {}", name(&snap, *preopen)),
            FdKind::Dir { preopen, path } => format!("dir {}/{path}", name(&snap, *preopen)),
            FdKind::File {
                preopen,
                path,
                read,
                write,
            } => format!(
                "file {}/{path} ({}{}) at offset {}",
                name(&snap, *preopen),
                if *read { "r" } else { "" },
                if *write { "w" } else { "" },
                e.offset
            ),
            FdKind::TcpListener { addr } => format!("tcp listener {addr}"),
            FdKind::TcpStream { peer } => format!("tcp stream to {peer}"),
        };
        let _ = writeln!(out, "fd {fd:<11} {what}");
    }
    for f in &b.files {
        let _ = writeln!(
            out,
            "file           {}/{} ({} bytes carried)",
            f.preopen,
            f.path,
            f.contents.len()
        );
    }
    emit(&out);
    Ok(())
}

fn emit(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

fn name(snap: &Snapshot, preopen: usize) -> &str {
    snap.body
        .wasi
        .preopens
        .get(preopen)
        .map(|p| p.guest_name.as_str())
        .unwrap_or("?")
}

fn short(hash: &str) -> &str {
    &hash[..hash.len().min(16)]
}

pub fn prepare(args: PrepareArgs) -> Result<i32> {
    prepare_inner(args).map(|()| 0)
}

fn prepare_inner(args: PrepareArgs) -> Result<()> {
    let raw = std::fs::read(&args.module)
        .with_context(|| format!("cannot read `{}`", args.module.display()))?;
    let wasm = continuum_engine::wasm_binary(&raw)
        .with_context(|| format!("cannot load `{}`", args.module.display()))?;
    let prepared = continuum_snapshot::prepare(&wasm)
        .with_context(|| format!("cannot make `{}` migratable", args.module.display()))?;
    let out = args
        .output
        .unwrap_or_else(|| args.module.with_extension("migratable.wasm"));
    std::fs::write(&out, &prepared).with_context(|| format!("cannot write `{}`", out.display()))?;
    Ok(())
}
