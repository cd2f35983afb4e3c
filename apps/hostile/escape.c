/*
 * Tries to reach files outside /in, /out and /tmp (the run's own scratch space) and to modify /in. Prints one line per
 * attempt ("denied" or "ALLOWED") and exits 0 only when every attempt was denied.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int allowed = 0;

static void report(const char *what, int ok) {
    printf("%s: %s\n", what, ok ? "ALLOWED" : "denied");
    if (ok) allowed++;
}

static void try_open(const char *path, int flags) {
    char what[512];
    snprintf(what, sizeof what, "open %s flags %d", path, flags);
    int fd = open(path, flags, 0644);
    report(what, fd >= 0);
    if (fd >= 0) close(fd);
}

int main(void) {
    try_open("/etc/passwd", O_RDONLY);
    try_open("/in/../etc/passwd", O_RDONLY);
    try_open("/out/../../etc/passwd", O_RDONLY);
    try_open("/out/../../../../tmp/hearth-escape", O_WRONLY | O_CREAT);
    /* /tmp is the run's own scratch folder: its parent is not. */
    try_open("/tmp/../hearth-escape", O_WRONLY | O_CREAT);
    try_open("/tmp/../../tmp/hearth-escape", O_WRONLY | O_CREAT);
    try_open("/tmp/../out/from-tmp", O_WRONLY | O_CREAT);
    try_open("/in/new-file", O_WRONLY | O_CREAT);
    try_open("/in/data.txt", O_WRONLY);
    try_open("/in/data.txt", O_RDWR | O_TRUNC);
    report("mkdir /in/new-dir", mkdir("/in/new-dir", 0755) == 0);
    report("unlink /in/data.txt", unlink("/in/data.txt") == 0);
    report("rename /in/data.txt", rename("/in/data.txt", "/out/stolen.txt") == 0);
    report("link /in/data.txt", link("/in/data.txt", "/out/linked.txt") == 0);
    report("symlink to /etc/passwd", symlink("/etc/passwd", "/out/passwd") == 0 && open("/out/passwd", O_RDONLY) >= 0);
    report("symlink to ../../etc/passwd", symlink("../../etc/passwd", "/out/up") == 0 && open("/out/up", O_RDONLY) >= 0);
    report("symlink /tmp/up to ../out", symlink("../out", "/tmp/up") == 0 && open("/tmp/up/from-tmp", O_WRONLY | O_CREAT, 0644) >= 0);
    report("link /in/data.txt into /tmp", link("/in/data.txt", "/tmp/linked.txt") == 0);
    report("opendir /", opendir("/") != NULL && opendir("/etc") != NULL);
    report("opendir /in/..", opendir("/in/..") != NULL && opendir("/in/../etc") != NULL);

    /* The one legitimate access: reading the input must still work. */
    int fd = open("/in/data.txt", O_RDONLY);
    char buffer[64] = {0};
    ssize_t n = fd >= 0 ? read(fd, buffer, sizeof buffer - 1) : -1;
    printf("read /in/data.txt: %s\n", n > 0 ? "ok" : "FAILED");
    if (n <= 0) return 3;
    return allowed == 0 ? 0 : 1;
}
