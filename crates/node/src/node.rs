//! [`Node`]: the apps and migrations of one node, and the modules they run.

use crate::api::*;
use crate::app::Control;
use crate::error::{NodeError, check_id};
use crate::store::{AppRecord, MigrationRecord, RECORD_VERSION, Store, Stream, unix_ms};
use continuum_engine::{CompileCache, EngineConfig, ModuleLoader};
use continuum_snapshot::{Guest, Migratable};
use continuum_wasi::{StdStream, WasiCtx, WasiCtxBuilder};
use std::collections::HashMap;
use std::os::fd::OwnedFd;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use wasmtime::{Linker, Module, StoreLimits, StoreLimitsBuilder};

/// How a node is set up.
#[derive(Debug, Clone, Default)]
pub struct NodeConfig {
    /// State directory (`None`: a temporary one, nothing survives a restart).
    pub state_dir: Option<PathBuf>,
    /// The URL other nodes and clients reach this node at.
    pub url: String,
    pub engine: EngineConfig,
    /// Compile cache directory (`None`: no cache).
    pub cache_dir: Option<PathBuf>,
}

/// A prepared module, compiled for this node's engine.
#[derive(Clone)]
pub(crate) struct LoadedModule {
    pub prepared: Arc<Vec<u8>>,
    pub module: Module,
    pub linker: Arc<Linker<Guest>>,
}

/// One app as the node holds it: its record and, while it runs here, the
/// handle that sends commands to its driver thread.
pub(crate) struct AppEntry {
    pub record: AppRecord,
    pub control: Option<Control>,
    /// A migration or stop is in progress: refuse another.
    pub busy: bool,
}

/// One migration: its journal record and, on a target that prepared it,
/// the restored guest waiting for the decision.
pub(crate) struct MigrationEntry {
    pub record: MigrationRecord,
    pub waiting: Option<Waiting>,
}

/// A guest restored from a migration, not running until committed.
pub(crate) struct Waiting {
    pub app: Migratable,
    pub module: LoadedModule,
}

