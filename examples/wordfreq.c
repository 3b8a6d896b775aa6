/* The demo guest: counts word frequencies in the files of a directory,
 * writes a report file next to them and prints the top words. It uses
 * arguments, the environment, directory listing, file reads and writes, and
 * clocks: the ordinary POSIX a C program expects, through WASI. */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_WORDS 65536

struct word { char *text; long count; };
static struct word words[MAX_WORDS];
static int nwords;

static unsigned hash(const char *s) {
    unsigned h = 2166136261u;
    while (*s) h = (h ^ (unsigned char)*s++) * 16777619u;
    return h;
}

static int slot_of(const char *w) {
    unsigned i = hash(w) % MAX_WORDS;
    while (words[i].text && strcmp(words[i].text, w) != 0) i = (i + 1) % MAX_WORDS;
    return (int)i;
}

static void count_file(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) { perror(path); exit(2); }
    char buf[128]; int len = 0; int c;
    while ((c = fgetc(f)) != EOF) {
        if (isalpha(c) && len < 127) { buf[len++] = (char)tolower(c); continue; }
        if (len) {
            buf[len] = 0; len = 0;
            int s = slot_of(buf);
            if (!words[s].text) {
                if (nwords + 1 >= MAX_WORDS) continue;
                words[s].text = strdup(buf); nwords++;
            }
            words[s].count++;
        }
    }
    fclose(f);
}

static int by_count(const void *a, const void *b) {
    const struct word *x = a, *y = b;
    if (x->count != y->count) return y->count > x->count ? 1 : -1;
    if (!x->text || !y->text) return x->text ? -1 : (y->text ? 1 : 0);
    return strcmp(x->text, y->text);
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : ".";
    const char *top_env = getenv("TOP");
    int top = top_env ? atoi(top_env) : 10;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);

    DIR *d = opendir(dir);
    if (!d) { perror(dir); return 2; }
    struct dirent *e; int files = 0;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 4 || strcmp(e->d_name + n - 4, ".txt") != 0) continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        count_file(path); files++;
    }
    closedir(d);
    qsort(words, MAX_WORDS, sizeof words[0], by_count);

    char out[1024];
    snprintf(out, sizeof out, "%s/report.out", dir);
    FILE *r = fopen(out, "w");
    if (!r) { perror(out); return 2; }
    for (int i = 0; i < nwords; i++) fprintf(r, "%ld %s\n", words[i].count, words[i].text);
    fclose(r);

    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("%d files, %d distinct words; top %d:\n", files, nwords, top);
    for (int i = 0; i < top && i < nwords; i++) printf("%8ld  %s\n", words[i].count, words[i].text);
    fprintf(stderr, "(counted in %.1f ms; full list in %s)\n",
            (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6, out);
    return 0;
}
