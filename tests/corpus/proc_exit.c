// oracle: native
// run: exit 0
// run: exit 1
// run: exit 42
// run: exit 125
// run: return 7
// run: flush 3
// run: atexit 5
// run: _exit 9
// run: abort-free 0
/* proc_exit with various codes; exit() flushes stdio and runs atexit
 * handlers, _exit() does neither. */
#include "common.h"

static void handler(void) { printf("atexit handler ran\n"); }

int main(int argc, char **argv) {
    if (argc < 3) return 99;
    int code = atoi(argv[2]);
    const char *how = argv[1];
    if (!strcmp(how, "exit")) { printf("exiting with %d\n", code); exit(code); }
    if (!strcmp(how, "return")) { printf("returning %d\n", code); return code; }
    if (!strcmp(how, "flush")) { printf("no newline before exit"); exit(code); }
    if (!strcmp(how, "atexit")) { atexit(handler); printf("registered\n"); exit(code); }
    if (!strcmp(how, "_exit")) { write(1, "written directly\n", 17); _exit(code); }
    /* Falling off main after output. */
    printf("falling off the end\n");
    return code;
}
