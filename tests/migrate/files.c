// Open files across pauses: one written with stdio (buffered and flushed),
// one read a line at a time, one rewritten in place with seek. Offsets and
// contents must be exactly as if it had never stopped.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    int lines = argc > 1 ? atoi(argv[1]) : 3000;
    FILE *src = fopen("input.txt", "w");
    if (!src) { perror("input.txt"); return 1; }
    for (int i = 0; i < lines; i++) fprintf(src, "line %d %d\n", i, i * 7919 % 1000);
    fclose(src);

    FILE *in = fopen("input.txt", "r");
    FILE *out = fopen("output.txt", "w");
    FILE *table = fopen("table.bin", "w+");
    if (!in || !out || !table) { perror("open"); return 1; }
    uint32_t zero[256] = {0};
    fwrite(zero, sizeof zero, 1, table);
    char buf[128];
    uint64_t h = 0;
    int n = 0;
    while (fgets(buf, sizeof buf, in)) {
        int a, b;
        if (sscanf(buf, "line %d %d", &a, &b) != 2) return 2;
        for (int k = 0; k < 2000; k++) h = h * 31 + (uint64_t)(a ^ b ^ k);
        fprintf(out, "%d:%d:%016llx\n", a, b, (unsigned long long)h);
        uint32_t slot;
        fseek(table, (long)(b % 256) * 4, SEEK_SET);
        fread(&slot, 4, 1, table);
        slot += (uint32_t)a;
        fseek(table, (long)(b % 256) * 4, SEEK_SET);
        fwrite(&slot, 4, 1, table);
        if (++n % 500 == 0) { fflush(out); printf("processed %d\n", n); fflush(stdout); }
    }
    fclose(in);
    fclose(out);
    fclose(table);
    printf("done %d lines h=%016llx\n", n, (unsigned long long)h);
    return 0;
}
