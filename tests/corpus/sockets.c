// oracle: expected
// tcplisten
// client-send: ping from host\n
// client-expect: pong: ping from host\n
/* sock_accept, sock_recv (incl. MSG_PEEK), sock_send, sock_shutdown on a
 * socket pre-opened with --tcplisten (fd LISTENER: the fd after the one
 * preopened directory, since preopens come first). The harness connects as a
 * client, sends one line, half-closes, and checks the reply. */
#include "common.h"

/* stdio is 0-2, the --dir preopen 3, the --tcplisten socket 4. */
#define LISTENER 4

static void nap(void) {
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
}

/* Waits until fd is readable (or 30s passed). */
static int wait_readable(int fd) {
    __wasi_subscription_t s[2];
    memset(s, 0, sizeof s);
    s[0].userdata = 1;
    s[0].u.tag = __WASI_EVENTTYPE_FD_READ;
    s[0].u.u.fd_read.file_descriptor = fd;
    s[1].userdata = 2;
    s[1].u.tag = __WASI_EVENTTYPE_CLOCK;
    s[1].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    s[1].u.u.clock.timeout = 30000000000ull;
    __wasi_event_t ev[2];
    __wasi_size_t n = 0;
    if (__wasi_poll_oneoff(s, ev, 2, &n)) return 0;
    for (__wasi_size_t i = 0; i < n; i++)
        if (ev[i].userdata == 1 && ev[i].error == 0) return 1;
    return 0;
}

int main(void) {
    __wasi_fdstat_t st;
    W(__wasi_fd_fdstat_get(LISTENER, &st));
    printf("listener filetype = %d\n", st.fs_filetype);
    __wasi_prestat_t ps;
    W(__wasi_fd_prestat_get(LISTENER, &ps));

    /* Accept: the client may not have connected yet. */
    SAY("listener becomes readable", wait_readable(LISTENER));
    __wasi_fd_t c = 0;
    int e = 0;
    for (int i = 0; i < 3000; i++) {
        e = __wasi_sock_accept(LISTENER, 0, &c);
        if (e != __WASI_ERRNO_AGAIN) break;
        nap();
    }
    printf("sock_accept -> %s\n", wasi_errname(e));
    if (e) return 1;
    W(__wasi_fd_fdstat_get(c, &st));
    printf("connection filetype = %d\n", st.fs_filetype);

    /* Peek, then read the line for real. */
    SAY("connection becomes readable", wait_readable(c));
    char peek[64] = {0};
    __wasi_iovec_t piov = {(uint8_t *)peek, sizeof peek};
    __wasi_size_t n = 0;
    __wasi_roflags_t rof = 0;
    e = __wasi_sock_recv(c, &piov, 1, __WASI_RIFLAGS_RECV_PEEK, &n, &rof);
    printf("sock_recv(PEEK) -> %s\n", wasi_errname(e));
    SAY("peeked a prefix of the line", n > 0 && memcmp(peek, "ping from host\n", n) == 0);
    char line[64];
    size_t got = 0;
    for (int i = 0; i < 3000 && (got == 0 || line[got - 1] != '\n'); i++) {
        __wasi_iovec_t iov[2] = {{(uint8_t *)line + got, 4}, {(uint8_t *)line + got + 4, sizeof line - got - 5}};
        if (got + 5 >= sizeof line) break;
        e = __wasi_sock_recv(c, iov, 2, 0, &n, &rof);
        if (e == __WASI_ERRNO_AGAIN) { nap(); continue; }
        if (e || n == 0) break;
        got += n;
    }
    show("received", line, (long)got);

    /* Reply with sock_send and fd_write on the same socket. */
    __wasi_ciovec_t out[2] = {{(const uint8_t *)"pong", 4}, {(const uint8_t *)": ", 2}};
    e = __wasi_sock_send(c, out, 2, 0, &n);
    printf("sock_send -> %s, sent %u\n", wasi_errname(e), (unsigned)n);
    __wasi_ciovec_t rest = {(const uint8_t *)line, got};
    e = __wasi_fd_write(c, &rest, 1, &n);
    printf("fd_write on socket -> %s, sent %u\n", wasi_errname(e), (unsigned)n);
    W(__wasi_sock_shutdown(c, __WASI_SDFLAGS_WR));
    /* A connection does not listen. */
    W(__wasi_sock_accept(c, 0, &(__wasi_fd_t){0}));

    /* The client closes after reading our reply: we then see end of stream. */
    int eof = 0;
    for (int i = 0; i < 3000; i++) {
        char b[8];
        __wasi_iovec_t iov = {(uint8_t *)b, sizeof b};
        e = __wasi_sock_recv(c, &iov, 1, 0, &n, &rof);
        if (e == __WASI_ERRNO_AGAIN) { nap(); continue; }
        eof = e == 0 && n == 0;
        break;
    }
    SAY("end of stream after the client closed", eof);
    W(__wasi_fd_close(c));

    /* A non-blocking listener with no pending connection. */
    W(__wasi_fd_fdstat_set_flags(LISTENER, __WASI_FDFLAGS_NONBLOCK));
    W(__wasi_sock_accept(LISTENER, 0, &c));
    /* A listener is no connection (ENOTCONN, as Linux's recv). */
    W(__wasi_sock_recv(LISTENER, &(__wasi_iovec_t){(uint8_t *)peek, 4}, 1, 0, &n, &rof));

    /* Socket calls on things that are not sockets. */
    char b[4];
    __wasi_iovec_t iov = {(uint8_t *)b, sizeof b};
    W(__wasi_sock_accept(9999, 0, &c));
    W(__wasi_sock_recv(9999, &iov, 1, 0, &n, &rof));
    W(__wasi_sock_send(9999, out, 1, 0, &n));
    W(__wasi_sock_shutdown(9999, __WASI_SDFLAGS_RD));
    /* ENOTSOCK, not ENOTCAPABLE: what the fd is decides before its rights
     * (more in not_sockets.c). */
    W(__wasi_sock_accept(1, 0, &c));
    W(__wasi_sock_recv(0, &iov, 1, 0, &n, &rof));
    W(__wasi_sock_send(1, out, 1, 0, &n));
    W(__wasi_sock_shutdown(1, __WASI_SDFLAGS_WR));
    W(__wasi_sock_shutdown(3, __WASI_SDFLAGS_WR));

    /* fd calls a socket is the wrong kind for: it is a stream, as stdio (and
     * a pipe on Linux; Linux's fadvise and fallocate on a socket say ok and
     * ENODEV instead of ESPIPE). */
    __wasi_filesize_t pos = 0;
    __wasi_size_t used = 0;
    W(__wasi_fd_seek(LISTENER, 0, __WASI_WHENCE_CUR, &pos));
    W(__wasi_fd_tell(LISTENER, &pos));
    W(__wasi_fd_pread(LISTENER, &iov, 1, 0, &n));
    W(__wasi_fd_pwrite(LISTENER, out, 1, 0, &n));
    W(__wasi_fd_advise(LISTENER, 0, 0, __WASI_ADVICE_NORMAL));
    W(__wasi_fd_allocate(LISTENER, 0, 1));
    W(__wasi_fd_filestat_set_size(LISTENER, 0));
    W(__wasi_fd_sync(LISTENER));
    W(__wasi_fd_datasync(LISTENER));
    W(__wasi_fd_readdir(LISTENER, (uint8_t *)b, sizeof b, 0, &used));
    W(__wasi_fd_close(LISTENER));
    return 0;
}
