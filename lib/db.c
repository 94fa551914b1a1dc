#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>

#include "db.h"
#include "util.h"

#define DB_STMT_CACHE 64
#define DB_MAX_BIND 32

struct stmt_slot {
    const char *sql; /* a literal: compared by address first */
    MYSQL_STMT *stmt;
};

struct db {
    const struct mrb_conf *conf;
    MYSQL *conn;
    int in_txn;
    struct stmt_slot cache[DB_STMT_CACHE];
    size_t n_cache;
    unsigned long prepares;
};

struct db *db_open(const struct mrb_conf *conf)
{
    struct db *db = calloc(1, sizeof(*db));

    if (db)
        db->conf = conf;
    return db;
}

static void drop_connection(struct db *db)
{
    for (size_t i = 0; i < db->n_cache; i++)
        mysql_stmt_close(db->cache[i].stmt);
    db->n_cache = 0;
    if (db->conn)
        mysql_close(db->conn);
    db->conn = NULL;
    db->in_txn = 0;
}

void db_close(struct db *db)
{
    if (db == NULL)
        return;
    drop_connection(db);
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
    fprintf(stderr, "mrb: db: %s: %s\n", what, detail);
    err_set(err, 503, "503", "database unavailable");
    return DB_ERR;
}

static int connect_db(struct db *db, struct mrb_err *err)
{
    const struct mrb_conf *c = db->conf;
    unsigned int connect_timeout = 2, io_timeout = 10;
    MYSQL *m;

    if (db->conn)
        return 0;
    m = mysql_init(NULL);
    if (m == NULL)
        return fail(db, err, "init", "out of memory");
    mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
    mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &io_timeout);
    mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &io_timeout);
    mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    if (mysql_real_connect(m, c->db.host, c->db.user, c->db.password, c->db.database,
                           (unsigned int)c->db.port, c->db.socket, CLIENT_FOUND_ROWS) == NULL) {
        char detail[300];
        snprintf(detail, sizeof(detail), "%s", mysql_error(m));
        mysql_close(m);
        return fail(db, err, "connect", detail);
    }
    /* Short transactions, no gap locks: what Galera handles best. */
    if (mysql_query(m, "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED") != 0) {
        char detail[300];
        snprintf(detail, sizeof(detail), "%s", mysql_error(m));
        mysql_close(m);
        return fail(db, err, "session setup", detail);
    }
    db->conn = m;
    return 0;
}

static int lost(unsigned int e)
{
    return e == CR_SERVER_GONE_ERROR || e == CR_SERVER_LOST || e == ER_CONNECTION_KILLED ||
           e == CR_CONNECTION_ERROR || e == 4031 /* ER_CLIENT_INTERACTION_TIMEOUT */;
}

