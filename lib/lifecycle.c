/* The operator's server lifecycle (lifecycle.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "lifecycle.h"
#include "room.h"
#include "servers.h"
#include "util.h"

enum lifecycle_result lifecycle_add(struct mrb_app *app, const struct conf_server *s, struct mrb_err *err)
{
    static const char sql[] =
        "INSERT INTO servers (id, public_url, admin_url, admin_secret, token_secret, metrics_url, weight, state, "
        "webhook_user, webhook_digest, region, tags, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, 'disabled', ?, ?, ?, ?, ?, ?)";
    long long now = util_now();
    char digest[65];
    int rc;

    if (servers_webhook_digest(s, digest, err) != 0)
        return LIFECYCLE_FAILED;
    const char *hashed = digest[0] ? digest : NULL;
    struct db_val p[] = {DB_S(s->name), DB_S(s->public_url), DB_S(s->admin_url), DB_S(s->admin_secret),
                         DB_S(s->token_secret), DB_SN(s->metrics_url), DB_D(s->weight), DB_SN(s->webhook_user),
                         DB_SN(hashed), DB_S(s->region ? s->region : ""), DB_S(s->tags ? s->tags : ""), DB_I(now),
                         DB_I(now)};
    rc = db_exec(app->db, sql, DB_PARAMS(p), NULL, err);
    if (rc == DB_DUP) { /* the name, or the webhook user (unique too) */
        struct server_row row;
        return servers_get(app, s->name, &row, err) == 0 ? LIFECYCLE_CREDENTIAL_TAKEN : LIFECYCLE_EXISTS;
    }

    return rc == 0 && servers_rescore(app, s->name, err) >= 0 ? LIFECYCLE_DONE : LIFECYCLE_FAILED;
}

enum lifecycle_result lifecycle_set_state(struct mrb_app *app, const char *id, const char *state, struct mrb_err *err)
{
    /* Enabling also clears a suspect mark (reports.h): the operator says
     * the server is fine (its firewall mended), rather than wait it out. */
    static const char sql[] = "UPDATE servers SET state = ?, drain_deadline = NULL, updated_at = ?, "
                              "suspect_until = IF(? = 'enabled', NULL, suspect_until) WHERE id = ?";
    struct db_val p[] = {DB_S(state), DB_I(util_now()), DB_S(state), DB_S(id)};
    unsigned long long matched = 0;

    if (db_exec(app->db, sql, DB_PARAMS(p), &matched, err) != 0)
        return LIFECYCLE_FAILED;
    return matched ? LIFECYCLE_DONE : LIFECYCLE_NO_SUCH_SERVER;
}

long long lifecycle_open_rooms(struct mrb_app *app, const char *id, struct mrb_err *err)
{
    static const char sql[] = "SELECT COUNT(*) FROM rooms WHERE server_id = ? AND ended_at IS NULL";
    struct db_col n = {.type = DB_INT};
    struct db_val p[] = {DB_S(id)};

    return db_query(app->db, sql, DB_PARAMS(p), &n, 1, NULL, NULL, err) == 1 ? n.i : -1;
}

typedef char room_id_buf[65];

static int remove_txn(struct db *db, void *ctx, struct mrb_err *err)
{
    static const char *const deletes[] = {
        "DELETE FROM participants WHERE server_id = ?", "DELETE FROM server_sessions WHERE server_id = ?",
        "DELETE FROM server_handles WHERE server_id = ?",
        /* old copies there can no longer be destroyed, nor its rooms reconciled */
        "DELETE FROM stale_copies WHERE server_id = ?", "DELETE FROM presence_checks WHERE server_id = ?",
        "DELETE FROM servers WHERE id = ?"};
    struct db_val p[] = {DB_S(ctx)};
    int rc = 0;

    for (size_t i = 0; i < sizeof(deletes) / sizeof(deletes[0]) && rc == 0; i++)
        rc = db_exec(db, deletes[i], DB_PARAMS(p), NULL, err);
    return rc;
}

enum lifecycle_result lifecycle_remove(struct mrb_app *app, const char *id, int force, long long *open,
                               struct mrb_err *err)
{
    static const char rooms_sql[] = "SELECT id FROM rooms WHERE server_id = ? AND ended_at IS NULL";
    struct db_col col = {.type = DB_STR};
    struct db_val p[] = {DB_S(id)};
    struct server_row row;
    room_id_buf *ids;
    void *rows;
    size_t n;
    int found = servers_get(app, id, &row, err);

