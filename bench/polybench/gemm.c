/* gemm — general matrix product:  C := alpha * A * B + beta * C
 * with A: NI x NK, B: NK x NJ, C: NI x NJ. Row i of C is scaled by beta,
 * then the rank-one contributions A[i][k] * B[k][:] are added for every k
 * (loop order i, k, j, as in PolyBench/C 4.2). */
#include "kernel.h"

#ifndef PB_CLASS
#define PB_CLASS PB_CLASS_LARGE
#endif
#ifndef NI
#define NI PB_SIZE(20, 60, 200, 1000, 2000)
#endif
#ifndef NJ
#define NJ PB_SIZE(25, 70, 220, 1100, 2300)
#endif
#ifndef NK
#define NK PB_SIZE(30, 80, 240, 1200, 2600)
#endif

static double C[NI][NJ], A[NI][NK], B[NK][NJ];

static void init(int ni, int nj, int nk, double *alpha, double *beta) {
    *alpha = 1.5;
    *beta = 1.2;
    for (int i = 0; i < ni; i++)
        for (int j = 0; j < nj; j++) C[i][j] = (double)((i * j + 1) % ni) / ni;
    for (int i = 0; i < ni; i++)
        for (int k = 0; k < nk; k++) A[i][k] = (double)(i * (k + 1) % nk) / nk;
    for (int k = 0; k < nk; k++)
        for (int j = 0; j < nj; j++) B[k][j] = (double)(k * (j + 2) % nj) / nj;
}

PB_KERNEL kernel_gemm(int ni, int nj, int nk, double alpha, double beta,
                      double c[restrict NI][NJ], double a[restrict NI][NK],
                      double b[restrict NK][NJ]) {
    for (int i = 0; i < ni; i++) {
        for (int j = 0; j < nj; j++) c[i][j] *= beta;
        for (int k = 0; k < nk; k++)
            for (int j = 0; j < nj; j++) c[i][j] += alpha * a[i][k] * b[k][j];
    }
}

int main(void) {
    double alpha, beta;
    init(NI, NJ, NK, &alpha, &beta);
    pb_timer_start();
    for (int pb_rep = 0; pb_rep < PB_REPEAT; pb_rep++)
        kernel_gemm(NI, NJ, NK, alpha, beta, C, A, B);
    pb_timer_stop();
    pb_print("gemm", pb_sum(&C[0][0], (long)NI * NJ));
    return 0;
}
