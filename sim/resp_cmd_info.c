/*
 * resp_cmd_info.c - INFO, with the sections and the (mostly constant) fields
 * Infinispan 16.0's commands/INFO.java writes, in its order.  The values
 * Infinispan takes from the JVM or the host (os, pid, wall time) come from
 * the simulation instead, so a run stays reproducible; Keyspace reports the
 * selected cache's real entry count where Infinispan always writes 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resp_internal.h"

/* Sections, in INFO.Section's order; ALL, DEFAULT and EVERYTHING expand. */
enum {
  SEC_SERVER, SEC_CLIENTS, SEC_MEMORY, SEC_PERSISTENCE, SEC_STATS, SEC_REPLICATION, SEC_CPU,
  SEC_COMMANDSTATS, SEC_LATENCYSTATS, SEC_SENTINEL, SEC_CLUSTER, SEC_MODULES, SEC_KEYSPACE,
  SEC_ERRORSTATS, SEC_ALL, SEC_DEFAULT, SEC_EVERYTHING, SEC_COUNT
};

static const char *const section_names[SEC_COUNT] = {
  "SERVER", "CLIENTS", "MEMORY", "PERSISTENCE", "STATS", "REPLICATION", "CPU",
  "COMMANDSTATS", "LATENCYSTATS", "SENTINEL", "CLUSTER", "MODULES", "KEYSPACE",
  "ERRORSTATS", "ALL", "DEFAULT", "EVERYTHING",
};

static const char info_memory[] =
  "# Memory\r\n"
  "used_memory:0\r\n"
  "used_memory_human:0M\r\n"
  "used_memory_rss:0\r\n"
  "used_memory_rss_human:0M\r\n"
  "used_memory_peak:0\r\n"
  "used_memory_peak_human:0M\r\n"
  "used_memory_peak_perc:0%\r\n"
  "used_memory_overhead:0\r\n"
  "used_memory_startup:0\r\n"
  "used_memory_dataset:0\r\n"
  "used_memory_dataset_perc:0%\r\n"
  "allocator_allocated:0\r\n"
  "allocator_active:0\r\n"
  "allocator_resident:0\r\n"
  "total_system_memory:0\r\n"
  "total_system_memory_human:0G\r\n"
  "used_memory_lua:0\r\n"
  "used_memory_vm_eval:0\r\n"
  "used_memory_lua_human:0K\r\n"
  "used_memory_scripts_eval:0\r\n"
  "number_of_cached_scripts:0\r\n"
  "number_of_functions:0\r\n"
  "number_of_libraries:0\r\n"
  "used_memory_vm_functions:0\r\n"
  "used_memory_vm_total:0\r\n"
  "used_memory_vm_total_human:0K\r\n"
  "used_memory_functions:0\r\n"
  "used_memory_scripts:0\r\n"
  "used_memory_scripts_human:0\r\n"
  "maxmemory:0\r\n"
  "maxmemory_human:0G\r\n"
  "maxmemory_policy:allkeys-lru\r\n"
  "allocator_frag_ratio:0\r\n"
  "allocator_frag_bytes:0\r\n"
  "allocator_rss_ratio:0\r\n"
  "allocator_rss_bytes:0\r\n"
  "rss_overhead_ratio:0\r\n"
  "rss_overhead_bytes:0\r\n"
  "mem_fragmentation_ratio:0\r\n"
  "mem_fragmentation_bytes:0\r\n"
  "mem_not_counted_for_evict:0\r\n"
  "mem_replication_backlog:0\r\n"
  "mem_total_replication_buffers:0\r\n"
  "mem_clients_slaves:0\r\n"
  "mem_clients_normal:0\r\n"
  "mem_cluster_links:0\r\n"
  "mem_aof_buffer:0\r\n"
  "mem_allocator:none\r\n"
  "active_defrag_running:0\r\n"
  "lazyfree_pending_objects:0\r\n"
  "lazyfreed_objects:0\r\n"
  "\r\n";
