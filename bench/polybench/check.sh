#!/usr/bin/env bash
# Builds the 30 PolyBench-style kernels of this directory natively and for
# wasm32-wasi, runs the native binary and the Wasm module under
# `continuum run`, and checks that both print the same checksum line.
#
#   bench/polybench/check.sh            # MINI sizes (a few seconds)
#   bench/polybench/check.sh SMALL      # or MEDIUM, LARGE, EXTRALARGE
#   bench/polybench/check.sh default    # each kernel's own benchmark class
#   bench/polybench/check.sh MINI gemm lu   # only these kernels
#
# Environment: CC (default clang-19), CONTINUUM (default
# $CARGO_TARGET_DIR/release/continuum, CARGO_TARGET_DIR defaulting to
# ~/.cache/continuum/target), PB_CFLAGS (extra flags for both builds),
# PB_WASM_CFLAGS (extra flags for the Wasm build only, e.g. -msimd128).
# Build outputs go to $CARGO_TARGET_DIR/polybench-check/<class>, outside the
# repository. Exits 0 when every kernel matches, 1 naming each mismatch or
# failure, 2 when a tool is missing.
set -u

here=$(cd "$(dirname "$0")" && pwd)
target=${CARGO_TARGET_DIR:-$HOME/.cache/continuum/target}
continuum=${CONTINUUM:-$target/release/continuum}
cc=${CC:-clang-19}
class=${1:-MINI}
[ $# -gt 0 ] && shift

all=(2mm 3mm adi atax bicg cholesky correlation covariance deriche doitgen
     durbin fdtd-2d floyd-warshall gemm gemver gesummv gramschmidt heat-3d
     jacobi-1d jacobi-2d lu ludcmp mvt nussinov seidel-2d symm syr2k syrk
     trisolv trmm)
if [ $# -gt 0 ]; then kernels=("$@"); else kernels=("${all[@]}"); fi

case "$class" in
  MINI|SMALL|MEDIUM|LARGE|EXTRALARGE) size_flag="-DPB_$class" ;;
  default) size_flag="" ;;
  *) echo "check.sh: unknown size class '$class' (MINI, SMALL, MEDIUM, LARGE, EXTRALARGE or default)" >&2; exit 2 ;;
esac
if ! command -v "$cc" >/dev/null 2>&1; then
  echo "check.sh: C compiler '$cc' not found (bash scripts/setup.sh installs clang-19 and wasi-libc)" >&2; exit 2
fi
if [ ! -x "$continuum" ]; then
  echo "check.sh: no continuum binary at $continuum (cargo build --release -p continuum-cli, or set CONTINUUM)" >&2; exit 2
fi

out="$target/polybench-check/$class"
mkdir -p "$out"
failures=()
# shellcheck disable=SC2086 # the flag variables are lists of words
for k in "${kernels[@]}"; do
  src="$here/$k.c"
  if [ ! -f "$src" ]; then failures+=("$k: no such kernel"); echo "FAIL  $k: no such kernel"; continue; fi
  if ! "$cc" -O2 $size_flag ${PB_CFLAGS:-} "$src" -o "$out/$k" -lm 2>"$out/$k.native.log"; then
    failures+=("$k: native build failed (see $out/$k.native.log)"); echo "FAIL  $k: native build"; continue
  fi
  if ! "$cc" --target=wasm32-wasi --sysroot=/usr -O2 $size_flag ${PB_CFLAGS:-} ${PB_WASM_CFLAGS:-} \
       "$src" -o "$out/$k.wasm" -lm 2>"$out/$k.wasm.log"; then
    failures+=("$k: wasm build failed (see $out/$k.wasm.log)"); echo "FAIL  $k: wasm build"; continue
  fi
  native=$("$out/$k" 2>"$out/$k.native.err"); nrc=$?
  wasm=$("$continuum" run "$out/$k.wasm" 2>"$out/$k.wasm.err"); wrc=$?
  nt=$(sed -n 's/^time //p' "$out/$k.native.err"); wt=$(sed -n 's/^time //p' "$out/$k.wasm.err")
  if [ $nrc -ne 0 ] || [ $wrc -ne 0 ]; then
    failures+=("$k: exit status native $nrc, wasm $wrc"); echo "FAIL  $k: exit status native $nrc, wasm $wrc"
  elif [ -z "$native" ] || [ "$native" != "$wasm" ]; then
    failures+=("$k: native '$native' != wasm '$wasm'"); echo "DIFF  $k: native '$native', wasm '$wasm'"
  else
    printf 'OK    %-15s %-40s native %ss wasm %ss\n' "$k" "${native#checksum $k }" "${nt:-?}" "${wt:-?}"
  fi
done

if [ ${#failures[@]} -gt 0 ]; then
  echo "check.sh: ${#failures[@]} of ${#kernels[@]} kernels failed ($class):" >&2
  for f in "${failures[@]}"; do echo "  $f" >&2; done
  exit 1
fi
echo "check.sh: all ${#kernels[@]} kernels give identical checksums natively and under continuum run ($class)"
