/* heat-3d — explicit 3-D heat equation on an N x N x N grid: each of the
 * TSTEPS steps applies the 7-point stencil
 *   B := A + 0.125 * (second differences of A along i, j and k)
 * to the interior, then the same from B back into A
 * (PolyBench/C 4.2 loop structure). */
#include "kernel.h"

#ifndef PB_CLASS
#define PB_CLASS PB_CLASS_LARGE
#endif
#ifndef TSTEPS
#define TSTEPS PB_SIZE(20, 40, 100, 500, 1000)
#endif
#ifndef N
#define N PB_SIZE(10, 20, 40, 120, 200)
#endif

static double A[N][N][N], B[N][N][N];

static void init(int n) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            for (int k = 0; k < n; k++)
                A[i][j][k] = B[i][j][k] =
                    (double)((i * i + 2 * j * j + 3 * k * k + i * j * k) % n) * 10.0 / n;
}

PB_KERNEL kernel_heat_3d(int tsteps, int n, double a[restrict N][N][N],
                         double b[restrict N][N][N]) {
    for (int t = 1; t <= tsteps; t++) {
        for (int i = 1; i < n - 1; i++)
            for (int j = 1; j < n - 1; j++)
                for (int k = 1; k < n - 1; k++)
                    b[i][j][k] = 0.125 * (a[i + 1][j][k] - 2.0 * a[i][j][k] + a[i - 1][j][k]) +
                                 0.125 * (a[i][j + 1][k] - 2.0 * a[i][j][k] + a[i][j - 1][k]) +
                                 0.125 * (a[i][j][k + 1] - 2.0 * a[i][j][k] + a[i][j][k - 1]) +
                                 a[i][j][k];
        for (int i = 1; i < n - 1; i++)
            for (int j = 1; j < n - 1; j++)
                for (int k = 1; k < n - 1; k++)
                    a[i][j][k] = 0.125 * (b[i + 1][j][k] - 2.0 * b[i][j][k] + b[i - 1][j][k]) +
                                 0.125 * (b[i][j + 1][k] - 2.0 * b[i][j][k] + b[i][j - 1][k]) +
                                 0.125 * (b[i][j][k + 1] - 2.0 * b[i][j][k] + b[i][j][k - 1]) +
                                 b[i][j][k];
    }
}

int main(void) {
    init(N);
    pb_timer_start();
    for (int pb_rep = 0; pb_rep < PB_REPEAT; pb_rep++)
        kernel_heat_3d(TSTEPS, N, A, B);
    pb_timer_stop();
    pb_print("heat-3d", pb_sum(&A[0][0][0], (long)N * N * N));
    return 0;
}
