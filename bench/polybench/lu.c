/* lu — in-place LU decomposition without pivoting, A = L * U with L unit
 * lower triangular (stored below the diagonal) and U upper triangular,
 * computed row by row (Doolittle, PolyBench/C 4.2 loop structure):
 *   L_ij = (A_ij - sum_{k<j} L_ik U_kj) / U_jj          (j < i)
 *   U_ij =  A_ij - sum_{k<i} L_ik U_kj                  (j >= i)
 * The input is strictly diagonally dominant, so no pivoting is needed. */
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
            A[i][j] = i == j ? 1.25 + 0.25 * (i % 4)
                             : (double)((i * j + 2 * i + j) % 89 + 1) / (89.0 * n);
}

PB_KERNEL kernel_lu(int n, double a[restrict N][N]) {
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < i; j++) {
            for (int k = 0; k < j; k++) a[i][j] -= a[i][k] * a[k][j];
            a[i][j] /= a[j][j];
        }
        for (int j = i; j < n; j++)
            for (int k = 0; k < i; k++) a[i][j] -= a[i][k] * a[k][j];
    }
}

int main(void) {
    init(N);
    pb_timer_start();
    for (int pb_rep = 0; pb_rep < PB_REPEAT; pb_rep++)
        kernel_lu(N, A);
    pb_timer_stop();
    pb_print("lu", pb_sum(&A[0][0], (long)N * N));
    return 0;
}
