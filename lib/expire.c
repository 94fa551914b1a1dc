/* mrb-expire's run (expire.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "expire.h"
#include "outbox.h"
#include "servers.h"
#include "counters.h"
#include "janus.h"
#include "util.h"

#define EXPIRE_COMMIT_EVERY 500 /* rows per transaction: short, Galera-friendly */

struct victim {
    char id[65], secret[65], server[65], admin_url[256], admin_secret[256];
    enum janus_plugin plugin;
    int orphan; /* its server row is gone: nothing to destroy */
};

struct collect {
    struct victim *v;
    size_t n;
};

static int fill_victim(void *elem, const struct db_col *c, size_t ncols, void *ctx)
{
    struct victim *v = elem;
    (void)ncols;
    (void)ctx;

    if (db_col_str(v->id, sizeof(v->id), &c[0]) || db_col_str(v->secret, sizeof(v->secret), &c[1]) ||
        db_col_str(v->server, sizeof(v->server), &c[2]) || db_col_str(v->admin_url, sizeof(v->admin_url), &c[3]) ||
        db_col_str(v->admin_secret, sizeof(v->admin_secret), &c[4]))
        return 1; /* over-long: skip, it cannot be a room we made */
    v->orphan = c[3].is_null;
    v->plugin = janus_plugin_of(c[5].s);
    return 0;
}

/* Up to EXPIRE_COMMIT_EVERY destroyed rooms marked ended in one
 * transaction; replayable, since each UPDATE is conditional. */
struct mark_chunk {
    const struct mrb_conf *conf;
    const struct victim *v;
    const char *done;
    size_t from, to;
    long long now;
};

static int mark_txn(struct db *db, void *ctx, struct mrb_err *err)
{
    static const char sql[] = "UPDATE rooms SET ended_at = ? WHERE id = ? AND ended_at IS NULL";
    static const char reason_sql[] = "SELECT COALESCE(end_reason, 'expired') FROM rooms WHERE id = ?";
    const struct mark_chunk *k = ctx;
    char when[32];
    int rc = 0;

    util_rfc3339(k->now, when, sizeof(when));
    for (size_t i = k->from; i < k->to && rc == 0; i++) {
        struct db_val p[] = {DB_I(k->now), DB_S(k->v[i].id)};
        struct db_val one[] = {DB_S(k->v[i].id)};
        struct db_col reason = {.type = DB_STR};
        unsigned long long ended = 0;
        if (!k->done[i])
            continue;
        rc = db_exec(db, sql, DB_PARAMS(p), &ended, err);
        if (rc == 0 && ended && outbox_on(k->conf)) { /* a room ended early by its host or an operator says so */
            rc = db_query(db, reason_sql, DB_PARAMS(one), &reason, 1, NULL, NULL, err);
            rc = rc < 0 ? rc
                        : outbox_room(db, k->conf, "room.ended", k->v[i].id,
                                      json_pack("{s:s, s:s}", "reason", rc == 1 ? reason.s : "expired", "endedAt", when),
                                      err);
        }
    }
    return rc;
}

static int mark_ended(struct mrb_app *app, const struct victim *v, const char *done, size_t n, long long now)
{
    struct mrb_err err = {0};

    for (size_t from = 0; from < n; from += EXPIRE_COMMIT_EVERY) {
        struct mark_chunk k = {&app->conf, v, done, from, from + EXPIRE_COMMIT_EVERY < n ? from + EXPIRE_COMMIT_EVERY : n, now};
        if (db_transaction(app->db, mark_txn, &k, DB_TXN_REPLAYABLE, &err) != 0)
            return -1;
    }
    return 0;
}

/* Ended rooms retained longer than [rooms] retain_days go for good, with
 * their presence rows: the row holds the room's key, its creator's sub and
 * its name, which nobody needs once the room is long over. In batches of
 * EXPIRE_PURGE_BATCH, each a statement of its own (locks held for a few
 * milliseconds, so joins never wait behind one long delete), at most
 * EXPIRE_PURGE_BATCHES a run: a backlog drains over a few runs. The
 * counters of /mrb/metrics live in their own table and stay. */
#define EXPIRE_PURGE_BATCH 500
#define EXPIRE_PURGE_BATCHES 20
#define EXPIRE_STR_(x) #x
#define EXPIRE_STR(x) EXPIRE_STR_(x)

