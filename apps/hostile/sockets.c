/*
 * Calls every WASI preview1 socket function on descriptors 0..63. A module has no
 * way to create a socket in preview1; only a preopened one could be used, and the
 * sandbox preopens none. Exits 0 only when every call failed.
 */
#include <stdio.h>
#include <wasi/api.h>

int main(void) {
    int allowed = 0;
    for (__wasi_fd_t fd = 0; fd < 64; fd++) {
        __wasi_fd_t accepted;
        if (__wasi_sock_accept(fd, 0, &accepted) == 0) {
            printf("sock_accept on %u: ALLOWED\n", fd);
            allowed++;
        }
        char byte = 'x';
        __wasi_ciovec_t out = { (const uint8_t *)&byte, 1 };
        __wasi_size_t sent;
        if (__wasi_sock_send(fd, &out, 1, 0, &sent) == 0 && fd > 2) {
            printf("sock_send on %u: ALLOWED\n", fd);
            allowed++;
        }
        __wasi_iovec_t in = { (uint8_t *)&byte, 1 };
        __wasi_size_t received;
        __wasi_roflags_t flags;
        if (__wasi_sock_recv(fd, &in, 1, 0, &received, &flags) == 0) {
            printf("sock_recv on %u: ALLOWED\n", fd);
            allowed++;
        }
        if (__wasi_sock_shutdown(fd, __WASI_SDFLAGS_RD | __WASI_SDFLAGS_WR) == 0) {
            printf("sock_shutdown on %u: ALLOWED\n", fd);
            allowed++;
        }
    }
    printf("socket calls allowed: %d\n", allowed);
    return allowed == 0 ? 0 : 1;
}
