/* The media servers as placement and failover use them (servers.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
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
       C_SOCK, C_MAT, C_PENDING, C_SCORE, C_LINK, C_TX, C_EGRESS, C_RECDIR, C_SUSPECT, C_NCOLS };

#define SERVER_COLUMNS                                                                          \
    "id, public_url, admin_url, admin_secret, token_secret, boot, healthy, weight, cpu, mem, " \
    "sessions, handles, sockets, metrics_at, pending_load, score, link_mbps, tx_mbps, pending_egress_kbps, " \
    "record_dir, suspect_until"

static void init_cols(struct db_col *c)
{
    static const enum db_type types[C_NCOLS] = {DB_STR, DB_STR, DB_STR, DB_STR, DB_STR, DB_INT, DB_INT, DB_DOUBLE,
                                                DB_DOUBLE, DB_DOUBLE, DB_INT, DB_INT, DB_INT, DB_INT, DB_INT,
                                                DB_DOUBLE, DB_DOUBLE, DB_DOUBLE, DB_INT, DB_STR, DB_INT};
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
        db_col_str(s->record_dir, sizeof(s->record_dir), &c[C_RECDIR]))
        return -1;
    s->boot = c[C_BOOT].i;
    s->healthy = (int)c[C_HEALTHY].i;
    s->weight = c[C_WEIGHT].d;
    s->score = c[C_SCORE].d;
    s->link_mbps = c[C_LINK].is_null ? 0 : c[C_LINK].d;
    s->suspect_until = c[C_SUSPECT].is_null ? -1 : c[C_SUSPECT].i;
    return 0;
}

/* The score of a SERVER_COLUMNS row at now. */
static double cols_score(const struct mrb_conf *conf, const struct db_col *c, long long now)
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

static int fill_candidate(void *elem, const struct db_col *c, size_t ncols, void *ctx)
{
    const struct candidates *k = ctx;
    struct server_row *s = elem;
    (void)ncols;

    if (excluded(k->exclude, c[C_ID].s))
        return 1;
    if (row_to_server(c, s) != 0) {
        log_msg(LOG_LVL_WARN, "server %s: a URL or secret is longer than 255 bytes, skipped", c[C_ID].s);
        return 1;
    }
    s->score = cols_score(k->conf, c, k->now); /* a stale server's stored score is no longer its score */
    return 0;
}

/* Suspect servers (reports.h) after the others, each part in its order:
 * new rooms avoid them while any other candidate can take the room. */
static void suspect_last(struct server_row *rows, size_t n, long long now)
{
    size_t keep = 0;

    for (size_t i = 0; i < n; i++) {
        if (reports_suspect(rows[i].suspect_until, now))
            continue;
        if (i != keep) {
            struct server_row r = rows[i];
            memmove(&rows[keep + 1], &rows[keep], (i - keep) * sizeof(*rows));
            rows[keep] = r;
        }
        keep++;
    }
}

int servers_candidates(struct mrb_app *app, const char *const *exclude, struct server_row **out,
                       struct mrb_err *err)
{
    /* score_before()'s two tiers, in order. The fresh tier is a range read
     * of index servers_pick (state, healthy, score), however many servers
     * are registered. Stale or missing metrics rank by what score_compute()
     * gives them: weight * (fallback + pending load, participants and
     * egress), whatever score was stored while they were fresh (mrb-health
     * may have stopped since). */
    static const char fresh_sql[] = "SELECT " SERVER_COLUMNS " FROM servers WHERE state = 'enabled' AND healthy = 1 "
                                    "AND metrics_at >= ? ORDER BY score, id LIMIT ?";
    static const char stale_sql[] = "SELECT " SERVER_COLUMNS " FROM servers WHERE state = 'enabled' AND healthy = 1 "
                                    "AND (metrics_at IS NULL OR metrics_at < ?) "
                                    "ORDER BY weight * (? + pending_load * ? + "
                                    "IF(link_mbps > 0, pending_egress_kbps / link_mbps, 0) * ?), id LIMIT ?";
    const struct mrb_conf *c = &app->conf;
    struct candidates k = {c, exclude, util_now()};
    long long n_excluded = 0;
    for (const char *const *e = exclude; e && *e; e++)
        n_excluded++;
    const long long since = score_fresh_since(c, k.now), want = SERVERS_TRIES + n_excluded; /* the excluded may be among them */
    struct db_col cols[C_NCOLS];
    struct db_val fp[] = {DB_I(since), DB_I(want)};
    void *fresh = NULL, *stale = NULL, *all;
    size_t nf = 0, ns = 0;

