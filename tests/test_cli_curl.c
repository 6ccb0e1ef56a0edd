/*
 * test_cli_curl.c - the CLI's libcurl transport over real loopback sockets,
 * against a small Python HTTP/1.1 server (cli_stub_server.py) rather than
 * our own server, so that neither end checks itself: the requests as sent
 * (method, body, no stray headers), statuses 200/204/401/404/500 through
 * the command layer's messages, Digest and Basic as the server offers
 * them, keep-alive reuse, connection refused, a server that never answers,
 * a connection closed without an answer, an unknown host, the connection
 * strings cli.sh accepts, and `connect` through the connector.
 *
 * Every wait is bounded: the stub exits when this process goes (its stdin
 * closes) or after XT_STUB_MAX_SECONDS, and every request has a timeout.
 */
#include "test_util.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli_command.h"
#include "cli_curl.h"

#define XT_STUB_MAX_SECONDS "60"
#define XT_TIMEOUT_MS 800L       /* the request timeout of the hanging tests */
#define XT_TIMEOUT_SLACK_MS 4000 /* how much longer than that a give-up may take */
#define OUT_MAX (1u << 20)

extern char **environ;

typedef struct stub {
  pid_t pid;
  int stdin_fd; /* closing it ends the stub */
  int port;
  char url[64];
} stub;

static void stub_start(stub *s, const char *auth) {
  int in[2], out[2];
  assert_int_equal(pipe(in), 0);
  assert_int_equal(pipe(out), 0);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_addclose(&fa, in[1]);
  posix_spawn_file_actions_addclose(&fa, out[0]);
  char *argv[] = {(char *)XT_PYTHON, (char *)XT_STUB, (char *)"--auth", (char *)auth, (char *)"--exit-on-eof",
                  (char *)"--max-seconds", (char *)XT_STUB_MAX_SECONDS, NULL};
  assert_int_equal(posix_spawn(&s->pid, XT_PYTHON, &fa, NULL, argv, environ), 0);
  posix_spawn_file_actions_destroy(&fa);
  close(in[0]);
  close(out[1]);
  s->stdin_fd = in[1];
  FILE *f = fdopen(out[0], "r");
  assert_non_null(f);
  assert_int_equal(fscanf(f, "PORT %d", &s->port), 1);
  fclose(f);
  snprintf(s->url, sizeof s->url, "http://127.0.0.1:%d", s->port);
}

static void stub_stop(stub *s) {
  close(s->stdin_fd);
  kill(s->pid, SIGTERM);
  waitpid(s->pid, NULL, 0);
}

/* A port nothing listens on: bound, read, closed. */
static int free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
  assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
  close(fd);
  return ntohs(a.sin_port);
}

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static xs_cli_curl *client(const char *url, const char *user, const char *pass, long timeout_ms) {
  char err[256] = "";
  xs_cli_curl_opts o = {.user = user, .password = pass, .request_timeout_ms = timeout_ms,
                        .connect_timeout_ms = timeout_ms};
  xs_cli_curl *c = xs_cli_curl_new(url, &o, err, sizeof err);
  if (!c) fail_msg("xs_cli_curl_new(%s): %s", url, err);
  return c;
}

/* One request through the transport; returns its rc, the answer in out. */
static int call(xs_cli_curl *c, const char *method, const char *target, const char *ctype, const char *body,
                xs_cli_response *out) {
  xs_http_request *req = xs_http_request_new(method, target);
  assert_non_null(req);
  if (ctype) assert_int_equal(xs_http_request_add_header(req, "Content-Type", ctype), 0);
  if (body) assert_int_equal(xs_http_request_set_body(req, body, strlen(body)), 0);
  xs_cli_transport t = xs_cli_curl_transport(c);
  int rc = t.request(t.ud, req, out);
  xs_http_request_free(req);
  return rc;
}

/* What the stub's /echo saw, as JSON (the caller decrefs). */
static json_t *echo(xs_cli_curl *c, const char *method, const char *ctype, const char *body) {
  xs_cli_response r;
  xs_cli_response_init(&r);
  assert_int_equal(call(c, method, "/echo", ctype, body, &r), 0);
  assert_int_equal(r.status, 200);
  assert_string_equal(r.content_type, "application/json");
  json_t *j = json_loadb((const char *)r.body.data, r.body.len, 0, NULL);
  assert_non_null(j);
  xs_cli_response_free(&r);
  return j;
}

