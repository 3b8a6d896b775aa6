// oracle: expected
// preopen: data /data
// preopen: second second/nested
// preopen: ro ro ro
// preopen: plainhost =
/* fd_prestat_get / fd_prestat_dir_name: the preopens come right after stdio,
 * in command-line order, and EBADF ends the list. */
#include "common.h"

int main(void) {
    for (int fd = 0; fd < 12; fd++) {
        __wasi_prestat_t ps;
        int e = __wasi_fd_prestat_get(fd, &ps);
        if (e) {
            printf("fd %d: prestat -> %s\n", fd, wasi_errname(e));
            if (fd >= 3) break;
            continue;
        }
        size_t len = ps.u.dir.pr_name_len;
        char *name = calloc(len + 1, 1);
        e = __wasi_fd_prestat_dir_name(fd, (uint8_t *)name, len);
        if (e) { printf("fd %d: dir_name -> %s\n", fd, wasi_errname(e)); continue; }
        /* A preopen given without ::GUEST is named by its (temporary) host path:
         * print only its last component. */
        const char *shown = name;
        if (name[0] == '/' && strrchr(name, '/') != name && strncmp(name, "/data", 5) != 0) {
            shown = strrchr(name, '/');
            printf("fd %d: tag=%d dir=\"<host path ending in %s>\" len-ok=%s\n", fd, ps.tag, shown,
                   strlen(name) == len ? "yes" : "no");
        } else {
            printf("fd %d: tag=%d dir=\"%s\" len=%zu\n", fd, ps.tag, shown, len);
        }
        __wasi_fdstat_t st;
        if (__wasi_fd_fdstat_get(fd, &st)) st.fs_filetype = 255;
        printf("  filetype=%d\n", st.fs_filetype);
        free(name);
    }

    /* A buffer one byte too short. */
    char small[8];
    W(__wasi_fd_prestat_dir_name(4, (uint8_t *)small, 4));
    /* A name buffer longer than needed is fine (not NUL-terminated by the host). */
    char big[32];
    memset(big, '#', sizeof big);
    W(__wasi_fd_prestat_dir_name(4, (uint8_t *)big, sizeof big));
    show("  name", big, 6);
    /* Directories opened later are not preopens. */
    __wasi_fd_t sub = 0;
    W(__wasi_path_open(4, 0, "sub", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_PATH_OPEN, 0, 0, &sub));
    __wasi_prestat_t ps;
    W(__wasi_fd_prestat_get(sub, &ps));
    W(__wasi_fd_prestat_get(1, &ps));
    W(__wasi_fd_prestat_get(9999, &ps));

    /* wasi-libc resolves paths against the preopens. */
    char buf[128];
    long n = get_file("/data/hello.txt", buf, sizeof buf);
    show("/data/hello.txt", buf, n < 0 ? 0 : n);
    n = get_file("second/nested/sub/inner.txt", buf, sizeof buf);
    show("second/nested/sub/inner.txt", buf, n < 0 ? 0 : n);
    n = get_file("ro/hello.txt", buf, sizeof buf);
    show("ro/hello.txt", buf, n < 0 ? 0 : n);
    CHECK(put_file("in-dot.txt", "written through .\n"));
    CHECK(put_file("/data/new.txt", "written through /data\n"));

    /* Preopens can be closed like any descriptor. */
    W(__wasi_fd_close(5));
    W(__wasi_fd_prestat_get(5, &ps));
    W(__wasi_fd_fdstat_get(5, &(__wasi_fdstat_t){0}));
    return 0;
}
