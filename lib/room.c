/* Rooms as the API sees them (room.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "janus.h"
#include "outbox.h"
#include "probe.h"
#include "reports.h"
#include "room.h"
#include "seat.h"
#include "servers.h"
#include "counters.h"
#include "token.h"
#include "util.h"
#include "valid.h"

#define ROOM_ID_BYTES 16     /* 128 random bits -> 22 URL-safe characters */
#define ROOM_SECRET_BYTES 24 /* never leaves the broker and the media server */
#define VIDEO_DEFAULT_CODEC "vp8"
#define VIDEO_DEFAULT_KBPS 512

static const char *const room_types[] = {"audio", "video", NULL};
static const char *const video_codecs[] = {"vp8", "vp9", "h264", NULL};

/* The room row. Replayable: after a COMMIT whose answer was lost, the row
 * is there and the INSERT says so. */
struct create_txn {
    struct db_val row[20];
    const struct mrb_conf *conf;
    const char *region; /* its server's, or "" */
};

static int create_txn(struct db *db, void *ctx, struct mrb_err *err)
{
    static const char insert_sql[] =
        "INSERT INTO rooms (id, name, description, room_key, secret, max_participants, record, created_by, "
        "server_id, server_boot, created_at, expires_at, room_type, video_codec, bitrate_kbps, screen_share, "
        "booked, region, tags, starts_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    const struct create_txn *t = ctx;
    const struct db_val *r = t->row;
    char expires[32];
    int rc = db_exec(db, insert_sql, DB_PARAMS(t->row), NULL, err);

    if (rc == DB_DUP)
        return 0; /* 128 random bits never collide: a duplicate is our own earlier commit, events and all */
    if (rc != 0)
        return rc;
    util_rfc3339(r[11].i, expires, sizeof(expires));
    rc = outbox_room(db, t->conf, "room.created", r[0].s,
                     json_pack("{s:s, s:s, s:I, s:I, s:s, s:o, s:s, s:s, s:b}", "roomNm", r[1].s, "roomType", r[12].s,
                               "maxParticipants", (json_int_t)r[5].i, "expectedParticipants",
                               (json_int_t)(r[16].type == DB_NULL ? r[5].i : r[16].i), "server", r[8].s, "region",
                               t->region[0] ? json_string(t->region) : json_null(), "expiresAt", expires, "createdBy",
                               r[7].s, "record", (int)r[6].i),
                     err);
    if (rc == 0 && r[6].i)
        rc = outbox_room(db, t->conf, "recording.started", r[0].s, json_pack("{s:s, s:s}", "server", r[8].s, "reason", "created"), err);
    return rc;
}

/* Canonical tags ("a,b") as a JSON array. */
static json_t *tags_json(const char *tags)
{
    json_t *a = json_array();

    while (a && tags && *tags) {
        const char *end = strchr(tags, ',');
        size_t n = end ? (size_t)(end - tags) : strlen(tags);
        json_array_append_new(a, json_stringn(tags, n));
        tags = end ? end + 1 : NULL;
    }
    return a;
}

/* A video room's parameters, in create-room's and join-room's answers:
 * what the page needs to publish within the room's limits. Returns 0 or -1. */
static int add_video_fields(json_t *data, const struct janus_room *jr, int screen_share)
{
    json_t *v;
    int rc;

    if (jr->plugin != JANUS_VIDEOROOM)
        return 0;
    v = json_pack("{s:s, s:I, s:b, s:I}", "videoCodec", jr->video_codec, "bitrateKbps",
                  (json_int_t)jr->bitrate_kbps, "screenShare", screen_share, "publishers",
                  (json_int_t)jr->publishers);
    rc = v ? json_object_update(data, v) : -1;
    json_decref(v);
    return rc;
}

