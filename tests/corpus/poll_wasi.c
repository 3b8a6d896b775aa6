// oracle: expected
// stdin: ping\n
/* poll_oneoff directly: several clock subscriptions at once (only the due
 * ones fire), absolute deadlines, fd_read/fd_write subscriptions on files,
 * stdin and bad descriptors, mixed fd + clock subscriptions, errors. */
#include "common.h"

static uint64_t mono(void) {
    __wasi_timestamp_t t = 0;
    if (__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t)) return 0;
    return t;
}

static __wasi_subscription_t clock_sub(uint64_t ud, __wasi_clockid_t id, uint64_t timeout, int abs) {
    __wasi_subscription_t s;
    memset(&s, 0, sizeof s);
    s.userdata = ud;
    s.u.tag = __WASI_EVENTTYPE_CLOCK;
    s.u.u.clock.id = id;
    s.u.u.clock.timeout = timeout;
    s.u.u.clock.precision = 0;
    s.u.u.clock.flags = abs ? __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME : 0;
    return s;
}

static __wasi_subscription_t fd_sub(uint64_t ud, int write, int fd) {
    __wasi_subscription_t s;
    memset(&s, 0, sizeof s);
    s.userdata = ud;
    s.u.tag = write ? __WASI_EVENTTYPE_FD_WRITE : __WASI_EVENTTYPE_FD_READ;
    if (write) s.u.u.fd_write.file_descriptor = fd;
    else s.u.u.fd_read.file_descriptor = fd;
    return s;
}

/* Returns a bitmask of the userdata values (0..63) that fired without error. */
static uint64_t fired(const __wasi_event_t *ev, __wasi_size_t n, uint64_t *errored) {
    uint64_t m = 0;
    *errored = 0;
    for (__wasi_size_t i = 0; i < n; i++) {
        if (ev[i].error) *errored |= 1ull << ev[i].userdata;
        else m |= 1ull << ev[i].userdata;
    }
    return m;
}

