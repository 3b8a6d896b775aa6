/* Dense matrix multiply (GEMM), from its definition:
 *   C := alpha * A * B + beta * C,   A: n x n, B: n x n, C: n x n (double).
 * Usage: gemm [n]. Prints a checksum of C (sum of its elements, as the
 * IEEE-754 bits and as a decimal), identical on every conforming platform:
 * no reassociation, no library math. */
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

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 800;
    if (n < 1) { fprintf(stderr, "gemm: n must be >= 1\n"); return 2; }
    double *a = malloc(sizeof(double) * n * n);
    double *b = malloc(sizeof(double) * n * n);
    double *c = malloc(sizeof(double) * n * n);
    if (!a || !b || !c) { fprintf(stderr, "gemm: out of memory\n"); return 2; }
    const double alpha = 1.5, beta = 1.2;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            a[(size_t)i * n + j] = (double)((i * j + 1) % n) / n;
            b[(size_t)i * n + j] = (double)((i * (j + 1) + 2) % n) / n;
            c[(size_t)i * n + j] = (double)((i * (j + 2) + 3) % n) / n;
        }
    /* i-k-j order: the innermost loop walks rows of B and C contiguously. */
    for (int i = 0; i < n; i++) {
        double *ci = c + (size_t)i * n;
        for (int j = 0; j < n; j++) ci[j] *= beta;
        for (int k = 0; k < n; k++) {
            const double aik = alpha * a[(size_t)i * n + k];
            const double *bk = b + (size_t)k * n;
            for (int j = 0; j < n; j++) ci[j] += aik * bk[j];
        }
    }
    printf("gemm n=%d\n", n);
    checksum("C", c, (size_t)n * n);
    free(a); free(b); free(c);
    return 0;
}
