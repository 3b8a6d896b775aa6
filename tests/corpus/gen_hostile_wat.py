#!/usr/bin/env python3
"""Writes tests/corpus/hostile_{memory,args,paths}.wat and their .expected files.

Run it after editing a case: python3 tests/corpus/gen_hostile_wat.py
"""
# Each file: a prelude whose $report prints "label -> value", then one
# (call $report SLOT EXPR) per case, its label in a data segment at
# 4096 + 64 * SLOT, and one line per case in the .expected file.

IMPORTS = {
 "args_get": "(param i32 i32) (result i32)",
 "args_sizes_get": "(param i32 i32) (result i32)",
 "environ_get": "(param i32 i32) (result i32)",
 "environ_sizes_get": "(param i32 i32) (result i32)",
 "clock_res_get": "(param i32 i32) (result i32)",
 "clock_time_get": "(param i32 i64 i32) (result i32)",
 "fd_advise": "(param i32 i64 i64 i32) (result i32)",
 "fd_allocate": "(param i32 i64 i64) (result i32)",
 "fd_close": "(param i32) (result i32)",
 "fd_datasync": "(param i32) (result i32)",
 "fd_fdstat_get": "(param i32 i32) (result i32)",
 "fd_fdstat_set_flags": "(param i32 i32) (result i32)",
 "fd_fdstat_set_rights": "(param i32 i64 i64) (result i32)",
 "fd_filestat_get": "(param i32 i32) (result i32)",
 "fd_filestat_set_size": "(param i32 i64) (result i32)",
 "fd_filestat_set_times": "(param i32 i64 i64 i32) (result i32)",
 "fd_pread": "(param i32 i32 i32 i64 i32) (result i32)",
 "fd_prestat_get": "(param i32 i32) (result i32)",
 "fd_prestat_dir_name": "(param i32 i32 i32) (result i32)",
 "fd_pwrite": "(param i32 i32 i32 i64 i32) (result i32)",
 "fd_read": "(param i32 i32 i32 i32) (result i32)",
 "fd_readdir": "(param i32 i32 i32 i64 i32) (result i32)",
 "fd_renumber": "(param i32 i32) (result i32)",
 "fd_seek": "(param i32 i64 i32 i32) (result i32)",
 "fd_sync": "(param i32) (result i32)",
 "fd_tell": "(param i32 i32) (result i32)",
 "fd_write": "(param i32 i32 i32 i32) (result i32)",
 "path_create_directory": "(param i32 i32 i32) (result i32)",
 "path_filestat_get": "(param i32 i32 i32 i32 i32) (result i32)",
 "path_filestat_set_times": "(param i32 i32 i32 i32 i64 i64 i32) (result i32)",
 "path_link": "(param i32 i32 i32 i32 i32 i32 i32) (result i32)",
 "path_open": "(param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)",
 "path_readlink": "(param i32 i32 i32 i32 i32 i32) (result i32)",
 "path_remove_directory": "(param i32 i32 i32) (result i32)",
 "path_rename": "(param i32 i32 i32 i32 i32 i32) (result i32)",
 "path_symlink": "(param i32 i32 i32 i32 i32) (result i32)",
 "path_unlink_file": "(param i32 i32 i32) (result i32)",
 "poll_oneoff": "(param i32 i32 i32 i32) (result i32)",
 "proc_exit": "(param i32)",
 "proc_raise": "(param i32) (result i32)",
 "random_get": "(param i32 i32) (result i32)",
 "sched_yield": "(result i32)",
 "sock_accept": "(param i32 i32 i32) (result i32)",
 "sock_recv": "(param i32 i32 i32 i32 i32 i32) (result i32)",
 "sock_send": "(param i32 i32 i32 i32 i32) (result i32)",
 "sock_shutdown": "(param i32 i32) (result i32)",
}

PRELUDE_DOC = """;; Memory map (one 64 KiB page; every address >= 65536 is out of bounds):
;;   256..2047    scratch used by the cases (iovecs, result slots, buffers)
;;   2048..2999   path strings (data segments below)
;;   3000..3999   the reporter's own scratch
;;   4096..       case labels, 64 bytes each, NUL-terminated (slot N at 4096+64*N)
;;   16384..      large scratch buffers
;; Each case prints "label -> value" with the value a WASI errno (0 = success)
;; unless noted; the .expected file next to this one holds the expected lines.
"""

REPORTER = """
  (data (i32.const 3000) " -> \\n")
  (func $strlen (param $p i32) (result i32) (local $n i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (i32.load8_u (i32.add (local.get $p) (local.get $n)))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $l)))
    (local.get $n))
  ;; Prints the label of slot, " -> ", val as unsigned decimal and a newline on stdout, as one
  ;; buffer (3400..) written with a single iovec, retrying short writes.
  (func $report (param $slot i32) (param $val i32) (local $p i32) (local $q i32) (local $label i32) (local $d i32)
    (local.set $label (i32.add (i32.const 4096) (i32.mul (local.get $slot) (i32.const 64))))
    (local.set $q (i32.const 3400))
    (block $done
      (loop $copy
        (br_if $done (i32.eqz (i32.load8_u (local.get $label))))
        (i32.store8 (local.get $q) (i32.load8_u (local.get $label)))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (local.set $label (i32.add (local.get $label) (i32.const 1)))
        (br $copy)))
    (i32.store (local.get $q) (i32.load (i32.const 3000)))
    (local.set $q (i32.add (local.get $q) (i32.const 4)))
    (local.set $p (i32.const 3216))
    (loop $digits
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p) (i32.add (i32.const 48) (i32.rem_u (local.get $val) (i32.const 10))))
      (local.set $val (i32.div_u (local.get $val) (i32.const 10)))
      (br_if $digits (local.get $val)))
    (block $done2
      (loop $copy2
        (br_if $done2 (i32.ge_u (local.get $p) (i32.const 3216)))
        (i32.store8 (local.get $q) (i32.load8_u (local.get $p)))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $copy2)))
    (i32.store8 (local.get $q) (i32.const 10))
    (local.set $q (i32.add (local.get $q) (i32.const 1)))
    (local.set $p (i32.const 3400))
    (block $written
      (loop $write
        (br_if $written (i32.ge_u (local.get $p) (local.get $q)))
        (i32.store (i32.const 3300) (local.get $p))
        (i32.store (i32.const 3304) (i32.sub (local.get $q) (local.get $p)))
        (br_if $written (call $fd_write (i32.const 1) (i32.const 3300) (i32.const 1) (i32.const 3340)))
        (br_if $written (i32.eqz (i32.load (i32.const 3340))))
        (local.set $p (i32.add (local.get $p) (i32.load (i32.const 3340))))
        (br $write))))
  ;; Stores an iovec {buf, len} at addr.
  (func $iov (param $addr i32) (param $buf i32) (param $len i32)
    (i32.store (local.get $addr) (local.get $buf))
    (i32.store offset=4 (local.get $addr) (local.get $len)))
"""

