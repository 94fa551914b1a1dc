/* Host moderation (moderate.h). */
#include <stdio.h>
#include <string.h>

#include "janus.h"
#include "moderate.h"
#include "outbox.h"
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

/* One request to the room's plugin (AudioBridge or VideoRoom) on its
 * server: request (consumed) gets room and secret added. Returns
 * MOD_DONE; MOD_GONE with 404/108 in err when the server does not know the
 * participant (or no longer has the room, after a restart); or MOD_FAILED
 * with a 503. The two plugins take kick, edit and enable_recording in the
 * same shape; only muting differs (mute_request()). */
enum mod_result { MOD_DONE = 0, MOD_GONE = 1, MOD_FAILED = -1 };

static enum mod_result room_request(const struct room_target *t, json_t *request, struct mrb_err *err)
{
    struct janus_server js = {t->server, t->admin_url, t->admin_secret, NULL};
    json_t *response = NULL;
    enum janus_result rc;

    if (!t->has_server) {
        json_decref(request);
        err_set(err, E_UNAVAILABLE, "the room's media server is no longer registered");
        return MOD_FAILED;
    }
    json_object_set_new(request, "room", json_string(t->id));
    json_object_set_new(request, "secret", json_string(t->secret));
    rc = janus_request(&js, t->plugin, request, &response, err);
    json_decref(request);
    json_decref(response);
    if (rc == JANUS_OK)
        return MOD_DONE;
    if (rc == JANUS_GONE) {
        err_set_code(err, E_NO_PARTICIPANT);
        return MOD_GONE;
    }
    return MOD_FAILED; /* err says why (503) */
}

/* A video room's person, as the webhook recorded their handles. */
struct video_person {
    const char *pid;      /* the participant id asked about */
    char mid[17];         /* their audio stream's mid, "" when they publish no audio */
    char others[8][65];   /* their other publisher handles (a screen share) */
    int n_others;
    int found;            /* the webhook has seen them join */
};

static int video_handle_row(void *ctx, const struct db_col *c, size_t ncols)
{
    struct video_person *v = ctx;
    (void)ncols;

    if (strcmp(c[0].s, v->pid) == 0) { /* the handle asked about: a person, or one's screen share */
        v->found = 1;
        (void)db_col_str(v->mid, sizeof(v->mid), &c[1]); /* NULL or over-long: "" */
        return 0;
    }
    if (v->n_others < 8 && db_col_str(v->others[v->n_others], sizeof(v->others[0]), &c[0]) == 0)
        v->n_others++;
    return 0;
}

/* Loads pid's handles in a video room into v. Returns 0, or -1 (503). */
static int video_person(struct mrb_app *app, const struct room_target *t, const char *pid, struct video_person *v,
                        struct mrb_err *err)
{
    static const char sql[] = "SELECT participant_id, audio_mid, main_id FROM participants "
                              "WHERE room_id = ? AND (participant_id = ? OR main_id = ?) LIMIT 9";
    struct db_val p[] = {DB_S(t->id), DB_S(pid), DB_S(pid)};
    struct db_col c[3] = {{.type = DB_STR}, {.type = DB_STR}, {.type = DB_STR}};

    memset(v, 0, sizeof(*v));
    v->pid = pid;
    return db_query(app->db, sql, DB_PARAMS(p), c, 3, video_handle_row, v, err) < 0 ? -1 : 0;
}

/* Mutes or unmutes pid: AudioBridge mute/unmute, or VideoRoom moderate on
 * the mid of the person's audio stream (409/110 when they publish none). */
static enum mod_result mute_request(struct mrb_app *app, const struct room_target *t, const char *pid, int muted,
                                    struct mrb_err *err)
{
    struct video_person v;

