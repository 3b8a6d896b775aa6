// oracle: expected
// file: file.txt = inside\n
// dir: sub
// symlink: abs-passwd -> /etc/passwd
// symlink: abs-canary -> {OUTSIDE}/canary.txt
// symlink: abs-secret -> {OUTSIDE}/secret.txt
// symlink: abs-outside -> {OUTSIDE}
// symlink: abs-root -> /
// symlink: abs-new -> {OUTSIDE}/created-through-link.txt
// symlink: abs-inside -> {ROOT}/box/file.txt
// symlink: rel-up -> ../outside/secret.txt
// symlink: rel-updir -> ..
// symlink: rel-deep -> sub/../../outside/secret.txt
// symlink: rel-new -> ../outside/created-through-rel-link.txt
// symlink: sub/up2 -> ../../outside/secret.txt
// symlink: sub/inside-rel -> ../file.txt
// symlink: chain1 -> chain2
// symlink: chain2 -> chain3
// symlink: chain3 -> rel-up
// symlink: good1 -> good2
// symlink: good2 -> file.txt
// symlink: dir-link -> sub
// symlink: loop-a -> loop-b
// symlink: loop-b -> loop-a
// symlink: self -> self
/* Escapes through symlinks the harness planted in the preopen: absolute
 * targets (even ones pointing back inside), relative targets climbing out,
 * chains, loops (ELOOP), and writes/links/stat/utimes through them. */
#include "escape.h"

