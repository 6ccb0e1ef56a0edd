/*
 * serve.c - `xsim serve`: reads the command line, builds the simulation
 * (a preset or a topology file, a seed), the identities, and a server with
 * one single port (REST + RESP, Infinispan's detection) per site and the
 * optional dedicated RESP ports; prints where each site listens and how to
 * connect; runs until SIGINT or SIGTERM.  docs/serve.md is the manual.
 */
#include "serve.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "auth.h"
#include "server.h"
#include "state_file.h"
#include "xsim.h"

#define SERVE_ENDPOINTS_MAX XS_SERVE_LISTENERS_MAX
#define SERVE_HOST_BYTES_MAX 64
#define SERVE_DEFAULT_HOST "127.0.0.1"
#define SERVE_DEFAULT_PORT 11222 /* site i listens on 11222 + i */
#define SERVE_DEFAULT_SEED 1

typedef struct endpoint {
  char site[XS_NAME_BYTES_MAX];
  char host[SERVE_HOST_BYTES_MAX];
  int port;
  xs_listen_kind kind;
} endpoint;

typedef struct serve_opts {
  const char *preset, *topology, *identities;
  const char *load_state;       /* --load-state FILE */
  xs_state_info state;          /* what it held */
  uint64_t seed;
  bool no_auth;
  xs_server_config cfg;
  endpoint ep[SERVE_ENDPOINTS_MAX];
  int nep;
} serve_opts;

static void usage(FILE *f) {
  fprintf(f,
          "usage: xsim serve [--preset keycloak-ha|crossdc-legacy|resp-xsite | --topology FILE\n"
          "                   | --load-state FILE]\n"
          "                  [--seed N] [--clock real|manual] [--time-scale X]\n"
          "                  [--listen SITE=HOST:PORT]... [--resp SITE=HOST:PORT]...\n"
          "                  [--identities FILE | --no-auth] [--resp-protocol strict|auto]\n"
          "                  [--max-connections N] [--stall-timeout-ms N] [--quiet]\n"
          "Defaults: preset keycloak-ha, seed %d, real clock, site i on %s:%d+i (port 0: any free\n"
          "port), auth on with the admin %s / %s.  See docs/serve.md.\n",
          SERVE_DEFAULT_SEED, SERVE_DEFAULT_HOST, SERVE_DEFAULT_PORT, XS_AUTH_DEFAULT_USER,
          XS_AUTH_DEFAULT_PASS);
}

/* SITE=HOST:PORT (HOST may be [v6]); false when malformed. */
static bool parse_endpoint(const char *arg, xs_listen_kind kind, endpoint *e) {
  const char *eq = strchr(arg, '='), *colon = strrchr(arg, ':');
  if (!eq || !colon || colon < eq || (size_t)(eq - arg) >= sizeof e->site) return false;
  snprintf(e->site, sizeof e->site, "%.*s", (int)(eq - arg), arg);
  const char *h = eq + 1;
  size_t hl = (size_t)(colon - h);
  if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
    h++;
    hl -= 2;
  }
  if (hl == 0 || hl >= sizeof e->host) return false;
  snprintf(e->host, sizeof e->host, "%.*s", (int)hl, h);
  char *end;
  errno = 0;
  long port = strtol(colon + 1, &end, 10);
  if (*end || errno || port < 0 || port > 65535 || end == colon + 1) return false;
  e->port = (int)port;
  e->kind = kind;
  return true;
}

/* One option with its value; 1 taken, 0 not this option, -1 bad. */
static int value_opt(serve_opts *o, const char *name, const char *v) {
  if (strcmp(name, "--preset") == 0) o->preset = v;
  else if (strcmp(name, "--topology") == 0) o->topology = v;
  else if (strcmp(name, "--load-state") == 0) o->load_state = v;
  else if (strcmp(name, "--identities") == 0) o->identities = v;
  else if (strcmp(name, "--seed") == 0) {
    char *end;
    errno = 0;
    o->seed = strtoull(v, &end, 0);
    if (*end || errno || !*v) return -1;
  } else if (strcmp(name, "--clock") == 0) {
    if (strcmp(v, "real") && strcmp(v, "manual")) return -1;
    o->cfg.clock = strcmp(v, "manual") == 0 ? XS_CLOCK_MANUAL : XS_CLOCK_REAL;
  } else if (strcmp(name, "--time-scale") == 0) {
    char *end;
    o->cfg.time_scale = strtod(v, &end);
    if (*end || !*v) return -1;
  } else if (strcmp(name, "--resp-protocol") == 0) {
    if (strcmp(v, "strict") && strcmp(v, "auto")) return -1;
    o->cfg.resp2_until_hello = strcmp(v, "auto") == 0;
  } else if (strcmp(name, "--max-connections") == 0) {
    o->cfg.max_connections = atoi(v);
    if (o->cfg.max_connections <= 0) return -1;
  } else if (strcmp(name, "--stall-timeout-ms") == 0) {
    o->cfg.stall_ms = atoll(v);
    if (o->cfg.stall_ms <= 0) return -1;
  } else if (strcmp(name, "--listen") == 0 || strcmp(name, "--resp") == 0) {
    if (o->nep >= SERVE_ENDPOINTS_MAX) return -1;
    xs_listen_kind k = strcmp(name, "--resp") == 0 ? XS_LISTEN_RESP : XS_LISTEN_SINGLE;
    if (!parse_endpoint(v, k, &o->ep[o->nep])) return -1;
    o->nep++;
  } else {
    return 0;
  }
  return 1;
}

