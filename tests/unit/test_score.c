/* Unit tests for lib/score.c: score_compute(), score_fresh() and
 * score_before().
 *
 * Every expected number below was computed by hand from the documented
 * formula (default weights cpu 35, mem 20, sessions 5, handles 10,
 * sockets 30, fallback 4555, health interval 5 s):
 *
 *   score = weight * ((cpu*100*w_cpu + mem*100*w_mem + sessions*w_sessions
 *                      + handles*w_handles + sockets*w_sockets) / 100
 *                     + pending*(w_sessions + w_handles) / 100)
 *
 * and, without fresh metrics (none, or older than 3 health intervals):
 *
 *   score = weight * (fallback + pending*(w_sessions + w_handles)/100)
 *
 * and a server with fresh metrics always goes before one without.
 *
 * The network term (default w_network 50), only when link_mbps is known:
 *
 *   + w_network * net% / 100,  net% = 100 * (tx_mbps + egress_kbps/1000) / link_mbps
 *
 * where tx_mbps (measured) counts only with fresh metrics, and the pending
 * egress of video rooms placed since the sample counts in both tiers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "conf.h"
#include "score.h"

#define EPS 1e-9

/* cmocka 1.1.5 has no assert_double_equal: compare doubles to 1e-9 and
 * print both values on failure. */
