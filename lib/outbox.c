/* Events for the application, in the change's own transaction (outbox.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outbox.h"
#include "util.h"

const char *const outbox_types[] = {"room.created", "room.started", "room.ended", "room.moved",
                                    "participant.joined", "participant.left", "recording.started",
                                    "recording.stopped", "server.down", "server.up", "server.drained", NULL};

int outbox_on(const struct mrb_conf *c)
{
    return c->notify.n_endpoints > 0;
}

/* "2026-12-04T18:20:01.123Z" for unix ms. */
static void timestamp_ms(long long ms, char *out, size_t len)
{
    char secs[32];

    util_rfc3339(ms / 1000, secs, sizeof(secs)); /* "...:01Z" */
    snprintf(out, len, "%.*s.%03lldZ", (int)strlen(secs) - 1, secs, ms % 1000);
}

/* The stream's next seq, under its row's lock (the UPDATE takes it):
 * table is "rooms" or "servers". Returns it (> 0), 0 when there is no such
 * row, or a db_* code. */
static long long next_seq(struct db *db, int servers, const char *id, int ended_ok, struct mrb_err *err)
{
    /* Nothing is reported about a room after its room.ended: a Janus event
     * about it that raced with the end waits for the end's row lock here,
     * then finds it ended. */
    static const char room_bump[] = "UPDATE rooms SET event_seq = event_seq + 1 WHERE id = ? AND ended_at IS NULL";
    static const char ended_bump[] = "UPDATE rooms SET event_seq = event_seq + 1 WHERE id = ?";
    static const char room_read[] = "SELECT event_seq FROM rooms WHERE id = ?";
    static const char server_bump[] = "UPDATE servers SET event_seq = event_seq + 1 WHERE id = ?";
    static const char server_read[] = "SELECT event_seq FROM servers WHERE id = ?";
    struct db_val p[] = {DB_S(id)};
    struct db_col seq = {.type = DB_INT};
    unsigned long long n = 0;
    int rc;

    if ((rc = db_exec(db, servers ? server_bump : ended_ok ? ended_bump : room_bump, DB_PARAMS(p), &n, err)) != 0)
        return rc;
    if (n == 0)
        return 0;
    rc = db_query(db, servers ? server_read : room_read, DB_PARAMS(p), &seq, 1, NULL, NULL, err);
    return rc == 1 ? seq.i : rc < 0 ? rc : 0;
}

static int write_event(struct db *db, const char *type, int servers, const char *id, json_t *data,
                       struct mrb_err *err)
{
    static const char sql[] = "INSERT INTO events_outbox (msg_id, type, stream, seq, room_id, created_ms, body) "
                              "VALUES (?, ?, ?, ?, ?, ?, ?)";
    char msg_id[40], token[32], stream[80], when[40];
    long long now = util_now_ms(), seq;
    json_t *body = NULL;
    char *text = NULL;
    int rc;

    if (data == NULL)
        data = json_object();
    seq = next_seq(db, servers, id, strcmp(type, "room.ended") == 0, err);
    if (seq <= 0) {
        json_decref(data);
        return seq < 0 ? (int)seq : 0; /* the row is gone: nothing to report about */
    }
    if (util_random_token(token, sizeof(token), 16) != 0) {
        json_decref(data);
        err_set(err, E_UNAVAILABLE, "no randomness available");
        return DB_ERR;
    }
    snprintf(msg_id, sizeof(msg_id), "msg_%s", token);
    snprintf(stream, sizeof(stream), "%s:%s", servers ? "server" : "room", id);
    timestamp_ms(now, when, sizeof(when));
    json_object_set_new(data, servers ? "server" : "roomId", json_string(id));
    json_object_set_new(data, "seq", json_integer(seq));
    body = json_pack("{s:s, s:s, s:o}", "type", type, "timestamp", when, "data", data);
    text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (text == NULL) {
        err_set(err, E_UNAVAILABLE, "out of memory");
        return DB_ERR;
    }
    struct db_val p[] = {DB_S(msg_id), DB_S(type), DB_S(stream), DB_I(seq), servers ? (struct db_val){.type = DB_NULL} : DB_S(id),
                         DB_I(now), DB_S(text)};
    rc = db_exec(db, sql, DB_PARAMS(p), NULL, err);
    free(text);
    return rc == DB_DUP ? 0 : rc;
}

int outbox_room(struct db *db, const struct mrb_conf *c, const char *type, const char *room, json_t *data,
                struct mrb_err *err)
{
    if (!outbox_on(c)) {
        json_decref(data);
        return 0;
    }
    return write_event(db, type, 0, room, data, err);
}

int outbox_server(struct db *db, const struct mrb_conf *c, const char *type, const char *server, json_t *data,
                  struct mrb_err *err)
{
    if (!outbox_on(c)) {
        json_decref(data);
        return 0;
    }
    return write_event(db, type, 1, server, data, err);
}

long long outbox_present(struct db *db, const char *room, struct mrb_err *err)
{
    static const char sql[] = "SELECT COUNT(*) FROM participants WHERE room_id = ? AND main_id IS NULL";
    struct db_val p[] = {DB_S(room)};
    struct db_col n = {.type = DB_INT};

    return db_query(db, sql, DB_PARAMS(p), &n, 1, NULL, NULL, err) == 1 ? n.i : 0;
}

struct person {
    char user[65], display[256];
};

static int fill_person(void *elem, const struct db_col *c, size_t ncols, void *ctx)
{
    struct person *v = elem;
    (void)ncols;
    (void)ctx;

    if (db_col_str(v->user, sizeof(v->user), &c[0]) != 0)
        v->user[0] = '\0';
    if (db_col_str(v->display, sizeof(v->display), &c[1]) != 0)
        v->display[0] = '\0';
    return 0;
}

int outbox_people_leave(struct db *db, const struct mrb_conf *c, const char *room, const char *keep,
                        const char *reason, struct mrb_err *err)
{
    static const char sql[] = "SELECT user_id, display FROM participants WHERE room_id = ? AND main_id IS NULL "
                              "AND (? IS NULL OR server_id <> ?) ORDER BY joined_at, participant_id";
    static const char kept_sql[] = "SELECT COUNT(*) FROM participants WHERE room_id = ? AND main_id IS NULL "
                                   "AND server_id = ?";
    struct db_val p[] = {DB_S(room), keep ? DB_S(keep) : (struct db_val){.type = DB_NULL},
                         keep ? DB_S(keep) : (struct db_val){.type = DB_NULL}};
    struct db_val kp[] = {DB_S(room), DB_S(keep ? keep : "")};
    struct db_col cols[2] = {{.type = DB_STR}, {.type = DB_STR}}, kept = {.type = DB_INT};
    struct person *people = NULL;
    size_t n = 0;
    long long left = 0;
    int rc;

    if (!outbox_on(c))
        return 0;
    if ((rc = db_collect(db, sql, DB_PARAMS(p), cols, 2, sizeof(*people), fill_person, NULL, (void **)&people, &n, err)) != 0)
        return rc;
    if (n && keep && (rc = db_query(db, kept_sql, DB_PARAMS(kp), &kept, 1, NULL, NULL, err)) < 0) {
        free(people);
        return rc;
    }
    left = keep && n ? kept.i : 0;
    rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = write_event(db, "participant.left", 0, room,
                         json_pack("{s:o, s:s, s:I, s:s}", "userId",
                                   people[i].user[0] ? json_string(people[i].user) : json_null(), "display",
                                   people[i].display, "count", (json_int_t)left, "reason", reason),
                         err);
    free(people);
    return rc;
}
