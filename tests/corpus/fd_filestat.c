// oracle: native
/* fd_filestat_get, fd_filestat_set_size, fd_filestat_set_times,
 * path_filestat_get (following or not), path_filestat_set_times. */
#include "common.h"
#include <sys/time.h>

static void kind(const char *label, int r, struct stat *st) {
    if (r != 0) { printf("%s -> %s\n", label, errname(errno)); return; }
    const char *k = S_ISREG(st->st_mode) ? "file" : S_ISDIR(st->st_mode) ? "dir"
                  : S_ISLNK(st->st_mode) ? "symlink" : "other";
    if (S_ISDIR(st->st_mode))
        printf("%s: %s\n", label, k);
    else
        printf("%s: %s size=%lld nlink=%lld\n", label, k, (long long)st->st_size, (long long)st->st_nlink);
}

/* UTIME_NOW/UTIME_OMIT through the raw WASI flags: the 2022 wasi-libc rejects
 * them in futimens()/utimensat() before reaching the host. */
static int set_times(int fd, const char *path, int nofollow, const struct timespec ts[2]) {
#ifdef __wasi__
    __wasi_timestamp_t t[2] = {0, 0};
    __wasi_fstflags_t fl = 0;
    for (int i = 0; i < 2; i++) {
        if (ts[i].tv_nsec == UTIME_NOW) fl |= i ? __WASI_FSTFLAGS_MTIM_NOW : __WASI_FSTFLAGS_ATIM_NOW;
        else if (ts[i].tv_nsec != UTIME_OMIT) {
            if (ts[i].tv_nsec < 0 || ts[i].tv_nsec >= 1000000000) { errno = EINVAL; return -1; }
            fl |= i ? __WASI_FSTFLAGS_MTIM : __WASI_FSTFLAGS_ATIM;
            t[i] = (__wasi_timestamp_t)ts[i].tv_sec * 1000000000u + (__wasi_timestamp_t)ts[i].tv_nsec;
        }
    }
    if (path) fd = open(".", O_RDONLY | O_DIRECTORY);
    int e = path ? __wasi_path_filestat_set_times(fd, nofollow ? 0 : __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW,
                                                  path, t[0], t[1], fl)
                 : __wasi_fd_filestat_set_times(fd, t[0], t[1], fl);
    if (path) close(fd);
    if (e) { errno = e == __WASI_ERRNO_BADF ? EBADF : e == __WASI_ERRNO_NOENT ? ENOENT
                     : e == __WASI_ERRNO_INVAL ? EINVAL : EIO; return -1; }
    return 0;
#else
    return path ? utimensat(AT_FDCWD, path, ts, nofollow ? AT_SYMLINK_NOFOLLOW : 0) : futimens(fd, ts);
#endif
}

static void show_times(const char *label, struct stat *st) {
    printf("%s: atime=%lld.%09ld mtime=%lld.%09ld\n", label, (long long)st->st_atim.tv_sec,
           (long)st->st_atim.tv_nsec, (long long)st->st_mtim.tv_sec, (long)st->st_mtim.tv_nsec);
}

