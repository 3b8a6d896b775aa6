// oracle: native
/* fd_readdir: a directory with more entries than fit in one buffer, entry
 * kinds, rewinddir, telldir/seekdir (cookies), empty directories, errors. */
#include "common.h"

struct ent { char name[128]; char kind; };

static int cmp_ent(const void *a, const void *b) {
    return strcmp(((const struct ent *)a)->name, ((const struct ent *)b)->name);
}

static char kind_of(unsigned char t) {
    return t == DT_REG ? 'f' : t == DT_DIR ? 'd' : t == DT_LNK ? 'l' : '?';
}

static int list(DIR *d, struct ent *out, int cap) {
    int n = 0;
    struct dirent *e;
    errno = 0;
    while ((e = readdir(d)) != NULL) {
        if (n < cap) {
            snprintf(out[n].name, sizeof out[n].name, "%s", e->d_name);
            out[n].kind = kind_of(e->d_type);
        }
        n++;
    }
    if (errno) printf("readdir error: %s\n", errname(errno));
    return n;
}

int main(void) {
    static struct ent ents[1000], again[1000];
    char path[256];
    CHECK(mkdir("big", 0755));
    for (int i = 0; i < 300; i++) {
        snprintf(path, sizeof path, "big/file-%03d-with-a-fairly-long-name-to-fill-the-buffer.txt", i);
        if (put_file(path, "x") != 0) printf("create %s failed\n", path);
    }
    for (int i = 0; i < 5; i++) {
        snprintf(path, sizeof path, "big/subdir-%d", i);
        mkdir(path, 0755);
    }
    for (int i = 0; i < 3; i++) {
        char target[64];
        snprintf(target, sizeof target, "file-%03d-with-a-fairly-long-name-to-fill-the-buffer.txt", i);
        snprintf(path, sizeof path, "big/link-%d", i);
        symlink(target, path);
    }
    CHECK(symlink("nowhere", "big/link-dangling"));
    CHECK(put_file("big/ünïcödé-名前.txt", "u"));

    DIR *d = opendir("big");
    if (!d) { printf("opendir: %s\n", errname(errno)); return 1; }
    int n = list(d, ents, 1000);
    printf("entries = %d\n", n);
    qsort(ents, (size_t)n, sizeof ents[0], cmp_ent);
    for (int i = 0; i < n; i++) printf("%c %s\n", ents[i].kind, ents[i].name);

    rewinddir(d);
    int m = list(d, again, 1000);
    qsort(again, (size_t)m, sizeof again[0], cmp_ent);
    SAY("rewinddir lists the same entries", m == n && memcmp(ents, again, sizeof ents[0] * (size_t)n) == 0);

    /* telldir/seekdir: come back to a remembered position. */
    rewinddir(d);
    for (int i = 0; i < 150; i++) readdir(d);
    long pos = telldir(d);
    struct dirent *e = readdir(d);
    char remembered[128];
    snprintf(remembered, sizeof remembered, "%s", e ? e->d_name : "(none)");
    for (int i = 0; i < 40; i++) readdir(d);
    seekdir(d, pos);
    e = readdir(d);
    SAY("seekdir returns to the remembered entry", e && strcmp(e->d_name, remembered) == 0);
    int rest = 1;
    while (readdir(d)) rest++;
    printf("entries from the remembered one to the end = %d\n", rest);
    CHECK(closedir(d));

    /* fdopendir on an fd from open(O_DIRECTORY). */
    int fd;
    CHECK(fd = open("big", O_RDONLY | O_DIRECTORY));
    d = fdopendir(fd);
    SAY("fdopendir works", d != NULL);
    if (d) { printf("fdopendir entries = %d\n", list(d, again, 1000)); closedir(d); }

    /* An empty directory has only . and .. */
    CHECK(mkdir("empty", 0755));
    d = opendir("empty");
    m = list(d, again, 1000);
    qsort(again, (size_t)m, sizeof again[0], cmp_ent);
    printf("empty dir entries = %d:", m);
    for (int i = 0; i < m; i++) printf(" %c:%s", again[i].kind, again[i].name);
    printf("\n");
    closedir(d);

    /* Entries removed before listing are gone. */
    for (int i = 0; i < 300; i += 2) {
        snprintf(path, sizeof path, "big/file-%03d-with-a-fairly-long-name-to-fill-the-buffer.txt", i);
        unlink(path);
    }
    d = opendir("big");
    printf("after removing half the files = %d\n", list(d, again, 1000));
    closedir(d);

    SAY("opendir(missing) fails", opendir("missing") == NULL);
    printf("  errno = %s\n", errname(errno));
    SAY("opendir(file) fails", opendir("big/link-dangling") == NULL);
    printf("  errno = %s\n", errname(errno));
    SAY("opendir(regular file) fails", opendir("big/file-001-with-a-fairly-long-name-to-fill-the-buffer.txt") == NULL);
    printf("  errno = %s\n", errname(errno));
    return 0;
}
