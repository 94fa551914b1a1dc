/* MariaDB (db.h): the choice of node and failover, one prepared-statement
 * cache per connection, statements run again only when that is harmless,
 * and transactions run again whole. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>

#include "log.h"
#include "db.h"
#include "util.h"

#define DB_STMT_CACHE 64
#define DB_MAX_BIND 32

struct stmt_slot {
    const char *sql; /* a literal: compared by address first */
    MYSQL_STMT *stmt;
};

/* A causal variant of a statement literal: "SET STATEMENT wsrep_sync_wait
 * = 1 FOR <sql>", built once per literal and kept for the process's life. */
struct causal_text {
    const char *sql;
    char *text;
};
#define DB_CAUSAL_MAX 16

struct db {
    const struct mrb_conf *conf;
    MYSQL *conn;
    int in_txn;
    int txn_conflict; /* a statement of the open transaction hit DB_CONFLICT */
    int txn_lost;     /* the open transaction's connection went away: nothing more of it may run */
    struct stmt_slot cache[DB_STMT_CACHE];
    size_t n_cache;
    unsigned long prepares;
    /* The node in use (while conn), and what is known of the others. */
    size_t node;
    int galera;                                   /* the node in use runs wsrep */
    long long down_until[CONF_MAX_DB_NODES];      /* skipped until then after a failure */
    long long ready_since[CONF_MAX_DB_NODES];     /* failback: first seen ready, 0 when not */
    long long next_probe;                         /* failback: next look at earlier nodes */
    size_t logged;                                /* node last logged, +1 (0: none yet) */
    struct causal_text causal[DB_CAUSAL_MAX];
    size_t n_causal;
};

struct db *db_open(const struct mrb_conf *conf)
{
    struct db *db = calloc(1, sizeof(*db));

    if (db)
        db->conf = conf;
    return db;
}

/* How long a node that failed is skipped before it is tried again, when
 * another node can serve meanwhile. */
#define DB_NODE_PENALTY_S 5
/* How often a worker on a later node looks at the earlier ones (failback). */
#define DB_PROBE_EVERY_S 5

static void drop_connection(struct db *db)
{
    for (size_t i = 0; i < db->n_cache; i++)
        mysql_stmt_close(db->cache[i].stmt);
    db->n_cache = 0;
    if (db->conn)
        mysql_close(db->conn);
    db->conn = NULL;
    /* An open transaction stays open, and lost: its statements must not go
     * on as autocommit on the next connection (db_transaction() runs the
     * whole of it again). */
    if (db->in_txn)
        db->txn_lost = 1;
}

void db_close(struct db *db)
{
    if (db == NULL)
        return;
    drop_connection(db);
    for (size_t i = 0; i < db->n_causal; i++)
        free(db->causal[i].text);
    free(db);
}

int db_connected(const struct db *db)
{
    return db->conn != NULL;
}

unsigned long db_prepare_count(const struct db *db)
{
    return db->prepares;
}

static int fail(struct db *db, struct mrb_err *err, const char *what, const char *detail)
{
    (void)db;
    log_msg(LOG_LVL_WARN, "db: %s: %s", what, detail);
    err_set(err, E_UNAVAILABLE, "database unavailable");
    return DB_ERR;
}

/* Whether m's node can take work: a plain MariaDB always; a Galera node
 * only while Synced (wsrep_local_state 4), never as a donor, joiner or
 * outside the primary component. Sets *galera. */
static int node_ready(MYSQL *m, int *galera)
{
    static const char sql[] = "SELECT @@wsrep_on, (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
                              "WHERE VARIABLE_NAME = 'WSREP_LOCAL_STATE')";
    MYSQL_RES *res;
    MYSQL_ROW row;
    int ready = 0;

    *galera = 0;
    if (mysql_query(m, sql) != 0) /* a build without wsrep at all: plain */
        return mysql_errno(m) == ER_UNKNOWN_SYSTEM_VARIABLE;
    res = mysql_store_result(m);
    if (res == NULL)
        return 0;
    row = mysql_fetch_row(res);
    if (row && row[0] && strcmp(row[0], "1") == 0) {
        *galera = 1;
        ready = row[1] && strcmp(row[1], "4") == 0;
    } else {
        ready = row != NULL;
    }
    mysql_free_result(res);
    return ready;
}

