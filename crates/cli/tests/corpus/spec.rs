//! The corpus programs and their header directives: `// key: value` lines
//! (`;; key: value` in WAT) at the top of each file, as tests/corpus/README.md
//! describes them.

use crate::common::{split_words, unescape};
use crate::corpus_dir;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    C,
    Wat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Oracle {
    Native,
    Expected,
}

#[derive(Debug, Clone)]
pub struct Preopen {
    pub name: String,
    /// None: `--dir HOST` without `::GUEST`.
    pub guest: Option<String>,
    pub ro: bool,
}

/// A corpus program and its header directives (see tests/corpus/README.md).
#[derive(Debug, Clone)]
pub struct Spec {
    pub name: String,
    pub source: PathBuf,
    pub kind: Kind,
    pub oracle: Oracle,
    pub runs: Vec<Vec<String>>,
    pub env: Vec<(String, String)>,
    pub env_inherit: Vec<(String, String)>,
    pub flags: Vec<String>,
    pub stdin: Option<Vec<u8>>,
    pub exit: i32,
    pub preopens: Vec<Preopen>,
    pub files: Vec<(String, Vec<u8>)>,
    pub dirs: Vec<String>,
    pub symlinks: Vec<(String, String)>,
    pub hook: Option<String>,
    pub tcplisten: bool,
    pub client_send: Option<Vec<u8>>,
    pub client_expect: Option<Vec<u8>>,
    pub stderr_contains: Vec<String>,
    pub stderr_lines: Option<usize>,
    pub stderr_starts: Option<String>,
    pub invoke: Option<String>,
    pub cflags: Vec<String>,
}

const KEYS: &[&str] = &[
    "oracle",
    "run",
    "env",
    "env-inherit",
    "flags",
    "stdin",
    "exit",
    "preopen",
    "file",
    "dir",
    "symlink",
    "hook",
    "tcplisten",
    "client-send",
    "client-expect",
    "stderr-contains",
    "stderr-lines",
    "stderr-starts",
    "invoke",
    "cflags",
];

fn parse_spec(path: &Path) -> Result<Spec, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let name = path.file_stem().unwrap().to_string_lossy().into_owned();
    let kind = if path.extension().is_some_and(|e| e == "c") {
        Kind::C
    } else {
        Kind::Wat
    };
    let prefix = if kind == Kind::C { "//" } else { ";;" };
    let mut s = Spec {
        name: name.clone(),
        source: path.to_path_buf(),
        kind,
        oracle: Oracle::Expected,
        runs: Vec::new(),
        env: Vec::new(),
        env_inherit: Vec::new(),
        flags: Vec::new(),
        stdin: None,
        exit: 0,
        preopens: Vec::new(),
        files: Vec::new(),
        dirs: Vec::new(),
        symlinks: Vec::new(),
        hook: None,
        tcplisten: false,
        client_send: None,
        client_expect: None,
        stderr_contains: Vec::new(),
        stderr_lines: None,
        stderr_starts: None,
        invoke: None,
        cflags: Vec::new(),
    };
    let mut saw_oracle = false;
    for line in text.lines() {
        let Some(rest) = line.strip_prefix(prefix) else {
            break;
        };
        let rest = rest.trim();
        let (key, value) = match rest.split_once(':') {
            Some((k, v)) if KEYS.contains(&k.trim()) => (k.trim(), v.trim()),
            _ if KEYS.contains(&rest) => (rest, ""),
            _ => continue,
        };
        let bad = |what: &str| format!("{name}: bad `{key}` directive ({what}): {line}");
        match key {
            "oracle" => {
                saw_oracle = true;
                s.oracle = match value {
                    "native" => Oracle::Native,
                    "expected" => Oracle::Expected,
                    _ => return Err(bad("native or expected")),
                }
            }
            "run" => s.runs.push(split_words(value)),
            "env" => {
                for w in split_words(value) {
                    let (k, v) = w.split_once('=').ok_or_else(|| bad("KEY=VALUE"))?;
                    s.env.push((k.to_string(), v.to_string()));
                }
            }
            "env-inherit" => {
                for w in split_words(value) {
                    let (k, v) = w.split_once('=').ok_or_else(|| bad("KEY=VALUE"))?;
                    s.env_inherit.push((k.to_string(), v.to_string()));
                }
            }
            "flags" => s.flags.extend(split_words(value)),
            "stdin" => s.stdin = Some(unescape(value)),
            "exit" => s.exit = value.parse().map_err(|_| bad("a number"))?,
            "preopen" => {
                let w = split_words(value);
                if w.len() < 2 || w.len() > 3 || (w.len() == 3 && w[2] != "ro") {
                    return Err(bad("NAME GUEST|= [ro]"));
                }
                let guest = if w[1] == "=" {
                    None
                } else {
                    Some(w[1].clone())
                };
                s.preopens.push(Preopen {
                    name: w[0].clone(),
                    guest,
                    ro: w.len() == 3,
                });
            }
            "file" => {
                let (p, c) = value
                    .split_once(" = ")
                    .ok_or_else(|| bad("PATH = CONTENT"))?;
                s.files.push((p.trim().to_string(), unescape(c)));
            }
            "dir" => s.dirs.push(value.to_string()),
            "symlink" => {
                let (p, t) = value
                    .split_once(" -> ")
                    .ok_or_else(|| bad("PATH -> TARGET"))?;
                s.symlinks
                    .push((p.trim().to_string(), t.trim().to_string()));
            }
            "hook" => {
                if !["move-out", "swap-loop"].contains(&value) {
                    return Err(bad("move-out or swap-loop"));
                }
                s.hook = Some(value.to_string())
            }
            "tcplisten" => s.tcplisten = true,
            "client-send" => s.client_send = Some(unescape(value)),
            "client-expect" => s.client_expect = Some(unescape(value)),
            "stderr-contains" => s.stderr_contains.push(value.to_string()),
            "stderr-lines" => s.stderr_lines = Some(value.parse().map_err(|_| bad("a number"))?),
            "stderr-starts" => s.stderr_starts = Some(value.to_string()),
            "invoke" => s.invoke = Some(value.to_string()),
            "cflags" => s.cflags.extend(split_words(value)),
            _ => unreachable!(),
        }
    }
    if !saw_oracle {
        return Err(format!(
            "{name}: the first lines must say `{prefix} oracle: native` or `{prefix} oracle: expected`"
        ));
    }
    if s.kind == Kind::Wat && s.oracle == Oracle::Native {
        return Err(format!("{name}: WAT programs have no native oracle"));
    }
    if s.runs.is_empty() {
        s.runs.push(Vec::new());
    }
    Ok(s)
}

pub fn all_specs() -> Vec<Spec> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "c" || e == "wat"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| parse_spec(p).unwrap_or_else(|e| panic!("{e}")))
        .collect()
}
