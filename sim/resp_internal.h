/*
 * resp_internal.h - what the RESP session (resp_session.c) shares with the
 * command families (resp_cmd_*.c), the command table (resp_table.c) and the
 * value helpers (resp_value.c).  Not a public API.
 *
 * A command handler runs with the parsed arguments in s->argc/argv/argl
 * (argv[0] is the command name) and either writes its reply to s->out at
 * once, or submits core operations with xs__resp_submit() /
 * xs__resp_compute() and writes its reply from a completion hook, calling
 * xs__resp_finish() when it is done.  Only one command runs at a time, so
 * per-command state lives in s->cx.
 */
#ifndef XS_RESP_INTERNAL_H
#define XS_RESP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "resp_parse.h"
#include "resp_session.h"
#include "resp_write.h"
#include "xsim.h"

/* ------------------------------------------------------------------------ */
/* Infinispan's error texts (ResponseWriter.java), without the leading '-'.  */

#define XS_RESP_E_SYNTAX "ERR syntax error"
#define XS_RESP_E_UNKNOWN "ERR unknown command"
#define XS_RESP_E_WRONGTYPE "WRONGTYPE Operation against a key holding the wrong kind of value"
#define XS_RESP_E_NOTINT "ERR value is not an integer or out of range"
#define XS_RESP_E_NOTFLOAT "ERR value is not a valid float"
#define XS_RESP_E_NANINF "ERR increment would produce NaN or Infinity"
#define XS_RESP_E_INDEX "ERR index out of range"
#define XS_RESP_E_NOKEY "ERR no such key"
#define XS_RESP_E_POSITIVE "ERR value is out of range, must be positive"
#define XS_RESP_E_WRONGPASS "WRONGPASS invalid username-password pair or user is disabled."
#define XS_RESP_E_NOTREADY "ERR Server not ready"
/* Ours: a value that would pass XS_VALUE_BYTES_MAX (Redis's wording). */
#define XS_RESP_E_TOOBIG "ERR string exceeds maximum allowed size"

/* ------------------------------------------------------------------------ */
/* The command table                                                          */

typedef void (*xs__resp_cmd_fn)(xs_resp_session *s);

/* Command flags: what a command needs. */
#define XS__RESP_F_PREAUTH 0x01u /* runs before authentication (HELLO, AUTH, QUIT) */
#define XS__RESP_F_READ 0x02u    /* needs XS_RESP_PERM_READ */
#define XS__RESP_F_WRITE 0x04u   /* needs XS_RESP_PERM_WRITE */
#define XS__RESP_F_ADMIN 0x08u   /* needs XS_RESP_PERM_ADMIN */

/* Infinispan's AclCategory bits, for COMMAND's replies (same order). */
enum {
  XS__ACL_KEYSPACE = 1u << 0, XS__ACL_READ = 1u << 1, XS__ACL_WRITE = 1u << 2,
  XS__ACL_SET = 1u << 3, XS__ACL_SORTEDSET = 1u << 4, XS__ACL_LIST = 1u << 5,
  XS__ACL_HASH = 1u << 6, XS__ACL_STRING = 1u << 7, XS__ACL_ADMIN = 1u << 13,
  XS__ACL_FAST = 1u << 14, XS__ACL_SLOW = 1u << 15, XS__ACL_DANGEROUS = 1u << 17,
  XS__ACL_CONNECTION = 1u << 18,
};
#define XS__ACL_BITS 29

typedef struct xs__resp_cmd {
  const char *name;    /* upper case, as Infinispan's class names */
  int16_t arity;       /* Redis convention: n exact, -n at least n (name included) */
  int8_t first_key, last_key, step;
  uint32_t acl;        /* XS__ACL_* */
  uint32_t flags;      /* XS__RESP_F_* */
  xs__resp_cmd_fn fn;
} xs__resp_cmd;

/* Case-insensitive lookup; NULL when unknown. */
const xs__resp_cmd *xs__resp_cmd_find(const char *name, size_t len);
size_t xs__resp_cmd_count(void);
const xs__resp_cmd *xs__resp_cmd_at(size_t i);
/* "@keyspace", "@read", ... for bit i, or NULL. */
const char *xs__resp_acl_name(int bit);

/* ------------------------------------------------------------------------ */
/* Collections                                                                */

