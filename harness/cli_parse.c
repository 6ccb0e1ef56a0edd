/*
 * cli_parse.c - a command line as aesh 2.8.4 reads it for the Data Grid
 * CLI: LineParser's word splitting, then AeshCommandLineParser and
 * AeshOptionParser's option handling, with their messages, so that a
 * mistyped runbook command fails here exactly as it fails on cli.sh.
 *
 * The rules kept (each quirk is aesh's, not ours):
 *  - words split on ' ' only; '...' and "..." quote, a closing quote ends
 *    the word, a backslash escapes a space or a quote outside quotes and is
 *    kept before any other character;
 *  - "--name" matches a long name exactly; "--name=v" may also match the
 *    longest long name it starts with; "-x" matches a short name, "-xv" a
 *    short name it starts with (value "v", or more grouped flags);
 *  - an option needing a value takes the next word unless that word is an
 *    option; "--name=" or nothing left is "was specified, but no value was
 *    given";
 *  - "--" makes every later word an argument; an unknown "--x" or "-x" is
 *    "The option ... is unknown."; any other unmatched word is an argument,
 *    refused when the command takes none (or has one already);
 *  - the first parser error is the one printed; required options are
 *    checked after parsing, in declaration order, unless -h/--help is given.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli_internal.h"

/* ------------------------------------------------------------------------ */
/* LineParser                                                                 */

typedef struct splitter {
  cli_words *out;
  xs_buf word;
  bool esc, sq, dq, ternary;
  char prev;
  bool nomem;
} splitter;

static void emit(splitter *s) {
  if (s->word.len == 0) return;
  char **w = realloc(s->out->w, (s->out->n + 1) * sizeof *w);
  char *copy = w ? strndup(xs_buf_cstr(&s->word), s->word.len) : NULL;
  if (!w || !copy) {
    if (w) s->out->w = w;
    free(copy);
    s->nomem = true;
    return;
  }
  s->out->w = w;
  s->out->w[s->out->n++] = copy;
  xs_buf_reset(&s->word);
}

static void put(splitter *s, char c) { xs_buf_append(&s->word, &c, 1); }

static void on_double_quote(splitter *s, char c) {
  if ((s->ternary || s->dq || s->sq) && s->prev == '\\') {
    put(s, c);
    return;
  }
  if (s->esc || (s->ternary && s->prev != '"')) {
    put(s, c);
    s->esc = false;
  } else if (s->dq) {
    if (!s->ternary && s->prev == '"') {
      s->ternary = true; /* "" opens aesh's triple-quote mode */
    } else if (s->ternary && s->prev == '"') {
      if (s->word.len > 0) s->word.len--;
      emit(s);
      s->dq = s->ternary = false;
    } else {
      emit(s);
      s->dq = false;
    }
  } else if (s->sq) {
    put(s, c);
  } else {
    s->dq = true;
  }
}

static void on_single_quote(splitter *s, char c) {
  if ((s->ternary || s->dq || s->sq) && s->prev == '\\') {
    put(s, c);
    return;
  }
  if (s->esc || s->ternary) {
    put(s, c);
    s->esc = false;
  } else if (s->sq) {
    emit(s);
    s->sq = false;
  } else if (s->dq) {
    put(s, c);
  } else {
    s->sq = true;
  }
}

/* Returns what `prev` becomes: an escaped space is not a separator. */
static char on_space(splitter *s, char c) {
  if (s->esc) {
    put(s, c);
    s->esc = false;
    return 0;
  }
  if (s->sq || s->dq) put(s, c);
  else emit(s);
  return c;
}

int xs__cli_split(const char *line, cli_words *out) {
  splitter s = {.out = out};
  out->w = NULL;
  out->n = 0;
  xs_buf_init(&s.word, XS_CLI_LINE_MAX);
  for (const char *p = line; *p && !s.nomem; p++) {
    char c = *p;
    if (c == ' ') {
      c = on_space(&s, c);
    } else if (c == '\\') {
      if (s.esc || s.ternary || s.dq || s.sq) {
        put(&s, c);
        s.esc = false;
      } else {
        s.esc = true;
      }
    } else if (c == '\'') {
      on_single_quote(&s, c);
    } else if (c == '"') {
      on_double_quote(&s, c);
    } else if (s.esc) {
      put(&s, '\\');
      put(&s, c);
      s.esc = false;
    } else {
      put(&s, c);
    }
    s.prev = c;
  }
  if (s.esc) put(&s, '\\');
  emit(&s);
  bool ok = !s.nomem && xs_buf_ok(&s.word);
  xs_buf_free(&s.word);
  if (!ok) xs__cli_words_free(out);
  return ok ? 0 : XS_ENOMEM;
}

