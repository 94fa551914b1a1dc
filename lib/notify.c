/* mrb-notify's deliveries of the outbox (notify.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "counters.h"
#include "janus.h"
#include "lease.h"
#include "log.h"
#include "notify.h"
#include "outbox.h"
#include "util.h"

#define NOTIFY_ROUND_MAX 256   /* heads sent per endpoint per round */
#define NOTIFY_LEASE_TTL 5     /* s: a standby takes over within this (and a second) of a holder's death */
#define NOTIFY_IDLE_MS 100     /* the outbox is looked at this often: delivery within ~0.1 s of a commit */
#define NOTIFY_SETTLE_S 60     /* settle() runs this often besides (see there) */

/* next_ms of a delivery that waits behind an earlier pending one of its
 * stream: never due by time. Only a stream's first pending delivery has a
 * real due time, so a round reads the due heads and nothing else however
 * long the queue behind an endpoint that is down. (When every waiting
 * delivery was due too, the round's NOT EXISTS ran for each of them every
 * 0.1 s: with 61,000 pending, mariadbd used 53 % of a core while MRB was
 * otherwise idle; bench/backlog.sh.) A delivery is made due when the one
 * before it is done (record_txn()), or by settle(). */
#define NOTIFY_WAITING_MS 9000000000000000000LL

/* "An earlier delivery of d's stream to d's endpoint is still pending": the
 * one rule of order within a stream, for the rounds, fan-out and settle(). */
#define EARLIER_PENDING                                                                            \
    "EXISTS (SELECT 1 FROM event_deliveries p WHERE p.endpoint = d.endpoint AND p.stream = d.stream " \
    "AND p.state = 'pending' AND p.seq < d.seq)"

long long notify_backoff_ms(int attempts, double rnd)
{
    static const long long schedule_s[] = {1, 2, 5, 10, 30, 60, 300, 1800};
    const size_t n = sizeof(schedule_s) / sizeof(schedule_s[0]);
    long long base = attempts < 1 ? 1000 : (size_t)attempts <= n ? schedule_s[attempts - 1] * 1000 : 3600000;

    /* +-20 %: retries of events that failed together do not all come back at once */
    return base + (long long)((double)base * 0.4 * (rnd - 0.5));
}

int notify_sign(const unsigned char *key, size_t key_len, const char *msg_id, long long ts, const char *body,
                char *out, size_t len)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    char head[96], b64[96];
    HMAC_CTX *h = NULL;
    int ok = 0;

    snprintf(head, sizeof(head), "%s.%lld.", msg_id, ts);
    /* HMAC() wants the whole text in one buffer: feed the parts instead */
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *c = m ? EVP_MAC_CTX_new(m) : NULL;
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0), OSSL_PARAM_construct_end()};
    size_t got = 0;
    ok = c && EVP_MAC_init(c, key, key_len, params) == 1 &&
         EVP_MAC_update(c, (const unsigned char *)head, strlen(head)) == 1 &&
         EVP_MAC_update(c, (const unsigned char *)body, strlen(body)) == 1 && EVP_MAC_final(c, mac, &got, sizeof(mac)) == 1;
    mac_len = (unsigned int)got;
    EVP_MAC_CTX_free(c);
    EVP_MAC_free(m);
    (void)h;
#else
    h = HMAC_CTX_new();
    ok = h && HMAC_Init_ex(h, key, (int)key_len, EVP_sha256(), NULL) == 1 &&
         HMAC_Update(h, (const unsigned char *)head, strlen(head)) == 1 &&
         HMAC_Update(h, (const unsigned char *)body, strlen(body)) == 1 && HMAC_Final(h, mac, &mac_len) == 1;
    HMAC_CTX_free(h);
#endif
    if (!ok || util_base64(mac, mac_len, b64, sizeof(b64)) < 0)
        return -1;
    return snprintf(out, len, "v1,%s", b64) < (int)len ? 0 : -1;
}

int notify_wants(const struct conf_endpoint *e, const char *type)
{
    const char *t = e->types;
    size_t n = strlen(type);

    if (t == NULL)
        return 1;
    while (*t) {
        while (*t == ' ' || *t == ',')
            t++;
        size_t l = strcspn(t, ", ");
        if (l == n && strncmp(t, type, n) == 0)
            return 1;
        t += l;
    }
    return 0;
}