#define assert_close(actual, expected)                                                                      \
    do {                                                                                                    \
        double act_ = (actual), exp_ = (expected), d_ = act_ - exp_;                                         \
        if (!((d_ < 0 ? -d_ : d_) <= EPS))                                                                  \
            fail_msg("%s = %.12f, expected %.12f", #actual, act_, exp_);                                    \
    } while (0)
#define NOW 1700000000LL

/* The smallest configuration conf_load_string() accepts. */
#define BASE_CONF                                                                                           \
    "[db]\n"                                                                                                \
    "user = mrb\n"                                                                                          \
    "database = mrb\n"                                                                                      \
    "[auth]\n"                                                                                              \
    "jwt_secret = 0123456789abcdef0123456789abcdef\n"                                                       \
    "[webhook]\n"                                                                                           \
    "user = janus\n"                                                                                        \
    "password = pw\n"

static void load(struct mrb_conf *c, const char *text)
{
    char errbuf[256] = "";
    int rc = conf_load_string(text, "test.conf", c, errbuf, sizeof(errbuf));

    if (rc != 0)
        fail_msg("conf_load_string failed: %s", errbuf);
}

/* A fresh sample taken now, weight 1, nothing pending. */
static struct score_input sample(double cpu, double mem, double sessions, double handles, double sockets)
{
    struct score_input in = {
        .has_metrics = 1,
        .metrics_at = NOW,
        .cpu = cpu,
        .mem = mem,
        .sessions = sessions,
        .handles = handles,
        .sockets = sockets,
        .pending = 0,
        .weight = 1.0,
    };
    return in;
}

static void test_defaults_loaded(void **state)
{
    struct mrb_conf c;

    (void)state;
    load(&c, BASE_CONF);
    assert_close(c.score.cpu, 35);
    assert_close(c.score.mem, 20);
    assert_close(c.score.sessions, 5);
    assert_close(c.score.handles, 10);
    assert_close(c.score.sockets, 30);
    assert_close(c.score.fallback, 4555);
    assert_close(c.score.network, 50);
    assert_int_equal(c.score.interval, 5);
    conf_free(&c);
}

static void test_default_weights_exact(void **state)
{
    struct mrb_conf c;
    struct score_input in;

    (void)state;
    load(&c, BASE_CONF);

    /* (0.5*100*35 + 0.25*100*20 + 10*5 + 20*10 + 100*30) / 100
     * = (1750 + 500 + 50 + 200 + 3000) / 100 = 55.0 */
    in = sample(0.5, 0.25, 10, 20, 100);
    assert_close(score_compute(&c, &in, NOW), 55.0);

    /* idle server: 0 */
    in = sample(0, 0, 0, 0, 0);
    assert_close(score_compute(&c, &in, NOW), 0.0);

    /* (1.0*100*35 + 1.0*100*20 + 0 + 0 + 0) / 100 = 55.0 */
    in = sample(1.0, 1.0, 0, 0, 0);
    assert_close(score_compute(&c, &in, NOW), 55.0);

    /* (0.1*100*35 + 0.8*100*20 + 3*5 + 7*10 + 11*30) / 100
     * = (350 + 1600 + 15 + 70 + 330) / 100 = 23.65 */
    in = sample(0.1, 0.8, 3, 7, 11);
    assert_close(score_compute(&c, &in, NOW), 23.65);

    /* each term alone */
    in = sample(0.01, 0, 0, 0, 0); /* 1% cpu: 35/100 */
    assert_close(score_compute(&c, &in, NOW), 0.35);
    in = sample(0, 0.01, 0, 0, 0); /* 1% mem: 20/100 */
    assert_close(score_compute(&c, &in, NOW), 0.20);
    in = sample(0, 0, 1, 0, 0); /* 1 session: 5/100 */
    assert_close(score_compute(&c, &in, NOW), 0.05);
    in = sample(0, 0, 0, 1, 0); /* 1 handle: 10/100 */
    assert_close(score_compute(&c, &in, NOW), 0.10);
    in = sample(0, 0, 0, 0, 1); /* 1 socket: 30/100 */
    assert_close(score_compute(&c, &in, NOW), 0.30);
    conf_free(&c);
}

static void test_pending_default(void **state)
{
    struct mrb_conf c;
    struct score_input in;

    (void)state;
    load(&c, BASE_CONF);
    in = sample(0.5, 0.25, 10, 20, 100);
    /* each pending participant is one session + one handle: (5+10)/100 */
    in.pending = 1;
    assert_close(score_compute(&c, &in, NOW), 55.15);
    in.pending = 2;
    assert_close(score_compute(&c, &in, NOW), 55.30);
    in.pending = 16;
    assert_close(score_compute(&c, &in, NOW), 57.40);
    conf_free(&c);
}

static void test_custom_weights(void **state)
{
    struct mrb_conf c;
    struct score_input in;

    (void)state;
    load(&c, BASE_CONF "[score]\n"
                       "cpu = 10\n"
                       "mem = 40\n"
                       "sessions = 7\n"
                       "handles = 13\n"
                       "sockets = 3\n"
                       "fallback = 1000\n");
    assert_close(c.score.cpu, 10);
    assert_close(c.score.mem, 40);
    assert_close(c.score.sessions, 7);
    assert_close(c.score.handles, 13);
    assert_close(c.score.sockets, 3);
    assert_close(c.score.fallback, 1000);

    /* (0.5*100*10 + 0.25*100*40 + 10*7 + 20*13 + 100*3) / 100
     * = (500 + 1000 + 70 + 260 + 300) / 100 = 21.30 */
    in = sample(0.5, 0.25, 10, 20, 100);
    assert_close(score_compute(&c, &in, NOW), 21.30);
    /* pending 2: + 2*(7+13)/100 = 0.40 */
    in.pending = 2;
    assert_close(score_compute(&c, &in, NOW), 21.70);

    /* fallback uses the configured value: 1000 + 0.40 */
    in.has_metrics = 0;
    assert_close(score_compute(&c, &in, NOW), 1000.40);
    conf_free(&c);
}

/* The original broker applied the sessions weight to handles and vice
 * versa. Change one input at a time: the delta must be its own weight/100. */
static void test_sessions_handles_not_swapped(void **state)
{
    struct mrb_conf c;
    struct score_input in;
    double base, d;

    (void)state;
    load(&c, BASE_CONF);
    in = sample(0.3, 0.4, 50, 80, 20);
    base = score_compute(&c, &in, NOW);
    in.sessions += 1;
    d = score_compute(&c, &in, NOW) - base;
    assert_close(d, 5.0 / 100); /* sessions weight */
    in.sessions -= 1;
    in.handles += 1;
    d = score_compute(&c, &in, NOW) - base;
    assert_close(d, 10.0 / 100); /* handles weight */
    in.handles -= 1;
    in.sockets += 1;
    d = score_compute(&c, &in, NOW) - base;
    assert_close(d, 30.0 / 100);
    conf_free(&c);

    /* Same with weights that are very different from each other. */
    load(&c, BASE_CONF "[score]\nsessions = 2\nhandles = 50\n");
    in = sample(0.3, 0.4, 50, 80, 20);
    base = score_compute(&c, &in, NOW);
    in.sessions += 10;
    assert_close(score_compute(&c, &in, NOW) - base, 10 * 2.0 / 100);
    in.sessions -= 10;
    in.handles += 10;
    assert_close(score_compute(&c, &in, NOW) - base, 10 * 50.0 / 100);
    conf_free(&c);
}

static void test_weight_multiplier(void **state)
{
    struct mrb_conf c;
    struct score_input in;

    (void)state;
    load(&c, BASE_CONF);
    in = sample(0.5, 0.25, 10, 20, 100);
    in.weight = 2.0;
    assert_close(score_compute(&c, &in, NOW), 110.0);
    in.weight = 0.5;
    assert_close(score_compute(&c, &in, NOW), 27.5);
    /* the multiplier applies to the pending load too: 2 * (55 + 0.30) */
    in.weight = 2.0;
    in.pending = 2;
    assert_close(score_compute(&c, &in, NOW), 110.6);
    /* unset (0) means the default 1 */
    in.weight = 0;
    in.pending = 0;
    assert_close(score_compute(&c, &in, NOW), 55.0);
    in.weight = -3;
    assert_close(score_compute(&c, &in, NOW), 55.0);
    conf_free(&c);
}

/* The stored score grows by weight * score_pending_cost(n) per placement
 * (servers_add_pending); that must equal what score_compute would say with
 * n more pending participants, fresh or not. */
static void test_pending_cost_matches_compute(void **state)
{
    struct mrb_conf c;
    struct score_input in;
    const double ns[] = {1, 2, 7, 100};

    (void)state;
    load(&c, BASE_CONF);
    assert_close(score_pending_cost(&c, 1), 0.15);
    assert_close(score_pending_cost(&c, 0), 0.0);
    for (int fresh = 0; fresh < 2; fresh++) {
        for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
            double before, after;
            in = sample(0.5, 0.25, 10, 20, 100);
            in.weight = 1.5;
            in.pending = 3;
            if (!fresh)
                in.metrics_at = NOW - 3600;
            before = score_compute(&c, &in, NOW);
            in.pending += ns[i];
            after = score_compute(&c, &in, NOW);
            assert_close(after - before, in.weight * score_pending_cost(&c, ns[i]));
        }
    }
    conf_free(&c);
}