static const char *jstr(const json_t *o, const char *path1, const char *path2) {
  const json_t *v = json_object_get(o, path1);
  if (path2) v = json_object_get(v, path2);
  return json_string_value(v);
}

/* The stub's counters. */
static json_t *stats(xs_cli_curl *c) {
  xs_cli_response r;
  xs_cli_response_init(&r);
  assert_int_equal(call(c, "GET", "/stats", NULL, NULL, &r), 0);
  json_t *j = json_loadb((const char *)r.body.data, r.body.len, 0, NULL);
  assert_non_null(j);
  xs_cli_response_free(&r);
  return j;
}

/* ------------------------------------------------------------------------ */

/* Methods and bodies as the command layer builds them, and nothing of
 * curl's own: no form Content-Type on a bare POST, no Expect. */
static void test_requests_as_sent(void **state) {
  stub s;
  stub_start(&s, "none");
  xs_cli_curl *c = client(s.url, NULL, NULL, 0);
  json_t *j = echo(c, "POST", NULL, NULL);
  assert_string_equal(jstr(j, "method", NULL), "POST");
  assert_null(jstr(j, "headers", "content-type"));
  assert_null(jstr(j, "headers", "expect"));
  assert_string_equal(jstr(j, "headers", "content-length"), "0");
  json_decref(j);
  j = echo(c, "PUT", "text/plain", "user-a-1");
  assert_string_equal(jstr(j, "method", NULL), "PUT");
  assert_string_equal(jstr(j, "headers", "content-type"), "text/plain");
  assert_string_equal(jstr(j, "body", NULL), "user-a-1");
  json_decref(j);
  j = echo(c, "GET", NULL, NULL); /* after a PUT: a GET again, without a body */
  assert_string_equal(jstr(j, "method", NULL), "GET");
  assert_null(jstr(j, "headers", "content-length"));
  json_decref(j);
  j = echo(c, "DELETE", NULL, NULL);
  assert_string_equal(jstr(j, "method", NULL), "DELETE");
  json_decref(j);
  xs_cli_response r;
  xs_cli_response_init(&r);
  assert_int_equal(call(c, "HEAD", "/echo", NULL, NULL, &r), 0);
  assert_int_equal(r.status, 200);
  assert_int_equal(r.body.len, 0);
  assert_int_equal(call(c, "POST", "/echo", "application/json", "{\"a\":1}", &r), 0);
  assert_non_null(strstr(xs_buf_cstr(&r.body), "\"method\": \"POST\""));
  /* Keep-alive: one connection for all of it. */
  j = stats(c);
  assert_int_equal(json_integer_value(json_object_get(j, "connections")), 1);
  json_decref(j);
  assert_int_equal(xs_cli_curl_connections(c), 1);
  xs_cli_response_free(&r);
  xs_cli_curl_free(c);
  stub_stop(&s);
}

/* Status, body and headers of plain answers. */
static void test_statuses(void **state) {
  stub s;
  stub_start(&s, "none");
  xs_cli_curl *c = client(s.url, NULL, NULL, 0);
  static const int codes[] = {200, 201, 204, 304, 400, 401, 403, 404, 500, 503};
  xs_cli_response r;
  xs_cli_response_init(&r);
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
    char target[32], body[32];
    snprintf(target, sizeof target, "/status/%d", codes[i]);
    snprintf(body, sizeof body, "status %d", codes[i]);
    assert_int_equal(call(c, "GET", target, NULL, NULL, &r), 0);
    assert_int_equal(r.status, codes[i]);
    assert_string_equal(xs_buf_cstr(&r.body), codes[i] == 204 || codes[i] == 304 ? "" : body);
    assert_string_equal(r.content_type, codes[i] == 204 || codes[i] == 304 ? "" : "text/plain; charset=UTF-8");
    for (int k = 0; k < r.nheaders; k++) {
      assert_true(strcasecmp(r.headers[k].name, "Content-Length") != 0);
      assert_true(strcasecmp(r.headers[k].name, "Content-Type") != 0);
    }
  }
  xs_cli_response_free(&r);
  assert_int_equal(xs_cli_curl_connections(c), 1);
  xs_cli_curl_free(c);
  stub_stop(&s);
}

