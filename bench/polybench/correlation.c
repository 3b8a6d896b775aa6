/* correlation — Pearson correlation matrix of M variables observed N
 * times (data: N x M): column means, standard deviations (a tiny deviation
 * is replaced by 1 to avoid dividing by ~0), normalisation of the data,
 * then corr = data^T * data over the upper triangle, mirrored
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

static double data[N][M], corr[M][M], mean[M], stddev[M];

static void init(int m, int n, double *float_n) {
    *float_n = (double)n;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            data[i][j] = (double)((i * j + 5 * i) % (m + 3)) / m + (double)i / n;
}

PB_KERNEL kernel_correlation(int m, int n, double float_n, double d[restrict N][M],
                             double c[restrict M][M], double mu[restrict M],
                             double sd[restrict M]) {
    const double eps = 0.1;
    for (int j = 0; j < m; j++) {
        mu[j] = 0.0;
        for (int i = 0; i < n; i++) mu[j] += d[i][j];
        mu[j] /= float_n;
    }
    for (int j = 0; j < m; j++) {
        sd[j] = 0.0;
        for (int i = 0; i < n; i++) sd[j] += (d[i][j] - mu[j]) * (d[i][j] - mu[j]);
        sd[j] /= float_n;
        sd[j] = sqrt(sd[j]);
        sd[j] = sd[j] <= eps ? 1.0 : sd[j];
    }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++) {
            d[i][j] -= mu[j];
            d[i][j] /= sqrt(float_n) * sd[j];
        }
    for (int i = 0; i < m - 1; i++) {
        c[i][i] = 1.0;
        for (int j = i + 1; j < m; j++) {
            c[i][j] = 0.0;
            for (int k = 0; k < n; k++) c[i][j] += d[k][i] * d[k][j];
            c[j][i] = c[i][j];
        }
    }
    c[m - 1][m - 1] = 1.0;
}

int main(void) {
    double float_n;
    init(M, N, &float_n);
    pb_timer_start();
    for (int pb_rep = 0; pb_rep < PB_REPEAT; pb_rep++)
        kernel_correlation(M, N, float_n, data, corr, mean, stddev);
    pb_timer_stop();
    pb_print("correlation", pb_sum(&corr[0][0], (long)M * M));
    return 0;
}
