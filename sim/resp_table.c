/*
 * resp_table.c - the RESP command table: every command this layer runs,
 * with Infinispan's arity, key positions and ACL categories (from the
 * constructors of its RespCommand classes, 16.0.x), the permission it needs
 * and its handler.  Sorted by name for a binary search; the unit tests check
 * the order.
 */
#include <string.h>

#include "resp_internal.h"

static const xs__resp_cmd commands[] = {
    {"APPEND", 3, 1, 1, 1, XS__ACL_WRITE | XS__ACL_STRING | XS__ACL_FAST, XS__RESP_F_WRITE, xs__resp_cmd_append},
    {"AUTH", -2, 0, 0, 0, XS__ACL_FAST | XS__ACL_CONNECTION, XS__RESP_F_PREAUTH, xs__resp_cmd_auth},
    {"CLIENT", -2, 0, 0, 0, XS__ACL_SLOW, 0, xs__resp_cmd_client},
    {"COMMAND", -1, 0, 0, 0, XS__ACL_SLOW | XS__ACL_CONNECTION, 0, xs__resp_cmd_command},
    {"CONFIG", -2, 0, 0, 0, XS__ACL_SLOW, 0, xs__resp_cmd_config},
    {"DBSIZE", 1, 0, 0, 0, XS__ACL_KEYSPACE | XS__ACL_READ | XS__ACL_FAST, XS__RESP_F_READ, xs__resp_cmd_dbsize},
    {"DECR", 2, 1, 1, 1, XS__ACL_WRITE | XS__ACL_STRING | XS__ACL_FAST, XS__RESP_F_WRITE, xs__resp_cmd_decr},
    {"DECRBY", 3, 1, 1, 1, XS__ACL_WRITE | XS__ACL_STRING | XS__ACL_FAST, XS__RESP_F_WRITE, xs__resp_cmd_decrby},
    {"DEL", -2, 1, -1, 1, XS__ACL_KEYSPACE | XS__ACL_WRITE | XS__ACL_SLOW, XS__RESP_F_WRITE, xs__resp_cmd_del},
    {"ECHO", 2, 0, 0, 0, XS__ACL_FAST | XS__ACL_CONNECTION, 0, xs__resp_cmd_echo},
    {"EXISTS", -2, 1, -1, 1, XS__ACL_KEYSPACE | XS__ACL_READ | XS__ACL_FAST, XS__RESP_F_READ, xs__resp_cmd_exists},
    {"EXPIRE", -3, 1, 1, 1, XS__ACL_KEYSPACE | XS__ACL_WRITE | XS__ACL_FAST, XS__RESP_F_WRITE, xs__resp_cmd_expire},
    {"EXPIREAT", -3, 1, 1, 1, XS__ACL_KEYSPACE | XS__ACL_WRITE | XS__ACL_FAST, XS__RESP_F_WRITE, xs__resp_cmd_expireat},
    {"EXPIRETIME", 2, 1, 1, 1, XS__ACL_KEYSPACE | XS__ACL_READ | XS__ACL_FAST, XS__RESP_F_READ, xs__resp_cmd_expiretime},
    {"FLUSHALL", -1, 0, 0, 0, XS__ACL_KEYSPACE | XS__ACL_WRITE | XS__ACL_SLOW | XS__ACL_DANGEROUS, XS__RESP_F_WRITE, xs__resp_cmd_flushdb},
    {"FLUSHDB", -1, 0, 0, 0, XS__ACL_KEYSPACE | XS__ACL_WRITE | XS__ACL_SLOW | XS__ACL_DANGEROUS, XS__RESP_F_WRITE, xs__resp_cmd_flushdb},
    {"GET", 2, 1, 1, 1, XS__ACL_READ | XS__ACL_STRING | XS__ACL_FAST, XS__RESP_F_READ, xs__resp_cmd_get},
    {"GETDEL", 2, 1, 1, 1, XS__ACL_WRITE | XS__ACL_STRING | XS__ACL_FAST, XS__RESP_F_WRITE, xs__resp_cmd_getdel},
    {"GETEX", -2, 1, 1, 1, XS__ACL_WRITE | XS__ACL_STRING | XS__ACL_FAST, XS__RESP_F_WRITE, xs__resp_cmd_getex},
    {"GETRANGE", 4, 1, 1, 1, XS__ACL_READ | XS__ACL_STRING | XS__ACL_SLOW, XS__RESP_F_READ, xs__resp_cmd_getrange},
    {"GETSET", 3, 1, 1, 1, XS__ACL_WRITE | XS__ACL_STRING | XS__ACL_FAST, XS__RESP_F_WRITE, xs__resp_cmd_getset},
    {"HDEL", -3, 1, 1, 1, XS__ACL_WRITE | XS__ACL_HASH | XS__ACL_FAST, XS__RESP_F_WRITE, xs__resp_cmd_hdel},
    {"HELLO", -1, 0, 0, 0, XS__ACL_FAST | XS__ACL_CONNECTION, XS__RESP_F_PREAUTH, xs__resp_cmd_hello},
    {"HEXISTS", 3, 1, 1, 1, XS__ACL_READ | XS__ACL_HASH | XS__ACL_FAST, XS__RESP_F_READ, xs__resp_cmd_hexists},
    {"HGET", 3, 1, 1, 1, XS__ACL_READ | XS__ACL_HASH | XS__ACL_FAST, XS__RESP_F_READ, xs__resp_cmd_hget},
    {"HGETALL", 2, 1, 1, 1, XS__ACL_READ | XS__ACL_HASH | XS__ACL_SLOW, XS__RESP_F_READ, xs__resp_cmd_hgetall},
    {"HINCRBY", 4, 1, 1, 1, XS__ACL_WRITE | XS__ACL_HASH | XS__ACL_FAST, XS__RESP_F_WRITE, xs__resp_cmd_hincrby},
    {"HINCRBYFLOAT", 4, 1, 1, 1, XS__ACL_WRITE | XS__ACL_HASH | XS__ACL_FAST, XS__RESP_F_WRITE, xs__resp_cmd_hincrbyfloat},
    {"HKEYS", 2, 1, 1, 1, XS__ACL_READ | XS__ACL_HASH | XS__ACL_SLOW, XS__RESP_F_READ, xs__resp_cmd_hkeys},
    {"HLEN", 2, 1, 1, 1, XS__ACL_READ | XS__ACL_HASH | XS__ACL_FAST, XS__RESP_F_READ, xs__resp_cmd_hlen},
    {"HMGET", -3, 1, 1, 1, XS__ACL_READ | XS__ACL_HASH | XS__ACL_FAST, XS__RESP_F_READ, xs__resp_cmd_hmget},
    {"HMSET", -4, 1, 1, 1, XS__ACL_WRITE | XS__ACL_HASH | XS__ACL_FAST, XS__RESP_F_WRITE, xs__resp_cmd_hmset},
    {"HRANDFIELD", -2, 1, 1, 1, XS__ACL_READ | XS__ACL_HASH | XS__ACL_SLOW, XS__RESP_F_READ, xs__resp_cmd_hrandfield},
    {"HSCAN", -3, 1, 1, 1, XS__ACL_READ | XS__ACL_HASH | XS__ACL_SLOW, XS__RESP_F_READ, xs__resp_cmd_hscan},
    {"HSET", -4, 1, 1, 1, XS__ACL_WRITE | XS__ACL_HASH | XS__ACL_FAST, XS__RESP_F_WRITE, xs__resp_cmd_hset},
    {"HSETNX", 4, 1, 1, 1, XS__ACL_WRITE | XS__ACL_HASH | XS__ACL_FAST, XS__RESP_F_WRITE, xs__resp_cmd_hsetnx},
    {"HSTRLEN", 3, 1, 1, 1, XS__ACL_READ | XS__ACL_HASH | XS__ACL_FAST, XS__RESP_F_READ, xs__resp_cmd_hstrlen},
    {"HVALS", 2, 1, 1, 1, XS__ACL_READ | XS__ACL_HASH | XS__ACL_SLOW, XS__RESP_F_READ, xs__resp_cmd_hvals},
    {"INCR", 2, 1, 1, 1, XS__ACL_WRITE | XS__ACL_STRING | XS__ACL_FAST, XS__RESP_F_WRITE, xs__resp_cmd_incr},
    {"INCRBY", 3, 1, 1, 1, XS__ACL_WRITE | XS__ACL_STRING | XS__ACL_FAST, XS__RESP_F_WRITE, xs__resp_cmd_incrby},
    {"INCRBYFLOAT", 3, 1, 1, 1, XS__ACL_WRITE | XS__ACL_STRING | XS__ACL_FAST, XS__RESP_F_WRITE, xs__resp_cmd_incrbyfloat},
    {"INFO", -1, 0, 0, 0, XS__ACL_SLOW | XS__ACL_DANGEROUS, XS__RESP_F_ADMIN, xs__resp_cmd_info},
    {"KEYS", 2, 0, 0, 0, XS__ACL_KEYSPACE | XS__ACL_READ | XS__ACL_SLOW | XS__ACL_DANGEROUS, XS__RESP_F_READ, xs__resp_cmd_keys},
    {"LINDEX", 3, 1, 1, 1, XS__ACL_READ | XS__ACL_LIST | XS__ACL_SLOW, XS__RESP_F_READ, xs__resp_cmd_lindex},
    {"LINSERT", 5, 1, 1, 1, XS__ACL_WRITE | XS__ACL_LIST | XS__ACL_SLOW, XS__RESP_F_WRITE, xs__resp_cmd_linsert},
    {"LLEN", 2, 1, 1, 1, XS__ACL_READ | XS__ACL_LIST | XS__ACL_FAST, XS__RESP_F_READ, xs__resp_cmd_llen},
    {"LPOP", -2, 1, 1, 1, XS__ACL_WRITE | XS__ACL_LIST | XS__ACL_FAST, XS__RESP_F_WRITE, xs__resp_cmd_lpop},
    {"LPUSH", -3, 1, 1, 1, XS__ACL_WRITE | XS__ACL_LIST | XS__ACL_FAST, XS__RESP_F_WRITE, xs__resp_cmd_lpush},
    {"LPUSHX", -3, 1, 1, 1, XS__ACL_WRITE | XS__ACL_LIST | XS__ACL_FAST, XS__RESP_F_WRITE, xs__resp_cmd_lpushx},
    {"LRANGE", 4, 1, 1, 1, XS__ACL_READ | XS__ACL_LIST | XS__ACL_SLOW, XS__RESP_F_READ, xs__resp_cmd_lrange},
    {"LREM", 4, 1, 1, 1, XS__ACL_WRITE | XS__ACL_LIST | XS__ACL_SLOW, XS__RESP_F_WRITE, xs__resp_cmd_lrem},
    {"LSET", 4, 1, 1, 1, XS__ACL_WRITE | XS__ACL_LIST | XS__ACL_SLOW, XS__RESP_F_WRITE, xs__resp_cmd_lset},
    {"LTRIM", 4, 1, 1, 1, XS__ACL_WRITE | XS__ACL_LIST | XS__ACL_SLOW, XS__RESP_F_WRITE, xs__resp_cmd_ltrim},
    {"MGET", -2, 1, -1, 1, XS__ACL_READ | XS__ACL_STRING | XS__ACL_FAST, XS__RESP_F_READ, xs__resp_cmd_mget},
    {"MSET", -3, 1, -1, 2, XS__ACL_WRITE | XS__ACL_STRING | XS__ACL_SLOW, XS__RESP_F_WRITE, xs__resp_cmd_mset},
    {"PERSIST", 2, 1, 1, 1, XS__ACL_KEYSPACE | XS__ACL_WRITE | XS__ACL_FAST, XS__RESP_F_WRITE, xs__resp_cmd_persist},
    {"PEXPIRE", -3, 1, 1, 1, XS__ACL_KEYSPACE | XS__ACL_WRITE | XS__ACL_FAST, XS__RESP_F_WRITE, xs__resp_cmd_pexpire},
    {"PEXPIREAT", -3, 1, 1, 1, XS__ACL_KEYSPACE | XS__ACL_WRITE | XS__ACL_FAST, XS__RESP_F_WRITE, xs__resp_cmd_pexpireat},
    {"PEXPIRETIME", 2, 1, 1, 1, XS__ACL_KEYSPACE | XS__ACL_READ | XS__ACL_FAST, XS__RESP_F_READ, xs__resp_cmd_pexpiretime},
    {"PING", -1, 0, 0, 0, XS__ACL_FAST | XS__ACL_CONNECTION, 0, xs__resp_cmd_ping},
    {"PSETEX", 4, 1, 1, 1, XS__ACL_WRITE | XS__ACL_STRING | XS__ACL_SLOW, XS__RESP_F_WRITE, xs__resp_cmd_psetex},
    {"PTTL", 2, 1, 1, 1, XS__ACL_KEYSPACE | XS__ACL_READ | XS__ACL_FAST, XS__RESP_F_READ, xs__resp_cmd_pttl},
    {"QUIT", 1, 0, 0, 0, XS__ACL_FAST | XS__ACL_CONNECTION, XS__RESP_F_PREAUTH, xs__resp_cmd_quit},
    {"READONLY", 1, 0, 0, 0, XS__ACL_FAST | XS__ACL_CONNECTION, 0, xs__resp_cmd_readonly},
    {"READWRITE", 1, 0, 0, 0, XS__ACL_FAST | XS__ACL_CONNECTION, 0, xs__resp_cmd_readonly},
    {"RENAME", 3, 1, 2, 1, XS__ACL_KEYSPACE | XS__ACL_WRITE | XS__ACL_SLOW, XS__RESP_F_WRITE, xs__resp_cmd_rename},
    {"RESET", 1, 0, 0, 0, XS__ACL_FAST | XS__ACL_CONNECTION, 0, xs__resp_cmd_reset},
    {"RPOP", -2, 1, 1, 1, XS__ACL_WRITE | XS__ACL_LIST | XS__ACL_FAST, XS__RESP_F_WRITE, xs__resp_cmd_rpop},
    {"RPUSH", -3, 1, 1, 1, XS__ACL_WRITE | XS__ACL_LIST | XS__ACL_FAST, XS__RESP_F_WRITE, xs__resp_cmd_rpush},
    {"RPUSHX", -3, 1, 1, 1, XS__ACL_WRITE | XS__ACL_LIST | XS__ACL_FAST, XS__RESP_F_WRITE, xs__resp_cmd_rpushx},
    {"SADD", -3, 1, 1, 1, XS__ACL_WRITE | XS__ACL_SET | XS__ACL_FAST, XS__RESP_F_WRITE, xs__resp_cmd_sadd},
    {"SCAN", -2, 0, 0, 0, XS__ACL_KEYSPACE | XS__ACL_READ | XS__ACL_SLOW, XS__RESP_F_READ, xs__resp_cmd_scan},
    {"SCARD", 2, 1, 1, 1, XS__ACL_READ | XS__ACL_SET | XS__ACL_FAST, XS__RESP_F_READ, xs__resp_cmd_scard},
    {"SDIFF", -2, 1, -1, 1, XS__ACL_READ | XS__ACL_SET | XS__ACL_SLOW, XS__RESP_F_READ, xs__resp_cmd_sdiff},
    {"SELECT", -1, 0, 0, 0, XS__ACL_FAST | XS__ACL_CONNECTION, 0, xs__resp_cmd_select},
    {"SET", -3, 1, 1, 1, XS__ACL_WRITE | XS__ACL_STRING | XS__ACL_SLOW, XS__RESP_F_WRITE, xs__resp_cmd_set},
    {"SETEX", 4, 1, 1, 1, XS__ACL_WRITE | XS__ACL_STRING | XS__ACL_SLOW, XS__RESP_F_WRITE, xs__resp_cmd_setex},
    {"SETNX", 3, 1, 1, 1, XS__ACL_WRITE | XS__ACL_STRING | XS__ACL_FAST, XS__RESP_F_WRITE, xs__resp_cmd_setnx},
    {"SETRANGE", 4, 1, 1, 1, XS__ACL_WRITE | XS__ACL_STRING | XS__ACL_SLOW, XS__RESP_F_WRITE, xs__resp_cmd_setrange},
    {"SINTER", -2, 1, -1, 1, XS__ACL_READ | XS__ACL_SET | XS__ACL_SLOW, XS__RESP_F_READ, xs__resp_cmd_sinter},
    {"SISMEMBER", 3, 1, 1, 1, XS__ACL_READ | XS__ACL_SET | XS__ACL_FAST, XS__RESP_F_READ, xs__resp_cmd_sismember},
    {"SMEMBERS", 2, 1, 1, 1, XS__ACL_READ | XS__ACL_SET | XS__ACL_SLOW, XS__RESP_F_READ, xs__resp_cmd_smembers},
    {"SMISMEMBER", -3, 1, 1, 1, XS__ACL_READ | XS__ACL_SET | XS__ACL_FAST, XS__RESP_F_READ, xs__resp_cmd_smismember},
    {"SMOVE", 4, 1, 2, 1, XS__ACL_WRITE | XS__ACL_SET | XS__ACL_FAST, XS__RESP_F_WRITE, xs__resp_cmd_smove},
    {"SPOP", -2, 1, 1, 1, XS__ACL_WRITE | XS__ACL_SET | XS__ACL_FAST, XS__RESP_F_WRITE, xs__resp_cmd_spop},
    {"SRANDMEMBER", -2, 1, 1, 1, XS__ACL_READ | XS__ACL_SET | XS__ACL_FAST, XS__RESP_F_READ, xs__resp_cmd_srandmember},
    {"SREM", -3, 1, 1, 1, XS__ACL_WRITE | XS__ACL_SET | XS__ACL_FAST, XS__RESP_F_WRITE, xs__resp_cmd_srem},
    {"SSCAN", -3, 1, 1, 1, XS__ACL_READ | XS__ACL_SET | XS__ACL_SLOW, XS__RESP_F_READ, xs__resp_cmd_sscan},
    {"STRLEN", 2, 1, 1, 1, XS__ACL_READ | XS__ACL_STRING | XS__ACL_FAST, XS__RESP_F_READ, xs__resp_cmd_strlen},
    {"SUBSTR", 4, 1, 1, 1, XS__ACL_READ | XS__ACL_STRING | XS__ACL_SLOW, XS__RESP_F_READ, xs__resp_cmd_substr},
    {"SUNION", -2, 1, -1, 1, XS__ACL_READ | XS__ACL_SET | XS__ACL_SLOW, XS__RESP_F_READ, xs__resp_cmd_sunion},
    {"TIME", 1, 0, 0, 0, XS__ACL_FAST, 0, xs__resp_cmd_time},
    {"TOUCH", -2, 1, -1, 1, XS__ACL_KEYSPACE | XS__ACL_READ | XS__ACL_FAST, XS__RESP_F_READ, xs__resp_cmd_touch},
    {"TTL", 2, 1, 1, 1, XS__ACL_KEYSPACE | XS__ACL_READ | XS__ACL_FAST, XS__RESP_F_READ, xs__resp_cmd_ttl},
    {"TYPE", 2, 1, 1, 1, XS__ACL_KEYSPACE | XS__ACL_READ | XS__ACL_FAST, XS__RESP_F_READ, xs__resp_cmd_type},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

/* Longer than any command name. */
#define NAME_BYTES_MAX 32

const xs__resp_cmd *xs__resp_cmd_find(const char *name, size_t len) {
  char up[NAME_BYTES_MAX + 1];
  if (len == 0 || len > NAME_BYTES_MAX) return NULL;
  for (size_t i = 0; i < len; i++) {
    char c = name[i];
    if (c == 0) return NULL;
    up[i] = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
  }
  up[len] = 0;
  size_t lo = 0, hi = NCOMMANDS;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(up, commands[mid].name);
    if (c == 0) return &commands[mid];
    if (c < 0) hi = mid;
    else lo = mid + 1;
  }
  return NULL;
}

size_t xs__resp_cmd_count(void) { return NCOMMANDS; }

const xs__resp_cmd *xs__resp_cmd_at(size_t i) { return i < NCOMMANDS ? &commands[i] : NULL; }

const char *xs__resp_acl_name(int bit) {
  /* AclCategory's order; toString() is "@" + the lower-case name. */
  static const char *const names[XS__ACL_BITS] = {
    "@keyspace", "@read", "@write", "@set", "@sortedset", "@list", "@hash", "@string",
    "@bitmap", "@hyperloglog", "@geo", "@stream", "@pubsub", "@admin", "@fast", "@slow",
    "@blocking", "@dangerous", "@connection", "@transaction", "@scripting", "@bloom",
    "@cuckoo", "@cms", "@topk", "@tdigest", "@search", "@timeseries", "@json",
  };
  return bit >= 0 && bit < XS__ACL_BITS ? names[bit] : NULL;
}
