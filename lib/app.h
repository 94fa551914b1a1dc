#ifndef MRB_APP_H
#define MRB_APP_H

#include "conf.h"
#include "db.h"
#include "apierror.h"
#include <jansson.h>

/* What every call is given for the whole process: the config and the DB
 * handle. app_init() also starts the Janus client, whose curl handle is
 * janus.c's own. Everything a request needs beyond these is on the
 * handler's stack and gone after it. */
struct mrb_app {
    const char *name;
    struct mrb_conf conf;
    struct db *db;
    /* Set while a run of mrb-health acts under its lease: long loops (a
     * server's rooms moved one by one) call it before each step, and stop
     * when it returns 0 (the lease is lost: another run acts now). NULL
     * elsewhere: a web worker acts on its own request. */
    int (*still_acting)(struct mrb_app *app);
    const char *client; /* this request's client address (REMOTE_ADDR, or behind [limits]
                           trusted_proxies the X-Forwarded-For hop), or NULL; reset after each request */
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

#endif
