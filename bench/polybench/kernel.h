/* Shared helpers for the PolyBench-style kernels in this directory.
 *
 * Every kernel is written from its mathematical definition (PolyBench/C 4.2
 * names, loop-nest structure and dataset sizes), in plain C99, so the same
 * file builds natively and for wasm32-wasi and prints the same checksum on
 * both:
 *
 *   clang-19 -O2 gemm.c -o gemm -lm
 *   clang-19 --target=wasm32-wasi --sysroot=/usr -O2 gemm.c -o gemm.wasm -lm
 *
 * Size classes: -DPB_MINI, -DPB_SMALL, -DPB_MEDIUM, -DPB_LARGE or
 * -DPB_EXTRALARGE (or -DPB_CLASS=0..4); without one, each kernel uses the
 * class named in its file. Single dimensions can be overridden too
 * (e.g. -DN=100), since every dimension macro is guarded with #ifndef.
 *
 * Output: stdout gets exactly one line "checksum <name> <value>", stderr one
 * line "time <seconds>" (CLOCK_MONOTONIC around the kernel call only).
 *
 * Floating point: no contraction into fused multiply-add (wasm has none, and
 * a native Arm build would otherwise use it; GCC ignores the pragma below,
 * so pass -ffp-contract=off to GCC), no library transcendental
 * functions (their last bit may differ between libcs; pb_exp below is plain
 * arithmetic), only IEEE-exact operations (+ - * / sqrt) in the kernels, and
 * the checksum is a sequential sum. Hence native and Wasm builds agree bit
 * for bit. */
#ifndef PB_KERNEL_H
#define PB_KERNEL_H

/* clock_gettime under -std=c99 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 199309L
#endif

#pragma STDC FP_CONTRACT OFF

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* ---- size classes ------------------------------------------------------ */

#define PB_CLASS_MINI 0
#define PB_CLASS_SMALL 1
#define PB_CLASS_MEDIUM 2
#define PB_CLASS_LARGE 3
#define PB_CLASS_EXTRALARGE 4

#if !defined(PB_CLASS)
#  if defined(PB_MINI)
#    define PB_CLASS PB_CLASS_MINI
#  elif defined(PB_SMALL)
#    define PB_CLASS PB_CLASS_SMALL
#  elif defined(PB_MEDIUM)
#    define PB_CLASS PB_CLASS_MEDIUM
#  elif defined(PB_LARGE)
#    define PB_CLASS PB_CLASS_LARGE
#  elif defined(PB_EXTRALARGE)
#    define PB_CLASS PB_CLASS_EXTRALARGE
#  endif
#endif
/* After including this header a kernel file writes
 *   #ifndef PB_CLASS
 *   #define PB_CLASS PB_CLASS_LARGE
 *   #endif
 * and then picks each dimension with PB_SIZE(mini, small, medium, large, xl),
 * an integer constant expression usable as an array bound. */
#define PB_SIZE(mini, small, medium, large, xl)                                 \
    ((PB_CLASS) == PB_CLASS_MINI     ? (mini)                                   \
     : (PB_CLASS) == PB_CLASS_SMALL  ? (small)                                  \
     : (PB_CLASS) == PB_CLASS_MEDIUM ? (medium)                                 \
     : (PB_CLASS) == PB_CLASS_LARGE  ? (large)                                  \
                                     : (xl))

/* -DPB_REPEAT=n calls the kernel n times in a row inside the timed region
 * (default 1), for kernels that run far below the ~0.5 s a stable timing
 * needs even at their largest class. Repeating changes what is computed
 * (stencils iterate further, accumulating kernels accumulate again), so the
 * checksum depends on n: compare builds with the same n. */
#ifndef PB_REPEAT
#define PB_REPEAT 1
#endif

/* Kernels stay separate, out-of-line functions. */
#define PB_KERNEL __attribute__((noinline)) static void

/* ---- timing ------------------------------------------------------------ */

/* -DPB_CLOCK=CLOCK_PROCESS_CPUTIME_ID (native only) times CPU instead of
 * wall-clock time, useful on a machine shared with other work. */
#ifndef PB_CLOCK
#define PB_CLOCK CLOCK_MONOTONIC
#endif

static double pb_clock_start;

static inline double pb_now(void) {
    struct timespec ts;
    clock_gettime(PB_CLOCK, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline void pb_timer_start(void) { pb_clock_start = pb_now(); }

static inline void pb_timer_stop(void) {
    double elapsed = pb_now() - pb_clock_start;
    fprintf(stderr, "time %.6f\n", elapsed);
}

/* ---- checksums --------------------------------------------------------- */

/* Weighted sequential sum of len doubles: element k weighs (k % 7 + 1), so
 * a permutation or a misplaced element changes the result. */
static inline double pb_sum(const double *v, long len) {
    double s = 0.0;
    for (long k = 0; k < len; k++) s += v[k] * (double)(k % 7 + 1);
    return s;
}

static inline long long pb_sum_int(const int *v, long len) {
    long long s = 0;
    for (long k = 0; k < len; k++) s += (long long)v[k] * (k % 7 + 1);
    return s;
}

/* 17 significant digits: enough to tell any two doubles apart. */
static inline void pb_print(const char *name, double value) {
    printf("checksum %s %.16e\n", name, value);
}

static inline void pb_print_int(const char *name, long long value) {
    printf("checksum %s %lld\n", name, value);
}

/* ---- deterministic arithmetic ------------------------------------------ */

/* e^x from + - * / only: x = m * 2^-12, Taylor series of e^m to 20 terms,
 * then squared 12 times. Accurate to ~1e-13 relative for |x| < 10, and
 * identical on every IEEE-754 double platform (libm's exp may differ in the
 * last bit between libcs). */
static inline double pb_exp(double x) {
    double m = x / 4096.0;
    double term = 1.0, sum = 1.0;
    for (int k = 1; k <= 20; k++) {
        term = term * m / (double)k;
        sum += term;
    }
    for (int k = 0; k < 12; k++) sum *= sum;
    return sum;
}

#endif /* PB_KERNEL_H */