/* A session on node i, ready for work, or NULL (*why says why). */
static MYSQL *open_node(struct db *db, size_t i, int *galera, char *why, size_t len)
{
    const struct mrb_conf *c = db->conf;
    const struct conf_db_node *n = &c->db.nodes[i];
    /* Connector/C counts the connect timeout in whole seconds. */
    unsigned int connect_timeout = (unsigned int)((c->db.connect_timeout_ms + 999) / 1000), io_timeout = (unsigned int)c->db.io_timeout_s;
    MYSQL *m = mysql_init(NULL);

    if (m == NULL) {
        snprintf(why, len, "out of memory");
        return NULL;
    }
    mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
    mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &io_timeout);
    mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &io_timeout);
    mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    if (c->db.tls_ca) {
        /* TLS or no connection: never a silent fall back to plain text. */
        my_bool on = 1, verify = c->db.tls_verify_server_name ? 1 : 0;
        mysql_optionsv(m, MYSQL_OPT_SSL_CA, c->db.tls_ca);
        if (c->db.tls_cert) {
            mysql_optionsv(m, MYSQL_OPT_SSL_CERT, c->db.tls_cert);
            mysql_optionsv(m, MYSQL_OPT_SSL_KEY, c->db.tls_key);
        }
        mysql_optionsv(m, MYSQL_OPT_SSL_ENFORCE, &on);
        mysql_optionsv(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify);
    }
    const char *socket = c->db.n_nodes == 1 ? c->db.socket : NULL;
    if (mysql_real_connect(m, n->host[0] ? n->host : NULL, c->db.user, c->db.password, c->db.database,
                           (unsigned int)n->port, socket, CLIENT_FOUND_ROWS) == NULL) {
        /* name what was tried: the operator's first question */
        if (socket && !n->host[0])
            snprintf(why, len, "socket %s: %s", socket, mysql_error(m));
        else
            snprintf(why, len, "%s:%ld%s: %s", n->host[0] ? n->host : "localhost", n->port,
                     c->db.tls_ca ? " (TLS)" : "", mysql_error(m));
        mysql_close(m);
        return NULL;
    }
    if (!node_ready(m, galera)) {
        snprintf(why, len, "%s:%ld: not ready (a Galera node that is not Synced)", n->host, n->port);
        mysql_close(m);
        return NULL;
    }
    /* Short transactions, no gap locks: what Galera handles best. */
    if (mysql_query(m, "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED") != 0) {
        snprintf(why, len, "%s:%ld: session setup: %s", n->host, n->port, mysql_error(m));
        mysql_close(m);
        return NULL;
    }
    return m;
}

static void use_node(struct db *db, MYSQL *m, size_t i, int galera)
{
    const struct conf_db_node *n = &db->conf->db.nodes[i];

    db->conn = m;
    db->node = i;
    db->galera = galera;
    db->down_until[i] = 0;
    db->next_probe = util_now() + DB_PROBE_EVERY_S;
    memset(db->ready_since, 0, sizeof(db->ready_since));
    /* once per change; the first node at start is no news */
    if (db->logged != i + 1 && db->conf->db.n_nodes > 1 && (db->logged != 0 || i != 0))
        log_msg(i == 0 ? LOG_LVL_INFO : LOG_LVL_WARN, "db: using node %s:%ld (%zu of %zu)%s", n->host, n->port,
                i + 1, db->conf->db.n_nodes, galera ? "" : ", not a Galera node");
    db->logged = i + 1;
}

/* The first node that is ready, skipping those that failed moments ago
 * unless no other one answers. */
