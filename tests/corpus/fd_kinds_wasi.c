// oracle: expected
// file: f.txt = file content\n
// dir: d
/* Raw preview1 calls on fds of the wrong kind: the preopen, a directory
 * opened below it, stdio and a regular file (sockets: not_sockets.c). What the kind decides comes
 * before what the fd's rights say, and the answer is Linux's (fd_kinds.c
 * compares the same calls with Linux through wasi-libc) within what
 * wasi-testsuite's dir_fd_op_failures accepts; seeking is in dir_seek.c. */
#include "escape.h"

#define ALL_RIGHTS ((__wasi_rights_t)0x1fffffff)
/* Every right but the ones that open for writing (EISDIR on a directory). */
#define DIR_RIGHTS (ALL_RIGHTS & ~(R(FD_WRITE) | R(FD_DATASYNC) | R(FD_ALLOCATE) | R(FD_FILESTAT_SET_SIZE)))

static uint8_t buf[16];
static __wasi_iovec_t iov = {buf, sizeof buf};
static __wasi_ciovec_t ciov = {(const uint8_t *)"x", 1};

/* The other calls that only streams refuse (stdio). */
static void stream(const char *what, __wasi_fd_t fd) {
    __wasi_size_t n = 0;
    __wasi_size_t used = 0;
    printf("-- stream %s\n", what);
    W(__wasi_fd_pread(fd, &iov, 1, 0, &n));
    W(__wasi_fd_pwrite(fd, &ciov, 1, 0, &n));
    W(__wasi_fd_advise(fd, 0, 0, __WASI_ADVICE_NORMAL));
    W(__wasi_fd_allocate(fd, 0, 1));
    W(__wasi_fd_allocate(fd, 0, 0));
    W(__wasi_fd_filestat_set_size(fd, 0));
    W(__wasi_fd_datasync(fd));
    W(__wasi_fd_sync(fd));
    W(__wasi_fd_readdir(fd, buf, sizeof buf, 0, &used));
}

/* dir_fd_op_failures, with the exact answers. */
static void directory(const char *what, __wasi_fd_t fd) {
    __wasi_size_t n = 0;
    __wasi_filestat_t st;
    printf("-- directory %s\n", what);
    W(__wasi_fd_filestat_get(fd, &st));
    printf("filetype = %d\n", st.filetype);
    W(__wasi_fd_read(fd, &iov, 1, &n));
    W(__wasi_fd_pread(fd, &iov, 1, 0, &n));
    W(__wasi_fd_write(fd, &ciov, 1, &n));
    W(__wasi_fd_pwrite(fd, &ciov, 1, 0, &n));
    W(__wasi_fd_allocate(fd, 0, 0));
    W(__wasi_fd_allocate(fd, 0, 1));
    W(__wasi_fd_filestat_set_size(fd, 0));
    W(__wasi_fd_advise(fd, 0, 0, __WASI_ADVICE_NORMAL));
}

int main(void) {
    const __wasi_fd_t box = 3;

    /* The preopen: a name buffer too short is ENAMETOOLONG, a longer one is
     * fine (dir_fd_op_failures). */
    __wasi_prestat_t ps;
    W(__wasi_fd_prestat_get(box, &ps));
    char name[8] = {0};
    W(__wasi_fd_prestat_dir_name(box, (uint8_t *)name, 0));
    W(__wasi_fd_prestat_dir_name(box, (uint8_t *)name, ps.u.dir.pr_name_len + 1));
    directory("preopen", box);

    __wasi_fd_t d = 0;
    W(__wasi_path_open(box, 0, "d", __WASI_OFLAGS_DIRECTORY, ALL_RIGHTS, ALL_RIGHTS, 0, &d));
    W(__wasi_path_open(box, 0, "d", __WASI_OFLAGS_DIRECTORY, DIR_RIGHTS, ALL_RIGHTS, 0, &d));
    directory("opened below the preopen", d);

    /* A regular file is no directory. */
    __wasi_fd_t f = 0;
    __wasi_size_t used = 0;
    W(__wasi_path_open(box, 0, "f.txt", 0, ALL_RIGHTS, 0, 0, &f));
    W(__wasi_fd_readdir(f, buf, sizeof buf, 0, &used));
    W(__wasi_fd_close(f));
    /* Also without the rights a file lacks anyway. */
    W(__wasi_path_open(box, 0, "f.txt", 0, R(FD_READ), 0, 0, &f));
    W(__wasi_fd_readdir(f, buf, sizeof buf, 0, &used));
    W(__wasi_fd_close(f));

    /* stdio: streams (stdin is /dev/null here, stdout and stderr pipes). */
    for (__wasi_fd_t s = 0; s < 3; s++) {
        const char *names[] = {"stdin", "stdout", "stderr"};
        stream(names[s], s);
    }

    /* A closed fd is EBADF for all of them. */
    W(__wasi_fd_allocate(f, 0, 1));
    W(__wasi_fd_readdir(f, buf, sizeof buf, 0, &used));
    return 0;
}
