/* floyd-warshall — all-pairs shortest path lengths on a directed graph of
 * N nodes with integer edge weights (missing edges weigh 999): for every
 * intermediate node k, path[i][j] := min(path[i][j], path[i][k] + path[k][j])
 * (PolyBench/C 4.2 loop structure, int data). */
#include "kernel.h"

#ifndef PB_CLASS
#define PB_CLASS PB_CLASS_MEDIUM
#endif
#ifndef N
#define N PB_SIZE(60, 180, 500, 2800, 5600)
#endif

static int path[N][N];

static void init(int n) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            path[i][j] = (i * j + 3 * i + j) % 11 + 1;
            if ((i + 2 * j) % 5 == 0 || (3 * i + j) % 7 == 0) path[i][j] = 999;
            if (i == j) path[i][j] = 0;
        }
}

PB_KERNEL kernel_floyd_warshall(int n, int p[restrict N][N]) {
    for (int k = 0; k < n; k++)
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                p[i][j] = p[i][j] < p[i][k] + p[k][j] ? p[i][j] : p[i][k] + p[k][j];
}

int main(void) {
    init(N);
    pb_timer_start();
    for (int pb_rep = 0; pb_rep < PB_REPEAT; pb_rep++)
        kernel_floyd_warshall(N, path);
    pb_timer_stop();
    pb_print_int("floyd-warshall", pb_sum_int(&path[0][0], (long)N * N));
    return 0;
}
