#ifndef MRB_COUNTERS_H
#define MRB_COUNTERS_H

#include "app.h"

/* Counters for /mrb/metrics. They live in MariaDB (table counters), so they
 * survive worker restarts and add up across web hosts. Each process writes
 * its own slot, so concurrent workers never wait on one hot row. */

/* Counter names: the exported Prometheus metric names. */
#define COUNTERS_REQUESTS "mrb_requests_total"         /* label: endpoint, code */
#define COUNTERS_CREATES "mrb_rooms_created_total"     /* no label */
#define COUNTERS_JOINS "mrb_joins_total"               /* label: outcome */
#define COUNTERS_EVENTS "mrb_webhook_events_total"     /* label: type */
#define COUNTERS_FAILOVERS "mrb_failovers_total"       /* rooms moved off a server */
#define COUNTERS_EXPIRED "mrb_rooms_expired_total"     /* rooms ended by mrb-expire */
#define COUNTERS_ENDED "mrb_rooms_ended_total"         /* rooms ended by a host or operator */
#define COUNTERS_MEDIA_CALLS "mrb_media_server_calls_total" /* label: program */
#define COUNTERS_CLIENT_REPORTS "mrb_client_reports_total" /* label: outcome (moved, moved_members, limited, healthy, ignored) */
#define COUNTERS_PROBES "mrb_server_probes_total"      /* label: result (up, down) */
#define COUNTERS_REPAIRS "mrb_presence_repairs_total" /* label: repair (gone, kicked); mrb-health's reconciler */
#define COUNTERS_INTRUDERS "mrb_intruders_total"       /* label: plugin; handles kicked for joining without a seat */
#define COUNTERS_LEASE_TAKEN "mrb_health_lease_taken_total" /* label: host; a run of mrb-health started acting */
#define COUNTERS_LEASE_LOST "mrb_health_lease_lost_total"   /* label: host; a run lost the lease while acting */
#define COUNTERS_EVENTS_DELIVERED "mrb_events_delivered_total" /* label: endpoint */
#define COUNTERS_EVENTS_FAILED "mrb_events_failed_total"       /* label: endpoint; given up after [notify] retry_for */
#define COUNTERS_EVENTS_RETRIED "mrb_events_retried_total"     /* label: endpoint; attempts that will be retried */
#define COUNTERS_OVER_LIMIT "mrb_placements_over_limit_total" /* rooms placed or moved onto a full server */
#define COUNTERS_ARRIVAL_MOVES "mrb_arrival_moves_total" /* label: outcome (moved, stayed); empty rooms on a full server as people arrive */

/* Adds n to counter name{label} (label is Prometheus label text such as
 * outcome="full", or ""). Best effort: a failure is logged, never fatal,
 * since a lost count must not fail the request it counts. Must not be
 * called inside a transaction that may roll back unless that is wanted. */
void counters_add(struct mrb_app *app, const char *name, const char *label, long long n);

/* Counts one answered API request: mrb_requests_total{endpoint,code}, plus
 * mrb_rooms_created_total and mrb_joins_total{outcome} for those endpoints.
 * code is the reply's contract code ("000" on success). The counts are kept
 * in this process and written by counters_flush(), which this calls once a
 * second's worth is pending. */
void counters_request(struct mrb_app *app, const char *endpoint, const char *code);

/* Writes the pending request counts in one transaction. serve_run() calls
 * it when the worker has been idle for a second and before it exits, so a
 * count reaches MariaDB within about a second. Counts that cannot be
 * written (MariaDB down) are dropped and logged. */
void counters_flush(struct mrb_app *app);

/* Records, in table db_clients, the database node this process uses: when
 * it changes, and every 30 s while the process works (for mrb_db_node).
 * counters_flush() calls it, so a serving worker reports within a second of
 * a change without any work per request; mrb-health calls it each poll. */
void counters_node(struct mrb_app *app);

/* 1 while request counts wait to be flushed. */
int counters_pending(void);

/* The join outcome label for a contract code: "ok", "not_found", "expired",
 * "wrong_key", "full", "bad_request", "unavailable" or "other". */
const char *counters_join_outcome(const char *code);

/* Escapes a Prometheus label value (backslash, double quote, newline) into
 * out. Returns 0, or -1 when out is too small. */
int counters_label_escape(const char *in, char *out, size_t outlen);

#endif
