// oracle: native
// run: one "two words" "" ünïcödé -dash --flag=x
// run:
// run: a b c d e f g h i j k l m n o p q r s t u v w x y z
/* args_get / args_sizes_get: argc and every argument after argv[0] must match
 * Linux byte for byte (argv[0] differs: it is the program path natively). */
#include "common.h"

int main(int argc, char **argv) {
    printf("argc = %d\n", argc);
    for (int i = 1; i < argc; i++) show("arg", argv[i], (long)strlen(argv[i]));
    SAY("argv[argc] is NULL", argv[argc] == NULL);
    size_t total = 0;
    for (int i = 0; i < argc; i++) total += strlen(argv[i]) + 1;
#ifdef __wasi__
    __wasi_size_t n = 0, bytes = 0;
    int e = __wasi_args_sizes_get(&n, &bytes);
    SAY("args_sizes_get matches argv", e == 0 && n == (size_t)argc && bytes == total);
    /* args_get into our own buffers: same strings as argv. */
    char **v = calloc(n + 1, sizeof *v);
    char *buf = malloc(bytes);
    e = __wasi_args_get((uint8_t **)v, (uint8_t *)buf);
    int same = e == 0;
    for (size_t i = 0; same && i < n; i++) same = strcmp(v[i], argv[i]) == 0;
    SAY("args_get matches argv", same);
#else
    SAY("args_sizes_get matches argv", total > 0);
    SAY("args_get matches argv", 1);
#endif
    return 0;
}