typedef struct xs__resp_item {
  const uint8_t *p;
  uint32_t len;
} xs__resp_item;

/* A growable array of items (pointers into values or arguments). */
typedef struct xs__resp_items {
  xs__resp_item *v;
  size_t n, cap;
} xs__resp_items;

int xs__resp_items_push(xs__resp_items *a, const void *p, size_t len);
void xs__resp_items_free(xs__resp_items *a);

/* Decodes a collection value into its items (hash: field, value, ...);
 * *count is the encoded count.  0, or -1 when the bytes are not a valid
 * encoding, or XS_ENOMEM. */
int xs__resp_coll_decode(const uint8_t *v, uint32_t len, xs__resp_items *out, uint64_t *count);
/* The encoded count without decoding the items (0 on a bad encoding). */
uint64_t xs__resp_coll_count(const uint8_t *v, uint32_t len);
/* The header of an encoded collection: its length in bytes (0 when the
 * bytes are not a valid header) and the count in *count. */
size_t xs__resp_coll_header(const uint8_t *v, uint32_t len, uint64_t *count);
/* The position after k items starting at p, or NULL if they run past end. */
const uint8_t *xs__resp_coll_skip(const uint8_t *p, const uint8_t *end, uint64_t k);
/* Appends a varint, or an item (varint length, bytes), to b. */
void xs__resp_put_varint(xs_buf *b, uint64_t v);
void xs__resp_put_item(xs_buf *b, const void *p, size_t len);
/* Encodes `count` entries made of items[0..n) into b (after resetting it). */
void xs__resp_coll_encode(xs_buf *b, const xs__resp_item *items, size_t n, uint64_t count);

/* An open-addressing index over the entries of an items array: entry i's
 * key is items->v[i * stride] (stride 2 for a hash's fields). */
typedef struct xs__resp_index {
  uint32_t *slot;      /* entry + 1, 0 when empty */
  size_t mask, n;
  const xs__resp_items *items;
  size_t stride;
} xs__resp_index;

/* Indexes the entries present, with room for `extra` more.  0 or XS_ENOMEM. */
int xs__resp_index_build(xs__resp_index *x, const xs__resp_items *items, size_t stride, size_t extra);
/* The entry whose key is p[0..len), or -1. */
int64_t xs__resp_index_find(const xs__resp_index *x, const void *p, size_t len);
/* Adds entry i (its key must be absent).  0 or XS_ENOMEM. */
int xs__resp_index_add(xs__resp_index *x, size_t entry);
void xs__resp_index_free(xs__resp_index *x);

/* ------------------------------------------------------------------------ */
/* Numbers, as Infinispan's ArgumentUtils and the JDK parse and print them.  */

/* ArgumentUtils.toLong: [+-]digits, with its quirks (a multi-digit number
 * with a leading zero is refused; its overflow check).  false on error. */
bool xs__resp_java_tolong(const void *p, size_t len, int64_t *out);
/* ArgumentUtils.toInt: toLong within int range. */
bool xs__resp_java_toint(const void *p, size_t len, int32_t *out);
/* Long.parseLong: [+-]digits within range. */
bool xs__resp_java_parselong(const void *p, size_t len, int64_t *out);
/* ArgumentUtils.toDouble: "inf"/"+inf"/"-inf" (any case), "Infinity",
 * "-Infinity", else only [0-9+-.eE] and a full Double.parseDouble. */
bool xs__resp_java_todouble(const void *p, size_t len, double *out);
/* ArgumentUtils.toByteArray(Number) for a double: Double.toString when it
 * has a fraction, else the saturated long.  Returns the length (buf: 32). */
size_t xs__resp_java_double_bytes(double d, char *buf, size_t len);
/* Redis's stringmatchlen glob (* ? [..] \), case-sensitive. */
bool xs__resp_glob(const uint8_t *pat, size_t plen, const uint8_t *s, size_t slen);

/* ------------------------------------------------------------------------ */
/* The session                                                                */

/* What kind of value a key holds. */
typedef enum {
  XS__RESP_T_NONE = 0,
  XS__RESP_T_STRING,
  XS__RESP_T_HASH,
  XS__RESP_T_LIST,
  XS__RESP_T_SET,
} xs__resp_type;