/* A session over the transport: connect, a command, the CLI's messages. */
static void session_checks(xs_cli_curl *c, bool connected) {
  xs_cli_ctx ctx;
  xs_cli_ctx_init(&ctx, xs_cli_curl_transport(c));
  xs_buf out;
  xs_buf_init(&out, OUT_MAX);
  if (!connected) {
    assert_int_equal(xs_cli_connect(&ctx, &out), XS_CLI_FAILED);
    assert_string_equal(xs_buf_cstr(&out), "The supplied credentials are invalid \n");
    assert_int_equal(ctx.last_status, 401);
  } else {
    assert_int_equal(xs_cli_connect(&ctx, &out), XS_CLI_OK);
    xs_cli_prompt(&ctx, &out);
    assert_string_equal(xs_buf_cstr(&out), "[stub-0@STUB//containers/default]> ");
    xs_buf_reset(&out);
    assert_int_equal(xs_cli_exec(&ctx, "site status --all-caches --site=site-b", &out), XS_CLI_OK);
    assert_string_equal(xs_buf_cstr(&out), "{\n  \"status\" : \"online\"\n}\n");
    xs_buf_reset(&out);
    assert_int_equal(xs_cli_exec(&ctx, "site status --all-caches --site=site-c", &out), XS_CLI_FAILED);
    assert_string_equal(xs_buf_cstr(&out), "Not Found: Site 'site-c' not found\n");
    xs_buf_reset(&out);
    assert_int_equal(xs_cli_exec(&ctx, "site view", &out), XS_CLI_OK);
    assert_string_equal(xs_buf_cstr(&out), "[site-a, site-b]\n");
  }
  xs_cli_ctx_free(&ctx);
  xs_buf_free(&out);
}

static void test_digest(void **state) {
  stub s;
  stub_start(&s, "digest");
  xs_cli_curl *c = client(s.url, NULL, NULL, 0);
  session_checks(c, false); /* no credentials: the 401 is the answer */
  assert_int_equal(xs_cli_curl_set_credentials(c, "developer", "wrong"), 0);
  session_checks(c, false);
  assert_int_equal(xs_cli_curl_set_credentials(c, "developer", "secret"), 0);
  assert_string_equal(xs_cli_curl_user(c), "developer");
  session_checks(c, true);
  json_t *j = stats(c);
  const json_t *schemes = json_object_get(j, "schemes");
  assert_true(json_array_size(schemes) > 3);
  for (size_t i = 0; i < json_array_size(schemes); i++)
    assert_string_equal(json_string_value(json_array_get(schemes, i)), "Digest");
  /* The challenge is answered on the same connection, and the nonce kept:
   * after the first 401 every request goes through at once. */
  assert_int_equal(json_integer_value(json_object_get(j, "connections")), 1);
  json_decref(j);
  xs_cli_curl_free(c);
  stub_stop(&s);
}

static void test_basic_and_both(void **state) {
  stub s;
  stub_start(&s, "basic");
  xs_cli_curl *c = client(s.url, "developer", "secret", 0);
  session_checks(c, true);
  xs_cli_curl_free(c);
  c = client(s.url, "developer", "nope", 0);
  session_checks(c, false);
  xs_cli_curl_free(c);
  stub_stop(&s);
  /* Both offered (Elytron sends one challenge each): Digest is taken. */
  stub_start(&s, "both");
  char url[128];
  snprintf(url, sizeof url, "http://developer:secret@127.0.0.1:%d", s.port);
  c = client(url, NULL, NULL, 0); /* credentials from the URL */
  session_checks(c, true);
  json_t *j = stats(c);
  assert_string_equal(json_string_value(json_array_get(json_object_get(j, "schemes"), 0)), "Digest");
  json_decref(j);
  xs_cli_curl_free(c);
  stub_stop(&s);
}

