// oracle: expected
// file: f.txt = file content\n
// dir: d
/* fd_seek and fd_tell by kind of fd. Only regular files have an offset:
 * - a directory (the preopen or one opened below it) is EBADF, whatever the
 *   whence and whatever rights were asked for: wasi-testsuite's
 *   directory_seek requires exactly EBADF (and that a directory opened asking
 *   for FD_SEEK does not get it), dir_fd_op_failures EBADF, EISDIR or
 *   ENOTCAPABLE. Linux would seek the directory stream; WASI has
 *   fd_readdir cookies for that;
 * - a stream (stdio) is ESPIPE, as lseek on a pipe;
 * - a file without FD_SEEK (or FD_TELL, for fd_tell) is ENOTCAPABLE. */
#include "escape.h"

#define ALL_RIGHTS ((__wasi_rights_t)0x1fffffff)

static void seeks(const char *what, __wasi_fd_t fd) {
    __wasi_filesize_t pos = 0;
    printf("-- %s\n", what);
    W(__wasi_fd_seek(fd, 0, __WASI_WHENCE_CUR, &pos));
    W(__wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos));
    W(__wasi_fd_seek(fd, 0, __WASI_WHENCE_END, &pos));
    W(__wasi_fd_seek(fd, 7, __WASI_WHENCE_SET, &pos));
    W(__wasi_fd_seek(fd, 1, 99, &pos));
    W(__wasi_fd_tell(fd, &pos));
}

int main(void) {
    const __wasi_fd_t box = 3;
    seeks("the preopen", box);

    /* directory_seek. */
    __wasi_fd_t d = 0;
    W(__wasi_path_open(box, 0, "d", __WASI_OFLAGS_DIRECTORY, R(FD_SEEK), 0, 0, &d));
    seeks("a directory opened asking for FD_SEEK", d);
    __wasi_fdstat_t fst;
    W(__wasi_fd_fdstat_get(d, &fst));
    printf("filetype %d, FD_SEEK right: %s, FD_TELL right: %s\n", fst.fs_filetype,
           fst.fs_rights_base & R(FD_SEEK) ? "yes" : "no", fst.fs_rights_base & R(FD_TELL) ? "yes" : "no");
    W(__wasi_fd_close(d));
    W(__wasi_path_remove_directory(box, "d"));

    for (__wasi_fd_t s = 0; s < 3; s++) {
        const char *names[] = {"stdin", "stdout", "stderr"};
        seeks(names[s], s);
    }

    /* Files: seeking works with the rights, and is ENOTCAPABLE without. */
    __wasi_fd_t f = 0;
    __wasi_filesize_t pos = 0;
    W(__wasi_path_open(box, 0, "f.txt", 0, ALL_RIGHTS, 0, 0, &f));
    seeks("a file", f);
    W(__wasi_fd_seek(f, -2, __WASI_WHENCE_END, &pos));
    printf("end - 2 = %llu\n", (unsigned long long)pos);
    W(__wasi_fd_close(f));
    W(__wasi_path_open(box, 0, "f.txt", 0, R(FD_READ), 0, 0, &f));
    seeks("a file without FD_SEEK and FD_TELL", f);
    W(__wasi_fd_close(f));
    W(__wasi_path_open(box, 0, "f.txt", 0, R(FD_READ) | R(FD_TELL), 0, 0, &f));
    seeks("a file with FD_TELL only", f);
    W(__wasi_fd_close(f));
    seeks("a closed fd", f);
    return 0;
}
