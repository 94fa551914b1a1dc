#ifndef MRB_HEALTH_H
#define MRB_HEALTH_H

#include "app.h"

#define HEALTH_CANARY_ROOM "mrb-canary" /* its absence means the server lost its rooms */

/* One cron run of mrb-health: takes the "health" lease (a conditional
 * UPDATE on an InnoDB row: the holder or an expired lease wins), then polls
 * every server that is not disabled each [health] interval until
 * run_seconds have passed (once: one poll), renewing the lease each time.
 * Returns 0 (including when another run holds the lease: it exits quietly),
 * or 1 on a real failure. *stop is polled so SIGTERM ends the loop. */
int health_run(struct mrb_app *app, int once, int dry_run, volatile int *stop);

/* One poll of every server (no lease): for tests and --once. Returns 0/-1. */
int health_poll(struct mrb_app *app, int dry_run);

#endif
