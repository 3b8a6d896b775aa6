;; oracle: expected
;; exit: 1
;; stderr-contains: component
;; stderr-lines: 1
;; stderr-starts: error:
;; A component (not a core module) is refused with one clear line.
(component
  (core module $m
    (func (export "_start"))))
