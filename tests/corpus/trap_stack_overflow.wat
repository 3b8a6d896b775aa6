;; oracle: expected
;; exit: 134
;; stderr-contains: stack
;; stderr-contains: recurse_forever
;; Unbounded recursion ends in a clean trap that says the stack was
;; exhausted, not a crash of the host.
(module
  (memory (export "memory") 1)
  (func $recurse_forever (param i64) (result i64)
    (i64.add (call $recurse_forever (i64.add (local.get 0) (i64.const 1))) (i64.const 1)))
  (func (export "_start")
    (drop (call $recurse_forever (i64.const 0)))))