int room_create(struct mrb_app *app, const char *bearer, json_t *body, json_t **data, struct mrb_err *err)
{
    const struct mrb_conf *c = &app->conf;
    const struct valid_field fields[] = {
        ROOM_FIELD_NAME(VALID_REQUIRED),
        {"description", VALID_STRING, 0, 0, 200},
        ROOM_FIELD_KEY,
        ROOM_FIELD_CAPACITY(c),
        ROOM_FIELD_TTL(c),
        {"record", VALID_BOOL, 0, 0, 0},
        {"roomType", VALID_STRING, 0, 1, 16},   /* then one of room_types */
        {"videoCodec", VALID_STRING, 0, 1, 16}, /* then one of video_codecs */
        {"bitrateKbps", VALID_INT, 0, 64, 4000},
        {"screenShare", VALID_BOOL, 0, 0, 0},
        {"expectedParticipants", VALID_INT, 0, 1, 10000}, /* then at most maxParticipants */
        {"region", VALID_REGION, 0, 0, 0},
        {"tags", VALID_TAGS, 0, 0, 8}, /* CONF_TAGS_MAX, a literal for tests/openapi/check.mjs */
        {"startsAt", VALID_STRING, 0, 20, 35}, /* then an RFC 3339 time before expiresAt */
    };
    struct token_claims claims;
    struct place_want want;
    char tags[CONF_TAGS_LEN];
    long long booked, starts = 0;
    const char *region;
    char room_id[32], secret[40], key[16], expires[32];
    struct server_row srv;
    struct janus_room jr;
    long long now = util_now(), ttl, maxp, expires_at, kbps;
    const char *name, *desc, *given_key, *type, *codec;
    int record, screen;

    *data = NULL;
    if (token_jwt_verify(c, bearer, now, &claims, err) != 0)
        return -1;
    if (!claims.is_host && !claims.is_admin) {
        err_set(err, E_NOT_HOST, "token does not grant host rights");
        return -1;
    }
    if (valid_check(body, fields, sizeof(fields) / sizeof(fields[0]), err) != 0 ||
        valid_choice(body, "roomType", room_types, err) != 0 || valid_choice(body, "videoCodec", video_codecs, err) != 0)
        return -1;
    name = valid_str(body, "roomNm", "");
    desc = valid_str(body, "description", "");
    given_key = valid_str(body, "roomKey", NULL);
    maxp = valid_int(body, "maxParticipants", c->rooms.default_max_participants);
    ttl = valid_int(body, "ttlSeconds", c->rooms.default_ttl);
    record = valid_bool(body, "record", 0);
    type = valid_str(body, "roomType", "audio");
    if (strcmp(type, "video") != 0 && (valid_present(body, "videoCodec") || valid_present(body, "bitrateKbps") ||
                                       valid_present(body, "screenShare"))) {
        err_set(err, E_BAD_REQUEST, "videoCodec, bitrateKbps and screenShare apply to video rooms only "
                "(roomType \"video\")");
        return -1;
    }
    booked = valid_int(body, "expectedParticipants", maxp);
    if (booked > maxp) {
        err_set(err, E_BAD_REQUEST, "expectedParticipants must be at most maxParticipants (%lld)", maxp);
        return -1;
    }
    if (valid_present(body, "startsAt")) {
        if (util_parse_rfc3339(valid_str(body, "startsAt", ""), &starts) != 0) {
            err_set(err, E_BAD_REQUEST, "startsAt must be an RFC 3339 time such as 2026-12-04T14:00:00Z");
            return -1;
        }
        if (starts < now - 300) { /* a few minutes of clock skew pass as now */
            err_set(err, E_BAD_REQUEST, "startsAt must not be in the past");
            return -1;
        }
        if (starts < now)
            starts = now;
    }
    region = valid_str(body, "region", NULL);
    valid_tags(body, "tags", tags, sizeof(tags));
    codec = valid_str(body, "videoCodec", VIDEO_DEFAULT_CODEC);
    kbps = valid_int(body, "bitrateKbps", VIDEO_DEFAULT_KBPS);
    screen = valid_bool(body, "screenShare", 1);
    if (util_random_token(room_id, sizeof(room_id), ROOM_ID_BYTES) != 0 ||
        util_random_token(secret, sizeof(secret), ROOM_SECRET_BYTES) != 0 ||
        (given_key == NULL && util_random_digits(key, sizeof(key), 6) != 0)) {
        err_set(err, E_UNAVAILABLE, "no randomness available");
        return -1;
    }
    if (given_key)
        snprintf(key, sizeof(key), "%s", given_key);
    expires_at = now + ttl;
    if (starts >= expires_at) {
        err_set(err, E_BAD_REQUEST, "startsAt must be before the room expires (now + ttlSeconds)");
        return -1;
    }

    servers_room_spec(&jr, room_id, name, secret, key, record, maxp, type, codec, kbps, screen);
    servers_want(&want, region, tags, booked, starts ? starts : now, expires_at);
    if (servers_place(app, &jr, &want, NULL, 0, &srv, err) != 0)
        return -1;

    {
        const int video = jr.plugin == JANUS_VIDEOROOM;
        struct create_txn t = {{DB_S(room_id), DB_S(name), DB_S(desc), DB_S(key), DB_S(secret), DB_I(maxp),
                                DB_I(record), DB_S(claims.sub), DB_S(srv.id), DB_I(srv.boot), DB_I(now),
                                DB_I(expires_at), DB_S(janus_room_type(jr.plugin)),
                                video ? DB_S(codec) : (struct db_val){.type = DB_NULL},
                                video ? DB_I(kbps) : (struct db_val){.type = DB_NULL}, DB_I(video && screen),
                                booked == maxp ? (struct db_val){.type = DB_NULL} : DB_I(booked), DB_SN(region),
                                tags[0] ? DB_S(tags) : (struct db_val){.type = DB_NULL},
                                starts ? DB_I(starts) : (struct db_val){.type = DB_NULL}},
                               c, srv.region};
        if (db_transaction(app->db, create_txn, &t, DB_TXN_REPLAYABLE, err) != 0) {
            struct janus_server js;
            servers_janus(&srv, &js);
            janus_room_destroy(&js, jr.plugin, room_id, secret, NULL); /* leave nothing behind */
            err_set(err, E_UNAVAILABLE, "database unavailable");
            return -1;
        }
    }
    /* Its seats count on the server as its booking, read from the rooms
     * table at each placement (place.h). A video room's expected egress is
     * a hint for the network term until the next poll, written on its own,
     * so that the servers row, which every placement and poll writes (a
     * hot row across Galera nodes), never fails a create. */
    if (jr.plugin == JANUS_VIDEOROOM)
        (void)servers_add_pending(app, &srv, 0, servers_room_egress_kbps(&jr, maxp), NULL);
    util_rfc3339(expires_at, expires, sizeof(expires));
    char starts_text[32];
    util_rfc3339(starts ? starts : now, starts_text, sizeof(starts_text));
    *data = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:o, s:o}", "roomId", room_id, "roomNm", name,
                      "roomKey", key, "maxParticipants", (json_int_t)maxp, "expectedParticipants", (json_int_t)booked,
                      "startsAt", starts_text, "expiresAt", expires, "server", srv.id, "roomType", janus_room_type(jr.plugin), "region",
                      srv.region[0] ? json_string(srv.region) : json_null(), "tags", tags_json(tags));
    if (*data && add_video_fields(*data, &jr, screen) != 0) {
        json_decref(*data);
        *data = NULL;
    }
    return 0; /* a NULL *data is answered 503 by serve_reply() */
}

/* One row of the join query: the room and the server it lives on. */
enum { J_NAME, J_DESC, J_KEY, J_SECRET, J_RECORD, J_EXPIRES, J_ENDED, J_SERVER, J_SBOOT, J_BOOT, J_HEALTHY,
       J_PUB, J_ADM, J_ASEC, J_TSEC, J_MAXP, J_OPAQUE, J_HELD, J_RFAIL, J_RSTART, J_CFAIL, J_CSTART, J_TYPE,
       J_CODEC, J_KBPS, J_SCREEN, J_RECDIR, J_NCOLS };