def wat_string(s: bytes) -> str:
    out = []
    for b in s:
        if 32 <= b < 127 and b not in (34, 92):
            out.append(chr(b))
        else:
            out.append("\\%02x" % b)
    return '"' + "".join(out) + '"'

def build(name, header, strings, setup, cases, tail="", memory_pages=1, extra=""):
    """strings: dict name -> (addr, bytes). cases: list of (label, expr, expected)."""
    lines = []
    lines += header
    lines.append(PRELUDE_DOC)
    lines.append("(module")
    used = sorted(IMPORTS)
    for f in used:
        lines.append('  (import "wasi_snapshot_preview1" "%s" (func $%s %s))' % (f, f, IMPORTS[f]))
    lines.append('  (memory (export "memory") %d)' % memory_pages)
    lines.append(REPORTER)
    for key, (addr, data) in strings.items():
        lines.append("  ;; %s" % key)
        lines.append("  (data (i32.const %d) %s)" % (addr, wat_string(data + b"\0")))
    for i, (label, expr, exp) in enumerate(cases):
        assert len(label) < 63, label
        lines.append("  (data (i32.const %d) %s)" % (4096 + 64 * i, wat_string(label.encode())))
    lines.append(extra)
    lines.append('  (func $main (export "_start") (local $fd i32) (local $t i32)')
    for s in setup:
        lines.append("    " + s)
    for i, (label, expr, exp) in enumerate(cases):
        lines.append("    ;; %s (expect %s)" % (label, exp))
        for part in expr if isinstance(expr, list) else [expr]:
            if part.startswith("!"):
                lines.append("    " + part[1:])
        final = [p for p in (expr if isinstance(expr, list) else [expr]) if not p.startswith("!")]
        lines.append("    (call $report (i32.const %d) %s)" % (i, final[0]))
    lines.append(tail)
    lines.append("  )")
    lines.append(")")
    text = "\n".join(lines) + "\n"
    expected = "".join("%s -> %s\n" % (label, exp) for label, expr, exp in cases)
    return text, expected

import os
OUT = os.path.dirname(os.path.abspath(__file__)) + "/"
FILE_RIGHTS = "0xE001FF"  # FD_* rights incl. filestat get/set_size/set_times
EFAULT, EBADF, EINVAL, EILSEQ, ENOENT, ENOTDIR, ENOSYS, ENOTSOCK, ESPIPE = 21, 8, 28, 25, 44, 54, 52, 57, 70

def open_file(path_addr, path_len, oflags="9"):
    return ["!(local.set $t (call $path_open (i32.const 3) (i32.const 0) (i32.const %d) (i32.const %d) (i32.const %s) (i64.const %s) (i64.const 0) (i32.const 0) (i32.const 1000)))" % (path_addr, path_len, oflags, FILE_RIGHTS),
            "!(local.set $fd (i32.load (i32.const 1000)))",
            "(local.get $t)"]

# ---------------------------------------------------------------- memory
strings = {"f.txt": (2048, b"f.txt"), "lnk": (2064, b"lnk"), "ABCDEFGH": (2080, b"ABCDEFGH"), "sub": (2096, b"sub"),
           "new": (2112, b"new")}
