/* placesim: a synthetic day of room bookings replayed against many
 * simulated media servers, through the product's own placement
 * (lib/place.c: place_order(), pure, linked as is).
 *
 * Why: booked capacity exists because rooms are booked ahead of the hour
 * their people arrive. Placing by measured load alone, every booking made
 * before the people come sees the same idle servers, so the bookings pile
 * onto them and the people all arrive at once on a server past its limit
 * while others in the region stay idle. A small e2e fleet cannot show that
 * at fleet scale; this replays a fleet's day, minute by minute, in about
 * two seconds (--short: a tenth of one), for each strategy with booked
 * capacity counted and not.
 *
 * The model (deliberately simple, every number below is a named constant):
 * - Servers in three regions (eu 50 %, us 30 %, ap 20 %), ~10 % of each
 *   region tagged "recording". A server's measured score is its idle base
 *   (3 plus a per-server constant in [0, 0.5)) plus [score] seat for every
 *   person on it: the measured cost of a person is exactly the booked cost
 *   of a seat, and every booked seat is a person who comes, so any
 *   overload that bookings let through is placement's, not the model's
 *   noise. The base does not move during the day, for the same reason.
 * - Rooms of 2-10 people (they book their size), 30-90 min long, starting
 *   at :00 or :30 (everyone arrives at that minute), booked 10-240 min
 *   ahead, in a region drawn by the regions' share (10 % of them require
 *   it, "!region"), 5 % needing "recording". Start times follow a daily
 *   curve peaking at 14:00 UTC; by default the number of rooms is sized so
 *   that the peak of people present would fill PEAK_FILL of the fleet if it
 *   were perfectly balanced (--rooms overrides it).
 * - A room is placed when it is booked, on the first server place_order()
 *   gives over the servers alive then, with want.seats = its size and its
 *   booking window [start, end) (create-room's startsAt and expiresAt;
 *   want.starts/ends in seconds from 00:00). A server's unfilled is the
 *   product's window rule: over its live rooms whose window overlaps the
 *   new room's (room.start < end and room.end > start), the seats booked
 *   that are not taken, summed (not their peak: a deliberate over-count,
 *   what the SQL computes). A room whose people have arrived has all its
 *   seats taken and counts 0 (its people are in the measured score), so
 *   only rooms not started count. "booked no" passes 0 instead (measured
 *   load only: how MRB placed before booked capacity).
 * - Three servers die between 08:00 and 20:00; each of their rooms, booked
 *   or started, is placed again at that minute over the living servers
 *   (same region rule and tags, unfilled by the same rule for the moved
 *   room's own window); a started room's people arrive there at once.
 * - When people arrive (a room's start, or its move), the server's
 *   measured score after that minute's arrivals is judged: over [score]
 *   limit is an over-limit arrival, and a violation when another living
 *   server of the room's region, with the tags it needs, measured room for
 *   it (score + size x seat <= limit) at that moment.
 *
 * - [score] rebalance (room.c, rebalance_on_arrival()): as a room's people
 *   arrive, its server is judged now (measured score plus the seats booked
 *   by rooms whose start has come, this one's among them: place_server
 *   .due); over its limit, the still-empty room moves to the first server
 *   place_order() gives (its own left out) if that one has room for its
 *   people now (place_fits_now()), else stays. Moves of started rooms and
 *   rooms whose start has come are "arriving" (place_want.arriving).
 *
 * The same day (servers, rooms, deaths) is replayed six times: spread and
 * pack, each with measured load only ("no": how MRB placed before booked
 * capacity), bookings counted ("yes"), and bookings counted with the
 * rebalance ("yes+rb", the product's defaults). --check exits 1 unless
 * both "yes+rb" runs have no violation: the goal.
 * Deterministic: one seed, its own PRNG (xorshift64*).
 *
 * Reading it: with bookings counted and no rebalance, a server can pass
 * its limit only through a placement where no server the room may use
 * fits (the no-fit column). When nothing fits, place_order() takes the
 * lowest place_load(), and for a room booked ahead that is not the load
 * at its hour: the score is measured now, so it still counts people whose
 * rooms end before this one starts, and unfilled adds up bookings that
 * follow one another as if they were at once. Both over-counts make
 * servers look full hours before they are, and unevenly, so "yes" leaves
 * some violations on every seed. The rebalance fixes the outcome rather
 * than the forecast: each arrival on a server over its limit moves to one
 * with room now, so a server passes its limit only when no server of the
 * region had room for the arriving room at that moment. */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "place.h"
#include "servers.h" /* SERVERS_TRIES */

