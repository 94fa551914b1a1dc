#ifndef MRB_REPORTS_H
#define MRB_REPORTS_H

/* Members' reports that a room's server cannot be reached while MRB's
 * probe of it succeeds (a firewall on its media ports, a broken public
 * route): weighed per room, so that the room moves when several of its
 * people cannot reach the server, and a single person's own network
 * changes nothing. [reports] in the configuration sets the window and the
 * limits; docs/DESIGN.md, "Rooms moved off a server their people cannot
 * reach", gives their reasons. */

#include "app.h"
#include "apierror.h"

enum reports_verdict {
    REPORTS_WAIT = 0,    /* counted; not enough members have reported yet */
    REPORTS_MOVE = 1,    /* move the room now (the move is claimed: see below) */
    REPORTS_LIMITED = 2, /* enough reports, but the room or the server has had its moves */
    REPORTS_GONE = 3     /* the room has moved off that server already */
};

/* What a REPORTS_MOVE needs: a server the room must not go back to ("" for
 * none). */
struct reports_move {
    char avoid[65];
};

/* Records user's report that room's server cannot be reached (the probe
 * said it answers), and weighs it, in one transaction that locks the
 * room's row, so concurrent reports are counted one after the other. The
 * room moves once at least 2 distinct members, or every member Janus lists
 * as present when fewer are (and one is), reported within [reports]
 * window, and neither
 * [reports] room_interval nor server_rate forbids it. A REPORTS_MOVE has
 * already been written down: the move is counted against both limits and
 * the reports are used up; the caller then moves the room and calls
 * reports_moved(), or reports_unclaim() when it could not. Returns the
 * verdict, or -1 with err set. */
int reports_weigh(struct mrb_app *app, const char *room, const char *server, const char *user,
                  struct reports_move *move, struct mrb_err *err);

/* The claimed move happened: server is suspect for [reports] suspect_for
 * (new rooms avoid it), and the move is logged. Best effort. */
void reports_moved(struct mrb_app *app, const char *room, const char *server);

/* A claimed move that did not happen (no other server could take the
 * room): it no longer counts against the room's limit. Best effort. */
void reports_unclaim(struct mrb_app *app, const char *room, const char *server);

/* 1 when server id is suspect at now (suspect_until, unix s, -1 none). */
int reports_suspect(long long suspect_until, long long now);

#endif
