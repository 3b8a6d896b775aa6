//! The fresh directory tree each run gets (ROOT/box, ROOT/outside with its
//! canary and secret, the extra preopens), and the seeding of a program's
//! `file`, `dir` and `symlink` directives into it.

use crate::spec::Spec;
use crate::work_dir;
use std::path::{Path, PathBuf};

const SECRET: &str = "TOPSECRET-continuum-corpus-7f3a";
const CANARY: &str = "canary: must stay unchanged\n";

/// A fresh sandbox for one run.
pub struct Sandbox {
    _tmp: tempfile::TempDir,
    pub root: PathBuf,
    pub boxdir: PathBuf,
    pub outside: PathBuf,
}

pub fn new_root() -> (tempfile::TempDir, PathBuf) {
    let base = work_dir().join("runs");
    std::fs::create_dir_all(&base).unwrap();
    let tmp = tempfile::Builder::new()
        .prefix("run-")
        .tempdir_in(&base)
        .unwrap();
    let root = tmp.path().canonicalize().unwrap();
    (tmp, root)
}

pub fn populate(dir: &Path, spec: &Spec, root: &Path) {
    for d in &spec.dirs {
        std::fs::create_dir_all(dir.join(d)).unwrap();
    }
    for (p, c) in &spec.files {
        let p = dir.join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, c).unwrap();
    }
    for (p, t) in &spec.symlinks {
        let t = t
            .replace("{OUTSIDE}", &root.join("outside").to_string_lossy())
            .replace("{ROOT}", &root.to_string_lossy());
        let p = dir.join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(t, p).unwrap();
    }
}

pub fn sandbox(spec: &Spec) -> Sandbox {
    let (tmp, root) = new_root();
    let boxdir = root.join("box");
    let outside = root.join("outside");
    std::fs::create_dir_all(&boxdir).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("canary.txt"), CANARY).unwrap();
    std::fs::write(outside.join("secret.txt"), format!("{SECRET}\n")).unwrap();
    populate(&boxdir, spec, &root);
    for p in &spec.preopens {
        let d = root.join(&p.name);
        std::fs::create_dir_all(d.join("sub")).unwrap();
        std::fs::create_dir_all(d.join("empty")).unwrap();
        std::fs::write(d.join("hello.txt"), format!("hello from {}\n", p.name)).unwrap();
        std::fs::write(d.join("sub/inner.txt"), format!("inner of {}\n", p.name)).unwrap();
    }
    match spec.hook.as_deref() {
        Some("swap-loop") => {
            std::fs::create_dir_all(boxdir.join("d")).unwrap();
            std::fs::write(boxdir.join("d/f"), "inside\n").unwrap();
            std::fs::write(outside.join("f"), format!("{SECRET}\n")).unwrap();
        }
        Some("move-out") | None => {}
        Some(h) => panic!("unknown hook {h}"),
    }
    Sandbox {
        _tmp: tmp,
        root,
        boxdir,
        outside,
    }
}
