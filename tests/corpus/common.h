/* Shared helpers for the Continuum WASI conformance corpus.
 *
 * Every program prints only values that are the same on Linux and under
 * `continuum run` (no fd numbers, inode numbers, clock readings or errno
 * numbers): errors are printed by their symbolic name. */
#ifndef CORPUS_COMMON_H
#define CORPUS_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#ifdef __wasi__
#include <wasi/api.h>
#endif

static __attribute__((unused)) const char *errname(int e) {
#define CORPUS_E(x) if (e == x) return #x;
    CORPUS_E(EPERM) CORPUS_E(ENOENT) CORPUS_E(EINTR) CORPUS_E(EIO) CORPUS_E(E2BIG)
    CORPUS_E(EBADF) CORPUS_E(EAGAIN) CORPUS_E(ENOMEM) CORPUS_E(EACCES) CORPUS_E(EFAULT)
    CORPUS_E(EBUSY) CORPUS_E(EEXIST) CORPUS_E(EXDEV) CORPUS_E(ENODEV) CORPUS_E(ENOTDIR)
    CORPUS_E(EISDIR) CORPUS_E(EINVAL) CORPUS_E(ENFILE) CORPUS_E(EMFILE) CORPUS_E(ENOTTY)
    CORPUS_E(EFBIG) CORPUS_E(ENOSPC) CORPUS_E(ESPIPE) CORPUS_E(EROFS) CORPUS_E(EMLINK)
    CORPUS_E(EPIPE) CORPUS_E(ERANGE) CORPUS_E(ENAMETOOLONG) CORPUS_E(ENOSYS)
    CORPUS_E(ENOTEMPTY) CORPUS_E(ELOOP) CORPUS_E(EOVERFLOW) CORPUS_E(EILSEQ)
    CORPUS_E(ENOTSOCK) CORPUS_E(ENOTCONN) CORPUS_E(ECONNRESET) CORPUS_E(ENOTSUP)
    CORPUS_E(EADDRINUSE) CORPUS_E(ETIMEDOUT) CORPUS_E(ENXIO) CORPUS_E(ETXTBSY)
#ifdef ENOTCAPABLE
    CORPUS_E(ENOTCAPABLE)
#endif
#if defined(EOPNOTSUPP) && EOPNOTSUPP != ENOTSUP
    CORPUS_E(EOPNOTSUPP)
#endif
#undef CORPUS_E
    static char buf[32];
    snprintf(buf, sizeof buf, "errno(%d)", e);
    return buf;
}

/* CHECK(expr): run a call that returns < 0 on error; print "expr -> ok" or
 * "expr -> ENAME". The value itself is not printed (fds differ). */
#define CHECK(expr) do { errno = 0; long long corpus_r_ = (long long)(expr); \
    if (corpus_r_ < 0) printf("%s -> %s\n", #expr, errname(errno)); \
    else printf("%s -> ok\n", #expr); } while (0)

/* VAL(expr): like CHECK but prints the returned value on success. */
#define VAL(expr) do { errno = 0; long long corpus_r_ = (long long)(expr); \
    if (corpus_r_ < 0) printf("%s -> %s\n", #expr, errname(errno)); \
    else printf("%s = %lld\n", #expr, corpus_r_); } while (0)

/* SAY(label, cond): print a yes/no property. */
#define SAY(label, cond) printf("%s: %s\n", label, (cond) ? "yes" : "no")

/* Writes a whole file (creating/truncating); returns 0 or -1. */
static __attribute__((unused)) int put_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return -1;
    size_t n = strlen(text), off = 0;
    while (off < n) {
        ssize_t w = write(fd, text + off, n - off);
        if (w <= 0) { close(fd); return -1; }
        off += (size_t)w;
    }
    return close(fd);
}

/* Reads up to cap-1 bytes of a file into buf (NUL-terminated); returns the
 * length or -1 (errno set). */
static __attribute__((unused)) long get_file(const char *path, char *buf, size_t cap) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    size_t off = 0;
    for (;;) {
        ssize_t r = read(fd, buf + off, cap - 1 - off);
        if (r < 0) { int e = errno; close(fd); errno = e; return -1; }
        if (r == 0 || off + (size_t)r >= cap - 1) { off += (size_t)r; break; }
        off += (size_t)r;
    }
    buf[off] = 0;
    close(fd);
    return (long)off;
}

/* Prints a buffer with non-printable bytes escaped. */
static __attribute__((unused)) void show(const char *label, const char *p, long n) {
    printf("%s: \"", label);
    for (long i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\n') printf("\\n");
        else if (c == '\\' || c == '"') printf("\\%c", c);
        else if (c < 32 || c >= 127) printf("\\x%02x", c);
        else putchar(c);
    }
    printf("\"\n");
}

static __attribute__((unused)) int cmp_str(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

#ifdef __wasi__
/* Name of a raw WASI errno (as returned by the __wasi_* functions). */
static __attribute__((unused)) const char *wasi_errname(int e) {
    static const char *const names[] = {
        "SUCCESS", "E2BIG", "EACCES", "EADDRINUSE", "EADDRNOTAVAIL", "EAFNOSUPPORT",
        "EAGAIN", "EALREADY", "EBADF", "EBADMSG", "EBUSY", "ECANCELED", "ECHILD",
        "ECONNABORTED", "ECONNREFUSED", "ECONNRESET", "EDEADLK", "EDESTADDRREQ",
        "EDOM", "EDQUOT", "EEXIST", "EFAULT", "EFBIG", "EHOSTUNREACH", "EIDRM",
        "EILSEQ", "EINPROGRESS", "EINTR", "EINVAL", "EIO", "EISCONN", "EISDIR",
        "ELOOP", "EMFILE", "EMLINK", "EMSGSIZE", "EMULTIHOP", "ENAMETOOLONG",
        "ENETDOWN", "ENETRESET", "ENETUNREACH", "ENFILE", "ENOBUFS", "ENODEV",
        "ENOENT", "ENOEXEC", "ENOLCK", "ENOLINK", "ENOMEM", "ENOMSG", "ENOPROTOOPT",
        "ENOSPC", "ENOSYS", "ENOTCONN", "ENOTDIR", "ENOTEMPTY", "ENOTRECOVERABLE",
        "ENOTSOCK", "ENOTSUP", "ENOTTY", "ENXIO", "EOVERFLOW", "EOWNERDEAD", "EPERM",
        "EPIPE", "EPROTO", "EPROTONOSUPPORT", "EPROTOTYPE", "ERANGE", "EROFS",
        "ESPIPE", "ESRCH", "ESTALE", "ETIMEDOUT", "ETXTBSY", "EXDEV", "ENOTCAPABLE",
    };
    if (e >= 0 && e < (int)(sizeof names / sizeof names[0])) return names[e];
    static char buf[32];
    snprintf(buf, sizeof buf, "wasi-errno(%d)", e);
    return buf;
}

/* W(expr): run a raw __wasi_* call and print "expr -> NAME". */
#define W(expr) printf("%s -> %s\n", #expr, wasi_errname((int)(expr)))
#endif

#endif
