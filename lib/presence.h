#ifndef MRB_PRESENCE_H
#define MRB_PRESENCE_H

#include "db.h"
#include "err.h"

/* The rooms whose presence mrb-health's reconciler (reconcile.c) compares
 * with Janus's own view: the table presence_checks, written in the
 * caller's transaction by whoever learns that a room's presence changed or
 * may be wrong. */

/* Marks room, which lives on server, for a look. Returns 0 or -1. */
int presence_mark(struct db *db, const char *room, const char *server, struct mrb_err *err);

/* Marks every live room of server (it came back: whatever MRB holds of its
 * rooms may be stale). Returns 0 or -1. */
int presence_mark_server(struct db *db, const char *server, struct mrb_err *err);

#endif