/* The current value of a key, as a compute function or a read sees it. */
typedef struct xs__resp_val {
  xs__resp_type type;
  const uint8_t *p;
  uint32_t len;
  uint8_t vtype;
  xs_ms expire_ms;     /* XS_TIME_NEVER when immortal */
} xs__resp_val;

typedef xs_compute_action (*xs__resp_compute_fn)(xs_resp_session *s, const xs__resp_val *old,
                                                 xs_compute_out *out);
/* Called once per completed operation of the current command. */
typedef void (*xs__resp_done_fn)(xs_resp_session *s, const xs_op_result *r);

/* Per-command state for asynchronous commands (reset before each command). */
typedef struct xs__resp_cx {
  xs__resp_compute_fn compute;
  xs__resp_done_fn done;
  uint32_t pending;        /* operations in flight */
  bool failed;             /* the compute refused: reply err verbatim */
  bool have_error;         /* an operation failed: reply err */
  char err[XS_MSG_BYTES_MAX + 16];
  int64_t n;               /* a count or integer result */
  int64_t arg;             /* a parsed argument */
  double d;
  int step;                /* multi-step commands (RENAME, SMOVE) */
  uint32_t opts;           /* parsed option flags */
  xs_ms lifespan_ms;
  xs_buf val;              /* the new value a compute builds */
  xs_buf reply;            /* the reply a compute prepares */
  xs_buf saved;            /* a value carried between steps */
  uint8_t saved_vtype;
  xs_ms saved_expire_ms;
} xs__resp_cx;

struct xs_resp_session {
  xs_sim *sim;
  int site;
  int cache;               /* the selected cache */
  int default_cache;
  xs_resp_config cfg;
  xs_resp_parser parser;
  xs_buf in;               /* unparsed input */
  size_t in_pos;
  xs_buf out;              /* replies; out.data[out_pos..] not yet consumed */
  size_t out_pos;
  size_t out_committed;    /* end of the last complete reply */
  bool busy, closing, dead, in_pump, in_handler;
  char peer[64], local[64];
  bool authenticated;
  bool resp3;              /* replies in RESP3 (else translated to RESP2) */
  uint32_t perms;
  char user[XS_RESP_CLIENT_NAME_BYTES_MAX];
  char client_name[XS_RESP_CLIENT_NAME_BYTES_MAX];
  bool has_client_name;
  char lib_name[XS_RESP_CLIENT_NAME_BYTES_MAX];
  char lib_ver[XS_RESP_CLIENT_NAME_BYTES_MAX];
  xs_ms created_ms;
  uint64_t rng;            /* SPOP / SRANDMEMBER / HRANDFIELD */
  /* The command being run. */
  int argc;
  const char **argv;
  const size_t *argl;
  const xs__resp_cmd *cmd;
  xs_resp_session *cl_prev, *cl_next; /* in cfg.clients */
  const xs__resp_cmd *last_cmd; /* the previous command found: a pipeline
                                 * repeats one name, so try it first */
  xs__resp_cx cx;
  /* Scratch reused across commands. */
  xs__resp_items ia, ib;
  xs__resp_index ix;
};

/* Reads a key of the selected cache (no events, no locks). */
xs__resp_type xs__resp_read(xs_resp_session *s, const void *key, size_t klen, xs__resp_val *v);
/* The type of a stored vtype tag. */
xs__resp_type xs__resp_type_of(uint8_t vtype);
const char *xs__resp_type_name(xs__resp_type t);

/* Submits a plain operation of the current command (op->site/cache are
 * filled in); `done` runs when it completes.  On a refusal the error reply
 * is written and the command finished.  Returns 0 or the refusal. */
int xs__resp_submit(xs_resp_session *s, xs_op *op, xs__resp_done_fn done);
/* Submits an XS_OP_COMPUTE on key with fn as its function. */
int xs__resp_compute(xs_resp_session *s, const void *key, size_t klen, xs__resp_compute_fn fn,
                     xs__resp_done_fn done);
