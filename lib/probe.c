/* A client's report of an unreachable media server, checked (probe.h). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "janus.h"
#include "log.h"
#include "probe.h"
#include "servers.h"
#include "counters.h"
#include "util.h"

#define PROBE_REUSE_MS 1000 /* a result younger than this is everyone's */
#define PROBE_WAIT_STEP_MS 50

/* The shared result when it is fresh: 1 up, 0 down, -1 none (or an error). */
static int fresh_result(struct mrb_app *app, const char *id, long long now, struct mrb_err *err)
{
    static const char sql[] = "SELECT ok FROM server_probes WHERE server_id = ? AND probed_at >= ?";
    struct db_col ok = {.type = DB_INT};
    struct db_val p[] = {DB_S(id), DB_I(now - PROBE_REUSE_MS)};
    int n = db_query(app->db, sql, DB_PARAMS(p), &ok, 1, NULL, NULL, err);

    return n == 1 ? (int)ok.i : -1;
}

/* 1 when this process may probe id now (no probe started or finished in the
 * last second), 0 when another one is on it, -1 on a database error. */
static int claim(struct mrb_app *app, const char *id, long long now, struct mrb_err *err)
{
    static const char seed_sql[] = "INSERT IGNORE INTO server_probes (server_id) VALUES (?)";
    static const char claim_sql[] = "UPDATE server_probes SET probing_at = ? "
                                    "WHERE server_id = ? AND probing_at < ? AND probed_at < ?";
    struct db_val one[] = {DB_S(id)};
    struct db_val p[] = {DB_I(now), DB_S(id), DB_I(now - PROBE_REUSE_MS), DB_I(now - PROBE_REUSE_MS)};
    unsigned long long won = 0;

    if (db_exec(app->db, seed_sql, DB_PARAMS(one), NULL, err) != 0 || db_exec(app->db, claim_sql, DB_PARAMS(p), &won, err) != 0)
        return -1;
    return won == 1;
}

/* GET <public_url>/info: 1 when it answers as a Janus server. */
static int info_ok(const struct mrb_conf *c, const char *public_url)
{
    char url[600];
    struct janus_http r = {.url = url};
    int ok;

    snprintf(url, sizeof(url), "%s/info", public_url);
    janus_http_many(&r, 1, 1, c->janus.probe_timeout_ms);
    ok = r.status == 200 && r.reply && strstr(r.reply, "server_info") != NULL;
    janus_http_done(&r, 1);
    return ok;
}

enum probe_result probe_server(struct mrb_app *app, const char *id, const char *public_url, struct mrb_err *err)
{
    static const char done_sql[] = "UPDATE server_probes SET probed_at = ?, ok = ? WHERE server_id = ?";
    const long long start = util_now_ms(), give_up = start + app->conf.janus.probe_timeout_ms + 500;
    int r = fresh_result(app, id, start, err), ok;

    if (r >= 0)
        return r ? PROBE_UP : PROBE_DOWN;
    for (;;) {
        int mine = claim(app, id, util_now_ms(), err);
        if (mine < 0)
            return PROBE_FAILED;
        if (mine)
            break;
        /* another worker or web node is probing: wait for its result */
        struct timespec pause = {0, PROBE_WAIT_STEP_MS * 1000000L};
        nanosleep(&pause, NULL);
        r = fresh_result(app, id, util_now_ms(), err);
        if (r >= 0)
            return r ? PROBE_UP : PROBE_DOWN;
        if (util_now_ms() > give_up)
            break; /* its prober died mid-probe: probe ourselves */
    }
    ok = info_ok(&app->conf, public_url);
    counters_add(app, COUNTERS_PROBES, ok ? "result=\"up\"" : "result=\"down\"", 1);
    struct db_val p[] = {DB_I(util_now_ms()), DB_I(ok), DB_S(id)};
    if (db_exec(app->db, done_sql, DB_PARAMS(p), NULL, err) != 0)
        return PROBE_FAILED;
    if (ok)
        return PROBE_UP;
    log_msg(LOG_LVL_WARN, "server %s did not answer a probe (a client reported it unreachable)", id);
    if (servers_failed_check(app, id, err) < 0)
        return PROBE_FAILED;
    return PROBE_DOWN;
}
