/* The media servers as placement and failover use them (servers.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "outbox.h"
#include "place.h"
#include "presence.h"
#include "reports.h"
#include "score.h"
#include "seat.h"
#include "servers.h"
#include "counters.h"
#include "util.h"

void servers_janus(const struct server_row *s, struct janus_server *out)
{
    out->id = s->id;
    out->admin_url = s->admin_url;
    out->admin_secret = s->admin_secret;
    out->record_dir = s->record_dir[0] ? s->record_dir : NULL;
}

enum { C_ID, C_PUB, C_ADM, C_ASEC, C_TSEC, C_BOOT, C_HEALTHY, C_WEIGHT, C_CPU, C_MEM, C_SESS, C_HAND,
       C_SOCK, C_MAT, C_PENDING, C_SCORE, C_LINK, C_TX, C_EGRESS, C_RECDIR, C_SUSPECT, C_REGION, C_TAGS, C_NCOLS };

/* A server row's columns; with the table's alias (a join), SERVER_COLUMNS_OF("s.") */
#define SERVER_COLUMNS_OF(a)                                                                                  \
    a "id, " a "public_url, " a "admin_url, " a "admin_secret, " a "token_secret, " a "boot, " a "healthy, " \
    a "weight, " a "cpu, " a "mem, " a "sessions, " a "handles, " a "sockets, " a "metrics_at, "            \
    a "pending_load, " a "score, " a "link_mbps, " a "tx_mbps, " a "pending_egress_kbps, " a "record_dir, "   \
    a "suspect_until, " a "region, " a "tags"
#define SERVER_COLUMNS SERVER_COLUMNS_OF("")

static void init_cols(struct db_col *c)
{
    static const enum db_type types[C_NCOLS] = {DB_STR, DB_STR, DB_STR, DB_STR, DB_STR, DB_INT, DB_INT, DB_DOUBLE,
                                                DB_DOUBLE, DB_DOUBLE, DB_INT, DB_INT, DB_INT, DB_INT, DB_INT,
                                                DB_DOUBLE, DB_DOUBLE, DB_DOUBLE, DB_INT, DB_STR, DB_INT, DB_STR, DB_STR};
    for (int i = 0; i < C_NCOLS; i++)
        c[i].type = types[i];
}

static int row_to_server(const struct db_col *c, struct server_row *s)
{
    memset(s, 0, sizeof(*s));
    if (db_col_str(s->id, sizeof(s->id), &c[C_ID]) || db_col_str(s->public_url, sizeof(s->public_url), &c[C_PUB]) ||
        db_col_str(s->admin_url, sizeof(s->admin_url), &c[C_ADM]) ||
        db_col_str(s->admin_secret, sizeof(s->admin_secret), &c[C_ASEC]) ||
        db_col_str(s->token_secret, sizeof(s->token_secret), &c[C_TSEC]) ||
        db_col_str(s->record_dir, sizeof(s->record_dir), &c[C_RECDIR]) ||
        db_col_str(s->region, sizeof(s->region), &c[C_REGION]) || db_col_str(s->tags, sizeof(s->tags), &c[C_TAGS]))
        return -1;
    s->boot = c[C_BOOT].i;
    s->healthy = (int)c[C_HEALTHY].i;
    s->weight = c[C_WEIGHT].d;
    s->score = c[C_SCORE].d;
    s->link_mbps = c[C_LINK].is_null ? 0 : c[C_LINK].d;
    s->suspect_until = c[C_SUSPECT].is_null ? -1 : c[C_SUSPECT].i;
    return 0;
}

/* The score's inputs from a SERVER_COLUMNS row. */
static void cols_input(const struct db_col *c, struct score_input *out)
{
    struct score_input in;

    memset(&in, 0, sizeof(in));
    in.has_metrics = !c[C_MAT].is_null;
    in.metrics_at = c[C_MAT].i;
    in.cpu = c[C_CPU].is_null ? 0 : c[C_CPU].d;
    in.mem = c[C_MEM].is_null ? 0 : c[C_MEM].d;
    in.sessions = c[C_SESS].is_null ? 0 : (double)c[C_SESS].i;
    in.handles = c[C_HAND].is_null ? 0 : (double)c[C_HAND].i;
    in.sockets = c[C_SOCK].is_null ? 0 : (double)c[C_SOCK].i;
    in.pending = (double)c[C_PENDING].i;
    in.has_tx = !c[C_TX].is_null;
    in.tx_mbps = c[C_TX].is_null ? 0 : c[C_TX].d;
    in.pending_egress_kbps = (double)c[C_EGRESS].i;
    in.link_mbps = c[C_LINK].is_null ? 0 : c[C_LINK].d;
    in.weight = c[C_WEIGHT].d;
    *out = in;
}

/* The score of a SERVER_COLUMNS row at now. */
static double cols_score(const struct mrb_conf *conf, const struct db_col *c, long long now)
{
    struct score_input in;

    cols_input(c, &in);
    return score_compute(conf, &in, now);
}

struct candidates {
    const struct mrb_conf *conf;
    const char *const *exclude;
    long long now;
};

static int excluded(const char *const *exclude, const char *id)
{
    for (; exclude && *exclude; exclude++)
        if (**exclude && strcmp(*exclude, id) == 0)
            return 1;
    return 0;
}

/* A placeable server with its bookings: SERVER_COLUMNS, then B_UNFILLED, B_DUE. */
enum { B_UNFILLED = C_NCOLS, B_DUE, B_NCOLS };

struct candidate {
    struct server_row row;
    struct place_server place;
};

