/* Sieve of Eratosthenes: the primes up to n are the numbers in 2..n not
 * crossed out as a multiple k*p (k >= p) of a smaller prime p. Repeated r
 * times (integer and byte-memory work). Usage: sieve [n] [r].
 * Prints the number of primes <= n and a checksum of them. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 20000000;
    int r = argc > 2 ? atoi(argv[2]) : 5;
    if (n < 2 || r < 1) { fprintf(stderr, "sieve: need n >= 2, r >= 1\n"); return 2; }
    unsigned char *composite = malloc((size_t)n + 1);
    if (!composite) { fprintf(stderr, "sieve: out of memory\n"); return 2; }
    uint64_t count = 0, hash = 0;
    for (int rep = 0; rep < r; rep++) {
        memset(composite, 0, (size_t)n + 1);
        for (long p = 2; p * p <= n; p++)
            if (!composite[p])
                for (long m = p * p; m <= n; m += p) composite[m] = 1;
        count = 0;
        hash = 1469598103934665603ULL; /* FNV-1a over the primes */
        for (long i = 2; i <= n; i++)
            if (!composite[i]) {
                count++;
                hash = (hash ^ (uint64_t)i) * 1099511628211ULL;
            }
    }
    printf("sieve n=%ld r=%d\n", n, r);
    printf("primes %llu checksum 0x%016llx\n", (unsigned long long)count, (unsigned long long)hash);
    free(composite);
    return 0;
}
