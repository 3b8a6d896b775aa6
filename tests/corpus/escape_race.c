// oracle: expected
// hook: swap-loop
/* While the guest keeps opening d/f, the harness (in a thread) keeps swapping
 * the directory box/d for a symlink to ROOT/outside (which also holds an f,
 * with the secret) and back. No open may ever reach outside: every read sees
 * the inside file or fails. Creations through d must not land outside either
 * (the harness checks ROOT/outside is unchanged). */
#include "escape.h"

int main(void) {
    const int box = 3;
    int inside = 0, leaked = 0, failed = 0, dir_inside = 0, dir_leaked = 0;
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    /* At least 0.4s and 2000 rounds; then until every kind of outcome was
     * seen (or 30s passed: the SAY lines below then report what was not). */
    for (int i = 0;; i++) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        double dt = (double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) / 1e9;
        if (dt > 30 || (dt > 0.4 && i >= 2000 && inside && dir_inside && failed)) break;
        /* A path through d. */
        __wasi_fd_t fd = 0;
        int e = __wasi_path_open(box, FOLLOW, "d/f", 0, R(FD_READ), 0, 0, &fd);
        if (e == 0) {
            char buf[128];
            __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf - 1};
            __wasi_size_t n = 0;
            if (__wasi_fd_read(fd, &iov, 1, &n) == 0) {
                buf[n] = 0;
                if (strstr(buf, "TOPSECRET")) leaked++;
                else if (!strcmp(buf, "inside\n")) inside++;
            }
            (void)!__wasi_fd_close(fd);
        } else {
            failed++;
        }
        /* Open d itself as a directory, then f relative to it. */
        __wasi_fd_t dfd = 0;
        e = __wasi_path_open(box, FOLLOW, "d", __WASI_OFLAGS_DIRECTORY, R(PATH_OPEN), R(FD_READ), 0, &dfd);
        if (e == 0) {
            if (__wasi_path_open(dfd, 0, "f", 0, R(FD_READ), 0, 0, &fd) == 0) {
                char buf[128];
                __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf - 1};
                __wasi_size_t n = 0;
                if (__wasi_fd_read(fd, &iov, 1, &n) == 0) {
                    buf[n] = 0;
                    if (strstr(buf, "TOPSECRET")) dir_leaked++;
                    else if (!strcmp(buf, "inside\n")) dir_inside++;
                }
                (void)!__wasi_fd_close(fd);
            }
            (void)!__wasi_fd_close(dfd);
        }
        /* Try to create a file through d; remove it again if it landed inside. */
        if (i % 8 == 0 &&
            __wasi_path_open(box, FOLLOW, "d/planted.txt", __WASI_OFLAGS_CREAT, R(FD_WRITE), 0, 0, &fd) == 0) {
            (void)!__wasi_fd_close(fd);
            (void)!__wasi_path_unlink_file(box, "d/planted.txt");
        }
    }
    printf("leaks through d/f: %d\n", leaked);
    printf("leaks through an fd for d: %d\n", dir_leaked);
    SAY("some opens of d/f reached the inside file", inside > 0);
    SAY("some opens through an fd for d reached the inside file", dir_inside > 0);
    SAY("some opens failed while d was swapped", failed > 0);
    return 0;
}