static int connect_db(struct db *db, struct mrb_err *err)
{
    const struct mrb_conf *c = db->conf;
    long long now = util_now();
    char why[300] = "no node configured";
    int galera;

    if (db->conn)
        return 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < c->db.n_nodes; i++) {
            MYSQL *m;
            if (pass == 0 && db->down_until[i] > now)
                continue;
            if (pass == 1 && db->down_until[i] <= now)
                continue; /* tried in the first pass */
            m = open_node(db, i, &galera, why, sizeof(why));
            if (m) {
                use_node(db, m, i, galera);
                return 0;
            }
            db->down_until[i] = now + DB_NODE_PENALTY_S;
            if (c->db.n_nodes > 1)
                log_msg(LOG_LVL_WARN, "db: node %s", why);
        }
    }
    return fail(db, err, "connect", why);
}

void db_idle(struct db *db)
{
    const struct mrb_conf *c = db->conf;
    long long now = util_now();

    /* Failback: on a later node, look at the earlier ones now and then; go
     * back to the first that has stayed ready for failback_s. */
    if (db->conn == NULL || db->in_txn || db->node == 0 || now < db->next_probe)
        return;
    db->next_probe = now + DB_PROBE_EVERY_S;
    for (size_t i = 0; i < db->node; i++) {
        char why[300];
        int galera;
        MYSQL *m = open_node(db, i, &galera, why, sizeof(why));
        if (m == NULL) {
            db->ready_since[i] = 0;
            continue;
        }
        if (db->ready_since[i] == 0)
            db->ready_since[i] = now;
        if (now - db->ready_since[i] >= c->db.failback_s) {
            drop_connection(db);
            use_node(db, m, i, galera);
            return;
        }
        mysql_close(m);
    }
}

int db_is_galera(const struct db *db)
{
    return db->conn != NULL && db->galera;
}

const char *db_node_name(const struct db *db, char *buf, size_t len)
{
    const struct conf_db_node *n;

    if (db->conn == NULL)
        return NULL;
    n = &db->conf->db.nodes[db->node];
    snprintf(buf, len, "%s:%ld", n->host[0] ? n->host : "localhost", n->port);
    return buf;
}

/* Errors after which this node cannot serve the session: the connection
 * is gone (2006, 2013, 2002/2003 on reconnect), the node left the primary
 * component or is not synced (1047), or it is shutting down (1927). The
 * next statement goes to the next ready node. */
static int lost(unsigned int e)
{
    return e == CR_SERVER_GONE_ERROR || e == CR_SERVER_LOST || e == ER_CONNECTION_KILLED ||
           e == CR_CONNECTION_ERROR || e == CR_CONN_HOST_ERROR || e == 1047 /* WSREP not ready */ ||
           e == 4031 /* ER_CLIENT_INTERACTION_TIMEOUT */;
}

/* The node in use failed: skip it for a while and drop the session. */
static void node_failed(struct db *db)
{
    if (db->conn)
        db->down_until[db->node] = util_now() + DB_NODE_PENALTY_S;
    drop_connection(db);
}

/* The statement for sql, prepared once per connection. On failure *e
 * gets the error number (the statement's own: a lost connection shows
 * there, not on the connection). */
static MYSQL_STMT *prepare(struct db *db, const char *sql, unsigned int *e, struct mrb_err *err)
{
    MYSQL_STMT *st;

    *e = 0;
    for (size_t i = 0; i < db->n_cache; i++)
        if (db->cache[i].sql == sql)
            return db->cache[i].stmt;
    for (size_t i = 0; i < db->n_cache; i++)
        if (strcmp(db->cache[i].sql, sql) == 0)
            return db->cache[i].stmt;
    st = mysql_stmt_init(db->conn);
    if (st == NULL) {
        *e = mysql_errno(db->conn);
        fail(db, err, "stmt_init", mysql_error(db->conn));
        return NULL;
    }
    if (mysql_stmt_prepare(st, sql, (unsigned long)strlen(sql)) != 0) {
        *e = mysql_stmt_errno(st);
        fail(db, err, "prepare", mysql_stmt_error(st));
        mysql_stmt_close(st);
        return NULL;
    }
    db->prepares++;
    if (db->n_cache == DB_STMT_CACHE) { /* full: evict the oldest */
        mysql_stmt_close(db->cache[0].stmt);
        memmove(db->cache, db->cache + 1, (DB_STMT_CACHE - 1) * sizeof(db->cache[0]));
        db->n_cache--;
    }
    db->cache[db->n_cache].sql = sql;
    db->cache[db->n_cache].stmt = st;
    db->n_cache++;
    return st;
}

