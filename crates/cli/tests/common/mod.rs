//! Helpers shared by the CLI's integration tests: running a child process
//! with a time limit, snapshotting directory trees, and line diffs.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// What a finished (or killed) child process left behind.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The exit code, or None when the process died of a signal or was killed.
    pub code: Option<i32>,
    pub signal: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub timed_out: bool,
    pub elapsed: Duration,
}

impl Outcome {
    pub fn status_text(&self) -> String {
        if self.timed_out {
            format!(
                "killed by the harness after {:?} (time limit)",
                self.elapsed
            )
        } else if let Some(c) = self.code {
            format!("exit {c}")
        } else {
            format!("killed by signal {}", self.signal.unwrap_or(-1))
        }
    }
}

/// Runs `cmd` to completion with `stdin` as its standard input (or /dev/null),
/// capturing stdout and stderr; kills it after `limit`. `running` is cleared
/// once the process has exited (for helper threads that race with it).
pub fn run_with_limit(
    mut cmd: Command,
    stdin: Option<Vec<u8>>,
    limit: Duration,
    running: Option<Arc<AtomicBool>>,
) -> std::io::Result<Outcome> {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let start = Instant::now();
    let mut child = cmd.spawn()?;
    let writer = child.stdin.take().map(|mut w| {
        let data = stdin.unwrap_or_default();
        std::thread::spawn(move || {
            let _ = w.write_all(&data);
            // dropping w closes the pipe: the guest sees end of file
        })
    });
    let mut out = child.stdout.take().expect("piped stdout");
    let mut err = child.stderr.take().expect("piped stderr");
    let out_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let mut timed_out = false;
    let status = loop {
        if let Some(s) = child.try_wait()? {
            break s;
        }
        if start.elapsed() > limit {
            timed_out = true;
            let _ = child.kill();
            break child.wait()?;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let elapsed = start.elapsed();
    if let Some(r) = &running {
        r.store(false, Ordering::SeqCst);
    }
    if let Some(w) = writer {
        let _ = w.join();
    }
    let stdout = out_t.join().unwrap_or_default();
    let stderr = err_t.join().unwrap_or_default();
    Ok(Outcome {
        code: status.code(),
        signal: status.signal(),
        stdout,
        stderr,
        timed_out,
        elapsed,
    })
}

/// One entry of a directory tree snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Dir,
    File {
        content: Vec<u8>,
        mtime_ns: Option<i128>,
    },
    Symlink(String),
    Other,
}

/// Snapshots the tree below `root` (not following symlinks): relative path
/// -> node. With `mtimes`, file modification times are part of the snapshot.
pub fn snapshot(root: &Path, mtimes: bool) -> BTreeMap<String, Node> {
    fn walk(root: &Path, dir: &Path, mtimes: bool, out: &mut BTreeMap<String, Node>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for p in entries {
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            let Ok(md) = std::fs::symlink_metadata(&p) else {
                continue;
            };
            let ft = md.file_type();
            if ft.is_symlink() {
                let t = std::fs::read_link(&p)
                    .map(|t| t.to_string_lossy().into_owned())
                    .unwrap_or_default();
                out.insert(rel, Node::Symlink(t));
            } else if ft.is_dir() {
                out.insert(rel, Node::Dir);
                walk(root, &p, mtimes, out);
            } else if ft.is_file() {
                let content = std::fs::read(&p).unwrap_or_default();
                let mtime_ns = if mtimes {
                    Some(md.mtime() as i128 * 1_000_000_000 + md.mtime_nsec() as i128)
                } else {
                    None
                };
                out.insert(rel, Node::File { content, mtime_ns });
            } else {
                out.insert(rel, Node::Other);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, mtimes, &mut out);
    out
}

/// Renders a snapshot as lines ("d path", "f path \"content\"", "l path -> target").
pub fn render_tree(tree: &BTreeMap<String, Node>) -> String {
    let mut s = String::new();
    for (path, node) in tree {
        match node {
            Node::Dir => writeln!(s, "d {path}").unwrap(),
            Node::File { content, mtime_ns } => {
                let shown = if content.len() <= 200 {
                    escape_bytes(content)
                } else {
                    format!("<{} bytes, fnv1a {:016x}>", content.len(), fnv1a(content))
                };
                match mtime_ns {
                    Some(m) => writeln!(s, "f {path} {shown} mtime={m}").unwrap(),
                    None => writeln!(s, "f {path} {shown}").unwrap(),
                }
            }
            Node::Symlink(t) => writeln!(s, "l {path} -> {t}").unwrap(),
            Node::Other => writeln!(s, "? {path}").unwrap(),
        }
    }
    s
}

pub fn fnv1a(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in data {
        h ^= *b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// Shows bytes as a quoted string with escapes for anything unprintable.
pub fn escape_bytes(b: &[u8]) -> String {
    let mut s = String::from("\"");
    for &c in b {
        match c {
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            b'\\' => s.push_str("\\\\"),
            b'"' => s.push_str("\\\""),
            0x20..=0x7e => s.push(c as char),
            _ => write!(s, "\\x{c:02x}").unwrap(),
        }
    }
    s.push('"');
    s
}

/// A line diff of `expected` against `actual` ("-" expected only, "+" actual
/// only, " " both), with at most `max_lines` lines of output.
pub fn diff(expected: &str, actual: &str, max_lines: usize) -> String {
    let a: Vec<&str> = expected.lines().collect();
    let b: Vec<&str> = actual.lines().collect();
    // Longest common subsequence table (inputs are small).
    let (n, m) = (a.len(), b.len());
    if n * m > 4_000_000 {
        return format!("(outputs too long to diff: {n} vs {m} lines)\n");
    }
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut ops: Vec<(char, &str)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            ops.push((' ', a[i]));
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]) {
            ops.push(('+', b[j]));
            j += 1;
        } else {
            ops.push(('-', a[i]));
            i += 1;
        }
    }
    // Keep two lines of context around changes.
    let changed: Vec<bool> = ops.iter().map(|(c, _)| *c != ' ').collect();
    let mut keep = vec![false; ops.len()];
    for (k, &c) in changed.iter().enumerate() {
        if c {
            for x in k.saturating_sub(2)..(k + 3).min(ops.len()) {
                keep[x] = true;
            }
        }
    }
    let mut out = String::new();
    let mut lines = 0;
    let mut skipped = false;
    for (k, (c, l)) in ops.iter().enumerate() {
        if !keep[k] {
            skipped = true;
            continue;
        }
        if skipped && !out.is_empty() {
            out.push_str("    ...\n");
        }
        skipped = false;
        if lines >= max_lines {
            out.push_str("    ... (diff truncated)\n");
            break;
        }
        writeln!(out, "    {c} {l}").unwrap();
        lines += 1;
    }
    if expected.ends_with('\n') != actual.ends_with('\n')
        && !expected.is_empty()
        && !actual.is_empty()
    {
        out.push_str("    (the two differ in their final newline)\n");
    }
    out
}

/// The last `n` lines of a text, indented.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(n);
    let mut s = String::new();
    if start > 0 {
        writeln!(s, "    ... ({start} earlier lines)").unwrap();
    }
    for l in &lines[start..] {
        writeln!(s, "    | {l}").unwrap();
    }
    s
}

/// Splits a command line into words: whitespace separates, double quotes
/// group (with \" and \\ inside them).
pub fn split_words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quoted = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                quoted = !quoted;
                in_word = true;
            }
            '\\' if quoted => {
                if let Some(&n) = chars.peek() {
                    if n == '"' || n == '\\' {
                        cur.push(n);
                        chars.next();
                        continue;
                    }
                }
                cur.push(c);
            }
            c if c.is_whitespace() && !quoted => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    out
}

/// Decodes the escapes \n \t \\ \xHH of a directive value into bytes.
pub fn unescape(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            match b[i + 1] {
                b'n' => {
                    out.push(b'\n');
                    i += 2;
                    continue;
                }
                b't' => {
                    out.push(b'\t');
                    i += 2;
                    continue;
                }
                b'\\' => {
                    out.push(b'\\');
                    i += 2;
                    continue;
                }
                b'x' if i + 3 < b.len() + 1 => {
                    if let Ok(v) = u8::from_str_radix(
                        std::str::from_utf8(&b[i + 2..(i + 4).min(b.len())]).unwrap_or(""),
                        16,
                    ) {
                        out.push(v);
                        i += 4;
                        continue;
                    }
                }
                _ => {}
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}
pub mod aarch64;
pub mod chain;
pub mod nodes;