/* ---- fan-out: one delivery row per endpoint and event ------------------ */

struct fan_row {
    long long id, seq, created_ms;
    char type[41], stream[81];
};

static int fill_fan(void *elem, const struct db_col *c, size_t ncols, void *ctx)
{
    struct fan_row *r = elem;
    (void)ncols;
    (void)ctx;

    r->id = c[0].i;
    r->seq = c[3].i;
    r->created_ms = c[4].i;
    return db_col_str(r->type, sizeof(r->type), &c[1]) != 0 || db_col_str(r->stream, sizeof(r->stream), &c[2]) != 0;
}

struct fan_txn {
    const struct mrb_conf *conf;
    int fanned;
};

static int fan_txn(struct db *db, void *ctx, struct mrb_err *err)
{
    static const char pick_sql[] = "SELECT id, type, stream, seq, created_ms FROM events_outbox WHERE fanned = 0 "
                                   "ORDER BY id LIMIT 500 FOR UPDATE"; /* a bounded transaction */
    static const char add_sql[] = "INSERT IGNORE INTO event_deliveries (event_id, endpoint, stream, seq, next_ms) "
                                  "SELECT d.event_id, d.endpoint, d.stream, d.seq, IF(" EARLIER_PENDING ", ?, ?) "
                                  "FROM (SELECT ? AS event_id, ? AS endpoint, ? AS stream, ? AS seq) d";
    static const char done_sql[] = "UPDATE events_outbox SET fanned = 1 WHERE id = ?";
    struct fan_txn *t = ctx;
    struct db_col cols[5] = {{.type = DB_INT}, {.type = DB_STR}, {.type = DB_STR}, {.type = DB_INT}, {.type = DB_INT}};
    struct fan_row *rows = NULL;
    size_t n = 0;
    int rc;

    t->fanned = 0;
    if ((rc = db_collect(db, pick_sql, DB_NO_PARAMS, cols, 5, sizeof(*rows), fill_fan, NULL, (void **)&rows, &n, err)) != 0)
        return rc;
    for (size_t i = 0; i < n && rc == 0; i++) {
        for (size_t k = 0; k < t->conf->notify.n_endpoints && rc == 0; k++) {
            const struct conf_endpoint *e = &t->conf->notify.endpoints[k];
            struct db_val p[] = {DB_I(NOTIFY_WAITING_MS), DB_I(rows[i].created_ms), DB_I(rows[i].id),
                                 DB_S(e->name), DB_S(rows[i].stream), DB_I(rows[i].seq)};
            if (notify_wants(e, rows[i].type))
                rc = db_exec(db, add_sql, DB_PARAMS(p), NULL, err);
        }
        struct db_val d[] = {DB_I(rows[i].id)};
        if (rc == 0)
            rc = db_exec(db, done_sql, DB_PARAMS(d), NULL, err);
    }
    free(rows);
    if (rc == 0)
        t->fanned = (int)n;
    return rc;
}

int notify_fan_out(struct mrb_app *app, struct mrb_err *err)
{
    struct fan_txn t = {&app->conf, 0};

    if (db_transaction(app->db, fan_txn, &t, DB_TXN_REPLAYABLE, err) != 0)
        return -1;
    return t.fanned;
}

/* ---- delivery rounds ------------------------------------------------------ */

struct head {
    long long event_id, created_ms;
    int attempts;
    char msg_id[41];
    char stream[81];
    char body[DB_COL_MAX];
};

static int fill_head(void *elem, const struct db_col *c, size_t ncols, void *ctx)
{
    struct head *h = elem;
    (void)ncols;
    (void)ctx;

    h->event_id = c[0].i;
    h->attempts = (int)c[1].i;
    h->created_ms = c[3].i;
    return db_col_str(h->msg_id, sizeof(h->msg_id), &c[2]) != 0 || db_col_str(h->body, sizeof(h->body), &c[4]) != 0 ||
           db_col_str(h->stream, sizeof(h->stream), &c[5]) != 0;
}

