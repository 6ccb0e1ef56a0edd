/*
 * topology_json.c - reads a topology from JSON (jansson).
 *
 * The format (docs/topology.md is its reference) follows the keys of
 * Infinispan's JSON/YAML cache configuration wherever the simulator models
 * the same thing - "owners", "locking.acquireTimeout", "backups.<site>.backup
 * .takeOffline.afterFailures" - so a Data Grid Cache CR template can be
 * carried over with little editing.  A document may start from a preset and
 * change only what it names: sites and caches are matched by name, backups by
 * site, and a backup set to null is removed.
 *
 * Every mistake is an error, unknown keys included: a mistyped key silently
 * ignored would leave a rehearsal running on a default nobody chose.  Each
 * message names the source and the JSON path of the offending value, and
 * nothing in the input can make this code read or write out of bounds.  Once
 * parsed, the result goes through xs_topology_validate like any other.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "xsim.h"

#define FILE_BYTES_MAX (16u << 20) /* a topology file; real ones are a few KiB */
#define PATH_BYTES_MAX 256         /* the JSON path shown in messages */
#define SHOWN_BYTES_MAX 48         /* how much of a bad string value is quoted */

/* The defaults of a topology built from nothing; the same values as
 * topology.c's (tests/test_topology.c checks that they agree). */
#define DEF_LINK_LATENCY_MS 1
#define DEF_XSITE_FD_TIMEOUT_MS 15000
#define DEF_SITE_NODES 3

typedef struct jctx {
  const char *what;        /* the source, first word of every message */
  char *err;
  size_t errlen;
  char path[PATH_BYTES_MAX];
  size_t plen;
  const xs_topology *topo; /* the one being read: definedOn names its sites */
} jctx;

/* ------------------------------------------------------------------------ */
/* Messages and paths                                                         */

/* Appends s to buf (of size n, holding *len bytes) with anything that is not
 * printable ASCII written as \xNN; stops quietly when full. */
