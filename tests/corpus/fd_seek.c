// oracle: native
/* fd_seek (SET/CUR/END, negative results, bad whence, 64-bit offsets) and
 * fd_tell. */
#include "common.h"

static long long tell(int fd) {
#ifdef __wasi__
    __wasi_filesize_t p = 0;
    int e = __wasi_fd_tell(fd, &p);
    if (e) { errno = e == __WASI_ERRNO_BADF ? EBADF : EIO; return -1; }
    return (long long)p;
#else
    return (long long)lseek(fd, 0, SEEK_CUR);
#endif
}

int main(void) {
    int fd;
    CHECK(fd = open("seek.txt", O_RDWR | O_CREAT | O_TRUNC, 0644));
    VAL(write(fd, "0123456789", 10));
    VAL(tell(fd));
    VAL(lseek(fd, 3, SEEK_SET));
    VAL(tell(fd));
    VAL(lseek(fd, 2, SEEK_CUR));
    VAL(lseek(fd, -1, SEEK_CUR));
    VAL(lseek(fd, -1, SEEK_END));
    VAL(lseek(fd, 0, SEEK_END));
    VAL(lseek(fd, 5, SEEK_END));
    VAL(tell(fd));
    VAL(lseek(fd, -20, SEEK_SET));
    VAL(lseek(fd, -100, SEEK_CUR));
    VAL(lseek(fd, -16, SEEK_END));
    VAL(tell(fd));
    VAL(lseek(fd, 0, 99));
    VAL(tell(fd));
    /* Writing at 15 leaves a hole of zeros at 10..14. */
    VAL(write(fd, "!", 1));
    char buf[32];
    long n = pread(fd, buf, sizeof buf, 0);
    show("content", buf, n);
    VAL(lseek(fd, 4, SEEK_SET));
    n = read(fd, buf, 3);
    show("read 3 at 4", buf, n);
    VAL(tell(fd));
    /* 64-bit offsets. */
    VAL(lseek(fd, 5000000000LL, SEEK_SET) == 5000000000LL);
    printf("tell is 5000000000: %s\n", tell(fd) == 5000000000LL ? "yes" : "no");
    VAL(lseek(fd, 3000000000LL, SEEK_CUR) == 8000000000LL);
    VAL(read(fd, buf, 1));
    /* Seeking a closed descriptor and a pipe (stdout is a pipe in the harness). */
    CHECK(close(fd));
    CHECK(lseek(fd, 0, SEEK_SET));
    CHECK(tell(fd));
    CHECK(lseek(-1, 0, SEEK_SET));
    /* Read-only descriptors can seek too. */
    CHECK(fd = open("seek.txt", O_RDONLY));
    VAL(lseek(fd, 2, SEEK_SET));
    n = read(fd, buf, 2);
    show("read-only read at 2", buf, n);
    VAL(tell(fd));
    CHECK(close(fd));
    return 0;
}