/* What an attempt came to, as a short text for last_error ("" when it
 * was delivered). */
static const char *outcome(const struct janus_http *r, char *buf, size_t len)
{
    if (r->status >= 200 && r->status < 300)
        return "";
    if (r->status == 0)
        return "no answer (connection refused, or timed out)";
    snprintf(buf, len, "HTTP %ld", r->status);
    return buf;
}

static double rnd01(void)
{
    unsigned char b[2];

    if (util_random_bytes(b, sizeof(b)) != 0)
        return 0.5;
    return (double)(b[0] << 8 | b[1]) / 65535.0;
}

/* One attempt's result, written in one transaction with what follows from
 * it: a delivery done (delivered, or failed for good) makes the next of its
 * stream due, so the stream never waits on a lost wake-up. */
struct record_txn {
    const struct conf_endpoint *e;
    const struct head *h;
    const char *error; /* "" when delivered */
    long long now_ms, next_ms;
    int give_up;
    int done; /* out: the delivery was pending, and is no longer */
};

static int record_txn(struct db *db, void *ctx, struct mrb_err *err)
{
    static const char ok_sql[] = "UPDATE event_deliveries SET state = 'delivered', attempts = attempts + 1, "
                                 "done_ms = ?, last_error = NULL WHERE event_id = ? AND endpoint = ? AND state = 'pending'";
    static const char retry_sql[] = "UPDATE event_deliveries SET attempts = attempts + 1, next_ms = ?, last_error = ?, "
                                    "state = ?, done_ms = ? WHERE event_id = ? AND endpoint = ? AND state = 'pending'";
    static const char wake_sql[] = "UPDATE event_deliveries SET next_ms = LEAST(next_ms, ?) WHERE endpoint = ? "
                                   "AND stream = ? AND state = 'pending' ORDER BY seq LIMIT 1";
    struct record_txn *t = ctx;
    const int delivered = t->error[0] == '\0';
    unsigned long long changed = 0;
    int rc;

    t->done = 0;
    if (delivered) {
        struct db_val p[] = {DB_I(t->now_ms), DB_I(t->h->event_id), DB_S(t->e->name)};
        rc = db_exec(db, ok_sql, DB_PARAMS(p), &changed, err);
    } else {
        struct db_val p[] = {DB_I(t->next_ms),
                             DB_S(t->error),
                             DB_S(t->give_up ? "failed" : "pending"),
                             t->give_up ? DB_I(t->now_ms) : (struct db_val){.type = DB_NULL},
                             DB_I(t->h->event_id),
                             DB_S(t->e->name)};
        rc = db_exec(db, retry_sql, DB_PARAMS(p), &changed, err);
    }
    if (rc != 0 || changed == 0 || !(delivered || t->give_up))
        return rc;
    struct db_val w[] = {DB_I(t->now_ms), DB_S(t->e->name), DB_S(t->h->stream)};
    if ((rc = db_exec(db, wake_sql, DB_PARAMS(w), NULL, err)) == 0)
        t->done = 1;
    return rc;
}

/* Records one attempt's result. */
static void record(struct mrb_app *app, const struct conf_endpoint *e, const struct head *h,
                   const struct janus_http *r, long long now_ms, long *delivered, long *failed)
{
    char why[64];
    struct record_txn t = {e, h, outcome(r, why, sizeof(why)), now_ms, 0, 0, 0};
    struct mrb_err err = {0};

    t.give_up = t.error[0] != '\0' && now_ms - h->created_ms >= app->conf.notify.retry_for * 1000LL;
    t.next_ms = now_ms + notify_backoff_ms(h->attempts + 1, rnd01());
    if (db_transaction(app->db, record_txn, &t, DB_TXN_REPLAYABLE, &err) != 0) {
        log_msg(LOG_LVL_WARN, "cannot record the attempt of event %s to endpoint %s: %s", h->msg_id, e->name, err.msg);
        return;
    }
    if (t.done && t.error[0] == '\0')
        (*delivered)++;
    else if (t.done) {
        (*failed)++;
        log_msg(LOG_LVL_WARN, "event %s to endpoint %s failed for good after %d attempts (%s)", h->msg_id, e->name,
                h->attempts + 1, t.error);
    }
}