static const char info_persistence[] =
  "# Persistence\r\n"
  "loading:0\r\n"
  "async_loading:0\r\n"
  "current_cow_peak:0\r\n"
  "current_cow_size:0\r\n"
  "current_cow_size_age:0\r\n"
  "current_fork_perc:0.00\r\n"
  "current_save_keys_processed:0\r\n"
  "current_save_keys_total:0\r\n"
  "rdb_changes_since_last_save:0\r\n"
  "rdb_bgsave_in_progress:0\r\n"
  "rdb_last_save_time:0\r\n"
  "rdb_last_bgsave_status:ok\r\n"
  "rdb_last_bgsave_time_sec:-1\r\n"
  "rdb_current_bgsave_time_sec:-1\r\n"
  "rdb_saves:0\r\n"
  "rdb_last_cow_size:0\r\n"
  "rdb_last_load_keys_expired:0\r\n"
  "rdb_last_load_keys_loaded:0\r\n"
  "aof_enabled:0\r\n"
  "aof_rewrite_in_progress:0\r\n"
  "aof_rewrite_scheduled:0\r\n"
  "aof_last_rewrite_time_sec:-1\r\n"
  "aof_current_rewrite_time_sec:-1\r\n"
  "aof_last_bgrewrite_status:ok\r\n"
  "aof_rewrites:0\r\n"
  "aof_rewrites_consecutive_failures:0\r\n"
  "aof_last_write_status:ok\r\n"
  "aof_last_cow_size:0\r\n"
  "module_fork_in_progress:0\r\n"
  "module_fork_last_cow_size:0\r\n"
  "\r\n";
static const char info_stats[] =
  "# Stats\r\n"
  "total_connections_received:0\r\n"
  "total_commands_processed:0\r\n"
  "instantaneous_ops_per_sec:0\r\n"
  "total_net_input_bytes:0\r\n"
  "total_net_output_bytes:0\r\n"
  "total_net_repl_input_bytes:0\r\n"
  "total_net_repl_output_bytes:0\r\n"
  "instantaneous_input_kbps:0.00\r\n"
  "instantaneous_output_kbps:0.00\r\n"
  "instantaneous_input_repl_kbps:0.00\r\n"
  "instantaneous_output_repl_kbps:0.00\r\n"
  "rejected_connections:0\r\n"
  "sync_full:0\r\n"
  "sync_partial_ok:0\r\n"
  "sync_partial_err:0\r\n"
  "expired_keys:0\r\n"
  "expired_stale_perc:0.00\r\n"
  "expired_time_cap_reached_count:0\r\n"
  "expire_cycle_cpu_milliseconds:0\r\n"
  "evicted_keys:0\r\n"
  "evicted_clients:0\r\n"
  "total_eviction_exceeded_time:0\r\n"
  "current_eviction_exceeded_time:0\r\n"
  "keyspace_hits:0\r\n"
  "keyspace_misses:0\r\n"
  "pubsub_channels:0\r\n"
  "pubsub_patterns:0\r\n"
  "pubsubshard_channels:0\r\n"
  "latest_fork_usec:0\r\n"
  "total_forks:0\r\n"
  "migrate_cached_sockets:0\r\n"
  "slave_expires_tracked_keys:0\r\n"
  "active_defrag_hits:0\r\n"
  "active_defrag_misses:0\r\n"
  "active_defrag_key_hits:0\r\n"
  "active_defrag_key_misses:0\r\n"
  "total_active_defrag_time:0\r\n"
  "current_active_defrag_time:0\r\n"
  "tracking_total_keys:0\r\n"
  "tracking_total_items:0\r\n"
  "tracking_total_prefixes:0\r\n"
  "unexpected_error_replies:0\r\n"
  "total_error_replies:0\r\n"
  "dump_payload_sanitizations:0\r\n"
  "total_reads_processed:0\r\n"
  "total_writes_processed:0\r\n"
  "io_threaded_reads_processed:0\r\n"
  "io_threaded_writes_processed:0\r\n"
  "reply_buffer_shrinks:0\r\n"
  "reply_buffer_expands:0\r\n"
  "\r\n";
