#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seat.h"
#include "util.h"

/*
 * Seats. rooms.seats_taken is the number of the room's seat rows, kept by
 * deltas: every transaction that inserts or deletes seat rows changes
 * seats_taken by the same number before it commits, so no transaction can
 * ever observe one without the other. Admission is the conditional
 * increment `seats_taken < max_participants`, which is exact on one node
 * (the row lock) and across Galera nodes (two writers of the room row: one
 * fails certification and runs again). Nothing ever recounts: a recount is
 * a read of other transactions' rows, and it was exactly such a recount,
 * landing between a claim and its INSERT, that let an 11th user into a
 * 10-seat room. docs/DESIGN.md has the whole argument.
 */

struct claim {
    const struct mrb_conf *conf;
    const char *room_id, *user_id, *opaque;
    long long now;
    int full; /* out: the room had no seat, even after reclaiming */
    struct seat_room *room; /* out: the room after the claim */
};

/* A lapsed seat's user_id (the seats key is room_id, user_id; VARCHAR(64)
 * of up to 4-byte characters). */
typedef char seat_user_buf[257];

/* Deletes the room's lapsed seats (unconnected past their grace) and
 * returns how many in *freed. They are found by a plain read, which in READ
 * COMMITTED never waits, and deleted one by one by primary key, the lapse
 * re-checked: a range DELETE would have to lock every seat row of the room,
 * including the fresh, uncommitted rows of the other joins, each waiting for
 * the room row this transaction holds, which is a deadlock with every one
 * of them whenever a room is full. Returns 0 or DB_*. */
static int reclaim_lapsed(struct db *db, const struct claim *c, unsigned long long *freed, struct mrb_err *err)
{
    static const char find_sql[] =
        "SELECT user_id FROM seats WHERE room_id = ? AND connected = 0 AND held_until < ?";
    static const char delete_sql[] = "DELETE FROM seats WHERE room_id = ? AND user_id = ? "
                                     "AND connected = 0 AND held_until < ?";
    struct db_val find[] = {DB_S(c->room_id), DB_I(c->now)};
    struct db_col col = {.type = DB_STR};
    seat_user_buf *users;
    void *rows = NULL;
    size_t n = 0;
    size_t user_size = sizeof(*users);
    int rc = db_collect(db, find_sql, DB_PARAMS(find), &col, 1, user_size, db_fill_text, &user_size, &rows, &n, err);

    *freed = 0;
    users = rows;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct db_val del[] = {DB_S(c->room_id), DB_S(users[i]), DB_I(c->now)};
        unsigned long long gone = 0;

        rc = db_exec(db, delete_sql, DB_PARAMS(del), &gone, err);
        *freed += gone;
    }
    free(rows);
    return rc;
}

/* The room row after this transaction's claim (its lock is held). */
static int claimed_room(struct db *db, struct claim *c, struct mrb_err *err)
{
    static const char sql[] = "SELECT seats_taken, server_id FROM rooms WHERE id = ?";
    struct db_val p[] = {DB_S(c->room_id)};
    struct db_col r[2] = {{.type = DB_INT}, {.type = DB_STR}};
    int n = db_query(db, sql, DB_PARAMS(p), r, 2, NULL, NULL, err);

    if (n < 0)
        return n; /* DB_CONFLICT runs the claim again */
    c->room->taken = n == 1 ? r[0].i : 0;
    if (n != 1 || db_col_str(c->room->server_id, sizeof(c->room->server_id), &r[1]) != 0)
        c->room->server_id[0] = '\0';
    return 0;
}

/* One transaction: the conditional increment and the seat row together.
 * When the count says full, the room's lapsed seats are deleted in the same
 * transaction and the count lowered by exactly the rows deleted; those rows
 * are locked by this transaction, so no other one can count or delete them
 * twice. */