static void bind_params(MYSQL_BIND *b, const struct db_val *p, size_t np, unsigned long *lens)
{
    memset(b, 0, np * sizeof(*b));
    for (size_t i = 0; i < np; i++) {
        switch (p[i].type) {
        case DB_NULL:
            b[i].buffer_type = MYSQL_TYPE_NULL;
            break;
        case DB_INT:
            b[i].buffer_type = MYSQL_TYPE_LONGLONG;
            b[i].buffer = (void *)&p[i].i;
            break;
        case DB_DOUBLE:
            b[i].buffer_type = MYSQL_TYPE_DOUBLE;
            b[i].buffer = (void *)&p[i].d;
            break;
        case DB_STR:
            lens[i] = p[i].len;
            b[i].buffer_type = MYSQL_TYPE_STRING;
            b[i].buffer = (void *)p[i].s;
            b[i].buffer_length = p[i].len;
            b[i].length = &lens[i];
            break;
        }
    }
}

/* 1213: an InnoDB deadlock victim, or (on Galera) a transaction that lost
 * certification to a conflicting commit on another node. Either way the
 * whole transaction was rolled back and may simply be run again. */
static int conflict(unsigned int e)
{
    return e == ER_LOCK_DEADLOCK;
}

/* Prepares, binds and executes, remaking a lost connection once when no
 * transaction is open. Returns the executed statement, or NULL with *code
 * (may be NULL) set to DB_DUP for a duplicate key the caller asked to see
 * (dup_ok), DB_CONFLICT for a deadlock or certification failure, else
 * DB_ERR (err set). */
static MYSQL_STMT *run(struct db *db, const char *sql, const struct db_val *params, size_t np,
                       int dup_ok, int once, int *code, struct mrb_err *err)
{
    MYSQL_BIND bind[DB_MAX_BIND];
    unsigned long lens[DB_MAX_BIND];

    if (code)
        *code = DB_ERR;
    if (np > DB_MAX_BIND) {
        fail(db, err, "bind", "too many parameters");
        return NULL;
    }
    /* After a deadlock or a lost connection the transaction is gone: a
     * further statement would run on its own, as autocommit. */
    if (db->in_txn && db->txn_conflict) {
        if (code)
            *code = DB_CONFLICT;
        err_set(err, E_UNAVAILABLE, "database busy, try again");
        return NULL;
    }
    if (db->in_txn && db->txn_lost) {
        fail(db, err, "statement", "the transaction's connection was lost");
        return NULL;
    }
    for (int attempt = 0; attempt < 2; attempt++) {
        MYSQL_STMT *st;
        unsigned int e;

        if (connect_db(db, err) != 0)
            return NULL;
        st = prepare(db, sql, &e, err);
        if (st == NULL) {
            if (conflict(e) && code) { /* a BF-aborted transaction fails even its next prepare */
                db->txn_conflict = db->in_txn;
                *code = DB_CONFLICT;
                return NULL;
            }
            if (lost(e))
                node_failed(db);
            if (lost(e) && !db->in_txn && attempt == 0)
                continue;
            return NULL;
        }
        /* A miscount would bind garbage, or leave a placeholder unbound:
         * refused loudly, so that the tests meet it (a bug, hence 500). */
        if (mysql_stmt_param_count(st) != np) {
            log_msg(LOG_LVL_ERROR, "db: statement has %lu placeholders, given %zu parameters: %.80s",
                    (unsigned long)mysql_stmt_param_count(st), np, sql);
            err_set(err, E_INTERNAL, "statement parameters miscounted");
            return NULL;
        }
        bind_params(bind, params, np, lens);
        if (mysql_stmt_bind_param(st, bind) != 0) {
            fail(db, err, "bind", mysql_stmt_error(st));
            return NULL;
        }
        if (mysql_stmt_execute(st) == 0)
            return st;
        e = mysql_stmt_errno(st);
        if (e == ER_DUP_ENTRY && dup_ok) {
            if (code)
                *code = DB_DUP;
            return NULL;
        }
        if (conflict(e) && code) {
            db->txn_conflict = db->in_txn;
            *code = DB_CONFLICT;
            err_set(err, E_UNAVAILABLE, "database busy, try again");
            return NULL;
        }
        /* Sent, and the answer lost: it may have been applied. Run again
         * only a statement that may apply twice (not db_exec_once). */
        if (lost(e) && !db->in_txn && !once && attempt == 0) {
            log_msg(LOG_LVL_WARN, "db: connection lost (%u), reconnecting", e);
            node_failed(db);
            continue;
        }
        fail(db, err, "execute", mysql_stmt_error(st));
        if (lost(e))
            node_failed(db);
        return NULL;
    }
    return NULL;
}