static int fill_candidate(void *elem, const struct db_col *c, size_t ncols, void *ctx)
{
    const struct candidates *k = ctx;
    struct candidate *v = elem;
    struct score_input in;
    (void)ncols;

    if (excluded(k->exclude, c[C_ID].s))
        return 1;
    if (row_to_server(c, &v->row) != 0) {
        log_msg(LOG_LVL_WARN, "server %s: a URL or secret is longer than 255 bytes, skipped", c[C_ID].s);
        return 1;
    }
    cols_input(c, &in);
    /* A fresh server's stored score is its last poll's plus the pending
     * hints placements added since (servers_add_pending); a stale server's
     * is no longer its score. */
    const int fresh = score_fresh(k->conf, &in, k->now);
    if (!fresh)
        v->row.score = score_compute(k->conf, &in, k->now);
    v->row.unfilled = c[B_UNFILLED].is_null ? 0 : c[B_UNFILLED].i;
    v->place = (struct place_server){.score = v->row.score,
                                     .weight = v->row.weight,
                                     .fresh = fresh,
                                     .suspect = reports_suspect(v->row.suspect_until, k->now),
                                     .unfilled = v->row.unfilled,
                                     .due = c[B_DUE].is_null ? 0 : c[B_DUE].i};
    return 0;
}

/* The seats the live rooms of each server have booked that nobody has
 * taken yet. A room books its expectedParticipants (else its
 * maxParticipants) over [startsAt (else its creation), its expiry); an
 * empty room whose start is more than [score] booking_hold ago books
 * nothing (an abandoned booking). Two sums: unfilled, the bookings whose
 * window overlaps the window [S, E) of the room being placed; due, those
 * whose start has come (their people are due now). Parameters:
 * BOOKINGS_PARAMS. Read through rooms_expiry at every placement, so no
 * poll resets it, and a move or a failover carries a room's booking with
 * its server_id. */
#define BOOKING_SEATS "GREATEST(0, LEAST(COALESCE(booked, max_participants), max_participants) - seats_taken)"
#define BOOKING_START "COALESCE(starts_at, created_at)"
#define SERVERS_BOOKINGS_WHERE(more)                                                                          \
    "(SELECT server_id, SUM(IF(expires_at > ? AND " BOOKING_START " < ?, " BOOKING_SEATS ", 0)) AS unfilled, " \
    "SUM(IF(" BOOKING_START " <= ?, " BOOKING_SEATS ", 0)) AS due "                                             \
    "FROM rooms WHERE ended_at IS NULL AND expires_at > ? AND (seats_taken > 0 OR " BOOKING_START " > ?) "      \
    more "GROUP BY server_id)"
#define SERVERS_BOOKINGS SERVERS_BOOKINGS_WHERE("")
/* SERVERS_BOOKINGS's parameters for the window [S, E), at now. */
#define BOOKINGS_PARAMS(S, E, now, hold) DB_I(S), DB_I(E), DB_I(now), DB_I(now), DB_I((now) - (hold))

/* Runs a SERVER_COLUMNS + unfilled + due query (SERVERS_BOOKINGS joined)
 * into a malloc'd array of candidates (*all, *n), as k reads them. */
static int collect_candidates(struct mrb_app *app, const char *sql, const struct db_val *p, size_t np,
                              const struct candidates *k, struct candidate **all, size_t *n, struct mrb_err *err)
{
    struct db_col cols[B_NCOLS];
    void *rows = NULL;

    init_cols(cols);
    cols[B_UNFILLED].type = DB_INT;
    cols[B_DUE].type = DB_INT;
    if (db_collect(app->db, sql, p, np, cols, B_NCOLS, sizeof(**all), fill_candidate, (void *)k, &rows, n, err) != 0)
        return -1;
    *all = rows;
    return 0;
}

int servers_candidates(struct mrb_app *app, const struct place_want *want, const char *const *exclude,
                       struct server_row **out, struct mrb_err *err)
{
    /* Every placeable server, each with its bookings; place_order() ranks
     * them (a fleet of 1,000 servers is one read of 1,000 short rows). */
    static const char sql[] = "SELECT " SERVER_COLUMNS_OF("s.") ", b.unfilled, b.due FROM servers s LEFT JOIN "
                              SERVERS_BOOKINGS " b ON b.server_id = s.id WHERE s.state = 'enabled' AND s.healthy = 1 "
                              "ORDER BY s.id"; /* ties go to the lower id */
    const struct mrb_conf *c = &app->conf;
    struct candidates k = {c, exclude, util_now()};
    struct db_val p[] = {BOOKINGS_PARAMS(want->starts > k.now ? want->starts : k.now,
                                         want->ends > k.now ? want->ends : k.now + 1, k.now, c->score.booking_hold)};
    struct candidate *all = NULL;
    struct place_server *ps = NULL;
    size_t n = 0, m, *order = NULL;

    *out = NULL;
    if (collect_candidates(app, sql, DB_PARAMS(p), &k, &all, &n, err) != 0)
        return -1;
    ps = malloc((n ? n : 1) * sizeof(*ps));
    order = malloc((n ? n : 1) * sizeof(*order));
    *out = malloc((n < SERVERS_TRIES ? (n ? n : 1) : SERVERS_TRIES) * sizeof(**out));
    if (ps == NULL || order == NULL || *out == NULL)
        goto nomem;
    for (size_t i = 0; i < n; i++) {
        ps[i] = all[i].place;
        ps[i].region = all[i].row.region;
        ps[i].tags = all[i].row.tags;
    }
    m = place_order(c, ps, n, want, order);
    if (m == PLACE_NOMEM)
        goto nomem;
    if (m > SERVERS_TRIES)
        m = SERVERS_TRIES;
    for (size_t i = 0; i < m; i++) {
        (*out)[i] = all[order[i]].row;
        const struct place_server *v = &ps[order[i]];
        (*out)[i].fits_now = place_fits_now(c, v, want);
        /* unknown is not over; an arriving room with room now is not over */
        (*out)[i].fits = !v->fresh || place_fits(c, v, want) || (want->arriving && (*out)[i].fits_now);
    }
    free(all);
    free(ps);
    free(order);
    return (int)m;
nomem:
    free(all);
    free(ps);
    free(order);
    free(*out);
    *out = NULL;
    err_set(err, E_UNAVAILABLE, "out of memory");
    return -1;
}

