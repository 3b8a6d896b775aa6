;; oracle: expected
;; exit: 134
;; stderr-contains: out of bounds
;; stderr-contains: load_far_away
;; A load past the end of linear memory traps (exit 134).
(module
  (memory (export "memory") 1)
  (func $load_far_away (result i32)
    (i32.load (i32.const 0x7ffffff0)))
  (func (export "_start")
    (drop (call $load_far_away))))