static void append_escaped(char *buf, size_t n, size_t *len, const char *s, size_t max) {
  size_t o = *len;
  for (size_t i = 0; s[i] != '\0' && i < max && o + 5 < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\')
      buf[o++] = (char)ch;
    else
      o += (size_t)snprintf(buf + o, n - o, "\\x%02x", ch);
  }
  if (o < n)
    buf[o] = '\0';
  *len = o;
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int jfail(jctx *c, const char *fmt, ...) {
  if (c->err != NULL && c->errlen > 0) {
    int n = c->plen > 0 ? snprintf(c->err, c->errlen, "%s: %s: ", c->what, c->path)
                        : snprintf(c->err, c->errlen, "%s: ", c->what);
    if (n >= 0 && (size_t)n < c->errlen) {
      va_list ap;
      va_start(ap, fmt);
      vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
      va_end(ap);
    }
  }
  return XS_ECONFIG;
}

/* Path steps return the old length for path_pop. */
static size_t path_key(jctx *c, const char *key) {
  size_t old = c->plen;
  if (c->plen > 0 && c->plen + 1 < sizeof(c->path))
    c->path[c->plen++] = '.';
  c->path[c->plen] = '\0';
  append_escaped(c->path, sizeof(c->path), &c->plen, key, SHOWN_BYTES_MAX);
  return old;
}

static size_t path_index(jctx *c, size_t i) {
  size_t old = c->plen;
  int n = snprintf(c->path + c->plen, sizeof(c->path) - c->plen, "[%zu]", i);
  if (n > 0)
    c->plen += (size_t)n < sizeof(c->path) - c->plen ? (size_t)n : sizeof(c->path) - c->plen - 1;
  return old;
}

static void path_pop(jctx *c, size_t old) {
  c->plen = old;
  c->path[old] = '\0';
}

/* How a value is shown after "got": strings quoted, containers by kind. */
static const char *describe(const json_t *v, char *buf, size_t n) {
  size_t len = 0;
  switch (json_typeof(v)) {
  case JSON_OBJECT: return "an object";
  case JSON_ARRAY: return "an array";
  case JSON_TRUE: return "true";
  case JSON_FALSE: return "false";
  case JSON_NULL: return "null";
  case JSON_INTEGER:
    snprintf(buf, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    return buf;
  case JSON_REAL:
    snprintf(buf, n, "%g", json_real_value(v));
    return buf;
  case JSON_STRING:
    buf[len++] = '"';
    append_escaped(buf, n - 2, &len, json_string_value(v), SHOWN_BYTES_MAX);
    if (json_string_length(v) > SHOWN_BYTES_MAX)
      append_escaped(buf, n - 2, &len, "...", 3);
    buf[len++] = '"';
    buf[len] = '\0';
    return buf;
  }
  return "a value";
}

static int type_error(jctx *c, const char *expected, const json_t *v) {
  char buf[4 * SHOWN_BYTES_MAX + 16];
  return jfail(c, "expected %s, got %s", expected, describe(v, buf, sizeof(buf)));
}

/* Every key of obj must be in known (NULL-terminated). */
static int check_keys(jctx *c, json_t *obj, const char *const *known) {
  const char *key;
  json_t *v;
  json_object_foreach(obj, key, v) {
    size_t i = 0;
    while (known[i] != NULL && strcmp(known[i], key) != 0)
      i++;
    if (known[i] != NULL)
      continue;
    char list[512], shown[4 * SHOWN_BYTES_MAX + 1];
    size_t len = 0, slen = 0;
    list[0] = '\0';
    for (i = 0; known[i] != NULL; i++) {
      if (i > 0)
        append_escaped(list, sizeof(list), &len, ", ", 2);
      append_escaped(list, sizeof(list), &len, known[i], SHOWN_BYTES_MAX);
    }
    shown[0] = '\0';
    append_escaped(shown, sizeof(shown), &slen, key, SHOWN_BYTES_MAX);
    return jfail(c, "unknown key \"%s\" (known keys: %s)", shown, list);
  }
  return 0;
}

/* ------------------------------------------------------------------------ */
/* Scalars                                                                    */

/* Parses an optionally signed decimal integer with an optional time unit
 * (Infinispan's ms, s, m, h, d) when units is true.  Returns false when the
 * text is not one, sets *overflow when it is but does not fit. */
static bool parse_int_text(const char *s, bool units, int64_t *out, bool *overflow) {
  static const struct { const char *name; int64_t ms; } unit[] = {
    { "", 1 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 }, { "d", 86400000 },
  };
  bool neg = *s == '-';
  const char *p = s + (neg ? 1 : 0);
  int64_t v = 0;
  size_t u;

  *overflow = false;
  if (*p < '0' || *p > '9')
    return false;
  for (; *p >= '0' && *p <= '9'; p++) {
    if (v > (INT64_MAX - (*p - '0')) / 10)
      *overflow = true;
    else if (!*overflow)
      v = v * 10 + (*p - '0');
  }
  if (units && *p == ' ')
    p++;
  for (u = 0; u < sizeof(unit) / sizeof(unit[0]); u++)
    if (strcmp(p, unit[u].name) == 0)
      break;
  if (u == sizeof(unit) / sizeof(unit[0]) || (!units && u != 0))
    return false;
  if (v > INT64_MAX / unit[u].ms)
    *overflow = true;
  if (!*overflow)
    *out = (neg ? -v : v) * unit[u].ms;
  return true;
}

/* An integer in [min, max]: a JSON integer or, as Infinispan's YAML and the
 * operator's CR templates write them, a string ("2", and "13s" for times). */
static int get_int(jctx *c, const json_t *v, bool units, int64_t min, int64_t max,
                   int64_t *out) {
  const char *expected = units ? "a duration (milliseconds, or a string such as \"15s\")"
                               : "an integer";
  int64_t x = 0;
  bool overflow = false;

  if (json_is_integer(v))
    x = json_integer_value(v);
  else if (!json_is_string(v) || !parse_int_text(json_string_value(v), units, &x, &overflow) ||
           strlen(json_string_value(v)) != json_string_length(v))
    return type_error(c, expected, v);
  if (overflow || x < min || x > max) {
    char buf[4 * SHOWN_BYTES_MAX + 16];
    return jfail(c, "%s is out of range (%lld..%lld)",
                 describe(v, buf, sizeof(buf)), (long long)min, (long long)max);
  }
  *out = x;
  return 0;
}

static int get_i32(jctx *c, const json_t *v, int32_t *out) {
  int64_t x;
  int rc = get_int(c, v, false, INT32_MIN, INT32_MAX, &x);
  if (rc == 0)
    *out = (int32_t)x;
  return rc;
}

/* xs_ms is int64_t, so a duration needs no narrowing. */
static int get_ms(jctx *c, const json_t *v, xs_ms *out) {
  return get_int(c, v, true, INT64_MIN, INT64_MAX, out);
}

static int get_bool(jctx *c, const json_t *v, bool *out) {
  if (json_is_boolean(v))
    *out = json_is_true(v);
  else if (json_is_string(v) && strcasecmp(json_string_value(v), "true") == 0)
    *out = true;
  else if (json_is_string(v) && strcasecmp(json_string_value(v), "false") == 0)
    *out = false;
  else
    return type_error(c, "true or false", v);
  return 0;
}

/* One of names[] (case-insensitive, as Infinispan's enum attributes). */
static int get_enum(jctx *c, const json_t *v, const char *const *names, const char *expected,
                    int *out) {
  if (json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v))
    for (int i = 0; names[i] != NULL; i++)
      if (strcasecmp(json_string_value(v), names[i]) == 0) {
        *out = i;
        return 0;
      }
  return type_error(c, expected, v);
}

/* The enums a topology names are int-sized, so one reader stores the index
 * into any of them; memcpy because the member's type is not int. */
_Static_assert(sizeof(xs_strategy) == sizeof(int) && sizeof(xs_policy) == sizeof(int) &&
                   sizeof(xs_st_mode) == sizeof(int) && sizeof(xs_cache_mode) == sizeof(int) &&
                   sizeof(xs_tx_mode) == sizeof(int) && sizeof(xs_merge_policy) == sizeof(int),
               "get_enum_member stores an int");

static int get_enum_member(jctx *c, const json_t *v, const char *const *names,
                           const char *expected, void *member) {
  int x = 0; /* set whenever get_enum succeeds; -O3 cannot tell */
  if (get_enum(c, v, names, expected, &x) < 0)
    return XS_ECONFIG;
  memcpy(member, &x, sizeof(x));
  return 0;
}

/* A name for a fixed-size field, from a string value or an object key. */
static int copy_name(jctx *c, const char *s, size_t len, char dst[XS_NAME_BYTES_MAX]) {
  if (len >= XS_NAME_BYTES_MAX)
    return jfail(c, "name longer than %d bytes", XS_NAME_BYTES_MAX - 1);
  if (strlen(s) != len)
    return jfail(c, "name contains a NUL character");
  memset(dst, 0, XS_NAME_BYTES_MAX);
  memcpy(dst, s, len);
  return 0;
}

static int get_name(jctx *c, const json_t *v, char dst[XS_NAME_BYTES_MAX]) {
  if (!json_is_string(v))
    return type_error(c, "a string", v);
  return copy_name(c, json_string_value(v), json_string_length(v), dst);
}

/* When obj has key, evaluates `call` (which reads the value as VAL) with the
 * key appended to the path; a failure returns from the enclosing function. */
#define WITH_KEY(c, obj, key, call)                                \
  do {                                                             \
    json_t *v_ = json_object_get((obj), (key));                    \
    if (v_ != NULL) {                                              \
      size_t old_ = path_key((c), (key));                          \
      int rc_ = (call);                                            \
      if (rc_ < 0)                                                 \
        return rc_;                                                \
      path_pop((c), old_);                                         \
    }                                                              \
  } while (0)
#define VAL v_

static int need_object(jctx *c, const json_t *v) {
  return json_is_object(v) ? 0 : type_error(c, "an object", v);
}

static int need_string(jctx *c, const json_t *v) {
  return json_is_string(v) ? 0 : type_error(c, "a string", v);
}

/* ------------------------------------------------------------------------ */
/* Tables of fields                                                           */

/* Most keys fill one member of a struct in one of a few ways, so an object
 * is read from a table of its fields, in the order the keys are checked and
 * listed in messages.  A key with rules of its own has a reader (F_READ). */
typedef enum {
  F_CALLER, /* a known key the caller reads first ("name") */
  F_I32,
  F_MS,
  F_BOOL,
  F_ENUM,   /* stored as the index in names */
  F_NAME,
  F_STRING, /* must be a string, is not kept */
  F_OBJECT, /* a nested object whose fields fill the same struct */
  F_READ,
} field_kind;

typedef struct field {
  const char *key;      /* NULL ends a table */
  field_kind kind;
  size_t off;           /* the member filled, from the start of the struct */
  const char *const *names;      /* F_ENUM */
  const char *expected;          /* F_ENUM: names as messages list them */
  const struct field *sub;       /* F_OBJECT */
  int (*read)(jctx *c, json_t *v, void *base); /* F_READ */
} field;

#define FIELD(key, kind, type, member) { key, kind, offsetof(type, member), NULL, NULL, NULL, NULL }
#define ENUM_FIELD(key, type, member, names, expected)                                   \
  { key, F_ENUM, offsetof(type, member), names, expected, NULL, NULL }
#define OBJECT_FIELD(key, sub) { key, F_OBJECT, 0, NULL, NULL, sub, NULL }
#define READ_FIELD(key, read) { key, F_READ, 0, NULL, NULL, NULL, read }
#define KEY_FIELD(key, kind) { key, kind, 0, NULL, NULL, NULL, NULL }
#define END_FIELDS { NULL, F_CALLER, 0, NULL, NULL, NULL, NULL }

#define FIELDS_MAX 16 /* keys in one table; the largest (a cache's) has 10 */

/* need_object, then every key of o must be in the table. */
static int check_fields(jctx *c, json_t *o, const field *fields) {
  const char *known[FIELDS_MAX + 1];
  size_t n = 0;
  for (; fields[n].key != NULL && n < FIELDS_MAX; n++)
    known[n] = fields[n].key;
  known[n] = NULL;
  if (need_object(c, o) < 0 || check_keys(c, o, known) < 0)
    return XS_ECONFIG;
  return 0;
}

static int parse_fields(jctx *c, json_t *o, void *base, const field *fields);

static int read_field(jctx *c, json_t *v, void *base, const field *f) {
  char *member = (char *)base + f->off;
  switch (f->kind) {
  case F_CALLER: return 0;
  case F_I32: return get_i32(c, v, (int32_t *)member);
  case F_MS: return get_ms(c, v, (xs_ms *)member);
  case F_BOOL: return get_bool(c, v, (bool *)member);
  case F_ENUM: return get_enum_member(c, v, f->names, f->expected, member);
  case F_NAME: return get_name(c, v, member);
  case F_STRING: return need_string(c, v);
  case F_OBJECT: return parse_fields(c, v, base, f->sub);
  case F_READ: return f->read(c, v, base);
  }
  return XS_ECONFIG;
}

/* Reads the keys o has, in the table's order (the first mistake is the one
 * reported); o must have passed check_fields. */
static int read_fields(jctx *c, json_t *o, void *base, const field *fields) {
  for (const field *f = fields; f->key != NULL; f++)
    WITH_KEY(c, o, f->key, read_field(c, VAL, base, f));
  return 0;
}

static int parse_fields(jctx *c, json_t *o, void *base, const field *fields) {
  if (check_fields(c, o, fields) < 0)
    return XS_ECONFIG;
  return read_fields(c, o, base, fields);
}

/* A new entry in an array of at most max (backups, sites, caches): its
 * index, or the error naming what is full. */
static int take_slot(jctx *c, int32_t *n, int max, const char *what) {
  if (*n >= max)
    return jfail(c, "too many %s, at most %d are supported", what, max);
  return (int)(*n)++;
}

/* ------------------------------------------------------------------------ */
/* Backups                                                                    */

static const char *const strategy_names[] = { "SYNC", "ASYNC", NULL };
static const char *const policy_names[] = { "WARN", "FAIL", "IGNORE", NULL };
static const char *const st_mode_names[] = { "MANUAL", "AUTO", NULL };
static const char *const merge_names[] = {
  "DEFAULT", "PREFER_NON_NULL", "PREFER_NULL", "ALWAYS_REMOVE", NULL,
};
#define MERGE_EXPECTED "DEFAULT, PREFER_NON_NULL, PREFER_NULL or ALWAYS_REMOVE"

static int get_policy(jctx *c, json_t *v, void *base) {
  xs_backup_cfg *b = base;
  if (json_is_string(v) && strcasecmp(json_string_value(v), "CUSTOM") == 0)
    return jfail(c, "CUSTOM failure policies are not modelled (use WARN, FAIL or IGNORE)");
  return get_enum_member(c, v, policy_names, "WARN, FAIL or IGNORE", &b->failure_policy);
}

static const field take_offline_fields[] = {
  FIELD("afterFailures", F_I32, xs_backup_cfg, after_failures),
  FIELD("minWait", F_MS, xs_backup_cfg, min_wait_ms),
  END_FIELDS,
};

static const field state_transfer_fields[] = {
  FIELD("chunkSize", F_I32, xs_backup_cfg, st_chunk_size),
  FIELD("timeout", F_MS, xs_backup_cfg, st_timeout_ms),
  FIELD("maxRetries", F_I32, xs_backup_cfg, st_max_retries),
  FIELD("waitTime", F_MS, xs_backup_cfg, st_wait_time_ms),
  ENUM_FIELD("mode", xs_backup_cfg, st_mode, st_mode_names, "MANUAL or AUTO"),
  END_FIELDS,
};

/* The inside of backups.<site>.backup. */
static const field backup_fields[] = {
  ENUM_FIELD("strategy", xs_backup_cfg, strategy, strategy_names, "SYNC or ASYNC"),
  FIELD("timeout", F_MS, xs_backup_cfg, timeout_ms),
  READ_FIELD("failurePolicy", get_policy),
  KEY_FIELD("failurePolicyClass", F_STRING),
  KEY_FIELD("failure-policy-class", F_STRING),
  FIELD("twoPhaseCommit", F_BOOL, xs_backup_cfg, two_phase_commit),
  OBJECT_FIELD("takeOffline", take_offline_fields),
  OBJECT_FIELD("stateTransfer", state_transfer_fields),
  END_FIELDS,
};

static int parse_backup(jctx *c, json_t *o, const char *cache, xs_backup_cfg *b) {
  int rc = parse_fields(c, o, b, backup_fields);
  if (rc < 0)
    return rc;
  /* There is no CUSTOM policy here, so a class can only be the mistake
   * BackupConfigurationBuilder reports as ISPN000657. */
  if (json_object_get(o, "failurePolicyClass") != NULL ||
      json_object_get(o, "failure-policy-class") != NULL) {
    c->plen = 0;
    c->path[0] = '\0';
    return jfail(c, "cache '%s': ISPN000657: The backup '%s' configuration "
                 "'failure-policy-class' is not compatible with 'failure-policy=%s'. "
                 "Use 'failure-policy=\"CUSTOM\"'", cache, b->site,
                 policy_names[b->failure_policy]);
  }
  return 0;
}

static int find_backup(const xs_cache_cfg *cc, const char *site) {
  for (int32_t i = 0; i < cc->nbackups; i++)
    if (strcmp(cc->backups[i].site, site) == 0)
      return (int)i;
  return -1;
}

static void remove_backup(xs_cache_cfg *cc, int i) {
  for (int32_t j = i; j + 1 < cc->nbackups; j++)
    cc->backups[j] = cc->backups[j + 1];
  cc->nbackups--;
}

/* backups.<site>: null removes the backup, {"backup": {...}} adds or
 * changes it (a new one starts from Infinispan's defaults). */
static int parse_backup_entry(jctx *c, const char *site, json_t *v, xs_cache_cfg *cc) {
  static const char *const keys[] = { "backup", NULL };
  char name[XS_NAME_BYTES_MAX];
  int i, rc = copy_name(c, site, strlen(site), name);

  if (rc < 0)
    return rc;
  i = find_backup(cc, name);
  if (json_is_null(v)) {
    if (i >= 0)
      remove_backup(cc, i);
    return 0;
  }
  if (need_object(c, v) < 0 || check_keys(c, v, keys) < 0)
    return XS_ECONFIG;
  if (i < 0) {
    if ((i = take_slot(c, &cc->nbackups, XS_SITES_MAX, "backups")) < 0)
      return i;
    xs_backup_cfg_defaults(&cc->backups[i], name);
  }
  json_t *b = json_object_get(v, "backup");
  if (b == NULL)
    return jfail(c, "missing key \"backup\"");
  size_t old = path_key(c, "backup");
  if ((rc = parse_backup(c, b, cc->name, &cc->backups[i])) < 0)
    return rc;
  path_pop(c, old);
  return 0;
}

static int parse_backups(jctx *c, json_t *o, void *base) {
  xs_cache_cfg *cc = base;
  const char *site;
  json_t *v;
  if (need_object(c, o) < 0)
    return XS_ECONFIG;
  json_object_foreach(o, site, v) {
    size_t old = path_key(c, site);
    int rc = strcmp(site, "mergePolicy") == 0
                 ? get_enum_member(c, v, merge_names, MERGE_EXPECTED, &cc->merge_policy)
                 : parse_backup_entry(c, site, v, cc);
    if (rc < 0)
      return rc;
    path_pop(c, old);
  }
  return 0;
}

/* ------------------------------------------------------------------------ */
/* Caches                                                                     */

static const char *const mode_names[] = { "distributed", "replicated", "local", NULL };
static const char *const tx_names[] = { "NONE", "PESSIMISTIC", "OPTIMISTIC", NULL };
/* Infinispan's transaction modes; all but NONE make the cache transactional. */
static const char *const tx_mode_names[] = {
  "NONE", "BATCH", "NON_XA", "NON_DURABLE_XA", "FULL_XA", NULL,
};
static const char *const locking_names[] = { "OPTIMISTIC", "PESSIMISTIC", NULL };

/* The object form {"mode": ..., "locking": ...}: what is left out keeps its
 * value, so a preset cache can change its locking alone. */
static int parse_tx_object(jctx *c, json_t *o, xs_cache_cfg *cc) {
  static const char *const keys[] = { "mode", "locking", NULL };
  int mode = cc->tx == XS_TX_NONE ? 0 : 3, locking = cc->tx == XS_TX_PESSIMISTIC ? 1 : 0;
  if (check_keys(c, o, keys) < 0)
    return XS_ECONFIG;
  WITH_KEY(c, o, "mode", get_enum(c, VAL, tx_mode_names,
                                  "NONE, BATCH, NON_XA, NON_DURABLE_XA or FULL_XA", &mode));
  WITH_KEY(c, o, "locking", get_enum(c, VAL, locking_names, "OPTIMISTIC or PESSIMISTIC",
                                     &locking));
  if (mode == 0)
    cc->tx = XS_TX_NONE;
  else
    cc->tx = locking == 1 ? XS_TX_PESSIMISTIC : XS_TX_OPTIMISTIC;
  return 0;
}

static int get_tx(jctx *c, json_t *v, void *base) {
  xs_cache_cfg *cc = base;
  if (json_is_object(v))
    return parse_tx_object(c, v, cc);
  return get_enum_member(c, v, tx_names, "NONE, PESSIMISTIC, OPTIMISTIC or an object", &cc->tx);
}

/* "aliases": Infinispan's list form; the simulator keeps one alias. */
static int get_aliases(jctx *c, json_t *v, void *base) {
  xs_cache_cfg *cc = base;
  if (!json_is_array(v))
    return type_error(c, "an array", v);
  if (json_array_size(v) > 1)
    return jfail(c, "at most one alias is supported, got %zu", json_array_size(v));
  memset(cc->alias, 0, sizeof(cc->alias));
  if (json_array_size(v) == 0)
    return 0;
  size_t old = path_index(c, 0);
  int rc = get_name(c, json_array_get(v, 0), cc->alias);
  if (rc == 0)
    path_pop(c, old);
  return rc;
}

/* The sites are those of the topology being read (c->topo), which are read
 * before the caches. */
static int get_defined_on(jctx *c, json_t *v, void *base) {
  xs_cache_cfg *cc = base;
  uint32_t mask = 0;
  if (!json_is_array(v))
    return type_error(c, "an array of site names", v);
  for (size_t i = 0; i < json_array_size(v); i++) {
    const json_t *e = json_array_get(v, i);
    char name[XS_NAME_BYTES_MAX], buf[4 * SHOWN_BYTES_MAX + 16];
    size_t old = path_index(c, i);
    if (get_name(c, e, name) < 0)
      return XS_ECONFIG;
    int s = xs_topology_site_index(c->topo, name);
    if (s < 0)
      return jfail(c, "unknown site %s", describe(e, buf, sizeof(buf)));
    mask |= 1u << s;
    path_pop(c, old);
  }
  cc->site_mask = mask;
  return 0;
}

static const field locking_fields[] = {
  FIELD("acquireTimeout", F_MS, xs_cache_cfg, lock_timeout_ms),
  END_FIELDS,
};

static const field cache_fields[] = {
  KEY_FIELD("name", F_CALLER),
  FIELD("alias", F_NAME, xs_cache_cfg, alias),
  READ_FIELD("aliases", get_aliases),
  ENUM_FIELD("mode", xs_cache_cfg, mode, mode_names, "distributed, replicated or local"),
  FIELD("owners", F_I32, xs_cache_cfg, owners),
  READ_FIELD("transaction", get_tx),
  OBJECT_FIELD("locking", locking_fields),
  ENUM_FIELD("mergePolicy", xs_cache_cfg, merge_policy, merge_names, MERGE_EXPECTED),
  READ_FIELD("definedOn", get_defined_on),
  READ_FIELD("backups", parse_backups),
  END_FIELDS,
};

static int find_cache(const xs_topology *t, const char *name) {
  for (int32_t i = 0; i < t->ncaches; i++)
    if (strcmp(t->caches[i].name, name) == 0)
      return (int)i;
  return -1;
}

/* ------------------------------------------------------------------------ */
/* Sites and caches: arrays of entries matched by name                        */

typedef struct entry_kind {
  const char *one, *many;  /* "site", "sites": as messages name them */
  int max;
  size_t count_off;        /* the int32_t count in xs_topology */
  const field *fields;
  int (*find)(const xs_topology *t, const char *name);
  void (*add)(xs_topology *t, int i, const char *name); /* a new entry's defaults */
} entry_kind;

/* Checks the keys of entry o and reads its "name": returns the index of the
 * entry of that name, added if there was none, or a negative code.  seen[]
 * marks the entries this document has listed already. */
static int pick_entry(jctx *c, json_t *o, xs_topology *t, const entry_kind *k, bool *seen) {
  char name[XS_NAME_BYTES_MAX];
  json_t *jname;

  if (check_fields(c, o, k->fields) < 0)
    return XS_ECONFIG;
  if ((jname = json_object_get(o, "name")) == NULL)
    return jfail(c, "missing key \"name\"");
  size_t old = path_key(c, "name");
  if (get_name(c, jname, name) < 0)
    return XS_ECONFIG;
  path_pop(c, old);
  int i = k->find(t, name);
  if (i >= 0 && seen[i])
    return jfail(c, "%s '%s' is listed twice", k->one, name);
  if (i < 0) {
    if ((i = take_slot(c, (int32_t *)((char *)t + k->count_off), k->max, k->many)) < 0)
      return i;
    k->add(t, i, name);
  }
  seen[i] = true;
  return i;
}

static void add_site(xs_topology *t, int i, const char *name) {
  memcpy(t->sites[i].name, name, XS_NAME_BYTES_MAX);
  t->sites[i].nodes = DEF_SITE_NODES;
}

static void add_cache(xs_topology *t, int i, const char *name) {
  xs_cache_cfg_defaults(&t->caches[i], name);
}

static const field site_fields[] = {
  KEY_FIELD("name", F_CALLER),
  FIELD("nodes", F_I32, xs_site_cfg, nodes),
  END_FIELDS,
};

static const entry_kind site_kind = {
  "site", "sites", XS_SITES_MAX, offsetof(xs_topology, nsites), site_fields, xs_topology_site_index, add_site,
};

static const entry_kind cache_kind = {
  "cache", "caches", XS_CACHES_MAX, offsetof(xs_topology, ncaches), cache_fields, find_cache,
  add_cache,
};

/* sites[i]: changes the site of that name, or adds one. */
static int parse_site(jctx *c, json_t *o, xs_topology *t, bool *seen) {
  int i = pick_entry(c, o, t, &site_kind, seen);
  return i < 0 ? i : read_fields(c, o, &t->sites[i], site_fields);
}

/* caches[i]: changes the cache of that name, or adds one. */
static int parse_cache(jctx *c, json_t *o, xs_topology *t, bool *seen) {
  int i = pick_entry(c, o, t, &cache_kind, seen);
  if (i < 0)
    return i;
  if (json_object_get(o, "alias") != NULL && json_object_get(o, "aliases") != NULL)
    return jfail(c, "give \"alias\" or \"aliases\", not both");
  if (json_object_get(o, "mergePolicy") != NULL && json_is_object(json_object_get(o, "backups")) &&
      json_object_get(json_object_get(o, "backups"), "mergePolicy") != NULL)
    return jfail(c, "give \"mergePolicy\" or \"backups.mergePolicy\", not both");
  return read_fields(c, o, &t->caches[i], cache_fields);
}

typedef int entry_parser(jctx *c, json_t *o, xs_topology *t, bool *seen);

static int parse_entries(jctx *c, json_t *a, xs_topology *t, entry_parser *parse) {
  bool seen[XS_SITES_MAX > XS_CACHES_MAX ? XS_SITES_MAX : XS_CACHES_MAX] = { false };
  if (!json_is_array(a))
    return type_error(c, "an array", a);
  for (size_t i = 0; i < json_array_size(a); i++) {
    size_t old = path_index(c, i);
    int rc = parse(c, json_array_get(a, i), t, seen);
    if (rc < 0)
      return rc;
    path_pop(c, old);
  }
  return 0;
}

/* ------------------------------------------------------------------------ */
/* Link and the document                                                      */

static const field link_fields[] = {
  FIELD("latencyMs", F_MS, xs_topology, link_latency_ms),
  FIELD("jitterMs", F_MS, xs_topology, link_jitter_ms),
  END_FIELDS,
};

static int start_from_preset(jctx *c, const json_t *v, xs_topology *t) {
  char buf[4 * SHOWN_BYTES_MAX + 16];
  if (!json_is_string(v))
    return type_error(c, "a string", v);
  if (strlen(json_string_value(v)) != json_string_length(v) ||
      xs_topology_preset(json_string_value(v), t) < 0)
    return jfail(c, "unknown preset %s (expected keycloak-ha, crossdc-legacy or resp-xsite)",
                 describe(v, buf, sizeof(buf)));
  return 0;
}

/* A topology without a preset is named after its source: "x/topo.json"
 * becomes "topo". */
static void name_from_source(const char *what, char name[XS_NAME_BYTES_MAX]) {
  const char *base = strrchr(what, '/');
  size_t n;
  base = base != NULL ? base + 1 : what;
  n = strlen(base);
  if (n > 5 && strcmp(base + n - 5, ".json") == 0)
    n -= 5;
  if (n >= XS_NAME_BYTES_MAX)
    n = XS_NAME_BYTES_MAX - 1;
  memset(name, 0, XS_NAME_BYTES_MAX);
  memcpy(name, base, n);
}

static int parse_root(jctx *c, json_t *root, xs_topology *t) {
  static const char *const keys[] = {
    "preset", "name", "sites", "caches", "link", "xsiteFdTimeoutMs", NULL,
  };
  if (!json_is_object(root))
    return type_error(c, "an object at the top level", root);
  if (check_keys(c, root, keys) < 0)
    return XS_ECONFIG;
  memset(t, 0, sizeof(*t));
  c->topo = t;
  t->link_latency_ms = DEF_LINK_LATENCY_MS;
  t->xsite_fd_timeout_ms = DEF_XSITE_FD_TIMEOUT_MS;
  name_from_source(c->what, t->name);
  /* Order matters, not the document's: the preset is the base, and caches
   * may name sites. */
  WITH_KEY(c, root, "preset", start_from_preset(c, VAL, t));
  WITH_KEY(c, root, "name", get_name(c, VAL, t->name));
  WITH_KEY(c, root, "sites", parse_entries(c, VAL, t, parse_site));
  WITH_KEY(c, root, "link", parse_fields(c, VAL, t, link_fields));
  WITH_KEY(c, root, "xsiteFdTimeoutMs", get_ms(c, VAL, &t->xsite_fd_timeout_ms));
  WITH_KEY(c, root, "caches", parse_entries(c, VAL, t, parse_cache));
  return 0;
}

static bool all_space(const char *s, size_t len) {
  for (size_t i = 0; i < len; i++)
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
      return false;
  return true;
}

int xs_topology_parse(const char *json, size_t len, const char *what, xs_topology *t,
                      char *err, size_t errlen) {
  jctx c = { .what = what != NULL ? what : "topology", .err = err, .errlen = errlen };
  json_error_t jerr;
  char msg[XS_MSG_BYTES_MAX];
  int rc;

  if (err != NULL && errlen > 0)
    err[0] = '\0';
  if (t == NULL || (json == NULL && len > 0)) {
    jfail(&c, "no topology or no text given");
    return XS_EINVAL;
  }
  if (json == NULL || all_space(json, len))
    return jfail(&c, "the document is empty");
  json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
  if (root == NULL) {
    /* jansson's own words, after the position in "file:line:column" form. */
    if (err != NULL && errlen > 0)
      snprintf(err, errlen, "%s:%d:%d: %s", c.what, jerr.line, jerr.column, jerr.text);
    return XS_ECONFIG;
  }
  xs_topology *tmp = malloc(sizeof(*tmp));
  if (tmp == NULL) {
    json_decref(root);
    jfail(&c, "out of memory");
    return XS_ENOMEM;
  }
  rc = parse_root(&c, root, tmp);
  json_decref(root);
  if (rc == 0 && (rc = xs_topology_validate(tmp, msg, sizeof(msg))) < 0) {
    c.plen = 0;
    c.path[0] = '\0';
    jfail(&c, "%s", msg);
  }
  if (rc == 0)
    memcpy(t, tmp, sizeof(*t));
  free(tmp);
  return rc;
}

/* Reads all of f into a malloc'd buffer, refusing files over the limit.
 * Returns 0, or a negative code with the message written. */
static int read_all(jctx *c, FILE *f, char **out, size_t *outlen) {
  size_t cap = 64 * 1024, n = 0;
  char *buf = malloc(cap);

  while (buf != NULL) {
    n += fread(buf + n, 1, cap - n, f);
    if (ferror(f)) {
      free(buf);
      return jfail(c, "cannot read: %s", strerror(errno));
    }
    if (n < cap) {
      *out = buf;
      *outlen = n;
      return 0;
    }
    if (cap > FILE_BYTES_MAX) {
      free(buf);
      return jfail(c, "larger than %u bytes", FILE_BYTES_MAX);
    }
    char *bigger = realloc(buf, cap * 2);
    if (bigger == NULL)
      free(buf);
    buf = bigger;
    cap *= 2;
  }
  jfail(c, "out of memory");
  return XS_ENOMEM;
}

int xs_topology_load(const char *path, xs_topology *t, char *err, size_t errlen) {
  jctx c = { .what = path != NULL ? path : "topology", .err = err, .errlen = errlen };
  FILE *f;
  char *buf = NULL;
  size_t n = 0;
  int rc;

  if (err != NULL && errlen > 0)
    err[0] = '\0';
  if (path == NULL || t == NULL) {
    jfail(&c, "no path or no topology given");
    return XS_EINVAL;
  }
  if ((f = fopen(path, "rb")) == NULL)
    return jfail(&c, "cannot open: %s", strerror(errno));
  rc = read_all(&c, f, &buf, &n);
  fclose(f);
  if (rc < 0)
    return rc;
  rc = xs_topology_parse(buf, n, path, t, err, errlen);
  free(buf);
  return rc;
}
