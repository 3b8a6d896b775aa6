;; oracle: expected
;; invoke: add
;; run: 40 2
;; `continuum run --invoke add MODULE 40 2` calls the export with typed
;; arguments and prints the result.
(module
  (memory (export "memory") 1)
  (func (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))
  (func (export "_start")))
