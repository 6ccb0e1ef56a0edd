/*
 * test_cli_main.c - `xsim cli`'s command line: every option in its long,
 * short and `=` forms, cli.sh's -c URL read as --connect, the defaults,
 * and each mistake refused with a one-line reason.
 */
#include "test_util.h"

#include <string.h>

#include "cli_main.h"

#define MAX_ARGS 16

/* Parses a NULL-terminated list after "cli". */
static int parse(xs_cli_args *a, char *err, const char *const *words) {
  char *argv[MAX_ARGS + 1] = {(char *)"cli"};
  int argc = 1;
  for (; words[argc - 1] && argc < MAX_ARGS; argc++) argv[argc] = (char *)words[argc - 1];
  err[0] = 0;
  return xs_cli_args_parse(argc, argv, a, err, 256);
}

#define PARSE_OK(a, ...)                                                    \
  do {                                                                      \
    char err_[256];                                                         \
    const char *const w_[] = {__VA_ARGS__, NULL};                           \
    if (parse(a, err_, w_) != 0) fail_msg("refused: %s", err_);             \
  } while (0)

static void refused(const char *want_part, const char *const *words) {
  xs_cli_args a;
  char err[256];
  assert_int_equal(parse(&a, err, words), XS_EINVAL);
  if (!strstr(err, want_part)) fail_msg("message [%s] lacks [%s]", err, want_part);
  assert_null(strchr(err, '\n'));
}

#define REFUSED(part, ...)                        \
  do {                                            \
    const char *const w_[] = {__VA_ARGS__, NULL}; \
    refused(part, w_);                            \
  } while (0)

static void test_defaults(void **state) {
  xs_cli_args a;
  char err[256];
  const char *const none[] = {NULL};
  assert_int_equal(parse(&a, err, none), 0);
  assert_null(a.connect);
  assert_null(a.user);
  assert_null(a.file);
  assert_null(a.command);
  assert_false(a.trustall);
  assert_int_equal(a.on_error, XS_CLI_ON_ERROR_FAIL_FAST);
  assert_int_equal(a.connect_timeout_ms, 0);
  assert_int_equal(a.request_timeout_ms, 0);
}

static void test_forms(void **state) {
  xs_cli_args a;
  PARSE_OK(&a, "--connect", "http://127.0.0.1:11222", "-u", "developer", "-p", "s3cret", "--trustall", "-c",
           "site status --all-caches --site=site-b");
  assert_string_equal(a.connect, "http://127.0.0.1:11222");
  assert_string_equal(a.user, "developer");
  assert_string_equal(a.password, "s3cret");
  assert_true(a.trustall);
  assert_string_equal(a.command, "site status --all-caches --site=site-b");
  PARSE_OK(&a, "--connect=https://h:1", "--username=u", "--password=p=q", "--command=site view");
  assert_string_equal(a.connect, "https://h:1");
  assert_string_equal(a.password, "p=q");
  assert_string_equal(a.command, "site view");
  PARSE_OK(&a, "-udeveloper", "-p=pw", "-f", "-");
  assert_string_equal(a.user, "developer");
  assert_string_equal(a.password, "pw");
  assert_string_equal(a.file, "-");
  PARSE_OK(&a, "--file", "batch.txt", "--on-error=FAIL_AT_END", "--echo");
  assert_string_equal(a.file, "batch.txt");
  assert_int_equal(a.on_error, XS_CLI_ON_ERROR_FAIL_AT_END);
  assert_true(a.echo);
  PARSE_OK(&a, "--on-error", "IGNORE", "--connect-timeout", "250", "--timeout=1500");
  assert_int_equal(a.on_error, XS_CLI_ON_ERROR_IGNORE);
  assert_int_equal(a.connect_timeout_ms, 250);
  assert_int_equal(a.request_timeout_ms, 1500);
  PARSE_OK(&a, "-h");
  assert_true(a.help);
  PARSE_OK(&a, "--version");
  assert_true(a.version);
  /* A command may look like an option's value. */
  PARSE_OK(&a, "-c", "--help");
  assert_string_equal(a.command, "--help");
}

/* cli.sh's -c is --connect: a URL (or '-') given to -c connects. */
static void test_c_as_connect(void **state) {
  xs_cli_args a;
  PARSE_OK(&a, "--trustall", "-c", "https://127.0.0.1:11222");
  assert_string_equal(a.connect, "https://127.0.0.1:11222");
  assert_null(a.command);
  PARSE_OK(&a, "-c", "-", "-f", "-");
  assert_string_equal(a.connect, "-");
  assert_string_equal(a.file, "-");
  PARSE_OK(&a, "-c", "http://h:1", "-c", "site name");
  assert_string_equal(a.connect, "http://h:1");
  assert_string_equal(a.command, "site name");
}

static void test_mistakes(void **state) {
  REFUSED("The option --bogus is unknown", "--bogus");
  REFUSED("The option -x is unknown", "-x");
  REFUSED("needs a value", "--connect");
  REFUSED("needs a value", "-u");
  REFUSED("takes no value", "--trustall=yes");
  REFUSED("Unexpected argument 'site'", "site", "view");
  REFUSED("--file and -c cannot be used together", "-f", "x", "-c", "site view");
  REFUSED("given twice", "--connect", "http://a:1", "-c", "http://b:1");
  REFUSED("given twice", "-c", "site view", "--command", "site name");
  REFUSED("FAIL_FAST, FAIL_AT_END or IGNORE", "--on-error=fail_fast");
  REFUSED("milliseconds", "--timeout", "0");
  REFUSED("milliseconds", "--timeout", "12s");
  REFUSED("milliseconds", "--connect-timeout=-5");
  REFUSED("milliseconds", "--timeout", "99999999999999");
  REFUSED("--password needs --username", "-p", "secret");
}

static void test_usage(void **state) {
  const char *u = xs_cli_usage();
  assert_non_null(strstr(u, "--connect URL"));
  assert_non_null(strstr(u, "--trustall"));
  assert_non_null(strstr(u, "-f, --file FILE"));
  assert_non_null(strstr(u, "Exit status: 0 on success, 1 on failure."));
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults),  cmocka_unit_test(test_forms), cmocka_unit_test(test_c_as_connect),
      cmocka_unit_test(test_mistakes),  cmocka_unit_test(test_usage),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
