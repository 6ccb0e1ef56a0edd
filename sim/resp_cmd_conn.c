/*
 * resp_cmd_conn.c - connection and server commands: HELLO, AUTH, PING,
 * ECHO, SELECT, QUIT, RESET, COMMAND, CLIENT, CONFIG, DBSIZE, TIME,
 * READONLY/READWRITE.  Each follows its Infinispan 16.0 class in
 * server/resp/.../commands/, including where a missing argument surfaces as
 * Java's IndexOutOfBoundsException ("-ERR index out of range").
 */
#include <stdio.h>
#include <string.h>

#include "resp_internal.h"

/* What HELLO reports: Version.getMajorMinor() and the ReJSON module's
 * version number (major * 10000 + minor * 100 + patch, for 16.0.13). */
#define SERVER_BRAND "infinispan"
#define SERVER_VERSION "16.0"
#define REJSON_VERSION 160013

#define NOAUTH_HELLO \
  "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO " \
  "<proto> AUTH <user> <pass> option can be used to authenticate the client and select the " \
  "RESP protocol version at the same time"

/* Resp3AuthHandler.performAuth: no authenticator at all (auth off) refuses
 * every credential, as Infinispan does. */
static bool authenticate(xs_resp_session *s, int ui, int pi) {
  if (!s->cfg.auth) return false;
  int rc = s->cfg.auth(s->cfg.auth_ud, s->argv[ui], s->argl[ui], s->argv[pi], s->argl[pi]);
  if (rc < 0) return false;
  s->authenticated = true;
  s->perms = (uint32_t)rc;
  snprintf(s->user, sizeof s->user, "%s", s->argv[ui]);
  return true;
}

void xs__resp_cmd_auth(xs_resp_session *s) {
  if (s->argc < 3) { /* AUTH <password>: arguments.get(1) throws */
    xs_resp_w_error(&s->out, XS_RESP_E_INDEX);
    return;
  }
  if (!authenticate(s, 1, 2)) xs_resp_w_error(&s->out, XS_RESP_E_WRONGPASS);
  else xs_resp_w_simple(&s->out, "OK");
}

static void hello_reply(xs_resp_session *s) {
  xs_buf *b = &s->out;
  xs_resp_w_map(b, 7);
  xs_resp_w_bulk_str(b, "server");
  xs_resp_w_bulk_str(b, SERVER_BRAND);
  xs_resp_w_bulk_str(b, "version");
  xs_resp_w_bulk_str(b, SERVER_VERSION);
  xs_resp_w_bulk_str(b, "proto");
  xs_resp_w_int(b, 3);
  xs_resp_w_bulk_str(b, "id");
  xs_resp_w_int(b, s->cfg.client_id);
  xs_resp_w_bulk_str(b, "mode");
  xs_resp_w_bulk_str(b, "cluster"); /* every site is a clustered cache manager */
  xs_resp_w_bulk_str(b, "role");
  xs_resp_w_bulk_str(b, "master");
  xs_resp_w_bulk_str(b, "modules");
  xs_resp_w_array(b, 1);
  xs_resp_w_map(b, 4);
  xs_resp_w_bulk_str(b, "name");
  xs_resp_w_bulk_str(b, "ReJSON");
  xs_resp_w_bulk_str(b, "ver");
  xs_resp_w_int(b, REJSON_VERSION);
  xs_resp_w_bulk_str(b, "path");
  xs_resp_w_bulk_str(b, "internal");
  xs_resp_w_bulk_str(b, "args");
  xs_resp_w_array(b, 0);
}

void xs__resp_cmd_hello(xs_resp_session *s) {
  int32_t ver;
  if (s->argc < 2) {
    xs_resp_w_error(&s->out, XS_RESP_E_INDEX);
    return;
  }
  if (!xs__resp_java_toint(s->argv[1], s->argl[1], &ver) || ver != 3) {
    xs_resp_w_error(&s->out, "NOPROTO sorry this protocol version is not supported");
    return;
  }
  if (s->argc == 5) { /* arguments.size() == 4: positions 2 and 3, whatever 1 says */
    if (!authenticate(s, 3, 4)) {
      xs_resp_w_error(&s->out, XS_RESP_E_WRONGPASS);
      return;
    }
  } else if (!s->authenticated) {
    xs_resp_w_error(&s->out, NOAUTH_HELLO);
    return;
  }
  s->resp3 = true; /* this reply and every later one in RESP3 */
  hello_reply(s);
}

