/* covariance — sample covariance matrix of M variables observed N times
 * (data: N x M): column means, centring, then
 * cov = data^T * data / (N - 1) over the upper triangle, mirrored
 * (PolyBench/C 4.2 loop structure). */
#include "kernel.h"

#ifndef PB_CLASS
#define PB_CLASS PB_CLASS_LARGE
#endif
#ifndef M
#define M PB_SIZE(28, 80, 240, 1200, 2600)
#endif
#ifndef N
#define N PB_SIZE(32, 100, 260, 1400, 3000)
#endif

static double data[N][M], cov[M][M], mean[M];

static void init(int m, int n, double *float_n) {
    *float_n = (double)n;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++) data[i][j] = (double)(i * j % (m + 1)) / m;
}

PB_KERNEL kernel_covariance(int m, int n, double float_n, double d[restrict N][M],
                            double c[restrict M][M], double mu[restrict M]) {
    for (int j = 0; j < m; j++) {
        mu[j] = 0.0;
        for (int i = 0; i < n; i++) mu[j] += d[i][j];
        mu[j] /= float_n;
    }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++) d[i][j] -= mu[j];
    for (int i = 0; i < m; i++)
        for (int j = i; j < m; j++) {
            c[i][j] = 0.0;
            for (int k = 0; k < n; k++) c[i][j] += d[k][i] * d[k][j];
            c[i][j] /= float_n - 1.0;
            c[j][i] = c[i][j];
        }
}

int main(void) {
    double float_n;
    init(M, N, &float_n);
    pb_timer_start();
    for (int pb_rep = 0; pb_rep < PB_REPEAT; pb_rep++)
        kernel_covariance(M, N, float_n, data, cov, mean);
    pb_timer_stop();
    pb_print("covariance", pb_sum(&cov[0][0], (long)M * M));
    return 0;
}
