#ifndef MRB_APP_H
#define MRB_APP_H

#include <fcgiapp.h>

#include "conf.h"
#include "db.h"

/* What lives for the whole process: config and DB handle. Everything a
 * request needs beyond this is on the handler's stack and gone after it. */
struct mrb_app {
    const char *name;
    struct mrb_conf conf;
    struct db *db;
};

/* Loads the config, opens the Janus client and the (lazy) DB handle.
 * Returns 0, or -1 after printing the reason to stderr. */
int app_init(struct mrb_app *app, const char *name, const char *config_path);
void app_free(struct mrb_app *app);

typedef void (*app_handler)(struct mrb_app *app, FCGX_Request *rq);

/* The FastCGI accept loop (FCGX_Accept_r): serves requests until SIGTERM,
 * then finishes the request in hand and returns 0. */
int app_serve(const char *name, app_handler handler);

#endif
