# shellcheck shell=bash
# Environment for building and running Continuum's aarch64 binary on an x86-64
# Debian bookworm machine. Source it (`. scripts/aarch64-env.sh`); it is also
# sourced by scripts/aarch64-build.sh.
#
# The aarch64 build uses Debian's Rust toolchain (packages rustc-web, cargo-web
# and libstd-rust-web-dev:arm64; rustup has no aarch64 std on these machines),
# gcc-aarch64-linux-gnu as linker and C compiler, and its own target directory
# so it never shares (or locks) the x86-64 build's one.
#
# Exports:
#   CONTINUUM_AARCH64_CARGO      Debian's cargo, by absolute path
#   CONTINUUM_AARCH64_TARGET_DIR the separate target directory
#   CONTINUUM_AARCH64_BIN        where the release `continuum` binary ends up
#   CONTINUUM_AARCH64_RUNNER     command prefix that runs an aarch64 binary
#                                under qemu-user (see below)
#
# Why `-L /` and not `-L /usr/aarch64-linux-gnu`: with the latter, qemu takes
# the dynamic loader from libc6-arm64-cross (2.36-8cross1) while that loader
# finds libc.so.6 in /lib/aarch64-linux-gnu, from libc6:arm64 (2.36-9+deb12uN,
# a dependency of libstd-rust-web-dev:arm64). The two builds disagree on
# GLIBC_PRIVATE data (_rtld_global), so the first pthread_create spins forever
# walking a bogus stack-cache list: every thread start hangs (wasmtime's
# parallel compilation, the --timeout watchdog, even a C hello-thread). With
# `-L /` the loader and libc both come from libc6:arm64 and threads work, so
# no CONTINUUM_SERIAL_COMPILE is needed (the CLI still honours it).
# It deliberately does not export RUSTC or other build variables (they would
# hijack the x86-64 build in the same shell: scripts/aarch64-build.sh sets them
# for its own cargo only), nor CONTINUUM_BIN/CONTINUUM_RUNNER, which the corpus
# test uses for the binary under test. To run the corpus on aarch64:
#   CONTINUUM_BIN="$CONTINUUM_AARCH64_BIN" CONTINUUM_RUNNER="$CONTINUUM_AARCH64_RUNNER" \
#     cargo test --release -p continuum-cli --test corpus

export CONTINUUM_AARCH64_CARGO=/usr/bin/cargo
export CONTINUUM_AARCH64_TARGET_DIR="${CONTINUUM_AARCH64_TARGET_DIR:-$HOME/.cache/continuum/target-aarch64}"
export CONTINUUM_AARCH64_BIN="$CONTINUUM_AARCH64_TARGET_DIR/aarch64-unknown-linux-gnu/release/continuum"
export CONTINUUM_AARCH64_RUNNER="qemu-aarch64-static -L /"
