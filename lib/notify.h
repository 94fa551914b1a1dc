#ifndef MRB_NOTIFY_H
#define MRB_NOTIFY_H

/* mrb-notify: delivers the events of the outbox (outbox.h) to every
 * configured endpoint in the Standard Webhooks format (standardwebhooks.com):
 * headers webhook-id (the event's msg_..., the same on every attempt),
 * webhook-timestamp (unix seconds of the attempt) and webhook-signature
 * ("v1," and the base64 HMAC-SHA256 of "id.timestamp.body" under the
 * endpoint's secret), body {"type", "timestamp", "data"}. At least once; in
 * seq order within a stream (a room, a server) and streams in parallel;
 * retried with backoff and jitter for [notify] retry_for, then failed. On
 * several web nodes one sender acts at a time (the "notify" lease). */

#include <jansson.h>
#include <signal.h>
#include <stdio.h>

#include "app.h"
#include "apierror.h"

/* The retry schedule: the delay before attempt n + 1 after n failed ones
 * (1 s, 2 s, 5 s, 10 s, 30 s, 1 min, 5 min, 30 min, then every hour), with
 * +-20 % jitter from rnd (0..1), in ms. Pure. */
long long notify_backoff_ms(int attempts, double rnd);

/* The webhook-signature of body for msg_id at ts under key into out:
 * "v1," and the base64 HMAC-SHA256 of "msg_id.ts.body". Returns 0 or -1. */
int notify_sign(const unsigned char *key, size_t key_len, const char *msg_id, long long ts, const char *body,
                char *out, size_t len);

/* 1 when endpoint e wants events of type (its types list, or all). */
int notify_wants(const struct conf_endpoint *e, const char *type);

/* One delivery row per endpoint that wants it for every event not yet
 * fanned out, in one transaction. Returns the events fanned, or -1. */
int notify_fan_out(struct mrb_app *app, struct mrb_err *err);

/* One round: for each endpoint, the first pending event of each stream
 * that is due is sent (streams in parallel, [notify] parallel at a time),
 * and each result recorded. Returns the attempts made, or -1. */
int notify_round(struct mrb_app *app, struct mrb_err *err);

/* The sender's loop until *stop: takes or renews the "notify" lease each
 * second (as lease_holder_name()); while it holds it, fans out and delivers about every
 * 100 ms (at once again after a round that sent something). Returns 0, or
 * 1 after a configuration that names no endpoint (nothing to do). */
int notify_run(struct mrb_app *app, volatile sig_atomic_t *stop);

/* mrbctl events list: the latest events (at most limit), with their
 * deliveries; failed_only keeps those with a failed delivery, room (may be
 * NULL) one room's. *out: a new JSON array. Returns 0 or -1. */
int notify_list(struct mrb_app *app, int failed_only, const char *room, long limit, json_t **out,
                struct mrb_err *err);

/* mrbctl events replay: every delivery of an event created at or after
 * since_ms (to endpoint, or all when NULL) is pending again, due now, with
 * its webhook-id unchanged (receivers drop what they already have).
 * *n gets the deliveries reset. Returns 0 or -1. */
int notify_replay(struct mrb_app *app, long long since_ms, const char *endpoint, long long *n, struct mrb_err *err);

/* The gauges of /mrb/metrics about events, into f (Prometheus text):
 * mrb_events_pending{endpoint}, mrb_events_oldest_pending_seconds{endpoint},
 * and mrb_event_delivery_seconds{quantile="0.5"|"0.99"} over the last 5
 * minutes' deliveries (commit to the receiver's 2xx). Returns 0 or -1. */
int notify_metrics(struct mrb_app *app, FILE *f, struct mrb_err *err);

#endif
