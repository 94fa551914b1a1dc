#ifndef MRB_POLLER_H
#define MRB_POLLER_H

#include "app.h"

#define POLLER_CANARY_ROOM "mrb-canary" /* its absence means the server lost its rooms */

/* One cron run of mrb-health: for run_seconds, each [health] interval, it
 * takes or renews the "health" lease and, while it holds it, polls every
 * server that is not disabled. A run that finds the lease held stands by
 * and tries again each interval (once: exits). Returns 0; *stop is polled
 * so SIGTERM ends the loop (the lease is released). */
int poller_run(struct mrb_app *app, int once, int dry_run, volatile int *stop);

/* One poll of every server (no lease): for tests and --once. Returns 0/-1. */
int poller_poll(struct mrb_app *app, int dry_run);

#endif
