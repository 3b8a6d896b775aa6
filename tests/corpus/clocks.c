// oracle: native
/* clock_res_get / clock_time_get for the four clocks. Readings differ from run
 * to run, so only their properties are printed. */
#include "common.h"
#include <sys/time.h>

static int64_t ns(clockid_t c) {
    struct timespec ts;
    if (clock_gettime(c, &ts) != 0) return -1;
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void spin_ms(int ms) {
    int64_t end = ns(CLOCK_MONOTONIC) + (int64_t)ms * 1000000;
    volatile unsigned x = 0;
    while (ns(CLOCK_MONOTONIC) < end) for (int i = 0; i < 1000; i++) x += (unsigned)i;
}

int main(void) {
    struct { const char *name; clockid_t id; } clocks[] = {
        {"realtime", CLOCK_REALTIME}, {"monotonic", CLOCK_MONOTONIC},
        {"process_cputime", CLOCK_PROCESS_CPUTIME_ID}, {"thread_cputime", CLOCK_THREAD_CPUTIME_ID},
    };
    for (int i = 0; i < 4; i++) {
        struct timespec res = {0, 0}, now = {0, 0};
        int r1 = clock_getres(clocks[i].id, &res);
        int r2 = clock_gettime(clocks[i].id, &now);
        printf("%s: getres %s, gettime %s\n", clocks[i].name, r1 ? errname(errno) : "ok",
               r2 ? errname(errno) : "ok");
        SAY("  resolution in (0, 1s]", (res.tv_sec == 0 && res.tv_nsec > 0) || (res.tv_sec == 1 && res.tv_nsec == 0));
        SAY("  tv_nsec in range", now.tv_nsec >= 0 && now.tv_nsec < 1000000000);
    }

    /* Realtime is the real time: after 2020 and within a few seconds of the
     * modification time the kernel stamps on a file we write now. */
    struct timespec rt;
    clock_gettime(CLOCK_REALTIME, &rt);
    SAY("realtime after 2020-01-01", rt.tv_sec > 1577836800);
    put_file("stamp", "x");
    struct stat st;
    stat("stamp", &st);
    long d = (long)(st.st_mtim.tv_sec - rt.tv_sec);
    SAY("realtime within 5s of a new file's mtime", d > -5 && d < 5);
    SAY("time() agrees with realtime", labs((long)(time(NULL) - rt.tv_sec)) < 5);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    SAY("gettimeofday agrees with realtime", labs((long)(tv.tv_sec - rt.tv_sec)) < 5);
    unlink("stamp");

    /* Monotonic never goes backwards and advances across a sleep. */
    int64_t prev = ns(CLOCK_MONOTONIC), first = prev;
    int backwards = 0;
    for (int i = 0; i < 100000; i++) {
        int64_t t = ns(CLOCK_MONOTONIC);
        if (t < prev) backwards++;
        prev = t;
    }
    SAY("monotonic non-decreasing over 100000 reads", backwards == 0);
    struct timespec req = {0, 20 * 1000 * 1000};
    nanosleep(&req, NULL);
    SAY("monotonic advanced >= 20ms across a 20ms sleep", ns(CLOCK_MONOTONIC) - first >= 20000000);

    /* CPU-time clocks advance while we compute, not (much) while we sleep. */
    int64_t p0 = ns(CLOCK_PROCESS_CPUTIME_ID), t0 = ns(CLOCK_THREAD_CPUTIME_ID);
    spin_ms(60);
    int64_t p1 = ns(CLOCK_PROCESS_CPUTIME_ID), t1 = ns(CLOCK_THREAD_CPUTIME_ID);
    SAY("process cputime advanced while spinning", p1 > p0);
    SAY("thread cputime advanced while spinning", t1 > t0);
    SAY("process cputime non-negative", p0 >= 0);
    int64_t s0 = ns(CLOCK_PROCESS_CPUTIME_ID);
    struct timespec nap = {0, 200 * 1000 * 1000};
    nanosleep(&nap, NULL);
    int64_t s1 = ns(CLOCK_PROCESS_CPUTIME_ID);
    SAY("process cputime grew < 150ms during a 200ms sleep", s1 - s0 < 150000000);
    return 0;
}
