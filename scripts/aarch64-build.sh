#!/usr/bin/env bash
# Builds the aarch64 (aarch64-unknown-linux-gnu) `continuum` binary, release
# profile, with Debian's Rust toolchain and cross linker, into its own target
# directory ($HOME/.cache/continuum/target-aarch64 unless
# CONTINUUM_AARCH64_TARGET_DIR says otherwise). Incremental: a second run with
# no source change only checks freshness. Built without the `prepare` feature
# (Binaryen is C++ and would need a C++ cross compiler): it restores and runs
# migratable modules, which are prepared on x86-64 (snapshots embed them).
#
# Usage: scripts/aarch64-build.sh [extra cargo args...]
#   env CONTINUUM_AARCH64_JOBS (default 2) sets cargo's -j.
# Cargo's progress goes to stderr; the last line on stdout is the binary path.
# Exit status 3: a Debian package is missing (the message names it); any other
# non-zero status: the build failed.
# Run it under qemu with:
#   . scripts/aarch64-env.sh; $CONTINUUM_AARCH64_RUNNER "$CONTINUUM_AARCH64_BIN" --version
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/aarch64-env.sh
. "$root/scripts/aarch64-env.sh"

# One clear message per missing piece, naming the Debian package.
missing=()
check() { # check <path-or-command> <package>
  if [[ "$1" == /* ]]; then [ -e "$1" ] || missing+=("$2 (no $1)")
  else command -v "$1" >/dev/null 2>&1 || missing+=("$2 (no $1 in PATH)")
  fi
}
check /usr/bin/cargo cargo-web
check /usr/bin/rustc rustc-web
check /usr/lib/rustlib/aarch64-unknown-linux-gnu/lib libstd-rust-web-dev:arm64
check aarch64-linux-gnu-gcc gcc-aarch64-linux-gnu
check /usr/aarch64-linux-gnu/lib/libc.so libc6-dev-arm64-cross
check /lib/ld-linux-aarch64.so.1 libc6:arm64   # the runtime libc under qemu -L /
if [ "${#missing[@]}" -gt 0 ]; then
  {
    echo "aarch64-build: missing Debian package(s) for the aarch64 build:"
    printf '  %s\n' "${missing[@]}"
    echo "aarch64-build: run scripts/setup.sh (as root) to install them."
  } >&2
  exit 3
fi
# /usr/bin/cargo must be Debian's, not a rustup shim copied there.
if ! /usr/bin/rustc --print sysroot 2>/dev/null | grep -qx /usr; then
  echo "aarch64-build: /usr/bin/rustc is not Debian's rustc-web (sysroot $(/usr/bin/rustc --print sysroot 2>&1)); run scripts/setup.sh" >&2
  exit 3
fi

mkdir -p "$CONTINUUM_AARCH64_TARGET_DIR"
cd "$root"

# A clean environment for Debian's cargo: no rustup toolchain override, no
# wrappers or flags meant for the x86-64 build, no jobserver inherited from an
# outer cargo (this script is also run from `cargo test`), and no rustup
# library path. Build scripts find rustc through RUSTC, which cargo passes on.
start=$(date +%s)
env -u RUSTUP_TOOLCHAIN -u RUSTUP_HOME -u RUSTC_WRAPPER -u RUSTC_WORKSPACE_WRAPPER \
    -u RUSTFLAGS -u CARGO_ENCODED_RUSTFLAGS -u CARGO_BUILD_RUSTFLAGS \
    -u CARGO_BUILD_TARGET -u CARGO_BUILD_RUSTC -u CARGO_BUILD_RUSTC_WRAPPER \
    -u CARGO -u CARGO_MAKEFLAGS -u MAKEFLAGS -u MFLAGS -u LD_LIBRARY_PATH \
    -u CARGO_PRIMARY_PACKAGE -u CARGO_MANIFEST_DIR -u CARGO_MANIFEST_PATH \
    PATH="/usr/bin:/bin:/usr/sbin:/sbin" \
    RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc \
    CARGO_TARGET_DIR="$CONTINUUM_AARCH64_TARGET_DIR" \
    CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
    CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="$CONTINUUM_AARCH64_RUNNER" \
    CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc \
    CXX_aarch64_unknown_linux_gnu=aarch64-linux-gnu-g++ \
    AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar \
    /usr/bin/cargo build --locked --release \
      --target aarch64-unknown-linux-gnu -p continuum-cli --bin continuum \
      --no-default-features --features compiler \
      -j "${CONTINUUM_AARCH64_JOBS:-2}" "$@" >&2

if [ ! -x "$CONTINUUM_AARCH64_BIN" ]; then
  echo "aarch64-build: cargo succeeded but $CONTINUUM_AARCH64_BIN is missing" >&2
  exit 1
fi
echo "aarch64-build: built in $(( $(date +%s) - start ))s" >&2
echo "$CONTINUUM_AARCH64_BIN"
