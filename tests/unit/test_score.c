/* Unit tests for lib/score.c: score_compute(), score_fresh() and
 * score_before().
 *
 * Every expected number below was computed by hand from the documented
 * formula (default weights cpu 35, mem 20, sessions 5, handles 10,
 * sockets 30, fallback 4555, health interval 5 s; test_conf.c checks that
 * these are the defaults):
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
 *
 * Cases are rows of tables; a failure names its row.
 */
#include "unit.h"

#include "score.h"

#define NOW 1700000000LL

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

/* The worked example: (0.5*100*35 + 0.25*100*20 + 10*5 + 20*10 + 100*30) / 100
 * = (1750 + 500 + 50 + 200 + 3000) / 100 = 55.0 with the default weights. */
static struct score_input example(void)
{
    return sample(0.5, 0.25, 10, 20, 100);
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

/* score_compute(in) must be want, under MIN_CONF plus weights. */
struct score_case {
    const char *name;
    const char *weights; /* lines added to MIN_CONF ("" for the defaults) */
    struct score_input in;
    double want;
};

static void check_scores(const struct score_case *cases, size_t n)
{
    char text[1024];
    struct mrb_conf c;

    for (size_t i = 0; i < n; i++) {
        snprintf(text, sizeof(text), MIN_CONF "%s", cases[i].weights);
        conf_ok(cases[i].name, text, &c);
        case_close(cases[i].name, score_compute(&c, &cases[i].in, NOW), cases[i].want);
        conf_free(&c);
    }
}

/* score_before(a, b) must be want. */
struct order_case {
    const char *name;
    struct score_input a, b;
    int want;
};

static void check_orders(const struct mrb_conf *c, const struct order_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++)
        case_int(cases[i].name, score_before(c, &cases[i].a, &cases[i].b, NOW), cases[i].want);
}

static void test_default_weights_exact(void **state)
{
    static const struct {
        const char *name;
        double cpu, mem, sessions, handles, sockets, want;
    } cases[] = {
        {"the worked example", 0.5, 0.25, 10, 20, 100, 55.0},
        {"idle server", 0, 0, 0, 0, 0, 0.0},
        /* (1.0*100*35 + 1.0*100*20 + 0 + 0 + 0) / 100 */
        {"full cpu and mem", 1.0, 1.0, 0, 0, 0, 55.0},
        /* (0.1*100*35 + 0.8*100*20 + 3*5 + 7*10 + 11*30) / 100 = (350 + 1600 + 15 + 70 + 330) / 100 */
        {"a mix", 0.1, 0.8, 3, 7, 11, 23.65},
        /* each term alone */
        {"1% cpu: 35/100", 0.01, 0, 0, 0, 0, 0.35},
        {"1% mem: 20/100", 0, 0.01, 0, 0, 0, 0.20},
        {"1 session: 5/100", 0, 0, 1, 0, 0, 0.05},
        {"1 handle: 10/100", 0, 0, 0, 1, 0, 0.10},
        {"1 socket: 30/100", 0, 0, 0, 0, 1, 0.30},
    };
    struct mrb_conf c;

    (void)state;
    conf_ok("MIN_CONF", MIN_CONF, &c);
    for (size_t i = 0; i < N_CASES(cases); i++) {
        struct score_input in = sample(cases[i].cpu, cases[i].mem, cases[i].sessions, cases[i].handles,
                                       cases[i].sockets);

        case_close(cases[i].name, score_compute(&c, &in, NOW), cases[i].want);
    }
    conf_free(&c);
}

static void test_pending_default(void **state)
{
    /* each pending participant is one session + one handle: (5+10)/100 */
    static const struct {
        const char *name;
        double pending, want;
    } cases[] = {
        {"1 pending", 1, 55.15},
        {"2 pending", 2, 55.30},
        {"16 pending", 16, 57.40},
    };
    struct mrb_conf c;

    (void)state;
    conf_ok("MIN_CONF", MIN_CONF, &c);
    for (size_t i = 0; i < N_CASES(cases); i++) {
        struct score_input in = example();

        in.pending = cases[i].pending;
        case_close(cases[i].name, score_compute(&c, &in, NOW), cases[i].want);
    }
    conf_free(&c);
}