    if (t->plugin == JANUS_AUDIOBRIDGE)
        return room_request(t, json_pack("{s:s, s:s}", "request", muted ? "mute" : "unmute", "id", pid), err);
    if (video_person(app, t, pid, &v, err) != 0)
        return MOD_FAILED;
    if (!v.found) {
        err_set_code(err, E_NO_PARTICIPANT);
        return MOD_GONE;
    }
    if (v.mid[0] == '\0') {
        err_set_code(err, E_NOTHING_TO_MUTE);
        return MOD_FAILED;
    }
    return room_request(t, json_pack("{s:s, s:s, s:s, s:b}", "request", "moderate", "id", pid, "mid", v.mid,
                                     "mute", muted), err);
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
    if (t.plugin == JANUS_VIDEOROOM) {
        struct video_person v;
        if (video_person(app, &t, pid, &v, err) != 0)
            return -1;
        /* their screen share goes with them; one already gone is no matter */
        for (int i = 0; i < v.n_others; i++)
            if (room_request(&t, json_pack("{s:s, s:s}", "request", "kick", "id", v.others[i]), err) == MOD_FAILED)
                return -1;
    }
    if (room_request(&t, json_pack("{s:s, s:s}", "request", "kick", "id", pid), err) != 0)
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
    if (mute_request(app, &t, pid, muted, err) != MOD_DONE)
        return -1;
    struct db_val p[] = {DB_I(muted), DB_S(t.id), DB_S(pid)};
    (void)db_exec(app->db, sql, DB_PARAMS(p), NULL, NULL); /* presence mirror only: Janus holds the truth */
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
    rc = room_end(app, t.id, "host", err);
    if (rc == ROOM_END_FAILED)
        return -1;
    *data = json_pack("{s:s, s:b, s:b}", "roomId", t.id, "ended", 1, "destroyed", rc == ROOM_ENDED);
    return 0; /* a NULL *data is answered 503 by serve_reply() */
}

/* The edit request for new values (new, owned by the caller). */
static json_t *edit_request(const struct room_target *t, const char *name, const char *key, long long maxp)
{
    json_t *req = json_pack("{s:s, s:s, s:s}", "request", "edit", "new_description", name, "new_pin", key);

    if (req && t->plugin == JANUS_VIDEOROOM)
        json_object_set_new(req, "new_publishers", json_integer(janus_publishers(maxp, t->screen_share)));
    return req;
}

/* The room row's edit, all or nothing. A new key also revokes every seat
 * that is not in the room now: a guest who held a seat under the old key
 * (or anyone they shared that grant with) is then a handle without a seat
 * at the media server, kicked on joining, even after guessing the new key
 * there; the people in the room keep theirs. */
struct edit_txn {
    struct db_val row[5]; /* name, key, expires_at, max_participants, id */
    const char *room_id;
    int new_key;
};

static int edit_txn(struct db *db, void *ctx, struct mrb_err *err)
{
    static const char sql[] = "UPDATE rooms SET name = ?, room_key = ?, expires_at = ?, max_participants = ? "
                              "WHERE id = ? AND ended_at IS NULL";
    static const char reset_sql[] = "DELETE FROM key_failures WHERE scope = 'r' AND subject = ?";
    static const char revoke_sql[] = "DELETE FROM seats WHERE room_id = ? AND connected = 0";
    static const char count_sql[] = "UPDATE rooms SET seats_taken = GREATEST(seats_taken - ?, 0) WHERE id = ?";
    const struct edit_txn *t = ctx;
    struct db_val r[] = {DB_S(t->room_id)};
    unsigned long long revoked = 0;
    int rc;

    if ((rc = db_exec(db, sql, DB_PARAMS(t->row), NULL, err)) != 0 || !t->new_key)
        return rc;
    /* a new key ends the guessing of the old one: the room's count starts over */
    if ((rc = db_exec(db, reset_sql, DB_PARAMS(r), NULL, err)) != 0 || (rc = db_exec(db, revoke_sql, DB_PARAMS(r), &revoked, err)) != 0)
        return rc;
    struct db_val c[] = {DB_I(revoked), DB_S(t->room_id)};
    return revoked ? db_exec(db, count_sql, DB_PARAMS(c), NULL, err) : 0;
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
        err_set(err, E_BAD_REQUEST, "nothing to change: give roomNm, roomKey, ttlSeconds or maxParticipants");
        return -1;
    }
    /* a video room's publisher cap follows its seats */
    touches_janus = name != NULL || key != NULL ||
                    (t.plugin == JANUS_VIDEOROOM && valid_present(body, "maxParticipants"));
    if (name == NULL)
        name = t.name;
    if (key == NULL)
        key = t.key;
    expires_at = valid_present(body, "ttlSeconds") ? util_now() + valid_int(body, "ttlSeconds", 0) : t.expires_at;
    maxp = valid_int(body, "maxParticipants", t.max_participants);

    if (touches_janus) {
        /* a server that lost the room (restart) recreates it from the row: not an error */
        if (room_request(&t, edit_request(&t, name, key, maxp), err) == MOD_FAILED)
            return -1;
    }
    struct edit_txn et = {{DB_S(name), DB_S(key), DB_I(expires_at), DB_I(maxp), DB_S(t.id)}, t.id,
                          valid_present(body, "roomKey") && strcmp(key, t.key) != 0};
    if (db_transaction(app->db, edit_txn, &et, DB_TXN_REPLAYABLE, err) != 0) {
        if (touches_janus) /* put the media server back as the row still says */
            room_request(&t, edit_request(&t, t.name, t.key, t.max_participants), NULL);
        return -1;
    }
    err_clear(err);
    util_rfc3339(expires_at, expires, sizeof(expires));
    *data = json_pack("{s:s, s:s, s:s, s:I, s:s}", "roomId", t.id, "roomNm", name, "roomKey", key,
                      "maxParticipants", (json_int_t)maxp, "expiresAt", expires);
    return 0; /* a NULL *data is answered 503 by serve_reply() */
}

