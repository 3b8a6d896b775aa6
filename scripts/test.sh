#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs toolchains, then runs
# every crate's unit tests, the WASI conformance corpus (native Linux as the
# oracle), sandbox-escape and bad-input tests and the aarch64 tests, and
# finally the whole corpus again against the aarch64 build under qemu-user.
# Build outputs are cached outside the checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/continuum/target}"
cargo test --release --workspace --locked "$@"

echo "== the conformance corpus on the aarch64 build, under qemu-user"
arm_bin=$(bash scripts/aarch64-build.sh | tail -n 1)
CONTINUUM_BIN="$arm_bin" CONTINUUM_RUNNER="qemu-aarch64-static -L /" \
  cargo test --release --locked -p continuum-cli --test corpus
