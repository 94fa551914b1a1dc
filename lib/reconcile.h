#ifndef MRB_RECONCILE_H
#define MRB_RECONCILE_H

#include "app.h"
#include "janus.h"

/* MRB's presence converges with Janus's. Events can be lost (a full event
 * queue in Janus, a lost spool file, a webhook node that died mid-batch)
 * or come late, so mrb-health compares, room by room, the participants MRB
 * holds with those the room's plugin lists (listparticipants) and repairs
 * the difference:
 *  - a participant MRB holds and Janus does not list left without its
 *    event: it goes as a "left" would (its seat held for seat_grace when it
 *    was its person's last handle);
 *  - a handle Janus lists and MRB does not know is a suspect: its "joined"
 *    may still be on its way. One still unknown at the next check holds no
 *    seat MRB knows of, and is kicked.
 * The rooms looked at (presence_checks, presence.h): every room whose
 * presence changed since its last check, every room moved, every room of a
 * server that came back, then the rooms with people, least recently
 * checked first, up to RECONCILE_PER_POLL per server and poll. */
#define RECONCILE_PER_POLL 500

/* Reconciles the rooms of server srv (which answered this poll). Returns
 * the number of repairs (participants removed plus handles kicked), or -1
 * when the database failed. */
int reconcile_server(struct mrb_app *app, const struct janus_server *srv);

#endif
