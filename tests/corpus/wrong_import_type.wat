;; oracle: expected
;; exit: 1
;; stderr-contains: fd_write
;; stderr-lines: 1
;; stderr-starts: error:
;; A WASI import with the wrong signature is refused: exit 1, one line.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i64) (result i64)))
  (memory (export "memory") 1)
  (func (export "_start") (drop (call $fd_write (i64.const 1)))))
