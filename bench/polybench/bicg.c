/* bicg — the two products of a BiCGStab step:  s := A^T * r,  q := A * p
 * with A: N x M, both computed in one sweep over the rows of A
 * (PolyBench/C 4.2 loop structure). */
#include "kernel.h"

#ifndef PB_CLASS
#define PB_CLASS PB_CLASS_EXTRALARGE
#endif
#ifndef M
#define M PB_SIZE(38, 116, 390, 1900, 1800)
#endif
#ifndef N
#define N PB_SIZE(42, 124, 410, 2100, 2200)
#endif

static double A[N][M], s[M], q[N], p[M], r[N];

static void init(int m, int n) {
    for (int j = 0; j < m; j++) p[j] = (double)(j % m) / m;
    for (int i = 0; i < n; i++) {
        r[i] = (double)(i % n) / n;
        for (int j = 0; j < m; j++) A[i][j] = (double)(i * (j + 1) % n) / n;
    }
}

PB_KERNEL kernel_bicg(int m, int n, double a[restrict N][M], double sv[restrict M],
                      double qv[restrict N], double pv[restrict M],
                      double rv[restrict N]) {
    for (int j = 0; j < m; j++) sv[j] = 0.0;
    for (int i = 0; i < n; i++) {
        qv[i] = 0.0;
        for (int j = 0; j < m; j++) {
            sv[j] += rv[i] * a[i][j];
            qv[i] += a[i][j] * pv[j];
        }
    }
}

int main(void) {
    init(M, N);
    pb_timer_start();
    for (int pb_rep = 0; pb_rep < PB_REPEAT; pb_rep++)
        kernel_bicg(M, N, A, s, q, p, r);
    pb_timer_stop();
    pb_print("bicg", pb_sum(s, M) + pb_sum(q, N));
    return 0;
}
