;; oracle: expected
;; flags: --timeout 1s
;; exit: 124
;; An endless loop is stopped by --timeout (exit 124); output written before
;; is kept.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "looping\n")
  (func $spin
    (loop $forever (br $forever)))
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 100))
    (i32.store (i32.const 4) (i32.const 8))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $spin)))