static int exec(struct db *db, const char *sql, const struct db_val *params, size_t np, int once,
                unsigned long long *affected, struct mrb_err *err)
{
    int code;
    MYSQL_STMT *st = run(db, sql, params, np, 1, once, &code, err);

    if (st == NULL)
        return code;
    if (affected)
        *affected = (unsigned long long)mysql_stmt_affected_rows(st);
    return 0;
}

int db_exec(struct db *db, const char *sql, const struct db_val *params, size_t np,
            unsigned long long *affected, struct mrb_err *err)
{
    return exec(db, sql, params, np, 0, affected, err);
}

int db_exec_once(struct db *db, const char *sql, const struct db_val *params, size_t np,
                 unsigned long long *affected, struct mrb_err *err)
{
    return exec(db, sql, params, np, 1, affected, err);
}

/* A query's result could not be read (store or fetch). A Galera
 * transaction aborted by a replicated write (brute force) may learn of it
 * only here, as a deadlock: that is a conflict to run again, as for a
 * statement (run()), not an unavailable database. */
static int result_failed(struct db *db, MYSQL_STMT *st, const char *what, struct mrb_err *err)
{
    unsigned int e = mysql_stmt_errno(st);
    int rc;

    if (conflict(e)) {
        db->txn_conflict = db->in_txn;
        err_set(err, E_UNAVAILABLE, "database busy, try again");
        rc = DB_CONFLICT;
    } else {
        rc = fail(db, err, what, mysql_stmt_error(st));
    }
    mysql_stmt_free_result(st);
    return rc;
}

int db_query(struct db *db, const char *sql, const struct db_val *params, size_t np,
             struct db_col *cols, size_t ncols, db_row_fn fn, void *ctx, struct mrb_err *err)
{
    MYSQL_BIND bind[DB_MAX_BIND];
    MYSQL_STMT *st;
    my_bool nulls[DB_MAX_BIND];
    int rows = 0, rc, code;

    if (ncols > DB_MAX_BIND)
        return fail(db, err, "bind", "too many columns");
    st = run(db, sql, params, np, 0, 0, &code, err);
    if (st == NULL)
        return code;
    memset(bind, 0, sizeof(bind));
    for (size_t i = 0; i < ncols; i++) {
        switch (cols[i].type) {
        case DB_INT:
        case DB_NULL:
            bind[i].buffer_type = MYSQL_TYPE_LONGLONG;
            bind[i].buffer = &cols[i].i;
            break;
        case DB_DOUBLE:
            bind[i].buffer_type = MYSQL_TYPE_DOUBLE;
            bind[i].buffer = &cols[i].d;
            break;
        case DB_STR:
            bind[i].buffer_type = MYSQL_TYPE_STRING;
            bind[i].buffer = cols[i].s;
            bind[i].buffer_length = DB_COL_MAX - 1;
            break;
        }
        bind[i].length = &cols[i].len;
        bind[i].is_null = &nulls[i];
    }
    if (mysql_stmt_bind_result(st, bind) != 0 || mysql_stmt_store_result(st) != 0)
        return result_failed(db, st, "result", err);
    while ((rc = mysql_stmt_fetch(st)) == 0) {
        for (size_t i = 0; i < ncols; i++) {
            cols[i].is_null = (char)nulls[i];
            if (cols[i].type == DB_STR)
                cols[i].s[nulls[i] ? 0 : cols[i].len] = '\0';
        }
        rows++;
        if (fn == NULL || fn(ctx, cols, ncols) != 0)
            break;
    }
    if (rc == MYSQL_DATA_TRUNCATED) {
        mysql_stmt_free_result(st);
        return fail(db, err, "fetch", "column value too long");
    }
    if (rc == 1)
        return result_failed(db, st, "fetch", err);
    mysql_stmt_free_result(st);
    return rows;
}

