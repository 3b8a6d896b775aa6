/* cholesky — in-place Cholesky factorisation A = L * L^T of a symmetric
 * positive definite N x N matrix; L overwrites the lower triangle of A,
 * computed row by row (PolyBench/C 4.2 loop structure):
 *   L_ij = (A_ij - sum_{k<j} L_ik L_jk) / L_jj          (j < i)
 *   L_ii = sqrt(A_ii - sum_{k<i} L_ik^2)
 * The input is symmetric and strictly diagonally dominant with a positive
 * diagonal, hence positive definite. */
#include "kernel.h"

#ifndef PB_CLASS
#define PB_CLASS PB_CLASS_LARGE
#endif
#ifndef N
#define N PB_SIZE(40, 120, 400, 2000, 4000)
#endif

static double A[N][N];

static void init(int n) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            A[i][j] = i == j ? 1.5 + 0.25 * (i % 4)
                             : (double)((i * j + i + j) % 97 + 1) / (97.0 * n);
}

PB_KERNEL kernel_cholesky(int n, double a[restrict N][N]) {
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < i; j++) {
            for (int k = 0; k < j; k++) a[i][j] -= a[i][k] * a[j][k];
            a[i][j] /= a[j][j];
        }
        for (int k = 0; k < i; k++) a[i][i] -= a[i][k] * a[i][k];
        a[i][i] = sqrt(a[i][i]);
    }
}

int main(void) {
    init(N);
    pb_timer_start();
    for (int pb_rep = 0; pb_rep < PB_REPEAT; pb_rep++)
        kernel_cholesky(N, A);
    pb_timer_stop();
    pb_print("cholesky", pb_sum(&A[0][0], (long)N * N));
    return 0;
}