static long purge_rooms(struct mrb_app *app, long long now)
{
    static const char checks_sql[] =
        "DELETE presence_checks FROM presence_checks JOIN rooms ON rooms.id = presence_checks.room_id "
        "WHERE rooms.ended_at IS NOT NULL AND rooms.ended_at < ?";
    static const char rooms_sql[] =
        "DELETE FROM rooms WHERE ended_at IS NOT NULL AND ended_at < ? ORDER BY ended_at LIMIT " EXPIRE_STR(EXPIRE_PURGE_BATCH);
    struct db_val before[] = {DB_I(now - app->conf.rooms.retain_days * 86400LL)};
    struct mrb_err err = {0};
    long purged = 0;

    if (app->conf.rooms.retain_days == 0)
        return 0;
    if (db_exec(app->db, checks_sql, DB_PARAMS(before), NULL, &err) != 0)
        return 0;
    for (int batch = 0; batch < EXPIRE_PURGE_BATCHES; batch++) {
        unsigned long long n = 0;
        if (db_exec(app->db, rooms_sql, DB_PARAMS(before), &n, &err) != 0)
            break;
        purged += (long)n;
        if (n < EXPIRE_PURGE_BATCH)
            break;
    }
    return purged;
}

static void purge(struct mrb_app *app, long long now, struct expire_stats *st)
{
    static const char seats_sql[] =
        "DELETE seats FROM seats JOIN rooms ON rooms.id = seats.room_id WHERE rooms.ended_at IS NOT NULL";
    static const char people_sql[] = "DELETE participants FROM participants JOIN rooms "
                                     "ON rooms.id = participants.room_id WHERE rooms.ended_at IS NOT NULL";
    static const char events_sql[] = "DELETE FROM events_seen WHERE received_at < ?";
    static const char keys_sql[] = "DELETE FROM key_failures WHERE window_start < ?";
    static const char clients_sql[] = "DELETE FROM db_clients WHERE seen_at < ?";
    /* older than any [reports] window or limit can look back (both at most a day) */
    static const char reports_sql[] = "DELETE FROM unreachable_reports WHERE reported_at < ?";
    static const char moves_sql[] = "DELETE FROM report_moves WHERE moved_at < ?";
    /* events for the application: kept a week after their last delivery
     * (mrbctl events list and replay look back that far); pending ones stay */
    static const char deliveries_sql[] = "DELETE FROM event_deliveries WHERE state <> 'pending' AND done_ms < ?";
    static const char outbox_sql[] = "DELETE o FROM events_outbox o WHERE o.created_ms < ? AND o.fanned = 1 "
                                     "AND NOT EXISTS (SELECT 1 FROM event_deliveries d WHERE d.event_id = o.id)";
    struct db_val day[] = {DB_I(now - 86400)};
    unsigned long long a = 0, c = 0, d = 0;
    struct mrb_err err = {0};

    db_exec(app->db, seats_sql, DB_NO_PARAMS, &a, &err);
    /* Lapsed seats of live rooms stay: join-room reclaims them when a room
     * fills (seat.c), which keeps rooms.seats_taken exact without a scan here. */
    db_exec(app->db, people_sql, DB_NO_PARAMS, &c, &err);
    db_exec(app->db, events_sql, DB_PARAMS(day), &d, &err);
    struct db_val window[] = {DB_I(now - app->conf.limits.window)};
    db_exec(app->db, keys_sql, DB_PARAMS(window), NULL, &err);
    db_exec(app->db, clients_sql, DB_PARAMS(day), NULL, &err);
    db_exec(app->db, reports_sql, DB_PARAMS(day), NULL, &err);
    db_exec(app->db, moves_sql, DB_PARAMS(day), NULL, &err);
    struct db_val week_ms[] = {DB_I((now - 7 * 86400LL) * 1000)};
    db_exec(app->db, deliveries_sql, DB_PARAMS(week_ms), NULL, &err);
    db_exec(app->db, outbox_sql, DB_PARAMS(week_ms), NULL, &err);
    st->purged_seats = (long)a;
    st->purged_participants = (long)c;
    st->purged_events = (long)d;
    st->purged_rooms = purge_rooms(app, now);
}