static const char join_sql[] =
    "SELECT r.name, r.description, r.room_key, r.secret, r.record, r.expires_at, r.ended_at, r.server_id, "
    "r.server_boot, s.boot, s.healthy, s.public_url, s.admin_url, s.admin_secret, s.token_secret, r.max_participants, "
    "st.opaque_id, IF(st.connected = 1, 9223372036854775807, st.held_until), "
    "kr.failures, kr.window_start, kc.failures, kc.window_start, "
    "r.room_type, r.video_codec, r.bitrate_kbps, r.screen_share, s.record_dir "
    "FROM rooms r LEFT JOIN servers s ON s.id = r.server_id "
    "LEFT JOIN seats st ON st.room_id = r.id AND st.user_id = ? "
    "LEFT JOIN key_failures kr ON kr.scope = 'r' AND kr.subject = r.id AND kr.window_start > ? "
    "LEFT JOIN key_failures kc ON kc.scope = 'c' AND kc.subject = ? AND kc.window_start > ? "
    "WHERE r.id = ?";

/* The room, its server and user's seat (if any), in one round trip. With
 * causal, the read first waits for every write committed on any node of a
 * Galera cluster (db_query_causal). */
static int load_room_as(struct mrb_app *app, const char *room_id, const char *user, struct db_col *cols, int causal,
                        struct mrb_err *err)
{
    static const enum db_type types[J_NCOLS] = {DB_STR, DB_STR, DB_STR, DB_STR, DB_INT, DB_INT, DB_INT, DB_STR,
                                                DB_INT, DB_INT, DB_INT, DB_STR, DB_STR, DB_STR, DB_STR, DB_INT,
                                                DB_STR, DB_INT, DB_INT, DB_INT, DB_INT, DB_INT,
                                                DB_STR, DB_STR, DB_INT, DB_INT, DB_STR};
    const long long since = util_now() - app->conf.limits.window;
    struct db_val p[] = {DB_S(user), DB_I(since), DB_S(app->client ? app->client : ""), DB_I(since), DB_S(room_id)};

    for (int i = 0; i < J_NCOLS; i++)
        cols[i].type = types[i];
    return (causal ? db_query_causal : db_query)(app->db, join_sql, p, 5, cols, J_NCOLS, NULL, NULL, err);
}

static int load_room(struct mrb_app *app, const char *room_id, const char *user, struct db_col *cols,
                     struct mrb_err *err)
{
    return load_room_as(app, room_id, user, cols, 0, err);
}

/* Room-key guessing: 429/109 once the room, or this client address, has
 * had its allowance of wrong keys in the current window, even for the
 * right key, so guessing cannot go on. Returns 1 when limited. */
static int key_limited(const struct mrb_conf *c, const struct db_col *cols, long long now, struct mrb_err *err)
{
    const int room = c->limits.room_failures > 0 && !cols[J_RFAIL].is_null && cols[J_RFAIL].i >= c->limits.room_failures;
    const int client =
        c->limits.client_failures > 0 && !cols[J_CFAIL].is_null && cols[J_CFAIL].i >= c->limits.client_failures;
    long long until = 0;

    if (!room && !client)
        return 0;
    if (room)
        until = cols[J_RSTART].i + c->limits.window;
    if (client && cols[J_CSTART].i + c->limits.window > until)
        until = cols[J_CSTART].i + c->limits.window;
    err_set(err, E_TOO_MANY_KEYS, "too many wrong keys for %s; try again later", room ? "this room" : "this address");
    err->retry_after = until > now ? (long)(until - now) : 1;
    return 1;
}

/* Counts a wrong key against scope ('r' room, 'c' client) and subject, in
 * a window that restarts once it has passed. Best effort. */
static void key_failed(struct mrb_app *app, const char *scope, const char *subject, long long now)
{
    static const char sql[] =
        "INSERT INTO key_failures (scope, subject, window_start, failures) VALUES (?, ?, ?, 1) "
        "ON DUPLICATE KEY UPDATE failures = IF(window_start <= ?, 1, failures + 1), "
        "window_start = IF(window_start <= ?, VALUES(window_start), window_start)";
    const long long since = now - app->conf.limits.window;
    struct db_val p[] = {DB_S(scope), DB_S(subject), DB_I(now), DB_I(since), DB_I(since)};

    if (strlen(subject) <= 64)
        (void)db_exec_once(app->db, sql, DB_PARAMS(p), NULL, NULL);
}

/* The room of a join row, as its plugin must (re)create it. */
static void join_spec(const char *room_id, const struct db_col *cols, struct janus_room *jr)
{
    servers_room_spec(jr, room_id, cols[J_NAME].s, cols[J_SECRET].s, cols[J_KEY].s, (int)cols[J_RECORD].i,
                      cols[J_MAXP].i, cols[J_TYPE].s, cols[J_CODEC].is_null ? NULL : cols[J_CODEC].s,
                      cols[J_KBPS].i, (int)cols[J_SCREEN].i);
}

/* Why a join moves its room. */
enum join_move {
    MOVE_FAILOVER,  /* its server is down */
    MOVE_REPORT,    /* its people cannot reach its server (reports.h): the old copy destroyed, avoid not used */
    MOVE_REBALANCE, /* empty, its first person arriving, its server over its limit now: only to one with room */
};

/* Sets string column c of a join row to s, as db_query() would. */
static void col_set(struct db_col *c, const char *s)
{
    snprintf(c->s, DB_COL_MAX, "%s", s);
    c->len = strlen(c->s);
    c->is_null = 0;
}

/* Moves the room of a join row off its server, as servers_move_room()
 * does, for why (avoid: a server it must not go to, or NULL). On success
 * cols hold the room's server: 0 when this call moved it, 1 when another
 * worker had moved it first. Returns -1 on failure. */
