// Pure computation with progress lines: a pause can land anywhere in the
// loops, and the output must continue exactly where it stopped.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t mix(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

int main(int argc, char **argv) {
    long rounds = argc > 1 ? atol(argv[1]) : 40;
    uint64_t h = 1469598103934665603ULL;
    double acc = 0.0;
    for (long r = 0; r < rounds; r++) {
        for (long i = 0; i < 400000; i++) {
            h = mix(h + (uint64_t)i);
            acc += (double)(h & 0xffff) / 65536.0;
        }
        printf("round %ld h=%016llx acc=%.6f\n", r, (unsigned long long)h, acc);
        fflush(stdout);
    }
    printf("done %016llx\n", (unsigned long long)h);
    return 0;
}
