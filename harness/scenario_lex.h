/*
 * scenario_lex.h - the scenario parser's lexical layer, shared by the
 * files of the parser: lines with their indentation, words with their
 * columns, the value syntaxes (durations, rates, percentages, counts,
 * names) and the error helper that quotes the offending text.
 *
 * Internal to the parser (scenario_lex.c, scenario_parse*.c).
 */
#ifndef XS_SCENARIO_LEX_H
#define XS_SCENARIO_LEX_H

#include <stdbool.h>
#include <stddef.h>

#include "scenario.h"

/* One line of the file. */
typedef struct scn_line {
  const char *s;  /* first byte after the indentation */
  int len;        /* bytes after the indentation, trailing spaces removed */
  int rawlen;     /* bytes after the indentation, trailing spaces kept (output exactly) */
  int no;         /* 1-based line number */
  int indent;     /* leading spaces */
  bool blank;     /* nothing but spaces, or a comment line */
} scn_line;

/* One word of a statement. */
typedef struct scn_word {
  const char *s;
  int len;
  int col;        /* 1-based byte column */
} scn_word;

typedef struct scn_words {
  int n;
  scn_word w[XS_SCN_WORDS_MAX];
} scn_words;

typedef struct scn_parser {
  const char *bytes;
  size_t len;
  scn_line *lines;
  int nlines;
  int cur;               /* the next line to read */
  xs_scenario *scn;
  xs_scn_error *err;
  int rc;                /* the first error's code, 0 while none */
  int depth;             /* nesting of blocks */
  bool timeline;         /* a timeline statement has been seen */
} scn_parser;

/* Splits the bytes into lines; checks encoding, line length and tabs in
 * indentation.  0 or an error (recorded in p). */
int xs__scn_lines(scn_parser *p);

/* Records an error at (line, col) if none is recorded yet; returns its code.
 * The message is printf-formatted; quote offending text with '%.*s'. */
int xs__scn_fail(scn_parser *p, int rc, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Splits s[0..len) (starting at column col0) into words on spaces.  With
 * comments, a '#' at the start of a word ends the statement.  Fails on too
 * many words or a tab. */
int xs__scn_split(scn_parser *p, int line, const char *s, int len, int col0, bool comments, scn_words *out);

bool xs__scn_is(const scn_word *w, const char *kw);
/* The keyword of kws[] nearest to w (edit distance <= 2), or NULL. */
const char *xs__scn_suggest(const scn_word *w, const char *const *kws);

/* Value syntaxes; each records an error naming the word and returns it. */
int xs__scn_duration(scn_parser *p, int line, const scn_word *w, xs_ms *out);
int xs__scn_rate(scn_parser *p, int line, const scn_word *w, xs_scn_rate *out);
int xs__scn_percent(scn_parser *p, int line, const scn_word *w, int64_t *milli);
int xs__scn_count(scn_parser *p, int line, const scn_word *w, int64_t *out);
int xs__scn_seed(scn_parser *p, int line, const scn_word *w, uint64_t *out);
/* A site, cache or mark name: letters, digits, '.', '_', '-'; what says which. */
int xs__scn_name(scn_parser *p, int line, const scn_word *w, const char *what, xs_scn_ref *out);
/* Any word without spaces up to XS_NAME_BYTES_MAX - 1 bytes (paths, values). */
int xs__scn_token(scn_parser *p, int line, const scn_word *w, const char *what, xs_scn_ref *out);

/* Word i of ws, or NULL after recording "expected <what> after '<last word>'". */
const scn_word *xs__scn_need(scn_parser *p, int line, const scn_words *ws, int i, const char *what);

/* The statement parsers (scenario_parse_stmt.c, scenario_parse_cond.c). */
int xs__scn_stmt_words(scn_parser *p, int line, const scn_words *ws, xs_scn_stmt *st);
int xs__scn_cond(scn_parser *p, int line, const scn_words *ws, int *i, xs_scn_cond *c);
int xs__scn_check(scn_parser *p, int line, const scn_words *ws, xs_scn_check *c);
/* The statements that may run inside at / after / when. */
bool xs__scn_deferrable(xs_scn_kind k);

/* A copy of s[0..len) as a C string (NULL on ENOMEM, recorded in p). */
char *xs__scn_strdup(scn_parser *p, const char *s, int len);

/* Finds the ':' that ends a statement's head: the first one followed by a
 * space or the end.  Returns its offset, or -1. */
int xs__scn_colon(const char *s, int len);

#endif /* XS_SCENARIO_LEX_H */
