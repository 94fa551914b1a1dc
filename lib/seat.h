#ifndef MRB_SEAT_H
#define MRB_SEAT_H

/* Seats: a room's capacity, exact under any concurrency, on one node or
 * several. rooms.seats_taken and the seat rows change in the same
 * transaction, by deltas (seat.c says why). */

#include <stddef.h>

#include "app.h"
#include "apierror.h"

/* SQL: the seat (columns prefixed by alias, "" or "s.") is held, i.e.
 * counts for presence: connected, or within its grace period. Binds one
 * parameter, now. The one definition of "held" for every query. */
#define SEAT_HELD(alias) "(" alias "connected = 1 OR " alias "held_until >= ?)"

/* The room as the transaction that took a seat saw it, after taking it:
 * read under the room row's lock, so no move or other seat is in between.
 * A join answers with this server (a move that committed between its first
 * read and its seat is seen here), and only the room's first person may
 * move it (room.c, rebalance on arrival). */
struct seat_room {
    long long taken;    /* seats taken, this one's included; 0 when not known (a concurrent request's seat kept) */
    char server_id[65]; /* the server it is mapped to; "" when not known */
};

/* Takes a new seat in room_id for user_id: the room's count and the seat
 * row change in one transaction (retried whole on a deadlock or a Galera
 * certification conflict), so capacity is exact under any concurrency, on
 * one node or several. When the count says full, lapsed seats (never
 * connected, grace passed) are reclaimed in that same transaction. When the
 * same user's concurrent request took a seat first, that seat is kept and
 * its opaque id returned. On success returns 0 with the seat's opaque id in
 * opaque (NUL-terminated, opaque_len >= 30) and *room as the transaction
 * saw it; -1 with 409/107 when the room is full, or a 503. */
int seat_take(struct mrb_app *app, const char *room_id, const char *user_id, long long now, char *opaque,
              size_t opaque_len, struct seat_room *room, struct mrb_err *err);

/* A reload: pushes the grace deadline of user_id's seat opaque (one
 * autocommit UPDATE, no room lock). A lapsed seat that no join has
 * reclaimed yet is kept too: its row is still counted in the room, so
 * keeping it admits nobody new. Returns 1 when kept, 0 when the seat is gone
 * (take a new one with seat_take()), or -1. */
int seat_keep(struct mrb_app *app, const char *room_id, const char *user_id, const char *opaque,
              long long now, struct mrb_err *err);

#endif
