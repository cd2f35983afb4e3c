/* Sleeps for the seconds given (default 5) in one host call, then says so on stdout. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
    unsigned seconds = argc > 1 ? (unsigned)atoi(argv[1]) : 5;
    printf("sleeping %u s\n", seconds);
    fflush(stdout);
    sleep(seconds);
    printf("woke up\n");
    return 0;
}
