// oracle: expected
/* fd_readdir directly: dirent layout, buffers too small for one entry, names
 * cut off at the end of the buffer, resuming from any entry's d_next cookie,
 * and cookies that stay valid across calls. */
#include "common.h"

#define HDR ((size_t)sizeof(__wasi_dirent_t))

struct seen { char name[80]; int type; uint64_t next; };

/* Lists dirfd with a buffer of `size` bytes, resuming from the last complete
 * entry each time. Returns the number of entries or -1 when a buffer of this
 * size cannot hold the next entry. */
static int list(int dirfd, size_t size, struct seen *out, int cap) {
    uint8_t *buf = malloc(size + 16);
    __wasi_dircookie_t cookie = 0;
    int n = 0;
    for (int rounds = 0; rounds < 10000; rounds++) {
        memset(buf, 0xAA, size + 16);
        __wasi_size_t used = 0;
        int e = __wasi_fd_readdir(dirfd, buf, size, cookie, &used);
        if (e) { printf("  fd_readdir -> %s\n", wasi_errname(e)); free(buf); return -1; }
        for (int g = 0; g < 16; g++)
            if (buf[size + g] != 0xAA) { printf("  WROTE PAST THE BUFFER\n"); free(buf); return -1; }
        if (used > size) { printf("  bufused %u > buffer %zu\n", (unsigned)used, size); free(buf); return -1; }
        size_t off = 0;
        int complete = 0;
        while (off + HDR <= used) {
            __wasi_dirent_t d;
            memcpy(&d, buf + off, HDR);
            if (off + HDR + d.d_namlen > used) break;  /* name cut off */
            if (n < cap) {
                size_t l = d.d_namlen < sizeof out[n].name - 1 ? d.d_namlen : sizeof out[n].name - 1;
                memcpy(out[n].name, buf + off + HDR, l);
                out[n].name[l] = 0;
                out[n].type = d.d_type;
                out[n].next = d.d_next;
            }
            n++;
            complete++;
            cookie = d.d_next;
            off += HDR + d.d_namlen;
        }
        if (used < size) { free(buf); return n; }  /* end of directory */
        if (complete == 0) { free(buf); return -1; } /* buffer too small */
    }
    free(buf);
    return -2;
}

static int cmp_seen(const void *a, const void *b) {
    return strcmp(((const struct seen *)a)->name, ((const struct seen *)b)->name);
}

int main(void) {
    CHECK(mkdir("d", 0755));
    const char *names[] = {"a", "bb", "ccc", "a-rather-longer-file-name-of-forty-bytes!", "ünïcödé",
                           "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "y"};
    char path[128];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "d/%s", names[i]);
        CHECK(put_file(path, "x"));
    }
    CHECK(mkdir("d/subdir", 0755));
    CHECK(symlink("a", "d/link"));
    int fd;
    CHECK(fd = open("d", O_RDONLY | O_DIRECTORY));
    printf("dirent header size = %zu\n", HDR);

    static struct seen ref[64], got[64];
    int nref = list(fd, 4096, ref, 64);
    printf("entries with a 4096-byte buffer = %d\n", nref);
    qsort(ref, (size_t)nref, sizeof ref[0], cmp_seen);
    for (int i = 0; i < nref; i++) printf("  type=%d %s\n", ref[i].type, ref[i].name);

    /* Any buffer that can hold the longest entry yields the same listing. */
    size_t sizes[] = {HDR + 41, HDR + 45, 70, 100, 128, 200, 333};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        int n = list(fd, sizes[k], got, 64);
        qsort(got, n > 0 ? (size_t)n : 0, sizeof got[0], cmp_seen);
        int same = n == nref;
        for (int i = 0; same && i < n; i++) same = !strcmp(got[i].name, ref[i].name) && got[i].type == ref[i].type;
        printf("buffer %zu: same listing: %s\n", sizes[k], same ? "yes" : "no");
    }

    /* Buffers too small for one entry are filled completely and no further. */
    size_t tiny[] = {1, 8, HDR - 1, HDR, HDR + 1};
    for (size_t k = 0; k < sizeof tiny / sizeof tiny[0]; k++) {
        uint8_t buf[64];
        memset(buf, 0xAA, sizeof buf);
        __wasi_size_t used = 0;
        int e = __wasi_fd_readdir(fd, buf, tiny[k], 0, &used);
        int guard = 1;
        for (size_t g = tiny[k]; g < sizeof buf; g++) guard &= buf[g] == 0xAA;
        printf("buffer %zu: %s, bufused == buffer: %s, nothing written past it: %s\n", tiny[k], wasi_errname(e),
               used == tiny[k] ? "yes" : "no", guard ? "yes" : "no");
    }
    W(__wasi_fd_readdir(fd, NULL, 0, 0, &(__wasi_size_t){0}));

    /* Resuming from the cookie of entry k lists exactly the entries after it. */
    static struct seen raw[64];
    int nraw = list(fd, 4096, raw, 64);
    int ok = 1;
    for (int k = 0; k < nraw; k++) {
        uint8_t buf[4096];
        __wasi_size_t used = 0;
        if (__wasi_fd_readdir(fd, buf, sizeof buf, raw[k].next, &used)) { ok = 0; break; }
        int count = 0;
        size_t off = 0;
        while (off + HDR <= used) {
            __wasi_dirent_t d;
            memcpy(&d, buf + off, HDR);
            if (count == 0 && k + 1 < nraw && strncmp((char *)buf + off + HDR, raw[k + 1].name, d.d_namlen) != 0) ok = 0;
            off += HDR + d.d_namlen;
            count++;
        }
        if (count != nraw - k - 1) ok = 0;
    }
    SAY("resuming from every d_next gives the rest of the listing", ok);

    /* Errors. */
    int f;
    CHECK(f = open("d/a", O_RDONLY));
    uint8_t b[128];
    __wasi_size_t used;
    int e = __wasi_fd_readdir(f, b, sizeof b, 0, &used);
    SAY("fd_readdir on a file is ENOTDIR or ENOTCAPABLE", e == __WASI_ERRNO_NOTDIR || e == __WASI_ERRNO_NOTCAPABLE);
    W(__wasi_fd_readdir(9999, b, sizeof b, 0, &used));
    CHECK(close(f));
    CHECK(close(fd));
    return 0;
}
