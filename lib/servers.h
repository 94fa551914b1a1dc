#ifndef MRB_SERVERS_H
#define MRB_SERVERS_H

/* The media servers as placement and failover use them: candidates in score
 * order, a room placed, moved (failover, evacuation, panic) or recreated
 * after a restart, scores and pending load, failed checks, drains, and the
 * sync from [server NAME] sections. */

#include <stddef.h>

#include "app.h"
#include "janus.h"
#include "place.h"

/* A media server as placement and joins need it. */
struct server_row {
    char id[65];
    char public_url[256];
    char admin_url[256];
    char admin_secret[256];
    char token_secret[256];
    char record_dir[256]; /* "" when not configured */
    long long boot;
    int healthy;
    double weight;
    double score; /* as stored: what placement orders by */
    double link_mbps; /* its link's capacity, for the network term (0: unknown) */
    long long suspect_until; /* new rooms avoid it until then (unix s, reports.h); -1: never marked */
    char region[41];  /* "" when it has none */
    char tags[301];   /* canonical (conf_tags_canon()) */
    long long unfilled; /* seats its live rooms booked that nobody has taken (placement only) */
    int fits;         /* placement: it had room under [score] limit for the room being placed */
    int fits_now;     /* placement: fresh metrics, and room for the room's people now (place_fits_now()) */
};

/* Placement tries at most this many servers, best first. */
#define SERVERS_TRIES 8

/* The Janus client's view of a server row (pointers into s). */
void servers_janus(const struct server_row *s, struct janus_server *out);

/* Loads the best SERVERS_TRIES placeable servers (enabled and healthy) for
 * a room that wants want, in place_order() order (bookings, region, tags,
 * strategy; suspect servers last), into a malloc'd array the caller frees;
 * each row's score is its score now and unfilled its booked, unfilled
 * seats. The servers named in exclude (a NULL-terminated list, may be
 * NULL; "" entries are ignored) are skipped. Returns the count (0 when
 * none may take it), or -1 with err set. */
int servers_candidates(struct mrb_app *app, const struct place_want *want, const char *const *exclude,
                       struct server_row **out, struct mrb_err *err);

/* 1 when server id is over [score] limit now: its score plus the seats
 * its rooms booked for now that nobody has taken, plus arriving: people
 * who took seats (so their room's booking gave way) but are not measured
 * yet (place_over_now()). 0 when not, when its metrics are not fresh
 * (unknown is not over) or when there is no such server; -1 with err set. */
int servers_over_now(struct mrb_app *app, const char *id, long long arriving, struct mrb_err *err);

/* servers_place() flags. */
#define SERVERS_EXISTING_OK 1u  /* below */
#define SERVERS_ONLY_FITTING 2u /* only servers with room for the room's people now (server_row.fits_now) */

/* Creates room on the best candidate for want that accepts it, trying the
 * next best on failure. With SERVERS_EXISTING_OK, a server that already has a room of that id
 * took it too: room ids are 128 random bits, so that is a copy a concurrent
 * move of the same room made. On success returns 0 with *chosen filled; -1
 * with a 503 (code 503) when no server could take it. Writes nothing to the
 * database. */
int servers_place(struct mrb_app *app, const struct janus_room *room, const struct place_want *want,
                  const char *const *exclude, unsigned flags, struct server_row *chosen, struct mrb_err *err);

/* Fills w (pointers borrowed) from a room's region rule as given ("eu";
 * "!eu" when required; NULL or "": none), its required tags (canonical;
 * NULL: none), the seats it books, and its window [starts, ends). */
void servers_want(struct place_want *w, const char *rule, const char *tags, long long seats, long long starts,
                  long long ends);

/* What a room adds to its server's pending egress (kbit/s) when placed
 * with people seats: score_video_egress_kbps() for a video room, 0 for an
 * audio room. */
double servers_room_egress_kbps(const struct janus_room *spec, long long people);

/* A room as it must be recreated elsewhere. Pointers are borrowed. */
struct servers_room {
    struct janus_room spec; /* as its plugin creates it (servers_room_spec) */
    const char *server_id;  /* where it is mapped now */
    long long max_participants;
    /* A move on purpose (panic, drain), its old server alive: the old copy
     * is destroyed as soon as the new mapping commits, so the people in it
     * get Janus's "destroyed" at once and rejoin (instead of finding out at
     * their next re-check). A dead server's copy is left to mrb-health. */
    int destroy_old;
    /* A server the room must not move to ("" or NULL: none): one it left
     * because its people could not reach it (reports.h). */
    const char *avoid;
    /* What it asked of its server at create-room, kept through moves: its
     * region rule as given ("eu", "!eu"; NULL: none) and required tags
     * (canonical; NULL: none); the seats it books, and those taken. */
    const char *region, *tags;
    long long booked, people;
    long long starts, ends; /* its booking window (unix s) */
    /* Why it moves, for room.moved (outbox.h): "failover" (NULL), "panic",
     * "drain", "shutdown", "client_report" or "rebalance". */
    const char *reason;
    /* Move only to a server with room for its people now (an empty room
     * moved as its first person arrives: a server without room would be no
     * better than the one it is on). */
    int only_fitting;
};

/* Fills jr (pointers borrowed) from a room's stored columns: AudioBridge
 * for room_type "audio", else VideoRoom with its codec, per-publisher
 * bitrate (default 512 kbit/s) and publisher cap (janus_publishers()). */