/* Puts the due times of endpoint's pending deliveries right, whatever came
 * before: each stream's first one due (at once, if it was waiting), every
 * other one waiting. Run when this sender takes the lease (deliveries made
 * by an older version, or by a holder that overlapped it), after a replay,
 * and every NOTIFY_SETTLE_S: it reads every pending delivery, which the
 * rounds no longer do. Returns 0, or -1 with err set. */
static int settle(struct db *db, const char *endpoint, struct mrb_err *err)
{
    static const char wait_sql[] = "UPDATE event_deliveries d SET d.next_ms = ? WHERE d.endpoint = ? "
                                   "AND d.state = 'pending' AND d.next_ms <> ? AND " EARLIER_PENDING;
    static const char due_sql[] = "UPDATE event_deliveries d SET d.next_ms = ? WHERE d.endpoint = ? "
                                  "AND d.state = 'pending' AND d.next_ms = ? AND NOT " EARLIER_PENDING;
    struct db_val w[] = {DB_I(NOTIFY_WAITING_MS), DB_S(endpoint), DB_I(NOTIFY_WAITING_MS)};
    struct db_val d[] = {DB_I(util_now_ms()), DB_S(endpoint), DB_I(NOTIFY_WAITING_MS)};

    if (db_exec(db, wait_sql, DB_PARAMS(w), NULL, err) != 0)
        return -1;
    return db_exec(db, due_sql, DB_PARAMS(d), NULL, err) != 0 ? -1 : 0;
}

static int settle_all(struct mrb_app *app, const char *only, struct mrb_err *err)
{
    for (size_t k = 0; k < app->conf.notify.n_endpoints; k++) {
        const char *name = app->conf.notify.endpoints[k].name;
        if ((only == NULL || strcmp(only, name) == 0) && settle(app->db, name, err) != 0)
            return -1;
    }
    return 0;
}

/* Endpoints whose last round had attempts and no success (and every one
 * at start: it may have been down while no sender ran). When such an
 * endpoint answers 2xx again, what waits for a retry is due at once: an
 * application back from an outage gets its backlog now, in order, rather
 * than at each event's next retry (up to an hour away). */
static unsigned char endpoint_down[64];
static int endpoint_down_init;

static void pull_forward(struct mrb_app *app, const struct conf_endpoint *e)
{
    static const char sql[] = "UPDATE event_deliveries SET next_ms = ? WHERE endpoint = ? AND state = 'pending' "
                              "AND next_ms > ? AND next_ms <> ?"; /* not those waiting behind them */
    const long long now_ms = util_now_ms();
    struct db_val p[] = {DB_I(now_ms), DB_S(e->name), DB_I(now_ms), DB_I(NOTIFY_WAITING_MS)};
    unsigned long long n = 0;

    if (db_exec(app->db, sql, DB_PARAMS(p), &n, NULL) == 0 && n)
        log_msg(LOG_LVL_INFO, "endpoint %s answers again: %llu waiting deliver%s due now", e->name, n,
                n == 1 ? "y is" : "ies are");
}

