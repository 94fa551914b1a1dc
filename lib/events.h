#ifndef MRB_EVENTS_H
#define MRB_EVENTS_H

#include <stddef.h>

#include "app.h"
#include "err.h"

/* POST /mrb/event-webhook: authorization is the raw Authorization header
 * (HTTP Basic, checked in constant time), body the raw request body (one
 * event object or an array of them). Returns 0 with *accepted set, or -1
 * with err set (401 / 400 / 503). */
int events_ingest(struct mrb_app *app, const char *authorization, const char *body, size_t len,
                  int *accepted, struct mrb_err *err);

/* Checks "Basic base64(user:password)" against [webhook]. 1 when it matches. */
int events_auth_ok(const struct mrb_conf *conf, const char *authorization);

#endif
