/* The webhook's work (events.h): each event parsed, believed or refused by
 * who posted it, and applied to sessions, handles, presence and seats. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "log.h"
#include "events.h"
#include "outbox.h"
#include "janus.h"
#include "presence.h"
#include "counters.h"
#include "servers.h"
#include "spool.h"
#include "util.h"
#include "webhook_auth.h"

#define EVENTS_MAX_BATCH 100
#define EVENTS_MAX_SERVERS 16 /* distinct emitters whose counts one batch refreshes */
#define EVENTS_MAX_KICKS 64   /* handles one batch asks to kick (more wait for the reconciler) */
#define EVENTS_ROOM_CACHE 8   /* rooms one batch remembers */

enum { EV_SESSION = 1, EV_HANDLE = 2, EV_PLUGIN = 64, EV_CORE = 256 };
enum { CORE_STARTED = 1, CORE_SHUTDOWN = 2 };

/* mrb_webhook_events_total{type} labels: indexed by enum events_kind (same
 * order), plus slots for events from unregistered emitters and for events
 * about another server than the one whose credential posted them. */
enum { EVK_UNREGISTERED = EVENTS_INVALID + 1, EVK_FOREIGN, EVK_STALE, EVK_N };
static const char *const evk_label[EVK_N] = {"type=\"session\"", "type=\"handle\"", "type=\"plugin\"",
                                              "type=\"core\"", "type=\"other\"", "type=\"invalid\"",
                                              "type=\"unregistered\"", "type=\"foreign\"", "type=\"stale\""};

/* A handle in a room at the media server that holds no seat MRB granted
 * (an unknown opaque id), or a handle beyond its seat's share (AudioBridge:
 * one per seat; VideoRoom: a camera and a screen): kicked after the batch
 * commits. */
struct kick {
    char server[65], room[65], participant[65];
    enum janus_plugin plugin;
};

/* What one batch asks for after its transaction commits. Room events are
 * about the room's server only: the slot EVK_STALE counts the others. */
struct batch {
    long long now;
    const char *as_server; /* the server whose credential posted the batch; NULL: the shared one */
    int foreign;           /* events refused: about another server than as_server */
    char touched[EVENTS_MAX_SERVERS][65]; /* servers whose session/handle counts changed */
    size_t n_touched;
    char down[EVENTS_MAX_SERVERS][65]; /* servers that shut down: evacuate their rooms */
    size_t n_down;
    char known[EVENTS_MAX_SERVERS][65]; /* emitters found in the servers table */
    size_t n_known;
    int ignored;
    long by_type[EVK_N]; /* events of each kind, for mrb_webhook_events_total */
    long long seat_grace;
    struct kick kicks[EVENTS_MAX_KICKS];
    size_t n_kicks;
    long intruders[2]; /* handles without a seat, by plugin: mrb_intruders_total */
    /* rooms this batch has looked up: whether each lives on the emitter,
     * and whether its presence was marked for the reconciler (a batch is
     * mostly about a few rooms: one lookup and one mark each) */
    struct {
        char room[65], server[65];
        int here, marked;
    } rooms[EVENTS_ROOM_CACHE];
    size_t n_rooms;
};

static void remember(char (*list)[65], size_t *n, const char *id)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(list[i], id) == 0)
            return;
    if (*n < EVENTS_MAX_SERVERS)
        snprintf(list[(*n)++], 65, "%s", id);
}

/* Janus ids are JSON integers up to 2^53; string ids are accepted too. */
static int id_of(json_t *v, long long *out)
{
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = (long long)json_integer_value(v);
        return 0;
    }
    return -1;
}

static const char *str_of(json_t *v, char *buf, size_t len)
{
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v)) {
        snprintf(buf, len, "%lld", (long long)json_integer_value(v));
        return buf;
    }
    return NULL;
}

static int server_events(struct mrb_app *app, const char *emitter, int started, struct mrb_err *err);
static int report_left(struct mrb_app *app, const struct events_event *e, const char *user, const char *display,
                       struct mrb_err *err);

static int on_core(struct mrb_app *app, struct batch *b, const char *emitter, json_int_t subtype,
                   struct mrb_err *err)
{
    /* A (re)started server has lost every room, session and participant. */
    static const char started_sql[] =
        "UPDATE servers SET boot = boot + 1, healthy = 1, fail_count = 0, updated_at = ? WHERE id = ?";
    static const char shutdown_sql[] = "UPDATE servers SET healthy = 0, updated_at = ? WHERE id = ?";
    static const char clear_sessions[] = "DELETE FROM server_sessions WHERE server_id = ?";
    static const char clear_handles[] = "DELETE FROM server_handles WHERE server_id = ?";
    static const char clear_participants[] = "DELETE FROM participants WHERE server_id = ?";
    /* Presence ends with the server: every seat of its rooms is held for
     * seat_grace from now, for its person to come back to. */
    static const char release_seats[] =
        "UPDATE seats st JOIN rooms r ON r.id = st.room_id SET st.connected = 0, "
        "st.held_until = GREATEST(st.held_until, ?) WHERE r.server_id = ? AND r.ended_at IS NULL";
    struct db_val p[] = {DB_I(b->now), DB_S(emitter)};
    struct db_val one[] = {DB_S(emitter)};
    struct db_val rel[] = {DB_I(b->now + b->seat_grace), DB_S(emitter)};

    if (subtype != CORE_STARTED && subtype != CORE_SHUTDOWN)
        return 0;
    /* ingest_one() has checked that the emitter is registered */
    if (db_exec(app->db, subtype == CORE_STARTED ? started_sql : shutdown_sql, DB_PARAMS(p), NULL, err) != 0)
        return -1;
    if (outbox_on(&app->conf) && server_events(app, emitter, subtype == CORE_STARTED, err) != 0)
        return -1;
    if (db_exec(app->db, clear_sessions, DB_PARAMS(one), NULL, err) != 0 ||
        db_exec(app->db, clear_handles, DB_PARAMS(one), NULL, err) != 0 ||
        db_exec(app->db, clear_participants, DB_PARAMS(one), NULL, err) != 0 ||
        db_exec(app->db, release_seats, DB_PARAMS(rel), NULL, err) != 0)
        return -1;
    remember(b->touched, &b->n_touched, emitter);
    if (subtype == CORE_SHUTDOWN)
        remember(b->down, &b->n_down, emitter);
    log_msg(LOG_LVL_INFO, "server %s %s", emitter,
            subtype == CORE_STARTED ? "started (its rooms will be recreated)" : "shut down");
    return 0;
}

