#!/usr/bin/env bash
# Installs everything Continuum's build, tests and demo need on a fresh Debian
# bookworm machine: the C-to-Wasm toolchain (clang-19 + wasi-libc), the aarch64
# cross toolchain (Debian's rustc-web 1.85 + arm64 std + gcc cross linker) and
# qemu-user for running aarch64 binaries. Idempotent: a second run only checks.
set -euo pipefail

need=()
have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
pkgs=(clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32
      rustc-web cargo-web gcc-aarch64-linux-gnu libc6-dev-arm64-cross
      qemu-user-static libstd-rust-web-dev:arm64)
for p in "${pkgs[@]}"; do have "$p" || need+=("$p"); done

if [ "${#need[@]}" -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    dpkg --add-architecture arm64
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
echo "setup: toolchains ready (clang-19 $(clang-19 --version | head -1 | awk '{print $NF}'), $(/usr/bin/rustc --version), $(qemu-aarch64-static --version | head -1))"