int expire_run(struct mrb_app *app, int dry_run, struct expire_stats *st)
{
    static const char sql[] =
        "SELECT r.id, r.secret, r.server_id, s.admin_url, s.admin_secret, r.room_type FROM rooms r "
        "LEFT JOIN servers s ON s.id = r.server_id WHERE r.ended_at IS NULL AND r.expires_at <= ? "
        "ORDER BY r.expires_at LIMIT ?";
    struct db_col cols[6] = {{.type = DB_STR}, {.type = DB_STR}, {.type = DB_STR}, {.type = DB_STR},
                             {.type = DB_STR}, {.type = DB_STR}};
    long long now = util_now();
    struct db_val p[] = {DB_I(now), DB_I(app->conf.expire.max_rooms)};
    struct collect k = {0};
    struct janus_http *reqs = NULL;
    char **bodies = NULL, *done = NULL;
    struct mrb_err err = {0};
    void *rows;
    int rc = -1;

    memset(st, 0, sizeof(*st));
    if (db_collect(app->db, sql, DB_PARAMS(p), cols, 6, sizeof(*k.v), fill_victim, NULL, &rows, &k.n, &err) != 0) {
        log_msg(LOG_LVL_WARN, "cannot read expired rooms: %s", err.msg);
        goto out;
    }
    k.v = rows;
    st->expired = (long)k.n;
    if (dry_run) {
        for (size_t i = 0; i < k.n; i++)
            log_msg(LOG_LVL_INFO, "would destroy room %s on %s", k.v[i].id, k.v[i].server);
        rc = 0;
        goto out;
    }
    reqs = calloc(k.n ? k.n : 1, sizeof(*reqs));
    bodies = calloc(k.n ? k.n : 1, sizeof(*bodies));
    done = calloc(k.n ? k.n : 1, 1);
    if (reqs == NULL || bodies == NULL || done == NULL)
        goto out;
    for (size_t i = 0; i < k.n; i++) {
        struct janus_server js = {k.v[i].server, k.v[i].admin_url, k.v[i].admin_secret, NULL};
        json_t *req;
        if (k.v[i].orphan)
            continue;
        req = json_pack("{s:s, s:s, s:s}", "request", "destroy", "room", k.v[i].id, "secret", k.v[i].secret);
        bodies[i] = req ? janus_admin_body(&js, k.v[i].plugin, req) : NULL;
        json_decref(req);
        reqs[i].url = bodies[i] ? k.v[i].admin_url : NULL;
        reqs[i].body = bodies[i];
    }
    /* one concurrent sweep over every server; orphans have no URL and are skipped */
    janus_http_many(reqs, k.n, (int)app->conf.expire.parallel, app->conf.janus.timeout_ms);
    for (size_t i = 0; i < k.n; i++) {
        struct victim *v = &k.v[i];
        struct janus_server js = {v->server, v->admin_url, v->admin_secret, NULL};
        struct mrb_err e = {0};
        enum janus_result r;
        if (v->orphan) {
            done[i] = 1;
            st->gone++;
            log_msg(LOG_LVL_INFO, "room %s ended (its server %s is no longer registered)", v->id, v->server);
            continue;
        }
        r = janus_admin_parse(&js, v->plugin, reqs[i].reply, reqs[i].reply_len, reqs[i].status, NULL, &e);
        if (r == JANUS_OK) {
            done[i] = 1;
            st->destroyed++;
            log_msg(LOG_LVL_INFO, "room %s destroyed on %s", v->id, v->server);
        } else if (r == JANUS_GONE) {
            done[i] = 1;
            st->gone++;
            log_msg(LOG_LVL_INFO, "room %s already gone from %s", v->id, v->server);
        } else {
            st->failed++;
            log_msg(LOG_LVL_WARN, "room %s on %s: %s; retrying next run", v->id, v->server, e.msg);
        }
    }
    if (mark_ended(app, k.v, done, k.n, now) != 0) {
        log_msg(LOG_LVL_WARN, "cannot mark rooms ended; the next run retries them");
        goto out;
    }
    if (st->destroyed + st->gone > 0)
        counters_add(app, COUNTERS_EXPIRED, "", st->destroyed + st->gone);
    purge(app, now, st);
    servers_finish_drains(app, &err);
    rc = 0;
out:
    if (reqs)
        janus_http_done(reqs, k.n);
    for (size_t i = 0; bodies && i < k.n; i++)
        free(bodies[i]);
    free(bodies);
    free(reqs);
    free(done);
    free(k.v);
    return rc;
}
