/* nussinov — Nussinov's dynamic program for RNA secondary structure: the
 * best number of base pairs table[i][j] of the subsequence i..j is the
 * maximum of dropping base j, dropping base i, pairing i with j (one more
 * if they are complementary, i.e. their codes 0..3 sum to 3) and every
 * split into i..k and k+1..j. Rows are filled from the bottom up, columns
 * left to right (PolyBench/C 4.2 loop structure, int table). */
#include "kernel.h"

#ifndef PB_CLASS
#define PB_CLASS PB_CLASS_LARGE
#endif
#ifndef N
#define N PB_SIZE(60, 180, 500, 2500, 5500)
#endif

static int table[N][N];
static unsigned char seq[N];

#define PAIRS(b1, b2) (((b1) + (b2)) == 3 ? 1 : 0)
#define MAX(x, y) ((x) >= (y) ? (x) : (y))

static void init(int n) {
    for (int i = 0; i < n; i++) seq[i] = (unsigned char)((i * 7 + i / 3 + 1) % 4);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) table[i][j] = 0;
}

PB_KERNEL kernel_nussinov(int n, unsigned char s[restrict N], int t[restrict N][N]) {
    for (int i = n - 1; i >= 0; i--)
        for (int j = i + 1; j < n; j++) {
            if (j - 1 >= 0) t[i][j] = MAX(t[i][j], t[i][j - 1]);
            if (i + 1 < n) t[i][j] = MAX(t[i][j], t[i + 1][j]);
            if (j - 1 >= 0 && i + 1 < n) {
                if (i < j - 1)
                    t[i][j] = MAX(t[i][j], t[i + 1][j - 1] + PAIRS(s[i], s[j]));
                else
                    t[i][j] = MAX(t[i][j], t[i + 1][j - 1]);
            }
            for (int k = i + 1; k < j; k++) t[i][j] = MAX(t[i][j], t[i][k] + t[k + 1][j]);
        }
}

int main(void) {
    init(N);
    pb_timer_start();
    for (int pb_rep = 0; pb_rep < PB_REPEAT; pb_rep++)
        kernel_nussinov(N, seq, table);
    pb_timer_stop();
    pb_print_int("nussinov", pb_sum_int(&table[0][0], (long)N * N));
    return 0;
}