/* The default completion: the error of the op if any, else s->cx.reply. */
void xs__resp_done_reply(xs_resp_session *s, const xs_op_result *r);
/* Writes the reply for a failed operation (compute refusal, ISPN000709, ...). */
void xs__resp_reply_op_error(xs_resp_session *s, const xs_op_result *r);
/* Ends the current asynchronous command (its reply has been written). */
void xs__resp_finish(xs_resp_session *s);
/* Makes the running compute fail with an error reply (text without '-'). */
xs_compute_action xs__resp_cx_fail(xs_resp_session *s, const char *text);
/* Makes the running compute store s->cx.val with vtype and lifespan
 * (-1 keep, -2 immortal, >= 0 from now); fails with E_TOOBIG when too large. */
xs_compute_action xs__resp_cx_put(xs_resp_session *s, xs_compute_out *out, uint8_t vtype,
                                  xs_ms lifespan_ms);

/* Argument helpers. */
bool xs__resp_arg_is(const xs_resp_session *s, int i, const char *upper);
/* Writes "-ERR wrong number of arguments for '<name>' command". */
void xs__resp_err_arity(xs_resp_session *s);
/* The next pseudo-random number of the session's stream. */
uint64_t xs__resp_rand(xs_resp_session *s);

/* Collections in commands (resp_value.c).  In a compute: decodes `old`
 * (of type `want`, or absent: no items) into s->ia; false after failing the
 * compute with WRONGTYPE. */
bool xs__resp_cx_load(xs_resp_session *s, const xs__resp_val *old, xs__resp_type want);
/* In a compute: stores s->ia (entries of `stride` items) as the new value,
 * keeping the lifespan, or removes the key when no items are left. */
xs_compute_action xs__resp_cx_store(xs_resp_session *s, xs_compute_out *out, uint8_t vtype, size_t stride);
/* Keeps only the entries of s->ia (of `stride` items) not marked in gone[]. */
void xs__resp_drop_marked(xs_resp_session *s, const uint8_t *gone, size_t stride);
/* The whole compute of HDEL and SREM: removes from the collection (of type
 * `want`, stored as vtype, entries of `stride` items) the entries whose keys
 * are among argv[2..], replying how many went. */
xs_compute_action xs__resp_cx_remove(xs_resp_session *s, const xs__resp_val *old, xs_compute_out *out,
                                     xs__resp_type want, uint8_t vtype, size_t stride);
/* For a read: decodes argv[argi] into s->ia (no items when absent); false
 * after writing WRONGTYPE.  Returns the value's type in *t. */
bool xs__resp_read_coll(xs_resp_session *s, int argi, xs__resp_type want, xs__resp_type *t);
/* For a read: the entry count of the collection at argv[argi] without
 * decoding it (0 when absent); false after writing WRONGTYPE. */
bool xs__resp_read_count(xs_resp_session *s, int argi, xs__resp_type want, uint64_t *count);
/* For a read answering each of argv[2..] (HMGET, SMISMEMBER): decodes
 * argv[1] into s->ia and indexes its entries of `stride` items in s->ix;
 * false after writing an error. */
bool xs__resp_read_indexed(xs_resp_session *s, xs__resp_type want, size_t stride);
/* Writes s->ia.v[first], [first+step], ... (n of them) as an array (or a
 * set when as_set) of bulk strings. */
void xs__resp_w_items(xs_buf *b, const xs__resp_items *a, size_t first, size_t step, bool as_set);
/* Picks k distinct entries out of n at random into idx[0..k) (k <= n),
 * in the order drawn. */
void xs__resp_pick(xs_resp_session *s, uint32_t *idx, size_t n, size_t k);

/* SCAN-style arguments (resp_cmd_keys.c, also for HSCAN and SSCAN):
 * MATCH / COUNT / TYPE from argv[first] (type -1 when not given); false
 * after writing an error.  A cursor is "0" or a position we handed out. */
bool xs__resp_scan_options(xs_resp_session *s, int first, const uint8_t **pat, size_t *plen,
                           uint64_t *count, int *type);
bool xs__resp_scan_cursor(const char *a, size_t n, uint64_t *pos);
/* HSCAN and SSCAN: a page of the collection at argv[1] (of type `want`,
 * entries of `stride` items), from the cursor in argv[2], MATCH applying to
 * an entry's first item. */
void xs__resp_scan_coll(xs_resp_session *s, xs__resp_type want, size_t stride);