struct collector {
    char *elems;
    size_t n, cap, size;
    db_fill_fn fill;
    void *ctx;
    int out_of_memory;
};

static int collect_one(void *ctx, const struct db_col *cols, size_t ncols)
{
    struct collector *k = ctx;
    char *grown = util_grow(k->elems, k->n, &k->cap, k->size);

    if (grown == NULL) {
        k->out_of_memory = 1;
        return 1;
    }
    k->elems = grown;
    memset(k->elems + k->n * k->size, 0, k->size);
    if (k->fill(k->elems + k->n * k->size, cols, ncols, k->ctx) == 0)
        k->n++;
    return 0;
}

int db_collect(struct db *db, const char *sql, const struct db_val *params, size_t np, struct db_col *cols,
               size_t ncols, size_t elem_size, db_fill_fn fill, void *ctx, void **out, size_t *n,
               struct mrb_err *err)
{
    struct collector k = {.size = elem_size, .fill = fill, .ctx = ctx};
    int rc = db_query(db, sql, params, np, cols, ncols, collect_one, &k, err);

    *out = NULL;
    *n = 0;
    if (rc < 0 || k.out_of_memory) {
        free(k.elems);
        if (k.out_of_memory)
            err_set(err, E_UNAVAILABLE, "out of memory");
        return DB_ERR;
    }
    *out = k.elems;
    *n = k.n;
    return 0;
}

/* The causal text for literal sql, built on first use. NULL when out of
 * memory or room (the caller then reads without waiting). */
static const char *causal_text(struct db *db, const char *sql)
{
    static const char prefix[] = "SET STATEMENT wsrep_sync_wait = 1 FOR ";
    const size_t len = strlen(sql) + 1; /* with its NUL */
    char *text;

    for (size_t i = 0; i < db->n_causal; i++)
        if (db->causal[i].sql == sql)
            return db->causal[i].text;
    if (db->n_causal == DB_CAUSAL_MAX || (text = malloc(sizeof(prefix) - 1 + len)) == NULL)
        return NULL;
    memcpy(text, prefix, sizeof(prefix) - 1);
    memcpy(text + sizeof(prefix) - 1, sql, len);
    db->causal[db->n_causal].sql = sql;
    db->causal[db->n_causal++].text = text;
    return text;
}

int db_query_causal(struct db *db, const char *sql, const struct db_val *params, size_t np,
                    struct db_col *cols, size_t ncols, db_row_fn fn, void *ctx, struct mrb_err *err)
{
    const char *text;

    if (connect_db(db, err) != 0)
        return DB_ERR;
    text = db->galera ? causal_text(db, sql) : NULL;
    return db_query(db, text ? text : sql, params, np, cols, ncols, fn, ctx, err);
}

int db_begin(struct db *db, struct mrb_err *err)
{
    if (connect_db(db, err) != 0)
        return DB_ERR;
    if (mysql_query(db->conn, "START TRANSACTION") != 0) {
        unsigned int e = mysql_errno(db->conn);
        if (lost(e)) { /* nothing is open yet: reconnect once */
            node_failed(db);
            if (connect_db(db, err) != 0 || mysql_query(db->conn, "START TRANSACTION") != 0)
                return fail(db, err, "begin", db->conn ? mysql_error(db->conn) : "no connection");
        } else {
            return fail(db, err, "begin", mysql_error(db->conn));
        }
    }
    db->in_txn = 1;
    db->txn_conflict = 0;
    db->txn_lost = 0;
    return 0;
}

