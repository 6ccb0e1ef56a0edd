/*
 * cli_main.c - `xsim cli` (see cli_main.h): the command line, connecting
 * (with the credentials prompt ContextImpl.connect shows on a 401), and the
 * three modes - one command, a batch, the interactive libedit shell.
 */
#include "cli_main.h"

#include <errno.h>
#include <histedit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "cli_curl.h"

#define PROMPT_MAX 1024 /* the shell's prompt, escapes included */
#define PROMPT_ESC '\1' /* marks the prompt's colour codes for libedit */

static const char USAGE[] =
    "usage: xsim cli [--connect URL] [-u USER] [-p PASS] [--trustall]\n"
    "                [--file FILE | -f - | -c 'COMMAND'] [--on-error=FAIL_FAST|FAIL_AT_END|IGNORE] [--echo]\n"
    "                [--connect-timeout MS] [--timeout MS] [-h] [-v]\n"
    "\n"
    "  --connect URL, -c URL  the server: http://host:port, https://..., host:port, '-' for\n"
    "                         http://localhost:11222 (credentials may be in it: http://user:pass@host:port)\n"
    "  -u, --username USER    the user name (asked for when the server answers 401 and none is given)\n"
    "  -p, --password PASS    the password\n"
    "  --trustall             trust every server certificate (TLS without checks)\n"
    "  -f, --file FILE        run the batch in FILE ('-': standard input), stopping at the first failure\n"
    "  -c, --command COMMAND  run one command (a -c value that is a URL or '-' is --connect, as in cli.sh)\n"
    "  --on-error MODE        a batch's failure handling (default FAIL_FAST)\n"
    "  --echo                 print each batch line before running it\n"
    "  --connect-timeout MS   give up connecting after MS milliseconds (default 10000)\n"
    "  --timeout MS           give up on a request after MS milliseconds (default 60000)\n"
    "\n"
    "Without --file or -c, an interactive shell starts. Exit status: 0 on success, 1 on failure.\n";

const char *xs_cli_usage(void) { return USAGE; }

/* ------------------------------------------------------------------------ */
/* The command line                                                           */

enum {
  O_CONNECT, O_USER, O_PASS, O_TRUSTALL, O_FILE, O_C, O_COMMAND, O_ON_ERROR, O_ECHO,
  O_CONNECT_TIMEOUT, O_TIMEOUT, O_HELP, O_VERSION,
};

typedef struct opt_spec {
  const char *name; /* long name, or NULL */
  char short_name;  /* 0: none */
  bool has_value;
  int id;
} opt_spec;

static const opt_spec SPECS[] = {
    {"connect", 0, true, O_CONNECT},
    {"username", 'u', true, O_USER},
    {"password", 'p', true, O_PASS},
    {"trustall", 0, false, O_TRUSTALL},
    {"file", 'f', true, O_FILE},
    {NULL, 'c', true, O_C},
    {"command", 0, true, O_COMMAND},
    {"on-error", 0, true, O_ON_ERROR},
    {"echo", 0, false, O_ECHO},
    {"connect-timeout", 0, true, O_CONNECT_TIMEOUT},
    {"timeout", 0, true, O_TIMEOUT},
    {"help", 'h', false, O_HELP},
    {"version", 'v', false, O_VERSION},
    {NULL, 0, false, -1},
};

static const opt_spec *find_long(const char *name, size_t len) {
  for (const opt_spec *s = SPECS; s->id >= 0; s++)
    if (s->name && strlen(s->name) == len && strncmp(s->name, name, len) == 0) return s;
  return NULL;
}

static const opt_spec *find_short(char c) {
  for (const opt_spec *s = SPECS; s->id >= 0; s++)
    if (s->short_name == c) return s;
  return NULL;
}

/* cli.sh's -c is the connection URL; ours is a command unless its value is
 * one (a command never starts with a scheme). */
static bool looks_like_url(const char *v) {
  return strcmp(v, "-") == 0 || strncasecmp(v, "http://", 7) == 0 || strncasecmp(v, "https://", 8) == 0;
}

