;; oracle: expected
;; exit: 7
;; proc_exit ends the program at once with its code, from inside nested
;; calls; output written before stays, code after it never runs.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "before exit\n")
  (data (i32.const 200) "AFTER EXIT\n")
  (func $say (param i32 i32)
    (i32.store (i32.const 0) (local.get 0))
    (i32.store (i32.const 4) (local.get 1))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func $inner
    (call $proc_exit (i32.const 7))
    (call $say (i32.const 200) (i32.const 11)))
  (func (export "_start")
    (call $say (i32.const 100) (i32.const 12))
    (call $inner)
    (call $say (i32.const 200) (i32.const 11))))