    *open = 0;
    if (found <= 0)
        return found == 0 ? LIFECYCLE_NO_SUCH_SERVER : LIFECYCLE_FAILED;
    *open = lifecycle_open_rooms(app, id, err);
    if (*open < 0)
        return LIFECYCLE_FAILED;
    if (*open > 0 && !force)
        return LIFECYCLE_HAS_ROOMS;
    if (*open > 0) {
        size_t id_size = sizeof(*ids);
        if (db_collect(app->db, rooms_sql, DB_PARAMS(p), &col, 1, id_size, db_fill_text, &id_size, &rows, &n, err) != 0)
            return LIFECYCLE_FAILED;
        ids = rows;
        for (size_t i = 0; i < n; i++) {
            struct mrb_err e = {0};
            enum room_end_result rc = room_end(app, ids[i], "operator", &e);
            log_msg(LOG_LVL_INFO, "room %s %s", ids[i],
                    rc == ROOM_ENDED     ? "ended"
                    : rc == ROOM_REFUSED ? "refused to joiners (not destroyed: server unreachable)"
                                         : e.msg);
        }
        free(ids);
    }
    return db_transaction(app->db, remove_txn, (void *)id, DB_TXN_REPLAYABLE, err) == 0 ? LIFECYCLE_DONE : LIFECYCLE_FAILED;
}

enum lifecycle_result lifecycle_cordon(struct mrb_app *app, const char *id, char *state, struct mrb_err *err)
{
    return lifecycle_drain(app, id, 0, state, err);
}

enum lifecycle_result lifecycle_drain(struct mrb_app *app, const char *id, long long deadline, char *state,
                                      struct mrb_err *err)
{
    static const char set_sql[] = "UPDATE servers SET state = 'cordoned', drain_deadline = ?, updated_at = ? "
                                  "WHERE id = ?";
    static const char sql[] = "SELECT state FROM servers WHERE id = ?";
    struct db_col col = {.type = DB_STR};
    struct db_val p[] = {DB_S(id)};
    struct db_val s[] = {deadline ? DB_I(deadline) : (struct db_val){.type = DB_NULL}, DB_I(util_now()), DB_S(id)};
    unsigned long long matched = 0;

    if (db_exec(app->db, set_sql, DB_PARAMS(s), &matched, err) != 0)
        return LIFECYCLE_FAILED;
    if (matched == 0)
        return LIFECYCLE_NO_SUCH_SERVER;
    if (servers_finish_drains(app, err) < 0 || db_query(app->db, sql, DB_PARAMS(p), &col, 1, NULL, NULL, err) != 1)
        return LIFECYCLE_FAILED;
    return db_col_str(state, 16, &col) == 0 ? LIFECYCLE_DONE : LIFECYCLE_FAILED;
}

enum lifecycle_result lifecycle_undrain(struct mrb_app *app, const char *id, struct mrb_err *err)
{
    static const char sql[] = "UPDATE servers SET state = 'enabled', drain_deadline = NULL, updated_at = ? "
                              "WHERE id = ? AND state = 'cordoned'";
    static const char exists_sql[] = "SELECT 1 FROM servers WHERE id = ?";
    struct db_val p[] = {DB_I(util_now()), DB_S(id)};
    struct db_val one[] = {DB_S(id)};
    struct db_col c = {.type = DB_INT};
    unsigned long long matched = 0;
    int n;

    if (db_exec(app->db, sql, DB_PARAMS(p), &matched, err) != 0)
        return LIFECYCLE_FAILED;
    if (matched)
        return LIFECYCLE_DONE;
    n = db_query(app->db, exists_sql, DB_PARAMS(one), &c, 1, NULL, NULL, err);
    return n < 0 ? LIFECYCLE_FAILED : n == 0 ? LIFECYCLE_NO_SUCH_SERVER : LIFECYCLE_NOT_DRAINING;
}

/* After id's state is set (rc): every live room moved now, its old copy
 * destroyed (the server is alive: its people hear of the move at once);
 * *left gets the rooms still on it. */
static enum lifecycle_result move_all_now(struct mrb_app *app, const char *id, const char *reason,
                                          enum lifecycle_result rc, int *moved, long long *left, struct mrb_err *err)
{
    *moved = 0;
    *left = 0;
    if (rc != LIFECYCLE_DONE)
        return rc;
    *moved = servers_evacuate(app, id, 1, reason, err);
    if (*moved < 0)
        return LIFECYCLE_FAILED;
    *left = lifecycle_open_rooms(app, id, err);
    return *left < 0 ? LIFECYCLE_FAILED : LIFECYCLE_DONE;
}

enum lifecycle_result lifecycle_panic(struct mrb_app *app, const char *id, int *moved, long long *left,
                              struct mrb_err *err)
{
    return move_all_now(app, id, "panic", lifecycle_set_state(app, id, "disabled", err), moved, left, err);
}

enum lifecycle_result lifecycle_drain_now(struct mrb_app *app, const char *id, int *moved, long long *left,
                                          struct mrb_err *err)
{
    char state[16];
    enum lifecycle_result rc = move_all_now(app, id, "drain", lifecycle_drain(app, id, util_now(), state, err), moved, left,
                                            err);

    if (rc == LIFECYCLE_DONE && servers_finish_drains(app, err) < 0)
        return LIFECYCLE_FAILED;
    return rc;
}
