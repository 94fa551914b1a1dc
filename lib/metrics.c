/* GET /mrb/metrics: the Prometheus text monitoring scrapes. Gauges come
 * from the tables (servers, rooms, seats), counters from the per-process
 * slots counters.c writes. (GET /mrb/health is health.c's.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "notify.h"
#include "outbox.h"
#include "seat.h"
#include "spool.h"
#include "servers.h"
#include "counters.h"
#include "util.h"

static int node_row(void *ctx, const struct db_col *c, size_t ncols)
{
    char program[200], node[620];
    (void)ncols;

    if (counters_label_escape(c[0].s, program, sizeof(program)) == 0 && counters_label_escape(c[1].s, node, sizeof(node)) == 0)
        fprintf(ctx, "mrb_db_node{program=\"%s\",node=\"%s\"} %lld\n", program, node, c[2].i);
    return 0;
}

/* mrb_db_node{program,node}: how many live processes of each program use
 * each database node (from db_clients: seen within 90 s). */
static int db_nodes(struct mrb_app *app, FILE *f, long long now, struct mrb_err *err)
{
    static const char sql[] = "SELECT program, node, COUNT(*) FROM db_clients WHERE seen_at >= ? "
                              "GROUP BY program, node ORDER BY program, node";
    struct db_col c[3] = {{.type = DB_STR}, {.type = DB_STR}, {.type = DB_INT}};
    struct db_val p[] = {DB_I(now - 90)};

    fprintf(f, "# HELP mrb_db_node Processes of each program using each database node (seen in the last 90 s).\n"
               "# TYPE mrb_db_node gauge\n");
    return db_query(app->db, sql, DB_PARAMS(p), c, 3, node_row, f, err) < 0 ? -1 : 0;
}

/* The counters this build knows, with their help text. */
static const struct {
    const char *name, *help;
} counters[] = {
    {COUNTERS_REQUESTS, "API requests answered, by endpoint and contract code."},
    {COUNTERS_CREATES, "Rooms created."},
    {COUNTERS_JOINS, "join-room requests by outcome."},
    {COUNTERS_EVENTS, "Janus events received by the webhook, by type (a re-delivered batch counts once)."},
    {COUNTERS_FAILOVERS, "Rooms moved off a server (shutdown, failed polls, panic), recreated elsewhere."},
    {COUNTERS_EXPIRED, "Rooms ended by mrb-expire at their expiry."},
    {COUNTERS_ENDED, "Rooms ended early by their host or an operator."},
    {COUNTERS_MEDIA_CALLS, "Requests to media servers' Admin API made while serving API requests, by program."},
    {COUNTERS_CLIENT_REPORTS, "join-room reports of an unreachable media server, by outcome: moved (it did not answer MRB), moved_members (enough of the room's members reported it), limited (enough, but a rate limit held the room), healthy (counted, not enough), ignored."},
    {COUNTERS_REPAIRS, "Differences mrb-health found between MRB's presence and Janus's own (listparticipants), repaired: gone (a participant whose leaving event was lost), kicked (a handle unknown for a whole poll)."},
    {COUNTERS_INTRUDERS, "Handles that joined a room at its media server without a seat MRB granted (or beyond their seat's share), kicked, by plugin."},
    {COUNTERS_PROBES, "Probes of a media server's /info after a client's report, by result (at most one a second per server)."},
    {COUNTERS_LEASE_TAKEN, "Runs of mrb-health that took the health lease and acted, by host (about one a minute, from one host, when all is well)."},
    {COUNTERS_LEASE_LOST, "Runs of mrb-health that lost the health lease while acting, by host (flapping: never, when all is well)."},
    {COUNTERS_EVENTS_DELIVERED, "Events delivered to the application, by endpoint (a 2xx answer)."},
    {COUNTERS_EVENTS_FAILED, "Events given up on after [notify] retry_for, by endpoint (mrbctl events list --failed)."},
    {COUNTERS_EVENTS_RETRIED, "Delivery attempts that failed and will be retried, by endpoint."},
    {COUNTERS_ARRIVAL_MOVES, "Empty rooms whose first person arrived while their server was over [score] limit now: moved to a server with room, or stayed (none had room)."},
    {COUNTERS_OVER_LIMIT, "Rooms placed or moved onto a server already at [score] limit (with its bookings over the room's window; for a room whose people are here or due, with those due now), because every server allowed to take them was (add servers)."},
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
        "mrb_server_rooms", "mrb_server_participants", "mrb_server_last_poll_age_seconds",
        "mrb_server_drain_deadline_seconds", "mrb_server_suspect", "mrb_server_booked_seats",
        "mrb_server_headroom_seats"};
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
        "Seconds since mrb-health last polled the server (absent before the first poll).",
        "A draining server's deadline (unix seconds): its busy rooms move from then on (absent: not draining).",
        "1 while new rooms avoid the server: its people could not reach it though MRB could ([reports] suspect_for).",
        "Seats its live rooms booked (expectedParticipants, else maxParticipants) that nobody has taken yet.",
        "Seats it can still take under [score] limit, its bookings counted (0 without fresh metrics)."};

    for (size_t m = 0; m < sizeof(names) / sizeof(names[0]); m++) {
        gauge(f, names[m], helps[m]);
        for (int i = 0; i < n; i++) {
            const struct server_info *s = &v[i];
            char id[140];
            double val;
            if (counters_label_escape(s->row.id, id, sizeof(id)) != 0)
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
            case 10: val = s->polled_at < 0 ? -1 : (double)(now - s->polled_at); break;
            case 11: val = (double)s->drain_deadline; break;
            case 12: val = s->suspect; break;
            case 13: val = (double)s->row.unfilled; break;
            default: val = (double)s->headroom; break;
            }
            if (val < 0) /* unknown: leave the series out rather than lie */
                continue;
            fprintf(f, "%s{server=\"%s\"} %.17g\n", names[m], id, val);
        }
    }
}

