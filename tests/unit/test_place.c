/* Unit tests for lib/place.c (placement's choice among servers) and the
 * tag and region helpers of lib/conf.c it relies on.
 *
 * Defaults used below (test_conf.c checks they are the defaults): limit
 * 100, pack_limit 70, seat 0.15. A server's load is
 *
 *     load = score + weight * seat * unfilled
 *
 * and it fits a room of s seats when load + weight * seat * s <= limit.
 * Order, first to last: not suspect; fits (through the room's window,
 * else, for a room whose people arrive now, fits now: load now = score +
 * weight * seat * due); in the wanted region; no tags
 * the room does not want; fresh;
 * then spread: lowest load; pack: the highest load that still fits under
 * pack_limit with the room, then the rest lowest first; ties by index.
 *
 * Cases are rows of tables; a failure names its row. */
#include "unit.h"

#include "place.h"

static struct mrb_conf conf(int pack)
{
    struct mrb_conf c;

    memset(&c, 0, sizeof(c));
    c.score.limit = 100;
    c.score.pack_limit = 70;
    c.score.seat = 0.15;
    c.score.pack = pack;
    return c;
}

/* A fresh server of weight 1, not suspect, nothing booked. */
#define SRV(score_, region_, tags_) {(score_), 1.0, 1, 0, 0, (region_), (tags_), 0}

#define MAX_SERVERS 6

static const struct order_case {
    const char *name;
    int pack;
    struct place_server servers[MAX_SERVERS];
    size_t n;
    struct place_want want;
    const char *want_order; /* indices, e.g. "201"; "" when none may take it */
} order_cases[] = {
    {"spread: the lowest load first", 0, {SRV(40, "", ""), SRV(20, "", ""), SRV(30, "", "")}, 3, {"", 0, "", 2, 0, 0, 0}, "120"},
    {"spread: bookings count: 20 + 100 seats * 0.15 = 35 goes after 30", 0,
     {SRV(30, "", ""), {20, 1.0, 1, 0, 100, "", "", 0}}, 2, {"", 0, "", 2, 0, 0, 0}, "01"},
    {"spread: ties go to the lower index", 0, {SRV(30, "", ""), SRV(30, "", "")}, 2, {"", 0, "", 2, 0, 0, 0}, "01"},
    {"spread: a full server goes after every one that fits (99.8 + 2 * 0.15 > 100)", 0,
     {SRV(99.8, "", ""), SRV(90, "", "")}, 2, {"", 0, "", 2, 0, 0, 0}, "10"},
    {"spread: the weight scales the booked seats: 30 + 2 * 0.15 * 50 = 45 after 40", 0,
     {{30, 2.0, 1, 0, 50, "", "", 0}, SRV(40, "", "")}, 2, {"", 0, "", 2, 0, 0, 0}, "10"},
    {"pack: the fullest that still fits under pack_limit first", 0 + 1,
     {SRV(10, "", ""), SRV(60, "", ""), SRV(40, "", "")}, 3, {"", 0, "", 2, 0, 0, 0}, "120"},
    {"pack: past pack_limit with the room (69.9 + 0.3), a server goes after those still under it", 1,
     {SRV(69.9, "", ""), SRV(10, "", ""), SRV(5, "", "")}, 3, {"", 0, "", 2, 0, 0, 0}, "120"},
    {"pack: all past pack_limit: they spread, lowest first", 1,
     {SRV(80, "", ""), SRV(75, "", ""), SRV(90, "", "")}, 3, {"", 0, "", 2, 0, 0, 0}, "102"},
    {"pack: bookings count toward pack_limit: 60 + 70 seats * 0.15 = 70.5", 1,
     {{60, 1.0, 1, 0, 70, "", "", 0}, SRV(50, "", "")}, 2, {"", 0, "", 2, 0, 0, 0}, "10"},
    {"region preferred: its servers first, then the others", 0,
     {SRV(10, "us", ""), SRV(30, "eu", ""), SRV(20, "eu", "")}, 3, {"eu", 0, "", 2, 0, 0, 0}, "210"},
    {"region preferred: when none of its servers fits, the others that fit come first", 0,
     {SRV(99.9, "eu", ""), SRV(50, "us", "")}, 2, {"eu", 0, "", 2, 0, 0, 0}, "10"},
    {"region required: only its servers, full or not", 0,
     {SRV(99.9, "eu", ""), SRV(10, "us", "")}, 2, {"eu", 1, "", 2, 0, 0, 0}, "0"},
    {"region required: none there", 0, {SRV(10, "us", "")}, 1, {"ap", 1, "", 2, 0, 0, 0}, ""},
    {"tags: every wanted tag is required", 0,
     {SRV(10, "", "recording"), SRV(20, "", "recording,sip"), SRV(5, "", "")}, 3, {"", 0, "recording,sip", 2, 0, 0, 0}, "1"},
    {"tags: none has them", 0, {SRV(10, "", "sip")}, 1, {"", 0, "gpu", 2, 0, 0, 0}, ""},
    {"a server with tags the room does not want goes after one without (kept for rooms that need them)", 0,
     {SRV(10, "", "recording"), SRV(50, "", "")}, 2, {"", 0, "", 2, 0, 0, 0}, "10"},
    {"...unless the untagged one is full", 0,
     {SRV(10, "", "recording"), SRV(99.9, "", "")}, 2, {"", 0, "", 2, 0, 0, 0}, "01"},
    {"...and when none fits, the tags do not count: 101 tagged before 150 untagged", 0,
     {SRV(150, "", ""), SRV(101, "", "recording")}, 2, {"", 0, "", 2, 0, 0, 0}, "10"},
    {"...and a room that wants the tag prefers the closest match", 0,
     {SRV(10, "", "recording,sip"), SRV(50, "", "recording")}, 2, {"", 0, "recording", 2, 0, 0, 0}, "10"},
    {"suspect servers last, whatever their load", 0,
     {{10, 1.0, 1, 1, 0, "", "", 0}, SRV(50, "", "")}, 2, {"", 0, "", 2, 0, 0, 0}, "10"},
    {"a stale server after every fresh one that fits", 0,
     {{5, 1.0, 0, 0, 0, "", "", 0}, SRV(50, "", "")}, 2, {"", 0, "", 2, 0, 0, 0}, "10"},
    {"arriving: with none fitting its window, one with room now comes first (60 + 300 * 0.15 later, 60 now)", 0,
     {SRV(99.9, "", ""), {60, 1.0, 1, 0, 300, "", "", 0}}, 2, {"", 0, "", 2, 0, 0, 1}, "10"},
    {"...a room booked ahead does not: its people come when the bookings do (lowest load)", 0,
     {SRV(99.9, "", ""), {60, 1.0, 1, 0, 300, "", "", 0}}, 2, {"", 0, "", 2, 0, 0, 0}, "01"},
    {"...and room now is not room through the window: a server that fits it wins", 0,
     {{60, 1.0, 1, 0, 300, "", "", 0}, SRV(90, "", "")}, 2, {"", 0, "", 2, 0, 0, 1}, "10"},
    {"...due seats count now: 60 + 270 due * 0.15 = 100.5 has no room now", 0,
     {SRV(99.9, "", ""), {60, 1.0, 1, 0, 300, "", "", 270}}, 2, {"", 0, "", 2, 0, 0, 1}, "01"},
    {"a stale server before a fresh one that is full (nothing known against it)", 0,
     {SRV(100, "", ""), {4555, 1.0, 0, 0, 0, "", "", 0}}, 2, {"", 0, "", 2, 0, 0, 0}, "01"},
};

