// oracle: expected
// tcplisten
/* A wasi-libc program given both --tcplisten and --dir must still find its
 * preopened directory: wasi-libc scans fds from 3 with fd_prestat_get and
 * stops at the first EBADF, so a socket placed before the directories hides
 * them. */
#include "common.h"

int main(void) {
    CHECK(put_file("with-socket.txt", "files still work\n"));
    char buf[64];
    long n = get_file("with-socket.txt", buf, sizeof buf);
    show("read back", buf, n < 0 ? 0 : n);
    return 0;
}
