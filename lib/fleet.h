#ifndef MRB_FLEET_H
#define MRB_FLEET_H

#include "app.h"
#include "conf.h"

/* The operator's server lifecycle (mrbctl server ...). States:
 *   enabled   placeable: new rooms may go there
 *   cordoned  draining: no new rooms; live rooms stay; becomes disabled by
 *             itself once it has none (fleet_finish_drains)
 *   disabled  no new rooms; live rooms stay and are still health-polled
 * Health (up/down) is observed, not set here. */

/* Registers s as disabled. Returns 0; 1 when a server of that name exists
 * (nothing changed); -1 with err set. */
int fleet_add(struct mrb_app *app, const struct conf_server *s, struct mrb_err *err);

/* Sets the state of id. Returns 1, 0 when no such server, or -1. */
int fleet_set_state(struct mrb_app *app, const char *id, const char *state, struct mrb_err *err);

/* Rooms on id not yet ended (live or awaiting expiry), or -1. */
long long fleet_open_rooms(struct mrb_app *app, const char *id, struct mrb_err *err);

/* Deletes id and its session, handle and presence rows. Without force it
 * refuses while rooms are open on it (returns 2, *open set); with force it
 * first ends them (moderate_end_room). Returns 1 removed, 0 no such server,
 * 2 refused, -1 error. */
int fleet_remove(struct mrb_app *app, const char *id, int force, long long *open, struct mrb_err *err);

/* Cordons id, then disables it at once if it is already empty. Returns the
 * state it is left in via state (16 bytes): 1, 0 no such server, -1. */
int fleet_cordon(struct mrb_app *app, const char *id, char *state, struct mrb_err *err);

/* For a server known to be broken: disables it, then moves every live room
 * to the best other servers (servers_evacuate). Returns rooms moved (*left
 * gets the rooms still mapped to it), -2 no such server, or -1. */
int fleet_panic(struct mrb_app *app, const char *id, long long *left, struct mrb_err *err);

/* Disables every cordoned server with no open rooms. Called by mrb-health
 * each poll, mrb-expire after each run, and whenever a room is ended.
 * Returns how many were disabled, or -1. */
int fleet_finish_drains(struct mrb_app *app, struct mrb_err *err);

#endif