static void test_order(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_CASES(order_cases); i++) {
        const struct order_case *k = &order_cases[i];
        struct mrb_conf c = conf(k->pack);
        size_t order[MAX_SERVERS], m = place_order(&c, k->servers, k->n, &k->want, order);
        char got[MAX_SERVERS + 1];
        for (size_t j = 0; j < m; j++)
            got[j] = (char)('0' + order[j]);
        got[m] = '\0';
        case_str(k->name, got, k->want_order);
    }
}

static const struct load_case {
    const char *name;
    struct place_server s;
    long long seats;
    double load;
    int fits;
    long long headroom;
} load_cases[] = {
    {"idle", SRV(0, "", ""), 2, 0, 1, 666},
    {"30 measured, 100 booked: 30 + 15", {30, 1.0, 1, 0, 100, "", "", 0}, 2, 45, 1, 366},
    {"at the limit exactly with the room: 99.7 + 0.3", SRV(99.7, "", ""), 2, 99.7, 1, 2},
    {"over it", SRV(99.8, "", ""), 2, 99.8, 0, 1},
    {"weight 2 doubles a seat's cost", {40, 2.0, 1, 0, 10, "", "", 0}, 2, 43, 1, 190},
    {"stale: no headroom, not known to fit", {4555, 1.0, 0, 0, 0, "", "", 0}, 2, 4555, 0, 0},
    {"full: no headroom", SRV(120, "", ""), 1, 120, 0, 0},
};