void xs__resp_cmd_ping(xs_resp_session *s) {
  if (s->argc == 1) xs_resp_w_bulk_str(&s->out, "PONG");
  else if (s->argc == 2) xs_resp_w_bulk(&s->out, s->argv[1], s->argl[1]);
  else xs_resp_w_error(&s->out, XS_RESP_E_UNKNOWN); /* PING delegates to the base handler */
}

void xs__resp_cmd_echo(xs_resp_session *s) { xs_resp_w_bulk(&s->out, s->argv[1], s->argl[1]); }

void xs__resp_cmd_select(xs_resp_session *s) {
  if (s->argc < 2) {
    xs_resp_w_error(&s->out, XS_RESP_E_INDEX);
    return;
  }
  /* cacheManager.getCache(db): a cache name or alias defined on this site. */
  int c = strlen(s->argv[1]) == s->argl[1] ? xs_sim_cache_index(s->sim, s->argv[1]) : -1;
  if (c < 0 || !xs_sim_cache_defined(s->sim, s->site, c)) {
    xs_resp_w_error(&s->out, "ERR DB index is out of range");
    return;
  }
  s->cache = c;
  xs_resp_w_simple(&s->out, "OK");
}

void xs__resp_cmd_quit(xs_resp_session *s) {
  s->closing = true; /* Infinispan closes the channel without a reply */
}

void xs__resp_cmd_reset(xs_resp_session *s) {
  xs_resp_w_bulk_str(&s->out, "RESET");
  if (s->cfg.resp2_until_hello) s->resp3 = false; /* RESET goes back to RESP2, as Redis */
  if (s->cfg.auth) { /* a fresh Resp3AuthHandler on the default cache */
    s->authenticated = false;
    s->perms = 0;
    s->user[0] = 0;
    s->cache = s->default_cache;
  }
}

void xs__resp_cmd_readonly(xs_resp_session *s) { xs_resp_w_simple(&s->out, "OK"); }

void xs__resp_cmd_dbsize(xs_resp_session *s) {
  int64_t n = xs_cache_size(s->sim, s->site, s->cache);
  xs_resp_w_int(&s->out, n < 0 ? 0 : n);
}

void xs__resp_cmd_time(xs_resp_session *s) {
  /* The virtual clock as wall time since the configured epoch. */
  xs_ms t = s->cfg.time_epoch_ms + xs_sim_now(s->sim);
  char sec[24], usec[24];
  snprintf(sec, sizeof sec, "%lld", (long long)(t / 1000));
  snprintf(usec, sizeof usec, "%lld", (long long)(t % 1000) * 1000);
  xs_resp_w_array(&s->out, 2);
  xs_resp_w_bulk_str(&s->out, sec);
  xs_resp_w_bulk_str(&s->out, usec);
}

/* ------------------------------------------------------------------------ */
/* COMMAND                                                                    */

static void describe(xs_buf *b, const xs__resp_cmd *c) {
  int nacl = 0;
  for (int i = 0; i < XS__ACL_BITS; i++) nacl += (c->acl >> i) & 1u;
  xs_resp_w_array(b, 10);
  xs_resp_w_bulk_str(b, c->name);
  xs_resp_w_int(b, c->arity);
  xs_resp_w_set(b, 0); /* flags */
  xs_resp_w_int(b, c->first_key);
  xs_resp_w_int(b, c->last_key);
  xs_resp_w_int(b, c->step);
  xs_resp_w_array(b, (size_t)nacl);
  for (int i = 0; i < XS__ACL_BITS; i++)
    if ((c->acl >> i) & 1u) xs_resp_w_bulk_str(b, xs__resp_acl_name(i));
  xs_resp_w_set(b, 0); /* tips */
  xs_resp_w_set(b, 0); /* key specifications */
  xs_resp_w_set(b, 0); /* subcommands */
}

static void describe_all(xs_buf *b) {
  size_t n = xs__resp_cmd_count();
  xs_resp_w_array(b, n);
  for (size_t i = 0; i < n; i++) describe(b, xs__resp_cmd_at(i));
}

/* Java's ascii(bytes).toUpperCase(): non-ASCII bytes decode to U+FFFD,
 * shown here as '?'. */
static void ascii_upper(const char *p, size_t n, char *out, size_t outlen) {
  size_t k = 0;
  for (size_t i = 0; i < n && k + 1 < outlen; i++) {
    unsigned char c = (unsigned char)p[i];
    out[k++] = (char)(c >= 0x80 ? '?' : (c >= 'a' && c <= 'z') ? c - 32 : c);
  }
  out[k] = 0;
}