static const char info_replication[] =
  "# Replication\r\n"
  "role:master\r\n"
  "connected_slaves:0\r\n"
  "master_failover_state:no-failover\r\n"
  "master_replid:0000000000000000000000000000000000000000\r\n"
  "master_replid2:0000000000000000000000000000000000000000\r\n"
  "master_repl_offset:0\r\n"
  "second_repl_offset:-1\r\n"
  "repl_backlog_active:0\r\n"
  "repl_backlog_size:0\r\n"
  "repl_backlog_first_byte_offset:0\r\n"
  "repl_backlog_histlen:0\r\n"
  "\r\n";
static const char info_cpu[] =
  "# CPU\r\n"
  "used_cpu_sys:0\r\n"
  "used_cpu_user:0\r\n"
  "used_cpu_sys_children:0.000000\r\n"
  "used_cpu_user_children:0.000000\r\n"
  "used_cpu_sys_main_thread:0.000000\r\n"
  "used_cpu_user_main_thread:0.000000\r\n"
  "\r\n";
static const char info_errorstats[] =
  "# Errorstats\r\n"
  "errorstat_ERR:count=0\r\n"
  "errorstat_NOPERM:count=0\r\n"
  "errorstat_WRONGTYPE:count=0\r\n"
  "\r\n";

static uint32_t implies(int sec) {
  uint32_t all = (1u << SEC_COUNT) - 1;
  switch (sec) {
  case SEC_ALL: return all & ~(1u << SEC_MODULES);
  case SEC_EVERYTHING: return all;
  case SEC_DEFAULT:
    return (1u << SEC_SERVER) | (1u << SEC_CLIENTS) | (1u << SEC_MEMORY) | (1u << SEC_PERSISTENCE) |
           (1u << SEC_STATS) | (1u << SEC_REPLICATION) | (1u << SEC_CPU) | (1u << SEC_MODULES) |
           (1u << SEC_ERRORSTATS) | (1u << SEC_CLUSTER) | (1u << SEC_KEYSPACE);
  default: return 1u << sec;
  }
}

/* The TCP port of the local address ("host:port"), or 0. */
static long local_port(const xs_resp_session *s) {
  const char *colon = strrchr(s->local, ':');
  return colon ? strtol(colon + 1, NULL, 10) : 0;
}

static const char *redis_mode(const xs_resp_session *s) {
  const xs_topology *t = xs_sim_topology(s->sim);
  switch (t->caches[s->cache].mode) {
  case XS_MODE_LOCAL: return "standalone";
  case XS_MODE_REPL: return "sentinel";
  default: return "cluster";
  }
}

static void info_server(xs_resp_session *s, xs_buf *t) {
  xs_ms now = s->cfg.time_epoch_ms + xs_sim_now(s->sim);
  xs_buf_printf(t,
                "# Server\r\nredis_version:16.0\r\nredis_git_sha1:0000000000\r\nredis_git_dirty:0\r\n"
                "redis_build_id:16.0.13\r\nredis_mode:%s\r\nos:Linux xsim amd64\r\narch_bits:64\r\n"
                "monotonic_clock:POSIX clock_gettime\r\nmultiplexing_api:epoll\r\n"
                "atomicvar_api:c11 - builtin\r\nprocess_id:1\r\nprocess_supervised:no\r\n"
                "run_id:0000000000000\r\ntcp_port:%ld\r\nserver_time_usec:%lld\r\n"
                "uptime_in_seconds:0\r\nuptime_in_days:0\r\nhz:10\r\nconfigured_hz:10\r\n"
                "lru_clock:0\r\nexecutable:server\r\nconfig_file:infinispan.xml\r\n"
                "io_threads_active:0\r\n\r\n",
                redis_mode(s), local_port(s), (long long)now * 1000);
}

