/* seidel-2d — 2-D Gauss-Seidel relaxation in place: each of the TSTEPS
 * sweeps replaces every interior point by the mean of its 3 x 3
 * neighbourhood, using the values already updated in this sweep
 * (PolyBench/C 4.2 loop structure). */
#include "kernel.h"

#ifndef PB_CLASS
#define PB_CLASS PB_CLASS_MEDIUM
#endif
#ifndef TSTEPS
#define TSTEPS PB_SIZE(20, 40, 100, 500, 1000)
#endif
#ifndef N
#define N PB_SIZE(40, 120, 400, 2000, 4000)
#endif

static double A[N][N];

static void init(int n) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) A[i][j] = (double)((i * i + 3 * j * j + i * j + 2) % n) / n;
}

PB_KERNEL kernel_seidel_2d(int tsteps, int n, double a[restrict N][N]) {
    for (int t = 0; t <= tsteps - 1; t++)
        for (int i = 1; i <= n - 2; i++)
            for (int j = 1; j <= n - 2; j++)
                a[i][j] = (a[i - 1][j - 1] + a[i - 1][j] + a[i - 1][j + 1] + a[i][j - 1] +
                           a[i][j] + a[i][j + 1] + a[i + 1][j - 1] + a[i + 1][j] +
                           a[i + 1][j + 1]) /
                          9.0;
}

int main(void) {
    init(N);
    pb_timer_start();
    for (int pb_rep = 0; pb_rep < PB_REPEAT; pb_rep++)
        kernel_seidel_2d(TSTEPS, N, A);
    pb_timer_stop();
    pb_print("seidel-2d", pb_sum(&A[0][0], (long)N * N));
    return 0;
}
