#ifndef MRB_INSPECT_H
#define MRB_INSPECT_H

#include <jansson.h>
#include "app.h"

/* Read-only views for operators (mrbctl status / room list / room show).
 * Each returns 0 with *out a new JSON value the caller owns, or -1 with
 * err set. The room's Janus secret is never included; its key is (the
 * operator may need to hand it on). */

/* Every server: state, health, poll age, score, the five metrics, rooms,
 * participants. Unknown metrics are null. */
int inspect_servers(struct mrb_app *app, json_t **out, struct mrb_err *err);

/* Rooms, oldest first: live ones, or with expired those past their expiry
 * that mrb-expire has not ended yet. server (may be NULL) filters. */
int inspect_rooms(struct mrb_app *app, const char *server, int expired, json_t **out, struct mrb_err *err);

/* One room with its seats and participants. Returns 1, 0 when no such
 * room, or -1. */
int inspect_room(struct mrb_app *app, const char *id, json_t **out, struct mrb_err *err);

#endif
