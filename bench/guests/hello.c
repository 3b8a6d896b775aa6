/* Hello world: the peak memory (max RSS) of its process is the runtime's
 * floor for a program that does I/O. */
#include <stdio.h>

int main(void) {
    puts("Hello, world!");
    return 0;
}
