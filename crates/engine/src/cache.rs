//! The content-addressed compile cache.
//!
//! An artifact is stored under the SHA-256 of: a format tag, wasmtime's
//! compatibility hash of the engine (version, target, every setting that
//! shapes code) and the module bytes. So a cached artifact is only ever
//! loaded by an engine that would have produced the very same code. Files are
//! written to a temporary name and renamed into place, so a reader never sees
//! a half-written artifact; one that fails to load anyway is deleted and the
//! module recompiled. The layout is documented in `docs/compile-cache.md`.

use std::path::{Path, PathBuf};
#[cfg(feature = "compiler")]
use {
    sha2::{Digest, Sha256},
    std::hash::{Hash, Hasher},
    wasmtime::{Engine, Module},
};

/// Version of the cache layout; part of every key and of the directory name.
pub const CACHE_FORMAT_VERSION: u32 = 1;

/// A directory of compiled artifacts.
#[derive(Clone, Debug)]
pub struct CompileCache {
    dir: PathBuf,
}

/// Where the cache lives by default: `$CONTINUUM_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/continuum`, else `$HOME/.cache/continuum`.
pub fn default_cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("CONTINUUM_CACHE_DIR") {
        return Some(PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME") {
        return Some(PathBuf::from(dir).join("continuum"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache").join("continuum"))
}

#[cfg(feature = "compiler")]
/// Feeds what a `Hash` impl writes into SHA-256 (stable, unlike `DefaultHasher`).
struct ShaHasher(Sha256);

#[cfg(feature = "compiler")]
impl Hasher for ShaHasher {
    fn finish(&self) -> u64 {
        0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

impl CompileCache {
    /// A cache rooted at `dir` (created on first store).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        CompileCache { dir: dir.into() }
    }

    /// The root directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    // Needs wasmtime's compiler (compatibility hash, serialisation).
    #[cfg(feature = "compiler")]
    /// The cache key of `bytes` for `engine`, as hex.
    pub fn key(engine: &Engine, bytes: &[u8]) -> String {
        let mut h = ShaHasher(Sha256::new());
        h.0.update(b"continuum-compile-cache");
        h.0.update(CACHE_FORMAT_VERSION.to_le_bytes());
        engine.precompile_compatibility_hash().hash(&mut h);
        h.0.update((bytes.len() as u64).to_le_bytes());
        h.0.update(bytes);
        hex::encode(h.0.finalize())
    }

    /// Where the artifact for `key` lives.
    pub fn path_of(&self, key: &str) -> PathBuf {
        self.dir
            .join(format!("modules-v{CACHE_FORMAT_VERSION}"))
            .join(&key[..2])
            .join(format!("{key}.cwasm"))
    }

    // Needs wasmtime's compiler (compatibility hash, serialisation).
    #[cfg(feature = "compiler")]
    /// The cached module for `bytes`, if there is a loadable one.
    pub fn get(&self, engine: &Engine, bytes: &[u8]) -> Option<Module> {
        let path = self.path_of(&Self::key(engine, bytes));
        if !path.exists() {
            return None;
        }
        // SAFETY: only this cache writes these files, from this engine
        // configuration (the key says so), and wasmtime checks the header.
        match unsafe { Module::deserialize_file(engine, &path) } {
            Ok(m) => {
                tracing::debug!(path = %path.display(), "compile cache hit");
                Some(m)
            }
            Err(e) => {
                tracing::warn!(path = %path.display(), "dropping unloadable cache entry: {e:#}");
                let _ = std::fs::remove_file(&path);
                None
            }
        }
    }

    // Needs wasmtime's compiler (compatibility hash, serialisation).
    #[cfg(feature = "compiler")]
    /// Stores `module` (compiled from `bytes`). Failures only cost speed, so
    /// they are logged, not returned.
    pub fn put(&self, engine: &Engine, bytes: &[u8], module: &Module) {
        let path = self.path_of(&Self::key(engine, bytes));
        if let Err(e) = write_atomically(&path, module) {
            tracing::warn!(path = %path.display(), "cannot store compiled module: {e}");
        }
    }
}

#[cfg(feature = "compiler")]
fn write_atomically(path: &Path, module: &Module) -> std::io::Result<()> {
    let data = module.serialize().map_err(std::io::Error::other)?;
    write_file_atomically(path, &data)
}

/// Writes `data` to a temporary file beside `path` and renames it into
/// place (creating the directory), so that readers see all or nothing.
pub fn write_file_atomically(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let Some(dir) = path.parent() else {
        return Err(std::io::Error::other("path has no parent directory"));
    };
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(data)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(all(test, feature = "compiler"))]
mod tests {
    use super::*;
    use crate::EngineConfig;

    const WAT: &str = r#"(module (func (export "f") (result i32) i32.const 7))"#;

    #[test]
    fn second_load_comes_from_the_cache_and_corrupt_entries_are_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let cache = CompileCache::new(dir.path());
        let engine = EngineConfig::default().build().unwrap();
        assert!(cache.get(&engine, WAT.as_bytes()).is_none());
        let module = Module::new(&engine, WAT).unwrap();
        cache.put(&engine, WAT.as_bytes(), &module);
        let path = cache.path_of(&CompileCache::key(&engine, WAT.as_bytes()));
        assert!(path.exists());
        assert!(cache.get(&engine, WAT.as_bytes()).is_some());
        std::fs::write(&path, b"\x7fELF garbage").unwrap();
        assert!(cache.get(&engine, WAT.as_bytes()).is_none());
        assert!(!path.exists(), "a corrupt entry is removed");
    }

    #[test]
    fn key_depends_on_engine_settings_and_bytes() {
        let a = EngineConfig::default().build().unwrap();
        let b = EngineConfig {
            kind: crate::EngineKind::Pulley,
            ..Default::default()
        }
        .build()
        .unwrap();
        assert_ne!(CompileCache::key(&a, b"x"), CompileCache::key(&b, b"x"));
        assert_ne!(CompileCache::key(&a, b"x"), CompileCache::key(&a, b"y"));
        assert_eq!(CompileCache::key(&a, b"x"), CompileCache::key(&a, b"x"));
    }
}
