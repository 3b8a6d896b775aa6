/* durbin — Levinson-Durbin recursion: solves the Yule-Walker system
 * T * y = -r, T the symmetric Toeplitz matrix with first row
 * (1, r_0, r_1, ..., r_{N-2}), in O(N^2): at step k the reflection
 * coefficient alpha is computed from a dot product with the previous
 * solution, which is then updated through a temporary z
 * (PolyBench/C 4.2 loop structure). The r_k = 0.45 / ((k+1)(k+2)) sum to
 * less than 1/2, so T is diagonally dominant (positive definite) and
 * |alpha| < 1 throughout. */
#include "kernel.h"

#ifndef PB_CLASS
#define PB_CLASS PB_CLASS_EXTRALARGE
#endif
#ifndef N
#define N PB_SIZE(40, 120, 400, 2000, 4000)
#endif

static double r[N], y[N], z[N];

static void init(int n) {
    for (int k = 0; k < n; k++) r[k] = 0.45 / ((double)(k + 1) * (double)(k + 2));
}

PB_KERNEL kernel_durbin(int n, double rv[restrict N], double yv[restrict N],
                        double zv[restrict N]) {
    double alpha = -rv[0], beta = 1.0;
    yv[0] = -rv[0];
    for (int k = 1; k < n; k++) {
        beta = (1.0 - alpha * alpha) * beta;
        double sum = 0.0;
        for (int i = 0; i < k; i++) sum += rv[k - i - 1] * yv[i];
        alpha = -(rv[k] + sum) / beta;
        for (int i = 0; i < k; i++) zv[i] = yv[i] + alpha * yv[k - i - 1];
        for (int i = 0; i < k; i++) yv[i] = zv[i];
        yv[k] = alpha;
    }
}

int main(void) {
    init(N);
    pb_timer_start();
    for (int pb_rep = 0; pb_rep < PB_REPEAT; pb_rep++)
        kernel_durbin(N, r, y, z);
    pb_timer_stop();
    pb_print("durbin", pb_sum(y, N));
    return 0;
}
