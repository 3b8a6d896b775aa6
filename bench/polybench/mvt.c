/* mvt — two matrix-vector products with one matrix and its transpose:
 *   x1 := x1 + A * y1,   x2 := x2 + A^T * y2,   A: N x N
 * (two separate i, j nests, PolyBench/C 4.2). */
#include "kernel.h"

#ifndef PB_CLASS
#define PB_CLASS PB_CLASS_EXTRALARGE
#endif
#ifndef N
#define N PB_SIZE(40, 120, 400, 2000, 4000)
#endif

static double A[N][N], x1[N], x2[N], y_1[N], y_2[N];

static void init(int n) {
    for (int i = 0; i < n; i++) {
        x1[i] = (double)(i % n) / n;
        x2[i] = (double)((i + 1) % n) / n;
        y_1[i] = (double)((i + 3) % n) / n;
        y_2[i] = (double)((i + 4) % n) / n;
        for (int j = 0; j < n; j++) A[i][j] = (double)(i * j % n) / n;
    }
}

PB_KERNEL kernel_mvt(int n, double a[restrict N][N], double u[restrict N],
                     double v[restrict N], double w1[restrict N], double w2[restrict N]) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) u[i] += a[i][j] * w1[j];
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) v[i] += a[j][i] * w2[j];
}

int main(void) {
    init(N);
    pb_timer_start();
    for (int pb_rep = 0; pb_rep < PB_REPEAT; pb_rep++)
        kernel_mvt(N, A, x1, x2, y_1, y_2);
    pb_timer_stop();
    pb_print("mvt", pb_sum(x1, N) + pb_sum(x2, N));
    return 0;
}
