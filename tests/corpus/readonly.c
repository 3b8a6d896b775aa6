// oracle: expected
// preopen: ro ro ro
// file: mine.txt = mine\n
/* --ro-dir: everything that would change the directory fails with
 * ENOTCAPABLE; reading works. The harness checks that the read-only
 * directory is unchanged afterwards. */
#include "common.h"

#define R(x) __WASI_RIGHTS_##x

int main(void) {
    const int ro = 4;
    char buf[128];
    long n = get_file("ro/hello.txt", buf, sizeof buf);
    show("read ro/hello.txt", buf, n < 0 ? 0 : n);
    n = get_file("ro/sub/inner.txt", buf, sizeof buf);
    show("read ro/sub/inner.txt", buf, n < 0 ? 0 : n);
    struct stat st;
    CHECK(stat("ro/hello.txt", &st));
    DIR *d = opendir("ro");
    int count = 0;
    while (d && readdir(d)) count++;
    if (d) closedir(d);
    printf("entries in ro = %d\n", count);

    __wasi_fdstat_t fs;
    W(__wasi_fd_fdstat_get(ro, &fs));
    SAY("preopen can open", (fs.fs_rights_base & R(PATH_OPEN)) != 0);
    SAY("preopen can create files", (fs.fs_rights_base & R(PATH_CREATE_FILE)) != 0);
    SAY("preopen hands out write", (fs.fs_rights_inheriting & R(FD_WRITE)) != 0);

    /* Raw path_open asking for write rights. */
    __wasi_fd_t fd = 0;
    W(__wasi_path_open(ro, 0, "hello.txt", 0, R(FD_WRITE), 0, 0, &fd));
    W(__wasi_path_open(ro, 0, "hello.txt", 0, R(FD_READ) | R(FD_FILESTAT_SET_SIZE), 0, 0, &fd));
    W(__wasi_path_open(ro, 0, "hello.txt", __WASI_OFLAGS_TRUNC, R(FD_READ), 0, 0, &fd));
    W(__wasi_path_open(ro, 0, "new.txt", __WASI_OFLAGS_CREAT, R(FD_READ), 0, 0, &fd));
    W(__wasi_path_open(ro, 0, "hello.txt", 0, R(FD_READ), 0, 0, &fd));
    W(__wasi_fd_fdstat_set_rights(fd, R(FD_READ) | R(FD_WRITE), 0));
    __wasi_ciovec_t out = {(const uint8_t *)"X", 1};
    __wasi_size_t nw = 0;
    W(__wasi_fd_write(fd, &out, 1, &nw));
    W(__wasi_fd_pwrite(fd, &out, 1, 0, &nw));
    W(__wasi_fd_filestat_set_size(fd, 0));
    W(__wasi_fd_allocate(fd, 0, 4096));
    W(__wasi_fd_filestat_set_times(fd, 1, 1, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
    W(__wasi_fd_close(fd));

    /* Changing the tree. */
    W(__wasi_path_create_directory(ro, "newdir"));
    W(__wasi_path_remove_directory(ro, "empty"));
    W(__wasi_path_unlink_file(ro, "hello.txt"));
    W(__wasi_path_rename(ro, "hello.txt", ro, "renamed.txt"));
    W(__wasi_path_rename(ro, "hello.txt", 3, "stolen.txt"));
    W(__wasi_path_rename(3, "mine.txt", ro, "planted.txt"));
    W(__wasi_path_symlink("hello.txt", ro, "link"));
    W(__wasi_path_link(ro, 0, "hello.txt", ro, "hard.txt"));
    W(__wasi_path_link(ro, 0, "hello.txt", 3, "hard-out.txt"));
    W(__wasi_path_link(3, 0, "mine.txt", ro, "hard-in.txt"));
    /* Had the link out of ro/ been made, writing through it would change ro/. */
    int hfd = open("hard-out.txt", O_WRONLY | O_APPEND);
    SAY("write through a hard link out of ro/ succeeded", hfd >= 0 && write(hfd, "CHANGED\n", 8) == 8);
    if (hfd >= 0) close(hfd);
    W(__wasi_path_filestat_set_times(ro, 0, "hello.txt", 1, 1, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));

    /* The same through wasi-libc. */
    CHECK(open("ro/new.txt", O_WRONLY | O_CREAT, 0644));
    CHECK(open("ro/hello.txt", O_RDWR | O_TRUNC));
    int wfd = open("ro/hello.txt", O_WRONLY);
    SAY("write through open(O_WRONLY) succeeded", wfd >= 0 && write(wfd, "X", 1) == 1);
    int afd = open("ro/hello.txt", O_WRONLY | O_APPEND);
    SAY("write through open(O_APPEND) succeeded", afd >= 0 && write(afd, "X", 1) == 1);
    CHECK(mkdir("ro/newdir", 0755));
    CHECK(rmdir("ro/empty"));
    CHECK(unlink("ro/hello.txt"));
    CHECK(rename("ro/hello.txt", "ro/renamed.txt"));
    CHECK(symlink("hello.txt", "ro/link"));
    CHECK(link("ro/hello.txt", "ro/hard.txt"));
    SAY("truncate succeeded", truncate("ro/hello.txt", 0) == 0);
    struct timespec ts[2] = {{1, 0}, {1, 0}};
    CHECK(utimensat(AT_FDCWD, "ro/hello.txt", ts, 0));
    int rfd = open("ro/hello.txt", O_RDONLY);
    SAY("ftruncate on a read-only open succeeded", rfd >= 0 && ftruncate(rfd, 0) == 0);
    SAY("futimens on a read-only open succeeded", rfd >= 0 && futimens(rfd, ts) == 0);

    /* Nested directories inherit the restriction. */
    int sfd = open("ro/sub", O_RDONLY | O_DIRECTORY);
    SAY("opened ro/sub", sfd >= 0);
    W(__wasi_path_open(sfd, 0, "inner.txt", 0, R(FD_WRITE), 0, 0, &fd));
    W(__wasi_path_open(sfd, 0, "x.txt", __WASI_OFLAGS_CREAT, R(FD_READ), 0, 0, &fd));
    W(__wasi_path_unlink_file(sfd, "inner.txt"));
    n = get_file("ro/sub/inner.txt", buf, sizeof buf);
    show("still there", buf, n < 0 ? 0 : n);
    n = get_file("ro/hello.txt", buf, sizeof buf);
    show("unchanged", buf, n < 0 ? 0 : n);
    return 0;
}
