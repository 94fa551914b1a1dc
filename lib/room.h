#ifndef MRB_ROOM_H
#define MRB_ROOM_H

/* Rooms as the API sees them: create-room (placement, the room made in its
 * plugin, then the row), join-room (a seat, a Janus token for the room's
 * plugin, TURN credentials; a room whose server restarted is recreated
 * there, one whose server is down is moved), room-status, and ending a
 * room. */

#include <jansson.h>

#include "app.h"
#include "apierror.h"
#include "janus.h"
#include "token.h"
#include "valid.h"

/* A room's field rules, one definition for create-room and room-edit (rows
 * of their valid_check() tables). roomNm is required only on create. */
#define ROOM_FIELD_NAME(flags) {"roomNm", VALID_STRING, (flags) | VALID_NONBLANK, 1, 100}
#define ROOM_FIELD_KEY {"roomKey", VALID_DIGITS, 0, 4, 12}
#define ROOM_FIELD_TTL(conf) {"ttlSeconds", VALID_INT, 0, 10, (conf)->rooms.max_ttl}
#define ROOM_FIELD_CAPACITY(conf) {"maxParticipants", VALID_INT, 0, 2, (conf)->rooms.max_participants}

/* POST /mrb/create-room: bearer is the Authorization token (may be NULL),
 * body the parsed request. On success returns 0 and *data (owned by the
 * caller) is the reply's data object; else -1 with err set. Nothing is left
 * written on failure: a Janus room made before a failed insert is destroyed. */
int room_create(struct mrb_app *app, const char *bearer, json_t *body, json_t **data, struct mrb_err *err);

/* POST /mrb/join-room. For a room known to be live on a healthy server this
 * makes no call to any media server; otherwise it first recreates the room
 * (same server after a restart, the best other server when its own is down).
 * Returns 0 with *data owned by the caller, or -1 with err set. */
int room_join(struct mrb_app *app, json_t *body, json_t **data, struct mrb_err *err);

/* POST /mrb/room-status: who is in the room, for its creator (a host token
 * whose sub created it) or an admin token. Returns 0 with *data owned by
 * the caller, or -1 (401/403/404/400/503). */
int room_status(struct mrb_app *app, const char *bearer, json_t *body, json_t **data, struct mrb_err *err);

/* The room's people as room-status and mrbctl room show list them:
 * [{"id","display","userId","joinedAt","muted","publishing"}], oldest
 * first. publishing lists "microphone", "camera" and "screen" as they are
 * published now (an AudioBridge participant always sends its microphone).
 * A person's second publisher handle in a video room (their screen share)
 * is no entry of its own: its video shows as their "screen". Returns a new
 * array the caller owns, or NULL with err set. */
json_t *room_participants(struct mrb_app *app, const char *room_id, enum janus_plugin plugin, struct mrb_err *err);

/* Whether claims may manage (see, moderate, end) a room created by
 * created_by: its creator's host token, or any admin token. */
int room_may_manage(const struct token_claims *claims, const char *created_by);

/* A room as moderation and room-end act on it, with the server it lives on. */
struct room_target {
    char id[65], name[101 * 4], key[13], secret[65], server[65], admin_url[256], admin_secret[256];
    long long expires_at, max_participants;
    enum janus_plugin plugin; /* AudioBridge (audio room) or VideoRoom (video room) */
    int screen_share;         /* video: a second publisher per person is allowed */
    int has_server;
};

/* Loads room_id into t. Returns 0; -1 with 404/104 or 503. When claims is
 * given, only its creator or an admin may act (403/102). When live, an
 * ended or expired room is refused (410/105). */
int room_target_load(struct mrb_app *app, const char *room_id, const struct token_claims *claims, int live,
                     struct room_target *t, struct mrb_err *err);

enum room_end_result {
    ROOM_ENDED = 0,      /* destroyed on its media server and marked ended */
    ROOM_REFUSED = 1,    /* refused to joiners; mrb-expire finishes the rest */
    ROOM_END_FAILED = -1 /* err: 404/104, 410/105 or 503 */
};

/* Ends room_id now (room-end, mrbctl room end, server remove --force):
 * first refuses it to joiners (its expiry becomes now), then destroys it on
 * its media server, then marks it ended and frees its seats and presence.
 * When the media server does not answer, or the row cannot be marked, the
 * room stays refused and mrb-expire finishes the job on its next run.
 * reason ("host", "operator") is room.ended's, kept with the room so that
 * mrb-expire reports it too when it finishes the job. */
enum room_end_result room_end(struct mrb_app *app, const char *room_id, const char *reason, struct mrb_err *err);

#endif