/* room-record's write and its event (recording.started or .stopped, with
 * the server and its record_dir) in one transaction; a turn that changes
 * nothing (already recording) reports nothing. */
struct record_txn {
    const struct mrb_conf *conf;
    const struct room_target *t;
    int record;
};

static int record_txn(struct db *db, void *ctx, struct mrb_err *err)
{
    static const char sql[] = "UPDATE rooms SET record = ? WHERE id = ? AND ended_at IS NULL AND record <> ?";
    static const char dir_sql[] = "SELECT record_dir FROM servers WHERE id = ?";
    const struct record_txn *r = ctx;
    struct db_val p[] = {DB_I(r->record), DB_S(r->t->id), DB_I(r->record)};
    struct db_val sp[] = {DB_S(r->t->server)};
    struct db_col dir = {.type = DB_STR};
    unsigned long long changed = 0;
    int rc = db_exec(db, sql, DB_PARAMS(p), &changed, err);

    if (rc != 0 || changed == 0 || !outbox_on(r->conf))
        return rc;
    if ((rc = db_query(db, dir_sql, DB_PARAMS(sp), &dir, 1, NULL, NULL, err)) < 0)
        return rc;
    return outbox_room(db, r->conf, r->record ? "recording.started" : "recording.stopped", r->t->id,
                       json_pack("{s:s, s:o, s:s}", "server", r->t->server, "directory",
                                 rc == 1 && !dir.is_null ? json_string(dir.s) : json_null(), "reason", "host"),
                       err);
}

int moderate_record(struct mrb_app *app, const char *bearer, json_t *body, json_t **data, struct mrb_err *err)
{
    static const struct valid_field fields[] = {
        {"roomId", VALID_STRING, VALID_REQUIRED, 1, 64},
        {"record", VALID_BOOL, VALID_REQUIRED, 0, 0},
    };
    struct room_target t;
    int record;

    *data = NULL;
    if (begin(app, bearer, body, fields, 2, 1, &t, err) != 0)
        return -1;
    record = valid_bool(body, "record", 0);
    if (room_request(&t, json_pack("{s:s, s:b}", "request", "enable_recording", "record", record), err) != 0)
        return -1;
    struct record_txn rt = {&app->conf, &t, record};
    if (db_transaction(app->db, record_txn, &rt, DB_TXN_REPLAYABLE, err) != 0) {
        room_request(&t, json_pack("{s:s, s:b}", "request", "enable_recording", "record", !record), NULL);
        return -1;
    }
    *data = json_pack("{s:s, s:b}", "roomId", t.id, "record", record);
    return 0; /* a NULL *data is answered 503 by serve_reply() */
}
