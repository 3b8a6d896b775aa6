;; oracle: expected
;; exit: 134
;; stderr-contains: unreachable
;; stderr-contains: deep_function_name
;; stderr-contains: middle_function
;; A trap exits 134 with a Wasm backtrace on stderr naming the functions
;; (from the name section); output written before the trap is kept.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "before the trap\n")
  (func $deep_function_name (param i32) (result i32)
    (if (i32.eq (local.get 0) (i32.const 3)) (then unreachable))
    (local.get 0))
  (func $middle_function (param i32) (result i32)
    (call $deep_function_name (i32.add (local.get 0) (i32.const 1))))
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 100))
    (i32.store (i32.const 4) (i32.const 16))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (drop (call $middle_function (i32.const 2)))
    ;; not reached
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
