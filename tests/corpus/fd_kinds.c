// oracle: native
// stdin: piped input\n
/* Calls that only make sense on some kinds of fd, given the other kinds: a
 * directory, regular files, and stdin/stderr (pipes: the harness runs every
 * program with piped stdio). Linux answers for the kind (EISDIR, EBADF,
 * ESPIPE, EINVAL, ENOTDIR, ENOTSOCK); a WASI host must give the same answer,
 * not its rights bookkeeping (ENOTCAPABLE), where the kind already decides.
 * (lseek on a directory is WASI-specific and lives in fd_kinds_wasi.c.) */
#include "common.h"
#include <sys/socket.h>

/* The posix_* functions return the error number instead of setting errno. */
#define RET(expr) do { int corpus_e_ = (expr); \
    printf("%s -> %s\n", #expr, corpus_e_ ? errname(corpus_e_) : "ok"); } while (0)

static char buf[16];

/* Calls every kind refuses, except the ones that work on a directory. */
static void not_a_stream_or_file(const char *what, int fd) {
    printf("-- %s\n", what);
    CHECK(fdopendir(fd) ? 0 : -1);
    CHECK(shutdown(fd, SHUT_RDWR));
    CHECK(send(fd, "x", 1, 0));
    CHECK(recv(fd, buf, sizeof buf, 0));
    CHECK(accept(fd, NULL, NULL));
}

static void stream(const char *what, int fd, int writable) {
    not_a_stream_or_file(what, fd);
    CHECK(lseek(fd, 0, SEEK_CUR));
    CHECK(lseek(fd, 5, SEEK_SET));
    CHECK(pread(fd, buf, sizeof buf, 0));
    CHECK(pwrite(fd, "x", 1, 0));
    RET(posix_fadvise(fd, 0, 0, POSIX_FADV_NORMAL));
    /* (Linux checks that the fd is open for writing first: EBADF on a
     * pipe's read end. WASI's stdin carries FD_WRITE, so only the write end
     * is compared.) */
    if (writable) RET(posix_fallocate(fd, 0, 1));
    CHECK(ftruncate(fd, 0));
    CHECK(fsync(fd));
    CHECK(fdatasync(fd));
}

int main(void) {
    CHECK(mkdir("d", 0755));
    CHECK(put_file("f.txt", "file content\n"));

    int dir = open("d", O_RDONLY | O_DIRECTORY);
    CHECK(dir);
    printf("-- directory\n");
    CHECK(read(dir, buf, sizeof buf));
    CHECK(pread(dir, buf, sizeof buf, 0));
    CHECK(write(dir, "x", 1));
    CHECK(pwrite(dir, "x", 1, 0));
    RET(posix_fadvise(dir, 0, 0, POSIX_FADV_NORMAL));
    RET(posix_fallocate(dir, 0, 1));
    CHECK(ftruncate(dir, 0));
    CHECK(fsync(dir));
    CHECK(shutdown(dir, SHUT_RD));
    CHECK(send(dir, "x", 1, 0));
    CHECK(recv(dir, buf, sizeof buf, 0));
    CHECK(accept(dir, NULL, NULL));
    /* fdopendir takes the fd on success: last. */
    DIR *d = fdopendir(dir);
    SAY("fdopendir on a directory works", d != NULL);
    if (d) closedir(d);

    int ro = open("f.txt", O_RDONLY);
    CHECK(ro);
    not_a_stream_or_file("read-only file", ro);
    RET(posix_fadvise(ro, 0, 0, POSIX_FADV_SEQUENTIAL));
    CHECK(fsync(ro));
    VAL(read(ro, buf, 4));
    CHECK(close(ro));

    int rw = open("f.txt", O_RDWR);
    CHECK(rw);
    not_a_stream_or_file("read-write file", rw);
    RET(posix_fallocate(rw, 0, 64));
    CHECK(ftruncate(rw, 5));
    CHECK(fdatasync(rw));
    VAL(pwrite(rw, "FILE", 4, 0));
    CHECK(close(rw));

    stream("stdin (a pipe)", 0, 0);
    stream("stderr (a pipe)", 2, 1);
    /* stdin is still intact: nothing above read from it. */
    VAL(read(0, buf, sizeof buf));
    show("stdin", buf, 12);
    return 0;
}
