#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet.h"
#include "moderate.h"
#include "servers.h"
#include "util.h"

int fleet_add(struct mrb_app *app, const struct conf_server *s, struct mrb_err *err)
{
    static const char sql[] =
        "INSERT INTO servers (id, public_url, admin_url, admin_secret, token_secret, metrics_url, weight, state, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'disabled', ?, ?)";
    long long now = util_now();
    struct db_val p[] = {DB_S(s->name), DB_S(s->public_url), DB_S(s->admin_url), DB_S(s->admin_secret),
                         DB_S(s->token_secret), DB_SN(s->metrics_url), DB_D(s->weight), DB_I(now), DB_I(now)};
    int rc = db_exec(app->db, sql, p, sizeof(p) / sizeof(p[0]), NULL, err);

    if (rc == 0 && servers_rescore(app, s->name, err) < 0)
        return -1;
    return rc == DB_DUP ? 1 : rc == 0 ? 0 : -1;
}

int fleet_set_state(struct mrb_app *app, const char *id, const char *state, struct mrb_err *err)
{
    static const char sql[] = "UPDATE servers SET state = ?, updated_at = ? WHERE id = ?";
    struct db_val p[] = {DB_S(state), DB_I(util_now()), DB_S(id)};
    unsigned long long matched = 0;

    if (db_exec(app->db, sql, p, 3, &matched, err) != 0)
        return -1;
    return matched ? 1 : 0;
}

long long fleet_open_rooms(struct mrb_app *app, const char *id, struct mrb_err *err)
{
    static const char sql[] = "SELECT COUNT(*) FROM rooms WHERE server_id = ? AND ended_at IS NULL";
    struct db_col n = {.type = DB_INT};
    struct db_val p[] = {DB_S(id)};

    return db_query(app->db, sql, p, 1, &n, 1, NULL, NULL, err) == 1 ? n.i : -1;
}

struct id_list {
    char (*ids)[65];
    size_t n, cap;
    int failed;
};

static int collect_id(void *ctx, const struct db_col *c, size_t ncols)
{
    struct id_list *l = ctx;
    void *grown = util_grow(l->ids, l->n, &l->cap, sizeof(*l->ids));
    (void)ncols;

    if (grown == NULL) {
        l->failed = 1;
        return 1;
    }
    l->ids = grown;
    if (db_col_str(l->ids[l->n], sizeof(*l->ids), &c[0]) == 0)
        l->n++;
    return 0;
}

int fleet_remove(struct mrb_app *app, const char *id, int force, long long *open, struct mrb_err *err)
{
    static const char rooms_sql[] = "SELECT id FROM rooms WHERE server_id = ? AND ended_at IS NULL";
    static const char *const deletes[] = {
        "DELETE FROM participants WHERE server_id = ?", "DELETE FROM server_sessions WHERE server_id = ?",
        "DELETE FROM server_handles WHERE server_id = ?", "DELETE FROM servers WHERE id = ?"};
    struct db_col col = {.type = DB_STR};
    struct db_val p[] = {DB_S(id)};
    struct server_row row;
    struct id_list l = {0};
    unsigned long long gone = 0;
    int found = servers_get(app, id, &row, err);

    if (found <= 0)
        return found;
    *open = fleet_open_rooms(app, id, err);
    if (*open < 0)
        return -1;
    if (*open > 0 && !force)
        return 2;
    if (*open > 0) {
        if (db_query(app->db, rooms_sql, p, 1, &col, 1, collect_id, &l, err) < 0 || l.failed) {
            free(l.ids);
            return -1;
        }
        for (size_t i = 0; i < l.n; i++) {
            struct mrb_err e = {0};
            int rc = moderate_end_room(app, l.ids[i], &e);
            fprintf(stderr, "mrbctl: room %s %s\n", l.ids[i],
                    rc == 1 ? "ended" : rc == 0 ? "refused to joiners (not destroyed: server unreachable)" : e.msg);
        }
        free(l.ids);
    }
    if (db_begin(app->db, err) != 0)
        return -1;
    for (size_t i = 0; i < sizeof(deletes) / sizeof(deletes[0]); i++)
        if (db_exec(app->db, deletes[i], p, 1, &gone, err) != 0) {
            db_rollback(app->db);
            return -1;
        }
    return db_commit(app->db, err) == 0 ? 1 : -1;
}

int fleet_finish_drains(struct mrb_app *app, struct mrb_err *err)
{
    static const char sql[] =
        "UPDATE servers SET state = 'disabled', updated_at = ? WHERE state = 'cordoned' AND NOT EXISTS "
        "(SELECT 1 FROM rooms r WHERE r.server_id = servers.id AND r.ended_at IS NULL)";
    struct db_val p[] = {DB_I(util_now())};
    unsigned long long n = 0;

    if (db_exec(app->db, sql, p, 1, &n, err) != 0)
        return -1;
    if (n)
        fprintf(stderr, "%s: %llu cordoned server(s) drained: now disabled\n", app->name ? app->name : "mrb", n);
    return (int)n;
}

int fleet_cordon(struct mrb_app *app, const char *id, char *state, struct mrb_err *err)
{
    static const char sql[] = "SELECT state FROM servers WHERE id = ?";
    struct db_col col = {.type = DB_STR};
    struct db_val p[] = {DB_S(id)};
    int rc = fleet_set_state(app, id, "cordoned", err);

    if (rc <= 0)
        return rc;
    if (fleet_finish_drains(app, err) < 0 || db_query(app->db, sql, p, 1, &col, 1, NULL, NULL, err) != 1)
        return -1;
    return db_col_str(state, 16, &col) == 0 ? 1 : -1;
}

int fleet_panic(struct mrb_app *app, const char *id, long long *left, struct mrb_err *err)
{
    int rc = fleet_set_state(app, id, "disabled", err), moved;

    if (rc <= 0)
        return rc == 0 ? -2 : -1;
    moved = servers_evacuate(app, id, err);
    if (moved < 0)
        return -1;
    *left = fleet_open_rooms(app, id, err);
    return moved;
}