static int on_session_or_handle(struct mrb_app *app, struct batch *b, const struct events_event *e,
                                struct mrb_err *err)
{
    static const char add_session[] = "INSERT IGNORE INTO server_sessions (server_id, session_id) VALUES (?, ?)";
    static const char del_session[] = "DELETE FROM server_sessions WHERE server_id = ? AND session_id = ?";
    static const char add_handle[] = "INSERT IGNORE INTO server_handles (server_id, handle_id) VALUES (?, ?)";
    static const char del_handle[] = "DELETE FROM server_handles WHERE server_id = ? AND handle_id = ?";
    const char *sql = NULL;

    if (e->name == NULL || !e->has_id)
        return 0;
    if (e->kind == EVENTS_SESSION)
        sql = strcmp(e->name, "created") == 0 ? add_session
              : (strcmp(e->name, "destroyed") == 0 || strcmp(e->name, "timeout") == 0) ? del_session : NULL;
    else
        sql = strcmp(e->name, "attached") == 0 ? add_handle : strcmp(e->name, "detached") == 0 ? del_handle : NULL;
    if (sql == NULL)
        return 0;
    struct db_val p[] = {DB_S(e->emitter), DB_I(e->id)};
    if (db_exec(app->db, sql, DB_PARAMS(p), NULL, err) != 0)
        return -1;
    remember(b->touched, &b->n_touched, e->emitter);
    return 0;
}

/* A participant handle left the room (left, leaving, kicked): its row
 * goes. A seat belongs to a person, not to a handle: while another handle
 * of the same opaque id is still in the room (a reload's new handle, or
 * their screen share), the seat stays as it is. When the last one leaves,
 * a kick frees the seat (the old grant no longer admits anyone), and a
 * leave makes it unconnected, held for seat_grace: a reload whose old
 * handle's "left" arrives before the new handle's "joined" keeps its seat,
 * and a person who does not come back loses it when the grace lapses. In a
 * video room a screen share whose person left becomes a person of its own. */
static int participant_left(struct mrb_app *app, const struct batch *b, const struct events_event *e,
                            struct mrb_err *err)
{
    static const char who_sql[] = "SELECT opaque_id, COALESCE(user_id, ''), display, main_id IS NULL "
                                  "FROM participants WHERE room_id = ? AND participant_id = ?";
    static const char others_sql[] = "SELECT COUNT(*) FROM participants WHERE room_id = ? AND opaque_id = ? "
                                     "AND participant_id <> ?";
    static const char free_seat_sql[] = "DELETE FROM seats WHERE room_id = ? AND opaque_id = ?";
    static const char hold_seat_sql[] = "UPDATE seats SET connected = 0, held_until = GREATEST(held_until, ?) "
                                        "WHERE room_id = ? AND opaque_id = ?";
    static const char left_sql[] = "DELETE FROM participants WHERE room_id = ? AND participant_id = ?";
    static const char promote_sql[] = "UPDATE participants SET main_id = NULL WHERE room_id = ? AND main_id = ?";
    static const char one_less_sql[] = "UPDATE rooms SET seats_taken = GREATEST(seats_taken - ?, 0) WHERE id = ?";
    struct db_val l[] = {DB_S(e->room), DB_S(e->participant)};
    struct db_col who[4] = {{.type = DB_STR}, {.type = DB_STR}, {.type = DB_STR}, {.type = DB_INT}},
                  others = {.type = DB_INT};
    char opaque[65] = "", user[65] = "", display[256] = "";
    unsigned long long freed = 0;
    int n, was_main = 0;

    n = db_query(app->db, who_sql, DB_PARAMS(l), who, 4, NULL, NULL, err);
    if (n < 0)
        return -1;
    if (n == 1 && db_col_str(opaque, sizeof(opaque), &who[0]) != 0)
        opaque[0] = '\0';
    if (n == 1) {
        (void)db_col_str(user, sizeof(user), &who[1]);
        (void)db_col_str(display, sizeof(display), &who[2]);
        was_main = (int)who[3].i;
    }
    if (db_exec(app->db, left_sql, DB_PARAMS(l), NULL, err) != 0 ||
        (e->plugin == JANUS_VIDEOROOM && db_exec(app->db, promote_sql, DB_PARAMS(l), NULL, err) != 0))
        return -1;
    if (opaque[0] == '\0') /* not a seat holder's handle, or gone already */
        return 0;
    struct db_val o[] = {DB_S(e->room), DB_S(opaque), DB_S(e->participant)};
    if (db_query(app->db, others_sql, DB_PARAMS(o), &others, 1, NULL, NULL, err) != 1)
        return -1;
    if (others.i > 0) /* the person is still in the room through another handle */
        return 0;
    if (was_main && report_left(app, e, user, display, err) != 0)
        return -1;
    if (strcmp(e->what, "kicked") != 0) {
        struct db_val h[] = {DB_I(b->now + b->seat_grace), DB_S(e->room), DB_S(opaque)};
        return db_exec(app->db, hold_seat_sql, DB_PARAMS(h), NULL, err) == 0 ? 0 : -1;
    }
    struct db_val f[] = {DB_S(e->room), DB_S(opaque)};
    if (db_exec(app->db, free_seat_sql, DB_PARAMS(f), &freed, err) != 0)
        return -1;
    if (freed) { /* keep the room's seat count exact */
        struct db_val t[] = {DB_I(freed), DB_S(e->room)};
        if (db_exec(app->db, one_less_sql, DB_PARAMS(t), NULL, err) != 0)
            return -1;
    }
    return 0;
}

