;; oracle: expected
;; exit: 134
;; stderr-contains: divide by zero
;; Integer division by zero traps (exit 134).
(module
  (memory (export "memory") 1)
  (global $zero (mut i32) (i32.const 0))
  (func $divide (result i32)
    (i32.div_s (i32.const 7) (global.get $zero)))
  (func (export "_start")
    (drop (call $divide))))
