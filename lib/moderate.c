#include <stdio.h>
#include <string.h>

#include "janus.h"
#include "moderate.h"
#include "room.h"
#include "token.h"
#include "util.h"
#include "valid.h"

/* Token, field table, then the room: the steps every endpoint shares.
 * live as in room_target_load(). */
static int begin(struct mrb_app *app, const char *bearer, json_t *body, const struct valid_field *fields, size_t n,
                 int live, struct room_target *t, struct mrb_err *err)
{
    struct token_claims claims;

    if (token_jwt_verify(&app->conf, bearer, util_now(), &claims, err) != 0)
        return -1;
    if (valid_check(body, fields, n, err) != 0)
        return -1;
    return room_target_load(app, valid_str(body, "roomId", ""), &claims, live, t, err);
}

/* One AudioBridge request on the room's server: request gets room and
 * secret added. Returns AB_DONE; AB_GONE with 404/108 in err when the
 * server does not know the participant (or no longer has the room, after a
 * restart); or AB_FAILED with a 503. */
enum ab_result { AB_DONE = 0, AB_GONE = 1, AB_FAILED = -1 };

static enum ab_result ab_request(const struct room_target *t, json_t *request, struct mrb_err *err)
{
    struct janus_server js = {t->server, t->admin_url, t->admin_secret};
    json_t *response = NULL;
    enum janus_result rc;

    if (!t->has_server) {
        json_decref(request);
        err_set(err, 503, "503", "the room's media server is no longer registered");
        return AB_FAILED;
    }
    json_object_set_new(request, "room", json_string(t->id));
    json_object_set_new(request, "secret", json_string(t->secret));
    rc = janus_audiobridge(&js, request, &response, err);
    json_decref(request);
    json_decref(response);
    if (rc == JANUS_OK)
        return AB_DONE;
    if (rc == JANUS_GONE) {
        err_set(err, 404, "108", "participant not in the room");
        return AB_GONE;
    }
    return AB_FAILED; /* err says why (503) */
}

/* kick uses the first two rows, mute all three */
static const struct valid_field participant_fields[] = {
    {"roomId", VALID_STRING, VALID_REQUIRED, 1, 64},
    {"participantId", VALID_STRING, VALID_REQUIRED, 1, 64},
    {"muted", VALID_BOOL, VALID_REQUIRED, 0, 0},
};

int moderate_kick(struct mrb_app *app, const char *bearer, json_t *body, json_t **data, struct mrb_err *err)
{
    struct room_target t;
    const char *pid;

    *data = NULL;
    if (begin(app, bearer, body, participant_fields, 2, 1, &t, err) != 0)
        return -1;
    pid = valid_str(body, "participantId", "");
    if (ab_request(&t, json_pack("{s:s, s:s}", "request", "kick", "id", pid), err) != 0)
        return -1;
    *data = json_pack("{s:s, s:s, s:b}", "roomId", t.id, "participantId", pid, "kicked", 1);
    return 0; /* a NULL *data is answered 503 by serve_reply() */
}

int moderate_mute(struct mrb_app *app, const char *bearer, json_t *body, json_t **data, struct mrb_err *err)
{
    static const char sql[] = "UPDATE participants SET muted = ? WHERE room_id = ? AND participant_id = ?";
    struct room_target t;
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
    (void)db_exec(app->db, sql, p, 3, NULL, NULL); /* presence mirror only: Janus holds the truth */
    *data = json_pack("{s:s, s:s, s:b}", "roomId", t.id, "participantId", pid, "muted", muted);
    return 0; /* a NULL *data is answered 503 by serve_reply() */
}

int moderate_end(struct mrb_app *app, const char *bearer, json_t *body, json_t **data, struct mrb_err *err)
{
    static const struct valid_field fields[] = {{"roomId", VALID_STRING, VALID_REQUIRED, 1, 64}};
    struct room_target t;
    enum room_end_result rc;

    *data = NULL;
    /* an expired room not yet destroyed may still be ended: not live-only */
    if (begin(app, bearer, body, fields, 1, 0, &t, err) != 0)
        return -1;
    rc = room_end(app, t.id, err);
    if (rc == ROOM_END_FAILED)
        return -1;
    *data = json_pack("{s:s, s:b, s:b}", "roomId", t.id, "ended", 1, "destroyed", rc == ROOM_ENDED);
    return 0; /* a NULL *data is answered 503 by serve_reply() */
}

int moderate_edit(struct mrb_app *app, const char *bearer, json_t *body, json_t **data, struct mrb_err *err)
{
    const struct mrb_conf *c = &app->conf;
    const struct valid_field fields[] = {
        {"roomId", VALID_STRING, VALID_REQUIRED, 1, 64},
        ROOM_FIELD_NAME(0),
        ROOM_FIELD_KEY,
        ROOM_FIELD_TTL(c),
        ROOM_FIELD_CAPACITY(c),
    };
    static const char sql[] = "UPDATE rooms SET name = ?, room_key = ?, expires_at = ?, max_participants = ? "
                              "WHERE id = ? AND ended_at IS NULL";
    static const char reset_sql[] = "DELETE FROM key_failures WHERE scope = 'r' AND subject = ?";
    struct room_target t;
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
        if (ab_request(&t, req, err) == AB_FAILED)
            return -1;
    }
    struct db_val p[] = {DB_S(name), DB_S(key), DB_I(expires_at), DB_I(maxp), DB_S(t.id)};
    struct db_val r[] = {DB_S(t.id)};
    /* a new key ends the guessing of the old one: the room's count starts over */
    if (db_exec(app->db, sql, p, 5, NULL, err) != 0 ||
        (valid_present(body, "roomKey") && db_exec(app->db, reset_sql, r, 1, NULL, err) != 0)) {
        if (touches_janus) { /* put the media server back as the row still says */
            ab_request(&t, json_pack("{s:s, s:s, s:s}", "request", "edit", "new_description", t.name, "new_pin", t.key),
                       NULL);
        }
        return -1;
    }
    err_clear(err);
    util_rfc3339(expires_at, expires, sizeof(expires));
    *data = json_pack("{s:s, s:s, s:s, s:I, s:s}", "roomId", t.id, "roomNm", name, "roomKey", key,
                      "maxParticipants", (json_int_t)maxp, "expiresAt", expires);
    return 0; /* a NULL *data is answered 503 by serve_reply() */
}

int moderate_record(struct mrb_app *app, const char *bearer, json_t *body, json_t **data, struct mrb_err *err)
{
    static const struct valid_field fields[] = {
        {"roomId", VALID_STRING, VALID_REQUIRED, 1, 64},
        {"record", VALID_BOOL, VALID_REQUIRED, 0, 0},
    };
    static const char sql[] = "UPDATE rooms SET record = ? WHERE id = ? AND ended_at IS NULL";
    struct room_target t;
    int record;

    *data = NULL;
    if (begin(app, bearer, body, fields, 2, 1, &t, err) != 0)
        return -1;
    record = valid_bool(body, "record", 0);
    if (ab_request(&t, json_pack("{s:s, s:b}", "request", "enable_recording", "record", record), err) != 0)
        return -1;
    struct db_val p[] = {DB_I(record), DB_S(t.id)};
    if (db_exec(app->db, sql, p, 2, NULL, err) != 0) {
        ab_request(&t, json_pack("{s:s, s:b}", "request", "enable_recording", "record", !record), NULL);
        return -1;
    }
    *data = json_pack("{s:s, s:b}", "roomId", t.id, "record", record);
    return 0; /* a NULL *data is answered 503 by serve_reply() */
}