int servers_over_now(struct mrb_app *app, const char *id, long long arriving, struct mrb_err *err)
{
    /* one server's bookings only (rooms_server), not every server's */
    static const char sql[] = "SELECT " SERVER_COLUMNS_OF("s.") ", b.unfilled, b.due FROM servers s LEFT JOIN "
                              SERVERS_BOOKINGS_WHERE("AND server_id = ? ") " b ON b.server_id = s.id WHERE s.id = ?";
    struct candidates k = {&app->conf, NULL, util_now()};
    struct db_val p[] = {BOOKINGS_PARAMS(k.now, k.now + 1, k.now, app->conf.score.booking_hold), DB_S(id), DB_S(id)};
    struct candidate *one = NULL;
    size_t n = 0;
    int over;

    if (collect_candidates(app, sql, DB_PARAMS(p), &k, &one, &n, err) != 0)
        return -1;
    if (n == 1)
        one->place.due += arriving;
    over = n == 1 && place_over_now(&app->conf, &one->place);
    free(one);
    return over;
}

/* Reads server id's SERVER_COLUMNS row into cols. Returns 1, 0 or -1. */
static int load_by_id(struct mrb_app *app, const char *id, struct db_col *cols, struct mrb_err *err)
{
    static const char sql[] = "SELECT " SERVER_COLUMNS " FROM servers WHERE id = ?";
    struct db_val p[] = {DB_S(id)};

    init_cols(cols);
    return db_query(app->db, sql, DB_PARAMS(p), cols, C_NCOLS, NULL, NULL, err);
}

int servers_rescore(struct mrb_app *app, const char *id, struct mrb_err *err)
{
    static const char set_sql[] = "UPDATE servers SET score = ? WHERE id = ?";
    struct db_col cols[C_NCOLS];
    int n = load_by_id(app, id, cols, err);

    if (n <= 0)
        return n;
    struct db_val set[] = {DB_D(cols_score(&app->conf, cols, util_now())), DB_S(id)};
    return db_exec(app->db, set_sql, DB_PARAMS(set), NULL, err) == 0 ? 1 : -1;
}

int servers_add_pending(struct mrb_app *app, const struct server_row *s, long long participants, double egress_kbps,
                        struct mrb_err *err)
{
    static const char sql[] = "UPDATE servers SET pending_load = pending_load + ?, "
                              "pending_egress_kbps = pending_egress_kbps + ?, score = score + ? WHERE id = ?";
    const double cost = score_pending_cost(&app->conf, (double)participants) +
                        score_egress_cost(&app->conf, egress_kbps, s->link_mbps);
    struct db_val p[] = {DB_I(participants), DB_I((long long)(egress_kbps + 0.5)), DB_D(s->weight * cost),
                         DB_S(s->id)};

    return db_exec_once(app->db, sql, DB_PARAMS(p), NULL, err);
}

void servers_want(struct place_want *w, const char *rule, const char *tags, long long seats, long long starts,
                  long long ends)
{
    w->starts = starts;
    w->ends = ends;
    w->arriving = starts <= util_now();
    rule = rule ? rule : "";
    w->region_required = rule[0] == '!';
    w->region = rule + w->region_required;
    w->tags = tags ? tags : "";
    w->seats = seats;
}

/* The 503 of a placement that found no server: named by what the room
 * asked for, so the host knows which rule could not be met. */
static void none_can(const struct place_want *w, int tried, struct mrb_err *err)
{
    if (tried)
        err_set(err, E_UNAVAILABLE, "no media server can take the room now");
    else if (w->region_required && w->tags[0])
        err_set(err, E_UNAVAILABLE, "no media server in region %s has the tags %s", w->region, w->tags);
    else if (w->region_required)
        err_set(err, E_UNAVAILABLE, "no media server in region %s can take the room (the region is required: \"!%s\")",
                w->region, w->region);
    else if (w->tags[0])
        err_set(err, E_UNAVAILABLE, "no media server has the tags %s", w->tags);
    else
        err_set(err, E_UNAVAILABLE, "no media server can take the room now");
}

int servers_place(struct mrb_app *app, const struct janus_room *room, const struct place_want *want,
                  const char *const *exclude, unsigned flags, struct server_row *chosen, struct mrb_err *err)
{
    const int existing_ok = (flags & SERVERS_EXISTING_OK) != 0;
    struct server_row *rows = NULL;
    int n = servers_candidates(app, want, exclude, &rows, err);

    int tried = 0;

    for (int i = 0; i < n; i++) {
        struct janus_server js;
        struct mrb_err jerr;
        if ((flags & SERVERS_ONLY_FITTING) && !rows[i].fits_now)
            continue;
        tried = 1;
        servers_janus(&rows[i], &js);
        /* A move may land on a server that holds a copy from an earlier
         * stay: janus_room_put() brings it up to date. A new room's id is
         * new: a copy there is not ours. */
        enum janus_result r = existing_ok ? janus_room_put(&js, room, &jerr) : janus_room_create(&js, room, &jerr);
        if (r == JANUS_OK || (existing_ok && r == JANUS_EXISTS)) {
            *chosen = rows[i];
            if (!chosen->fits) /* every allowed server was full: the least bad one took it */
                counters_add(app, COUNTERS_OVER_LIMIT, "", 1);
            free(rows);
            return 0;
        }
        log_msg(LOG_LVL_WARN, "placing room on %s failed: %s", rows[i].id, jerr.msg);
    }
    free(rows);
    if (n >= 0 && (flags & SERVERS_ONLY_FITTING) && !tried)
        err_set(err, E_UNAVAILABLE, "no other media server has room for the room now");
    else if (n >= 0)
        none_can(want, n > 0, err);
    return -1;
}