    *out = NULL;
    init_cols(cols);
    if (db_collect(app->db, fresh_sql, DB_PARAMS(fp), cols, C_NCOLS, sizeof(**out), fill_candidate, &k, &fresh, &nf, err) != 0)
        return -1;
    if (nf < SERVERS_TRIES) {
        /* score_egress_cost() is linear in kbps / link_mbps: its value at 1 / 1 */
        struct db_val sp[] = {DB_I(since), DB_D(c->score.fallback), DB_D(score_pending_cost(c, 1)),
                              DB_D(score_egress_cost(c, 1, 1)), DB_I(want - (long long)nf)};
        if (db_collect(app->db, stale_sql, DB_PARAMS(sp), cols, C_NCOLS, sizeof(**out), fill_candidate, &k, &stale, &ns,
                       err) != 0) {
            free(fresh);
            return -1;
        }
    }
    all = realloc(fresh, (nf + ns + 1) * sizeof(**out));
    if (all == NULL) {
        free(fresh);
        free(stale);
        err_set(err, E_UNAVAILABLE, "out of memory");
        return -1;
    }
    if (ns)
        memcpy((struct server_row *)all + nf, stale, ns * sizeof(**out));
    free(stale);
    suspect_last(all, nf + ns, k.now);
    *out = all;
    return (int)(nf + ns > SERVERS_TRIES ? SERVERS_TRIES : nf + ns);
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

int servers_place(struct mrb_app *app, const struct janus_room *room, const char *const *exclude, int existing_ok,
                  struct server_row *chosen, struct mrb_err *err)
{
    struct server_row *rows = NULL;
    int n = servers_candidates(app, exclude, &rows, err);

    for (int i = 0; i < n; i++) {
        struct janus_server js;
        struct mrb_err jerr;
        servers_janus(&rows[i], &js);
        /* A move may land on a server that holds a copy from an earlier
         * stay: janus_room_put() brings it up to date. A new room's id is
         * new: a copy there is not ours. */
        enum janus_result r = existing_ok ? janus_room_put(&js, room, &jerr) : janus_room_create(&js, room, &jerr);
        if (r == JANUS_OK || (existing_ok && r == JANUS_EXISTS)) {
            *chosen = rows[i];
            free(rows);
            return 0;
        }
        log_msg(LOG_LVL_WARN, "placing room on %s failed: %s", rows[i].id, jerr.msg);
    }
    free(rows);
    if (n >= 0)
        err_set(err, E_UNAVAILABLE, "no media server can take the room now");
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
        "state, webhook_user, webhook_digest, record_dir, link_mbps, net_devices, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
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
        "updated_at = VALUES(updated_at)";
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
                             DB_SN(s->net_devices), DB_I(now), DB_I(now)};
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
    const struct servers_room *room;
    const struct server_row *to;
    long long now, grace;
    unsigned long long moved;
};

static int move_txn(struct db *db, void *ctx, struct mrb_err *err)
{
    static const char moved_sql[] = "UPDATE rooms SET server_id = ?, server_boot = ? "
                                    "WHERE id = ? AND server_id = ? AND ended_at IS NULL";
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
    if ((rc = db_exec(db, moved_sql, DB_PARAMS(m), &t->moved, err)) != 0 || t->moved == 0)
        return rc;
    if (presence_end(db, id, to, t->now + t->grace, err) != 0)
        return DB_ERR;
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
    struct move_txn t = {room, chosen, util_now(), app->conf.rooms.seat_grace, 0};
    const char *const exclude[] = {room->server_id, room->avoid, NULL};
    int rc;

    if (servers_place(app, &room->spec, exclude, 1, chosen, err) != 0)
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
    (void)servers_add_pending(app, chosen, room->max_participants, servers_room_egress_kbps(&room->spec, room->max_participants), NULL);
    counters_add(app, COUNTERS_FAILOVERS, "", 1);
    log_msg(LOG_LVL_INFO, "room %s moved from %s to %s", room->spec.id, room->server_id, chosen->id);
    if (room->destroy_old)
        destroy_old_copy(app, room);
    return 0;
}

enum { E_ID, E_NAME, E_SECRET, E_KEY, E_RECORD, E_MAXP, E_TYPE, E_CODEC, E_BITRATE, E_SCREEN, E_SERVER, E_NCOLS };
/* A room's columns as its plugin recreates it, and where it lives; with
 * the table's alias (a join), ROOM_SPEC_COLUMNS_OF("r.") */
