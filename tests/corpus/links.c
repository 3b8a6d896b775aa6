// oracle: native
/* path_symlink, path_readlink, path_link, following and not following
 * symlinks, ELOOP, dangling links. */
#include "common.h"

static void rl(const char *path, size_t cap) {
    char buf[256];
    memset(buf, '#', sizeof buf);
    errno = 0;
    ssize_t n = readlink(path, buf, cap);
    if (n < 0) printf("readlink(%s, %zu) -> %s\n", path, cap, errname(errno));
    else { char l[300]; snprintf(l, sizeof l, "readlink(%s, %zu) = %zd", path, cap, n); show(l, buf, n); }
}

static void cat(const char *path) {
    char buf[256];
    long n = get_file(path, buf, sizeof buf);
    if (n < 0) printf("cat %s -> %s\n", path, errname(errno));
    else { char l[300]; snprintf(l, sizeof l, "cat %s", path); show(l, buf, n); }
}

int main(void) {
    CHECK(put_file("target.txt", "target content\n"));
    CHECK(mkdir("dir", 0755));
    CHECK(put_file("dir/inner.txt", "inner\n"));

    CHECK(symlink("target.txt", "l-file"));
    CHECK(symlink("dir", "l-dir"));
    CHECK(symlink("dir/inner.txt", "l-inner"));
    CHECK(symlink("../target.txt", "dir/l-up"));
    CHECK(symlink("missing", "l-dangling"));
    CHECK(symlink("l-file", "l-chain1"));
    CHECK(symlink("l-chain1", "l-chain2"));
    CHECK(symlink("l-loop-b", "l-loop-a"));
    CHECK(symlink("l-loop-a", "l-loop-b"));
    CHECK(symlink("l-self", "l-self"));
    CHECK(symlink("target.txt", "l-file"));
    CHECK(symlink("x", "dir/inner.txt"));
    CHECK(symlink("x", "nodir/l"));
    CHECK(symlink("", "l-empty"));

    rl("l-file", 255);
    rl("l-dir", 255);
    rl("dir/l-up", 255);
    rl("l-dangling", 255);
    rl("l-file", 6);
    rl("l-file", 1);
    rl("target.txt", 255);
    rl("dir", 255);
    rl("missing", 255);
    rl("l-dir/inner.txt", 255);
    rl("l-chain2", 255);

    cat("l-file");
    cat("l-dir/inner.txt");
    cat("l-inner");
    cat("dir/l-up");
    cat("l-chain2");
    cat("l-dir/../target.txt");
    cat("l-dangling");
    cat("l-loop-a");
    cat("l-self");
    cat("l-file/x");

    /* A chain longer than any symlink limit loops. */
    char a[32], b[32];
    CHECK(symlink("target.txt", "c0"));
    for (int i = 1; i <= 60; i++) {
        snprintf(a, sizeof a, "c%d", i - 1);
        snprintf(b, sizeof b, "c%d", i);
        symlink(a, b);
    }
    cat("c5");
    cat("c60");

    /* O_NOFOLLOW on a symlink as the last component; fine in the middle. */
    CHECK(open("l-file", O_RDONLY | O_NOFOLLOW));
    CHECK(open("l-dangling", O_RDONLY | O_NOFOLLOW));
    CHECK(open("l-dir/inner.txt", O_RDONLY | O_NOFOLLOW));
    CHECK(open("l-dir", O_RDONLY | O_DIRECTORY));
    CHECK(open("l-file", O_RDONLY | O_DIRECTORY));
    /* Creating through a dangling symlink creates its target. */
    int fd;
    CHECK(fd = open("l-dangling", O_WRONLY | O_CREAT, 0644));
    VAL(write(fd, "made via link\n", 14));
    CHECK(close(fd));
    cat("missing");
    CHECK(open("l-file", O_WRONLY | O_CREAT | O_EXCL, 0644));

    /* Hard links. */
    CHECK(link("target.txt", "hard.txt"));
    CHECK(link("target.txt", "hard.txt"));
    CHECK(link("missing-src", "hard2.txt"));
    CHECK(link("dir", "hard-dir"));
    CHECK(link("target.txt", "nodir/hard"));
    CHECK(link("target.txt", "dir/hard-in-dir.txt"));
    CHECK(put_file("hard.txt", "changed via hard link\n"));
    cat("target.txt");
    cat("dir/hard-in-dir.txt");
    CHECK(unlink("target.txt"));
    cat("hard.txt");
    cat("l-file");
    struct stat st;
    CHECK(stat("hard.txt", &st));
    printf("nlink after unlink = %ld\n", (long)st.st_nlink);
    /* linkat without AT_SYMLINK_FOLLOW links the symlink itself. */
    CHECK(linkat(AT_FDCWD, "l-chain1", AT_FDCWD, "hard-to-symlink", 0));
    CHECK(lstat("hard-to-symlink", &st));
    SAY("hard link to a symlink is a symlink", S_ISLNK(st.st_mode));
    rl("hard-to-symlink", 255);

    /* Replace a symlink: unlink it, then create again. */
    CHECK(unlink("l-dir"));
    CHECK(symlink("dir/inner.txt", "l-dir"));
    cat("l-dir");
    CHECK(unlink("l-loop-a"));
    CHECK(unlink("l-loop-b"));
    CHECK(unlink("l-self"));
    for (int i = 0; i <= 60; i++) { snprintf(b, sizeof b, "c%d", i); unlink(b); }
    return 0;
}
