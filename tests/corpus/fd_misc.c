// oracle: native
/* fd_advise, fd_allocate, fd_datasync, fd_sync on a regular file. */
#include "common.h"

static void size(const char *label, int fd) {
    struct stat st;
    fstat(fd, &st);
    printf("%s: size=%lld\n", label, (long long)st.st_size);
}

/* posix_fadvise/posix_fallocate return an error number instead of -1/errno. */
#define RET(expr) do { int corpus_e_ = (expr); \
    printf("%s -> %s\n", #expr, corpus_e_ ? errname(corpus_e_) : "ok"); } while (0)

int main(void) {
    int fd;
    CHECK(fd = open("f.bin", O_RDWR | O_CREAT | O_TRUNC, 0644));
    VAL(write(fd, "hello", 5));
    RET(posix_fadvise(fd, 0, 0, POSIX_FADV_NORMAL));
    RET(posix_fadvise(fd, 0, 5, POSIX_FADV_SEQUENTIAL));
    RET(posix_fadvise(fd, 1, 2, POSIX_FADV_RANDOM));
    RET(posix_fadvise(fd, 0, 100, POSIX_FADV_WILLNEED));
    RET(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED));
    RET(posix_fadvise(fd, 0, 0, POSIX_FADV_NOREUSE));
    RET(posix_fadvise(fd, 0, -1, POSIX_FADV_NORMAL));
    RET(posix_fadvise(fd, 0, 0, 99));
    RET(posix_fadvise(-1, 0, 0, POSIX_FADV_NORMAL));
    size("after advice", fd);

    RET(posix_fallocate(fd, 0, 1000));
    size("after fallocate(0, 1000)", fd);
    RET(posix_fallocate(fd, 0, 10));
    size("after fallocate(0, 10)", fd);
    RET(posix_fallocate(fd, 2000, 48));
    size("after fallocate(2000, 48)", fd);
    char buf[8];
    long n = pread(fd, buf, 8, 0);
    show("first bytes kept", buf, n);
    n = pread(fd, buf, 4, 1500);
    show("allocated bytes are zero", buf, n);
    RET(posix_fallocate(fd, 0, 0));
    RET(posix_fallocate(fd, -1, 10));
    RET(posix_fallocate(-1, 0, 10));
    VAL(lseek(fd, 0, SEEK_CUR));

    CHECK(fsync(fd));
    CHECK(fdatasync(fd));
    VAL(write(fd, "more", 4));
    CHECK(fdatasync(fd));
    CHECK(fsync(fd));
    size("final", fd);
    CHECK(close(fd));
    CHECK(fsync(fd));
    CHECK(fdatasync(fd));
    RET(posix_fallocate(fd, 0, 1));
    RET(posix_fadvise(fd, 0, 0, POSIX_FADV_NORMAL));
    return 0;
}
