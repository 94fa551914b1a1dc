#include <stdio.h>
#include <string.h>

#include "fleet.h"
#include "janus.h"
#include "moderate.h"
#include "stats.h"
#include "token.h"
#include "util.h"
#include "valid.h"

/* The room a moderation request acts on, with the server it lives on. */
struct target {
    char id[65], name[101 * 4], key[13], secret[65], server[65], admin_url[256], admin_secret[256];
    long long expires_at, max_participants;
    int has_server;
};

enum { T_OWNER, T_NAME, T_KEY, T_SECRET, T_SERVER, T_EXPIRES, T_ENDED, T_MAXP, T_ADM, T_ASEC, T_NCOLS };

/* Loads room_id into t. Returns 0; -1 with 404/104 or 503. When claims is
 * given, only its creator or an admin may act (403/102). When live, an
 * ended or expired room is refused (410/105). */
static int load_target(struct mrb_app *app, const char *room_id, const struct token_claims *claims, int live,
                       struct target *t, struct mrb_err *err)
{
    static const char sql[] =
        "SELECT r.created_by, r.name, r.room_key, r.secret, r.server_id, r.expires_at, r.ended_at, "
        "r.max_participants, s.admin_url, s.admin_secret FROM rooms r LEFT JOIN servers s ON s.id = r.server_id "
        "WHERE r.id = ?";
    static const enum db_type types[T_NCOLS] = {DB_STR, DB_STR, DB_STR, DB_STR, DB_STR,
                                                DB_INT, DB_INT, DB_INT, DB_STR, DB_STR};
    struct db_col c[T_NCOLS];
    struct db_val p[] = {DB_S(room_id)};
    int n;

    for (int i = 0; i < T_NCOLS; i++)
        c[i].type = types[i];
    n = db_query(app->db, sql, p, 1, c, T_NCOLS, NULL, NULL, err);
    if (n < 0)
        return -1;
    if (n == 0) {
        err_set(err, 404, "104", "room not found");
        return -1;
    }
    if (claims && !claims->is_admin && !(claims->is_host && strcmp(claims->sub, c[T_OWNER].s) == 0)) {
        err_set(err, 403, "102", "only the room's creator or an admin may do this");
        return -1;
    }
    if (!c[T_ENDED].is_null || (live && c[T_EXPIRES].i <= util_now())) {
        err_set(err, 410, "105", "room has ended");
        return -1;
    }
    memset(t, 0, sizeof(*t));
    snprintf(t->id, sizeof(t->id), "%s", room_id);
    if (db_col_str(t->name, sizeof(t->name), &c[T_NAME]) || db_col_str(t->key, sizeof(t->key), &c[T_KEY]) ||
        db_col_str(t->secret, sizeof(t->secret), &c[T_SECRET]) || db_col_str(t->server, sizeof(t->server), &c[T_SERVER]) ||
        db_col_str(t->admin_url, sizeof(t->admin_url), &c[T_ADM]) ||
        db_col_str(t->admin_secret, sizeof(t->admin_secret), &c[T_ASEC])) {
        err_set(err, 503, "503", "room %s has an over-long field", room_id);
        return -1;
    }
    t->has_server = !c[T_ADM].is_null;
    t->expires_at = c[T_EXPIRES].i;
    t->max_participants = c[T_MAXP].i;
    return 0;
}

/* Token, field table, then the room: the steps every endpoint shares.
 * live as in load_target(). */
static int begin(struct mrb_app *app, const char *bearer, json_t *body, const struct valid_field *fields, size_t n,
                 int live, struct target *t, struct mrb_err *err)
{
    struct token_claims claims;

    if (token_jwt_verify(&app->conf, bearer, util_now(), &claims, err) != 0)
        return -1;
    if (valid_check(body, fields, n, err) != 0)
        return -1;
    return load_target(app, valid_str(body, "roomId", ""), &claims, live, t, err);
}

/* One AudioBridge request on the room's server: request gets room and
 * secret added. Returns 0, or -1 with err set: 404/108 when the server does
 * not know the participant (or no longer has the room, after a restart),
 * else 503. */
static int ab_request(const struct target *t, json_t *request, struct mrb_err *err)
{
    struct janus_server js = {t->server, t->admin_url, t->admin_secret};
    json_t *response = NULL;
    int rc;

    if (!t->has_server) {
        json_decref(request);
        err_set(err, 503, "503", "the room's media server is no longer registered");
        return -1;
    }
    json_object_set_new(request, "room", json_string(t->id));
    json_object_set_new(request, "secret", json_string(t->secret));
    rc = janus_audiobridge(&js, request, &response, err);
    json_decref(request);
    json_decref(response);
    if (rc == 0)
        return 0;
    if (rc == JANUS_AB_NO_SUCH_USER || rc == JANUS_AB_NO_SUCH_ROOM)
        err_set(err, 404, "108", "participant not in the room");
    else if (rc > 0)
        err_set(err, 503, "503", "media server %s refused the request (%d)", t->server, rc);
    return -1;
}