fw = lambda iovs, n, nw: "(call $fd_write (i32.const 1) (i32.const %s) (i32.const %s) (i32.const %s))" % (iovs, n, nw)
cases = [
 ("setup: create f.txt", open_file(2048, 5), 0),
 ("setup: write ABCDEFGH", ["!(call $iov (i32.const 256) (i32.const 2080) (i32.const 8))",
   "(call $fd_write (local.get $fd) (i32.const 256) (i32.const 1) (i32.const 1000))"], 0),
 ("setup: symlink lnk -> f.txt", "(call $path_symlink (i32.const 2048) (i32.const 5) (i32.const 3) (i32.const 2064) (i32.const 3))", 0),
 ("fd_write iovs at end of memory", fw(65536, 1, 1000), EFAULT),
 ("fd_write iovs straddling the end", fw(65532, 1, 1000), EFAULT),
 ("fd_write iovs far out of bounds", fw("0x7fffffff", 1, 1000), EFAULT),
 ("fd_write iovs_len*8 wraps 2^32", ["!(call $iov (i32.const 256) (i32.const 300) (i32.const 0))", fw(256, "0x20000000", 1000)], EFAULT),
 ("fd_write iovs_len huge", fw(256, "0xffffffff", 1000), EFAULT),
 ("fd_write buf out of bounds", ["!(call $iov (i32.const 256) (i32.const 65530) (i32.const 100))", fw(256, 1, 1000)], EFAULT),
 ("fd_write buf entirely past the end", ["!(call $iov (i32.const 256) (i32.const 70000) (i32.const 4))", fw(256, 1, 1000)], EFAULT),
 ("fd_write buf ptr+len wraps 2^32", ["!(call $iov (i32.const 256) (i32.const 0xfffffff0) (i32.const 0x20))", fw(256, 1, 1000)], EFAULT),
 ("fd_write 2nd iovec out of bounds", ["!(call $iov (i32.const 256) (i32.const 300) (i32.const 0))",
   "!(call $iov (i32.const 264) (i32.const 65535) (i32.const 2))", fw(256, 2, 1000)], EFAULT),
 ("fd_write nwritten out of bounds", ["!(call $iov (i32.const 256) (i32.const 300) (i32.const 0))", fw(256, 1, 65534)], EFAULT),
 ("fd_write nwritten at 0xffffffff", fw(256, 1, "0xffffffff"), EFAULT),
 ("fd_write empty buf at end of memory", ["!(call $iov (i32.const 256) (i32.const 65536) (i32.const 0))", fw(256, 1, 1000)], 0),
 ("fd_write no iovecs", fw(256, 0, 1000), 0),
 ("fd_pread buf out of bounds", ["!(call $iov (i32.const 256) (i32.const 65534) (i32.const 100))",
   "(call $fd_pread (local.get $fd) (i32.const 256) (i32.const 1) (i64.const 0) (i32.const 1000))"], EFAULT),
 ("fd_pread buf entirely past the end", ["!(call $iov (i32.const 256) (i32.const 70000) (i32.const 8))",
   "(call $fd_pread (local.get $fd) (i32.const 256) (i32.const 1) (i64.const 0) (i32.const 1000))"], EFAULT),
 ("fd_pread iovs out of bounds", "(call $fd_pread (local.get $fd) (i32.const 65530) (i32.const 1) (i64.const 0) (i32.const 1000))", EFAULT),
 ("fd_pread nread out of bounds", ["!(call $iov (i32.const 256) (i32.const 400) (i32.const 8))",
   "(call $fd_pread (local.get $fd) (i32.const 256) (i32.const 1) (i64.const 0) (i32.const 65534))"], EFAULT),
 ("fd_pread same buffer twice", ["!(call $iov (i32.const 256) (i32.const 400) (i32.const 4))",
   "!(call $iov (i32.const 264) (i32.const 400) (i32.const 4))",
   "(call $fd_pread (local.get $fd) (i32.const 256) (i32.const 2) (i64.const 0) (i32.const 1000))"], 0),
 ("fd_pread into its own iovec array", ["!(call $iov (i32.const 256) (i32.const 256) (i32.const 8))",
   "(call $fd_pread (local.get $fd) (i32.const 256) (i32.const 1) (i64.const 0) (i32.const 1000))"], 0),
 ("fd_pread nread inside the buffer", ["!(call $iov (i32.const 256) (i32.const 400) (i32.const 8))",
   "(call $fd_pread (local.get $fd) (i32.const 256) (i32.const 1) (i64.const 0) (i32.const 402))"], 0),
 ("fd_read buf ptr+len wraps", ["!(call $iov (i32.const 256) (i32.const 0xffffffff) (i32.const 2))",
   "(call $fd_read (local.get $fd) (i32.const 256) (i32.const 1) (i32.const 1000))"], EFAULT),
 ("fd_pwrite buf out of bounds", ["!(call $iov (i32.const 256) (i32.const 65535) (i32.const 2))",
   "(call $fd_pwrite (local.get $fd) (i32.const 256) (i32.const 1) (i64.const 0) (i32.const 1000))"], EFAULT),
 ("fd_pwrite nwritten out of bounds", ["!(call $iov (i32.const 256) (i32.const 2080) (i32.const 0))",
   "(call $fd_pwrite (local.get $fd) (i32.const 256) (i32.const 1) (i64.const 0) (i32.const 65533))"], EFAULT),
 ("args_sizes_get argc out of bounds", "(call $args_sizes_get (i32.const 65536) (i32.const 1000))", EFAULT),
 ("args_sizes_get size straddling", "(call $args_sizes_get (i32.const 1000) (i32.const 65534))", EFAULT),
 ("args_get argv out of bounds", "(call $args_get (i32.const 65534) (i32.const 1024))", EFAULT),
 ("args_get argv_buf out of bounds", "(call $args_get (i32.const 1000) (i32.const 65535))", EFAULT),
 ("args_get argv_buf wraps", "(call $args_get (i32.const 1000) (i32.const 0xffffffff))", EFAULT),
 ("args_get overlapping argv and buf", "(call $args_get (i32.const 1100) (i32.const 1100))", 0),
 ("environ_sizes_get out of bounds", "(call $environ_sizes_get (i32.const 1000) (i32.const 65536))", EFAULT),
 ("environ_get environ out of bounds", "(call $environ_get (i32.const 65535) (i32.const 1024))", EFAULT),
 ("environ_get buf out of bounds", "(call $environ_get (i32.const 1000) (i32.const 65535))", EFAULT),
 ("clock_time_get result straddling", "(call $clock_time_get (i32.const 0) (i64.const 0) (i32.const 65532))", EFAULT),
 ("clock_time_get result past the end", "(call $clock_time_get (i32.const 1) (i64.const 0) (i32.const 0xfffffffc))", EFAULT),
 ("clock_res_get result out of bounds", "(call $clock_res_get (i32.const 1) (i32.const 65536))", EFAULT),
 ("random_get out of bounds", "(call $random_get (i32.const 65535) (i32.const 2))", EFAULT),
 ("random_get ptr+len wraps", "(call $random_get (i32.const 0xfffffff0) (i32.const 0x20))", EFAULT),
 ("random_get len 4 GiB", "(call $random_get (i32.const 16384) (i32.const 0xffffffff))", EFAULT),
 ("random_get empty at end of memory", "(call $random_get (i32.const 65536) (i32.const 0))", 0),
 ("random_get last 16 bytes", "(call $random_get (i32.const 65520) (i32.const 16))", 0),
 ("fd_prestat_get out of bounds", "(call $fd_prestat_get (i32.const 3) (i32.const 65535))", EFAULT),
 ("fd_prestat_dir_name out of bounds", "(call $fd_prestat_dir_name (i32.const 3) (i32.const 65536) (i32.const 10))", EFAULT),
 ("fd_fdstat_get out of bounds", "(call $fd_fdstat_get (i32.const 1) (i32.const 65530))", EFAULT),
 ("fd_filestat_get out of bounds", "(call $fd_filestat_get (local.get $fd) (i32.const 65500))", EFAULT),
 ("fd_seek result out of bounds", "(call $fd_seek (local.get $fd) (i64.const 0) (i32.const 0) (i32.const 65535))", EFAULT),
 ("fd_tell result out of bounds", "(call $fd_tell (local.get $fd) (i32.const 65535))", EFAULT),
 ("path_open path out of bounds", "(call $path_open (i32.const 3) (i32.const 0) (i32.const 65530) (i32.const 100) (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 1000))", EFAULT),
 ("path_open path ptr+len wraps", "(call $path_open (i32.const 3) (i32.const 0) (i32.const 0xffffff00) (i32.const 0x200) (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 1000))", EFAULT),
 ("path_open result fd out of bounds", "(call $path_open (i32.const 3) (i32.const 0) (i32.const 2048) (i32.const 5) (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 65533))", EFAULT),
 ("path_filestat_get path out of bounds", "(call $path_filestat_get (i32.const 3) (i32.const 0) (i32.const 65535) (i32.const 5) (i32.const 1100))", EFAULT),
 ("path_filestat_get result out of bounds", "(call $path_filestat_get (i32.const 3) (i32.const 0) (i32.const 2048) (i32.const 5) (i32.const 65500))", EFAULT),
 ("path_create_directory path out of bounds", "(call $path_create_directory (i32.const 3) (i32.const 65535) (i32.const 3))", EFAULT),
 ("path_readlink buf out of bounds", "(call $path_readlink (i32.const 3) (i32.const 2064) (i32.const 3) (i32.const 65534) (i32.const 100) (i32.const 1000))", EFAULT),
 ("path_readlink bufused out of bounds", "(call $path_readlink (i32.const 3) (i32.const 2064) (i32.const 3) (i32.const 400) (i32.const 100) (i32.const 65535))", EFAULT),
 ("path_symlink old path out of bounds", "(call $path_symlink (i32.const 65535) (i32.const 5) (i32.const 3) (i32.const 2112) (i32.const 3))", EFAULT),
 ("path_rename new path out of bounds", "(call $path_rename (i32.const 3) (i32.const 2048) (i32.const 5) (i32.const 3) (i32.const 65535) (i32.const 8))", EFAULT),
 ("path_link new path wraps", "(call $path_link (i32.const 3) (i32.const 0) (i32.const 2048) (i32.const 5) (i32.const 3) (i32.const 0xffffffff) (i32.const 2))", EFAULT),
 ("path_unlink_file path out of bounds", "(call $path_unlink_file (i32.const 3) (i32.const 65536) (i32.const 1))", EFAULT),
 ("path_remove_directory path out of bounds", "(call $path_remove_directory (i32.const 3) (i32.const 65530) (i32.const 10))", EFAULT),
 ("path_filestat_set_times path out of bounds", "(call $path_filestat_set_times (i32.const 3) (i32.const 0) (i32.const 65535) (i32.const 2) (i64.const 0) (i64.const 0) (i32.const 2))", EFAULT),
 ("fd_readdir buf out of bounds", "(call $fd_readdir (i32.const 3) (i32.const 65000) (i32.const 1000) (i64.const 0) (i32.const 1000))", EFAULT),
 ("fd_readdir bufused out of bounds", "(call $fd_readdir (i32.const 3) (i32.const 400) (i32.const 100) (i64.const 0) (i32.const 65535))", EFAULT),
 ("poll_oneoff subscriptions out of bounds", "(call $poll_oneoff (i32.const 65500) (i32.const 1200) (i32.const 1) (i32.const 1040))", EFAULT),
 ("poll_oneoff events out of bounds", ["!(i64.store (i32.const 1100) (i64.const 1))", "!(i32.store8 (i32.const 1108) (i32.const 0))",
   "!(i32.store (i32.const 1116) (i32.const 1))", "!(i64.store (i32.const 1124) (i64.const 0))",
   "!(i64.store (i32.const 1132) (i64.const 0))", "!(i32.store16 (i32.const 1140) (i32.const 0))",
   "(call $poll_oneoff (i32.const 1100) (i32.const 65530) (i32.const 1) (i32.const 1040))"], EFAULT),
 ("poll_oneoff nevents out of bounds", "(call $poll_oneoff (i32.const 1100) (i32.const 1200) (i32.const 1) (i32.const 65534))", EFAULT),
 ("poll_oneoff nsubscriptions*48 wraps", "(call $poll_oneoff (i32.const 1100) (i32.const 1200) (i32.const 0x05555556) (i32.const 1040))", EFAULT),
 ("poll_oneoff valid zero-timeout clock", "(call $poll_oneoff (i32.const 1100) (i32.const 1200) (i32.const 1) (i32.const 1040))", 0),
 ("sock_recv on a file, buffers out of bounds", "(i32.ne (call $sock_recv (local.get $fd) (i32.const 65530) (i32.const 1) (i32.const 0) (i32.const 1000) (i32.const 1004)) (i32.const 0))", 1),
 ("after all that: fd_write still works", ["!(call $iov (i32.const 256) (i32.const 2080) (i32.const 0))", fw(256, 1, 1000)], 0),
]
header = [";; oracle: expected", ";; env: A=1 B=two", ";; run: one two",
          ";; Hostile pointers and lengths: every out-of-bounds or wrapping (ptr, len)",
          ";; must fail with EFAULT (21) without touching memory or crashing the host;",
          ";; overlapping but in-bounds buffers are fine."]
