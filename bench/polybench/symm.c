/* symm — symmetric matrix product:  C := alpha * A * B + beta * C
 * with A: M x M symmetric (only its lower triangle is read), B, C: M x N.
 * Row i of A contributes its strictly-lower part twice: to rows k < i of C
 * directly, and (as the mirrored upper part) to row i via temp2
 * (PolyBench/C 4.2 loop structure). */
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

static double C[M][N], A[M][M], B[M][N];

static void init(int m, int n, double *alpha, double *beta) {
    *alpha = 1.5;
    *beta = 1.2;
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            C[i][j] = (double)((i + j) % 100) / m;
            B[i][j] = (double)((n + i - j) % 100) / m;
        }
    for (int i = 0; i < m; i++) {
        for (int k = 0; k <= i; k++) A[i][k] = (double)((i + k) % 100) / m;
        for (int k = i + 1; k < m; k++) A[i][k] = -999.0; /* never read */
    }
}

PB_KERNEL kernel_symm(int m, int n, double alpha, double beta, double c[restrict M][N],
                      double a[restrict M][M], double b[restrict M][N]) {
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            double temp2 = 0.0;
            for (int k = 0; k < i; k++) {
                c[k][j] += alpha * b[i][j] * a[i][k];
                temp2 += b[k][j] * a[i][k];
            }
            c[i][j] = beta * c[i][j] + alpha * b[i][j] * a[i][i] + alpha * temp2;
        }
}

int main(void) {
    double alpha, beta;
    init(M, N, &alpha, &beta);
    pb_timer_start();
    for (int pb_rep = 0; pb_rep < PB_REPEAT; pb_rep++)
        kernel_symm(M, N, alpha, beta, C, A, B);
    pb_timer_stop();
    pb_print("symm", pb_sum(&C[0][0], (long)M * N));
    return 0;
}
