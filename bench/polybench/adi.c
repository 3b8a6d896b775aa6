/* adi — alternating direction implicit solver for 2-D heat diffusion on an
 * N x N grid, TSTEPS time steps. Each step has two half steps: an implicit
 * sweep along columns (writing v from u) and one along rows (writing u from
 * v); each solves one tridiagonal system per grid line with the Thomas
 * algorithm: forward elimination into the coefficient arrays p (modified
 * super-diagonal) and q (modified right-hand side), then back substitution.
 * Boundary values are 1 (PolyBench/C 4.2 loop structure). */
#include "kernel.h"

#ifndef PB_CLASS
#define PB_CLASS PB_CLASS_MEDIUM
#endif
#ifndef TSTEPS
#define TSTEPS PB_SIZE(20, 40, 100, 500, 1000)
#endif
#ifndef N
#define N PB_SIZE(20, 60, 200, 1000, 2000)
#endif

static double u[N][N], v[N][N], p[N][N], q[N][N];

static void init(int n) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) u[i][j] = (double)(i + n - j) / n;
}

PB_KERNEL kernel_adi(int tsteps, int n, double uu[restrict N][N], double vv[restrict N][N],
                     double pp[restrict N][N], double qq[restrict N][N]) {
    /* Grid spacing and time step; the tridiagonal coefficients of the two
     * directions: sub-diagonal a (d), diagonal b (e), super-diagonal c (f). */
    double dx = 1.0 / (double)n, dy = 1.0 / (double)n, dt = 1.0 / (double)tsteps;
    double b1 = 2.0, b2 = 1.0;
    double mul1 = b1 * dt / (dx * dx), mul2 = b2 * dt / (dy * dy);
    double a = -mul1 / 2.0, b = 1.0 + mul1, c = a;
    double d = -mul2 / 2.0, e = 1.0 + mul2, f = d;

    for (int t = 1; t <= tsteps; t++) {
        /* implicit in the first index: column i of v from columns of u */
        for (int i = 1; i < n - 1; i++) {
            vv[0][i] = 1.0;
            pp[i][0] = 0.0;
            qq[i][0] = vv[0][i];
            for (int j = 1; j < n - 1; j++) {
                pp[i][j] = -c / (a * pp[i][j - 1] + b);
                qq[i][j] = (-d * uu[j][i - 1] + (1.0 + 2.0 * d) * uu[j][i] - f * uu[j][i + 1] -
                            a * qq[i][j - 1]) /
                           (a * pp[i][j - 1] + b);
            }
            vv[n - 1][i] = 1.0;
            for (int j = n - 2; j >= 1; j--) vv[j][i] = pp[i][j] * vv[j + 1][i] + qq[i][j];
        }
        /* implicit in the second index: row i of u from rows of v */
        for (int i = 1; i < n - 1; i++) {
            uu[i][0] = 1.0;
            pp[i][0] = 0.0;
            qq[i][0] = uu[i][0];
            for (int j = 1; j < n - 1; j++) {
                pp[i][j] = -f / (d * pp[i][j - 1] + e);
                qq[i][j] = (-a * vv[i - 1][j] + (1.0 + 2.0 * a) * vv[i][j] - c * vv[i + 1][j] -
                            d * qq[i][j - 1]) /
                           (d * pp[i][j - 1] + e);
            }
            uu[i][n - 1] = 1.0;
            for (int j = n - 2; j >= 1; j--) uu[i][j] = pp[i][j] * uu[i][j + 1] + qq[i][j];
        }
    }
}

int main(void) {
    init(N);
    pb_timer_start();
    for (int pb_rep = 0; pb_rep < PB_REPEAT; pb_rep++)
        kernel_adi(TSTEPS, N, u, v, p, q);
    pb_timer_stop();
    pb_print("adi", pb_sum(&u[0][0], (long)N * N));
    return 0;
}
