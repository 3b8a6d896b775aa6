/* gemver — vector multiplication and matrix addition (BLAS-2 sequence):
 *   A := A + u1 * v1^T + u2 * v2^T
 *   x := x + beta * A^T * y + z
 *   w := w + alpha * A * x
 * four separate nests, as in PolyBench/C 4.2. */
#include "kernel.h"

#ifndef PB_CLASS
#define PB_CLASS PB_CLASS_EXTRALARGE
#endif
#ifndef N
#define N PB_SIZE(40, 120, 400, 2000, 4000)
#endif

static double A[N][N], u1[N], v1[N], u2[N], v2[N], w[N], x[N], y[N], z[N];

static void init(int n, double *alpha, double *beta) {
    *alpha = 1.5;
    *beta = 1.2;
    double fn = (double)n;
    for (int i = 0; i < n; i++) {
        u1[i] = i;
        u2[i] = ((i + 1) / fn) / 2.0;
        v1[i] = ((i + 1) / fn) / 4.0;
        v2[i] = ((i + 1) / fn) / 6.0;
        y[i] = ((i + 1) / fn) / 8.0;
        z[i] = ((i + 1) / fn) / 9.0;
        x[i] = 0.0;
        w[i] = 0.0;
        for (int j = 0; j < n; j++) A[i][j] = (double)(i * j % n) / n;
    }
}

PB_KERNEL kernel_gemver(int n, double alpha, double beta, double a[restrict N][N],
                        double p1[restrict N], double q1[restrict N],
                        double p2[restrict N], double q2[restrict N],
                        double wv[restrict N], double xv[restrict N],
                        double yv[restrict N], double zv[restrict N]) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) a[i][j] = a[i][j] + p1[i] * q1[j] + p2[i] * q2[j];
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) xv[i] = xv[i] + beta * a[j][i] * yv[j];
    for (int i = 0; i < n; i++) xv[i] = xv[i] + zv[i];
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) wv[i] = wv[i] + alpha * a[i][j] * xv[j];
}

int main(void) {
    double alpha, beta;
    init(N, &alpha, &beta);
    pb_timer_start();
    for (int pb_rep = 0; pb_rep < PB_REPEAT; pb_rep++)
        kernel_gemver(N, alpha, beta, A, u1, v1, u2, v2, w, x, y, z);
    pb_timer_stop();
    pb_print("gemver", pb_sum(w, N));
    return 0;
}
