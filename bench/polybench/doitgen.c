/* doitgen — multiresolution analysis kernel (MADNESS): every row
 * A[r][q][:] of the 3-D array is replaced by its product with C4:
 *   A[r][q][p] := sum_s A[r][q][s] * C4[s][p]
 * using a 1-D temporary per (r, q) (PolyBench/C 4.2). */
#include "kernel.h"

#ifndef PB_CLASS
#define PB_CLASS PB_CLASS_EXTRALARGE
#endif
#ifndef NQ
#define NQ PB_SIZE(8, 20, 40, 140, 220)
#endif
#ifndef NR
#define NR PB_SIZE(10, 25, 50, 150, 250)
#endif
#ifndef NP
#define NP PB_SIZE(12, 30, 60, 160, 270)
#endif

static double A[NR][NQ][NP], C4[NP][NP], sum[NP];

static void init(int nr, int nq, int np) {
    for (int r = 0; r < nr; r++)
        for (int q = 0; q < nq; q++)
            for (int p = 0; p < np; p++) A[r][q][p] = (double)((r * q + p) % np) / np;
    for (int s = 0; s < np; s++)
        for (int p = 0; p < np; p++) C4[s][p] = (double)(s * p % np) / (np * np);
}

PB_KERNEL kernel_doitgen(int nr, int nq, int np, double a[restrict NR][NQ][NP],
                         double c4[restrict NP][NP], double acc[restrict NP]) {
    for (int r = 0; r < nr; r++)
        for (int q = 0; q < nq; q++) {
            for (int p = 0; p < np; p++) {
                acc[p] = 0.0;
                for (int s = 0; s < np; s++) acc[p] += a[r][q][s] * c4[s][p];
            }
            for (int p = 0; p < np; p++) a[r][q][p] = acc[p];
        }
}

int main(void) {
    init(NR, NQ, NP);
    pb_timer_start();
    for (int pb_rep = 0; pb_rep < PB_REPEAT; pb_rep++)
        kernel_doitgen(NR, NQ, NP, A, C4, sum);
    pb_timer_stop();
    pb_print("doitgen", pb_sum(&A[0][0][0], (long)NR * NQ * NP));
    return 0;
}