static int parse_ms(const char *v, long *out, const char *name, char *err, size_t errlen) {
  char *end;
  errno = 0;
  long n = strtol(v, &end, 10);
  if (!*v || *end || errno || n <= 0 || n > XS_CLI_CURL_TIMEOUT_MS_MAX) {
    snprintf(err, errlen, "--%s takes milliseconds between 1 and %ld, not '%s'", name, XS_CLI_CURL_TIMEOUT_MS_MAX, v);
    return XS_EINVAL;
  }
  *out = n;
  return 0;
}

static int set_once(const char **slot, const char *v, const char *what, char *err, size_t errlen) {
  if (*slot) {
    snprintf(err, errlen, "%s given twice", what);
    return XS_EINVAL;
  }
  *slot = v;
  return 0;
}

static int on_error_mode(const char *v, xs_cli_on_error *out, char *err, size_t errlen) {
  static const char *const names[] = {"FAIL_FAST", "FAIL_AT_END", "IGNORE"};
  for (int i = 0; i < 3; i++)
    if (strcmp(v, names[i]) == 0) return *out = (xs_cli_on_error)i, 0;
  snprintf(err, errlen, "--on-error takes FAIL_FAST, FAIL_AT_END or IGNORE, not '%s'", v);
  return XS_EINVAL;
}

static int apply(xs_cli_args *a, int id, const char *v, char *err, size_t errlen) {
  switch (id) {
  case O_CONNECT: return set_once(&a->connect, v, "The connection URL", err, errlen);
  case O_USER: return set_once(&a->user, v, "The user name", err, errlen);
  case O_PASS: return set_once(&a->password, v, "The password", err, errlen);
  case O_TRUSTALL: a->trustall = true; return 0;
  case O_FILE: return set_once(&a->file, v, "--file", err, errlen);
  case O_C:
    if (looks_like_url(v)) return set_once(&a->connect, v, "The connection URL", err, errlen);
    return set_once(&a->command, v, "The command (-c)", err, errlen);
  case O_COMMAND: return set_once(&a->command, v, "The command (-c)", err, errlen);
  case O_ON_ERROR: return on_error_mode(v, &a->on_error, err, errlen);
  case O_ECHO: a->echo = true; return 0;
  case O_CONNECT_TIMEOUT: return parse_ms(v, &a->connect_timeout_ms, "connect-timeout", err, errlen);
  case O_TIMEOUT: return parse_ms(v, &a->request_timeout_ms, "timeout", err, errlen);
  case O_HELP: a->help = true; return 0;
  default: a->version = true; return 0;
  }
}

/* One argument (and its value, which may be the next one). */
static int parse_one(int argc, char **argv, int *i, xs_cli_args *a, char *err, size_t errlen) {
  const char *arg = argv[*i], *val = NULL;
  const opt_spec *s;
  bool inline_val;
  if (arg[0] == '-' && arg[1] == '-' && arg[2]) {
    const char *eq = strchr(arg + 2, '=');
    s = find_long(arg + 2, eq ? (size_t)(eq - arg - 2) : strlen(arg + 2));
    inline_val = eq != NULL;
    val = eq ? eq + 1 : NULL;
  } else if (arg[0] == '-' && arg[1] && arg[1] != '-') {
    s = find_short(arg[1]);
    inline_val = arg[2] != 0;
    val = arg[2] == '=' ? arg + 3 : arg + 2;
  } else {
    snprintf(err, errlen, "Unexpected argument '%s' (a command goes in -c 'COMMAND')", arg);
    return XS_EINVAL;
  }
  if (!s) {
    snprintf(err, errlen, "The option %s is unknown", arg);
    return XS_EINVAL;
  }
  if (!s->has_value && inline_val) {
    snprintf(err, errlen, "The option %s takes no value", arg);
    return XS_EINVAL;
  }
  if (s->has_value && !inline_val) {
    if (*i + 1 >= argc) {
      snprintf(err, errlen, "The option %s needs a value", arg);
      return XS_EINVAL;
    }
    val = argv[++*i];
  }
  return apply(a, s->id, val, err, errlen);
}

