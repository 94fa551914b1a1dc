#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "events.h"
#include "util.h"

#define EVENTS_MAX_BATCH 100

enum { EV_SESSION = 1, EV_HANDLE = 2, EV_PLUGIN = 64, EV_CORE = 256 };
enum { CORE_STARTED = 1, CORE_SHUTDOWN = 2 };

int events_auth_ok(const struct mrb_conf *conf, const char *authorization)
{
    char expected[600], raw[520];
    int n;

    n = snprintf(raw, sizeof(raw), "%s:%s", conf->webhook.user, conf->webhook.password);
    if (n < 0 || (size_t)n >= sizeof(raw))
        return 0;
    memcpy(expected, "Basic ", 6);
    if (util_base64((const unsigned char *)raw, (size_t)n, expected + 6, sizeof(expected) - 6) < 0)
        return 0;
    if (authorization == NULL)
        authorization = "";
    return util_const_streq(authorization, expected);
}

/* A restarted server has lost every non-permanent room: a new boot
 * generation makes the next join recreate them. */
static int on_core(struct mrb_app *app, const char *emitter, json_int_t subtype, struct mrb_err *err)
{
    static const char started_sql[] =
        "UPDATE servers SET boot = boot + 1, healthy = 1, updated_at = ? WHERE id = ?";
    static const char shutdown_sql[] = "UPDATE servers SET healthy = 0, updated_at = ? WHERE id = ?";
    struct db_val p[] = {DB_I(util_now()), DB_S(emitter)};
    unsigned long long affected = 0;

    if (subtype == CORE_STARTED) {
        if (db_exec(app->db, started_sql, p, 2, &affected, err) != 0)
            return -1;
    } else if (subtype == CORE_SHUTDOWN) {
        if (db_exec(app->db, shutdown_sql, p, 2, &affected, err) != 0)
            return -1;
    } else {
        return 0;
    }
    if (affected == 0)
        fprintf(stderr, "mrb: event-webhook: core event from unregistered emitter ignored\n");
    else
        fprintf(stderr, "mrb: event-webhook: server %s %s\n", emitter,
                subtype == CORE_STARTED ? "started (rooms will be recreated)" : "shut down");
    return 0;
}

static int ingest_one(struct mrb_app *app, json_t *ev, struct mrb_err *err)
{
    json_t *type = json_object_get(ev, "type");
    const char *emitter = json_string_value(json_object_get(ev, "emitter"));

    if (!json_is_object(ev) || !json_is_integer(type) || emitter == NULL || strlen(emitter) > 64)
        return 0; /* wrong shape: skipped, the rest of the batch still counts */
    if (json_integer_value(type) == EV_CORE)
        return on_core(app, emitter, json_integer_value(json_object_get(ev, "subtype")), err);
    return 0;
}

int events_ingest(struct mrb_app *app, const char *authorization, const char *body, size_t len,
                  int *accepted, struct mrb_err *err)
{
    json_t *doc, *ev;
    size_t i;
    int rc = 0;

    *accepted = 0;
    if (!events_auth_ok(&app->conf, authorization)) {
        err_set(err, 401, "101", "webhook credentials required");
        return -1;
    }
    doc = json_loadb(body, len, 0, NULL);
    if (doc == NULL || !(json_is_object(doc) || json_is_array(doc))) {
        json_decref(doc);
        err_set(err, 400, "400", "body must be a JSON event object or array of events");
        return -1;
    }
    if (json_is_array(doc) && json_array_size(doc) > EVENTS_MAX_BATCH) {
        json_decref(doc);
        err_set(err, 400, "400", "at most %d events per batch", EVENTS_MAX_BATCH);
        return -1;
    }
    if (json_is_object(doc)) {
        rc = ingest_one(app, doc, err);
        *accepted = rc == 0;
    } else {
        json_array_foreach(doc, i, ev)
        {
            if ((rc = ingest_one(app, ev, err)) != 0)
                break;
            (*accepted)++;
        }
    }
    json_decref(doc);
    return rc;
}