#define DAY_MINUTES 1440
#define LEAD_MIN 10 /* minutes a room is booked ahead of its start */
#define LEAD_MAX 240
#define LENGTH_MIN 30 /* minutes a room lasts */
#define LENGTH_MAX 90
#define PEOPLE_MIN 2 /* people (and seats booked) per room */
#define PEOPLE_MAX 10
#define SLOT_MINUTES 30 /* rooms start at :00 and :30 */
#define SLOTS (DAY_MINUTES / SLOT_MINUTES)
#define PEAK_HOUR 14.0  /* UTC */
#define PEAK_WIDTH 3.0  /* hours, the curve's standard deviation */
#define NIGHT_FLOOR 0.08 /* the curve's floor, relative to 1 at the peak */
#define PEAK_FILL 0.78  /* default demand: people at the peak / fleet capacity */
#define REQUIRED_SHARE 0.10
#define RECORDING_ROOMS 0.05
#define RECORDING_SERVERS 0.10
#define BASE_SCORE 3.0
#define BASE_NOISE 0.5
#define DEATHS 3
#define DEATHS_FROM (8 * 60)
#define DEATHS_UNTIL (20 * 60)
#define PROBE_ROOMS 100000 /* rooms generated to size the default demand: enough that the probe's own noise is ~1 % */
#define NEVER INT_MAX
#define MINUTE_SECONDS 60LL /* place_want's window is in seconds (the day starts at 0) */
/* Scores are sums of doubles taken in different orders (the booking's
 * forecast and the later measurement): a difference this small is
 * rounding, not a person (one person is [score] seat, 0.15 by default). */
#define LOAD_EPSILON 1e-9

/* Bookings start before midnight (a 00:00 room booked 240 min ahead) and
 * the last rooms end after it: the replay covers both tails. */
#define FIRST_MINUTE (-LEAD_MAX)
#define LAST_MINUTE (DAY_MINUTES - SLOT_MINUTES + LENGTH_MAX)
#define SPAN (LAST_MINUTE - FIRST_MINUTE + 1)

static const struct region {
    const char *name;
    double share; /* of the servers, and of the demand */
} regions[] = {{"eu", 0.50}, {"us", 0.30}, {"ap", 0.20}};
#define NREGIONS ((int)(sizeof(regions) / sizeof(regions[0])))

/* ---- a deterministic PRNG: splitmix64 to seed, xorshift64* to draw ---- */

struct rng {
    uint64_t state;
};

static void rng_seed(struct rng *g, uint64_t seed)
{
    uint64_t z = seed + 0x9E3779B97F4A7C15ULL;

    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    g->state = z ? z : 1; /* xorshift never leaves 0 */
}