static int move_joined(struct mrb_app *app, const char *room_id, const char *user, struct db_col *cols,
                       enum join_move why, const char *avoid, struct mrb_err *err)
{
    static const char *const reasons[] = {"failover", "client_report", "rebalance"};
    /* What placement keeps to, read only here: a join that moves nothing
     * (the hot path) does not carry these columns. */
    static const char rules_sql[] = "SELECT region, tags, COALESCE(booked, max_participants), seats_taken, "
                                    "COALESCE(starts_at, created_at) FROM rooms WHERE id = ?";
    enum { M_REGION, M_TAGS, M_BOOKED, M_SEATS, M_STARTS, M_NCOLS };
    struct db_col m[M_NCOLS] = {{.type = DB_STR}, {.type = DB_STR}, {.type = DB_INT}, {.type = DB_INT}, {.type = DB_INT}};
    struct db_val mp[] = {DB_S(room_id)};
    struct server_row srv;
    int rc;

    if (db_query(app->db, rules_sql, DB_PARAMS(mp), m, M_NCOLS, NULL, NULL, err) != 1) {
        if (err->http == 0)
            err_set(err, E_ROOM_NOT_FOUND, "room %s is gone", room_id);
        return -1;
    }
    /* A server left alive keeps no copy: its people (none, for a
     * rebalance) get Janus's "destroyed" and rejoin. */
    struct servers_room room = {.server_id = cols[J_SERVER].s, .max_participants = cols[J_MAXP].i,
                                .destroy_old = why != MOVE_FAILOVER, .avoid = avoid,
                                .reason = reasons[why], .only_fitting = why == MOVE_REBALANCE,
                                .region = m[M_REGION].is_null ? NULL : m[M_REGION].s,
                                .tags = m[M_TAGS].is_null ? NULL : m[M_TAGS].s,
                                .booked = m[M_BOOKED].i, .people = m[M_SEATS].i,
                                .starts = m[M_STARTS].i, .ends = cols[J_EXPIRES].i};

    join_spec(room_id, cols, &room.spec);
    rc = servers_move_room(app, &room, &srv, err);
    if (rc < 0)
        return -1;
    if (rc == 1) /* another worker moved it first (or, for a rebalance, someone took a seat): use that */
        return load_room(app, room_id, user, cols, err) == 1 ? 1 : -1;
    col_set(&cols[J_SERVER], srv.id);
    col_set(&cols[J_PUB], srv.public_url);
    col_set(&cols[J_TSEC], srv.token_secret);
    return 0;
}

/* The first person of an empty room arrives (this join took its first
 * seat, as its seat's transaction saw the room) and its server is over
 * [score] limit now, with what is on it and the bookings due now
 * (servers_over_now()): the room moves first to a server with room for
 * its people now, if one may take it, its empty copy
 * destroyed. Nobody is in it yet, so the move costs no one anything, and
 * the booking that was placed hours ago on a forecast gives way to the
 * servers as they are. This is what keeps the placement goal: no server
 * takes people past its limit while another has room (docs/DESIGN.md,
 * "Rebalanced at arrival"). Best effort: on any failure the room stays.
 * Counted by outcome (moved, stayed). */
static void rebalance_on_arrival(struct mrb_app *app, const char *room_id, const char *user, struct db_col *cols)
{
    struct mrb_err merr = {0};
    char from[65];

    /* this join's seat made the room's booking give way; its person is
     * not measured yet: counted as arriving */
    if (servers_over_now(app, cols[J_SERVER].s, 1, &merr) != 1 || db_col_str(from, sizeof(from), &cols[J_SERVER]) != 0)
        return;
    switch (move_joined(app, room_id, user, cols, MOVE_REBALANCE, NULL, &merr)) {
    case 0:
        counters_add(app, COUNTERS_ARRIVAL_MOVES, "outcome=\"moved\"", 1);
        return;
    case 1: /* a second person took a seat first: the room stays, and cols say where it is */
        return;
    }
    log_msg(LOG_LVL_INFO, "room %s stays on %s, over its limit: %s", room_id, from, merr.msg);
    counters_add(app, COUNTERS_ARRIVAL_MOVES, "outcome=\"stayed\"", 1);
}

/* Recreates the room where it is mapped (after a restart), or moves it to
 * the best other server (its own is down or gone). On success cols hold the
 * room's current server. Returns 0 or -1. */
static int heal(struct mrb_app *app, const char *room_id, const char *user, struct db_col *cols,
                struct mrb_err *err)
{
    static const char rebooted_sql[] = "UPDATE rooms SET server_boot = ? WHERE id = ? AND server_id = ?";
    int server_up = !cols[J_HEALTHY].is_null && cols[J_HEALTHY].i == 1;
    struct janus_room spec;
    int rc;

    if (!server_up)
        return move_joined(app, room_id, user, cols, MOVE_FAILOVER, NULL, err) < 0 ? -1 : 0;
    join_spec(room_id, cols, &spec);
    struct janus_server js = {cols[J_SERVER].s, cols[J_ADM].s, cols[J_ASEC].s,
                              cols[J_RECDIR].is_null ? NULL : cols[J_RECDIR].s};
    rc = janus_room_put(&js, &spec, err);
    if (rc == JANUS_FAILED) {
        err_set(err, E_UNAVAILABLE, "media server %s is not answering; try again shortly", cols[J_SERVER].s);
        return -1;
    }
    struct db_val p[] = {DB_I(cols[J_BOOT].i), DB_S(room_id), DB_S(cols[J_SERVER].s)};
    return db_exec(app->db, rebooted_sql, DB_PARAMS(p), NULL, err) == 0 ? 0 : -1;
}

/* Members of the room report its server, which answers MRB's probe: the
 * room moves when enough of them did (reports_weigh), its old copy
 * destroyed so the others there rejoin at once, never back to a server it
 * left this way. When no other server can take it, the room stays (and the
 * claim is withdrawn): the answer is its server, as before. Returns the
 * outcome label to count. */