int xs_cli_args_parse(int argc, char **argv, xs_cli_args *a, char *err, size_t errlen) {
  memset(a, 0, sizeof *a);
  for (int i = 1; i < argc; i++) {
    int rc = parse_one(argc, argv, &i, a, err, errlen);
    if (rc < 0) return rc;
  }
  if (a->file && a->command) {
    snprintf(err, errlen, "--file and -c cannot be used together");
    return XS_EINVAL;
  }
  if (a->password && !a->user) {
    snprintf(err, errlen, "--password needs --username");
    return XS_EINVAL;
  }
  return 0;
}

/* ------------------------------------------------------------------------ */
/* The session                                                                */

typedef struct session {
  const xs_cli_args *args;
  xs_cli_ctx ctx;
  xs_cli_curl_connector conn;
  xs_buf out;             /* what the current command printed */
  bool can_prompt;        /* stdin is a terminal we may ask credentials on */
  char prompt[PROMPT_MAX];
} session;

static void flush_to(session *s, FILE *f) {
  if (s->out.len) fwrite(s->out.data, 1, s->out.len, f);
  fflush(f);
  xs_buf_reset(&s->out);
}

static int term_width(void) {
  struct winsize ws;
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return XS_CLI_TERM_WIDTH_DEFAULT;
}

/* The CLI's colours, where a terminal shows them. */
static bool want_ansi(void) {
  const char *term = getenv("TERM");
  return isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && !(term && strcmp(term, "dumb") == 0);
}

/* A line from the terminal, echoed or not; the newline is dropped.  0, or
 * -1 at end of input or when the answer does not fit. */
static int read_tty_line(const char *prompt, char *buf, size_t cap, bool echo) {
  fputs(prompt, stdout);
  fflush(stdout);
  struct termios saved, quiet;
  bool restore = !echo && tcgetattr(STDIN_FILENO, &saved) == 0;
  if (restore) {
    quiet = saved;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    quiet.c_lflag |= ECHONL;
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  size_t n = 0;
  bool fits = true, got_newline = false;
  char ch;
  while (read(STDIN_FILENO, &ch, 1) == 1) {
    if (ch == '\n') {
      got_newline = true;
      break;
    }
    if (n + 1 < cap) buf[n++] = ch;
    else fits = false;
  }
  buf[n] = 0;
  if (restore) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
  if (n && buf[n - 1] == '\r') buf[--n] = 0;
  return got_newline && fits ? 0 : -1;
}

/* ContextImpl.connect on an AccessDeniedException: ask for a user name
 * and (unless it is empty) a password, and connect again with them.  End
 * of input instead of an answer leaves the session disconnected. */
static int ask_and_retry(session *s) {
  char user[XS_CLI_CURL_CREDENTIAL_MAX], pass[XS_CLI_CURL_CREDENTIAL_MAX];
  pass[0] = 0;
  if (read_tty_line("Username: ", user, sizeof user, true) < 0 ||
      (user[0] && read_tty_line("Password: ", pass, sizeof pass, false) < 0)) {
    xs_buf_puts(&s->out, "\n");
    return XS_CLI_FAILED;
  }
  xs_cli_curl_set_credentials(s->conn.client, user, pass);
  memset(pass, 0, sizeof pass);
  return xs_cli_connect(&s->ctx, &s->out);
}

/* Whether a failed connect should ask: a 401, no user yet, a terminal. */
static bool needs_credentials(const session *s) {
  return s->ctx.last_status == 401 && !s->ctx.connected && s->conn.client && !xs_cli_curl_user(s->conn.client) &&
         s->can_prompt;
}

/* Connects at start-up (cli.sh --connect).  Returns XS_CLI_OK or
 * XS_CLI_FAILED, the message then in s->out. */
static int connect_at_start(session *s) {
  const xs_cli_args *a = s->args;
  char err[XS_MSG_BYTES_MAX];
  xs_cli_transport t;
  if (xs_cli_curl_connect(&s->conn, a->connect, a->user, a->password, false, &t, err, sizeof err) < 0) {
    xs_buf_printf(&s->out, "%s\n", err);
    return XS_CLI_FAILED;
  }
  s->ctx.transport = t;
  size_t mark = s->out.len;
  int rc = xs_cli_connect(&s->ctx, &s->out);
  if (rc == XS_CLI_FAILED && needs_credentials(s)) {
    s->out.len = mark; /* asked instead of printed, as the CLI does */
    rc = ask_and_retry(s);
  }
  return rc;
}

static bool is_connect_line(const char *line) {
  while (*line == ' ') line++;
  return strncmp(line, "connect", 7) == 0 && (line[7] == 0 || line[7] == ' ');
}

/* Runs one line and prints what it printed; a `connect` that met a 401
 * without credentials asks for them first. */
static int run_line(session *s, const char *line) {
  int rc = xs_cli_exec(&s->ctx, line, &s->out);
  if (rc == XS_CLI_FAILED && is_connect_line(line) && needs_credentials(s)) {
    xs_buf_reset(&s->out);
    rc = ask_and_retry(s);
  }
  if (rc < 0) {
    xs_buf_reset(&s->out);
    fprintf(stderr, "xsim cli: %s\n", xs_strerror(rc));
  }
  flush_to(s, stdout);
  return rc;
}

/* ------------------------------------------------------------------------ */
/* Modes                                                                      */

static int run_command(session *s) {
  int rc = run_line(s, s->args->command);
  return rc == XS_CLI_OK || rc == XS_CLI_QUIT ? 0 : 1;
}

/* The whole file (or standard input), up to XS_CLI_BATCH_FILE_MAX. */
static int read_all(const char *path, xs_buf *b) {
  FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  if (!f) return -1;
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) xs_buf_append(b, chunk, n);
  int bad = ferror(f) || !xs_buf_ok(b);
  if (f != stdin) fclose(f);
  return bad ? -1 : 0;
}

