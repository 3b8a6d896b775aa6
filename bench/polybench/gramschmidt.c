/* gramschmidt — QR decomposition of A (M x N) by modified Gram-Schmidt:
 * for each column k, R_kk = ||A_:k||, Q_:k = A_:k / R_kk, and every later
 * column j is made orthogonal to Q_:k (R_kj = Q_:k . A_:j,
 * A_:j -= Q_:k R_kj) (PolyBench/C 4.2 loop structure). When N > M the
 * columns past the rank are round-off; they stay finite and, being IEEE
 * arithmetic, are reproduced bit for bit on every platform. */
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

static double A[M][N], R[N][N], Q[M][N];

static void init(int m, int n) {
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            A[i][j] = (double)((i * (j + 1) + 3 * j) % (m + 7)) / m * 10.0 + 1.0;
            if (i == j) A[i][j] += 25.0;
            Q[i][j] = 0.0;
        }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) R[i][j] = 0.0;
}

PB_KERNEL kernel_gramschmidt(int m, int n, double a[restrict M][N],
                             double rr[restrict N][N], double q[restrict M][N]) {
    for (int k = 0; k < n; k++) {
        double nrm = 0.0;
        for (int i = 0; i < m; i++) nrm += a[i][k] * a[i][k];
        rr[k][k] = sqrt(nrm);
        for (int i = 0; i < m; i++) q[i][k] = a[i][k] / rr[k][k];
        for (int j = k + 1; j < n; j++) {
            rr[k][j] = 0.0;
            for (int i = 0; i < m; i++) rr[k][j] += q[i][k] * a[i][j];
            for (int i = 0; i < m; i++) a[i][j] = a[i][j] - q[i][k] * rr[k][j];
        }
    }
}

int main(void) {
    init(M, N);
    pb_timer_start();
    for (int pb_rep = 0; pb_rep < PB_REPEAT; pb_rep++)
        kernel_gramschmidt(M, N, A, R, Q);
    pb_timer_stop();
    pb_print("gramschmidt", pb_sum(&R[0][0], (long)N * N) + pb_sum(&Q[0][0], (long)M * N));
    return 0;
}
