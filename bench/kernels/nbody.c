/* Direct N-body simulation, from Newton's law of gravitation with a
 * softening length eps (G = 1):
 *   a_i = sum_{j != i} m_j (x_j - x_i) / (|x_j - x_i|^2 + eps^2)^(3/2)
 * then v += a dt, x += v dt (semi-implicit Euler), for `steps` steps.
 * Initial state from a fixed linear congruential generator.
 * Usage: nbody [bodies] [steps]. Prints a checksum of positions and velocities. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t lcg_state = 42;
static double lcg(void) { /* uniform in [0, 1) */
    lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(lcg_state >> 11) / 9007199254740992.0;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    int steps = argc > 2 ? atoi(argv[2]) : 40;
    if (n < 1 || steps < 0) { fprintf(stderr, "nbody: need bodies >= 1, steps >= 0\n"); return 2; }
    double *x = malloc(sizeof(double) * n), *y = malloc(sizeof(double) * n), *z = malloc(sizeof(double) * n);
    double *vx = malloc(sizeof(double) * n), *vy = malloc(sizeof(double) * n), *vz = malloc(sizeof(double) * n);
    double *ax = malloc(sizeof(double) * n), *ay = malloc(sizeof(double) * n), *az = malloc(sizeof(double) * n);
    double *m = malloc(sizeof(double) * n);
    if (!x || !y || !z || !vx || !vy || !vz || !ax || !ay || !az || !m) {
        fprintf(stderr, "nbody: out of memory\n");
        return 2;
    }
    for (int i = 0; i < n; i++) {
        x[i] = lcg() * 2 - 1; y[i] = lcg() * 2 - 1; z[i] = lcg() * 2 - 1;
        vx[i] = (lcg() - 0.5) * 0.01; vy[i] = (lcg() - 0.5) * 0.01; vz[i] = (lcg() - 0.5) * 0.01;
        m[i] = (lcg() + 0.5) / n;
    }
    const double dt = 0.001, eps2 = 0.01 * 0.01;
    for (int s = 0; s < steps; s++) {
        for (int i = 0; i < n; i++) {
            double sx = 0, sy = 0, sz = 0;
            for (int j = 0; j < n; j++) {
                const double dx = x[j] - x[i], dy = y[j] - y[i], dz = z[j] - z[i];
                const double r2 = dx * dx + dy * dy + dz * dz + eps2;
                const double inv = m[j] / (r2 * sqrt(r2));
                sx += dx * inv; sy += dy * inv; sz += dz * inv;
            }
            ax[i] = sx; ay[i] = sy; az[i] = sz;
        }
        for (int i = 0; i < n; i++) {
            vx[i] += ax[i] * dt; vy[i] += ay[i] * dt; vz[i] += az[i] * dt;
            x[i] += vx[i] * dt; y[i] += vy[i] * dt; z[i] += vz[i] * dt;
        }
    }
    double s = 0;
    for (int i = 0; i < n; i++) s += x[i] + y[i] + z[i] + vx[i] + vy[i] + vz[i];
    uint64_t bits;
    memcpy(&bits, &s, sizeof bits);
    printf("nbody bodies=%d steps=%d\n", n, steps);
    printf("state checksum 0x%016llx %.17g\n", (unsigned long long)bits, s);
    return 0;
}