text, exp = build("hostile_memory", header, strings, [], cases)
open(OUT + "hostile_memory.wat", "w").write(text)
open(OUT + "hostile_memory.expected", "w").write(exp)

# ---------------------------------------------------------------- bad arguments
strings = {"f.txt": (2048, b"f.txt"), "sub": (2064, b"sub"), "x": (2080, b"x"), "ABCDEFGH": (2096, b"ABCDEFGH")}
def either(call, ev_off=1208):
    # The call's errno, or (if the call succeeded) the first event's error.
    return ["!(local.set $t %s)" % call,
            "(if (result i32) (local.get $t) (then (local.get $t)) (else (i32.load16_u (i32.const %d))))" % ev_off]
def sub_clock(addr, clock_id, timeout, flags, tag=0):
    return ["!(i64.store (i32.const %d) (i64.const 7))" % addr, "!(i32.store8 (i32.const %d) (i32.const %d))" % (addr + 8, tag),
            "!(i32.store (i32.const %d) (i32.const %d))" % (addr + 16, clock_id), "!(i64.store (i32.const %d) (i64.const %d))" % (addr + 24, timeout),
            "!(i64.store (i32.const %d) (i64.const 0))" % (addr + 32), "!(i32.store16 (i32.const %d) (i32.const %d))" % (addr + 40, flags)]
