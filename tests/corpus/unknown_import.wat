;; oracle: expected
;; exit: 1
;; stderr-contains: no_such_function
;; stderr-lines: 1
;; stderr-starts: error:
;; A module importing a WASI function that does not exist is refused before
;; it runs: exit 1 and one line naming the import.
(module
  (import "wasi_snapshot_preview1" "no_such_function" (func $nope (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "must not run\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 100))
    (i32.store (i32.const 4) (i32.const 13))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (drop (call $nope (i32.const 0)))))
