//! Fault points for tests of the migration protocol: with
//! `CONTINUUM_FAULT=<step>` in its environment, a node process aborts (as if
//! killed) when it reaches that step. Without the variable every point is a
//! no-op. The steps are listed in docs/node-api.md.

use std::sync::OnceLock;

/// Every step a fault can be injected at, in protocol order.
pub const STEPS: &[&str] = &[
    "source-after-journal",
    "target-after-receive",
    "target-after-prepare",
    "source-after-prepared",
    "source-after-decision",
    "target-after-commit-journal",
    "target-after-start",
    "source-after-commit-ack",
];

fn armed() -> Option<&'static str> {
    static FAULT: OnceLock<Option<String>> = OnceLock::new();
    FAULT
        .get_or_init(|| {
            std::env::var("CONTINUUM_FAULT")
                .ok()
                .filter(|s| !s.is_empty())
        })
        .as_deref()
}

/// Aborts the process if the fault for `step` is armed.
pub fn point(step: &'static str) {
    debug_assert!(STEPS.contains(&step), "unknown fault step {step}");
    if armed() == Some(step) {
        eprintln!("continuum node: fault injected at `{step}`: aborting");
        std::process::abort();
    }
}
