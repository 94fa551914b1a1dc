#ifndef MRB_LEASE_H
#define MRB_LEASE_H

/* Named leases in table leases: at most one holder acts at a time across
 * web nodes (mrb-health's "health", mrb-notify's "notify"). A conditional
 * UPDATE, exact on Galera too: two nodes' updates of the same row cannot
 * both commit. */

#include "db.h"

/* Takes or renews lease name for holder until now + ttl seconds. Returns
 * 1 when holder has it, 0 when another holder's has not expired, -1 on a
 * database error (err set). */
int lease_take(struct db *db, const char *name, const char *holder, long ttl, struct mrb_err *err);

/* Lets lease name go at once, if holder has it. Best effort. */
void lease_release(struct db *db, const char *name, const char *holder);

/* Writes this process's holder name to out (at most len bytes): host,
 * pid and a random tag, so that a restarted process is a new holder and
 * the logs say which node acted. */
void lease_holder_name(char *out, size_t len);

#endif