int servers_get(struct mrb_app *app, const char *id, struct server_row *out, struct mrb_err *err)
{
    struct db_col cols[C_NCOLS];
    int n = load_by_id(app, id, cols, err);

    if (n <= 0)
        return n;
    if (row_to_server(cols, out) != 0) {
        err_set(err, E_UNAVAILABLE, "server %s has an over-long field", id);
        return -1;
    }
    return 1;
}

int servers_webhook_digest(const struct conf_server *s, char digest[65], struct mrb_err *err)
{
    digest[0] = '\0';
    if (s->webhook_password == NULL)
        return 0;
    if (util_sha256_hex(s->webhook_password, digest) != 0) {
        err_set(err, E_UNAVAILABLE, "cannot hash the webhook password");
        return -1;
    }
    return 0;
}

int servers_sync(struct mrb_app *app, const struct mrb_conf *from, struct mrb_err *err)
{
    static const char sql[] =
        "INSERT INTO servers (id, public_url, admin_url, admin_secret, token_secret, metrics_url, weight, "
        "state, webhook_user, webhook_digest, record_dir, link_mbps, net_devices, region, tags, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        /* first, while metrics_url and net_devices still hold the old values:
         * a transmit counter from another exporter or device set is no
         * previous sample (the rate would be the difference of two counters) */
        "ON DUPLICATE KEY UPDATE tx_bytes_prev = IF(metrics_url <=> VALUES(metrics_url) AND "
        "net_devices <=> VALUES(net_devices), tx_bytes_prev, NULL), "
        "public_url = VALUES(public_url), admin_url = VALUES(admin_url), "
        "admin_secret = VALUES(admin_secret), token_secret = VALUES(token_secret), "
        "metrics_url = VALUES(metrics_url), weight = VALUES(weight), state = VALUES(state), "
        "webhook_user = VALUES(webhook_user), webhook_digest = VALUES(webhook_digest), "
        "record_dir = VALUES(record_dir), link_mbps = VALUES(link_mbps), net_devices = VALUES(net_devices), "
        "region = VALUES(region), tags = VALUES(tags), updated_at = VALUES(updated_at)";
    long long now = util_now();

    for (size_t i = 0; i < from->n_servers; i++) {
        const struct conf_server *s = &from->servers[i];
        char digest[65];
        if (servers_webhook_digest(s, digest, err) != 0)
            return -1;
        const char *hashed = digest[0] ? digest : NULL;
        struct db_val p[] = {DB_S(s->name), DB_S(s->public_url), DB_S(s->admin_url), DB_S(s->admin_secret),
                             DB_S(s->token_secret), DB_SN(s->metrics_url), DB_D(s->weight),
                             DB_S(s->enabled ? "enabled" : "disabled"), DB_SN(s->webhook_user),
                             DB_SN(hashed), DB_SN(s->record_dir),
                             s->link_mbps > 0 ? DB_D(s->link_mbps) : (struct db_val){.type = DB_NULL},
                             DB_SN(s->net_devices), DB_S(s->region ? s->region : ""), DB_S(s->tags ? s->tags : ""),
                             DB_I(now), DB_I(now)};
        if (db_exec(app->db, sql, DB_PARAMS(p), NULL, err) != 0 ||
            servers_rescore(app, s->name, err) < 0)
            return -1;
    }
    return 0;
}

double servers_room_egress_kbps(const struct janus_room *spec, long long people)
{
    if (spec->plugin != JANUS_VIDEOROOM)
        return 0; /* AudioBridge: a mix per person, its cost is CPU */
    return score_video_egress_kbps(people, spec->publishers > people, spec->bitrate_kbps);
}

/* The move's writes, all or nothing: the room's new mapping; its presence
 * on the old server ends (participants there go, every seat is held for
 * seat_grace from now for its person to come back to); the old copy is
 * recorded for mrb-health to destroy once that server answers (and a record
 * of an old copy on the new server goes: that copy is the room now). */
struct move_txn {
    const struct mrb_conf *conf;
    const struct servers_room *room;
    const struct server_row *to;
    long long now, grace;
    unsigned long long moved;
};

static int move_txn(struct db *db, void *ctx, struct mrb_err *err)
{
    static const char moved_sql[] = "UPDATE rooms SET server_id = ?, server_boot = ? "
                                    "WHERE id = ? AND server_id = ? AND ended_at IS NULL";
    /* a rebalance moves a room its first person is joining, and nobody
     * else: a second seat taken meanwhile (its join was answered with the
     * old server) keeps the room where it is */
    static const char moved_empty_sql[] = "UPDATE rooms SET server_id = ?, server_boot = ? "
                                          "WHERE id = ? AND server_id = ? AND ended_at IS NULL AND seats_taken <= 1";
    static const char stale_sql[] = "INSERT INTO stale_copies (room_id, server_id, room_type, secret, since) "
                                    "SELECT id, ?, room_type, secret, ? FROM rooms WHERE id = ? "
                                    "ON DUPLICATE KEY UPDATE since = VALUES(since)";
    static const char current_sql[] = "DELETE FROM stale_copies WHERE room_id = ? AND server_id = ?";
    struct move_txn *t = ctx;
    const char *id = t->room->spec.id, *from = t->room->server_id, *to = t->to->id;
    struct db_val m[] = {DB_S(to), DB_I(t->to->boot), DB_S(id), DB_S(from)};
    struct db_val st[] = {DB_S(from), DB_I(t->now), DB_S(id)};
    struct db_val cu[] = {DB_S(id), DB_S(to)};
    int rc;

    t->moved = 0;
    if ((rc = db_exec(db, t->room->only_fitting ? moved_empty_sql : moved_sql, DB_PARAMS(m), &t->moved, err)) != 0 ||
        t->moved == 0)
        return rc;
    if (presence_end(db, t->conf, id, to, t->now + t->grace, "moved", err) != 0)
        return DB_ERR;
    if ((rc = outbox_room(db, t->conf, "room.moved", id,
                          json_pack("{s:s, s:s, s:s, s:o}", "from", from, "to", to, "reason",
                                    t->room->reason ? t->room->reason : "failover", "region",
                                    t->to->region[0] ? json_string(t->to->region) : json_null()),
                          err)) != 0)
        return rc;
    if ((rc = db_exec(db, stale_sql, DB_PARAMS(st), NULL, err)) != 0)
        return rc;
    if ((rc = db_exec(db, current_sql, DB_PARAMS(cu), NULL, err)) != 0)
        return rc;
    return presence_mark(db, id, to, err); /* Janus there should list nobody yet */
}

