//! The CLI's modules import one way (no module imports one that imports it
//! back), every clap type lives under `cli`, and only `main` reports errors.
//! Checked on the source, so a breach is a failing test, not a review
//! comment. The import walk is tests/support/import_graph.rs.

#[path = "../../../tests/support/import_graph.rs"]
mod import_graph;

use import_graph::{circle, imports, rust_files};
use std::path::Path;

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let g = imports(&src);
    assert!(
        g.contains_key("run") && g.contains_key("migratable"),
        "{g:?}"
    );
    if let Some(c) = circle(&g) {
        panic!("import circle in crates/cli: {}", c.join(" -> "));
    }
    // The clap types know no command.
    assert!(g["cli"].is_empty(), "cli imports {:?}", g["cli"]);
}

#[test]
fn clap_types_live_under_cli_and_only_main_reports_errors() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for (rel, text) in rust_files(&src) {
        let file = rel.display().to_string();
        let in_cli = file == "cli.rs" || file.starts_with("cli/");
        for derive in ["Parser", "Args", "Subcommand"] {
            let found = text
                .lines()
                .any(|l| l.trim_start().starts_with("#[derive(") && l.contains(derive));
            assert!(
                in_cli || !found,
                "{file} derives clap's {derive}: move it under cli/"
            );
        }
        let reports = text.contains("exit::report(");
        assert!(
            file == "main.rs" || !reports,
            "{file} reports an error itself: return it to main"
        );
    }
}
