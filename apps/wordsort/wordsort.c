/*
 * wordsort: counts the dictionary words of a text, sorted, by an external merge sort.
 *
 * Reads the dictionary /share/dictionary.txt and the stop words /share/lists/stopwords.txt
 * (one word per line; the bundle's read-only tree), then the text: every regular file of
 * /in in name order, or, when /in holds none, the arguments after the options. A word is
 * a run of ASCII letters, lower-cased; one shorter than WORDSORT_MIN_LENGTH (environment,
 * default 1), a stop word or a word not in the dictionary is counted and dropped. Kept
 * words are gathered RUN_WORDS at a time (--run-words N, default 256), sorted and written
 * to /tmp/run-NNNN.txt; the runs are then merged, at most MERGE_WAYS at a time, into
 * /out/words.txt ("word count" lines in byte order) and the run files removed.
 * /out/summary.txt gives the counts. Same inputs, same bytes.
 */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_WORD 64
#define MERGE_WAYS 8
#define MAX_FILES 1024

static char **dictionary, **stopwords;
static size_t dictionary_count, stopword_count;
static char **run;
static size_t run_count, run_words = 256;
static int min_length = 1;
static char *runs[MAX_FILES * 4];
static size_t run_files, runs_made;
static long tokens, kept, dropped_stop, dropped_unknown, dropped_short;

static void fail(const char *what, const char *path) {
    fprintf(stderr, "wordsort: %s %s\n", what, path);
    exit(1);
}

static int compare(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static char **load_list(const char *path, size_t *count) {
    FILE *file = fopen(path, "r");
    if (!file) fail("cannot read", path);
    size_t capacity = 64, n = 0;
    char **words = malloc(capacity * sizeof *words);
    char line[MAX_WORD + 2];
    while (fgets(line, sizeof line, file)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0]) continue;
        for (char *c = line; *c; c++) *c = (char)tolower((unsigned char)*c);
        if (n == capacity) words = realloc(words, (capacity *= 2) * sizeof *words);
        words[n++] = strdup(line);
    }
    fclose(file);
    qsort(words, n, sizeof *words, compare);
    *count = n;
    return words;
}

static int contains(char **words, size_t count, const char *word) {
    return bsearch(&word, words, count, sizeof *words, compare) != NULL;
}

static char *run_path(size_t index) {
    char *path = malloc(32);
    snprintf(path, 32, "/tmp/run-%04zu.txt", index);
    return path;
}

/* Sorts the gathered words and writes them to a new run file under /tmp. */
static void flush_run(void) {
    if (run_count == 0) return;
    qsort(run, run_count, sizeof *run, compare);
    char *path = run_path(runs_made++);
    FILE *file = fopen(path, "w");
    if (!file) fail("cannot write", path);
    for (size_t i = 0; i < run_count; i++) {
        fprintf(file, "%s\n", run[i]);
        free(run[i]);
    }
    if (fclose(file) != 0) fail("cannot write", path);
    runs[run_files++] = path;
    run_count = 0;
}

static void take_word(const char *word, size_t length) {
    tokens++;
    if ((int)length < min_length) { dropped_short++; return; }
    if (contains(stopwords, stopword_count, word)) { dropped_stop++; return; }
    if (!contains(dictionary, dictionary_count, word)) { dropped_unknown++; return; }
    kept++;
    run[run_count++] = strdup(word);
    if (run_count == run_words) flush_run();
}

/* Splits text into words, fed one character at a time (a word may span reads). */
static char word[MAX_WORD];
static size_t word_length;

static void feed(int c) {
    if (isalpha(c) && c < 128) {
        if (word_length < MAX_WORD - 1) word[word_length++] = (char)tolower(c);
        return;
    }
    if (word_length > 0) {
        word[word_length] = 0;
        take_word(word, word_length);
        word_length = 0;
    }
}

static void read_text_file(const char *path) {
    FILE *file = fopen(path, "r");
    if (!file) fail("cannot read", path);
    int c;
    while ((c = fgetc(file)) != EOF) feed(c);
    feed(' ');
    fclose(file);
}

