//! The coverage check: the corpus as a whole must call every
//! wasi_snapshot_preview1 function, judged by the imports of the compiled C
//! programs and the `(call $name ...)`s of the WAT programs.

use crate::build::build;
use crate::spec::{Kind, all_specs};
use std::collections::{BTreeMap, BTreeSet};

/// Every wasi_snapshot_preview1 function.
const WASI_FUNCTIONS: &[&str] = &[
    "args_get",
    "args_sizes_get",
    "environ_get",
    "environ_sizes_get",
    "clock_res_get",
    "clock_time_get",
    "fd_advise",
    "fd_allocate",
    "fd_close",
    "fd_datasync",
    "fd_fdstat_get",
    "fd_fdstat_set_flags",
    "fd_fdstat_set_rights",
    "fd_filestat_get",
    "fd_filestat_set_size",
    "fd_filestat_set_times",
    "fd_pread",
    "fd_prestat_get",
    "fd_prestat_dir_name",
    "fd_pwrite",
    "fd_read",
    "fd_readdir",
    "fd_renumber",
    "fd_seek",
    "fd_sync",
    "fd_tell",
    "fd_write",
    "path_create_directory",
    "path_filestat_get",
    "path_filestat_set_times",
    "path_link",
    "path_open",
    "path_readlink",
    "path_remove_directory",
    "path_rename",
    "path_symlink",
    "path_unlink_file",
    "poll_oneoff",
    "proc_exit",
    "proc_raise",
    "random_get",
    "sched_yield",
    "sock_accept",
    "sock_recv",
    "sock_send",
    "sock_shutdown",
];

fn leb(b: &[u8], i: &mut usize) -> Option<u32> {
    let mut r: u32 = 0;
    let mut shift = 0;
    loop {
        let byte = *b.get(*i)?;
        *i += 1;
        r |= ((byte & 0x7f) as u32) << shift;
        if byte & 0x80 == 0 {
            return Some(r);
        }
        shift += 7;
        if shift > 28 {
            return None;
        }
    }
}

/// The wasi_snapshot_preview1 function imports of a module binary.
fn wasi_imports(wasm: &[u8]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut i = 8;
    while i < wasm.len() {
        let id = wasm[i];
        i += 1;
        let Some(len) = leb(wasm, &mut i) else { break };
        let end = i + len as usize;
        if id == 2 {
            let mut j = i;
            let n = leb(wasm, &mut j).unwrap_or(0);
            for _ in 0..n {
                let name = |j: &mut usize| -> Option<String> {
                    let l = leb(wasm, j)? as usize;
                    let s = String::from_utf8_lossy(wasm.get(*j..*j + l)?).into_owned();
                    *j += l;
                    Some(s)
                };
                let (Some(m), Some(f)) = (name(&mut j), name(&mut j)) else {
                    break;
                };
                let kind = wasm[j];
                j += 1;
                match kind {
                    0 => {
                        leb(wasm, &mut j);
                    }
                    1 => {
                        j += 1;
                        let flags = leb(wasm, &mut j).unwrap_or(0);
                        leb(wasm, &mut j);
                        if flags & 1 != 0 {
                            leb(wasm, &mut j);
                        }
                    }
                    2 => {
                        let flags = leb(wasm, &mut j).unwrap_or(0);
                        leb(wasm, &mut j);
                        if flags & 1 != 0 {
                            leb(wasm, &mut j);
                        }
                    }
                    3 => j += 2,
                    _ => break,
                }
                if m == "wasi_snapshot_preview1" && kind == 0 {
                    out.insert(f);
                }
            }
        }
        i = end;
    }
    out
}

/// Panics unless the corpus calls every preview1 function and nothing else.
pub fn check() {
    let b = build().as_ref().unwrap_or_else(|e| panic!("{e}"));
    let mut covered: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, r) in &b.wasm {
        if let Ok(p) = r {
            for f in wasi_imports(&std::fs::read(p).unwrap()) {
                covered.entry(f).or_default().push(name.clone());
            }
        }
    }
    for s in all_specs().into_iter().filter(|s| s.kind == Kind::Wat) {
        let text = std::fs::read_to_string(&s.source).unwrap();
        for f in WASI_FUNCTIONS {
            if text.contains(&format!("(call ${f} ")) || text.contains(&format!("(call ${f})")) {
                covered
                    .entry(f.to_string())
                    .or_default()
                    .push(s.name.clone());
            }
        }
    }
    let missing: Vec<&str> = WASI_FUNCTIONS
        .iter()
        .copied()
        .filter(|f| !covered.contains_key(*f))
        .collect();
    assert!(
        missing.is_empty(),
        "no corpus program calls: {}",
        missing.join(", ")
    );
    let unknown: Vec<&String> = covered
        .keys()
        .filter(|k| !WASI_FUNCTIONS.contains(&k.as_str()))
        .collect();
    assert!(
        unknown.is_empty(),
        "corpus programs import functions outside preview1: {unknown:?}"
    );
}
