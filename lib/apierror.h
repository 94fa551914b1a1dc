#ifndef MRB_APIERROR_H
#define MRB_APIERROR_H

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
/* Sets e (when e is not NULL). The message must never contain a secret. */
void err_set(struct mrb_err *e, int http, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
