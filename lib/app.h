#ifndef MRB_APP_H
#define MRB_APP_H

#include <fcgiapp.h>

#include "conf.h"
#include "db.h"
#include "err.h"
#include <jansson.h>

/* What lives for the whole process: config and DB handle. Everything a
 * request needs beyond this is on the handler's stack and gone after it. */
struct mrb_app {
    const char *name;
    struct mrb_conf conf;
    struct db *db;
    const char *client; /* this request's REMOTE_ADDR (or NULL); reset after each request */
};

/* A config file holds secrets (database password, JWT and TURN secrets):
 * app_init() refuses one that others can read, unless this is set by
 * --insecure-config (cron programs, mrbctl) or MRB_INSECURE_CONFIG=1 in the
 * environment (FastCGI programs, which get no arguments from the web server).
 * Development only. */
extern int app_allow_insecure_config;

/* Loads the config, opens the Janus client and the (lazy) DB handle.
 * Returns 0, or -1 after printing the reason to stderr. */
int app_init(struct mrb_app *app, const char *name, const char *config_path);
void app_free(struct mrb_app *app);

typedef void (*app_handler)(struct mrb_app *app, FCGX_Request *rq);

/* The FastCGI accept loop (FCGX_Accept_r): serves requests until SIGTERM,
 * then finishes the request in hand and returns 0. */
int app_serve(const char *name, app_handler handler);

/* An endpoint over one JSON object: bearer is the Authorization token (may
 * be NULL), body the parsed request. Returns 0 with *data (owned by the
 * caller) as the reply's data, or -1 with err set. */
typedef int (*app_json_fn)(struct mrb_app *app, const char *bearer, json_t *body, json_t **data,
                           struct mrb_err *err);

/* app_serve() for a POST endpoint taking and answering JSON: reads and
 * checks the request (http_read_json), calls fn, answers ok_status with its
 * data or the error, and counts the outcome (stats_request). */
int app_serve_json(const char *name, app_json_fn fn, int ok_status);

#endif
