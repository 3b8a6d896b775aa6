#!/usr/bin/env bash
# Builds SQLite's speedtest1 natively (x86-64) and as speedtest1.wasm
# (wasm32-wasi) with the same compiler and the same flags, from Debian's
# `sqlite3` source package fetched at bench time (no SQLite text is kept in
# this repository).
#
#   bench/sqlite/build.sh [OUTDIR]
#
# OUTDIR defaults to ${CARGO_TARGET_DIR:-~/.cache/continuum/target}/sqlite and
# ends up holding:
#   src/sqlite3-<version>/   the unpacked Debian source package (apt-get source)
#   bld/                     the out-of-tree configure + `make sqlite3.c`
#   speedtest1               native executable
#   speedtest1.wasm          WASI command module
#   *.flags                  the exact command each binary was built with
#
# Idempotent: every step is skipped when its output is there and up to date
# (the compile steps also rebuild when the compiler command changes).
# Needs root (or sudo) only the first time, to add a deb-src entry and run
# apt-get update. Environment: CC (default clang-19), SQLITE_CFLAGS (extra
# flags for both builds), SQLITE_WASM_CFLAGS (extra flags, Wasm only),
# SQLITE_WASM_SOURCES (extra C files compiled into the Wasm build only, e.g.
# bench/wasm-string/wasm-string.c; a change to one rebuilds the module),
# SQLITE_NO_NATIVE=1 (build only the Wasm module), SQLITE_AARCH64=1 (also
# build speedtest1-aarch64: the native program for aarch64 with the same
# compiler and flags, `$CC --target=aarch64-linux-gnu`, linked against the
# gcc-aarch64-linux-gnu cross libraries; run it with qemu-aarch64-static -L /).
# Exits 0 when both binaries are there, 1 on a failed step, 2 when a tool
# is missing.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
target=${CARGO_TARGET_DIR:-$HOME/.cache/continuum/target}
out=${1:-$target/sqlite}
cc=${CC:-clang-19}
mkdir -p "$out"
out=$(cd "$out" && pwd)

log() { printf 'build.sh: %s\n' "$*" >&2; }
die() { log "$1"; exit "${2:-1}"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root for: $* (run once as root, or install sudo)" 2
  fi
}

command -v "$cc" >/dev/null 2>&1 ||
  die "C compiler '$cc' not found (apt-get install clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32)" 2
[ -f /usr/lib/wasm32-wasi/libc.a ] ||
  die "wasi-libc not found under /usr (apt-get install wasi-libc libclang-rt-19-dev-wasm32 lld-19)" 2
command -v tclsh >/dev/null 2>&1 || die "tclsh not found (apt-get install tcl); make sqlite3.c needs it" 2

# ---------------------------------------------------------------- 1. source
find_src() {
  local d
  for d in "$out"/src/sqlite3-*/; do
    [ -f "$d/test/speedtest1.c" ] && [ -x "$d/configure" ] && { echo "${d%/}"; return 0; }
  done
  return 1
}

have_deb_src() {
  # A one-line `deb-src` entry, or a deb822 stanza whose Types include deb-src,
  # naming the bookworm suite.
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    case "$f" in
      *.list) grep -Eq '^[[:space:]]*deb-src[[:space:]].*[[:space:]]bookworm([[:space:]]|$)' "$f" && return 0 ;;
      *.sources)
        awk 'BEGIN{RS=""; ok=0}
             /(^|\n)Types:[^\n]*deb-src/ && /(^|\n)Suites:[^\n]*bookworm([ \t\n]|$)/ && !/(^|\n)Enabled:[ \t]*no/ {ok=1}
             END{exit !ok}' "$f" && return 0 ;;
    esac
  done
  return 1
}

add_deb_src() {
  # Mirror the machine's own binary sources (same archive, same snapshot) as
  # source sources, in a file of our own; the main list is left alone.
  local dst=/etc/apt/sources.list.d/continuum-deb-src.sources tmp
  tmp=$(mktemp)
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    sed -E 's/^Types:.*/Types: deb-src/' /etc/apt/sources.list.d/debian.sources >"$tmp"
  elif [ -f /etc/apt/sources.list ] && grep -Eq '^[[:space:]]*deb[[:space:]].*bookworm' /etc/apt/sources.list; then
    dst=/etc/apt/sources.list.d/continuum-deb-src.list
    grep -E '^[[:space:]]*deb[[:space:]].*bookworm' /etc/apt/sources.list |
      sed -E 's/^([[:space:]]*)deb([[:space:]])/\1deb-src\2/' >"$tmp"
  else
    rm -f "$tmp"
    die "no bookworm apt source found to derive a deb-src entry from; add one for bookworm by hand" 2
  fi
  log "adding $dst"
  as_root install -m 0644 "$tmp" "$dst"
  rm -f "$tmp"
}

if src=$(find_src); then
  log "source: $src (cached)"
