#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs toolchains, then runs
# every crate's unit tests, the WASI conformance corpus (native Linux as the
# oracle), sandbox-escape tests, bad-input tests and the aarch64 build under
# qemu. Build outputs are cached outside the checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/continuum/target}"
cargo test --release --workspace --locked "$@"
