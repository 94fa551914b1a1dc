#ifndef MRB_SPOOL_H
#define MRB_SPOOL_H

#include <stddef.h>

/* A directory of webhook batches that arrived while MariaDB was down.
 * File names sort in arrival order; each file is written to a temporary
 * name, fsynced, then renamed, so a crash never leaves half a batch. */

/* Durably appends body. Returns 0, or -1 (errno set). */
int spool_write(const char *dir, const char *body, size_t len);

/* 1 when the spool holds batches, 0 when empty or absent. */
int spool_pending(const char *dir);
/* How many batches the spool holds (0 when absent), for /mrb/metrics. */
long spool_count(const char *dir);

/* Takes the spool's lock (blocking, an flock on DIR/.lock shared by every
 * worker of this host). Returns an fd for spool_unlock, or -1. */
int spool_lock(const char *dir);
void spool_unlock(int fd);

/* With the lock held: hands each batch, oldest first, to fn; a batch is
 * deleted once fn returns 0. Stops at the first fn failure (returns -1) so
 * order is kept. Returns the number replayed. */
typedef int (*spool_fn)(void *ctx, const char *body, size_t len);
int spool_replay(const char *dir, spool_fn fn, void *ctx);

#endif
