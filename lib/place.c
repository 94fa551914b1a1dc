/* Placement's choice among media servers (place.h). */
#include <stdlib.h>
#include <string.h>

#include "place.h"

double place_load(const struct mrb_conf *c, const struct place_server *s)
{
    return s->score + s->weight * c->score.seat * (double)(s->unfilled > 0 ? s->unfilled : 0);
}

double place_load_now(const struct mrb_conf *c, const struct place_server *s)
{
    return s->score + s->weight * c->score.seat * (double)(s->due > 0 ? s->due : 0);
}

/* What the room adds to s once its seats are booked there. */
static double room_cost(const struct mrb_conf *c, const struct place_server *s, const struct place_want *w)
{
    return s->weight * c->score.seat * (double)w->seats;
}

int place_fits(const struct mrb_conf *c, const struct place_server *s, const struct place_want *w)
{
    return s->fresh && place_load(c, s) + room_cost(c, s, w) <= c->score.limit;
}

/* Scores are sums of doubles taken in different orders: a difference this
 * small is rounding, not a person (one is [score] seat, 0.15 by default). */
#define LOAD_EPSILON 1e-9

int place_fits_now(const struct mrb_conf *c, const struct place_server *s, const struct place_want *w)
{
    return s->fresh && place_load_now(c, s) + room_cost(c, s, w) <= c->score.limit + LOAD_EPSILON;
}

int place_over_now(const struct mrb_conf *c, const struct place_server *s)
{
    return s->fresh && place_load_now(c, s) > c->score.limit + LOAD_EPSILON;
}

long long place_headroom(const struct mrb_conf *c, const struct place_server *s)
{
    double per_seat = s->weight * c->score.seat, left = c->score.limit - place_load(c, s);

    if (!s->fresh || per_seat <= 0 || left <= 0)
        return 0;
    return (long long)(left / per_seat + 1e-9); /* (100 - 99.7) / 0.15 is 2, not 1.999... */
}

int place_allowed(const struct place_server *s, const struct place_want *w)
{
    if (w->region_required && strcmp(s->region, w->region) != 0)
        return 0;
    return conf_tags_cover(s->tags, w->tags);
}

/* The rank of one server: tiers compared first, in order, then key. */
struct rank {
    size_t index;
    int tier[5]; /* suspect, fit (0 its window, 1 now, 2 neither), outside the wanted region,
                  * has tags not wanted (only among servers that fit), stale */
    int packed;  /* pack: 0 for a server it fills (fits under pack_limit), else 1 */
    double key;  /* lower first */
};

static int rank_cmp(const void *pa, const void *pb)
{
    const struct rank *a = pa, *b = pb;

    for (int i = 0; i < 5; i++)
        if (a->tier[i] != b->tier[i])
            return a->tier[i] - b->tier[i];
    if (a->packed != b->packed)
        return a->packed - b->packed;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

size_t place_order(const struct mrb_conf *c, const struct place_server *s, size_t n, const struct place_want *w,
                   size_t *order)
{
    struct rank *r = malloc((n ? n : 1) * sizeof(*r));
    size_t m = 0;

    if (r == NULL)
        return PLACE_NOMEM;
    for (size_t i = 0; i < n; i++) {
        const struct place_server *v = &s[i];
        double load = place_load(c, v);
        if (!place_allowed(v, w))
            continue;
        r[m].index = i;
        r[m].tier[0] = v->suspect != 0;
        r[m].tier[1] = place_fits(c, v, w) ? 0 : w->arriving && place_fits_now(c, v, w) ? 1 : 2;
        r[m].tier[2] = w->region[0] && strcmp(v->region, w->region) != 0;
        /* keep servers with special abilities for the rooms that need them,
         * while another has room: once none has, the least loaded is best */
        r[m].tier[3] = r[m].tier[1] < 2 && !conf_tags_cover(w->tags, v->tags);
        r[m].tier[4] = !v->fresh;
        r[m].packed = 1;
        r[m].key = load;
        if (c->score.pack && v->fresh && load + room_cost(c, v, w) <= c->score.pack_limit) {
            r[m].packed = 0;
            r[m].key = -load; /* the fullest that still has room for it */
        }
        m++;
    }
    qsort(r, m, sizeof(*r), rank_cmp);
    for (size_t i = 0; i < m; i++)
        order[i] = r[i].index;
    free(r);
    return m;
}
