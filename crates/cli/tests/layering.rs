//! The CLI's modules import one way (no module imports one that imports it
//! back), every clap type lives under `cli`, and only `main` reports errors.
//! Checked on the source, so a breach is a failing test, not a review
//! comment. (The import walk is the same as crates/node/tests/layering.rs.)

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// `crate::X` references of each top-level module, outside comments and tests.
fn imports(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            if p.extension().is_none_or(|x| x != "rs") {
                continue;
            }
            let rel = p.strip_prefix(src).unwrap();
            let top = rel
                .components()
                .next()
                .unwrap()
                .as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string();
            if top == "lib" || top == "main" {
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap();
            let refs = out.entry(top.clone()).or_default();
            for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
                let mut rest = line;
                while let Some(at) = rest.find("crate::") {
                    rest = &rest[at + 7..];
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if !name.is_empty() && name != top {
                        refs.insert(name);
                    }
                }
            }
        }
    }
    out
}

/// A circle of imports, if there is one.
fn circle(g: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        done: &mut BTreeSet<String>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == n) {
            let mut c = path[at..].to_vec();
            c.push(n.to_string());
            return Some(c);
        }
        if !done.insert(n.to_string()) {
            return None;
        }
        path.push(n.to_string());
        for m in g.get(n).into_iter().flatten() {
            if g.contains_key(m)
                && let Some(c) = visit(m, g, done, path)
            {
                return Some(c);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    g.keys()
        .find_map(|n| visit(n, g, &mut done, &mut Vec::new()))
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let g = imports(&src);
    assert!(g.contains_key("run") && g.contains_key("migratable"), "{g:?}");
    if let Some(c) = circle(&g) {
        panic!("import circle in crates/cli: {}", c.join(" -> "));
    }
    // The clap types know no command.
    assert!(g["cli"].is_empty(), "cli imports {:?}", g["cli"]);
}

/// Every `.rs` file under src/, with its path relative to src/.
fn sources() -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let rel = p.strip_prefix(&src).unwrap().display().to_string();
                out.push((rel, std::fs::read_to_string(&p).unwrap()));
            }
        }
    }
    out
}

#[test]
fn clap_types_live_under_cli_and_only_main_reports_errors() {
    for (file, text) in sources() {
        let in_cli = file == "cli.rs" || file.starts_with("cli/");
        for derive in ["Parser", "Args", "Subcommand"] {
            let found = text
                .lines()
                .any(|l| l.trim_start().starts_with("#[derive(") && l.contains(derive));
            assert!(in_cli || !found, "{file} derives clap's {derive}: move it under cli/");
        }
        let reports = text.contains("exit::report(");
        assert!(
            file == "main.rs" || !reports,
            "{file} reports an error itself: return it to main"
        );
    }
}

#[test]
fn the_check_finds_a_circle() {
    let mut g = BTreeMap::new();
    g.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    g.insert("b".to_string(), BTreeSet::from(["c".to_string()]));
    g.insert("c".to_string(), BTreeSet::from(["a".to_string()]));
    assert_eq!(circle(&g).unwrap(), ["a", "b", "c", "a"]);
    g.get_mut("c").unwrap().clear();
    assert!(circle(&g).is_none());
}
