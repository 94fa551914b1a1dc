/* MRB's presence compared with Janus's own, and repaired (reconcile.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "log.h"
#include "reconcile.h"
#include "counters.h"
#include "util.h"

#define RECONCILE_MAX_PEOPLE 256 /* handles compared per room; a bigger room is compared in part */
#define SUSPECTS_MAX 1024        /* presence_checks.suspects */
#define RECONCILE_PARALLEL 16    /* listparticipants requests in flight to one server */

/* A presence_checks row, with what the room is now. */
struct check_row {
    char room[65], type[8], secret[65], suspects[SUSPECTS_MAX + 1];
    long long marks;
    int live_here; /* the room lives on this server, not ended */
};

enum { K_ROOM, K_MARKS, K_SUSPECTS, K_TYPE, K_SECRET, K_HERE, K_NCOLS };

static int fill_check(void *elem, const struct db_col *c, size_t ncols, void *ctx)
{
    struct check_row *r = elem;
    (void)ncols;
    (void)ctx;

    if (db_col_str(r->room, sizeof(r->room), &c[K_ROOM]) ||
        db_col_str(r->suspects, sizeof(r->suspects), &c[K_SUSPECTS]))
        return 1;
    (void)db_col_str(r->type, sizeof(r->type), &c[K_TYPE]);     /* NULL: no such room */
    (void)db_col_str(r->secret, sizeof(r->secret), &c[K_SECRET]);
    r->marks = c[K_MARKS].i;
    r->live_here = !c[K_HERE].is_null && c[K_HERE].i == 1;
    return 0;
}

/* A set of participant ids, as text. */
struct idset {
    char id[RECONCILE_MAX_PEOPLE][65];
    int n;
};

static int idset_has(const struct idset *s, const char *id)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->id[i], id) == 0)
            return 1;
    return 0;
}

static void idset_add(struct idset *s, const char *id)
{
    if (s->n < RECONCILE_MAX_PEOPLE && strlen(id) < sizeof(s->id[0]))
        snprintf(s->id[s->n++], sizeof(s->id[0]), "%s", id);
}

static int id_row(void *ctx, const struct db_col *c, size_t ncols)
{
    (void)ncols;
    idset_add(ctx, c[0].s);
    return 0;
}

/* Whether id is in the comma-separated list. */
static int listed(const char *list, const char *id)
{
    size_t n = strlen(id);

    for (const char *p = list; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, id, n) == 0)
            return 1;
        p += len + (end != NULL);
    }
    return 0;
}

/* Janus's participants of the room, from the answer r to its
 * listparticipants, into out. 1 listed, 0 the room is not there (its people
 * are gone with it), -1 the server failed. */
static int janus_people(const struct janus_server *srv, enum janus_plugin plugin, const struct janus_http *r,
                        struct idset *out)
{
    json_t *resp = NULL, *p;
    struct mrb_err err = {0};
    enum janus_result rc = r->body ? janus_admin_parse(srv, plugin, r->reply, r->reply_len, r->status, &resp, &err)
                                   : JANUS_FAILED;
    size_t i;

    out->n = 0;
    if (rc == JANUS_GONE)
        return 0;
    if (rc != JANUS_OK) {
        json_decref(resp);
        return -1;
    }
    json_array_foreach(json_object_get(resp, "participants"), i, p) {
        json_t *id = json_object_get(p, "id");
        char buf[32];
        if (json_is_string(id))
            idset_add(out, json_string_value(id));
        else if (json_is_integer(id)) {
            snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(id));
            idset_add(out, buf);
        }
    }
    json_decref(resp);
    return 1;
}

