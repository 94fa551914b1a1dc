#ifndef MRB_PLACE_H
#define MRB_PLACE_H

/* Placement's choice among media servers, once their scores are known:
 * booked capacity, regions and tags, spread or pack, suspect servers last.
 * Pure: no I/O (servers.c reads the rows; bench/placesim replays a day
 * through the same function). docs/DESIGN.md, "Placement and scoring",
 * gives the rule and a worked example. */

#include <stddef.h>

#include "conf.h"

/* A server as placement weighs it. Strings are borrowed. */
struct place_server {
    double score;        /* score_compute() now: measured load and pending hints */
    double weight;       /* the operator's multiplier */
    int fresh;           /* its metrics are fresh (score_fresh()) */
    int suspect;         /* its people could not reach it lately (reports.h) */
    long long unfilled;  /* seats its live rooms booked for the room's window that nobody has taken yet */
    const char *region;  /* "" when it has none */
    const char *tags;    /* canonical (conf_tags_canon()), "" for none */
    /* Of its bookings, the seats of rooms whose start has come and that
     * nobody has taken: people due now. With score, its load now. */
    long long due;
};

/* What a room asks of its server. Strings are borrowed. */
struct place_want {
    const char *region;  /* "" for none */
    int region_required; /* given as "!region": no other region will do */
    const char *tags;    /* canonical; every one is required ("" for none) */
    long long seats;     /* the seats it books: expectedParticipants, else maxParticipants */
    /* When its people are expected, [starts, ends) (unix s): the bookings
     * that count against a server are those whose window overlaps this
     * one (servers.c reads them; place_order() takes them as given). */
    long long starts, ends;
    /* Its people are here or due now (a room starting now, or a move of a
     * room that has started): when no server has room for it through its
     * window, one with room for it now is next best, since the bookings
     * that make the window full have not arrived and can still be moved
     * when they do (servers_arrival()). */
    int arriving;
};

/* A server's load as placement sees it: its score plus its booked,
 * unfilled seats at [score] seat each (times its weight). */
double place_load(const struct mrb_conf *c, const struct place_server *s);

/* 1 when s has room for want under [score] limit: its load plus the
 * room's seats stays at or under it. A server without fresh metrics is
 * not known to have room (it ranks after every server that has, and
 * before none that has not: see place_order()). */
int place_fits(const struct mrb_conf *c, const struct place_server *s, const struct place_want *w);

/* A server's load now: its score plus the seats due now (place_server
 * .due), at [score] seat each (times its weight). */
double place_load_now(const struct mrb_conf *c, const struct place_server *s);

/* 1 when s has room for want's people now: its load now plus the room's
 * seats stays at or under [score] limit (fresh metrics only). */
int place_fits_now(const struct mrb_conf *c, const struct place_server *s, const struct place_want *w);

/* 1 when s is over [score] limit now (place_load_now()), its metrics
 * fresh: people arriving on it would be placed on a full server. */
int place_over_now(const struct mrb_conf *c, const struct place_server *s);

/* How many more seats s can take under [score] limit (0 when full or its
 * metrics are not fresh: unknown is not headroom). */
long long place_headroom(const struct mrb_conf *c, const struct place_server *s);

/* 1 when s may take the room at all: it has every wanted tag and, for a
 * required region, is in it. */
int place_allowed(const struct place_server *s, const struct place_want *w);

/* Writes to order[] the indices of the servers of s[0..n) that may take
 * the room (place_allowed), best first, and returns how many. Best first
 * means, in this order: not suspect; fits under [score] limit through
 * the room's window (else, for a room whose people are arriving, fits
 * now); in the
 * wanted region (a preferred region falls back to others only when none of
 * its servers fits); without tags the room does not want (servers with
 * special abilities are kept for the rooms that need them); fresh metrics
 * before none; then, with [score]
 * strategy spread, the lowest place_load() first, and with pack, the
 * highest load that still fits under pack_limit with the room, then the
 * others lowest first. Ties go to the lower index. PLACE_NOMEM when it
 * could not allocate its working array (not "none may take it"). */
#define PLACE_NOMEM ((size_t)-1)
size_t place_order(const struct mrb_conf *c, const struct place_server *s, size_t n, const struct place_want *w,
                   size_t *order);

#endif