/* The old copy of a room that has just moved, destroyed on its server now
 * that the mapping names the new one: its people get Janus's "destroyed"
 * and rejoin at once. Safe: events about a room from a server that no
 * longer holds it change nothing (events.c), so its "destroyed" and the
 * "left"s that follow free no seat. Best effort: a copy left behind (the
 * server did not answer) is still in stale_copies for mrb-health. */
static void destroy_old_copy(struct mrb_app *app, const struct servers_room *room)
{
    static const char done_sql[] = "DELETE FROM stale_copies WHERE room_id = ? AND server_id = ?";
    struct db_val k[] = {DB_S(room->spec.id), DB_S(room->server_id)};
    struct server_row old;
    struct janus_server js;
    struct mrb_err err = {0};

    if (servers_get(app, room->server_id, &old, &err) != 1)
        return;
    servers_janus(&old, &js);
    if (janus_room_destroy(&js, room->spec.plugin, room->spec.id, room->spec.secret, &err) != JANUS_FAILED)
        (void)db_exec(app->db, done_sql, DB_PARAMS(k), NULL, &err);
}

int servers_move_room(struct mrb_app *app, const struct servers_room *room, struct server_row *chosen,
                      struct mrb_err *err)
{
    static const char where_sql[] = "SELECT server_id FROM rooms WHERE id = ?";
    struct db_col now_on = {.type = DB_STR};
    struct db_val one[] = {DB_S(room->spec.id)};
    struct move_txn t = {&app->conf, room, chosen, util_now(), app->conf.rooms.seat_grace, 0};
    const char *const exclude[] = {room->server_id, room->avoid, NULL};
    int rc;

    struct place_want want;

    /* a moved room's people come now, or at its start; a rebalance's are
     * arriving now, whatever its start said */
    servers_want(&want, room->region, room->tags, room->booked,
                 room->starts > util_now() && !room->only_fitting ? room->starts : util_now(), room->ends);
    if (servers_place(app, &room->spec, &want, exclude,
                      SERVERS_EXISTING_OK | (room->only_fitting ? SERVERS_ONLY_FITTING : 0), chosen, err) != 0)
        return -1;
    rc = db_transaction(app->db, move_txn, &t, DB_TXN_REPLAYABLE, err);
    if (rc != 0 || t.moved == 0) {
        /* The DB failed, or another worker moved it first: drop our copy,
         * unless the winner moved it to the same server (then the copy is
         * the room). */
        struct janus_server js;
        if (rc == 0 && db_query(app->db, where_sql, DB_PARAMS(one), &now_on, 1, NULL, NULL, NULL) == 1 &&
            strcmp(now_on.s, chosen->id) == 0)
            return 1;
        servers_janus(chosen, &js);
        janus_room_destroy(&js, room->spec.plugin, room->spec.id, room->spec.secret, NULL);
        return rc != 0 ? -1 : 1;
    }
    /* a hint for the score only */
    /* its people are on their way there: measured once they arrive, a hint
     * until then; its unfilled seats count as its booking (place.h) */
    (void)servers_add_pending(app, chosen, room->people,
                              servers_room_egress_kbps(&room->spec, room->max_participants), NULL);
    if (!room->only_fitting) /* a rebalance is no failure: mrb_arrival_moves_total */
        counters_add(app, COUNTERS_FAILOVERS, "", 1);
    log_msg(LOG_LVL_INFO, "room %s moved from %s to %s", room->spec.id, room->server_id, chosen->id);
    if (room->destroy_old)
        destroy_old_copy(app, room);
    return 0;
}

enum { E_ID, E_NAME, E_SECRET, E_KEY, E_RECORD, E_MAXP, E_TYPE, E_CODEC, E_BITRATE, E_SCREEN, E_SERVER, E_REGION,
       E_TAGS, E_BOOKED, E_PEOPLE, E_STARTS, E_ENDS, E_NCOLS };
/* A room's columns as its plugin recreates it, and where it lives; with
 * the table's alias (a join), ROOM_SPEC_COLUMNS_OF("r.") */
#define ROOM_SPEC_COLUMNS_OF(a) a "id, " a "name, " a "secret, " a "room_key, " a "record, " a "max_participants, " \
                                a "room_type, " a "video_codec, " a "bitrate_kbps, " a "screen_share, " a "server_id, " \
                                a "region, " a "tags, " a "booked, " a "seats_taken, " \
                                "COALESCE(" a "starts_at, " a "created_at), " a "expires_at"
#define ROOM_SPEC_COLUMNS ROOM_SPEC_COLUMNS_OF("")

/* A live room to move or recreate: its columns, as read. */
struct room_cols {
    struct db_col c[E_NCOLS];
};