void xs__cli_words_free(cli_words *w) {
  for (size_t i = 0; i < w->n; i++) free(w->w[i]);
  free(w->w);
  w->w = NULL;
  w->n = 0;
}

/* ------------------------------------------------------------------------ */
/* Option parsing                                                             */

typedef struct pstate {
  const cli_words *w;
  size_t i;          /* the next word */
  cli_call *c;
  char *err;         /* the first parser exception */
  size_t errlen;
  bool failed;
  bool arg_set;      /* the single @Argument has its value */
} pstate;

static int nopts(const cli_cmd *cmd) {
  int n = 0;
  while (n < CLI_OPTS_MAX && cmd->opts[n].name) n++;
  return n;
}

static void add_error(pstate *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_error(pstate *ps, const char *fmt, ...) {
  if (ps->failed) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ps->err, ps->errlen, fmt, ap);
  va_end(ap);
  ps->failed = true;
}

/* ProcessedCommand.searchAllOptions: the option a word names, or -1. */
static int search_option(const cli_cmd *cmd, const char *word, bool *long_used) {
  int n = nopts(cmd);
  if (strncmp(word, "--", 2) == 0) {
    const char *name = word + 2;
    for (int i = 0; i < n; i++)
      if (strcmp(cmd->opts[i].name, name) == 0) return *long_used = true, i;
    if (!strchr(name, '=')) return -1;
    int best = -1;
    for (int i = 0; i < n; i++)
      if (strncmp(name, cmd->opts[i].name, strlen(cmd->opts[i].name)) == 0 &&
          (best < 0 || strlen(cmd->opts[i].name) > strlen(cmd->opts[best].name)))
        best = i;
    if (best >= 0) *long_used = true;
    return best;
  }
  if (word[0] == '-') {
    for (int i = 0; i < n; i++)
      if (cmd->opts[i].short_name && word[1] == cmd->opts[i].short_name && word[2] == 0)
        return *long_used = false, i;
    for (int i = 0; i < n; i++)
      if (cmd->opts[i].short_name && word[1] == cmd->opts[i].short_name)
        return *long_used = false, i;
  }
  return -1;
}

static void set_value(pstate *ps, int oi, const char *v) {
  if (!ps->c->val[oi]) ps->c->val[oi] = v;
}

static int find_short(const cli_cmd *cmd, char ch) {
  for (int i = 0; i < nopts(cmd); i++)
    if (cmd->opts[i].short_name == ch) return i;
  return -1;
}

/* AeshOptionParser.processOption: what follows the name in the same word.
 * Returns false on a parser exception. */
static bool process_option(pstate *ps, int oi, const char *line, const char *name, bool long_used, bool *active) {
  const cli_cmd *cmd = ps->c->cmd;
  const char *rest = line + strlen(name);
  const char *eq = strchr(line, '=');
  *active = false;
  if (strchr(rest, '=')) {
    set_value(ps, oi, eq + 1);
    return true;
  }
  if (!*rest || long_used) {
    add_error(ps, "Option: - must be followed by a valid operator");
    return false;
  }
  if (cmd->opts[oi].has_value) {
    set_value(ps, oi, rest);
    return true;
  }
  set_value(ps, oi, "true");
  for (const char *p = rest; *p; p++) {
    int k = find_short(cmd, *p);
    char flag[2] = {*p, 0};
    if (k < 0) {
      add_error(ps, "Option: -%s was not found.", flag);
      return false;
    }
    if (cmd->opts[k].has_value) {
      add_error(ps, "Option: -%s can not be grouped with other options since it need to be given a value", flag);
      return false;
    }
    set_value(ps, k, "true");
  }
  return true;
}