static void test_load_fits_headroom(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_CASES(load_cases); i++) {
        const struct load_case *k = &load_cases[i];
        struct mrb_conf c = conf(0);
        struct place_want w = {"", 0, "", k->seats, 0, 0, 0};
        case_close(k->name, place_load(&c, &k->s), k->load);
        case_int(k->name, place_fits(&c, &k->s, &w), k->fits);
        case_int(k->name, place_headroom(&c, &k->s), k->headroom);
    }
}

static const struct now_case {
    const char *name;
    struct place_server s;
    long long seats;
    double load_now;
    int fits_now, over_now;
} now_cases[] = {
    {"nothing due: the score", {30, 1.0, 1, 0, 100, "", "", 0}, 2, 30, 1, 0},
    {"due seats count, later bookings do not: 30 + 40 * 0.15", {30, 1.0, 1, 0, 100, "", "", 40}, 2, 36, 1, 0},
    {"at the limit now: not over, no room for 2 more", {94, 1.0, 1, 0, 0, "", "", 40}, 2, 100, 0, 0},
    {"one seat past it: over", {94, 1.0, 1, 0, 0, "", "", 41}, 2, 100.15, 0, 1},
    {"weight 2 doubles a due seat", {80, 2.0, 1, 0, 0, "", "", 70}, 1, 101, 0, 1},
    {"stale: neither room nor over (unknown)", {4555, 1.0, 0, 0, 0, "", "", 0}, 2, 4555, 0, 0},
};

static void test_now(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_CASES(now_cases); i++) {
        const struct now_case *k = &now_cases[i];
        struct mrb_conf c = conf(0);
        struct place_want w = {"", 0, "", k->seats, 0, 0, 1};
        case_close(k->name, place_load_now(&c, &k->s), k->load_now);
        case_int(k->name, place_fits_now(&c, &k->s, &w), k->fits_now);
        case_int(k->name, place_over_now(&c, &k->s), k->over_now);
    }
}

static const struct tags_case {
    const char *name, *in;
    int rc;
    const char *canon;
} tags_cases[] = {
    {"one", "sip", 0, "sip"},
    {"sorted, blanks trimmed, repeats dropped", " sip , recording,sip", 0, "recording,sip"},
    {"empty", "", 0, ""},
    {"upper case refused", "SIP", -1, NULL},
    {"an empty tag refused", "a,,b", -1, NULL},
    {"a space inside refused", "a b", -1, NULL},
    {"33 characters refused", "abcdefghijklmnopqrstuvwxyz0123456", -1, NULL},
    {"9 tags refused", "a,b,c,d,e,f,g,h,i", -1, NULL},
    {"8 tags", "h,g,f,e,d,c,b,a", 0, "a,b,c,d,e,f,g,h"},
};

static void test_tags(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_CASES(tags_cases); i++) {
        const struct tags_case *k = &tags_cases[i];
        char out[CONF_TAGS_LEN];
        int rc = conf_tags_canon(k->in, out, sizeof(out));
        case_int(k->name, rc, k->rc);
        if (rc == 0)
            case_str(k->name, out, k->canon);
    }
}

static const struct cover_case {
    const char *name, *have, *want;
    int covered;
} cover_cases[] = {
    {"nothing wanted", "", "", 1},
    {"one of two", "recording,sip", "sip", 1},
    {"both", "recording,sip", "recording,sip", 1},
    {"missing one", "recording", "recording,sip", 0},
    {"a prefix is not the tag", "sipx", "sip", 0},
    {"nothing had", "", "sip", 0},
};

static void test_tags_cover(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_CASES(cover_cases); i++)
        case_int(cover_cases[i].name, conf_tags_cover(cover_cases[i].have, cover_cases[i].want),
                 cover_cases[i].covered);
}

static void test_region_names(void **state)
{
    (void)state;
    case_int("eu-west", conf_valid_region("eu-west"), 1);
    case_int("a.b_c-9", conf_valid_region("a.b_c-9"), 1);
    case_int("upper case", conf_valid_region("EU"), 0);
    case_int("empty", conf_valid_region(""), 0);
    case_int("a bang is create-room's, not a name", conf_valid_region("!eu"), 0);
    case_int("33 characters", conf_valid_region("abcdefghijklmnopqrstuvwxyz0123456"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order),
        cmocka_unit_test(test_load_fits_headroom),
        cmocka_unit_test(test_now),
        cmocka_unit_test(test_tags),
        cmocka_unit_test(test_tags_cover),
        cmocka_unit_test(test_region_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