/* One round for one endpoint (index k). Returns the attempts made, or -1. */
static int round_for(struct mrb_app *app, size_t k, struct mrb_err *err)
{
    const struct conf_endpoint *e = &app->conf.notify.endpoints[k];
    /* The first pending delivery of each stream, when it is due: a later
     * event of a stream waits for every earlier one (order within a room),
     * whatever its own due time. */
    static const char heads_sql[] =
        "SELECT d.event_id, d.attempts, o.msg_id, o.created_ms, o.body, d.stream FROM event_deliveries d "
        "JOIN events_outbox o ON o.id = d.event_id "
        "WHERE d.endpoint = ? AND d.state = 'pending' AND d.next_ms <= ? AND NOT " EARLIER_PENDING
        " ORDER BY d.next_ms, d.event_id LIMIT ?";
    struct db_col cols[6] = {{.type = DB_INT}, {.type = DB_INT}, {.type = DB_STR},
                             {.type = DB_INT}, {.type = DB_STR}, {.type = DB_STR}};
    long long now_ms = util_now_ms();
    struct db_val p[] = {DB_S(e->name), DB_I(now_ms), DB_I(NOTIFY_ROUND_MAX)};
    struct head *heads = NULL;
    struct janus_http *reqs = NULL;
    char (*lines)[3][160] = NULL;
    const char *(*hdrs)[4] = NULL;
    size_t n = 0;
    long delivered = 0, failed = 0;
    char label[160], esc[140];

    if (db_collect(app->db, heads_sql, DB_PARAMS(p), cols, 6, sizeof(*heads), fill_head, NULL, (void **)&heads, &n,
                   err) != 0)
        return -1;
    if (n == 0)
        return 0;
    reqs = calloc(n, sizeof(*reqs));
    lines = calloc(n, sizeof(*lines));
    hdrs = calloc(n, sizeof(*hdrs));
    if (reqs == NULL || lines == NULL || hdrs == NULL)
        goto err;
    for (size_t i = 0; i < n; i++) {
        long long ts = util_now();
        char sig[128];
        if (notify_sign(e->key, e->key_len, heads[i].msg_id, ts, heads[i].body, sig, sizeof(sig)) != 0)
            goto err;
        snprintf(lines[i][0], sizeof(lines[i][0]), "webhook-id: %s", heads[i].msg_id);
        snprintf(lines[i][1], sizeof(lines[i][1]), "webhook-timestamp: %lld", ts);
        snprintf(lines[i][2], sizeof(lines[i][2]), "webhook-signature: %s", sig);
        hdrs[i][0] = lines[i][0];
        hdrs[i][1] = lines[i][1];
        hdrs[i][2] = lines[i][2];
        hdrs[i][3] = NULL;
        reqs[i] = (struct janus_http){.url = e->url, .body = heads[i].body, .headers = hdrs[i]};
    }
    janus_http_many(reqs, n, (int)app->conf.notify.parallel, app->conf.notify.timeout_ms);
    now_ms = util_now_ms();
    for (size_t i = 0; i < n; i++)
        record(app, e, &heads[i], &reqs[i], now_ms, &delivered, &failed);
    janus_http_done(reqs, n);
    if (k < sizeof(endpoint_down)) {
        if (delivered > 0 && endpoint_down[k])
            pull_forward(app, e);
        endpoint_down[k] = delivered == 0;
    }
    if (counters_label_escape(e->name, esc, sizeof(esc)) == 0) {
        snprintf(label, sizeof(label), "endpoint=\"%s\"", esc);
        if (delivered)
            counters_add(app, COUNTERS_EVENTS_DELIVERED, label, delivered);
        if (failed)
            counters_add(app, COUNTERS_EVENTS_FAILED, label, failed);
        if ((long)n - delivered > 0)
            counters_add(app, COUNTERS_EVENTS_RETRIED, label, (long)n - delivered - failed);
    }
    free(heads);
    free(reqs);
    free(lines);
    free(hdrs);
    return (int)n;
err:
    free(heads);
    free(reqs);
    free(lines);
    free(hdrs);
    err_set(err, E_UNAVAILABLE, "out of memory, or cannot sign");
    return -1;
}

int notify_round(struct mrb_app *app, struct mrb_err *err)
{
    int total = 0;

    if (!endpoint_down_init) {
        memset(endpoint_down, 1, sizeof(endpoint_down));
        endpoint_down_init = 1;
    }
    for (size_t k = 0; k < app->conf.notify.n_endpoints; k++) {
        int n = round_for(app, k, err);
        if (n < 0)
            return -1;
        total += n;
    }
    return total;
}

static void pause_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL); /* a signal ends it early: the loop looks at stop */
}