static int run_batch(session *s) {
  const xs_cli_args *a = s->args;
  xs_buf text;
  xs_buf_init(&text, XS_CLI_BATCH_FILE_MAX);
  if (read_all(a->file, &text) < 0) {
    fprintf(stderr, "xsim cli: cannot read %s: %s\n", a->file,
            text.failed ? "larger than the batch limit" : strerror(errno));
    xs_buf_free(&text);
    return 1;
  }
  xs_cli_batch_opts o = {.source = strcmp(a->file, "-") == 0 ? "<STDIN>" : a->file,
                         .on_error = a->on_error,
                         .echo = a->echo};
  int rc = xs_cli_batch_run(&s->ctx, (const char *)text.data, text.len, &o, &s->out, NULL);
  xs_buf_free(&text);
  if (rc < 0) fprintf(stderr, "xsim cli: %s\n", xs_strerror(rc));
  flush_to(s, stdout);
  return rc == 0 ? 0 : 1;
}

/* The prompt for libedit, its colour codes between PROMPT_ESC marks so
 * that they do not count as columns. */
static void build_prompt(session *s) {
  xs_buf b;
  xs_buf_init(&b, PROMPT_MAX);
  xs_cli_prompt(&s->ctx, &b);
  const char *p = xs_buf_cstr(&b);
  size_t k = 0;
  for (; *p && k + 4 < sizeof s->prompt; p++) {
    if (*p == '\x1b') {
      s->prompt[k++] = PROMPT_ESC;
      while (*p && k + 3 < sizeof s->prompt && *p != 'm') s->prompt[k++] = *p++;
      if (*p) s->prompt[k++] = *p;
      s->prompt[k++] = PROMPT_ESC;
      if (!*p) break;
    } else {
      s->prompt[k++] = *p;
    }
  }
  s->prompt[k] = 0;
  xs_buf_free(&b);
}

static char *prompt_fn(EditLine *el) {
  void *ud = NULL;
  el_get(el, EL_CLIENTDATA, &ud);
  return ((session *)ud)->prompt;
}

/* Interactive input that is not a terminal: the lines run one by one. */
static int run_piped(session *s) {
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  while ((n = getline(&line, &cap, stdin)) >= 0) {
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
    if (run_line(s, line) == XS_CLI_QUIT) break;
  }
  free(line);
  return 0;
}

/* XSIM_CLI_HISTORY names a file to keep the history in across sessions. */
static void history_file(History *h, bool save) {
  const char *path = getenv("XSIM_CLI_HISTORY");
  HistEvent ev;
  if (path && *path) history(h, &ev, save ? H_SAVE : H_LOAD, path);
}

