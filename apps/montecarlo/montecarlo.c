/*
 * Monte-Carlo estimate of pi: the share of uniform points of the unit square that
 * fall inside the quarter disc, times four.
 *
 * Usage: montecarlo SAMPLES SEED
 *
 * Writes /out/result.json. The generator is xoshiro256** seeded through
 * splitmix64, written out here rather than taken from libc, so a given seed gives
 * the same bytes on every worker and replicas can agree on the result.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t state[4];

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t next(void) {
    uint64_t result = rotl(state[1] * 5, 7) * 9;
    uint64_t t = state[1] << 17;
    state[2] ^= state[0];
    state[3] ^= state[1];
    state[1] ^= state[2];
    state[0] ^= state[3];
    state[2] ^= t;
    state[3] = rotl(state[3], 45);
    return result;
}

/* 53 random bits mapped to [0, 1), exact in a double. */
static double uniform(void) { return (double)(next() >> 11) * 0x1.0p-53; }

static int parse_u64(const char *text, uint64_t *value) {
    char *end;
    if (*text == '\0' || *text == '-') return 0;
    *value = strtoull(text, &end, 10);
    return *end == '\0';
}

int main(int argc, char **argv) {
    uint64_t samples, seed;
    if (argc != 3 || !parse_u64(argv[1], &samples) || !parse_u64(argv[2], &seed) || samples == 0) {
        fprintf(stderr, "usage: montecarlo SAMPLES SEED (SAMPLES > 0, both unsigned integers)\n");
        return 2;
    }
    uint64_t mix = seed;
    for (int i = 0; i < 4; i++) state[i] = splitmix64(&mix);

    uint64_t inside = 0;
    for (uint64_t i = 0; i < samples; i++) {
        double x = uniform(), y = uniform();
        if (x * x + y * y < 1.0) inside++;
    }
    double pi = 4.0 * (double)inside / (double)samples;

    FILE *file = fopen("/out/result.json", "w");
    if (file == NULL) {
        perror("/out/result.json");
        return 4;
    }
    fprintf(file, "{\"samples\":%" PRIu64 ",\"seed\":%" PRIu64 ",\"inside\":%" PRIu64 ",\"pi\":%.10f}\n",
            samples, seed, inside, pi);
    if (fclose(file) != 0) {
        perror("/out/result.json");
        return 4;
    }
    printf("pi ~ %.10f from %" PRIu64 " samples\n", pi, samples);
    return 0;
}
