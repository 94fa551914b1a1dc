#ifndef MRB_SCORE_H
#define MRB_SCORE_H

/* The placement score of a media server: the weighted formula of
 * docs/DESIGN.md ("Placement and scoring"), the freshness of its metrics and
 * the tier rule (fresh before stale, whatever the weights). Pure: no I/O. */

#include "conf.h"

/* A server's load as the broker last saw it. Pure data: no I/O here. */
struct score_input {
    int has_metrics;    /* a metrics row exists */
    long long metrics_at; /* unix seconds of that row */
    double cpu;         /* busy fraction 0..1 */
    double mem;         /* used fraction 0..1 */
    double sessions, handles, sockets; /* counts */
    double pending;     /* participants placed since metrics_at */
    int has_tx;         /* tx_mbps was measured (two samples of the transmit counter) */
    double tx_mbps;     /* transmit rate from the node exporter, Mbit/s */
    double pending_egress_kbps; /* expected egress of video rooms placed since metrics_at */
    double link_mbps;   /* the server's link capacity; 0: unknown, no network term */
    double weight;      /* operator's multiplier, default 1 */
};

/* True when the metrics are younger than 3 health intervals at now. */
int score_fresh(const struct mrb_conf *conf, const struct score_input *in, long long now);

/* The oldest metrics_at that is still fresh at now (score_fresh()). */
long long score_fresh_since(const struct mrb_conf *conf, long long now);

/* score = weight * (cpu%*w_cpu + mem%*w_mem + sessions*w_sessions +
 *                   handles*w_handles + sockets*w_sockets + net%*w_network) / 100
 * with cpu and mem in percent, and net% = 100 * (tx_mbps + pending egress
 * in Mbit/s) / link_mbps (no network term while link_mbps is unknown; no
 * measured part while tx_mbps is). Participants placed since the last
 * sample count as one session and one handle each. Without fresh metrics:
 * weight * (the fallback, 4555, plus the pending load, participants and
 * egress). Lower is better; but see score_before(): the score only ranks
 * servers of one tier. */
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

/* What egress_kbps of expected egress placed since the last sample adds to
 * a score of weight 1 on a link of link_mbps (0 when the link is unknown):
 * w_network * percent of the link / 100. */
double score_egress_cost(const struct mrb_conf *conf, double egress_kbps, double link_mbps);

/* create-room's default bitrateKbps, per publisher: the bitrate of a video
 * room that names none. */
#define SCORE_VIDEO_BITRATE_KBPS 512

/* The egress a video room is expected to need at capacity, in kbit/s:
 * publishers * (people - 1) * bitrate, since an SFU sends each publisher's
 * stream to every other person. Every person publishes a camera, and with
 * screen share one more publisher (one screen at a time) is counted. 0 for
 * fewer than two people. */
double score_video_egress_kbps(long long people, int screen_share, long long bitrate_kbps);

#endif