static void test_fresh_boundary_default_interval(void **state)
{
    struct mrb_conf c;
    struct score_input in;

    (void)state;
    load(&c, BASE_CONF);
    in = sample(0.5, 0.25, 10, 20, 100);

    in.metrics_at = NOW;
    assert_true(score_fresh(&c, &in, NOW));
    in.metrics_at = NOW - 14;
    assert_true(score_fresh(&c, &in, NOW));
    in.metrics_at = NOW - 15; /* exactly 3 intervals: not older, still fresh */
    assert_true(score_fresh(&c, &in, NOW));
    assert_close(score_compute(&c, &in, NOW), 55.0);
    in.metrics_at = NOW - 16; /* older than 3 * 5 s: stale */
    assert_false(score_fresh(&c, &in, NOW));
    assert_close(score_compute(&c, &in, NOW), 4555.0);
    in.metrics_at = NOW - 3600;
    assert_false(score_fresh(&c, &in, NOW));
    assert_close(score_compute(&c, &in, NOW), 4555.0);
    conf_free(&c);
}

static void test_fresh_boundary_custom_interval(void **state)
{
    struct mrb_conf c;
    struct score_input in;

    (void)state;
    load(&c, BASE_CONF "[health]\ninterval = 10\n");
    assert_int_equal(c.score.interval, 10);
    in = sample(0.5, 0.25, 10, 20, 100);
    in.metrics_at = NOW - 16; /* stale at 5 s, fresh at 10 s */
    assert_true(score_fresh(&c, &in, NOW));
    in.metrics_at = NOW - 30;
    assert_true(score_fresh(&c, &in, NOW));
    assert_close(score_compute(&c, &in, NOW), 55.0);
    in.metrics_at = NOW - 31;
    assert_false(score_fresh(&c, &in, NOW));
    assert_close(score_compute(&c, &in, NOW), 4555.0);
    conf_free(&c);
}

static void test_stale_fallback_with_pending(void **state)
{
    struct mrb_conf c;
    struct score_input in;

    (void)state;
    load(&c, BASE_CONF);
    in = sample(0.5, 0.25, 10, 20, 100);
    in.metrics_at = NOW - 16;
    in.pending = 2;
    /* 4555 + 2*15/100 */
    assert_close(score_compute(&c, &in, NOW), 4555.30);
    in.weight = 2.0; /* the weight multiplies the fallback tier too */
    assert_close(score_compute(&c, &in, NOW), 9110.60);
    conf_free(&c);
}

