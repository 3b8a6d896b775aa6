// oracle: native
// stdin: hello from stdin\n
/* poll_oneoff through poll() and select(): regular files are always ready,
 * stdin (a pipe with data) is readable, stdout (a pipe) is writable, and
 * timeouts wait at least as long as asked. */
#include "common.h"
#include <poll.h>
#include <sys/select.h>

static int64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static const char *ev(short r) {
    static char b[64];
    snprintf(b, sizeof b, "%s%s%s", (r & POLLIN) ? "IN " : "", (r & POLLOUT) ? "OUT " : "",
             (r & POLLNVAL) ? "NVAL " : "");
    return b[0] ? b : "none";
}

int main(void) {
    int fd;
    CHECK(fd = open("file.txt", O_RDWR | O_CREAT | O_TRUNC, 0644));
    VAL(write(fd, "data", 4));

    /* Wait for stdin's data alone first (the harness may still be writing it). */
    struct pollfd in = {0, POLLIN, 0};
    int n = poll(&in, 1, 10000);
    printf("poll(stdin) = %d: %s\n", n, ev(in.revents & (POLLIN | POLLOUT | POLLNVAL)));

    /* A regular file is ready for reading and writing at once. */
    struct pollfd p[3] = {{fd, POLLIN | POLLOUT, 0}, {0, POLLIN, 0}, {1, POLLOUT, 0}};
    n = poll(p, 3, 5000);
    printf("poll(file, stdin, stdout) = %d\n", n);
    printf("  file: %s\n", ev(p[0].revents & (POLLIN | POLLOUT | POLLNVAL)));
    printf("  stdin: %s\n", ev(p[1].revents & (POLLIN | POLLOUT | POLLNVAL)));
    printf("  stdout: %s\n", ev(p[2].revents & (POLLIN | POLLOUT | POLLNVAL)));

    /* Only the events asked for are reported. */
    struct pollfd q[2] = {{fd, POLLOUT, 0}, {1, POLLOUT, 0}};
    n = poll(q, 2, 0);
    printf("poll(file OUT, stdout OUT, 0) = %d: %s| %s\n", n, ev(q[0].revents), ev(q[1].revents));

    /* Timeouts with no descriptors. */
    int64_t t0 = mono_ns();
    n = poll(NULL, 0, 50);
    int64_t dt = mono_ns() - t0;
    printf("poll(NULL, 0, 50) = %d\n", n);
    SAY("  waited >= 50ms", dt >= 50000000);
    SAY("  waited < 2s", dt < 2000000000);
    t0 = mono_ns();
    n = poll(NULL, 0, 0);
    printf("poll(NULL, 0, 0) = %d\n", n);

    /* select() */
    fd_set rd, wr;
    FD_ZERO(&rd);
    FD_ZERO(&wr);
    FD_SET(fd, &rd);
    FD_SET(fd, &wr);
    struct timeval tv = {1, 0};
    n = select(fd + 1, &rd, &wr, NULL, &tv);
    printf("select(file rd+wr) = %d, rd=%d wr=%d\n", n, FD_ISSET(fd, &rd) ? 1 : 0, FD_ISSET(fd, &wr) ? 1 : 0);
    struct timeval tv2 = {0, 30000};
    t0 = mono_ns();
    n = select(0, NULL, NULL, NULL, &tv2);
    dt = mono_ns() - t0;
    printf("select(timeout 30ms) = %d\n", n);
    SAY("  waited >= 30ms", dt >= 30000000);

    /* stdin still holds its data after being polled. */
    char buf[64];
    long r = read(0, buf, sizeof buf);
    show("read stdin", buf, r);
    VAL(read(0, buf, sizeof buf));
    CHECK(close(fd));
    return 0;
}