/* Handlers, by family. */
#define XS__RESP_HANDLER(n) void xs__resp_cmd_##n(xs_resp_session *s)
/* connection and server (resp_cmd_conn.c) */
XS__RESP_HANDLER(auth); XS__RESP_HANDLER(client); XS__RESP_HANDLER(command);
XS__RESP_HANDLER(config); XS__RESP_HANDLER(dbsize); XS__RESP_HANDLER(echo);
XS__RESP_HANDLER(hello); XS__RESP_HANDLER(info); XS__RESP_HANDLER(ping);
XS__RESP_HANDLER(quit); XS__RESP_HANDLER(reset); XS__RESP_HANDLER(select);
XS__RESP_HANDLER(time); XS__RESP_HANDLER(readonly);
/* strings (resp_cmd_strings.c) */
XS__RESP_HANDLER(append); XS__RESP_HANDLER(decr); XS__RESP_HANDLER(decrby);
XS__RESP_HANDLER(get); XS__RESP_HANDLER(getdel); XS__RESP_HANDLER(getex);
XS__RESP_HANDLER(getrange); XS__RESP_HANDLER(getset); XS__RESP_HANDLER(incr);
XS__RESP_HANDLER(incrby); XS__RESP_HANDLER(incrbyfloat); XS__RESP_HANDLER(mget);
XS__RESP_HANDLER(mset); XS__RESP_HANDLER(psetex); XS__RESP_HANDLER(set);
XS__RESP_HANDLER(setex); XS__RESP_HANDLER(setnx); XS__RESP_HANDLER(setrange);
XS__RESP_HANDLER(strlen); XS__RESP_HANDLER(substr);
/* keys (resp_cmd_keys.c) */
XS__RESP_HANDLER(del); XS__RESP_HANDLER(exists); XS__RESP_HANDLER(expire);
XS__RESP_HANDLER(pexpire); XS__RESP_HANDLER(expireat); XS__RESP_HANDLER(pexpireat);
XS__RESP_HANDLER(expiretime); XS__RESP_HANDLER(pexpiretime);
XS__RESP_HANDLER(flushdb); XS__RESP_HANDLER(keys); XS__RESP_HANDLER(persist);
XS__RESP_HANDLER(pttl); XS__RESP_HANDLER(rename); XS__RESP_HANDLER(scan);
XS__RESP_HANDLER(touch); XS__RESP_HANDLER(ttl); XS__RESP_HANDLER(type);
/* hashes (resp_cmd_hashes.c) */
XS__RESP_HANDLER(hdel); XS__RESP_HANDLER(hexists); XS__RESP_HANDLER(hget);
XS__RESP_HANDLER(hgetall); XS__RESP_HANDLER(hincrby); XS__RESP_HANDLER(hincrbyfloat);
XS__RESP_HANDLER(hkeys); XS__RESP_HANDLER(hlen); XS__RESP_HANDLER(hmget);
XS__RESP_HANDLER(hmset); XS__RESP_HANDLER(hrandfield); XS__RESP_HANDLER(hscan);
XS__RESP_HANDLER(hset); XS__RESP_HANDLER(hsetnx); XS__RESP_HANDLER(hstrlen);
XS__RESP_HANDLER(hvals);
/* lists (resp_cmd_lists.c) */
XS__RESP_HANDLER(lindex); XS__RESP_HANDLER(linsert); XS__RESP_HANDLER(llen);
XS__RESP_HANDLER(lpop); XS__RESP_HANDLER(lpush); XS__RESP_HANDLER(lpushx);
XS__RESP_HANDLER(lrange); XS__RESP_HANDLER(lrem); XS__RESP_HANDLER(lset);
XS__RESP_HANDLER(ltrim); XS__RESP_HANDLER(rpop); XS__RESP_HANDLER(rpush);
XS__RESP_HANDLER(rpushx);
/* sets (resp_cmd_sets.c) */
XS__RESP_HANDLER(sadd); XS__RESP_HANDLER(scard); XS__RESP_HANDLER(sdiff);
XS__RESP_HANDLER(sinter); XS__RESP_HANDLER(sismember); XS__RESP_HANDLER(smembers);
XS__RESP_HANDLER(smismember); XS__RESP_HANDLER(smove); XS__RESP_HANDLER(spop);
XS__RESP_HANDLER(srandmember); XS__RESP_HANDLER(srem); XS__RESP_HANDLER(sscan);
XS__RESP_HANDLER(sunion);

#endif /* XS_RESP_INTERNAL_H */