static void test_no_metrics_fallback(void **state)
{
    struct mrb_conf c;
    struct score_input in;

    (void)state;
    load(&c, BASE_CONF);
    /* numbers present but has_metrics 0, metrics_at now: still the fallback */
    in = sample(0.5, 0.25, 10, 20, 100);
    in.has_metrics = 0;
    assert_false(score_fresh(&c, &in, NOW));
    assert_close(score_compute(&c, &in, NOW), 4555.0);
    in.pending = 3; /* + 3*15/100 = 0.45 */
    assert_close(score_compute(&c, &in, NOW), 4555.45);

    /* an all-zero input (no row at all) */
    memset(&in, 0, sizeof(in));
    assert_false(score_fresh(&c, &in, NOW));
    assert_close(score_compute(&c, &in, NOW), 4555.0);
    conf_free(&c);
}

/* A loaded server with fresh metrics must still beat one without metrics. */
static void test_fresh_beats_no_metrics(void **state)
{
    struct mrb_conf c;
    struct score_input busy, unknown, stale;

    (void)state;
    load(&c, BASE_CONF);
    /* very busy: (3500 + 2000 + 1000*5 + 1000*10 + 1000*30) / 100 = 505 */
    busy = sample(1.0, 1.0, 1000, 1000, 1000);
    assert_close(score_compute(&c, &busy, NOW), 505.0);
    memset(&unknown, 0, sizeof(unknown));
    unknown.weight = 1.0;
    stale = sample(0, 0, 0, 0, 0); /* idle, but the sample is stale */
    stale.metrics_at = NOW - 60;

    assert_true(score_compute(&c, &busy, NOW) < score_compute(&c, &unknown, NOW));
    assert_true(score_compute(&c, &busy, NOW) < score_compute(&c, &stale, NOW));
    conf_free(&c);
}

/* Two otherwise equal servers: the one that just got a 2-participant room
 * must score worse, so a burst of placements spreads instead of piling on
 * one server, with fresh metrics and without. */
static void test_pending_separates_burst(void **state)
{
    struct mrb_conf c;
    struct score_input a, b;
    double sa, sb;

    (void)state;
    load(&c, BASE_CONF);

    /* fresh metrics */
    a = sample(0.2, 0.3, 4, 8, 12);
    b = a;
    a.pending = 2;
    sa = score_compute(&c, &a, NOW);
    sb = score_compute(&c, &b, NOW);
    assert_close(sa - sb, 0.30);
    assert_true(score_before(&c, &b, &a, NOW));
    assert_false(score_before(&c, &a, &b, NOW));

    /* no metrics: the pending load still separates them */
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    a.weight = b.weight = 1.0;
    a.pending = 2;
    sa = score_compute(&c, &a, NOW);
    sb = score_compute(&c, &b, NOW);
    assert_close(sa - sb, 0.30);
    assert_true(score_before(&c, &b, &a, NOW));
    conf_free(&c);
}

/* The tier rule: a server without fresh metrics never goes before one with
 * fresh metrics, whatever the weights make of their scores. */
static void test_stale_never_beats_fresh(void **state)
{
    struct mrb_conf c;
    struct score_input fresh, stale, none;

    (void)state;
    load(&c, BASE_CONF);
    fresh = sample(1.0, 1.0, 1000, 1000, 1000); /* as busy as it gets: 505 */
    fresh.weight = 1000;                        /* and weighted down: 505,000 */
    stale = sample(0, 0, 0, 0, 0);
    stale.metrics_at = NOW - 16;
    stale.weight = 0.001; /* scores 4.555: far below the fresh one */
    memset(&none, 0, sizeof(none));
    none.weight = 0.001;
    assert_true(score_compute(&c, &stale, NOW) < score_compute(&c, &fresh, NOW));
    assert_true(score_before(&c, &fresh, &stale, NOW));
    assert_false(score_before(&c, &stale, &fresh, NOW));
    assert_true(score_before(&c, &fresh, &none, NOW));
    assert_false(score_before(&c, &none, &fresh, NOW));
    /* the moment the fresh one's metrics age past 3 intervals, it is stale too */
    fresh.metrics_at = NOW - 16;
    assert_true(score_before(&c, &stale, &fresh, NOW));
    conf_free(&c);
}


/* A fresh sample on a link of link_mbps transmitting tx_mbps, and nothing
 * else: so the score is the network term alone. */
static struct score_input on_link(double link_mbps, double tx_mbps)
{
    struct score_input in = sample(0, 0, 0, 0, 0);

    in.link_mbps = link_mbps;
    in.has_tx = 1;
    in.tx_mbps = tx_mbps;
    return in;
}