else
  t0=$SECONDS
  command -v dpkg-source >/dev/null 2>&1 || as_root apt-get install -y dpkg-dev
  updated=0
  if ! have_deb_src; then add_deb_src; as_root apt-get update; updated=1; fi
  mkdir -p "$out/src"
  # apt-get source runs as the calling user; as root it warns that the
  # download is not sandboxed, which is harmless here.
  if ! (cd "$out/src" && apt-get source sqlite3); then
    [ $updated -eq 1 ] && die "apt-get source sqlite3 failed"
    as_root apt-get update
    (cd "$out/src" && apt-get source sqlite3) || die "apt-get source sqlite3 failed"
  fi
  src=$(find_src) || die "apt-get source sqlite3 gave no tree with test/speedtest1.c under $out/src"
  log "source: $src ($((SECONDS - t0)) s)"
fi

# ----------------------------------------------------------- 2. amalgamation
bld=$out/bld
if [ -f "$bld/sqlite3.c" ] && [ -f "$bld/sqlite3.h" ] && [ "$bld/sqlite3.c" -nt "$src/configure" ]; then
  log "amalgamation: $bld/sqlite3.c (cached)"
else
  t0=$SECONDS
  mkdir -p "$bld"
  # configure's own compiler only builds the code generators (lemon, mkkeywordhash).
  (cd "$bld" && "$src/configure" >configure.log 2>&1) || die "configure failed (see $bld/configure.log)"
  (cd "$bld" && make -j"$(nproc)" sqlite3.c >make.log 2>&1) || die "make sqlite3.c failed (see $bld/make.log)"
  log "amalgamation: $bld/sqlite3.c ($((SECONDS - t0)) s)"
fi
version=$(sed -n 's/^#define SQLITE_VERSION *"\(.*\)"/\1/p' "$bld/sqlite3.h")

# -------------------------------------------------------------- 3. binaries
# Identical on both sides. THREADSAFE=0: speedtest1 is single-threaded and
# Wasm has no threads; OMIT_WAL and MAX_MMAP_SIZE=0 keep the unix VFS off
# mmap() and shared memory (no WASI equivalent); OMIT_LOAD_EXTENSION: no dlopen.
common=(-O2 -DSQLITE_OMIT_LOAD_EXTENSION -DSQLITE_THREADSAFE=0 -DSQLITE_OMIT_WAL
        -DSQLITE_MAX_MMAP_SIZE=0)
# Build paths (in assert() messages) relative to OUTDIR, so that the binaries
# do not depend on where OUTDIR is.
common+=(-ffile-prefix-map="$out"=.)
# shellcheck disable=SC2206 # lists of words on purpose
common+=(${SQLITE_CFLAGS:-})
# Wasm only: the target and libc, our compat header (see it for each
# stand-in), and wasi-libc's own getpid() emulation. (clock() and its
# -D_WASI_EMULATED_PROCESS_CLOCKS are not needed: 3.40.1's speedtest1 times
# with the VFS's xCurrentTimeInt64, i.e. gettimeofday.)
wasm=(--target=wasm32-wasi --sysroot=/usr -include "$here/wasi-compat.h"
      -D_WASI_EMULATED_GETPID)
# shellcheck disable=SC2206
wasm+=(${SQLITE_WASM_CFLAGS:-})
inputs=("$src/test/speedtest1.c" "$bld/sqlite3.c")

# build NAME EXTRA_DEPS CMD...: run CMD (which writes $out/NAME) unless NAME
# is newer than the sources and EXTRA_DEPS (space-separated files, or "") and
# was built by the same command.
build() {
  local name=$1 dep=$2; shift 2
  local stamp="$out/$name.flags" cmd="$*" f fresh=1 t0=$SECONDS
  if [ -f "$out/$name" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$cmd" ]; then
    # shellcheck disable=SC2086 # a list of files
    for f in "${inputs[@]}" $dep; do
      [ "$f" -nt "$out/$name" ] && fresh=0
    done
  else fresh=0; fi
  if [ $fresh -eq 1 ]; then log "$name: $out/$name (cached)"; return 0; fi
  rm -f "$out/$name" "$stamp"
  "$@" 2>"$out/$name.log" || die "$name: build failed (see $out/$name.log)"
  printf '%s\n' "$cmd" >"$stamp"
  log "$name: $out/$name ($((SECONDS - t0)) s)"
}

# shellcheck disable=SC2206 # a list of files
extra=(${SQLITE_WASM_SOURCES:-})
if [ "${SQLITE_NO_NATIVE:-0}" != 1 ]; then
  build speedtest1 "" "$cc" "${common[@]}" -I"$bld" "${inputs[@]}" -o "$out/speedtest1" -lm
fi
if [ "${SQLITE_AARCH64:-0}" = 1 ]; then
  build speedtest1-aarch64 "" "$cc" --target=aarch64-linux-gnu "${common[@]}" -I"$bld" "${inputs[@]}" \
    -o "$out/speedtest1-aarch64" -lm
fi
build speedtest1.wasm "$here/wasi-compat.h ${extra[*]}" "$cc" "${wasm[@]}" "${common[@]}" -I"$bld" \
  "${inputs[@]}" "${extra[@]}" -o "$out/speedtest1.wasm" -lwasi-emulated-getpid -lm

log "SQLite $version: $out/speedtest1.wasm${SQLITE_NO_NATIVE:+ (Wasm only)}"