static MYSQL_STMT *prepare(struct db *db, const char *sql, struct mrb_err *err)
{
    MYSQL_STMT *st;

    for (size_t i = 0; i < db->n_cache; i++)
        if (db->cache[i].sql == sql)
            return db->cache[i].stmt;
    for (size_t i = 0; i < db->n_cache; i++)
        if (strcmp(db->cache[i].sql, sql) == 0)
            return db->cache[i].stmt;
    st = mysql_stmt_init(db->conn);
    if (st == NULL) {
        fail(db, err, "stmt_init", mysql_error(db->conn));
        return NULL;
    }
    if (mysql_stmt_prepare(st, sql, (unsigned long)strlen(sql)) != 0) {
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
                       int dup_ok, int *code, struct mrb_err *err)
{
    MYSQL_BIND bind[DB_MAX_BIND];
    unsigned long lens[DB_MAX_BIND];

    if (code)
        *code = DB_ERR;
    if (np > DB_MAX_BIND) {
        fail(db, err, "bind", "too many parameters");
        return NULL;
    }
    for (int attempt = 0; attempt < 2; attempt++) {
        MYSQL_STMT *st;
        unsigned int e;

        if (connect_db(db, err) != 0)
            return NULL;
        st = prepare(db, sql, err);
        if (st == NULL) {
            e = mysql_errno(db->conn);
            if (lost(e) && !db->in_txn && attempt == 0) {
                drop_connection(db);
                continue;
            }
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
            *code = DB_CONFLICT;
            err_set(err, 503, "503", "database busy, try again");
            return NULL;
        }
        if (lost(e) && !db->in_txn && attempt == 0) {
            fprintf(stderr, "mrb: db: connection lost (%u), reconnecting\n", e);
            drop_connection(db);
            continue;
        }
        fail(db, err, "execute", mysql_stmt_error(st));
        if (lost(e))
            drop_connection(db);
        return NULL;
    }
    return NULL;
}

int db_exec(struct db *db, const char *sql, const struct db_val *params, size_t np,
            unsigned long long *affected, struct mrb_err *err)
{
    int code;
    MYSQL_STMT *st = run(db, sql, params, np, 1, &code, err);

    if (st == NULL)
        return code;
    if (affected)
        *affected = (unsigned long long)mysql_stmt_affected_rows(st);
    return 0;
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
    st = run(db, sql, params, np, 0, &code, err);
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
    if (mysql_stmt_bind_result(st, bind) != 0 || mysql_stmt_store_result(st) != 0) {
        rc = fail(db, err, "result", mysql_stmt_error(st));
        mysql_stmt_free_result(st);
        return rc;
    }
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
    if (rc == 1) {
        rc = fail(db, err, "fetch", mysql_stmt_error(st));
        mysql_stmt_free_result(st);
        return rc;
    }
    mysql_stmt_free_result(st);
    return rows;
}

int db_begin(struct db *db, struct mrb_err *err)
{
    if (connect_db(db, err) != 0)
        return DB_ERR;
    if (mysql_query(db->conn, "START TRANSACTION") != 0) {
        unsigned int e = mysql_errno(db->conn);
        if (lost(e)) { /* nothing is open yet: reconnect once */
            drop_connection(db);
            if (connect_db(db, err) != 0 || mysql_query(db->conn, "START TRANSACTION") != 0)
                return fail(db, err, "begin", db->conn ? mysql_error(db->conn) : "no connection");
        } else {
            return fail(db, err, "begin", mysql_error(db->conn));
        }
    }
    db->in_txn = 1;
    return 0;
}

int db_commit(struct db *db, struct mrb_err *err)
{
    db->in_txn = 0;
    if (db->conn == NULL || mysql_commit(db->conn) != 0) {
        if (db->conn && conflict(mysql_errno(db->conn))) {
            err_set(err, 503, "503", "database busy, try again");
            return DB_CONFLICT;
        }
        int rc = fail(db, err, "commit", db->conn ? mysql_error(db->conn) : "no connection");
        if (db->conn && lost(mysql_errno(db->conn)))
            drop_connection(db);
        return rc;
    }
    return 0;
}

void db_rollback(struct db *db)
{
    if (db->in_txn && db->conn)
        mysql_rollback(db->conn);
    db->in_txn = 0;
}

int db_transaction(struct db *db, db_txn_fn fn, void *ctx, struct mrb_err *err)
{
    int rc = DB_CONFLICT;

    for (int attempt = 0; attempt < DB_TXN_TRIES && rc == DB_CONFLICT; attempt++) {
        if (attempt > 0) {
            /* Jittered backoff, so that the same two transactions do not
             * collide again in lockstep: 1-2 ms, then 2-4 ms. */
            long us = (long)((double)(1000L << (attempt - 1)) * (1.0 + util_random_unit()));
            struct timespec pause = {0, us * 1000L};
            nanosleep(&pause, NULL);
        }
        rc = db_begin(db, err);
        if (rc != 0)
            return rc;
        rc = fn(db, ctx, err);
        if (rc == 0)
            rc = db_commit(db, err);
        else
            db_rollback(db);
    }
    if (rc == DB_CONFLICT)
        fprintf(stderr, "mrb: db: transaction still conflicting after %d tries\n", DB_TXN_TRIES);
    return rc;
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
