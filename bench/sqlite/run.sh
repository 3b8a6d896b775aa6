#!/usr/bin/env bash
# Runs SQLite's speedtest1 natively and as speedtest1.wasm under
# `continuum run`, with an in-memory database (--memdb, as in the paper),
# checks that both complete all 32 tests of the main test set with the same
# results, and prints a per-test table of native vs Wasm times with the
# geometric mean of the ratios.
#
#   bench/sqlite/run.sh [--size N] [--rounds R] [--no-verify] [OUTDIR]
#   bench/sqlite/run.sh --report [OUTDIR]   # only re-print the table of the last runs
#
#   --size N     speedtest1 --size (default 200: ~8 s native on an idle
#                x86-64 core here, ~2.8 s at speedtest1's own default of 100)
#   --rounds R   timed runs of each side, alternating native/Wasm (default 3);
#                each test's time is its minimum over the rounds, which is
#                the most robust statistic on a shared machine
#   --no-verify  skip the untimed --verify run that compares a hash of every
#                query result between native and Wasm
#   --report     build and run nothing: print the table of OUTDIR/runs again
#                (e.g. with another EXCLUDE)
#   OUTDIR       as for build.sh (default ${CARGO_TARGET_DIR:-~/.cache/continuum/target}/sqlite);
#                raw outputs go to OUTDIR/runs/
#
# Environment: CONTINUUM (the continuum binary, default
# $CARGO_TARGET_DIR/release/continuum), WASM_RUN (the command that runs a
# module with arguments, default "$CONTINUUM run"; e.g. WASM_RUN="wasmtime run"
# for a side-by-side with another runtime), EXCLUDE (tests left out of the
# second geometric mean, default "170 200 310", the three the paper most
# likely left out; see README.md).
# Exits 0 when every test ran on both sides with identical results, 1
# otherwise, 2 when a tool is missing.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
target=${CARGO_TARGET_DIR:-$HOME/.cache/continuum/target}
continuum=${CONTINUUM:-$target/release/continuum}
size=200 rounds=3 verify=1 report=0 out=
while [ $# -gt 0 ]; do
  case "$1" in
    --size) size=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --no-verify) verify=0; shift ;;
    --report) report=1; shift ;;
    -h|--help) sed -n '2,32p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    *) out=$1; shift ;;
  esac
done
out=${out:-$target/sqlite}
if [ -z "${WASM_RUN:-}" ]; then
  [ -x "$continuum" ] || { echo "run.sh: no continuum binary at $continuum (cargo build --release -p continuum-cli, or set CONTINUUM)" >&2; exit 2; }
  WASM_RUN="$continuum run"
fi
tests="100 110 120 130 140 142 145 150 160 161 170 180 190 200 210 230 240 250 260 270 280 290 300 310 320 400 410 500 510 520 980 990"
exclude=${EXCLUDE:-170 200 310}

runs=$out/runs
fail=0

# check FILE SIDE: every test of the main set printed a time, and TOTAL.
check() {
  local t missing=()
  for t in $tests; do
    grep -Eq "^ *$t - .*[0-9]+\.[0-9]{3}s$" "$1" || missing+=("$t")
  done
  grep -Eq '^ *TOTAL\.+ +[0-9]+\.[0-9]{3}s$' "$1" || missing+=(TOTAL)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "run.sh: $2: missing ${missing[*]} in $1" >&2; tail -3 "$1" >&2; fail=1
  fi
}

total() { sed -nE 's/^ *TOTAL\.+ +//p' "$1"; }

