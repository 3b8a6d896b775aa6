// oracle: native
/* sched_yield and sleeping (poll_oneoff with a clock subscription underneath
 * nanosleep, clock_nanosleep, usleep): a sleep never wakes early. */
#include "common.h"
#include <sched.h>

static int64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int main(void) {
    CHECK(sched_yield());
    int ok = 1;
    for (int i = 0; i < 1000; i++) ok &= sched_yield() == 0;
    SAY("1000 sched_yield calls succeed", ok);

    int64_t t0 = mono_ns();
    struct timespec req = {0, 50 * 1000 * 1000}, rem = {7, 7};
    CHECK(nanosleep(&req, &rem));
    int64_t dt = mono_ns() - t0;
    SAY("nanosleep(50ms) slept >= 50ms", dt >= 50000000);
    SAY("nanosleep(50ms) slept < 2s", dt < 2000000000);

    int shortest_ok = 1;
    for (int i = 1; i <= 20; i++) {
        struct timespec r = {0, i * 1000 * 1000};
        t0 = mono_ns();
        nanosleep(&r, NULL);
        if (mono_ns() - t0 < (int64_t)i * 1000000) shortest_ok = 0;
    }
    SAY("twenty nanosleeps of 1..20ms never wake early", shortest_ok);

    t0 = mono_ns();
    struct timespec rel = {0, 30 * 1000 * 1000};
    printf("clock_nanosleep(MONOTONIC, 0, 30ms) = %d\n", clock_nanosleep(CLOCK_MONOTONIC, 0, &rel, NULL));
    SAY("  slept >= 30ms", mono_ns() - t0 >= 30000000);

    struct timespec abs;
    clock_gettime(CLOCK_MONOTONIC, &abs);
    int64_t target = (int64_t)abs.tv_sec * 1000000000 + abs.tv_nsec + 40000000;
    abs.tv_sec = (time_t)(target / 1000000000);
    abs.tv_nsec = (long)(target % 1000000000);
    printf("clock_nanosleep(MONOTONIC, TIMER_ABSTIME, now+40ms) = %d\n",
           clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL));
    SAY("  woke at or after the deadline", mono_ns() >= target);

    struct timespec past = {0, 0};
    t0 = mono_ns();
    printf("clock_nanosleep(MONOTONIC, TIMER_ABSTIME, 0) = %d\n",
           clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &past, NULL));
    SAY("  returned within 1s", mono_ns() - t0 < 1000000000);

    struct timespec rt;
    clock_gettime(CLOCK_REALTIME, &rt);
    int64_t rtarget = (int64_t)rt.tv_sec * 1000000000 + rt.tv_nsec + 30000000;
    rt.tv_sec = (time_t)(rtarget / 1000000000);
    rt.tv_nsec = (long)(rtarget % 1000000000);
    printf("clock_nanosleep(REALTIME, TIMER_ABSTIME, now+30ms) = %d\n",
           clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &rt, NULL));
    clock_gettime(CLOCK_REALTIME, &rt);
    SAY("  realtime reached the deadline", (int64_t)rt.tv_sec * 1000000000 + rt.tv_nsec >= rtarget);

    t0 = mono_ns();
    CHECK(usleep(20000));
    SAY("usleep(20000) slept >= 20ms", mono_ns() - t0 >= 20000000);

    struct timespec zero = {0, 0};
    CHECK(nanosleep(&zero, NULL));
    struct timespec badns = {0, 1000000000};
    CHECK(nanosleep(&badns, NULL));
    return 0;
}
