/* gesummv — sum of two matrix-vector products:
 *   y := alpha * A * x + beta * B * x,   A, B: N x N
 * both row products accumulated in one j loop (PolyBench/C 4.2). */
#include "kernel.h"

#ifndef PB_CLASS
#define PB_CLASS PB_CLASS_EXTRALARGE
#endif
#ifndef N
#define N PB_SIZE(30, 90, 250, 1300, 2800)
#endif

static double A[N][N], B[N][N], tmp[N], x[N], y[N];

static void init(int n, double *alpha, double *beta) {
    *alpha = 1.5;
    *beta = 1.2;
    for (int i = 0; i < n; i++) {
        x[i] = (double)(i % n) / n;
        for (int j = 0; j < n; j++) {
            A[i][j] = (double)((i * j + 1) % n) / n;
            B[i][j] = (double)((i * j + 2) % n) / n;
        }
    }
}

PB_KERNEL kernel_gesummv(int n, double alpha, double beta, double a[restrict N][N],
                         double b[restrict N][N], double t[restrict N],
                         double xv[restrict N], double yv[restrict N]) {
    for (int i = 0; i < n; i++) {
        t[i] = 0.0;
        yv[i] = 0.0;
        for (int j = 0; j < n; j++) {
            t[i] = a[i][j] * xv[j] + t[i];
            yv[i] = b[i][j] * xv[j] + yv[i];
        }
        yv[i] = alpha * t[i] + beta * yv[i];
    }
}

int main(void) {
    double alpha, beta;
    init(N, &alpha, &beta);
    pb_timer_start();
    for (int pb_rep = 0; pb_rep < PB_REPEAT; pb_rep++)
        kernel_gesummv(N, alpha, beta, A, B, tmp, x, y);
    pb_timer_stop();
    pb_print("gesummv", pb_sum(y, N));
    return 0;
}