int notify_run(struct mrb_app *app, volatile sig_atomic_t *stop)
{
    char holder[128];
    long long renewed_at = 0, settled_at = 0;
    int held = 0;

    if (!outbox_on(&app->conf)) {
        log_msg(LOG_LVL_WARN, "no endpoint configured ([notify] url and secret, or [endpoint NAME]): nothing to send");
        return 1;
    }
    lease_holder_name(holder, sizeof(holder));
    while (!*stop) {
        struct mrb_err err = {0};
        long long now = util_now();
        int sent = 0;

        if (now != renewed_at) { /* the lease lasts 5 s: renewed once a second */
            int r = lease_take(app->db, "notify", holder, NOTIFY_LEASE_TTL, &err);
            renewed_at = now;
            if (r == 1 && !held)
                log_msg(LOG_LVL_INFO, "took the notify lease as %s: sending", holder);
            else if (r == 0 && held)
                log_msg(LOG_LVL_WARN, "lost the notify lease as %s: standing by", holder);
            else if (r < 0)
                log_msg(LOG_LVL_WARN, "cannot take the notify lease: %s", err.msg);
            if (r != 1)
                settled_at = 0; /* and again on taking it */
            held = r == 1;
        }
        if (held && now - settled_at >= NOTIFY_SETTLE_S) {
            settled_at = now;
            if (settle_all(app, NULL, &err) != 0) {
                log_msg(LOG_LVL_WARN, "cannot settle the pending deliveries: %s (again in 5 s)", err.msg);
                settled_at = now - NOTIFY_SETTLE_S + 5; /* not every 0.1 s while the database is away */
            }
        }
        if (held) {
            if (notify_fan_out(app, &err) < 0 || (sent = notify_round(app, &err)) < 0) {
                log_msg(LOG_LVL_WARN, "delivery round failed: %s", err.msg);
                sent = 0;
            }
        }
        db_idle(app->db);
        if (sent == 0)
            pause_ms(held ? NOTIFY_IDLE_MS : 1000);
    }
    if (held)
        lease_release(app->db, "notify", holder);
    return 0;
}

/* ---- operators' views ----------------------------------------------------- */

static json_t *ms_time(long long ms)
{
    char t[32];

    if (ms <= 0)
        return json_null();
    util_rfc3339(ms / 1000, t, sizeof(t));
    return json_string(t);
}

static int list_row(void *ctx, const struct db_col *c, size_t ncols)
{
    json_t *list = ctx;
    (void)ncols;

    json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:I, s:o, s:o, s:o, s:I, s:o, s:o}", "id", c[0].s, "type",
                                          c[1].s, "stream", c[2].s, "seq", (json_int_t)c[3].i,
                                          "createdAt", ms_time(c[4].i), "endpoint",
                                          c[5].is_null ? json_null() : json_string(c[5].s), "state",
                                          c[6].is_null ? json_null() : json_string(c[6].s), "attempts",
                                          (json_int_t)(c[7].is_null ? 0 : c[7].i), "lastError",
                                          c[8].is_null ? json_null() : json_string(c[8].s), "doneAt",
                                          ms_time(c[9].is_null ? 0 : c[9].i)));
    return 0;
}

int notify_list(struct mrb_app *app, int failed_only, const char *room, long limit, json_t **out,
                struct mrb_err *err)
{
    static const char sql[] =
        "SELECT o.msg_id, o.type, o.stream, o.seq, o.created_ms, d.endpoint, d.state, d.attempts, d.last_error, "
        "d.done_ms FROM events_outbox o LEFT JOIN event_deliveries d ON d.event_id = o.id "
        "WHERE (? = 0 OR d.state = 'failed') AND (? IS NULL OR o.room_id = ?) "
        "ORDER BY o.id DESC, d.endpoint LIMIT ?";
    struct db_col cols[10] = {{.type = DB_STR}, {.type = DB_STR}, {.type = DB_STR}, {.type = DB_INT},
                              {.type = DB_INT}, {.type = DB_STR}, {.type = DB_STR}, {.type = DB_INT},
                              {.type = DB_STR}, {.type = DB_INT}};
    struct db_val p[] = {DB_I(failed_only), DB_SN(room), DB_SN(room), DB_I(limit)};

