/* 2mm — two chained matrix products:  D := alpha * A * B * C + beta * D
 * with A: NI x NK, B: NK x NJ, C: NJ x NL, D: NI x NL. First
 * tmp := alpha * A * B, then D := beta * D + tmp * C, each as an i, j, k
 * dot-product nest (PolyBench/C 4.2). */
#include "kernel.h"

#ifndef PB_CLASS
#define PB_CLASS PB_CLASS_LARGE
#endif
#ifndef NI
#define NI PB_SIZE(16, 40, 180, 800, 1600)
#endif
#ifndef NJ
#define NJ PB_SIZE(18, 50, 190, 900, 1800)
#endif
#ifndef NK
#define NK PB_SIZE(22, 70, 210, 1100, 2200)
#endif
#ifndef NL
#define NL PB_SIZE(24, 80, 220, 1200, 2400)
#endif

static double tmp[NI][NJ], A[NI][NK], B[NK][NJ], C[NJ][NL], D[NI][NL];

static void init(int ni, int nj, int nk, int nl, double *alpha, double *beta) {
    *alpha = 1.5;
    *beta = 1.2;
    for (int i = 0; i < ni; i++)
        for (int k = 0; k < nk; k++) A[i][k] = (double)((i * k + 1) % ni) / ni;
    for (int k = 0; k < nk; k++)
        for (int j = 0; j < nj; j++) B[k][j] = (double)(k * (j + 1) % nj) / nj;
    for (int j = 0; j < nj; j++)
        for (int l = 0; l < nl; l++) C[j][l] = (double)((j * (l + 3) + 1) % nl) / nl;
    for (int i = 0; i < ni; i++)
        for (int l = 0; l < nl; l++) D[i][l] = (double)(i * (l + 2) % nk) / nk;
}

PB_KERNEL kernel_2mm(int ni, int nj, int nk, int nl, double alpha, double beta,
                     double t[restrict NI][NJ], double a[restrict NI][NK],
                     double b[restrict NK][NJ], double c[restrict NJ][NL],
                     double d[restrict NI][NL]) {
    for (int i = 0; i < ni; i++)
        for (int j = 0; j < nj; j++) {
            t[i][j] = 0.0;
            for (int k = 0; k < nk; k++) t[i][j] += alpha * a[i][k] * b[k][j];
        }
    for (int i = 0; i < ni; i++)
        for (int l = 0; l < nl; l++) {
            d[i][l] *= beta;
            for (int j = 0; j < nj; j++) d[i][l] += t[i][j] * c[j][l];
        }
}

int main(void) {
    double alpha, beta;
    init(NI, NJ, NK, NL, &alpha, &beta);
    pb_timer_start();
    for (int pb_rep = 0; pb_rep < PB_REPEAT; pb_rep++)
        kernel_2mm(NI, NJ, NK, NL, alpha, beta, tmp, A, B, C, D);
    pb_timer_stop();
    pb_print("2mm", pb_sum(&D[0][0], (long)NI * NL));
    return 0;
}
