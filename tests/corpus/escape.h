/* Helpers for the sandbox-escape programs (escape_*.c).
 *
 * The harness lays out a fresh directory per run:
 *   ROOT/box/              preopened as "." (fd 3)
 *   ROOT/outside/canary.txt, ROOT/outside/secret.txt (contains TOPSECRET)
 * and checks afterwards that nothing under ROOT/outside changed and that the
 * secret (and /etc/passwd) never appear in the output. A program therefore
 * prints "contained" for any refusal (ENOTCAPABLE, EPERM or ENOENT), and
 * never the content of something it should not have been able to open. */
#ifndef CORPUS_ESCAPE_H
#define CORPUS_ESCAPE_H
#include "common.h"

#define R(x) __WASI_RIGHTS_##x
#define FOLLOW __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW

static __attribute__((unused)) const char *verdict(int e) {
    if (e == 0) return "ALLOWED";
    if (e == __WASI_ERRNO_NOTCAPABLE || e == __WASI_ERRNO_PERM || e == __WASI_ERRNO_NOENT) return "contained";
    return wasi_errname(e);
}

/* Same for a wasi-libc call that failed with errno set (or succeeded). */
static __attribute__((unused)) const char *verdict_libc(int failed) {
    if (!failed) return "ALLOWED";
    if (errno == ENOTCAPABLE || errno == EPERM || errno == ENOENT) return "contained";
    return errname(errno);
}

/* Reads at most cap-1 bytes from fd and reports whether the secret is in it. */
static __attribute__((unused)) int leaks(int fd) {
    char buf[4096];
    __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf - 1};
    __wasi_size_t n = 0;
    if (__wasi_fd_read(fd, &iov, 1, &n)) return 0;
    buf[n] = 0;
    return strstr(buf, "TOPSECRET") != NULL || strstr(buf, "root:") != NULL || strstr(buf, "canary") != NULL;
}

/* Tries to open a path for reading through dirfd; prints the verdict and
 * whether an opened file leaked anything. */
static __attribute__((unused)) void try_read(int dirfd, __wasi_lookupflags_t lf, const char *path) {
    __wasi_fd_t fd = 0;
    int e = __wasi_path_open(dirfd, lf, path, 0, R(FD_READ) | R(FD_SEEK), 0, 0, &fd);
    if (e == 0) {
        int l = leaks(fd);
        (void)!__wasi_fd_close(fd);
        printf("open %s: %s%s\n", path, verdict(e), l ? " AND LEAKED" : "");
    } else {
        printf("open %s: %s\n", path, verdict(e));
    }
}

/* Prints the verdict of a raw call. */
#define TRY(label, expr) printf("%s: %s\n", label, verdict((int)(expr)))
#endif