/* Infinispan counts its RESP server's connections (ClientMetadata). */
static void info_clients(const xs_resp_session *s, xs_buf *t) {
  uint32_t n = s->cfg.clients ? s->cfg.clients->count : 1;
  xs_buf_printf(t, "# Clients\r\nconnected_clients:%u\r\ncluster_connections:%u\r\nmaxclients:10000\r\n", n, n);
  xs_buf_puts(t, "client_recent_max_input_buffer:0\r\nclient_recent_max_output_buffer:0\r\n"
                 "blocked_clients:0\r\ntracking_clients:0\r\npubsub_clients:0\r\n"
                 "watching_clients:0\r\nclients_in_timeout_table:0\r\ntotal_watched_keys:0\r\n"
                 "total_blocking_keys:0\r\n\r\n");
}

static void info_text(xs_resp_session *s, uint32_t secs, xs_buf *t) {
  const xs_topology *topo = xs_sim_topology(s->sim);
  if (secs & (1u << SEC_SERVER)) info_server(s, t);
  if (secs & (1u << SEC_CLIENTS)) info_clients(s, t);
  if (secs & (1u << SEC_MEMORY)) xs_buf_puts(t, info_memory);
  if (secs & (1u << SEC_PERSISTENCE)) xs_buf_puts(t, info_persistence);
  if (secs & (1u << SEC_STATS)) xs_buf_puts(t, info_stats);
  if (secs & (1u << SEC_REPLICATION)) xs_buf_puts(t, info_replication);
  if (secs & (1u << SEC_CPU)) xs_buf_puts(t, info_cpu);
  if (secs & (1u << SEC_MODULES))
    xs_buf_puts(t, "# Modules\r\nmodule:name=ReJSON,ver=160013,api=1,filters=0,usedby=[],using=[],"
                   "options=[]\r\n\r\n");
  if (secs & (1u << SEC_ERRORSTATS)) xs_buf_puts(t, info_errorstats);
  if (secs & (1u << SEC_CLUSTER))
    xs_buf_printf(t, "# Cluster\r\ncluster_enabled:%d\r\n\r\n",
                  topo->caches[s->cache].mode == XS_MODE_DIST ? 1 : 0);
  if (secs & (1u << SEC_KEYSPACE)) {
    int64_t n = xs_cache_size(s->sim, s->site, s->cache);
    xs_buf_printf(t, "# Keyspace\r\ndb0:keys=%lld,expires=0,avg_ttl=0\r\n", (long long)(n < 0 ? 0 : n));
  }
}

void xs__resp_cmd_info(xs_resp_session *s) {
  uint32_t secs = s->argc == 1 ? implies(SEC_DEFAULT) : 0;
  for (int i = 1; i < s->argc; i++) {
    char up[64];
    size_t n = s->argl[i] < sizeof up - 1 ? s->argl[i] : sizeof up - 1;
    for (size_t k = 0; k < n; k++) {
      char c = s->argv[i][k];
      up[k] = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
    }
    up[n] = 0;
    int sec = 0;
    while (sec < SEC_COUNT && (s->argl[i] != n || strcmp(up, section_names[sec]))) sec++;
    if (sec == SEC_COUNT) { /* Section.valueOf(...) throws */
      xs_resp_w_errorf(&s->out, "ERR No enum constant org.infinispan.server.resp.commands.INFO.Section.%s", up);
      return;
    }
    secs |= implies(sec);
  }
  xs_buf t;
  xs_buf_init(&t, 1u << 20);
  info_text(s, secs, &t);
  xs_resp_w_bulk(&s->out, t.data ? (const void *)t.data : "", t.len);
  xs_buf_free(&t);
}
