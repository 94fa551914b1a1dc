#ifndef MRB_LIFECYCLE_H
#define MRB_LIFECYCLE_H

#include "app.h"
#include "conf.h"

/* The operator's server lifecycle (mrbctl server ...). States:
 *   enabled   placeable: new rooms may go there
 *   cordoned  draining: no new rooms; live rooms stay (with a drain
 *             deadline, empty ones move at once and busy ones from the
 *             deadline on: servers_drain_step); becomes disabled by itself
 *             once it has none (servers_finish_drains)
 *   disabled  no new rooms; live rooms stay and are still health-polled
 * Health (up/down) is observed, not set here. */

/* What an operator's command came to. */
enum lifecycle_result {
    LIFECYCLE_DONE = 0,
    LIFECYCLE_NO_SUCH_SERVER = 1,
    LIFECYCLE_EXISTS = 2,    /* add: a server of that name exists; nothing changed */
    LIFECYCLE_HAS_ROOMS = 3, /* remove without force: rooms are open on it */
    LIFECYCLE_CREDENTIAL_TAKEN = 4, /* add: another server has that webhook user; nothing changed */
    LIFECYCLE_NOT_DRAINING = 5,     /* undrain: the server is not cordoned; nothing changed */
    LIFECYCLE_FAILED = -1,   /* err says why */
};

/* Registers s as disabled, with its webhook credential (the password kept as
 * its SHA-256): LIFECYCLE_DONE, LIFECYCLE_EXISTS, LIFECYCLE_CREDENTIAL_TAKEN or
 * LIFECYCLE_FAILED. */
enum lifecycle_result lifecycle_add(struct mrb_app *app, const struct conf_server *s, struct mrb_err *err);

/* Sets the state of id (enabling also clears its suspect mark):
 * LIFECYCLE_DONE, LIFECYCLE_NO_SUCH_SERVER or LIFECYCLE_FAILED. */
enum lifecycle_result lifecycle_set_state(struct mrb_app *app, const char *id, const char *state, struct mrb_err *err);

/* Rooms on id not yet ended (live or awaiting expiry), or -1. */
long long lifecycle_open_rooms(struct mrb_app *app, const char *id, struct mrb_err *err);

/* Deletes id and its session, handle and presence rows (*open gets the
 * rooms open on it). Without force it refuses while rooms are open
 * (LIFECYCLE_HAS_ROOMS); with force it first ends them (room_end). Returns
 * LIFECYCLE_DONE, LIFECYCLE_NO_SUCH_SERVER, LIFECYCLE_HAS_ROOMS or LIFECYCLE_FAILED. */
enum lifecycle_result lifecycle_remove(struct mrb_app *app, const char *id, int force, long long *open, struct mrb_err *err);

/* Cordons id, then disables it at once if it is already empty; state (16
 * bytes) gets the state it is left in. LIFECYCLE_DONE, LIFECYCLE_NO_SUCH_SERVER or
 * LIFECYCLE_FAILED. */
enum lifecycle_result lifecycle_cordon(struct mrb_app *app, const char *id, char *state, struct mrb_err *err);

/* Drains id: cordoned (no new rooms) with a deadline (unix seconds; 0:
 * none, a cordon). mrb-health then moves its empty rooms at once, its busy
 * ones from the deadline on (servers_drain_step), and disables it once it
 * is empty; the state lives in the database. state (16 bytes) gets the
 * state it is left in (disabled at once when already empty).
 * LIFECYCLE_DONE, LIFECYCLE_NO_SUCH_SERVER or LIFECYCLE_FAILED. */
enum lifecycle_result lifecycle_drain(struct mrb_app *app, const char *id, long long deadline, char *state,
                                      struct mrb_err *err);

/* A drain with its deadline now: every live room moved at once, as a
 * panic does, and the server disabled once empty (*moved, *left as for
 * lifecycle_panic). LIFECYCLE_DONE, LIFECYCLE_NO_SUCH_SERVER or
 * LIFECYCLE_FAILED. */
enum lifecycle_result lifecycle_drain_now(struct mrb_app *app, const char *id, int *moved, long long *left,
                                          struct mrb_err *err);

/* Cancels a drain (or a cordon): the server takes new rooms again; rooms
 * that have not moved stay. LIFECYCLE_DONE, LIFECYCLE_NO_SUCH_SERVER,
 * LIFECYCLE_NOT_DRAINING or LIFECYCLE_FAILED. */
enum lifecycle_result lifecycle_undrain(struct mrb_app *app, const char *id, struct mrb_err *err);

/* For a server known to be broken: disables it, then moves every live room
 * to the best other servers (servers_evacuate). *moved gets the rooms moved,
 * *left the rooms still mapped to it. LIFECYCLE_DONE, LIFECYCLE_NO_SUCH_SERVER or
 * LIFECYCLE_FAILED. */
enum lifecycle_result lifecycle_panic(struct mrb_app *app, const char *id, int *moved, long long *left,
                              struct mrb_err *err);

#endif
