// Deep recursion: thousands of frames are on the stack when a pause comes,
// each with live locals that must survive the unwind and rewind.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t walk(int depth, uint64_t seed) {
    uint64_t local = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    for (int i = 0; i < 200; i++) local = (local << 7) ^ (local >> 3) ^ (uint64_t)i;
    if (depth == 0) return local;
    uint64_t below = walk(depth - 1, local);
    return below ^ (local + (uint64_t)depth);
}

int main(int argc, char **argv) {
    int reps = argc > 1 ? atoi(argv[1]) : 60;
    uint64_t total = 0;
    for (int r = 0; r < reps; r++) {
        total += walk(4000 + r * 10, (uint64_t)r);
        printf("rep %d total=%016llx\n", r, (unsigned long long)total);
        fflush(stdout);
    }
    return 0;
}
