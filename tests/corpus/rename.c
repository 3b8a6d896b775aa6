// oracle: native
/* path_rename: files, directories, onto existing targets, and its errors. */
#include "common.h"

static void cat(const char *path) {
    char buf[256];
    long n = get_file(path, buf, sizeof buf);
    if (n < 0) printf("cat %s -> %s\n", path, errname(errno));
    else { char l[300]; snprintf(l, sizeof l, "cat %s", path); show(l, buf, n); }
}

int main(void) {
    CHECK(put_file("a.txt", "A\n"));
    CHECK(put_file("b.txt", "B\n"));
    CHECK(mkdir("d1", 0755));
    CHECK(mkdir("d2", 0755));
    CHECK(mkdir("full", 0755));
    CHECK(put_file("full/x", "x\n"));
    CHECK(mkdir("d1/sub", 0755));

    /* files */
    CHECK(rename("a.txt", "a2.txt"));
    cat("a.txt");
    cat("a2.txt");
    CHECK(rename("a2.txt", "b.txt"));
    cat("b.txt");
    cat("a2.txt");
    CHECK(rename("b.txt", "b.txt"));
    cat("b.txt");
    CHECK(rename("b.txt", "d1/moved.txt"));
    cat("d1/moved.txt");
    CHECK(rename("missing", "x"));
    CHECK(rename("d1/moved.txt", "nodir/x"));
    CHECK(rename("d1/moved.txt", "d2"));
    CHECK(rename("d1/moved.txt", "d1/moved.txt/x"));
    CHECK(rename("d1/moved.txt", "d2/"));

    /* An open file keeps working across a rename. */
    int fd;
    CHECK(fd = open("d1/moved.txt", O_RDWR | O_APPEND));
    CHECK(rename("d1/moved.txt", "renamed-open.txt"));
    VAL(write(fd, "appended after rename\n", 22));
    CHECK(close(fd));
    cat("renamed-open.txt");

    /* directories */
    CHECK(rename("d1", "d3"));
    cat("d3/sub/../../renamed-open.txt");
    CHECK(rename("d3", "d2"));
    struct stat st;
    CHECK(stat("d2/sub", &st));
    CHECK(stat("d3", &st));
    CHECK(rename("d2", "full"));
    CHECK(rename("d2", "renamed-open.txt"));
    CHECK(rename("d2", "d2/sub/inside"));
    CHECK(rename("d2", "d2/sub"));
    CHECK(rename("d2/", "d4/"));
    CHECK(rename("d4", "d5/"));
    CHECK(stat("d5/sub", &st));

    /* symlinks are renamed, not followed */
    CHECK(symlink("renamed-open.txt", "link"));
    CHECK(rename("link", "link2"));
    char buf[64];
    long n = readlink("link2", buf, sizeof buf);
    show("readlink(link2)", buf, n < 0 ? 0 : n);
    cat("link2");
    CHECK(symlink("d5", "dlink"));
    CHECK(rename("dlink", "full"));
    CHECK(rename("full", "dlink"));
    CHECK(lstat("dlink", &st));
    SAY("dlink is still a symlink", S_ISLNK(st.st_mode));
    CHECK(stat("dlink/x", &st));

    /* rename within a renamed path, into a deeper directory */
    CHECK(mkdir("d5/sub/deep", 0755));
    CHECK(rename("renamed-open.txt", "d5/sub/deep/final.txt"));
    CHECK(rename("d5/sub", "top"));
    cat("top/deep/final.txt");

    /* Renaming onto a file that is open: the descriptor keeps the old file. */
    CHECK(put_file("old.txt", "old content\n"));
    CHECK(put_file("new.txt", "new content\n"));
    int of;
    CHECK(of = open("old.txt", O_RDONLY));
    CHECK(rename("new.txt", "old.txt"));
    char rb[32];
    long rn = read(of, rb, sizeof rb);
    show("the open fd still reads the replaced file", rb, rn);
    cat("old.txt");
    cat("new.txt");
    CHECK(close(of));
    return 0;
}