measure() {
  local native=("$out/speedtest1") wasm r hn hw
  # shellcheck disable=SC2206 # WASM_RUN is a command line
  wasm=($WASM_RUN "$out/speedtest1.wasm")
  mkdir -p "$runs"
  rm -f "$runs"/native.*.txt "$runs"/wasm.*.txt "$runs"/verify.*.txt "$runs"/params

  if [ "$verify" -eq 1 ]; then
    "${native[@]}" --memdb --size "$size" --verify >"$runs/verify.native.txt" 2>&1 || { echo "run.sh: native --verify run failed" >&2; fail=1; }
    "${wasm[@]}" --memdb --size "$size" --verify >"$runs/verify.wasm.txt" 2>&1 || { echo "run.sh: Wasm --verify run failed" >&2; fail=1; }
    hn=$(grep '^Verification Hash:' "$runs/verify.native.txt"); hw=$(grep '^Verification Hash:' "$runs/verify.wasm.txt")
    if [ -z "$hn" ] || [ "$hn" != "$hw" ]; then
      echo "run.sh: results differ: native '$hn', Wasm '$hw'" >&2; fail=1
    else
      echo "run.sh: same results natively and in Wasm (size $size): $hn" >&2
    fi
  fi

  for r in $(seq 1 "$rounds"); do
    "${native[@]}" --memdb --size "$size" >"$runs/native.$r.txt" 2>&1 || { echo "run.sh: native run $r exited $?" >&2; fail=1; }
    check "$runs/native.$r.txt" native
    "${wasm[@]}" --memdb --size "$size" >"$runs/wasm.$r.txt" 2>&1 || { echo "run.sh: Wasm run $r exited $?" >&2; fail=1; }
    check "$runs/wasm.$r.txt" wasm
    echo "run.sh: round $r/$rounds: native $(total "$runs/native.$r.txt"), Wasm $(total "$runs/wasm.$r.txt")" >&2
  done
  echo "size=$size rounds=$rounds wasm_run=$WASM_RUN" >"$runs/params"
}

if [ "$report" -eq 0 ]; then
  bash "$here/build.sh" "$out" || exit $?
  measure
else
  [ -f "$runs/params" ] || { echo "run.sh: no runs in $runs to report" >&2; exit 1; }
  size=$(sed -n 's/^size=\([0-9]*\).*/\1/p' "$runs/params")
  rounds=$(sed -n 's/.* rounds=\([0-9]*\).*/\1/p' "$runs/params")
fi

# Per-test minimum over the rounds, the ratio, and geometric means.
awk -v size="$size" -v rounds="$rounds" -v exclude="$exclude" '
  FNR == 1 { side = (FILENAME ~ /\/native\.[0-9]+\.txt$/) ? "n" : "w" }
  match($0, /^ *[0-9]+ - /) {
    id = $1; t = $NF; sub(/s$/, "", t); t += 0
    name = $0; sub(/^ *[0-9]+ - /, "", name); sub(/\.\.\.+.*$/, "", name)
    names[id] = name
    if (!((side, id) in best) || t < best[side, id]) best[side, id] = t
    if (!(id in seen)) { seen[id] = 1; order[++n] = id }
  }
  END {
    split(exclude, ex, " "); for (i in ex) isex[ex[i]] = 1
    printf "speedtest1 --memdb --size %s, minimum of %s runs each side (seconds)\n\n", size, rounds
    printf "| test | what | native | Wasm | Wasm/native |\n| ---: | --- | ---: | ---: | ---: |\n"
    for (i = 1; i <= n; i++) {
      id = order[i]; tn = best["n", id]; tw = best["w", id]
      ok = (tn > 0 && tw > 0); r = ok ? tw / tn : 0
      printf "| %s%s | %s | %.3f | %.3f | %s |\n", id, (id in isex) ? "*" : "", names[id], tn, tw, ok ? sprintf("%.2f", r) : "n/a"
      sn += tn; sw += tw
      if (ok) { la += log(r); na++; if (!(id in isex)) { lx += log(r); nx++ } }
    }
    printf "| | sum of the per-test minima | %.3f | %.3f | %.2f |\n\n", sn, sw, (sn > 0) ? sw / sn : 0
    if (na) printf "geometric mean of Wasm/native over %d tests: %.2f\n", na, exp(la / na)
    if (nx) printf "geometric mean over %d tests (without the * ones: %s): %.2f\n", nx, exclude, exp(lx / nx)
  }' "$runs"/native.[0-9]*.txt "$runs"/wasm.[0-9]*.txt | tee "$runs/table.md"

exit $fail
