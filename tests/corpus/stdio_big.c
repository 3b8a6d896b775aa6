// oracle: native
// stdin: line one\nline two\n\x00binary\xff\n
/* Large writes to stdout (a pipe the harness drains) through stdio and raw
 * write() with many chunk sizes, interleaved with stderr, and reading all
 * of stdin including a NUL and a non-UTF-8 byte. */
#include "common.h"

int main(void) {
    char in[256];
    size_t got = 0;
    for (;;) {
        ssize_t r = read(0, in + got, sizeof in - got);
        if (r <= 0) break;
        got += (size_t)r;
    }
    show("stdin", in, (long)got);

    static char block[1 << 16];
    for (size_t i = 0; i < sizeof block; i++) block[i] = (char)('a' + (i * 7 + i / 26) % 26);
    block[sizeof block - 1] = '\n';
    /* 3 MiB through write() in uneven chunks. */
    size_t total = 0;
    size_t chunks[] = {1, 7, 4096, 65536, 100, 65535, 3000, 12345};
    fflush(stdout);
    for (int round = 0; total < (3u << 20); round++) {
        size_t n = chunks[round % 8];
        if (n > sizeof block) n = sizeof block;
        size_t off = 0;
        while (off < n) {
            ssize_t w = write(1, block + off, n - off);
            if (w <= 0) { fprintf(stderr, "write failed: %s\n", errname(errno)); return 1; }
            off += (size_t)w;
        }
        total += n;
        if (round % 50 == 0) fprintf(stderr, "progress %zu\n", total);
    }
    /* And 1 MiB through stdio. */
    for (int i = 0; i < 16; i++) fwrite(block, 1, sizeof block, stdout);
    printf("\ntotal raw bytes = %zu\n", total);
    return 0;
}