static const char *weigh_report(struct mrb_app *app, const char *room_id, const char *user, struct db_col *cols,
                                struct mrb_err *err)
{
    struct reports_move move;
    char from[65];
    struct mrb_err merr = {0};

    switch (reports_weigh(app, room_id, cols[J_SERVER].s, user, &move, err)) {
    case REPORTS_MOVE:
        break;
    case REPORTS_LIMITED:
        return "outcome=\"limited\"";
    case REPORTS_WAIT:
    case REPORTS_GONE:
        return "outcome=\"healthy\"";
    default:
        return NULL;
    }
    if (db_col_str(from, sizeof(from), &cols[J_SERVER]) != 0)
        return NULL;
    if (move_joined(app, room_id, user, cols, MOVE_REPORT, move.avoid, &merr) >= 0) {
        reports_moved(app, room_id, from);
        return "outcome=\"moved_members\"";
    }
    log_msg(LOG_LVL_WARN, "room %s stays on %s: %s", room_id, from, merr.msg);
    reports_unclaim(app, room_id, from);
    if (load_room(app, room_id, user, cols, err) != 1)
        return NULL;
    return "outcome=\"healthy\"";
}

/* The client says it cannot reach url, a server of an earlier answer. When
 * that is the room's server now, it is probed at once (probe_server); when
 * the probe fails, the room is marked to move (heal() then moves it, the
 * failover code); when the server answers, the report is weighed with the
 * room's other members' (weigh_report). A URL that is not the room's server
 * (the room moved already) is ignored. Each report is counted by outcome.
 * Returns 0, or -1 (503). */
static int client_report(struct mrb_app *app, const char *room_id, const char *user, const char *url,
                         struct db_col *cols, struct mrb_err *err)
{
    const char *outcome = "outcome=\"ignored\"";

    if (!cols[J_PUB].is_null && strcmp(url, cols[J_PUB].s) == 0 && !cols[J_HEALTHY].is_null &&
        cols[J_HEALTHY].i == 1) {
        switch (probe_server(app, cols[J_SERVER].s, cols[J_PUB].s, err)) {
        case PROBE_FAILED:
            return -1;
        case PROBE_DOWN:
            cols[J_HEALTHY].i = 0; /* as good as down for this room: move it */
            outcome = "outcome=\"moved\"";
            break;
        case PROBE_UP:
            if ((outcome = weigh_report(app, room_id, user, cols, err)) == NULL)
                return -1;
            break;
        }
    } else if (!cols[J_PUB].is_null && strcmp(url, cols[J_PUB].s) == 0) {
        outcome = "outcome=\"moved\""; /* its server is known down: heal() moves it */
    }
    counters_add(app, COUNTERS_CLIENT_REPORTS, outcome, 1);
    return 0;
}

/* The ice list for one guest: STUN, then TURN (turn: and turns: URLs as
 * configured) with REST credentials that expire with the room. */
static json_t *build_ice(const struct mrb_conf *c, long long now, long long room_expires, const char *user)
{
    json_t *ice = json_array(), *urls;
    /* "<expiry>:<userId>": a userId is up to 64 characters of up to 4
     * bytes in UTF-8 */
    char username[24 + 4 * 64 + 1], credential[64];

    if (c->turn.n_stun_urls > 0) {
        urls = json_array();
        for (size_t i = 0; i < c->turn.n_stun_urls; i++)
            json_array_append_new(urls, json_string(c->turn.stun_urls[i]));
        json_array_append_new(ice, json_pack("{s:o}", "urls", urls));
    }
    if (c->turn.n_urls > 0) {
        if (c->turn.secret) {
            long long expiry = token_turn_expiry(now, room_expires, c->rooms.seat_grace, c->turn.credential_ttl);
            if (token_turn(c->turn.secret, expiry, user, username, sizeof(username),
                           credential, sizeof(credential)) != 0) {
                json_decref(ice);
                return NULL;
            }
        } else {
            snprintf(username, sizeof(username), "%s", c->turn.username);
            snprintf(credential, sizeof(credential), "%s", c->turn.credential);
        }
        urls = json_array();
        for (size_t i = 0; i < c->turn.n_urls; i++)
            json_array_append_new(urls, json_string(c->turn.urls[i]));
        json_array_append_new(ice, json_pack("{s:o, s:s, s:s}", "urls", urls, "username", username,
                                             "credential", credential));
    }
    return ice;
}

