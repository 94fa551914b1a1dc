#ifndef MRB_JANUS_H
#define MRB_JANUS_H

#include <jansson.h>

#include "conf.h"
#include "apierror.h"

/* Janus Admin API client: one HTTP POST per plugin request (AudioBridge
 * for audio rooms, VideoRoom for video rooms), no Janus session
 * (message_plugin). One curl handle per process keeps connections to the
 * media servers alive across requests. */

/* The plugin a room lives in. */
enum janus_plugin { JANUS_AUDIOBRIDGE = 0, JANUS_VIDEOROOM = 1 };

/* "janus.plugin.audiobridge" or "janus.plugin.videoroom". */
const char *janus_plugin_name(enum janus_plugin plugin);
/* A room type as the API and the rooms table name it ("audio", "video"). */
const char *janus_room_type(enum janus_plugin plugin);
/* A video room's VideoRoom publishers cap: one publishing PeerConnection
 * per seat, two with screen share (a screen is a second publisher). */
long long janus_publishers(long long people, int screen_share);
/* The plugin of a room type as stored ("video": VideoRoom, anything else:
 * AudioBridge, the type of every room made before video rooms). */
enum janus_plugin janus_plugin_of(const char *room_type);

/* What an Admin API request came to. The plugin error codes a caller acts
 * on become outcomes of their own; every other failure (unreachable,
 * timeout, HTTP error, unreadable reply, any other plugin error) is
 * JANUS_FAILED with err saying which. */
enum janus_result {
    JANUS_OK = 0,
    JANUS_EXISTS = 1, /* create: the room exists already (AudioBridge 486, VideoRoom 427) */
    JANUS_GONE = 2,   /* no such room (485, 426) or participant (492, 428) */
    JANUS_FAILED = -1,
};

struct janus_server {
    const char *id;
    const char *admin_url;
    const char *admin_secret;
    const char *record_dir; /* where it writes recordings, or NULL: Janus's own default */
};

/* A room as its media server is asked to create it. */
struct janus_room {
    enum janus_plugin plugin;
    const char *id;
    const char *description;
    const char *secret;
    const char *pin;
    int record;
    /* VideoRoom only */
    const char *video_codec; /* vp8, vp9, h264 */
    long long bitrate_kbps;  /* per publisher, a hard cap */
    long long publishers;    /* publishing PeerConnections: people, twice that with screen share */
};

int janus_init(const struct mrb_conf *conf);
void janus_cleanup(void);

/* Sends request (borrowed) to plugin on srv. Returns JANUS_OK with
 * *response a new reference owned by the caller (the plugin's reply), or
 * another janus_result with err set. */
enum janus_result janus_request(const struct janus_server *srv, enum janus_plugin plugin, json_t *request,
                                json_t **response, struct mrb_err *err);

/* Creates the room in its plugin, recording (when asked) into the server's
 * record_dir: JANUS_OK, JANUS_EXISTS or JANUS_FAILED. */
enum janus_result janus_room_create(const struct janus_server *srv, const struct janus_room *room, struct mrb_err *err);
/* Creates the room, or brings a copy that exists already (left from an
 * earlier stay on srv) up to date: its pin, description and (VideoRoom)
 * publishers cap and bitrate become room's. JANUS_OK (created),
 * JANUS_EXISTS (existed, now current) or JANUS_FAILED. */
enum janus_result janus_room_put(const struct janus_server *srv, const struct janus_room *room, struct mrb_err *err);
/* Kicks handle participant out of the room, best effort (a failure is
 * logged): JANUS_OK, JANUS_GONE (no such room or participant) or
 * JANUS_FAILED. */
enum janus_result janus_room_kick(const struct janus_server *srv, enum janus_plugin plugin, const char *room_id,
                                  const char *secret, const char *participant);
/* Destroys the room: JANUS_OK, JANUS_GONE or JANUS_FAILED. */
enum janus_result janus_room_destroy(const struct janus_server *srv, enum janus_plugin plugin, const char *room_id,
                                     const char *secret, struct mrb_err *err);
/* 1 when the room exists, 0 when not, or -1 (err set). */
int janus_room_exists(const struct janus_server *srv, enum janus_plugin plugin, const char *room_id,
                      struct mrb_err *err);

/* One HTTP request of a concurrent set (janus_http_many). */
struct janus_http {
    const char *url;
    const char *body;   /* POST body, or NULL for GET; borrowed */
    const char *const *headers; /* extra "Name: value" lines, NULL-terminated (may be NULL); borrowed */
    long status;        /* out: HTTP status, 0 on transport failure */
    char *reply;        /* out: malloc'd, NUL-terminated; free with janus_http_done */
    size_t reply_len;
};

/* Performs all n requests with at most parallel in flight (curl multi, one
 * connection pool), each within timeout_ms. Fills status and reply. A
 * request whose url is NULL is skipped (status 0, no reply). */
void janus_http_many(struct janus_http *reqs, size_t n, int parallel, long timeout_ms);
void janus_http_done(struct janus_http *reqs, size_t n);

/* The Admin API body for a plugin request (malloc'd, caller frees). */
char *janus_admin_body(const struct janus_server *srv, enum janus_plugin plugin, json_t *request);
/* Reads an Admin API reply to janus_admin_body(): same returns as
 * janus_request(); *response (may be NULL) gets a new reference. */
enum janus_result janus_admin_parse(const struct janus_server *srv, enum janus_plugin plugin, const char *reply,
                                    size_t len, long status, json_t **response, struct mrb_err *err);

/* Calls made to media servers by this process (proves the hot path makes none). */
unsigned long janus_call_count(void);

#endif