/* Each server's region and tags (an info metric, for joins in queries),
 * and per region the two figures an autoscaler scales by: seats the fleet
 * can still place under [score] limit, and servers with no live room
 * (placeable ones only: enabled and healthy). */
static void region_gauges(FILE *f, const struct server_info *v, int n)
{
    gauge(f, "mrb_server_info", "Always 1: a server's region and tags as labels.");
    for (int i = 0; i < n; i++) {
        char id[140], region[100], tags[700];
        if (counters_label_escape(v[i].row.id, id, sizeof(id)) == 0 &&
            counters_label_escape(v[i].row.region, region, sizeof(region)) == 0 &&
            counters_label_escape(v[i].row.tags, tags, sizeof(tags)) == 0)
            fprintf(f, "mrb_server_info{server=\"%s\",region=\"%s\",tags=\"%s\"} 1\n", id, region, tags);
    }
    for (int m = 0; m < 2; m++) {
        gauge(f, m == 0 ? "mrb_headroom_seats" : "mrb_servers_empty",
              m == 0 ? "Seats the region's enabled, healthy servers can still take under [score] limit, bookings "
                       "counted: scale out as it nears 0."
                     : "Enabled, healthy servers of the region with no live room: scale in while it stays above 0.");
        for (int i = 0; i < n; i++) {
            int first = 1;
            long long sum = 0;
            char region[100];
            for (int j = 0; j < i && first; j++)
                first = strcmp(v[j].row.region, v[i].row.region) != 0;
            if (!first || counters_label_escape(v[i].row.region, region, sizeof(region)) != 0)
                continue;
            for (int j = i; j < n; j++) {
                const struct server_info *s = &v[j];
                if (strcmp(s->row.region, v[i].row.region) != 0 || strcmp(s->state, "enabled") != 0 || !s->row.healthy)
                    continue;
                sum += m == 0 ? s->headroom : s->rooms == 0;
            }
            fprintf(f, "%s{region=\"%s\"} %lld\n", m == 0 ? "mrb_headroom_seats" : "mrb_servers_empty", region, sum);
        }
    }
}

char *metrics_render(struct mrb_app *app, struct mrb_err *err)
{
    static const char totals_sql[] =
        "SELECT (SELECT COUNT(*) FROM rooms WHERE ended_at IS NULL AND expires_at > ?), "
        "(SELECT COUNT(*) FROM rooms WHERE ended_at IS NULL AND expires_at <= ?), "
        "(SELECT COUNT(*) FROM participants), "
        "(SELECT COUNT(*) FROM seats WHERE " SEAT_HELD("") ")";
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
    if (n < 0 || db_query(app->db, totals_sql, DB_PARAMS(p), tot, 4, NULL, NULL, err) != 1)
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
    region_gauges(r.f, v, n);
    if (outbox_on(&app->conf) && notify_metrics(app, r.f, err) != 0)
        goto fail;
    gauge(r.f, "mrb_webhook_spooled_batches",
          "Webhook batches spooled on this web node while MariaDB was unreachable, not yet replayed.");
    fprintf(r.f, "mrb_webhook_spooled_batches %ld\n", spool_count(app->conf.webhook.spool_dir));
    if (db_nodes(app, r.f, now, err) != 0)
        goto fail;
    /* counters: every family gets HELP and TYPE; unlabelled ones start at 0 */
    for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
        struct db_val cp[] = {DB_S(counters[i].name)};
        static const char one_sql[] = "SELECT name, label, CAST(SUM(value) AS SIGNED) FROM counters "
                                      "WHERE name = ? GROUP BY name, label ORDER BY label";
        int rows;
        fprintf(r.f, "# HELP %s %s\n# TYPE %s counter\n", counters[i].name, counters[i].help, counters[i].name);
        rows = db_query(app->db, one_sql, DB_PARAMS(cp), cc, 3, counter_row, &r, err);
        if (rows < 0)
            goto fail;
        if (rows == 0 && (strcmp(counters[i].name, COUNTERS_CREATES) == 0 ||
                          strcmp(counters[i].name, COUNTERS_FAILOVERS) == 0 ||
                          strcmp(counters[i].name, COUNTERS_EXPIRED) == 0 || strcmp(counters[i].name, COUNTERS_ENDED) == 0))
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
        err_set(err, E_UNAVAILABLE, "cannot build metrics");
    return NULL;
}
