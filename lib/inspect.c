/* Read-only views for operators (inspect.h): reads only, never a write. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inspect.h"
#include "room.h"
#include "seat.h"
#include "servers.h"
#include "util.h"

static json_t *time_or_null(long long t)
{
    char buf[32];

    if (t < 0)
        return json_null();
    util_rfc3339(t, buf, sizeof(buf));
    return json_string(buf);
}

static json_t *num_or_null(double v)
{
    return v < 0 ? json_null() : json_real(v);
}

static json_t *int_or_null(long long v)
{
    return v < 0 ? json_null() : json_integer((json_int_t)v);
}

int inspect_servers(struct mrb_app *app, json_t **out, struct mrb_err *err)
{
    struct server_info *v = NULL;
    long long now = util_now();
    int n = servers_list(app, &v, err);

    *out = NULL;
    if (n < 0)
        return -1;
    *out = json_array();
    for (int i = 0; i < n; i++) {
        const struct server_info *s = &v[i];
        json_array_append_new(
            *out, json_pack("{s:s, s:s, s:s, s:o, s:o, s:f, s:f, s:o, s:o, s:o, s:o, s:o, s:I, s:I, s:s, s:o, s:b, s:o, "
                            "s:s, s:s, s:I, s:I, s:f}", "server",
                            s->row.id, "state", s->state, "health", s->row.healthy ? "up" : "down", "pollAgeSeconds",
                            int_or_null(s->polled_at < 0 ? -1 : now - s->polled_at), "metricsAt",
                            time_or_null(s->has_metrics ? s->metrics_at : -1), "score", s->row.score, "weight",
                            s->weight, "cpu", num_or_null(s->cpu), "mem", num_or_null(s->mem), "sessions",
                            int_or_null(s->sessions), "handles", int_or_null(s->handles), "sockets",
                            int_or_null(s->sockets), "rooms", (json_int_t)s->rooms, "participants",
                            (json_int_t)s->participants, "publicUrl", s->row.public_url, "drainDeadline",
                            time_or_null(s->drain_deadline), "suspect", s->suspect, "suspectUntil",
                            time_or_null(s->suspect ? s->row.suspect_until : -1), "region", s->row.region, "tags",
                            s->row.tags, "bookedSeats", (json_int_t)s->row.unfilled, "headroomSeats",
                            (json_int_t)s->headroom, "load", s->load));
    }
    free(v);
    return 0;
}

enum { R_ID, R_NAME, R_SERVER, R_OWNER, R_MAXP, R_CREATED, R_EXPIRES, R_ENDED, R_SEATS, R_PEOPLE, R_TYPE, R_REGION,
       R_TAGS, R_BOOKED, R_SREGION, R_NCOLS };

#define ROOM_COLUMNS                                                                                       \
    "r.id, r.name, r.server_id, r.created_by, r.max_participants, r.created_at, r.expires_at, r.ended_at, " \
    "(SELECT COUNT(*) FROM seats s WHERE s.room_id = r.id AND " SEAT_HELD("s.") "), "                \
    "(SELECT COUNT(*) FROM participants p WHERE p.room_id = r.id AND p.main_id IS NULL), r.room_type, "   \
    "r.region, r.tags, COALESCE(r.booked, r.max_participants), "                                          \
    "(SELECT sv.region FROM servers sv WHERE sv.id = r.server_id)"

static void room_cols(struct db_col *c)
{
    static const enum db_type types[R_NCOLS] = {DB_STR, DB_STR, DB_STR, DB_STR, DB_INT, DB_INT,
                                                DB_INT, DB_INT, DB_INT, DB_INT, DB_STR, DB_STR,
                                                DB_STR, DB_INT, DB_STR};
    for (int i = 0; i < R_NCOLS; i++)
        c[i].type = types[i];
}

struct rooms_ctx {
    json_t *list;
    long long now;
};

static json_t *room_json(const struct db_col *c, long long now)
{
    const char *state = !c[R_ENDED].is_null ? "ended" : c[R_EXPIRES].i <= now ? "expired" : "live";

    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:o, s:o, s:o}", "roomId", c[R_ID].s, "roomNm",
                     c[R_NAME].s, "roomType", c[R_TYPE].s, "server", c[R_SERVER].s, "state", state, "createdBy", c[R_OWNER].s,
                     "maxParticipants", (json_int_t)c[R_MAXP].i, "seatsHeld", (json_int_t)c[R_SEATS].i,
                     "participants", (json_int_t)c[R_PEOPLE].i, "createdAt", time_or_null(c[R_CREATED].i),
                     "expiresAt", time_or_null(c[R_EXPIRES].i),
                     "endedAt", time_or_null(c[R_ENDED].is_null ? -1 : c[R_ENDED].i));

    /* where it is (its server's region), and what it asked for, kept through moves */
    if (j && json_object_update_new(j, json_pack("{s:o, s:o, s:o, s:I}", "region",
                                                 c[R_SREGION].is_null || !c[R_SREGION].s[0] ? json_null()
                                                                                            : json_string(c[R_SREGION].s),
                                                 "regionAsked", c[R_REGION].is_null ? json_null() : json_string(c[R_REGION].s),
                                                 "tags", c[R_TAGS].is_null ? json_string("") : json_string(c[R_TAGS].s),
                                                 "expectedParticipants", (json_int_t)c[R_BOOKED].i)) != 0) {
        json_decref(j);
        j = NULL;
    }
    return j;
}

