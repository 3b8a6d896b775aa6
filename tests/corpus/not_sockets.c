// oracle: expected
// file: f.txt = file content\n
// dir: d
/* sock_accept, sock_recv, sock_send and sock_shutdown on fds that are not
 * sockets: the preopen, a directory, a regular file, stdio. All ENOTSOCK,
 * as on Linux, whatever the flags or `how` (wasi-testsuite's
 * sock_shutdown-not_sock: shutdown(STDOUT_FILENO) must be ENOTSOCK) and
 * before the fd's rights are looked at (none of them holds SOCK_SHUTDOWN or
 * SOCK_ACCEPT, yet the answer is about what the fd is, not ENOTCAPABLE). A
 * closed fd is EBADF (sock_shutdown-invalid_fd). Real sockets: sockets.c. */
#include "escape.h"
#include <sys/socket.h>

static uint8_t buf[16];
static __wasi_iovec_t iov = {buf, sizeof buf};
static __wasi_ciovec_t ciov = {(const uint8_t *)"x", 1};

static void sockets(const char *what, __wasi_fd_t fd) {
    __wasi_fd_t c = 0;
    __wasi_size_t n = 0;
    __wasi_roflags_t rof = 0;
    printf("-- sockets on %s\n", what);
    W(__wasi_sock_accept(fd, 0, &c));
    W(__wasi_sock_accept(fd, __WASI_FDFLAGS_NONBLOCK, &c));
    W(__wasi_sock_recv(fd, &iov, 1, 0, &n, &rof));
    W(__wasi_sock_recv(fd, &iov, 1, 0xff, &n, &rof));
    W(__wasi_sock_send(fd, &ciov, 1, 0, &n));
    W(__wasi_sock_shutdown(fd, __WASI_SDFLAGS_RD));
    W(__wasi_sock_shutdown(fd, __WASI_SDFLAGS_RD | __WASI_SDFLAGS_WR));
    W(__wasi_sock_shutdown(fd, 0));
    W(__wasi_sock_shutdown(fd, 77));
}

int main(void) {
    const __wasi_fd_t box = 3;
    sockets("the preopen", box);
    __wasi_fd_t d = 0, f = 0;
    W(__wasi_path_open(box, 0, "d", __WASI_OFLAGS_DIRECTORY, R(FD_READDIR), 0, 0, &d));
    sockets("a directory", d);
    W(__wasi_path_open(box, 0, "f.txt", 0, (__wasi_rights_t)0x1fffffff, 0, 0, &f));
    sockets("a file with every right", f);
    for (__wasi_fd_t s = 0; s < 3; s++) {
        const char *names[] = {"stdin", "stdout", "stderr"};
        sockets(names[s], s);
    }
    /* Through wasi-libc, as the test suite calls it. */
    errno = 0;
    int r = shutdown(STDOUT_FILENO, SHUT_RD);
    printf("shutdown(STDOUT_FILENO, SHUT_RD) = %d, errno %s\n", r, errname(errno));
    errno = 0;
    r = shutdown(f, SHUT_RDWR);
    printf("shutdown(file, SHUT_RDWR) = %d, errno %s\n", r, errname(errno));
    W(__wasi_fd_close(f));
    W(__wasi_fd_close(d));
    sockets("a closed fd", f);
    errno = 0;
    r = shutdown(f, SHUT_RD);
    printf("shutdown(closed fd, SHUT_RD) = %d, errno %s\n", r, errname(errno));
    return 0;
}
