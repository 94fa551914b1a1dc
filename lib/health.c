/* Health, both kinds: mrb-health's polls of the media servers (their
 * /info, sessions, canary rooms and node exporter; scores, failovers,
 * presence reconciling, under the "health" lease) and MRB's own answer
 * to load balancers, GET /mrb/health. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "health.h"
#include "lease.h"
#include "janus.h"
#include "presence.h"
#include "promtext.h"
#include "reconcile.h"
#include "servers.h"
#include "counters.h"
#include "util.h"

int health_report(struct mrb_app *app, json_t **data, struct mrb_err *err)
{
    static const char sql[] = "SELECT COUNT(*) FROM servers WHERE state = 'enabled' AND healthy = 1";
    struct db_col up = {.type = DB_INT};

    *data = NULL;
    if (db_query(app->db, sql, DB_NO_PARAMS, &up, 1, NULL, NULL, err) != 1) {
        err_set(err, E_UNAVAILABLE, "database unreachable");
        return -1;
    }
    char node[300];
    const struct mrb_conf *c = &app->conf;
    /* create-room's limits, public anyway (a 400 names them): a form can
     * offer the real range instead of a guess */
    *data = json_pack("{s:s, s:s?, s:I, s:{s:I, s:I, s:I, s:I}}", "db", "ok", "dbNode",
                      db_node_name(app->db, node, sizeof(node)), "servers_up", (json_int_t)up.i, "limits",
                      "maxParticipants", (json_int_t)c->rooms.max_participants, "defaultMaxParticipants",
                      (json_int_t)c->rooms.default_max_participants, "maxTtlSeconds", (json_int_t)c->rooms.max_ttl,
                      "defaultTtlSeconds", (json_int_t)c->rooms.default_ttl);
    return 0; /* a NULL *data is answered 503 by serve_reply() */
}

enum { H_ID, H_PUB, H_ADM, H_ASEC, H_MET, H_HEALTHY, H_FAILS, H_BOOT, H_IDLE, H_TOTAL, H_NETDEV, H_TXB, H_TXMS,
       H_NCOLS };
/* Two canaries, one room in each plugin: a restart loses both, and a
 * VideoRoom that lost its rooms alone (its plugin reloaded) is a restart
 * for the video rooms all the same. */
enum { REQ_INFO, REQ_SESSIONS, REQ_CANARY, REQ_VCANARY, REQ_METRICS, REQ_PER_SERVER };

struct polled {
    char id[65], public_url[256], admin_url[256], admin_secret[256], metrics_url[256];
    char net_devices[CONF_MAX_LINE]; /* "" : every device but lo */
    int healthy, has_metrics_url, has_prev, has_tx_prev;
    long long fails, boot;
    double idle_prev, total_prev;
    double tx_bytes_prev;
    long long tx_prev_ms, polled_ms; /* the previous transmit sample's time, and this poll's */
    char info_url[300];
    char *sessions_body, *canary_body, *vcanary_body;
};

struct plist {
    struct polled *s;
    size_t n;
};

static int fill_polled(void *elem, const struct db_col *c, size_t ncols, void *ctx)
{
    struct polled *p = elem;
    (void)ncols;
    (void)ctx;

    if (db_col_str(p->id, sizeof(p->id), &c[H_ID]) || db_col_str(p->public_url, sizeof(p->public_url), &c[H_PUB]) ||
        db_col_str(p->admin_url, sizeof(p->admin_url), &c[H_ADM]) ||
        db_col_str(p->admin_secret, sizeof(p->admin_secret), &c[H_ASEC]) ||
        db_col_str(p->metrics_url, sizeof(p->metrics_url), &c[H_MET]) ||
        db_col_str(p->net_devices, sizeof(p->net_devices), &c[H_NETDEV]))
        return 1;
    p->has_metrics_url = p->metrics_url[0] != '\0';
    p->healthy = (int)c[H_HEALTHY].i;
    p->fails = c[H_FAILS].i;
    p->boot = c[H_BOOT].i;
    p->has_prev = !c[H_IDLE].is_null && !c[H_TOTAL].is_null;
    p->idle_prev = c[H_IDLE].d;
    p->total_prev = c[H_TOTAL].d;
    p->has_tx_prev = !c[H_TXB].is_null && !c[H_TXMS].is_null;
    p->tx_bytes_prev = c[H_TXB].d;
    p->tx_prev_ms = c[H_TXMS].i;
    snprintf(p->info_url, sizeof(p->info_url), "%s/info", p->public_url);
    return 0;
}