static int fill_room(void *elem, const struct db_col *c, size_t ncols, void *ctx)
{
    (void)ctx;
    memcpy(((struct room_cols *)elem)->c, c, ncols * sizeof(*c));
    return 0;
}

/* The live rooms sql selects (ROOM_SPEC_COLUMNS), into *out (caller
 * frees). p and np come from the caller's DB_PARAMS(). Returns the count
 * or -1. */
static int load_rooms(struct mrb_app *app, const char *sql, const struct db_val *p, size_t np,
                      struct room_cols **out, struct mrb_err *err)
{
    struct db_col cols[E_NCOLS] = {{.type = DB_STR}, {.type = DB_STR}, {.type = DB_STR}, {.type = DB_STR},
                                   {.type = DB_INT}, {.type = DB_INT}, {.type = DB_STR}, {.type = DB_STR},
                                   {.type = DB_INT}, {.type = DB_INT}, {.type = DB_STR}, {.type = DB_STR},
                                   {.type = DB_STR}, {.type = DB_INT}, {.type = DB_INT}, {.type = DB_INT},
                                   {.type = DB_INT}};
    void *rows;
    size_t n;

    if (db_collect(app->db, sql, p, np, cols, E_NCOLS, sizeof(**out), fill_room, NULL, &rows, &n, err) != 0)
        return -1;
    *out = rows;
    return (int)n;
}

/* The room of a ROOM_SPEC_COLUMNS row, as its plugin must recreate it. */
static void cols_spec(const struct db_col *r, struct janus_room *jr)
{
    servers_room_spec(jr, r[E_ID].s, r[E_NAME].s, r[E_SECRET].s, r[E_KEY].s, (int)r[E_RECORD].i, r[E_MAXP].i,
                      r[E_TYPE].s, r[E_CODEC].is_null ? NULL : r[E_CODEC].s, r[E_BITRATE].i, (int)r[E_SCREEN].i);
}

void servers_room_spec(struct janus_room *jr, const char *id, const char *name, const char *secret, const char *pin,
                       int record, long long max_participants, const char *room_type, const char *video_codec,
                       long long bitrate_kbps, int screen_share)
{
    *jr = (struct janus_room){.plugin = janus_plugin_of(room_type), .id = id, .description = name,
                              .secret = secret, .pin = pin, .record = record};
    if (jr->plugin == JANUS_VIDEOROOM) {
        jr->video_codec = video_codec ? video_codec : "vp8";
        jr->bitrate_kbps = bitrate_kbps > 0 ? bitrate_kbps : 512;
        jr->publishers = janus_publishers(max_participants, screen_share);
    }
}

/* Moves every live room sql selects (ROOM_SPEC_COLUMNS, each from the
 * server it names) to the best other server, one at a time so each
 * placement sees the previous one's pending load (rooms spread, not pile
 * up); with destroy_old, each old copy goes at once (servers_room). Stops
 * when this process stops acting (the lease). *found (may be NULL) gets
 * the rooms selected. Returns the rooms moved, or -1 when they could not
 * be read (err set). */
static int move_rooms(struct mrb_app *app, const char *sql, const struct db_val *p, size_t np, int destroy_old,
                      const char *reason, int *found, struct mrb_err *err)
{
    struct room_cols *rooms;
    int n = load_rooms(app, sql, p, np, &rooms, err), moved = 0;

    if (found)
        *found = n;
    if (n < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        const struct db_col *r = rooms[i].c;
        struct servers_room room = {.server_id = r[E_SERVER].s, .max_participants = r[E_MAXP].i,
                                    .destroy_old = destroy_old,
                                    .region = r[E_REGION].is_null ? NULL : r[E_REGION].s,
                                    .tags = r[E_TAGS].is_null ? NULL : r[E_TAGS].s,
                                    .booked = r[E_BOOKED].is_null ? r[E_MAXP].i : r[E_BOOKED].i,
                                    .people = r[E_PEOPLE].i, .reason = reason,
                                    .starts = r[E_STARTS].i, .ends = r[E_ENDS].i};
        struct server_row chosen;
        struct mrb_err e = {0};
        if (app->still_acting && !app->still_acting(app))
            break;
        cols_spec(r, &room.spec);
        if (servers_move_room(app, &room, &chosen, &e) == 0)
            moved++;
        else if (e.http)
            log_msg(LOG_LVL_WARN, "cannot move room %s off %s: %s", room.spec.id, room.server_id, e.msg);
    }
    free(rooms);
    return moved;
}

int servers_evacuate(struct mrb_app *app, const char *server_id, int destroy_old, const char *reason,
                     struct mrb_err *err)
{
    /* Calls in progress first: a room with people in it now has them
     * waiting to rejoin, then rooms with seats taken (people who may come
     * back), while an empty room booked for later keeps nobody waiting (a
     * server with a hundred such rooms would otherwise hold the one live
     * call back by their moves). Then the oldest first. */
    static const char sql[] = "SELECT " ROOM_SPEC_COLUMNS " FROM rooms "
                              "WHERE server_id = ? AND ended_at IS NULL AND expires_at > ? "
                              "ORDER BY NOT EXISTS (SELECT 1 FROM participants p WHERE p.room_id = rooms.id), "
                              "seats_taken = 0, created_at";
    struct db_val p[] = {DB_S(server_id), DB_I(util_now())};
    int n, moved = move_rooms(app, sql, DB_PARAMS(p), destroy_old, reason, &n, err);

    if (moved >= 0)
        log_msg(LOG_LVL_INFO, "evacuated %d of %d live rooms from %s", moved, n, server_id);
    return moved;
}

