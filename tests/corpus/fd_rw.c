// oracle: native
/* fd_read, fd_write (incl. readv/writev with several iovecs), fd_pread,
 * fd_pwrite, fd_close and EBADF paths. */
#include "common.h"
#include <sys/uio.h>

static int64_t pos(int fd) { return (int64_t)lseek(fd, 0, SEEK_CUR); }

int main(void) {
    char buf[256];
    int fd;
    CHECK(fd = open("data.txt", O_RDWR | O_CREAT | O_TRUNC, 0644));
    VAL(write(fd, "hello world\n", 12));
    VAL(lseek(fd, 0, SEEK_SET));
    long n = read(fd, buf, 5);
    show("read 5", buf, n);
    n = read(fd, buf, sizeof buf);
    show("read rest", buf, n);
    VAL(read(fd, buf, sizeof buf));

    /* writev: three iovecs, one of them empty. */
    struct iovec wv[4] = {{"abc", 3}, {"", 0}, {"defgh", 5}, {"\n", 1}};
    VAL(writev(fd, wv, 4));
    VAL(writev(fd, wv, 0));
    VAL(pos(fd));

    /* pwrite/pread do not move the offset. */
    VAL(pwrite(fd, "XY", 2, 1));
    VAL(pos(fd));
    n = pread(fd, buf, 5, 0);
    show("pread 5 at 0", buf, n);
    VAL(pos(fd));
    VAL(pread(fd, buf, 10, 1000));
    VAL(pread(fd, buf, 4, -1));
    VAL(pwrite(fd, "Z", 1, -5));

    /* readv scatters in order. */
    char a[3], b[4], c[100];
    struct iovec rv[3] = {{a, 3}, {b, 4}, {c, sizeof c}};
    VAL(lseek(fd, 0, SEEK_SET));
    n = readv(fd, rv, 3);
    printf("readv = %ld\n", n);
    show("  iov0", a, 3);
    show("  iov1", b, 4);
    show("  iov2", c, n - 7);

    /* pwrite past the end leaves a hole of zeros. */
    VAL(pwrite(fd, "END", 3, 100));
    struct stat st;
    fstat(fd, &st);
    printf("size after pwrite at 100 = %ld\n", (long)st.st_size);
    n = pread(fd, buf, 8, 95);
    show("hole", buf, n);

    /* A large write and read back. */
    size_t big = 3 << 20;
    char *m = malloc(big), *r = malloc(big);
    for (size_t i = 0; i < big; i++) m[i] = (char)(i * 7 + i / 251);
    int bfd;
    CHECK(bfd = open("big.bin", O_RDWR | O_CREAT | O_TRUNC, 0644));
    size_t off = 0;
    while (off < big) { ssize_t w = write(bfd, m + off, big - off); if (w <= 0) break; off += (size_t)w; }
    printf("big written = %zu\n", off);
    lseek(bfd, 0, SEEK_SET);
    off = 0;
    while (off < big) { ssize_t x = read(bfd, r + off, big - off); if (x <= 0) break; off += (size_t)x; }
    printf("big read = %zu\n", off);
    SAY("big round trip identical", memcmp(m, r, big) == 0);
    CHECK(close(bfd));
    CHECK(unlink("big.bin"));

    /* Access modes. */
    int ro, wo;
    CHECK(ro = open("data.txt", O_RDONLY));
    CHECK(wo = open("data.txt", O_WRONLY));
    CHECK(write(ro, "x", 1));
    CHECK(read(wo, buf, 1));
    VAL(read(ro, buf, 3));
    VAL(write(wo, "W", 1));
    CHECK(close(ro));
    CHECK(close(wo));

    /* Closed and never-opened descriptors. */
    CHECK(close(fd));
    CHECK(close(fd));
    CHECK(read(fd, buf, 1));
    CHECK(write(fd, "x", 1));
    CHECK(pread(fd, buf, 1, 0));
    CHECK(pwrite(fd, "x", 1, 0));
    CHECK(read(-1, buf, 1));
    CHECK(write(12345, "x", 1));
    CHECK(close(-1));
    CHECK(close(4000));

    /* stdout and stderr are writable. */
    fflush(stdout);
    VAL(write(1, "direct to stdout\n", 17));
    struct iovec ov[2] = {{"writev ", 7}, {"to stdout\n", 10}};
    VAL(writev(1, ov, 2));
    VAL(write(2, "to stderr\n", 10));
    return 0;
}