static char *admin_body(const struct polled *p, const char *janus_request)
{
    json_t *doc = json_pack("{s:s, s:s, s:s}", "janus", janus_request, "transaction", "mrb-health",
                            "admin_secret", p->admin_secret);
    char *body = doc ? json_dumps(doc, JSON_COMPACT) : NULL;

    json_decref(doc);
    return body;
}

static int info_ok(const struct janus_http *r)
{
    json_t *doc;
    const char *kind;
    int ok;

    if (r->status != 200 || r->reply == NULL)
        return 0;
    doc = json_loadb(r->reply, r->reply_len, 0, NULL);
    kind = json_string_value(json_object_get(doc, "janus"));
    ok = kind && strcmp(kind, "server_info") == 0;
    json_decref(doc);
    return ok;
}

/* Session count from list_sessions, or -1. */
static long sessions_of(const struct janus_http *r)
{
    json_t *doc;
    long n = -1;

    if (r->status != 200 || r->reply == NULL)
        return -1;
    doc = json_loadb(r->reply, r->reply_len, 0, NULL);
    if (json_is_array(json_object_get(doc, "sessions")))
        n = (long)json_array_size(json_object_get(doc, "sessions"));
    json_decref(doc);
    return n;
}

static void server_down(struct mrb_app *app, struct polled *p, int dry_run)
{
    if (dry_run) {
        if (p->healthy && p->fails + 1 >= app->conf.health.fail_threshold)
            log_msg(LOG_LVL_INFO, "would mark server %s down", p->id);
        return;
    }
    (void)servers_failed_check(app, p->id, NULL);
}

/* 1 when the canary request r in plugin says the room is gone. */
static int canary_lost(const struct polled *p, enum janus_plugin plugin, const struct janus_http *r)
{
    struct janus_server js = {p->id, p->admin_url, p->admin_secret, NULL};
    struct mrb_err err = {0};
    json_t *resp = NULL;
    enum janus_result rc = janus_admin_parse(&js, plugin, r->reply, r->reply_len, r->status, &resp, &err);
    int lost = rc == JANUS_OK && !json_is_true(json_object_get(resp, "exists"));

    json_decref(resp);
    return lost;
}

