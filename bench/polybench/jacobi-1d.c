/* jacobi-1d — 1-D Jacobi relaxation: each of the TSTEPS steps replaces
 * every interior point by the mean of itself and its two neighbours
 * (weight 0.33333), from A into B and back from B into A
 * (PolyBench/C 4.2 loop structure). */
#include "kernel.h"

#ifndef PB_CLASS
#define PB_CLASS PB_CLASS_EXTRALARGE
#endif
#ifndef TSTEPS
#define TSTEPS PB_SIZE(20, 40, 100, 500, 1000)
#endif
#ifndef N
#define N PB_SIZE(30, 120, 400, 2000, 4000)
#endif

static double A[N], B[N];

static void init(int n) {
    for (int i = 0; i < n; i++) {
        A[i] = (double)((i * i + 2) % n) / n;
        B[i] = (double)((i + 3) % n) / n;
    }
}

PB_KERNEL kernel_jacobi_1d(int tsteps, int n, double a[restrict N], double b[restrict N]) {
    for (int t = 0; t < tsteps; t++) {
        for (int i = 1; i < n - 1; i++) b[i] = 0.33333 * (a[i - 1] + a[i] + a[i + 1]);
        for (int i = 1; i < n - 1; i++) a[i] = 0.33333 * (b[i - 1] + b[i] + b[i + 1]);
    }
}

int main(void) {
    init(N);
    pb_timer_start();
    for (int pb_rep = 0; pb_rep < PB_REPEAT; pb_rep++)
        kernel_jacobi_1d(TSTEPS, N, A, B);
    pb_timer_stop();
    pb_print("jacobi-1d", pb_sum(A, N));
    return 0;
}