#define CUSTOM_WEIGHTS                                                                                      \
    "[score]\n"                                                                                             \
    "cpu = 10\n"                                                                                            \
    "mem = 40\n"                                                                                            \
    "sessions = 7\n"                                                                                        \
    "handles = 13\n"                                                                                        \
    "sockets = 3\n"                                                                                         \
    "fallback = 1000\n"

static void test_custom_weights(void **state)
{
    static const struct {
        const char *name;
        int has_metrics;
        double pending, want;
    } cases[] = {
        /* (0.5*100*10 + 0.25*100*40 + 10*7 + 20*13 + 100*3) / 100 = (500 + 1000 + 70 + 260 + 300) / 100 */
        {"the worked example", 1, 0, 21.30},
        {"pending 2: + 2*(7+13)/100", 1, 2, 21.70},
        {"fallback: the configured value, 1000 + 0.40", 0, 2, 1000.40},
    };
    struct mrb_conf c;

    (void)state;
    conf_ok("custom weights", MIN_CONF CUSTOM_WEIGHTS, &c);
    assert_close(c.score.cpu, 10);
    assert_close(c.score.mem, 40);
    assert_close(c.score.sessions, 7);
    assert_close(c.score.handles, 13);
    assert_close(c.score.sockets, 3);
    assert_close(c.score.fallback, 1000);
    for (size_t i = 0; i < N_CASES(cases); i++) {
        struct score_input in = example();

        in.has_metrics = cases[i].has_metrics;
        in.pending = cases[i].pending;
        case_close(cases[i].name, score_compute(&c, &in, NOW), cases[i].want);
    }
    conf_free(&c);
}

/* The original broker applied the sessions weight to handles and vice
 * versa. Change one input at a time: the delta must be its own weight/100. */
static void test_sessions_handles_not_swapped(void **state)
{
    enum term { SESSIONS, HANDLES, SOCKETS };
    static const struct {
        const char *name;
        const char *weights; /* added to MIN_CONF */
        enum term term;
        double step, want;
    } cases[] = {
        {"1 more session: the sessions weight", "", SESSIONS, 1, 5.0 / 100},
        {"1 more handle: the handles weight", "", HANDLES, 1, 10.0 / 100},
        {"1 more socket: the sockets weight", "", SOCKETS, 1, 30.0 / 100},
        /* with weights that are very different from each other */
        {"10 more sessions, sessions 2", "[score]\nsessions = 2\nhandles = 50\n", SESSIONS, 10, 10 * 2.0 / 100},
        {"10 more handles, handles 50", "[score]\nsessions = 2\nhandles = 50\n", HANDLES, 10, 10 * 50.0 / 100},
    };
    char text[512];
    struct mrb_conf c;

    (void)state;
    for (size_t i = 0; i < N_CASES(cases); i++) {
        struct score_input in = sample(0.3, 0.4, 50, 80, 20);
        double base;

        snprintf(text, sizeof(text), MIN_CONF "%s", cases[i].weights);
        conf_ok(cases[i].name, text, &c);
        base = score_compute(&c, &in, NOW);
        switch (cases[i].term) {
        case SESSIONS:
            in.sessions += cases[i].step;
            break;
        case HANDLES:
            in.handles += cases[i].step;
            break;
        case SOCKETS:
            in.sockets += cases[i].step;
            break;
        }
        case_close(cases[i].name, score_compute(&c, &in, NOW) - base, cases[i].want);
        conf_free(&c);
    }
}