int main(void) {
    const int box = 3;
    const char *links[] = {
        "abs-passwd", "abs-canary", "abs-secret", "abs-outside/secret.txt", "abs-root/etc/passwd",
        "abs-inside", "rel-up", "rel-updir/outside/secret.txt", "rel-deep", "sub/up2", "chain1",
        "dir-link/up2", "sub/../rel-up",
    };
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) try_read(box, FOLLOW, links[i]);

    /* Positive controls. */
    try_read(box, FOLLOW, "good1");
    try_read(box, FOLLOW, "sub/inside-rel");
    try_read(box, FOLLOW, "dir-link/inside-rel");

    /* Loops are ELOOP, not a hang. */
    __wasi_fd_t fd = 0;
    W(__wasi_path_open(box, FOLLOW, "loop-a", 0, R(FD_READ), 0, 0, &fd));
    W(__wasi_path_open(box, FOLLOW, "self", 0, R(FD_READ), 0, 0, &fd));
    W(__wasi_path_open(box, FOLLOW, "self/x", 0, R(FD_READ), 0, 0, &fd));
    /* Not following the last component opens nothing (ELOOP) but is no escape. */
    W(__wasi_path_open(box, 0, "abs-passwd", 0, R(FD_READ), 0, 0, &fd));

    /* Directories through symlinks. */
    TRY("open dir rel-updir", __wasi_path_open(box, FOLLOW, "rel-updir", __WASI_OFLAGS_DIRECTORY,
                                              R(PATH_OPEN) | R(FD_READDIR), R(FD_READ), 0, &fd));
    TRY("open dir abs-outside", __wasi_path_open(box, FOLLOW, "abs-outside", __WASI_OFLAGS_DIRECTORY,
                                                R(PATH_OPEN) | R(FD_READDIR), R(FD_READ), 0, &fd));
    TRY("open dir abs-root", __wasi_path_open(box, FOLLOW, "abs-root", __WASI_OFLAGS_DIRECTORY,
                                             R(PATH_OPEN) | R(FD_READDIR), R(FD_READ), 0, &fd));

    /* Writing, creating, linking and stamping through them. */
    TRY("truncate through abs-canary", __wasi_path_open(box, FOLLOW, "abs-canary", __WASI_OFLAGS_TRUNC,
                                                       R(FD_WRITE), 0, 0, &fd));
    TRY("write-open through abs-canary", __wasi_path_open(box, FOLLOW, "abs-canary", 0, R(FD_WRITE), 0,
                                                         __WASI_FDFLAGS_APPEND, &fd));
    TRY("create through abs-new", __wasi_path_open(box, FOLLOW, "abs-new", __WASI_OFLAGS_CREAT, R(FD_WRITE), 0, 0, &fd));
    TRY("create through rel-new", __wasi_path_open(box, FOLLOW, "rel-new", __WASI_OFLAGS_CREAT, R(FD_WRITE), 0, 0, &fd));
    TRY("create in abs-outside/", __wasi_path_open(box, FOLLOW, "abs-outside/planted.txt", __WASI_OFLAGS_CREAT,
                                                  R(FD_WRITE), 0, 0, &fd));
    TRY("mkdir in rel-updir/outside/", __wasi_path_create_directory(box, "rel-updir/outside/planted-dir"));
    TRY("unlink in abs-outside/", __wasi_path_unlink_file(box, "abs-outside/canary.txt"));
    __wasi_filestat_t st;
    TRY("stat abs-secret (follow)", __wasi_path_filestat_get(box, FOLLOW, "abs-secret", &st));
    TRY("stat rel-up (follow)", __wasi_path_filestat_get(box, FOLLOW, "rel-up", &st));
    TRY("utimes abs-canary (follow)", __wasi_path_filestat_set_times(box, FOLLOW, "abs-canary", 1, 1,
                                                                   __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
    TRY("utimes rel-updir/outside/canary.txt", __wasi_path_filestat_set_times(box, FOLLOW, "rel-updir/outside/canary.txt",
                                                                            1, 1, __WASI_FSTFLAGS_MTIM));
    TRY("link abs-secret (follow) to stolen", __wasi_path_link(box, FOLLOW, "abs-secret", box, "stolen"));
    TRY("link rel-up (follow) to stolen2", __wasi_path_link(box, FOLLOW, "rel-up", box, "stolen2"));
    TRY("link file.txt to abs-outside/planted-hard", __wasi_path_link(box, 0, "file.txt", box, "abs-outside/planted-hard"));
    TRY("rename file.txt into rel-updir/outside/", __wasi_path_rename(box, "file.txt", box, "rel-updir/outside/moved.txt"));
    TRY("rename abs-outside/canary.txt here", __wasi_path_rename(box, "abs-outside/canary.txt", box, "grabbed"));
    TRY("symlink inside abs-outside/", __wasi_path_symlink("x", box, "abs-outside/planted-link"));
    TRY("readdir through rel-updir", __wasi_path_open(box, FOLLOW, "rel-updir/outside", __WASI_OFLAGS_DIRECTORY,
                                                     R(FD_READDIR), 0, 0, &fd));

    /* The links themselves are ordinary entries of the box. */
    W(__wasi_path_filestat_get(box, 0, "abs-secret", &st));
    printf("lstat abs-secret: filetype=%d\n", st.filetype);
    char buf[64];
    __wasi_size_t n = 0;
    /* Reading an absolute link's text is harmless; a host may also refuse it. */
    int e = __wasi_path_readlink(box, "abs-passwd", (uint8_t *)buf, sizeof buf, &n);
    SAY("readlink abs-passwd gives /etc/passwd or is refused",
        (e == 0 && n == 11 && memcmp(buf, "/etc/passwd", 11) == 0) || e == __WASI_ERRNO_PERM ||
        e == __WASI_ERRNO_NOTCAPABLE);
    W(__wasi_path_readlink(box, "rel-up", (uint8_t *)buf, sizeof buf, &n));
    show("readlink rel-up", buf, n);
    W(__wasi_path_rename(box, "abs-passwd", box, "renamed-link"));
    W(__wasi_path_unlink_file(box, "abs-canary"));
    W(__wasi_path_unlink_file(box, "rel-updir"));
    W(__wasi_path_unlink_file(box, "abs-outside"));

    /* Through wasi-libc. */
    printf("fopen abs-passwd: %s\n", verdict_libc(fopen("renamed-link", "r") == NULL));
    printf("fopen sub/up2: %s\n", verdict_libc(fopen("sub/up2", "r") == NULL));
    printf("fopen chain1 w: %s\n", verdict_libc(fopen("chain1", "w") == NULL));
    printf("opendir abs-root: %s\n", verdict_libc(opendir("abs-root") == NULL));
    struct stat s;
    printf("stat abs-secret: %s\n", verdict_libc(stat("abs-secret", &s) != 0));
    printf("lstat abs-secret: %s\n", lstat("abs-secret", &s) == 0 && S_ISLNK(s.st_mode) ? "symlink" : "?");
    return 0;
}