static void kick_later(struct batch *b, const struct events_event *e, const char *participant)
{
    struct kick *k;

    if (b->n_kicks == EVENTS_MAX_KICKS) {
        log_msg(LOG_LVL_WARN, "webhook: more than %d handles to kick in one batch; mrb-health kicks the rest",
                EVENTS_MAX_KICKS);
        return;
    }
    k = &b->kicks[b->n_kicks++];
    snprintf(k->server, sizeof(k->server), "%s", e->emitter);
    snprintf(k->room, sizeof(k->room), "%s", e->room);
    snprintf(k->participant, sizeof(k->participant), "%s", participant);
    k->plugin = e->plugin;
}

struct handle_list {
    char id[8][65];
    int n;
};

static int handle_row(void *ctx, const struct db_col *c, size_t ncols)
{
    struct handle_list *h = ctx;
    (void)ncols;

    if (h->n < 8 && db_col_str(h->id[h->n], sizeof(h->id[0]), &c[0]) == 0)
        h->n++;
    return 0;
}

/* A server that started or is shutting down: its people are gone
 * (participant.left, reason "server_down") and server.up or server.down. */
static int server_events(struct mrb_app *app, const char *emitter, int started, struct mrb_err *err)
{
    static const char rooms_sql[] = "SELECT DISTINCT room_id FROM participants WHERE server_id = ?";
    struct db_val one[] = {DB_S(emitter)};
    struct db_col room = {.type = DB_STR};
    struct room_id {
        char id[65];
    } *rooms = NULL;
    size_t n = 0, id_size = sizeof(*rooms);

    if (db_collect(app->db, rooms_sql, DB_PARAMS(one), &room, 1, id_size, db_fill_text, &id_size, (void **)&rooms, &n,
                   err) != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (outbox_people_leave(app->db, &app->conf, rooms[i].id, NULL, "server_down", err) != 0) {
            free(rooms);
            return -1;
        }
    free(rooms);
    return outbox_server(app->db, &app->conf, started ? "server.up" : "server.down", emitter,
                         json_pack("{s:s}", "reason", started ? "started" : "shutdown"), err) == 0 ? 0 : -1;
}


/* The admission check of a handle that joined: 1 when it may stay (its
 * opaque id holds a seat in this room), 0 when it is an intruder (kicked
 * after commit, never recorded, never listed). Older handles of the same
 * seat beyond its share (AudioBridge: none; VideoRoom: one, a camera with
 * its screen) are kicked and their rows go now: the newest handle is the
 * person's own (a reload), an older one is a leftover or a shared grant.
 * A seat not found is read again causally: on a cluster it may have been
 * granted through another node a moment ago. Returns 1, 0 or -1. */
/* A person's first handle has just joined room (its row was inserted):
 * room.started when it is the room's first person ever, then
 * participant.joined with the room's count (outbox.h). */
static int report_joined(struct mrb_app *app, const struct batch *b, const struct events_event *e,
                         struct mrb_err *err)
{
    static const char started_sql[] = "UPDATE rooms SET started_at = ? WHERE id = ? AND started_at IS NULL";
    static const char who_sql[] = "SELECT user_id FROM participants WHERE room_id = ? AND participant_id = ?";
    struct db_val sp[] = {DB_I(b->now), DB_S(e->room)};
    struct db_val wp[] = {DB_S(e->room), DB_S(e->participant)};
    struct db_col user = {.type = DB_STR};
    unsigned long long first = 0;
    char when[32];
    int rc;

    if (!outbox_on(&app->conf))
        return 0;
    if ((rc = db_exec(app->db, started_sql, DB_PARAMS(sp), &first, err)) != 0)
        return rc;
    util_rfc3339(b->now, when, sizeof(when));
    if (first && (rc = outbox_room(app->db, &app->conf, "room.started", e->room,
                                   json_pack("{s:s, s:s}", "startedAt", when, "server", e->emitter), err)) != 0)
        return rc;
    if ((rc = db_query(app->db, who_sql, DB_PARAMS(wp), &user, 1, NULL, NULL, err)) < 0)
        return rc;
    return outbox_room(app->db, &app->conf, "participant.joined", e->room,
                       json_pack("{s:o, s:s, s:I, s:s}", "userId",
                                 rc == 1 && !user.is_null ? json_string(user.s) : json_null(), "display",
                                 e->display, "count",
                                 (json_int_t)outbox_present(app->db, e->room, err), "server", e->emitter),
                       err);
}

/* The person of e's handle has gone (no handle of theirs is left). */
static int report_left(struct mrb_app *app, const struct events_event *e, const char *user, const char *display,
                       struct mrb_err *err)
{
    return outbox_room(app->db, &app->conf, "participant.left", e->room,
                       json_pack("{s:o, s:s, s:I, s:s}", "userId", user[0] ? json_string(user) : json_null(),
                                 "display", display, "count", (json_int_t)outbox_present(app->db, e->room, err),
                                 "reason", strcmp(e->what, "kicked") == 0 ? "kicked" : "left"),
                       err);
}

static int admit(struct mrb_app *app, struct batch *b, const struct events_event *e, struct mrb_err *err)
{
    static const char seat_sql[] = "SELECT 1 FROM seats WHERE room_id = ? AND opaque_id = ?";
    static const char older_sql[] = "SELECT participant_id FROM participants WHERE room_id = ? AND opaque_id = ? "
                                    "AND participant_id <> ? ORDER BY joined_at DESC, participant_id DESC LIMIT 8";
    static const char drop_sql[] = "DELETE FROM participants WHERE room_id = ? AND participant_id = ?";
    static const char promote_sql[] = "UPDATE participants SET main_id = NULL WHERE room_id = ? AND main_id = ?";
    const int keep = e->plugin == JANUS_VIDEOROOM ? 1 : 0; /* older handles a seat may keep */
    struct db_col one = {.type = DB_INT}, id = {.type = DB_STR};
    struct handle_list older = {.n = 0};
    int n = 0;

    if (e->opaque) { /* a "no" is read again causally, as join-room does: the common "yes" waits for nothing */
        struct db_val p[] = {DB_S(e->room), DB_S(e->opaque)};
        n = db_query(app->db, seat_sql, DB_PARAMS(p), &one, 1, NULL, NULL, err);
        if (n == 0 && db_is_galera(app->db))
            n = db_query_causal(app->db, seat_sql, DB_PARAMS(p), &one, 1, NULL, NULL, err);
        if (n < 0)
            return -1;
    }
    if (n == 0) {
        b->intruders[e->plugin == JANUS_VIDEOROOM]++;
        kick_later(b, e, e->participant);
        log_msg(LOG_LVL_INFO, "room %s on %s: handle %s holds no seat: kicked", e->room, e->emitter, e->participant);
        return 0;
    }
    struct db_val q[] = {DB_S(e->room), DB_S(e->opaque), DB_S(e->participant)};
    if (db_query(app->db, older_sql, DB_PARAMS(q), &id, 1, handle_row, &older, err) < 0)
        return -1;
    for (int i = keep; i < older.n; i++) {
        struct db_val d[] = {DB_S(e->room), DB_S(older.id[i])};
        if (db_exec(app->db, drop_sql, DB_PARAMS(d), NULL, err) != 0 ||
            (e->plugin == JANUS_VIDEOROOM && db_exec(app->db, promote_sql, DB_PARAMS(d), NULL, err) != 0))
            return -1;
        kick_later(b, e, older.id[i]);
    }
    return 1;
}

/* The room's presence at its server ended without its people leaving one
 * by one (the plugin destroyed the room): participants go and seats are
 * held for seat_grace, as when a server stops. */
static int room_gone(struct mrb_app *app, const struct batch *b, const char *room, struct mrb_err *err)
{
    return presence_end(app->db, &app->conf, room, NULL, b->now + b->seat_grace, "destroyed", err);
}

static int on_audiobridge(struct mrb_app *app, struct batch *b, const struct events_event *e,
                          struct mrb_err *err)
{
    static const char joined_sql[] =
        "INSERT INTO participants (room_id, participant_id, server_id, display, opaque_id, user_id, joined_at) "
        "SELECT ?, ?, ?, ?, ?, (SELECT user_id FROM seats WHERE opaque_id = ?), ? FROM DUAL "
        "ON DUPLICATE KEY UPDATE server_id = VALUES(server_id), display = VALUES(display), "
        "opaque_id = VALUES(opaque_id), user_id = VALUES(user_id)";
    static const char connect_sql[] = "UPDATE seats SET connected = 1 WHERE opaque_id = ? AND room_id = ?";
    const char *emitter = e->emitter, *what = e->what, *room = e->room, *pid = e->participant;
    int rc;

    if (what == NULL || room == NULL)
        return 0;
    if (strcmp(what, "destroyed") == 0)
        return room_gone(app, b, room, err);
    if (pid == NULL)
        return 0;
    if (strcmp(what, "joined") == 0) {
        const char *opaque = e->opaque;
        if ((rc = admit(app, b, e, err)) != 1)
            return rc;
        struct db_val p[] = {DB_S(room), DB_S(pid), DB_S(emitter), DB_S(e->display), DB_S(opaque),
                             DB_S(opaque), DB_I(b->now)};
        struct db_val s2[] = {DB_S(opaque), DB_S(room)};
        unsigned long long inserted = 0;
        if (db_exec(app->db, joined_sql, DB_PARAMS(p), &inserted, err) != 0 || db_exec(app->db, connect_sql, DB_PARAMS(s2), NULL, err) != 0)
            return -1;
        return inserted == 1 ? (report_joined(app, b, e, err) == 0 ? 0 : -1) : 0;
    }
    if (strcmp(what, "left") == 0 || strcmp(what, "kicked") == 0)
        return participant_left(app, b, e, err);
    return 0;
}

/* A VideoRoom event. A person's first publisher handle is their seat; a
 * second one with the same opaque id (their screen share) records its
 * main_id and takes no seat; the seat is freed when the last handle of
 * that opaque id leaves. Unpublished, leaving and kicked carry no opaque
 * id: they are matched by room and participant id. */
static int on_videoroom(struct mrb_app *app, struct batch *b, const struct events_event *e, struct mrb_err *err)
{
    static const char main_sql[] = "SELECT participant_id FROM participants WHERE room_id = ? AND opaque_id = ? "
                                   "AND participant_id <> ? AND main_id IS NULL ORDER BY joined_at LIMIT 1";
    static const char joined_sql[] =
        "INSERT INTO participants (room_id, participant_id, server_id, display, opaque_id, user_id, joined_at, main_id) "
        "SELECT ?, ?, ?, ?, ?, (SELECT user_id FROM seats WHERE opaque_id = ?), ?, ? FROM DUAL "
        "ON DUPLICATE KEY UPDATE server_id = VALUES(server_id), display = VALUES(display), "
        "opaque_id = VALUES(opaque_id), user_id = VALUES(user_id)";
    static const char connect_sql[] = "UPDATE seats SET connected = 1 WHERE opaque_id = ? AND room_id = ?";
    static const char published_sql[] =
        "UPDATE participants SET publishing = CONCAT_WS(',', IF(?, 'microphone', NULL), IF(?, 'camera', NULL), "
        "IF(?, 'screen', NULL)), audio_mid = ? WHERE room_id = ? AND participant_id = ?";
    const char *room = e->room, *pid = e->participant, *what = e->what;
    int rc;

    if (room != NULL && strcmp(what, "destroyed") == 0)
        return room_gone(app, b, room, err);
    if (room == NULL || pid == NULL)
        return 0;
    if (strcmp(what, "joined") == 0) {
        struct db_col main_col = {.type = DB_STR};
        char main_id[65] = "";
        if ((rc = admit(app, b, e, err)) != 1)
            return rc;
        {
            struct db_val m[] = {DB_S(room), DB_S(e->opaque), DB_S(pid)};
            int n = db_query(app->db, main_sql, DB_PARAMS(m), &main_col, 1, NULL, NULL, err);
            if (n < 0)
                return -1;
            if (n == 1 && db_col_str(main_id, sizeof(main_id), &main_col) != 0)
                main_id[0] = '\0';
        }
        const char *main_of = main_id[0] ? main_id : NULL;
        struct db_val p[] = {DB_S(room), DB_S(pid), DB_S(e->emitter), DB_S(e->display), DB_S(e->opaque),
                             DB_S(e->opaque), DB_I(b->now), DB_SN(main_of)};
        struct db_val s2[] = {DB_S(e->opaque), DB_S(room)};
        unsigned long long inserted = 0;
        if (db_exec(app->db, joined_sql, DB_PARAMS(p), &inserted, err) != 0 || db_exec(app->db, connect_sql, DB_PARAMS(s2), NULL, err) != 0)
            return -1;
        /* a screen share is a second handle of a person already in the room */
        return inserted == 1 && main_of == NULL ? (report_joined(app, b, e, err) == 0 ? 0 : -1) : 0;
    }
    if (strcmp(what, "published") == 0 || strcmp(what, "updated") == 0 || strcmp(what, "unpublished") == 0) {
        const unsigned pub = strcmp(what, "unpublished") == 0 ? 0 : e->publishes;
        const char *mid = pub && e->audio_mid[0] ? e->audio_mid : NULL;
        struct db_val p[] = {DB_I((pub & EVENTS_PUB_MICROPHONE) != 0), DB_I((pub & EVENTS_PUB_CAMERA) != 0),
                             DB_I((pub & EVENTS_PUB_SCREEN) != 0), DB_SN(mid),
                             DB_S(room), DB_S(pid)};
        return db_exec(app->db, published_sql, DB_PARAMS(p), NULL, err) == 0 ? 0 : -1;
    }
    if (strcmp(what, "leaving") == 0 || strcmp(what, "kicked") == 0)
        return participant_left(app, b, e, err);
    return 0;
}

/* 1 when room lives on server now (mapped there, not ended), 0 when not
 * (another server's room, an old copy's, or no room of MRB's), -1. A "no"
 * is read again causally: on a cluster, a move committed through another
 * node a moment ago may not have reached this one. */
static int room_is_on(struct mrb_app *app, const char *room, const char *server, struct mrb_err *err)
{
    static const char sql[] = "SELECT 1 FROM rooms WHERE id = ? AND server_id = ? AND ended_at IS NULL";
    struct db_col col = {.type = DB_INT};
    struct db_val p[] = {DB_S(room), DB_S(server)};
    int n = db_query(app->db, sql, DB_PARAMS(p), &col, 1, NULL, NULL, err);

    if (n == 0 && db_is_galera(app->db))
        n = db_query_causal(app->db, sql, DB_PARAMS(p), &col, 1, NULL, NULL, err);
    return n;
}

/* 1 when emitter is a registered server, 0 when not, -1 on DB error. */
static int emitter_known(struct mrb_app *app, struct batch *b, const char *emitter, struct mrb_err *err)
{
    static const char sql[] = "SELECT 1 FROM servers WHERE id = ?";
    struct db_col col = {.type = DB_INT};
    struct db_val p[] = {DB_S(emitter)};
    int n;

    for (size_t i = 0; i < b->n_known; i++)
        if (strcmp(b->known[i], emitter) == 0)
            return 1;
    n = db_query(app->db, sql, DB_PARAMS(p), &col, 1, NULL, NULL, err);
    if (n == 1)
        remember(b->known, &b->n_known, emitter);
    return n;
}

/* A string or integer id as text (Janus sends either, by string_ids). */
static const char *id_text(json_t *v, char *buf, size_t len)
{
    const char *t = str_of(v, buf, len);

    return t && strlen(t) <= 64 ? t : NULL;
}

/* What a VideoRoom publisher's streams carry: audio is the microphone;
 * video is a screen when its description says so (the demo page labels
 * its screen handle's track "screen"), else a camera. A second publisher
 * handle of the same person is a screen whatever it says (room-status
 * merges it so). */
static void parse_streams(json_t *streams, struct events_event *e)
{
    size_t i;
    json_t *st;

    json_array_foreach(streams, i, st) {
        const char *type = json_string_value(json_object_get(st, "type"));
        const char *desc = json_string_value(json_object_get(st, "description"));
        const char *mid = json_string_value(json_object_get(st, "mid"));
        if (type == NULL || json_is_true(json_object_get(st, "disabled")))
            continue;
        if (strcmp(type, "audio") == 0) {
            e->publishes |= EVENTS_PUB_MICROPHONE;
            if (mid && strlen(mid) < sizeof(e->audio_mid) && e->audio_mid[0] == '\0')
                snprintf(e->audio_mid, sizeof(e->audio_mid), "%s", mid);
        } else if (strcmp(type, "video") == 0) {
            e->publishes |= desc && (strstr(desc, "screen") || strstr(desc, "Screen")) ? EVENTS_PUB_SCREEN : EVENTS_PUB_CAMERA;
        }
    }
}

enum events_kind events_parse(json_t *ev, struct events_event *e)
{
    json_t *type = json_object_get(ev, "type"), *event = json_object_get(ev, "event");
    json_int_t t;

    memset(e, 0, sizeof(*e));
    e->kind = EVENTS_INVALID;
    e->emitter = json_string_value(json_object_get(ev, "emitter"));
    if (!json_is_object(ev) || !json_is_integer(type) || e->emitter == NULL || strlen(e->emitter) > 64)
        return e->kind;
    t = json_integer_value(type);
    e->kind = t == EV_SESSION ? EVENTS_SESSION : t == EV_HANDLE ? EVENTS_HANDLE : t == EV_PLUGIN ? EVENTS_PLUGIN
              : t == EV_CORE  ? EVENTS_CORE : EVENTS_OTHER;
    switch (e->kind) {
    case EVENTS_CORE:
        e->subtype = json_is_integer(json_object_get(ev, "subtype")) ? json_integer_value(json_object_get(ev, "subtype")) : -1;
        break;
    case EVENTS_SESSION:
    case EVENTS_HANDLE:
        e->name = json_string_value(json_object_get(event, "name"));
        e->has_id = id_of(json_object_get(ev, e->kind == EVENTS_SESSION ? "session_id" : "handle_id"), &e->id) == 0;
        break;
    case EVENTS_PLUGIN: {
        const char *plugin = json_string_value(json_object_get(event, "plugin"));
        json_t *data = json_object_get(event, "data");
        const char *display = json_string_value(json_object_get(data, "display"));
        if (plugin == NULL ||
            (strcmp(plugin, "janus.plugin.audiobridge") != 0 && strcmp(plugin, "janus.plugin.videoroom") != 0))
            break;
        e->plugin = strcmp(plugin, "janus.plugin.videoroom") == 0 ? JANUS_VIDEOROOM : JANUS_AUDIOBRIDGE;
        e->what = json_string_value(json_object_get(data, "event"));
        e->room = id_text(json_object_get(data, "room"), e->room_buf, sizeof(e->room_buf));
        e->participant = id_text(json_object_get(data, "id"), e->participant_buf, sizeof(e->participant_buf));
        e->opaque = json_string_value(json_object_get(ev, "opaque_id"));
        if (e->opaque && strlen(e->opaque) > 64)
            e->opaque = NULL;
        /* the column holds 255 characters: cut longer names, never the batch */
        util_utf8_truncate(display ? display : "", 255, e->display, sizeof(e->display));
        if (e->plugin == JANUS_VIDEOROOM)
            parse_streams(json_object_get(data, "streams"), e);
        break;
    }
    default:
        break;
    }
    return e->kind;
}

/* Whether a room event says someone came or went (the reconciler looks at
 * such rooms again); talking, publishing and the like do not. */
static int changes_presence(const char *what)
{
    static const char *const kinds[] = {"joined", "left", "leaving", "kicked", "destroyed", NULL};

    for (size_t i = 0; kinds[i]; i++)
        if (strcmp(what, kinds[i]) == 0)
            return 1;
    return 0;
}

static int ingest_one(struct mrb_app *app, struct batch *b, json_t *ev, struct mrb_err *err)
{
    struct events_event e;
    enum events_kind kind = events_parse(ev, &e);

    if (kind == EVENTS_INVALID) {
        b->ignored++; /* wrong shape: skipped, the rest of the batch still counts */
        b->by_type[EVENTS_INVALID]++;
        return 0;
    }
    /* A server speaks only for itself: its shutdown, its sessions, its
     * rooms' presence. One event about another server is refused, not the
     * batch: the rest is that server's own news. */
    if (b->as_server && strcmp(e.emitter, b->as_server) != 0) {
        b->by_type[EVK_FOREIGN]++;
        b->foreign++;
        b->ignored++;
        return 0;
    }
    if (kind != EVENTS_OTHER) {
        int known = emitter_known(app, b, e.emitter, err);
        if (known < 0)
            return -1;
        if (known == 0) { /* an unregistered emitter changes nothing */
            b->by_type[EVK_UNREGISTERED]++;
            if (b->ignored++ == 0)
                log_msg(LOG_LVL_INFO, "events from unregistered emitter ignored");
            return 0;
        }
    }
    /* A room's presence is its server's to tell: an event about a room from
     * any other server (the old copy after a move, a losing copy of a move
     * race, a server that learnt a room id) changes nothing. */
    size_t slot = EVENTS_ROOM_CACHE;
    if (kind == EVENTS_PLUGIN && e.what && e.room) {
        int here = -2;
        for (size_t i = 0; i < b->n_rooms && here == -2; i++)
            if (strcmp(b->rooms[i].room, e.room) == 0 && strcmp(b->rooms[i].server, e.emitter) == 0)
                here = b->rooms[(slot = i)].here;
        if (here == -2) {
            here = room_is_on(app, e.room, e.emitter, err);
            if (here >= 0 && b->n_rooms < EVENTS_ROOM_CACHE) {
                slot = b->n_rooms++;
                snprintf(b->rooms[slot].room, sizeof(b->rooms[slot].room), "%s", e.room);
                snprintf(b->rooms[slot].server, sizeof(b->rooms[slot].server), "%s", e.emitter);
                b->rooms[slot].here = here;
                b->rooms[slot].marked = 0;
            }
        }
        if (here < 0)
            return -1;
        if (here == 0) {
            b->by_type[EVK_STALE]++;
            b->ignored++;
            return 0;
        }
    }
    b->by_type[kind]++;
    if (kind == EVENTS_CORE)
        return on_core(app, b, e.emitter, e.subtype, err);
    if (kind == EVENTS_SESSION || kind == EVENTS_HANDLE)
        return on_session_or_handle(app, b, &e, err);
    if (kind == EVENTS_PLUGIN && e.what) {
        int rc = e.plugin == JANUS_VIDEOROOM ? on_videoroom(app, b, &e, err) : on_audiobridge(app, b, &e, err);
        if (rc != 0 || e.room == NULL || !changes_presence(e.what) ||
            (slot < EVENTS_ROOM_CACHE && b->rooms[slot].marked))
            return rc;
        if (slot < EVENTS_ROOM_CACHE)
            b->rooms[slot].marked = 1;
        return presence_mark(app->db, e.room, e.emitter, err);
    }
    b->ignored++;
    return 0;
}

/* Records the batch's digest; 1 when it was applied before (a re-delivery).
 * The digest covers who posted it: a server that posts another server's
 * next batch first (refused, as it is not about itself) must not make the
 * real one look like a re-delivery. */
static int already_seen(struct mrb_app *app, const char *as_server, const char *body, size_t len, long long now,
                        struct mrb_err *err)
{
    static const char seen_sql[] = "INSERT INTO events_seen (digest, received_at) VALUES (?, ?)";
    const char *who = as_server ? as_server : "*";
    unsigned char digest[SHA_DIGEST_LENGTH];
    struct db_val p[2];
    EVP_MD_CTX *sha = EVP_MD_CTX_new();
    int rc;

    /* who with its NUL: "a" + "bc" is not "ab" + "c" */
    if (sha == NULL || EVP_DigestInit_ex(sha, EVP_sha1(), NULL) != 1 ||
        EVP_DigestUpdate(sha, who, strlen(who) + 1) != 1 || EVP_DigestUpdate(sha, body, len) != 1 ||
        EVP_DigestFinal_ex(sha, digest, NULL) != 1) {
        EVP_MD_CTX_free(sha);
        err_set(err, E_UNAVAILABLE, "cannot digest the batch");
        return -1;
    }
    EVP_MD_CTX_free(sha);
    p[0] = (struct db_val){.type = DB_STR, .s = (const char *)digest, .len = sizeof(digest)};
    p[1] = DB_I(now);
    rc = db_exec(app->db, seen_sql, DB_PARAMS(p), NULL, err);
    if (rc == DB_DUP)
        return 1;
    return rc == 0 ? 0 : -1;
}

static void refresh_counts(struct mrb_app *app, const struct batch *b)
{
    static const char sql[] =
        "UPDATE servers SET sessions = (SELECT COUNT(*) FROM server_sessions WHERE server_id = ?), "
        "handles = (SELECT COUNT(*) FROM server_handles WHERE server_id = ?) WHERE id = ?";

    for (size_t i = 0; i < b->n_touched; i++) {
        struct db_val p[] = {DB_S(b->touched[i]), DB_S(b->touched[i]), DB_S(b->touched[i])};
        if (db_exec(app->db, sql, DB_PARAMS(p), NULL, NULL) == 0)
            servers_rescore(app, b->touched[i], NULL);
    }
}

/* One participant's presence ended without its event (reconcile.c). */
struct gone_txn {
    struct mrb_app *app;
    struct batch *b;
    const struct events_event *e;
};

static int gone_txn(struct db *db, void *ctx, struct mrb_err *err)
{
    struct gone_txn *t = ctx;
    (void)db;
    return participant_left(t->app, t->b, t->e, err);
}

int events_participant_gone(struct mrb_app *app, const char *room, const char *participant, enum janus_plugin plugin,
                            struct mrb_err *err)
{
    struct events_event e = {.kind = EVENTS_PLUGIN, .plugin = plugin, .what = "left", .room = room,
                             .participant = participant};
    struct batch *b = calloc(1, sizeof(*b));
    struct gone_txn t = {app, b, &e};
    int rc;

    if (b == NULL) {
        err_set(err, E_UNAVAILABLE, "out of memory");
        return -1;
    }
    b->now = util_now();
    b->seat_grace = app->conf.rooms.seat_grace;
    rc = db_transaction(app->db, gone_txn, &t, DB_TXN_REPLAYABLE, err);
    free(b);
    return rc == 0 ? 0 : -1;
}

/* Kicks a handle the batch found in a room without a seat, or beyond its
 * seat's share, through the room's plugin on the server it joined. Best
 * effort: a handle that stays is found again by mrb-health's reconciler. */
static void kick_now(struct mrb_app *app, const struct kick *k)
{
    static const char secret_sql[] = "SELECT secret FROM rooms WHERE id = ?";
    struct db_col secret = {.type = DB_STR};
    struct db_val p[] = {DB_S(k->room)};
    struct server_row srv;
    struct janus_server js;
    struct mrb_err err = {0};

    if (servers_get(app, k->server, &srv, &err) != 1 ||
        db_query(app->db, secret_sql, DB_PARAMS(p), &secret, 1, NULL, NULL, &err) != 1)
        return;
    servers_janus(&srv, &js);
    (void)janus_room_kick(&js, k->plugin, k->room, secret.s, k->participant);
}

/* One attempt at a batch, inside its transaction (db_transaction() runs it
 * again after a conflict or on the next node). */
struct apply {
    struct mrb_app *app;
    const char *as_server;
    json_t *doc;
    const char *body;
    size_t len;
    long long now;
    struct batch b;
    int seen; /* applied before: a re-delivery */
};

static int apply_txn(struct db *db, void *ctx, struct mrb_err *err)
{
    struct apply *a = ctx;
    struct batch *b = &a->b;
    size_t i;
    json_t *ev;
    int rc;

    (void)db;
    memset(b, 0, sizeof(*b));
    b->now = a->now;
    b->seat_grace = a->app->conf.rooms.seat_grace;
    b->as_server = a->as_server;
    a->seen = 0;
    rc = already_seen(a->app, a->as_server, a->body, a->len, b->now, err);
    if (rc != 0) {
        a->seen = rc == 1;
        return rc == 1 ? 0 : -1;
    }
    if (json_is_object(a->doc)) {
        if (ingest_one(a->app, b, a->doc, err) != 0)
            return -1;
    } else
        json_array_foreach(a->doc, i, ev) if (ingest_one(a->app, b, ev, err) != 0) return -1;
    for (int k = 0; k < EVK_N; k++) /* in the batch's transaction: a re-delivery counts once */
        if (b->by_type[k])
            counters_add(a->app, COUNTERS_EVENTS, evk_label[k], b->by_type[k]);
    for (int k = 0; k < 2; k++)
        if (b->intruders[k])
            counters_add(a->app, COUNTERS_INTRUDERS, k ? "plugin=\"videoroom\"" : "plugin=\"audiobridge\"",
                      b->intruders[k]);
    return 0;
}

enum events_result events_apply(struct mrb_app *app, const char *as_server, const char *body, size_t len,
                                int *accepted, struct mrb_err *err)
{
    struct apply *a;
    size_t total;
    int rc;

    *accepted = 0;
    a = calloc(1, sizeof(*a)); /* struct batch is large: not on the stack */
    if (a == NULL) {
        err_set(err, E_UNAVAILABLE, "out of memory");
        return EVENTS_REFUSED;
    }
    a->app = app;
    a->as_server = as_server;
    a->body = body;
    a->len = len;
    a->now = util_now();
    a->doc = json_loadb(body, len, 0, NULL);
    if (a->doc == NULL || !(json_is_object(a->doc) || json_is_array(a->doc))) {
        json_decref(a->doc);
        free(a);
        err_set(err, E_BAD_REQUEST, "body must be a JSON event object or an array of events");
        return EVENTS_REFUSED;
    }
    total = json_is_array(a->doc) ? json_array_size(a->doc) : 1;
    if (total > EVENTS_MAX_BATCH) {
        json_decref(a->doc);
        free(a);
        err_set(err, E_BAD_REQUEST, "at most %d events per batch", EVENTS_MAX_BATCH);
        return EVENTS_REFUSED;
    }
    /* One transaction per batch: all of it or none of it. Replayable: a
     * batch that did commit before the node went away is recognised by its
     * digest and changes nothing the second time. */
    rc = db_transaction(app->db, apply_txn, a, DB_TXN_REPLAYABLE, err);
    json_decref(a->doc);
    if (rc != 0) {
        int down = !db_connected(app->db);
        free(a);
        if (down) /* no database node is ready: the caller spools it */
            return EVENTS_DB_DOWN;
        /* the database is up but refused this batch: spooling would block every later one */
        log_msg(LOG_LVL_WARN, "batch refused by the database, dropped: %s", err->msg);
        err_set(err, E_UNAVAILABLE, "batch refused by the database");
        return EVENTS_REFUSED;
    }
    *accepted = (int)total;
    if (!a->seen && a->b.foreign) /* no event text: it may carry anything */
        log_msg(LOG_LVL_WARN, "webhook: server %s posted %d event(s) about other servers: refused", as_server,
                a->b.foreign);
    if (!a->seen) {
        for (size_t k = 0; k < a->b.n_kicks; k++)
            kick_now(app, &a->b.kicks[k]);
        refresh_counts(app, &a->b);
        for (size_t k = 0; k < a->b.n_down; k++)
            servers_evacuate(app, a->b.down[k], 0, "shutdown", NULL); /* shutting down: Janus ends its rooms itself */
    }
    free(a);
    return EVENTS_APPLIED;
}

/* A spooled batch is the body after one line naming who posted it,
 * "mrb-as NAME\n" ("*" for the shared credential), so that a replay
 * believes it about no more than the live request would have. Files from
 * before this line existed were all posted with the shared credential. */
#define SPOOL_AS "mrb-as "

static int replay_one(void *ctx, const char *body, size_t len)
{
    struct mrb_err err = {0};
    char as[WEBHOOK_AUTH_SERVER_MAX];
    const char *nl, *as_server = NULL; /* no line: posted with the shared credential */
    int accepted;

    if (len > strlen(SPOOL_AS) && memcmp(body, SPOOL_AS, strlen(SPOOL_AS)) == 0 &&
        (nl = memchr(body, '\n', len)) != NULL) {
        size_t n = (size_t)(nl - body) - strlen(SPOOL_AS);
        if (n == 0 || n >= sizeof(as))
            return 0; /* not ours to believe: dropped */
        memcpy(as, body + strlen(SPOOL_AS), n);
        as[n] = '\0';
        if (strcmp(as, "*") != 0)
            as_server = as;
        len -= (size_t)(nl + 1 - body);
        body = nl + 1;
    }
    /* Only "still down" keeps a batch; a refused one would block the rest. */
    return events_apply(ctx, as_server, body, len, &accepted, &err) == EVENTS_DB_DOWN ? -1 : 0;
}

/* Writes "mrb-as NAME\n" and body as one spool file. 0 or -1. */
static int spool_as(const char *dir, const char *as_server, const char *body, size_t len)
{
    const char *name = as_server ? as_server : "*";
    size_t head = strlen(SPOOL_AS) + strlen(name) + 1;
    char *buf = malloc(head + len);
    int rc;

    if (buf == NULL)
        return -1;
    snprintf(buf, head + 1, SPOOL_AS "%s\n", name);
    memcpy(buf + head, body, len);
    rc = spool_write(dir, buf, head + len);
    free(buf);
    return rc;
}

int events_receive(struct mrb_app *app, const char *as_server, const char *body, size_t len, int *accepted,
                   struct mrb_err *err)
{
    const char *dir = app->conf.webhook.spool_dir;
    json_t *doc;
    int rc, lock = -1, replayed;

    *accepted = 0;
    /* Malformed input is refused up front, never spooled. */
    doc = json_loadb(body, len, 0, NULL);
    if (doc == NULL || !(json_is_object(doc) || json_is_array(doc)) ||
        (json_is_array(doc) && json_array_size(doc) > EVENTS_MAX_BATCH)) {
        json_decref(doc);
        err_set(err, E_BAD_REQUEST, "body must be a JSON event object or an array of up to %d events",
                EVENTS_MAX_BATCH);
        return -1;
    }
    *accepted = json_is_array(doc) ? (int)json_array_size(doc) : 1;
    json_decref(doc);

    if (spool_pending(dir)) {
        lock = spool_lock(dir);
        replayed = spool_replay(dir, replay_one, app);
        if (replayed > 0)
            log_msg(LOG_LVL_INFO, "replayed %d spooled batches", replayed);
        if (spool_pending(dir)) /* still down: keep arrival order */
            goto spool;
    }
    rc = events_apply(app, as_server, body, len, accepted, err);
    if (rc != EVENTS_DB_DOWN) {
        spool_unlock(lock);
        return rc == EVENTS_APPLIED ? 0 : -1;
    }
    if (lock < 0)
        lock = spool_lock(dir);
spool:
    if (spool_as(dir, as_server, body, len) != 0) {
        spool_unlock(lock);
        log_msg(LOG_LVL_WARN, "cannot spool to %s", dir);
        err_set(err, E_UNAVAILABLE, "cannot store events now");
        return -1;
    }
    spool_unlock(lock);
    log_msg(LOG_LVL_WARN, "database down, batch spooled");
    err_clear(err);
    return 0;
}