static int parse_args(int argc, char **argv, serve_opts *o) {
  memset(o, 0, sizeof *o);
  o->seed = SERVE_DEFAULT_SEED;
  o->cfg.clock = XS_CLOCK_REAL;
  o->cfg.time_scale = 1.0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--no-auth") == 0) o->no_auth = true;
    else if (strcmp(a, "--quiet") == 0) o->cfg.quiet = true;
    else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) return 1;
    else {
      int rc = i + 1 < argc ? value_opt(o, a, argv[i + 1]) : 0;
      if (rc <= 0) {
        fprintf(stderr, "xsim serve: %s '%s'\n", rc < 0 ? "bad value for" : "unknown option or missing value:", a);
        return -1;
      }
      i++;
    }
  }
  if ((o->preset && o->topology) || (o->identities && o->no_auth)) {
    fprintf(stderr, "xsim serve: --preset and --topology (or --identities and --no-auth) exclude each other\n");
    return -1;
  }
  if (o->load_state && (o->preset || o->topology)) {
    fprintf(stderr, "xsim serve: --load-state brings its own topology (no --preset or --topology)\n");
    return -1;
  }
  return 0;
}

static xs_sim *make_sim(serve_opts *o) {
  xs_topology t;
  char err[512];
  if (o->load_state) {
    xs_sim *sim = NULL;
    if (xs_state_load(o->load_state, &sim, &o->state, err, sizeof err) < 0) fprintf(stderr, "xsim serve: %s\n", err);
    else o->seed = xs_sim_seed(sim);
    return sim;
  }
  if (o->topology) {
    if (xs_topology_load(o->topology, &t, err, sizeof err) < 0) {
      fprintf(stderr, "xsim serve: %s\n", err);
      return NULL;
    }
  } else if (xs_topology_preset(o->preset ? o->preset : "keycloak-ha", &t) < 0) {
    fprintf(stderr, "xsim serve: unknown preset '%s' (keycloak-ha, crossdc-legacy, resp-xsite)\n", o->preset);
    return NULL;
  }
  xs_sim *sim = xs_sim_new(&t, o->seed, err, sizeof err);
  if (!sim) fprintf(stderr, "xsim serve: %s\n", err);
  return sim;
}

static xs_auth *make_auth(const serve_opts *o) {
  uint8_t secret[XS_AUTH_SECRET_BYTES];
  if (getrandom(secret, sizeof secret, 0) != (ssize_t)sizeof secret) {
    fprintf(stderr, "xsim serve: no randomness for the Digest nonces\n");
    return NULL;
  }
  xs_auth *a = xs_auth_new(secret);
  if (!a) return NULL;
  char err[512];
  int rc = o->identities ? xs_auth_load(a, o->identities, err, sizeof err)
                         : xs_auth_add(a, XS_AUTH_DEFAULT_USER, XS_AUTH_DEFAULT_PASS, XS_ROLE_ADMIN);
  if (rc == 0 && xs_auth_count(a) == 0) {
    snprintf(err, sizeof err, "%s: no identities", o->identities);
    rc = XS_ECONFIG;
  }
  if (rc < 0) {
    fprintf(stderr, "xsim serve: %s\n", o->identities ? err : xs_strerror(rc));
    xs_auth_free(a);
    return NULL;
  }
  return a;
}

/* The endpoint given for (site, kind), or NULL. */
static const endpoint *given(const serve_opts *o, const char *site, xs_listen_kind kind) {
  for (int i = 0; i < o->nep; i++)
    if (o->ep[i].kind == kind && strcmp(o->ep[i].site, site) == 0) return &o->ep[i];
  return NULL;
}

/* Every site gets its single port (given, or the default); the dedicated
 * RESP ports only where asked.  Returns 0 or -1 after a message. */
