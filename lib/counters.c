/* Counters in MariaDB (counters.h). Request counts wait in the process and
 * are written together about once a second, so that a request pays no
 * round trip for its own count. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "janus.h"
#include "counters.h"
#include "util.h"

#define COUNTERS_SLOTS 16

void counters_add(struct mrb_app *app, const char *name, const char *label, long long n)
{
    static const char sql[] = "INSERT INTO counters (name, label, slot, value) VALUES (?, ?, ?, ?) "
                              "ON DUPLICATE KEY UPDATE value = value + VALUES(value)";
    static int slot = -1;
    struct mrb_err err = {0};

    if (slot < 0)
        slot = (int)(getpid() % COUNTERS_SLOTS);
    struct db_val p[] = {DB_S(name), DB_S(label), DB_I(slot), DB_I(n)};
    if (db_exec_once(app->db, sql, DB_PARAMS(p), NULL, &err) != 0)
        log_msg(LOG_LVL_WARN, "counter %s not updated: %s", name, err.msg);
}

const char *counters_join_outcome(const char *code)
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
 * COUNTERS_FLUSH_SECONDS, or when the worker goes idle or stops: a join then
 * costs no extra round trip of its own. */
#define COUNTERS_PENDING_MAX 32
#define COUNTERS_FLUSH_SECONDS 1

static struct pending {
    const char *name;
    char label[128];
    long long n;
} pending[COUNTERS_PENDING_MAX];
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
        if (n_pending == COUNTERS_PENDING_MAX)
            counters_flush(app);
        i = n_pending++;
        pending[i].name = name;
        snprintf(pending[i].label, sizeof(pending[i].label), "%s", label);
        pending[i].n = 0;
    }
    if (pending_since == 0)
        pending_since = util_now();
    pending[i].n += n;
}

int counters_pending(void)
{
    return n_pending > 0;
}

static int flush_txn(struct db *db, void *ctx, struct mrb_err *err)
{
    (void)db;
    (void)err;
    for (size_t i = 0; i < n_pending; i++)
        counters_add(ctx, pending[i].name, pending[i].label, pending[i].n);
    return 0;
}

void counters_flush(struct mrb_app *app)
{
    struct mrb_err err = {0};

    if (n_pending == 0)
        return;
    /* Not replayable: when the node goes away during COMMIT the counts may
     * be in, and adding them twice would be worse than losing them. */
    (void)db_transaction(app->db, flush_txn, app, 0, &err);
    counters_node(app); /* here, not per request: at most once a second */
    n_pending = 0; /* lost when MariaDB is down: a count never blocks a request */
    pending_since = 0;
}

#define COUNTERS_NODE_EVERY_S 30

void counters_node(struct mrb_app *app)
{
    static const char sql[] = "INSERT INTO db_clients (program, client, node, seen_at) VALUES (?, ?, ?, ?) "
                              "ON DUPLICATE KEY UPDATE node = VALUES(node), seen_at = VALUES(seen_at)";
    static char reported[300], client[128];
    static long long reported_at;
    char node[300], host[64] = "?";
    long long now = util_now();

    if (db_node_name(app->db, node, sizeof(node)) == NULL)
        return;
    if (strcmp(node, reported) == 0 && now - reported_at < COUNTERS_NODE_EVERY_S)
        return;
    if (client[0] == '\0') {
        gethostname(host, sizeof(host) - 1);
        snprintf(client, sizeof(client), "%s:%ld", host, (long)getpid());
    }
    struct db_val p[] = {DB_S(app->name ? app->name : "mrb"), DB_S(client), DB_S(node), DB_I(now)};
    if (db_exec(app->db, sql, DB_PARAMS(p), NULL, NULL) == 0) {
        snprintf(reported, sizeof(reported), "%s", node);
        reported_at = now;
    }
}

void counters_request(struct mrb_app *app, const char *endpoint, const char *code)
{
    char label[128];

    snprintf(label, sizeof(label), "endpoint=\"%s\",code=\"%s\"", endpoint, code);
    count_later(app, COUNTERS_REQUESTS, label, 1);
    if (strcmp(endpoint, "create-room") == 0 && strcmp(code, "000") == 0)
        count_later(app, COUNTERS_CREATES, "", 1);
    else if (strcmp(endpoint, "join-room") == 0) {
        snprintf(label, sizeof(label), "outcome=\"%s\"", counters_join_outcome(code));
        count_later(app, COUNTERS_JOINS, label, 1);
    }
    if (janus_call_count() != media_calls_seen) { /* by program: proves which paths call media servers */
        snprintf(label, sizeof(label), "program=\"%s\"", endpoint);
        count_later(app, COUNTERS_MEDIA_CALLS, label, (long long)(janus_call_count() - media_calls_seen));
        media_calls_seen = janus_call_count();
    }
    if (util_now() - pending_since >= COUNTERS_FLUSH_SECONDS)
        counters_flush(app);
}

int counters_label_escape(const char *in, char *out, size_t outlen)
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