#define ROOM_SPEC_COLUMNS_OF(a) a "id, " a "name, " a "secret, " a "room_key, " a "record, " a "max_participants, " \
                                a "room_type, " a "video_codec, " a "bitrate_kbps, " a "screen_share, " a "server_id"
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
                                   {.type = DB_INT}, {.type = DB_INT}, {.type = DB_STR}};
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
                      int *found, struct mrb_err *err)
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
                                    .destroy_old = destroy_old};
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

int servers_evacuate(struct mrb_app *app, const char *server_id, int destroy_old, struct mrb_err *err)
{
    static const char sql[] = "SELECT " ROOM_SPEC_COLUMNS " FROM rooms "
                              "WHERE server_id = ? AND ended_at IS NULL AND expires_at > ?";
    struct db_val p[] = {DB_S(server_id), DB_I(util_now())};
    int n, moved = move_rooms(app, sql, DB_PARAMS(p), destroy_old, &n, err);

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

enum { L_STATE = C_NCOLS, L_POLLED, L_FAILS, L_ROOMS, L_PEOPLE, L_MURL, L_DRAIN, L_NCOLS };

static int fill_info(void *elem, const struct db_col *c, size_t ncols, void *ctx)
{
    struct server_info *s = elem;
    (void)ncols;
    (void)ctx;

    if (row_to_server(c, &s->row) != 0)
        return 1;
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
        "SELECT " SERVER_COLUMNS ", state, polled_at, fail_count, "
        "(SELECT COUNT(*) FROM rooms r WHERE r.server_id = servers.id AND r.ended_at IS NULL AND r.expires_at > ?), "
        "(SELECT COUNT(*) FROM participants p WHERE p.server_id = servers.id), metrics_url, drain_deadline "
        "FROM servers ORDER BY id";
    struct db_col cols[L_NCOLS];
    struct db_val p[] = {DB_I(util_now())};
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
    if (db_collect(app->db, sql, DB_PARAMS(p), cols, L_NCOLS, sizeof(**out), fill_info, NULL, &rows, &n, err) != 0)
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
    int empty = move_rooms(app, empty_sql, DB_PARAMS(e), 1, NULL, err), busy;

    if (empty < 0)
        return -1;
    busy = move_rooms(app, busy_sql, DB_PARAMS(b), 1, NULL, err);
    if (busy < 0)
        return -1;
    if (empty + busy > 0)
        log_msg(LOG_LVL_INFO, "drain: moved %d empty and %d busy room(s)", empty, busy);
    return empty + busy;
}

int servers_finish_drains(struct mrb_app *app, struct mrb_err *err)
{
    static const char sql[] =
        "UPDATE servers SET state = 'disabled', drain_deadline = NULL, updated_at = ? WHERE state = 'cordoned' "
        "AND NOT EXISTS (SELECT 1 FROM rooms r WHERE r.server_id = servers.id AND r.ended_at IS NULL)";
    struct db_val p[] = {DB_I(util_now())};
    unsigned long long n = 0;

    if (db_exec(app->db, sql, DB_PARAMS(p), &n, err) != 0)
        return -1;
    if (n)
        log_msg(LOG_LVL_INFO, "%llu cordoned server(s) drained: now disabled", n);
    return (int)n;
}

int servers_failed_check(struct mrb_app *app, const char *id, struct mrb_err *err)
{
    static const char count_sql[] = "UPDATE servers SET fail_count = fail_count + 1, polled_at = ? WHERE id = ?";
    static const char down_sql[] = "UPDATE servers SET healthy = 0 WHERE id = ? AND healthy = 1 AND fail_count >= ?";
    struct db_val c[] = {DB_I(util_now()), DB_S(id)};
    struct db_val d[] = {DB_S(id), DB_I(app->conf.health.fail_threshold)};
    unsigned long long down = 0;

    if (db_exec_once(app->db, count_sql, DB_PARAMS(c), NULL, err) != 0 || db_exec(app->db, down_sql, DB_PARAMS(d), &down, err) != 0)
        return -1;
    if (down == 0)
        return 0;
    log_msg(LOG_LVL_WARN, "server %s down after %ld failed checks", id, app->conf.health.fail_threshold);
    servers_evacuate(app, id, 0, NULL); /* down: its copies go when it answers again */
    return 1;
}