int main(void) {
    struct stat st, st2;
    int fd;
    char buf[256];
    CHECK(fd = open("file.txt", O_RDWR | O_CREAT | O_TRUNC, 0644));
    VAL(write(fd, "0123456789", 10));
    kind("fstat", fstat(fd, &st), &st);

    /* fd_filestat_set_size: grow (zeros), shrink, errors. */
    CHECK(ftruncate(fd, 100));
    kind("after ftruncate 100", fstat(fd, &st), &st);
    long n = pread(fd, buf, 4, 48);
    show("bytes 48..52", buf, n);
    VAL(lseek(fd, 0, SEEK_CUR));
    CHECK(ftruncate(fd, 3));
    kind("after ftruncate 3", fstat(fd, &st), &st);
    n = pread(fd, buf, sizeof buf, 0);
    show("content", buf, n);
    CHECK(ftruncate(fd, -1));
    CHECK(ftruncate(fd, 0));
    kind("after ftruncate 0", fstat(fd, &st), &st);
    VAL(write(fd, "Z", 1));
    n = pread(fd, buf, sizeof buf, 0);
    show("write at old offset 10 after truncate", buf, n);
    CHECK(truncate("file.txt", 4));
    kind("after truncate(path) 4", stat("file.txt", &st), &st);

    /* fd_filestat_set_times: explicit, UTIME_OMIT, UTIME_NOW. */
    struct timespec ts[2] = {{1000000000, 123456789}, {1234567890, 987654321}};
    CHECK(futimens(fd, ts));
    fstat(fd, &st);
    show_times("futimens explicit", &st);
    struct timespec omit_now[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
    CHECK(set_times(fd, NULL, 0, omit_now));
    fstat(fd, &st2);
    SAY("UTIME_OMIT kept atime", st2.st_atim.tv_sec == st.st_atim.tv_sec && st2.st_atim.tv_nsec == st.st_atim.tv_nsec);
    SAY("UTIME_NOW set mtime to now", labs((long)(st2.st_mtim.tv_sec - time(NULL))) < 5);
    struct timespec now_omit[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}};
    CHECK(set_times(fd, NULL, 0, now_omit));
    fstat(fd, &st);
    SAY("UTIME_NOW set atime to now", labs((long)(st.st_atim.tv_sec - time(NULL))) < 5);
    SAY("UTIME_OMIT kept mtime", st2.st_mtim.tv_sec == st.st_mtim.tv_sec && st2.st_mtim.tv_nsec == st.st_mtim.tv_nsec);
    struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
    CHECK(futimens(fd, bad));

    /* path_filestat_set_times, through a path. */
    struct timespec ts2[2] = {{1500000000, 5}, {1600000000, 999999999}};
    CHECK(utimensat(AT_FDCWD, "file.txt", ts2, 0));
    stat("file.txt", &st);
    show_times("utimensat", &st);
    CHECK(utimensat(AT_FDCWD, "missing.txt", ts2, 0));
    struct timespec both_now[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
    CHECK(utimensat(AT_FDCWD, "file.txt", ts, 0));
    CHECK(set_times(AT_FDCWD, "file.txt", 0, both_now));
    stat("file.txt", &st);
    SAY("path UTIME_NOW set atime to now", labs((long)(st.st_atim.tv_sec - time(NULL))) < 5);
    SAY("path UTIME_NOW set mtime to now", labs((long)(st.st_mtim.tv_sec - time(NULL))) < 5);
    CHECK(utimensat(AT_FDCWD, "file.txt", ts2, 0));

    /* Symlinks: stat follows, lstat does not; AT_SYMLINK_NOFOLLOW. */
    CHECK(symlink("file.txt", "link"));
    kind("stat(link)", stat("link", &st), &st);
    kind("lstat(link)", lstat("link", &st), &st);
    kind("lstat(file.txt)", lstat("file.txt", &st), &st);
    CHECK(utimensat(AT_FDCWD, "link", ts, AT_SYMLINK_NOFOLLOW));
    lstat("link", &st);
    show_times("lstat(link) after nofollow utimensat", &st);
    stat("link", &st2);
    show_times("stat(link) after nofollow utimensat", &st2);
    struct timespec ts3[2] = {{1700000000, 1}, {1700000001, 2}};
    CHECK(utimensat(AT_FDCWD, "link", ts3, 0));
    stat("file.txt", &st);
    show_times("file.txt after following utimensat", &st);

    /* Directories and errors. */
    CHECK(mkdir("dir", 0755));
    kind("stat(dir)", stat("dir", &st), &st);
    kind("stat(.)", stat(".", &st), &st);
    kind("stat(missing)", stat("missing", &st), &st);
    kind("stat(file.txt/x)", stat("file.txt/x", &st), &st);
    kind("stat(dir/../file.txt)", stat("dir/../file.txt", &st), &st);
    CHECK(symlink("nowhere", "dangling"));
    kind("stat(dangling)", stat("dangling", &st), &st);
    kind("lstat(dangling)", lstat("dangling", &st), &st);

    /* Hard links share the inode and bump nlink. */
    CHECK(link("file.txt", "hard.txt"));
    stat("file.txt", &st);
    stat("hard.txt", &st2);
    SAY("hard link same inode", st.st_ino == st2.st_ino && st.st_dev == st2.st_dev);
    kind("stat(file.txt) after link", 0, &st);
    fstat(fd, &st2);
    SAY("fstat and stat agree on inode", st.st_ino == st2.st_ino);

    CHECK(close(fd));
    CHECK(fstat(fd, &st));
    CHECK(ftruncate(fd, 0));
    CHECK(futimens(fd, ts));
    return 0;
}
