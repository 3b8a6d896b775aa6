//! Module files and command lines that `continuum run` must refuse with
//! exit 1 (or 2 for usage errors) and exactly one line on stderr starting
//! with `error:`: empty, truncated and garbage modules, bad WAT, missing or
//! wrong `--dir` paths, malformed flags.

use crate::common::{run_with_limit, tail};
use crate::limit;
use crate::run::{command_line, continuum_command};
use crate::sandbox::new_root;
use std::fmt::Write as _;

/// A minimal valid module: `(module (func (export "_start")))`.
const MINIMAL: &[u8] = &[
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
    0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type section: func [] -> []
    0x03, 0x02, 0x01, 0x00, // function section
    0x07, 0x0a, 0x01, 0x06, b'_', b's', b't', b'a', b'r', b't', 0x00, 0x00, // export "_start"
    0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b, // code section
];

/// Runs every case; panics with a report of all that misbehaved.
pub fn check() {
    let (_tmp, root) = new_root();
    let f = |name: &str, bytes: &[u8]| {
        let p = root.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    let mut garbage = Vec::new();
    let mut x: u32 = 12345;
    for _ in 0..4096 {
        x = x.wrapping_mul(1103515245).wrapping_add(12345);
        garbage.push((x >> 16) as u8);
    }
    let mut bad_version = MINIMAL.to_vec();
    bad_version[4] = 0x02;
    let mut bad_section = MINIMAL.to_vec();
    bad_section[9] = 0x7f; // type section claims 127 bytes
    let ok = f("ok.wasm", MINIMAL);
    let dir = root.join("a-directory");
    std::fs::create_dir_all(&dir).unwrap();
    let not_dir = f("plain-file", b"x");
    let cases: Vec<(&str, Vec<String>, i32)> = vec![
        (
            "minimal valid module runs",
            vec![ok.display().to_string()],
            0,
        ),
        (
            "empty file",
            vec![f("empty.wasm", b"").display().to_string()],
            1,
        ),
        (
            "garbage bytes",
            vec![f("garbage.wasm", &garbage).display().to_string()],
            1,
        ),
        (
            "a text file",
            vec![f("text.wasm", b"hello, world\n").display().to_string()],
            1,
        ),
        (
            "truncated after the header",
            vec![f("trunc8.wasm", &MINIMAL[..8]).display().to_string()],
            1,
        ),
        (
            "truncated mid-section",
            vec![f("trunc20.wasm", &MINIMAL[..20]).display().to_string()],
            1,
        ),
        (
            "truncated by one byte",
            vec![
                f("trunc-1.wasm", &MINIMAL[..MINIMAL.len() - 1])
                    .display()
                    .to_string(),
            ],
            1,
        ),
        (
            "wrong version",
            vec![f("version.wasm", &bad_version).display().to_string()],
            1,
        ),
        (
            "section length past the end",
            vec![f("section.wasm", &bad_section).display().to_string()],
            1,
        ),
        (
            "half a magic number",
            vec![f("magic.wasm", b"\0as").display().to_string()],
            1,
        ),
        (
            "WAT with a syntax error",
            vec![
                f("bad.wat", b"(module (func $f (i32.bogus)))")
                    .display()
                    .to_string(),
            ],
            1,
        ),
        (
            "WAT that does not validate",
            vec![
                f("invalid.wat", b"(module (func (result i32)))")
                    .display()
                    .to_string(),
            ],
            1,
        ),
        (
            "a module path that does not exist",
            vec![root.join("missing.wasm").display().to_string()],
            1,
        ),
        (
            "a directory as the module",
            vec![dir.display().to_string()],
            1,
        ),
        (
            "--dir that does not exist",
            vec![
                "--dir".into(),
                format!("{}::.", root.join("nope").display()),
                ok.display().to_string(),
            ],
            1,
        ),
        (
            "--dir naming a file",
            vec![
                "--dir".into(),
                format!("{}::.", not_dir.display()),
                ok.display().to_string(),
            ],
            1,
        ),
        (
            "an unknown flag",
            vec!["--no-such-flag".into(), ok.display().to_string()],
            2,
        ),
        (
            "--max-open-files not a number",
            vec![
                "--max-open-files".into(),
                "many".into(),
                ok.display().to_string(),
            ],
            2,
        ),
        (
            "--timeout not a duration",
            vec!["--timeout".into(), "soon".into(), ok.display().to_string()],
            2,
        ),
        ("no module at all", vec![], 2),
    ];
    let mut report = String::new();
    for (what, args, want) in &cases {
        let mut cmd = continuum_command();
        cmd.args(args);
        let line = command_line(&cmd);
        let o = run_with_limit(cmd, None, limit(), None)
            .unwrap_or_else(|e| panic!("cannot start `{line}`: {e}"));
        let err = String::from_utf8_lossy(&o.stderr);
        let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
        let mut problems = Vec::new();
        if o.code != Some(*want) {
            problems.push(format!("expected exit {want}, got {}", o.status_text()));
        }
        if *want == 1 {
            if lines.len() != 1 {
                problems.push(format!(
                    "expected exactly one line on stderr, got {}",
                    lines.len()
                ));
            }
            if !err.starts_with("error:") {
                problems.push("stderr does not start with `error:`".into());
            }
        }
        if *want == 0 && !o.stderr.is_empty() {
            problems.push("expected nothing on stderr".into());
        }
        if err.contains("panicked at") {
            problems.push("stderr shows a Rust panic".into());
        }
        if !problems.is_empty() {
            writeln!(report, "=== FAIL bad input: {what}\n  command: {line}").unwrap();
            for p in problems {
                writeln!(report, "  - {p}").unwrap();
            }
            writeln!(report, "  stderr:\n{}", tail(&err, 8)).unwrap();
        }
    }
    if !report.is_empty() {
        panic!("bad inputs:\n{report}");
    }
}
