//! The node crate's modules import one way: no module imports one that
//! imports it back, directly or through others. Checked on the source, so
//! a circle is a failing test, not a review comment.

#[path = "../../../tests/support/import_graph.rs"]
mod import_graph;

use import_graph::{circle, imports};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let g = imports(&src);
    assert!(
        g.contains_key("protocol") && g.contains_key("server"),
        "{g:?}"
    );
    if let Some(c) = circle(&g) {
        panic!("import circle in crates/node: {}", c.join(" -> "));
    }
    // The protocol core does no I/O and needs nothing of the node.
    assert!(
        g["protocol"].is_empty(),
        "protocol imports {:?}",
        g["protocol"]
    );
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