/* AeshOptionParser.parse for the option the current word names. */
static bool parse_option(pstate *ps, int oi, bool long_used) {
  const cli_opt *o = &ps->c->cmd->opts[oi];
  const char *word = ps->w->w[ps->i];
  char sname[2] = {o->short_name, 0};
  bool active = false;
  size_t consumed = long_used ? 2 : 1;
  size_t nlen = long_used ? strlen(o->name) : 1;
  if (strlen(word) - consumed != nlen) {
    if (!process_option(ps, oi, word + consumed, long_used ? o->name : sname, long_used, &active)) return false;
  } else if (!o->has_value) {
    set_value(ps, oi, "true");
  } else {
    active = true;
  }
  ps->i++;
  if (active && ps->i < ps->w->n) {
    bool lu;
    if (search_option(ps->c->cmd, ps->w->w[ps->i], &lu) < 0) set_value(ps, oi, ps->w->w[ps->i++]);
  }
  if (o->has_value && (!ps->c->val[oi] || !*ps->c->val[oi])) {
    add_error(ps, "Option %s was specified, but no value was given.", o->name);
    return false;
  }
  return true;
}

/* AeshCommandLineParser.setArgStatus. */
static void set_arg(pstate *ps, const char *word) {
  cli_call *c = ps->c;
  if (c->cmd->argkind == CLI_ARG_LIST) {
    if (c->nargs < CLI_ARGS_MAX) c->args[c->nargs++] = word;
    else c->args_overflow = true;
  } else if (c->cmd->argkind == CLI_ARG_ONE && !ps->arg_set) {
    c->args[c->nargs++] = word;
    ps->arg_set = true;
  } else {
    add_error(ps, "A value %s was given as an argument, but the command do not support it.", word);
  }
}

/* checkForMissingRequiredOptions. */
static void check_required(pstate *ps) {
  const cli_cmd *cmd = ps->c->cmd;
  for (int i = 0; i < nopts(cmd); i++)
    if (cmd->opts[i].override_required && ps->c->val[i]) return;
  for (int i = 0; i < nopts(cmd); i++)
    if (cmd->opts[i].required && !ps->c->val[i]) {
      char name[80];
      snprintf(name, sizeof name, "--%s", cmd->opts[i].name);
      add_error(ps, "Option: %s is required for this command.", name);
      return;
    }
  if (cmd->arg_required && ps->c->nargs == 0) {
    char msg[160];
    if (cmd->arg_desc && *cmd->arg_desc) snprintf(msg, sizeof msg, "%s", cmd->arg_desc);
    else snprintf(msg, sizeof msg, "Argument '%s'", cmd->arg_field);
    add_error(ps, "%s %s required for this command.", msg, cmd->argkind == CLI_ARG_LIST ? "are" : "is");
  }
}

/* doParse: options and arguments of the chosen command. */
static void do_parse(pstate *ps) {
  bool marker = false;
  while (ps->i < ps->w->n) {
    const char *word = ps->w->w[ps->i];
    bool long_used = true;
    int oi = marker ? -1 : search_option(ps->c->cmd, word, &long_used);
    if (oi >= 0) {
      if (!parse_option(ps, oi, long_used)) break; /* the OptionParserException ends parsing */
      continue;
    }
    if (!marker && strcmp(word, "--") == 0) marker = true;
    else if (!marker && word[0] == '-' && (word[1] == '-' || strlen(word) == 2))
      add_error(ps, "The option %s is unknown.", word);
    else set_arg(ps, word);
    ps->i++;
  }
  check_required(ps);
}

static const cli_cmd *find_cmd(const cli_cmd *const *list, const char *name) {
  for (size_t i = 0; list[i]; i++) {
    if (strcmp(list[i]->name, name) == 0) return list[i];
    for (int a = 0; a < 3 && list[i]->aliases[a]; a++)
      if (strcmp(list[i]->aliases[a], name) == 0) return list[i];
  }
  return NULL;
}