int db_commit(struct db *db, struct mrb_err *err)
{
    const int was_lost = db->txn_lost;

    db->in_txn = 0;
    db->txn_lost = 0;
    if (was_lost) /* the server rolled it back when the connection went */
        return fail(db, err, "commit", "the transaction's connection was lost before COMMIT");
    if (db->conn == NULL || mysql_commit(db->conn) != 0) {
        if (db->conn && conflict(mysql_errno(db->conn))) {
            err_set(err, E_UNAVAILABLE, "database busy, try again");
            return DB_CONFLICT;
        }
        int rc = fail(db, err, "commit", db->conn ? mysql_error(db->conn) : "no connection");
        if (db->conn && lost(mysql_errno(db->conn))) {
            node_failed(db);
            return DB_LOST_COMMIT;
        }
        return rc;
    }
    return 0;
}

void db_rollback(struct db *db)
{
    if (db->in_txn && db->conn && !db->txn_lost)
        mysql_rollback(db->conn);
    db->in_txn = 0;
    db->txn_lost = 0;
}

int db_transaction(struct db *db, db_txn_fn fn, void *ctx, int flags, struct mrb_err *err)
{
    int rc = DB_CONFLICT, lost_retries = 0;

    for (int attempt = 0; attempt <= DB_TXN_RETRIES; attempt++) {
        int lost_before_commit, conflicted;

        if (attempt > 0 && rc == DB_CONFLICT) {
            /* Jittered backoff, so that the same transactions do not collide
             * again in lockstep: 10-30 ms, then 20-60 ms, 40-120 ms, ...
             * up to 160-480 ms. */
            int shift = attempt - 1 < DB_TXN_BACKOFF_MAX_SHIFT ? attempt - 1 : DB_TXN_BACKOFF_MAX_SHIFT;
            long us = (long)((double)(DB_TXN_BACKOFF_US << shift) * (1.0 + 2.0 * util_random_unit()));
            struct timespec pause = {0, us * 1000L};
            nanosleep(&pause, NULL);
        }
        rc = db_begin(db, err);
        if (rc != 0)
            return rc;
        rc = fn(db, ctx, err);
        /* Whatever fn made of it: a statement that hit a deadlock or a
         * certification failure, even one fn treated as best effort, means
         * the database rolled the whole transaction back, and one whose
         * connection went away has nothing left to commit. Neither may be
         * committed as if it had succeeded. */
        conflicted = db->txn_conflict;
        lost_before_commit = db->txn_lost;
        if (conflicted)
            rc = DB_CONFLICT;
        else if (lost_before_commit && rc == 0)
            rc = DB_ERR;
        if (rc == 0)
            rc = db_commit(db, err);
        if (rc != 0)
            db_rollback(db);
        if (rc == DB_CONFLICT) {
            if (err && err->http == 0)
                err_set(err, E_UNAVAILABLE, "database busy, try again");
            continue;
        }
        /* The node went away. Before COMMIT nothing was applied, so the
         * transaction runs again on the next node (once per configured
         * node); during COMMIT it may or may not have been, so only a
         * replayable one runs again. */
        if (rc == DB_LOST_COMMIT && (flags & DB_TXN_REPLAYABLE))
            continue;
        if (rc != 0 && rc != DB_LOST_COMMIT && (lost_before_commit || !db_connected(db)) &&
            lost_retries++ < (int)db->conf->db.n_nodes)
            continue;
        break;
    }
    if (rc == DB_CONFLICT)
        log_msg(LOG_LVL_WARN, "db: transaction still conflicting after %d retries", DB_TXN_RETRIES);
    if (rc == 0 && err)
        err_clear(err); /* what an attempt that ran again left behind is no news */
    return rc == DB_LOST_COMMIT ? DB_ERR : rc;
}

int db_fill_text(void *elem, const struct db_col *cols, size_t ncols, void *ctx)
{
    (void)ncols;
    return db_col_str(elem, *(const size_t *)ctx, &cols[0]) == 0 ? 0 : 1;
}

int db_col_str(char *dst, size_t cap, const struct db_col *c)
{
    if (c->is_null || c->len >= cap) {
        dst[0] = '\0';
        return c->is_null ? 0 : -1;
    }
    memcpy(dst, c->s, c->len + 1);
    return 0;
}
