#ifndef MRB_METRICS_H
#define MRB_METRICS_H

#include "app.h"

/* Builds the whole Prometheus text exposition (gauges read from the tables,
 * counters summed over slots). Returns a malloc'd string the caller frees,
 * or NULL with err set (503 when MariaDB cannot be read). */
char *metrics_render(struct mrb_app *app, struct mrb_err *err);

/* GET /mrb/health: {"db":"ok","servers_up":N}. Returns 0 with *data owned by
 * the caller, or -1 with a 503 when MariaDB cannot be reached. */
int metrics_health(struct mrb_app *app, json_t **data, struct mrb_err *err);

#endif
