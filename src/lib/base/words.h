/* Splitting values into lists and argv, and "did you mean" suggestions. */
#ifndef BERTH_WORDS_H
#define BERTH_WORDS_H

#include <stddef.h>

struct arena;

/* A list of strings; v[n] is NULL so argv-style consumers can take v. */
struct strv {
    const char **v;
    size_t n;
};

/* Optimal-string-alignment distance (a swap of two letters counts once). */
size_t edit_distance(const char *a, const char *b);
/* The candidate nearest to word, or NULL when none is close enough to be a
 * likely typo. cands may hold NULLs (skipped). */
const char *nearest_word(const char *word, const char *const *cands, size_t n);

void strv_push(struct arena *a, struct strv *sv, size_t *cap, const char *s);
/* Items separated by any whitespace (newlines included). */
void split_words(struct arena *a, const char *s, struct strv *out);
/* One item per non-blank line, each trimmed. */
void split_lines(struct arena *a, const char *s, struct strv *out);
/* A command: a JSON array of strings ("exec form"), or words with shell-like
 * quoting ('...', "...", backslash) but no expansion. Returns NULL, or what
 * is wrong. */
const char *split_argv(struct arena *a, const char *s, struct strv *out);

#endif
