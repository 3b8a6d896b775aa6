/* deriche — Deriche's recursive (IIR) edge-detection / smoothing filter on
 * a W x H image: a causal and an anti-causal second-order recursion along
 * each row, summed into imgOut, then the same pair along each column of
 * imgOut (PolyBench/C 4.2 loop structure). The filter coefficients come
 * from alpha through e^x, computed with pb_exp (plain arithmetic), so they
 * are the same bits on every platform. Data are double here. */
#include "kernel.h"

#ifndef PB_CLASS
#define PB_CLASS PB_CLASS_LARGE
#endif
#ifndef W
#define W PB_SIZE(64, 192, 720, 4096, 7680)
#endif
#ifndef H
#define H PB_SIZE(64, 128, 480, 2160, 4320)
#endif

static double imgIn[W][H], imgOut[W][H], yCausal[W][H], yAnti[W][H];

static void init(int w, int h, double *alpha) {
    *alpha = 0.25;
    for (int i = 0; i < w; i++)
        for (int j = 0; j < h; j++) imgIn[i][j] = (double)((37 * i + 101 * j) % 256) / 255.0;
}

PB_KERNEL kernel_deriche(int w, int h, double alpha, double in[restrict W][H],
                         double out[restrict W][H], double ya[restrict W][H],
                         double yb[restrict W][H]) {
    double ea = pb_exp(-alpha), e2a = pb_exp(-2.0 * alpha);
    double k = (1.0 - ea) * (1.0 - ea) / (1.0 + 2.0 * alpha * ea - e2a);
    double a1 = k, a5 = k;
    double a2 = k * ea * (alpha - 1.0), a6 = a2;
    double a3 = k * ea * (alpha + 1.0), a7 = a3;
    double a4 = -k * e2a, a8 = a4;
    double b1 = pb_exp(-alpha * 0.69314718055994530942); /* 2^-alpha */
    double b2 = -e2a;
    double c1 = 1.0, c2 = 1.0;

    for (int i = 0; i < w; i++) {
        double ym1 = 0.0, ym2 = 0.0, xm1 = 0.0;
        for (int j = 0; j < h; j++) {
            ya[i][j] = a1 * in[i][j] + a2 * xm1 + b1 * ym1 + b2 * ym2;
            xm1 = in[i][j];
            ym2 = ym1;
            ym1 = ya[i][j];
        }
    }
    for (int i = 0; i < w; i++) {
        double yp1 = 0.0, yp2 = 0.0, xp1 = 0.0, xp2 = 0.0;
        for (int j = h - 1; j >= 0; j--) {
            yb[i][j] = a3 * xp1 + a4 * xp2 + b1 * yp1 + b2 * yp2;
            xp2 = xp1;
            xp1 = in[i][j];
            yp2 = yp1;
            yp1 = yb[i][j];
        }
    }
    for (int i = 0; i < w; i++)
        for (int j = 0; j < h; j++) out[i][j] = c1 * (ya[i][j] + yb[i][j]);

    for (int j = 0; j < h; j++) {
        double tm1 = 0.0, ym1 = 0.0, ym2 = 0.0;
        for (int i = 0; i < w; i++) {
            ya[i][j] = a5 * out[i][j] + a6 * tm1 + b1 * ym1 + b2 * ym2;
            tm1 = out[i][j];
            ym2 = ym1;
            ym1 = ya[i][j];
        }
    }
    for (int j = 0; j < h; j++) {
        double tp1 = 0.0, tp2 = 0.0, yp1 = 0.0, yp2 = 0.0;
        for (int i = w - 1; i >= 0; i--) {
            yb[i][j] = a7 * tp1 + a8 * tp2 + b1 * yp1 + b2 * yp2;
            tp2 = tp1;
            tp1 = out[i][j];
            yp2 = yp1;
            yp1 = yb[i][j];
        }
    }
    for (int i = 0; i < w; i++)
        for (int j = 0; j < h; j++) out[i][j] = c2 * (ya[i][j] + yb[i][j]);
}

int main(void) {
    double alpha;
    init(W, H, &alpha);
    pb_timer_start();
    for (int pb_rep = 0; pb_rep < PB_REPEAT; pb_rep++)
        kernel_deriche(W, H, alpha, imgIn, imgOut, yCausal, yAnti);
    pb_timer_stop();
    pb_print("deriche", pb_sum(&imgOut[0][0], (long)W * H));
    return 0;
}
