//! Making a module pausable: our poll points (see [`crate::instrument`]),
//! then Binaryen's Asyncify so that a pause unwinds the Wasm call stack into
//! a memory and a resume rewinds it, then Binaryen's optimiser over the
//! result. Prepared modules are cached by content like compiled ones.

use crate::error::PrepareError;
use crate::instrument::{analyze, prepared_section};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Version of the preparation; part of the cache key and of
/// [`PreparedInfo`]. Bumped whenever the prepared module would change.
pub const PREPARE_VERSION: u32 = 1;

/// What the `continuum:prepared` custom section of a prepared module says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreparedInfo {
    /// [`PREPARE_VERSION`] of the pass that made it.
    pub version: u32,
    /// SHA-256 of the original module, hex.
    pub source_sha256: String,
    /// Poll points inserted (loop headers plus entries of calling functions).
    pub poll_points: u32,
    /// Memories of the original module.
    pub memories: u32,
    /// Indices of the mutable globals a snapshot holds.
    pub mutable_globals: Vec<u32>,
    /// Size of Asyncify's memory in pages: the deepest stack that unwinds.
    pub asyncify_memory_pages: u32,
}

/// The [`PreparedInfo`] of a prepared module, `None` for any other bytes.
pub fn prepared_info(bytes: &[u8]) -> Option<PreparedInfo> {
    serde_json::from_slice(&prepared_section(bytes)?).ok()
}

/// SHA-256 of `bytes` as hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}

/// Where the prepared form of `bytes` is cached under `dir`.
fn cache_path(dir: &Path, bytes: &[u8]) -> PathBuf {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"continuum-prepared");
    h.update(PREPARE_VERSION.to_le_bytes());
    h.update(crate::layout::ASYNCIFY_MEMORY_PAGES.to_le_bytes());
    h.update(bytes);
    let key = hex::encode(h.finalize());
    dir.join(format!("prepared-v{PREPARE_VERSION}"))
        .join(&key[..2])
        .join(format!("{key}.wasm"))
}

/// [`prepare`], through a cache directory when one is given. A prepared
/// module given as input is returned as it is.
pub fn prepare_cached(bytes: &[u8], cache_dir: Option<&Path>) -> Result<Vec<u8>, PrepareError> {
    if prepared_info(bytes).is_some() {
        return Ok(bytes.to_vec());
    }
    let path = cache_dir.map(|d| cache_path(d, bytes));
    if let Some(p) = &path
        && let Ok(cached) = std::fs::read(p)
    {
        if prepared_info(&cached).is_some_and(|i| i.source_sha256 == sha256_hex(bytes)) {
            tracing::debug!(path = %p.display(), "prepared module from cache");
            return Ok(cached);
        }
        tracing::warn!(path = %p.display(), "dropping a corrupt prepared-module cache entry");
        let _ = std::fs::remove_file(p);
    }
    let prepared = prepare(bytes)?;
    if let Some(p) = &path
        && let Err(e) = continuum_engine::write_file_atomically(p, &prepared)
    {
        tracing::warn!(path = %p.display(), "cannot cache the prepared module: {e}");
    }
    Ok(prepared)
}

/// Makes `bytes` pausable. A prepared module is returned as it is.
pub fn prepare(bytes: &[u8]) -> Result<Vec<u8>, PrepareError> {
    if prepared_info(bytes).is_some() {
        return Ok(bytes.to_vec());
    }
    let analysis = analyze(bytes)?;
    let polled = crate::instrument::instrument(bytes, &analysis)?;
    let unwindable = asyncify(&polled)?;
    let entries = analysis.calling_functions();
    let info = PreparedInfo {
        version: PREPARE_VERSION,
        source_sha256: sha256_hex(bytes),
        poll_points: analysis.loops + entries,
        memories: analysis.memories,
        mutable_globals: analysis.mutable_globals.clone(),
        asyncify_memory_pages: crate::layout::ASYNCIFY_MEMORY_PAGES,
    };
    let json = serde_json::to_vec(&info).map_err(|e| PrepareError::Rewrite(e.to_string()))?;
    let out = crate::instrument::finish(&unwindable, analysis.memories, &json)?;
    wasmparser::Validator::new()
        .validate_all(&out)
        .map_err(|e| {
            PrepareError::Rewrite(format!("the prepared module does not validate: {e}"))
        })?;
    Ok(out)
}

#[cfg(feature = "prepare")]
fn asyncify(bytes: &[u8]) -> Result<Vec<u8>, PrepareError> {
    use wasm_opt::{Feature, OptimizationOptions, Pass};
    let dir = tempfile::tempdir()?;
    let input = dir.path().join("polled.wasm");
    let unwound = dir.path().join("asyncify.wasm");
    let output = dir.path().join("prepared.wasm");
    std::fs::write(&input, bytes)?;
    let features = [
        Feature::MutableGlobals,
        Feature::TruncSat,
        Feature::SignExt,
        Feature::Simd,
        Feature::BulkMemory,
        Feature::ReferenceTypes,
        Feature::Multivalue,
        Feature::MultiMemory,
        Feature::ExtendedConst,
    ];
    let imports = crate::layout::unwinding_imports().join(",");
    let pages = crate::layout::ASYNCIFY_MEMORY_PAGES.to_string();
    let mut unwind = OptimizationOptions::new_opt_level_2();
    unwind
        .add_default_passes(false)
        .debug_info(true)
        .set_pass_arg("asyncify-imports", &imports)
        .set_pass_arg("asyncify-in-secondary-memory", "")
        .set_pass_arg("asyncify-secondary-memory-size", &pages)
        .add_pass(Pass::Asyncify);
    let mut optimize = OptimizationOptions::new_opt_level_2();
    optimize.debug_info(true);
    for f in features {
        unwind.enable_feature(f);
        optimize.enable_feature(f);
    }
    let started = std::time::Instant::now();
    unwind
        .run(&input, &unwound)
        .map_err(|e| PrepareError::Asyncify(format!("{e:#}")))?;
    let unwound_at = started.elapsed();
    optimize
        .run(&unwound, &output)
        .map_err(|e| PrepareError::Asyncify(format!("optimising: {e:#}")))?;
    tracing::info!(asyncify = ?unwound_at, optimise = ?(started.elapsed() - unwound_at), "Binaryen passes");
    Ok(std::fs::read(&output)?)
}

#[cfg(not(feature = "prepare"))]
fn asyncify(_bytes: &[u8]) -> Result<Vec<u8>, PrepareError> {
    Err(PrepareError::NotAvailable)
}