int room_join(struct mrb_app *app, json_t *body, json_t **data, struct mrb_err *err)
{
    static const struct valid_field fields[] = {
        {"roomId", VALID_STRING, VALID_REQUIRED, 1, 64},
        {"roomKey", VALID_STRING, VALID_REQUIRED, 1, 64},
        {"display", VALID_STRING, 0, 0, 64},
        {"userId", VALID_STRING, 0, 1, 64},
        {"unreachable", VALID_STRING, 0, 1, 512},
    };
    const struct mrb_conf *c = &app->conf;
    struct db_col cols[J_NCOLS];
    const char *room_id, *key, *user;
    char token[256], opaque[40], expires[32], anon[24];
    long long now = util_now(), token_exp;
    struct janus_room spec;
    struct seat_room seated = {0, ""};
    json_t *ice;
    int n, rc = 0;

    *data = NULL;
    if (valid_check(body, fields, sizeof(fields) / sizeof(fields[0]), err) != 0)
        return -1;
    room_id = valid_str(body, "roomId", "");
    key = valid_str(body, "roomKey", "");
    user = valid_str(body, "userId", NULL);

    if (user == NULL) { /* "a guest without a userId gets a fresh one" */
        if (util_random_token(anon, sizeof(anon), 12) != 0) {
            err_set(err, E_UNAVAILABLE, "no randomness available");
            return -1;
        }
        user = anon;
    }
    n = load_room(app, room_id, user, cols, err);
    /* On a cluster this node may not have applied a write made through
     * another one yet: a room created, or its key changed, a moment ago.
     * The hot path reads without waiting; only an answer that would refuse
     * the guest is read again, causally, before it is given. */
    if (n == 0 || (n > 0 && db_is_galera(app->db) &&
                   (!cols[J_ENDED].is_null || cols[J_EXPIRES].i <= now || !util_const_streq(key, cols[J_KEY].s))))
        n = load_room_as(app, room_id, user, cols, db_is_galera(app->db), err);
    if (n < 0)
        return -1;
    if (n == 0) {
        err_set_code(err, E_ROOM_NOT_FOUND);
        return -1;
    }
    if (!cols[J_ENDED].is_null) { /* the words moderation uses for the same room */
        err_set_code(err, E_ROOM_GONE);
        return -1;
    }
    if (cols[J_EXPIRES].i <= now) {
        err_set(err, E_ROOM_GONE, "room has expired");
        return -1;
    }
    if (key_limited(c, cols, now, err))
        return -1;
    if (!util_const_streq(key, cols[J_KEY].s)) {
        key_failed(app, "r", room_id, now);
        if (app->client)
            key_failed(app, "c", app->client, now);
        err_set_code(err, E_WRONG_KEY);
        return -1;
    }
    /* A reload keeps its seat: no write at all while more than half its grace
     * is left (or it is connected), else one UPDATE without the room lock. A
     * new user, or one whose seat was reclaimed, takes a seat (seat.c). */
    rc = 0;
    if (!cols[J_OPAQUE].is_null) {
        if (db_col_str(opaque, sizeof(opaque), &cols[J_OPAQUE]) != 0) {
            err_set(err, E_UNAVAILABLE, "seat record is corrupt");
            return -1;
        }
        rc = cols[J_HELD].i >= now + c->rooms.seat_grace / 2 ? 1
                                                             : seat_keep(app, room_id, user, opaque, now, err);
        if (rc < 0)
            return -1;
    }
    if (rc == 0 && seat_take(app, room_id, user, now, opaque, sizeof(opaque), &seated, err) != 0)
        return -1;
    /* The room moved between the first read and the seat: answer with
     * where it is now (its new server's URL and token secret). */
    if (rc == 0 && seated.server_id[0] && strcmp(seated.server_id, cols[J_SERVER].s) != 0 &&
        load_room(app, room_id, user, cols, err) != 1)
        return -1;
    /* the first seat of an empty room on a server that is up as mapped */
    if (rc == 0 && seated.taken == 1 && c->score.rebalance && !cols[J_HEALTHY].is_null &&
        cols[J_HEALTHY].i == 1 && cols[J_SBOOT].i == cols[J_BOOT].i && !valid_present(body, "unreachable"))
        rebalance_on_arrival(app, room_id, user, cols);
    if (valid_present(body, "unreachable") &&
        client_report(app, room_id, user, valid_str(body, "unreachable", ""), cols, err) != 0)
        return -1;
    /* The hot path skips this unless the room must be (re)created first. */
    if (cols[J_HEALTHY].is_null || cols[J_HEALTHY].i != 1 || cols[J_SBOOT].i != cols[J_BOOT].i) {
        if (heal(app, room_id, user, cols, err) != 0)
            return -1;
    }

    token_exp = cols[J_EXPIRES].i;
    if (token_exp > now + c->rooms.token_max_ttl)
        token_exp = now + c->rooms.token_max_ttl;
    /* The token names the room's plugin only: an audio room's guest cannot
     * attach VideoRoom on that server, nor the reverse. */
    join_spec(room_id, cols, &spec);
    if (token_janus(cols[J_TSEC].s, token_exp, janus_plugin_name(spec.plugin), token, sizeof(token)) != 0) {
        err_set(err, E_UNAVAILABLE, "cannot mint credentials");
        return -1;
    }
    ice = build_ice(c, now, cols[J_EXPIRES].i, user);
    if (ice == NULL) {
        err_set(err, E_UNAVAILABLE, "cannot mint TURN credentials");
        return -1;
    }
    util_rfc3339(cols[J_EXPIRES].i, expires, sizeof(expires));
    *data = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:s}", "roomNm", cols[J_NAME].s, "roomId",
                      room_id, "server", cols[J_PUB].s, "token", token, "ice", ice, "opaqueId", opaque, "expiresAt",
                      expires, "userId", user, "roomType", janus_room_type(spec.plugin), "plugin",
                      janus_plugin_name(spec.plugin));
    if (*data && add_video_fields(*data, &spec, (int)cols[J_SCREEN].i) != 0) {
        json_decref(*data);
        *data = NULL;
    }
    return 0; /* a NULL *data is answered 503 by serve_reply() */
}

enum { P_ID, P_DISPLAY, P_USER, P_MUTED, P_JOINED, P_OWN, P_OTHERS, P_NCOLS };

struct people_ctx {
    json_t *list;
    enum janus_plugin plugin;
};

/* own: the SET publishing of the person's first handle; others: those of
 * their other handles, comma-joined (or NULL), each of which is a screen. */
static json_t *publishing_json(enum janus_plugin plugin, const char *own, const char *others)
{
    json_t *list = json_array();
    int mic = plugin == JANUS_AUDIOBRIDGE || util_list_has(own, "microphone");
    int camera = util_list_has(own, "camera");
    int screen = util_list_has(own, "screen") || util_list_has(others, "camera") || util_list_has(others, "screen");

    if (mic)
        json_array_append_new(list, json_string("microphone"));
    if (camera)
        json_array_append_new(list, json_string("camera"));
    if (screen)
        json_array_append_new(list, json_string("screen"));
    return list;
}