int main(void) {
    __wasi_event_t ev[8];
    __wasi_size_t n = 0;
    uint64_t err;

    /* Three relative clocks: 2s, 10ms, 4s -> only the 10ms one is due. */
    __wasi_subscription_t s3[3] = {
        clock_sub(1, __WASI_CLOCKID_MONOTONIC, 2000000000ull, 0),
        clock_sub(2, __WASI_CLOCKID_MONOTONIC, 10000000ull, 0),
        clock_sub(3, __WASI_CLOCKID_REALTIME, 4000000000ull, 0),
    };
    uint64_t t0 = mono();
    W(__wasi_poll_oneoff(s3, ev, 3, &n));
    uint64_t dt = mono() - t0;
    uint64_t m = fired(ev, n, &err);
    printf("events = %u\n", (unsigned)n);
    SAY("10ms clock fired", m & (1 << 2));
    SAY("2s and 4s clocks did not fire", !(m & ((1 << 1) | (1 << 3))));
    SAY("event type is clock", n >= 1 && ev[0].type == __WASI_EVENTTYPE_CLOCK);
    SAY("waited >= 10ms", dt >= 10000000ull);
    SAY("waited < 1.5s", dt < 1500000000ull);

    /* Absolute deadlines: one in the past fires at once, one in the future
     * waits until then. */
    __wasi_timestamp_t now = mono();
    __wasi_subscription_t sa[2] = {
        clock_sub(4, __WASI_CLOCKID_MONOTONIC, now + 30000000ull, 1),
        clock_sub(5, __WASI_CLOCKID_MONOTONIC, now + 3000000000ull, 1),
    };
    W(__wasi_poll_oneoff(sa, ev, 2, &n));
    m = fired(ev, n, &err);
    SAY("absolute +30ms fired, +3s did not", (m & (1 << 4)) && !(m & (1 << 5)));
    SAY("woke at or after the absolute deadline", mono() >= now + 30000000ull);
    __wasi_subscription_t past = clock_sub(6, __WASI_CLOCKID_MONOTONIC, 1, 1);
    t0 = mono();
    W(__wasi_poll_oneoff(&past, ev, 1, &n));
    SAY("absolute deadline in the past fires at once", n == 1 && ev[0].userdata == 6 && mono() - t0 < 1000000000ull);
    __wasi_timestamp_t rt = 0;
    W(__wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &rt));
    __wasi_subscription_t rabs = clock_sub(7, __WASI_CLOCKID_REALTIME, rt + 20000000ull, 1);
    W(__wasi_poll_oneoff(&rabs, ev, 1, &n));
    __wasi_timestamp_t rt2 = 0;
    W(__wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &rt2));
    SAY("realtime absolute deadline reached", n == 1 && rt2 >= rt + 20000000ull);
    __wasi_subscription_t zero = clock_sub(8, __WASI_CLOCKID_MONOTONIC, 0, 0);
    W(__wasi_poll_oneoff(&zero, ev, 1, &n));
    SAY("zero timeout fires", n == 1 && ev[0].userdata == 8 && ev[0].error == 0);

    /* A regular file is ready for reading and writing. */
    int fd = open("file.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
    VAL(write(fd, "0123456789", 10));
    VAL(lseek(fd, 4, SEEK_SET));
    __wasi_subscription_t sf[3] = {fd_sub(10, 0, fd), fd_sub(11, 1, fd),
                                   clock_sub(12, __WASI_CLOCKID_MONOTONIC, 5000000000ull, 0)};
    t0 = mono();
    W(__wasi_poll_oneoff(sf, ev, 3, &n));
    m = fired(ev, n, &err);
    SAY("file readable and writable, clock not fired", (m & (3 << 10)) == (3 << 10) && !(m & (1 << 12)));
    SAY("returned at once", mono() - t0 < 2000000000ull);
    for (__wasi_size_t i = 0; i < n; i++)
        if (ev[i].userdata == 10)
            printf("  read event type=%d nbytes>0=%s\n", ev[i].type, ev[i].fd_readwrite.nbytes > 0 ? "yes" : "no");
    for (__wasi_size_t i = 0; i < n; i++)
        if (ev[i].userdata == 11)
            printf("  write event type=%d\n", ev[i].type);

    /* stdin gets its data from the harness. */
    __wasi_subscription_t si[2] = {fd_sub(20, 0, 0), clock_sub(21, __WASI_CLOCKID_MONOTONIC, 10000000000ull, 0)};
    W(__wasi_poll_oneoff(si, ev, 2, &n));
    m = fired(ev, n, &err);
    SAY("stdin became readable before the 10s clock", (m & (1 << 20)) && !(m & (1 << 21)));
    char buf[16];
    long r = read(0, buf, sizeof buf);
    show("stdin", buf, r < 0 ? 0 : r);

    /* stdout (a pipe) is writable. */
    __wasi_subscription_t so = fd_sub(22, 1, 1);
    W(__wasi_poll_oneoff(&so, ev, 1, &n));
    SAY("stdout writable", n == 1 && ev[0].userdata == 22 && ev[0].error == 0);

    /* Bad descriptors are reported as an event error (EBADF), or the whole
     * call fails with EBADF. */
    __wasi_subscription_t sb[2] = {fd_sub(30, 0, 9999), clock_sub(31, __WASI_CLOCKID_MONOTONIC, 5000000000ull, 0)};
    n = 0;
    int e = __wasi_poll_oneoff(sb, ev, 2, &n);
    int bad_reported = (e == __WASI_ERRNO_BADF) ||
                       (e == 0 && n >= 1 && ev[0].userdata == 30 && ev[0].error == __WASI_ERRNO_BADF);
    SAY("bad fd reported as EBADF", bad_reported);

    /* Errors. */
    W(__wasi_poll_oneoff(s3, ev, 0, &n));
    __wasi_subscription_t badclock = clock_sub(40, 99, 1000, 0);
    n = 0;
    e = __wasi_poll_oneoff(&badclock, ev, 1, &n);
    SAY("unknown clock id reported as EINVAL",
        e == __WASI_ERRNO_INVAL || (e == 0 && n == 1 && ev[0].error == __WASI_ERRNO_INVAL));
    close(fd);
    return 0;
}