static void test_weight_multiplier(void **state)
{
    static const struct {
        const char *name;
        double weight, pending, want;
    } cases[] = {
        {"weight 2", 2.0, 0, 110.0},
        {"weight 0.5", 0.5, 0, 27.5},
        {"weight 2 multiplies the pending load too: 2 * (55 + 0.30)", 2.0, 2, 110.6},
        {"weight 0 (unset) means the default 1", 0, 0, 55.0},
        {"a negative weight means the default 1", -3, 0, 55.0},
    };
    struct mrb_conf c;

    (void)state;
    conf_ok("MIN_CONF", MIN_CONF, &c);
    for (size_t i = 0; i < N_CASES(cases); i++) {
        struct score_input in = example();

        in.weight = cases[i].weight;
        in.pending = cases[i].pending;
        case_close(cases[i].name, score_compute(&c, &in, NOW), cases[i].want);
    }
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
    char name[64];

    (void)state;
    conf_ok("MIN_CONF", MIN_CONF, &c);
    assert_close(score_pending_cost(&c, 1), 0.15);
    assert_close(score_pending_cost(&c, 0), 0.0);
    for (int fresh = 0; fresh < 2; fresh++) {
        for (size_t i = 0; i < N_CASES(ns); i++) {
            double before, after;
            snprintf(name, sizeof(name), "%s, %g more pending", fresh ? "fresh" : "stale", ns[i]);
            in = example();
            in.weight = 1.5;
            in.pending = 3;
            if (!fresh)
                in.metrics_at = NOW - 3600;
            before = score_compute(&c, &in, NOW);
            in.pending += ns[i];
            after = score_compute(&c, &in, NOW);
            case_close(name, after - before, in.weight * score_pending_cost(&c, ns[i]));
        }
    }
    conf_free(&c);
}

/* The example's metrics taken age seconds ago: fresh or not, and its score
 * (55 fresh, the fallback 4555 stale). */
struct fresh_case {
    const char *name;
    long long age;
    int fresh;
    double want;
};

static void check_freshness(const struct mrb_conf *c, const struct fresh_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct score_input in = example();

        in.metrics_at = NOW - cases[i].age;
        case_int(cases[i].name, score_fresh(c, &in, NOW), cases[i].fresh);
        case_close(cases[i].name, score_compute(c, &in, NOW), cases[i].want);
    }
}

static void test_fresh_boundary_default_interval(void **state)
{
    static const struct fresh_case cases[] = {
        {"taken now", 0, 1, 55.0},
        {"14 s old", 14, 1, 55.0},
        {"15 s old: exactly 3 intervals, not older, still fresh", 15, 1, 55.0},
        {"16 s old: older than 3 * 5 s, stale", 16, 0, 4555.0},
        {"an hour old", 3600, 0, 4555.0},
    };
    struct mrb_conf c;

    (void)state;
    conf_ok("MIN_CONF", MIN_CONF, &c);
    check_freshness(&c, cases, N_CASES(cases));
    conf_free(&c);
}

static void test_fresh_boundary_custom_interval(void **state)
{
    static const struct fresh_case cases[] = {
        {"16 s old: stale at 5 s, fresh at 10 s", 16, 1, 55.0},
        {"30 s old: exactly 3 intervals", 30, 1, 55.0},
        {"31 s old", 31, 0, 4555.0},
    };
    struct mrb_conf c;

    (void)state;
    conf_ok("interval 10", MIN_CONF "[health]\ninterval = 10\n", &c);
    assert_int_equal(c.score.interval, 10);
    check_freshness(&c, cases, N_CASES(cases));
    conf_free(&c);
}

static void test_stale_fallback_with_pending(void **state)
{
    static const struct {
        const char *name;
        double weight, want;
    } cases[] = {
        {"4555 + 2*15/100", 1.0, 4555.30},
        {"the weight multiplies the fallback tier too", 2.0, 9110.60},
    };
    struct mrb_conf c;

    (void)state;
    conf_ok("MIN_CONF", MIN_CONF, &c);
    for (size_t i = 0; i < N_CASES(cases); i++) {
        struct score_input in = example();

        in.metrics_at = NOW - 16;
        in.pending = 2;
        in.weight = cases[i].weight;
        case_close(cases[i].name, score_compute(&c, &in, NOW), cases[i].want);
    }
    conf_free(&c);
}

static void test_no_metrics_fallback(void **state)
{
    static const struct {
        const char *name;
        struct score_input in;
        double want;
    } cases[] = {
        {"numbers present but has_metrics 0, metrics_at now: still the fallback",
         {.metrics_at = NOW, .cpu = 0.5, .mem = 0.25, .sessions = 10, .handles = 20, .sockets = 100, .weight = 1.0},
         4555.0},
        {"and 3 pending: + 3*15/100",
         {.metrics_at = NOW, .cpu = 0.5, .mem = 0.25, .sessions = 10, .handles = 20, .sockets = 100, .pending = 3,
          .weight = 1.0},
         4555.45},
        {"an all-zero input (no row at all)", {.has_metrics = 0}, 4555.0},
    };
    struct mrb_conf c;

    (void)state;
    conf_ok("MIN_CONF", MIN_CONF, &c);
    for (size_t i = 0; i < N_CASES(cases); i++) {
        case_false(cases[i].name, score_fresh(&c, &cases[i].in, NOW));
        case_close(cases[i].name, score_compute(&c, &cases[i].in, NOW), cases[i].want);
    }
    conf_free(&c);
}

