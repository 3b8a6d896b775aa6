// oracle: expected
// hook: move-out
// dir: d
// file: d/inner.txt = inner\n
/* Directory descriptors whose directory moves. First the guest renames a
 * directory it holds open; then the harness moves box/d (held open by the
 * guest) to ROOT/outside/d, right next to the secret. In both cases ".."
 * from the descriptor must stay refused, while the directory's own contents
 * stay reachable through it. */
#include "escape.h"

static int dir_open(int at, const char *path) {
    __wasi_fd_t fd = 0;
    int e = __wasi_path_open(at, 0, path, __WASI_OFLAGS_DIRECTORY,
                             R(PATH_OPEN) | R(FD_READDIR) | R(PATH_FILESTAT_GET) | R(PATH_CREATE_FILE) |
                             R(PATH_CREATE_DIRECTORY) | R(PATH_RENAME_SOURCE) | R(PATH_RENAME_TARGET) |
                             R(PATH_LINK_SOURCE) | R(PATH_LINK_TARGET) | R(PATH_UNLINK_FILE) |
                             R(PATH_SYMLINK) | R(PATH_FILESTAT_SET_TIMES),
                             R(FD_READ) | R(FD_WRITE) | R(FD_SEEK), 0, &fd);
    printf("open dir %s: %s\n", path, wasi_errname(e));
    return e ? -1 : (int)fd;
}

static void nap(void) {
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
}

int main(void) {
    const int box = 3;
    __wasi_fd_t fd = 0;
    __wasi_filestat_t st;

    /* 1. The guest renames an open directory itself. */
    W(__wasi_path_create_directory(box, "a"));
    W(__wasi_path_create_directory(box, "a/b"));
    CHECK(put_file("a/b/x.txt", "x\n"));
    int ab = dir_open(box, "a/b");
    W(__wasi_path_rename(box, "a/b", box, "c"));
    try_read(ab, FOLLOW, "x.txt");
    try_read(ab, FOLLOW, "..");
    try_read(ab, FOLLOW, "../c/x.txt");
    try_read(ab, FOLLOW, "../../outside/secret.txt");
    TRY("stat ../.. from the moved fd", __wasi_path_filestat_get(ab, FOLLOW, "../..", &st));

    /* 2. The harness moves d out of the box while we hold it. */
    int d = dir_open(box, "d");
    CHECK(put_file("ready", "go\n"));
    int moved = 0;
    for (int i = 0; i < 1500 && !moved; i++) {
        moved = __wasi_path_filestat_get(d, 0, "moved", &st) == 0;
        if (!moved) nap();
    }
    SAY("harness moved d out of the box", moved);
    try_read(d, FOLLOW, "inner.txt");
    try_read(d, FOLLOW, "../secret.txt");
    try_read(d, FOLLOW, "../canary.txt");
    try_read(d, FOLLOW, "./../secret.txt");
    try_read(d, FOLLOW, "..");
    TRY("stat ../secret.txt", __wasi_path_filestat_get(d, FOLLOW, "../secret.txt", &st));
    TRY("truncate ../canary.txt", __wasi_path_open(d, 0, "../canary.txt", __WASI_OFLAGS_TRUNC, R(FD_WRITE), 0, 0, &fd));
    TRY("create ../planted.txt", __wasi_path_open(d, 0, "../planted.txt", __WASI_OFLAGS_CREAT, R(FD_WRITE), 0, 0, &fd));
    TRY("mkdir ../planted-dir", __wasi_path_create_directory(d, "../planted-dir"));
    TRY("unlink ../canary.txt", __wasi_path_unlink_file(d, "../canary.txt"));
    TRY("rename inner.txt to ../planted.txt", __wasi_path_rename(d, "inner.txt", d, "../planted.txt"));
    TRY("rename ../secret.txt into the box", __wasi_path_rename(d, "../secret.txt", box, "stolen"));
    TRY("link ../secret.txt into the box", __wasi_path_link(d, 0, "../secret.txt", box, "stolen"));
    TRY("symlink at ../planted-link", __wasi_path_symlink("x", d, "../planted-link"));
    TRY("utimes ../canary.txt", __wasi_path_filestat_set_times(d, 0, "../canary.txt", 1, 1, __WASI_FSTFLAGS_MTIM));
    /* The box itself is unaffected. */
    try_read(box, FOLLOW, "c/x.txt");
    try_read(box, FOLLOW, "d/inner.txt");
    return 0;
}