    *out = json_array();
    if (db_query(app->db, sql, DB_PARAMS(p), cols, 10, list_row, *out, err) < 0) {
        json_decref(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

int notify_replay(struct mrb_app *app, long long since_ms, const char *endpoint, long long *n, struct mrb_err *err)
{
    static const char sql[] = "UPDATE event_deliveries d JOIN events_outbox o ON o.id = d.event_id "
                              "SET d.state = 'pending', d.next_ms = ?, d.attempts = 0, d.done_ms = NULL, "
                              "d.last_error = NULL WHERE o.created_ms >= ? AND (? IS NULL OR d.endpoint = ?)";
    struct db_val p[] = {DB_I(util_now_ms()), DB_I(since_ms), DB_SN(endpoint), DB_SN(endpoint)};
    unsigned long long affected = 0;

    if (db_exec(app->db, sql, DB_PARAMS(p), &affected, err) != 0)
        return -1;
    *n = (long long)affected;
    return settle_all(app, endpoint, err); /* pending again, all due: those behind another wait again */
}

static int add_latency(void *elem, const struct db_col *c, size_t ncols, void *ctx)
{
    (void)ncols;
    (void)ctx;
    *(long long *)elem = c[0].i;
    return 0;
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

int notify_metrics(struct mrb_app *app, FILE *f, struct mrb_err *err)
{
    static const char pending_sql[] = "SELECT COUNT(*), COALESCE(MIN(o.created_ms), 0) FROM event_deliveries d "
                                      "JOIN events_outbox o ON o.id = d.event_id "
                                      "WHERE d.endpoint = ? AND d.state = 'pending'";
    static const char latency_sql[] = "SELECT d.done_ms - o.created_ms FROM event_deliveries d "
                                      "JOIN events_outbox o ON o.id = d.event_id "
                                      "WHERE d.state = 'delivered' AND d.done_ms > ? ORDER BY 1 LIMIT 100000";
    const long long now_ms = util_now_ms();
    struct db_col lat = {.type = DB_INT};
    struct db_val lp[] = {DB_I(now_ms - 300000)};
    long long *v = NULL;
    size_t n = 0;

    for (int family = 0; family < 2; family++) {
        fprintf(f, family == 0 ? "# HELP mrb_events_pending Events waiting to be delivered, by endpoint.\n"
                                 "# TYPE mrb_events_pending gauge\n"
                               : "# HELP mrb_events_oldest_pending_seconds Age of the oldest event not yet "
                                 "delivered, by endpoint.\n# TYPE mrb_events_oldest_pending_seconds gauge\n");
        for (size_t k = 0; k < app->conf.notify.n_endpoints; k++) {
            const char *name = app->conf.notify.endpoints[k].name; /* 1-40 of A-Z a-z 0-9 - _ .: no escaping */
            struct db_col c[2] = {{.type = DB_INT}, {.type = DB_INT}};
            struct db_val p[] = {DB_S(name)};
            if (db_query(app->db, pending_sql, DB_PARAMS(p), c, 2, NULL, NULL, err) != 1)
                return -1;
            if (family == 0)
                fprintf(f, "mrb_events_pending{endpoint=\"%s\"} %lld\n", name, c[0].i);
            else
                fprintf(f, "mrb_events_oldest_pending_seconds{endpoint=\"%s\"} %.3f\n", name,
                        c[0].i ? (double)(now_ms - c[1].i) / 1000.0 : 0.0);
        }
    }
    if (db_collect(app->db, latency_sql, DB_PARAMS(lp), &lat, 1, sizeof(*v), add_latency, NULL, (void **)&v, &n, err) != 0)
        return -1;
    qsort(v, n, sizeof(*v), cmp_ll); /* sorted already; cheap to be sure */
    fprintf(f, "# HELP mrb_event_delivery_seconds From an event's commit to its endpoint's 2xx, over the last 5 "
               "minutes' deliveries.\n# TYPE mrb_event_delivery_seconds summary\n");
    if (n) {
        fprintf(f, "mrb_event_delivery_seconds{quantile=\"0.5\"} %.3f\n", (double)v[(n - 1) / 2] / 1000.0);
        fprintf(f, "mrb_event_delivery_seconds{quantile=\"0.99\"} %.3f\n", (double)v[(size_t)((double)(n - 1) * 0.99)] / 1000.0);
    }
    long long sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += v[i];
    fprintf(f, "mrb_event_delivery_seconds_sum %.3f\nmrb_event_delivery_seconds_count %zu\n", (double)sum / 1000.0, n);
    free(v);
    return 0;
}
