// oracle: expected
// flags: --max-open-files 16
/* --max-open-files: opening past the limit fails with EMFILE (and does not
 * crash or leak); closing one makes room again. */
#include "common.h"

int main(void) {
    CHECK(put_file("f.txt", "x"));
    int fds[200];
    int n = 0, err = 0;
    for (int i = 0; i < 200; i++) {
        int fd = open("f.txt", O_RDONLY);
        if (fd < 0) { err = errno; break; }
        fds[n++] = fd;
    }
    printf("stopped with %s\n", errname(err));
    SAY("opened at least 8 files", n >= 8);
    SAY("opened at most 16 files", n <= 16);
    /* Every other way to make a descriptor fails too. */
    CHECK(open(".", O_RDONLY | O_DIRECTORY));
    CHECK(open("new.txt", O_WRONLY | O_CREAT, 0644));
    SAY("opendir fails", opendir(".") == NULL);
    printf("  errno = %s\n", errname(errno));
    /* new.txt must not have been created by the failed open */
    struct stat st;
    CHECK(close(fds[--n]));
    CHECK(stat("new.txt", &st));
    int fd;
    CHECK(fd = open("f.txt", O_RDONLY));
    CHECK(open("f.txt", O_RDONLY));
    CHECK(close(fd));
    while (n > 0) close(fds[--n]);
    int again = 0;
    for (int i = 0; i < 5; i++) {
        int x = open("f.txt", O_RDONLY);
        if (x >= 0) { again++; close(x); }
    }
    printf("open/close after closing all: %d of 5\n", again);
    return 0;
}
