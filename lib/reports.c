/* Members' reports of an unreachable server, weighed per room (reports.h). */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "reports.h"
#include "util.h"

#define REPORTS_RATE_PERIOD 60 /* [reports] server_rate counts moves per this many seconds */

struct weigh_txn {
    const struct mrb_conf *conf;
    const char *room, *server, *user;
    long long now;
    enum reports_verdict verdict;
    struct reports_move *move;
};

/* One count(*)-like answer of sql into *n. Returns 0 or a db_* code. */
static int count(struct db *db, const char *sql, const struct db_val *p, size_t np, long long *n,
                 struct mrb_err *err)
{
    struct db_col c = {.type = DB_INT};
    int rc = db_query(db, sql, p, np, &c, 1, NULL, NULL, err);

    if (rc < 0)
        return rc;
    *n = rc == 1 && !c.is_null ? c.i : 0;
    return 0;
}

/* Enough members have reported: at least 2 distinct ones, or every member
 * Janus lists as present (participants, by the webhook) when fewer than 2
 * are, and at least 1 is. A reporter that nobody saw in the room is one
 * member's word: it moves nothing alone. */
static int enough(struct db *db, const struct weigh_txn *t, struct mrb_err *err)
{
    static const char reporters_sql[] =
        "SELECT COUNT(*) FROM unreachable_reports WHERE room_id = ? AND server_id = ? AND reported_at >= ?";
    static const char present_sql[] =
        "SELECT COUNT(DISTINCT COALESCE(p.user_id, p.participant_id)), "
        "COUNT(DISTINCT IF(r.user_id IS NULL, COALESCE(p.user_id, p.participant_id), NULL)) FROM participants p "
        "LEFT JOIN unreachable_reports r ON r.room_id = p.room_id AND r.server_id = p.server_id "
        "AND r.user_id = p.user_id AND r.reported_at >= ? "
        "WHERE p.room_id = ? AND p.server_id = ? AND p.main_id IS NULL";
    const long long since = t->now - t->conf->reports.window;
    struct db_val rp[] = {DB_S(t->room), DB_S(t->server), DB_I(since)};
    struct db_val pp[] = {DB_I(since), DB_S(t->room), DB_S(t->server)};
    struct db_col pc[2] = {{.type = DB_INT}, {.type = DB_INT}};
    long long reporters = 0;
    int rc;

    if ((rc = count(db, reporters_sql, DB_PARAMS(rp), &reporters, err)) != 0)
        return rc;
    if (reporters >= 2)
        return 1;
    rc = db_query(db, present_sql, DB_PARAMS(pp), pc, 2, NULL, NULL, err);
    if (rc < 0)
        return rc;
    return rc == 1 && pc[0].i >= 1 && pc[1].i == 0 ? 1 : 0; /* present, and not one of them silent */
}

/* 1 when the room, or the server, has had its moves for reports. */
static int limited(struct db *db, const struct weigh_txn *t, struct mrb_err *err)
{
    static const char room_sql[] = "SELECT COUNT(*) FROM report_moves WHERE room_id = ? AND moved_at > ?";
    static const char server_sql[] = "SELECT COUNT(*) FROM report_moves WHERE from_server = ? AND moved_at > ?";
    struct db_val rp[] = {DB_S(t->room), DB_I(t->now - t->conf->reports.room_interval)};
    struct db_val sp[] = {DB_S(t->server), DB_I(t->now - REPORTS_RATE_PERIOD)};
    long long room = 0, server = 0;
    int rc;

    if ((rc = count(db, room_sql, DB_PARAMS(rp), &room, err)) != 0 ||
        (rc = count(db, server_sql, DB_PARAMS(sp), &server, err)) != 0)
        return rc;
    return room > 0 || server >= t->conf->reports.server_rate ? 1 : 0;
}

/* The move written down: both limits count it, the reports are used up,
 * and move->avoid names the server the room left this way before (it does
 * not go back there). */
