//! `continuum compile`.

use crate::cli::CompileArgs;
use anyhow::{Context, Result};
use continuum_engine::{EngineConfig, EngineKind, Target};

pub fn compile(args: CompileArgs) -> Result<i32> {
    compile_inner(args).map(|()| 0)
}

fn compile_inner(args: CompileArgs) -> Result<()> {
    let bytes = std::fs::read(&args.module)
        .with_context(|| format!("cannot read `{}`", args.module.display()))?;
    let config = EngineConfig {
        kind: if args.target == Target::Pulley64 {
            EngineKind::Pulley
        } else {
            EngineKind::Cranelift
        },
        target: args.target,
        max_wasm_stack: args.max_wasm_stack.map(|s| s as usize),
        interruptible: args.interruptible,
        ..EngineConfig::default()
    };
    let artifact = continuum_engine::precompile(&config, &bytes)
        .with_context(|| format!("cannot compile `{}`", args.module.display()))?;
    let out = args
        .output
        .unwrap_or_else(|| args.module.with_extension("cwasm"));
    std::fs::write(&out, &artifact).with_context(|| format!("cannot write `{}`", out.display()))?;
    tracing::info!(bytes = artifact.len(), out = %out.display(), "compiled");
    Ok(())
}
