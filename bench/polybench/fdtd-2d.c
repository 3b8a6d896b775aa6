/* fdtd-2d — 2-D finite-difference time-domain (Yee) electromagnetic
 * simulation, TMAX steps on an NX x NY grid: each step sets the source
 * row of ey, updates ey and ex from the curl of hz, then hz from the curl
 * of (ex, ey) (PolyBench/C 4.2 loop structure). */
#include "kernel.h"

#ifndef PB_CLASS
#define PB_CLASS PB_CLASS_LARGE
#endif
#ifndef TMAX
#define TMAX PB_SIZE(20, 40, 100, 500, 1000)
#endif
#ifndef NX
#define NX PB_SIZE(20, 60, 200, 1000, 2000)
#endif
#ifndef NY
#define NY PB_SIZE(30, 80, 240, 1200, 2600)
#endif

static double ex[NX][NY], ey[NX][NY], hz[NX][NY], fict[TMAX];

static void init(int tmax, int nx, int ny) {
    for (int t = 0; t < tmax; t++) fict[t] = (double)t;
    for (int i = 0; i < nx; i++)
        for (int j = 0; j < ny; j++) {
            ex[i][j] = (double)(i * (j + 1)) / nx;
            ey[i][j] = (double)(i * (j + 2)) / ny;
            hz[i][j] = (double)(i * (j + 3)) / nx;
        }
}

PB_KERNEL kernel_fdtd_2d(int tmax, int nx, int ny, double x[restrict NX][NY],
                         double y[restrict NX][NY], double h[restrict NX][NY],
                         double src[restrict TMAX]) {
    for (int t = 0; t < tmax; t++) {
        for (int j = 0; j < ny; j++) y[0][j] = src[t];
        for (int i = 1; i < nx; i++)
            for (int j = 0; j < ny; j++) y[i][j] = y[i][j] - 0.5 * (h[i][j] - h[i - 1][j]);
        for (int i = 0; i < nx; i++)
            for (int j = 1; j < ny; j++) x[i][j] = x[i][j] - 0.5 * (h[i][j] - h[i][j - 1]);
        for (int i = 0; i < nx - 1; i++)
            for (int j = 0; j < ny - 1; j++)
                h[i][j] = h[i][j] - 0.7 * (x[i][j + 1] - x[i][j] + y[i + 1][j] - y[i][j]);
    }
}

int main(void) {
    init(TMAX, NX, NY);
    pb_timer_start();
    for (int pb_rep = 0; pb_rep < PB_REPEAT; pb_rep++)
        kernel_fdtd_2d(TMAX, NX, NY, ex, ey, hz, fict);
    pb_timer_stop();
    long cells = (long)NX * NY;
    pb_print("fdtd-2d", pb_sum(&ex[0][0], cells) + pb_sum(&ey[0][0], cells) +
                            pb_sum(&hz[0][0], cells));
    return 0;
}
