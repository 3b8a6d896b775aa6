// oracle: native
/* O_APPEND with every write call, Linux as the oracle. wasi-testsuite's
 * pwrite-with-append opens O_CREAT|O_TRUNC|O_WRONLY|O_APPEND (std and
 * cap-std refuse truncate with append; POSIX does not), then checks that
 * write() appends whatever the offset, that pwrite() leaves the offset
 * alone, and where pwrite() lands (Linux: at the end). */
#include "common.h"
#include <sys/uio.h>

static void show_file(const char *path) {
    char buf[64];
    int fd = open(path, O_RDONLY);
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    printf("%s: %zd bytes \"%.*s\"\n", path, n, (int)(n > 0 ? n : 0), buf);
}

int main(void) {
    int fd = open("append.txt", O_CREAT | O_TRUNC | O_WRONLY | O_APPEND, 0644);
    printf("open O_CREAT|O_TRUNC|O_WRONLY|O_APPEND: %s\n", fd >= 0 ? "ok" : errname(errno));
    VAL(write(fd, "ab", 2));
    VAL(lseek(fd, 0, SEEK_SET));
    VAL(write(fd, "cd", 2));
    VAL(lseek(fd, 0, SEEK_CUR));
    VAL(pwrite(fd, "XYZ", 3, 0));
    VAL(lseek(fd, 0, SEEK_CUR));
    VAL(lseek(fd, 0, SEEK_END));
    struct iovec iov[2] = {{"e", 1}, {"f", 1}};
    VAL(lseek(fd, 1, SEEK_SET));
    VAL(writev(fd, iov, 2));
    VAL(lseek(fd, 0, SEEK_CUR));
    struct iovec piov[2] = {{"g", 1}, {"h", 1}};
    VAL(pwritev(fd, piov, 2, 0));
    VAL(lseek(fd, 0, SEEK_CUR));
    close(fd);
    show_file("append.txt");

    /* An existing file truncated and appended to again. */
    fd = open("append.txt", O_TRUNC | O_WRONLY | O_APPEND);
    printf("reopen O_TRUNC|O_WRONLY|O_APPEND: %s\n", fd >= 0 ? "ok" : errname(errno));
    VAL(write(fd, "1", 1));
    VAL(pwrite(fd, "2", 1, 0));
    close(fd);
    show_file("append.txt");

    /* Read-write append through stdio ("a+"), as the older test did. */
    FILE *f = fopen("plus.txt", "a+");
    printf("fopen a+: %s\n", f ? "ok" : errname(errno));
    fwrite("wxyz", 1, 4, f);
    fflush(f);
    VAL(pwrite(fileno(f), "W", 1, 0));
    VAL(lseek(fileno(f), 0, SEEK_END));
    fclose(f);
    show_file("plus.txt");

    /* Append turned on later with fcntl, and off again. */
    fd = open("later.txt", O_CREAT | O_WRONLY, 0644);
    VAL(write(fd, "abc", 3));
    VAL(fcntl(fd, F_SETFL, O_APPEND));
    printf("O_APPEND set: %s\n", (fcntl(fd, F_GETFL) & O_APPEND) ? "yes" : "no");
    VAL(lseek(fd, 0, SEEK_SET));
    VAL(write(fd, "d", 1));
    VAL(fcntl(fd, F_SETFL, 0));
    VAL(lseek(fd, 0, SEEK_SET));
    VAL(write(fd, "Z", 1));
    close(fd);
    show_file("later.txt");
    return 0;
}