/* The regular files of /in, in name order; 0 when there are none. */
static size_t read_input_folder(void) {
    DIR *dir = opendir("/in");
    if (!dir) return 0;
    char *names[MAX_FILES];
    size_t n = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) && n < MAX_FILES) {
        if (entry->d_type == DT_REG) names[n++] = strdup(entry->d_name);
    }
    closedir(dir);
    qsort(names, n, sizeof *names, compare);
    for (size_t i = 0; i < n; i++) {
        char path[512];
        snprintf(path, sizeof path, "/in/%s", names[i]);
        read_text_file(path);
        free(names[i]);
    }
    return n;
}

/* Merges sorted word files into out: plain lines, or "word count" lines when counting. */
static void merge(char **paths, size_t n, const char *out_path, int counting) {
    FILE *files[MERGE_WAYS];
    char heads[MERGE_WAYS][MAX_WORD + 2];
    int live[MERGE_WAYS];
    for (size_t i = 0; i < n; i++) {
        files[i] = fopen(paths[i], "r");
        if (!files[i]) fail("cannot read back", paths[i]);
        live[i] = fgets(heads[i], sizeof heads[i], files[i]) != NULL;
    }
    FILE *out = fopen(out_path, "w");
    if (!out) fail("cannot write", out_path);
    char last[MAX_WORD + 2] = "";
    long count = 0;
    for (;;) {
        int best = -1;
        for (size_t i = 0; i < n; i++)
            if (live[i] && (best < 0 || strcmp(heads[i], heads[best]) < 0)) best = (int)i;
        if (best < 0) break;
        if (!counting) {
            fputs(heads[best], out);
        } else if (count > 0 && strcmp(heads[best], last) == 0) {
            count++;
        } else {
            if (count > 0) { last[strcspn(last, "\n")] = 0; fprintf(out, "%s %ld\n", last, count); }
            strcpy(last, heads[best]);
            count = 1;
        }
        live[best] = fgets(heads[best], sizeof heads[best], files[best]) != NULL;
    }
    if (counting && count > 0) { last[strcspn(last, "\n")] = 0; fprintf(out, "%s %ld\n", last, count); }
    if (fclose(out) != 0) fail("cannot write", out_path);
    for (size_t i = 0; i < n; i++) {
        fclose(files[i]);
        if (unlink(paths[i]) != 0) fail("cannot remove", paths[i]);
    }
}

int main(int argc, char **argv) {
    int first_word = 1;
    for (; first_word < argc; first_word++) {
        if (strcmp(argv[first_word], "--run-words") == 0 && first_word + 1 < argc) {
            long n = atol(argv[++first_word]);
            if (n < 1 || n > 1000000) fail("--run-words must be 1 to 1000000, not", argv[first_word]);
            run_words = (size_t)n;
        } else break;
    }
    const char *min = getenv("WORDSORT_MIN_LENGTH");
    if (min) min_length = atoi(min);
    dictionary = load_list("/share/dictionary.txt", &dictionary_count);
    stopwords = load_list("/share/lists/stopwords.txt", &stopword_count);
    run = malloc(run_words * sizeof *run);

    size_t files = read_input_folder();
    if (files == 0) {
        for (int i = first_word; i < argc; i++) {
            for (const char *c = argv[i]; *c; c++) feed((unsigned char)*c);
            feed(' ');
        }
    }
    flush_run();
    size_t passes = 0;
    /* Merge MERGE_WAYS runs at a time into a new run until a last merge can count them all. */
    size_t next = 0;
    while (run_files - next > MERGE_WAYS) {
        char *path = run_path(runs_made++);
        merge(runs + next, MERGE_WAYS, path, 0);
        next += MERGE_WAYS;
        runs[run_files++] = path;
        passes++;
    }
    merge(runs + next, run_files - next, "/out/words.txt", 1);

    FILE *summary = fopen("/out/summary.txt", "w");
    if (!summary) fail("cannot write", "/out/summary.txt");
    fprintf(summary, "files %zu\ntokens %ld\nkept %ld\nstop words %ld\nunknown %ld\ntoo short %ld\nruns %zu\nintermediate merges %zu\n",
            files, tokens, kept, dropped_stop, dropped_unknown, dropped_short, runs_made - passes, passes);
    fclose(summary);
    return 0;
}
