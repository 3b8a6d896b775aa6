// oracle: native
/* fd_fdstat_get / fd_fdstat_set_flags through fcntl(F_GETFL/F_SETFL):
 * access modes, O_APPEND and O_NONBLOCK. */
#include "common.h"

static void flags(const char *label, int fd) {
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0) { printf("%s: F_GETFL -> %s\n", label, errname(errno)); return; }
    int acc = fl & O_ACCMODE;
    printf("%s: access=%s append=%s nonblock=%s\n", label,
           acc == O_RDONLY ? "rdonly" : acc == O_WRONLY ? "wronly" : acc == O_RDWR ? "rdwr" : "other",
           (fl & O_APPEND) ? "yes" : "no", (fl & O_NONBLOCK) ? "yes" : "no");
}

int main(void) {
    char buf[64];
    int fd, ro, rw, ap;
    CHECK(fd = open("f.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644));
    flags("wronly", fd);
    VAL(write(fd, "one\n", 4));
    VAL(lseek(fd, 0, SEEK_SET));

    int fl = fcntl(fd, F_GETFL);
    CHECK(fcntl(fd, F_SETFL, fl | O_APPEND));
    flags("after F_SETFL O_APPEND", fd);
    VAL(write(fd, "two\n", 4));
    VAL(lseek(fd, 0, SEEK_CUR));
    VAL(lseek(fd, 0, SEEK_SET));
    VAL(write(fd, "three\n", 6));
    VAL(lseek(fd, 0, SEEK_CUR));

    CHECK(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK));
    flags("after F_SETFL O_NONBLOCK", fd);
    VAL(write(fd, "four\n", 5));

    CHECK(fcntl(fd, F_SETFL, 0));
    flags("after F_SETFL 0", fd);
    VAL(lseek(fd, 0, SEEK_SET));
    VAL(write(fd, "ONE", 3));
    CHECK(close(fd));

    CHECK(ap = open("f.txt", O_WRONLY | O_APPEND));
    flags("open O_APPEND", ap);
    VAL(lseek(ap, 0, SEEK_SET));
    VAL(write(ap, "five\n", 5));
    VAL(lseek(ap, 0, SEEK_CUR));
    CHECK(close(ap));

    CHECK(ro = open("f.txt", O_RDONLY));
    flags("rdonly", ro);
    CHECK(rw = open("f.txt", O_RDWR | O_NONBLOCK));
    flags("rdwr nonblock", rw);
    long n = read(rw, buf, sizeof buf);
    show("content", buf, n);
    CHECK(close(ro));
    CHECK(close(rw));

    CHECK(fcntl(ro, F_GETFL));
    CHECK(fcntl(ro, F_SETFL, O_APPEND));
    CHECK(fcntl(-1, F_GETFL));
    return 0;
}