/* kick uses the first two rows, mute all three */
static const struct valid_field participant_fields[] = {
    {"roomId", VALID_STRING, VALID_REQUIRED, 1, 64},
    {"participantId", VALID_STRING, VALID_REQUIRED, 1, 64},
    {"muted", VALID_BOOL, VALID_REQUIRED, 0, 0},
};

int moderate_kick(struct mrb_app *app, const char *bearer, json_t *body, json_t **data, struct mrb_err *err)
{
    struct target t;
    const char *pid;

    *data = NULL;
    if (begin(app, bearer, body, participant_fields, 2, 1, &t, err) != 0)
        return -1;
    pid = valid_str(body, "participantId", "");
    if (ab_request(&t, json_pack("{s:s, s:s}", "request", "kick", "id", pid), err) != 0)
        return -1;
    *data = json_pack("{s:s, s:s, s:b}", "roomId", t.id, "participantId", pid, "kicked", 1);
    return *data ? 0 : (err_set(err, 503, "503", "cannot build reply"), -1);
}

int moderate_mute(struct mrb_app *app, const char *bearer, json_t *body, json_t **data, struct mrb_err *err)
{
    static const char sql[] = "UPDATE participants SET muted = ? WHERE room_id = ? AND participant_id = ?";
    struct target t;
    const char *pid;
    int muted;

    *data = NULL;
    if (begin(app, bearer, body, participant_fields, 3, 1, &t, err) != 0)
        return -1;
    pid = valid_str(body, "participantId", "");
    muted = valid_bool(body, "muted", 0);
    if (ab_request(&t, json_pack("{s:s, s:s}", "request", muted ? "mute" : "unmute", "id", pid), err) != 0)
        return -1;
    struct db_val p[] = {DB_I(muted), DB_S(t.id), DB_S(pid)};
    (void)db_exec(app->db, sql, p, 3, NULL, err); /* presence mirror only: Janus holds the truth */
    *data = json_pack("{s:s, s:s, s:b}", "roomId", t.id, "participantId", pid, "muted", muted);
    return *data ? 0 : (err_set(err, 503, "503", "cannot build reply"), -1);
}

int moderate_end_room(struct mrb_app *app, const char *room_id, struct mrb_err *err)
{
    static const char refuse_sql[] = "UPDATE rooms SET expires_at = LEAST(expires_at, ?) "
                                     "WHERE id = ? AND ended_at IS NULL";
    static const char ended_sql[] = "UPDATE rooms SET ended_at = ? WHERE id = ? AND ended_at IS NULL";
    static const char seats_sql[] = "DELETE FROM seats WHERE room_id = ?";
    static const char people_sql[] = "DELETE FROM participants WHERE room_id = ?";
    long long now = util_now();
    unsigned long long affected = 0;
    struct target t;
    int rc;

    if (load_target(app, room_id, NULL, 0, &t, err) != 0)
        return -1;
    struct db_val rp[] = {DB_I(now), DB_S(room_id)};
    if (db_exec(app->db, refuse_sql, rp, 2, &affected, err) != 0)
        return -1;
    if (affected == 0) {
        err_set(err, 410, "105", "room has ended");
        return -1;
    }
    if (t.has_server) {
        struct janus_server js = {t.server, t.admin_url, t.admin_secret};
        struct mrb_err jerr = {0};
        rc = janus_room_destroy(&js, t.id, t.secret, &jerr);
        if (rc != 0 && rc != JANUS_AB_NO_SUCH_ROOM) {
            fprintf(stderr, "mrb: room %s refused to joiners; %s did not destroy it (%s), mrb-expire will\n",
                    t.id, t.server, jerr.msg);
            return 0;
        }
    }
    struct db_val ep[] = {DB_I(now), DB_S(room_id)};
    struct db_val one[] = {DB_S(room_id)};
    /* Presence and seats before the room row: the order the webhook takes
     * the same locks in when the destroy's own events arrive, so the two
     * never wait on each other in a cycle. A deadlock victim retries. */
    for (int attempt = 0;; attempt++) {
        if (db_begin(app->db, err) == 0 && db_exec(app->db, people_sql, one, 1, NULL, err) == 0 &&
            db_exec(app->db, seats_sql, one, 1, NULL, err) == 0 && db_exec(app->db, ended_sql, ep, 2, NULL, err) == 0 &&
            db_commit(app->db, err) == 0)
            break;
        db_rollback(app->db);
        if (attempt == 2) {
            fprintf(stderr, "mrb: room %s destroyed but not marked ended (%s); mrb-expire will\n", t.id, err->msg);
            return 0; /* refused to joiners already; mrb-expire marks it ended (485 counts as done) */
        }
    }
    stats_add(app, STATS_ENDED, "", 1);
    fprintf(stderr, "mrb: room %s ended on request\n", t.id);
    fleet_finish_drains(app, err);
    return 1;
}

