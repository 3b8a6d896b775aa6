/* trmm — triangular matrix product:  B := alpha * A^T * B
 * with A: M x M unit lower triangular (diagonal taken as 1, not read) and
 * B: M x N, updated in place: B[i][j] gains sum_{k>i} A[k][i] * B[k][j]
 * (rows k > i are still unmodified when row i is computed), then is scaled
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

static double A[M][M], B[M][N];

static void init(int m, int n, double *alpha) {
    *alpha = 1.5;
    for (int i = 0; i < m; i++) {
        for (int k = 0; k < i; k++) A[i][k] = (double)((i + k) % m) / m;
        A[i][i] = 1.0;
        for (int k = i + 1; k < m; k++) A[i][k] = -999.0; /* never read */
        for (int j = 0; j < n; j++) B[i][j] = (double)((n + (i - j)) % n) / n;
    }
}

PB_KERNEL kernel_trmm(int m, int n, double alpha, double a[restrict M][M],
                      double b[restrict M][N]) {
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            for (int k = i + 1; k < m; k++) b[i][j] += a[k][i] * b[k][j];
            b[i][j] = alpha * b[i][j];
        }
}

int main(void) {
    double alpha;
    init(M, N, &alpha);
    pb_timer_start();
    for (int pb_rep = 0; pb_rep < PB_REPEAT; pb_rep++)
        kernel_trmm(M, N, alpha, A, B);
    pb_timer_stop();
    pb_print("trmm", pb_sum(&B[0][0], (long)M * N));
    return 0;
}