static void server_up(struct mrb_app *app, struct polled *p, const struct janus_http *req, int dry_run)
{
    static const char sql[] =
        "UPDATE servers SET healthy = 1, fail_count = 0, polled_at = ?, metrics_at = ?, pending_load = 0, "
        "pending_egress_kbps = 0, sessions = COALESCE(?, sessions), cpu = ?, mem = ?, sockets = ?, "
        "cpu_idle_prev = ?, cpu_total_prev = ?, tx_mbps = ?, tx_bytes_prev = ?, tx_prev_ms = ? WHERE id = ?";
    static const char boot_sql[] = "UPDATE servers SET boot = boot + 1 WHERE id = ?";
    long long now = util_now();
    long sessions = sessions_of(&req[REQ_SESSIONS]);
    struct promtext_sample ps = {0};
    double cpu = -1, mem = -1, tx = -1;
    struct mrb_err err = {0};
    int lost_rooms = 0;

    if (p->has_metrics_url && req[REQ_METRICS].status == 200 && req[REQ_METRICS].reply) {
        promtext_parse(req[REQ_METRICS].reply, req[REQ_METRICS].reply_len, p->net_devices, &ps);
        if (ps.has_cpu && p->has_prev)
            cpu = promtext_cpu_busy(ps.cpu_idle, ps.cpu_total, p->idle_prev, p->total_prev);
        mem = promtext_mem_used(&ps);
        if (ps.has_tx && p->has_tx_prev)
            tx = promtext_rate_mbps(ps.tx_bytes, p->polled_ms, p->tx_bytes_prev, p->tx_prev_ms);
    }
    /* The canaries: present while the server keeps its rooms. A server
     * without VideoRoom answers its exists with an error: not a loss. */
    lost_rooms = canary_lost(p, JANUS_AUDIOBRIDGE, &req[REQ_CANARY]) ||
                 canary_lost(p, JANUS_VIDEOROOM, &req[REQ_VCANARY]);
    if (dry_run) {
        log_msg(LOG_LVL_INFO, "server %s up: sessions %ld cpu %.3f mem %.3f sockets %.0f tx %.3f Mbit/s%s", p->id,
                sessions, cpu, mem, ps.sockets, tx, lost_rooms ? " (lost its rooms)" : "");
        return;
    }
    if (servers_mark_up(app, p->id, "poll", &err) < 0) /* back up: reported before the row is rewritten */
        log_msg(LOG_LVL_WARN, "server %s: %s", p->id, err.msg);
    struct db_val v[] = {DB_I(now),
                         DB_I(now),
                         sessions >= 0 ? DB_I(sessions) : (struct db_val){.type = DB_NULL},
                         cpu >= 0 ? DB_D(cpu) : (struct db_val){.type = DB_NULL},
                         mem >= 0 ? DB_D(mem) : (struct db_val){.type = DB_NULL},
                         ps.has_sockets ? DB_D(ps.sockets) : (struct db_val){.type = DB_NULL},
                         ps.has_cpu ? DB_D(ps.cpu_idle) : (struct db_val){.type = DB_NULL},
                         ps.has_cpu ? DB_D(ps.cpu_total) : (struct db_val){.type = DB_NULL},
                         tx >= 0 ? DB_D(tx) : (struct db_val){.type = DB_NULL},
                         ps.has_tx ? DB_D(ps.tx_bytes) : (struct db_val){.type = DB_NULL},
                         ps.has_tx ? DB_I(p->polled_ms) : (struct db_val){.type = DB_NULL},
                         DB_S(p->id)};
    if (db_exec(app->db, sql, DB_PARAMS(v), NULL, &err) != 0 || servers_rescore(app, p->id, &err) < 0)
        return;
    if (!p->healthy)
        log_msg(LOG_LVL_INFO, "server %s up again", p->id);
    /* back from down, or restarted: what MRB holds of its rooms' presence
     * is to be compared with what it has now */
    if ((!p->healthy || lost_rooms) && presence_mark_server(app->db, p->id, &err) != 0)
        log_msg(LOG_LVL_WARN, "server %s: cannot mark its rooms for reconciling: %s", p->id, err.msg);
    if (lost_rooms) {
        struct db_val b[] = {DB_S(p->id)};
        struct server_row row;
        char secret[40];
        if (util_random_token(secret, sizeof(secret), 24) != 0)
            return;
        struct janus_room canary = {.plugin = JANUS_AUDIOBRIDGE, .id = HEALTH_CANARY_ROOM,
                                    .description = "mrb health canary", .secret = secret, .pin = secret};
        struct janus_server js = {p->id, p->admin_url, p->admin_secret, NULL};
        if (janus_room_create(&js, &canary, &err) == JANUS_FAILED) {
            /* without a canary every poll would look like a restart */
            log_msg(LOG_LVL_WARN, "server %s: cannot create the canary room: %s", p->id, err.msg);
            return;
        }
        canary = (struct janus_room){.plugin = JANUS_VIDEOROOM, .id = HEALTH_CANARY_ROOM,
                                     .description = "mrb health canary", .secret = secret, .pin = secret,
                                     .video_codec = "vp8", .bitrate_kbps = 64, .publishers = 1};
        if (janus_room_create(&js, &canary, &err) == JANUS_FAILED) /* an audio-only server: no video rooms */
            log_msg(LOG_LVL_WARN, "server %s: cannot create the video canary room: %s", p->id, err.msg);
        if (db_exec(app->db, boot_sql, DB_PARAMS(b), NULL, &err) != 0 || servers_get(app, p->id, &row, &err) != 1)
            return;
        log_msg(LOG_LVL_WARN, "server %s has lost its rooms (restart); boot generation %lld", p->id,
                row.boot);
        servers_recreate_rooms(app, &row, &err);
    }
}

