/* ludcmp — solve A * x = b by in-place LU decomposition (as in lu.c, with
 * a scalar accumulator w), then forward substitution L * y = b and back
 * substitution U * x = y (PolyBench/C 4.2 loop structure). The input is
 * strictly diagonally dominant, so no pivoting is needed. */
#include "kernel.h"

#ifndef PB_CLASS
#define PB_CLASS PB_CLASS_LARGE
#endif
#ifndef N
#define N PB_SIZE(40, 120, 400, 2000, 4000)
#endif

static double A[N][N], b[N], x[N], y[N];

static void init(int n) {
    for (int i = 0; i < n; i++) {
        x[i] = 0.0;
        y[i] = 0.0;
        b[i] = 4.0 + (double)(i + 1) / n / 2.0;
        for (int j = 0; j < n; j++)
            A[i][j] = i == j ? 1.25 + 0.25 * (i % 4)
                             : (double)((i * j + 2 * i + j) % 89 + 1) / (89.0 * n);
    }
}

PB_KERNEL kernel_ludcmp(int n, double a[restrict N][N], double bv[restrict N],
                        double xv[restrict N], double yv[restrict N]) {
    double w;
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < i; j++) {
            w = a[i][j];
            for (int k = 0; k < j; k++) w -= a[i][k] * a[k][j];
            a[i][j] = w / a[j][j];
        }
        for (int j = i; j < n; j++) {
            w = a[i][j];
            for (int k = 0; k < i; k++) w -= a[i][k] * a[k][j];
            a[i][j] = w;
        }
    }
    for (int i = 0; i < n; i++) {
        w = bv[i];
        for (int j = 0; j < i; j++) w -= a[i][j] * yv[j];
        yv[i] = w;
    }
    for (int i = n - 1; i >= 0; i--) {
        w = yv[i];
        for (int j = i + 1; j < n; j++) w -= a[i][j] * xv[j];
        xv[i] = w / a[i][i];
    }
}

int main(void) {
    init(N);
    pb_timer_start();
    for (int pb_rep = 0; pb_rep < PB_REPEAT; pb_rep++)
        kernel_ludcmp(N, A, b, x, y);
    pb_timer_stop();
    pb_print("ludcmp", pb_sum(x, N));
    return 0;
}