static int participant_row(void *ctx, const struct db_col *c, size_t ncols)
{
    struct people_ctx *k = ctx;
    char joined[32];
    (void)ncols;

    util_rfc3339(c[P_JOINED].i, joined, sizeof(joined));
    json_array_append_new(k->list, json_pack("{s:s, s:s, s:o, s:s, s:b, s:o}", "id", c[P_ID].s, "display",
                                             c[P_DISPLAY].s, "userId",
                                             c[P_USER].is_null ? json_null() : json_string(c[P_USER].s),
                                             "joinedAt", joined, "muted", (int)c[P_MUTED].i, "publishing",
                                             publishing_json(k->plugin, c[P_OWN].s,
                                                             c[P_OTHERS].is_null ? NULL : c[P_OTHERS].s)));
    return 0;
}

json_t *room_participants(struct mrb_app *app, const char *room_id, enum janus_plugin plugin, struct mrb_err *err)
{
    static const char sql[] =
        "SELECT p.participant_id, p.display, p.user_id, p.muted, p.joined_at, p.publishing, "
        "GROUP_CONCAT(NULLIF(o.publishing, '') SEPARATOR ',') FROM participants p "
        "LEFT JOIN participants o ON o.room_id = p.room_id AND o.main_id = p.participant_id "
        "WHERE p.room_id = ? AND p.main_id IS NULL GROUP BY p.room_id, p.participant_id "
        "ORDER BY p.joined_at, p.participant_id";
    static const enum db_type types[P_NCOLS] = {DB_STR, DB_STR, DB_STR, DB_INT, DB_INT, DB_STR, DB_STR};
    struct db_col c[P_NCOLS];
    struct db_val p[] = {DB_S(room_id)};
    struct people_ctx k = {json_array(), plugin};

    if (k.list == NULL) {
        err_set(err, E_UNAVAILABLE, "out of memory");
        return NULL;
    }
    for (int i = 0; i < P_NCOLS; i++)
        c[i].type = types[i];
    if (db_query(app->db, sql, DB_PARAMS(p), c, P_NCOLS, participant_row, &k, err) < 0) {
        json_decref(k.list);
        return NULL;
    }
    return k.list;
}

int room_status(struct mrb_app *app, const char *bearer, json_t *body, json_t **data, struct mrb_err *err)
{
    static const struct valid_field fields[] = {{"roomId", VALID_STRING, VALID_REQUIRED, 1, 64}};
    static const char room_sql[] = "SELECT created_by, server_id, max_participants, expires_at, ended_at, room_type "
                                   "FROM rooms WHERE id = ?";
    static const char seats_sql[] = "SELECT COUNT(*) FROM seats WHERE room_id = ? AND " SEAT_HELD("");
    struct db_col rc[6] = {{.type = DB_STR}, {.type = DB_STR}, {.type = DB_INT},
                           {.type = DB_INT}, {.type = DB_INT}, {.type = DB_STR}};
    struct db_col sc = {.type = DB_INT};
    struct token_claims claims;
    enum janus_plugin plugin;
    json_t *people;
    long long now = util_now();
    const char *room_id;
    char expires[32];
    int n;

    *data = NULL;
    if (token_jwt_verify(&app->conf, bearer, now, &claims, err) != 0)
        return -1;
    if (valid_check(body, fields, 1, err) != 0)
        return -1;
    room_id = valid_str(body, "roomId", "");
    struct db_val p[] = {DB_S(room_id)};
    /* room-status right after the webhook: causal, so a host sees what the
     * media servers reported through any web node */
    n = db_query_causal(app->db, room_sql, DB_PARAMS(p), rc, 6, NULL, NULL, err);
    if (n < 0)
        return -1;
    if (n == 0) {
        err_set_code(err, E_ROOM_NOT_FOUND);
        return -1;
    }
    if (!room_may_manage(&claims, rc[0].s)) {
        err_set(err, E_NOT_HOST, "only the room's creator or an admin may see it");
        return -1;
    }
    struct db_val sp[] = {DB_S(room_id), DB_I(now)};
    plugin = janus_plugin_of(rc[5].s);
    if ((people = room_participants(app, room_id, plugin, err)) == NULL)
        return -1;
    if (db_query(app->db, seats_sql, DB_PARAMS(sp), &sc, 1, NULL, NULL, err) != 1) {
        json_decref(people);
        return -1;
    }
    util_rfc3339(rc[3].i, expires, sizeof(expires));
    /* live, expired (past expiresAt, mrb-expire not there yet) or ended */
    const char *state = !rc[4].is_null ? "ended" : rc[3].i <= now ? "expired" : "live";
    *data = json_pack("{s:s, s:s, s:s, s:s, s:o, s:I, s:I, s:s}", "roomId", room_id, "state", state, "roomType",
                      janus_room_type(plugin), "server", rc[1].s, "participants", people, "seatsHeld",
                      (json_int_t)sc.i, "maxParticipants", (json_int_t)rc[2].i, "expiresAt", expires);
    if (*data && !rc[4].is_null) {
        char ended[32];
        util_rfc3339(rc[4].i, ended, sizeof(ended));
        json_object_set_new(*data, "endedAt", json_string(ended));
    }
    return 0; /* a NULL *data is answered 503 by serve_reply() */
}

int room_may_manage(const struct token_claims *claims, const char *created_by)
{
    return claims->is_admin || (claims->is_host && strcmp(claims->sub, created_by) == 0);
}

enum { T_OWNER, T_NAME, T_KEY, T_SECRET, T_SERVER, T_EXPIRES, T_ENDED, T_MAXP, T_ADM, T_ASEC, T_TYPE, T_SCREEN,
       T_NCOLS };

