// oracle: native
/* path_create_directory, path_remove_directory, path_unlink_file and the
 * errnos ENOENT, ENOTDIR, EISDIR, ENOTEMPTY, EEXIST. */
#include "common.h"

int main(void) {
    CHECK(mkdir("a", 0755));
    CHECK(mkdir("a", 0755));
    CHECK(mkdir("a/b", 0755));
    CHECK(mkdir("a/b/c", 0755));
    CHECK(mkdir("x/y", 0755));
    CHECK(mkdir("a/b/c/", 0755));
    CHECK(mkdir("d/", 0755));
    CHECK(put_file("a/file.txt", "content\n"));
    CHECK(mkdir("a/file.txt", 0755));
    CHECK(mkdir("a/file.txt/sub", 0755));

    /* rmdir */
    CHECK(rmdir("a"));
    CHECK(rmdir("a/b"));
    CHECK(rmdir("a/file.txt"));
    CHECK(rmdir("missing"));
    CHECK(rmdir("a/missing/x"));
    CHECK(rmdir("a/b/c"));
    CHECK(rmdir("a/b/c"));
    CHECK(rmdir("a/b/"));
    CHECK(mkdir("a/b", 0755));
    CHECK(rmdir("a/./b"));

    /* unlink */
    CHECK(unlink("a"));
    CHECK(unlink("missing"));
    CHECK(unlink("a/file.txt/x"));
    CHECK(unlink("a/file.txt"));
    CHECK(unlink("a/file.txt"));
    CHECK(put_file("a/f2", "x"));
    CHECK(symlink("f2", "a/l2"));
    CHECK(unlink("a/l2"));
    struct stat st;
    CHECK(stat("a/f2", &st));
    CHECK(symlink("sub", "a/ldir"));
    CHECK(mkdir("a/sub", 0755));
    CHECK(rmdir("a/ldir"));
    CHECK(unlink("a/ldir"));
    CHECK(stat("a/sub", &st));

    /* a directory tree that stays behind for the tree comparison */
    CHECK(mkdir("keep", 0755));
    CHECK(mkdir("keep/deep", 0755));
    CHECK(mkdir("keep/deep/er", 0755));
    CHECK(put_file("keep/deep/er/leaf.txt", "leaf\n"));
    CHECK(mkdir("keep/deep/er/leaf.txt/no", 0755));
    CHECK(rmdir("keep/deep"));
    CHECK(unlink("keep/deep/er/leaf.txt"));
    CHECK(rmdir("keep/deep/er"));
    CHECK(mkdir("keep/empty", 0755));

    /* opening directories */
    CHECK(open("keep", O_WRONLY));
    CHECK(open("keep", O_RDWR));
    int fd;
    CHECK(fd = open("keep", O_RDONLY));
    char b[4];
    CHECK(read(fd, b, 1));
    CHECK(close(fd));
    CHECK(open("a/f2", O_RDONLY | O_DIRECTORY));
    CHECK(open("keep/", O_RDONLY));
    CHECK(open("a/f2/", O_RDONLY));

    /* An unlinked file stays usable through an open descriptor. */
    int u;
    CHECK(u = open("gone.txt", O_RDWR | O_CREAT | O_TRUNC, 0644));
    VAL(write(u, "still here\n", 11));
    CHECK(unlink("gone.txt"));
    struct stat us;
    CHECK(fstat(u, &us));
    printf("nlink after unlink = %ld\n", (long)us.st_nlink);
    char ub[32];
    long un = pread(u, ub, sizeof ub, 0);
    show("read after unlink", ub, un);
    VAL(write(u, "more\n", 5));
    CHECK(access("gone.txt", F_OK));
    CHECK(close(u));
    /* An emptied directory held open can be removed. */
    int dfd;
    CHECK(mkdir("held", 0755));
    CHECK(dfd = open("held", O_RDONLY | O_DIRECTORY));
    CHECK(rmdir("held"));
    CHECK(close(dfd));
    return 0;
}
