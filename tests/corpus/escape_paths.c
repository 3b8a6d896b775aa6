// oracle: expected
// file: file.txt = inside\n
// dir: sub
/* Escapes by path: "..", absolute paths, mixed "." and ".." components, and
 * every path-taking call pointed outside the preopen. */
#include "escape.h"

int main(void) {
    const int box = 3;
    const char *reads[] = {
        "../outside/secret.txt", "../../../../../../../../etc/passwd", "/etc/passwd",
        "//etc/passwd", "sub/../../outside/secret.txt", "sub/../sub/../../outside/secret.txt",
        "./../outside/secret.txt", "sub//..//..//outside//secret.txt", "..", "sub/../..",
        "../box/file.txt", "/", "../outside/canary.txt",
    };
    for (size_t i = 0; i < sizeof reads / sizeof reads[0]; i++) try_read(box, FOLLOW, reads[i]);
    for (size_t i = 0; i < sizeof reads / sizeof reads[0]; i++) try_read(box, 0, reads[i]);

    /* Positive controls: "." and ".." that stay inside work. */
    try_read(box, FOLLOW, "sub/../file.txt");
    try_read(box, FOLLOW, "./sub/./../file.txt");
    try_read(box, FOLLOW, ".");

    /* Every other path-taking call. */
    __wasi_fd_t fd = 0;
    __wasi_filestat_t st;
    char buf[64];
    __wasi_size_t n = 0;
    TRY("create ../outside/planted.txt",
        __wasi_path_open(box, 0, "../outside/planted.txt", __WASI_OFLAGS_CREAT, R(FD_WRITE), 0, 0, &fd));
    TRY("truncate ../outside/canary.txt",
        __wasi_path_open(box, 0, "../outside/canary.txt", __WASI_OFLAGS_TRUNC, R(FD_WRITE), 0, 0, &fd));
    TRY("mkdir ../outside/planted-dir", __wasi_path_create_directory(box, "../outside/planted-dir"));
    TRY("mkdir /tmp-planted", __wasi_path_create_directory(box, "/tmp-planted"));
    TRY("unlink ../outside/canary.txt", __wasi_path_unlink_file(box, "../outside/canary.txt"));
    TRY("rmdir ../outside", __wasi_path_remove_directory(box, "../outside"));
    TRY("stat ../outside/secret.txt", __wasi_path_filestat_get(box, FOLLOW, "../outside/secret.txt", &st));
    TRY("lstat ../outside/secret.txt", __wasi_path_filestat_get(box, 0, "../outside/secret.txt", &st));
    TRY("stat /etc/passwd", __wasi_path_filestat_get(box, FOLLOW, "/etc/passwd", &st));
    TRY("stat ..", __wasi_path_filestat_get(box, FOLLOW, "..", &st));
    TRY("utimes ../outside/canary.txt",
        __wasi_path_filestat_set_times(box, FOLLOW, "../outside/canary.txt", 1, 1,
                                       __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
    TRY("readlink ../outside/secret.txt",
        __wasi_path_readlink(box, "../outside/secret.txt", (uint8_t *)buf, sizeof buf, &n));
    TRY("symlink at ../outside/planted-link", __wasi_path_symlink("x", box, "../outside/planted-link"));
    TRY("link ../outside/secret.txt to stolen", __wasi_path_link(box, 0, "../outside/secret.txt", box, "stolen"));
    TRY("link ../outside/secret.txt (follow) to stolen2",
        __wasi_path_link(box, FOLLOW, "../outside/secret.txt", box, "stolen2"));
    TRY("link file.txt to ../outside/planted-hard", __wasi_path_link(box, 0, "file.txt", box, "../outside/planted-hard"));
    TRY("rename file.txt to ../outside/moved", __wasi_path_rename(box, "file.txt", box, "../outside/moved"));
    TRY("rename ../outside/canary.txt to grabbed", __wasi_path_rename(box, "../outside/canary.txt", box, "grabbed"));
    TRY("rename sub to ../outside/sub", __wasi_path_rename(box, "sub", box, "../outside/sub"));
    TRY("rename /etc/passwd to p", __wasi_path_rename(box, "/etc/passwd", box, "p"));

    /* A symlink the guest creates itself cannot be followed out either. */
    int e = __wasi_path_symlink("../outside/secret.txt", box, "made-up");
    printf("symlink made-up -> ../outside/secret.txt created or refused: %s\n",
           e == 0 || e == __WASI_ERRNO_NOTCAPABLE || e == __WASI_ERRNO_PERM ? "yes" : wasi_errname(e));
    try_read(box, FOLLOW, "made-up");
    e = __wasi_path_symlink("/etc/passwd", box, "made-abs");
    printf("symlink made-abs -> /etc/passwd created or refused: %s\n",
           e == 0 || e == __WASI_ERRNO_NOTCAPABLE || e == __WASI_ERRNO_PERM ? "yes" : wasi_errname(e));
    try_read(box, FOLLOW, "made-abs");
    try_read(box, FOLLOW, "made-abs/../outside/secret.txt");

    /* Through wasi-libc: absolute paths map onto the preopens ("/" is "." here),
     * ".." is passed through to the host and refused. */
    FILE *f = fopen("/etc/passwd", "r");
    printf("fopen /etc/passwd: %s\n", verdict_libc(f == NULL));
    f = fopen("../outside/secret.txt", "r");
    printf("fopen ../outside/secret.txt: %s\n", verdict_libc(f == NULL));
    f = fopen("../outside/new.txt", "w");
    printf("fopen ../outside/new.txt w: %s\n", verdict_libc(f == NULL));
    printf("opendir ..: %s\n", verdict_libc(opendir("..") == NULL));
    printf("chdir-free mkdir ../x: %s\n", verdict_libc(mkdir("../x", 0755) != 0));
    printf("rename to ../x: %s\n", verdict_libc(rename("file.txt", "../x") != 0));
    printf("unlink ../outside/canary.txt: %s\n", verdict_libc(unlink("../outside/canary.txt") != 0));
    /* Still usable afterwards. */
    try_read(box, FOLLOW, "file.txt");
    return 0;
}
