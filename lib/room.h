#ifndef MRB_ROOM_H
#define MRB_ROOM_H

#include <jansson.h>

#include "app.h"
#include "err.h"

/* POST /mrb/create-room: bearer is the Authorization token (may be NULL),
 * body the parsed request. On success returns 0 and *data (owned by the
 * caller) is the reply's data object; else -1 with err set. Nothing is left
 * written on failure: a Janus room made before a failed insert is destroyed. */
int room_create(struct mrb_app *app, const char *bearer, json_t *body, json_t **data, struct mrb_err *err);

/* POST /mrb/join-room. For a room known to be live on a healthy server this
 * makes no call to any media server; otherwise it first recreates the room
 * (same server after a restart, the best other server when its own is down).
 * Returns 0 with *data owned by the caller, or -1 with err set. */
int room_join(struct mrb_app *app, json_t *body, json_t **data, struct mrb_err *err);

/* POST /mrb/room-status: who is in the room, for its creator (a host token
 * whose sub created it) or an admin token. Returns 0 with *data owned by
 * the caller, or -1 (401/403/404/400/503). */
int room_status(struct mrb_app *app, const char *bearer, json_t *body, json_t **data, struct mrb_err *err);

#endif