static void command_info(xs_resp_session *s) {
  for (int i = 2; i < s->argc; i++) {
    if (s->argl[i] == 0) { /* fromString: s.charAt(0) on "" */
      xs_resp_w_error(&s->out, XS_RESP_E_INDEX);
      return;
    }
  }
  xs_resp_w_array(&s->out, (size_t)(s->argc - 2));
  for (int i = 2; i < s->argc; i++) {
    const xs__resp_cmd *c = xs__resp_cmd_find(s->argv[i], s->argl[i]);
    if (c) describe(&s->out, c);
    else xs_resp_w_null(&s->out);
  }
}

void xs__resp_cmd_command(xs_resp_session *s) {
  char sub[64];
  if (s->argc == 1) {
    describe_all(&s->out);
    return;
  }
  ascii_upper(s->argv[1], s->argl[1], sub, sizeof sub);
  if (!strcmp(sub, "COUNT")) {
    xs_resp_w_int(&s->out, (int64_t)xs__resp_cmd_count());
  } else if (!strcmp(sub, "INFO")) {
    if (s->argc == 2) describe_all(&s->out);
    else command_info(s);
  } else if (!strcmp(sub, "LIST")) {
    if (s->argc == 2) describe_all(&s->out);
    else xs_resp_w_error(&s->out, XS_RESP_E_SYNTAX);
  } else {
    xs_resp_w_errorf(&s->out, "ERR unknown subcommand '%s'. Try COMMAND HELP.", sub);
  }
}

/* ------------------------------------------------------------------------ */
/* CLIENT                                                                     */

/* CLIENT_SETINFO_PATTERN: ASCII and no whitespace (\s, \t, \n, \x0B, \f, \r). */
static bool setinfo_ok(const char *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)p[i];
    if (c >= 0x80 || c == ' ' || (c >= '\t' && c <= '\r')) return false;
  }
  return true;
}

/* Returns false after writing an error. */
static bool setinfo_attr(xs_resp_session *s, int *i) {
  char name[64];
  ascii_upper(s->argv[*i], s->argl[*i], name, sizeof name);
  bool is_name = !strcmp(name, "LIB-NAME");
  if (!is_name && strcmp(name, "LIB-VER")) {
    xs_resp_w_errorf(&s->out, "ERR unsupported attribute %.*s", (int)s->argl[*i], s->argv[*i]);
    return false;
  }
  if (++*i >= s->argc) {
    xs_resp_w_error(&s->out, XS_RESP_E_INDEX);
    return false;
  }
  if (!setinfo_ok(s->argv[*i], s->argl[*i]) || s->argl[*i] >= XS_RESP_CLIENT_NAME_BYTES_MAX) {
    xs_resp_w_errorf(&s->out, "ERR %s cannot contain spaces, newlines or special characters.",
                     is_name ? "lib-name" : "lib-ver");
    return false;
  }
  snprintf(is_name ? s->lib_name : s->lib_ver, XS_RESP_CLIENT_NAME_BYTES_MAX, "%s", s->argv[*i]);
  return true;
}

/* ConnectionMetadata as CLIENT INFO / LIST print it. */
static void client_info_text(xs_resp_session *s, xs_buf *t) {
  xs_ms age = (xs_sim_now(s->sim) - s->created_ms) / 1000;
  xs_buf_printf(t, "id=%lld addr=%s laddr=%s name=%s lib-name=%s lib-ver=%s age=%lld db=%s user=%s resp=3\n",
                (long long)s->cfg.client_id, s->peer, s->local, s->has_client_name ? s->client_name : "",
                s->lib_name, s->lib_ver, (long long)age, xs_sim_cache_name(s->sim, s->cache),
                s->user[0] ? s->user : "null");
}

static void client_text(xs_resp_session *s) {
  xs_buf t;
  xs_buf_init(&t, 4096);
  client_info_text(s, &t);
  xs_resp_w_bulk(&s->out, t.data, t.len);
  xs_buf_free(&t);
}

/* Every session of this endpoint, in the order they connected (only this
 * one when the session was made without an endpoint list). */
static void client_list(xs_resp_session *s) {
  xs_buf t;
  xs_buf_init(&t, XS_RESP_OUTPUT_BYTES_MAX);
  if (!s->cfg.clients) client_info_text(s, &t);
  for (xs_resp_session *o = s->cfg.clients ? s->cfg.clients->head : NULL; o; o = o->cl_next)
    client_info_text(o, &t);
  xs_resp_w_bulk(&s->out, t.data, t.len);
  xs_buf_free(&t);
}