static int listen_all(xs_server *srv, xs_sim *sim, const serve_opts *o) {
  char err[256];
  for (int i = 0; i < o->nep; i++) {
    if (xs_sim_site_index(sim, o->ep[i].site) < 0) {
      fprintf(stderr, "xsim serve: unknown site '%s'\n", o->ep[i].site);
      return -1;
    }
  }
  int nsites = xs_sim_topology(sim)->nsites;
  for (xs_listen_kind kind = XS_LISTEN_SINGLE; kind <= XS_LISTEN_RESP; kind++) {
    for (int s = 0; s < nsites; s++) {
      const endpoint *e = given(o, xs_sim_site_name(sim, s), kind);
      if (!e && kind == XS_LISTEN_RESP) continue;
      const char *host = e ? e->host : SERVE_DEFAULT_HOST;
      int port = e ? e->port : SERVE_DEFAULT_PORT + s;
      if (xs_server_listen(srv, s, host, port, kind, err, sizeof err) < 0) {
        fprintf(stderr, "xsim serve: %s: %s\n", xs_sim_site_name(sim, s), err);
        return -1;
      }
    }
  }
  return 0;
}

/* One line per listener ("site-a http+resp 127.0.0.1:11222": tests read
 * them), then how to connect. */
static void banner(xs_server *srv, xs_sim *sim, const serve_opts *o) {
  const xs_topology *t = xs_sim_topology(sim);
  printf("xsim serve: topology %s, seed %" PRIu64 ", clock %s", t->name, o->seed,
         o->cfg.clock == XS_CLOCK_MANUAL ? "manual" : "real");
  if (o->cfg.clock == XS_CLOCK_REAL && o->cfg.time_scale != 1.0) printf(" x%g", o->cfg.time_scale);
  printf(", auth %s\n", o->no_auth ? "off" : o->identities ? o->identities : "on (developer / strong-password, admin)");
  if (o->load_state)
    printf("xsim serve: state loaded from %s (saved from %s at %.3f s, %" PRId64 " entries)\n", o->load_state,
           o->state.source[0] ? o->state.source : "?", (double)o->state.time_ms / 1000.0, o->state.entries);
  char host[64], first[80] = "";
  int site, port;
  xs_listen_kind kind;
  for (int i = 0; i < xs_server_listeners(srv); i++) {
    xs_server_listener(srv, i, &site, &kind, host, sizeof host, &port);
    bool v6 = strchr(host, ':') != NULL;
    printf("%s %s %s%s%s:%d\n", xs_sim_site_name(sim, site), kind == XS_LISTEN_RESP ? "resp" : "http+resp",
           v6 ? "[" : "", host, v6 ? "]" : "", port);
    if (i == 0) snprintf(first, sizeof first, "%s%s%s:%d", v6 ? "[" : "", host, v6 ? "]" : "", port);
  }
  const char *cred = o->no_auth ? "" : o->identities ? "-u USER:PASSWORD " : "-u developer:strong-password ";
  printf("connect:\n  curl %shttp://%s/rest/v2/container\n", cred, first);
  printf("  redis-cli -u redis://%s%s\n", o->no_auth ? "" : o->identities ? "USER:PASSWORD@" : "developer:strong-password@",
         first);
  printf("  curl %s-X POST 'http://%s/sim/v1/partition?sites=%s,%s'\n", cred, first, t->sites[0].name,
         t->sites[t->nsites > 1 ? 1 : 0].name);
  printf("xsim serve: ready (Ctrl-C stops)\n");
  fflush(stdout);
}

typedef struct banner_ctx {
  xs_server *srv;
  xs_sim *sim;
  const serve_opts *o;
} banner_ctx;

/* The banner ends with "ready", so it waits until the server handles
 * SIGINT/SIGTERM (xs_server_config.ready). */
static void on_ready(void *ud) {
  banner_ctx *b = ud;
  banner(b->srv, b->sim, b->o);
}

int xs_serve_main(int argc, char **argv) {
  serve_opts o;
  int prc = parse_args(argc, argv, &o);
  if (prc) {
    usage(prc > 0 ? stdout : stderr);
    return prc > 0 ? 0 : 2;
  }
  xs_sim *sim = make_sim(&o);
  xs_auth *auth = sim && !o.no_auth ? make_auth(&o) : NULL;
  xs_server *srv = NULL;
  int rc = 1;
  char err[256];
  banner_ctx bc = {NULL, sim, &o};
  if (sim && (auth || o.no_auth)) {
    o.cfg.auth = auth;
    o.cfg.ready = on_ready;
    o.cfg.ready_ud = &bc;
    srv = bc.srv = xs_server_new(sim, &o.cfg, err, sizeof err);
    if (!srv) fprintf(stderr, "xsim serve: %s\n", err);
  }
  if (srv && listen_all(srv, sim, &o) == 0) {
    rc = xs_server_run(srv) == 0 ? 0 : 1;
    xs_server_stats st;
    xs_server_get_stats(srv, &st);
    fprintf(stderr, "xsim serve: stopped; %" PRIu64 " connections (%" PRIu64 " refused, %" PRIu64
            " stalled), %" PRIu64 " HTTP requests\n", st.accepted, st.refused, st.stalled, st.http_requests);
  }
  xs_server_free(srv);
  xs_sim_free(sim);
  xs_auth_free(auth);
  return rc;
}