static void expect_failure(xs_cli_curl *c, const char *target, const char *want, long max_ms) {
  xs_cli_response r;
  xs_cli_response_init(&r);
  long t0 = now_ms();
  int rc = call(c, "GET", target, NULL, NULL, &r);
  long took = now_ms() - t0;
  assert_true(rc < 0);
  assert_int_equal(r.status, 0);
  if (strcmp(r.error, want) != 0) fail_msg("error [%s], want [%s]", r.error, want);
  assert_null(strchr(r.error, '\n'));
  if (took > max_ms) fail_msg("%s took %ld ms", target, took);
  xs_cli_response_free(&r);
}

static void test_failures(void **state) {
  char url[64], want[256];
  int port = free_port();
  snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
  xs_cli_curl *c = client(url, NULL, NULL, XT_TIMEOUT_MS);
  snprintf(want, sizeof want, "Connection refused: 127.0.0.1:%d", port);
  expect_failure(c, "/rest/v2/server", want, XT_TIMEOUT_SLACK_MS);
  /* Through the command layer: the same line, and no connection. */
  xs_cli_ctx ctx;
  xs_cli_ctx_init(&ctx, xs_cli_curl_transport(c));
  xs_buf out;
  xs_buf_init(&out, OUT_MAX);
  assert_int_equal(xs_cli_connect(&ctx, &out), XS_CLI_FAILED);
  snprintf(want, sizeof want, "Connection refused: 127.0.0.1:%d\n", port);
  assert_string_equal(xs_buf_cstr(&out), want);
  assert_false(ctx.connected);
  xs_cli_ctx_free(&ctx);
  xs_buf_free(&out);
  xs_cli_curl_free(c);

  stub s;
  stub_start(&s, "none");
  c = client(s.url, NULL, NULL, XT_TIMEOUT_MS);
  snprintf(want, sizeof want, "Read timed out: no answer from 127.0.0.1:%d within %ld ms", s.port, XT_TIMEOUT_MS);
  expect_failure(c, "/hang", want, XT_TIMEOUT_MS + XT_TIMEOUT_SLACK_MS);
  snprintf(want, sizeof want, "The server at 127.0.0.1:%d closed the connection without answering", s.port);
  expect_failure(c, "/close", want, XT_TIMEOUT_SLACK_MS);
  /* The session goes on after both, on a new connection. */
  xs_cli_response r;
  xs_cli_response_init(&r);
  assert_int_equal(call(c, "GET", "/status/200", NULL, NULL, &r), 0);
  assert_int_equal(r.status, 200);
  xs_cli_response_free(&r);
  xs_cli_curl_free(c);
  stub_stop(&s);

  /* .invalid never resolves (RFC 6761); without DNS it may time out. */
  c = client("http://nosuch.invalid:11222", NULL, NULL, XT_TIMEOUT_MS);
  xs_cli_response_init(&r);
  assert_true(call(c, "GET", "/rest/v2/server", NULL, NULL, &r) < 0);
  if (strcmp(r.error, "Unknown host: nosuch.invalid") != 0 && strncmp(r.error, "Connect timed out", 17) != 0)
    fail_msg("unknown host gave [%s]", r.error);
  xs_cli_response_free(&r);
  xs_cli_curl_free(c);
}

