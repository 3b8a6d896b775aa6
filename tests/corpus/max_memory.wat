;; oracle: expected
;; flags: --max-memory 4MiB
;; --max-memory caps memory.grow: growing within the limit works (returns the
;; old size in pages), past it returns -1 without trapping.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "grow to 2 MiB: ok\n")
  (data (i32.const 200) "grow to 8 MiB: refused\n")
  (data (i32.const 300) "UNEXPECTED\n")
  (func $say (param i32 i32)
    (i32.store (i32.const 0) (local.get 0))
    (i32.store (i32.const 4) (local.get 1))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func (export "_start")
    ;; 1 page -> 32 pages (2 MiB)
    (if (i32.eq (memory.grow (i32.const 31)) (i32.const 1))
      (then (call $say (i32.const 100) (i32.const 18)))
      (else (call $say (i32.const 300) (i32.const 11))))
    ;; 32 -> 128 pages (8 MiB) is over the limit
    (if (i32.eq (memory.grow (i32.const 96)) (i32.const -1))
      (then (call $say (i32.const 200) (i32.const 23)))
      (else (call $say (i32.const 300) (i32.const 11))))
    ;; the memory that was granted is usable
    (i32.store (i32.const 2000000) (i32.const 42))))