static void test_network_term(void **state)
{
    struct mrb_conf c;
    struct score_input in;

    (void)state;
    load(&c, BASE_CONF);
    /* 400 of 1000 Mbit/s: 40 % of the link, 50 * 40 / 100 = 20 */
    in = on_link(1000, 400);
    assert_close(score_compute(&c, &in, NOW), 20.0);
    /* a full link weighs 50, more than a full CPU (35) */
    in = on_link(1000, 1000);
    assert_close(score_compute(&c, &in, NOW), 50.0);
    /* 40 of a 100 Mbit/s link: 50 * 40 / 100 = 20 */
    in = on_link(100, 40);
    assert_close(score_compute(&c, &in, NOW), 20.0);
    /* added to the other terms: the worked example's 55 + 20 */
    in = sample(0.5, 0.25, 10, 20, 100);
    in.link_mbps = 1000;
    in.has_tx = 1;
    in.tx_mbps = 400;
    assert_close(score_compute(&c, &in, NOW), 75.0);
    /* the weight multiplies it too */
    in = on_link(1000, 400);
    in.weight = 2;
    assert_close(score_compute(&c, &in, NOW), 40.0);
    conf_free(&c);

    load(&c, BASE_CONF "[score]\nnetwork = 10\n");
    in = on_link(1000, 400); /* 10 * 40 / 100 */
    assert_close(score_compute(&c, &in, NOW), 4.0);
    conf_free(&c);
    load(&c, BASE_CONF "[score]\nnetwork = 0\n");
    in = on_link(1000, 400);
    assert_close(score_compute(&c, &in, NOW), 0.0);
    in.pending_egress_kbps = 100000;
    assert_close(score_compute(&c, &in, NOW), 0.0);
    conf_free(&c);
}

/* Without a known link there is no percentage to take: no network term,
 * measured or pending. Without a measured rate (first sample, counter
 * reset, no netdev collector) only the pending egress counts. */
static void test_network_unknown(void **state)
{
    struct mrb_conf c;
    struct score_input in;

    (void)state;
    load(&c, BASE_CONF);
    in = on_link(0, 400);
    in.pending_egress_kbps = 50000;
    assert_close(score_compute(&c, &in, NOW), 0.0);
    in.link_mbps = -5;
    assert_close(score_compute(&c, &in, NOW), 0.0);
    assert_close(score_egress_cost(&c, 50000, 0), 0.0);

    in = on_link(1000, 400);
    in.has_tx = 0; /* tx_mbps is not a measurement */
    assert_close(score_compute(&c, &in, NOW), 0.0);
    in.pending_egress_kbps = 50000; /* 50 of 1000 Mbit/s: 5 %, 50 * 5 / 100 */
    assert_close(score_compute(&c, &in, NOW), 2.5);
    conf_free(&c);
}

/* The measured rate is part of the metrics: stale metrics drop it, like cpu
 * and mem. Egress placed since then is our own knowledge and still counts
 * on top of the fallback, so a burst spreads in that tier too. */
static void test_network_tiers(void **state)
{
    struct mrb_conf c;
    struct score_input in;

    (void)state;
    load(&c, BASE_CONF);
    in = on_link(1000, 900);
    in.pending_egress_kbps = 15000; /* 1.5 %: 0.75 */
    assert_close(score_compute(&c, &in, NOW), 45.0 + 0.75);
    in.metrics_at = NOW - 16;
    assert_close(score_compute(&c, &in, NOW), 4555.75);
    in.has_metrics = 0;
    in.weight = 2;
    assert_close(score_compute(&c, &in, NOW), 9111.5);
    /* a fresh server carrying heavy video still goes before a stale idle one */
    {
        struct score_input heavy = on_link(1000, 1000), idle = on_link(1000, 0);
        idle.metrics_at = NOW - 16;
        assert_true(score_before(&c, &heavy, &idle, NOW));
    }
    conf_free(&c);
}

static void test_video_egress(void **state)
{
    (void)state;
    /* publishers * (people - 1) * bitrate */
    assert_close(score_video_egress_kbps(4, 0, 512), 4 * 3 * 512);
    /* screen share: one more publisher, the screen, sent to the 3 others */
    assert_close(score_video_egress_kbps(4, 1, 512), 5 * 3 * 512);
    assert_close(score_video_egress_kbps(2, 1, 4000), 3 * 1 * 4000);
    assert_close(score_video_egress_kbps(2, 0, 64), 2 * 1 * 64);
    assert_close(score_video_egress_kbps(16, 1, 4000), 17.0 * 15 * 4000);
    /* nobody to send to, or nothing sent */
    assert_close(score_video_egress_kbps(1, 1, 512), 0);
    assert_close(score_video_egress_kbps(0, 0, 512), 0);
    assert_close(score_video_egress_kbps(4, 1, 0), 0);
    assert_int_equal(SCORE_VIDEO_BITRATE_KBPS, 512);
}

