/*
 * main.c - the xsim executable: dispatches to a subcommand.
 *
 *   xsim demo [--seed N]   a short tour of the core: partition, automatic
 *                          take-offline, and the resync runbook
 *   xsim cli [--connect URL] [-u USER] [-p PASS] [--trustall] [--file FILE | -c CMD]
 *                          the Data Grid CLI (cli_main.h)
 *   xsim serve [...]       every simulated site on real sockets: REST v2 and
 *                          RESP (docs/serve.md)
 *   xsim run [PATH...] [--seed N | --seeds A-B] [-j N] [--shard I/N] [--junit FILE] [--json FILE]
 *            [--check-determinism]
 *                          play scenario files and check the runbooks (run.h,
 *                          docs/scenario-language.md)
 *   xsim version
 *
 * Further subcommands (serve, run, ledger) arrive with their issues.
 */
#include <stdio.h>
#include <string.h>

#include "cli_main.h"
#include "demo.h"
#include "ledger.h"
#include "run.h"
#include "run_target.h"
#include "serve.h"

#define XSIM_VERSION "0.1.0"

static void usage(FILE *f) {
  fprintf(f, "usage: xsim <command> [options]\n\n"
             "commands:\n"
             "  demo [--seed N] [--events]  run the core demonstration (partition, take-offline, resync)\n"
             "  serve [options]   serve every site's REST v2 and RESP on sockets (serve --help)\n"
             "  cli [--connect URL] ...     the Data Grid CLI: a shell, --file FILE or -c 'COMMAND' (xsim cli --help)\n"
             "  run [PATH...] ...  play scenario files: faults, runbook steps, checks (xsim run --help)\n"
             "  ledger [FILE] [--last N]  list recorded runs; flag nondeterminism (xsim ledger --help)\n"
             "  version           print the version\n"
             "  help              print this help\n");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "demo") == 0) return xs_demo_main(argc - 1, argv + 1);
  if (strcmp(cmd, "serve") == 0) return xs_serve_main(argc - 1, argv + 1);
  if (strcmp(cmd, "run") == 0 && xs_run_target_wanted(argc - 1, argv + 1))
    return xs_run_target_main(argc - 1, argv + 1, argv[0]); /* --target: against live sites */
  if (strcmp(cmd, "run") == 0) return xs_run_main(argc - 1, argv + 1, argv[0]);
  if (strcmp(cmd, "ledger") == 0) return xs_ledger_main(argc - 1, argv + 1);
  if (strcmp(cmd, "cli") == 0) return xs_cli_main(argc - 1, argv + 1, XSIM_VERSION);
  if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
    printf("xsim %s\n", XSIM_VERSION);
    return 0;
  }
  if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
    usage(stdout);
    return 0;
  }
  fprintf(stderr, "xsim: unknown command '%s'\n", cmd);
  usage(stderr);
  return 2;
}
