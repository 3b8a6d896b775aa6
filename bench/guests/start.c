/* Start-to-main probe: the first thing `main` does is read CLOCK_REALTIME and
 * print it in nanoseconds; the harness read the same clock just before it
 * spawned the process, and subtracts. */
#include <stdio.h>
#include <time.h>

int main(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    printf("%lld\n", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
    return 0;
}
