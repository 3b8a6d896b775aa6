// oracle: expected
/* proc_raise is not supported (ENOSYS) and must not stop the program;
 * sched_yield succeeds. The 2022 wasi-libc headers no longer declare
 * proc_raise, so it is imported here by hand. */
#include "common.h"

__attribute__((import_module("wasi_snapshot_preview1"), import_name("proc_raise")))
int32_t corpus_proc_raise(int32_t sig);

#define SIG_NONE 0
#define SIG_INT 2
#define SIG_ABRT 6
#define SIG_KILL 9
#define SIG_TERM 15

int main(void) {
    W(corpus_proc_raise(SIG_INT));
    W(corpus_proc_raise(SIG_TERM));
    W(corpus_proc_raise(SIG_KILL));
    W(corpus_proc_raise(SIG_ABRT));
    W(corpus_proc_raise(SIG_NONE));
    W(__wasi_sched_yield());
    printf("still running\n");
    return 0;
}