/* The stored score grows by weight * score_egress_cost() per placement
 * (servers_add_pending); that must equal what score_compute says with that
 * much more pending egress, fresh or not, and the stale tier's SQL relies
 * on the cost being linear in kbps / link_mbps. */
static void test_egress_cost_matches_compute(void **state)
{
    struct mrb_conf c;
    struct score_input in;
    const double kbps[] = {0, 6144, 15000, 1020000};
    const double links[] = {100, 1000, 40000};

    (void)state;
    load(&c, BASE_CONF);
    assert_close(score_egress_cost(&c, 15000, 1000), 0.75);
    for (int fresh = 0; fresh < 2; fresh++) {
        for (size_t i = 0; i < sizeof(kbps) / sizeof(kbps[0]); i++) {
            for (size_t j = 0; j < sizeof(links) / sizeof(links[0]); j++) {
                double before, after;
                in = on_link(links[j], 12.5);
                in.weight = 1.5;
                in.pending = 3;
                in.pending_egress_kbps = 7000;
                if (!fresh)
                    in.metrics_at = NOW - 3600;
                before = score_compute(&c, &in, NOW);
                in.pending_egress_kbps += kbps[i];
                after = score_compute(&c, &in, NOW);
                assert_close(after - before, in.weight * score_egress_cost(&c, kbps[i], links[j]));
                assert_close(score_egress_cost(&c, kbps[i], links[j]),
                             kbps[i] / links[j] * score_egress_cost(&c, 1, 1));
            }
        }
    }
    conf_free(&c);
}

/* Video weighs more than audio: of two equal servers, the one that just got
 * a video room scores worse than the one that got an audio room of the same
 * size, and a server already carrying heavy video loses to an idle one even
 * when the idle one is busier otherwise. */
static void test_video_outweighs_audio(void **state)
{
    struct mrb_conf c;
    struct score_input audio, video, heavy, busy;

    (void)state;
    load(&c, BASE_CONF);
    audio = on_link(1000, 0);
    video = audio;
    audio.pending = video.pending = 6;
    video.pending_egress_kbps = score_video_egress_kbps(6, 1, 2000); /* 70 Mbit/s: 7 % */
    assert_close(score_compute(&c, &audio, NOW), 0.90);
    assert_close(score_compute(&c, &video, NOW), 0.90 + 3.5);
    assert_true(score_before(&c, &audio, &video, NOW));

    heavy = on_link(1000, 600);                   /* 60 %: 30 */
    busy = sample(0.5, 0.25, 10, 20, 0);          /* (1750 + 500 + 50 + 200) / 100 = 25 */
    busy.link_mbps = 1000;
    busy.has_tx = 1;
    busy.tx_mbps = 10;                            /* + 0.5 */
    assert_close(score_compute(&c, &heavy, NOW), 30.0);
    assert_close(score_compute(&c, &busy, NOW), 25.5);
    assert_true(score_before(&c, &busy, &heavy, NOW));
    conf_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_loaded),
        cmocka_unit_test(test_default_weights_exact),
        cmocka_unit_test(test_pending_default),
        cmocka_unit_test(test_custom_weights),
        cmocka_unit_test(test_sessions_handles_not_swapped),
        cmocka_unit_test(test_weight_multiplier),
        cmocka_unit_test(test_pending_cost_matches_compute),
        cmocka_unit_test(test_fresh_boundary_default_interval),
        cmocka_unit_test(test_fresh_boundary_custom_interval),
        cmocka_unit_test(test_stale_fallback_with_pending),
        cmocka_unit_test(test_no_metrics_fallback),
        cmocka_unit_test(test_fresh_beats_no_metrics),
        cmocka_unit_test(test_pending_separates_burst),
        cmocka_unit_test(test_stale_never_beats_fresh),
        cmocka_unit_test(test_network_term),
        cmocka_unit_test(test_network_unknown),
        cmocka_unit_test(test_network_tiers),
        cmocka_unit_test(test_video_egress),
        cmocka_unit_test(test_egress_cost_matches_compute),
        cmocka_unit_test(test_video_outweighs_audio),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