static int run_shell(session *s) {
  if (!isatty(STDIN_FILENO)) return run_piped(s);
  HistEvent ev;
  History *h = history_init();
  EditLine *el = h ? el_init("xsim", stdin, stdout, stderr) : NULL;
  if (!el) {
    if (h) history_end(h);
    fprintf(stderr, "xsim cli: cannot start the line editor\n");
    return 1;
  }
  history(h, &ev, H_SETSIZE, XS_CLI_HISTORY_MAX);
  history(h, &ev, H_SETUNIQUE, 1);
  history_file(h, false);
  el_set(el, EL_CLIENTDATA, (void *)s);
  el_set(el, EL_PROMPT_ESC, prompt_fn, PROMPT_ESC);
  el_set(el, EL_EDITOR, "emacs");
  el_set(el, EL_HIST, history, h);
  el_set(el, EL_SIGNAL, 1);
  el_source(el, NULL);
  for (;;) {
    s->ctx.term_width = term_width();
    build_prompt(s);
    int n = 0;
    const char *got = el_gets(el, &n);
    if (!got && n < 0 && errno == EINTR) continue;
    if (!got) { /* Ctrl-D: the session ends as with quit */
      fputs("\n", stdout);
      break;
    }
    char *line = strdup(got);
    if (!line) break;
    line[strcspn(line, "\r\n")] = 0;
    if (line[strspn(line, " \t")]) history(h, &ev, H_ENTER, line);
    int rc = run_line(s, line);
    free(line);
    if (rc == XS_CLI_QUIT) break;
  }
  history_file(h, true);
  el_end(el);
  history_end(h);
  return 0;
}

/* ------------------------------------------------------------------------ */
/* The program                                                                */

static int run_session(const xs_cli_args *a) {
  session s;
  memset(&s, 0, sizeof s);
  s.args = a;
  xs_cli_ctx_init(&s.ctx, (xs_cli_transport){NULL, NULL});
  s.conn = (xs_cli_curl_connector){NULL, a->trustall, a->connect_timeout_ms, a->request_timeout_ms};
  s.ctx.connector = xs_cli_curl_connect;
  s.ctx.connector_ud = &s.conn;
  s.ctx.ansi = want_ansi();
  s.ctx.term_width = isatty(STDOUT_FILENO) ? term_width() : XS_CLI_TERM_WIDTH_DEFAULT;
  s.can_prompt = isatty(STDIN_FILENO) && !(a->file && strcmp(a->file, "-") == 0);
  xs_buf_init(&s.out, XS_CLI_OUTPUT_MAX);
  bool interactive = !a->file && !a->command;
  int status = 0;
  if (a->connect && connect_at_start(&s) != XS_CLI_OK) {
    /* cli.sh prints it on stderr and goes on; without a shell to go on
     * in, nothing could succeed, so xsim stops here. */
    flush_to(&s, stderr);
    status = interactive ? 0 : 1;
  }
  flush_to(&s, stdout);
  if (interactive) status = run_shell(&s);
  else if (status == 0) status = a->file ? run_batch(&s) : run_command(&s);
  xs_cli_ctx_free(&s.ctx);
  xs_cli_curl_connector_free(&s.conn);
  xs_buf_free(&s.out);
  return status;
}

int xs_cli_main(int argc, char **argv, const char *version) {
  xs_cli_args a;
  char err[XS_CLI_ERR_MAX];
  if (xs_cli_args_parse(argc, argv, &a, err, sizeof err) < 0) {
    fprintf(stderr, "xsim cli: %s\n%s", err, USAGE);
    return 1;
  }
  if (a.help) {
    fputs(USAGE, stdout);
    return 0;
  }
  if (a.version) {
    printf("xsim CLI %s (the Data Grid 16.0 CLI's commands)\n", version ? version : "");
    return 0;
  }
  if (xs_cli_curl_global_init() < 0) {
    fprintf(stderr, "xsim cli: cannot initialise libcurl\n");
    return 1;
  }
  return run_session(&a);
}
