#include <stdio.h>
#include <string.h>

#include "seat.h"
#include "util.h"

/* One attempt; DB_DUP when a concurrent join of the same user won the insert. */
static int hold_once(struct mrb_app *app, const char *room_id, const char *user_id, long long now, char *opaque,
                     size_t opaque_len, struct mrb_err *err)
{
    static const char lock_sql[] = "SELECT max_participants FROM rooms WHERE id = ? FOR UPDATE";
    static const char mine_sql[] = "SELECT opaque_id FROM seats WHERE room_id = ? AND user_id = ?";
    static const char extend_sql[] =
        "UPDATE seats SET held_until = GREATEST(held_until, ?) WHERE room_id = ? AND user_id = ?";
    static const char expire_sql[] = "DELETE FROM seats WHERE room_id = ? AND connected = 0 AND held_until < ?";
    static const char count_sql[] = "SELECT COUNT(*) FROM seats WHERE room_id = ?";
    static const char insert_sql[] = "INSERT INTO seats (room_id, user_id, opaque_id, connected, held_until, "
                                     "created_at) VALUES (?, ?, ?, 0, ?, ?)";
    const long long deadline = now + app->conf.rooms.seat_grace;
    struct db_col col = {.type = DB_INT};
    struct db_col ocol = {.type = DB_STR};
    struct db_val room[] = {DB_S(room_id)};
    struct db_val mine[] = {DB_S(room_id), DB_S(user_id)};
    long long capacity;
    int n, rc;

    if (db_begin(app->db, err) != 0)
        return -1;
    n = db_query(app->db, lock_sql, room, 1, &col, 1, NULL, NULL, err);
    if (n <= 0) {
        if (n == 0)
            err_set(err, 404, "104", "room not found");
        goto err;
    }
    capacity = col.i;
    n = db_query(app->db, mine_sql, mine, 2, &ocol, 1, NULL, NULL, err);
    if (n < 0)
        goto err;
    if (n == 1) { /* a reload: same seat, same opaque id */
        struct db_val ext[] = {DB_I(deadline), DB_S(room_id), DB_S(user_id)};
        if (db_exec(app->db, extend_sql, ext, 3, NULL, err) != 0 || db_commit(app->db, err) != 0)
            goto err;
        snprintf(opaque, opaque_len, "%s", ocol.s);
        return 0;
    }
    struct db_val exp[] = {DB_S(room_id), DB_I(now)};
    if (db_exec(app->db, expire_sql, exp, 2, NULL, err) != 0 ||
        db_query(app->db, count_sql, room, 1, &col, 1, NULL, NULL, err) != 1)
        goto err;
    if (col.i >= capacity) {
        err_set(err, 409, "107", "room is full");
        goto err;
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
    if (rc != 0 || db_commit(app->db, err) != 0)
        goto err;
    return 0;
err:
    db_rollback(app->db);
    return -1;
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