/* Compares and repairs one room. Returns the repairs made, or -1. */
static int reconcile_room(struct mrb_app *app, const struct janus_server *srv, const struct check_row *r,
                          const struct janus_http *listed_now, struct idset *janus, struct idset *mrb)
{
    static const char people_sql[] = "SELECT participant_id FROM participants WHERE room_id = ? LIMIT 256";
    static const char done_sql[] = "DELETE FROM presence_checks WHERE room_id = ? AND marks = ?";
    static const char checked_sql[] = "UPDATE presence_checks SET checked_marks = ?, checked_at = ?, suspects = ? "
                                      "WHERE room_id = ?";
    const enum janus_plugin plugin = janus_plugin_of(r->type);
    struct db_col col = {.type = DB_STR};
    struct db_val one[] = {DB_S(r->room)};
    char suspects[SUSPECTS_MAX + 1] = "";
    size_t used = 0;
    int repairs = 0, kicked = 0, ghosts = 0, left = 0;
    struct mrb_err err = {0};

    if (!r->live_here) { /* ended, or moved: its presence is not this server's to tell */
        struct db_val d[] = {DB_S(r->room), DB_I(r->marks)};
        return db_exec(app->db, done_sql, DB_PARAMS(d), NULL, &err) == 0 ? 0 : -1;
    }
    if (janus_people(srv, plugin, listed_now, janus) < 0)
        return 0; /* the server failed this time: the row waits for the next poll */
    mrb->n = 0;
    if (db_query(app->db, people_sql, DB_PARAMS(one), &col, 1, id_row, mrb, &err) < 0)
        return -1;
    for (int i = 0; i < mrb->n; i++) {
        if (idset_has(janus, mrb->id[i]))
            continue;
        if (events_participant_gone(app, r->room, mrb->id[i], plugin, &err) != 0)
            return -1;
        ghosts++;
    }
    for (int i = 0; i < janus->n; i++) {
        if (idset_has(mrb, janus->id[i]))
            continue;
        if (listed(r->suspects, janus->id[i])) { /* unknown for a whole poll: no seat of ours */
            (void)janus_room_kick(srv, plugin, r->room, r->secret, janus->id[i]);
            kicked++;
            continue;
        }
        size_t len = strlen(janus->id[i]);
        if (used + len + 1 < sizeof(suspects)) {
            used += (size_t)snprintf(suspects + used, sizeof(suspects) - used, "%s%s", used ? "," : "", janus->id[i]);
            left++;
        }
    }
    repairs = ghosts + kicked;
    if (ghosts)
        counters_add(app, COUNTERS_REPAIRS, "repair=\"gone\"", ghosts);
    if (kicked) {
        counters_add(app, COUNTERS_REPAIRS, "repair=\"kicked\"", kicked);
        counters_add(app, COUNTERS_INTRUDERS, plugin == JANUS_VIDEOROOM ? "plugin=\"videoroom\"" : "plugin=\"audiobridge\"",
                  kicked);
    }
    if (repairs)
        log_msg(LOG_LVL_INFO, "reconcile: room %s on %s: %d gone without their event, %d unknown handle(s) kicked",
                r->room, srv->id, ghosts, kicked);
    /* Nobody on either side and nobody suspected: nothing left to watch,
     * unless an event marked it again meanwhile (marks moved on). */
    if (janus->n - kicked == 0 && left == 0) {
        struct db_val d[] = {DB_S(r->room), DB_I(r->marks)};
        if (db_exec(app->db, done_sql, DB_PARAMS(d), NULL, &err) != 0)
            return -1;
        return repairs;
    }
    struct db_val u[] = {DB_I(r->marks), DB_I(util_now()), DB_S(suspects), DB_S(r->room)};
    return db_exec(app->db, checked_sql, DB_PARAMS(u), NULL, &err) == 0 ? repairs : -1;
}

int reconcile_server(struct mrb_app *app, const struct janus_server *srv)
{
    static const char sql[] =
        "SELECT pc.room_id, pc.marks, pc.suspects, r.room_type, r.secret, "
        "(r.server_id = pc.server_id AND r.ended_at IS NULL) FROM presence_checks pc "
        "LEFT JOIN rooms r ON r.id = pc.room_id WHERE pc.server_id = ? "
        "ORDER BY pc.marks <> pc.checked_marks DESC, pc.checked_at LIMIT ?";
    struct db_col c[K_NCOLS] = {{.type = DB_STR}, {.type = DB_INT}, {.type = DB_STR},
                                {.type = DB_STR}, {.type = DB_STR}, {.type = DB_INT}};
    struct db_val p[] = {DB_S(srv->id), DB_I(RECONCILE_PER_POLL)};
    struct check_row *rows;
    struct janus_http *reqs;
    struct idset *sets = malloc(2 * sizeof(*sets)); /* 33 KB each: not on the stack */
    struct mrb_err err = {0};
    void *out;
    size_t n;
    int repairs = 0;

    if (sets == NULL)
        return -1;
    if (db_collect(app->db, sql, DB_PARAMS(p), c, K_NCOLS, sizeof(*rows), fill_check, NULL, &out, &n, &err) != 0) {
        free(sets);
        return -1;
    }
    rows = out;
    /* Every room's listparticipants at once (RECONCILE_PARALLEL in flight on
     * one connection pool), then the comparisons one by one. */
    reqs = calloc(n + 1, sizeof(*reqs));
    if (reqs == NULL) {
        free(out);
        free(sets);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *req = json_pack("{s:s, s:s}", "request", "listparticipants", "room", rows[i].room);
        if (!rows[i].live_here || req == NULL) {
            json_decref(req);
            continue;
        }
        reqs[i].url = srv->admin_url;
        reqs[i].body = janus_admin_body(srv, janus_plugin_of(rows[i].type), req);
        json_decref(req);
    }
    janus_http_many(reqs, n, RECONCILE_PARALLEL, app->conf.janus.timeout_ms);
    for (size_t i = 0; i < n; i++) {
        int r;
        if (app->still_acting && !app->still_acting(app))
            break;
        r = reconcile_room(app, srv, &rows[i], &reqs[i], &sets[0], &sets[1]);
        if (r < 0) {
            repairs = -1;
            break;
        }
        repairs += r;
    }
    for (size_t i = 0; i < n; i++)
        free((char *)reqs[i].body);
    janus_http_done(reqs, n);
    free(reqs);
    free(out);
    free(sets);
    return repairs;
}