int servers_recreate_rooms(struct mrb_app *app, const struct server_row *s, struct mrb_err *err)
{
    static const char sql[] = "SELECT " ROOM_SPEC_COLUMNS " FROM rooms "
                              "WHERE server_id = ? AND server_boot <> ? AND ended_at IS NULL AND expires_at > ?";
    static const char done_sql[] = "UPDATE rooms SET server_boot = ? WHERE id = ? AND server_id = ?";
    struct db_val p[] = {DB_S(s->id), DB_I(s->boot), DB_I(util_now())};
    struct room_cols *rooms;
    struct janus_server js;
    int n = load_rooms(app, sql, DB_PARAMS(p), &rooms, err), made = 0;

    if (n < 0)
        return -1;
    servers_janus(s, &js);
    for (int i = 0; i < n; i++) {
        const struct db_col *r = rooms[i].c;
        struct janus_room jr;
        struct mrb_err e = {0};
        cols_spec(r, &jr);
        if (janus_room_put(&js, &jr, &e) == JANUS_FAILED) {
            log_msg(LOG_LVL_WARN, "cannot recreate room %s on %s: %s", jr.id, s->id, e.msg);
            continue;
        }
        struct db_val d[] = {DB_I(s->boot), DB_S(jr.id), DB_S(s->id)};
        if (db_exec(app->db, done_sql, DB_PARAMS(d), NULL, &e) == 0) {
            made++;
            log_msg(LOG_LVL_INFO, "room %s recreated on %s", jr.id, s->id);
        }
    }
    free(rooms);
    return made;
}

enum { L_STATE = C_NCOLS, L_POLLED, L_FAILS, L_ROOMS, L_PEOPLE, L_MURL, L_DRAIN, L_UNFILLED, L_DUE, L_NCOLS };

static int fill_info(void *elem, const struct db_col *c, size_t ncols, void *ctx)
{
    const struct mrb_conf *conf = ctx;
    struct server_info *s = elem;
    struct score_input in;
    long long now = util_now();
    (void)ncols;

    if (row_to_server(c, &s->row) != 0)
        return 1;
    s->row.unfilled = c[L_UNFILLED].is_null ? 0 : c[L_UNFILLED].i;
    cols_input(c, &in);
    {
        struct place_server ps = {.score = s->row.score,
                                  .weight = s->row.weight,
                                  .fresh = score_fresh(conf, &in, now),
                                  .suspect = reports_suspect(s->row.suspect_until, now),
                                  .unfilled = s->row.unfilled,
                                  .due = c[L_DUE].is_null ? 0 : c[L_DUE].i,
                                  .region = s->row.region,
                                  .tags = s->row.tags};
        s->row.score = score_compute(conf, &in, now);
        ps.score = s->row.score;
        s->load = place_load(conf, &ps);
        s->headroom = place_headroom(conf, &ps);
    }
    (void)db_col_str(s->state, sizeof(s->state), &c[L_STATE]);
    s->weight = c[C_WEIGHT].d;
    s->has_metrics = !c[C_MAT].is_null;
    s->metrics_at = c[C_MAT].i;
    s->cpu = c[C_CPU].is_null ? -1 : c[C_CPU].d;
    s->mem = c[C_MEM].is_null ? -1 : c[C_MEM].d;
    s->sessions = c[C_SESS].is_null ? -1 : c[C_SESS].i;
    s->handles = c[C_HAND].is_null ? -1 : c[C_HAND].i;
    s->sockets = c[C_SOCK].is_null ? -1 : c[C_SOCK].i;
    s->polled_at = c[L_POLLED].is_null ? -1 : c[L_POLLED].i;
    s->fail_count = c[L_FAILS].i;
    s->rooms = c[L_ROOMS].i;
    s->participants = c[L_PEOPLE].i;
    (void)db_col_str(s->metrics_url, sizeof(s->metrics_url), &c[L_MURL]);
    s->drain_deadline = c[L_DRAIN].is_null ? -1 : c[L_DRAIN].i;
    s->suspect = reports_suspect(s->row.suspect_until, util_now());
    return 0;
}

int servers_list(struct mrb_app *app, struct server_info **out, struct mrb_err *err)
{
    static const char sql[] =
        "SELECT " SERVER_COLUMNS_OF("s.") ", s.state, s.polled_at, s.fail_count, "
        "(SELECT COUNT(*) FROM rooms r WHERE r.server_id = s.id AND r.ended_at IS NULL AND r.expires_at > ?), "
        "(SELECT COUNT(*) FROM participants p WHERE p.server_id = s.id), s.metrics_url, s.drain_deadline, "
        "b.unfilled, b.due FROM servers s LEFT JOIN " SERVERS_BOOKINGS " b ON b.server_id = s.id ORDER BY s.id";
    struct db_col cols[L_NCOLS];
    const long long now = util_now();
    /* what operators and autoscalers see: the bookings of the coming hour */
    struct db_val p[] = {DB_I(now), BOOKINGS_PARAMS(now, now + 3600, now, app->conf.score.booking_hold)};
    void *rows;
    size_t n;

    *out = NULL;
    init_cols(cols);
    cols[L_STATE].type = DB_STR;
    cols[L_POLLED].type = DB_INT;
    cols[L_FAILS].type = DB_INT;
    cols[L_ROOMS].type = DB_INT;
    cols[L_PEOPLE].type = DB_INT;
    cols[L_MURL].type = DB_STR;
    cols[L_DRAIN].type = DB_INT;
    cols[L_UNFILLED].type = DB_INT;
    cols[L_DUE].type = DB_INT;
    if (db_collect(app->db, sql, DB_PARAMS(p), cols, L_NCOLS, sizeof(**out), fill_info, (void *)&app->conf, &rows, &n,
                   err) != 0)
        return -1;
    *out = rows;
    return (int)n;
}

