// oracle: expected
/* fd_fdstat_get / fd_fdstat_set_rights: rights are reported, can only be
 * dropped, are enforced (ENOTCAPABLE), and bound what a directory fd can hand
 * out through its inheriting rights. */
#include "common.h"

#define R(x) __WASI_RIGHTS_##x

#define YN(x) ((x) ? "yes" : "no")

/* Prints the file-related rights of a file descriptor. */
static void file_stat(const char *label, int fd) {
    __wasi_fdstat_t st;
    int e = __wasi_fd_fdstat_get(fd, &st);
    if (e) { printf("%s: fdstat -> %s\n", label, wasi_errname(e)); return; }
    __wasi_rights_t b = st.fs_rights_base;
    printf("%s: type=%d flags=%d read=%s write=%s seek=%s tell=%s set_size=%s\n", label,
           st.fs_filetype, st.fs_flags, YN(b & R(FD_READ)), YN(b & R(FD_WRITE)), YN(b & R(FD_SEEK)),
           YN(b & R(FD_TELL)), YN(b & R(FD_FILESTAT_SET_SIZE)));
}

/* Prints the directory-related rights of a directory descriptor. */
static void dir_stat(const char *label, int fd) {
    __wasi_fdstat_t st;
    int e = __wasi_fd_fdstat_get(fd, &st);
    if (e) { printf("%s: fdstat -> %s\n", label, wasi_errname(e)); return; }
    __wasi_rights_t b = st.fs_rights_base;
    printf("%s: type=%d flags=%d open=%s create_file=%s create_dir=%s readdir=%s\n", label,
           st.fs_filetype, st.fs_flags, YN(b & R(PATH_OPEN)), YN(b & R(PATH_CREATE_FILE)),
           YN(b & R(PATH_CREATE_DIRECTORY)), YN(b & R(FD_READDIR)));
}

static __wasi_rights_t base_of(int fd) {
    __wasi_fdstat_t st;
    if (__wasi_fd_fdstat_get(fd, &st)) return 0;
    return st.fs_rights_base;
}

int main(void) {
    const int pre = 3;
    dir_stat("preopen", pre);
    __wasi_fdstat_t pst;
    W(__wasi_fd_fdstat_get(pre, &pst));
    SAY("preopen can hand out read and write", (pst.fs_rights_inheriting & (R(FD_READ) | R(FD_WRITE))) == (R(FD_READ) | R(FD_WRITE)));

    /* A file opened with exactly the rights it asks for. */
    __wasi_fd_t fd = 0;
    __wasi_rights_t rw = R(FD_READ) | R(FD_WRITE) | R(FD_SEEK) | R(FD_TELL) | R(FD_FILESTAT_GET)
                       | R(FD_FILESTAT_SET_SIZE) | R(FD_FDSTAT_SET_FLAGS);
    W(__wasi_path_open(pre, 0, "f.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, rw, 0, 0, &fd));
    file_stat("file rw", fd);
    SAY("file has no directory rights", (base_of(fd) & (R(PATH_OPEN) | R(FD_READDIR))) == 0);
    __wasi_ciovec_t out = {(const uint8_t *)"hello rights\n", 13};
    __wasi_size_t n = 0;
    W(__wasi_fd_write(fd, &out, 1, &n));
    printf("written = %u\n", (unsigned)n);

    /* Rights can be dropped... */
    W(__wasi_fd_fdstat_set_rights(fd, rw & ~R(FD_SEEK), 0));
    file_stat("after dropping seek", fd);
    __wasi_filesize_t pos = 0;
    W(__wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos));
    W(__wasi_fd_tell(fd, &pos));
    printf("tell = %llu\n", (unsigned long long)pos);
    /* ...but never regained. */
    W(__wasi_fd_fdstat_set_rights(fd, rw, 0));
    W(__wasi_fd_fdstat_set_rights(fd, rw & ~R(FD_SEEK), R(FD_READ)));
    file_stat("after trying to regain seek", fd);

    /* Dropping write makes writes, truncation and flag changes fail. */
    W(__wasi_fd_fdstat_set_rights(fd, R(FD_READ) | R(FD_TELL) | R(FD_FILESTAT_GET), 0));
    file_stat("read-only now", fd);
    W(__wasi_fd_write(fd, &out, 1, &n));
    W(__wasi_fd_pwrite(fd, &out, 1, 0, &n));
    W(__wasi_fd_filestat_set_size(fd, 0));
    W(__wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_APPEND));
    W(__wasi_fd_allocate(fd, 0, 100));
    W(__wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    __wasi_filestat_t fst;
    W(__wasi_fd_filestat_get(fd, &fst));
    printf("size = %llu\n", (unsigned long long)fst.size);
    /* Reading is still allowed. */
    char buf[32];
    __wasi_iovec_t in = {(uint8_t *)buf, sizeof buf};
    W(__wasi_fd_read(fd, &in, 1, &n));
    W(__wasi_fd_fdstat_set_rights(fd, 0, 0));
    file_stat("no rights", fd);
    W(__wasi_fd_read(fd, &in, 1, &n));
    W(__wasi_fd_filestat_get(fd, &fst));
    W(__wasi_fd_close(fd));

    /* Asking path_open for more than the directory may hand out. */
    __wasi_fd_t dfd = 0;
    W(__wasi_path_create_directory(pre, "sub"));
    __wasi_rights_t dir_base = R(PATH_OPEN) | R(FD_READDIR) | R(PATH_FILESTAT_GET) | R(FD_FILESTAT_GET);
    W(__wasi_path_open(pre, 0, "sub", __WASI_OFLAGS_DIRECTORY, dir_base, R(FD_READ) | R(FD_SEEK), 0, &dfd));
    dir_stat("sub (read-only inheriting)", dfd);
    __wasi_fd_t g = 0;
    W(__wasi_path_open(dfd, 0, "new.txt", __WASI_OFLAGS_CREAT, R(FD_READ), 0, 0, &g));
    W(__wasi_path_create_directory(dfd, "nested"));
    W(__wasi_path_open(pre, 0, "sub/existing.txt", __WASI_OFLAGS_CREAT, R(FD_WRITE), 0, 0, &g));
    W(__wasi_fd_close(g));
    W(__wasi_path_open(dfd, 0, "existing.txt", 0, R(FD_WRITE), 0, 0, &g));
    W(__wasi_path_open(dfd, 0, "existing.txt", 0, R(FD_READ), 0, 0, &g));
    file_stat("file from sub", g);
    W(__wasi_fd_close(g));
    W(__wasi_fd_fdstat_set_rights(dfd, R(FD_READDIR), 0));
    W(__wasi_path_open(dfd, 0, "existing.txt", 0, 0, 0, 0, &g));
    W(__wasi_fd_close(dfd));

    /* Bad descriptors. */
    W(__wasi_fd_fdstat_set_rights(9999, 0, 0));
    W(__wasi_fd_fdstat_get(9999, &pst));
    W(__wasi_fd_fdstat_set_rights(fd, 0, 0));

    /* stdio */
    SAY("stdout has write", (base_of(1) & R(FD_WRITE)) != 0);
    SAY("stdin has read", (base_of(0) & R(FD_READ)) != 0);
    return 0;
}
