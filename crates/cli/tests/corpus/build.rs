//! Building the C programs with clang-19, for wasm32-wasi and (for the
//! programs whose oracle is Linux) natively, two at a time, once per test
//! binary run. Artifacts are cached under CARGO_TARGET_TMPDIR and rebuilt when
//! the source, common.h or escape.h is newer. WAT programs need no build.

use crate::spec::{Kind, Oracle, Spec, all_specs};
use crate::{corpus_dir, filter_ok, work_dir};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};
use std::time::SystemTime;

struct Toolchain {
    clang: String,
    sysroot: PathBuf,
}

fn toolchain() -> Result<Toolchain, String> {
    let clang = std::env::var("CORPUS_CLANG").unwrap_or_else(|_| "clang-19".into());
    let sysroot =
        PathBuf::from(std::env::var("CORPUS_WASI_SYSROOT").unwrap_or_else(|_| "/usr".into()));
    let ok = Command::new(&clang)
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    let hint = "install the Wasm C toolchain with `bash scripts/setup.sh` (clang-19, lld-19, wasi-libc, \
                libclang-rt-19-dev-wasm32), or point CORPUS_CLANG / CORPUS_WASI_SYSROOT at one";
    if !ok {
        return Err(format!(
            "the corpus needs `{clang}`, which is not runnable here: {hint}"
        ));
    }
    for f in [
        "include/wasm32-wasi/stdio.h",
        "lib/wasm32-wasi/libc.a",
        "lib/wasm32-wasi/crt1-command.o",
    ] {
        if !sysroot.join(f).exists() {
            return Err(format!(
                "the WASI sysroot has no {}: {hint}",
                sysroot.join(f).display()
            ));
        }
    }
    Ok(Toolchain { clang, sysroot })
}

/// Compiled artifacts of the C programs: name -> path (or the compiler's complaint).
pub struct Build {
    pub wasm: HashMap<String, Result<PathBuf, String>>,
    pub native: HashMap<String, Result<PathBuf, String>>,
}

fn mtime(p: &Path) -> Option<SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

fn compile(tc: &Toolchain, spec: &Spec, wasm: bool) -> Result<PathBuf, String> {
    let dir = work_dir().join("build");
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join(format!(
        "{}.{}",
        spec.name,
        if wasm { "wasm" } else { "native" }
    ));
    let corpus = corpus_dir();
    let newest_input = [
        spec.source.clone(),
        corpus.join("common.h"),
        corpus.join("escape.h"),
    ]
    .iter()
    .filter_map(|p| mtime(p))
    .max();
    if let (Some(o), Some(i)) = (mtime(&out), newest_input) {
        if o >= i {
            return Ok(out);
        }
    }
    let tmp = PathBuf::from(format!("{}.tmp{}", out.display(), std::process::id()));
    let mut cmd = Command::new(&tc.clang);
    if wasm {
        cmd.arg("--target=wasm32-wasi")
            .arg(format!("--sysroot={}", tc.sysroot.display()));
    }
    cmd.args([
        "-O2",
        "-Wall",
        "-Werror=implicit-function-declaration",
        "-I",
    ])
    .arg(&corpus);
    cmd.args(&spec.cflags).arg(&spec.source).arg("-o").arg(&tmp);
    let o = cmd
        .output()
        .map_err(|e| format!("cannot run {}: {e}", tc.clang))?;
    if !o.status.success() {
        return Err(format!(
            "{} failed to compile ({}):\n{}",
            spec.name,
            if wasm { "wasm32-wasi" } else { "native" },
            String::from_utf8_lossy(&o.stderr)
        ));
    }
    std::fs::rename(&tmp, &out).map_err(|e| e.to_string())?;
    Ok(out)
}

pub fn build() -> &'static Result<Build, String> {
    static BUILD: OnceLock<Result<Build, String>> = OnceLock::new();
    BUILD.get_or_init(|| {
        let tc = toolchain()?;
        let specs: Vec<Spec> = all_specs()
            .into_iter()
            .filter(|s| s.kind == Kind::C && filter_ok(&s.name))
            .collect();
        let mut jobs: Vec<(Spec, bool)> = Vec::new();
        for s in &specs {
            jobs.push((s.clone(), true));
            if s.oracle == Oracle::Native {
                jobs.push((s.clone(), false));
            }
        }
        let jobs = Mutex::new(jobs);
        let results = Mutex::new(Vec::new());
        std::thread::scope(|sc| {
            for _ in 0..2 {
                sc.spawn(|| {
                    loop {
                        let Some((spec, wasm)) = jobs.lock().unwrap().pop() else {
                            break;
                        };
                        let r = compile(&tc, &spec, wasm);
                        results.lock().unwrap().push((spec.name.clone(), wasm, r));
                    }
                });
            }
        });
        let mut b = Build {
            wasm: HashMap::new(),
            native: HashMap::new(),
        };
        for (name, wasm, r) in results.into_inner().unwrap() {
            if wasm {
                b.wasm.insert(name, r);
            } else {
                b.native.insert(name, r);
            }
        }
        Ok(b)
    })
}

pub fn built(spec: &Spec) -> Result<(PathBuf, Option<PathBuf>), String> {
    if spec.kind == Kind::Wat {
        return Ok((spec.source.clone(), None));
    }
    let b = build().as_ref().map_err(|e| e.clone())?;
    let wasm = b
        .wasm
        .get(&spec.name)
        .cloned()
        .unwrap_or_else(|| Err("not built".into()))?;
    let native = match spec.oracle {
        Oracle::Native => Some(
            b.native
                .get(&spec.name)
                .cloned()
                .unwrap_or_else(|| Err("not built".into()))?,
        ),
        Oracle::Expected => None,
    };
    Ok((wasm, native))
}