int room_target_load(struct mrb_app *app, const char *room_id, const struct token_claims *claims, int live,
                     struct room_target *t, struct mrb_err *err)
{
    static const char sql[] =
        "SELECT r.created_by, r.name, r.room_key, r.secret, r.server_id, r.expires_at, r.ended_at, "
        "r.max_participants, s.admin_url, s.admin_secret, r.room_type, r.screen_share "
        "FROM rooms r LEFT JOIN servers s ON s.id = r.server_id WHERE r.id = ?";
    static const enum db_type types[T_NCOLS] = {DB_STR, DB_STR, DB_STR, DB_STR, DB_STR, DB_INT,
                                                DB_INT, DB_INT, DB_STR, DB_STR, DB_STR, DB_INT};
    struct db_col c[T_NCOLS];
    struct db_val p[] = {DB_S(room_id)};
    int n;

    for (int i = 0; i < T_NCOLS; i++)
        c[i].type = types[i];
    n = db_query(app->db, sql, DB_PARAMS(p), c, T_NCOLS, NULL, NULL, err);
    if (n < 0)
        return -1;
    if (n == 0) {
        err_set_code(err, E_ROOM_NOT_FOUND);
        return -1;
    }
    if (claims && !room_may_manage(claims, c[T_OWNER].s)) {
        err_set(err, E_NOT_HOST, "only the room's creator or an admin may do this");
        return -1;
    }
    if (!c[T_ENDED].is_null || (live && c[T_EXPIRES].i <= util_now())) {
        err_set_code(err, E_ROOM_GONE);
        return -1;
    }
    memset(t, 0, sizeof(*t));
    snprintf(t->id, sizeof(t->id), "%s", room_id);
    if (db_col_str(t->name, sizeof(t->name), &c[T_NAME]) || db_col_str(t->key, sizeof(t->key), &c[T_KEY]) ||
        db_col_str(t->secret, sizeof(t->secret), &c[T_SECRET]) || db_col_str(t->server, sizeof(t->server), &c[T_SERVER]) ||
        db_col_str(t->admin_url, sizeof(t->admin_url), &c[T_ADM]) ||
        db_col_str(t->admin_secret, sizeof(t->admin_secret), &c[T_ASEC])) {
        err_set(err, E_UNAVAILABLE, "room %s has an over-long field", room_id);
        return -1;
    }
    t->has_server = !c[T_ADM].is_null;
    t->expires_at = c[T_EXPIRES].i;
    t->max_participants = c[T_MAXP].i;
    t->plugin = janus_plugin_of(c[T_TYPE].s);
    t->screen_share = (int)c[T_SCREEN].i;
    return 0;
}

struct end_txn {
    const struct mrb_conf *conf;
    const char *room_id, *reason;
    long long now;
};

static int end_txn(struct db *db, void *ctx, struct mrb_err *err)
{
    static const char people_sql[] = "DELETE FROM participants WHERE room_id = ?";
    static const char seats_sql[] = "DELETE FROM seats WHERE room_id = ?";
    static const char ended_sql[] = "UPDATE rooms SET ended_at = ?, seats_taken = 0 WHERE id = ? AND ended_at IS NULL";
    struct end_txn *et = ctx;
    struct db_val one[] = {DB_S(et->room_id)};
    struct db_val ep[] = {DB_I(et->now), DB_S(et->room_id)};
    int rc;

    unsigned long long ended = 0;
    char when[32];

    if ((rc = db_exec(db, people_sql, DB_PARAMS(one), NULL, err)) != 0 || (rc = db_exec(db, seats_sql, DB_PARAMS(one), NULL, err)) != 0)
        return rc;
    if ((rc = db_exec(db, ended_sql, DB_PARAMS(ep), &ended, err)) != 0 || ended == 0)
        return rc;
    util_rfc3339(et->now, when, sizeof(when));
    return outbox_room(db, et->conf, "room.ended", et->room_id,
                       json_pack("{s:s, s:s}", "reason", et->reason, "endedAt", when), err);
}

enum room_end_result room_end(struct mrb_app *app, const char *room_id, const char *reason, struct mrb_err *err)
{
    static const char refuse_sql[] = "UPDATE rooms SET expires_at = LEAST(expires_at, ?), end_reason = ? "
                                     "WHERE id = ? AND ended_at IS NULL";
    long long now = util_now();
    unsigned long long affected = 0;
    struct room_target t;

    if (room_target_load(app, room_id, NULL, 0, &t, err) != 0)
        return ROOM_END_FAILED;
    struct db_val rp[] = {DB_I(now), DB_S(reason), DB_S(room_id)};
    if (db_exec(app->db, refuse_sql, DB_PARAMS(rp), &affected, err) != 0)
        return ROOM_END_FAILED;
    if (affected == 0) {
        err_set_code(err, E_ROOM_GONE);
        return ROOM_END_FAILED;
    }
    if (t.has_server) {
        struct janus_server js = {t.server, t.admin_url, t.admin_secret, NULL};
        struct mrb_err jerr = {0};
        if (janus_room_destroy(&js, t.plugin, t.id, t.secret, &jerr) == JANUS_FAILED) {
            log_msg(LOG_LVL_WARN, "room %s refused to joiners; %s did not destroy it (%s), mrb-expire will",
                    t.id, t.server, jerr.msg);
            return ROOM_REFUSED;
        }
    }
    struct end_txn et = {&app->conf, room_id, reason, now};
    /* Presence and seats before the room row: the order the webhook takes
     * the same locks in when the destroy's own events arrive, so the two
     * never wait on each other in a cycle; a deadlock victim runs again. */
    if (db_transaction(app->db, end_txn, &et, DB_TXN_REPLAYABLE, err) != 0) {
        log_msg(LOG_LVL_WARN, "room %s destroyed but not marked ended (%s); mrb-expire will", t.id, err->msg);
        return ROOM_REFUSED; /* mrb-expire marks it ended (a room already gone counts as done) */
    }
    counters_add(app, COUNTERS_ENDED, "", 1);
    log_msg(LOG_LVL_INFO, "room %s ended on request", t.id);
    servers_finish_drains(app, NULL);
    return ROOM_ENDED;
}
