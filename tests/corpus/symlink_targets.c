// oracle: expected
// file: f.txt = content\n
// dir: d
/* path_symlink's targets, as wasi-testsuite's symlink_create and
 * dangling_symlink check them: relative targets (to a file, a directory, or
 * nothing yet) are created and followed inside the sandbox; an absolute
 * target is refused (the test expects an error for "/"; wasmtime answers
 * ENOTCAPABLE too), so nothing a guest leaves behind points out of it. */
#include "escape.h"

static void follow(__wasi_fd_t dir, const char *name, __wasi_oflags_t oflags) {
    __wasi_fd_t fd;
    __wasi_errno_t e = __wasi_path_open(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, name, oflags,
                                        R(FD_READ) | R(FD_READDIR), 0, 0, &fd);
    printf("follow %s: %s\n", name, e == 0 ? "opened" : wasi_errname(e));
    if (e == 0) __wasi_fd_close(fd);
}

int main(void) {
    __wasi_fd_t box = 3;
    W(__wasi_path_symlink("f.txt", box, "to-file"));
    follow(box, "to-file", 0);
    W(__wasi_path_symlink("d", box, "to-dir"));
    follow(box, "to-dir", __WASI_OFLAGS_DIRECTORY);
    W(__wasi_path_symlink("not-yet", box, "dangling"));
    follow(box, "dangling", 0);
    W(__wasi_path_symlink("../f.txt", box, "d/up"));
    follow(box, "d/up", 0);

    W(__wasi_path_symlink("/", box, "to-root"));
    W(__wasi_path_symlink("/etc/passwd", box, "to-passwd"));
    W(__wasi_path_symlink("/f.txt", box, "abs-inside"));
    follow(box, "to-root", __WASI_OFLAGS_DIRECTORY);
    W(__wasi_path_symlink("..", box, "to-parent"));
    follow(box, "to-parent", __WASI_OFLAGS_DIRECTORY);

    /* Only the links that were made exist. */
    __wasi_filestat_t st;
    W(__wasi_path_filestat_get(box, 0, "to-root", &st));
    W(__wasi_path_filestat_get(box, 0, "to-passwd", &st));
    W(__wasi_path_unlink_file(box, "to-file"));
    W(__wasi_path_unlink_file(box, "to-dir"));
    W(__wasi_path_unlink_file(box, "dangling"));
    W(__wasi_path_unlink_file(box, "d/up"));
    W(__wasi_path_unlink_file(box, "to-parent"));
    return 0;
}
