#ifndef MRB_PRESENCE_H
#define MRB_PRESENCE_H

#include "conf.h"
#include "db.h"
#include "apierror.h"

/* A room's presence as a whole, written in the caller's transaction: the
 * rooms mrb-health's reconciler (reconcile.c) is to compare with Janus's
 * own view (table presence_checks, marked by whoever learns that a room's
 * presence changed or may be wrong), and a room's presence ended when it
 * moves or its copy is destroyed. */

/* Marks room, which lives on server, for a look. Returns 0 or -1. */
int presence_mark(struct db *db, const char *room, const char *server, struct mrb_err *err);

/* The room's presence ends (it moved, or its copy was destroyed): its
 * participants go (but those on keep_server, where it lives now; NULL:
 * all of them), and every seat of it is unconnected, held at least until
 * held_until for its person to come back; each person gone is reported
 * (participant.left with reason, outbox.h). In the caller's transaction.
 * Returns 0 or -1. */
int presence_end(struct db *db, const struct mrb_conf *c, const char *room, const char *keep_server,
                 long long held_until, const char *reason, struct mrb_err *err);

/* Marks every live room of server (it came back: whatever MRB holds of its
 * rooms may be stale). Returns 0 or -1. */
int presence_mark_server(struct db *db, const char *server, struct mrb_err *err);

#endif