/* An old copy of a room on a server it moved away from. */
struct stale_copy {
    char room[65], type[8], secret[65];
};

static int fill_stale(void *elem, const struct db_col *c, size_t ncols, void *ctx)
{
    struct stale_copy *row = elem;
    (void)ncols;
    (void)ctx;

    return db_col_str(row->room, sizeof(row->room), &c[0]) || db_col_str(row->type, sizeof(row->type), &c[1]) ||
           db_col_str(row->secret, sizeof(row->secret), &c[2]);
}

/* A room moved off server p leaves its old copy there (the server was
 * down, stopped, or panicked): destroyed now that p answers, so that the
 * room never runs twice and the copy's old key admits nobody. Its events
 * were ignored meanwhile (events.c: a room's events come from its server).
 * The mapping is read again right before each destroy: a room that moved
 * back onto p owns that copy now. */
static void destroy_stale_copies(struct mrb_app *app, const struct polled *p)
{
    static const char list_sql[] = "SELECT sc.room_id, sc.room_type, sc.secret FROM stale_copies sc "
                                   "WHERE sc.server_id = ? ORDER BY sc.since LIMIT 200";
    static const char mapped_sql[] = "SELECT 1 FROM rooms WHERE id = ? AND server_id = ? AND ended_at IS NULL";
    static const char done_sql[] = "DELETE FROM stale_copies WHERE room_id = ? AND server_id = ?";
    struct db_col c[3] = {{.type = DB_STR}, {.type = DB_STR}, {.type = DB_STR}};
    struct db_val p1[] = {DB_S(p->id)};
    struct janus_server js = {p->id, p->admin_url, p->admin_secret, NULL};
    struct stale_copy *rows;
    void *out;
    size_t n;
    struct mrb_err err = {0};
    int gone = 0;

    if (db_collect(app->db, list_sql, DB_PARAMS(p1), c, 3, sizeof(*rows), fill_stale, NULL, &out, &n, &err) != 0)
        return;
    rows = out;
    for (size_t i = 0; i < n; i++) {
        struct db_col one = {.type = DB_INT};
        struct db_val k[] = {DB_S(rows[i].room), DB_S(p->id)};
        enum janus_result r = JANUS_OK;
        if (app->still_acting && !app->still_acting(app))
            break;
        int mapped = db_query(app->db, mapped_sql, DB_PARAMS(k), &one, 1, NULL, NULL, &err);
        if (mapped < 0)
            break;
        if (mapped == 0)
            r = janus_room_destroy(&js, janus_plugin_of(rows[i].type), rows[i].room, rows[i].secret, &err);
        if (r != JANUS_FAILED && db_exec(app->db, done_sql, DB_PARAMS(k), NULL, &err) == 0)
            gone += mapped == 0;
    }
    if (gone)
        log_msg(LOG_LVL_INFO, "server %s: destroyed %d old cop%s of rooms that live elsewhere now", p->id, gone,
                gone == 1 ? "y" : "ies");
    free(out);
}

