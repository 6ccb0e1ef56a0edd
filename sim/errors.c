/* errors.c - the text of the core's XS_E* error codes, for messages. */
#include "xsim.h"

const char *xs_strerror(int err) {
  switch (err) {
  case XS_OK: return "ok";
  case XS_ENOMEM: return "out of memory";
  case XS_EINVAL: return "invalid argument";
  case XS_ENOSITE: return "no such site";
  case XS_ENOCACHE: return "no such cache";
  case XS_ENOBACKUPS: return "cache has no backup sites";
  case XS_ENOTBACKUP: return "cache does not back up to that site";
  case XS_ELIMIT: return "limit exceeded";
  case XS_EBACKUP: return "cross-site backup failed";
  case XS_ELOCK: return "lock acquisition timed out";
  case XS_ESITEDOWN: return "site is down";
  case XS_ECONFIG: return "invalid configuration";
  case XS_ENOTFOUND: return "not found";
  case XS_EEXISTS: return "already exists";
  case XS_ESTATE: return "invalid state";
  default: return "unknown error";
  }
}