/// The node: shared by the HTTP handlers, the apps' driver threads and the
/// background resolver.
pub struct Node {
    pub(crate) store: Store,
    pub(crate) url: String,
    loader: ModuleLoader,
    modules: Mutex<HashMap<String, LoadedModule>>,
    pub(crate) apps: Mutex<HashMap<String, AppEntry>>,
    pub(crate) migrations: Mutex<HashMap<String, MigrationEntry>>,
    /// Target: memory received by pre-copy rounds, and how many rounds.
    pub(crate) precopy: Mutex<HashMap<String, (continuum_snapshot::Accumulator, u32)>>,
    pub(crate) client: crate::client::Client,
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// Locks a mutex, going on after a panic elsewhere (state stays usable:
/// every update is a single assignment).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Node {
    /// Opens the state directory and recovers what a previous run left
    /// (see [`crate::recover`]).
    pub fn open(config: NodeConfig) -> Result<Arc<Node>, NodeError> {
        let store = Store::open(config.state_dir.as_deref())?;
        let loader = ModuleLoader::new(&config.engine, config.cache_dir.map(CompileCache::new))?;
        let node = Arc::new(Node {
            store,
            url: config.url.trim_end_matches('/').to_string(),
            loader,
            modules: Mutex::new(HashMap::new()),
            apps: Mutex::new(HashMap::new()),
            migrations: Mutex::new(HashMap::new()),
            precopy: Mutex::new(HashMap::new()),
            client: crate::client::Client::new(),
        });
        crate::recover::recover(&node);
        Ok(node)
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn state_dir(&self) -> &std::path::Path {
        self.store.root()
    }

    pub fn info(&self) -> serde_json::Value {
        serde_json::json!({
            "version": API_VERSION,
            "url": self.url,
            "arch": std::env::consts::ARCH,
            "os": std::env::consts::OS,
            "engine": continuum_snapshot::engine_name(self.loader.engine()),
            "can_prepare": continuum_snapshot::CAN_PREPARE,
            "continuum": env!("CARGO_PKG_VERSION"),
        })
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
        let path = self.store.module_path(&sha256);
        if !path.exists() {
            crate::store::write_durably(&path, &prepared)
                .map_err(NodeError::io(format!("writing {}", path.display())))?;
        }
        self.compile(&sha256, prepared.clone())?;
        Ok(ModuleInfo {
            sha256,
            source_sha256,
            bytes: prepared.len() as u64,
        })
    }

    /// Whether the module is stored here.
    pub fn has_module(&self, sha256: &str) -> bool {
        check_id(sha256).is_ok()
            && (lock(&self.modules).contains_key(sha256) || self.store.module_path(sha256).exists())
    }

    pub(crate) fn module(&self, sha256: &str) -> Result<LoadedModule, NodeError> {
        if let Some(m) = lock(&self.modules).get(sha256) {
            return Ok(m.clone());
        }
        check_id(sha256).map_err(|_| NodeError::UnknownModule(sha256.to_string()))?;
        let bytes = std::fs::read(self.store.module_path(sha256))
            .map_err(|_| NodeError::UnknownModule(sha256.to_string()))?;
        self.compile(sha256, bytes)
    }

    fn compile(&self, sha256: &str, prepared: Vec<u8>) -> Result<LoadedModule, NodeError> {
        if let Some(m) = lock(&self.modules).get(sha256) {
            return Ok(m.clone());
        }
        let module = self.loader.load(&prepared)?.module;
        let mut linker = Linker::new(module.engine());
        continuum_snapshot::add_to_linker(&mut linker)
            .map_err(|e| NodeError::Guest(continuum_snapshot::MigrateError::Wasm(e)))?;
        let loaded = LoadedModule {
            prepared: Arc::new(prepared),
            module,
            linker: Arc::new(linker),
        };
        lock(&self.modules).insert(sha256.to_string(), loaded.clone());
        Ok(loaded)
    }

    /// Starts an app from a stored module.
    pub fn start(self: &Arc<Self>, req: StartRequest) -> Result<AppInfo, NodeError> {
        let id = match req.id.clone() {
            Some(id) => id,
            None => format!("app-{}", random_hex(4)),
        };
        check_id(&id)?;
        let module = self.module(&req.module)?;
        let mut record = AppRecord {
            version: RECORD_VERSION,
            info: AppInfo {
                id: id.clone(),
                state: AppState::Running,
                module: req.module.clone(),
                args: req.args.clone(),
                exit_code: None,
                error: None,
                moved_to: None,
                came_from: None,
                stdout: StreamInfo::default(),
                stderr: StreamInfo::default(),
                started_unix_ms: unix_ms(),
            },
            env: req.env.clone(),
            dirs: req.dirs.clone(),
            carry_files: req.carry_files,
            max_memory: req.max_memory,
            recover_from: None,
        };
        self.claim_id(&id)?;
        let result = (|| {
            let mut b = WasiCtxBuilder::new().arg(id.clone());
            for a in &req.args {
                b = b.arg(a.clone());
            }
            for kv in &req.env {
                let (k, v) = kv
                    .split_once('=')
                    .ok_or_else(|| NodeError::BadRequest(format!("env entry `{kv}` has no `=`")))?;
                b = b.env(k, v);
            }
            for d in &req.dirs {
                b = b.preopen_dir(d.host.as_ref(), &d.guest, d.read_only)?;
            }
            let mut wasi = b.build()?;
            self.redirect_output(&mut wasi, &id, true)?;
            let guest = Guest::new(wasi, limits(req.max_memory));
            Ok(Migratable::new(
                &module.prepared,
                &module.module,
                &module.linker,
                guest,
            )?)
        })();
        let app = match result {
            Ok(app) => app,
            Err(e) => {
                lock(&self.apps).remove(&id);
                return Err(e);
            }
        };
        record.info.state = AppState::Running;
        self.launch(record, app, module)
    }

    /// Reserves `id` for an app about to start or arrive: refused while an
    /// app of that id has not ended here.
    pub(crate) fn claim_id(&self, id: &str) -> Result<(), NodeError> {
        let mut apps = lock(&self.apps);
        if let Some(e) = apps.get(id)
            && (!e.record.info.state.is_final() || e.busy)
        {
            return Err(NodeError::AppExists(id.to_string()));
        }
        // A placeholder that keeps the id taken until `launch` or a failure.
        apps.insert(
            id.to_string(),
            AppEntry {
                record: placeholder(id),
                control: None,
                busy: true,
            },
        );
        Ok(())
    }

    /// Sends the guest's stdout and stderr to the app's logs (`fresh`:
    /// start them empty) and its stdin to /dev/null.
    pub(crate) fn redirect_output(
        &self,
        wasi: &mut WasiCtx,
        id: &str,
        fresh: bool,
    ) -> Result<(), NodeError> {
        std::fs::create_dir_all(self.store.app_dir(id))
            .map_err(NodeError::io(format!("creating the directory of app {id}")))?;
        for (stream, s) in [
            (StdStream::Stdout, Stream::Stdout),
            (StdStream::Stderr, Stream::Stderr),
        ] {
            let path = self.store.log_path(id, s);
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .truncate(false)
                .open(&path)
                .map_err(NodeError::io(format!("opening {}", path.display())))?;
            if fresh {
                file.set_len(0)
                    .map_err(NodeError::io(format!("truncating {}", path.display())))?;
            }
            wasi.redirect_stdio(stream, OwnedFd::from(file));
        }
        let null = std::fs::File::open("/dev/null").map_err(NodeError::io("opening /dev/null"))?;
        wasi.redirect_stdio(StdStream::Stdin, OwnedFd::from(null));
        Ok(())
    }

    /// Records the app as running and starts its driver thread.
    pub(crate) fn launch(
        self: &Arc<Self>,
        mut record: AppRecord,
        app: Migratable,
        module: LoadedModule,
    ) -> Result<AppInfo, NodeError> {
        let id = record.info.id.clone();
        record.info.state = AppState::Running;
        self.store.save_app(&record)?;
        let control = Control::new(app.pause_handle(), app.memory_reader());
        let info = self.with_ends(record.info.clone());
        lock(&self.apps).insert(
            id.clone(),
            AppEntry {
                record,
                control: Some(control.clone()),
                busy: false,
            },
        );
        let node = self.clone();
        std::thread::Builder::new()
            .name(format!("app-{id}"))
            .spawn(move || crate::app::drive(node, id, app, module, control))
            .map_err(NodeError::io("spawning the app's thread"))?;
        Ok(info)
    }

    /// Fills in the current ends of the output streams.
    pub(crate) fn with_ends(&self, mut info: AppInfo) -> AppInfo {
        for (s, stream) in [
            (Stream::Stdout, &mut info.stdout),
            (Stream::Stderr, &mut info.stderr),
        ] {
            let len = std::fs::metadata(self.store.log_path(&info.id, s))
                .map(|m| m.len())
                .unwrap_or(0);
            stream.end = stream.base + len;
        }
        info
    }

    pub fn list(&self) -> Vec<AppInfo> {
        let records: Vec<AppInfo> = lock(&self.apps)
            .values()
            .filter(|e| !is_placeholder(&e.record))
            .map(|e| e.record.info.clone())
            .collect();
        let mut out: Vec<AppInfo> = records.into_iter().map(|i| self.with_ends(i)).collect();
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out
    }

    pub fn app(&self, id: &str) -> Result<AppInfo, NodeError> {
        let info = lock(&self.apps)
            .get(id)
            .filter(|e| !is_placeholder(&e.record))
            .map(|e| e.record.info.clone())
            .ok_or_else(|| NodeError::UnknownApp(id.to_string()))?;
        Ok(self.with_ends(info))
    }

    pub(crate) fn record(&self, id: &str) -> Result<AppRecord, NodeError> {
        lock(&self.apps)
            .get(id)
            .filter(|e| !is_placeholder(&e.record))
            .map(|e| e.record.clone())
            .ok_or_else(|| NodeError::UnknownApp(id.to_string()))
    }

    /// Changes an app's record (and persists it).
    pub(crate) fn update_app(
        &self,
        id: &str,
        f: impl FnOnce(&mut AppRecord),
    ) -> Result<(), NodeError> {
        let mut apps = lock(&self.apps);
        let entry = apps
            .get_mut(id)
            .ok_or_else(|| NodeError::UnknownApp(id.to_string()))?;
        f(&mut entry.record);
        self.store.save_app(&entry.record)
    }

    pub fn migration(&self, id: &str) -> Result<MigrationStatus, NodeError> {
        lock(&self.migrations)
            .get(id)
            .map(|m| status_of(&m.record))
            .ok_or_else(|| NodeError::UnknownMigration(id.to_string()))
    }
}

pub(crate) fn status_of(r: &MigrationRecord) -> MigrationStatus {
    MigrationStatus {
        migration: r.id.clone(),
        app: r.app.clone(),
        role: r.role,
        state: r.state,
        peer: r.peer.clone(),
    }
}

pub(crate) fn limits(max_memory: Option<u64>) -> StoreLimits {
    let mut l = StoreLimitsBuilder::new();
    if let Some(max) = max_memory {
        l = l.memory_size(usize::try_from(max).unwrap_or(usize::MAX));
    }
    l.build()
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

const PLACEHOLDER_MODULE: &str = "";

fn placeholder(id: &str) -> AppRecord {
    AppRecord {
        version: RECORD_VERSION,
        info: AppInfo {
            id: id.to_string(),
            state: AppState::Arriving,
            module: PLACEHOLDER_MODULE.to_string(),
            args: vec![],
            exit_code: None,
            error: None,
            moved_to: None,
            came_from: None,
            stdout: StreamInfo::default(),
            stderr: StreamInfo::default(),
            started_unix_ms: 0,
        },
        env: vec![],
        dirs: vec![],
        carry_files: false,
        max_memory: None,
        recover_from: None,
    }
}

fn is_placeholder(r: &AppRecord) -> bool {
    r.info.module == PLACEHOLDER_MODULE
}