F = "(local.get $fd)"
def one_of(call, a, b):
    return "(i32.or (i32.eq (local.tee $t %s) (i32.const %d)) (i32.eq (local.get $t) (i32.const %d)))" % (call, a, b)
cases = [
 ("setup: create f.txt", open_file(2048, 5), 0),
 ("setup: write ABCDEFGH", ["!(call $iov (i32.const 256) (i32.const 2096) (i32.const 8))",
   "(call $fd_write (local.get $fd) (i32.const 256) (i32.const 1) (i32.const 1000))"], 0),
 ("setup: mkdir sub", "(call $path_create_directory (i32.const 3) (i32.const 2064) (i32.const 3))", 0),
 ("fd_close 9999", "(call $fd_close (i32.const 9999))", EBADF),
 ("fd_close 0xffffffff", "(call $fd_close (i32.const -1))", EBADF),
 ("fd_write 9999", "(call $fd_write (i32.const 9999) (i32.const 256) (i32.const 1) (i32.const 1000))", EBADF),
 ("fd_read 0xffffffff", "(call $fd_read (i32.const -1) (i32.const 256) (i32.const 1) (i32.const 1000))", EBADF),
 ("fd_pread 9999", "(call $fd_pread (i32.const 9999) (i32.const 256) (i32.const 1) (i64.const 0) (i32.const 1000))", EBADF),
 ("fd_pwrite 9999", "(call $fd_pwrite (i32.const 9999) (i32.const 256) (i32.const 1) (i64.const 0) (i32.const 1000))", EBADF),
 ("fd_seek 9999", "(call $fd_seek (i32.const 9999) (i64.const 0) (i32.const 0) (i32.const 1000))", EBADF),
 ("fd_seek whence 3", "(call $fd_seek %s (i64.const 0) (i32.const 3) (i32.const 1000))" % F, EINVAL),
 ("fd_seek whence 256", "(call $fd_seek %s (i64.const 0) (i32.const 256) (i32.const 1000))" % F, EINVAL),
 ("fd_seek whence 0xffffffff", "(call $fd_seek %s (i64.const 0) (i32.const -1) (i32.const 1000))" % F, EINVAL),
 ("fd_seek SET -1", "(call $fd_seek %s (i64.const -1) (i32.const 0) (i32.const 1000))" % F, EINVAL),
 ("fd_seek CUR -100", "(call $fd_seek %s (i64.const -100) (i32.const 1) (i32.const 1000))" % F, EINVAL),
 ("fd_seek END i64 min", "(call $fd_seek %s (i64.const 0x8000000000000000) (i32.const 2) (i32.const 1000))" % F, EINVAL),
 ("fd_seek SET 3 (valid)", "(call $fd_seek %s (i64.const 3) (i32.const 0) (i32.const 1000))" % F, 0),
 ("fd_tell after the failed seeks", ["!(drop (call $fd_tell %s (i32.const 1000)))" % F, "(i32.load (i32.const 1000))"], 3),
 ("fd_tell 9999", "(call $fd_tell (i32.const 9999) (i32.const 1000))", EBADF),
 ("fd_fdstat_get 9999", "(call $fd_fdstat_get (i32.const 9999) (i32.const 1000))", EBADF),
 ("fd_fdstat_set_flags unknown bit 0x20", "(call $fd_fdstat_set_flags %s (i32.const 0x20))" % F, EINVAL),
 ("fd_fdstat_set_flags 0xffff", "(call $fd_fdstat_set_flags %s (i32.const 0xffff))" % F, EINVAL),
 ("fd_fdstat_set_flags 9999", "(call $fd_fdstat_set_flags (i32.const 9999) (i32.const 0))", EBADF),
 ("fd_fdstat_set_rights 9999", "(call $fd_fdstat_set_rights (i32.const 9999) (i64.const 0) (i64.const 0))", EBADF),
 ("fd_filestat_get 9999", "(call $fd_filestat_get (i32.const 9999) (i32.const 1000))", EBADF),
 ("fd_filestat_set_size 9999", "(call $fd_filestat_set_size (i32.const 9999) (i64.const 0))", EBADF),
 ("fd_filestat_set_size 2^64-1: EINVAL or EFBIG", one_of("(call $fd_filestat_set_size %s (i64.const -1))" % F, EINVAL, 22), 1),
 ("fd_filestat_set_times ATIM|ATIM_NOW", "(call $fd_filestat_set_times %s (i64.const 0) (i64.const 0) (i32.const 3))" % F, EINVAL),
 ("fd_filestat_set_times MTIM|MTIM_NOW", "(call $fd_filestat_set_times %s (i64.const 0) (i64.const 0) (i32.const 12))" % F, EINVAL),
 ("fd_filestat_set_times unknown bit 0x10", "(call $fd_filestat_set_times %s (i64.const 0) (i64.const 0) (i32.const 0x10))" % F, EINVAL),
 ("fd_filestat_set_times 9999", "(call $fd_filestat_set_times (i32.const 9999) (i64.const 0) (i64.const 0) (i32.const 2))", EBADF),
 ("fd_advise advice 6", "(call $fd_advise %s (i64.const 0) (i64.const 0) (i32.const 6))" % F, EINVAL),
 ("fd_advise advice 0xffffffff", "(call $fd_advise %s (i64.const 0) (i64.const 0) (i32.const -1))" % F, EINVAL),
 ("fd_advise 9999", "(call $fd_advise (i32.const 9999) (i64.const 0) (i64.const 0) (i32.const 0))", EBADF),
 ("fd_allocate 9999", "(call $fd_allocate (i32.const 9999) (i64.const 0) (i64.const 1))", EBADF),
 ("fd_datasync 9999", "(call $fd_datasync (i32.const 9999))", EBADF),
 ("fd_sync 9999", "(call $fd_sync (i32.const 9999))", EBADF),
 ("fd_renumber 9999 to 3", "(call $fd_renumber (i32.const 9999) (i32.const 3))", EBADF),
 ("fd_renumber file to 9999", "(call $fd_renumber %s (i32.const 9999))" % F, EBADF),
 ("fd_prestat_get 0", "(call $fd_prestat_get (i32.const 0) (i32.const 1000))", EBADF),
 ("fd_prestat_get 9999", "(call $fd_prestat_get (i32.const 9999) (i32.const 1000))", EBADF),
 ("fd_prestat_dir_name 9999", "(call $fd_prestat_dir_name (i32.const 9999) (i32.const 1000) (i32.const 10))", EBADF),
 ("fd_readdir on a file", "(call $fd_readdir %s (i32.const 400) (i32.const 100) (i64.const 0) (i32.const 1000))" % F, ENOTDIR),
 ("fd_readdir 9999", "(call $fd_readdir (i32.const 9999) (i32.const 400) (i32.const 100) (i64.const 0) (i32.const 1000))", EBADF),
 ("path_open dirfd 9999", "(call $path_open (i32.const 9999) (i32.const 0) (i32.const 2048) (i32.const 5) (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 1000))", EBADF),
 ("path_open dirfd is a file", "(call $path_open %s (i32.const 0) (i32.const 2080) (i32.const 1) (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 1000))" % F, ENOTDIR),
 ("path_open oflags unknown bit 0x10", "(call $path_open (i32.const 3) (i32.const 0) (i32.const 2048) (i32.const 5) (i32.const 0x10) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 1000))", EINVAL),
 ("path_open oflags 0xffff", "(call $path_open (i32.const 3) (i32.const 0) (i32.const 2048) (i32.const 5) (i32.const 0xffff) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 1000))", EINVAL),
 ("path_open lookupflags unknown bit 0x2", "(call $path_open (i32.const 3) (i32.const 2) (i32.const 2048) (i32.const 5) (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 1000))", EINVAL),
 ("path_open fdflags unknown bit 0x20", "(call $path_open (i32.const 3) (i32.const 0) (i32.const 2048) (i32.const 5) (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0x20) (i32.const 1000))", EINVAL),
 ("path_open DIRECTORY on a file", "(call $path_open (i32.const 3) (i32.const 0) (i32.const 2048) (i32.const 5) (i32.const 2) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 1000))", ENOTDIR),
 ("path_filestat_get lookupflags 0xff", "(call $path_filestat_get (i32.const 3) (i32.const 0xff) (i32.const 2048) (i32.const 5) (i32.const 1000))", EINVAL),
 ("path_filestat_get 9999", "(call $path_filestat_get (i32.const 9999) (i32.const 0) (i32.const 2048) (i32.const 5) (i32.const 1000))", EBADF),
 ("path_filestat_set_times bad fstflags", "(call $path_filestat_set_times (i32.const 3) (i32.const 0) (i32.const 2048) (i32.const 5) (i64.const 0) (i64.const 0) (i32.const 3))", EINVAL),
 ("path_filestat_set_times 9999", "(call $path_filestat_set_times (i32.const 9999) (i32.const 0) (i32.const 2048) (i32.const 5) (i64.const 0) (i64.const 0) (i32.const 2))", EBADF),
 ("path_link old dirfd 9999", "(call $path_link (i32.const 9999) (i32.const 0) (i32.const 2048) (i32.const 5) (i32.const 3) (i32.const 2080) (i32.const 1))", EBADF),
 ("path_link new dirfd 9999", "(call $path_link (i32.const 3) (i32.const 0) (i32.const 2048) (i32.const 5) (i32.const 9999) (i32.const 2080) (i32.const 1))", EBADF),
 ("path_link lookupflags 0x2", "(call $path_link (i32.const 3) (i32.const 2) (i32.const 2048) (i32.const 5) (i32.const 3) (i32.const 2080) (i32.const 1))", EINVAL),
 ("path_rename old dirfd 9999", "(call $path_rename (i32.const 9999) (i32.const 2048) (i32.const 5) (i32.const 3) (i32.const 2080) (i32.const 1))", EBADF),
 ("path_rename new dirfd 9999", "(call $path_rename (i32.const 3) (i32.const 2048) (i32.const 5) (i32.const 9999) (i32.const 2080) (i32.const 1))", EBADF),
 ("path_symlink dirfd 9999", "(call $path_symlink (i32.const 2048) (i32.const 5) (i32.const 9999) (i32.const 2080) (i32.const 1))", EBADF),
 ("path_unlink_file dirfd 9999", "(call $path_unlink_file (i32.const 9999) (i32.const 2048) (i32.const 5))", EBADF),
 ("path_remove_directory dirfd 9999", "(call $path_remove_directory (i32.const 9999) (i32.const 2064) (i32.const 3))", EBADF),
 ("path_create_directory dirfd 9999", "(call $path_create_directory (i32.const 9999) (i32.const 2080) (i32.const 1))", EBADF),
 ("path_readlink dirfd 9999", "(call $path_readlink (i32.const 9999) (i32.const 2048) (i32.const 5) (i32.const 400) (i32.const 100) (i32.const 1000))", EBADF),
 ("clock_time_get clock 4", "(call $clock_time_get (i32.const 4) (i64.const 0) (i32.const 1000))", EINVAL),
 ("clock_time_get clock 256", "(call $clock_time_get (i32.const 256) (i64.const 0) (i32.const 1000))", EINVAL),
 ("clock_time_get clock 0xffffffff", "(call $clock_time_get (i32.const -1) (i64.const 0) (i32.const 1000))", EINVAL),
 ("clock_res_get clock 4", "(call $clock_res_get (i32.const 4) (i32.const 1000))", EINVAL),
 ("clock_time_get every valid clock", "(i32.or (i32.or (call $clock_time_get (i32.const 0) (i64.const 1) (i32.const 1000)) (call $clock_time_get (i32.const 1) (i64.const 1) (i32.const 1000))) (i32.or (call $clock_time_get (i32.const 2) (i64.const 1) (i32.const 1000)) (call $clock_time_get (i32.const 3) (i64.const 1) (i32.const 1000))))", 0),
 ("poll_oneoff no subscriptions", "(call $poll_oneoff (i32.const 1100) (i32.const 1200) (i32.const 0) (i32.const 1040))", EINVAL),
 ("poll_oneoff event type 3", sub_clock(1100, 1, 0, 0, tag=3) + either("(call $poll_oneoff (i32.const 1100) (i32.const 1200) (i32.const 1) (i32.const 1040))"), EINVAL),
 ("poll_oneoff clock id 99", sub_clock(1100, 99, 0, 0) + either("(call $poll_oneoff (i32.const 1100) (i32.const 1200) (i32.const 1) (i32.const 1040))"), EINVAL),
 ("poll_oneoff clock flags 0x2", sub_clock(1100, 1, 0, 2) + either("(call $poll_oneoff (i32.const 1100) (i32.const 1200) (i32.const 1) (i32.const 1040))"), EINVAL),
 ("poll_oneoff fd_read on fd 9999", ["!(i64.store (i32.const 1100) (i64.const 7))", "!(i32.store8 (i32.const 1108) (i32.const 1))",
   "!(i32.store (i32.const 1116) (i32.const 9999))"] + either("(call $poll_oneoff (i32.const 1100) (i32.const 1200) (i32.const 1) (i32.const 1040))"), EBADF),
 ("poll_oneoff valid clock after the bad ones", sub_clock(1100, 1, 1000, 0) + either("(call $poll_oneoff (i32.const 1100) (i32.const 1200) (i32.const 1) (i32.const 1040))"), 0),
 ("proc_raise SIGINT", "(call $proc_raise (i32.const 2))", ENOSYS),
 ("sched_yield", "(call $sched_yield)", 0),
 ("sock_accept 9999", "(call $sock_accept (i32.const 9999) (i32.const 0) (i32.const 1000))", EBADF),
 ("sock_recv 9999", "(call $sock_recv (i32.const 9999) (i32.const 256) (i32.const 1) (i32.const 0) (i32.const 1000) (i32.const 1004))", EBADF),
 ("sock_send 9999", "(call $sock_send (i32.const 9999) (i32.const 256) (i32.const 1) (i32.const 0) (i32.const 1000))", EBADF),
 ("sock_shutdown 9999", "(call $sock_shutdown (i32.const 9999) (i32.const 2))", EBADF),
 ("sock_accept on a file", "(call $sock_accept %s (i32.const 0) (i32.const 1000))" % F, ENOTSOCK),
 ("sock_recv on a file", "(call $sock_recv %s (i32.const 256) (i32.const 1) (i32.const 0) (i32.const 1000) (i32.const 1004))" % F, ENOTSOCK),
 ("sock_send on a file", "(call $sock_send %s (i32.const 256) (i32.const 1) (i32.const 0) (i32.const 1000))" % F, ENOTSOCK),
 ("sock_shutdown on a file", "(call $sock_shutdown %s (i32.const 2))" % F, ENOTSOCK),
 ("fd_close file", "(call $fd_close %s)" % F, 0),
 ("fd_close file again", "(call $fd_close %s)" % F, EBADF),
 ("fd_write closed file", "(call $fd_write %s (i32.const 256) (i32.const 1) (i32.const 1000))" % F, EBADF),
 ("fd_filestat_get closed file", "(call $fd_filestat_get %s (i32.const 1000))" % F, EBADF),
 ("fd_write stdout still works", ["!(call $iov (i32.const 256) (i32.const 2096) (i32.const 0))",
   "(call $fd_write (i32.const 1) (i32.const 256) (i32.const 1) (i32.const 1000))"], 0),
]
header = [";; oracle: expected",
          ";; Invalid descriptors, whence values, clock ids, flag bits and enum values:",
          ";; each call returns its errno (EBADF 8, EINVAL 28, ENOTDIR 54, ENOSYS 52,",
          ";; ENOTSOCK 57, 0 = success) and never traps or crashes the host. For",
          ";; poll_oneoff the error may come back from the call or in the event."]