static int room_row(void *ctx, const struct db_col *c, size_t ncols)
{
    struct rooms_ctx *k = ctx;
    (void)ncols;

    json_array_append_new(k->list, room_json(c, k->now));
    return 0;
}

int inspect_rooms(struct mrb_app *app, const char *server, int expired, json_t **out, struct mrb_err *err)
{
    /* "? IS NULL OR" keeps one literal statement for both filters */
    static const char live_sql[] = "SELECT " ROOM_COLUMNS " FROM rooms r WHERE r.ended_at IS NULL AND "
                                   "r.expires_at > ? AND (? IS NULL OR r.server_id = ?) ORDER BY r.created_at, r.id";
    static const char expired_sql[] = "SELECT " ROOM_COLUMNS " FROM rooms r WHERE r.ended_at IS NULL AND "
                                      "r.expires_at <= ? AND (? IS NULL OR r.server_id = ?) ORDER BY r.expires_at, r.id";
    struct db_col c[R_NCOLS];
    struct rooms_ctx k = {json_array(), util_now()};
    struct db_val p[] = {DB_I(k.now), DB_I(k.now), DB_SN(server), DB_SN(server)};

    room_cols(c);
    if (db_query(app->db, expired ? expired_sql : live_sql, DB_PARAMS(p), c, R_NCOLS, room_row, &k, err) < 0) {
        json_decref(k.list);
        *out = NULL;
        return -1;
    }
    *out = k.list;
    return 0;
}

static int seat_row(void *ctx, const struct db_col *c, size_t ncols)
{
    (void)ncols;
    json_array_append_new(ctx, json_pack("{s:s, s:b, s:o}", "userId", c[0].s, "connected", (int)c[1].i,
                                         "heldUntil", c[1].i ? json_null() : time_or_null(c[2].i)));
    return 0;
}

int inspect_room(struct mrb_app *app, const char *id, json_t **out, struct mrb_err *err)
{
    static const char sql[] = "SELECT " ROOM_COLUMNS ", r.room_key, r.description, r.record FROM rooms r WHERE r.id = ?";
    static const char seats_sql[] = "SELECT user_id, connected, held_until FROM seats WHERE room_id = ? "
                                    "ORDER BY created_at, user_id";
    struct db_col c[R_NCOLS + 3], sc[3] = {{.type = DB_STR}, {.type = DB_INT}, {.type = DB_INT}};
    long long now = util_now();
    struct db_val p[] = {DB_I(now), DB_S(id)};
    struct db_val one[] = {DB_S(id)};
    json_t *room, *seats = NULL, *people = NULL;
    int n;

    *out = NULL;
    room_cols(c);
    c[R_NCOLS].type = DB_STR;
    c[R_NCOLS + 1].type = DB_STR;
    c[R_NCOLS + 2].type = DB_INT;
    n = db_query(app->db, sql, DB_PARAMS(p), c, R_NCOLS + 3, NULL, NULL, err);
    if (n <= 0)
        return n;
    room = room_json(c, now);
    json_object_set_new(room, "roomKey", json_string(c[R_NCOLS].s));
    json_object_set_new(room, "description", json_string(c[R_NCOLS + 1].s));
    json_object_set_new(room, "record", json_boolean(c[R_NCOLS + 2].i));
    seats = json_array();
    if (db_query(app->db, seats_sql, DB_PARAMS(one), sc, 3, seat_row, seats, err) < 0 ||
        (people = room_participants(app, id, janus_plugin_of(c[R_TYPE].s), err)) == NULL) {
        json_decref(room);
        json_decref(seats);
        json_decref(people);
        return -1;
    }
    json_object_set_new(room, "seats", seats);
    json_object_set_new(room, "participantList", people);
    *out = room;
    return 1;
}
