#ifndef MRB_OUTBOX_H
#define MRB_OUTBOX_H

/* Events for the application, written to table events_outbox in the same
 * transaction as the change they report (a transactional outbox): an event
 * that committed exists, one whose change rolled back does not. mrb-notify
 * (notify.h) delivers them. Nothing is written while no endpoint is
 * configured ([notify] url, or an [endpoint NAME] section). */

#include <jansson.h>

#include "conf.h"
#include "db.h"

/* The event types, in docs/API.md's order ("Events for your application"). */
extern const char *const outbox_types[];

/* 1 when c configures an endpoint: events are written. */
int outbox_on(const struct mrb_conf *c);

/* Writes event type about room in the caller's transaction: data (stolen,
 * may be NULL) gets "roomId" and "seq", the room's next sequence number
 * (rooms.event_seq + 1, taken under the room's row lock, so it is the
 * order of commits). Returns 0 (also when events are off), or a db_* code
 * with err set; a failure fails the transaction, as it must. */
int outbox_room(struct db *db, const struct mrb_conf *c, const char *type, const char *room, json_t *data,
                struct mrb_err *err);

/* The same for an event about media server server (servers.event_seq):
 * data gets "server" and "seq". */
int outbox_server(struct db *db, const struct mrb_conf *c, const char *type, const char *server, json_t *data,
                  struct mrb_err *err);

/* The room's present people (main handles), for participant.* events. */
long long outbox_present(struct db *db, const char *room, struct mrb_err *err);

/* participant.left, with reason, for every person present in room on a
 * server other than keep (NULL: every server), in the caller's
 * transaction, before their rows are deleted (a move, a destroyed copy, a
 * server that stopped): an application that counts joins and leaves stays
 * right. Each carries the count left after all of them have gone. Returns
 * 0 or a db_* code. */
int outbox_people_leave(struct db *db, const struct mrb_conf *c, const char *room, const char *keep,
                        const char *reason, struct mrb_err *err);

#endif
