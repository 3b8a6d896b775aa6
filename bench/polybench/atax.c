/* atax — y := A^T * (A * x), A: M x N. For each row i, tmp_i := A[i][:] . x
 * is computed and immediately scattered back as y += tmp_i * A[i][:]
 * (PolyBench/C 4.2 loop structure). */
#include "kernel.h"

#ifndef PB_CLASS
#define PB_CLASS PB_CLASS_EXTRALARGE
#endif
#ifndef M
#define M PB_SIZE(38, 116, 390, 1900, 1800)
#endif
#ifndef N
#define N PB_SIZE(42, 124, 410, 2100, 2200)
#endif

static double A[M][N], x[N], y[N], tmp[M];

static void init(int m, int n) {
    for (int j = 0; j < n; j++) x[j] = 1.0 + (double)j / n;
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) A[i][j] = (double)((i + 2 * j) % n) / (5 * m);
}

PB_KERNEL kernel_atax(int m, int n, double a[restrict M][N], double xv[restrict N],
                      double yv[restrict N], double t[restrict M]) {
    for (int j = 0; j < n; j++) yv[j] = 0.0;
    for (int i = 0; i < m; i++) {
        t[i] = 0.0;
        for (int j = 0; j < n; j++) t[i] += a[i][j] * xv[j];
        for (int j = 0; j < n; j++) yv[j] += a[i][j] * t[i];
    }
}

int main(void) {
    init(M, N);
    pb_timer_start();
    for (int pb_rep = 0; pb_rep < PB_REPEAT; pb_rep++)
        kernel_atax(M, N, A, x, y, tmp);
    pb_timer_stop();
    pb_print("atax", pb_sum(y, N));
    return 0;
}
