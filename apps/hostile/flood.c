/* Writes 1 MiB blocks to /out/flood.bin until a write fails, then to stdout. */
#include <stdio.h>
#include <string.h>

static char block[1 << 20];

int main(void) {
    memset(block, 'x', sizeof block);
    FILE *file = fopen("/out/flood.bin", "wb");
    if (file == NULL) {
        perror("/out/flood.bin");
        return 1;
    }
    unsigned long long written = 0;
    while (fwrite(block, 1, sizeof block, file) == sizeof block) written += sizeof block;
    fprintf(stderr, "flood: write failed after %llu bytes\n", written);
    for (;;) fwrite(block, 1, sizeof block, stdout);
}
