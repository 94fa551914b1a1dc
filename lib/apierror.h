#ifndef MRB_APIERROR_H
#define MRB_APIERROR_H

/* The API's errors, as Janus's apierror.h has them: one enum, one table
 * (apierror.c) that gives each its HTTP status, its 3-digit contract code
 * and a default message. docs/API.md ("Error codes") and docs/openapi.yaml
 * list the same rows; tests/unit/test_apierror.c holds the three together.
 *
 * Result enums elsewhere follow one sign rule: 0 = done, > 0 = another
 * outcome the caller must tell apart (not found, already there, moved...),
 * < 0 = failed (err set). A plain int return is 0 or -1 by the same rule. */
enum mrb_apierror {
    E_BAD_REQUEST,     /* 400 400: not JSON, not an object, a field missing or out of range */
    E_UNAUTHORIZED,    /* 401 101: no token, or one that fails verification; webhook credentials */
    E_NOT_HOST,        /* 403 102: no host rights; not the room's creator nor an admin */
    E_ROOM_NOT_FOUND,  /* 404 104 */
    E_ROOM_GONE,       /* 410 105: expired or ended */
    E_WRONG_KEY,       /* 403 106 */
    E_ROOM_FULL,       /* 409 107 */
    E_NO_PARTICIPANT,  /* 404 108: the media server does not know that participant */
    E_TOO_MANY_KEYS,   /* 429 109: key failures over the limit (Retry-After) */
    E_NOTHING_TO_MUTE, /* 409 110: the participant publishes no audio */
    E_METHOD,          /* 405 405 */
    E_TOO_LARGE,       /* 413 413 */
    E_MEDIA_TYPE,      /* 415 415 */
    E_UNAVAILABLE,     /* 503 503: no media server, or the database, can do it now */
    E_INTERNAL,        /* 500 500: a failure that named no error (a bug) */
    E_COUNT
};

struct apierror_info {
    int http;
    const char *code;    /* the contract code, 3 digits */
    const char *message; /* the default message, err_set_code()'s */
};

/* The table row of e; NULL when e is out of range. Static data. */
const struct apierror_info *apierror_info(enum mrb_apierror e);

/* An error on its way to the client: HTTP status, the 3-digit contract code
 * and a human-readable message. Every library call that can fail takes one;
 * the adapter turns it into the JSON reply with http_reply_err(). */
struct mrb_err {
    int http;
    char code[4];
    char msg[256];
    long retry_after; /* seconds, sent as Retry-After with a 429 (0: none) */
};

void err_clear(struct mrb_err *e);
/* Sets e (when e is not NULL) to the error e_code: its status and code from
 * the table, the message from fmt. The message must never contain a secret. */
void err_set(struct mrb_err *e, enum mrb_apierror e_code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same with the table's default message. */
void err_set_code(struct mrb_err *e, enum mrb_apierror e_code);

#endif
