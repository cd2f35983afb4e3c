/*
 * Renders one square tile of the Mandelbrot set as a binary PGM (P5) image.
 *
 * Usage: mandelbrot TILE_X TILE_Y TILES_PER_SIDE TILE_PIXELS MAX_ITER [OUT_DIR]
 *
 * The view [-2.0, 1.0] x [-1.5, 1.5] is cut into TILES_PER_SIDE x TILES_PER_SIDE
 * tiles so one deal can spread a large image over many tasks; tile (0, 0) is the
 * top-left one. The image goes to OUT_DIR/tile_<x>_<y>.pgm (OUT_DIR defaults to
 * /out, the sandbox's output folder; the native build used by the overhead
 * benchmark passes a real folder). Grey level 0 means inside the set.
 */
#include <stdio.h>
#include <stdlib.h>

static long parse(const char *text, const char *name, long min, long max) {
    char *end;
    long value = strtol(text, &end, 10);
    if (*text == '\0' || *end != '\0' || value < min || value > max) {
        fprintf(stderr, "mandelbrot: %s must be an integer in [%ld, %ld], got '%s'\n", name, min, max, text);
        exit(2);
    }
    return value;
}

int main(int argc, char **argv) {
    if (argc != 6 && argc != 7) {
        fprintf(stderr, "usage: mandelbrot TILE_X TILE_Y TILES_PER_SIDE TILE_PIXELS MAX_ITER [OUT_DIR]\n");
        return 2;
    }
    long tiles = parse(argv[3], "TILES_PER_SIDE", 1, 4096);
    long tx = parse(argv[1], "TILE_X", 0, tiles - 1);
    long ty = parse(argv[2], "TILE_Y", 0, tiles - 1);
    long pixels = parse(argv[4], "TILE_PIXELS", 1, 8192);
    long max_iter = parse(argv[5], "MAX_ITER", 1, 1000000);
    const char *out_dir = argc == 7 ? argv[6] : "/out";

    unsigned char *image = malloc((size_t)pixels * (size_t)pixels);
    if (image == NULL) {
        fprintf(stderr, "mandelbrot: cannot allocate %ld x %ld pixels\n", pixels, pixels);
        return 3;
    }
    double span = 3.0 / (double)tiles;
    double x0 = -2.0 + span * (double)tx;
    double y0 = 1.5 - span * (double)ty;
    double step = span / (double)pixels;
    unsigned long long total_iter = 0;

    for (long row = 0; row < pixels; row++) {
        double ci = y0 - step * ((double)row + 0.5);
        for (long col = 0; col < pixels; col++) {
            double cr = x0 + step * ((double)col + 0.5);
            double zr = 0.0, zi = 0.0, zr2 = 0.0, zi2 = 0.0;
            long n = 0;
            while (n < max_iter && zr2 + zi2 <= 4.0) {
                zi = 2.0 * zr * zi + ci;
                zr = zr2 - zi2 + cr;
                zr2 = zr * zr;
                zi2 = zi * zi;
                n++;
            }
            total_iter += (unsigned long long)n;
            image[row * pixels + col] = n == max_iter ? 0 : (unsigned char)(1 + (n * 254) / max_iter);
        }
    }

    char path[4096];
    snprintf(path, sizeof path, "%s/tile_%ld_%ld.pgm", out_dir, tx, ty);
    FILE *file = fopen(path, "wb");
    if (file == NULL) {
        perror(path);
        return 4;
    }
    fprintf(file, "P5\n%ld %ld\n255\n", pixels, pixels);
    size_t size = (size_t)pixels * (size_t)pixels;
    if (fwrite(image, 1, size, file) != size || fclose(file) != 0) {
        perror(path);
        return 4;
    }
    printf("tile %ld,%ld: %ldx%ld pixels, %llu iterations\n", tx, ty, pixels, pixels, total_iter);
    free(image);
    return 0;
}
