#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "janus.h"
#include "servers.h"
#include "stats.h"
#include "util.h"

#define STATS_SLOTS 16

void stats_add(struct mrb_app *app, const char *name, const char *label, long long n)
{
    static const char sql[] = "INSERT INTO counters (name, label, slot, value) VALUES (?, ?, ?, ?) "
                              "ON DUPLICATE KEY UPDATE value = value + VALUES(value)";
    static int slot = -1;
    struct mrb_err err = {0};

    if (slot < 0)
        slot = (int)(getpid() % STATS_SLOTS);
    struct db_val p[] = {DB_S(name), DB_S(label), DB_I(slot), DB_I(n)};
    if (db_exec(app->db, sql, p, 4, NULL, &err) != 0)
        fprintf(stderr, "%s: counter %s not updated: %s\n", app->name ? app->name : "mrb", name, err.msg);
}

const char *stats_join_outcome(const char *code)
{
    static const struct {
        const char *code, *outcome;
    } map[] = {{"000", "ok"},        {"104", "not_found"},   {"105", "expired"},
               {"106", "wrong_key"}, {"107", "full"},        {"109", "rate_limited"},        {"400", "bad_request"},
               {"503", "unavailable"}};

    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(code, map[i].code) == 0)
            return map[i].outcome;
    return "other";
}

/* Request counts wait here and reach MariaDB in one transaction per
 * STATS_FLUSH_SECONDS, or when the worker goes idle or stops: a join then
 * costs no extra round trip of its own. */
#define STATS_PENDING_MAX 32
#define STATS_FLUSH_SECONDS 1

static struct pending {
    const char *name;
    char label[128];
    long long n;
} pending[STATS_PENDING_MAX];
static size_t n_pending;
static unsigned long media_calls_seen; /* janus_call_count() at the last count */
static long long pending_since;

static void count_later(struct mrb_app *app, const char *name, const char *label, long long n)
{
    size_t i;

    for (i = 0; i < n_pending; i++)
        if (pending[i].name == name && strcmp(pending[i].label, label) == 0)
            break;
    if (i == n_pending) {
        if (n_pending == STATS_PENDING_MAX)
            stats_flush(app);
        i = n_pending++;
        pending[i].name = name;
        snprintf(pending[i].label, sizeof(pending[i].label), "%s", label);
        pending[i].n = 0;
    }
    if (pending_since == 0)
        pending_since = util_now();
    pending[i].n += n;
}

int stats_pending(void)
{
    return n_pending > 0;
}

void stats_flush(struct mrb_app *app)
{
    struct mrb_err err = {0};

    if (n_pending == 0)
        return;
    if (db_begin(app->db, &err) == 0) {
        for (size_t i = 0; i < n_pending; i++)
            stats_add(app, pending[i].name, pending[i].label, pending[i].n);
        if (db_commit(app->db, &err) != 0)
            db_rollback(app->db);
    }
    n_pending = 0; /* lost when MariaDB is down: a count never blocks a request */
    pending_since = 0;
}

void stats_request(struct mrb_app *app, const char *endpoint, const char *code)
{
    char label[128];

    snprintf(label, sizeof(label), "endpoint=\"%s\",code=\"%s\"", endpoint, code);
    count_later(app, STATS_REQUESTS, label, 1);
    if (strcmp(endpoint, "create-room") == 0 && strcmp(code, "000") == 0)
        count_later(app, STATS_CREATES, "", 1);
    else if (strcmp(endpoint, "join-room") == 0) {
        snprintf(label, sizeof(label), "outcome=\"%s\"", stats_join_outcome(code));
        count_later(app, STATS_JOINS, label, 1);
    }
    if (janus_call_count() != media_calls_seen) { /* by program: proves which paths call media servers */
        snprintf(label, sizeof(label), "program=\"%s\"", endpoint);
        count_later(app, STATS_MEDIA_CALLS, label, (long long)(janus_call_count() - media_calls_seen));
        media_calls_seen = janus_call_count();
    }
    if (util_now() - pending_since >= STATS_FLUSH_SECONDS)
        stats_flush(app);
}

