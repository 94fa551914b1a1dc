#include <stdio.h>
#include <string.h>

#include "seat.h"
#include "util.h"

/* Deletes the room's lapsed seats (unconnected past their grace), except
 * user_id's own, and recounts seats_taken exactly. Only a room that looks
 * full pays for this scan. Returns the new count, or -1. */
static long long reclaim(struct mrb_app *app, const char *room_id, const char *user_id, long long now,
                         struct mrb_err *err)
{
    static const char lapsed_sql[] =
        "DELETE FROM seats WHERE room_id = ? AND connected = 0 AND held_until < ? AND user_id <> ?";
    static const char recount_sql[] =
        "UPDATE rooms SET seats_taken = (SELECT COUNT(*) FROM seats WHERE room_id = ?) WHERE id = ?";
    static const char count_sql[] = "SELECT seats_taken FROM rooms WHERE id = ?";
    struct db_val lapsed[] = {DB_S(room_id), DB_I(now), DB_S(user_id)};
    struct db_val recount[] = {DB_S(room_id), DB_S(room_id)};
    struct db_val one[] = {DB_S(room_id)};
    struct db_col n = {.type = DB_INT};

    if (db_exec(app->db, lapsed_sql, lapsed, 3, NULL, err) != 0 ||
        db_exec(app->db, recount_sql, recount, 2, NULL, err) != 0 ||
        db_query(app->db, count_sql, one, 1, &n, 1, NULL, NULL, err) != 1)
        return -1;
    return n.i;
}

/* One attempt; DB_DUP when a concurrent join of the same user won the insert. */
static int hold_once(struct mrb_app *app, const char *room_id, const char *user_id, long long now, char *opaque,
                     size_t opaque_len, struct mrb_err *err)
{
    /* The room row's lock serialises admissions to this room. */
    static const char lock_sql[] =
        "SELECT r.max_participants, r.seats_taken, s.opaque_id, s.connected = 1 OR s.held_until >= ? "
        "FROM rooms r LEFT JOIN seats s ON s.room_id = r.id AND s.user_id = ? WHERE r.id = ? FOR UPDATE";
    static const char insert_sql[] = "INSERT INTO seats (room_id, user_id, opaque_id, connected, held_until, "
                                     "created_at) VALUES (?, ?, ?, 0, ?, ?)";
    static const char taken_sql[] = "UPDATE rooms SET seats_taken = seats_taken + 1 WHERE id = ?";
    static const char renew_sql[] = "UPDATE seats SET held_until = GREATEST(held_until, ?) "
                                    "WHERE room_id = ? AND user_id = ?";
    enum { L_MAX, L_TAKEN, L_OPAQUE, L_LIVE };
    const long long deadline = now + app->conf.rooms.seat_grace;
    struct db_col col[4] = {{.type = DB_INT}, {.type = DB_INT}, {.type = DB_STR}, {.type = DB_INT}};
    struct db_val lock[] = {DB_I(now), DB_S(user_id), DB_S(room_id)};
    struct db_val one[] = {DB_S(room_id)};
    long long others;
    int n, rc;

    if (db_begin(app->db, err) != 0)
        return -1;
    n = db_query(app->db, lock_sql, lock, 3, col, 4, NULL, NULL, err);
    if (n <= 0) {
        if (n == 0)
            err_set(err, 404, "104", "room not found");
        goto err;
    }
    if (!(!col[L_OPAQUE].is_null && col[L_LIVE].i == 1)) {
        /* seats other than the user's own lapsed one, if any */
        others = col[L_TAKEN].i - (col[L_OPAQUE].is_null ? 0 : 1);
        if (others >= col[L_MAX].i) {
            others = reclaim(app, room_id, user_id, now, err);
            if (others < 0)
                goto err;
            others -= col[L_OPAQUE].is_null ? 0 : 1;
        }
        if (others >= col[L_MAX].i) {
            err_set(err, 409, "107", "room is full");
            goto err;
        }
    }
    if (!col[L_OPAQUE].is_null) { /* a reload, or a lapsed seat taken up again: same opaque id */
        struct db_val renew[] = {DB_I(deadline), DB_S(room_id), DB_S(user_id)};
        if (db_col_str(opaque, opaque_len, &col[L_OPAQUE]) != 0 ||
            db_exec(app->db, renew_sql, renew, 3, NULL, err) != 0 || db_commit(app->db, err) != 0)
            goto err;
        return 0;
    }
    memcpy(opaque, "mrb-", 4);
    if (opaque_len < 30 || util_random_token(opaque + 4, opaque_len - 4, 16) != 0) {
        err_set(err, 503, "503", "no randomness available");
        goto err;
    }
    struct db_val ins[] = {DB_S(room_id), DB_S(user_id), DB_S(opaque), DB_I(deadline), DB_I(now)};
    rc = db_exec(app->db, insert_sql, ins, 5, NULL, err);
    if (rc == DB_DUP) {
        db_rollback(app->db);
        return DB_DUP;
    }
    if (rc != 0 || db_exec(app->db, taken_sql, one, 1, NULL, err) != 0 || db_commit(app->db, err) != 0)
        goto err;
    return 0;
err:
    db_rollback(app->db);
    return -1;
}