text, exp = build("hostile_args", header, strings, [], cases)
open(OUT + "hostile_args.wat", "w").write(text)
open(OUT + "hostile_args.expected", "w").write(exp)

# ---------------------------------------------------------------- paths
long_dots = b"./" * 2100 + b"f.txt"
strings = {"f.txt": (2048, b"f.txt"), "sub": (2064, b"sub"), "bad utf8": (2080, b"\xff\xfe.txt"),
           "nul": (2096, b"new\x00evil"), "new": (2112, b"new"), "f.txt/": (2128, b"f.txt/"),
           "dot": (2144, b"."), "long name": (16384, b"n" * 300), "long path": (20480, long_dots),
           "lnk": (2160, b"lnk"), "overlong utf8": (2176, b"\xc0\xaf.txt"), "surrogate": (2192, b"\xed\xa0\x80.txt"),
           "unicode ok": (2208, "ünï-名前.txt".encode())}
PO = "(call $path_open (i32.const 3) (i32.const %d) (i32.const %d) (i32.const %d) (i32.const %d) (i64.const 0x4e) (i64.const 0) (i32.const 0) (i32.const 1000))"
cases = [
 ("setup: create f.txt", open_file(2048, 5), 0),
 ("setup: mkdir sub", "(call $path_create_directory (i32.const 3) (i32.const 2064) (i32.const 3))", 0),
 ("path_open empty path", PO % (0, 2048, 0, 0), ENOENT),
 ("path_create_directory empty path", "(call $path_create_directory (i32.const 3) (i32.const 2048) (i32.const 0))", ENOENT),
 ("path_filestat_get empty path", "(call $path_filestat_get (i32.const 3) (i32.const 0) (i32.const 2048) (i32.const 0) (i32.const 1100))", ENOENT),
 ("path_unlink_file empty path", "(call $path_unlink_file (i32.const 3) (i32.const 2048) (i32.const 0))", ENOENT),
 ("path_remove_directory empty path", "(call $path_remove_directory (i32.const 3) (i32.const 2048) (i32.const 0))", ENOENT),
 ("path_symlink empty target", "(call $path_symlink (i32.const 2048) (i32.const 0) (i32.const 3) (i32.const 2160) (i32.const 3))", ENOENT),
 ("path_open invalid UTF-8 (create)", PO % (0, 2080, 6, 1), EILSEQ),
 ("path_open overlong UTF-8 (create)", PO % (0, 2176, 6, 1), EILSEQ),
 ("path_open UTF-8 surrogate (create)", PO % (0, 2192, 7, 1), EILSEQ),
 ("path_create_directory invalid UTF-8", "(call $path_create_directory (i32.const 3) (i32.const 2080) (i32.const 6))", EILSEQ),
 ("path_open valid non-ASCII UTF-8 (create)", PO % (0, 2208, len("ünï-名前.txt".encode()), 1), 0),
 ("path_open new\\0evil refused", "(i32.ne %s (i32.const 0))" % (PO % (0, 2096, 8, 1)), 1),
 ("  and created nothing called new", "(call $path_filestat_get (i32.const 3) (i32.const 0) (i32.const 2112) (i32.const 3) (i32.const 1100))", ENOENT),
 ("path_open 300-byte name (create)", PO % (0, 16384, 300, 1), 37),
 ("path_open 4200-byte ./ path: ok or ENAMETOOLONG", "(i32.eqz (i32.and (local.tee $t %s) (i32.ne (local.get $t) (i32.const 37))))" % (PO % (0, 20480, len(long_dots), 0)), 1),
 ("path_open f.txt/", PO % (1, 2128, 6, 0), ENOTDIR),
 ("path_open . CREAT|EXCL", PO % (0, 2144, 1, 5), 20),
 ("path_open sub CREAT|EXCL", PO % (0, 2064, 3, 5), 20),
 ("path_readlink on a regular file", "(call $path_readlink (i32.const 3) (i32.const 2048) (i32.const 5) (i32.const 400) (i32.const 100) (i32.const 1000))", EINVAL),
 ("path_link of a directory", "(call $path_link (i32.const 3) (i32.const 0) (i32.const 2064) (i32.const 3) (i32.const 3) (i32.const 2160) (i32.const 3))", 63),
 ("path_remove_directory on a file", "(call $path_remove_directory (i32.const 3) (i32.const 2048) (i32.const 5))", ENOTDIR),
 ("path_unlink_file on a directory", "(call $path_unlink_file (i32.const 3) (i32.const 2064) (i32.const 3))", 31),
 ("fd_write stdout still works", ["!(call $iov (i32.const 256) (i32.const 2048) (i32.const 0))",
   "(call $fd_write (i32.const 1) (i32.const 256) (i32.const 1) (i32.const 1000))"], 0),
]
header = [";; oracle: expected",
          ";; Path arguments: empty paths (ENOENT 44), invalid UTF-8 (EILSEQ 25),",
          ";; embedded NUL (refused, and nothing created under the truncated name),",
          ";; over-long names (ENAMETOOLONG 37) and a few POSIX errors (EEXIST 20,",
          ";; ENOTDIR 54, EPERM 63, EISDIR 31)."]
text, exp = build("hostile_paths", header, strings, [], cases)
open(OUT + "hostile_paths.wat", "w").write(text)
open(OUT + "hostile_paths.expected", "w").write(exp)