int servers_drain_step(struct mrb_app *app, struct mrb_err *err)
{
    static const char empty_sql[] =
        "SELECT " ROOM_SPEC_COLUMNS_OF("r.") " FROM rooms r JOIN servers s ON s.id = r.server_id "
        "WHERE s.state = 'cordoned' AND s.healthy = 1 AND r.ended_at IS NULL AND r.expires_at > ? "
        "AND NOT EXISTS (SELECT 1 FROM participants p WHERE p.room_id = r.id) "
        "AND NOT EXISTS (SELECT 1 FROM seats st WHERE st.room_id = r.id AND " SEAT_HELD("st.") ") "
        "ORDER BY r.created_at LIMIT 100";
    static const char busy_sql[] =
        "SELECT " ROOM_SPEC_COLUMNS_OF("r.") " FROM rooms r JOIN servers s ON s.id = r.server_id "
        "WHERE s.state = 'cordoned' AND s.healthy = 1 AND s.drain_deadline IS NOT NULL AND s.drain_deadline <= ? "
        "AND r.ended_at IS NULL AND r.expires_at > ? ORDER BY r.created_at LIMIT ?";
    long long now = util_now();
    struct db_val e[] = {DB_I(now), DB_I(now)};
    struct db_val b[] = {DB_I(now), DB_I(now), DB_I(app->conf.health.drain_rate * app->conf.score.interval)};
    int empty = move_rooms(app, empty_sql, DB_PARAMS(e), 1, "drain", NULL, err), busy;

    if (empty < 0)
        return -1;
    busy = move_rooms(app, busy_sql, DB_PARAMS(b), 1, "drain", NULL, err);
    if (busy < 0)
        return -1;
    if (empty + busy > 0)
        log_msg(LOG_LVL_INFO, "drain: moved %d empty and %d busy room(s)", empty, busy);
    return empty + busy;
}

/* A server's state changed by one conditional statement and reported in
 * the same transaction (server.down, server.up, server.drained). */
struct flip_txn {
    const struct mrb_conf *conf;
    const char *sql, *server, *type, *reason;
    const struct db_val *p;
    size_t np;
    unsigned long long n;
};

static int flip_txn(struct db *db, void *ctx, struct mrb_err *err)
{
    struct flip_txn *t = ctx;
    const struct db_val *p = t->p; /* the caller's DB_PARAMS() */
    const size_t np = t->np;
    int rc = db_exec(db, t->sql, p, np, &t->n, err);

    if (rc != 0 || t->n == 0)
        return rc;
    return outbox_server(db, t->conf, t->type, t->server, json_pack("{s:s}", "reason", t->reason), err);
}

/* Runs sql (p, np from DB_PARAMS()) and, when it changed server's row,
 * writes event type with reason. Returns 1 changed, 0 not, -1. */
static int flip(struct mrb_app *app, const char *sql, const struct db_val *p, size_t np, const char *server,
                const char *type, const char *reason, struct mrb_err *err)
{
    struct flip_txn t = {&app->conf, sql, server, type, reason, p, np, 0};

    if (db_transaction(app->db, flip_txn, &t, DB_TXN_REPLAYABLE, err) != 0)
        return -1;
    return t.n > 0;
}

int servers_mark_up(struct mrb_app *app, const char *id, const char *reason, struct mrb_err *err)
{
    static const char sql[] = "UPDATE servers SET healthy = 1 WHERE id = ? AND healthy = 0";
    struct db_val p[] = {DB_S(id)};

    return flip(app, sql, DB_PARAMS(p), id, "server.up", reason, err);
}

int servers_finish_drains(struct mrb_app *app, struct mrb_err *err)
{
    static const char list_sql[] =
        "SELECT id FROM servers WHERE state = 'cordoned' "
        "AND NOT EXISTS (SELECT 1 FROM rooms r WHERE r.server_id = servers.id AND r.ended_at IS NULL)";
    static const char sql[] =
        "UPDATE servers SET state = 'disabled', drain_deadline = NULL, updated_at = ? WHERE id = ? AND "
        "state = 'cordoned' AND NOT EXISTS (SELECT 1 FROM rooms r WHERE r.server_id = servers.id AND r.ended_at IS NULL)";
    struct db_col id = {.type = DB_STR};
    struct drained {
        char id[65];
    } *v = NULL;
    size_t n = 0, id_size = sizeof(*v);
    int done = 0;

    if (db_collect(app->db, list_sql, DB_NO_PARAMS, &id, 1, id_size, db_fill_text, &id_size, (void **)&v, &n, err) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        struct db_val p[] = {DB_I(util_now()), DB_S(v[i].id)};
        int rc = flip(app, sql, DB_PARAMS(p), v[i].id, "server.drained", "empty", err);
        if (rc < 0) {
            free(v);
            return -1;
        }
        if (rc) {
            log_msg(LOG_LVL_INFO, "server %s drained: now disabled", v[i].id);
            done++;
        }
    }
    free(v);
    return done;
}


int servers_failed_check(struct mrb_app *app, const char *id, struct mrb_err *err)
{
    static const char count_sql[] = "UPDATE servers SET fail_count = fail_count + 1, polled_at = ? WHERE id = ?";
    static const char down_sql[] = "UPDATE servers SET healthy = 0 WHERE id = ? AND healthy = 1 AND fail_count >= ?";
    struct db_val c[] = {DB_I(util_now()), DB_S(id)};
    struct db_val d[] = {DB_S(id), DB_I(app->conf.health.fail_threshold)};
    int down;

    if (db_exec_once(app->db, count_sql, DB_PARAMS(c), NULL, err) != 0)
        return -1;
    if ((down = flip(app, down_sql, DB_PARAMS(d), id, "server.down", "failed_checks", err)) <= 0)
        return down;
    log_msg(LOG_LVL_WARN, "server %s down after %ld failed checks", id, app->conf.health.fail_threshold);
    servers_evacuate(app, id, 0, "failover", NULL); /* down: its copies go when it answers again */
    return 1;
}