/* A loaded server with fresh metrics must still beat one without metrics. */
static void test_fresh_beats_no_metrics(void **state)
{
    static const struct {
        const char *name;
        struct score_input other;
    } cases[] = {
        {"no metrics at all", {.weight = 1.0}},
        {"idle, but the sample is stale", {.has_metrics = 1, .metrics_at = NOW - 60, .weight = 1.0}},
    };
    struct mrb_conf c;
    struct score_input busy;

    (void)state;
    conf_ok("MIN_CONF", MIN_CONF, &c);
    /* very busy: (3500 + 2000 + 1000*5 + 1000*10 + 1000*30) / 100 = 505 */
    busy = sample(1.0, 1.0, 1000, 1000, 1000);
    assert_close(score_compute(&c, &busy, NOW), 505.0);
    for (size_t i = 0; i < N_CASES(cases); i++)
        case_true(cases[i].name, score_compute(&c, &busy, NOW) < score_compute(&c, &cases[i].other, NOW));
    conf_free(&c);
}

/* Two otherwise equal servers: the one that just got a 2-participant room
 * must score worse, so a burst of placements spreads instead of piling on
 * one server, with fresh metrics and without. */
static void test_pending_separates_burst(void **state)
{
    static const struct {
        const char *name;
        struct score_input server;
    } cases[] = {
        {"fresh metrics",
         {.has_metrics = 1, .metrics_at = NOW, .cpu = 0.2, .mem = 0.3, .sessions = 4, .handles = 8, .sockets = 12,
          .weight = 1.0}},
        {"no metrics: the pending load still separates them", {.weight = 1.0}},
    };
    struct mrb_conf c;

    (void)state;
    conf_ok("MIN_CONF", MIN_CONF, &c);
    for (size_t i = 0; i < N_CASES(cases); i++) {
        const char *name = cases[i].name;
        struct score_input a = cases[i].server, b = cases[i].server;
        double sa, sb;

        a.pending = 2;
        sa = score_compute(&c, &a, NOW);
        sb = score_compute(&c, &b, NOW);
        case_close(name, sa - sb, 0.30);
        case_true(name, score_before(&c, &b, &a, NOW));
        case_false(name, score_before(&c, &a, &b, NOW));
    }
    conf_free(&c);
}

/* The tier rule: a server without fresh metrics never goes before one with
 * fresh metrics, whatever the weights make of their scores. */
#define BUSIEST .has_metrics = 1, .cpu = 1.0, .mem = 1.0, .sessions = 1000, .handles = 1000, .sockets = 1000
static void test_stale_never_beats_fresh(void **state)
{
    /* as busy as it gets (505), and weighted down: 505,000 */
    static const struct score_input fresh = {BUSIEST, .metrics_at = NOW, .weight = 1000};
    /* idle, scores 4.555: far below the fresh one */
    static const struct score_input stale = {.has_metrics = 1, .metrics_at = NOW - 16, .weight = 0.001};
    static const struct score_input none = {.weight = 0.001};
    /* the moment the fresh one's metrics age past 3 intervals, it is stale too */
    static const struct score_input aged = {BUSIEST, .metrics_at = NOW - 16, .weight = 1000};
    static const struct order_case cases[] = {
        {"fresh before stale", fresh, stale, 1},
        {"stale not before fresh", stale, fresh, 0},
        {"fresh before none", fresh, none, 1},
        {"none not before fresh", none, fresh, 0},
        {"stale before the fresh one aged", stale, aged, 1},
    };
    struct mrb_conf c;

    (void)state;
    conf_ok("MIN_CONF", MIN_CONF, &c);
    assert_true(score_compute(&c, &stale, NOW) < score_compute(&c, &fresh, NOW));
    check_orders(&c, cases, N_CASES(cases));
    conf_free(&c);
}