static bool unsupported_sub(const char *sub) {
  static const char *const subs[] = {"CACHING", "UNPAUSE", "PAUSE", "NO-EVICT", "KILL",
                                     "NO-TOUCH", "GETREDIR", "UNBLOCK", "REPLY"};
  for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
    if (!strcmp(sub, subs[i])) return true;
  return false;
}

static void client_setname(xs_resp_session *s) {
  if (s->argc < 3) {
    xs_resp_w_error(&s->out, XS_RESP_E_INDEX);
  } else if (s->argl[2] >= XS_RESP_CLIENT_NAME_BYTES_MAX) {
    xs_resp_w_error(&s->out, "ERR client name too long");
  } else {
    memcpy(s->client_name, s->argv[2], s->argl[2] + 1);
    s->has_client_name = true;
    xs_resp_w_simple(&s->out, "OK");
  }
}

void xs__resp_cmd_client(xs_resp_session *s) {
  char sub[64];
  ascii_upper(s->argv[1], s->argl[1], sub, sizeof sub);
  if (unsupported_sub(sub)) {
    xs_resp_w_error(&s->out, "ERR unsupported command");
  } else if (!strcmp(sub, "SETINFO")) {
    for (int i = 2; i < s->argc; i++)
      if (!setinfo_attr(s, &i)) return;
    xs_resp_w_simple(&s->out, "OK");
  } else if (!strcmp(sub, "SETNAME")) {
    client_setname(s);
  } else if (!strcmp(sub, "GETNAME")) {
    if (s->has_client_name) xs_resp_w_bulk(&s->out, s->client_name, strlen(s->client_name));
    else xs_resp_w_null(&s->out);
  } else if (!strcmp(sub, "ID")) {
    xs_resp_w_int(&s->out, s->cfg.client_id);
  } else if (!strcmp(sub, "INFO")) {
    client_text(s);
  } else if (!strcmp(sub, "LIST")) {
    if (!(s->perms & XS_RESP_PERM_ADMIN)) xs_resp_w_error(&s->out, XS_RESP_E_WRONGPASS);
    else client_list(s);
  } else if (!strcmp(sub, "TRACKING")) {
    xs_resp_w_error(&s->out, "ERR client tracking not supported");
  } else if (!strcmp(sub, "TRACKINGINFO")) {
    xs_resp_w_map(&s->out, 0);
  } else {
    /* Infinispan writes no reply at all here, which would leave the client
     * waiting forever; we answer like the other unsupported subcommands. */
    xs_resp_w_error(&s->out, "ERR unsupported command");
  }
}

/* ------------------------------------------------------------------------ */
/* CONFIG                                                                     */

void xs__resp_cmd_config(xs_resp_session *s) {
  char sub[16], name[64];
  if (s->argc < 3) {
    xs_resp_w_error(&s->out, XS_RESP_E_INDEX);
    return;
  }
  ascii_upper(s->argv[1], s->argl[1], sub, sizeof sub);
  if (s->argl[1] < sizeof sub && !strcmp(sub, "GET")) {
    ascii_upper(s->argv[2], s->argl[2], name, sizeof name);
    bool fits = s->argl[2] < sizeof name;
    if (fits && !strcmp(name, "APPENDONLY")) {
      xs_resp_w_map(&s->out, 1);
      xs_resp_w_bulk(&s->out, s->argv[2], s->argl[2]);
      xs_resp_w_simple(&s->out, "no");
    } else if (fits && !strcmp(name, "DATABASES")) {
      xs_resp_w_bulk_str(&s->out, "16");
    } else if (memchr(s->argv[2], '*', s->argl[2]) || memchr(s->argv[2], '?', s->argl[2])) {
      xs_resp_w_error(&s->out, "ERR CONFIG blob pattern matching not implemented");
    } else {
      xs_resp_w_map(&s->out, 1);
      xs_resp_w_bulk(&s->out, s->argv[2], s->argl[2]);
      xs_resp_w_bulk(&s->out, "", 0);
    }
  } else if (s->argl[1] < sizeof sub && !strcmp(sub, "SET")) {
    xs_resp_w_simple(&s->out, "OK"); /* accepted and ignored */
  } else {
    xs_resp_w_errorf(&s->out, "ERR CONFIG %.*s not implemented", (int)s->argl[1], s->argv[1]);
  }
}
