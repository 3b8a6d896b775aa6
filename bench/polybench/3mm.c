/* 3mm — three matrix products:  G := (A * B) * (C * D)
 * with A: NI x NK, B: NK x NJ, C: NJ x NM, D: NM x NL. E := A * B,
 * F := C * D, G := E * F, each an i, j, k dot-product nest starting from
 * zero (PolyBench/C 4.2). */
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
#define NK PB_SIZE(20, 60, 200, 1000, 2000)
#endif
#ifndef NL
#define NL PB_SIZE(22, 70, 210, 1100, 2200)
#endif
#ifndef NM
#define NM PB_SIZE(24, 80, 220, 1200, 2400)
#endif

static double E[NI][NJ], A[NI][NK], B[NK][NJ], F[NJ][NL], C[NJ][NM], D[NM][NL],
    G[NI][NL];

static void init(int ni, int nj, int nk, int nl, int nm) {
    for (int i = 0; i < ni; i++)
        for (int k = 0; k < nk; k++) A[i][k] = (double)((i * k + 1) % ni) / (5 * ni);
    for (int k = 0; k < nk; k++)
        for (int j = 0; j < nj; j++) B[k][j] = (double)((k * (j + 1) + 2) % nj) / (5 * nj);
    for (int j = 0; j < nj; j++)
        for (int m = 0; m < nm; m++) C[j][m] = (double)(j * (m + 3) % nl) / (5 * nl);
    for (int m = 0; m < nm; m++)
        for (int l = 0; l < nl; l++) D[m][l] = (double)((m * (l + 2) + 2) % nk) / (5 * nk);
}

PB_KERNEL kernel_3mm(int ni, int nj, int nk, int nl, int nm,
                     double e[restrict NI][NJ], double a[restrict NI][NK],
                     double b[restrict NK][NJ], double f[restrict NJ][NL],
                     double c[restrict NJ][NM], double d[restrict NM][NL],
                     double g[restrict NI][NL]) {
    for (int i = 0; i < ni; i++)
        for (int j = 0; j < nj; j++) {
            e[i][j] = 0.0;
            for (int k = 0; k < nk; k++) e[i][j] += a[i][k] * b[k][j];
        }
    for (int j = 0; j < nj; j++)
        for (int l = 0; l < nl; l++) {
            f[j][l] = 0.0;
            for (int m = 0; m < nm; m++) f[j][l] += c[j][m] * d[m][l];
        }
    for (int i = 0; i < ni; i++)
        for (int l = 0; l < nl; l++) {
            g[i][l] = 0.0;
            for (int j = 0; j < nj; j++) g[i][l] += e[i][j] * f[j][l];
        }
}

int main(void) {
    init(NI, NJ, NK, NL, NM);
    pb_timer_start();
    for (int pb_rep = 0; pb_rep < PB_REPEAT; pb_rep++)
        kernel_3mm(NI, NJ, NK, NL, NM, E, A, B, F, C, D, G);
    pb_timer_stop();
    pb_print("3mm", pb_sum(&G[0][0], (long)NI * NL));
    return 0;
}