int health_poll(struct mrb_app *app, int dry_run)
{
    static const char sql[] = "SELECT id, public_url, admin_url, admin_secret, metrics_url, healthy, fail_count, "
                              "boot, cpu_idle_prev, cpu_total_prev, net_devices, tx_bytes_prev, tx_prev_ms FROM servers WHERE state <> 'disabled' OR EXISTS "
                              "(SELECT 1 FROM rooms r WHERE r.server_id = servers.id AND r.ended_at IS NULL)";
    struct db_col cols[H_NCOLS] = {{.type = DB_STR}, {.type = DB_STR}, {.type = DB_STR}, {.type = DB_STR},
                                   {.type = DB_STR}, {.type = DB_INT}, {.type = DB_INT}, {.type = DB_INT},
                                   {.type = DB_DOUBLE}, {.type = DB_DOUBLE}, {.type = DB_STR},
                                   {.type = DB_DOUBLE}, {.type = DB_INT}};
    struct plist l = {0};
    void *rows;
    struct janus_http *reqs = NULL;
    struct mrb_err err = {0};
    json_t *exists = json_pack("{s:s, s:s}", "request", "exists", "room", HEALTH_CANARY_ROOM);
    int rc = -1;

    if (db_collect(app->db, sql, DB_NO_PARAMS, cols, H_NCOLS, sizeof(*l.s), fill_polled, NULL, &rows, &l.n, &err) != 0) {
        log_msg(LOG_LVL_WARN, "cannot read servers: %s", err.msg);
        goto out;
    }
    l.s = rows;
    reqs = calloc(l.n * REQ_PER_SERVER + 1, sizeof(*reqs));
    if (reqs == NULL)
        goto out;
    for (size_t i = 0; i < l.n; i++) {
        struct polled *p = &l.s[i];
        struct janus_http *r = &reqs[i * REQ_PER_SERVER];
        struct janus_server js = {p->id, p->admin_url, p->admin_secret, NULL};
        p->sessions_body = admin_body(p, "list_sessions");
        p->canary_body = janus_admin_body(&js, JANUS_AUDIOBRIDGE, exists);
        p->vcanary_body = janus_admin_body(&js, JANUS_VIDEOROOM, exists);
        r[REQ_INFO].url = p->info_url;
        r[REQ_SESSIONS].url = p->admin_url;
        r[REQ_SESSIONS].body = p->sessions_body;
        r[REQ_CANARY].url = p->admin_url;
        r[REQ_CANARY].body = p->canary_body;
        r[REQ_VCANARY].url = p->admin_url;
        r[REQ_VCANARY].body = p->vcanary_body;
        r[REQ_METRICS].url = p->has_metrics_url ? p->metrics_url : NULL;
    }
    /* every server at once, so one dead server never delays the others; the
     * node exporters answer at about the start, the time of the sample */
    const long long sampled_ms = util_now_ms();
    for (size_t i = 0; i < l.n; i++)
        l.s[i].polled_ms = sampled_ms;
    janus_http_many(reqs, l.n * REQ_PER_SERVER, (int)(l.n * REQ_PER_SERVER), app->conf.health.timeout_ms);
    for (size_t i = 0; i < l.n; i++) {
        struct janus_http *r = &reqs[i * REQ_PER_SERVER];
        if (app->still_acting && !app->still_acting(app))
            break; /* the lease is lost: another run acts now */
        if (info_ok(&r[REQ_INFO])) {
            server_up(app, &l.s[i], r, dry_run);
            if (!dry_run) {
                struct janus_server js = {l.s[i].id, l.s[i].admin_url, l.s[i].admin_secret, NULL};
                destroy_stale_copies(app, &l.s[i]);
                if (reconcile_server(app, &js) < 0)
                    log_msg(LOG_LVL_WARN, "server %s: presence not reconciled (database)", l.s[i].id);
            }
        } else
            server_down(app, &l.s[i], dry_run);
    }
    if (!dry_run) {
        servers_drain_step(app, &err);
        servers_finish_drains(app, &err);
    }
    rc = 0;
out:
    if (reqs)
        janus_http_done(reqs, l.n * REQ_PER_SERVER);
    for (size_t i = 0; i < l.n; i++) {
        free(l.s[i].sessions_body);
        free(l.s[i].canary_body);
        free(l.s[i].vcanary_body);
    }
    free(reqs);
    free(l.s);
    json_decref(exists);
    return rc;
}

/* The lease this run holds while it acts. */
static char lease_holder[128];
static long lease_ttl;

/* 1 when we hold (or just took) the lease until now + ttl. */
static int health_lease(struct mrb_app *app, const char *holder, long ttl, struct mrb_err *err)
{
    return lease_take(app->db, "health", holder, ttl, err);
}

/* app->still_acting while this run holds the lease: renewed before each
 * step of a long loop (a server's rooms moved one by one, each of which may
 * wait out a hung target), so that the lease never lapses under a run that
 * is still acting; 0 once another run has taken it (the loop stops). */