/* A fresh sample, weight 1, on a link of l Mbit/s transmitting tx Mbit/s. */
#define ON_LINK(l, tx) .has_metrics = 1, .metrics_at = NOW, .link_mbps = (l), .has_tx = 1, .tx_mbps = (tx)

static void test_network_term(void **state)
{
    static const struct score_case cases[] = {
        {"400 of 1000 Mbit/s: 40 % of the link, 50 * 40 / 100", "", {ON_LINK(1000, 400), .weight = 1.0}, 20.0},
        {"a full link weighs 50, more than a full CPU (35)", "", {ON_LINK(1000, 1000), .weight = 1.0}, 50.0},
        {"40 of a 100 Mbit/s link: 50 * 40 / 100", "", {ON_LINK(100, 40), .weight = 1.0}, 20.0},
        {"added to the other terms: the worked example's 55 + 20", "",
         {ON_LINK(1000, 400), .cpu = 0.5, .mem = 0.25, .sessions = 10, .handles = 20, .sockets = 100, .weight = 1.0},
         75.0},
        {"the weight multiplies it too", "", {ON_LINK(1000, 400), .weight = 2}, 40.0},
        {"network 10: 10 * 40 / 100", "[score]\nnetwork = 10\n", {ON_LINK(1000, 400), .weight = 1.0}, 4.0},
        {"network 0", "[score]\nnetwork = 0\n", {ON_LINK(1000, 400), .weight = 1.0}, 0.0},
        {"network 0, with pending egress", "[score]\nnetwork = 0\n",
         {ON_LINK(1000, 400), .pending_egress_kbps = 100000, .weight = 1.0}, 0.0},
    };

    (void)state;
    check_scores(cases, N_CASES(cases));
}

/* Without a known link there is no percentage to take: no network term,
 * measured or pending. Without a measured rate (first sample, counter
 * reset, no netdev collector) only the pending egress counts. */
static void test_network_unknown(void **state)
{
    static const struct score_case cases[] = {
        {"link 0: unknown", "", {ON_LINK(0, 400), .pending_egress_kbps = 50000, .weight = 1.0}, 0.0},
        {"link -5: unknown", "", {ON_LINK(-5, 400), .pending_egress_kbps = 50000, .weight = 1.0}, 0.0},
        {"tx_mbps not a measurement",
         "",
         {.has_metrics = 1, .metrics_at = NOW, .link_mbps = 1000, .has_tx = 0, .tx_mbps = 400, .weight = 1.0},
         0.0},
        {"no measurement, 50 of 1000 Mbit/s pending: 5 %, 50 * 5 / 100",
         "",
         {.has_metrics = 1, .metrics_at = NOW, .link_mbps = 1000, .has_tx = 0, .tx_mbps = 400,
          .pending_egress_kbps = 50000, .weight = 1.0},
         2.5},
    };
    struct mrb_conf c;

    (void)state;
    check_scores(cases, N_CASES(cases));
    conf_ok("MIN_CONF", MIN_CONF, &c);
    assert_close(score_egress_cost(&c, 50000, 0), 0.0);
    conf_free(&c);
}

/* The measured rate is part of the metrics: stale metrics drop it, like cpu
 * and mem. Egress placed since then is our own knowledge and still counts
 * on top of the fallback, so a burst spreads in that tier too. */
static void test_network_tiers(void **state)
{
    static const struct score_case cases[] = {
        {"fresh: 45 measured + 1.5 % pending, 0.75", "",
         {ON_LINK(1000, 900), .pending_egress_kbps = 15000, .weight = 1.0}, 45.0 + 0.75},
        {"stale: the fallback + the pending 0.75",
         "",
         {.has_metrics = 1, .metrics_at = NOW - 16, .link_mbps = 1000, .has_tx = 1, .tx_mbps = 900,
          .pending_egress_kbps = 15000, .weight = 1.0},
         4555.75},
        {"no metrics, weight 2",
         "",
         {.has_metrics = 0, .metrics_at = NOW - 16, .link_mbps = 1000, .has_tx = 1, .tx_mbps = 900,
          .pending_egress_kbps = 15000, .weight = 2},
         9111.5},
    };
    /* a fresh server carrying heavy video still goes before a stale idle one */
    static const struct order_case orders[] = {
        {"fresh heavy video before stale idle",
         {ON_LINK(1000, 1000), .weight = 1.0},
         {.has_metrics = 1, .metrics_at = NOW - 16, .link_mbps = 1000, .has_tx = 1, .tx_mbps = 0, .weight = 1.0},
         1},
    };
    struct mrb_conf c;

    (void)state;
    check_scores(cases, N_CASES(cases));
    conf_ok("MIN_CONF", MIN_CONF, &c);
    check_orders(&c, orders, N_CASES(orders));
    conf_free(&c);
}