int stats_label_escape(const char *in, char *out, size_t outlen)
{
    size_t o = 0;

    for (; *in; in++) {
        const char *rep = *in == '\\' ? "\\\\" : *in == '"' ? "\\\"" : *in == '\n' ? "\\n" : NULL;
        size_t need = rep ? 2 : 1;
        if (o + need >= outlen)
            return -1;
        if (rep) {
            memcpy(out + o, rep, 2);
        } else {
            out[o] = *in;
        }
        o += need;
    }
    if (o >= outlen)
        return -1;
    out[o] = '\0';
    return 0;
}

int stats_health(struct mrb_app *app, json_t **data, struct mrb_err *err)
{
    static const char sql[] = "SELECT COUNT(*) FROM servers WHERE state = 'enabled' AND healthy = 1";
    struct db_col up = {.type = DB_INT};

    *data = NULL;
    if (db_query(app->db, sql, NULL, 0, &up, 1, NULL, NULL, err) != 1) {
        err_set(err, 503, "503", "database unreachable");
        return -1;
    }
    *data = json_pack("{s:s, s:I}", "db", "ok", "servers_up", (json_int_t)up.i);
    return *data ? 0 : (err_set(err, 503, "503", "cannot build reply"), -1);
}

/* The counters this build knows, with their help text. */
static const struct {
    const char *name, *help;
} counters[] = {
    {STATS_REQUESTS, "API requests answered, by endpoint and contract code."},
    {STATS_CREATES, "Rooms created."},
    {STATS_JOINS, "join-room requests by outcome."},
    {STATS_EVENTS, "Janus events received by the webhook, by type (a re-delivered batch counts once)."},
    {STATS_FAILOVERS, "Rooms moved off a server (shutdown, failed polls, panic), recreated elsewhere."},
    {STATS_EXPIRED, "Rooms ended by mrb-expire at their expiry."},
    {STATS_ENDED, "Rooms ended early by their host or an operator."},
    {STATS_MEDIA_CALLS, "Requests to media servers' Admin API made while serving API requests, by program."},
};

struct render {
    FILE *f;
};

static int counter_row(void *ctx, const struct db_col *c, size_t ncols)
{
    struct render *r = ctx;
    (void)ncols;

    for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
        if (strcmp(c[0].s, counters[i].name) != 0)
            continue;
        if (c[1].len)
            fprintf(r->f, "%s{%s} %lld\n", counters[i].name, c[1].s, c[2].i);
        else
            fprintf(r->f, "%s %lld\n", counters[i].name, c[2].i);
        return 0;
    }
    return 0; /* a counter of a newer build: not ours to describe */
}