static int claim(struct db *db, struct weigh_txn *t, struct mrb_err *err)
{
    static const char avoid_sql[] = "SELECT from_server FROM report_moves WHERE room_id = ? AND from_server <> ? "
                                    "AND moved_at > ? ORDER BY moved_at DESC LIMIT 1";
    static const char move_sql[] = "INSERT INTO report_moves (room_id, from_server, moved_at) VALUES (?, ?, ?) "
                                   "ON DUPLICATE KEY UPDATE moved_at = VALUES(moved_at)";
    static const char used_sql[] = "DELETE FROM unreachable_reports WHERE room_id = ? AND server_id = ?";
    const long long since = t->now - t->conf->reports.suspect_for;
    struct db_val ap[] = {DB_S(t->room), DB_S(t->server), DB_I(since)};
    struct db_val mp[] = {DB_S(t->room), DB_S(t->server), DB_I(t->now)};
    struct db_val up[] = {DB_S(t->room), DB_S(t->server)};
    struct db_col avoid = {.type = DB_STR};
    int rc = db_query(db, avoid_sql, DB_PARAMS(ap), &avoid, 1, NULL, NULL, err);

    if (rc < 0)
        return rc;
    if (rc == 1 && db_col_str(t->move->avoid, sizeof(t->move->avoid), &avoid) != 0)
        t->move->avoid[0] = '\0';
    if ((rc = db_exec(db, move_sql, DB_PARAMS(mp), NULL, err)) != 0)
        return rc;
    return db_exec(db, used_sql, DB_PARAMS(up), NULL, err);
}

static int weigh_txn(struct db *db, void *ctx, struct mrb_err *err)
{
    static const char lock_sql[] = "SELECT server_id FROM rooms WHERE id = ? AND ended_at IS NULL FOR UPDATE";
    static const char report_sql[] = "INSERT INTO unreachable_reports (room_id, server_id, user_id, reported_at) "
                                     "VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE reported_at = VALUES(reported_at)";
    struct weigh_txn *t = ctx;
    struct db_val lp[] = {DB_S(t->room)};
    struct db_val rp[] = {DB_S(t->room), DB_S(t->server), DB_S(t->user), DB_I(t->now)};
    struct db_col on = {.type = DB_STR};
    int rc;

    t->verdict = REPORTS_WAIT;
    t->move->avoid[0] = '\0';
    rc = db_query(db, lock_sql, DB_PARAMS(lp), &on, 1, NULL, NULL, err);
    if (rc < 0)
        return rc;
    if (rc == 0 || strcmp(on.s, t->server) != 0) {
        t->verdict = REPORTS_GONE;
        return 0;
    }
    if ((rc = db_exec(db, report_sql, DB_PARAMS(rp), NULL, err)) != 0)
        return rc;
    if ((rc = enough(db, t, err)) <= 0)
        return rc;
    if ((rc = limited(db, t, err)) != 0) {
        if (rc == 1)
            t->verdict = REPORTS_LIMITED;
        return rc < 0 ? rc : 0;
    }
    if ((rc = claim(db, t, err)) != 0)
        return rc;
    t->verdict = REPORTS_MOVE;
    return 0;
}

int reports_weigh(struct mrb_app *app, const char *room, const char *server, const char *user,
                  struct reports_move *move, struct mrb_err *err)
{
    struct weigh_txn t = {&app->conf, room, server, user, util_now(), REPORTS_WAIT, move};

    if (db_transaction(app->db, weigh_txn, &t, DB_TXN_REPLAYABLE, err) != 0)
        return -1;
    return (int)t.verdict;
}

void reports_moved(struct mrb_app *app, const char *room, const char *server)
{
    static const char sql[] = "UPDATE servers SET suspect_until = GREATEST(COALESCE(suspect_until, 0), ?) WHERE id = ?";
    struct db_val p[] = {DB_I(util_now() + app->conf.reports.suspect_for), DB_S(server)};

    log_msg(LOG_LVL_WARN, "server %s answers MRB but not the people of room %s: room moved, server suspect", server,
            room);
    (void)db_exec(app->db, sql, DB_PARAMS(p), NULL, NULL);
}

void reports_unclaim(struct mrb_app *app, const char *room, const char *server)
{
    static const char sql[] = "DELETE FROM report_moves WHERE room_id = ? AND from_server = ?";
    struct db_val p[] = {DB_S(room), DB_S(server)};

    (void)db_exec(app->db, sql, DB_PARAMS(p), NULL, NULL);
}

int reports_suspect(long long suspect_until, long long now)
{
    return suspect_until > now;
}