int xs__cli_parse(const cli_cmd *const *table, const cli_words *w, cli_call *c, char *err, size_t errlen) {
  pstate ps = {.w = w, .c = c, .err = err, .errlen = errlen};
  err[0] = 0;
  const cli_cmd *cmd = w->n ? find_cmd(table, w->w[0]) : NULL;
  if (!cmd) return CLI_PARSE_NOT_FOUND;
  c->cmd = cmd;
  snprintf(c->help_name, sizeof c->help_name, "%s", cmd->name);
  ps.i = 1;
  /* A group: the next word picks the sub-command. */
  while (c->cmd->children && ps.i < w->n) {
    const char *next = w->w[ps.i];
    const cli_cmd *child = find_cmd(c->cmd->children, next);
    if (!child) {
      if (next[0] == '-' && strcasecmp(next, "--help") != 0) break;
      char msg[512];
      snprintf(msg, sizeof msg, "'%s %s' is not part of the %s commands. See 'help %s'.", w->w[ps.i - 1], next,
               w->w[ps.i - 1], w->w[ps.i - 1]);
      add_error(&ps, "%s", msg);
      return CLI_PARSE_ERROR;
    }
    c->cmd = child;
    size_t used = strlen(c->help_name);
    snprintf(c->help_name + used, sizeof c->help_name - used, " %s", child->name);
    ps.i++;
  }
  do_parse(&ps);
  return ps.failed ? CLI_PARSE_ERROR : CLI_PARSE_OK;
}

/* ------------------------------------------------------------------------ */
/* Values and usage                                                           */

const char *xs__cli_opt(const cli_call *c, const char *name) {
  for (int i = 0; i < nopts(c->cmd); i++)
    if (strcmp(c->cmd->opts[i].name, name) == 0) return c->val[i] ? c->val[i] : c->cmd->opts[i].dflt;
  return NULL;
}

bool xs__cli_flag(const cli_call *c, const char *name) {
  const char *v = xs__cli_opt(c, name);
  return v && strcasecmp(v, "true") == 0;
}

static size_t opt_label(const cli_opt *o, char *buf, size_t len) {
  if (o->short_name) snprintf(buf, len, "-%c, --%s", o->short_name, o->name);
  else snprintf(buf, len, "--%s", o->name);
  return strlen(buf);
}

static void pad(xs_buf *out, long n) {
  if (n <= 0) n = 1;
  for (long i = 0; i < n; i++) xs_buf_puts(out, " ");
}

/* ProcessedCommand.printHelp, and for a group the list of its commands. */
void xs__cli_usage(const cli_cmd *cmd, const char *help_name, xs_buf *out) {
  char label[96];
  size_t width = 0;
  for (int i = 0; i < nopts(cmd); i++) {
    size_t l = opt_label(&cmd->opts[i], label, sizeof label);
    if (l > width) width = l;
  }
  xs_buf_printf(out, "Usage: %s%s", help_name, nopts(cmd) ? " [<options>]" : "");
  if (cmd->argkind == CLI_ARG_ONE) xs_buf_printf(out, " <%s>", cmd->arg_field);
  if (cmd->argkind == CLI_ARG_LIST) xs_buf_printf(out, " [<%s>]", cmd->arg_field);
  xs_buf_printf(out, "\n%s\n", cmd->desc ? cmd->desc : "");
  if (nopts(cmd)) xs_buf_puts(out, "\nOptions:\n");
  for (int i = 0; i < nopts(cmd); i++) {
    size_t l = opt_label(&cmd->opts[i], label, sizeof label);
    xs_buf_printf(out, "  %s", label);
    if (cmd->opts[i].desc) {
      pad(out, (long)(width + 4) - (long)l - 2);
      xs_buf_puts(out, cmd->opts[i].desc);
    }
    xs_buf_puts(out, "\n");
  }
  if (cmd->argkind != CLI_ARG_NONE) {
    xs_buf_printf(out, "\n%s:\n  ", cmd->argkind == CLI_ARG_LIST ? "Arguments" : "Argument");
    if (cmd->arg_desc) {
      pad(out, (long)width + 2);
      xs_buf_puts(out, cmd->arg_desc);
    }
    xs_buf_puts(out, "\n");
  }
  if (!cmd->children) return;
  size_t cw = 0;
  for (size_t i = 0; cmd->children[i]; i++)
    if (strlen(cmd->children[i]->name) > cw) cw = strlen(cmd->children[i]->name);
  xs_buf_printf(out, "\n%s commands:\n", cmd->name);
  for (size_t i = 0; cmd->children[i]; i++) {
    xs_buf_printf(out, "    %s", cmd->children[i]->name);
    pad(out, (long)(cw + 2) - (long)strlen(cmd->children[i]->name));
    xs_buf_printf(out, "%s\n", cmd->children[i]->desc);
  }
}
