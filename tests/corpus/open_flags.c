// oracle: native
/* path_open: O_CREAT, O_EXCL, O_TRUNC, O_DIRECTORY, O_NOFOLLOW, O_APPEND and
 * access modes, with their errors. */
#include "common.h"

static void cat(const char *path) {
    char buf[256];
    long n = get_file(path, buf, sizeof buf);
    if (n < 0) printf("cat %s -> %s\n", path, errname(errno));
    else { char l[300]; snprintf(l, sizeof l, "cat %s", path); show(l, buf, n); }
}

int main(void) {
    int fd;
    CHECK(open("new.txt", O_RDONLY));
    CHECK(fd = open("new.txt", O_WRONLY | O_CREAT, 0644));
    VAL(write(fd, "first version\n", 14));
    CHECK(close(fd));
    cat("new.txt");

    /* O_CREAT on an existing file opens it without truncating. */
    CHECK(fd = open("new.txt", O_WRONLY | O_CREAT, 0644));
    VAL(write(fd, "FIRST", 5));
    CHECK(close(fd));
    cat("new.txt");

    /* O_EXCL */
    CHECK(open("new.txt", O_WRONLY | O_CREAT | O_EXCL, 0644));
    CHECK(fd = open("excl.txt", O_WRONLY | O_CREAT | O_EXCL, 0644));
    CHECK(close(fd));
    CHECK(mkdir("dir", 0755));
    CHECK(open("dir", O_RDONLY | O_CREAT | O_EXCL, 0644));
    CHECK(symlink("dangling-target", "dangling"));
    CHECK(open("dangling", O_WRONLY | O_CREAT | O_EXCL, 0644));
    CHECK(access("dangling-target", F_OK));

    /* O_TRUNC */
    CHECK(fd = open("new.txt", O_RDWR | O_TRUNC));
    struct stat st;
    fstat(fd, &st);
    printf("size after O_TRUNC = %lld\n", (long long)st.st_size);
    VAL(write(fd, "second\n", 7));
    CHECK(close(fd));
    cat("new.txt");
    CHECK(fd = open("trunc-create.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644));
    CHECK(close(fd));
    cat("trunc-create.txt");

    /* O_APPEND */
    CHECK(fd = open("new.txt", O_WRONLY | O_APPEND));
    VAL(write(fd, "third\n", 6));
    VAL(lseek(fd, 0, SEEK_SET));
    VAL(write(fd, "fourth\n", 7));
    VAL(lseek(fd, 0, SEEK_CUR));
    CHECK(close(fd));
    CHECK(fd = open("new.txt", O_RDWR | O_APPEND));
    char buf[8];
    long n = read(fd, buf, 6);
    show("O_RDWR|O_APPEND reads from the start", buf, n);
    VAL(write(fd, "fifth\n", 6));
    VAL(lseek(fd, 0, SEEK_CUR));
    CHECK(close(fd));
    cat("new.txt");
    CHECK(fd = open("append-create.txt", O_WRONLY | O_APPEND | O_CREAT, 0644));
    VAL(write(fd, "a", 1));
    VAL(write(fd, "b", 1));
    CHECK(close(fd));
    cat("append-create.txt");

    /* O_DIRECTORY */
    CHECK(fd = open("dir", O_RDONLY | O_DIRECTORY));
    CHECK(close(fd));
    CHECK(open("new.txt", O_RDONLY | O_DIRECTORY));
    CHECK(open("missing", O_RDONLY | O_DIRECTORY));
    CHECK(fd = open(".", O_RDONLY | O_DIRECTORY));
    CHECK(close(fd));
    CHECK(open("dir", O_WRONLY | O_CREAT, 0644));

    /* O_NOFOLLOW */
    CHECK(symlink("new.txt", "link"));
    CHECK(open("link", O_RDONLY | O_NOFOLLOW));
    CHECK(open("link", O_WRONLY | O_CREAT | O_NOFOLLOW, 0644));
    CHECK(fd = open("new.txt", O_RDONLY | O_NOFOLLOW));
    CHECK(close(fd));
    CHECK(symlink("dir", "dirlink"));
    CHECK(fd = open("dirlink", O_RDONLY | O_DIRECTORY));
    CHECK(close(fd));

    /* Paths with . and .. inside the directory, trailing slashes. */
    CHECK(fd = open("dir/../new.txt", O_RDONLY));
    CHECK(close(fd));
    CHECK(fd = open("./dir/./../new.txt", O_RDONLY));
    CHECK(close(fd));
    CHECK(open("new.txt/", O_RDONLY));
    CHECK(open("nodir/new.txt", O_WRONLY | O_CREAT, 0644));
    CHECK(open("new.txt/x", O_WRONLY | O_CREAT, 0644));

    /* Long names. */
    char name[300];
    memset(name, 'n', 255);
    name[255] = 0;
    CHECK(fd = open(name, O_WRONLY | O_CREAT, 0644));
    CHECK(close(fd));
    CHECK(unlink(name));
    memset(name, 'n', 256);
    name[256] = 0;
    CHECK(open(name, O_WRONLY | O_CREAT, 0644));

    /* Many descriptors on the same file see each other's writes. */
    int fds[20];
    for (int i = 0; i < 20; i++) fds[i] = open("shared.txt", O_RDWR | O_CREAT, 0644);
    for (int i = 0; i < 20; i++) pwrite(fds[i], &"abcdefghijklmnopqrst"[i], 1, i);
    for (int i = 0; i < 20; i++) close(fds[i]);
    cat("shared.txt");
    return 0;
}