/* Connection strings as RestConnector reads them. */
static void test_connection_strings(void **state) {
  static const struct {
    const char *in, *base, *user;
  } ok[] = {
      {"-", "http://localhost:11222", NULL},
      {"", "http://localhost:11222", NULL},
      {"127.0.0.1:11222", "http://127.0.0.1:11222", NULL},
      {"localhost:", "http://localhost:11222", NULL},
      {"http://127.0.0.1:11222", "http://127.0.0.1:11222", NULL},
      {"http://127.0.0.1:11222/", "http://127.0.0.1:11222", NULL},
      {"https://127.0.0.1:11222/rest", "https://127.0.0.1:11222", NULL},
      {"http://example.org", "http://example.org:80", NULL},
      {"https://example.org", "https://example.org:443", NULL},
      {"http://[::1]:11222", "http://[::1]:11222", NULL},
      {"http://admin:pa%3Ass@h:11223", "http://h:11223", "admin"},
      {"http://a%40b@h:1", "http://h:1", "a@b"},
  };
  char err[256];
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    xs_cli_curl *c = xs_cli_curl_new(ok[i].in, NULL, err, sizeof err);
    if (!c) fail_msg("'%s': %s", ok[i].in, err);
    assert_string_equal(xs_cli_curl_base_url(c), ok[i].base);
    if (ok[i].user) assert_string_equal(xs_cli_curl_user(c), ok[i].user);
    else assert_null(xs_cli_curl_user(c));
    xs_cli_curl_free(c);
  }
  static const char *const bad[] = {"ftp://h:21", "nonsense", "http://", "h:x1"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    err[0] = 0;
    assert_null(xs_cli_curl_new(bad[i], NULL, err, sizeof err));
    assert_true(strlen(err) > 0);
    assert_null(strchr(err, '\n'));
  }
  /* opts' credentials win over the URL's. */
  xs_cli_curl_opts o = {.user = "u2", .password = "p2"};
  xs_cli_curl *c = xs_cli_curl_new("http://u1:p1@h:1", &o, err, sizeof err);
  assert_string_equal(xs_cli_curl_user(c), "u2");
  char longname[XS_CLI_CURL_CREDENTIAL_MAX + 8];
  memset(longname, 'x', sizeof longname - 1);
  longname[sizeof longname - 1] = 0;
  assert_int_equal(xs_cli_curl_set_credentials(c, longname, ""), XS_EINVAL);
  assert_int_equal(xs_cli_curl_set_credentials(c, NULL, NULL), 0);
  assert_null(xs_cli_curl_user(c));
  xs_cli_curl_free(c);
}

/* `connect URL` through the connector: a new client each time, the old
 * one kept until the new one exists. */
static void test_connector(void **state) {
  stub s;
  stub_start(&s, "basic");
  xs_cli_curl_connector k = {.request_timeout_ms = XT_TIMEOUT_MS, .connect_timeout_ms = XT_TIMEOUT_MS};
  xs_cli_ctx ctx;
  xs_cli_ctx_init(&ctx, (xs_cli_transport){NULL, NULL});
  ctx.connector = xs_cli_curl_connect;
  ctx.connector_ud = &k;
  xs_buf out;
  xs_buf_init(&out, OUT_MAX);
  char line[256];
  snprintf(line, sizeof line, "connect %s -u developer -p secret", s.url);
  assert_int_equal(xs_cli_exec(&ctx, line, &out), XS_CLI_OK);
  assert_true(ctx.connected);
  snprintf(line, sizeof line, "connect ftp://nowhere");
  assert_int_equal(xs_cli_exec(&ctx, line, &out), XS_CLI_FAILED);
  assert_non_null(strstr(xs_buf_cstr(&out), "the protocol must be http or https\n"));
  assert_false(ctx.connected);
  xs_buf_reset(&out);
  snprintf(line, sizeof line, "connect %s", s.url); /* no credentials: 401 */
  assert_int_equal(xs_cli_exec(&ctx, line, &out), XS_CLI_FAILED);
  assert_string_equal(xs_buf_cstr(&out), "The supplied credentials are invalid \n");
  assert_int_equal(ctx.last_status, 401);
  assert_null(xs_cli_curl_user(k.client));
  xs_buf_reset(&out);
  snprintf(line, sizeof line, "connect http://developer:secret@127.0.0.1:%d", s.port);
  assert_int_equal(xs_cli_exec(&ctx, line, &out), XS_CLI_OK);
  assert_int_equal(xs_cli_exec(&ctx, "site name", &out), XS_CLI_OK);
  assert_string_equal(xs_buf_cstr(&out), "site-a\n");
  xs_cli_ctx_free(&ctx);
  xs_cli_curl_connector_free(&k);
  xs_buf_free(&out);
  stub_stop(&s);
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  assert_int_equal(xs_cli_curl_global_init(), 0);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_requests_as_sent), cmocka_unit_test(test_statuses),
      cmocka_unit_test(test_digest),           cmocka_unit_test(test_basic_and_both),
      cmocka_unit_test(test_failures),         cmocka_unit_test(test_connection_strings),
      cmocka_unit_test(test_connector),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
