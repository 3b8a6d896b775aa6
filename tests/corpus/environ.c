// oracle: native
// env: ALPHA=1 "BETA=two words" EMPTY= UNI=ünïcödé EQ=a=b=c
// env-inherit: INHERITED=from-the-host
/* environ_get / environ_sizes_get: the guest sees exactly the variables given
 * with --env (none of the host's own), in any order. */
#include "common.h"

extern char **environ;

int main(void) {
    int n = 0;
    while (environ[n]) n++;
    printf("count = %d\n", n);
    char **sorted = calloc((size_t)n + 1, sizeof *sorted);
    size_t total = 0;
    for (int i = 0; i < n; i++) { sorted[i] = environ[i]; total += strlen(environ[i]) + 1; }
    qsort(sorted, (size_t)n, sizeof *sorted, cmp_str);
    for (int i = 0; i < n; i++) show("env", sorted[i], (long)strlen(sorted[i]));
    const char *a = getenv("ALPHA");
    show("getenv(ALPHA)", a ? a : "(null)", a ? (long)strlen(a) : 6);
    SAY("getenv(MISSING) is NULL", getenv("MISSING") == NULL);
    SAY("getenv(PATH) is NULL", getenv("PATH") == NULL);
    const char *e = getenv("EMPTY");
    SAY("EMPTY is set and empty", e && *e == 0);
    const char *inh = getenv("INHERITED");
    show("getenv(INHERITED)", inh ? inh : "(null)", inh ? (long)strlen(inh) : 6);
    CHECK(setenv("NEWVAR", "x", 1));
    SAY("setenv visible", getenv("NEWVAR") && strcmp(getenv("NEWVAR"), "x") == 0);
#ifdef __wasi__
    __wasi_size_t cnt = 0, bytes = 0;
    int err = __wasi_environ_sizes_get(&cnt, &bytes);
    SAY("environ_sizes_get matches", err == 0 && cnt == (size_t)n && bytes == total);
    char **v = calloc(cnt + 1, sizeof *v);
    char *buf = malloc(bytes + 1);
    err = __wasi_environ_get((uint8_t **)v, (uint8_t *)buf);
    int same = err == 0;
    for (size_t i = 0; same && i < cnt; i++) {
        int found = 0;
        for (int j = 0; j < n; j++) found |= strcmp(v[i], sorted[j]) == 0;
        same = found;
    }
    SAY("environ_get matches", same);
#else
    SAY("environ_sizes_get matches", total > 0 || n == 0);
    SAY("environ_get matches", 1);
#endif
    return 0;
}
