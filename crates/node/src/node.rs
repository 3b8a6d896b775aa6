//! [`Node`]: the apps and migrations of one node, the modules they run,
//! and who may ask for what.

use crate::api::*;
use crate::auth::Credentials;
use crate::config::NodeConfig;
use crate::error::{NodeError, check_id};
use crate::migrations::Migrations;
use crate::modules::LoadedModule;
use crate::records::Mount;
use crate::registry::Registry;
use crate::store::Store;
use continuum_engine::{CompileCache, ModuleLoader};
use continuum_wasi::WasiCtx;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use wasmtime::{Linker, StoreLimits, StoreLimitsBuilder};

/// The node: shared by the HTTP handlers, the apps' driver threads and the
/// background resolver.
pub struct Node {
    pub(crate) config: NodeConfig,
    pub(crate) store: Store,
    pub(crate) auth: Credentials,
    loader: ModuleLoader,
    modules: Mutex<HashMap<String, LoadedModule>>,
    pub(crate) apps: Registry,
    pub(crate) migrations: Migrations,
    pub(crate) client: crate::client::Client,
    /// Bytes of memory held by incoming migrations not yet prepared.
    pub(crate) inflight: AtomicU64,
    shutting_down: AtomicBool,
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node")
            .field("name", &self.config.name)
            .field("url", &self.config.url)
            .finish_non_exhaustive()
    }
}

impl Node {
    /// Opens the state directory and loads the credentials. Recovering what
    /// a previous run left is `crate::recover::open`'s job.
    pub(crate) fn new(mut config: NodeConfig) -> Result<Arc<Node>, NodeError> {
        check_id(&config.name).map_err(|_| {
            NodeError::BadRequest(format!(
                "node name `{}` is not 1-64 letters, digits, `.`, `_` or `-`",
                config.name
            ))
        })?;
        config.url = config.url.trim_end_matches('/').to_string();
        let store = Store::open(config.state_dir.as_deref())?;
        let auth = Credentials::open(store.root(), config.token_file.as_deref())?;
        let loader = ModuleLoader::new(
            &config.engine,
            config.cache_dir.clone().map(CompileCache::new),
        )?;
        let node = Arc::new(Node {
            config,
            store,
            auth,
            loader,
            modules: Mutex::new(HashMap::new()),
            apps: Registry::default(),
            migrations: Default::default(),
            client: crate::client::Client::new(None),
            inflight: AtomicU64::new(0),
            shutting_down: AtomicBool::new(false),
        });
        Ok(node)
    }

    pub fn name(&self) -> &str {
        &self.config.name
    }

    pub fn url(&self) -> &str {
        &self.config.url
    }

    pub fn state_dir(&self) -> &std::path::Path {
        self.store.root()
    }

    /// Where the admin token is.
    pub fn token_path(&self) -> &std::path::Path {
        self.auth.token_path()
    }

    pub fn info(&self) -> NodeInfo {
        NodeInfo {
            version: API_VERSION,
            name: self.config.name.clone(),
            url: self.config.url.clone(),
            arch: std::env::consts::ARCH.into(),
            os: std::env::consts::OS.into(),
            engine: continuum_snapshot::engine_name(self.loader.engine()).into(),
            can_prepare: continuum_snapshot::CAN_PREPARE,
            continuum: env!("CARGO_PKG_VERSION").into(),
            limits: self.config.limits.info(),
        }
    }