void servers_room_spec(struct janus_room *jr, const char *id, const char *name, const char *secret, const char *pin,
                       int record, long long max_participants, const char *room_type, const char *video_codec,
                       long long bitrate_kbps, int screen_share);

/* Moves room off its server (down, panicked): creates it on the best other
 * server, then remaps it with a conditional UPDATE on the old server id and
 * counts its seats as pending load there. Returns 0 with *chosen filled;
 * 1 when another worker moved it first (our copy is destroyed again);
 * -1 with err set when no server could take it. */
int servers_move_room(struct mrb_app *app, const struct servers_room *room, struct server_row *chosen,
                      struct mrb_err *err);

/* Moves every live room of server_id, one at a time so each placement sees
 * the previous one's pending load (rooms spread, not pile up); with
 * destroy_old (the server still answers: a panic), each old copy is
 * destroyed right after its move; reason is room.moved's (servers_room).
 * Returns the number of rooms moved, or -1
 * when the room list could not be read. */
int servers_evacuate(struct mrb_app *app, const char *server_id, int destroy_old, const char *reason,
                     struct mrb_err *err);

/* Recreates on server s every live room still mapped to it whose
 * server_boot is not s->boot (the server restarted and lost them), then
 * records s->boot on each. Returns the number recreated, or -1. */
int servers_recreate_rooms(struct mrb_app *app, const struct server_row *s, struct mrb_err *err);

/* Recomputes and stores server id's score (score_compute) from
 * its row: after any input changes (a poll, session or handle counts, a new
 * row). Returns 1, 0 when no such server, or -1. */
int servers_rescore(struct mrb_app *app, const char *id, struct mrb_err *err);

/* Counts participants and expected egress (kbit/s, score_video_egress_kbps;
 * 0 for an audio room) placed on s since its last sample: pending_load,
 * pending_egress_kbps and the stored score grow together
 * (score_pending_cost, score_egress_cost), so a burst of creates spreads
 * over servers. Returns 0 or DB_ERR. */
int servers_add_pending(struct mrb_app *app, const struct server_row *s, long long participants, double egress_kbps,
                        struct mrb_err *err);

/* Loads one server by id. Returns 1 found, 0 not, -1 error. */
int servers_get(struct mrb_app *app, const char *id, struct server_row *out, struct mrb_err *err);

/* digest (65 bytes) gets the SHA-256 hex of s's webhook password, the form
 * the servers table keeps it in; "" when s has none. Returns 0 or -1. */
int servers_webhook_digest(const struct conf_server *s, char digest[65], struct mrb_err *err);

/* Upserts the [server NAME] sections of from into the servers table
 * (state enabled or disabled from the section, and each one's webhook
 * credential). Returns 0 or -1. */
int servers_sync(struct mrb_app *app, const struct mrb_conf *from, struct mrb_err *err);

/* A server as operators and monitoring see it. Metrics are -1 when unknown. */
struct server_info {
    struct server_row row; /* row.score: the score now; row.unfilled: its bookings */
    char state[16];        /* enabled, cordoned, disabled */
    char metrics_url[256];
    double weight, cpu, mem;
    long long sessions, handles, sockets;
    int has_metrics;
    long long metrics_at, polled_at, fail_count;
    long long rooms;        /* live rooms mapped to it */
    long long participants; /* present in its rooms, from events */
    long long drain_deadline; /* a cordoned server's deadline (unix s), -1: none */
    int suspect; /* new rooms avoid it: its people could not reach it (reports.h) */
    double load;        /* placement's view: the score now plus its booked, unfilled seats (place_load()) */
    long long headroom; /* seats it can still take under [score] limit (place_headroom()) */
};

/* Every registered server, by id, into a malloc'd array the caller frees.
 * Returns the count, or -1 with err set. */
int servers_list(struct mrb_app *app, struct server_info **out, struct mrb_err *err);

/* One failed check of server id, a health poll or a probe after a client's
 * report: its fail_count grows by one (atomically, whoever counts), and the
 * check that reaches [health] fail_threshold marks it down and moves its
 * live rooms (servers_evacuate). Returns 1 when this call took it down, 0,
 * or -1. */
int servers_failed_check(struct mrb_app *app, const char *id, struct mrb_err *err);

/* One step of every drain (mrb-health, each poll, under the lease): on
 * each healthy cordoned server, the rooms nobody is in (no participant,
 * no seat held) move at once; from the server's drain_deadline on, busy
 * rooms move too, at most [health] drain_rate a second of the poll
 * interval, oldest first, so the targets are not hit all at once. Each
 * old copy is destroyed as soon as its room has moved (its people rejoin
 * at once). Returns the rooms moved, or -1. */
int servers_drain_step(struct mrb_app *app, struct mrb_err *err);

/* Marks server id healthy when it was not (a poll answered), with
 * server.up (reason) in the same transaction. Returns 1 when it was down,
 * 0, or -1. */
int servers_mark_up(struct mrb_app *app, const char *id, const char *reason, struct mrb_err *err);

/* Disables every cordoned server with no open rooms. Called by mrb-health
 * each poll, mrb-expire after each run, and whenever a room is ended.
 * Returns how many were disabled, or -1. */
int servers_finish_drains(struct mrb_app *app, struct mrb_err *err);

#endif