static uint64_t rng_next(struct rng *g)
{
    uint64_t x = g->state;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    g->state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* Uniform in [0, 1). */
static double rng_unit(struct rng *g)
{
    return (double)(rng_next(g) >> 11) * 0x1.0p-53;
}

/* Uniform in [lo, hi]; the modulo bias is below 2^-50 for these ranges. */
static int rng_int(struct rng *g, int lo, int hi)
{
    return lo + (int)(rng_next(g) % (uint64_t)(hi - lo + 1));
}

/* ---- the day: servers, rooms and deaths, shared by the four runs ---- */

struct server {
    int region;
    int recording;
    double base;  /* its measured score with nobody on it */
    int dies_at;  /* minute, or NEVER */
};

struct room {
    int booked_at, start, end; /* minutes from 00:00 UTC; booked_at may be < 0 */
    int size;
    int region;
    int region_required;
    int recording;
};

/* Rooms indexed by the minute of one kind of event (a counting sort). */
struct bucket {
    int *first; /* SPAN + 1 offsets into rooms */
    int *rooms;
};

struct day {
    int nservers, nrooms, nrecording;
    struct server *servers;
    struct room *rooms;
    struct bucket books, starts, ends;
    double peak_fill; /* people at the peak / fleet capacity */
    int peak_minute;
};

struct options {
    long servers, rooms, seed;
    double limit, pack_limit, seat, fill;
    int check;
};

static const char *server_tags(const struct server *s)
{
    return s->recording ? "recording" : "";
}

static const char *room_tags(const struct room *r)
{
    return r->recording ? "recording" : "";
}

/* Regions in contiguous blocks of servers by share, ~10 % of each block
 * (at least one) tagged, spread through the block. */
static void servers_make(struct day *d, struct rng *g)
{
    int from = 0;

    d->nrecording = 0;
    for (int k = 0; k < NREGIONS; k++) {
        int count = k == NREGIONS - 1 ? d->nservers - from : (int)lround(regions[k].share * d->nservers);
        int tagged = (int)lround(RECORDING_SERVERS * count);
        if (tagged < 1)
            tagged = 1;
        for (int i = 0; i < count; i++) {
            struct server *s = &d->servers[from + i];
            s->region = k;
            s->recording = i % (count / tagged) == 0 && i / (count / tagged) < tagged;
            s->base = BASE_SCORE + BASE_NOISE * rng_unit(g);
            s->dies_at = NEVER;
            d->nrecording += s->recording;
        }
        from += count;
    }
}

/* Recording servers of each region that no death is planned for. */
static void recording_left(const struct day *d, int left[NREGIONS])
{
    memset(left, 0, NREGIONS * sizeof(*left));
    for (int i = 0; i < d->nservers; i++)
        left[d->servers[i].region] += d->servers[i].recording && d->servers[i].dies_at == NEVER;
}

static int may_die(const struct server *s, const int left[NREGIONS])
{
    return s->dies_at == NEVER && (!s->recording || left[s->region] > 1);
}

/* DEATHS servers die at random minutes of the working day. A region's last
 * recording server is spared: its required recording rooms would have
 * nowhere to go, which is no placement's fault. */
static void deaths_make(struct day *d, struct rng *g)
{
    for (int k = 0; k < DEATHS; k++) {
        int left[NREGIONS], candidates = 0, pick;
        recording_left(d, left);
        for (int i = 0; i < d->nservers; i++)
            candidates += may_die(&d->servers[i], left);
        if (candidates == 0)
            return;
        pick = rng_int(g, 0, candidates - 1);
        for (int i = 0; i < d->nservers; i++)
            if (may_die(&d->servers[i], left) && pick-- == 0) {
                d->servers[i].dies_at = rng_int(g, DEATHS_FROM, DEATHS_UNTIL - 1);
                break;
            }
    }
}

/* The demand curve: relative weight of rooms starting in a half-hour slot. */
static double slot_weight(int slot)
{
    double h = slot * (SLOT_MINUTES / 60.0) - PEAK_HOUR;

    return NIGHT_FLOOR + exp(-h * h / (2 * PEAK_WIDTH * PEAK_WIDTH));
}

static int draw_slot(struct rng *g, const double *cumulative)
{
    double u = rng_unit(g) * cumulative[SLOTS - 1];
    int slot = 0;

    while (slot < SLOTS - 1 && u >= cumulative[slot])
        slot++;
    return slot;
}

static int draw_region(struct rng *g)
{
    double u = rng_unit(g), acc = 0;

    for (int k = 0; k < NREGIONS - 1; k++) {
        acc += regions[k].share;
        if (u < acc)
            return k;
    }
    return NREGIONS - 1;
}

static void rooms_make(struct room *rooms, int n, struct rng *g)
{
    double cumulative[SLOTS], acc = 0;

    for (int s = 0; s < SLOTS; s++)
        cumulative[s] = acc += slot_weight(s);
    for (int i = 0; i < n; i++) {
        struct room *r = &rooms[i];
        r->start = draw_slot(g, cumulative) * SLOT_MINUTES;
        r->end = r->start + rng_int(g, LENGTH_MIN, LENGTH_MAX);
        r->booked_at = r->start - rng_int(g, LEAD_MIN, LEAD_MAX);
        r->size = rng_int(g, PEOPLE_MIN, PEOPLE_MAX);
        r->region = draw_region(g);
        r->region_required = rng_unit(g) < REQUIRED_SHARE;
        r->recording = rng_unit(g) < RECORDING_ROOMS;
    }
}

/* People a server holds at most: its headroom over its idle base. */
static double fleet_capacity(const struct day *d, const struct options *o)
{
    double people = 0;

    for (int i = 0; i < d->nservers; i++)
        people += (o->limit - d->servers[i].base) / o->seat;
    return people;
}

/* The most people present at once over the day, and when. */
static long long peak_people(const struct room *rooms, int n, int *minute)
{
    long long delta[SPAN + 1], now = 0, peak = 0;

    memset(delta, 0, sizeof(delta));
    for (int i = 0; i < n; i++) {
        delta[rooms[i].start - FIRST_MINUTE] += rooms[i].size;
        delta[rooms[i].end - FIRST_MINUTE] -= rooms[i].size;
    }
    *minute = 0;
    for (int m = 0; m < SPAN; m++) {
        now += delta[m];
        if (now > peak) {
            peak = now;
            *minute = m + FIRST_MINUTE;
        }
    }
    return peak;
}

/* The default demand: probe PROBE_ROOMS rooms of the same curve and scale
 * them so that the peak fills the fleet to o->fill. */
static int default_rooms(const struct day *d, const struct options *o, uint64_t seed)
{
    struct room *probe = malloc(PROBE_ROOMS * sizeof(*probe));
    struct rng g;
    long long peak;
    int minute;
    double rooms;

    if (probe == NULL)
        return -1;
    rng_seed(&g, seed);
    rooms_make(probe, PROBE_ROOMS, &g);
    peak = peak_people(probe, PROBE_ROOMS, &minute);
    free(probe);
    rooms = PROBE_ROOMS * o->fill * fleet_capacity(d, o) / (double)(peak > 0 ? peak : 1);
    return rooms < 1 ? 1 : rooms > INT_MAX / 2 ? INT_MAX / 2 : (int)lround(rooms);
}

enum event { EV_BOOK, EV_START, EV_END };

static int event_minute(const struct room *r, enum event e)
{
    return e == EV_BOOK ? r->booked_at : e == EV_START ? r->start : r->end;
}

static int bucket_make(struct bucket *b, const struct room *rooms, int n, enum event e)
{
    int *fill;

    b->first = calloc(SPAN + 1, sizeof(*b->first));
    b->rooms = malloc((n ? (size_t)n : 1) * sizeof(*b->rooms));
    fill = calloc(SPAN, sizeof(*fill));
    if (b->first == NULL || b->rooms == NULL || fill == NULL) {
        free(fill);
        return -1;
    }
    for (int i = 0; i < n; i++)
        b->first[event_minute(&rooms[i], e) - FIRST_MINUTE + 1]++;
    for (int m = 0; m < SPAN; m++)
        b->first[m + 1] += b->first[m];
    for (int i = 0; i < n; i++) {
        int m = event_minute(&rooms[i], e) - FIRST_MINUTE;
        b->rooms[b->first[m] + fill[m]++] = i; /* rooms of a minute in index order */
    }
    free(fill);
    return 0;
}

static void bucket_free(struct bucket *b)
{
    free(b->first);
    free(b->rooms);
}

static int day_make(struct day *d, const struct options *o)
{
    struct rng servers_rng, deaths_rng, rooms_rng;
    /* one stream per part of the day, so --rooms leaves servers and deaths
     * as they were */
    uint64_t seed = (uint64_t)o->seed;

    rng_seed(&servers_rng, seed * 3 + 1);
    rng_seed(&deaths_rng, seed * 3 + 2);
    d->nservers = (int)o->servers;
    d->servers = calloc((size_t)d->nservers, sizeof(*d->servers));
    if (d->servers == NULL)
        return -1;
    servers_make(d, &servers_rng);
    deaths_make(d, &deaths_rng);
    d->nrooms = o->rooms > 0 ? (int)o->rooms : default_rooms(d, o, seed * 3 + 3);
    if (d->nrooms < 0)
        return -1;
    d->rooms = malloc((size_t)d->nrooms * sizeof(*d->rooms));
    if (d->rooms == NULL)
        return -1;
    rng_seed(&rooms_rng, seed * 3 + 3);
    rooms_make(d->rooms, d->nrooms, &rooms_rng);
    d->peak_fill = (double)peak_people(d->rooms, d->nrooms, &d->peak_minute) / fleet_capacity(d, o);
    if (bucket_make(&d->books, d->rooms, d->nrooms, EV_BOOK) != 0 ||
        bucket_make(&d->starts, d->rooms, d->nrooms, EV_START) != 0 ||
        bucket_make(&d->ends, d->rooms, d->nrooms, EV_END) != 0)
        return -1;
    return 0;
}

static void day_free(struct day *d)
{
    free(d->servers);
    free(d->rooms);
    bucket_free(&d->books);
    bucket_free(&d->starts);
    bucket_free(&d->ends);
}

/* ---- one run: a strategy, with booked capacity counted or not ---- */

enum room_state { ROOM_WAITING, ROOM_BOOKED, ROOM_STARTED, ROOM_ENDED, ROOM_NOWHERE };

struct room_run {
    enum room_state state;
    int server;
    int prev, next; /* in its server's list of booked or of started rooms */
    int arrived_at; /* the last minute its people arrived somewhere */
};

struct server_run {
    int alive;
    long long present;  /* people on it now */
    int booked, started; /* list heads (room indices), -1 when empty */
    double peak;        /* its highest measured score */
};

struct result {
    double peak_max, peak_avg;
    long over, violations;
    double off_hours;
    long placed, moved, unplaced, lost;
    long no_fit; /* placements on a server that place_fits() called full */
    long rebalanced, stayed; /* empty rooms moved as their people arrived, or left (no server had room) */
};

struct sim {
    const struct day *day;
    struct mrb_conf conf;
    int count_booked;
    int rebalance; /* [score] rebalance: an empty room on a server over its limit moves as its people arrive */
    struct server_run *srv;
    /* Seats of each server's booked (not started) rooms, in two Fenwick
     * trees over the replay's minutes (FENWICK_SIZE ints per server): by
     * the minute the rooms start, and by the minute they end. */
    int *by_start, *by_end;
    struct room_run *rr;
    struct place_server *view; /* the living servers, as place_order() sees them */
    int *view_server;          /* view index -> server index */
    size_t *order;
    int now; /* the minute being replayed */
    int *arrivals; /* rooms whose people arrived this minute, each once */
    int narrivals;
    struct result res;
};

/* A Fenwick tree's slots: one per minute of the replay, 1-based. */
#define FENWICK_SIZE (SPAN + 1)

/* Adds seats at minute t (FIRST_MINUTE..LAST_MINUTE) of one server's tree. */
static void fenwick_add(int *tree, int t, int seats)
{
    for (int i = t - FIRST_MINUTE + 1; i < FENWICK_SIZE; i += i & -i)
        tree[i] += seats;
}

/* Seats at minutes <= t of one server's tree. */
static long long fenwick_upto(const int *tree, int t)
{
    long long sum = 0;

    if (t > LAST_MINUTE)
        t = LAST_MINUTE;
    for (int i = t - FIRST_MINUTE + 1; i > 0; i -= i & -i)
        sum += tree[i];
    return sum;
}

/* The product's unfilled seats of a server for a room of window [from,
 * to): the seats of its booked rooms whose window overlaps it (start < to
 * and end > from), summed. A started room's seats are all taken: it is
 * not in the trees. The rooms that end at or before from all start before
 * to, so they are a part of the first sum. */
static long long unfilled_in(const struct sim *s, int server, int from, int to)
{
    size_t at = (size_t)server * FENWICK_SIZE;

    return fenwick_upto(s->by_start + at, to - 1) - fenwick_upto(s->by_end + at, from);
}

static double measured(const struct sim *s, int server)
{
    return s->day->servers[server].base + s->conf.score.seat * (double)s->srv[server].present;
}

static int *list_head(struct sim *s, int room)
{
    struct server_run *v = &s->srv[s->rr[room].server];

    return s->rr[room].state == ROOM_STARTED ? &v->started : &v->booked;
}

/* A booked room's seats in its server's trees (seats < 0 takes them out). */
static void booking_count(struct sim *s, int room, int seats)
{
    const struct room *fixed = &s->day->rooms[room];
    size_t at = (size_t)s->rr[room].server * FENWICK_SIZE;

    fenwick_add(s->by_start + at, fixed->start, seats);
    fenwick_add(s->by_end + at, fixed->end, seats);
}

/* Puts a booked or started room on s->rr[room].server: its seats become
 * seats booked on the server for its window, or its people the server's
 * people. */
static void room_attach(struct sim *s, int room)
{
    struct room_run *r = &s->rr[room];
    int *head = list_head(s, room);
    int size = s->day->rooms[room].size;

    r->prev = -1;
    r->next = *head;
    if (*head >= 0)
        s->rr[*head].prev = room;
    *head = room;
    if (r->state == ROOM_STARTED)
        s->srv[r->server].present += size;
    else
        booking_count(s, room, size);
}

static void room_detach(struct sim *s, int room)
{
    struct room_run *r = &s->rr[room];
    int *head = list_head(s, room);
    int size = s->day->rooms[room].size;

    if (r->prev >= 0)
        s->rr[r->prev].next = r->next;
    else
        *head = r->next;
    if (r->next >= 0)
        s->rr[r->next].prev = r->prev;
    r->prev = r->next = -1;
    if (r->state == ROOM_STARTED)
        s->srv[r->server].present -= size;
    else
        booking_count(s, room, -size);
}

/* Server i as the product would read it now for a room of window [from,
 * to): fresh, of weight 1, not suspect, unfilled for the window and due
 * for now (unfilled_in()); with "booked no", no bookings at all. */
static struct place_server server_view(const struct sim *s, int i, int from, int to)
{
    const struct server *fixed = &s->day->servers[i];

    return (struct place_server){.score = measured(s, i),
                                 .weight = 1,
                                 .fresh = 1,
                                 .suspect = 0,
                                 .unfilled = s->count_booked ? unfilled_in(s, i, from, to) : 0,
                                 .due = s->count_booked ? unfilled_in(s, i, s->now, s->now + 1) : 0,
                                 .region = regions[fixed->region].name,
                                 .tags = server_tags(fixed)};
}

/* The living servers but skip (-1: none) as the product would read them
 * now for the room: its window starts now at the earliest (a move of a
 * started room), as servers_move_room() has it. */
static size_t view_fill(struct sim *s, int room, int skip)
{
    const struct room *r = &s->day->rooms[room];
    size_t n = 0;

    for (int i = 0; i < s->day->nservers; i++) {
        if (!s->srv[i].alive || i == skip)
            continue;
        s->view[n] = server_view(s, i, r->start > s->now ? r->start : s->now, r->end);
        s->view_server[n++] = i;
    }
    return n;
}

/* The room as create-room and moves ask for it (servers_want()). */
static struct place_want room_want(const struct sim *s, int room)
{
    const struct room *r = &s->day->rooms[room];

    return (struct place_want){.region = regions[r->region].name,
                               .region_required = r->region_required,
                               .tags = room_tags(r),
                               .seats = r->size,
                               .starts = MINUTE_SECONDS * (r->start > s->now ? r->start : s->now),
                               .ends = MINUTE_SECONDS * r->end,
                               .arriving = r->start <= s->now};
}

/* The server place_order() puts first for the room, -1 when none may take
 * it. A first server that does not fit (place_fits()) means every server
 * the room may use looked full: counted, since only such a placement can
 * take a server over its limit when bookings are counted. */
static int choose_server(struct sim *s, int room)
{
    struct place_want want = room_want(s, room);
    size_t n = view_fill(s, room, -1), m = place_order(&s->conf, s->view, n, &want, s->order);

    if (m == PLACE_NOMEM) {
        fprintf(stderr, "placesim: out of memory\n");
        exit(2);
    }
    if (m == 0)
        return -1;
    if (!place_fits(&s->conf, &s->view[s->order[0]], &want))
        s->res.no_fit++;
    return s->view_server[s->order[0]];
}

/* Notes that the room's people arrived this minute, to judge their server
 * once the minute's arrivals are all in (a room moved twice in a minute,
 * when two servers die at once, is judged once, where it ends). */
static void arrive(struct sim *s, int room)
{
    if (s->rr[room].arrived_at == s->now)
        return;
    s->rr[room].arrived_at = s->now;
    s->arrivals[s->narrivals++] = room;
}

static void room_book(struct sim *s, int room)
{
    int server = choose_server(s, room);

    if (server < 0) {
        s->rr[room].state = ROOM_NOWHERE;
        s->res.unplaced++;
        return;
    }
    s->rr[room].state = ROOM_BOOKED;
    s->rr[room].server = server;
    room_attach(s, room);
    s->res.placed++;
}

/* join-room's rebalance at arrival (room.c, rebalance_on_arrival()): the
 * room's first person comes, its server is over its limit now (its
 * measured load plus the seats due now, this room's among them); the
 * empty room moves to the first of the SERVERS_TRIES best servers
 * place_order() gives for it, its own left out, that has room for its
 * people now, and else stays. */
static void rebalance(struct sim *s, int room)
{
    struct room_run *r = &s->rr[room];
    struct place_server own = server_view(s, r->server, s->now, s->now + 1);
    struct place_want want = room_want(s, room);
    size_t n;

    if (!place_over_now(&s->conf, &own))
        return;
    n = place_order(&s->conf, s->view, view_fill(s, room, r->server), &want, s->order);
    if (n == PLACE_NOMEM) {
        fprintf(stderr, "placesim: out of memory\n");
        exit(2);
    }
    for (size_t k = 0; k < n && k < SERVERS_TRIES; k++) {
        if (!place_fits_now(&s->conf, &s->view[s->order[k]], &want))
            continue;
        room_detach(s, room);
        r->server = s->view_server[s->order[k]];
        room_attach(s, room);
        s->res.rebalanced++;
        return;
    }
    s->res.stayed++;
}

static void room_start(struct sim *s, int room)
{
    if (s->rr[room].state != ROOM_BOOKED)
        return; /* placed nowhere, or lost with its server */
    if (s->rebalance)
        rebalance(s, room);
    room_detach(s, room);
    s->rr[room].state = ROOM_STARTED;
    room_attach(s, room);
    arrive(s, room);
}

static void room_end(struct sim *s, int room)
{
    if (s->rr[room].state != ROOM_STARTED)
        return;
    room_detach(s, room);
    s->rr[room].state = ROOM_ENDED;
}

/* A room of a dead server, already detached, placed again; a started
 * room's people arrive on its new server at once. */
static void room_move(struct sim *s, int room)
{
    int server = choose_server(s, room);

    if (server < 0) {
        s->rr[room].state = ROOM_NOWHERE;
        s->res.lost++;
        return;
    }
    s->rr[room].server = server;
    room_attach(s, room);
    s->res.moved++;
    if (s->rr[room].state == ROOM_STARTED)
        arrive(s, room);
}

static void server_die(struct sim *s, int server)
{
    struct server_run *v = &s->srv[server];

    v->alive = 0;
    while (v->started >= 0 || v->booked >= 0) {
        int room = v->started >= 0 ? v->started : v->booked;
        room_detach(s, room);
        room_move(s, room);
    }
}

/* Another living server of the room's region, with its tags, that measures
 * room for its people now. */
static int region_had_room(const struct sim *s, int room, int server)
{
    const struct room *r = &s->day->rooms[room];
    double need = s->conf.score.seat * r->size;

    for (int i = 0; i < s->day->nservers; i++) {
        const struct server *other = &s->day->servers[i];
        if (i == server || !s->srv[i].alive || other->region != r->region ||
            !conf_tags_cover(server_tags(other), room_tags(r)))
            continue;
        if (measured(s, i) + need <= s->conf.score.limit)
            return 1;
    }
    return 0;
}

/* Judged after all of a minute's arrivals: people who arrive at the same
 * minute are on the server together. */
static void judge_arrivals(struct sim *s)
{
    for (int k = 0; k < s->narrivals; k++) {
        int room = s->arrivals[k], server = s->rr[room].server;
        if (s->rr[room].state != ROOM_STARTED || measured(s, server) <= s->conf.score.limit + LOAD_EPSILON)
            continue;
        s->res.over++;
        s->res.violations += region_had_room(s, room, server);
    }
    s->narrivals = 0;
}

/* End of a minute: peaks, and the servers nothing is on or booked for
 * (they could be off; only the day's own minutes count). */
static void sample_minute(struct sim *s, int t)
{
    for (int i = 0; i < s->day->nservers; i++) {
        struct server_run *v = &s->srv[i];
        double load;
        if (!v->alive)
            continue;
        load = measured(s, i);
        if (load > v->peak)
            v->peak = load;
        if (t >= 0 && t < DAY_MINUTES && v->booked < 0 && v->started < 0)
            s->res.off_hours += 1.0 / 60;
    }
}

static void minute_run(struct sim *s, int t)
{
    const struct day *d = s->day;
    int m = t - FIRST_MINUTE;

    s->now = t;
    /* people leave before the next room's people come in */
    for (int k = d->ends.first[m]; k < d->ends.first[m + 1]; k++)
        room_end(s, d->ends.rooms[k]);
    for (int i = 0; i < d->nservers; i++)
        if (d->servers[i].dies_at == t)
            server_die(s, i);
    for (int k = d->starts.first[m]; k < d->starts.first[m + 1]; k++)
        room_start(s, d->starts.rooms[k]);
    for (int k = d->books.first[m]; k < d->books.first[m + 1]; k++)
        room_book(s, d->books.rooms[k]);
    judge_arrivals(s);
    sample_minute(s, t);
}

static void result_peaks(struct sim *s)
{
    double sum = 0;

    for (int i = 0; i < s->day->nservers; i++) {
        if (s->srv[i].peak > s->res.peak_max)
            s->res.peak_max = s->srv[i].peak;
        sum += s->srv[i].peak;
    }
    s->res.peak_avg = sum / s->day->nservers;
}

static int simulate(const struct day *d, const struct options *o, int pack, int count_booked, int rebalance_on,
                    struct result *out)
{
    struct sim s;
    size_t n = (size_t)d->nservers, rooms = d->nrooms ? (size_t)d->nrooms : 1;
    int rc = -1;

    memset(&s, 0, sizeof(s));
    s.day = d;
    s.count_booked = count_booked;
    s.rebalance = rebalance_on;
    s.conf.score.limit = o->limit;
    s.conf.score.pack_limit = o->pack_limit;
    s.conf.score.seat = o->seat;
    s.conf.score.pack = pack;
    s.srv = calloc(n, sizeof(*s.srv));
    s.by_start = calloc(n * FENWICK_SIZE, sizeof(*s.by_start));
    s.by_end = calloc(n * FENWICK_SIZE, sizeof(*s.by_end));
    s.rr = calloc(rooms, sizeof(*s.rr));
    s.view = calloc(n, sizeof(*s.view));
    s.view_server = calloc(n, sizeof(*s.view_server));
    s.order = calloc(n, sizeof(*s.order));
    s.arrivals = calloc(rooms, sizeof(*s.arrivals));
    if (!s.srv || !s.by_start || !s.by_end || !s.rr || !s.view || !s.view_server || !s.order || !s.arrivals)
        goto err;
    for (size_t i = 0; i < n; i++)
        s.srv[i] = (struct server_run){.alive = 1, .booked = -1, .started = -1};
    for (int r = 0; r < d->nrooms; r++)
        s.rr[r] = (struct room_run){
            .state = ROOM_WAITING, .server = -1, .prev = -1, .next = -1, .arrived_at = FIRST_MINUTE - 1};
    for (int t = FIRST_MINUTE; t <= LAST_MINUTE; t++)
        minute_run(&s, t);
    result_peaks(&s);
    *out = s.res;
    rc = 0;
err:
    free(s.srv);
    free(s.by_start);
    free(s.by_end);
    free(s.rr);
    free(s.view);
    free(s.view_server);
    free(s.order);
    free(s.arrivals);
    return rc;
}

/* ---- options and report ---- */

static void usage(FILE *f)
{
    fprintf(f, "usage: placesim [--servers N] [--rooms N] [--seed N] [--limit X] [--pack-limit X]\n"
               "                [--seat X] [--fill F] [--short] [--check]\n"
               "  --rooms   rooms booked in the day (default: sized so the peak fills --fill,\n"
               "            %.2f, of the fleet if perfectly balanced)\n"
               "  --short   a small, fast day: 30 servers\n"
               "  --check   exit 1 unless both \"yes+rb\" runs (the defaults) have no violation\n",
            PEAK_FILL);
}

static int parse_long(const char *arg, long lo, long hi, long *out)
{
    char *end;
    long v;

    if (arg == NULL)
        return -1;
    v = strtol(arg, &end, 10);
    if (end == arg || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int parse_double(const char *arg, double lo, double hi, double *out)
{
    char *end;
    double v;

    if (arg == NULL)
        return -1;
    v = strtod(arg, &end);
    if (end == arg || *end != '\0' || !(v >= lo && v <= hi))
        return -1;
    *out = v;
    return 0;
}

static int parse_options(int argc, char **argv, struct options *o)
{
    int short_day = 0, servers_given = 0;

    *o = (struct options){.servers = 120, .rooms = 0, .seed = 1, .limit = 100, .pack_limit = 70,
                          .seat = 0.15, .fill = PEAK_FILL, .check = 0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int bad = 0, takes_value = 1;
        if (strcmp(a, "--servers") == 0)
            bad = parse_long(v, 10, 100000, &o->servers), servers_given = 1;
        else if (strcmp(a, "--rooms") == 0)
            bad = parse_long(v, 1, 50000000, &o->rooms);
        else if (strcmp(a, "--seed") == 0)
            bad = parse_long(v, 0, LONG_MAX, &o->seed);
        else if (strcmp(a, "--limit") == 0)
            bad = parse_double(v, 1, 1e6, &o->limit);
        else if (strcmp(a, "--pack-limit") == 0)
            bad = parse_double(v, 1, 1e6, &o->pack_limit);
        else if (strcmp(a, "--seat") == 0)
            bad = parse_double(v, 1e-6, 1000, &o->seat);
        else if (strcmp(a, "--fill") == 0)
            bad = parse_double(v, 0.01, 10, &o->fill);
        else if (strcmp(a, "--short") == 0)
            short_day = 1, takes_value = 0;
        else if (strcmp(a, "--check") == 0)
            o->check = 1, takes_value = 0;
        else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            exit(0);
        } else {
            fprintf(stderr, "placesim: unknown option '%s'\n", a);
            usage(stderr);
            return -1;
        }
        if (bad) {
            fprintf(stderr, "placesim: %s needs a valid value, not '%s'\n", a, v ? v : "(none)");
            return -1;
        }
        i += takes_value;
    }
    if (short_day && !servers_given)
        o->servers = 30;
    if (o->pack_limit > o->limit) {
        fprintf(stderr, "placesim: --pack-limit (%g) exceeds --limit (%g), as [score] forbids\n", o->pack_limit,
                o->limit);
        return -1;
    }
    if (o->limit <= BASE_SCORE + BASE_NOISE) {
        fprintf(stderr, "placesim: --limit must exceed an idle server's score (%g)\n", BASE_SCORE + BASE_NOISE);
        return -1;
    }
    return 0;
}

static void print_header(const struct day *d, const struct options *o)
{
    int deaths = 0;

    for (int i = 0; i < d->nservers; i++)
        deaths += d->servers[i].dies_at != NEVER;
    printf("placesim: %d servers in %d regions, %d rooms, seed %ld, limit %g, pack_limit %g, seat %g\n", d->nservers,
           NREGIONS, d->nrooms, o->seed, o->limit, o->pack_limit, o->seat);
    printf("day: peak %.0f%% of fleet capacity at %02d:%02d UTC, %d recording servers, %d die 08:00-20:00\n",
           100 * d->peak_fill, d->peak_minute / 60, d->peak_minute % 60, d->nrecording, deaths);
}

/* The runs, in the order of the table: per strategy, measured load only
 * (how MRB placed before booked capacity), bookings counted, and bookings
 * counted with [score] rebalance (the product's defaults). */
static const struct run {
    const char *strategy, *booked;
    int pack, count_booked, rebalance;
} runs[] = {
    {"spread", "no", 0, 0, 0}, {"spread", "yes", 0, 1, 0}, {"spread", "yes+rb", 0, 1, 1},
    {"pack", "no", 1, 0, 0},   {"pack", "yes", 1, 1, 0},   {"pack", "yes+rb", 1, 1, 1},
};
#define NRUNS ((int)(sizeof(runs) / sizeof(runs[0])))

static void print_results(const struct day *d, const struct result res[NRUNS])
{
    long unplaced = 0;

    printf("strategy  booked  peak/avg       over-limit  violations  off-hours  placed  moved  no-fit  rebalanced\n");
    for (int k = 0; k < NRUNS; k++) {
        char peaks[64];
        snprintf(peaks, sizeof(peaks), "%.2f/%.2f", res[k].peak_max, res[k].peak_avg);
        printf("%-8s  %-6s  %-13s  %10ld  %10ld  %9.1f  %6ld  %5ld  %6ld  %10ld\n", runs[k].strategy, runs[k].booked,
               peaks, res[k].over, res[k].violations, res[k].off_hours, res[k].placed, res[k].moved, res[k].no_fit,
               res[k].rebalanced);
        unplaced += res[k].unplaced + res[k].lost;
    }
    printf("peak/avg: measured score, worst server / mean of all %d servers (the dead until they died)\n"
           "over-limit, violations: arrivals (rooms starting, started rooms moved); "
           "no-fit: placements on a server place_fits() called full\n"
           "yes+rb: with [score] rebalance (the default): an empty room on a server over its limit moves as its "
           "people arrive (rebalanced)\n",
           d->nservers);
    if (unplaced > 0)
        for (int k = 0; k < NRUNS; k++)
            printf("%s/%s: %ld rooms placed nowhere, %ld lost with their server\n", runs[k].strategy, runs[k].booked,
                   res[k].unplaced, res[k].lost);
}

int main(int argc, char **argv)
{
    struct options o;
    struct day d;
    struct result res[NRUNS];
    int rc = 2;

    memset(&d, 0, sizeof(d));
    memset(res, 0, sizeof(res));
    if (parse_options(argc, argv, &o) != 0)
        return 2;
    if (day_make(&d, &o) != 0) {
        fprintf(stderr, "placesim: out of memory\n");
        goto err;
    }
    print_header(&d, &o);
    for (int k = 0; k < NRUNS; k++)
        if (simulate(&d, &o, runs[k].pack, runs[k].count_booked, runs[k].rebalance, &res[k]) != 0) {
            fprintf(stderr, "placesim: out of memory\n");
            goto err;
        }
    print_results(&d, res);
    rc = 0;
    if (o.check && (res[2].violations != 0 || res[5].violations != 0)) {
        fprintf(stderr, "placesim: check failed: with the product's defaults (bookings counted, rebalance), %ld "
                        "(spread) and %ld (pack) arrivals went over limit while their region had room\n",
                res[2].violations, res[5].violations);
        rc = 1;
    }
err:
    day_free(&d);
    return rc;
}