    pub(crate) fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::SeqCst)
    }

    pub(crate) fn refuse_if_shutting_down(&self) -> Result<(), NodeError> {
        if self.shutting_down.load(Ordering::SeqCst) {
            return Err(NodeError::ShuttingDown);
        }
        Ok(())
    }

    /// Stores a module (prepared here unless it already is) and compiles it.
    pub fn put_module(&self, bytes: &[u8]) -> Result<ModuleInfo, NodeError> {
        let wasm = continuum_engine::wasm_binary(bytes)?;
        let prepared = match continuum_snapshot::prepared_info(&wasm) {
            Some(_) => wasm.into_owned(),
            None => continuum_snapshot::prepare_cached(&wasm, None)?,
        };
        let sha256 = continuum_snapshot::sha256_hex(&prepared);
        let source_sha256 = continuum_snapshot::prepared_info(&prepared)
            .map(|i| i.source_sha256)
            .unwrap_or_default();
        // Compiled (and so validated) before it is stored.
        self.compile(&sha256, prepared.clone())?;
        let path = self.store.module_path(&sha256);
        if !path.exists() {
            crate::store::write_durably(&path, &prepared)
                .map_err(NodeError::io(format!("writing {}", path.display())))?;
        }
        Ok(ModuleInfo {
            sha256,
            source_sha256,
            bytes: prepared.len() as u64,
        })
    }

    /// Whether the module is stored here.
    pub fn has_module(&self, sha256: &str) -> bool {
        check_id(sha256).is_ok()
            && (self.modules_map().contains_key(sha256) || self.store.module_path(sha256).exists())
    }

    fn modules_map(&self) -> std::sync::MutexGuard<'_, HashMap<String, LoadedModule>> {
        self.modules.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn module(&self, sha256: &str) -> Result<LoadedModule, NodeError> {
        if let Some(m) = self.modules_map().get(sha256) {
            return Ok(m.clone());
        }
        check_id(sha256).map_err(|_| NodeError::UnknownModule(sha256.to_string()))?;
        let bytes = std::fs::read(self.store.module_path(sha256))
            .map_err(|_| NodeError::UnknownModule(sha256.to_string()))?;
        self.compile(sha256, bytes)
    }

    fn compile(&self, sha256: &str, prepared: Vec<u8>) -> Result<LoadedModule, NodeError> {
        if let Some(m) = self.modules_map().get(sha256) {
            return Ok(m.clone());
        }
        // Compiling takes a while: not under the map's lock.
        let module = self.loader.load(&prepared)?.module;
        let mut linker = Linker::new(module.engine());
        continuum_snapshot::add_to_linker(&mut linker)
            .map_err(|e| NodeError::Guest(continuum_snapshot::MigrateError::Wasm(e)))?;
        let loaded = LoadedModule {
            prepared: Arc::new(prepared),
            module,
            linker: Arc::new(linker),
        };
        self.modules_map()
            .entry(sha256.to_string())
            .or_insert(loaded.clone());
        Ok(loaded)
    }

    pub fn list(&self) -> Vec<AppInfo> {
        self.apps.all().iter().map(|s| s.info()).collect()
    }

    pub fn app(&self, id: &str) -> Result<AppInfo, NodeError> {
        Ok(self.apps.get(id)?.info())
    }

    /// Shutdown: refuses new work, then checkpoints every running app into
    /// its `suspend.snap` (a restart resumes it) and waits for them.
    pub fn shutdown(&self) {
        self.shutting_down.store(true, Ordering::SeqCst);
        let mut waits = Vec::new();
        for slot in self.apps.all() {
            let Ok(control) = slot.control() else {
                continue;
            };
            let (tx, rx) = std::sync::mpsc::channel();
            control.send(crate::control::Command::Suspend { reply: tx });
            waits.push((slot, rx));
        }
        for (slot, rx) in waits {
            let _ = rx.recv_timeout(std::time::Duration::from_secs(30));
            tracing::info!(app = %slot.id, state = %slot.state(), "at shutdown");
        }
    }

    /// Builds a WASI context for `mounts` from a snapshot's state.
    pub(crate) fn wasi_from(
        &self,
        state: continuum_wasi::WasiState,
        mounts: &[Mount],
    ) -> Result<WasiCtx, NodeError> {
        let dirs: HashMap<String, std::path::PathBuf> = mounts
            .iter()
            .map(|m| (m.guest.clone(), m.host.clone()))
            .collect();
        Ok(WasiCtx::from_state(state, &dirs)?)
    }
}

/// The store limits of an app with memory cap `max_memory`: linear
/// memories and tables (8 bytes a slot) count against it.
pub(crate) fn limits(max_memory: u64) -> StoreLimits {
    let bytes = usize::try_from(max_memory).unwrap_or(usize::MAX);
    StoreLimitsBuilder::new()
        .memory_size(bytes)
        .table_elements(bytes / 8)
        .trap_on_grow_failure(false)
        .build()
}

pub(crate) fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    // Without an OS random source, fall back to the clock: ids need only be
    // unique, not secret.
    if getrandom::fill(&mut b).is_err() {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        for (i, x) in b.iter_mut().enumerate() {
            *x = (t >> (8 * (i % 16))) as u8;
        }
    }
    hex::encode(b)
}