int seat_take(struct mrb_app *app, const char *room_id, const char *user_id, long long now, char *opaque,
              size_t opaque_len, struct mrb_err *err)
{
    static const char claim_sql[] = "UPDATE rooms SET seats_taken = seats_taken + 1 "
                                    "WHERE id = ? AND seats_taken < max_participants";
    static const char unclaim_sql[] = "UPDATE rooms SET seats_taken = GREATEST(seats_taken - 1, 0) WHERE id = ?";
    static const char insert_sql[] = "INSERT INTO seats (room_id, user_id, opaque_id, connected, held_until, "
                                     "created_at) VALUES (?, ?, ?, 0, ?, ?)";
    struct db_val one[] = {DB_S(room_id)};
    unsigned long long claimed = 0;
    struct mrb_err ignored;
    int rc;

    memcpy(opaque, "mrb-", 4);
    if (opaque_len < 30 || util_random_token(opaque + 4, opaque_len - 4, 16) != 0) {
        err_set(err, 503, "503", "no randomness available");
        return -1;
    }
    /* Each statement commits on its own; the conditional UPDATE is atomic,
     * so concurrent joins can never claim more seats than the room has. */
    if (db_exec(app->db, claim_sql, one, 1, &claimed, err) != 0)
        return -1;
    if (claimed == 0) /* full by the count: the locked path reclaims lapsed seats and decides */
        return seat_hold(app, room_id, user_id, now, opaque, opaque_len, err);
    struct db_val ins[] = {DB_S(room_id), DB_S(user_id), DB_S(opaque), DB_I(now + app->conf.rooms.seat_grace),
                           DB_I(now)};
    rc = db_exec(app->db, insert_sql, ins, 5, NULL, err);
    if (rc == 0)
        return 0;
    /* Give the claim back. Should that fail too, the count is one too high
     * until the room next looks full, when reclaim() recounts it exactly. */
    (void)db_exec(app->db, unclaim_sql, one, 1, NULL, &ignored);
    if (rc == DB_DUP) /* the same user's other request took a seat first: this is a reload */
        return seat_hold(app, room_id, user_id, now, opaque, opaque_len, err);
    return -1;
}

int seat_extend(struct mrb_app *app, const char *room_id, const char *user_id, long long now,
                struct mrb_err *err)
{
    /* only a seat still held: a lapsed one must pass the capacity check again */
    static const char sql[] = "UPDATE seats SET held_until = GREATEST(held_until, ?) "
                              "WHERE room_id = ? AND user_id = ? AND (connected = 1 OR held_until >= ?)";
    struct db_val p[] = {DB_I(now + app->conf.rooms.seat_grace), DB_S(room_id), DB_S(user_id), DB_I(now)};
    unsigned long long matched = 0;

    if (db_exec(app->db, sql, p, 4, &matched, err) != 0)
        return -1;
    return matched ? 1 : 0;
}

int seat_hold(struct mrb_app *app, const char *room_id, const char *user_id, long long now, char *opaque,
              size_t opaque_len, struct mrb_err *err)
{
    int rc = hold_once(app, room_id, user_id, now, opaque, opaque_len, err);

    if (rc == DB_DUP) /* the other request holds the seat now: take it as a reload */
        rc = hold_once(app, room_id, user_id, now, opaque, opaque_len, err);
    if (rc == DB_DUP)
        err_set(err, 409, "107", "seat contention, try again");
    return rc == 0 ? 0 : -1;
}
