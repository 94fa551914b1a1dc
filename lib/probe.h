#ifndef MRB_PROBE_H
#define MRB_PROBE_H

#include "app.h"
#include "apierror.h"

/* A client's report that it cannot reach a media server, checked: one GET
 * of the server's public /info within [janus] probe_timeout_ms. */

enum probe_result {
    PROBE_UP = 0,    /* the server answered: the fault is on the client's side */
    PROBE_DOWN = 1,  /* no answer: counted like a failed health poll */
    PROBE_FAILED = -1 /* the database could not be asked or told (err set) */
};

/* Probes server id at public_url, or reuses a probe of it that any worker
 * or web node made less than a second ago (shared through table
 * server_probes), so a storm of reports costs the server at most one probe
 * a second. A failed probe counts toward [health] fail_threshold, exactly
 * like a failed poll (servers_failed_check), so reports from several rooms
 * take the server down and evacuate it without waiting for the next poll. */
enum probe_result probe_server(struct mrb_app *app, const char *id, const char *public_url, struct mrb_err *err);

#endif
