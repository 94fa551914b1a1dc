#ifndef MRB_SEAT_H
#define MRB_SEAT_H

#include <stddef.h>

#include "app.h"
#include "err.h"

/* Holds a seat in room_id for user_id, exactly within max_participants even
 * under concurrent joins (the room row is locked for the short transaction).
 * The same user asking again keeps its one seat and gets its opaque id back.
 * Seats not connected by their grace deadline do not count. On success
 * returns 0 with the seat's opaque id in opaque (NUL-terminated); -1 with
 * 409/107 when the room is full, or a 503. */
int seat_hold(struct mrb_app *app, const char *room_id, const char *user_id, long long now, char *opaque,
              size_t opaque_len, struct mrb_err *err);

/* A new user's fast path: claims a seat with one conditional UPDATE of the
 * room's count, then inserts it (two autocommit statements, the room row
 * locked only within each). Falls back to seat_hold() when the count says
 * full (it reclaims lapsed seats) or the user already has a seat. Same
 * returns as seat_hold(). */
int seat_take(struct mrb_app *app, const char *room_id, const char *user_id, long long now, char *opaque,
              size_t opaque_len, struct mrb_err *err);

/* A reload's fast path: pushes the grace deadline of user_id's seat while
 * it is still held (one autocommit UPDATE, no room lock). Returns 1 when it
 * was, 0 when it is gone or lapsed (take the seat_hold() path), or -1. */
int seat_extend(struct mrb_app *app, const char *room_id, const char *user_id, long long now,
                struct mrb_err *err);

#endif
