#!/usr/bin/env bash
# The main job: builds Continuum and shows what it does today, on an
# embedded default (examples/wordfreq.c counting words in this repository's
# docs). The same unmodified .wasm runs
#   1. on x86-64 with Cranelift (first run compiles, second comes from the cache),
#   2. confined to its preopened directory (an escape attempt is refused),
#   3. ahead-of-time compiled for aarch64 and run by the aarch64 build of
#      continuum under qemu-user (an emulated Arm edge box),
#   4. on the Pulley interpreter (devices where no JIT is allowed),
# and every run writes a byte-identical report. Then
#   5. a running program with open files is checkpointed on x86-64, resumed
#      on the aarch64 build (qemu), checkpointed there, and finished back on
#      x86-64 on Pulley: output and files equal an uninterrupted run.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bash scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/continuum/target}"
echo "== building continuum (release; cached after the first time)"
cargo build --release --locked -p continuum-cli
bin="$CARGO_TARGET_DIR/release/continuum"
work="$CARGO_TARGET_DIR/demo"
rm -rf "$work" && mkdir -p "$work"
export CONTINUUM_CACHE_DIR="$work/cache"

clang-19 --target=wasm32-wasi --sysroot=/usr -O2 examples/wordfreq.c -o "$work/wordfreq.wasm"
fresh_data() { # fresh_data DIR: the repository's docs as the input corpus
  rm -rf "$1" && mkdir -p "$1"
  for f in README.md ARCHITECTURE.md docs/*.md; do cp "$f" "$1/$(basename "$f" .md).txt"; done
}
TIMEFORMAT="   (%3R s wall)"

echo
echo "== 1. x86-64, Cranelift: first run compiles the module"
fresh_data "$work/x86"
time "$bin" run --dir "$work/x86::/data" --env TOP=5 "$work/wordfreq.wasm" /data
echo "== 1b. second run: the compiled module comes from the compile cache"
fresh_data "$work/x86"
time "$bin" run --dir "$work/x86::/data" --env TOP=5 "$work/wordfreq.wasm" /data >/dev/null

echo
echo "== 2. the sandbox: the guest asks for /data/.. and gets nothing outside /data"
set +e
"$bin" run --dir "$work/x86::/data" "$work/wordfreq.wasm" /data/.. 2>&1 | sed 's/^/   /'
echo "   exit status: ${PIPESTATUS[0]} (the guest's own, after its error)"
set -e

echo
echo "== 3. aarch64: compile ahead of time on x86-64, run on the aarch64 build under qemu"
"$bin" compile --target aarch64 "$work/wordfreq.wasm" -o "$work/wordfreq.aarch64.cwasm"
if arm_bin=$(bash scripts/aarch64-build.sh | tail -n 1); then
  . scripts/aarch64-env.sh
  fresh_data "$work/arm"
  time $CONTINUUM_AARCH64_RUNNER "$arm_bin" run --dir "$work/arm::/data" --env TOP=3 \
    "$work/wordfreq.aarch64.cwasm" /data
  cmp "$work/x86/report.out" "$work/arm/report.out" && echo "   report.out: byte-identical to the x86-64 run"
else
  echo "   (aarch64 build unavailable: see the message above)"
fi

echo
echo "== 4. Pulley: wasmtime's portable interpreter, no native code generated"
fresh_data "$work/pulley"
time "$bin" run --engine pulley --dir "$work/pulley::/data" --env TOP=3 "$work/wordfreq.wasm" /data
cmp "$work/x86/report.out" "$work/pulley/report.out" && echo "   report.out: byte-identical to the x86-64 run"

echo
echo "== 5. live across architectures: x86-64 -> aarch64 -> x86-64 (Pulley), open files carried"
clang-19 --target=wasm32-wasi --sysroot=/usr -O2 tests/migrate/files.c -o "$work/files.wasm"
mkdir -p "$work/mig-plain" "$work/mig-x86" "$work/mig-arm" "$work/ck"
"$bin" run --dir "$work/mig-plain::." "$work/files.wasm" 100000 > "$work/mig-plain.out"
"$bin" run --migratable --checkpoint-every 150ms --checkpoint-and-exit --checkpoint-files \
  --checkpoint-dir "$work/ck" --dir "$work/mig-x86::." "$work/files.wasm" 100000 > "$work/mig.out"
if [ -n "${arm_bin:-}" ] && [ -x "$arm_bin" ]; then
  $CONTINUUM_AARCH64_RUNNER "$arm_bin" restore --checkpoint-every 400ms --checkpoint-and-exit \
    --checkpoint-files --checkpoint-dir "$work/ck" --dir "$work/mig-arm::." "$work/ck/files-000001.snap" >> "$work/mig.out"
fi
last=$(ls "$work"/ck/files-*.snap | sort | tail -n 1)
"$bin" snapshot inspect "$last" | sed "s/^/   /"
if [ "$last" = "$work/ck/files-000001.snap" ] || [ -e "$work/ck/files-000002.snap" ]; then
  "$bin" restore --engine pulley --dir "$work/mig-x86::." "$last" >> "$work/mig.out"
fi
cmp "$work/mig-plain.out" "$work/mig.out" && echo "   stdout: byte-identical to the uninterrupted run"
for f in input.txt output.txt table.bin; do
  cmp "$work/mig-plain/$f" "$work/mig-x86/$f"
done && echo "   input.txt, output.txt, table.bin: byte-identical to the uninterrupted run"

echo
echo "Done. Artifacts in $work"
