/* Jacobi iteration of the 2-D five-point stencil, from its definition:
 *   B[i][j] = 0.2 * (A[i][j] + A[i][j-1] + A[i][j+1] + A[i-1][j] + A[i+1][j])
 * on the interior of an n x n grid, then the same from B back into A,
 * for t time steps (double). Usage: jacobi2d [n] [t]. Prints a checksum of A. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void checksum(const char *name, const double *v, size_t len) {
    double s = 0.0;
    for (size_t i = 0; i < len; i++) s += v[i];
    uint64_t bits;
    memcpy(&bits, &s, sizeof bits);
    printf("%s checksum 0x%016llx %.17g\n", name, (unsigned long long)bits, s);
}

static void sweep(int n, const double *restrict src, double *restrict dst) {
    for (int i = 1; i < n - 1; i++)
        for (int j = 1; j < n - 1; j++) {
            const size_t p = (size_t)i * n + j;
            dst[p] = 0.2 * (src[p] + src[p - 1] + src[p + 1] + src[p - n] + src[p + n]);
        }
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    int t = argc > 2 ? atoi(argv[2]) : 100;
    if (n < 3 || t < 0) { fprintf(stderr, "jacobi2d: need n >= 3, t >= 0\n"); return 2; }
    double *a = malloc(sizeof(double) * n * n);
    double *b = malloc(sizeof(double) * n * n);
    if (!a || !b) { fprintf(stderr, "jacobi2d: out of memory\n"); return 2; }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            a[(size_t)i * n + j] = ((double)i * (j + 2) + 2) / n;
            b[(size_t)i * n + j] = ((double)i * (j + 3) + 3) / n;
        }
    for (int s = 0; s < t; s++) {
        sweep(n, a, b);
        sweep(n, b, a);
    }
    printf("jacobi2d n=%d t=%d\n", n, t);
    checksum("A", a, (size_t)n * n);
    return 0;
}