static int claim_txn(struct db *db, void *ctx, struct mrb_err *err)
{
    static const char claim_sql[] = "UPDATE rooms SET seats_taken = seats_taken + 1 "
                                    "WHERE id = ? AND seats_taken < max_participants";
    static const char reclaim_sql[] = "UPDATE rooms SET seats_taken = seats_taken - ? + 1 "
                                      "WHERE id = ? AND seats_taken - ? < max_participants";
    static const char insert_sql[] = "INSERT INTO seats (room_id, user_id, opaque_id, connected, held_until, "
                                     "created_at) VALUES (?, ?, ?, 0, ?, ?)";
    struct claim *c = ctx;
    struct db_val one[] = {DB_S(c->room_id)};
    unsigned long long claimed = 0, freed = 0;
    int rc;

    c->full = 0;
    /* The seat row first, the room row last: the room row is the one every
     * join of the room writes, so it is held for the shortest time before
     * COMMIT (on Galera, the shortest window for a conflicting write from
     * another node), and every transaction takes seats before rooms. */
    struct db_val ins[] = {DB_S(c->room_id), DB_S(c->user_id), DB_S(c->opaque),
                           DB_I(c->now + c->conf->rooms.seat_grace), DB_I(c->now)};
    rc = db_exec(db, insert_sql, DB_PARAMS(ins), NULL, err);
    if (rc != 0)
        return rc;
    rc = db_exec(db, claim_sql, DB_PARAMS(one), &claimed, err);
    if (rc != 0 || claimed == 1)
        return rc != 0 ? rc : claimed_room(db, c, err);
    /* Full by the count: reclaim lapsed seats (ours is not: its grace runs) */
    rc = reclaim_lapsed(db, c, &freed, err);
    if (rc != 0)
        return rc;
    if (freed > 0) {
        struct db_val re[] = {DB_I(freed), DB_S(c->room_id), DB_I(freed)};
        rc = db_exec(db, reclaim_sql, DB_PARAMS(re), &claimed, err);
        if (rc != 0)
            return rc;
    }
    if (claimed == 0) { /* live seats fill the room: our row and the lapsed ones roll back */
        c->full = 1;
        return -1;
    }
    return claimed_room(db, c, err);
}

int seat_keep(struct mrb_app *app, const char *room_id, const char *user_id, const char *opaque,
              long long now, struct mrb_err *err)
{
    static const char sql[] = "UPDATE seats SET held_until = GREATEST(held_until, ?) "
                              "WHERE room_id = ? AND user_id = ? AND opaque_id = ?";
    struct db_val p[] = {DB_I(now + app->conf.rooms.seat_grace), DB_S(room_id), DB_S(user_id), DB_S(opaque)};
    unsigned long long matched = 0;

    if (db_exec(app->db, sql, DB_PARAMS(p), &matched, err) != 0)
        return -1;
    return matched ? 1 : 0;
}

/* user_id's seat in room_id, if any, into opaque. 1 found, 0 none, -1. */
static int own_seat(struct mrb_app *app, const char *room_id, const char *user_id, char *opaque,
                    size_t opaque_len, struct mrb_err *err)
{
    static const char sql[] = "SELECT opaque_id FROM seats WHERE room_id = ? AND user_id = ?";
    struct db_val p[] = {DB_S(room_id), DB_S(user_id)};
    struct db_col col = {.type = DB_STR};
    int n = db_query(app->db, sql, DB_PARAMS(p), &col, 1, NULL, NULL, err);

    if (n <= 0)
        return n < 0 ? -1 : 0;
    if (db_col_str(opaque, opaque_len, &col) != 0) {
        err_set(err, E_UNAVAILABLE, "seat record is corrupt");
        return -1;
    }
    return 1;
}

int seat_take(struct mrb_app *app, const char *room_id, const char *user_id, long long now, char *opaque,
              size_t opaque_len, struct seat_room *room, struct mrb_err *err)
{
    struct claim c = {&app->conf, room_id, user_id, opaque, now, 0, room};
    int rc;

    room->taken = 0;
    room->server_id[0] = '\0';

    if (opaque_len < 30) {
        err_set(err, E_UNAVAILABLE, "opaque id buffer too small");
        return -1;
    }
    /* Two rounds: the same user's other request may take a seat between our
     * claim and our look at it, or lose its seat to a reclaim in between. */
    for (int round = 0; round < 2; round++) {
        memcpy(opaque, "mrb-", 4);
        if (util_random_token(opaque + 4, opaque_len - 4, 16) != 0) {
            err_set(err, E_UNAVAILABLE, "no randomness available");
            return -1;
        }
        rc = db_transaction(app->db, claim_txn, &c, DB_TXN_REPLAYABLE, err);
        if (rc == 0)
            return 0;
        if (c.full) {
            err_set_code(err, E_ROOM_FULL);
            return -1;
        }
        if (rc != DB_DUP)
            return -1;
        /* The same user's concurrent request holds a seat now: a reload. */
        room->taken = 0;
        room->server_id[0] = '\0';
        rc = own_seat(app, room_id, user_id, opaque, opaque_len, err);
        if (rc == 1)
            rc = seat_keep(app, room_id, user_id, opaque, now, err);
        if (rc != 0)
            return rc == 1 ? 0 : -1;
    }
    err_set(err, E_ROOM_FULL, "seat contention, try again");
    return -1;
}
