#ifndef MRB_HEALTH_H
#define MRB_HEALTH_H

#include <signal.h>

#include "app.h"

#define HEALTH_CANARY_ROOM "mrb-canary" /* its absence means the server lost its rooms */

/* One cron run of mrb-health: for run_seconds, each [health] interval, it
 * takes or renews the "health" lease and, while it holds it, polls every
 * server that is not disabled. A run that finds the lease held stands by
 * and tries again each interval (once: exits). Returns 0; *stop is polled
 * so SIGTERM ends the loop (the lease is released). */
int health_run(struct mrb_app *app, int once, int dry_run, volatile sig_atomic_t *stop);

/* One poll of every server (no lease): for tests and --once. Returns 0/-1. */
int health_poll(struct mrb_app *app, int dry_run);

/* GET /mrb/health: {"db":"ok","dbNode":...,"servers_up":N,"limits":{...}}
 * (create-room's ranges, for forms). Returns 0 with
 * *data owned by the caller, or -1 with a 503 when MariaDB cannot be read. */
int health_report(struct mrb_app *app, json_t **data, struct mrb_err *err);

#endif
