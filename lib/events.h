#ifndef MRB_EVENTS_H
#define MRB_EVENTS_H

/* The webhook's work: a batch of Janus events (sessions, handles, the core's
 * started and shutdown, AudioBridge and VideoRoom participants) applied in
 * one transaction, deduplicated, and believed only about the server that
 * posted it; a handle that joins without a seat is kicked. Batches spooled
 * while MariaDB was down are replayed first. */

#include <stddef.h>

#include "app.h"
#include "janus.h"
#include "apierror.h"

#include <jansson.h>

enum events_result {
    EVENTS_APPLIED = 0,
    EVENTS_REFUSED = -1, /* malformed (400), or the database refused it (503): err says */
    EVENTS_DB_DOWN = 1,  /* MariaDB could not be reached: spool the batch */
};

/* Applies one webhook body (an event object, or an array of up to 100) in
 * one transaction. A body applied before (same bytes) counts again but
 * changes nothing. Events of the wrong shape or of no interest are skipped.
 * After commit: session/handle counts are refreshed and the rooms of servers
 * that shut down are moved. Returns EVENTS_APPLIED with *accepted. */
/* as_server: the server whose credential posted the body (its events about
 * any other server are refused and counted), or NULL for the shared
 * [webhook] credential (every emitter believed). */
enum events_result events_apply(struct mrb_app *app, const char *as_server, const char *body, size_t len,
                                int *accepted, struct mrb_err *err);

/* The webhook's whole job for one authenticated body: batches spooled while
 * MariaDB was down are replayed first, in order; then this one is applied,
 * or spooled (durably) behind them when MariaDB is still down. Returns 0
 * with *accepted, or -1 with err set (400 malformed, 503 cannot store). */
int events_receive(struct mrb_app *app, const char *as_server, const char *body, size_t len, int *accepted,
                   struct mrb_err *err);

/* What one event says, read from its JSON without touching the database:
 * the part of the webhook that sees outside bytes (fuzzed by fuzz_events).
 * Strings point into the event's JSON (or the buffers here) and live as
 * long as it does. Fields the event does not carry are NULL / 0. */
enum { EVENTS_PUB_MICROPHONE = 1, EVENTS_PUB_CAMERA = 2, EVENTS_PUB_SCREEN = 4 };
enum events_kind { EVENTS_SESSION, EVENTS_HANDLE, EVENTS_PLUGIN, EVENTS_CORE, EVENTS_OTHER, EVENTS_INVALID };
struct events_event {
    enum events_kind kind;
    const char *emitter; /* at most 64 bytes */
    long long subtype;   /* core */
    const char *name;    /* session / handle: created, destroyed, attached, ... */
    long long id;        /* session or handle id */
    int has_id;
    enum janus_plugin plugin; /* of a room event: AudioBridge or VideoRoom */
    const char *what;    /* room event: joined, left, leaving, kicked, published, unpublished, destroyed, ...
                          * (NULL: not an AudioBridge or VideoRoom event) */
    const char *room;    /* at most 64 bytes */
    const char *participant; /* at most 64 bytes */
    const char *opaque;  /* at most 64 bytes, or NULL */
    char display[1024];  /* at most 255 code points, cut, never refused */
    unsigned publishes;  /* VideoRoom published/updated: EVENTS_PUB_* of its streams */
    char audio_mid[17];  /* ... and the mid of its audio stream ("" when none) */
    char room_buf[32], participant_buf[32];
};

/* Ends participant's presence in room as its "left" event would have (its
 * row goes; its seat is held for seat_grace when it was its person's last
 * handle), in a transaction of its own: for a handle Janus no longer lists
 * whose event was lost. Returns 0 or -1. */
int events_participant_gone(struct mrb_app *app, const char *room, const char *participant, enum janus_plugin plugin,
                            struct mrb_err *err);

/* Reads ev into e. Returns e->kind (EVENTS_INVALID for a wrong shape). */
enum events_kind events_parse(json_t *ev, struct events_event *e);


#endif