static void gauge(FILE *f, const char *name, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* Per-server gauges: one family at a time, as the format requires. */
static void server_gauges(FILE *f, const struct server_info *v, int n, long long now)
{
    static const char *const names[] = {
        "mrb_server_up", "mrb_server_score", "mrb_server_weight", "mrb_server_cpu_ratio",
        "mrb_server_memory_ratio", "mrb_server_sessions", "mrb_server_handles", "mrb_server_sockets",
        "mrb_server_rooms", "mrb_server_participants", "mrb_server_last_poll_age_seconds"};
    static const char *const helps[] = {
        "1 when the server is healthy (polls and events), else 0.",
        "Placement score now (lower is better; 4555 and up means no fresh metrics).",
        "Operator's score multiplier.",
        "Host CPU busy fraction from the node exporter (absent when unknown).",
        "Host memory used fraction from the node exporter (absent when unknown).",
        "Live Janus sessions.",
        "Live Janus handles.",
        "Open TCP and UDP sockets on the host (absent when unknown).",
        "Live rooms mapped to the server.",
        "Participants present in its rooms.",
        "Seconds since mrb-health last polled the server (absent before the first poll)."};

    for (size_t m = 0; m < sizeof(names) / sizeof(names[0]); m++) {
        gauge(f, names[m], helps[m]);
        for (int i = 0; i < n; i++) {
            const struct server_info *s = &v[i];
            char id[140];
            double val;
            if (stats_label_escape(s->row.id, id, sizeof(id)) != 0)
                continue;
            switch (m) {
            case 0: val = s->row.healthy; break;
            case 1: val = s->row.score; break;
            case 2: val = s->weight; break;
            case 3: val = s->cpu; break;
            case 4: val = s->mem; break;
            case 5: val = (double)s->sessions; break;
            case 6: val = (double)s->handles; break;
            case 7: val = (double)s->sockets; break;
            case 8: val = (double)s->rooms; break;
            case 9: val = (double)s->participants; break;
            default: val = s->polled_at < 0 ? -1 : (double)(now - s->polled_at); break;
            }
            if (val < 0) /* unknown: leave the series out rather than lie */
                continue;
            fprintf(f, "%s{server=\"%s\"} %.17g\n", names[m], id, val);
        }
    }
}

char *stats_render(struct mrb_app *app, struct mrb_err *err)
{
    static const char totals_sql[] =
        "SELECT (SELECT COUNT(*) FROM rooms WHERE ended_at IS NULL AND expires_at > ?), "
        "(SELECT COUNT(*) FROM rooms WHERE ended_at IS NULL AND expires_at <= ?), "
        "(SELECT COUNT(*) FROM participants), "
        "(SELECT COUNT(*) FROM seats WHERE connected = 1 OR held_until >= ?)";
    static const char *const states[] = {"enabled", "cordoned", "disabled"};
    struct db_col tot[4] = {{.type = DB_INT}, {.type = DB_INT}, {.type = DB_INT}, {.type = DB_INT}};
    struct db_col cc[3] = {{.type = DB_STR}, {.type = DB_STR}, {.type = DB_INT}};
    struct server_info *v = NULL;
    long long now = util_now();
    struct db_val p[] = {DB_I(now), DB_I(now), DB_I(now)};
    struct render r = {0};
    char *text = NULL;
    size_t len = 0;
    int n;

    n = servers_list(app, &v, err);
    if (n < 0 || db_query(app->db, totals_sql, p, 3, tot, 4, NULL, NULL, err) != 1)
        goto fail;
    r.f = open_memstream(&text, &len);
    if (r.f == NULL)
        goto fail;
    gauge(r.f, "mrb_rooms_live", "Rooms not ended and not past their expiry.");
    fprintf(r.f, "mrb_rooms_live %lld\n", tot[0].i);
    gauge(r.f, "mrb_rooms_awaiting_expiry", "Rooms past their expiry that mrb-expire has not destroyed yet.");
    fprintf(r.f, "mrb_rooms_awaiting_expiry %lld\n", tot[1].i);
    gauge(r.f, "mrb_participants", "Participants present in rooms, from Janus events.");
    fprintf(r.f, "mrb_participants %lld\n", tot[2].i);
    gauge(r.f, "mrb_seats_held", "Seats held: connected, or admitted and within the grace period.");
    fprintf(r.f, "mrb_seats_held %lld\n", tot[3].i);
    gauge(r.f, "mrb_servers", "Registered media servers by operator state and observed health.");
    for (size_t s = 0; s < 3; s++)
        for (int up = 1; up >= 0; up--) {
            int count = 0;
            for (int i = 0; i < n; i++)
                count += strcmp(v[i].state, states[s]) == 0 && v[i].row.healthy == up;
            fprintf(r.f, "mrb_servers{state=\"%s\",health=\"%s\"} %d\n", states[s], up ? "up" : "down", count);
        }
    server_gauges(r.f, v, n, now);
    /* counters: every family gets HELP and TYPE; unlabelled ones start at 0 */
    for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
        struct db_val cp[] = {DB_S(counters[i].name)};
        static const char one_sql[] = "SELECT name, label, CAST(SUM(value) AS SIGNED) FROM counters "
                                      "WHERE name = ? GROUP BY name, label ORDER BY label";
        int rows;
        fprintf(r.f, "# HELP %s %s\n# TYPE %s counter\n", counters[i].name, counters[i].help, counters[i].name);
        rows = db_query(app->db, one_sql, cp, 1, cc, 3, counter_row, &r, err);
        if (rows < 0)
            goto fail;
        if (rows == 0 && (strcmp(counters[i].name, STATS_CREATES) == 0 ||
                          strcmp(counters[i].name, STATS_FAILOVERS) == 0 ||
                          strcmp(counters[i].name, STATS_EXPIRED) == 0 || strcmp(counters[i].name, STATS_ENDED) == 0))
            fprintf(r.f, "%s 0\n", counters[i].name);
    }
    if (fclose(r.f) != 0) {
        r.f = NULL;
        goto fail;
    }
    free(v);
    return text;
fail:
    if (r.f)
        fclose(r.f);
    free(text);
    free(v);
    if (!err->http)
        err_set(err, 503, "503", "cannot build metrics");
    return NULL;
}