static void test_video_egress(void **state)
{
    /* publishers * (people - 1) * bitrate */
    static const struct {
        const char *name;
        long long people;
        int screen;
        long long bitrate;
        double want;
    } cases[] = {
        {"4 people", 4, 0, 512, 4 * 3 * 512},
        {"4 people and a screen: one more publisher, sent to the 3 others", 4, 1, 512, 5 * 3 * 512},
        {"2 people and a screen", 2, 1, 4000, 3 * 1 * 4000},
        {"2 people at 64", 2, 0, 64, 2 * 1 * 64},
        {"16 people and a screen", 16, 1, 4000, 17.0 * 15 * 4000},
        /* nobody to send to, or nothing sent */
        {"1 person and a screen", 1, 1, 512, 0},
        {"nobody", 0, 0, 512, 0},
        {"bitrate 0", 4, 1, 0, 0},
    };

    (void)state;
    for (size_t i = 0; i < N_CASES(cases); i++)
        case_close(cases[i].name, score_video_egress_kbps(cases[i].people, cases[i].screen, cases[i].bitrate),
                   cases[i].want);
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
    char name[96];

    (void)state;
    conf_ok("MIN_CONF", MIN_CONF, &c);
    assert_close(score_egress_cost(&c, 15000, 1000), 0.75);
    for (int fresh = 0; fresh < 2; fresh++) {
        for (size_t i = 0; i < N_CASES(kbps); i++) {
            for (size_t j = 0; j < N_CASES(links); j++) {
                double before, after;
                snprintf(name, sizeof(name), "%s, %g kbit/s more on %g Mbit/s", fresh ? "fresh" : "stale", kbps[i],
                         links[j]);
                in = on_link(links[j], 12.5);
                in.weight = 1.5;
                in.pending = 3;
                in.pending_egress_kbps = 7000;
                if (!fresh)
                    in.metrics_at = NOW - 3600;
                before = score_compute(&c, &in, NOW);
                in.pending_egress_kbps += kbps[i];
                after = score_compute(&c, &in, NOW);
                case_close(name, after - before, in.weight * score_egress_cost(&c, kbps[i], links[j]));
                case_close(name, score_egress_cost(&c, kbps[i], links[j]),
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
    struct score_input audio = on_link(1000, 0), video, heavy, busy;

    (void)state;
    conf_ok("MIN_CONF", MIN_CONF, &c);
    video = audio;
    audio.pending = video.pending = 6;
    video.pending_egress_kbps = score_video_egress_kbps(6, 1, 2000); /* 70 Mbit/s: 7 % */
    heavy = on_link(1000, 600);          /* 60 %: 30 */
    busy = sample(0.5, 0.25, 10, 20, 0); /* (1750 + 500 + 50 + 200) / 100 = 25 */
    busy.link_mbps = 1000;
    busy.has_tx = 1;
    busy.tx_mbps = 10; /* + 0.5 */
    {
        /* a scores score_a, b scores score_b, and a goes before b */
        const struct {
            const char *name;
            struct score_input a, b;
            double score_a, score_b;
        } cases[] = {
            {"an audio room before a video room of the same size", audio, video, 0.90, 0.90 + 3.5},
            {"busier otherwise before heavy video", busy, heavy, 25.5, 30.0},
        };

        for (size_t i = 0; i < N_CASES(cases); i++) {
            case_close(cases[i].name, score_compute(&c, &cases[i].a, NOW), cases[i].score_a);
            case_close(cases[i].name, score_compute(&c, &cases[i].b, NOW), cases[i].score_b);
            case_true(cases[i].name, score_before(&c, &cases[i].a, &cases[i].b, NOW));
        }
    }
    conf_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
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
