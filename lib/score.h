#ifndef MRB_SCORE_H
#define MRB_SCORE_H

#include "conf.h"

/* A server's load as the broker last saw it. Pure data: no I/O here. */
struct score_input {
    int has_metrics;    /* a metrics row exists */
    long long metrics_at; /* unix seconds of that row */
    double cpu;         /* busy fraction 0..1 */
    double mem;         /* used fraction 0..1 */
    double sessions, handles, sockets; /* counts */
    double pending;     /* participants placed since metrics_at */
    double weight;      /* operator's multiplier, default 1 */
};

/* True when the metrics are younger than 3 health intervals at now. */
int score_fresh(const struct mrb_conf *conf, const struct score_input *in, long long now);

/* The oldest metrics_at that is still fresh at now (score_fresh()). */
long long score_fresh_since(const struct mrb_conf *conf, long long now);

/* score = weight * (cpu%*w_cpu + mem%*w_mem + sessions*w_sessions +
 *                   handles*w_handles + sockets*w_sockets) / 100
 * with cpu and mem in percent. Participants placed since the last sample
 * count as one session and one handle each. Without fresh metrics:
 * weight * (the fallback, 4555, plus the pending load). Lower is better;
 * but see score_before(): the score only ranks servers of one tier. */
double score_compute(const struct mrb_conf *conf, const struct score_input *in, long long now);

/* The placement order: 1 when a goes before b. A server with fresh metrics
 * goes before every server without, whatever their weights and scores;
 * within each tier, the lower score_compute() goes first. Placement's SQL
 * (servers_candidates()) orders by exactly this rule. */
int score_before(const struct mrb_conf *conf, const struct score_input *a, const struct score_input *b,
                 long long now);

/* What n participants placed since the last sample add to a score of
 * weight 1 (the pending term of score_compute): so the stored score can
 * grow with pending load in one UPDATE. */
double score_pending_cost(const struct mrb_conf *conf, double n);

#endif
