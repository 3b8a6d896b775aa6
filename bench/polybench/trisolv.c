/* trisolv — forward substitution: solve L * x = b for x, with L: N x N
 * lower triangular (row-oriented: x_i := (b_i - sum_{j<i} L_ij x_j) / L_ii,
 * PolyBench/C 4.2). L's diagonal dominates its rows, so x stays bounded. */
#include "kernel.h"

#ifndef PB_CLASS
#define PB_CLASS PB_CLASS_EXTRALARGE
#endif
#ifndef N
#define N PB_SIZE(40, 120, 400, 2000, 4000)
#endif

static double L[N][N], x[N], b[N];

static void init(int n) {
    for (int i = 0; i < n; i++) {
        x[i] = -999.0;
        b[i] = (double)i;
        for (int j = 0; j < i; j++) L[i][j] = (double)((i + n - j + 1) % n) / (2.0 * n * n);
        L[i][i] = 1.0 + (double)(i % 5) / 4.0;
    }
}

PB_KERNEL kernel_trisolv(int n, double l[restrict N][N], double xv[restrict N],
                         double bv[restrict N]) {
    for (int i = 0; i < n; i++) {
        xv[i] = bv[i];
        for (int j = 0; j < i; j++) xv[i] -= l[i][j] * xv[j];
        xv[i] = xv[i] / l[i][i];
    }
}

int main(void) {
    init(N);
    pb_timer_start();
    for (int pb_rep = 0; pb_rep < PB_REPEAT; pb_rep++)
        kernel_trisolv(N, L, x, b);
    pb_timer_stop();
    pb_print("trisolv", pb_sum(x, N));
    return 0;
}