int moderate_end(struct mrb_app *app, const char *bearer, json_t *body, json_t **data, struct mrb_err *err)
{
    static const struct valid_field fields[] = {{"roomId", VALID_STRING, VALID_REQUIRED, 1, 64}};
    struct target t;
    int rc;

    *data = NULL;
    /* an expired room not yet destroyed may still be ended: not live-only */
    if (begin(app, bearer, body, fields, 1, 0, &t, err) != 0)
        return -1;
    rc = moderate_end_room(app, t.id, err);
    if (rc < 0)
        return -1;
    *data = json_pack("{s:s, s:b, s:b}", "roomId", t.id, "ended", 1, "destroyed", rc == 1);
    return *data ? 0 : (err_set(err, 503, "503", "cannot build reply"), -1);
}

int moderate_edit(struct mrb_app *app, const char *bearer, json_t *body, json_t **data, struct mrb_err *err)
{
    const struct mrb_conf *c = &app->conf;
    const struct valid_field fields[] = {
        {"roomId", VALID_STRING, VALID_REQUIRED, 1, 64},
        {"roomNm", VALID_STRING, 0, 1, 100},
        {"roomKey", VALID_DIGITS, 0, 4, 12},
        {"ttlSeconds", VALID_INT, 0, 10, c->rooms.max_ttl},
        {"maxParticipants", VALID_INT, 0, 2, c->rooms.max_participants},
    };
    static const char sql[] = "UPDATE rooms SET name = ?, room_key = ?, expires_at = ?, max_participants = ? "
                              "WHERE id = ? AND ended_at IS NULL";
    static const char reset_sql[] = "DELETE FROM key_failures WHERE scope = 'r' AND subject = ?";
    struct target t;
    const char *name, *key;
    long long expires_at, maxp;
    int touches_janus;
    char expires[32];

    *data = NULL;
    if (begin(app, bearer, body, fields, sizeof(fields) / sizeof(fields[0]), 1, &t, err) != 0)
        return -1;
    name = valid_str(body, "roomNm", NULL);
    key = valid_str(body, "roomKey", NULL);
    if (name == NULL && key == NULL && !valid_present(body, "ttlSeconds") && !valid_present(body, "maxParticipants")) {
        err_set(err, 400, "400", "nothing to change: give roomNm, roomKey, ttlSeconds or maxParticipants");
        return -1;
    }
    touches_janus = name != NULL || key != NULL;
    if (name == NULL)
        name = t.name;
    if (key == NULL)
        key = t.key;
    expires_at = valid_present(body, "ttlSeconds") ? util_now() + valid_int(body, "ttlSeconds", 0) : t.expires_at;
    maxp = valid_int(body, "maxParticipants", t.max_participants);

    if (touches_janus) {
        json_t *req = json_pack("{s:s, s:s, s:s}", "request", "edit", "new_description", name, "new_pin", key);
        /* a server that lost the room (restart) recreates it from the row: not an error */
        if (ab_request(&t, req, err) != 0 && strcmp(err->code, "108") != 0)
            return -1;
    }
    struct db_val p[] = {DB_S(name), DB_S(key), DB_I(expires_at), DB_I(maxp), DB_S(t.id)};
    struct db_val r[] = {DB_S(t.id)};
    /* a new key ends the guessing of the old one: the room's count starts over */
    if (db_exec(app->db, sql, p, 5, NULL, err) != 0 ||
        (valid_present(body, "roomKey") && db_exec(app->db, reset_sql, r, 1, NULL, err) != 0)) {
        if (touches_janus) { /* put the media server back as the row still says */
            struct mrb_err ignored;
            ab_request(&t, json_pack("{s:s, s:s, s:s}", "request", "edit", "new_description", t.name, "new_pin", t.key),
                       &ignored);
        }
        return -1;
    }
    err_clear(err);
    util_rfc3339(expires_at, expires, sizeof(expires));
    *data = json_pack("{s:s, s:s, s:s, s:I, s:s}", "roomId", t.id, "roomNm", name, "roomKey", key,
                      "maxParticipants", (json_int_t)maxp, "expiresAt", expires);
    return *data ? 0 : (err_set(err, 503, "503", "cannot build reply"), -1);
}

int moderate_record(struct mrb_app *app, const char *bearer, json_t *body, json_t **data, struct mrb_err *err)
{
    static const struct valid_field fields[] = {
        {"roomId", VALID_STRING, VALID_REQUIRED, 1, 64},
        {"record", VALID_BOOL, VALID_REQUIRED, 0, 0},
    };
    static const char sql[] = "UPDATE rooms SET record = ? WHERE id = ? AND ended_at IS NULL";
    struct target t;
    int record;

    *data = NULL;
    if (begin(app, bearer, body, fields, 2, 1, &t, err) != 0)
        return -1;
    record = valid_bool(body, "record", 0);
    if (ab_request(&t, json_pack("{s:s, s:b}", "request", "enable_recording", "record", record), err) != 0)
        return -1;
    struct db_val p[] = {DB_I(record), DB_S(t.id)};
    if (db_exec(app->db, sql, p, 2, NULL, err) != 0) {
        struct mrb_err ignored;
        ab_request(&t, json_pack("{s:s, s:b}", "request", "enable_recording", "record", !record), &ignored);
        return -1;
    }
    *data = json_pack("{s:s, s:b}", "roomId", t.id, "record", record);
    return *data ? 0 : (err_set(err, 503, "503", "cannot build reply"), -1);
}
