/* jacobi-2d — 2-D Jacobi relaxation: each of the TSTEPS steps replaces
 * every interior point by 0.2 times the sum of itself and its four
 * neighbours, from A into B and back from B into A
 * (PolyBench/C 4.2 loop structure). */
#include "kernel.h"

#ifndef PB_CLASS
#define PB_CLASS PB_CLASS_LARGE
#endif
#ifndef TSTEPS
#define TSTEPS PB_SIZE(20, 40, 100, 500, 1000)
#endif
#ifndef N
#define N PB_SIZE(30, 90, 250, 1300, 2800)
#endif

static double A[N][N], B[N][N];

static void init(int n) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            A[i][j] = (double)((i * i + 3 * j * j + i * j + 2) % n) / n;
            B[i][j] = (double)((i * j + 3) % n) / n;
        }
}

PB_KERNEL kernel_jacobi_2d(int tsteps, int n, double a[restrict N][N],
                           double b[restrict N][N]) {
    for (int t = 0; t < tsteps; t++) {
        for (int i = 1; i < n - 1; i++)
            for (int j = 1; j < n - 1; j++)
                b[i][j] = 0.2 * (a[i][j] + a[i][j - 1] + a[i][j + 1] + a[i + 1][j] + a[i - 1][j]);
        for (int i = 1; i < n - 1; i++)
            for (int j = 1; j < n - 1; j++)
                a[i][j] = 0.2 * (b[i][j] + b[i][j - 1] + b[i][j + 1] + b[i + 1][j] + b[i - 1][j]);
    }
}

int main(void) {
    init(N);
    pb_timer_start();
    for (int pb_rep = 0; pb_rep < PB_REPEAT; pb_rep++)
        kernel_jacobi_2d(TSTEPS, N, A, B);
    pb_timer_stop();
    pb_print("jacobi-2d", pb_sum(&A[0][0], (long)N * N));
    return 0;
}
