/* syr2k — symmetric rank-2k update:
 *   C := alpha * A * B^T + alpha * B * A^T + beta * C
 * with A, B: N x M, C: N x N symmetric; only the lower triangle (j <= i)
 * is computed, in i, k, j order (PolyBench/C 4.2). */
#include "kernel.h"

#ifndef PB_CLASS
#define PB_CLASS PB_CLASS_LARGE
#endif
#ifndef M
#define M PB_SIZE(20, 60, 200, 1000, 2000)
#endif
#ifndef N
#define N PB_SIZE(30, 80, 240, 1200, 2600)
#endif

static double C[N][N], A[N][M], B[N][M];

static void init(int n, int m, double *alpha, double *beta) {
    *alpha = 1.5;
    *beta = 1.2;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < m; k++) {
            A[i][k] = (double)((i * k + 1) % n) / n;
            B[i][k] = (double)((i * k + 3) % m) / m;
        }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) C[i][j] = (double)((i * j + 2) % m) / m;
}

PB_KERNEL kernel_syr2k(int n, int m, double alpha, double beta, double c[restrict N][N],
                       double a[restrict N][M], double b[restrict N][M]) {
    for (int i = 0; i < n; i++) {
        for (int j = 0; j <= i; j++) c[i][j] *= beta;
        for (int k = 0; k < m; k++)
            for (int j = 0; j <= i; j++)
                c[i][j] += a[j][k] * alpha * b[i][k] + b[j][k] * alpha * a[i][k];
    }
}

int main(void) {
    double alpha, beta;
    init(N, M, &alpha, &beta);
    pb_timer_start();
    for (int pb_rep = 0; pb_rep < PB_REPEAT; pb_rep++)
        kernel_syr2k(N, M, alpha, beta, C, A, B);
    pb_timer_stop();
    pb_print("syr2k", pb_sum(&C[0][0], (long)N * N));
    return 0;
}
