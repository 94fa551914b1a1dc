#ifndef MRB_METRICS_H
#define MRB_METRICS_H

#include "app.h"

/* Builds the whole Prometheus text exposition (gauges read from the tables,
 * counters summed over slots). Returns a malloc'd string the caller frees,
 * or NULL with err set (503 when MariaDB cannot be read). */
char *metrics_render(struct mrb_app *app, struct mrb_err *err);

#endif
