#ifndef MRB_EVENTS_H
#define MRB_EVENTS_H

#include <stddef.h>

#include "app.h"
#include "err.h"

#define EVENTS_DB_DOWN -2 /* the batch could not be stored: spool it */

/* Applies one webhook body (an event object, or an array of up to 100) in
 * one transaction. A body applied before (same bytes) counts again but
 * changes nothing. Events of the wrong shape or of no interest are skipped.
 * After commit: session/handle counts are refreshed and the rooms of servers
 * that shut down are moved. Returns 0 with *accepted; -1 with a 400 in err
 * for a malformed body; EVENTS_DB_DOWN when MariaDB could not take it. */
int events_apply(struct mrb_app *app, const char *body, size_t len, int *accepted, struct mrb_err *err);

/* The webhook's whole job for one authenticated body: batches spooled while
 * MariaDB was down are replayed first, in order; then this one is applied,
 * or spooled (durably) behind them when MariaDB is still down. Returns 0
 * with *accepted, or -1 with err set (400 malformed, 503 cannot store). */
int events_receive(struct mrb_app *app, const char *body, size_t len, int *accepted, struct mrb_err *err);

/* Checks "Basic base64(user:password)" against [webhook] in constant time. */
int events_auth_ok(const struct mrb_conf *conf, const char *authorization);

#endif
