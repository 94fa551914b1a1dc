#ifndef MRB_EXPIRE_H
#define MRB_EXPIRE_H

/* mrb-expire's run: expired rooms destroyed on their media servers (each in
 * its own plugin, many requests at once), marked ended, and what ended
 * rooms and old rows leave behind purged. */

#include "app.h"

struct expire_stats {
    long expired;   /* rooms found expired and not yet ended */
    long destroyed; /* destroyed on their media server */
    long gone;      /* already gone from Janus (485): counts as done */
    long failed;    /* server unreachable or refused: retried next run */
    long purged_seats, purged_participants, purged_events;
    long purged_rooms; /* ended more than [rooms] retain_days ago */
};

/* One run of cron/mrb-expire: destroys every expired room on its media
 * server (AudioBridge destroy with the room's secret, [expire] parallel
 * requests at once), marks the done ones ended, and purges stale seats,
 * presence and old webhook digests. Idempotent. With dry_run, only
 * reports. Returns 0, or -1 when the database could not be read. */
int expire_run(struct mrb_app *app, int dry_run, struct expire_stats *st);

#endif
