// oracle: expected
/* fd_renumber: the target number takes over the source's open file
 * description (offset, flags), the source number is closed. */
#include "common.h"

static void cat(const char *path) {
    char buf[256];
    long n = get_file(path, buf, sizeof buf);
    if (n < 0) printf("cat %s -> %s\n", path, errname(errno));
    else { char l[300]; snprintf(l, sizeof l, "cat %s", path); show(l, buf, n); }
}

int main(void) {
    int a, b, c;
    CHECK(a = open("a.txt", O_RDWR | O_CREAT | O_TRUNC, 0644));
    CHECK(b = open("b.txt", O_RDWR | O_CREAT | O_TRUNC, 0644));
    VAL(write(a, "A1 ", 3));
    VAL(write(b, "B1 ", 3));
    W(__wasi_fd_renumber(a, b));
    VAL(write(b, "A2 ", 3));
    CHECK(write(a, "lost", 4));
    VAL(lseek(b, 0, SEEK_CUR));
    cat("a.txt");
    cat("b.txt");

    /* Onto itself: nothing changes. */
    W(__wasi_fd_renumber(b, b));
    VAL(write(b, "A3\n", 3));
    cat("a.txt");

    /* Flags and offset travel with the description. */
    CHECK(c = open("c.txt", O_WRONLY | O_CREAT | O_APPEND, 0644));
    VAL(write(c, "c1 ", 3));
    int d;
    CHECK(d = open("d.txt", O_RDONLY | O_CREAT, 0644));
    W(__wasi_fd_renumber(c, d));
    __wasi_fdstat_t st;
    W(__wasi_fd_fdstat_get(d, &st));
    printf("flags after renumber: append=%s filetype=%d\n", (st.fs_flags & __WASI_FDFLAGS_APPEND) ? "yes" : "no",
           st.fs_filetype);
    VAL(lseek(d, 0, SEEK_SET));
    VAL(write(d, "c2\n", 3));
    cat("c.txt");

    /* Errors: closed or never-opened descriptors on either side. */
    W(__wasi_fd_renumber(a, d));
    W(__wasi_fd_renumber(9999, d));
    W(__wasi_fd_renumber(d, 9999));
    W(__wasi_fd_renumber(d, a));
    W(__wasi_fd_fdstat_get(d, &st));

    /* Renumbering onto stderr redirects it into a file. */
    int e;
    CHECK(e = open("err.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644));
    W(__wasi_fd_renumber(e, 2));
    fprintf(stderr, "this went to err.txt\n");
    fflush(stderr);
    cat("err.txt");

    /* A directory fd can be renumbered and still resolves paths. */
    int dir;
    CHECK(mkdir("dir", 0755));
    CHECK(put_file("dir/inside.txt", "inside\n"));
    CHECK(dir = open("dir", O_RDONLY | O_DIRECTORY));
    int f;
    CHECK(f = open("a.txt", O_RDONLY));
    W(__wasi_fd_renumber(dir, f));
    __wasi_fd_t g = 0;
    W(__wasi_path_open(f, 0, "inside.txt", 0, __WASI_RIGHTS_FD_READ, 0, 0, &g));
    char buf[32];
    __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf};
    __wasi_size_t n = 0;
    W(__wasi_fd_read(g, &iov, 1, &n));
    show("read via renumbered dir", buf, n);
    W(__wasi_fd_close(g));
    W(__wasi_fd_close(f));
    W(__wasi_fd_close(b));
    W(__wasi_fd_close(d));
    return 0;
}
