#!/usr/bin/env bash
# Preparation time (`continuum prepare`) against the size of one function:
# N call sites, in one function, of a callee that can pause (it loops and
# makes a WASI call), the shape that makes Asyncify instrument every call.
# Prints a markdown table for docs/benchmarks.md section 8.
# Usage: scripts/bench-prepare.sh [N...]   (default: 1000 2000 4000 8000)
set -euo pipefail
bin="${CONTINUUM_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/continuum/target}/release/continuum}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 2000 4000 8000)
echo "| call sites in one function | prepare time | peak RSS |"
echo "| --- | --- | --- |"
for n in "${sizes[@]}"; do
  python3 - "$n" "$work/m$n.wat" <<'PY'
import sys
n, out = int(sys.argv[1]), sys.argv[2]
calls = "\n".join(f"    (local.set $x (call $f (i32.add (local.get $x) (i32.const {i}))))" for i in range(n))
open(out, "w").write(f"""(module
  (import "wasi_snapshot_preview1" "sched_yield" (func $y (result i32)))
  (memory (export "memory") 1)
  (func $f (param i32) (result i32) (local $i i32)
    (loop $l (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get 0))))
    (drop (call $y)) (local.get $i))
  (func (export "_start") (local $x i32)
{calls}
  ))""")
PY
  /usr/bin/time -f "%e %M" -o "$work/t" "$bin" prepare "$work/m$n.wat" -o "$work/m$n.out.wasm" 2>/dev/null
  read -r secs kb < "$work/t"
  echo "| $n | ${secs} s | $((kb / 1024)) MiB |"
done
