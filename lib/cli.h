#ifndef MRB_CLI_H
#define MRB_CLI_H

#include <signal.h>

/* Flags shared by the cron programs: --once, --dry-run, -c CONFIG,
 * --insecure-config (accept a world-readable config: development only). */
struct cli_opts {
    const char *config;
    int once, dry_run;
};

/* Parses argv; prints usage and returns -1 on a bad flag (exit 2), 1 for
 * --help (exit 0), 0 to go on. */
int cli_parse(int argc, char **argv, const char *name, const char *what, struct cli_opts *o);

/* Set to 1 by SIGTERM or SIGINT once cli_catch_term() has run: the
 * programs' loops stop at their next check. */
extern volatile sig_atomic_t cli_stopping;

/* Installs the SIGTERM and SIGINT handler that sets cli_stopping, without
 * SA_RESTART, so that a sleep or a poll in progress ends at once. */
void cli_catch_term(void);

#endif
