//! A prepared module as a node holds it: compiled for this node's engine,
//! with the linker its guests are instantiated with.

use continuum_snapshot::Guest;
use std::sync::Arc;
use wasmtime::{ExternType, Linker, Module};

/// A prepared module, compiled for this node's engine.
#[derive(Clone)]
pub(crate) struct LoadedModule {
    pub prepared: Arc<Vec<u8>>,
    pub module: Module,
    pub linker: Arc<Linker<Guest>>,
}

impl LoadedModule {
    /// The most pages memory `index` may grow to, as the module declares.
    pub fn max_pages(&self, index: u32) -> Option<u64> {
        let name = continuum_snapshot::layout::memory_export(index);
        self.module.exports().find_map(|e| match e.ty() {
            ExternType::Memory(m) if e.name() == name => Some(m.maximum().unwrap_or(65536)),
            _ => None,
        })
    }
}