static int still_holder(struct mrb_app *app)
{
    static long long renewed_at;
    struct mrb_err err = {0};
    long long now = util_now();
    int r;

    if (now == renewed_at) /* the lease lasts several intervals: once a second is plenty */
        return 1;
    r = health_lease(app, lease_holder, lease_ttl, &err);
    renewed_at = r == 1 ? now : 0;
    if (r != 1)
        log_msg(LOG_LVL_WARN, "lost the lease as %s mid-poll (%s); stopped acting", lease_holder,
                r < 0 ? err.msg : "taken by another run");
    return r == 1;
}

static double mono_now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Counts a lease event under the host's name, for the flapping alert
 * (conf/prometheus/mrb-alerts.yml). */
static void lease_count(struct mrb_app *app, const char *counter, const char *host)
{
    char label[200], esc[150];

    if (counters_label_escape(host, esc, sizeof(esc)) != 0)
        return;
    snprintf(label, sizeof(label), "host=\"%s\"", esc);
    counters_add(app, counter, label, 1);
}

/* Sleeps until the monotonic time t, or until *stop. */
static void sleep_until(double t, volatile sig_atomic_t *stop)
{
    double d = t - mono_now();
    struct timespec pause;

    if (d <= 0 || *stop)
        return;
    pause.tv_sec = (time_t)d;
    pause.tv_nsec = (long)((d - (double)pause.tv_sec) * 1e9);
    nanosleep(&pause, NULL); /* a signal ends it early: *stop is checked by the caller */
}

int health_run(struct mrb_app *app, int once, int dry_run, volatile sig_atomic_t *stop)
{
    /* One run acts at a time, across overlapping cron runs and web nodes:
     * the "health" lease, a conditional UPDATE (exact on Galera too: two
     * takers write the same row, one fails certification). A run that finds
     * it held stands by, trying again each interval, so a holder that dies
     * is replaced within the lease's length. The holder renews right before
     * every poll, and a poll lasts about [health] timeout_ms, well inside
     * the ttl (3 intervals + timeout + 1 s): when a renewal fails (another
     * run took it, or no database node answers) it stops acting at once,
     * long before its last renewal expires. Taking, losing and releasing
     * are logged, so holder intervals can be checked. */
    const long interval = app->conf.score.interval;
    const long ttl = interval * 3 + app->conf.health.timeout_ms / 1000 + 1;
    const double start = mono_now();
    char holder[128], host[64];
    struct mrb_err err = {0};
    int held = 0, said_standby = 0;

    lease_holder_name(holder, sizeof(holder));
    snprintf(host, sizeof(host), "%.*s", (int)strcspn(holder, ":"), holder); /* the counters' label */
    snprintf(lease_holder, sizeof(lease_holder), "%s", holder);
    lease_ttl = ttl;
    for (double tick = start;; tick += (double)interval) {
        int r = health_lease(app, holder, ttl, &err);
        if (r == 1 && !held) {
            log_msg(LOG_LVL_INFO, "took the lease as %s", holder);
            lease_count(app, COUNTERS_LEASE_TAKEN, host);
        }
        if (r != 1 && held) {
            log_msg(LOG_LVL_WARN, "lost the lease as %s (%s); stopped acting", holder,
                    r < 0 ? err.msg : "taken by another run");
            lease_count(app, COUNTERS_LEASE_LOST, host);
        }
        if (r == 0 && !held && !said_standby) {
            log_msg(LOG_LVL_INFO, "another run holds the lease; %s", once ? "exiting" : "standing by");
            said_standby = 1;
        }
        if (r < 0 && !held)
            log_msg(LOG_LVL_WARN, "cannot take the lease: %s", err.msg);
        held = r == 1;
        if (held) {
            app->still_acting = still_holder;
            health_poll(app, dry_run);
            app->still_acting = NULL;
            held = health_lease(app, holder, ttl, &err) == 1; /* lost mid-poll: not ours to release */
        }
        if (once || *stop || tick + (double)interval - start >= (double)app->conf.health.run_seconds)
            break;
        db_idle(app->db);
        counters_node(app);
        sleep_until(tick + (double)interval, stop);
        if (*stop)
            break;
    }
    if (held) {
        lease_release(app->db, "health", holder);
        log_msg(LOG_LVL_INFO, "released the lease as %s", holder);
    }
    return 0;
}
