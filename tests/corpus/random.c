// oracle: native
/* random_get: bytes differ between calls and look uniformly distributed. */
#include "common.h"
#ifndef __wasi__
#include <sys/random.h>
#endif

static int fill(void *buf, size_t n) {
#ifdef __wasi__
    return __wasi_random_get((uint8_t *)buf, n) == 0 ? 0 : -1;
#else
    size_t off = 0;
    while (off < n) {
        ssize_t r = getrandom((char *)buf + off, n - off, 0);
        if (r < 0) return -1;
        off += (size_t)r;
    }
    return 0;
#endif
}

int main(void) {
    unsigned char a[64], b[64];
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    CHECK(fill(a, sizeof a));
    CHECK(fill(b, sizeof b));
    SAY("two 64-byte draws differ", memcmp(a, b, sizeof a) != 0);
    CHECK(fill(a, 0));
    size_t big = 1 << 20;
    unsigned char *m = calloc(big, 1);
    CHECK(fill(m, big));
    unsigned long hist[256] = {0};
    unsigned long long sum = 0;
    for (size_t i = 0; i < big; i++) { hist[m[i]]++; sum += m[i]; }
    int all = 1;
    for (int i = 0; i < 256; i++) all &= hist[i] > 3000 && hist[i] < 5200;
    SAY("1 MiB draw: every byte value 3000..5200 times", all);
    double mean = (double)sum / (double)big;
    SAY("1 MiB draw: mean within 127.5 +- 1", mean > 126.5 && mean < 128.5);
    /* getentropy() goes through random_get in wasi-libc too. */
    unsigned char c[32] = {0};
    CHECK(getentropy(c, sizeof c));
    int nz = 0;
    for (int i = 0; i < 32; i++) nz |= c[i];
    SAY("getentropy filled something", nz != 0);
    return 0;
}
