// Sleeps in poll_oneoff between steps; the monotonic clock must never go
// backwards across a pause, and every sleep must last at least what it asked.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int main(int argc, char **argv) {
    int steps = argc > 1 ? atoi(argv[1]) : 25;
    int64_t last = now_ns();
    uint64_t h = 7;
    for (int i = 0; i < steps; i++) {
        struct timespec d = {0, 20 * 1000 * 1000};
        int64_t before = now_ns();
        nanosleep(&d, NULL);
        int64_t after = now_ns();
        if (after < last || after - before < 20 * 1000 * 1000) {
            printf("clock error at step %d: before=%lld after=%lld last=%lld\n", i,
                   (long long)before, (long long)after, (long long)last);
            return 3;
        }
        last = after;
        for (int k = 0; k < 100000; k++) h = h * 6364136223846793005ULL + (uint64_t)k;
        printf("step %d h=%016llx\n", i, (unsigned long long)h);
        fflush(stdout);
    }
    return 0;
}
