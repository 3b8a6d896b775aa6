;; oracle: expected
;; exit: 1
;; stderr-contains: mystery_host_function
;; stderr-lines: 1
;; stderr-starts: error:
;; An import from a module the host does not provide: exit 1, one line.
(module
  (import "env" "mystery_host_function" (func $m))
  (memory (export "memory") 1)
  (func (export "_start") (call $m)))
